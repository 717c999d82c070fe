-- Engagement tracking, opt-in per newsletter (both off by default).
ALTER TABLE newsletter ADD COLUMN track_opens boolean NOT NULL DEFAULT false;
ALTER TABLE newsletter ADD COLUMN track_clicks boolean NOT NULL DEFAULT false;

-- Raw engagement events as the engagement consumer stores them from the tidings.events topic:
-- the id is the event's own (made where it happened), so a redelivered event is stored once and
-- counted once. No address, no IP, no user agent: only what the report and the activity feed show.
-- Kept tidings.events.retention (default 90 days); the aggregates below are kept for good.
CREATE TABLE engagement_event (
    id             uuid PRIMARY KEY,
    type           text        NOT NULL CHECK (type IN ('open', 'click', 'complaint', 'unsubscribe')),
    issue_id       uuid        REFERENCES issue (id) ON DELETE CASCADE,
    subscriber_id  uuid        NOT NULL REFERENCES subscriber (id) ON DELETE CASCADE,
    link_index     integer,
    machine        boolean     NOT NULL DEFAULT false,
    at             timestamptz NOT NULL
);
CREATE INDEX engagement_event_subscriber ON engagement_event (subscriber_id, at DESC, id DESC);
CREATE INDEX engagement_event_send ON engagement_event (issue_id, subscriber_id) WHERE type = 'click';
CREATE INDEX engagement_event_at ON engagement_event (at);

-- A mail whose links a scanner followed: its clicks count as machine clicks.
ALTER TABLE mail_engagement ADD COLUMN scanned boolean NOT NULL DEFAULT false;

-- Clicks per link of an issue and subscriber (the links table of the report: unique and total).
CREATE TABLE link_engagement (
    issue_id        uuid    NOT NULL REFERENCES issue (id) ON DELETE CASCADE,
    link_index      integer NOT NULL,
    subscriber_id   uuid    NOT NULL REFERENCES subscriber (id) ON DELETE CASCADE,
    clicks          integer NOT NULL DEFAULT 0,
    machine_clicks  integer NOT NULL DEFAULT 0,
    first_click_at  timestamptz NOT NULL,
    PRIMARY KEY (issue_id, link_index, subscriber_id)
);

-- Human opens and clicks of an issue per hour (the report's timeline), machine ones apart.
CREATE TABLE engagement_hourly (
    issue_id        uuid        NOT NULL REFERENCES issue (id) ON DELETE CASCADE,
    hour            timestamptz NOT NULL,
    opens           integer     NOT NULL DEFAULT 0,
    clicks          integer     NOT NULL DEFAULT 0,
    machine_opens   integer     NOT NULL DEFAULT 0,
    machine_clicks  integer     NOT NULL DEFAULT 0,
    PRIMARY KEY (issue_id, hour)
);

-- Complaints and unsubscribes attributed to an issue (the latest one sent to the subscriber).
CREATE TABLE issue_engagement (
    issue_id      uuid    PRIMARY KEY REFERENCES issue (id) ON DELETE CASCADE,
    complained    integer NOT NULL DEFAULT 0,
    unsubscribed  integer NOT NULL DEFAULT 0
);

-- Erasing a subscriber deletes their raw events and their latest-activity row; the counted
-- aggregates stay (keyed by the erased husk, which holds no personal data).
CREATE FUNCTION engagement_forget() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM engagement_event WHERE subscriber_id = NEW.id;
    DELETE FROM subscriber_engagement WHERE subscriber_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER engagement_forget AFTER UPDATE OF status ON subscriber
    FOR EACH ROW WHEN (NEW.status = 'erased' AND OLD.status <> 'erased') EXECUTE FUNCTION engagement_forget();
