#!/usr/bin/python3
"""fota-station asks ModemManager to leave each module alone during its attempt.

A private dbus-daemon plays the system bus (its address reaches the station as
DBUS_SYSTEM_BUS_ADDRESS, which sd-bus honours); fake_mm (fake_mm.c) owns
org.freedesktop.ModemManager1 on it and writes every InhibitDevice call to a file.
The real fota-station upgrades real fota-sim modules behind the umockdev hub of
tests/usb/ (usb_it.py), so each module's uid is the USB device's sysfs path the
emulated kernel shows. The results are read from the station's SQLite file.
Usage: mm_it.py --hub BIN --fake-mm BIN --station BIN --sim BIN --source DIR --work DIR [CASE...]
Exit 77 (skipped) when umockdev-run or dbus-daemon is missing.
"""
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, os.path.join(HERE, "..", "usb"))
import station_it  # noqa: E402
import usb_it  # noqa: E402
from station_it import check  # noqa: E402

ARGS = None
# What the emulated kernel shows for the USB device on hub port N (hub.umockdev).
UID = "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1.{port}"
REFUSED_PORT = 2  # the EC200T: ModemManager says no to it in case `inhibit`
# fake_mm answers this late in case `inhibit`: longer than the job's settle wait, so
# an `AT` that did not wait for the answer would show.
ANSWER_DELAY_S = 0.7


def uid(port):
    return UID.format(port=port)


def slot(port):
    return f"pci-0000:00:14.0-usb-0:1.{port}"


def epoch(iso):
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def bus(c):
    """A private dbus-daemon; returns its address."""
    p = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"],
                         stdout=subprocess.PIPE, text=True)
    c.procs.append(p)
    addr = p.stdout.readline().strip()
    check(addr.startswith("unix:"), f"dbus-daemon address: {addr!r}")
    return addr


def fake_mm(c, addr, *extra):
    """fake_mm on the bus at addr; returns its call log's path."""
    log, ready = os.path.join(c.dir, "mm-calls.tsv"), os.path.join(c.dir, "mm-ready")
    env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=addr)
    c.procs.append(subprocess.Popen([ARGS.fake_mm, "--log", log, "--ready", ready, *extra],
                                    env=env))
    end = time.time() + 10
    while not os.path.exists(ready):
        check(time.time() < end, "fake ModemManager did not own its name")
        time.sleep(0.02)
    return log


def calls(log):
    if not os.path.exists(log):
        return []
    with open(log) as f:
        return [dict(t=float(t), sender=s, uid=u, on=on == "1", outcome=o)
                for t, s, u, on, o in (line.rstrip("\n").split("\t") for line in f)]


class ReleaseWatch(threading.Thread):
    """Reads the database the moment each give-back (InhibitDevice(uid, false)) shows
    in the call log: the module's row must already carry its result then."""

    def __init__(self, c, log):
        super().__init__(daemon=True)
        self.c, self.log, self.seen, self.stop = c, log, {}, False

    def run(self):
        done = 0
        while not self.stop:
            cs = calls(self.log)
            for x in cs[done:]:
                if not x["on"] and x["outcome"] == "ok":
                    port = x["uid"].rsplit(".", 1)[1]
                    rows = [r for r in self.c.rows_now() if r["slot"] == slot(port)]
                    self.seen.setdefault(x["uid"], []).append(
                        [r["result"] for r in rows])
            done = len(cs)
            time.sleep(0.01)


def run_hub(c, addr, *extra):
    """The whole hub upgraded once by the station, with addr as its system bus."""
    usb_it.start_sim(c)
    _, targets = station_it.mixed_line_job(c)
    fams = {m["family"] for m in usb_it.MODULES.values()}
    job = c.write("job.yaml", station_it.job_yaml("mm", [t for t in targets if t["family"] in fams],
                                                  timeouts={"reboot": 20, "total": 120}))
    os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = addr  # usb-hub hands its environment on
    t0 = time.time()
    r, _ = usb_it.hub(c, ARGS.station, "run", "--job", job, "--db", c.db, "--ports",
                      "/dev/serial/by-path", "--profiles", os.path.join(ARGS.source, "profiles"),
                      "--no-dashboard", "--until-idle", *extra, timeout=120)
    with open(os.path.join(c.dir, "station.out"), "w") as f:
        f.write(r.stdout + r.stderr)
    check(r.returncode == 0, f"station exit {r.returncode}: {r.stdout[-3000:]}{r.stderr[-2000:]}")
    rows = c.rows()
    check(sorted(x["slot"] for x in rows) == sorted(slot(p) for p in usb_it.MODULES) and
          all(x["result"] == "PASS" for x in rows), f"one PASS per module: {rows}")
    print(f"  {c.name}: station ran {time.time() - t0:.1f}s")
    return r.stdout, rows


def told_once(out, words):
    n = sum(words in line for line in out.splitlines())
    check(n == 1, f"'{words}' told once in the log, {n} times:\n{out[-3000:]}")


def case_inhibit(c):
    """Each module's USB device is held from before the first `AT` to it (ModemManager
    answers late here) until its result is in the database, once; the device
    ModemManager refuses still PASSes; the FTDI adapter (no module) is never asked
    about; nothing is left to the disconnect."""
    addr = bus(c)
    log = fake_mm(c, addr, "--refuse", uid(REFUSED_PORT), "--delay-ms",
                  str(int(ANSWER_DELAY_S * 1000)))
    watch = ReleaseWatch(c, log)
    watch.start()
    out, rows = run_hub(c, addr)
    time.sleep(0.3)
    watch.stop = True
    watch.join()
    cs = calls(log)
    check(not [x for x in cs if x["uid"] == uid(3)], f"the FTDI adapter was asked about: {cs}")
    check(not [x for x in cs if x["outcome"] == "vanished"],
          f"every module given back before the station left the bus: {cs}")
    for port in usb_it.MODULES:
        row = [x for x in rows if x["slot"] == slot(port)][0]
        mine = [x for x in cs if x["uid"] == uid(port)]
        before = [x for x in mine if x["on"] and x["t"] <= epoch(row["started_at"])]
        check(len(before) == 1 and len([x for x in mine if x["on"] and
                                        x["t"] <= epoch(row["finished_at"])]) == 1,
              f"{slot(port)}: one hold before its attempt {row['started_at']}: {mine}")
        chosen = [line.split(" ", 1)[0] for line in out.splitlines()
                  if f" {slot(port)}: AT port " in line]
        check(chosen and epoch(chosen[0]) >= before[0]["t"] + ANSWER_DELAY_S - 0.05,
              f"{slot(port)}: its AT port chosen at {chosen[:1]}, before ModemManager's "
              f"answer ({before[0]['t']} + {ANSWER_DELAY_S}s)")
        if port == REFUSED_PORT:
            check(before[0]["outcome"].endswith("Unauthorized") and
                  not [x for x in mine if not x["on"]], f"refused, never given back: {mine}")
            continue
        check(before[0]["outcome"] == "ok", f"{slot(port)} held: {mine}")
        gives = [x for x in mine if not x["on"]]
        check(gives and gives[0]["outcome"] == "ok" and
              gives[0]["t"] >= epoch(row["finished_at"]), f"{slot(port)} given back after: {mine}")
        check(watch.seen.get(uid(port), [[None]])[0] == ["PASS"],
              f"{slot(port)}: its row had no result when it was given back: {watch.seen}")
        held = sum(1 if x["on"] else -1 for x in mine if x["outcome"] == "ok")
        check(held == 0, f"{slot(port)}: every hold given back: {mine}")
    told_once(out, "ModemManager: the station's user may not ask it")


def case_late(c):
    """ModemManager inhibits only a modem it has exported, after its own probe of the
    new module (here 2.5 s after the first request): the station asks again until it
    is held, holds it once, and gives it back after the result; every module PASSes."""
    addr = bus(c)
    log = fake_mm(c, addr, "--export-after-ms", "2500")
    watch = ReleaseWatch(c, log)
    watch.start()
    out, rows = run_hub(c, addr)
    time.sleep(0.3)
    watch.stop = True
    watch.join()
    cs = calls(log)
    for port in usb_it.MODULES:
        row = [x for x in rows if x["slot"] == slot(port)][0]
        mine = [x for x in cs if x["uid"] == uid(port)]
        asks = [x for x in mine if x["on"]]
        check(len(asks) >= 2 and all(x["outcome"].endswith("WrongState") for x in asks[:-1]) and
              asks[-1]["outcome"] == "ok" and asks[-1]["t"] - asks[0]["t"] >= 2.4 and
              asks[-1]["t"] < epoch(row["finished_at"]),
              f"{slot(port)}: asked until exported, then held once during the attempt: {mine}")
        gives = [x for x in mine if not x["on"]]
        check(len(gives) == 1 and gives[0]["outcome"] == "ok" and
              watch.seen.get(uid(port), [[None]])[0] == ["PASS"],
              f"{slot(port)}: given back once, after its result: {mine} {watch.seen}")
    check("ModemManager: was still probing" not in out, f"told as a failure: {out[-2000:]}")


def case_absent(c):
    """A system bus without ModemManager: told once, every module PASSes."""
    out, _ = run_hub(c, bus(c))
    told_once(out, "ModemManager: not running")


def case_off(c):
    """--no-modem-manager: ModemManager is never asked, every module PASSes."""
    addr = bus(c)
    log = fake_mm(c, addr)
    run_hub(c, addr, "--no-modem-manager")
    check(calls(log) == [], f"asked despite --no-modem-manager: {calls(log)}")


def case_unknown(c):
    """ModemManager does not know the devices (its discovery lags, or it ignores
    them): each is asked again a few times, told once, and every module PASSes."""
    addr = bus(c)
    log = fake_mm(c, addr, *[a for p in usb_it.MODULES for a in
                             ("--refuse", uid(p) + "=org.freedesktop.ModemManager1.Error.Core.NotFound")])
    out, _ = run_hub(c, addr)
    told_once(out, "ModemManager: does not manage this module")
    for port in usb_it.MODULES:
        mine = [x for x in calls(log) if x["uid"] == uid(port)]
        check(len(mine) >= 2 and all(x["on"] and x["outcome"].endswith("NotFound") for x in mine),
              f"{slot(port)}: asked again, never given back (never held): {mine}")


def case_no_bus(c):
    """No system bus at all: told once, every module PASSes."""
    out, _ = run_hub(c, "unix:path=" + os.path.join(c.dir, "no-bus-here"))
    told_once(out, "ModemManager: no system D-Bus")


def station_pid(c):
    """The station of this case (its --db is this case's file), or None."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if (argv and os.path.realpath(argv[0].decode(errors="replace")) ==
                os.path.realpath(ARGS.station) and c.db.encode() in argv):
            return int(pid)
    return None


def case_stop(c):
    """SIGTERM while the three modules are being upgraded: their attempts end
    INTERRUPTED, and each device is given back explicitly before the station leaves
    the bus (not by ModemManager noticing the departure); the exit is clean (1:
    interrupted attempts; a sanitizer report would change it)."""
    addr = bus(c)
    log = fake_mm(c, addr)
    usb_it.start_sim(c)
    _, targets = station_it.mixed_line_job(c)
    fams = {m["family"] for m in usb_it.MODULES.values()}
    job = c.write("job.yaml", station_it.job_yaml("mm", [t for t in targets if t["family"] in fams],
                                                  timeouts={"reboot": 20, "total": 120}))
    os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = addr
    stopped = []

    def stopper():
        end = time.time() + 60
        while time.time() < end:
            held = {x["uid"] for x in calls(log) if x["on"] and x["outcome"] == "ok"}
            rows = c.rows_now()
            pid = station_pid(c)
            if len(held) == len(usb_it.MODULES) and len(rows) == len(usb_it.MODULES) and pid:
                time.sleep(1)  # into the transfers
                os.kill(pid, signal.SIGTERM)
                stopped.append(time.time())
                return
            time.sleep(0.05)

    t = threading.Thread(target=stopper, daemon=True)
    t.start()
    r, _ = usb_it.hub(c, ARGS.station, "run", "--job", job, "--db", c.db, "--ports",
                      "/dev/serial/by-path", "--profiles", os.path.join(ARGS.source, "profiles"),
                      "--no-dashboard", "--until-idle", timeout=90)
    t.join()
    with open(os.path.join(c.dir, "station.out"), "w") as f:
        f.write(r.stdout + r.stderr)
    check(stopped, "the station never had its three modules held and started")
    check(r.returncode == 1, f"station exit {r.returncode}: {r.stdout[-3000:]}{r.stderr[-3000:]}")
    rows = c.rows()
    check(len(rows) == len(usb_it.MODULES) and all(x["result"] == "INTERRUPTED" for x in rows),
          f"three INTERRUPTED rows: {rows}")
    cs = calls(log)
    check(not [x for x in cs if x["outcome"] == "vanished"], f"given back explicitly: {cs}")
    for port in usb_it.MODULES:
        mine = [(x["on"], x["outcome"]) for x in cs if x["uid"] == uid(port)]
        check(mine == [(True, "ok"), (False, "ok")], f"{slot(port)}: held, then given back: {mine}")


CASES = {"inhibit": case_inhibit, "late": case_late, "absent": case_absent,
         "unknown": case_unknown,
         "off": case_off, "no_bus": case_no_bus, "stop": case_stop}


def main():
    global ARGS
    ap = station_it.arg_parser()
    ap.add_argument("--hub", required=True)
    ap.add_argument("--fake-mm", required=True)
    ARGS = ap.parse_args()
    for tool in ("umockdev-run", "dbus-daemon"):
        if not shutil.which(tool):
            print(f"{tool} not found: ModemManager tests skipped (scripts/install-deps.sh)")
            sys.exit(77)
    usb_it.ARGS = ARGS
    station_it.run_cases(CASES, ARGS)


if __name__ == "__main__":
    main()
