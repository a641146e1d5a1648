#!/usr/bin/env bash
# Starts, stops or checks a single-node Apache Kafka broker in KRaft mode for development and tests.
# The broker jars come from Maven Central (deploy/dev/kafka/pom.xml, fetched with mvn into a cache
# folder) and run with `java` as a background process (no systemd) on 127.0.0.1.
#
#   deploy/dev/kafka.sh up|down|status|fetch
#
# Environment: CCQA_DEV_DIR (default ./.dev), CCQA_KAFKA_PORT (19092), CCQA_KAFKA_CONTROLLER_PORT
# (19093), CCQA_KAFKA_CACHE (default ~/.cache/ccqa/kafka), CCQA_KAFKA_HEAP (512m).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dev=${CCQA_DEV_DIR:-$root/.dev}
dir=$dev/kafka
port=${CCQA_KAFKA_PORT:-19092}
cport=${CCQA_KAFKA_CONTROLLER_PORT:-19093}
version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/kafka/pom.xml")
cache=${CCQA_KAFKA_CACHE:-$HOME/.cache/ccqa/kafka}/$version
pidfile=$dir/broker.pid

fetch() {
  if [ -f "$cache/.complete" ]; then return 0; fi
  command -v mvn >/dev/null || { echo "kafka: mvn is not installed; run deploy/dev/install.sh" >&2; exit 1; }
  echo "kafka: fetching Apache Kafka $version jars from Maven Central into $cache"
  mkdir -p "$cache"
  mvn -q -B -f "$here/kafka/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$cache" -DincludeScope=runtime
  touch "$cache/.complete"
}

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

up() {
  if answers; then echo "kafka: already answering on 127.0.0.1:$port"; return 0; fi
  command -v java >/dev/null || { echo "kafka: java is not installed; run deploy/dev/install.sh" >&2; exit 1; }
  fetch
  mkdir -p "$dir/data" "$dir/log"
  cat >"$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
num.partitions=4
offsets.topic.replication.factor=1
offsets.topic.num.partitions=8
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
log.retention.hours=168
PROPS
  cat >"$dir/log4j2.properties" <<PROPS
rootLogger.level=WARN
rootLogger.appenderRef.file.ref=File
appender.file.type=File
appender.file.name=File
appender.file.fileName=$dir/log/server.log
appender.file.layout.type=PatternLayout
appender.file.layout.pattern=[%d] %p %m (%c)%n
PROPS
  cp="$cache/*"
  jvm=(-Xms256m "-Xmx${CCQA_KAFKA_HEAP:-512m}" -XX:+UseG1GC -Djava.awt.headless=true
       "-Dlog4j2.configurationFile=$dir/log4j2.properties" -Dkafka.logs.dir="$dir/log")
  if [ ! -f "$dir/data/meta.properties" ]; then
    java "${jvm[@]}" -cp "$cp" kafka.tools.StorageTool format \
      -t "$(java -cp "$cp" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n1)" -c "$dir/server.properties" >"$dir/log/format.log" 2>&1 \
      || { cat "$dir/log/format.log" >&2; exit 1; }
  fi
  nohup java "${jvm[@]}" -cp "$cp" kafka.Kafka "$dir/server.properties" >"$dir/log/stdout.log" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 1 120); do
    if answers; then echo "kafka: $version up on 127.0.0.1:$port (KRaft), data in $dir"; return 0; fi
    running || break
    sleep 0.5
  done
  echo "kafka: did not answer within 60 s; last log lines:" >&2
  tail -n 30 "$dir/log/stdout.log" "$dir/log/server.log" >&2 || true
  exit 1
}

down() {
  if running; then
    pid=$(cat "$pidfile"); kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$pidfile"
    echo "kafka: stopped"
  else
    echo "kafka: not running (from $dir)"
  fi
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  fetch) fetch ;;
  status) if answers; then echo "kafka: answering on :$port"; else echo "kafka: not answering"; exit 1; fi ;;
  *) echo "usage: $0 up|down|status|fetch" >&2; exit 2 ;;
esac
