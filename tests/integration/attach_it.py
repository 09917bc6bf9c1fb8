#!/usr/bin/python3
"""`fota-station attach` and scans (docs/station.md, "Attach" and "Scans"): the real
station against fota-sim over real ptys, the real viewer in real tmux panes, the
rows of the real SQLite file.

- attach_header: a viewer of a --no-dashboard station shows the station's header
  (its counts, batch and station); its `a` acts (the station's log answers); q
  leaves the viewer and the station keeps running.
- attach_view: `attach --view` refuses keys on its own screen; ^C leaves it.
- attach_stalled: viewers that never read do not hold the line (every module
  passes, the ticks keep their pace) and are disconnected after the stall bound.
- scan_dashboard: an operator and a work order scanned (typed + Enter) on the
  station's own dashboard reach the next rows and the runs table; a scan that
  matches no pattern is answered on screen.
- scan_attach: the same through an attached viewer of a --no-dashboard station.
- scan_env: FOTA_OPERATOR / FOTA_BATCH in the environment (the service's
  EnvironmentFile) stand for --operator / --batch.
Usage: attach_it.py --station BIN --sim BIN --source DIR --work DIR CASE...
"""
import os
import re
import shutil
import socket
import sqlite3
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ops_it  # noqa: E402
import station_it as it  # noqa: E402
import times_it  # noqa: E402
from ops_it import Tmux  # noqa: E402
from station_it import check, local_job  # noqa: E402
from times_it import log, start_station, wait_for  # noqa: E402

ARGS = None
SCANS = "scans:\n  operator: '^OP[0-9]+$'\n  batch: '^WO-'\n"


def lock_env(c):
    """A private folder of locks and sockets (a socket's path holds 107 bytes: a
    short one under /tmp, removed with the case)."""
    d = tempfile.mkdtemp(prefix="fota-at-")
    c.servers.append(lambda: shutil.rmtree(d, True))
    return dict(os.environ, FOTA_LOCK_DIR=d)


def pane(c, name, cols, rows, cmd, env):
    """A tmux pane running cmd with env (its own tmux server, named name)."""
    t = Tmux(c, cols, rows)
    t.sock = os.path.join(c.dir, f"{name}.sock")
    envs = [f"{k}={env[k]}" for k in ("FOTA_LOCK_DIR", "FOTA_OPERATOR", "FOTA_BATCH")
            if k in env]
    t.start(["env", *envs, *cmd])
    return t


def wait_screen(t, what, cond, timeout=60):
    """Polls the pane until cond(lines) holds; returns those lines."""
    seen = [[]]

    def ok():
        seen[0] = t.capture()
        return cond(seen[0])
    try:
        wait_for(what, ok, timeout=timeout)
    except it.Fail:
        raise it.Fail(f"timed out waiting for {what}; the screen:\n" + "\n".join(seen[0]))
    return seen[0]


def attach_cmd(c, *extra):
    return [ARGS.station, "attach", "--ports", c.ports, *extra]


def header_of(c):
    """The header the station's state gives: counts from the rows, batch, station."""
    rows = [r for r in c.rows_now() if r["result"] is not None]
    return (f"FOTA  pass {sum(r['result'] == 'PASS' for r in rows)}  "
            f"fail {sum(r['result'] == 'FAIL' for r in rows)}")


def one_pass_station(c, name, *extra, env):
    job = local_job(c, name)
    c.sim("--count", "1", "--family", "RG50xQ", expect_links=1)
    st = start_station(c, job, *extra, env=env)
    wait_for("the verdict", lambda: len([r for r in c.rows_now() if r["result"]]) == 1)
    return st


def case_attach_header(c):
    """A --no-dashboard station with one module passed: a viewer's first line is the
    station's header (pass 1, its batch and station) within a second of its start
    (polled; the time is printed); `a` typed in the viewer reaches the station (its
    log answers "nothing to acknowledge"); q leaves the viewer, which says the
    station keeps running, and the station does."""
    env = lock_env(c)
    st = one_pass_station(c, "attach-h", env=env)
    t = pane(c, "viewer", 160, 30, attach_cmd(c), env)
    try:
        t0 = time.time()
        want = header_of(c)
        lines = wait_screen(t, "the header", lambda l: l and l[0].startswith(want) and
                            "batch attach-h  station it-st01" in l[0], timeout=30)
        print(f"header on the viewer after {time.time() - t0:.2f} s")
        check(want == "FOTA  pass 1  fail 0", f"one PASS in the file: {want}")
        check("the station keeps running" in lines[-1] or
              any("the station keeps running" in l for l in lines),
              "the viewer says leaving it keeps the station running:\n" + "\n".join(lines))
        check(len(lines) <= 30 and all(len(l) <= 160 for l in lines), "the viewer's size")
        t.keys("a")
        wait_for("the station's answer to a", lambda: "a: nothing to acknowledge" in log(c))
        wait_screen(t, "the answer on the viewer",
                    lambda l: any("nothing to acknowledge" in x for x in l))
        t.keys("q")
        wait_for("the viewer to leave", t.dead, timeout=20)
        out = t.capture()
        check(any("left the viewer; the station keeps running" in l for l in out),
              "the viewer's last words:\n" + "\n".join(out))
    finally:
        t.kill()
    wait_for("the station to log the viewer leaving", lambda: "a viewer left" in log(c))
    check(st.poll() is None, f"the station still runs after the viewer left:\n{log(c)}")
    st.send_signal(15)
    check(st.wait(60) == 0, f"exit 0:\n{log(c)}")


def case_attach_view(c):
    """attach --view: `a` is refused on the viewer's own screen and never reaches
    the station; ^C leaves the viewer, never stops the station."""
    env = lock_env(c)
    st = one_pass_station(c, "attach-v", env=env)
    t = pane(c, "viewer", 80, 24, attach_cmd(c, "--view"), env)
    try:
        wait_screen(t, "the header", lambda l: l and l[0].startswith("FOTA  pass 1"))
        t.keys("a")
        lines = wait_screen(t, "the refusal", lambda l: any("not sent: view only" in x
                                                            for x in l))
        check(all(len(l) <= 80 for l in lines), "the refusal fits the viewer")
        t.keys("C-c")
        wait_for("the viewer to leave", t.dead, timeout=20)
    finally:
        t.kill()
    check("nothing to acknowledge" not in log(c), f"a never reached the station:\n{log(c)}")
    check(st.poll() is None, "the station still runs")
    st.send_signal(15)
    check(st.wait(60) == 0, f"exit 0:\n{log(c)}")


def stalled_viewers(path, n=6):
    """Viewers that say hello and a size, then never read a byte."""
    socks = []
    for _ in range(n):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
        s.connect(path)
        s.sendall(b"hello control\nsize 250 200\n")
        socks.append(s)
    return socks


def attach_socket(env):
    d = env["FOTA_LOCK_DIR"]
    wait_for("the attach socket", lambda: any(e.endswith(".sock") and "-ports-" in e
                                              for e in os.listdir(d)))
    return os.path.join(d, [e for e in os.listdir(d) if "-ports-" in e and
                            e.endswith(".sock")][0])


def case_attach_stalled(c):
    """Six viewers that never read while four modules upgrade: every module passes,
    the loop keeps its 250 ms ticks (longest gap under 2.5 s), a real viewer started
    meanwhile still gets the header, and each stalled viewer is disconnected once
    its writes have waited the stall bound (10 s)."""
    env = lock_env(c)
    job = local_job(c, "stalled")
    st = start_station(c, job, env=env)
    socks = stalled_viewers(attach_socket(env))
    try:
        c.sim("--count", "4", "--family", "RG50xQ", expect_links=4)
        wait_for("four verdicts", lambda: len([r for r in c.rows_now() if r["result"]]) == 4,
                 timeout=120)
        t = pane(c, "viewer", 80, 24, attach_cmd(c, "--view"), env)
        try:
            wait_screen(t, "a fresh viewer's header", lambda l: l and
                        l[0].startswith("FOTA  pass 4  fail 0"))
        finally:
            t.kill()
        wait_for("the stalled viewers dropped",
                 lambda: log(c).count("a viewer left (stopped reading)") == len(socks),
                 timeout=180)
    finally:
        for s in socks:
            s.close()
    st.send_signal(15)
    check(st.wait(60) == 0, f"exit 0:\n{log(c)}")
    rows = c.rows()
    check(len(rows) == 4 and all(r["result"] == "PASS" for r in rows), f"4 PASS: {rows}")
    gap = int(re.search(r"longest gap between ticks (\d+) ms", log(c)).group(1))
    check(gap < 2500, f"the loop kept its 250 ms ticks (longest gap {gap} ms)")


def runs(c):
    con = sqlite3.connect(c.db)
    try:
        return con.execute("SELECT batch, operator FROM runs ORDER BY id").fetchall()
    finally:
        con.close()


def scan_job(c, name):
    job = local_job(c, name)
    with open(job, "a") as f:
        f.write(SCANS)
    return job


def check_scanned(c, operator, batch):
    rows = c.rows()
    check(len(rows) == 1 and rows[0]["result"] == "PASS", f"one PASS: {rows}")
    check((rows[0]["operator"], rows[0]["batch"]) == (operator, batch),
          f"the row's operator and batch: {rows[0]['operator']!r}, {rows[0]['batch']!r}")
    r = runs(c)
    check(r and r[-1] == (batch, operator), f"the runs table's last row: {r}")


def case_scan_dashboard(c):
    """On the station's own dashboard (tmux) before any module: OP17 + Enter sets
    the operator, WO-778 + Enter the batch (the header shows it), XYZ9 + Enter is
    answered "matches no pattern" with the patterns; the module found afterwards is
    recorded with OP17 and WO-778, and so is the runs table's newest row."""
    env = lock_env(c)
    job = scan_job(c, "scan-d")
    t = pane(c, "station", 120, 30, [ARGS.station, "run", "--job", job, "--db", c.db,
                                     "--ports", c.ports, "--profiles",
                                     os.path.join(ARGS.source, "profiles"), "--expect", "1"], env)
    try:
        wait_screen(t, "the dashboard", lambda l: l and l[0].startswith("FOTA"))
        for code in ("OP17", "WO-778", "XYZ9"):
            t.keys(code, "Enter")
        lines = wait_screen(t, "the answers", lambda l: any(
            "scan 'XYZ9' matches no pattern (operator ^OP[0-9]+$, batch ^WO-)" in x for x in l))
        check(any("operator OP17" in x for x in lines), "the operator's scan answered")
        check("batch WO-778" in lines[0], f"the header's batch: {lines[0]}")
        c.sim("--count", "1", "--family", "RG50xQ", expect_links=1)
        wait_for("the station to finish", t.dead, timeout=120)
    finally:
        t.kill()
    check_scanned(c, "OP17", "WO-778")


def case_scan_attach(c):
    """Through `attach` to a --no-dashboard station: OP42 and WO-9 scanned in the
    viewer set the next module's operator and batch (rows and runs)."""
    env = lock_env(c)
    job = scan_job(c, "scan-a")
    st = start_station(c, job, env=env)
    attach_socket(env)
    t = pane(c, "viewer", 100, 30, attach_cmd(c), env)
    try:
        wait_screen(t, "the header", lambda l: l and l[0].startswith("FOTA"))
        t.keys("OP42", "Enter")
        t.keys("WO-9", "Enter")
        wait_for("the scans in the station's log",
                 lambda: "scan 'WO-9' (attached viewer): batch WO-9" in log(c) and
                 "scan 'OP42' (attached viewer): operator OP42" in log(c))
        c.sim("--count", "1", "--family", "RG50xQ", expect_links=1)
        wait_for("the verdict", lambda: len([r for r in c.rows_now() if r["result"]]) == 1,
                 timeout=120)
    finally:
        t.kill()
    st.send_signal(15)
    check(st.wait(60) == 0, f"exit 0:\n{log(c)}")
    check_scanned(c, "OP42", "WO-9")


def case_scan_env(c):
    """The service's environment file: FOTA_OPERATOR and FOTA_BATCH without the
    flags are recorded on the rows and in runs; a flag wins over them."""
    env = dict(lock_env(c), FOTA_OPERATOR="OP5", FOTA_BATCH="WO-env")
    job = local_job(c, "scan-e")
    c.sim("--count", "1", "--family", "RG50xQ", expect_links=1)
    st = start_station(c, job, "--until-idle", env=env)
    check(st.wait(120) == 0, f"exit 0:\n{log(c)}")
    check_scanned(c, "OP5", "WO-env")
    c.db = os.path.join(c.dir, "b.db")
    st = start_station(c, job, "--until-idle", "--operator", "OP6", env=env)
    st.wait(120)
    con = sqlite3.connect(c.db)
    check(con.execute("SELECT operator FROM runs").fetchall() == [("OP6",)], "the flag wins")
    con.close()


CASES = {k[5:]: v for k, v in dict(globals()).items() if k.startswith("case_")}


def main():
    global ARGS
    ARGS = it.arg_parser().parse_args()
    times_it.ARGS = ARGS
    ops_it.ARGS = ARGS
    it.run_cases(CASES, ARGS)


if __name__ == "__main__":
    main()
