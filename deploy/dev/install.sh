#!/usr/bin/env bash
# Installs what ccqa's development, demo and tests need on a Debian 12 machine, skipping what is
# already there: ClickHouse (Debian's clickhouse-server 18.16), a Java runtime and Maven for the
# Kafka broker, kcat for testing with another Kafka client, curl. Go itself must already be
# installed (go 1.26; Debian 12's golang package is too old).
#
#   deploy/dev/install.sh            # ClickHouse, Java, Maven, kcat, Chromium (QA browser test)
#   deploy/dev/install.sh clickhouse # only ClickHouse (what `make demo` needs)
#   deploy/dev/install.sh zookeeper  # ClickHouse, Java and ZooKeeper (what `make test-cluster` needs)
set -euo pipefail

want=${1:-all}
pkgs=()
need() { command -v "$1" >/dev/null 2>&1 || pkgs+=("$2"); }

if ! command -v clickhouse-server >/dev/null 2>&1 && [ ! -x /usr/sbin/clickhouse-server ] && ! command -v clickhouse >/dev/null 2>&1; then
  pkgs+=(clickhouse-server clickhouse-client)
fi
need curl curl
if [ "$want" = all ]; then
  need java openjdk-17-jre-headless
  need mvn maven
  need kcat kcat
  need chromium chromium # headless browser for the QA web app test (qa/web)
  # CJK glyphs, or the Chinese pages' screenshots of the browser tests show boxes.
  [ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || pkgs+=(fonts-noto-cjk)
fi
if [ "$want" = zookeeper ]; then
  need java openjdk-17-jre-headless
  # Debian's ZooKeeper for the replicated ClickHouse cluster of deploy/dev/cluster.sh.
  [ -f /usr/share/java/zookeeper.jar ] || pkgs+=(zookeeper)
fi

if [ ${#pkgs[@]} -gt 0 ]; then
  echo "install: apt-get install ${pkgs[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -q
  # The Debian package tries to start a service; there is no init system in CI and none is
  # wanted: deploy/dev/clickhouse.sh runs the server itself.
  $sudo_cmd apt-get install -y -q --no-install-recommends "${pkgs[@]}" || $sudo_cmd apt-get install -y -q "${pkgs[@]}"
fi

command -v go >/dev/null 2>&1 || { echo "install: Go is not installed; ccqa needs Go 1.26 (https://go.dev/dl/)" >&2; exit 1; }
echo "install: all present"
