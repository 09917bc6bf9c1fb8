#!/usr/bin/python3
"""What the station leaves on disk and asks of its process, on a line PC that others
share: transcripts never written through a link planted at their predictable name,
files and folders readable by the station's group alone, the descriptor limit raised,
and the installed unit's hardening. Usage: files_it.py --station BIN --sim BIN
--source DIR --work DIR CASE...
"""
import os
import re
import resource
import shutil
import sqlite3
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import station_it as it  # noqa: E402
from station_it import Fail, check, scenario_yaml, slot_name, hub_port, SCEN_SPEED  # noqa: E402

ARGS = None


def noop_job(c, name="files"):
    fam = it.FAMILIES["RG50xQ"]
    return c.write("job.yaml", it.job_yaml(name, [dict(family="RG50xQ", to=fam["rev"], method="url",
                                                       url="http://127.0.0.1:9/x.bin")]))


def safe_name(slot):
    """The slot as it appears in a transcript's file name (station/io/translog.c)."""
    return "".join(ch if ch.isalnum() and ch.isascii() or (ch in ".-" and i > 0) else "_"
                   for i, ch in enumerate(slot))


def case_transcript_no_follow(c):
    """A log folder others can write: links planted at every name the next minute's
    transcript could take point at a root-owned 0600 file. The station writes its
    transcript under a free name, never through a link; the file it pointed at is
    untouched; the transcript, the database and the folder are closed to others."""
    c.sim("--scenario", c.write("scen.yaml", scenario_yaml([{"family": "RG50xQ",
                                                             "slot": slot_name(0)}])),
          expect_links=1, speed=SCEN_SPEED)
    victim = os.path.join(c.dir, "victim")
    with open(victim, "w") as f:
        f.write("root's own file\n")
    os.chmod(victim, 0o600)
    logs = os.path.join(c.dir, "logs")
    os.makedirs(logs)
    os.chmod(logs, 0o1777)  # a shared folder, as /tmp is
    safe = safe_name(hub_port(slot_name(0)))
    t0 = int(time.time())
    planted = []
    for t in range(t0 - 2, t0 + 60):
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(t))
        for attempt in ("-1", "1"):
            p = os.path.join(logs, f"{stamp}-{safe}-{attempt}.log")
            os.symlink(victim, p)
            planted.append(p)
    r = c.station(noop_job(c), "--until-idle", "--log-dir", logs, check_rc=0)
    with open(victim) as f:
        check(f.read() == "root's own file\n", "the planted link's target is untouched")
    check(all(os.path.islink(p) for p in planted), "every planted link is still a link")
    written = [e for e in os.listdir(logs) if not os.path.islink(os.path.join(logs, e))]
    check(len(written) == 1, f"one transcript under a free name: {written}\n{r.stdout}")
    path = os.path.join(logs, written[0])
    with open(path) as f:
        text = f.read()
    check(" tx " in text and "ATI" in text, f"the transcript holds the dialogue: {text[:300]}")
    mode = stat.S_IMODE(os.lstat(path).st_mode)
    check(mode & 0o027 == 0, f"transcript closed to others: {oct(mode)}")
    mode = stat.S_IMODE(os.stat(c.db).st_mode)
    check(mode & 0o027 == 0, f"results database closed to others: {oct(mode)}")

    fresh = os.path.join(c.dir, "new-logs")
    c.db = os.path.join(c.dir, "second.db")
    c.station(noop_job(c), "--until-idle", "--log-dir", fresh, check_rc=0)
    mode = stat.S_IMODE(os.stat(fresh).st_mode)
    check(mode & 0o027 == 0, f"a log folder the station makes is closed to others: {oct(mode)}")


def case_nofile_raised(c):
    """Started with a soft descriptor limit of 64 (a shell's or a unit's default is
    1024), the station runs at the hard limit, so a large line does not run out."""
    c.sim("--count", "2", "--family", "RG50xQ", expect_links=2)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard <= 64:
        raise Fail(f"hard limit {hard} too low for this test")
    cmd = [ARGS.station, "run", "--job", noop_job(c), "--db", c.db, "--ports", c.ports,
           "--profiles", os.path.join(ARGS.source, "profiles"), "--no-dashboard"]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (64, hard)))
    c.procs.append(p)
    end = time.time() + 30
    while time.time() < end and len([r for r in c.rows_now() if r["result"]]) < 2:
        time.sleep(0.2)
    with open(f"/proc/{p.pid}/limits") as f:
        line = [ln for ln in f if ln.startswith("Max open files")][0]
    nums = re.findall(r"\d+|unlimited", line)
    check(len(nums) == 2 and nums[0] == nums[1], f"soft limit raised to the hard one: {line}")
    check(all(r["result"] == "PASS" for r in c.rows()) and len(c.rows()) == 2, f"{c.rows()}")


def case_unit_hardened(c):
    """The packaged unit: ordered after time-sync.target, a descriptor limit, a
    umask, and systemd's own exposure score 4.0 or less ("OK")."""
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        raise Fail("systemd-analyze not installed (scripts/install-deps.sh installs systemd)")
    with open(os.path.join(ARGS.source, "packaging", "fota-station.service")) as f:
        unit = f.read().replace("@CMAKE_INSTALL_FULL_BINDIR@", "/usr/bin")
    for key in ("After=time-sync.target", "LimitNOFILE=", "UMask=0027"):
        check(key in unit, f"{key} in the unit")
    path = c.write("fota-station.service", unit)
    r = subprocess.run([analyze, "security", "--offline=true", "--no-pager",
                        os.path.basename(path)], capture_output=True, text=True, cwd=c.dir)
    m = re.search(r"Overall exposure level for fota-station.service: ([\d.]+)", r.stdout)
    check(m, f"systemd-analyze security: {r.stdout[-2000:]}{r.stderr[-2000:]}")
    check(float(m.group(1)) <= 4.0, f"exposure {m.group(1)} > 4.0:\n{r.stdout}")


def case_utf8_columns(c):
    """A module that prints junk bytes (0xff, 0xfe, 0x80, ESC) between its lines: every table of the results file reads with
    Python's default sqlite3 (text columns decode as UTF-8), invalid bytes stored as
    U+FFFD; the upgrade of the noisy module still passes."""
    fam = it.FAMILIES["RG50xQ"]
    mods = [{"family": "RG50xQ", "slot": slot_name(0), "faults": {"garbage": True}}]
    c.sim("--scenario", c.write("scen.yaml", scenario_yaml(mods)), expect_links=1, speed=SCEN_SPEED)
    c.station(noop_job(c), "--until-idle")
    con = sqlite3.connect(c.db)
    tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")]
    for t in tables:
        try:
            con.execute(f'SELECT * FROM "{t}"').fetchall()
        except sqlite3.Error as e:
            raise Fail(f"table {t} does not read as UTF-8: {e}")
    texts = [r[0] for r in con.execute("SELECT text FROM events")]
    check(any("\ufffd" in t for t in texts), "junk bytes kept as U+FFFD in the transcript")
    rows = [dict(zip([d[0] for d in cur.description], r)) for cur in [con.execute("SELECT * FROM attempts ORDER BY slot")] for r in cur]
    con.close()
    check(len(rows) == 1 and rows[0]["result"] == "PASS" and rows[0]["model"] == fam["model"], f"{rows}")


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            return int([ln for ln in f if ln.startswith("VmRSS:")][0].split()[1])
    except (OSError, IndexError):
        return 0


def flood_line(c, tag, flood_bps, wait_s):
    """Two modules: one upgrades normally, one sits in a long update (printing
    flood_bps bytes/s of URCs if flood_bps). The station runs until the second's
    row is final or wait_s passed since its attempt began; returns (rows, max RSS
    KiB, database)."""
    fam = it.FAMILIES["RG50xQ"]
    slow = dict(it.SCEN_TIMING, update_s=600)
    mods = [{"family": "RG50xQ", "slot": slot_name(0)},
            {"family": "RG50xQ", "slot": slot_name(1), "timing": slow,
             "faults": {"flood": flood_bps} if flood_bps else {}}]
    ports = os.path.join(c.dir, f"ports-{tag}")
    c.sim("--scenario", c.write(f"scen-{tag}.yaml", scenario_yaml(mods)), expect_links=2,
          ports=ports, speed=SCEN_SPEED, log=f"sim-{tag}.log")
    path, _ = c.mkpkg("RG50xQ", fam["rev"], fam["to"], "a06-a07.zip", size=20000)
    job = c.write(f"job-{tag}.yaml", it.job_yaml(
        f"flood-{tag}", [dict(family="RG50xQ", to=fam["to"], method="local",
                              packages=[{"from": fam["rev"], "to": fam["to"], "file": path}])],
        limits={"transcript_kib": 256, "flood_kib_per_s": 64, "flood_s": 5},
        timeouts={"reboot": 20, "total": 300}))
    db = os.path.join(c.dir, f"{tag}.db")
    # ASan keeps freed memory in quarantine: without it, RSS is what the station holds.
    env = dict(os.environ, ASAN_OPTIONS="quarantine_size_mb=0:thread_local_quarantine_size_kb=0")
    p = subprocess.Popen([ARGS.station, "run", "--job", job, "--db", db, "--ports", ports,
                          "--profiles", os.path.join(ARGS.source, "profiles"), "--no-dashboard"],
                         stdout=open(os.path.join(c.dir, f"station-{tag}.log"), "w"),
                         stderr=subprocess.STDOUT, env=env)
    c.procs.append(p)
    peak, started, end = 0, None, time.time() + 90

    def rows():
        try:
            con = sqlite3.connect(db)
            con.row_factory = sqlite3.Row
            r = [dict(x) for x in con.execute("SELECT * FROM attempts ORDER BY slot")]
            con.close()
            return r
        except sqlite3.Error:
            return []
    while time.time() < end:
        peak = max(peak, rss_kib(p.pid))
        r = rows()
        second = [x for x in r if x["slot"] == hub_port(slot_name(1)) and x["imei"]]
        if second and started is None:
            started = time.time()
        if second and (second[0]["result"] or time.time() - started > wait_s):
            break
        time.sleep(0.2)
    c.stop(p)
    return rows(), peak, db


def case_flood_bounded(c):
    """A module stuck printing 300 kB/s of URCs fails its own attempt in class port
    once it has flooded for the job's flood_s, its transcript stays under the job's
    transcript_kib with one "transcript cut" line, the other module passes, and the
    station's memory stays within 5 MiB of the same line without the flood."""
    quiet_rows, quiet_peak, _ = flood_line(c, "quiet", 0, wait_s=8)
    # 5 s of flood ends it; the margin is for a loaded machine, never waited out
    rows, peak, db = flood_line(c, "flood", 300000, wait_s=60)
    check(quiet_rows[0]["result"] == "PASS" and rows[0]["result"] == "PASS",
          f"the quiet module passes: {quiet_rows[0]} {rows[0]}")
    bad = rows[1]
    check(bad["result"] == "FAIL" and bad["error_class"] == "port" and
          "floods its port" in (bad["error_text"] or ""), f"flooding module: {bad}")
    con = sqlite3.connect(db)
    size, cut = con.execute("SELECT sum(length(text)), sum(text LIKE 'transcript cut:%') "
                            "FROM events WHERE attempt_id = ?", (bad["id"],)).fetchone()
    con.close()
    check(size <= 256 * 1024 + 4096 and cut == 1, f"transcript {size} bytes, {cut} cut line(s)")
    check(peak - quiet_peak <= 5 * 1024, f"RSS {peak} KiB flooded against {quiet_peak} KiB quiet")
    print(f"flood: transcript {size} bytes; RSS {peak} KiB against {quiet_peak} KiB quiet")


CASES = {k[5:]: v for k, v in dict(globals()).items() if k.startswith("case_")}


def main():
    global ARGS
    ARGS = it.arg_parser().parse_args()
    it.run_cases(CASES, ARGS)


if __name__ == "__main__":
    main()
