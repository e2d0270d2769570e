#!/usr/bin/env bash
# Start and stop a throw-away PostgreSQL server for the store-of-record tests (the store's SQL must stay
# PostgreSQL-compatible, so it is tested on a real server).
#
#   .ci/postgres.sh start    -> prints STDWATCH_TEST_PG_URL=postgresql+psycopg://... and STDWATCH_PG_INSTANCE=DIR
#   .ci/postgres.sh stop DIR -> stops that server and removes DIR
#
# Uses Debian's PostgreSQL (installed with apt-get when missing). PostgreSQL refuses to run as root, so as root
# it runs as the unprivileged user `stdwatch-pg`, on 127.0.0.1 only.
set -euo pipefail

PG_USER="stdwatch-pg"
log() { echo "postgres.sh: $*" >&2; }

bin_dir() {
  local found
  found="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -z "$found" ] && [ "$(id -u)" = "0" ]; then
    log "installing PostgreSQL from Debian's packages"
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    found="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  fi
  [ -n "$found" ] || { log "no PostgreSQL server binaries found"; exit 1; }
  echo "$found"
}

run_as() {
  if [ "$(id -u)" = "0" ]; then runuser -u "$PG_USER" -- "$@"; else "$@"; fi
}

start() {
  local bin instance port
  bin="$(bin_dir)"
  if [ "$(id -u)" = "0" ]; then
    id "$PG_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_USER"
  fi
  instance="$(mktemp -d "${TMPDIR:-/tmp}/stdwatch-pg.XXXXXX")"
  chmod 755 "$instance"
  [ "$(id -u)" = "0" ] && chown "$PG_USER" "$instance"
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  run_as "$bin/initdb" -D "$instance/data" -U stdwatch --auth=trust -E UTF8 --locale=C.UTF-8 >"$instance/initdb.log" 2>&1 \
    || { log "initdb failed"; cat "$instance/initdb.log" >&2; rm -rf "$instance"; exit 1; }
  run_as "$bin/pg_ctl" -D "$instance/data" -l "$instance/server.log" -w -t 60 \
    -o "-h 127.0.0.1 -p $port -k $instance -F" start >&2 \
    || { log "server did not start"; cat "$instance/server.log" >&2; rm -rf "$instance"; exit 1; }
  run_as "$bin/createdb" -h 127.0.0.1 -p "$port" -U stdwatch stdwatch_test
  echo "STDWATCH_TEST_PG_URL=postgresql+psycopg://stdwatch@127.0.0.1:$port/stdwatch_test"
  echo "STDWATCH_PG_INSTANCE=$instance"
}

stop() {
  local instance="${1:?usage: stop INSTANCE_DIR}"
  if [ -d "$instance/data" ]; then
    run_as "$(bin_dir)/pg_ctl" -D "$instance/data" -m fast -w stop >&2 || true
  fi
  case "$instance" in */stdwatch-pg.*) rm -rf "$instance" ;; esac
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: $0 start | stop INSTANCE_DIR" >&2; exit 2 ;;
esac
