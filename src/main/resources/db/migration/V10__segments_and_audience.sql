-- Audience rules (subscriber/AudienceRule) compare JSON attributes: containment ({"attribute":
-- "plan", "op": "eq"}) is served by this index.
CREATE INDEX subscriber_attributes ON subscriber USING gin (attributes jsonb_path_ops);

-- A text that may or may not be a timestamp, as a timestamp or null (never an error): the
-- "before"/"after" attribute comparisons read writer-supplied strings.
CREATE FUNCTION try_timestamptz(v text) RETURNS timestamptz LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN v::timestamptz;
EXCEPTION WHEN others THEN
    RETURN NULL;
END $$;

-- Saved segments: a named audience rule of a newsletter.
CREATE TABLE segment (
    id             uuid PRIMARY KEY,
    newsletter_id  uuid        NOT NULL REFERENCES newsletter (id) ON DELETE CASCADE,
    name           text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    rule           jsonb       NOT NULL,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);
CREATE INDEX segment_newsletter_page ON segment (newsletter_id, created_at DESC, id DESC);

-- An issue's audience: a saved segment or an inline rule (neither: every active subscriber).
-- When the issue starts sending, the rule it is sent with is frozen into audience_rule (the
-- segment's rule at that moment), and the dispatcher plans from it. Deleting a segment first
-- lets go of it in issues past scheduling (they keep their frozen rule); the foreign key then
-- refuses the deletion while a draft or scheduled issue still uses it.
ALTER TABLE issue ADD COLUMN audience_segment_id uuid REFERENCES segment (id);
ALTER TABLE issue ADD COLUMN audience_rule jsonb;
CREATE INDEX issue_audience_segment ON issue (audience_segment_id) WHERE audience_segment_id IS NOT NULL;

-- Engagement with one mail (one row per issue and subscriber who opened or clicked), kept by the
-- engagement consumer: human and machine counts apart, the first and last human open and click.
CREATE TABLE mail_engagement (
    issue_id        uuid        NOT NULL REFERENCES issue (id) ON DELETE CASCADE,
    subscriber_id   uuid        NOT NULL REFERENCES subscriber (id) ON DELETE CASCADE,
    opens           integer     NOT NULL DEFAULT 0,
    machine_opens   integer     NOT NULL DEFAULT 0,
    clicks          integer     NOT NULL DEFAULT 0,
    machine_clicks  integer     NOT NULL DEFAULT 0,
    first_open_at   timestamptz,
    last_open_at    timestamptz,
    first_click_at  timestamptz,
    last_click_at   timestamptz,
    PRIMARY KEY (issue_id, subscriber_id)
);
-- "Opened none of the last n issues" looks up a subscriber's rows.
CREATE INDEX mail_engagement_subscriber ON mail_engagement (subscriber_id, issue_id) WHERE opens > 0;

-- A subscriber's latest human open and click over all issues ("opened within n days").
CREATE TABLE subscriber_engagement (
    subscriber_id   uuid PRIMARY KEY REFERENCES subscriber (id) ON DELETE CASCADE,
    last_open_at    timestamptz,
    last_click_at   timestamptz
);
