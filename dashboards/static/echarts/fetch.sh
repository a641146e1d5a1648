#!/usr/bin/env bash
# Re-fetches the Apache ECharts build the dashboards embed (dashboards/static/echarts), from the
# npm package `echarts` with npm's own client, and checks it against the recorded checksum. The
# file is committed so that building ccqa needs no network; run this only to verify or upgrade
# (then update VERSION and SHA256 below and in the README "Dashboards" section).
set -euo pipefail
VERSION=5.6.0
SHA256=bf4a223524e40b77c304bec67e1222cf551f14880cf42c69dc046558e11c07b1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "echarts@$VERSION" >/dev/null && tar xzf "echarts-$VERSION.tgz")
got=$(sha256sum "$tmp/package/dist/echarts.min.js" | cut -d' ' -f1)
if [ "$got" != "$SHA256" ]; then
  echo "fetch.sh: echarts@$VERSION dist/echarts.min.js has sha256 $got, want $SHA256" >&2
  exit 1
fi
cp "$tmp/package/dist/echarts.min.js" "$tmp/package/LICENSE" "$tmp/package/NOTICE" "$here/"
echo "fetch.sh: echarts@$VERSION verified and copied to $here"
