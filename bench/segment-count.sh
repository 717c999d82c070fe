#!/usr/bin/env bash
# Audience count benchmark: POST /api/newsletters/{id}/segments/count for common rule shapes over
# a newsletter of N subscribers (default 100,000) with tags and attributes; wall-clock time of the
# HTTP call as a client sees it, p50/p95/max over repeated requests. The target is < 200 ms.
# Runs the local platform (embedded PostgreSQL, Kafka, GreenMail, the packaged app) on its own ports.
#
#   bench/segment-count.sh [N]          REQUESTS=50 per rule (after 5 warm-up requests)
#
# Needs a JDK, python3 and curl. Prints a table; exits non-zero if a rule answered an error.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
export REQUESTS=${REQUESTS:-50}
APP=18281; MGMT=19281; PG=56633; KAFKA=29293; SMTP=3126; MAILAPI=8126
say() { echo "[segment-bench] $*" >&2; }
. bench/platform.sh
start_platform segments $APP $MGMT $PG $KAFKA $SMTP $MAILAPI
say "platform up; seeding $N subscribers and measuring"
python3 bench/segment_count.py "http://localhost:$APP" "$N" "$(git rev-parse --short HEAD)"
