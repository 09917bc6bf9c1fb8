#!/usr/bin/env bash
# The end-to-end test is only as good as its comparison: this proves that
# check-demo-db.sh accepts a database holding exactly the expected rows and rejects
# one with a row changed, missing, added, left running, or a PASS off its target,
# and that it holds each slot's transcript to examples/demo-expect-events.tsv.
# The database is built with the sqlite3 CLI in the station's column names.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
expect=${1:-$here/../../examples/demo-expect.tsv}
events=${2:-$here/../../examples/demo-expect-events.tsv}
check="$here/check-demo-db.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

build() { # build DB from the expectation table, then apply the SQL in $2
  local db=$1
  rm -f "$db"
  {
    echo "CREATE TABLE attempts (id INTEGER PRIMARY KEY, batch TEXT, slot TEXT, imei TEXT,
          from_version TEXT, to_version TEXT, final_version TEXT, result TEXT, noop INTEGER,
          error_class TEXT, error_code INTEGER, module_retries INTEGER, hops INTEGER);"
    echo "BEGIN;"
    grep -v '^#' "$expect" | grep -v '^[[:space:]]*$' |
      awk -F'\t' '{
        cls = ($3 == "-") ? "NULL" : "'\''" $3 "'\''"
        from = ($5 == 1) ? "TGT" : "OLD"
        final = ($2 == "PASS") ? "TGT" : "OLD"
        printf "INSERT INTO attempts (batch, slot, imei, from_version, to_version, final_version, result, noop, error_class, error_code, hops, module_retries) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s);\n",
          "'\''demo-line'\''", "'\''" $1 "'\''", "'\''" NR "'\''", "'\''" from "'\''", "'\''TGT'\''",
          "'\''" final "'\''", "'\''" $2 "'\''", $5, cls, $4, $6, $7 }'
    # the transcript lines the evidence table wants: "*" in a pattern becomes "x"
    echo "CREATE TABLE events (attempt_id INTEGER, t_ms INTEGER, dir TEXT, text TEXT);"
    grep -v '^#' "$events" | grep -v '^[[:space:]]*$' |
      awk -F'\t' '$3 == "present" { gsub(/\*/, "x", $4); gsub(/'\''/, "'\'\''", $4)
        printf "INSERT INTO events SELECT min(id), 0, '\''%s'\'', '\''%s'\'' FROM attempts WHERE slot = '\''%s'\'';\n", $2, $4, $1 }'
    echo "COMMIT;"
    echo "${2:-}"
  } | sqlite3 -batch "$db"
}

pass=0 fails=0
expect_rc() { # expect_rc WANT NAME SQL
  local want=$1 name=$2 sql=$3 rc=0
  build "$tmp/t.db" "$sql"
  "$check" "$tmp/t.db" "$expect" demo-line "$events" >"$tmp/out" 2>&1 || rc=$?
  [ -z "${VERBOSE:-}" ] || { echo "== $name"; cat "$tmp/out"; }
  if [ "$rc" -eq "$want" ]; then
    pass=$((pass + 1))
  else
    fails=$((fails + 1))
    echo "FAIL: $name: exit $rc, wanted $want"
    cat "$tmp/out"
  fi
}

n=$(grep -v '^#' "$expect" | grep -vc '^[[:space:]]*$')
[ "$n" -ge 40 ] || { echo "FAIL: only $n expected rows in $expect"; exit 1; }

expect_rc 0 "exact rows" ""
expect_rc 0 "another batch is ignored" \
  "INSERT INTO attempts (batch, slot, result, noop, error_code, hops, module_retries) VALUES ('other', 'x', 'FAIL', 0, 1, 0, 0);"
expect_rc 1 "a PASS became FAIL" \
  "UPDATE attempts SET result = 'FAIL', error_class = 'timeout' WHERE id = (SELECT min(id) FROM attempts WHERE result = 'PASS' AND noop = 0);"
expect_rc 1 "an error code differs" \
  "UPDATE attempts SET error_code = error_code + 1 WHERE id = (SELECT min(id) FROM attempts WHERE result = 'FAIL' AND error_code > 0);"
expect_rc 1 "an error class differs" \
  "UPDATE attempts SET error_class = 'fatal' WHERE id = (SELECT min(id) FROM attempts WHERE error_class IS NOT NULL);"
expect_rc 1 "module retries differ" \
  "UPDATE attempts SET module_retries = module_retries + 1 WHERE id = 1;"
expect_rc 1 "hops differ" "UPDATE attempts SET hops = hops + 1 WHERE id = 1;"
expect_rc 1 "noop differs" "UPDATE attempts SET noop = 1 - noop WHERE id = 1;"
expect_rc 1 "a row is missing" "DELETE FROM attempts WHERE id = (SELECT max(id) FROM attempts);"
expect_rc 1 "an extra row" \
  "INSERT INTO attempts (batch, slot, result, noop, error_code, hops, module_retries) SELECT batch, slot, result, noop, error_code, hops, module_retries FROM attempts WHERE id = 1;"
expect_rc 1 "an attempt left running" "UPDATE attempts SET result = NULL WHERE id = 1;"
expect_rc 1 "a PASS not on its target" \
  "UPDATE attempts SET final_version = 'OLD' WHERE id = (SELECT min(id) FROM attempts WHERE result = 'PASS' AND noop = 0);"
expect_rc 1 "a no-op PASS not at the target" \
  "UPDATE attempts SET from_version = 'OLD' WHERE id = (SELECT min(id) FROM attempts WHERE noop = 1);"
expect_rc 1 "a wanted transcript line is missing" \
  "DELETE FROM events WHERE rowid = (SELECT min(rowid) FROM events);"
expect_rc 1 "a wanted transcript line is in another direction" \
  "UPDATE events SET dir = CASE dir WHEN 'tx' THEN 'rx' ELSE 'tx' END WHERE rowid = (SELECT max(rowid) FROM events);"
expect_rc 1 "a transcript line that must be absent is there" \
  "INSERT INTO events SELECT min(id), 0, 'tx', 'AT+QFOTADL=\"/x\"' FROM attempts WHERE slot LIKE '%1.1.4';"
rm -f "$tmp/t.db"
if "$check" "$tmp/none.db" "$expect" demo-line >/dev/null 2>&1; then
  fails=$((fails + 1)); echo "FAIL: a missing database passed"
else
  pass=$((pass + 1))
fi

echo "test-check-demo-db: $pass passed, $fails failed"
[ "$fails" -eq 0 ]
