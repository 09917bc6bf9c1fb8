#!/usr/bin/python3
"""A module that refuses its identification for a moment: the real fota-station
against fota-sim over real ptys and the real SQLite file. A module whose SIM is
still busy answers ATI with +CME ERROR: 14 (fault ident_errors); the station asks
again (the profile's identify.transient_errors, quiet.ident_retry) and upgrades it.
One that answers +CME ERROR: 3 for ever is a FAIL after identify.retries, its row
still carrying the IMEI the station's probe read, so a later --rework of it
upgrades it instead of skipping it as "not in database".
Usage: ident_it.py --station BIN --sim BIN --source DIR --work DIR CASE...
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import station_it as it  # noqa: E402
from station_it import check, scenario_yaml, slot_name, local_job, luhn_imei, SCEN_SPEED  # noqa: E402

FAM = it.FAMILIES["RG50xQ"]


def module(imei, faults=None):
    m = {"family": "RG50xQ", "slot": slot_name(0), "imei": imei}
    if faults:
        m["faults"] = faults
    return m


def asked_again(c, row):
    """The transcript lines saying an identification command was asked again."""
    return [e for e in c.events(row["id"]) if "(transient): asking again" in e]


def case_sim_busy_once(c):
    """ATI answered +CME ERROR: 14 (SIM busy) once: asked again, the module is
    identified and upgraded, a PASS row with its IMEI; the transcript says why it
    was asked twice."""
    imei = luhn_imei("35693803564391")
    scen = c.write("scen.yaml", scenario_yaml([module(
        imei, {"ident_errors": {"code": 14, "count": 1, "command": "ATI"}})]))
    c.sim("--scenario", scen, expect_links=1, speed=SCEN_SPEED)
    job = local_job(c, "sim-busy", timeouts={"reboot": 10, "total": 60})
    r = c.station(job, "--until-idle")
    rows = c.rows()
    check(r.returncode == 0, f"station exit {r.returncode}, expected 0: "
          f"{[(x['result'], x['error_class'], x['error_text']) for x in rows]}\n{r.stdout[-1500:]}")
    check(len(rows) == 1, f"one row: {rows}")
    x = rows[0]
    check(x["result"] == "PASS" and x["imei"] == imei and x["final_version"] == FAM["to"],
          f"PASS with the IMEI: {x['result']} {x['imei']} {x['final_version']} {x['error_text']}")
    again = asked_again(c, x)
    check(len(again) == 1 and "ATI" in again[0] and "+CME ERROR: 14" in again[0],
          f"asked again once, and the transcript says so: {c.events(x['id'])}")


def case_refused_forever_then_rework(c):
    """ATI answered +CME ERROR: 3 (operation not allowed) for ever: asked again
    identify.retries (3) times, then a FAIL row that still carries the IMEI the
    probe read. The same module on a rework bench later, answering ATI now: --rework
    finds its FAIL by that IMEI and upgrades it (not "not in database")."""
    imei = luhn_imei("35693803564392")
    hist = c.write("scen-hist.yaml", scenario_yaml([module(
        imei, {"ident_errors": {"code": 3, "count": "forever", "command": "ATI"}})]))
    h = c.sim("--scenario", hist, expect_links=1, log="sim-hist.log", speed=SCEN_SPEED)
    job = local_job(c, "refused", timeouts={"reboot": 10, "total": 60})
    c.station(job, "--until-idle", check_rc=1)
    c.stop(h)
    rows = c.rows()
    check(len(rows) == 1, f"one row: {rows}")
    x = rows[0]
    check(x["result"] == "FAIL" and x["error_class"] == "protocol" and x["error_code"] == 3,
          f"FAIL protocol 3: {x['result']} {x['error_class']} {x['error_code']} {x['error_text']}")
    check(x["imei"] == imei, f"the FAIL row carries the IMEI the probe read: {x['imei']!r}")
    check(len(asked_again(c, x)) == 3, f"asked again 3 times first: {c.events(x['id'])}")
    # the rework bench: the same module, its SIM read now
    scen = c.write("scen.yaml", scenario_yaml([module(imei)]))
    c.sim("--scenario", scen, expect_links=1, speed=SCEN_SPEED)
    r = c.station(job, "--until-idle", "--rework", check_rc=0)
    rows = c.rows()[1:]
    check(len(rows) == 1, f"one rework row: {rows}")
    y = rows[0]
    check(y["result"] == "PASS" and y["imei"] == imei and y["final_version"] == FAM["to"],
          f"rework upgraded it: {y['result']} {y['imei']} {y['error_text']}\n{r.stdout[-1500:]}")


CASES = {k[5:]: v for k, v in dict(globals()).items() if k.startswith("case_")}


def main():
    it.run_cases(CASES, it.arg_parser().parse_args())


if __name__ == "__main__":
    main()
