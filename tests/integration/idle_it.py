#!/usr/bin/python3
"""Idle means done: --until-idle does not end while a module it saw may come back.
A hub's power blip before the attempts began, and a station restarted while its
modules were in their final reboot (their attempts closed INTERRUPTED by crash
recovery, the modules adopted when they come back). The real fota-station against
fota-sim over real ptys; every figure is read back from the SQLite file.
Usage: idle_it.py --station BIN --sim BIN --source DIR --work DIR CASE...
"""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import station_it as it  # noqa: E402
import times_it  # noqa: E402
from station_it import (FAMILIES, SCEN_SPEED, SCEN_TIMING, check, local_job,  # noqa: E402
                        luhn_imei, slot_name)
from times_it import log, scenario, start_station, wait_for  # noqa: E402

ARGS = None


def links(c):
    return [e for e in os.listdir(c.ports) if not e.startswith(".")] if os.path.isdir(c.ports) else []


def modules(n, timing=None):
    return [{"family": "RG50xQ", "slot": slot_name(i), "imei": luhn_imei(f"8640320520{i:04d}"),
             "timing": dict(SCEN_TIMING, **(timing or {}))} for i in range(n)]


def case_blip_before_attempts(c):
    """Four modules whose links all go away for 6 s while the station still lets
    their interfaces settle (a hub's power blip before any attempt began): the
    station waits for them (their reboot timeout), they come back and pass; exit 0,
    not an early "no module" exit. The blip is longer than the wait for a first
    module (settle 3 s + probe 2 s), so only the reboot-timeout wait covers it."""
    fam = FAMILIES["RG50xQ"]
    job = local_job(c, "blip", timeouts={"ports_settle": 3, "probe": 2, "reboot": 30,
                                         "total": 120})
    scen = scenario(c, "scen.yaml", modules(4))
    sim = c.sim("--scenario", scen, expect_links=4, speed=SCEN_SPEED, log="sim-1.log")
    st = start_station(c, job, "--until-idle")
    # The settle (3 s) holds the station before its first AT: the blip lands there.
    wait_for("the station's start", lambda: "job " in log(c))
    c.stop(sim)
    check(links(c) == [], "the sim took its links away")
    check(c.rows_now() == [], f"no attempt had begun: {c.rows_now()}")
    time.sleep(6)
    check(st.poll() is None, f"still waiting during the blip:\n{log(c)}")
    c.sim("--scenario", scen, expect_links=4, speed=SCEN_SPEED, log="sim-2.log")
    check(st.wait(120) == 0, f"exit 0:\n{log(c)}")
    text = log(c)
    check(text.count("went away before its attempt began") == 4, f"the 4 slots waited for:\n{text}")
    rows = c.rows()
    check(len(rows) == 4 and all(r["result"] == "PASS" and r["final_version"] == fam["to"]
                                 for r in rows), f"4 PASS rows: {rows}")
    check(len({r["imei"] for r in rows}) == 4, f"one row per module: {rows}")


def case_blip_never_back(c):
    """Two modules whose links go away before their attempts began and never come
    back: the station waits their reboot timeout (4 s in the job), says in the log
    which slots never came back, records nothing and exits 4 (nothing recorded), in
    words that are not "no module seen"."""
    job = local_job(c, "gone", timeouts={"ports_settle": 3, "probe": 1, "reboot": 4,
                                         "total": 60})
    sim = c.sim("--scenario", scenario(c, "scen.yaml", modules(2)), expect_links=2,
                speed=SCEN_SPEED)
    st = start_station(c, job, "--until-idle")
    wait_for("the station's start", lambda: "job " in log(c))
    c.stop(sim)
    t0 = time.time()
    check(st.wait(60) == 4, f"exit 4:\n{log(c)}")
    text = log(c)
    check(time.time() - t0 >= 3.5, f"waited the 4 s reboot timeout first:\n{text}")
    check(text.count("did not come back within its reboot timeout") == 2, text)
    check("2 module(s) seen in" in text and "no module seen" not in text, text)
    check(c.rows() == [], "nothing recorded")


def case_restart_in_final_reboot(c):
    """A station killed (SIGKILL) while its two modules are in their final reboot
    (held there 10 s by the scenario's reboot time): the next --until-idle start
    closes their rows INTERRUPTED, waits for them (the probe window alone is 2 s),
    adopts them when they come back on the new firmware and records PASS at the
    target, the new rows saying they were adopted after a restart; exit 0."""
    fam = FAMILIES["RG50xQ"]
    job = local_job(c, "restart", timeouts={"probe": 2, "reboot": 30, "total": 120})
    # reboot_s 100 at --speed 10: every reboot keeps the links away for 10 s.
    scen = scenario(c, "scen.yaml", modules(2, {"reboot_s": 100}))
    c.sim("--scenario", scen, "--verbose", expect_links=2, speed=SCEN_SPEED)

    def sim_log():
        with open(os.path.join(c.dir, "sim.log"), errors="replace") as f:
            return f.read()

    st = start_station(c, job)
    wait_for("both updates' end", lambda: sim_log().count("update end 0") == 2, timeout=120)
    wait_for("both modules in their final reboot", lambda: links(c) == [], timeout=10)
    st.kill()
    st.wait()
    before = c.rows()
    check(len(before) == 2 and all(r["result"] is None for r in before),
          f"killed with both rows running: {before}")
    r = c.station(job, "--until-idle", check_rc=0)
    rows = c.rows()
    check(len(rows) == 4, f"two recovered + two new rows: {rows}\n{r.stdout}")
    check([x["result"] for x in rows[:2]] == ["INTERRUPTED", "INTERRUPTED"], f"{rows[:2]}")
    by_imei = {x["imei"]: x for x in rows[2:]}
    check(sorted(by_imei) == sorted(x["imei"] for x in rows[:2]), f"the same modules: {rows}")
    for old in rows[:2]:
        new = by_imei[old["imei"]]
        check(new["result"] == "PASS" and new["final_version"] == fam["to"]
              and new["from_version"] == fam["to"], f"PASS at the target: {new}")
        note = f"adopted: attempt {old['id']} was interrupted by a restart"
        check(note in c.events(new["id"]), f"the new row says it was adopted: {c.events(new['id'])}")
        check(note in r.stdout, f"and the log:\n{r.stdout}")
    check("pass 0" not in r.stdout, f"not an empty run:\n{r.stdout}")


CASES = {k[5:]: v for k, v in dict(globals()).items() if k.startswith("case_")}


def main():
    global ARGS
    ARGS = it.arg_parser().parse_args()
    times_it.ARGS = ARGS
    it.run_cases(CASES, ARGS)


if __name__ == "__main__":
    main()
