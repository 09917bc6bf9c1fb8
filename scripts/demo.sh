#!/usr/bin/env bash
# README command 1: install what is missing, build, run a simulated production line
# end to end (fota-sim + fota-station), then print the report. docs/demo.md explains
# the line: 48 modules of all four families, every upgrade method, nine faults.
#
#   scripts/demo.sh                 the demo (live dashboard on a terminal)
#   scripts/demo.sh --check         non-interactive; exits 1 unless every result row
#                                   is the one examples/demo-expect.tsv predicts and
#                                   each transcript holds examples/demo-expect-events.tsv
#   scripts/demo.sh --packages DIR  only generate the demo's packages into DIR
#
# Options: --speed F (fota-sim speed factor, default 30), --build-dir DIR (default
# build-demo), --out DIR (database and HTML report; default <build-dir>/demo),
# --station BIN --sim BIN (use these binaries, do not build), --no-deps (do not run
# scripts/install-deps.sh), --keep (keep the temporary folder).
#
# Everything runs on 127.0.0.1 in a temporary folder that is removed on exit
# (servers and simulator are stopped too), except the database and the report.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)

speed=30 build_dir="$repo/build-demo" out="" station="" sim="" deps=1 keep=0 check=0 pkg_only=""
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --check) check=1 ;;
    --packages) pkg_only=${2:?}; shift ;;
    --speed) speed=${2:?}; shift ;;
    --build-dir) build_dir=${2:?}; shift ;;
    --out) out=${2:?}; shift ;;
    --station) station=${2:?}; shift ;;
    --sim) sim=${2:?}; shift ;;
    --no-deps) deps=0 ;;
    --keep) keep=1 ;;
    -h|--help) usage 0 ;;
    *) echo "demo: unknown option $1" >&2; usage 2 >&2 ;;
  esac
  shift
done

say() { printf '\033[1mdemo:\033[0m %s\n' "$*"; }
[ -t 1 ] || say() { printf 'demo: %s\n' "$*"; }

# --- 1. dependencies and build --------------------------------------------------
if [ "$deps" = 1 ]; then "$repo/scripts/install-deps.sh"; fi
# --packages needs only fota-sim
if [ -z "$sim" ] || { [ -z "$station" ] && [ -z "$pkg_only" ]; }; then
  say "building in $build_dir (RelWithDebInfo; log in $build_dir/demo-build.log)"
  mkdir -p "$build_dir"
  if ! { cmake -S "$repo" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFOTA_TESTS=OFF &&
         cmake --build "$build_dir" -j"$(nproc)" --target fota-station fota-sim; } \
       >"$build_dir/demo-build.log" 2>&1; then
    tail -n 40 "$build_dir/demo-build.log" >&2
    echo "demo: the build failed (full log: $build_dir/demo-build.log)" >&2
    exit 2
  fi
  station=${station:-$build_dir/station/fota-station}
  sim=${sim:-$build_dir/sim/fota-sim}
fi
[ -x "$sim" ] || { echo "demo: $sim is not an executable" >&2; exit 2; }
sim=$(realpath "$sim")
if [ -z "$pkg_only" ]; then
  [ -x "$station" ] || { echo "demo: $station is not an executable" >&2; exit 2; }
  station=$(realpath "$station")
fi

# --- 2. packages (examples/demo-packages.tsv; never committed) ------------------
make_packages() {
  local dir=$1 file fam from to size args
  mkdir -p "$dir"
  while IFS=$'\t' read -r file fam from to size; do
    case "$file" in ''|'#'*) continue ;; esac
    args=(--family "$fam" --to "$to" --size "$size" -o "$dir/$file")
    [ "$from" = - ] || args+=(--from "$from")
    "$sim" mkpkg "${args[@]}" >/dev/null
  done <"$repo/examples/demo-packages.tsv"
}
if [ -n "$pkg_only" ]; then
  make_packages "$pkg_only"
  say "packages in $pkg_only:"
  ls -l "$pkg_only"
  exit 0
fi

# --- 3. a temporary line: job copy, packages, servers, simulator ---------------
work=$(mktemp -d "${TMPDIR:-/tmp}/fota-demo.XXXXXX")
out=${out:-$build_dir/demo}
mkdir -p "$out"
out=$(realpath "$out")
db="$out/demo.db" html="$out/report.html"
rm -f "$db" "$db-wal" "$db-shm" "$html"
sim_pid="" station_pid=""

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$station_pid" ]; then
    kill "$station_pid" 2>/dev/null || true
    wait "$station_pid" 2>/dev/null || true
  fi
  if [ -n "$sim_pid" ]; then
    kill "$sim_pid" 2>/dev/null || true
    wait "$sim_pid" 2>/dev/null || true
  fi
  "$repo/scripts/test-servers.sh" stop "$work/servers" || true
  if [ "$rc" -ge 128 ] && [ -f "$db" ]; then
    echo "demo: interrupted; the attempts so far (running ones INTERRUPTED) are in $db"
  fi
  if [ "$keep" = 1 ]; then
    echo "demo: kept $work"
  else
    rm -rf "$work"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "generating packages (fota-sim mkpkg) in $work/job/packages"
make_packages "$work/job/packages"

say "starting HTTP, HTTPS and FTP servers on 127.0.0.1"
"$repo/scripts/test-servers.sh" start "$work/job/packages" "$work/servers" >/dev/null
# shellcheck disable=SC1091
. "$work/servers/servers.env"
say "  http :$HTTP_PORT  https :$HTTPS_PORT  ftp :$FTP_PORT"

# The job names placeholder ports; the copy names the servers' real ones.
job="$work/job/demo.yaml"
sed -e "s#//127\.0\.0\.1:8080/#//127.0.0.1:$HTTP_PORT/#" \
    -e "s#//127\.0\.0\.1:8443/#//127.0.0.1:$HTTPS_PORT/#" \
    -e "s#//127\.0\.0\.1:2121/#//127.0.0.1:$FTP_PORT/#" \
    "$repo/examples/demo.yaml" >"$job"

profiles="$repo/profiles"
"$station" check --job "$job" --profiles "$profiles"

ports="$work/ports"
n_modules=$(grep -c '^ *- {slot:' "$repo/examples/demo-line.yaml")
say "starting fota-sim: $n_modules modules (examples/demo-line.yaml, speed $speed) in $ports"
"$sim" --ports "$ports" --scenario "$repo/examples/demo-line.yaml" --speed "$speed" \
  >"$work/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 1 100); do
  grep -q '^fota-sim: .* modules in' "$work/sim.log" && break
  kill -0 "$sim_pid" 2>/dev/null || { cat "$work/sim.log" >&2; echo "demo: fota-sim exited" >&2; exit 3; }
  sleep 0.1
done
grep -q '^fota-sim: .* modules in' "$work/sim.log" || { echo "demo: fota-sim did not start" >&2; exit 3; }

# --- 4. the station ------------------------------------------------------------
run=("$station" run --job "$job" --ports "$ports" --profiles "$profiles" --db "$db"
     --until-idle --log-dir "$out/transcripts" --operator demo)
rm -rf "$out/transcripts"
if [ -t 1 ] && [ "$check" = 0 ]; then
  say "running fota-station (live dashboard; q quits)"
  sleep 1
else
  run+=(--no-dashboard)
  say "running fota-station (line log in $out/station.log)"
fi
start=$(date +%s.%N)
set +e
if [ "$check" = 1 ]; then
  "${run[@]}" >"$out/station.log" 2>&1 &
  station_pid=$!
  wait "$station_pid"
else
  "${run[@]}"
fi
station_rc=$?
station_pid=""
set -e
secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
say "fota-station exited with $station_rc after $secs s (1 = some modules failed, as planned)"

# --- 5. report -----------------------------------------------------------------
"$station" report --db "$db" --format html -o "$html"
if [ "$check" = 0 ]; then
  "$station" report --db "$db"
fi
say "database:    $db"
say "HTML report: $html"
say "transcripts: $out/transcripts/"

if [ "$check" = 1 ]; then
  if [ "$station_rc" -ne 0 ] && [ "$station_rc" -ne 1 ]; then
    tail -n 40 "$out/station.log" >&2
    echo "demo: fota-station failed (exit $station_rc)" >&2
    exit 1
  fi
  # The simulator must have run cleanly too, and neither binary may have reported a
  # sanitizer error (an ASan build exits 1 on one, the same code as "a module failed").
  kill "$sim_pid" 2>/dev/null || true
  sim_rc=0
  wait "$sim_pid" || sim_rc=$?
  sim_pid=""
  if [ "$sim_rc" -ne 0 ]; then
    tail -n 40 "$work/sim.log" >&2
    echo "demo: fota-sim exited with $sim_rc after SIGTERM" >&2
    exit 1
  fi
  if grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$out/station.log" "$work/sim.log" >&2; then
    echo "demo: sanitizer report in the station or simulator log ($out/station.log)" >&2
    exit 1
  fi
  if ! "$repo/tests/e2e/check-demo-db.sh" "$db" "$repo/examples/demo-expect.tsv" demo-line \
         "$repo/examples/demo-expect-events.tsv"; then
    echo "--- last lines of the station log ---" >&2
    tail -n 30 "$out/station.log" >&2
    exit 1
  fi
  say "check passed: every row is the one examples/demo-expect.tsv predicts ($secs s)"
fi
