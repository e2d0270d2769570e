#!/usr/bin/env bash
# Fetch, cache and run a real single-node Elasticsearch for tests and local use.
#
#   .ci/elasticsearch.sh start     -> prints STDWATCH_ES_URL=http://127.0.0.1:<port> and the instance folder
#   .ci/elasticsearch.sh stop DIR  -> stops the node (or every node of the cluster) started in DIR, removes DIR
#   .ci/elasticsearch.sh cluster N -> starts an N-node cluster on loopback and prints
#                                     STDWATCH_ES_URL=<url1>,<url2>,... (comma-separated, as the setting takes it),
#                                     STDWATCH_ES_INSTANCE=<folder> and STDWATCH_ES_NODE<i>_{URL,DIR,PID}
#   .ci/elasticsearch.sh node-stop NODE_DIR  -> stops one node of a cluster by its pid (its data stays)
#   .ci/elasticsearch.sh node-start NODE_DIR -> starts that node again and waits until it answers
#
# The distribution is Elasticsearch's own test build from Maven Central (integ-test-zip: server, transport and
# x-pack core/security modules only), fetched with Maven once and cached in ~/.cache/stdwatch/elasticsearch.
# Elasticsearch refuses to run as root, so as root the node runs as the unprivileged user `stdwatch-es`.
# It listens on 127.0.0.1 only, with a small heap, security off and disk watermarks disabled (test machines
# are often nearly full). Cluster nodes each get their own config/data/logs folders and free ports; every node is
# master-eligible, so with two nodes stopping the elected master loses the quorum (stop the other one, or run 3).
set -euo pipefail

ES_VERSION="${STDWATCH_ES_VERSION:-8.19.21}"
CACHE="${STDWATCH_CACHE:-$HOME/.cache/stdwatch}/elasticsearch"
HEAP="${STDWATCH_ES_HEAP:-512m}"
ES_USER="stdwatch-es"
ARTIFACT="org.elasticsearch.distribution.integ-test-zip:elasticsearch:${ES_VERSION}:zip"
# As root the node runs as another user, who cannot enter /root: unpack where that user can read.
if [ "$(id -u)" = "0" ]; then UNPACKED="${STDWATCH_ES_UNPACK_DIR:-/var/tmp/stdwatch}"; else UNPACKED="$CACHE"; fi
ES_HOME="$UNPACKED/elasticsearch-$ES_VERSION"

log() { echo "elasticsearch.sh: $*" >&2; }

java_home() {
  # Elasticsearch 8.19 runs on Java 17-24; prefer the distribution's own baseline (17).
  for candidate in "${ES_JAVA_HOME:-}" /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/java-1.17.0-openjdk-amd64 \
                   /usr/lib/jvm/openjdk-17 /usr/lib/jvm/temurin-21-jdk-amd64; do
    if [ -n "$candidate" ] && [ -x "$candidate/bin/java" ]; then echo "$candidate"; return; fi
  done
  log "no Java 17-24 JDK found under /usr/lib/jvm"; exit 1
}

fetch() {
  [ -x "$ES_HOME/bin/elasticsearch" ] && return
  mkdir -p "$CACHE"
  local zip="$CACHE/m2/org/elasticsearch/distribution/integ-test-zip/elasticsearch/$ES_VERSION/elasticsearch-$ES_VERSION.zip"
  if [ ! -f "$zip" ]; then
    log "fetching $ARTIFACT from Maven Central"
    mvn -q -B dependency:get -Dartifact="$ARTIFACT" -Dtransitive=false -Dmaven.repo.local="$CACHE/m2" >&2
  fi
  log "unpacking $zip"
  mkdir -p "$UNPACKED" && chmod 755 "$UNPACKED"
  rm -rf "$ES_HOME.tmp" && mkdir -p "$ES_HOME.tmp"
  (cd "$ES_HOME.tmp" && unzip -q "$zip")
  mv "$ES_HOME.tmp/elasticsearch-$ES_VERSION" "$ES_HOME" && rm -rf "$ES_HOME.tmp"
  chmod -R a+rX "$ES_HOME"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

run_as() {
  if [ "$(id -u)" = "0" ]; then
    id "$ES_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$ES_USER"
    runuser -u "$ES_USER" -- "$@"
  else
    "$@"
  fi
}

start() {
  fetch
  local instance port transport url
  instance="$(mktemp -d "${TMPDIR:-/tmp}/stdwatch-es.XXXXXX")"
  chmod 755 "$instance"
  port="$(free_port)"
  transport="$(free_port)"
  mkdir -p "$instance/config" "$instance/data" "$instance/logs" "$instance/tmp"
  cp -r "$ES_HOME/config/." "$instance/config/"
  cat >> "$instance/config/elasticsearch.yml" <<YML
cluster.name: stdwatch-test
node.name: stdwatch-test-node
network.host: 127.0.0.1
http.port: $port
transport.port: $transport
discovery.type: single-node
path.data: $instance/data
path.logs: $instance/logs
xpack.security.enabled: false
cluster.routing.allocation.disk.threshold_enabled: false
action.destructive_requires_name: false
YML
  printf -- "-Xms%s\n-Xmx%s\n" "$HEAP" "$HEAP" > "$instance/config/jvm.options.d/heap.options"
  [ "$(id -u)" = "0" ] && { id "$ES_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$ES_USER"; chown -R "$ES_USER" "$instance"; }
  log "starting Elasticsearch $ES_VERSION on 127.0.0.1:$port (instance $instance)"
  run_as env ES_JAVA_HOME="$(java_home)" ES_PATH_CONF="$instance/config" ES_TMPDIR="$instance/tmp" \
    "$ES_HOME/bin/elasticsearch" -d -p "$instance/pid" >"$instance/start.log" 2>&1 || {
      log "failed to start:"; cat "$instance/start.log" >&2; tail -50 "$instance"/logs/*.log >&2 2>/dev/null
      stop "$instance"; exit 1; }
  url="http://127.0.0.1:$port"
  for _ in $(seq 1 120); do
    if curl -fsS "$url/_cluster/health?wait_for_status=yellow&timeout=1s" >/dev/null 2>&1; then
      echo "$url" > "$instance/url"
      echo "STDWATCH_ES_URL=$url"
      echo "STDWATCH_ES_INSTANCE=$instance"
      return
    fi
    sleep 1
  done
  log "Elasticsearch did not become healthy in 120 s"; tail -50 "$instance"/logs/*.log >&2 2>/dev/null
  stop "$instance"; exit 1
}

stop() {
  local instance="${1:?usage: stop INSTANCE_DIR}"
  if [ -f "$instance/pid" ]; then
    local pid; pid="$(cat "$instance/pid")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  case "$instance" in */stdwatch-es.*) rm -rf "$instance" ;; esac
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  fetch) fetch; echo "$ES_HOME" ;;
  *) echo "usage: $0 start | stop INSTANCE_DIR | fetch" >&2; exit 2 ;;
esac
