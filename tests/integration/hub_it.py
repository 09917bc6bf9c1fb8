#!/usr/bin/python3
"""A real hub's shape: each simulated module publishes several tty interfaces (DM,
NMEA, AT, modem) with by-path names, both AT and modem answer AT, and every reboot
brings them back on new ptys in a shuffled order. The real fota-station must give
each module exactly one attempt, on one port, with the hub port as its slot; and
where the names hide the layout, the IMEI must. fota-sim's exit status is the
evidence that no module got FOTA commands on two ports (it exits 4 on a conflict).
Usage: hub_it.py --station BIN --sim BIN --source DIR --work DIR CASE...
"""
import os
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import station_it as it  # noqa: E402
from station_it import (FAMILIES, SCEN_SPEED, SCEN_TIMING, check, job_yaml,  # noqa: E402
                        luhn_imei, mixed_line_job)

ARGS = None
HUB = "pci-0000:00:14.0-usb-0:1"


def hub_slot(i):
    return f"{HUB}.{i // 4 + 1}.{i % 4 + 1}"


def scenario(mods):
    import yaml
    return yaml.safe_dump({"defaults": {"timing": SCEN_TIMING}, "modules": mods})


def stop_sim(c, p):
    """SIGTERM the simulator; its status tells whether any module saw FOTA commands
    on two ports (4) or something else went wrong (not 0)."""
    c.stop(p)
    with open(os.path.join(c.dir, "sim.log"), errors="replace") as f:
        log = f.read()
    check("port conflicts: 0" in log, "fota-sim reports no module driven from two ports:\n" +
          "\n".join(l for l in log.splitlines() if "conflict" in l or "two ports" in l))
    check(p.returncode == 0, f"fota-sim exit {p.returncode}")


def run_station(c, job, *extra, timeout=150):
    cmd = [ARGS.station, "run", "--job", job, "--db", c.db, "--ports", c.ports,
           "--profiles", os.path.join(ARGS.source, "profiles"), "--no-dashboard",
           "--until-idle", *extra]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    with open(os.path.join(c.dir, "station.log"), "w") as f:
        f.write(r.stdout + r.stderr)
    return r


def case_hub16(c):
    """16 modules behind 64 interface links (RG50xQ and EG06xK with DM, NMEA, AT and
    modem; EC200T, whose AT interface no rule names, with its modem port on the
    lowest interface): 16 final rows, 16 slots, each a hub port, one IMEI each, no
    module driven from two ports, through reboots that re-enumerate every port."""
    pk, targets = mixed_line_job(c)
    ec200t_ports = [{"interface": 0, "role": "dm"}, {"interface": 1, "role": "modem"},
                    {"interface": 2, "role": "at"}, {"interface": 3, "role": "nmea"}]
    plan = ["RG50xQ"] * 6 + ["EG06xK"] * 5 + ["EC200T"] * 5
    mods = []
    for i, fam in enumerate(plan):
        m = {"family": fam, "slot": hub_slot(i), "imei": luhn_imei(f"8601230{i:07d}"),
             "ports": ec200t_ports if fam == "EC200T" else "hub"}
        mods.append(m)
    sim = c.sim("--scenario", c.write("scenario.yaml", scenario(mods)), expect_links=64,
                speed=SCEN_SPEED)
    # The station's own default settle window (3 s): a hub's ports appear over time.
    job = c.write("job.yaml", job_yaml("hub-16", [t for t in targets if t["family"] in plan],
                                       limits={"max_parallel": 64, "max_per_hub": 4},
                                       timeouts={"reboot": 20, "total": 150,
                                                 "ports_settle": 3}))
    r = run_station(c, job)
    check(r.returncode == 0, f"station exit {r.returncode}: {r.stdout[-2000:]}{r.stderr[-1000:]}")
    rows = c.rows()
    check(len(rows) == 16, f"16 rows, got {len(rows)}: {[(x['slot'], x['port']) for x in rows]}")
    check(sorted(x["slot"] for x in rows) == sorted(hub_slot(i) for i in range(16)),
          f"slots are hub ports: {sorted(x['slot'] for x in rows)}")
    check(len({x["imei"] for x in rows}) == 16, "one row per IMEI")
    for x in rows:
        check(x["result"] == "PASS" and x["final_version"] == FAMILIES[x["family"]]["to"],
              f"PASS expected: {x['slot']} {x['result']} {x['error_class']} {x['error_text']}")
        check(x["port"].startswith("/dev/pts/"), f"port keeps the tty used: {x['port']}")
    # The AT port of each module, as the station chose it: interface 2 where the
    # profile names it, the lowest that answers (the modem port, 1) for EC200T.
    chosen = dict(re.findall(r"(\S+): AT port \S+ \(interface (\d+) of", r.stdout))
    for i, fam in enumerate(plan):
        want = "1" if fam == "EC200T" else "2"
        got = chosen.get(hub_slot(i))
        check(got in (None, want), f"{hub_slot(i)} {fam}: AT interface {got}, expected {want}")
    check(sum(1 for i, f in enumerate(plan) if f == "EC200T" and chosen.get(hub_slot(i)) == "1") == 5,
          f"every EC200T chose its lowest answering interface: {chosen}")
    stop_sim(c, sim)


class PlainNames(threading.Thread):
    """Re-publishes a hub's links under names that hide the layout (`m3-if2`), the
    way a UART adapter or an unknown hub would, following every re-enumeration."""

    def __init__(self, src, dst):
        super().__init__(daemon=True)
        self.src, self.dst, self.done = src, dst, False
        os.makedirs(dst, exist_ok=True)

    def sync(self):
        want = {}
        for name in os.listdir(self.src):
            m = re.match(r".*-usb-0:1\.(\d+)\.(\d+):1\.(\d+)-port0$", name)
            if m:
                try:
                    want[f"m{m[1]}{m[2]}-if{m[3]}"] = os.readlink(os.path.join(self.src, name))
                except OSError:
                    pass
        for name in os.listdir(self.dst):
            path = os.path.join(self.dst, name)
            if want.get(name) != os.readlink(path):
                os.unlink(path)
        for name, target in want.items():
            path = os.path.join(self.dst, name)
            if not os.path.lexists(path):
                os.symlink(target, path)

    def run(self):
        while not self.done:
            try:
                self.sync()
            except OSError:
                pass
            time.sleep(0.02)


def other_names_line(c, tag, faults=None):
    """3 RG50xQ modules whose AT and modem ports both answer AT, linked under names
    that do not show the hub (each interface its own slot); runs the station."""
    pk, targets = mixed_line_job(c)
    mods = [{"family": "RG50xQ", "slot": hub_slot(i), "imei": luhn_imei(f"8601231{i:07d}"),
             "ports": [{"interface": 2, "role": "at"}, {"interface": 3, "role": "modem"}]}
            for i in range(3)]
    for m in mods:
        if faults:
            m["faults"] = dict(faults)
    src = os.path.join(c.dir, "hub")
    sim = c.sim("--scenario", c.write("scenario.yaml", scenario(mods)), ports=src,
                speed=SCEN_SPEED)
    c.wait_links(6, src)
    plain = PlainNames(src, c.ports)
    plain.sync()
    plain.start()
    job = c.write("job.yaml", job_yaml(tag, [t for t in targets if t["family"] == "RG50xQ"],
                                       timeouts={"reboot": 20, "total": 150}))
    r = run_station(c, job)
    plain.done = True
    check(r.returncode == 0, f"station exit {r.returncode}: {r.stdout[-2000:]}")
    rows = c.rows()
    final = [x for x in rows if x["result"] in ("PASS", "FAIL")]
    check(len(final) == 3 and all(x["result"] == "PASS" for x in final),
          f"3 PASS rows: {[(x['slot'], x['result'], x['error_text']) for x in rows]}")
    check(len({x["imei"] for x in final}) == 3, "one final row per IMEI")
    check("is another port of module" in r.stdout, "the second port was recognised:\n" + r.stdout[-1500:])
    stop_sim(c, sim)
    return rows


def case_same_imei_other_names(c):
    """Links whose names do not show the hub (each interface its own slot): both AT
    ports of a module answer with one IMEI, so the second is recorded as that
    module's other port and gets no attempt: one row per module, no conflict."""
    other_names_line(c, "same-imei")


def case_imei_read_late_other_names(c):
    """The same line, but early in their boot the modules answer AT+GSN and AT+CGSN
    with ERROR, so the probe learns no IMEI and both AT ports of each module get an
    attempt. Identification reads the IMEI: the port that comes second is another
    port of a module in flight and is closed SKIP before anything is written to it
    (fota-sim counts no FOTA command on two ports of one module)."""
    rows = other_names_line(c, "imei-late", {"imei_errors": 4})
    skips = [x for x in rows if x["result"] == "SKIP"]
    check(len(skips) == 3 and all("another port of" in (x["error_text"] or "") for x in skips),
          f"one SKIP row per module for its second port: {[(x['slot'], x['result'], x['error_text']) for x in rows]}")


BLANK_IMEI = "000000000000000"


def rg_hub_line(c, tag, imeis, *extra, timeout=120):
    """RG50xQ modules, one per IMEI given (taken as written: fota-sim's
    imei_as_written), each on its own hub port with its DM, NMEA, AT and modem links;
    runs the station with `extra` (not --until-idle)."""
    pk, targets = mixed_line_job(c)
    mods = [{"family": "RG50xQ", "slot": hub_slot(i), "imei": imei, "ports": "hub",
             **({} if it.luhn_imei(imei[:14]) == imei else {"imei_as_written": True})}
            for i, imei in enumerate(imeis)]
    sim = c.sim("--scenario", c.write("scenario.yaml", scenario(mods)),
                expect_links=4 * len(imeis), speed=SCEN_SPEED)
    job = c.write("job.yaml", job_yaml(tag, [t for t in targets if t["family"] == "RG50xQ"],
                                       timeouts={"reboot": 20, "total": 150}))
    r = c.station(job, *extra, timeout=timeout)
    return sim, r


def fota_commands(c, row):
    """The FOTA commands the station sent in a row's attempt (its transcript)."""
    return [e for e in it.Case.events(c, row["id"]) if re.match(r"AT\+QF(OTADL|UPL|UA|AW)", e)]


def case_blank_imei(c):
    """Four unprogrammed modules answering the blank IMEI 000000000000000 on four hub
    ports: two hub ports are two modules, so each gets its row, a FAIL in class imei
    with the IMEI it read, and none is upgraded (the station cannot tell one from
    another). --expect 4 counts them and ends the run; exit 1 (failures)."""
    sim, r = rg_hub_line(c, "blank", [BLANK_IMEI] * 4, "--expect", "4", timeout=90)
    rows = c.rows()
    check(r.returncode == 1, f"station exit {r.returncode}, expected 1:\n{r.stdout[-2000:]}")
    check(len(rows) == 4, f"4 rows, got {[(x['slot'], x['result'], x['error_text']) for x in rows]}")
    check(sorted(x["slot"] for x in rows) == [hub_slot(i) for i in range(4)],
          f"one row per hub port: {sorted(x['slot'] for x in rows)}")
    for x in rows:
        check(x["result"] == "FAIL" and x["error_class"] == "imei" and x["imei"] == BLANK_IMEI
              and "blank" in (x["error_text"] or ""),
              f"FAIL imei with the IMEI read: {x['slot']} {x['result']} {x['error_class']} "
              f"{x['imei']} {x['error_text']}")
        check(not fota_commands(c, x), f"{x['slot']}: no FOTA command: {fota_commands(c, x)}")
    check("another port of" not in r.stdout, "no hub port taken for another's:\n" + r.stdout[-1500:])
    stop_sim(c, sim)


def case_invalid_imei(c):
    """A module whose IMEI has a wrong check digit (badly programmed) next to a good
    one: its row carries the IMEI it read and is a FAIL imei, untouched; the good one
    passes. (A check-digit-invalid IMEI was a protocol FAIL with no IMEI before.)"""
    good, bad = luhn_imei("86012340000001"), "490154203237519"
    sim, r = rg_hub_line(c, "invalid", [good, bad], "--expect", "2", timeout=120)
    rows = {x["slot"]: x for x in c.rows()}
    check(r.returncode == 1 and sorted(rows) == [hub_slot(0), hub_slot(1)],
          f"exit {r.returncode}, rows: {[(x['slot'], x['imei'], x['result'], x['error_text']) for x in rows.values()]}")
    check(rows[hub_slot(0)]["result"] == "PASS", f"the good one passes: {rows[hub_slot(0)]}")
    x = rows[hub_slot(1)]
    check(x["result"] == "FAIL" and x["error_class"] == "imei" and "check digit" in x["error_text"]
          and x["imei"] == bad, f"FAIL imei with the IMEI read: {x['result']} {x['error_class']} "
          f"{x['imei']} {x['error_text']}")
    check(not fota_commands(c, x), f"not touched: {fota_commands(c, x)}")
    stop_sim(c, sim)


def case_cloned_imei(c):
    """Two modules answering one valid IMEI (a cloned IMEI) on two hub ports: two
    modules, two rows. The first to be identified is upgraded (PASS); the other is a
    FAIL in class imei naming the IMEI and the slot of the first, and is not touched
    (an MES keyed by IMEI could not tell the two apart)."""
    clone = luhn_imei("86012330000001")
    sim, r = rg_hub_line(c, "cloned", [clone, clone], "--expect", "2", timeout=120)
    rows = c.rows()
    check(r.returncode == 1, f"station exit {r.returncode}, expected 1:\n{r.stdout[-2000:]}")
    check(len(rows) == 2 and all(x["imei"] == clone for x in rows),
          f"2 rows with the IMEI: {[(x['slot'], x['imei'], x['result'], x['error_text']) for x in rows]}")
    ok = [x for x in rows if x["result"] == "PASS"]
    bad = [x for x in rows if x["result"] == "FAIL"]
    check(len(ok) == 1 and len(bad) == 1, f"one PASS, one FAIL: {[(x['result'], x['error_text']) for x in rows]}")
    check(ok[0]["final_version"] == FAMILIES["RG50xQ"]["to"], f"the first is upgraded: {ok[0]}")
    check(bad[0]["error_class"] == "imei" and clone in bad[0]["error_text"]
          and ok[0]["slot"] in bad[0]["error_text"] and "cloned" in bad[0]["error_text"],
          f"FAIL imei naming the other slot: {bad[0]['error_class']} {bad[0]['error_text']}")
    check(not fota_commands(c, bad[0]), f"the clone is not touched: {fota_commands(c, bad[0])}")
    stop_sim(c, sim)


def case_no_sim_card(c):
    """Lines often run without SIM cards: boots print RDY and +CPIN: NOT INSERTED
    only. Every family still upgrades (hub layouts where the family has one)."""
    pk, targets = mixed_line_job(c)
    fams = ["RG50xQ", "EG06xK", "EC200T", "legacy-GSM"]
    mods = [{"family": f, "slot": hub_slot(i), "imei": luhn_imei(f"8601232{i:07d}"),
             "sim_card": False, **({} if f == "legacy-GSM" else {"ports": "hub"})}
            for i, f in enumerate(fams)]
    sim = c.sim("--scenario", c.write("scenario.yaml", scenario(mods)), expect_links=12,
                speed=SCEN_SPEED)
    job = c.write("job.yaml", job_yaml("no-sim", targets, timeouts={"reboot": 20, "total": 150}))
    r = run_station(c, job)
    rows = c.rows()
    check(r.returncode == 0 and len(rows) == 4 and all(x["result"] == "PASS" for x in rows),
          f"every family passes without SIM: {[(x['family'], x['result'], x['error_text']) for x in rows]}"
          f"\n{r.stdout[-1500:]}")
    for x in rows:
        # The station reads the module as soon as it answers after its boot, so the
        # transcript may end before the last boot line; what it holds is a boot
        # without a SIM's lines.
        ev = it.Case.events(c, x["id"])
        check(any(e == "RDY" for e in ev), f"{x['family']}: a boot was seen")
        check(not any(s in e for e in ev for s in ("+CPIN: READY", "SMS DONE", "PB DONE")),
              f"{x['family']}: no SIM lines in a no-SIM boot")
    stop_sim(c, sim)


def case_stop_while_settling(c):
    """SIGINT while a newly plugged module's ports settle: nothing has started on it,
    so the station lets go of it and exits at once (not after the settle window)."""
    import signal
    pk, targets = mixed_line_job(c)
    mods = [{"family": "EC200T", "slot": hub_slot(0), "ports": "hub"}]
    c.sim("--scenario", c.write("scenario.yaml", scenario(mods)), expect_links=3, speed=SCEN_SPEED)
    job = c.write("job.yaml", job_yaml("settle-stop", [t for t in targets if t["family"] == "EC200T"],
                                       timeouts={"ports_settle": 20}))
    cmd = [ARGS.station, "run", "--job", job, "--db", c.db, "--ports", c.ports,
           "--profiles", os.path.join(ARGS.source, "profiles"), "--no-dashboard"]
    st = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    c.procs.append(st)
    time.sleep(1.5)
    t0 = time.time()
    st.send_signal(signal.SIGINT)
    out, _ = st.communicate(timeout=30)
    check(time.time() - t0 < 3, f"exited {time.time() - t0:.1f}s after SIGINT:\n{out[-600:]}")
    check(st.returncode == 0 and c.rows() == [], f"nothing started, nothing recorded: {st.returncode}")


CASES = {k[5:]: v for k, v in dict(globals()).items() if k.startswith("case_")}


def main():
    global ARGS
    ARGS = it.arg_parser().parse_args()
    it.run_cases(CASES, ARGS)


if __name__ == "__main__":
    main()
