#!/usr/bin/env bash
# Writes an AppCDS archive of the classes a real start of Tidings loads, up to readiness: starts a
# private PostgreSQL and Kafka (the infra launcher, dev.tidings.infra.Stack), starts the app on them
# with -XX:ArchiveClassesAtExit, waits for /q/health/ready, stops it (the JVM writes the archive at
# exit), and stops the rest. Needs only bash and the JVM that will run the app: an archive is used
# only by the exact JVM build that wrote it (any other ignores it and starts as without).
#
#   appcds-training.sh <java> <app jar> <infra lib dir> <archive> <work dir>
#
# The image build runs it with the image's own JVM (src/main/docker/Dockerfile.jvm), and
# bench/cold-start.sh runs it to measure the archive the image gets. Run the app afterwards with the
# same jar path and -XX:SharedArchiveFile=<archive>.
set -euo pipefail
[ $# -eq 5 ] || { echo "usage: $0 <java> <app jar> <infra lib dir> <archive> <work dir>" >&2; exit 2; }
java=$1 jar=$2 infra=$3 archive=$4 work=$5
PG=${TRAINING_PG_PORT:-55498}; KAFKA=${TRAINING_KAFKA_PORT:-29498}; APP=${TRAINING_APP_PORT:-18498}
say() { echo "[appcds-training] $*" >&2; }
die() { say "FAILED: $*"; for f in "$work"/*.log; do say "--- $f"; tail -n 20 "$f" >&2 || true; done; exit 1; }
mkdir -p "$work/tmp"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# Everything the infrastructure writes (the PostgreSQL binaries included) stays under the work dir.
"$java" -Xmx256m -Djava.io.tmpdir="$work/tmp" -cp "$infra/*" dev.tidings.infra.Stack postgres --port $PG \
  --dir "$work/postgres" > "$work/postgres.log" 2>&1 &
pids+=($!)
"$java" -Xmx512m -Djava.io.tmpdir="$work/tmp" -cp "$infra/*" dev.tidings.infra.Stack kafka --port $KAFKA \
  --controller-port $((KAFKA + 1)) --dir "$work/kafka" > "$work/kafka.log" 2>&1 &
pids+=($!)
up=
for _ in $(seq 1 1200); do
  if grep -q "PostgreSQL ready" "$work/postgres.log" 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$KAFKA") 2>/dev/null; then
    up=1; break
  fi
  sleep 0.1
done
[ -n "$up" ] || die "PostgreSQL and Kafka did not come up in 120 s"

# The app as it runs in production (prod profile), pointed at the private infrastructure.
QUARKUS_HTTP_PORT=$APP QUARKUS_MANAGEMENT_PORT=$((APP + 1000)) \
QUARKUS_DATASOURCE_REACTIVE_URL=postgresql://127.0.0.1:$PG/tidings \
QUARKUS_DATASOURCE_JDBC_URL=jdbc:postgresql://127.0.0.1:$PG/tidings \
QUARKUS_DATASOURCE_USERNAME=postgres QUARKUS_DATASOURCE_PASSWORD=postgres \
KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$KAFKA QUARKUS_MAILER_HOST=127.0.0.1 QUARKUS_MAILER_PORT=9 \
TIDINGS_PUBLIC_URL=http://localhost:$APP \
  "$java" -Xmx512m -XX:ArchiveClassesAtExit="$archive" -jar "$jar" > "$work/app.log" 2>&1 &
app=$!
pids+=($app)

# GET <port> <path>: the status code, with bash alone (the runtime image has no curl).
status_of() {
  local code
  exec 4<>"/dev/tcp/127.0.0.1/$1" || return 1
  printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$2" >&4
  read -r _ code _ <&4 || true
  exec 4<&-
  echo "${code:-0}"
}
ready=
for _ in $(seq 1 1800); do
  kill -0 $app 2>/dev/null || die "the app exited during training"
  if [ "$(status_of $((APP + 1000)) /q/health/ready 2>/dev/null || echo 0)" = 200 ]; then ready=1; break; fi
  sleep 0.1
done
[ -n "$ready" ] || die "the app was not ready after 180 s"
# A few requests, so that the classes that answer them are in the archive too.
for path in /api/newsletters /s/unknown /app/login /q/health/live; do
  status_of $APP "$path" > /dev/null 2>&1 || status_of $((APP + 1000)) "$path" > /dev/null 2>&1 || true
done
say "ready; stopping the app (the archive is written at exit)"
kill -TERM $app
wait $app || true
[ -s "$archive" ] || die "no archive at $archive"
say "archive: $archive, $(( $(stat -c %s "$archive") / 1048576 )) MiB"
