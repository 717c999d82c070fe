# Sourced by the bench scripts: builds the app (unless SKIP_BUILD is set) and starts the local
# platform (embedded PostgreSQL, Kafka, GreenMail, the packaged app) on the ports given, in the
# background, stopping it when the script exits.
#   start_platform NAME APP MGMT PG KAFKA SMTP MAILAPI     (logs in target/bench-NAME/platform.log)
start_platform() {
  local name=$1 app=$2 mgmt=$3 pg=$4 kafka=$5 smtp=$6 mailapi=$7
  work=$PWD/target/bench-$name; mkdir -p "$work"
  if [ -z "${SKIP_BUILD:-}" ]; then echo "[$name] building" >&2; ./mvnw -B -q package -DskipTests; fi
  java -cp 'target/infra/lib/*' dev.tidings.infra.Stack platform --app-port "$app" --management-port "$mgmt" \
    --postgres-port "$pg" --kafka-port "$kafka" --smtp-port "$smtp" --mail-api-port "$mailapi" > "$work/platform.log" 2>&1 &
  platform=$!
  trap 'kill $platform 2>/dev/null; wait $platform 2>/dev/null || true' EXIT
  for _ in $(seq 1 600); do
    grep -q "Tidings is running" "$work/platform.log" && return 0
    kill -0 $platform 2>/dev/null || { cat "$work/platform.log" >&2; exit 1; }
    sleep 0.5
  done
  echo "[$name] the platform did not start; see $work/platform.log" >&2
  exit 1
}
