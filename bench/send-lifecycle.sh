#!/usr/bin/env bash
# PostgreSQL's work per mail, alone: the three statements every send goes through (plan: the
# dispatcher's INSERT of 1,000 queued sends; claim: the consumer's UPDATE of 100 to 'sending';
# record: the outcome writer's UPDATE of 500 to 'sent'), exactly as DeliveryStore writes them, in
# one session with nothing else running, on a scratch database with the app's migrations.
# Deterministic where the delivery benchmark is not (there, PostgreSQL shares 2 cores with the app,
# Kafka and the sink): use it to compare schema or statement changes, back to back.
#
#   bench/send-lifecycle.sh [N]          default N=50000 sends; ROUNDS=3 (the best round is reported)
#   RECORD_JOBS=1 bench/send-lifecycle.sh      outcomes recorded 100 per statement instead of 500 (the
#                                              delivery benchmark's writer batches 60-85 at a time)
#   STALE_PLANS=1 bench/send-lifecycle.sh      claim and record run with generic plans made before the
#                                              issue is planned, while nothing is queued or claimed
#   VARIANT=file.sql bench/send-lifecycle.sh   applies file.sql after the migrations (an index
#                                              change to try), and says so in the result line
#
# Needs psql and a PostgreSQL to create a database on: PGHOST/PGPORT/PGUSER (default
# 127.0.0.1:5432, postgres), as the tests use.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-50000}; ROUNDS=${ROUNDS:-3}; RECORD_JOBS=${RECORD_JOBS:-5}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
db=tidings_lifecycle_bench
psql -q -X -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
trap 'psql -q -X -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true' EXIT
for f in $(ls src/main/resources/db/migration/V*.sql | sort -V); do
  psql -q -X -v ON_ERROR_STOP=1 -d $db -f "$f" >/dev/null
done
[ -n "${VARIANT:-}" ] && psql -q -X -v ON_ERROR_STOP=1 -d $db -f "$VARIANT" >/dev/null
psql -q -X -v ON_ERROR_STOP=1 -d $db <<SQL >/dev/null
INSERT INTO account (id, email, password_hash, created_at)
  VALUES ('00000000-0000-0000-0000-00000000000a', 'bench@example.com', 'x', now());
INSERT INTO newsletter (id, account_id, slug, name, from_name, from_email, double_opt_in, created_at, track_opens, track_clicks)
  VALUES ('00000000-0000-0000-0000-00000000000b', '00000000-0000-0000-0000-00000000000a', 'bench', 'Bench', 'B',
          'b@example.com', false, now() - interval '1 day', false, false);
INSERT INTO subscriber (id, newsletter_id, email, name, status, created_at)
  SELECT uuid_v7(), '00000000-0000-0000-0000-00000000000b', 'r' || g || '@example' || (g % 97) || '.com',
         'Reader ' || g, 'active', now() - interval '1 hour' + g * interval '1 ms' FROM generate_series(1, $N) g;
VACUUM ANALYZE;
SQL

# One round: a fresh issue, planned, claimed and recorded; prints "plan_ms claim_ms record_ms".
round() {
  python3 - "$N" "$RECORD_JOBS" "${STALE_PLANS:-0}" <<'PY' | psql -q -X -v ON_ERROR_STOP=1 -A -t -d $db
import sys, uuid
n = int(sys.argv[1]); jobs = int(sys.argv[2]); stale = sys.argv[3] == "1"; issue = str(uuid.uuid4()); nl = "00000000-0000-0000-0000-00000000000b"
inst = "00000000-0000-0000-0000-0000000000cc"
print(f"""
INSERT INTO issue (id, newsletter_id, subject, body_html, status, created_at, updated_at, published_at, started_at)
  VALUES ('{issue}', '{nl}', 's', 'b', 'sending', now(), now(), now(), now());
PREPARE plan(uuid, uuid, timestamptz, timestamptz, uuid, int) AS
WITH audience AS (
    SELECT id, created_at FROM subscriber s
    WHERE newsletter_id = $2 AND status = 'active' AND created_at <= $3
      AND (confirmed_at IS NULL OR confirmed_at <= $3)
      AND (created_at, id) > ($4, $5) AND true
    ORDER BY created_at, id LIMIT $6),
inserted AS (
    INSERT INTO send (id, issue_id, subscriber_id, status, dispatched_at)
    SELECT uuid_v7(), $1, id, 'queued', now() FROM audience
    ON CONFLICT (issue_id, subscriber_id) DO NOTHING RETURNING id)
SELECT (SELECT count(*) FROM inserted) AS sends, (SELECT count(*) FROM audience) AS planned,
       last.created_at AS last_at, last.id AS last_id
FROM (SELECT 1) one
LEFT JOIN (SELECT created_at, id FROM audience ORDER BY created_at DESC, id DESC LIMIT 1) last ON true;
PREPARE claim(uuid, uuid[], float8, uuid) AS
UPDATE send s SET status = 'sending', lease_until = now() + make_interval(secs => $3), claimed_by = $4
FROM subscriber sub, issue i
WHERE s.id = ANY($2) AND s.issue_id IS NOT DISTINCT FROM $1 AND (s.status || '') IN ('queued', 'retrying')
  AND sub.id = s.subscriber_id AND i.id = $1 AND i.status = 'sending'
RETURNING s.id, s.lease_until, s.issue_id, s.subscriber_id, s.attempts, sub.email, sub.name,
          sub.status, sub.attributes, s.deferrals, s.created_at;
PREPARE record(uuid[], text[], int[], text[], timestamptz[], timestamptz[], int[], text[]) AS
UPDATE send s SET status = u.status, last_error = u.error, next_attempt_at = u.next_at,
    attempts = s.attempts + u.counted, deferrals = s.deferrals + u.deferred,
    relay = coalesce(u.relay, s.relay),
    history = CASE WHEN u.error IS NULL OR u.counted + u.deferred = 0 THEN s.history
              ELSE jsonb_path_query_array(coalesce(s.history, '[]'::jsonb) || jsonb_build_array(
                  jsonb_strip_nulls(jsonb_build_object('at', now(), 'relay', u.relay, 'reply', u.error))),
                  '$[last-9 to last]') END,
    lease_until = NULL, claimed_by = NULL, dispatched_at = NULL,
    sent_at = CASE WHEN u.status = 'sent' THEN now() ELSE s.sent_at END
FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::timestamptz[], $6::timestamptz[],
       $7::int[], $8::text[]) AS u(id, status, counted, error, next_at, lease, deferred, relay)
WHERE s.id = u.id AND (s.status || '') = 'sending' AND s.lease_until IS NOT DISTINCT FROM u.lease;
SELECT '-infinity'::timestamptz AS last_at, '00000000-0000-0000-0000-000000000000'::uuid AS last_id \\gset""")
if stale:
    # Generic plans made now, while nothing is queued or claimed (as at the end of an issue), and
    # kept: the state a replica's cached statements are in when the next issue starts.
    print(f"""ANALYZE send;
SET plan_cache_mode = force_generic_plan;
EXECUTE claim('{issue}', '{{}}', 60, '{inst}');
EXECUTE record('{{}}', '{{}}', '{{}}', '{{}}', '{{}}', '{{}}', '{{}}', '{{}}');""")
print("""
SELECT clock_timestamp() AS t0 \\gset""")
for b in range((n + 999) // 1000):
    print(f"EXECUTE plan('{issue}', '{nl}', now(), :'last_at', :'last_id', 1000) \\gset")
print("""SELECT clock_timestamp() AS t1 \\gset
CREATE TEMP TABLE batch AS SELECT (row_number() OVER (ORDER BY id) - 1) / 100 AS b, id FROM send
  WHERE issue_id = '""" + issue + """';
CREATE INDEX ON batch (b); ANALYZE batch;
SELECT clock_timestamp() AS t2 \\gset""")
for b in range((n + 99) // 100):
    print(f"SELECT array_agg(id)::text AS ids FROM batch WHERE b = {b} \\gset")
    print(f"EXECUTE claim('{issue}', :'ids', 60, '{inst}') \\g /dev/null")
print("""SELECT clock_timestamp() AS t3 \\gset
CREATE TEMP TABLE rec AS SELECT batch.b / """ + str(jobs) + """ AS k, array_agg(s.id)::text AS ids, array_agg(s.lease_until)::text AS leases,
       array_fill('sent'::text, ARRAY[count(*)::int])::text AS st, array_fill(1, ARRAY[count(*)::int])::text AS one,
       array_fill(0, ARRAY[count(*)::int])::text AS zero, array_fill(NULL::text, ARRAY[count(*)::int])::text AS nul,
       array_fill(NULL::timestamptz, ARRAY[count(*)::int])::text AS nult,
       array_fill('bench'::text, ARRAY[count(*)::int])::text AS relay
FROM send s JOIN batch USING (id) GROUP BY 1;
CREATE INDEX ON rec (k); ANALYZE rec;
SELECT clock_timestamp() AS t4 \\gset""")
for b in range((n + 100 * jobs - 1) // (100 * jobs)):
    print(f"SELECT ids, leases, st, one, zero, nul, nult, relay FROM rec WHERE k = {b} \\gset")
    print("EXECUTE record(:'ids', :'st', :'one', :'nul', :'nult', :'leases', :'zero', :'relay');")
print(f"""SELECT clock_timestamp() AS t5 \\gset
SELECT CASE WHEN (SELECT count(*) FROM send WHERE issue_id = '{issue}' AND status = 'sent') = {n}
            THEN 'ok' ELSE 'MISSING' END AS check_sent \\gset
SELECT round(extract(epoch FROM (:'t1'::timestamptz - :'t0'::timestamptz)) * 1000),
       round(extract(epoch FROM (:'t3'::timestamptz - :'t2'::timestamptz)) * 1000),
       round(extract(epoch FROM (:'t5'::timestamptz - :'t4'::timestamptz)) * 1000), :'check_sent';""")
PY
}

best=
for r in $(seq 1 "$ROUNDS"); do
  line=$(round | tail -n 1)
  read -r plan claim record check <<< "$(tr '|' ' ' <<< "$line")"
  [ "$check" = ok ] || { echo "FAILED: round $r did not end with $N sends sent ($line)" >&2; exit 1; }
  total=$((plan + claim + record))
  echo "[send-lifecycle] round $r: plan ${plan} ms, claim ${claim} ms, record ${record} ms" >&2
  if [ -z "$best" ] || [ "$total" -lt "${best%% *}" ]; then best="$total $plan $claim $record"; fi
done
read -r total plan claim record <<< "$best"
size=$(psql -X -A -t -d $db -c "SELECT pg_relation_size('send') / 1048576 || ' ' || pg_indexes_size('send') / 1048576")
python3 - "$N" "$total" "$plan" "$claim" "$record" "$size" "${VARIANT:-}" "${STALE_PLANS:-0}" <<'PY'
import sys
n, total, plan, claim, record = (int(x) for x in sys.argv[1:6]); size = sys.argv[6].split(); variant = sys.argv[7]
stale = sys.argv[8]
us = lambda ms: ms * 1000 / n
print(f"send-lifecycle N={n} per_mail={us(total):.1f}us (plan {us(plan):.1f} + claim {us(claim):.1f} + record {us(record):.1f})"
      f" send_table={size[0]}MiB+{size[1]}MiB_indexes" + (f" variant={variant}" if variant else "")
      + (" stale_plans" if stale == "1" else ""))
PY
