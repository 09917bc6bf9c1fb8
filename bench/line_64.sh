#!/usr/bin/env bash
# bench/line_64.sh [--count N] [--speed F] [--station BIN --sim BIN] [--build-dir DIR] [--keep]
#
# Benchmark, not a test: one batch of N (default 64) healthy simulated modules, all
# four families and every method, 8 models x N/8 (RG500Q url/HTTP, RM505Q local,
# EG060K url/FTP, EM060K local, EC200T stream, UC200T url/HTTP, M95 qfua, M66 qfaw),
# upgraded by one `fota-station run --until-idle`. Prints the batch wall time next
# to the slowest module's own time (max duration_ms in the database) at the given
# fota-sim --speed (default 30): the difference is what the station adds on top of
# the modules' own (simulated) delays when they all run at once. Limits are opened
# up (64 in parallel, 64 transfers, no per-hub cap) so that queueing does not hide
# the station's own cost. Results go in bench/RESULTS.md (section "Line of 64").
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
count=64 speed=30 station="" sim="" build_dir="$repo/build-demo" keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --count) count=${2:?}; shift ;;
    --speed) speed=${2:?}; shift ;;
    --station) station=${2:?}; shift ;;
    --sim) sim=${2:?}; shift ;;
    --build-dir) build_dir=${2:?}; shift ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "line_64: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[ $((count % 8)) -eq 0 ] && [ "$count" -gt 0 ] || { echo "line_64: --count must be a multiple of 8" >&2; exit 2; }

if [ -z "$station" ] || [ -z "$sim" ]; then
  echo "line_64: building $build_dir (RelWithDebInfo)"
  cmake -S "$repo" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFOTA_TESTS=OFF >/dev/null
  cmake --build "$build_dir" -j"$(nproc)" --target fota-station fota-sim >"$build_dir/bench-build.log" 2>&1
  station=${station:-$build_dir/station/fota-station}
  sim=${sim:-$build_dir/sim/fota-sim}
fi
station=$(realpath "$station") sim=$(realpath "$sim")

work=$(mktemp -d "${TMPDIR:-/tmp}/fota-line64.XXXXXX")
sim_pid=""
cleanup() {
  if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
  "$repo/scripts/test-servers.sh" stop "$work/servers" || true
  if [ "$keep" = 1 ]; then echo "line_64: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# model, family, from, to, method ("url-http", "url-ftp" or a job method)
models=(
  "RG500Q-EA RG50xQ RG500QEAAAR11A06M4G RG500QEAAAR11A07M4G url-http"
  "RM505Q-AE RG50xQ RM505QAEAAR11A06M4G RM505QAEAAR11A07M4G local"
  "EG060K-EA EG06xK EG060KEAAAR01A01M4G EG060KEAAAR01A02M4G url-ftp"
  "EM060K-GL EG06xK EM060KGLAAR01A06M4G EM060KGLAAR01A07M4G local"
  "EC200T-CN EC200T EC200TCNTCNMAR02A01M16 EC200TCNTCNMAR02A02M16 stream"
  "UC200T-GL EC200T UC200TGLAAR02A01M16 UC200TGLAAR02A02M16 url-http"
  "M95 legacy-GSM M95FAR02A08 M95FAR02A09 qfua"
  "M66 legacy-GSM M66FAR01A11 M66FAR01A12 qfaw"
)
per=$((count / 8))
mkdir -p "$work/job/packages"
for m in "${models[@]}"; do
  read -r model fam from to _ <<<"$m"
  "$sim" mkpkg --family "$fam" --from "$from" --to "$to" --size 48000 -o "$work/job/packages/${model}.pkg" >/dev/null
done
"$repo/scripts/test-servers.sh" start "$work/job/packages" "$work/servers" >/dev/null
# shellcheck disable=SC1091
. "$work/servers/servers.env"

{
  echo "name: line-$count"
  echo "station: bench"
  echo "targets:"
  for m in "${models[@]}"; do
    read -r model fam from to method <<<"$m"
    base=${model%%-*}
    case "$method" in
      url-http) echo "  - {models: [$base], to: $to, method: url, packages: [{from: $from, url: \"http://127.0.0.1:$HTTP_PORT/$model.pkg\"}]}" ;;
      url-ftp)  echo "  - {models: [$base], to: $to, method: url, packages: [{from: $from, url: \"ftp://127.0.0.1:$FTP_PORT/$model.pkg\"}]}" ;;
      *)        echo "  - {models: [$base], to: $to, method: $method, packages: [{from: $from, file: packages/$model.pkg}]}" ;;
    esac
  done
  echo "limits: {max_parallel: $count, max_transfers: $count, max_per_hub: 0, stop_after_same_failures: 0}"
  echo "timeouts: {command: 10, reboot: 60, download: 120, stall: 30, total: 600}"
} >"$work/job/line.yaml"

{
  echo "name: line-$count"
  echo "modules:"
  i=0
  for m in "${models[@]}"; do
    read -r model fam from _ method <<<"$m"
    for _ in $(seq 1 "$per"); do
      hub=$((i / 4 + 1)) port=$((i % 4 + 1)) iface=2
      [ "$fam" = legacy-GSM ] && iface=0
      echo "  - {slot: \"pci-0000:00:14.0-usb-0:1.$hub.$port:1.$iface\", family: $fam, model: $model, revision: $from}"
      i=$((i + 1))
    done
  done
} >"$work/line-sim.yaml"

"$station" check --job "$work/job/line.yaml" --profiles "$repo/profiles" >/dev/null
"$sim" --ports "$work/ports" --scenario "$work/line-sim.yaml" --speed "$speed" >"$work/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 1 100); do grep -q '^fota-sim: .* modules in' "$work/sim.log" && break; sleep 0.1; done

db="$work/line.db"
t0=$(date +%s.%N)
set +e
run=("$station" run --job "$work/job/line.yaml" --ports "$work/ports" --profiles "$repo/profiles"
     --db "$db" --until-idle --no-dashboard)
if [ -x /usr/bin/time ]; then # Debian package "time": CPU and max RSS of the station
  /usr/bin/time -f '%U %S %M' -o "$work/time.txt" "${run[@]}" >"$work/station.log" 2>&1
  rc=$?
else # bash's own: CPU only
  TIMEFORMAT='%U %S 0'
  { time "${run[@]}" >"$work/station.log" 2>&1; } 2>"$work/time.txt"
  rc=$?
fi
set -e
t1=$(date +%s.%N)
read -r cpu_user cpu_sys max_rss_kb <"$work/time.txt"

wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
q() { sqlite3 -batch -noheader "file:$db?mode=ro" "$1"; }
pass=$(q "SELECT count(*) FROM attempts WHERE result = 'PASS'")
rows=$(q "SELECT count(*) FROM attempts")
max_ms=$(q "SELECT max(duration_ms) FROM attempts")
med_ms=$(q "SELECT duration_ms FROM attempts ORDER BY duration_ms LIMIT 1 OFFSET (SELECT count(*) / 2 FROM attempts)")
first=$(q "SELECT min(started_at) FROM attempts")
last=$(q "SELECT max(finished_at) FROM attempts")
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)

echo "command:  bench/line_64.sh --count $count --speed $speed   ($(basename "$station"): $station)"
echo "machine:  nproc $(nproc), $cpu_model, load before $(cut -d' ' -f1-3 /proc/loadavg)"
echo "result:   station exit $rc, $pass PASS of $rows attempts ($count modules)"
echo "wall:     ${wall} s for the batch (fota-station run --until-idle, start to exit)"
echo "slowest:  $(awk -v x="$max_ms" 'BEGIN { printf "%.1f", x / 1000 }') s max duration_ms, median $(awk -v x="$med_ms" 'BEGIN { printf "%.1f", x / 1000 }') s"
echo "rows:     first started $first, last finished $last"
echo "station:  CPU user ${cpu_user} s + sys ${cpu_sys} s, max RSS $((max_rss_kb / 1024)) MiB"
echo "per model (max duration s):"
q "SELECT '  ' || model || ' ' || method || ' ' || printf('%.1f', max(duration_ms) / 1000.0) FROM attempts GROUP BY model ORDER BY max(duration_ms) DESC"
[ "$rc" -eq 0 ] || { tail -n 20 "$work/station.log"; exit 1; }
