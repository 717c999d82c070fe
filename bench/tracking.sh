#!/usr/bin/env bash
# Tracking endpoints benchmark: GET /t/o/{token} and /t/c/{token} under load from wrk, with real
# tokens taken from mails an issue sent (through the local platform's GreenMail), half opens and
# half clicks. Every answer waits until Kafka has the event (acks=all); afterwards the report must
# count exactly as many opens and clicks as wrk got answers. Target: >= 5,000 requests/s with
# p99 < 20 ms on this 2-core box while nothing else runs.
#
#   bench/tracking.sh                  DURATION=30s CONNECTIONS=32 THREADS=1 READERS=1000
#
# Needs a JDK, python3 and wrk (installed with apt-get when missing and allowed).
set -euo pipefail
cd "$(dirname "$0")/.."
export DURATION=${DURATION:-30s} CONNECTIONS=${CONNECTIONS:-32} THREADS=${THREADS:-1} READERS=${READERS:-1000}
APP=18282; MGMT=19282; PG=56634; KAFKA=29294; SMTP=3127; MAILAPI=8127
say() { echo "[tracking-bench] $*" >&2; }
command -v wrk >/dev/null || apt-get install -y wrk >/dev/null || { say "needs wrk (apt-get install wrk)"; exit 1; }
. bench/platform.sh
start_platform tracking $APP $MGMT $PG $KAFKA $SMTP $MAILAPI
say "platform up; sending an issue to $READERS readers and collecting their tracking links"
python3 bench/tracking_bench.py prepare "http://localhost:$APP" "http://127.0.0.1:$MAILAPI" "$work"
cat > "$work/urls.lua" <<LUA
local urls = {}
for line in io.lines("$work/urls.txt") do urls[#urls + 1] = line end
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", urls[(i % #urls) + 1], {["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0"})
end
LUA
say "warming up (10 s)"
wrk -t"$THREADS" -c"$CONNECTIONS" -d10s -s "$work/urls.lua" "http://127.0.0.1:$APP" > "$work/warmup.txt"
say "measuring ($DURATION, $CONNECTIONS connections, $THREADS wrk thread(s))"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$work/urls.lua" "http://127.0.0.1:$APP" | tee "$work/wrk.txt"
python3 bench/tracking_bench.py verify "http://localhost:$APP" "$work" "$(git rev-parse --short HEAD)"
