#!/usr/bin/python3
"""Slot control: the real fota-station against fota-sim, results read from SQLite.

- keys_80x24: in an 80x24 tmux pane, a failed slot selected by typing its label
  and Enter, `r` retries it (a second row for its module); the other failed slot
  selected with the down arrow, `x` takes it out of service ("off", "out of
  service" on its row): its module pulled and plugged back is never touched (no
  row, no AT); `x` again puts it back.
- replug_failed: a module that failed, pulled (fota-sim --control: unplug) and
  plugged back after its reboot timeout, is attempted again (two rows); the log
  says "module … removed" when it is pulled.
- port_health: limits.port_health_failures: 2; a module that stalls in its update
  (no answer: FAIL timeout) fails twice in a row in its slot (pulled and plugged
  back in between): the slot goes out of service with "2 hardware failures in a
  row", and the module plugged back once more gets no attempt and no AT; `port
  list` shows it, a restarted station keeps it out of service (its row in a
  160x30 tmux pane says why; no AT), and after
  `port enable` the next run attempts the module again; the report (text, JSON)
  lists the port out of service with its failures.
Usage: service_it.py --station BIN --sim BIN --source DIR --work DIR CASE...
"""
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import station_it as it  # noqa: E402
from station_it import (SCEN_SPEED, check, hub_port, local_job, luhn_imei,  # noqa: E402
                        scenario_yaml, slot_name)
from ops_it import Tmux  # noqa: E402

ARGS = None


def failing(i):
    return {"family": "RG50xQ", "slot": slot_name(i), "imei": luhn_imei(f"8612000000{i:04d}"),
            "faults": {"error": {"phase": "update", "code": 504, "at": 10}}}


def rows_of(c, imei):
    return [r["result"] for r in c.rows_now() if r["imei"] == imei]


def wait_for(what, cond, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        v = cond()
        if v:
            return v
        time.sleep(0.2)
    raise it.Fail(f"timed out waiting for {what}")


def control(c, mods):
    """fota-sim with a control FIFO; returns say(line)."""
    ctl = os.path.join(c.dir, "control.fifo")
    c.sim("--scenario", c.write("scen.yaml", scenario_yaml(mods)), "--control", ctl,
          "--verbose", expect_links=len(mods), speed=SCEN_SPEED)

    def say(line):
        with open(ctl, "w") as f:
            f.write(line + "\n")
    return say


def sim_log(c):
    with open(os.path.join(c.dir, "sim.log"), errors="replace") as f:
        return f.read()


def label(i):
    return hub_port(slot_name(i)).split("-usb-0:")[1]


def row_line(cap, i):
    return next((ln for ln in cap if ln.startswith(label(i) + " ")), "")


def case_keys_80x24(c):
    mods = [failing(0), failing(1)]
    job = local_job(c, "keys", timeouts={"reboot": 5, "total": 60},
                    limits={"stop_after_same_failures": 0})
    say = control(c, mods)
    t = Tmux(c, 80, 24)
    caps = []

    def screen(what, cond, timeout=60):
        def look():
            cap = t.capture()
            caps.append(cap)
            return cond(cap)
        try:
            return wait_for(what, look, timeout)
        except it.Fail:
            raise it.Fail(f"{what}; last screen:\n" + "\n".join(caps[-1] if caps else []))

    try:
        t.start([ARGS.station, "run", "--job", job, "--db", c.db, "--ports", c.ports,
                 "--profiles", os.path.join(ARGS.source, "profiles")])
        # each FAIL module reboots back on its old firmware and is recognised: then
        # both slots are at rest, their FAIL shown
        screen("both modules FAIL and back", lambda cap: all(
            " FAIL " in row_line(cap, i) and
            any(f"same module {m['imei']}" in ln for ln in cap) for i, m in enumerate(mods)))
        # r on the first: selected by its label
        t.keys(label(0), "Enter")
        screen("selected by label", lambda cap: any(f"slot {label(0)} selected" in ln for ln in cap))
        t.keys("r")
        wait_for("a second attempt, FAIL", lambda: rows_of(c, mods[0]["imei"]) == ["FAIL", "FAIL"])
        # x on the second: the down arrow from the first (FAIL rows first, by label)
        t.keys("Down")
        screen("selected by arrow", lambda cap: any(f"slot {label(1)} selected" in ln for ln in cap))
        t.keys("x")
        cap = screen("its row out of service",
                     lambda cap: "out of service" in row_line(cap, 1) and cap)
        check(" off " in row_line(cap, 1), f"row: {row_line(cap, 1)}")
        # its module pulled and plugged back: never touched
        say("unplug 2")
        wait_for("unplugged", lambda: re.search(r"module 2 \(.*\) unplugged", sim_log(c)))
        say("plug 2")
        wait_for("plugged", lambda: re.search(r"module 2 \(.*\) plugged in", sim_log(c)))
        time.sleep(4)  # a slot in service would have asked it within the settle (0.3 s)
        check(rows_of(c, mods[1]["imei"]) == ["FAIL"], f"no new row: {rows_of(c, mods[1]['imei'])}")
        after = sim_log(c).split(") plugged in")[-1]
        check(f"{mods[1]['imei']}] <- " not in after, "no AT on a slot out of service")
        cap = screen("still out of service", lambda cap: "out of service" in row_line(cap, 1) and cap)
        # x again: back, the module (plugged back after its FAIL) is attempted again
        t.keys("x")
        screen("back in service", lambda cap: any("back in service" in ln for ln in cap))
        wait_for("attempted once back", lambda: len(rows_of(c, mods[1]["imei"])) == 2)
        check(t.history() == 0, "the dashboard never scrolled")
        t.keys("q")
        t.keys("q")
        wait_for("station exits", t.dead, 30)
    finally:
        with open(os.path.join(c.dir, "captures.txt"), "w") as f:
            for cap in caps:
                f.write("---\n" + "\n".join(cap) + "\n")
        t.kill()


def case_replug_failed(c):
    mods = [failing(0)]
    job = local_job(c, "replug", timeouts={"reboot": 3, "total": 60},
                    limits={"stop_after_same_failures": 0})
    say = control(c, mods)
    st, log = station_bg(c, job)
    imei = mods[0]["imei"]
    wait_for("FAIL", lambda: rows_of(c, imei) == ["FAIL"])
    # its own reboot after the FAIL: back within its reboot timeout, recognised
    wait_for("back after its FAIL", lambda: "still in the slot" in log())
    say("unplug 1")
    wait_for("removed in the log", lambda: f"module {imei} removed" in log(), 30)
    say("plug 1")
    wait_for("a new attempt", lambda: len(rows_of(c, imei)) == 2, 60)
    c.stop(st)
    check(rows_of(c, imei)[0] == "FAIL", f"{rows_of(c, imei)}")


def station_bg(c, job):
    """The station with its line log in a file; returns log() -> its text."""
    out = os.path.join(c.dir, "station.out")
    with open(out, "w") as f:
        st = subprocess.Popen([ARGS.station, "run", "--job", job, "--db", c.db, "--ports", c.ports,
                               "--profiles", os.path.join(ARGS.source, "profiles"),
                               "--no-dashboard"], stdout=f, stderr=subprocess.STDOUT)
    c.procs.append(st)

    def log():
        with open(out, errors="replace") as f:
            return f.read()
    return st, log


def case_port_health(c):
    mod = {"family": "RG50xQ", "slot": slot_name(0), "imei": luhn_imei("86120000009999"),
           "faults": {"stall": {"phase": "update", "at": 20}}}
    job = local_job(c, "health", timeouts={"reboot": 3, "stall": 3, "total": 60},
                    limits={"stop_after_same_failures": 0, "port_health_failures": 2})
    say = control(c, [mod])
    st, log = station_bg(c, job)
    imei = mod["imei"]
    wait_for("first FAIL", lambda: rows_of(c, imei) == ["FAIL"])
    say("unplug 1")
    wait_for("removed", lambda: f"module {imei} removed" in log(), 30)
    say("plug 1")
    wait_for("second FAIL", lambda: rows_of(c, imei) == ["FAIL", "FAIL"])
    wait_for("out of service", lambda: "out of service: 2 hardware failures in a row" in log())
    rows = c.rows_now()
    check(all(r["error_class"] == "timeout" for r in rows), f"timeouts: {rows}")
    sim_before = sim_log(c).count(f"{imei}] <- ")
    say("unplug 1")
    say("plug 1")
    wait_for("plugged again", lambda: len(re.findall(r"module 1 \(.*\) plugged in", sim_log(c))) == 2)
    time.sleep(4)  # a slot in service would have asked it within the settle (0.3 s)
    check(len(rows_of(c, imei)) == 2, f"no third attempt: {rows_of(c, imei)}")
    check(sim_log(c).count(f"{imei}] <- ") == sim_before, "no AT on a slot out of service")
    c.stop(st)
    # across a restart: still out of service, listed by `port list`
    r = subprocess.run([ARGS.station, "port", "list", "--db", c.db], capture_output=True,
                       text=True)
    check(r.returncode == 0 and re.search(rf"{label(0)} +out of service .*2 hardware failures",
                                          r.stdout), f"port list: {r.stdout}{r.stderr}")
    # the report lists the port with its state and its failures
    r = subprocess.run([ARGS.station, "report", "--db", c.db], capture_output=True, text=True)
    check(r.returncode == 0 and re.search(
        rf"{label(0)} +out of service +2 +2 +2 +100\.0%  \S+, 2 hardware failures in a row",
        r.stdout), f"report: {r.stdout}{r.stderr}")
    r = subprocess.run([ARGS.station, "report", "--db", c.db, "--format", "json"],
                       capture_output=True, text=True)
    ports = json.loads(r.stdout)["ports"]
    check(len(ports) == 1 and ports[0]["out_of_service"] and ports[0]["hardware_fail"] == 2 and
          ports[0]["label"] == label(0), f"json ports: {ports}")
    # a restart on a terminal: the row says why, the module is not touched
    t = Tmux(c, 160, 30)
    try:
        t.start([ARGS.station, "run", "--job", job, "--db", c.db, "--ports", c.ports,
                 "--profiles", os.path.join(ARGS.source, "profiles")])
        last = []

        def off_row():
            last[:] = t.capture()
            return re.search(r" off .*out of service: 2 hardware failures in a row",
                             row_line(last, 0))
        try:
            wait_for("its row out of service after a restart", off_row)
        except it.Fail:
            raise it.Fail("its row out of service after a restart; screen:\n" + "\n".join(last))
        time.sleep(4)
        check(len(rows_of(c, imei)) == 2, f"no attempt after the restart: {rows_of(c, imei)}")
        check(sim_log(c).count(f"{imei}] <- ") == sim_before, "no AT after the restart")
        t.keys("q")
        wait_for("station exits", t.dead, 30)
    finally:
        t.kill()
    # a label no slot in the file has: refused in words, nothing written
    r = subprocess.run([ARGS.station, "port", "enable", "9.9.9", "--db", c.db],
                       capture_output=True, text=True)
    check(r.returncode == 2 and "no slot labelled 9.9.9" in r.stderr, f"{r.stdout}{r.stderr}")
    # `port enable`: the next run attempts the module in it
    r = subprocess.run([ARGS.station, "port", "enable", label(0), "--db", c.db],
                       capture_output=True, text=True)
    check(r.returncode == 0 and "back in service" in r.stdout, f"port enable: {r.stdout}{r.stderr}")
    st, log = station_bg(c, job)
    wait_for("attempted once enabled", lambda: len(rows_of(c, imei)) == 3)
    c.stop(st)


CASES = {k[5:]: v for k, v in dict(globals()).items() if k.startswith("case_")}


def main():
    global ARGS
    ARGS = it.arg_parser().parse_args()
    for k in ("station", "sim", "source", "work"):
        setattr(ARGS, k, os.path.abspath(getattr(ARGS, k)))
    import ops_it
    ops_it.ARGS = ARGS
    it.run_cases(CASES, ARGS)


if __name__ == "__main__":
    main()
