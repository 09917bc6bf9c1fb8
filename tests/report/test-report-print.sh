#!/usr/bin/env bash
# test-report-print.sh FOTA_STATION MAKE_LINE_DB
#
# A quality auditor prints the HTML report. A 13-batch line (12 hubs x 7 ports)
# is reported as HTML, printed to PDF by headless Chromium and read back with
# poppler (pdftotext, pdfinfo): page 1 must hold the KPIs and the whole
# per-batch table, every column head of the rework table must be on paper, the
# heat map must show every hub, and the page count must stay sane.
# Exit 0 pass, 1 fail, 77 skip (chromium or poppler-utils missing).
set -euo pipefail
station=${1:?usage: test-report-print.sh FOTA_STATION MAKE_LINE_DB}
make_db=${2:?usage: test-report-print.sh FOTA_STATION MAKE_LINE_DB}

chromium=""
for c in chromium chromium-browser google-chrome; do
  if command -v "$c" >/dev/null; then chromium=$c; break; fi
done
if [ -z "$chromium" ] || ! command -v pdftotext >/dev/null || ! command -v pdfinfo >/dev/null; then
  echo "SKIP: needs chromium and poppler-utils (pdftotext, pdfinfo): scripts/install-deps.sh installs them"
  exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$make_db" "$tmp/line.db"
"$station" report --db "$tmp/line.db" --format html -o "$tmp/report.html"

# --no-sandbox: CI runs as root; a private profile keeps runs independent.
timeout 40 "$chromium" --headless --no-sandbox --disable-gpu --no-first-run \
  --user-data-dir="$tmp/profile" --no-pdf-header-footer \
  --print-to-pdf="$tmp/report.pdf" "file://$tmp/report.html" >"$tmp/chromium.log" 2>&1 || true
if [ ! -s "$tmp/report.pdf" ]; then
  echo "FAIL: chromium wrote no PDF" >&2
  cat "$tmp/chromium.log" >&2
  exit 1
fi

fail=0
pages=$(pdfinfo "$tmp/report.pdf" | awk '/^Pages:/ { print $2 }')
pdftotext -layout -f 1 -l 1 "$tmp/report.pdf" "$tmp/page1.txt"
pdftotext -layout "$tmp/report.pdf" "$tmp/all.txt"
pdftotext "$tmp/report.pdf" "$tmp/flow.txt" # reading order: a wrapped cell stays together

need() { # need FILE WHAT PATTERN: a case-insensitive extended regex
  if ! grep -Eqi -- "$3" "$1"; then
    echo "FAIL: $2 (/$3/ not in $(basename "$1"))" >&2
    fail=1
  fi
}
for kpi in 'first-pass yield' 'final yield' 'to rework' 'median' 'p95' 'modules'; do
  need "$tmp/page1.txt" "page 1 has the KPI '$kpi'" "$kpi"
done
need "$tmp/page1.txt" "page 1 has the per-batch table" 'by batch'
for b in $(seq -f 'L%02g' 1 13); do
  need "$tmp/page1.txt" "page 1 has batch $b's row" "^ *$b\b"
done
# The rework table's column heads, all on its head row on paper (a column cut
# off at the page's edge is missing there).
grep -Ei '^ *IMEI +SLOT ' "$tmp/all.txt" >"$tmp/rework-head.txt" || true
for h in IMEI slot model batch result class code reason hops retries retests finished transcript; do
  need "$tmp/rework-head.txt" "rework column '$h' printed" "\b$h\b"
done
# Every rework row's last cell (its transcript pointer), as many as the JSON lists.
want=$("$station" report --db "$tmp/line.db" --format json | grep -c '"transcript_sql": ')
rows=$( (grep -Eo 'events #[0-9]+' <(tr -s ' \n' ' ' <"$tmp/flow.txt") || true) | sort -u | wc -l)
if [ "$want" -lt 30 ] || [ "$rows" -lt "$want" ]; then
  echo "FAIL: $rows of $want rework rows' transcript cells printed" >&2
  fail=1
fi
# The heat map: every hub of the line (labels 1.1 .. 1.12) as a row.
for h in $(seq 1 12); do
  need "$tmp/all.txt" "heat map row of hub 1.$h" "\b1\.$h\b"
done
# No chart split across pages: each card's title and the last line of its chart
# (the axis label, the caption) are on the same page.
same_page() { # same_page WHAT FIRST LAST
  local p ok=0
  for p in $(seq 1 "${pages:-0}"); do
    pdftotext -f "$p" -l "$p" "$tmp/report.pdf" - | tr -s ' \n' ' ' >"$tmp/p.txt"
    if grep -Fq -- "$2" "$tmp/p.txt" && grep -Fq -- "$3" "$tmp/p.txt"; then ok=1; fi
  done
  if [ "$ok" -ne 1 ]; then
    echo "FAIL: $1: '$2' and '$3' not on one page" >&2
    fail=1
  fi
}
same_page "yield chart" "Yield First-pass yield" "pass rate, % (axis from"
same_page "hub chart" "Yield by hub (worst first" "hub 1.11"
same_page "duration histogram" "Duration histogram" "total duration of PASS attempts"
same_page "hub x port grid" "hub \\ port" "1.12"
if [ -z "$pages" ] || [ "$pages" -lt 2 ] || [ "$pages" -gt 25 ]; then
  echo "FAIL: $pages pages (expected 2..25)" >&2
  fail=1
fi
if [ "$fail" -ne 0 ]; then
  echo "--- page 1 of $pages:" >&2
  cat "$tmp/page1.txt" >&2
  exit 1
fi
echo "ok: $pages pages; page 1 has the KPIs and all 13 batches; every rework column printed"
