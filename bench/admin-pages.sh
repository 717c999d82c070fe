#!/usr/bin/env bash
# Web admin benchmark: the server time (the app's own Server-Timing header) of every admin page,
# p50/p95/max over repeated requests, with a newsletter of N subscribers (default 100,000) and an
# issue published to all of them; and the weight of each page with its stylesheet and scripts.
# Runs the local platform (embedded PostgreSQL, Kafka, GreenMail, the packaged app) on its own ports.
#
#   bench/admin-pages.sh [N]          REQUESTS=200 per page (after 20 warm-up requests)
#
# Needs a JDK, python3 and curl. Prints a table; exits non-zero if a page answered an error.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
export REQUESTS=${REQUESTS:-200}
APP=18280; MGMT=19280; PG=56632; KAFKA=29292; SMTP=3125; MAILAPI=8125
say() { echo "[admin-bench] $*" >&2; }
. bench/platform.sh
start_platform admin $APP $MGMT $PG $KAFKA $SMTP $MAILAPI
say "platform up; seeding $N subscribers and measuring"
python3 bench/admin_pages.py "http://localhost:$APP" "$N" "$(git rev-parse --short HEAD)"
