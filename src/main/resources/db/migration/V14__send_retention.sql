-- Send-record retention (issue 16): an issue finished longer ago than tidings.delivery.send-retention
-- (default 90 days) keeps its aggregates and loses its per-send rows, deleted in small batches.
-- What stays: send_count (its counts by status, kept as they were), the relay counts below, and
-- the issue itself (archive, report, engagement aggregates).

-- One row per issue whose sends are being rolled up (done_at null) or were (done_at set).
CREATE TABLE send_rollup (
    issue_id   uuid        PRIMARY KEY REFERENCES issue (id) ON DELETE CASCADE,
    started_at timestamptz NOT NULL DEFAULT now(),
    done_at    timestamptz,
    deleted    bigint      NOT NULL DEFAULT 0
);

-- The issue's sends by the relay of their last attempt and status, as they were when rolled up
-- (what the delivery view's relay details showed).
CREATE TABLE send_rollup_relay (
    issue_id uuid   NOT NULL REFERENCES send_rollup (issue_id) ON DELETE CASCADE,
    relay    text   NOT NULL,
    status   text   NOT NULL,
    n        bigint NOT NULL,
    PRIMARY KEY (issue_id, relay, status)
);

-- Finished issues by when they finished: where the retention looks for due ones.
CREATE INDEX issue_finished ON issue (finished_at) WHERE status IN ('sent', 'cancelled');

-- Deleting rolled-up sends must leave the counts as they are: the retention sets tidings.rollup
-- for its own transaction (set_config(..., true)), and only then are deletions not counted.
CREATE OR REPLACE FUNCTION send_count_remove() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('tidings.rollup', true) = 'on' THEN
        RETURN NULL;
    END IF;
    INSERT INTO send_count (issue_id, status, shard, n)
    SELECT issue_id, status, pg_backend_pid() % 32, -count(*) FROM old_rows GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (issue_id, status, shard) DO UPDATE SET n = send_count.n + EXCLUDED.n;
    RETURN NULL;
END $$;
