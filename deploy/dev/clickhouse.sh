#!/usr/bin/env bash
# Starts, stops or checks a ClickHouse server for development and tests.
# It runs Debian's clickhouse-server binary as a background process (no systemd) on 127.0.0.1,
# with its data, logs and config in a folder this script owns.
#
#   deploy/dev/clickhouse.sh up|down|status
#
# Environment: CCQA_DEV_DIR (default ./.dev), CCQA_CH_TCP_PORT (19000), CCQA_CH_HTTP_PORT (18123).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dev=${CCQA_DEV_DIR:-$root/.dev}
dir=$dev/clickhouse
tcp=${CCQA_CH_TCP_PORT:-19000}
http=${CCQA_CH_HTTP_PORT:-18123}
pidfile=$dir/server.pid

server_bin() {
  if command -v clickhouse-server >/dev/null 2>&1; then command -v clickhouse-server; return; fi
  for b in /usr/sbin/clickhouse-server /usr/bin/clickhouse-server; do [ -x "$b" ] && { echo "$b"; return; }; done
  if command -v clickhouse >/dev/null 2>&1; then echo "$(command -v clickhouse) server"; return; fi
  return 1
}

answers() { curl -fsS "http://127.0.0.1:$http/ping" >/dev/null 2>&1; }

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

write_config() {
  mkdir -p "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/log" "$dir/format_schemas"
  cat >"$dir/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger>
    <level>warning</level>
    <log>$dir/log/server.log</log>
    <errorlog>$dir/log/server.err.log</errorlog>
    <size>100M</size>
    <count>3</count>
  </logger>
  <http_port>$http</http_port>
  <tcp_port>$tcp</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <max_connections>1024</max_connections>
  <keep_alive_timeout>3</keep_alive_timeout>
  <max_concurrent_queries>100</max_concurrent_queries>
  <uncompressed_cache_size>1073741824</uncompressed_cache_size>
  <mark_cache_size>1073741824</mark_cache_size>
  <path>$dir/data/</path>
  <tmp_path>$dir/tmp/</tmp_path>
  <user_files_path>$dir/user_files/</user_files_path>
  <format_schema_path>$dir/format_schemas/</format_schema_path>
  <users_config>$dir/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
  <builtin_dictionaries_reload_interval>3600</builtin_dictionaries_reload_interval>
  <max_session_timeout>3600</max_session_timeout>
  <default_session_timeout>60</default_session_timeout>
  <distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>
  <include_from>$dir/extra.xml</include_from>
</yandex>
XML
  # Users: 'default' with no password, for local development only, plus whatever the
  # project adds in deploy/dev/users.d (for example the read-only payroll user).
  cat >"$dir/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <profiles>
    <default>
      <max_memory_usage>8000000000</max_memory_usage>
      <use_uncompressed_cache>0</use_uncompressed_cache>
      <load_balancing>random</load_balancing>
    </default>
    <readonly><readonly>1</readonly></readonly>
  </profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
XML
  # The server merges every file of users.d/ next to users.xml: copy the project's ones in.
  mkdir -p "$dir/users.d" && cp "$here"/users.d/*.xml "$dir/users.d/"
  [ -f "$dir/extra.xml" ] || echo '<?xml version="1.0"?><yandex></yandex>' >"$dir/extra.xml"
}

up() {
  if answers; then echo "clickhouse: already answering on 127.0.0.1:$http (tcp $tcp)"; return 0; fi
  bin=$(server_bin) || { echo "clickhouse: clickhouse-server is not installed; run deploy/dev/install.sh" >&2; exit 1; }
  write_config
  # shellcheck disable=SC2086
  nohup $bin --config-file="$dir/config.xml" >"$dir/log/stdout.log" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 1 120); do
    if answers; then echo "clickhouse: up on 127.0.0.1:$tcp (native), :$http (http), data in $dir"; return 0; fi
    running || break
    sleep 0.5
  done
  echo "clickhouse: did not answer within 60 s; last log lines:" >&2
  tail -n 30 "$dir/log/server.err.log" "$dir/log/stdout.log" >&2 || true
  exit 1
}

down() {
  if running; then
    pid=$(cat "$pidfile"); kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$pidfile"
    echo "clickhouse: stopped"
  else
    echo "clickhouse: not running (from $dir)"
  fi
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) if answers; then echo "clickhouse: answering on :$http"; else echo "clickhouse: not answering"; exit 1; fi ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
