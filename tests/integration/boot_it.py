#!/usr/bin/python3
"""A module's boot around the FOTA: the real fota-station against fota-sim over
real ptys and the real SQLite file. Modules hot-plugged while the station runs
refuse AT+QFOTADL with ERROR while they still boot (fault boot_busy_s); a power
cut mid-update after which the module boots its old firmware (power_loss with
old_firmware), alone or with another module in the socket (swap_imei).
Usage: boot_it.py --station BIN --sim BIN --source DIR --work DIR CASE...
"""
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import station_it as it  # noqa: E402
import faults_it as ft  # noqa: E402
from station_it import Fail, check, scenario_yaml, slot_name, job_yaml, SCEN_SPEED  # noqa: E402

ARGS = None
FAM = it.FAMILIES["RG50xQ"]


def url_job(c, name, **kw):
    """An RG50xQ url job over the test's HTTP server."""
    pkg = "a06-a07.zip"
    path, digest = c.mkpkg("RG50xQ", FAM["rev"], FAM["to"], pkg)
    url = f"{c.http(os.path.dirname(path))}/{pkg}"
    return c.write("job.yaml", job_yaml(name, [dict(
        family="RG50xQ", to=FAM["to"], method="url",
        packages=[{"from": FAM["rev"], "to": FAM["to"], "url": url, "sha256": digest}])], **kw))


def events(c, attempt_id):
    """(t_ms, dir, text) of one attempt's transcript, in order."""
    con = sqlite3.connect(c.db)
    ev = list(con.execute("SELECT t_ms, dir, text FROM events WHERE attempt_id=? ORDER BY rowid",
                          (attempt_id,)))
    con.close()
    return ev


def case_hotplug_booting(c):
    """Three modules plugged in while the station runs, each still booting: its
    boot lines come over six seconds and it answers AT+QFOTADL with ERROR until
    the last (+QIND: PB DONE). All three PASS, each transcript showing the
    refusal waited out (before, each was a FAIL "AT+QFOTADL rejected: ERROR")."""
    os.makedirs(c.ports)
    job = url_job(c, "hotplug", timeouts={"reboot": 20, "total": 120})
    p = ft.start(c, job, "--expect", "3")
    # boot_busy_s is in module seconds (--speed 10): 6 s of boot lines, 1.2 s apart
    # (under quiet.hop, 1.5 s), so the station waits for the last one, not between.
    mods = [{"family": "RG50xQ", "slot": slot_name(i), "faults": {"boot_busy_s": 60}}
            for i in range(3)]
    c.sim("--scenario", c.write("scen.yaml", scenario_yaml(mods)), "--verbose", expect_links=3,
          speed=SCEN_SPEED)
    rc, out, err = ft.finish(p, timeout=120)
    rows = c.rows()
    check(len(rows) == 3, f"3 rows expected: {rows}\n{out}\n{err}")
    for row in rows:
        check(row["result"] == "PASS" and row["final_version"] == FAM["to"],
              f"PASS expected: {row}\n{out}")
        texts = [e[2] for e in events(c, row["id"])]
        waited = [t for t in texts if "rejected: ERROR while the module boots" in t]
        # the station reached each module while it was booting (else the case
        # proves nothing): the wait is in its transcript
        check(waited, f"no boot refusal waited out for {row['imei']}: {texts}")
        after = texts[texts.index(waited[0]):]
        check("+QIND: PB DONE" in after, f"the retry waited for the end of the boot: {after}")
    check(rc == 0, f"station exit {rc}\n{out}\n{err}")


def cut_scenario(c, faults):
    mods = [{"family": "RG50xQ", "slot": slot_name(0),
             "faults": dict({"power_loss": {"at": 40, "off_s": 1, "old_firmware": True}},
                            **faults)}]
    c.sim("--scenario", c.write("scen.yaml", scenario_yaml(mods)), "--verbose", expect_links=1,
          speed=SCEN_SPEED)


def old_boot_verdict(c, row):
    """The FAIL of a power cut the update did not survive: how long after the old
    firmware's boot (its first boot line once the port came back) it came."""
    ev = events(c, row["id"])
    back = next(i for i, e in enumerate(ev) if e[1] == "info" and e[2].startswith("port back"))
    boot = next(e[0] for e in ev[back:] if e[1] == "rx" and e[2] == "RDY")
    end = next(e[0] for e in ev[back:] if e[1] == "info" and e[2].startswith("result FAIL"))
    return (end - boot) / 1000.0, [e[2] for e in ev]


def case_power_cut_old_firmware(c):
    """The power goes at 40 % and the module comes back on its old firmware (boot
    lines through PB DONE, no FOTA URC): the row is FAIL within 5 s of that boot,
    saying so, not "no FOTA URC" after the whole reboot timeout (20 s here)."""
    job = url_job(c, "cut", timeouts={"reboot": 20, "total": 120})
    cut_scenario(c, {})
    c.station(job, "--until-idle", timeout=120, check_rc=1)
    rows = c.rows()
    check(len(rows) == 1, f"one row: {rows}")
    row = rows[0]
    want = f"module rebooted on its old firmware {FAM['rev']} without updating"
    check(row["result"] == "FAIL" and row["error_class"] == "port" and row["error_text"] == want,
          f"FAIL port '{want}' expected: {row}")
    check(row["final_version"] == FAM["rev"], f"final version: {row}")
    took, texts = old_boot_verdict(c, row)
    check(took < 5, f"the verdict came {took:.1f} s after the old firmware's boot: {texts}")


def case_power_cut_swapped(c):
    """The power goes at 40 % and another module is in the socket when it comes
    back: the first attempt FAILs swapped with the first IMEI on its row, within
    5 s of the boot; the new module gets its own attempt (and passes)."""
    job = url_job(c, "cut-swap", timeouts={"reboot": 20, "total": 120})
    new_imei = it.luhn_imei("35209900176148")
    cut_scenario(c, {"swap_imei": new_imei})
    c.station(job, "--expect", "2", timeout=120)
    rows = c.rows()
    check(len(rows) == 2, f"two rows: {rows}")
    old, new = rows
    check(old["result"] == "FAIL" and old["error_class"] == "swapped" and
          old["imei"] != new_imei and new_imei in old["error_text"], f"old row: {old}")
    took, texts = old_boot_verdict(c, old)
    check(took < 5, f"the verdict came {took:.1f} s after the boot: {texts}")
    check(new["imei"] == new_imei and new["result"] == "PASS" and
          new["from_version"] == FAM["rev"] and new["final_version"] == FAM["to"],
          f"the new module's own attempt: {new}")


CASES = {k[5:]: v for k, v in dict(globals()).items() if k.startswith("case_")}


def main():
    global ARGS
    ARGS = it.arg_parser().parse_args()
    ft.ARGS = ARGS
    it.run_cases(CASES, ARGS)


if __name__ == "__main__":
    main()
