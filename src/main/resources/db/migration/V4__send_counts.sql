-- Delivery progress without counting: one row per issue and send status, kept by statement-level
-- triggers (one counter update per statement: a claim of 50 sends or an outcome batch of 500
-- costs one), so GET .../delivery is one indexed read however large the issue.
CREATE TABLE send_count (
    issue_id  uuid   NOT NULL REFERENCES issue (id) ON DELETE CASCADE,
    status    text   NOT NULL,
    n         bigint NOT NULL,
    PRIMARY KEY (issue_id, status)
);

CREATE FUNCTION send_count_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO send_count (issue_id, status, n)
    SELECT issue_id, status, count(*) FROM new_rows GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (issue_id, status) DO UPDATE SET n = send_count.n + EXCLUDED.n;
    RETURN NULL;
END $$;

CREATE FUNCTION send_count_remove() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE send_count c SET n = c.n - o.k
    FROM (SELECT issue_id, status, count(*) AS k FROM old_rows GROUP BY 1, 2) o
    WHERE c.issue_id = o.issue_id AND c.status = o.status;
    RETURN NULL;
END $$;

CREATE FUNCTION send_count_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH delta AS (
        SELECT issue_id, status, sum(k) AS k FROM (
            SELECT o.issue_id, o.status, -1 AS k FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE o.status <> n.status
            UNION ALL
            SELECT n.issue_id, n.status, 1 AS k FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE o.status <> n.status
        ) changes GROUP BY 1, 2
    )
    INSERT INTO send_count (issue_id, status, n)
    SELECT issue_id, status, k FROM delta WHERE k <> 0 ORDER BY 1, 2
    ON CONFLICT (issue_id, status) DO UPDATE SET n = send_count.n + EXCLUDED.n;
    RETURN NULL;
END $$;

CREATE TRIGGER send_count_insert AFTER INSERT ON send
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION send_count_add();
CREATE TRIGGER send_count_delete AFTER DELETE ON send
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION send_count_remove();
CREATE TRIGGER send_count_update AFTER UPDATE ON send
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION send_count_move();

-- With counts kept above, nothing needs every send indexed by status any more; every status change
-- of every send had to update that index. Listing by status now walks send_issue_page, helped by a
-- small partial index for the statuses one looks for among many sent ones.
DROP INDEX send_issue_status;
CREATE INDEX send_issue_attention ON send (issue_id, created_at DESC, id DESC)
    WHERE status IN ('failed', 'bounced', 'skipped', 'retrying');
