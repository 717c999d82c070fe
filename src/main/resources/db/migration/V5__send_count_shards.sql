-- Every claim, outcome batch and plan batch of an issue updated the same few send_count rows
-- (issue, status), so they queued behind each other's row locks until commit: under load a claim
-- statement spent ~70 ms waiting (pg_stat_statements, 100k-mail benchmark). Counts are now kept
-- in 32 shards per (issue, status), chosen by the server process, and read as sums.
ALTER TABLE send_count ADD COLUMN shard smallint NOT NULL DEFAULT 0;
ALTER TABLE send_count DROP CONSTRAINT send_count_pkey;
ALTER TABLE send_count ADD PRIMARY KEY (issue_id, status, shard);

CREATE OR REPLACE FUNCTION send_count_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO send_count (issue_id, status, shard, n)
    SELECT issue_id, status, pg_backend_pid() % 32, count(*) FROM new_rows GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (issue_id, status, shard) DO UPDATE SET n = send_count.n + EXCLUDED.n;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION send_count_remove() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO send_count (issue_id, status, shard, n)
    SELECT issue_id, status, pg_backend_pid() % 32, -count(*) FROM old_rows GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (issue_id, status, shard) DO UPDATE SET n = send_count.n + EXCLUDED.n;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION send_count_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH delta AS (
        SELECT issue_id, status, sum(k) AS k FROM (
            SELECT o.issue_id, o.status, -1 AS k FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE o.status <> n.status
            UNION ALL
            SELECT n.issue_id, n.status, 1 AS k FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE o.status <> n.status
        ) changes GROUP BY 1, 2
    )
    INSERT INTO send_count (issue_id, status, shard, n)
    SELECT issue_id, status, pg_backend_pid() % 32, k FROM delta WHERE k <> 0 ORDER BY 1, 2
    ON CONFLICT (issue_id, status, shard) DO UPDATE SET n = send_count.n + EXCLUDED.n;
    RETURN NULL;
END $$;
