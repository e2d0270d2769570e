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

ensure_user() {
  [ "$(id -u)" = "0" ] || return 0
  id "$ES_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$ES_USER"
}

# new_node DIR NAME HEAP: a node's own config/data/logs/tmp folders under DIR and free HTTP/transport ports;
# the caller appends the discovery settings to DIR/config/elasticsearch.yml.
new_node() {
  local instance="$1" name="$2" heap="$3" port transport
  port="$(free_port)"
  transport="$(free_port)"
  mkdir -p "$instance/config" "$instance/data" "$instance/logs" "$instance/tmp"
  chmod 755 "$instance"
  cp -r "$ES_HOME/config/." "$instance/config/"
  cat >> "$instance/config/elasticsearch.yml" <<YML
node.name: $name
network.host: 127.0.0.1
http.port: $port
transport.port: $transport
path.data: $instance/data
path.logs: $instance/logs
xpack.security.enabled: false
cluster.routing.allocation.disk.threshold_enabled: false
action.destructive_requires_name: false
YML
  printf -- "-Xms%s\n-Xmx%s\n" "$heap" "$heap" > "$instance/config/jvm.options.d/heap.options"
  echo "http://127.0.0.1:$port" > "$instance/url"
  echo "$transport" > "$instance/transport"
}

# launch DIR: start the node configured in DIR as a daemon (its pid in DIR/pid); fails with its logs shown.
launch() {
  local instance="$1"
  ensure_user
  [ "$(id -u)" = "0" ] && chown -R "$ES_USER" "$instance"
  rm -f "$instance/pid"
  log "starting Elasticsearch $ES_VERSION on $(cat "$instance/url") (instance $instance)"
  run_as env ES_JAVA_HOME="$(java_home)" ES_PATH_CONF="$instance/config" ES_TMPDIR="$instance/tmp" \
    "$ES_HOME/bin/elasticsearch" -d -p "$instance/pid" >"$instance/start.log" 2>&1 || {
      log "failed to start:"; cat "$instance/start.log" >&2; tail -50 "$instance"/logs/*.log >&2 2>/dev/null
      return 1; }
}

# wait_for URL PATH: until the node answers PATH (up to 120 s).
wait_for() {
  for _ in $(seq 1 120); do
    curl -fsS "$1$2" >/dev/null 2>&1 && return 0
    sleep 1
  done
  return 1
}

start() {
  fetch
  local instance url
  instance="$(mktemp -d "${TMPDIR:-/tmp}/stdwatch-es.XXXXXX")"
  new_node "$instance" stdwatch-test-node "$HEAP"
  cat >> "$instance/config/elasticsearch.yml" <<YML
cluster.name: stdwatch-test
discovery.type: single-node
YML
  launch "$instance" || { stop "$instance"; exit 1; }
  url="$(cat "$instance/url")"
  if wait_for "$url" "/_cluster/health?wait_for_status=yellow&timeout=1s"; then
    echo "STDWATCH_ES_URL=$url"
    echo "STDWATCH_ES_INSTANCE=$instance"
    return
  fi
  log "Elasticsearch did not become healthy in 120 s"; tail -50 "$instance"/logs/*.log >&2 2>/dev/null
  stop "$instance"; exit 1
}

cluster() {
  local count="${1:?usage: cluster N}" parent heap name seeds="" masters="" urls="" i pids=()
  [ "$count" -ge 1 ] 2>/dev/null || { log "cluster N: N must be a number >= 1"; exit 2; }
  fetch
  heap="${STDWATCH_ES_HEAP:-384m}"
  parent="$(mktemp -d "${TMPDIR:-/tmp}/stdwatch-es.XXXXXX")"
  chmod 755 "$parent"
  name="stdwatch-cluster-$(basename "$parent" | cut -d. -f2 | tr 'A-Z' 'a-z')"
  for i in $(seq 1 "$count"); do
    new_node "$parent/node$i" "stdwatch-node-$i" "$heap"
    seeds="$seeds${seeds:+,}\"127.0.0.1:$(cat "$parent/node$i/transport")\""
    masters="$masters${masters:+,}\"stdwatch-node-$i\""
    urls="$urls${urls:+,}$(cat "$parent/node$i/url")"
  done
  for i in $(seq 1 "$count"); do
    cat >> "$parent/node$i/config/elasticsearch.yml" <<YML
cluster.name: $name
discovery.seed_hosts: [$seeds]
cluster.initial_master_nodes: [$masters]
YML
  done
  # The nodes start side by side: each waits for the others to elect a master.
  for i in $(seq 1 "$count"); do launch "$parent/node$i" & pids+=($!); done
  for pid in "${pids[@]}"; do wait "$pid" || { stop "$parent"; exit 1; }; done
  if ! wait_for "${urls%%,*}" "/_cluster/health?wait_for_status=green&wait_for_nodes=$count&timeout=1s"; then
    log "the cluster did not form in 120 s"; tail -30 "$parent"/node*/logs/*.log >&2 2>/dev/null
    stop "$parent"; exit 1
  fi
  echo "STDWATCH_ES_URL=$urls"
  echo "STDWATCH_ES_INSTANCE=$parent"
  for i in $(seq 1 "$count"); do
    echo "STDWATCH_ES_NODE${i}_URL=$(cat "$parent/node$i/url")"
    echo "STDWATCH_ES_NODE${i}_DIR=$parent/node$i"
    echo "STDWATCH_ES_NODE${i}_PID=$(cat "$parent/node$i/pid")"
  done
}

node_stop() {
  local instance="$1"
  [ -f "$instance/pid" ] || return 0
  local pid; pid="$(cat "$instance/pid")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$instance/pid"
}

node_start() {
  local instance="${1:?usage: node-start NODE_DIR}"
  [ -f "$instance/url" ] || { log "$instance is not a node folder"; exit 2; }
  launch "$instance" || exit 1
  wait_for "$(cat "$instance/url")" "/_cluster/health?timeout=1s" || { log "the node did not answer in 120 s"; exit 1; }
  echo "STDWATCH_ES_NODE_PID=$(cat "$instance/pid")"
}

stop() {
  local instance="${1:?usage: stop INSTANCE_DIR}" node
  for node in "$instance"/node*/; do [ -d "$node" ] && node_stop "${node%/}"; done
  node_stop "$instance"
  case "$instance" in */stdwatch-es.*) rm -rf "$instance" ;; esac
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  cluster) cluster "${2:-}" ;;
  node-stop) node_stop "${2:?usage: node-stop NODE_DIR}" ;;
  node-start) node_start "${2:-}" ;;
  fetch) fetch; echo "$ES_HOME" ;;
  *) echo "usage: $0 start | stop INSTANCE_DIR | cluster N | node-stop NODE_DIR | node-start NODE_DIR | fetch" >&2
     exit 2 ;;
esac
