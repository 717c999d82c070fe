-- An issue of a newsletter: a draft until published; then the audience is fixed and each
-- recipient gets one send record.
CREATE TABLE issue (
    id              uuid PRIMARY KEY,
    newsletter_id   uuid        NOT NULL REFERENCES newsletter (id) ON DELETE CASCADE,
    subject         text        NOT NULL CHECK (length(subject) BETWEEN 1 AND 300),
    preheader       text        CHECK (length(preheader) <= 300),
    body_markdown   text,
    -- The HTML body: given, or rendered from body_markdown when that is given. A Qute template.
    body_html       text        NOT NULL,
    -- The plain-text body: given, or null and derived from body_html. A Qute template.
    body_text       text,
    status          text        NOT NULL DEFAULT 'draft'
                    CHECK (status IN ('draft', 'scheduled', 'sending', 'paused', 'sent', 'cancelled')),
    scheduled_at    timestamptz,
    -- Idempotency-Key of the publish request that published it, if any.
    publish_key     text,
    recipients      integer,
    -- Dispatch progress (delivery.Dispatcher). The audience is walked in (created_at, id) order:
    -- planned_upto is the last subscriber whose send record exists (moved in the transaction that
    -- creates them), produced_upto the last whose send is on Kafka (moved after the broker has it).
    -- Between the two lies the batch a crashed dispatcher may not have produced: it is produced again.
    planned_upto_at  timestamptz,
    planned_upto     uuid,
    produced_upto_at timestamptz,
    produced_upto    uuid,
    planning_done   boolean     NOT NULL DEFAULT false,
    -- Set by resume: queued sends are put on Kafka again, walked by send id up to requeue_upto.
    requeue         boolean     NOT NULL DEFAULT false,
    requeue_upto    uuid,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    published_at    timestamptz,
    started_at      timestamptz,
    finished_at     timestamptz
);
CREATE INDEX issue_newsletter_page ON issue (newsletter_id, created_at DESC, id DESC);
CREATE INDEX issue_due ON issue (scheduled_at) WHERE status = 'scheduled';
CREATE INDEX issue_in_flight ON issue (published_at) WHERE status IN ('sending', 'paused');

-- One send per (issue, subscriber): the idempotent record of a delivery. Its id is the mail's
-- Message-ID, so a retry after a crash carries the same one.
CREATE TABLE send (
    id               uuid PRIMARY KEY,
    issue_id         uuid        NOT NULL REFERENCES issue (id) ON DELETE CASCADE,
    subscriber_id    uuid        NOT NULL REFERENCES subscriber (id) ON DELETE CASCADE,
    status           text        NOT NULL
                     CHECK (status IN ('queued', 'sending', 'sent', 'retrying', 'failed', 'bounced', 'skipped')),
    attempts         integer     NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz,
    lease_until      timestamptz,
    last_error       text,
    sent_at          timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (issue_id, subscriber_id)
);
-- Progress counts, and the per-send listing (newest first, optionally by status).
CREATE INDEX send_issue_status ON send (issue_id, status, created_at DESC, id DESC);
CREATE INDEX send_issue_page ON send (issue_id, created_at DESC, id DESC);
CREATE INDEX send_retry_due ON send (next_attempt_at) WHERE status = 'retrying';
CREATE INDEX send_lease ON send (lease_until) WHERE status = 'sending';
