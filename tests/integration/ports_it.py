#!/usr/bin/python3
"""Ports that are not what they seem: a ports folder crowded with links that are no
serial port, a folder or a tty the station may not open, link names carrying
terminal control bytes. The real fota-station against fota-sim; the permission
cases run the station as the unprivileged user `nobody` (root opens anything).
Usage: ports_it.py --station BIN --sim BIN --source DIR --work DIR CASE...
"""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import station_it as it  # noqa: E402
from station_it import FAMILIES, check, job_yaml, local_job  # noqa: E402

ARGS = None


def station_cmd(c, job, *extra, ports=None, db=None):
    return [ARGS.station, "run", "--job", job, "--db", db or c.db, "--ports", ports or c.ports,
            "--profiles", os.path.join(ARGS.source, "profiles"), "--no-dashboard",
            "--until-idle", *extra]


def as_nobody(cmd):
    return ["runuser", "-u", "nobody", "--"] + cmd


def open_to_all(*paths):
    for p in paths:
        os.chmod(p, 0o777 if os.path.isdir(p) else 0o666)


def case_crowded_folder(c):
    """1000 links to /dev/null (a character device, but no serial port) beside 4
    modules: the modules are all upgraded, the others are said once and counted."""
    job = local_job(c, "crowded", timeouts={"reboot": 10, "total": 60})
    c.sim("--count", "4", "--family", "RG50xQ", expect_links=4)
    for i in range(1000):
        os.symlink("/dev/null", os.path.join(c.ports, f"null-{i:04d}"))
    t0 = time.time()
    r = subprocess.run(station_cmd(c, job), capture_output=True, text=True, timeout=120)
    check(r.returncode == 0, f"exit {r.returncode}: {r.stdout[-800:]}{r.stderr[-800:]}")
    rows = c.rows()
    check(len(rows) == 4 and all(x["result"] == "PASS" for x in rows),
          f"the 4 modules beside 1000 other links: {[x['result'] for x in rows]}")
    check(r.stdout.count("not a terminal") == 1000, "each non-tty said once")
    check("1000 port(s) could not be opened" in r.stdout, "counted in the summary:\n" + r.stdout[-400:])
    check(time.time() - t0 < 60, f"took {time.time() - t0:.1f}s")


def case_unreadable_folder(c):
    """A ports folder the station's user may not read: exit 3, in words."""
    job = local_job(c, "noread")
    os.makedirs(c.ports, exist_ok=True)
    os.chmod(c.ports, 0o700)
    open_to_all(c.dir, job)
    r = subprocess.run(as_nobody(station_cmd(c, job)), capture_output=True, text=True, timeout=60)
    check(r.returncode == 3, f"exit 3 expected, got {r.returncode}: {r.stderr}")
    check("Permission denied" in r.stderr and c.ports in r.stderr, f"says why: {r.stderr}")


def case_tty_permission(c):
    """A module's tty that the station's user may not open: the log says which and
    what to do, and the summary counts it; nothing is pretended."""
    job = local_job(c, "noperm")
    c.sim("--count", "1", "--family", "RG50xQ", expect_links=1)
    tty = os.path.realpath(os.path.join(c.ports, os.listdir(c.ports)[0]))
    os.chmod(tty, 0o600)
    open_to_all(c.dir, c.ports, job)
    db_dir = os.path.join(c.dir, "db")
    os.makedirs(db_dir)
    open_to_all(db_dir)
    r = subprocess.run(as_nobody(station_cmd(c, job, db=os.path.join(db_dir, "r.db"))),
                       capture_output=True, text=True, timeout=60)
    check(f"cannot open {tty}" in r.stdout and "permission denied" in r.stdout and
          "udev rule" in r.stdout, f"the port and the advice are said: {r.stdout[-800:]}")
    check("1 port(s) could not be opened" in r.stdout, "counted in the summary")
    check("pass 0" in r.stdout, "nothing pretended")


def case_control_bytes_in_names(c):
    """A link whose name carries terminal control bytes and a line break: the screen
    and the log get them escaped (no ESC, no forged line), the transcript file name
    is plain, and the database keeps the exact bytes."""
    fam = FAMILIES["legacy-GSM"]
    path, digest = c.mkpkg("legacy-GSM", fam["rev"], fam["to"], "m95.bin", size=3000)
    job = c.write("job.yaml", job_yaml("evil", [dict(
        family="legacy-GSM", to=fam["to"], method="qfaw",
        packages=[{"from": fam["rev"], "to": fam["to"], "file": path}])],
        timeouts={"reboot": 10, "total": 60}))
    # A UART module keeps its tty across its reboot: one fixed link is enough.
    hidden = os.path.join(c.dir, "sim-ports")
    c.sim("--count", "1", "--family", "legacy-GSM", ports=hidden)
    c.wait_links(1, hidden)
    tty = os.path.realpath(os.path.join(hidden, os.listdir(hidden)[0]))
    evil = "pci-evil\x1b[2J\x1b[31mRED\nFAKE-LINE PASS 000000000000000"
    os.makedirs(c.ports, exist_ok=True)
    os.symlink(tty, os.path.join(c.ports, evil))
    logs = os.path.join(c.dir, "logs")
    r = subprocess.run(station_cmd(c, job, "--log-dir", logs), capture_output=True, timeout=90)
    out = r.stdout.decode("utf8", "replace")
    check(r.returncode == 0, f"exit {r.returncode}: {out[-800:]}")
    check(b"\x1b" not in r.stdout, "no escape byte reaches the terminal")
    check(not any(l.startswith("FAKE-LINE") for l in out.splitlines()), "no forged log line")
    check("pci-evil\\x1b[2J" in out, "the name is shown escaped")
    for f in os.listdir(logs):
        check(re.fullmatch(r"[A-Za-z0-9._-]+", f), f"plain transcript file name: {f!r}")
    rows = c.rows()
    check(len(rows) == 1 and rows[0]["result"] == "PASS" and rows[0]["slot"] == evil,
          f"the database keeps the exact name: {[(x['slot'], x['result']) for x in rows]}")


def case_silent_port_probe_time(c):
    """A tty that never answers is asked `AT` for the job's timeouts.probe (here 3 s)
    and then ignored: the figure is a field, and the station says what it did (and,
    with no module on the line, that it saw none: exit 4)."""
    import pty
    master, slave = pty.openpty()
    os.makedirs(c.ports, exist_ok=True)
    os.symlink(os.ttyname(slave), os.path.join(c.ports, "uart-adapter-0"))
    job = local_job(c, "silent", timeouts={"probe": 3})
    t0 = time.time()
    r = subprocess.run(station_cmd(c, job), capture_output=True, text=True, timeout=60)
    took = time.time() - t0
    os.close(master)
    os.close(slave)
    check(r.returncode == 4 and "no answer to AT" in r.stdout and "no module seen" in r.stdout,
          f"{r.returncode}: {r.stdout[-600:]}")
    check(3 <= took < 8, f"asked for timeouts.probe (3 s), then ignored: took {took:.1f}s")


CASES = {k[5:]: v for k, v in dict(globals()).items() if k.startswith("case_")}


def main():
    global ARGS
    ARGS = it.arg_parser().parse_args()
    it.run_cases(CASES, ARGS)


if __name__ == "__main__":
    main()
