#!/usr/bin/env bash
# The README's test command (`npm test`): type-check, then every jest suite (tests/unit,
# integration, e2e, faults) on SQLite, then the same suites on PostgreSQL.
#   TEST_DATABASE_URL  PostgreSQL server to test on (default postgres://postgres@127.0.0.1:$PG_TEST_PORT/postgres,
#                      which scripts/pg-start.sh starts); each test creates and drops its own database there
#   TEST_DB            sqlite | postgres | both (default both)
#   CI=true            a PostgreSQL that cannot be reached fails the run instead of skipping it
# Extra arguments go to jest on both runs (e.g. `npm test -- tests/unit`).
set -uo pipefail
cd "$(dirname "$0")/.."
PG_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:${PG_TEST_PORT:-5433}/postgres}"
WHICH="${TEST_DB:-both}"

npx tsc --noEmit || exit 1

status=0
if [ "$WHICH" != postgres ]; then
  echo "── jest on SQLite ──"
  env -u TEST_DATABASE_URL npx jest "$@" || status=1
fi
[ "$WHICH" = sqlite ] && exit $status

if ! node -e '
  const { Client } = require("pg");
  const c = new Client({ connectionString: process.argv[1], connectionTimeoutMillis: 3000 });
  c.connect().then(() => c.end()).then(() => process.exit(0), () => process.exit(1));
' "$PG_URL"; then
  shown="$(printf '%s' "$PG_URL" | sed -E 's#//[^@/]*@#//***@#')"
  if [ "${CI:-}" = true ] || [ "$WHICH" = postgres ]; then
    echo "PostgreSQL is not reachable at $shown: start one with scripts/pg-start.sh or set TEST_DATABASE_URL" >&2
    exit 1
  fi
  echo "── PostgreSQL run skipped: nothing answers at $shown (scripts/pg-start.sh starts one) ──" >&2
  exit $status
fi
# both runs go ahead even when the first failed, so one CI run shows every failure
echo "── jest on PostgreSQL ──"
TEST_DATABASE_URL="$PG_URL" npx jest "$@" || status=1
exit $status
