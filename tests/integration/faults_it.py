#!/usr/bin/python3
"""Faults and bad input around the results database and the station's process:
the real fota-station against fota-sim, with the database locked by another
process, on a full disk, unwritable at start; SIGHUP, SIGUSR2, a closed stdout;
and a valgrind run (libuv is not instrumented, so ASan misses use-after-free
through its handles). Root is needed for the tmpfs mounts (the sandbox runs as
root). Usage: faults_it.py --station BIN --sim BIN --source DIR --work DIR CASE...
"""
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import station_it as it  # noqa: E402
from station_it import Case, Fail, check, scenario_yaml, slot_name, local_job, SCEN_SPEED  # noqa: E402

ARGS = None


def run_cmd(c, job, *extra, db=None):
    return [ARGS.station, "run", "--job", job, "--db", db or c.db, "--ports", c.ports,
            "--profiles", os.path.join(ARGS.source, "profiles"), "--no-dashboard", *extra]


def start(c, job, *extra, db=None, log="station.log"):
    """The station in the background, its output in a file the test reads as it grows."""
    out = open(os.path.join(c.dir, log), "w+")
    err = open(os.path.join(c.dir, log + ".err"), "w+")
    p = subprocess.Popen(run_cmd(c, job, *extra, db=db), stdout=out, stderr=err)
    c.procs.append(p)
    p.out, p.err = out, err
    return p


def text_of(f):
    f.seek(0)
    return f.read()


def wait_for(what, cond, timeout=30, step=0.1):
    end = time.time() + timeout
    while time.time() < end:
        v = cond()
        if v:
            return v
        time.sleep(step)
    raise Fail(f"timed out waiting for {what}")


def finish(p, timeout=60):
    try:
        rc = p.wait(timeout)
    except subprocess.TimeoutExpired:
        raise Fail(f"station did not exit\n{text_of(p.out)}\n{text_of(p.err)}")
    return rc, text_of(p.out), text_of(p.err)


def line_sim(c, n, faults=None, update_s=None):
    mods = [{"family": "RG50xQ", "slot": slot_name(i)} for i in range(n)]
    if update_s:  # a longer update: the test acts while the modules are still at it
        for m in mods:
            m["timing"] = dict(it.SCEN_TIMING, update_s=update_s)
    c.sim("--scenario", c.write("scen.yaml", scenario_yaml(mods)), expect_links=n, speed=SCEN_SPEED)


def log_times(text):
    """(epoch seconds, message) of each line-log line."""
    out = []
    for line in text.splitlines():
        m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})Z (.*)", line)
        if m:
            t = time.mktime(time.strptime(m.group(1)[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
            out.append((t + int(m.group(1)[20:]) / 1000.0, m.group(2)))
    return out


def rows_of(c, db):
    try:
        return c.rows(db)
    except sqlite3.Error:
        return []


class Mount:
    """A small tmpfs (root only); `ro()` remounts it read-only."""

    def __init__(self, c, name, size):
        self.path = os.path.join(c.dir, name)
        os.makedirs(self.path)
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", self.path],
                           capture_output=True, text=True)
        check(r.returncode == 0, f"mount tmpfs (needs root): {r.stderr}")
        c.servers.append(self.umount)

    def ro(self):
        subprocess.run(["mount", "-o", "remount,ro", self.path], check=True)

    def fill(self):
        """Writes a filler file until the file system is full."""
        with open(os.path.join(self.path, "filler"), "wb", buffering=0) as f:
            try:
                while True:
                    f.write(b"\0" * 4096)
            except OSError:
                pass

    def unfill(self):
        os.unlink(os.path.join(self.path, "filler"))

    def umount(self):
        subprocess.run(["umount", "-l", self.path], capture_output=True)


def empty_db(c, path):
    """A results database as a first, empty run leaves it (no module seen: exit 4
    after the 0.3 s settle and the probe window, shortened to 1 s here)."""
    os.makedirs(c.ports, exist_ok=True)
    local_job(c, "init", timeouts={"probe": 1})
    r = subprocess.run(run_cmd(c, os.path.join(c.dir, "job.yaml"), "--until-idle", db=path),
                       capture_output=True, text=True, timeout=30)
    check(r.returncode == 4, f"empty run: {r.returncode} {r.stderr}")
    return local_job(c, "init")


# ---- cases -------------------------------------------------------------------

def case_db_locked(c):
    """Another process holds the write lock (BEGIN EXCLUSIVE) for 10 s mid-batch: the
    loop goes on (ports read, machines run, log lines keep coming), every module
    passes, no verdict is shown before it is committed, the lock is reported once
    in words, and the results are written once it is let go."""
    job = local_job(c, "locked", timeouts={"reboot": 10, "total": 60})
    line_sim(c, 6)
    p = start(c, job, "--until-idle")
    wait_for("six running rows", lambda: len(c.rows_now()) == 6)
    lock = subprocess.Popen([sys.executable, "-c", (
        "import sqlite3,sys,time\n"
        "con=sqlite3.connect(sys.argv[1],timeout=10,isolation_level=None)\n"
        "con.execute('BEGIN EXCLUSIVE')\n"
        "print('locked',flush=True)\n"
        "time.sleep(10)\n"
        "con.execute('COMMIT')\n"), c.db], stdout=subprocess.PIPE, text=True)
    check(lock.stdout.readline().strip() == "locked", "the lock was taken")
    t_lock = time.time()
    lock.wait(30)
    t_free = time.time()
    rc, out, err = finish(p)
    check(rc == 0, f"all passed: exit 0, got {rc}\n{out}\n{err}")
    rows = c.rows()
    check(len(rows) == 6 and all(r["result"] == "PASS" for r in rows),
          f"six PASS: {[(r['result'], r['error_class'], r['error_text']) for r in rows]}")
    check(out.count("results database busy for") == 1, f"the lock said once in the log:\n{out}")
    check("writable again" in out, "the end of the lock said")
    lines = log_times(out)
    during = [t for t, m in lines if t_lock + 0.5 < t < t_free - 0.5]
    check(len(during) >= 6, f"the line log went on while locked: {len(during)} lines\n{out}")
    early = [m for t, m in lines if t < t_free - 0.3 and ": PASS " in m]
    check(not early, f"a verdict shown before its commit: {early}")
    m = re.search(r"loop: longest gap between ticks (\d+) ms", out)
    check(m and int(m.group(1)) < 1000, f"the loop never stalled: {m and m.group(0)}")
    print(f"  lock {t_free - t_lock:.1f} s: {len(during)} log lines meanwhile; {m.group(0)}")


def disk_full_run(c, recover):
    m = Mount(c, "disk", "4m")  # room for the file and its WAL until filled
    db = os.path.join(m.path, "results.db")
    job = local_job(c, "full", timeouts={"reboot": 10, "total": 60})
    # 4 s updates: the disk fills, is said full and (recover) is freed again while
    # the modules are still updating, whatever the machine's speed.
    line_sim(c, 3, update_s=40)
    p = start(c, job, "--until-idle", db=db)
    wait_for("three running rows", lambda: os.path.exists(db) and len(rows_of(c, db)) == 3)
    # Fill once all three are upgrading: a module still waiting to start when the
    # disk fills is held back ("no new module starts"), which is not this case.
    wait_for("three upgrading", lambda: text_of(p.out).count(": upgrading (") == 3)
    m.fill()
    wait_for("disk full said", lambda: "disk full" in text_of(p.out), timeout=40)
    out = text_of(p.out)
    check(": PASS " not in out, f"no PASS shown while it cannot be written:\n{out}")
    if recover:
        time.sleep(1)
        m.unfill()
    rc, out, err = finish(p)
    return rc, out, err, db


def case_disk_full_exit(c):
    """The disk fills mid-batch: the modules running finish, nothing is shown or
    counted as PASS, "disk full" is said in words; at exit the unwritten results
    are printed to stderr (IMEI, result, class) and the exit code is 3."""
    rc, out, err, db = disk_full_run(c, recover=False)
    check(rc == 3, f"exit 3 with results unwritten, got {rc}\n{out}\n{err}")
    check("pass 0" in out and ": PASS " not in out, f"nothing counted:\n{out}")
    lost = [l for l in err.splitlines() if "NOT RECORDED" in l]
    check(len(lost) == 3 and all("result PASS" in l and re.search(r"IMEI \d{15}", l)
                                 for l in lost), f"each unwritten result on stderr:\n{err}")


def case_disk_full_recovers(c):
    """The disk fills mid-batch and is freed again: the results kept in memory are
    written, every module is PASS in the file, exit 0."""
    rc, out, err, db = disk_full_run(c, recover=True)
    check(rc == 0, f"exit 0 once written, got {rc}\n{out}\n{err}")
    rows = Case.rows(c, db)
    check(len(rows) == 3 and all(r["result"] == "PASS" for r in rows), f"{rows}")
    check("writable again" in out and "pass 3" in out, out)


def unwritable_start(c, db, words):
    line_sim(c, 2)
    job = local_job(c, "ro", timeouts={"reboot": 10, "total": 60})
    r = subprocess.run(run_cmd(c, job, "--until-idle", db=db), capture_output=True, text=True,
                       timeout=30)
    check(r.returncode == 3, f"exit 3, got {r.returncode}\n{r.stdout}\n{r.stderr}")
    check(words in r.stderr and "not starting" in r.stderr, f"reason in words: {r.stderr!r}")
    print(f"  {r.stderr.strip()}")
    check("module found" not in r.stdout, f"no module touched:\n{r.stdout}")


def case_unwritable_start(c):
    """A database that cannot take a write (read-only file, read-only folder, full
    disk) stops the station before any module is touched: exit 3, reason in words."""
    # read-only file: a read-only bind mount of the file itself (root ignores modes)
    empty_db(c, c.db)
    subprocess.run(["mount", "--bind", c.db, c.db], check=True)
    c.servers.append(lambda: subprocess.run(["umount", "-l", c.db]))
    subprocess.run(["mount", "-o", "remount,ro,bind", c.db], check=True)
    unwritable_start(c, c.db, "not writable")
    for p in list(c.procs):
        c.stop(p)
    # read-only folder (file system)
    m = Mount(c, "rofs", "1m")
    db = os.path.join(m.path, "results.db")
    empty_db(c, db)
    m.ro()
    unwritable_start(c, db, "")
    for p in list(c.procs):
        c.stop(p)
    # full disk
    m2 = Mount(c, "fullfs", "4m")
    db = os.path.join(m2.path, "results.db")
    empty_db(c, db)
    m2.fill()
    unwritable_start(c, db, "disk full")


def signal_run(c, sig, n=2):
    job = local_job(c, "sig", n_size=400000, timeouts={"reboot": 10, "total": 60})
    c.sim("--count", str(n), "--family", "RG50xQ", expect_links=n)
    p = start(c, job, "--until-idle")
    wait_for("running rows", lambda: len(c.rows_now()) == n)
    time.sleep(0.5)
    p.send_signal(sig)
    return p


def case_sighup(c):
    """SIGHUP stops like SIGTERM: every running row ends INTERRUPTED, exit 1."""
    p = signal_run(c, signal.SIGHUP)
    rc, out, err = finish(p, 30)
    check(rc == 1, f"interrupted: exit 1, got {rc}\n{out}{err}")
    rows = c.rows()
    check(all(r["result"] == "INTERRUPTED" and r["finished_at"] for r in rows), f"{rows}")
    check("SIGHUP: stopping" in out, out)


def case_sigusr2(c):
    """SIGUSR2 is logged and ignored: the run goes on and every module passes."""
    p = signal_run(c, signal.SIGUSR2)
    rc, out, err = finish(p, 60)
    check(rc == 0, f"exit 0, got {rc}\n{out}{err}")
    check("SIGUSR2 ignored" in out, out)
    check(all(r["result"] == "PASS" for r in c.rows()), f"{c.rows()}")


def case_stdout_closed(c):
    """`fota-station run … | head -1`: the reader goes away after one line; the run
    goes on without its console log and every row gets its result."""
    job = local_job(c, "pipe", timeouts={"reboot": 10, "total": 60})
    c.sim("--count", "2", "--family", "RG50xQ", expect_links=2)
    p = subprocess.Popen(run_cmd(c, job, "--until-idle"), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    c.procs.append(p)
    first = p.stdout.readline()
    p.stdout.close()  # what `head -1` does after its line
    check(first, "one line read")
    try:
        rc = p.wait(60)
    except subprocess.TimeoutExpired:
        raise Fail("station did not finish after its stdout closed")
    err = p.stderr.read()
    check(rc == 0, f"exit 0 (not SIGPIPE {-signal.SIGPIPE}), got {rc}: {err}")
    rows = c.rows()
    check(len(rows) == 2 and all(r["result"] == "PASS" for r in rows), f"{rows}")
    check("no more console log" in err, err)


def plain_station(c):
    """fota-station without sanitizers (valgrind and ASan do not mix), built once
    next to the test's work dir and kept for the next runs."""
    b = os.path.join(ARGS.work, "plain-build")
    if not os.path.exists(os.path.join(b, "CMakeCache.txt")):
        r = subprocess.run([ARGS.cmake, "-S", ARGS.source, "-B", b, "-DCMAKE_BUILD_TYPE=Debug",
                            "-DFOTA_SANITIZE=OFF"], capture_output=True, text=True)
        check(r.returncode == 0, f"configure: {r.stdout}{r.stderr}")
    r = subprocess.run([ARGS.cmake, "--build", b, "-j2", "--target", "fota-station"],
                       capture_output=True, text=True)
    check(r.returncode == 0, f"build: {r.stdout[-3000:]}{r.stderr[-3000:]}")
    return os.path.join(b, "station", "fota-station")


def valgrind(c, binary, args, log, sig=None):
    cmd = ["valgrind", "--error-exitcode=99", "--errors-for-leak-kinds=none",
           f"--log-file={os.path.join(c.dir, log)}", binary, *args]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    c.procs.append(p)
    if sig:
        wait_for("running rows", lambda: len(c.rows_now()) >= 2, timeout=60)
        time.sleep(0.5)
        p.send_signal(sig)
    rc = p.wait(120)
    with open(os.path.join(c.dir, log)) as f:
        text = f.read()
    check("ERROR SUMMARY: 0 errors" in text and "Invalid read" not in text
          and "Invalid write" not in text, f"valgrind {log}:\n{text[-4000:]}")
    return rc


def case_valgrind(c):
    """Two runs of a plain build under valgrind (a clean --until-idle exit and a
    SIGINT mid-upgrade, both closing every slot's handles): no invalid read or
    write, 0 errors."""
    binary = plain_station(c)
    fam = it.FAMILIES["RG50xQ"]
    c.sim("--count", "2", "--family", "RG50xQ", expect_links=2)
    noop = c.write("noop.yaml", it.job_yaml("vg", [dict(family="RG50xQ", to=fam["rev"], method="url",
                                                        url="http://127.0.0.1:9/x.bin")]))
    args = run_cmd(c, noop, "--until-idle")[1:]
    rc = valgrind(c, binary, args, "vg-noop.log")
    check(rc == 0, f"noop run exit {rc}")
    job = local_job(c, "vg-int", n_size=400000, timeouts={"reboot": 20, "total": 120})
    c.db = os.path.join(c.dir, "int.db")
    rc = valgrind(c, binary, run_cmd(c, job)[1:], "vg-int.log", sig=signal.SIGINT)
    check(rc == 1, f"interrupted run exit {rc}")


CASES = {k[5:]: v for k, v in dict(globals()).items() if k.startswith("case_")}


def main():
    global ARGS
    ARGS = it.arg_parser().parse_args()
    it.run_cases(CASES, ARGS)


if __name__ == "__main__":
    main()
