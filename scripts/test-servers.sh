#!/usr/bin/env bash
# HTTP, HTTPS and FTP package servers on 127.0.0.1, on free ports, for the demo,
# the end-to-end test and the benchmarks (scripts/test-servers.py does the serving).
#
#   scripts/test-servers.sh start ROOT STATE   serve folder ROOT; wait until all three
#                                              listen; print STATE/servers.env:
#                                              SERVERS_PID, HTTP_PORT, HTTPS_PORT,
#                                              FTP_PORT, CA_FILE (self-signed), SERVERS_ROOT
#   scripts/test-servers.sh stop STATE         stop the servers started with STATE
#
# Only 127.0.0.1 is bound: nothing is exposed to the network.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

die() { echo "test-servers: $*" >&2; exit 1; }

# The FTP server is pyftpdlib (Debian's python3-pyftpdlib lives in the system
# python, which a pyenv/venv python3 earlier in PATH does not see).
pick_python() {
  local p
  for p in python3 /usr/bin/python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import pyftpdlib' 2>/dev/null; then
      echo "$p"; return 0
    fi
  done
  return 1
}

start() {
  local root=$1 state=$2
  [ -d "$root" ] || die "no folder $root"
  mkdir -p "$state"
  rm -f "$state/servers.env"
  local py
  py=$(pick_python) || die "no python3 with pyftpdlib (run scripts/install-deps.sh)"
  "$py" "$here/test-servers.py" --root "$root" --state "$state" >>"$state/servers.out" 2>&1 </dev/null &
  local pid=$! i
  for i in $(seq 1 100); do
    [ -s "$state/servers.env" ] && { cat "$state/servers.env"; return 0; }
    kill -0 "$pid" 2>/dev/null || { cat "$state/servers.out" >&2; die "servers exited"; }
    sleep 0.1
  done
  kill "$pid" 2>/dev/null || true
  die "servers did not come up within 10 s (see $state/servers.out)"
}

stop() {
  local state=$1 pid
  [ -s "$state/servers.env" ] || return 0
  pid=$(sed -n 's/^SERVERS_PID=//p' "$state/servers.env")
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$state/servers.env"
}

case "${1:-}" in
  start) [ $# -eq 3 ] || die "usage: $0 start ROOT STATE"; start "$2" "$3" ;;
  stop)  [ $# -eq 2 ] || die "usage: $0 stop STATE"; stop "$2" ;;
  *) echo "usage: $0 start ROOT STATE | stop STATE" >&2; exit 2 ;;
esac
