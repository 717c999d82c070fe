-- MTA-grade delivery (issue 14): per-send deferrals and history, claims named by instance with a
-- heartbeat, dispatch times for the redispatch net, several relays with shared hourly/daily windows.

-- deferrals: throttles that did not count as attempts (bounded by tidings.delivery.free-deferrals).
-- claimed_by: the instance holding a 'sending' send (see delivery_instance).
-- dispatched_at: when a queued or retrying send was last put on Kafka; NULL for a retry not yet
--   due (the retry sweep puts it on Kafka when next_attempt_at comes). A send on Kafka that no
--   consumer claimed within the redispatch window is put on Kafka again.
-- relay: the relay of its last attempt. history: its failed attempts, newest last (at most 10).
ALTER TABLE send
    ADD COLUMN deferrals     integer NOT NULL DEFAULT 0,
    ADD COLUMN claimed_by    uuid,
    ADD COLUMN dispatched_at timestamptz,
    ADD COLUMN relay         text CHECK (length(relay) <= 64),
    ADD COLUMN history       jsonb;

UPDATE send SET dispatched_at = now() WHERE status = 'queued';
UPDATE send SET dispatched_at = now() WHERE status = 'retrying' AND next_attempt_at > now() + interval '1 minute';

DROP INDEX send_retry_due;
-- Retries whose time has come and that are not on Kafka.
CREATE INDEX send_retry_due ON send (next_attempt_at) WHERE status = 'retrying' AND dispatched_at IS NULL;
-- Sends on Kafka that nobody has claimed: the redispatch net.
CREATE INDEX send_dispatched ON send (dispatched_at) WHERE status IN ('queued', 'retrying');
-- Claims of an instance, found when it is taken for dead.
CREATE INDEX send_claimed_by ON send (claimed_by) WHERE status = 'sending';

-- One row per running instance, its heartbeat every tidings.delivery.heartbeat-every. An instance
-- whose beat is older than tidings.delivery.dead-after is taken for dead: its claims are handed
-- back at once. state: what the delivery view shows of it (throttled domains, relays).
-- lag_ms: how far behind the send-jobs topic its consumer is (0 when idle).
CREATE TABLE delivery_instance (
    id          uuid PRIMARY KEY,
    host        text        NOT NULL CHECK (length(host) <= 255),
    started_at  timestamptz NOT NULL DEFAULT now(),
    beat_at     timestamptz NOT NULL DEFAULT now(),
    lag_ms      bigint      NOT NULL DEFAULT 0,
    state       jsonb       NOT NULL DEFAULT '{}'
);

-- Sends through each relay per clock hour and per UTC day, shared by every instance (blocks of
-- tokens are taken with one conditional update).
CREATE TABLE relay_usage (
    relay         text        NOT NULL CHECK (length(relay) <= 64),
    period        text        NOT NULL CHECK (period IN ('hour', 'day')),
    window_start  timestamptz NOT NULL,
    used          integer     NOT NULL DEFAULT 0 CHECK (used >= 0),
    PRIMARY KEY (relay, period, window_start)
);

-- A newsletter may pin one of the configured relays (by name); NULL: the shared pool.
ALTER TABLE newsletter ADD COLUMN relay text CHECK (length(relay) <= 64);
