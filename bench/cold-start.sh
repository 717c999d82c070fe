#!/usr/bin/env bash
# Cold start: seconds from launching the packaged app to its readiness (/q/health/ready answers 200:
# PostgreSQL and Kafka reachable, consumers subscribed), for each way of starting the JVM, interleaved:
#
#   jdk17      java -jar (the JDK on PATH, as the image runs it)
#   appcds17   the same with the dynamic AppCDS archive the image has: written at the exit of a start
#              to readiness on a private PostgreSQL and Kafka (src/main/docker/appcds-training.sh)
#   appcds-control  the same with the archive Quarkus's own AppCDS support makes: written at the exit of a
#              start stopped at its control point (-Dquarkus.appcds.generate; needs a build with
#              quarkus.package.jar.appcds.enabled, e.g. SKIP_BUILD=0 BUILD_FLAGS=-Dquarkus.package.jar.appcds.enabled=true),
#              PostgreSQL and Kafka unreachable
#   jdk25      Temurin 25 (JDK25 below), no cache
#   aot25      Temurin 25 with a JEP 483/514/515 AOT cache (-XX:AOTCacheOutput) written at the end of a
#              training run that started the app, signed in, listed newsletters, and stopped
#
#   bench/cold-start.sh              ROUNDS=5 (each way once per round); MODES="jdk17 appcds17 jdk25 aot25" (appcds-control too on request)
#
# PostgreSQL and Kafka run as in the delivery benchmark (the Stack launcher, their own ports).
# Prints "<mode> ready: min/median/max s, 'started in' median s" per mode.
set -euo pipefail
cd "$(dirname "$0")/.."
APP=18380; PG=56732; KAFKA=29392
ROUNDS=${ROUNDS:-5}; MODES=${MODES:-"jdk17 appcds17 jdk25 aot25"}
JDK25=${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}
work=$PWD/target/bench-cold-start; say() { echo "[cold-start] $*" >&2; }; die() { echo "FAILED: $*" >&2; exit 1; }
[ "${SKIP_BUILD:-0}" = 1 ] || { say "building"; ./mvnw -B -q package -DskipTests ${BUILD_FLAGS:-}; }
[ -f target/quarkus-app/quarkus-run.jar ] || die "no target/quarkus-app (build first)"
rm -rf "$work"; mkdir -p "$work"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
java -Xmx512m -cp 'target/infra/lib/*' dev.tidings.infra.Stack postgres --port $PG --dir "$work/postgres" > "$work/postgres.log" 2>&1 &
pids+=($!)
java -Xmx512m -cp 'target/infra/lib/*' dev.tidings.infra.Stack kafka --port $KAFKA --controller-port $((KAFKA + 1)) \
  --dir "$work/kafka" > "$work/kafka.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 600); do
  grep -q "PostgreSQL ready" "$work/postgres.log" && (exec 3<>"/dev/tcp/127.0.0.1/$KAFKA") 2>/dev/null && break
  sleep 0.1
done
export QUARKUS_HTTP_PORT=$APP QUARKUS_MANAGEMENT_PORT=$((APP + 1000)) \
  QUARKUS_DATASOURCE_REACTIVE_URL=postgresql://127.0.0.1:$PG/tidings QUARKUS_DATASOURCE_JDBC_URL=jdbc:postgresql://127.0.0.1:$PG/tidings \
  QUARKUS_DATASOURCE_USERNAME=postgres QUARKUS_DATASOURCE_PASSWORD=postgres KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$KAFKA \
  QUARKUS_MAILER_HOST=127.0.0.1 QUARKUS_MAILER_PORT=2526 QUARKUS_LOG_CONSOLE_JSON_ENABLED=false \
  TIDINGS_PUBLIC_URL=http://localhost:$APP TIDINGS_AUTH_COOKIE_SECURE=false TIDINGS_DEMO_ENABLED=true \
  TIDINGS_SENDER_SHARED_DOMAINS=example.com
jar=target/quarkus-app/quarkus-run.jar
ready="http://127.0.0.1:$((APP + 1000))/q/health/ready"

# start <log> <java> <flags...>: launches the app, waits for readiness; sets $secs and $app_pid (left running).
start() {
  local log=$1 java=$2; shift 2
  local t0; t0=$(date +%s.%N)
  "$java" -Xmx512m "$@" -jar "$jar" > "$log" 2>&1 &
  app_pid=$!
  for _ in $(seq 1 3000); do
    curl -sf -o /dev/null "$ready" 2>/dev/null && break
    kill -0 $app_pid 2>/dev/null || die "the app exited; see $log"
    sleep 0.02
  done
  secs=$(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { printf "%.2f", a - b }')
}
stop() { kill "$app_pid"; wait "$app_pid" 2>/dev/null || true; }

if [[ " $MODES " == *" appcds17 "* ]]; then
  say "making the AppCDS archive as the image does (src/main/docker/appcds-training.sh, JDK on PATH)"
  src/main/docker/appcds-training.sh java "$jar" target/infra/lib "$work/app-cds.jsa" "$work/training" 2> "$work/training.log" \
    || die "the training failed; see $work/training.log"
fi
if [[ " $MODES " == *" appcds-control "* ]]; then
  say "making the AppCDS archive at Quarkus's control point (nothing reachable)"
  QUARKUS_DATASOURCE_REACTIVE_URL=postgresql://127.0.0.1:9/tidings QUARKUS_DATASOURCE_JDBC_URL=jdbc:postgresql://127.0.0.1:9/tidings \
    KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9 \
    java -XX:ArchiveClassesAtExit="$work/image-cds.jsa" -Dquarkus.appcds.generate=true -jar "$jar" > "$work/image-cds.log" 2>&1 \
    || die "the archive run failed; see $work/image-cds.log"
  [ -s "$work/image-cds.jsa" ] || die "no AppCDS archive; see $work/image-cds.log"
  say "control-point archive: $(( $(stat -c %s "$work/image-cds.jsa") / 1048576 )) MiB"
fi
if [[ " $MODES " == *" aot25 "* ]]; then
  [ -x "$JDK25/bin/java" ] || die "no JDK 25 at $JDK25 (set JDK25)"
  say "training run for the AOT cache (JDK 25)"
  start "$work/aot-train.log" "$JDK25/bin/java" -XX:AOTCacheOutput="$work/app.aot"
  base="http://127.0.0.1:$APP"
  curl -sf -c "$work/cookies" -o /dev/null -H 'Content-Type: application/json' \
    -d '{"email":"demo@example.com","password":"tidings-demo-password"}' "$base/api/auth/login" || true
  curl -sf -b "$work/cookies" -o /dev/null "$base/api/newsletters" || true
  curl -sf -b "$work/cookies" -o /dev/null "$base/app" || true
  stop
  for _ in $(seq 1 600); do [ -s "$work/app.aot" ] && break; sleep 0.1; done
  [ -s "$work/app.aot" ] || die "no AOT cache; see $work/aot-train.log"
fi

declare -A times started
for r in $(seq 1 "$ROUNDS"); do
  for mode in $MODES; do
    case $mode in
      jdk17) start "$work/$mode-$r.log" java ;;
      appcds17) start "$work/$mode-$r.log" java -XX:SharedArchiveFile="$work/app-cds.jsa" ;;
      appcds-control) start "$work/$mode-$r.log" java -XX:SharedArchiveFile="$work/image-cds.jsa" ;;
      jdk25) start "$work/$mode-$r.log" "$JDK25/bin/java" ;;
      aot25) start "$work/$mode-$r.log" "$JDK25/bin/java" -XX:AOTCache="$work/app.aot" ;;
      *) die "unknown mode $mode" ;;
    esac
    stop
    q=$(sed -n 's/.* started in \([0-9.]*\)s.*/\1/p' "$work/$mode-$r.log" | head -n 1)
    say "round $r $mode: ready after ${secs} s (Quarkus: started in ${q:-?} s)"
    times[$mode]="${times[$mode]:-} $secs"; started[$mode]="${started[$mode]:-} ${q:-nan}"
  done
done
for mode in $MODES; do
  python3 - "$mode" "${times[$mode]}" "${started[$mode]}" <<'PY'
import statistics, sys
mode, t, q = sys.argv[1], [float(x) for x in sys.argv[2].split()], [float(x) for x in sys.argv[3].split()]
print(f"{mode} ready: {min(t):.2f}/{statistics.median(t):.2f}/{max(t):.2f} s (min/median/max of {len(t)}), "
      f"'started in' median {statistics.median(q):.2f} s")
PY
done
