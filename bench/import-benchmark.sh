#!/usr/bin/env bash
# Import benchmark: how long a CSV import of N subscribers takes, end to end (upload start ->
# import 'done'), and the app's peak RSS while it runs. Runs the real platform (bin/run-local on
# its own ports: embedded PostgreSQL, Kafka, GreenMail, the packaged app).
#
#   bench/import-benchmark.sh [ROWS ...]        default: 100000 1000000
#
# Needs: a JDK, curl, python3. Prints one result line per size; exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-100000 1000000}")
[ $# -eq 0 ] && sizes=(100000 1000000)

APP=18080; PG=56432; KAFKA=29092; SMTP=4025; MAILAPI=9025
work=target/bench-import; mkdir -p "$work"
base="http://127.0.0.1:$APP"

./mvnw -B -q package -DskipTests
java -cp 'target/infra/lib/*' dev.tidings.infra.Stack platform --app-port $APP --management-port $((APP + 1000)) \
  --postgres-port $PG \
  --kafka-port $KAFKA --smtp-port $SMTP --mail-api-port $MAILAPI > "$work/platform.log" 2>&1 &
platform=$!
trap 'kill $platform 2>/dev/null; wait $platform 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$((APP + 1000))/q/health/ready" >/dev/null 2>&1 && break
  kill -0 $platform 2>/dev/null || { echo "platform failed to start; see $work/platform.log"; exit 1; }
  sleep 1
done
app_pid=$(pgrep -f "quarkus-run.jar" | head -n 1)

curl -sf -c "$work/cookies" -H 'Content-Type: application/json' \
  -d '{"email":"demo@example.com","password":"tidings-demo-password"}' "$base/api/auth/login"
token=$(curl -sf -b "$work/cookies" -H 'Content-Type: application/json' -d '{"name":"bench"}' "$base/api/tokens" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
auth=(-H "Authorization: Bearer $token")

for rows in "${sizes[@]}"; do
  csv="$work/subscribers-$rows.csv"
  python3 - "$rows" > "$csv" <<'PY'
import sys
n = int(sys.argv[1])
out = sys.stdout
out.write("email,name,city,plan\n")
cities = ["Oslo", "Lima", "Pune", "Kyiv", "Accra", "Quito"]
for i in range(n):
    out.write(f"reader{i}@example{i % 97}.com,Reader {i},{cities[i % 6]},{'pro' if i % 3 == 0 else 'free'}\n")
PY
  slug="bench-$rows-$RANDOM"
  newsletter=$(curl -sf "${auth[@]}" -H 'Content-Type: application/json' \
    -d "{\"slug\":\"$slug\",\"name\":\"Bench $rows\",\"fromName\":\"Bench\",\"fromEmail\":\"bench@example.com\"}" \
    "$base/api/newsletters" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  rss_before=$(ps -o rss= -p "$app_pid" | tr -d ' ')
  peak=$rss_before
  start=$(date +%s.%N)
  location=$(curl -sf -D - -o /dev/null "${auth[@]}" -H 'Content-Type: text/csv' --data-binary @"$csv" \
    "$base/api/newsletters/$newsletter/subscribers/import" | tr -d '\r' | awk -F': ' 'tolower($1)=="location"{print $2}')
  uploaded=$(date +%s.%N)
  case "$location" in http*) url=$location ;; *) url=$base$location ;; esac
  status=running
  while [ "$status" = running ]; do
    rss=$(ps -o rss= -p "$app_pid" | tr -d ' '); [ "$rss" -gt "$peak" ] && peak=$rss
    result=$(curl -sf "${auth[@]}" "$url")
    status=$(echo "$result" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
    [ "$status" = running ] && sleep 0.1
  done
  end=$(date +%s.%N)
  created=$(echo "$result" | python3 -c 'import json,sys; print(json.load(sys.stdin)["created"])')
  active=$(curl -sf "${auth[@]}" "$base/api/newsletters/$newsletter" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["subscriberCounts"]["active"])')
  python3 - "$rows" "$start" "$uploaded" "$end" "$status" "$created" "$active" "$rss_before" "$peak" "$(du -k "$csv" | cut -f1)" <<'PY'
import sys
rows, start, up, end, status, created, active, before, peak, kb = sys.argv[1:]
total = float(end) - float(start)
print(f"import rows={rows} file={int(kb)//1024}MiB status={status} created={created} active={active} "
      f"upload={float(up)-float(start):.2f}s total={total:.2f}s rate={int(rows)/total:,.0f} rows/s "
      f"rss_before={int(before)//1024}MiB rss_peak={int(peak)//1024}MiB")
PY
  [ "$status" = done ] && [ "$created" = "$rows" ] || { echo "FAILED: import did not create every row"; exit 1; }
done
