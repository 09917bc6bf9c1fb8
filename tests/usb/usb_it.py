#!/usr/bin/python3
"""USB tests: fota-station inside a umockdev testbed of one hub (hub.umockdev).

usb-hub (usb_hub.c) builds the testbed, makes the /dev/serial/by-path links udev
would, relays each Quectel module's AT tty to a fota-sim module whose slot is that
tty's by-path name, answers OK on the EC200T's modem port, keeps every other tty
silent, and logs every byte the station writes to each tty (hub.tsv). The station
runs inside the testbed with --ports /dev/serial/by-path, so its USB identity comes
from the emulated sysfs through libserialport, as on a real line.
Usage: usb_it.py --hub BIN --station BIN --sim BIN --source DIR --work DIR CASE...
Exit 77 (skipped) when umockdev-run is not installed.
"""
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import station_it  # noqa: E402  (Case, packages, job files, result rows)
from station_it import FAMILIES, check  # noqa: E402

BYPATH = "pci-0000:00:14.0-usb-0:1.{port}:1.{iface}-port0"
# What hub.umockdev holds: hub port -> (family, USB id, tty interfaces, AT interface).
MODULES = {
    1: dict(family="RG50xQ", model="RM500Q-GL", usb="2c7c:0800", ifaces=(0, 1, 2, 3), at=2),
    2: dict(family="EC200T", model="EC200T-CN", usb="2c7c:6026", ifaces=(0, 2, 3), at=2),
    4: dict(family="EG06xK", model="EG065K-NA", usb="2c7c:0306", ifaces=(0, 1, 2, 3), at=2),
}
FTDI = BYPATH.format(port=3, iface=0)
EC200T_MODEM = BYPATH.format(port=2, iface=3)  # answers AT too: not the lowest one
ARGS = None


def at_link(port):
    return BYPATH.format(port=port, iface=MODULES[port]["at"])


def start_sim(c):
    """One fota-sim module per Quectel device, its slot the AT tty's by-path name.
    The update phase lasts seconds (80 s at --speed 10): the emulated re-enumeration
    takes real time (the harness removes and re-adds the USB device), and an update
    faster than that would end while the station cannot see the module, which no
    real module does (a real update takes minutes)."""
    mods = [dict(slot=at_link(p), family=m["family"], model=m["model"],
                 timing=dict(station_it.SCEN_TIMING, update_s=80)) for p, m in MODULES.items()]
    scen = c.write("scenario.yaml", station_it.scenario_yaml(mods))
    c.sim("--scenario", scen, expect_links=len(mods), speed=station_it.SCEN_SPEED)


def hub(c, *cmd, timeout=60, testbed="hub.umockdev", control=None):
    """Runs cmd inside the testbed; returns (CompletedProcess, hub log rows). With
    control (fota-sim's control FIFO) the hub's port power switches unplug and plug
    the module on that port."""
    log = os.path.join(c.dir, "hub.tsv")
    argv = [ARGS.hub, "--testbed", os.path.join(ARGS.source, "tests", "usb", testbed),
            "--sim-ports", c.ports, "--answer", EC200T_MODEM, "--log", log,
            "--timeout", str(timeout), *(["--sim-control", control] if control else []),
            "--", *cmd]
    # The testbed's /dev/serial/by-path is this test's own: so is its ports-folder
    # lock (another test's testbed has the same path).
    env = dict(os.environ, FOTA_LOCK_DIR=c.dir)
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout + 20, env=env)
    with open(os.path.join(c.dir, "hub.out"), "a") as f:
        f.write(f"$ {' '.join(argv)}\n{r.stdout}{r.stderr}rc={r.returncode}\n")
    if r.returncode == 77:
        print(r.stderr.strip())
        sys.exit(77)
    rows = []
    with open(log) as f:
        for line in f:
            t, kind, link, tty, peer, n, data = line.rstrip("\n").split("\t", 6)
            rows.append(dict(t=float(t), kind=kind, link=link, tty=tty, peer=peer, n=int(n),
                             data=data))
    return r, rows


def writes(rows, link):
    return [w for w in rows if w["kind"] == "W" and w["link"] == link]


def check_untouched(rows):
    """Nothing is ever written to the FTDI adapter or to an interface the profile
    says is not the AT port."""
    quiet = [FTDI] + [BYPATH.format(port=p, iface=i) for p, m in MODULES.items()
                      if m["family"] != "EC200T" for i in m["ifaces"] if i != m["at"]]
    for link in quiet:
        w = writes(rows, link)
        check(not w, f"{link} must never be written to, got {sum(x['n'] for x in w)} "
                     f"bytes: {w[:3]}")


def case_probe(c):
    """`fota-station probe --json` in the testbed lists each Quectel module once,
    with IMEI, its USB id and AT interface 2, and never the FTDI adapter."""
    start_sim(c)
    r, rows = hub(c, ARGS.station, "probe", "--ports", "/dev/serial/by-path", "--profiles",
                  os.path.join(ARGS.source, "profiles"), "--json")
    check(r.returncode == 0, f"probe exit {r.returncode}: {r.stderr}")
    mods = json.loads(r.stdout)
    check(not [m for m in mods if m.get("usb") == "0403:6001" or m["slot"] == FTDI],
          f"the FTDI adapter is listed: {mods}")
    found = {m["imei"]: m for m in mods if m["imei"]}
    check(len(found) == len(MODULES) and len([m for m in mods if m["imei"]]) == len(MODULES),
          f"{len(MODULES)} modules, each once: {mods}")
    for port, want in MODULES.items():
        m = [m for m in found.values() if m["model"] == want["model"]]
        check(len(m) == 1, f"{want['model']} listed once: {mods}")
        m = m[0]
        check(m.get("usb") == want["usb"] and m.get("interface") == want["at"],
              f"{want['model']}: usb {want['usb']} interface {want['at']} expected: {m}")
        check(m["profile"] == want["family"] and m["port"].startswith("/dev/ttyUSB"), f"{m}")
        check(m["slot"].startswith(f"pci-0000:00:14.0-usb-0:1.{port}"), f"slot: {m}")
    check_untouched(rows)


def case_run(c):
    """`fota-station run --until-idle` upgrades each module of the emulated hub
    exactly once, through the re-enumerations of its reboots: one PASS row per
    IMEI; the FTDI adapter, DM, NMEA and modem ports are never written to (the
    EC200T's modem port only gets `AT` until its AT port is chosen)."""
    start_sim(c)
    _, targets = station_it.mixed_line_job(c)
    targets = [t for t in targets if t["family"] in {m["family"] for m in MODULES.values()}]
    job = c.write("job.yaml", station_it.job_yaml("usb-hub", targets,
                                                  timeouts={"reboot": 20, "total": 120}))
    r, rows = hub(c, ARGS.station, "run", "--job", job, "--db", c.db, "--ports",
                  "/dev/serial/by-path", "--profiles", os.path.join(ARGS.source, "profiles"),
                  "--no-dashboard", "--until-idle", "--log-dir", os.path.join(c.dir, "logs"),
                  timeout=180)
    check(r.returncode == 0, f"station exit {r.returncode}: {r.stdout[-2000:]}{r.stderr[-2000:]}")
    res = c.rows()
    by_imei = {}
    for row in res:
        by_imei.setdefault(row["imei"], []).append(row)
    check(len(by_imei) == len(MODULES), f"{len(MODULES)} IMEIs expected: {res}")
    for imei, rs in by_imei.items():
        check(len(rs) == 1, f"{imei}: one attempt expected, got {len(rs)}: {rs}")
        row = rs[0]
        fam = FAMILIES[row["profile"] if "profile" in row and row["profile"] in FAMILIES
                       else [m["family"] for m in MODULES.values() if m["model"] == row["model"]][0]]
        check(row["result"] == "PASS" and row["final_version"] == fam["to"], f"PASS: {row}")
        check(row["port"].startswith("/dev/ttyUSB"), f"port is the emulated tty: {row}")
    check_untouched(rows)
    reenum = [e for e in rows if e["kind"] == "E" and e["data"] == "sim link lost"]
    check(len(reenum) >= len(MODULES), f"every module re-enumerated at least once: {reenum}")
    # The EC200T's modem port: `AT` only, and nothing once its AT port was chosen.
    at = writes(rows, at_link(2))
    chosen = [w["t"] for w in at if w["data"] not in ("AT\\r", "")]
    check(chosen, "the EC200T's AT port was used")
    for w in writes(rows, EC200T_MODEM):
        check(w["data"] == "AT\\r" and w["t"] < chosen[0],
              f"EC200T modem port written to after its AT port was chosen: {w}")


# wrongmode.umockdev (README.md): a hub with a module in emergency download mode (no
# tty at all) and a Quectel module in a composition no profile lists (one tty).
EDL_SLOT, EDL_SERIAL = "pci-0000:00:14.0-usb-0:1.2", "EDL0002"
UNK_SLOT, UNK_SERIAL = "pci-0000:00:14.0-usb-0:1.3", "UNK0003"
EDL_WORDS = "emergency download mode: needs a full flash"
UNK_WORDS = "unexpected USB composition 2c7c:0999 (config 1)"


def case_probe_wrong_mode(c):
    """`probe` lists a device in emergency download mode (05c6:9008, no tty) and a
    Quectel device of an unknown composition, each with its words, usb_mode and USB
    serial, in JSON and in the table."""
    r, _ = hub(c, ARGS.station, "probe", "--ports", "/dev/serial/by-path", "--profiles",
               os.path.join(ARGS.source, "profiles"), "--json", testbed="wrongmode.umockdev")
    check(r.returncode == 0, f"probe exit {r.returncode}: {r.stderr}")
    rows = {m["slot"]: m for m in json.loads(r.stdout)}
    want = {EDL_SLOT: ("05c6:9008", "edl", EDL_SERIAL, EDL_WORDS),
            UNK_SLOT: ("2c7c:0999", "unknown_composition", UNK_SERIAL, UNK_WORDS)}
    for slot, (usb, mode, serial, words) in want.items():
        m = rows.get(slot)
        check(m is not None, f"{slot} listed: {r.stdout}")
        check((m.get("usb"), m.get("usb_mode"), m.get("serial"), m["note"]) ==
              (usb, mode, serial, words), f"{slot}: {m}")
        check("not a module" not in m["note"], f"{slot}: {m}")
    r, _ = hub(c, ARGS.station, "probe", "--ports", "/dev/serial/by-path", "--profiles",
               os.path.join(ARGS.source, "profiles"), testbed="wrongmode.umockdev")
    for slot, words, serial in ((EDL_SLOT, EDL_WORDS, EDL_SERIAL), (UNK_SLOT, UNK_WORDS, UNK_SERIAL)):
        line = [ln for ln in r.stdout.splitlines() if ln.startswith(slot + " ")]
        check(len(line) == 1 and words in line[0] and serial in line[0],
              f"table row for {slot} with {words!r}: {r.stdout}")


def run_wrong_mode(c, limits=None):
    job = c.write("job.yaml", station_it.job_yaml("usb-wrong", [
        dict(family="RG50xQ", to=FAMILIES["RG50xQ"]["to"], method="url",
             url="http://127.0.0.1:9/none.zip")], limits=limits))
    r, rows = hub(c, ARGS.station, "run", "--job", job, "--db", c.db, "--ports",
                  "/dev/serial/by-path", "--profiles", os.path.join(ARGS.source, "profiles"),
                  "--no-dashboard", "--until-idle", "--log-dir", os.path.join(c.dir, "logs"),
                  timeout=90, testbed="wrongmode.umockdev")
    out = r.stdout + r.stderr
    check(r.returncode == 1, f"station exit {r.returncode} (1: a module failed): {out[-3000:]}")
    return out, rows


def case_run_wrong_mode(c):
    """`run` records one FAIL row of class usb_mode per device in a wrong USB mode:
    the EDL device (no tty, no link in the ports folder) and the unknown composition
    (a tty the station never writes to), each with its slot and USB serial; never
    "not a module port"."""
    out, rows = run_wrong_mode(c)
    res = c.rows()
    by_slot = {}
    for row in res:
        by_slot.setdefault(row["slot"], []).append(row)
    for slot, words, serial in ((EDL_SLOT, EDL_WORDS, EDL_SERIAL), (UNK_SLOT, UNK_WORDS, UNK_SERIAL)):
        rs = by_slot.get(slot, [])
        check(len(rs) == 1, f"{slot}: one row expected: {res}")
        row = rs[0]
        check(row["result"] == "FAIL" and row["error_class"] == "usb_mode", f"{slot}: {row}")
        check(words in row["error_text"] and serial in row["error_text"], f"{slot}: {row}")
    check(len(res) == 2, f"two rows: {res}")
    check("not a module port" not in out, f"'not a module port' said: {out[-3000:]}")
    w = writes(rows, BYPATH.format(port=3, iface=0))
    check(not w, f"the unknown composition's tty must never be written to: {w[:3]}")


def case_run_controller_budget(c):
    """A controller with more USB devices than limits.usb_devices_per_controller (set
    to 2; the testbed's controller carries a hub and two modules) is said once,
    naming the controller's PCI address, its driver and its hub; not with the
    default limit."""
    out, _ = run_wrong_mode(c, limits={"usb_devices_per_controller": 2})
    lines = [ln for ln in out.splitlines() if "limits.usb_devices_per_controller" in ln]
    check(len(lines) == 1, f"one warning expected: {lines} in {out[-3000:]}")
    ln = lines[0]
    for part in ("0000:00:14.0", "xhci_hcd", "3 devices", "1-1 05e3:0610", " 2;"):
        check(part in ln, f"{part!r} in {ln!r}")
    out, _ = run_wrong_mode(c)
    check("limits.usb_devices_per_controller" not in out, f"no warning at the default: {out}")




def case_power(c):
    """A job with `power:` power-cycles a hung module through its hub port's
    `disable` file: the station writes 1 then 0 to the right port's file (the
    harness turns them into fota-sim unplug / plug, the module's links go and come
    back). Port 1 hangs until power-cycled: PASS with power_cycles 1. Port 4 hangs
    for ever: FAIL after 2 cycles, with words. Port 2 stalls in its update: left to
    the stall timeout, never power-cycled. The FTDI adapter (port 3) is no module:
    never power-cycled."""
    fifo = os.path.join(c.dir, "sim.ctl")
    pk, targets = station_it.mixed_line_job(c)
    rg, eg = FAMILIES["RG50xQ"], FAMILIES["EG06xK"]
    timing = dict(station_it.SCEN_TIMING, update_s=80)
    mods = [dict(slot=at_link(1), family="RG50xQ", model=MODULES[1]["model"], timing=timing,
                 revision=rg["to"], faults={"hang": "until_power_cycle"}),
            dict(slot=at_link(4), family="EG06xK", model=MODULES[4]["model"], timing=timing,
                 revision=eg["to"], faults={"hang": "forever"}),
            dict(slot=at_link(2), family="EC200T", model=MODULES[2]["model"], timing=timing,
                 faults={"stall": {"phase": "update", "at": 40}})]
    scen = c.write("scenario.yaml", station_it.scenario_yaml(mods))
    c.sim("--scenario", scen, "--control", fifo, expect_links=len(mods),
          speed=station_it.SCEN_SPEED)
    targets = [t for t in targets if t["family"] in ("RG50xQ", "EG06xK", "EC200T")]
    for t in targets:  # the hung ones are at their target: PASS once they answer
        if t["family"] != "EC200T":
            t.update(to=FAMILIES[t["family"]]["to"])
    # off 5 s: longer than the harness's re-enumeration (at most 3 s for the host
    # to read what is queued), as a real port's links are gone at once
    job = c.write("job.yaml", station_it.job_yaml(
        "usb-power", targets, timeouts={"probe": 4, "stall": 5, "reboot": 20, "total": 120})
        + "power:\n  max_cycles: 2\n  off: 5\n")
    r, rows = hub(c, ARGS.station, "run", "--job", job, "--db", c.db, "--ports",
                  "/dev/serial/by-path", "--profiles", os.path.join(ARGS.source, "profiles"),
                  "--no-dashboard", "--until-idle", "--log-dir", os.path.join(c.dir, "logs"),
                  timeout=180, control=fifo)
    check(r.returncode in (0, 1), f"station exit {r.returncode}: {r.stdout[-2000:]}{r.stderr[-2000:]}")
    power = [(e["tty"], e["data"]) for e in rows if e["kind"] == "P"]
    check([d for t, d in power if t == "1-1-port1"] == ["1", "0"],
          f"port 1: its disable file gets 1 then 0, once: {power}")
    check([d for t, d in power if t == "1-1-port4"] == ["1", "0", "1", "0"],
          f"port 4: two cycles, no third: {power}")
    check(not [p for p in power if p[0] in ("1-1-port2", "1-1-port3")],
          f"ports 2 (in its update) and 3 (no module) never switched: {power}")
    res = {row["model"]: row for row in c.rows()}
    hung = res.get(MODULES[1]["model"])
    check(hung and hung["result"] == "PASS" and hung["power_cycles"] == 1,
          f"the module hung until power-cycled: PASS, power_cycles 1: {hung}")
    dead = [row for row in c.rows() if row["power_cycles"] == 2]
    check(len(dead) == 1 and dead[0]["result"] == "FAIL"
          and dead[0]["error_text"] == "no answer to AT after 2 power cycles",
          f"the module hung for ever: FAIL after 2 cycles, with words: {c.rows()}")
    stalled = res.get(MODULES[2]["model"])
    check(stalled and stalled["result"] == "FAIL" and stalled["error_class"] == "timeout"
          and stalled["power_cycles"] == 0, f"stalled in its update, not cycled: {stalled}")


CASES = {"probe": case_probe, "run": case_run, "probe_wrong_mode": case_probe_wrong_mode,
         "run_wrong_mode": case_run_wrong_mode,
         "run_controller_budget": case_run_controller_budget, "power": case_power}


def main():
    global ARGS
    ap = station_it.arg_parser()
    ap.add_argument("--hub", required=True)
    ARGS = ap.parse_args()
    if not shutil.which("umockdev-run"):
        print("umockdev-run not found: USB tests skipped (scripts/install-deps.sh installs it)")
        sys.exit(77)
    station_it.run_cases(CASES, ARGS)


if __name__ == "__main__":
    main()
