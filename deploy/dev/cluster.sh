#!/usr/bin/env bash
# Starts, stops or checks a replicated ClickHouse cluster on this machine for development and
# `make test-cluster`: one ZooKeeper (Debian's zookeeper package, run as a background java
# process) and four clickhouse-server 18.16 processes on 127.0.0.1, two shards of two replicas,
# each with its own folder, ports and macros. No systemd, no Docker.
#
#   deploy/dev/cluster.sh up|down|status
#   deploy/dev/cluster.sh node-down N | node-up N   # stop or start ClickHouse node N (1-4) only
#   deploy/dev/cluster.sh addrs                     # native addresses of the nodes, comma-separated
#
# Layout (cluster name `ccqa`, internal_replication = true):
#   node 1: shard 01, replica s1r1    node 2: shard 01, replica s1r2
#   node 3: shard 02, replica s2r1    node 4: shard 02, replica s2r2
# Ports, from CCQA_CLUSTER_PORT_BASE (default 19610): native base+N, http base+10+N,
# interserver base+20+N; ZooKeeper client CCQA_ZK_PORT (default base+71).
# Each node is an ordinary deploy/dev/clickhouse.sh server (same config.xml and users) with a
# config.d/cluster.xml added next to its config, which the server merges in, and a
# users.d/cluster-profile.xml with the profile setting cluster mode needs.
#
# Environment: CCQA_DEV_DIR (default ./.dev; the cluster lives in $CCQA_DEV_DIR/cluster),
# CCQA_CLUSTER_PORT_BASE, CCQA_ZK_PORT.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dev=${CCQA_DEV_DIR:-$root/.dev}
base_dir=$dev/cluster
base=${CCQA_CLUSTER_PORT_BASE:-19610}
zk_port=${CCQA_ZK_PORT:-$((base + 71))}
zk_dir=$base_dir/zookeeper
zk_pid=$zk_dir/server.pid

tcp_port() { echo $((base + $1)); }
http_port() { echo $((base + 10 + $1)); }
interserver_port() { echo $((base + 20 + $1)); }
shard_of() { echo $(( ($1 + 1) / 2 )); }
replica_of() { echo "s$(shard_of "$1")r$(( ($1 + 1) % 2 + 1 ))"; }

node_env() {
  echo "CCQA_DEV_DIR=$base_dir/node$1 CCQA_CH_TCP_PORT=$(tcp_port "$1") CCQA_CH_HTTP_PORT=$(http_port "$1")"
}

ch() { env $(node_env "$1") "$here/clickhouse.sh" "$2"; }

zk_running() { [ -f "$zk_pid" ] && kill -0 "$(cat "$zk_pid")" 2>/dev/null; }

# ruok is not whitelisted by default in ZooKeeper 3.8; "srvr" is.
zk_answers() { { exec 3<>"/dev/tcp/127.0.0.1/$zk_port"; } 2>/dev/null || return 1; printf 'srvr' >&3; grep -q Mode <&3; local r=$?; exec 3>&-; return $r; }

zk_up() {
  if zk_answers; then echo "zookeeper: already answering on 127.0.0.1:$zk_port"; return 0; fi
  [ -f /usr/share/java/zookeeper.jar ] || { echo "zookeeper: not installed; run deploy/dev/install.sh zookeeper" >&2; exit 1; }
  mkdir -p "$zk_dir/data" "$zk_dir/log"
  cat >"$zk_dir/zoo.cfg" <<CFG
tickTime=2000
initLimit=10
syncLimit=5
dataDir=$zk_dir/data
clientPort=$zk_port
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=srvr,stat,mntr
autopurge.snapRetainCount=3
autopurge.purgeInterval=1
CFG
  cat >"$zk_dir/log4j.properties" <<'CFG'
log4j.rootLogger=WARN, CONSOLE
log4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender
log4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout
log4j.appender.CONSOLE.layout.ConversionPattern=%d{ISO8601} %-5p %c{1}: %m%n
CFG
  nohup java -Xmx256m -Dzookeeper.log.dir="$zk_dir/log" -Dlog4j.configuration="file:$zk_dir/log4j.properties" \
    -cp "/usr/share/java/zookeeper.jar:/usr/share/java/log4j-1.2.jar:/usr/share/java/slf4j-log4j12.jar" \
    org.apache.zookeeper.server.quorum.QuorumPeerMain "$zk_dir/zoo.cfg" >"$zk_dir/log/stdout.log" 2>&1 &
  echo $! >"$zk_pid"
  for _ in $(seq 1 120); do
    if zk_answers; then echo "zookeeper: up on 127.0.0.1:$zk_port, data in $zk_dir"; return 0; fi
    zk_running || break
    sleep 0.5
  done
  echo "zookeeper: did not answer within 60 s; last log lines:" >&2
  tail -n 30 "$zk_dir/log/stdout.log" >&2 || true
  exit 1
}

zk_down() {
  if zk_running; then
    pid=$(cat "$zk_pid"); kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$zk_pid"
    echo "zookeeper: stopped"
  else
    echo "zookeeper: not running (from $zk_dir)"
  fi
}

# write_node_config writes node N's config.d/cluster.xml: macros, ZooKeeper, the interserver
# port replicas fetch parts from, and the cluster `ccqa` of all four nodes.
write_node_config() {
  local n=$1 d=$base_dir/node$1/clickhouse
  mkdir -p "$d/config.d"
  {
    echo '<?xml version="1.0"?>'
    echo '<yandex>'
    echo "  <interserver_http_host>127.0.0.1</interserver_http_host>"
    echo "  <interserver_http_port>$(interserver_port "$n")</interserver_http_port>"
    echo "  <macros><shard>0$(shard_of "$n")</shard><replica>$(replica_of "$n")</replica></macros>"
    echo "  <zookeeper><node><host>127.0.0.1</host><port>$zk_port</port></node><session_timeout_ms>30000</session_timeout_ms></zookeeper>"
    echo '  <remote_servers><ccqa>'
    for s in 1 2; do
      echo '    <shard><internal_replication>true</internal_replication>'
      for m in $((2 * s - 1)) $((2 * s)); do
        echo "      <replica><host>127.0.0.1</host><port>$(tcp_port "$m")</port></replica>"
      done
      echo '    </shard>'
    done
    echo '  </ccqa></remote_servers>'
    echo '</yandex>'
  } >"$d/config.d/cluster.xml"
  # ccqa on a cluster needs distributed_product_mode = global in its user's profile (README
  # "Scale-out"; clickhouse-go cannot send it per query to 18.16). deploy/dev/clickhouse.sh
  # copies the project's users.d files next to this one and leaves it in place.
  mkdir -p "$d/users.d"
  cat >"$d/users.d/cluster-profile.xml" <<'XML'
<?xml version="1.0"?>
<yandex><profiles><default><distributed_product_mode>global</distributed_product_mode></default></profiles></yandex>
XML
}

node_up() { write_node_config "$1"; ch "$1" up; }

addrs() {
  local out=()
  for n in 1 2 3 4; do out+=("127.0.0.1:$(tcp_port "$n")"); done
  (IFS=,; echo "${out[*]}")
}

check_node() { case "${1:-}" in 1|2|3|4) ;; *) echo "usage: $0 node-up|node-down N (N = 1-4)" >&2; exit 2 ;; esac; }

case "${1:-}" in
  up)
    zk_up
    for n in 1 2 3 4; do node_up "$n"; done
    echo "cluster: ccqa = 2 shards x 2 replicas on $(addrs)"
    ;;
  down)
    for n in 4 3 2 1; do ch "$n" down || true; done
    zk_down
    ;;
  status)
    rc=0
    if zk_answers; then echo "zookeeper: answering on :$zk_port"; else echo "zookeeper: not answering"; rc=1; fi
    for n in 1 2 3 4; do ch "$n" status || rc=1; done
    exit $rc
    ;;
  node-up) check_node "${2:-}"; node_up "$2" ;;
  node-down) check_node "${2:-}"; ch "$2" down ;;
  addrs) addrs ;;
  *) echo "usage: $0 up|down|status|node-up N|node-down N|addrs" >&2; exit 2 ;;
esac
