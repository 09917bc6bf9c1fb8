#!/usr/bin/python3
"""report --central computes its figures on the PostgreSQL server; the local report
computes them from the station's SQLite file. On the same rows the two must print
the same report, byte for byte.

Case report_equal: a station file of generated attempts (several batches and runs,
reworks across batches, PASS/noop/FAIL/INTERRUPTED/SKIP, modules without an IMEI,
FAIL rows without a reason, tied durations, several hubs and a slot of no USB
shape, several days, two runs of one job) is shipped with `fota-station ship`; then
`report --format json|text|html|csv` (json also with --attempts)
from the file and `report --central` must be equal for several selections (the
text's central-only "Shipping lag" section aside), also through a SELECT-only
role allowed a single connection. A second station's file
shipped to the same server is reported with --station. Finally one central row
is changed and the reports must differ (the comparison can fail).
Usage: central_report_it.py --station BIN --sim BIN --source DIR --work DIR CASE...
"""
import os
import random
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, HERE)
import central_it as cit  # noqa: E402
import station_it as it  # noqa: E402
from station_it import Fail, check, luhn_imei  # noqa: E402
import pgserver  # noqa: E402
import sqlite3  # noqa: E402

ARGS = None

HUBS = ["pci-0000:00:14.0-usb-0:1", "pci-0000:00:14.0-usb-0:2.4", "platform-xhci-hcd.1-usb-1:3"]
MODELS = ["RG500Q-EA", "RM502Q-AE", "EG06-E", None, ""]
REVS = [("RG500QEAAAR11A06M4G", "RG500QEAAAR11A07M4G"), ("RM502QAEAAR13A02M4G", "RM502QAEAAR13A03M4G"),
        ("EG06ELAR04A05M4G", "EG06ELAR04A08M4G"), (None, "EG06ELAR04A08M4G")]
ERRORS = [("download", 601, "FTP unknown error"), ("timeout", 0, "update stalled"),
          ("transient", 502, "module busy"), ("verify", 0, "END,0 but revision unchanged"),
          ("download", 701, "HTTP unknown error")]
# Whole seconds: many ties, yet neighbouring ranks mostly differ.
DURS = list(range(1000, 40000, 1000))


def ts(ms):
    """An ISO 8601 UTC time as the station stores it, from ms after 2025-11-23T06:00Z."""
    s, ms = divmod(ms + 6 * 3600_000, 1000)
    m, s = divmod(s, 60)
    h, m = divmod(m, 60)
    d, h = divmod(h, 24)
    return f"2025-11-{23 + d:02d}T{h:02d}:{m:02d}:{s:02d}.{ms:03d}Z"


def slot(rng):
    pick = rng.random()
    if pick < 0.08:
        return "/dev/ttyS3"  # no USB shape: its own slot under "(no hub)"
    if pick < 0.12:
        return "pci-0000:00:14.0-usb-0:4"  # a root port: hub "…-usb-0"
    return f"{rng.choice(HUBS)}.{rng.randint(1, 7)}"


def generate(db, station, seed, n=900):
    """n finished attempts of station in start order (ids follow started_at, some
    starts tied, a few pauses of hours: several days), across batches B1..B3 and
    their runs (B1's and B2's first the same job: one folded header), with reworks."""
    rng = random.Random(seed)
    con = sqlite3.connect(db)
    con.execute("BEGIN")
    for i, (b, t) in enumerate([("B1", 0), ("B2", 3_000_000), ("B2", 4_000_000), ("B3", 9_000_000)]):
        con.execute("INSERT INTO runs (started_at, batch, station, operator, job_name, job_path,"
                    " job_sha256, software_version, packages) VALUES (?,?,?,?,?,?,?,?,?)",
                    (ts(t), b, station, f"op{i % 2}", f"job-{b}", f"/srv/jobs/{b}.yaml",
                     f"{i // 2:064x}", "fota-station 1.4.0", f"a.zip {i // 2:064x}"))
    t, imeis = 1000, []
    for k in range(n):
        batch = "B1" if k < n // 3 else "B2" if k < 2 * n // 3 else "B3"
        t += 0 if rng.random() < 0.05 else rng.randint(1, 4000)  # some starts tied
        t += 10 * 3600_000 if rng.random() < 0.01 else 0  # the line stops for the night
        if imeis and rng.random() < 0.25:
            imei = rng.choice(imeis[-60:])  # a rework, maybe in a later batch
        elif rng.random() < 0.05:
            imei = rng.choice([None, ""])  # never read: a module alone
        else:
            imei = luhn_imei(f"35391805{len(imeis):06d}")
            imeis.append(imei)
        roll = rng.random()
        result = "PASS" if roll < 0.7 else "FAIL" if roll < 0.85 else "INTERRUPTED" if roll < 0.93 else "SKIP"
        noop = 1 if result == "PASS" and rng.random() < 0.1 else 0
        model = rng.choice(MODELS)
        frm, to = rng.choice(REVS)
        cls, code, text = rng.choice(ERRORS) if result in ("FAIL", "INTERRUPTED") else (None, 0, None)
        if result == "FAIL" and rng.random() < 0.2:
            text = rng.choice([None, ""])  # the rework list takes the code's meaning
        dl = rng.choice([0] + DURS)
        up = rng.choice(DURS)
        dur = dl + up + rng.choice(DURS) if rng.random() > 0.03 else None
        con.execute(
            "INSERT INTO attempts (batch, station, operator, slot, port, imei, model, family,"
            " from_version, to_version, final_version, method, package_names, package_sha256,"
            " started_at, finished_at, result, noop, error_class, error_code, error_text,"
            " module_retries, hops, download_ms, update_ms, duration_ms, last_heard_at, queued_ms)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (batch, station, f"op{k % 3}", slot(rng), f"/dev/ttyUSB{k % 9}", imei, model, "RG50xQ",
             frm, to, to if result == "PASS" else frm, "local", "a.zip", None, ts(t),
             ts(t + 60000), result, noop, cls, code, text, rng.randint(0, 3), rng.randint(0, 2),
             dl, up, dur, ts(t + 60000), rng.randint(0, 500)))
    con.commit()
    con.close()


def report(*args):
    return subprocess.run([ARGS.station, "report", *args], capture_output=True)


def drop_id(csv):
    """The csv without its first column (the attempt's id)."""
    return b"\r\n".join(line.partition(b",")[2] for line in csv.split(b"\r\n"))


def same_report(pg, db, sel, station=None, dsn=None, formats=("json", "text", "html", "csv")):
    """Every format from the file and from the central server, byte for byte."""
    where = ["--central", dsn or pg.dsn()] + (["--station", station] if station else [])
    outs = {}
    for fmt in formats:
        loc = report("--db", db, "--format", fmt, *sel)
        cen = report(*where, "--format", fmt, *sel)
        check(loc.returncode == 0 and cen.returncode == 0,
              f"{fmt} {sel}: exit {loc.returncode}/{cen.returncode} {loc.stderr} {cen.stderr}")
        out = cen.stdout
        if fmt == "text":  # the central text report ends with its own section
            cut = out.find(b"\nShipping lag by station")
            check(cut > 0, f"text {sel}: no shipping lag section")
            out = out[:cut]
        want = loc.stdout
        if fmt == "csv":  # by design: central csv numbers `id` in central start order
            out, want = drop_id(out), drop_id(want)
        if out != want:
            with open(os.path.join(os.path.dirname(db), f"diff.{fmt}"), "wb") as f:
                f.write(want + b"\n=====central=====\n" + out)
            raise Fail(f"{fmt} {sel} {station or ''}: central report differs from the file's"
                       f" (both in {os.path.dirname(db)}/diff.{fmt})")
        outs[fmt] = loc.stdout
    return outs["json"]


def empty_file(c, db, station):
    """A station file as a run with no module leaves it (the station's own schema)."""
    fam, path = cit.rg_package(c)
    job = cit.station_job(c, fam, path, station, tag="-empty", probe=1)
    os.makedirs(os.path.join(c.dir, f"empty-{station}"), exist_ok=True)
    r = subprocess.run(cit.run_cmd(c, job, db, os.path.join(c.dir, f"empty-{station}"), "--until-idle"),
                       capture_output=True, text=True)
    check(r.returncode == 4, f"empty run creates the file: {r.stdout}{r.stderr}")


def ship(pg, db):
    r = subprocess.run([ARGS.station, "ship", "--db", db, "--central", pg.dsn()],
                       capture_output=True, text=True)
    check(r.returncode == 0, f"ship {db}: {r.stdout}{r.stderr}")


def case_report_equal(c):
    pg = pgserver.PgServer()
    c.servers.append(pg.close)
    empty_file(c, c.db, "gen")
    generate(c.db, "gen", 7)
    ship(pg, c.db)
    check(cit.count(pg, "SELECT count(*) FROM attempts") == 900, "every attempt shipped")
    js = same_report(pg, c.db, [])
    for want in (b'"modules"', b'"retests": 2', b'"hub": null', b'"noop": ', b'"module_retries"',
                 b'"runs": 2', b'"day": "2025-11-25"', b'"stations": "gen"'):
        check(want in js, f"the data exercises {want!r}: {js[:3000]}")
    # The per-attempt list: the same rows, ids and order
    same_report(pg, c.db, ["--attempts", "--batch", "B1"], formats=("json",))
    same_report(pg, c.db, ["--batch", "B2"])
    # An MES role with SELECT only, allowed one connection: the queries that
    # would run beside the first wait for it instead, and the figures are the same.
    pg.psql("CREATE ROLE mes LOGIN PASSWORD 'mes-pw-1' CONNECTION LIMIT 1;"
            " GRANT SELECT ON ALL TABLES IN SCHEMA public TO mes")
    same_report(pg, c.db, [], dsn=f"postgresql://mes:mes-pw-1@127.0.0.1:{pg.port}/fota?sslmode=disable",
                formats=("json", "html"))
    same_report(pg, c.db, ["--since", "2025-11-23T06:20", "--until", "2025-11-23T06:40Z"])
    same_report(pg, c.db, ["--since", "2025-11-23T06:30:00.000Z"])
    same_report(pg, c.db, ["--batch", "none-such"])
    # A second station on the same server: --station keeps to its rows.
    db2 = os.path.join(c.dir, "second.db")
    empty_file(c, db2, "gen2")
    generate(db2, "gen2", 11, n=400)
    ship(pg, db2)
    same_report(pg, db2, [], station="gen2")
    same_report(pg, db2, ["--attempts"], station="gen2", formats=("json",))
    same_report(pg, c.db, ["--batch", "B3"], station="gen")
    # The comparison fails on a wrong figure: a module's latest verdict turned to PASS.
    pg.psql("UPDATE attempts SET result = 'PASS' WHERE station = 'gen' AND local_id ="
            " (SELECT max(local_id) FROM attempts WHERE station = 'gen' AND result = 'FAIL')")
    try:
        same_report(pg, c.db, [], station="gen")
    except Fail:
        return
    raise Fail("a changed central row went unnoticed")


CASES = {k[5:]: v for k, v in dict(globals()).items() if k.startswith("case_")}


def main():
    global ARGS
    ARGS = it.arg_parser().parse_args()
    cit.ARGS = ARGS
    it.run_cases(CASES, ARGS)


if __name__ == "__main__":
    main()
