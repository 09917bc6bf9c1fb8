#!/usr/bin/python3
"""The operator's shift, in a real terminal (tmux) through the real binaries: what a
FAIL tells the operator to do, log lines that keep what matters at 80 columns, the
keys' legend, and quitting that asks, expires and says what happens to the modules.

- actions_<cols>x<rows>: a module failing with 504 and three passing: the FAIL row
  and its log line lead with the action ("stop the line: package") and the module's
  wording; a PASS log line shows the new revision uncut, the slot named 1.h.p.
- keys_legend: `?` shows every key until any key; the footer is on every frame.
- quit_expires: `q` asks; after more than 5 s the question is gone and nothing
  stopped; `q` again only asks; `q` once more stops, and the screen says what the
  modules in flight do now.
- ctrl_c_asks: `^C` asks the same question; the second `^C` stops.
The modules stay in their update for minutes (fota-sim's update time at speed 1),
so every question is asked and answered while they are in flight, whatever the
load. Usage: keys_it.py --station BIN --sim BIN --source DIR --work DIR CASE...
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ops_it as ops  # noqa: E402
import station_it as it  # noqa: E402
from ops_it import Tmux, hub_link  # noqa: E402
from station_it import (FAMILIES, SCEN_SPEED, SCEN_TIMING, Fail, check,  # noqa: E402
                        local_job, luhn_imei, scenario_yaml)

ARGS = None
FOOTER = "? all keys"
NEW_REV = FAMILIES["RG50xQ"]["to"]


def case_actions(c, cols, rows):
    job = local_job(c, "actions", timeouts={"reboot": 10, "total": 120})
    # three pass within seconds; the fourth fails (504) at the end of a longer update,
    # so each verdict's log line stays on screen while the line is quiet around it
    mods = [{"family": "RG50xQ", "slot": hub_link(i), "imei": luhn_imei(f"8640323{i:07d}")}
            for i in range(4)]
    mods[0]["faults"] = {"error": {"phase": "update", "code": 504, "at": 90}}
    mods[0]["timing"] = dict(SCEN_TIMING, update_s=60)
    c.sim("--scenario", c.write("scen.yaml", scenario_yaml(mods)), expect_links=4,
          speed=SCEN_SPEED)
    t = start(c, job, cols, rows)
    logs = lambda cap: [l for l in cap if re.match(r"^\d\d:\d\d:\d\d ", l)]  # noqa: E731
    passing = lambda cap: [l for l in logs(cap) if re.search(r" 1\.1\.[234]: PASS ", l)]  # noqa
    cap = wait_screen(t, "three PASS log lines", lambda cap: len(passing(cap)) == 3)
    check(all(re.search(rf": PASS {NEW_REV} \(from ", l) for l in passing(cap)),
          f"PASS log lines: the new revision first, uncut at {cols} columns:\n{text(cap)}")
    check(FOOTER in last_line(cap), f"the footer of keys is the frame's last line:\n{text(cap)}")
    fail_log = lambda cap: [l for l in logs(cap) if " 1.1.1: FAIL " in l]  # noqa: E731
    cap = wait_screen(t, "the FAIL", lambda cap: fail_log(cap) and any(
        re.match(r"^1\.1\.1 .* FAIL ", l) for l in cap))
    row = [l for l in cap if re.match(r"^1\.1\.1 .* FAIL ", l)][0]
    want = "stop the line: package - package/504 Incorrect zip format"
    # the result column is what the width leaves: the action leads it
    shown = row.split("  ")[-1].strip()
    check(shown.startswith("stop the line: package") and want.startswith(shown) or want in row,
          f"the FAIL row leads with the action: {row!r}")
    check(fail_log(cap)[0].split(" 1.1.1: FAIL ", 1)[1].startswith(want[:46]),
          f"the FAIL log line: action, then the module's words: {fail_log(cap)}")
    check(not any("/0" in l for l in [row] + fail_log(cap)), "no /0 code shown")
    check(not any("usb-0:" in l for l in logs(cap)), f"no by-path name in the log:\n{text(cap)}")
    check(all(len(l) <= cols for l in cap), "lines cut to the width")
    t.keys("q")  # nothing in flight: it stops at once
    end = time.time() + 30
    while time.time() < end and not t.dead():
        time.sleep(0.2)
    rows_db = c.rows()
    check(sorted(r["result"] for r in rows_db) == ["FAIL", "PASS", "PASS", "PASS"] and
          [r["error_code"] for r in rows_db if r["result"] == "FAIL"] == [504],
          f"the database keeps class and code: {rows_db}")


def case_actions_80x24(c):
    """80x24: the FAIL's action and the PASS's new revision survive the width."""
    case_actions(c, 80, 24)


def case_actions_200x60(c):
    """200x60: the whole action and wording on the row and the log line."""
    case_actions(c, 200, 60)


def busy_line(c, tag, n=2):
    """n modules whose update lasts minutes (speed 1): in flight all along."""
    job = local_job(c, tag, timeouts={"reboot": 10, "total": 600})
    mods = [{"family": "RG50xQ", "slot": hub_link(i), "imei": luhn_imei(f"8640322{i:07d}"),
             "timing": {"update_s": 300, "reboot_s": 2}} for i in range(n)]
    c.sim("--scenario", c.write("scen.yaml", scenario_yaml(mods)), expect_links=n, speed=1)
    return job


def start(c, job, cols, rows):
    t = Tmux(c, cols, rows)
    c.servers.append(t.kill)
    t.start([ARGS.station, "run", "--job", job, "--db", c.db, "--ports", c.ports,
             "--profiles", os.path.join(ARGS.source, "profiles")])
    return t


def wait_screen(t, what, pred, timeout=60):
    end = time.time() + timeout
    cap = []
    while time.time() < end:
        cap = t.capture()
        if pred(cap):
            return cap
        check(not t.dead(), f"the station ended while waiting for {what}: {cap}")
        time.sleep(0.2)
    raise Fail(f"{what} not on the screen within {timeout}s:\n" + "\n".join(cap))


def text(cap):
    return "\n".join(cap)


def last_line(cap):
    """The frame's last line (the pane's own last line stays free)."""
    filled = [l for l in cap if l.strip()]
    return filled[-1] if filled else ""


def in_update(c, n):
    """Every module in its update (the sim's 300 s), its row still open."""
    return lambda cap: "running %d" % n in cap[0] and all(
        r["result"] is None for r in c.rows_now()) and text(cap).count("updating") >= n


def check_still_running(c, t, n):
    rows = c.rows_now()
    check(not t.dead() and len(rows) == n and all(r["result"] is None for r in rows),
          f"nothing stopped: {[(r['slot'], r['result']) for r in rows]}")


def case_keys_legend(c):
    """`?` shows every key (in place of the table) until any key; `h` too; the
    footer lists the main keys on every frame at 80 columns."""
    t = start(c, busy_line(c, "legend"), 80, 24)
    cap = wait_screen(t, "two modules updating", in_update(c, 2))
    check(FOOTER in last_line(cap) and "q quit" in last_line(cap), f"footer:\n{text(cap)}")
    t.keys("?")
    cap = wait_screen(t, "the legend", lambda cap: "KEYS (any key closes" in text(cap))
    for key in ("  a ", "  q, ^C ", "  ?, h "):
        check(any(l.startswith(key) for l in cap), f"legend line for {key!r}:\n{text(cap)}")
    check(not any(l.startswith("SLOT ") for l in cap), "the legend stands in for the table")
    t.keys("x")
    cap = wait_screen(t, "the table again", lambda cap: any(l.startswith("SLOT ") for l in cap))
    check("KEYS (any key" not in text(cap), "any key closes the legend")
    t.keys("h")
    wait_screen(t, "the legend (h)", lambda cap: "KEYS (any key closes" in text(cap))
    t.keys("Escape")
    wait_screen(t, "the table again", lambda cap: any(l.startswith("SLOT ") for l in cap))
    check_still_running(c, t, 2)


def quit_prompt(cap):
    return "QUIT? 2 modules in flight" in text(cap)


def stopped_with_note(c, t):
    end = time.time() + 60
    while time.time() < end and not t.dead():
        time.sleep(0.2)
    check(t.dead(), "the station stopped")
    final = text(t.capture())
    rows = c.rows()
    check(len(rows) == 2 and all(r["result"] == "INTERRUPTED" for r in rows),
          f"both INTERRUPTED: {[r['result'] for r in rows]}")
    # after the dashboard: what the modules in flight do now, in full
    note = re.sub(r"\s+", " ", final)
    check("2 modules in flight are recorded INTERRUPTED" in note and "keep flashing" in note
          and "powered and plugged in" in note and "upgraded again" in note,
          f"the stop says what happens to the modules:\n{final}")


def case_quit_expires(c):
    """q asks; the question is gone after more than 5 s and nothing stopped; q once
    more only asks again; q within the window stops."""
    t = start(c, busy_line(c, "expire"), 80, 24)
    wait_screen(t, "two modules updating", in_update(c, 2))
    t.keys("q")
    cap = wait_screen(t, "the question", quit_prompt)
    check("within 5 s" in text(cap) or "within 4 s" in text(cap), f"it says 5 s:\n{text(cap)}")
    check("keep flashing" in text(cap) and "plugged in" in text(cap),
          f"it says what happens to the modules:\n{text(cap)}")
    time.sleep(6.5)  # past the 5 s: the question must be gone by now
    cap = t.capture()
    check(not quit_prompt(cap), f"the question went away:\n{text(cap)}")
    check_still_running(c, t, 2)
    wait_screen(t, "the expiry said", lambda cap: "quit not confirmed" in text(cap), 10)
    t.keys("q")
    wait_screen(t, "the question again", quit_prompt)
    time.sleep(1)
    check_still_running(c, t, 2)  # a q long after the first only asks
    t.keys("q")
    stopped_with_note(c, t)


def case_ctrl_c_asks(c):
    """^C on the terminal asks the same question (nothing stops), the second ^C
    stops: the attempts end INTERRUPTED. At 200x60."""
    t = start(c, busy_line(c, "ctrlc"), 200, 60)
    wait_screen(t, "two modules updating", in_update(c, 2))
    t.keys("C-c")
    wait_screen(t, "the question", quit_prompt)
    time.sleep(1)
    check_still_running(c, t, 2)
    t.keys("C-c")
    stopped_with_note(c, t)


CASES = {
    "actions_80x24": case_actions_80x24,
    "actions_200x60": case_actions_200x60,
    "keys_legend": case_keys_legend,
    "quit_expires": case_quit_expires,
    "ctrl_c_asks": case_ctrl_c_asks,
}


def main():
    global ARGS
    ap = it.arg_parser()
    ap.add_argument("--captures", help="also copy each case's tmux captures here")
    ARGS = ap.parse_args()
    ARGS.record_only = False
    for k in ("station", "sim", "source", "work", "build_dir", "captures"):
        if getattr(ARGS, k):
            setattr(ARGS, k, os.path.abspath(getattr(ARGS, k)))
    ops.ARGS = ARGS
    it.run_cases(CASES, ARGS)


if __name__ == "__main__":
    main()
