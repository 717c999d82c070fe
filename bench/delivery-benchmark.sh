#!/usr/bin/env bash
# Delivery benchmark: end-to-end throughput of publishing an issue to N subscribers (publish
# request -> issue 'sent', and -> the last mail accepted by the SMTP sink), against Postfix's
# smtp-sink, with the raw SMTP rate of smtp-source against the same sink measured in the same run.
# Runs the real parts on their own ports: embedded PostgreSQL 17 (fsync=off) and a Kafka broker
# (KRaft) from the Stack launcher, smtp-sink, and the packaged app.
#
#   bench/delivery-benchmark.sh [N]        default: 100000 subscribers
#
# Tuning (environment):
#   APP_JAVA_OPTS   JVM flags of the app                    (default: -Xmx512m, as bin/run-local)
#   APP_JAVA        the app's java launcher                 (default: java on PATH; e.g.
#                   /usr/lib/jvm/temurin-25-jdk-amd64/bin/java, its jcmd is used alongside). With
#                   APP_JAVA_OPTS="... -XX:AOTCacheOutput=F" (JDK 25) the run is an AOT training run:
#                   the cache F is written when the app stops at the end (given up to 5 minutes)
#   APP_ENV         extra app env, "K=V K=V ..."            e.g. "TIDINGS_DELIVERY_IN_FLIGHT=128
#                                                           QUARKUS_MAILER_MAX_POOL_SIZE=128"
#                   (TIDINGS_* and QUARKUS_* variables already exported are passed on as well)
#   RAW_MSGS        messages of the raw smtp-source run     (default: 100000)
#   RAW_SESSIONS    parallel smtp-source sessions           (default: 50)
#   MAIL_KB         approximate size of one mail in KiB     (default: 5)
#   TIMEOUT         seconds to wait for the issue to be sent (default: 1800)
#   WARMUP          subscribers of the warm-up audience (default: 20000 per replica; 0 measures a cold JVM,
#                   whose first seconds go to the interpreter and the JIT compilers)
#   WARMUP_ROUNDS   issues sent to the warm-up audience before the measured one (default: 10, i.e. 200,000
#                   mails per replica: the JIT has then compiled most of the delivery path; the result
#                   line reports the JIT time still spent during the measured issue)
#   DKIM=1          sign every mail (RSA-2048, a key made for the run, d=example.com as the demo's
#                   shared sender domain), as real senders do; the result line says dkim=on
#   KEEP=1          keep target/bench-delivery/ data dirs   (logs are always kept)
#   SKIP_BUILD=1    use what target/ holds instead of building (needed to reuse an AOT cache)
#   JFR=1           record the first replica with Java Flight Recorder (from its start, default settings:
#                   a sample per running thread every 20 ms) and draw the measured issue as a flame graph: $work/flame-cpu.html (async-profiler's
#                   jfr-converter from Maven Central) and $work/app.jfr (open it in JDK Mission Control)
#   PUBLISH_PROBES  drafts published (each timed, then cancelled) before the measured issue, to the same
#                   audience: the result line gives their p95 and max answer time (default: 0)
#   PG_STATEMENTS=1 profile PostgreSQL with pg_stat_statements: the statements that took the most
#                   time during delivery go to target/bench-delivery/pg-statements.txt (needs psql)
#
# Also written: $work/rss.csv, the first replica's RSS each second from the publish to the end
# (bench/plot-rss.py draws it), and the size of the send table and its indexes at the end.
#
# Needs: a JDK, curl, python3, and Postfix's smtp-sink/smtp-source (installed with apt-get when
# missing, which needs root). Prints one result line; exits non-zero unless every mail was sent
# and nothing failed.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
export REPLICAS=${REPLICAS:-1}   # app instances sharing the work (ports APP, APP+1, ...); seeding goes through the first
APP=18180; PG=56532; KAFKA=29192; SINK=2525
RAW_MSGS=${RAW_MSGS:-100000}; RAW_SESSIONS=${RAW_SESSIONS:-50}; MAIL_KB=${MAIL_KB:-5}
TIMEOUT=${TIMEOUT:-1800}; export WARMUP=${WARMUP:-$((20000 * REPLICAS))} WARMUP_ROUNDS=${WARMUP_ROUNDS:-10}; APP_JAVA_OPTS=${APP_JAVA_OPTS:--Xmx512m}; APP_ENV=${APP_ENV:-}
APP_JAVA=${APP_JAVA:-java}; JCMD=$(dirname "$(command -v "$APP_JAVA")")/jcmd; [ -x "$JCMD" ] || JCMD=jcmd
STOP_WAIT=300; [[ "$APP_JAVA_OPTS" == *AOTCacheOutput* ]] && STOP_WAIT=3000  # tenths of a second
work=$PWD/target/bench-delivery; base="http://127.0.0.1:$APP"
health="http://127.0.0.1:$((APP + 1000))/q/health/ready"  # the management interface
say() { echo "[delivery-bench] $*" >&2; }
die() { echo "FAILED: $*" >&2; exit 1; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# --- tools
if [ ! -x /usr/sbin/smtp-sink ] || [ ! -x /usr/sbin/smtp-source ]; then
  say "installing postfix (smtp-sink, smtp-source)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >/dev/null
fi
for port in $APP $PG $KAFKA $((KAFKA + 1)) $SINK; do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && die "port $port is in use"
done

# SKIP_BUILD=1 runs the jars already in target/ (an AOT or CDS cache is only used with the jars it was
# trained on, unchanged).
if [ "${SKIP_BUILD:-0}" = 1 ]; then
  [ -f target/quarkus-app/quarkus-run.jar ] && [ -d target/infra/lib ] || die "SKIP_BUILD=1 but nothing built in target/"
else
  say "building"
  ./mvnw -B -q package -DskipTests
fi

rm -rf "$work"; mkdir -p "$work"
pids=()
cleanup() {
  if [ -n "${top_loop:-}" ]; then kill "$top_loop" 2>/dev/null || true; fi
  if [ -n "${rss_loop:-}" ]; then kill "$rss_loop" 2>/dev/null || true; fi
  # Reverse start order: app, kafka, postgres, sink; each gets SIGTERM and up to 30 s (an AOT
  # training run's app 5 minutes: it writes its cache as it exits).
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill "${pids[i]}" 2>/dev/null || continue
    for _ in $(seq 1 "$STOP_WAIT"); do kill -0 "${pids[i]}" 2>/dev/null || break; sleep 0.1; done
    kill -9 "${pids[i]}" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  [ "${KEEP:-0}" = 1 ] || rm -rf "$work/postgres" "$work/kafka"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the sink; its running counter ('sess=.. quit=.. mesg=..' per CR) is turned into lines
# "<time> <messages> <time of the last change> <sessions ended>" at most every 0.1 s, so the time the last
# mail was accepted is known to the millisecond (sessions count only once closed: the app's pooled
# connections show up at its shutdown).
/usr/sbin/smtp-sink -u nobody -c -m 1024 127.0.0.1:$SINK 1024 > >(python3 -u -c '
import os, re, select, sys, time
fd = sys.stdin.fileno(); out = open(sys.argv[1], "w", buffering=1)
count, sess, changed, written, wrote, buf = 0, 0, 0.0, -1, 0.0, b""
while True:
    ready, _, _ = select.select([fd], [], [], 0.1)
    if ready:
        data = os.read(fd, 65536)
        if not data:
            break
        buf += data
        *records, buf = buf.split(b"\r")
        for m in re.finditer(rb"sess=(\d+).*?mesg=(\d+)", b"\r".join(records)):
            sess, n = int(m.group(1)), int(m.group(2))
            if n != count:
                count, changed = n, time.time()
    now = time.time()
    if count != written and now - wrote >= 0.1:
        out.write(f"{now:.3f} {count} {changed:.3f} {sess}\n"); written, wrote = count, now
out.write(f"{time.time():.3f} {count} {changed:.3f} {sess}\n")
' "$work/sink.counts") 2>"$work/sink.log" &
pids+=($!); sink_pid=$!
sink_count() { sleep 0.25; tail -n 1 "$work/sink.counts" 2>/dev/null | awk '{print $2+0}'; }
for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$SINK") 2>/dev/null && break; sleep 0.1; done

# --- raw SMTP rate, before anything else runs
say "raw SMTP: smtp-source -s $RAW_SESSIONS -m $RAW_MSGS -l $((MAIL_KB * 1000))"
t0=$(date +%s.%N)
/usr/sbin/smtp-source -s "$RAW_SESSIONS" -m "$RAW_MSGS" -l $((MAIL_KB * 1000)) -d 127.0.0.1:$SINK
t1=$(date +%s.%N)
raw_accepted=$(sink_count)
[ "$raw_accepted" = "$RAW_MSGS" ] || die "the sink counted $raw_accepted of $RAW_MSGS smtp-source messages"
raw_rate=$(python3 -c "print(round($RAW_MSGS / ($t1 - $t0)))")
say "raw SMTP: $RAW_MSGS messages in $(python3 -c "print(f'{$t1 - $t0:.2f}')") s = $raw_rate msg/s"

# --- PostgreSQL and Kafka, each in its own JVM
say "starting PostgreSQL on $PG and Kafka on $KAFKA"
pg_preload=(); [ "${PG_STATEMENTS:-0}" = 1 ] && pg_preload=(--preload pg_stat_statements)
java -Xmx512m -cp 'target/infra/lib/*' dev.tidings.infra.Stack postgres --port $PG --dir "$work/postgres" "${pg_preload[@]}" \
  > "$work/postgres.log" 2>&1 &
pids+=($!); pg_pid=$!
java -Xmx512m -cp 'target/infra/lib/*' dev.tidings.infra.Stack kafka --port $KAFKA --controller-port $((KAFKA + 1)) \
  --dir "$work/kafka" > "$work/kafka.log" 2>&1 &
pids+=($!); kafka_pid=$!
for _ in $(seq 1 600); do
  grep -q "PostgreSQL ready" "$work/postgres.log" && (exec 3<>"/dev/tcp/127.0.0.1/$KAFKA") 2>/dev/null && break
  kill -0 $pg_pid 2>/dev/null || die "PostgreSQL exited; see $work/postgres.log"
  kill -0 $kafka_pid 2>/dev/null || die "Kafka exited; see $work/kafka.log"
  sleep 0.1
done

postmaster=$(head -n 1 "$work/postgres/data/postmaster.pid")

# --- the app
app_env=(
  QUARKUS_HTTP_PORT=$APP QUARKUS_MANAGEMENT_PORT=$((APP + 1000))
  QUARKUS_DATASOURCE_REACTIVE_URL=postgresql://127.0.0.1:$PG/tidings
  QUARKUS_DATASOURCE_JDBC_URL=jdbc:postgresql://127.0.0.1:$PG/tidings
  QUARKUS_DATASOURCE_USERNAME=postgres QUARKUS_DATASOURCE_PASSWORD=postgres
  KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$KAFKA
  QUARKUS_MAILER_HOST=127.0.0.1 QUARKUS_MAILER_PORT=$SINK
  "QUARKUS_MAILER_FROM=Tidings <no-reply@tidings.localhost>"
  QUARKUS_LOG_CONSOLE_JSON_ENABLED=false
  TIDINGS_PUBLIC_URL=http://localhost:$APP TIDINGS_AUTH_COOKIE_SECURE=false TIDINGS_DEMO_ENABLED=true
  TIDINGS_SENDER_SHARED_DOMAINS=example.com
)
if [ "${DKIM:-0}" = 1 ]; then
  # A fresh RSA-2048 key in PKCS#8 (base64 DER), configured as the README says for the operator's key.
  dkim_key=$(openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 2>/dev/null \
    | openssl pkcs8 -topk8 -nocrypt -outform DER | base64 -w0)
  [ -n "$dkim_key" ] || die "DKIM=1 needs openssl to make a key"
  app_env+=(QUARKUS_MAILER_DKIM_ENABLED=true "QUARKUS_MAILER_DKIM_PRIVATE_KEY=$dkim_key"
            QUARKUS_MAILER_DKIM_SDID=example.com QUARKUS_MAILER_DKIM_SELECTOR=bench)
  say "DKIM on: every mail signed with a 2048-bit key (d=example.com, s=bench)"
fi
# shellcheck disable=SC2206
extra_env=($APP_ENV)
tuning="$(env | grep -E '^(TIDINGS|QUARKUS)_' | grep -vE '^(QUARKUS_HTTP_PORT|QUARKUS_MANAGEMENT_PORT|QUARKUS_DATASOURCE|QUARKUS_MAILER_(HOST|PORT|FROM|DKIM_[A-Z_]+)|QUARKUS_LOG_CONSOLE_JSON|TIDINGS_(PUBLIC_URL|AUTH_COOKIE_SECURE|DEMO_ENABLED|SENDER_SHARED_DOMAINS))' | tr '\n' ' ' || true)${extra_env[*]:-}"
say "starting the app ($APP_JAVA_OPTS${tuning:+; $tuning})"
# shellcheck disable=SC2086
# JFR=1: recorded from the start (starting a recording in a warm JVM made it recompile ~9,000 methods
# during the measured issue); the flame graph keeps only the samples between publish and the end.
jfr_opts=(); [ "${JFR:-0}" = 1 ] && jfr_opts=(-XX:StartFlightRecording=name=bench,settings=default)
launched=$(date +%s.%N)
env "${app_env[@]}" "${extra_env[@]}" "$APP_JAVA" $APP_JAVA_OPTS "${jfr_opts[@]}" -jar target/quarkus-app/quarkus-run.jar > "$work/app.log" 2>&1 &
pids+=($!); app_pid=$!
for _ in $(seq 1 900); do
  curl -sf "$health" >/dev/null 2>&1 && break
  kill -0 $app_pid 2>/dev/null || die "the app exited during start-up; see $work/app.log"
  sleep 0.1
done
curl -sf "$health" >/dev/null || die "the app did not become ready; see $work/app.log"
READY_AFTER=$(awk -v a="$(date +%s.%N)" -v b="$launched" 'BEGIN { printf "%.2f", a - b }'); export READY_AFTER
say "the app is ready ${READY_AFTER} s after its launch"

# --- account, newsletter, subscribers, issue
curl -sf -c "$work/cookies" -o /dev/null -H 'Content-Type: application/json' \
  -d '{"email":"demo@example.com","password":"tidings-demo-password"}' "$base/api/auth/login" || die "login"
token=$(curl -sf -b "$work/cookies" -H 'Content-Type: application/json' -d '{"name":"delivery-bench"}' \
  "$base/api/tokens" | json 'd["token"]')
auth=(-H "Authorization: Bearer $token")
# seed <slug> <n>: a newsletter with n active subscribers and a draft issue; sets $newsletter and $issue.
seed() {
  newsletter=$(curl -sf "${auth[@]}" -H 'Content-Type: application/json' \
  -d "{\"slug\":\"$1\",\"name\":\"Delivery Bench\",\"fromName\":\"Bench\",\"fromEmail\":\"bench@example.com\",\"doubleOptIn\":false}" \
  "$base/api/newsletters" | json 'd["id"]')

say "importing $2 subscribers ($1)"
python3 - "$2" > "$work/subscribers-$1.csv" <<'PY'
import sys
n = int(sys.argv[1])
out = sys.stdout
out.write("email,name,city\n")
cities = ["Oslo", "Lima", "Pune", "Kyiv", "Accra", "Quito"]
for i in range(n):
    out.write(f"reader{i}@example{i % 97}.com,Reader {i},{cities[i % 6]}\n")
PY
location=$(curl -sf -D - -o /dev/null "${auth[@]}" -H 'Content-Type: text/csv' --data-binary @"$work/subscribers-$1.csv" \
  "$base/api/newsletters/$newsletter/subscribers/import" | tr -d '\r' | awk -F': ' 'tolower($1)=="location"{print $2}')
case "$location" in http*) url=$location ;; *) url=$base$location ;; esac
while :; do
  result=$(curl -sf "${auth[@]}" "$url")
  [ "$(echo "$result" | json 'd["status"]')" = running ] || break
  sleep 0.2
done
[ "$(echo "$result" | json 'd["status"]')" = done ] && [ "$(echo "$result" | json 'd["created"]')" = "$2" ] \
  || die "import did not create $2 subscribers: $result"

# A body of about MAIL_KB KiB on the wire: the Markdown goes out twice (HTML and text part).
python3 - "$MAIL_KB" > "$work/issue.json" <<'PY'
import json, sys
target = int(sys.argv[1]) * 1024 // 2 - 600
para = ("Hello {subscriber.name}, this is the weekly dispatch. We measured how fast the delivery engine "
        "moves an issue from publish to the last accepted mail, and this paragraph is filler text of "
        "ordinary words so that the message has a realistic size on the wire. ")
parts, size, i = ["# The Delivery Benchmark\n"], 0, 0
while size < target:
    i += 1
    p = f"## Section {i}\n\n{para}*Item {i}* with a [link](https://example.com/{i}).\n"
    parts.append(p); size += len(p)
print(json.dumps({"subject": "Bench issue for {subscriber.name}", "bodyMarkdown": "\n".join(parts)}))
PY
new_issue
}
# new_issue: another draft issue (the same body) in $newsletter; sets $issue.
new_issue() {
  issue=$(curl -sf "${auth[@]}" -H 'Content-Type: application/json' --data-binary @"$work/issue.json" \
    "$base/api/newsletters/$newsletter/issues" | json 'd["id"]')
}
if [ "$WARMUP" -gt 0 ]; then
  seed "delivery-bench-warmup-$WARMUP" "$WARMUP"; warm_newsletter=$newsletter; warm_issues=$issue
  for _ in $(seq 2 "$WARMUP_ROUNDS"); do new_issue; warm_issues="$warm_issues $issue"; done
fi
seed "delivery-bench-$N" "$N"
mail_bytes=$(curl -sf "${auth[@]}" "$base/api/newsletters/$newsletter/issues/$issue/preview" \
  | json 'len(d["html"].encode()) + len(d["text"].encode()) + 1000')   # + ~1 KB of headers and MIME

# --- more replicas: the same app on the next ports, sharing PostgreSQL, Kafka and the sink
app_pids=$app_pid
for r in $(seq 2 "$REPLICAS"); do
  port=$((APP + r - 1))
  # shellcheck disable=SC2086
  env "${app_env[@]}" "${extra_env[@]}" QUARKUS_HTTP_PORT=$port QUARKUS_MANAGEMENT_PORT=$((port + 1000)) \
    TIDINGS_PUBLIC_URL=http://localhost:$APP \
    "$APP_JAVA" $APP_JAVA_OPTS -jar target/quarkus-app/quarkus-run.jar > "$work/app$r.log" 2>&1 &
  pids+=($!); app_pids="$app_pids,$!"
  for _ in $(seq 1 180); do
    curl -sf "http://127.0.0.1:$((port + 1000))/q/health/ready" >/dev/null 2>&1 && break
    sleep 0.5
  done
  curl -sf "http://127.0.0.1:$((port + 1000))/q/health/ready" >/dev/null || die "replica $r did not become ready; see $work/app$r.log"
  say "replica $r ready on :$port"
done
# Let the consumer group settle on all replicas before the clock starts.
[ "$REPLICAS" -gt 1 ] && sleep 10
# A fresh JVM runs its first seconds of delivery in the interpreter and the JIT compilers (C2 was
# still compiling the delivery path 100,000 mails in, though less); a running service is warm. The warm-up issues
# go out (each to every replica's share) before the clock starts.
if [ "$WARMUP" -gt 0 ]; then
  round=0
  for warm_issue in $warm_issues; do
    round=$((round + 1))
    say "warm-up $round/$WARMUP_ROUNDS: an issue to $WARMUP subscribers"
    curl -sf "${auth[@]}" -H 'Content-Type: application/json' -d '{}' -o /dev/null \
      "$base/api/newsletters/$warm_newsletter/issues/$warm_issue/publish" || die "warm-up publish failed"
    for _ in $(seq 1 1200); do
      curl -sf "${auth[@]}" "$base/api/newsletters/$warm_newsletter/issues/$warm_issue/delivery" | grep -q '"status":"sent"' && break
      sleep 0.5
    done
    curl -sf "${auth[@]}" "$base/api/newsletters/$warm_newsletter/issues/$warm_issue/delivery" | grep -q '"status":"sent"' \
      || die "warm-up issue $round was not sent"
  done
fi

# --- JIT accounting: seconds the replicas' compiler threads spent compiling, and methods compiled
jit_snapshot() {
  local t=0 c=0 p out
  for p in ${app_pids//,/ }; do
    out=$("$JCMD" "$p" PerfCounter.print 2>/dev/null) || continue
    local tp cp  # empty when the JVM runs without perf data (-XX:-UsePerfData)
    tp=$(sed -n 's/^java.ci.totalTime=//p' <<< "$out"); cp=$(sed -n 's/^sun.ci.totalCompiles=//p' <<< "$out")
    t=$((t + ${tp:-0})); c=$((c + ${cp:-0}))
  done
  echo "$t $c"
}

# --- event-loop delay (ops/EventLoopProbe): count, sum, max, p99 of how late the probe ran, summed over replicas
loop_snapshot() {
  local r count=0 sum=0 max=0 p99=0 m
  for r in $(seq 0 $((REPLICAS - 1))); do
    m=$(curl -sf "http://127.0.0.1:$((APP + r + 1000))/q/metrics" | grep '^tidings_event_loop_delay_seconds') || continue
    count=$(python3 -c "print($count + $(awk '/_count /{print $2}' <<< "$m"))")
    sum=$(python3 -c "print($sum + $(awk '/_sum /{print $2}' <<< "$m"))")
    max=$(python3 -c "print(max($max, $(awk '/_max /{print $2}' <<< "$m")))")
    p99=$(python3 -c "print(max($p99, $(awk '/quantile="0.99"/{print $2}' <<< "$m")))")
  done
  echo "$count $sum $max $p99"
}

# --- CPU accounting: CPU seconds of each component's process tree (live processes and reaped children)
cpu_snapshot() {
  python3 - "$app_pids" "$pg_pid" "$kafka_pid" "$sink_pid" "$postmaster" <<'PY'
import os, sys
hz = os.sysconf("SC_CLK_TCK")
procs = {}
for p in os.listdir("/proc"):
    if p.isdigit():
        try:
            f = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
            procs[int(p)] = (int(f[1]), sum(int(x) for x in f[11:15]))
        except OSError:
            pass
def tree(root):
    todo, total = [root], 0
    while todo:
        p = todo.pop(); total += procs.get(p, (0, 0))[1]
        todo += [c for c, (pp, _) in procs.items() if pp == p]
    return total / hz
def pg_kind(p):  # what a postmaster child is, from the title PostgreSQL gives it
    try:
        title = open(f"/proc/{p}/cmdline").read().replace("\0", " ")
    except OSError:
        return "gone"
    if "autovacuum" in title:
        return "autovacuum"
    if any(w in title for w in ("walwriter", "checkpointer", "background writer", "logical replication", "stats")):
        return "background"
    return "backends"
busy = [int(x) for x in open("/proc/stat").readline().split()[1:]]
machine = sum(busy[i] for i in (0, 1, 2, 5, 6)) / hz  # user nice system irq softirq
apps = [int(p) for p in sys.argv[1].split(",")]
pg_jvm, kafka, sink, postmaster = (int(r) for r in sys.argv[2:])
# pg_ctl daemonizes the postmaster, so it is not under the JVM that started it
# PostgreSQL by kind: client backends, autovacuum (live workers, plus what exited children left
# in the postmaster's cutime/cstime: mostly autovacuum workers, which come and go), background
kinds = {"backends": 0, "autovacuum": 0, "background": 0, "gone": 0}
for c, (pp, t) in procs.items():
    if pp == postmaster:
        kinds[pg_kind(c)] += t
f = open(f"/proc/{postmaster}/stat").read().rsplit(")", 1)[1].split()
kinds["autovacuum"] += int(f[13]) + int(f[14])
print(f"{sum(tree(a) for a in apps):.2f} {tree(pg_jvm) + tree(postmaster):.2f} {tree(kafka):.2f} {tree(sink):.2f} {machine:.2f}"
      f" {kinds['backends'] / hz:.2f} {kinds['autovacuum'] / hz:.2f} {(kinds['background'] + kinds['gone']) / hz:.2f}")
PY
}

# --- publish and wait
probe_ms=
if [ "${PUBLISH_PROBES:-0}" -gt 0 ]; then
  measured=$issue
  for k in $(seq 1 "$PUBLISH_PROBES"); do
    new_issue
    ms=$(curl -sf -o "$work/probe.json" -w '%{time_total}' "${auth[@]}" -H 'Content-Type: application/json' -d '{}' \
      "$base/api/newsletters/$newsletter/issues/$issue/publish") || die "probe publish $k failed"
    [ "$(json 'd["recipients"]' < "$work/probe.json")" = "$N" ] || die "probe publish $k: $(cat "$work/probe.json")"
    curl -sf -o /dev/null "${auth[@]}" -X POST "$base/api/newsletters/$newsletter/issues/$issue/cancel" || die "cancel $k"
    probe_ms="$probe_ms $(python3 -c "print(round($ms * 1000))")"
    say "probe publish $k/$PUBLISH_PROBES to $N: ${probe_ms##* } ms (then cancelled)"
    sleep 2
  done
  issue=$measured
  sleep 5  # what the probes had claimed when cancelled ends before the measured issue starts
fi
rss_before=$(ps -o rss= -p $app_pid | tr -d ' '); peak=$rss_before
sink_before=$(sink_count)
cpu_before=$(cpu_snapshot); jit_before=$(jit_snapshot); loop_before=$(loop_snapshot)
pg_sql() { psql -q -X -h 127.0.0.1 -p $PG -U postgres -d tidings "$@"; }
if [ "${PG_STATEMENTS:-0}" = 1 ]; then
  pg_sql -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" -c "SELECT pg_stat_statements_reset()" >/dev/null
fi
( set +e +o pipefail; while :; do { date +%T; top -b -c -n 2 -d 1 -w 220 | awk '/^top -/{f++} f==2' | head -n 22; echo; } >> "$work/top.log"; sleep 4; done ) &
top_loop=$!
( set +e; t0=$(date +%s.%N); echo "seconds,rss_mib" > "$work/rss.csv"
  while kill -0 $app_pid 2>/dev/null; do
    echo "$(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { printf "%.1f", a - b }'),$(( $(ps -o rss= -p $app_pid) / 1024 ))" >> "$work/rss.csv"; sleep 1
  done ) &
rss_loop=$!
say "publishing to $N subscribers (mail ~$((mail_bytes / 1024)) KiB)"
start=$(date +%s.%N)
published=$(curl -sf "${auth[@]}" -H 'Content-Type: application/json' -d '{}' \
  "$base/api/newsletters/$newsletter/issues/$issue/publish") || die "publish failed"
[ "$(echo "$published" | json 'd["recipients"]')" = "$N" ] || say "publish answered $published (expected $N recipients)"
deadline=$(python3 -c "print(int($start + $TIMEOUT))")
last_report=0; polls=0; poll_s=0
while :; do
  rss=$(ps -o rss= -p $app_pid | tr -d ' ') || die "the app died during delivery; see $work/app.log"
  [ "$rss" -gt "$peak" ] && peak=$rss
  # the body, then the request's duration on a line of its own (no python per poll: 2 cores)
  reply=$(curl -sf -w '\n%{time_total}' "${auth[@]}" "$base/api/newsletters/$newsletter/issues/$issue/delivery") || reply=
  progress=${reply%$'\n'*}; polls=$((polls + 1)); poll_s="$poll_s+${reply##*$'\n'}"
  status=$(sed -n 's/.*"status":"\([a-z]*\)".*/\1/p' <<< "$progress"); status=${status:-?}
  case "$status" in sent|cancelled|paused) break ;; esac
  now=$(date +%s)
  if [ "$now" -ge "$deadline" ]; then
    die "the issue is not sent after ${TIMEOUT}s: $progress (sink accepted $(( $(sink_count) - sink_before )))"
  fi
  if [ $((now - last_report)) -ge 10 ]; then
    say "$(echo "$progress" | json '"status=%s queued=%s sending=%s sent=%s retrying=%s failed=%s rate=%.0f/s" % tuple(d[k] for k in ("status","queued","sending","sent","retrying","failed","sentPerSecond"))' 2>/dev/null || echo "$progress")"
    last_report=$now
  fi
  sleep 0.2
done
end=$(date +%s.%N)
if [ "${JFR:-0}" = 1 ]; then
  "$JCMD" $app_pid JFR.dump name=bench filename="$work/app.jfr" >/dev/null || die "JFR.dump failed"
  ./mvnw -B -q dependency:copy -Dartifact=tools.profiler:jfr-converter:4.5 -DoutputDirectory="$work/tools" \
    || die "could not fetch tools.profiler:jfr-converter"
  java -cp "$work/tools/jfr-converter-4.5.jar" one.convert.Main -t --minwidth 0.1 \
    -X '.*(EPoll\.wait|Unsafe\.park|Object\.wait|Thread\.sleep).*' --title "Tidings, N=$N dkim=${DKIM:-0}" \
    --from "$(python3 -c "print(int($start * 1000))")" --to "$(python3 -c "print(int($end * 1000))")" \
    "$work/app.jfr" "$work/flame-cpu.html" || die "flame graph conversion failed"
  say "flame graph: $work/flame-cpu.html (JFR recording: $work/app.jfr)"
fi
cpu_after=$(cpu_snapshot); jit_after=$(jit_snapshot); loop_after=$(loop_snapshot)
kill "$top_loop" "$rss_loop" 2>/dev/null || true; wait "$top_loop" "$rss_loop" 2>/dev/null || true; top_loop=
sizes=$(psql -q -X -A -t -F ' ' -h 127.0.0.1 -p $PG -U postgres -d tidings -c "SELECT
  pg_relation_size('send') / 1048576, pg_indexes_size('send') / 1048576, (SELECT count(*) FROM send)" 2>/dev/null || echo "? ? ?")
sink_after=$(sink_count)
echo "$progress" > "$work/progress.json"
if [ "${PG_STATEMENTS:-0}" = 1 ]; then
  pg_sql -c "SELECT round(total_exec_time::numeric) AS total_ms, calls, rows,
               round((total_exec_time / greatest(rows, 1) * 1000)::numeric, 1) AS us_per_row,
               regexp_replace(left(query, 110), '\s+', ' ', 'g') AS query
             FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 15" > "$work/pg-statements.txt"
fi

python3 - "$N" "$start" "$end" "$progress" "$work/sink.counts" "$sink_before" "$sink_after" "$raw_rate" \
  "$rss_before" "$peak" "$cpu_before" "$cpu_after" "$mail_bytes" "$(nproc)" "$APP_JAVA_OPTS" "$tuning" \
  "$polls" "$poll_s" "$jit_before" "$jit_after" "$loop_before" "$loop_after" "$sizes" "$probe_ms" <<'PY'
import json, os, sys
(n, start, end, progress, counts, before, after, raw, rss0, peak, cpu0, cpu1, mail, cores, jvm, tuning,
 polls, poll_s, jit0, jit1, loop0, loop1, sizes, probes_ms) = sys.argv[1:]
send_mib, index_mib, send_rows = sizes.split()
probes = sorted(int(x) for x in probes_ms.split())
probe_text = (f"publish_p95={probes[min(len(probes) - 1, int(0.95 * len(probes)))]}ms publish_max={probes[-1]}ms "
              f"(of {len(probes)}) ") if probes else ""
l0, l1 = [float(x) for x in loop0.split()], [float(x) for x in loop1.split()]
probes, delayed = l1[0] - l0[0], l1[1] - l0[1]
jit_ns, jit_n = [int(b) - int(a) for a, b in zip(jit0.split(), jit1.split())]
poll_ms = 1000 * eval(poll_s) / max(int(polls), 1)
n, start, end, before, after, raw, cores = int(n), float(start), float(end), int(before), int(after), int(raw), int(cores)
d = json.loads(progress)
rows = [tuple(map(float, l.split()[:3])) for l in open(counts) if l.strip()]
rows = [r for r in rows if r[0] >= start]
first = next((r[0] for r in rows if r[1] > before), None)       # within 0.1 s
last = max((r[2] for r in rows if r[1] > before), default=None)  # exact
def at(frac):  # time the sink had accepted frac of the mails (within 0.1 s)
    return next((r[0] for r in rows if r[1] - before >= frac * n), None)
accepted = after - before
to_sent = end - start
to_last = (last - start) if last else None
rate = n / to_last if to_last else 0
t10, t90 = at(0.1), at(0.9)
steady = 0.8 * n / (t90 - t10) if t10 and t90 and t90 > t10 else 0
# Full speed: the first moment the rate over the next 2 s reaches 90 % of the rate between 50 % and
# 90 % of the mails (warm by then, even from a cold JVM); seconds after the publish.
t50 = at(0.5)
late = 0.4 * n / (t90 - t50) if t50 and t90 and t90 > t50 else 0
full_speed = None
for r in rows:
    ahead = next((q for q in rows if q[0] >= r[0] + 2), None)
    if ahead is None or r[1] <= before:
        continue
    if (ahead[1] - r[1]) / (ahead[0] - r[0]) >= 0.9 * late:
        full_speed = r[0] - start
        break
c0, c1 = [float(x) for x in cpu0.split()], [float(x) for x in cpu1.split()]
used = [b - a for a, b in zip(c0, c1)]
app, pg, kafka, sink, machine, pg_backends, pg_vacuum, pg_background = used
other = machine - app - pg - kafka - sink
wall = to_sent
print(f"delivery replicas={os.environ.get('REPLICAS', '1')} dkim={'on' if os.environ.get('DKIM', '0') == '1' else 'off'} N={n} warmup={(os.environ.get('WARMUP_ROUNDS', '1') + 'x' + os.environ.get('WARMUP', '0')) if os.environ.get('WARMUP', '0') != '0' else '0'} mail~{int(mail)//1024}KiB status={d['status']} sent={d['sent']} failed={d['failed']} "
      f"bounced={d['bounced']} retrying={d['retrying']} skipped={d['skipped']} sink_accepted={accepted} "
      f"publish->sent={to_sent:.2f}s publish->first_mail={(first - start) if first else float('nan'):.2f}s "
      f"publish->last_mail={to_last if to_last else float('nan'):.2f}s rate={rate:,.0f} mails/s "
      f"steady(10-90%)={steady:,.0f} mails/s full_speed_after={full_speed if full_speed is not None else float('nan'):.1f}s ready_after_launch={os.environ.get('READY_AFTER', '?')}s "
      f"app_reported={d['sentPerSecond']:,.0f}/s "
      f"raw_smtp={raw:,} msg/s ratio={rate / raw * 100 if raw else 0:.1f}% "
      f"rss_before={int(rss0)//1024}MiB rss_peak={int(peak)//1024}MiB " + probe_text +
      f"send_table={send_mib}MiB+{index_mib}MiB_indexes/{send_rows}_rows "
      f"cpu_s(app/pg/kafka/sink/other)={app:.1f}/{pg:.1f}/{kafka:.1f}/{sink:.1f}/{other:.1f} "
      f"of {wall * cores:.0f} core-s ({cores} cores) "
      f"pg_ms_per_mail={1000 * pg / n:.3f}(backends/autovacuum/background={1000 * pg_backends / n:.3f}/{1000 * pg_vacuum / n:.3f}/{1000 * pg_background / n:.3f}) "
      f"event_loop_delay(avg/p99/max)={1000 * delayed / max(probes, 1):.2f}/{1000 * l1[3]:.1f}/{1000 * l1[2]:.0f}ms total={delayed:.1f}s "
      f"jit_during={jit_ns / 1e9:.1f}s/{jit_n}_methods polls={polls} poll_avg={poll_ms:.0f}ms "
      f"jvm='{jvm}'" + (f" tuning='{tuning.strip()}'" if tuning.strip() else ""))
PY
say "logs: $work/{app,postgres,kafka,sink}.log, top snapshots: $work/top.log"
if [ -s "$work/pg-statements.txt" ]; then
  say "PostgreSQL statements by time spent during delivery:"; cat "$work/pg-statements.txt" >&2
fi
other=$(python3 -c "a=[float(x) for x in '$cpu_before'.split()]; b=[float(x) for x in '$cpu_after'.split()]; u=[y-x for x,y in zip(a,b)]; print(round(100*(u[4]-sum(u[:4]))/(($end-$start)*$(nproc))))")
if [ "$other" -ge 15 ]; then
  say "WARNING: other processes used ${other}% of the machine's CPU during delivery; the figures are noisy. Busiest:"
  awk '/^ *PID/{f=1; next} f && NF>11 && $9+0 >= 20 {print}' "$work/top.log" | grep -vE "^ *($app_pid|$kafka_pid|$pg_pid|$sink_pid) |postgres: " \
    | awk '{c=""; for(i=12;i<=NF;i++) c=c" "$i; print substr(c, 2, 110)}' | sort | uniq -c | sort -rn | head -n 3 >&2 || true
fi
warnings=$(grep -cE ' (WARN|ERROR) ' "$work/app.log" || true)
if [ "$warnings" -gt 0 ]; then
  say "$warnings WARN/ERROR lines in the app log, the first ones:"
  grep -E ' (WARN|ERROR) ' "$work/app.log" | head -n 5 | cut -c1-300 >&2
fi
sent=$(echo "$progress" | json 'd["sent"]')
bad=$(echo "$progress" | json 'd["failed"] + d["bounced"] + d["retrying"] + d["skipped"]')
[ "$status" = sent ] || die "the issue ended as $status"
[ "$sent" = "$N" ] && [ "$bad" = 0 ] || die "sent=$sent of $N, failed/bounced/retrying/skipped=$bad"
[ $((sink_after - sink_before)) = "$N" ] || die "the sink accepted $((sink_after - sink_before)) mails for $N sends"
