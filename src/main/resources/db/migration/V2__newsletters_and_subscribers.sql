CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Time-ordered UUIDs (RFC 9562 version 7): rows inserted together land together in the primary
-- key index, which makes bulk inserts (imports, send records) markedly cheaper than random UUIDs.
CREATE FUNCTION uuid_v7() RETURNS uuid LANGUAGE sql VOLATILE AS $$
    SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) PLACING
           substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3) FROM 1 FOR 6),
           52, 1), 53, 1), 'hex')::uuid
$$;

-- A publication owned by one account. The slug names its public pages (/p/{slug}), so it is
-- unique across the whole service.
CREATE TABLE newsletter (
    id             uuid PRIMARY KEY,
    account_id     uuid        NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    slug           text        NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9](?:[a-z0-9-]{1,62})[a-z0-9]$'),
    name           text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    from_name      text        NOT NULL CHECK (length(from_name) BETWEEN 1 AND 200),
    from_email     text        NOT NULL CHECK (length(from_email) <= 254),
    reply_to       text        CHECK (length(reply_to) <= 254),
    double_opt_in  boolean     NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL
);
CREATE INDEX newsletter_account_page ON newsletter (account_id, created_at DESC, id DESC);

-- Subscribers of a newsletter. 'erased' rows are the husks of deleted subscribers: no personal
-- data left, kept so that delivery history stays whole; the API never shows them.
CREATE TABLE subscriber (
    id               uuid PRIMARY KEY,
    newsletter_id    uuid        NOT NULL REFERENCES newsletter (id) ON DELETE CASCADE,
    email            text        CHECK (length(email) <= 254),
    name             text        CHECK (length(name) <= 200),
    status           text        NOT NULL
                     CHECK (status IN ('pending', 'active', 'unsubscribed', 'bounced', 'complained', 'erased')),
    attributes       jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object'),
    created_at       timestamptz NOT NULL,
    confirmed_at     timestamptz,
    unsubscribed_at  timestamptz,
    confirm_sent_at  timestamptz,
    CHECK (status = 'erased' OR email IS NOT NULL)
);
-- One address once per newsletter, whatever its case.
CREATE UNIQUE INDEX subscriber_address_unique ON subscriber (newsletter_id, lower(email));
-- Keyset pagination, newest first, with and without a status filter (also the publish audience).
CREATE INDEX subscriber_page ON subscriber (newsletter_id, created_at DESC, id DESC);
CREATE INDEX subscriber_status_page ON subscriber (newsletter_id, status, created_at DESC, id DESC);
-- Substring search on address and name: one trigram index over both (one index to maintain on
-- import, not two); queries must use the same expression.
CREATE INDEX subscriber_search ON subscriber
    USING gin ((lower(coalesce(email, '') || ' ' || coalesce(name, ''))) gin_trgm_ops);

-- subscriberCounts without counting: one row per newsletter and status, kept by statement-level
-- triggers (one update per statement, so a 1,000-row import batch costs one counter update).
CREATE TABLE subscriber_count (
    newsletter_id  uuid   NOT NULL REFERENCES newsletter (id) ON DELETE CASCADE,
    status         text   NOT NULL,
    n              bigint NOT NULL,
    PRIMARY KEY (newsletter_id, status)
);

CREATE FUNCTION subscriber_count_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO subscriber_count (newsletter_id, status, n)
    SELECT newsletter_id, status, count(*) FROM new_rows WHERE status <> 'erased' GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (newsletter_id, status) DO UPDATE SET n = subscriber_count.n + EXCLUDED.n;
    RETURN NULL;
END $$;

CREATE FUNCTION subscriber_count_remove() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE subscriber_count c SET n = c.n - o.k
    FROM (SELECT newsletter_id, status, count(*) AS k FROM old_rows WHERE status <> 'erased' GROUP BY 1, 2) o
    WHERE c.newsletter_id = o.newsletter_id AND c.status = o.status;
    RETURN NULL;
END $$;

CREATE FUNCTION subscriber_count_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH delta AS (
        SELECT newsletter_id, status, sum(k) AS k FROM (
            SELECT o.newsletter_id, o.status, -1 AS k
            FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE o.status <> n.status
            UNION ALL
            SELECT n.newsletter_id, n.status, 1 AS k
            FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE o.status <> n.status
        ) changes WHERE status <> 'erased' GROUP BY 1, 2
    )
    INSERT INTO subscriber_count (newsletter_id, status, n)
    SELECT newsletter_id, status, k FROM delta ORDER BY 1, 2
    ON CONFLICT (newsletter_id, status) DO UPDATE SET n = subscriber_count.n + EXCLUDED.n;
    RETURN NULL;
END $$;

CREATE TRIGGER subscriber_count_insert AFTER INSERT ON subscriber
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION subscriber_count_add();
CREATE TRIGGER subscriber_count_delete AFTER DELETE ON subscriber
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION subscriber_count_remove();
CREATE TRIGGER subscriber_count_update AFTER UPDATE ON subscriber
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION subscriber_count_move();

-- CSV imports: a background job per upload, with its progress and per-line errors.
CREATE TABLE subscriber_import (
    id             uuid PRIMARY KEY,
    newsletter_id  uuid        NOT NULL REFERENCES newsletter (id) ON DELETE CASCADE,
    status         text        NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    as_status      text        NOT NULL CHECK (as_status IN ('active', 'pending')),
    total          integer     NOT NULL DEFAULT 0,
    created        integer     NOT NULL DEFAULT 0,
    updated        integer     NOT NULL DEFAULT 0,
    skipped        integer     NOT NULL DEFAULT 0,
    errors         jsonb       NOT NULL DEFAULT '[]',
    error_count    integer     NOT NULL DEFAULT 0,
    message        text,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    finished_at    timestamptz
);
CREATE INDEX subscriber_import_running ON subscriber_import (updated_at) WHERE status = 'running';

-- Secrets the service generates for itself when none is configured (the key that signs
-- confirmation and unsubscribe links), shared by every replica.
CREATE TABLE service_secret (
    name        text PRIMARY KEY,
    value       text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
