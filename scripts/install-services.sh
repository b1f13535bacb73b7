#!/usr/bin/env bash
# The services the tests start for themselves (tests/harness/postgres.py, tests/harness/redis.py): Debian's
# PostgreSQL and Redis. Installs them only when missing (as root, with apt-get); the harness starts its own
# throw-away servers on free loopback ports and never touches a system cluster.
set -euo pipefail
missing=()
compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
[[ ${#missing[@]} -eq 0 ]] && exit 0
if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
    echo "missing ${missing[*]}: install them (Debian: apt-get install ${missing[*]}) or run as root" >&2
    exit 1
fi
echo "== installing ${missing[*]} (apt-get)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
