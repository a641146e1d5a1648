#!/usr/bin/env bash
# Installs current ClickHouse in process (the PyPI package chdb-core) into a virtual environment
# for the SQL compatibility check, and prints the Python to run it with. Idempotent: a venv that
# already imports chdb is reused.
#
#   metrics/compat/install.sh     # -> prints e.g. /repo/.dev/chdb-venv/bin/python
#
# Environment: CCQA_DEV_DIR (default ./.dev), CHDB_VERSION (default 26.9.0).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dev=${CCQA_DEV_DIR:-$root/.dev}
venv=$dev/chdb-venv
version=${CHDB_VERSION:-26.9.0}
py=$venv/bin/python
if [ -x "$py" ] && "$py" -c 'import chdb' >/dev/null 2>&1; then
  echo "$py"; exit 0
fi
command -v python3 >/dev/null 2>&1 || { echo "compat: python3 is not installed" >&2; exit 1; }
mkdir -p "$dev"
if ! python3 -m venv "$venv" >&2; then
  # Debian splits venv out of python3; install it when we may.
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv >&2 || true
    rm -rf "$venv"
  fi
  python3 -m venv "$venv" >&2 || { echo "compat: python3 -m venv failed (Debian: apt-get install python3-venv)" >&2; exit 1; }
fi
"$venv/bin/pip" install -q "chdb-core==$version" >&2
"$py" -c 'import chdb' >&2
echo "$py"
