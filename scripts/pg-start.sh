#!/usr/bin/env bash
# Starts a throw-away PostgreSQL for the test suite: Debian's packaged server, its own data
# directory, listening only on 127.0.0.1:$PG_TEST_PORT, trust authentication, run as the
# `postgres` system user. Idempotent: a server already answering on that port is reused.
# Prints the URL to give as TEST_DATABASE_URL on its last line.
#   PG_TEST_PORT (default 5433)   PG_TEST_DIR (default /tmp/cnscd-pg-$PG_TEST_PORT)
set -euo pipefail
PORT="${PG_TEST_PORT:-5433}"
DIR="${PG_TEST_DIR:-/tmp/cnscd-pg-$PORT}"
URL="postgres://postgres@127.0.0.1:$PORT/postgres"

bindir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
  done
  return 1
}

if ! BIN="$(bindir)"; then
  if [ "$(id -u)" -ne 0 ]; then echo "pg-start: PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; fi
  echo "pg-start: installing Debian's postgresql" >&2
  apt-get update -qq </dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql </dev/null >/dev/null
  BIN="$(bindir)"
fi

ready() { "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -U postgres </dev/null; }
if ready; then echo "$URL"; exit 0; fi

# run the server as `postgres` when we are root (PostgreSQL refuses to run as root)
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres
    su postgres -s /bin/sh -c "$*" </dev/null
  else
    sh -c "$*" </dev/null
  fi
}

mkdir -p "$DIR"
[ "$(id -u)" -eq 0 ] && chown postgres "$DIR" && chmod 700 "$DIR"
if [ ! -s "$DIR/PG_VERSION" ]; then
  as_pg "'$BIN/initdb' -D '$DIR' -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >'$DIR.initdb.log' 2>&1" \
    || { cat "$DIR.initdb.log" >&2; exit 1; }
fi
# a stale pid file from a killed server would stop pg_ctl: remove it when its process is gone
if [ -f "$DIR/postmaster.pid" ] && ! kill -0 "$(head -1 "$DIR/postmaster.pid")" 2>/dev/null; then rm -f "$DIR/postmaster.pid"; fi
# tuned for a test server: no durability needed, many short-lived databases
OPTS="-c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories='$DIR' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
as_pg "'$BIN/pg_ctl' -D '$DIR' -l '$DIR/server.log' -w -t 60 -o \"$OPTS\" start >/dev/null" \
  || { tail -20 "$DIR/server.log" >&2 || true; exit 1; }
for _ in $(seq 1 60); do ready && { echo "$URL"; exit 0; }; sleep 1; done
echo "pg-start: PostgreSQL did not become ready on 127.0.0.1:$PORT" >&2
exit 1
