#!/usr/bin/env bash
# check-demo-db.sh DB EXPECT.tsv [BATCH [EVENTS.tsv]]
#
# Compares the result rows a station wrote into the SQLite file DB (read with the
# sqlite3 CLI, as an MES would) with the expectation table (examples/demo-expect.tsv
# format: slot, result, error_class or "-", error_code, noop, hops, module_retries,
# why). Every attempt of the batch must match its line, in attempt order per slot;
# a missing, extra or different row fails. Also: no attempt may be left running, a
# PASS that upgraded must end on its target revision, and a no-op PASS must have
# been at it. With EVENTS.tsv (examples/demo-expect-events.tsv format: slot, dir,
# present|absent, GLOB pattern, why), each slot's stored AT transcript (table events)
# must hold, or not hold, a line matching the pattern. Exit 0 when everything
# matches, 1 otherwise (with a diff or the failed lines).
set -euo pipefail
usage="usage: check-demo-db.sh DB EXPECT.tsv [BATCH [EVENTS.tsv]]"
db=${1:?$usage}
expect=${2:?$usage}
batch=${3:-}
events=${4:-}
[ -r "$db" ] || { echo "check-demo-db: no database $db" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "check-demo-db: sqlite3 CLI missing (scripts/install-deps.sh)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export LC_ALL=C

where="1"
[ -n "$batch" ] && where="batch = '${batch//\'/\'\'}'"

# The database's rows, in the table's shape. SQLite orders by slot (binary) then id;
# the expectation is stable-sorted by slot the same way, keeping its per-slot order.
sqlite3 -batch -noheader -separator $'\t' "file:$db?mode=ro" \
  "SELECT slot, coalesce(result, 'RUNNING'), coalesce(nullif(error_class, ''), '-'),
          error_code, noop, hops, module_retries
     FROM attempts WHERE $where ORDER BY slot, id;" >"$tmp/actual"
grep -v '^#' "$expect" | grep -v '^[[:space:]]*$' | cut -f1-7 | sort -s -t$'\t' -k1,1 >"$tmp/expected"

fail=0
if ! diff -u --label expected --label "actual ($db)" "$tmp/expected" "$tmp/actual" >"$tmp/diff"; then
  echo "check-demo-db: result rows differ from $expect" >&2
  echo "  (slot, result, error_class, error_code, noop, hops, module_retries)" >&2
  cat "$tmp/diff" >&2
  fail=1
fi

sqlite3 -batch -noheader -separator $'\t' "file:$db?mode=ro" \
  "SELECT slot, imei, coalesce(from_version,''), coalesce(to_version,''), coalesce(final_version,'')
     FROM attempts
    WHERE $where AND result = 'PASS' AND
          ((noop = 0 AND (final_version IS NULL OR upper(final_version) NOT LIKE upper(to_version) || '%')) OR
           (noop = 1 AND upper(from_version) NOT LIKE upper(to_version) || '%'));" >"$tmp/bad_pass"
if [ -s "$tmp/bad_pass" ]; then
  echo "check-demo-db: PASS rows not on their target (slot, imei, from, to, final):" >&2
  cat "$tmp/bad_pass" >&2
  fail=1
fi

if [ -n "$events" ]; then
  # One query: the expectations as a VALUES table, each with its number of matching
  # transcript lines in that slot's attempts of the batch.
  {
    printf 'WITH want(slot, dir, want, pattern, why) AS (VALUES '
    grep -v '^#' "$events" | grep -v '^[[:space:]]*$' |
      awk -F'\t' '{ for (i = 1; i <= 5; i++) gsub(/'\''/, "'\'\''", $i)
                    printf "%s('\''%s'\'', '\''%s'\'', '\''%s'\'', '\''%s'\'', '\''%s'\'')", (NR > 1 ? ", " : ""), $1, $2, $3, $4, $5 }'
    printf ')\nSELECT w.slot, w.dir, w.want, w.pattern, w.why, (SELECT count(*) FROM attempts a JOIN events e ON e.attempt_id = a.id\n'
    printf '   WHERE a.slot = w.slot AND %s AND e.dir = w.dir AND e.text GLOB w.pattern) AS n FROM want w;\n' "$where"
  } >"$tmp/events.sql"
  sqlite3 -batch -noheader -separator $'\t' "file:$db?mode=ro" <"$tmp/events.sql" >"$tmp/events.out"
  n_ev=$(grep -v '^#' "$events" | grep -vc '^[[:space:]]*$' || true)
  awk -F'\t' '($3 == "present" && $6 == 0) || ($3 == "absent" && $6 > 0) || ($3 != "present" && $3 != "absent") {
                 printf "  %s %s %s \"%s\" (%s): %d matching line(s)\n", $1, $2, $3, $4, $5, $6 }' \
    "$tmp/events.out" >"$tmp/events.bad"
  if [ "$(wc -l <"$tmp/events.out")" -ne "$n_ev" ] || [ -s "$tmp/events.bad" ]; then
    echo "check-demo-db: transcripts differ from $events:" >&2
    cat "$tmp/events.bad" >&2
    fail=1
  fi
fi

if [ "$fail" = 0 ]; then
  echo "check-demo-db: $(wc -l <"$tmp/actual") rows match $expect${events:+; ${n_ev} transcript checks hold}"
fi
exit "$fail"
