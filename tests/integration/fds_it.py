#!/usr/bin/python3
"""A line the station's descriptors or buffers could not hold: a descriptor limit
lower than the modules' tty interfaces need at once, and slot names as long as a
link name may be (a deep hub chain). The real fota-station against fota-sim's hub
layout over real ptys.
Usage: fds_it.py --station BIN --sim BIN --source DIR --work DIR CASE...
"""
import os
import re
import resource
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import station_it as it  # noqa: E402
from hub_it import hub_slot, scenario, stop_sim  # noqa: E402
from station_it import FAMILIES, SCEN_SPEED, check, job_yaml, luhn_imei, mixed_line_job  # noqa: E402

ARGS = None


def run_station(c, job, nofile=None, timeout=200):
    """`run --until-idle`; with nofile, both the soft and the hard RLIMIT_NOFILE are
    set to it before exec, so the station's own raise to the hard limit cannot help."""
    def limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
    cmd = [ARGS.station, "run", "--job", job, "--db", c.db, "--ports", c.ports,
           "--profiles", os.path.join(ARGS.source, "profiles"), "--no-dashboard",
           "--no-modem-manager", "--until-idle"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                       preexec_fn=limit if nofile else None)
    with open(os.path.join(c.dir, "station.log"), "a") as f:
        f.write(f"$ {' '.join(cmd)} (nofile {nofile})\n{r.stdout}{r.stderr}rc={r.returncode}\n")
    return r


def base_need(c, job):
    """Descriptors the station holds before it sees any module, from its own start
    line over an empty ports folder (20 when it does not say)."""
    empty = os.path.join(c.dir, "empty")
    os.makedirs(empty, exist_ok=True)
    ports, c.ports = c.ports, empty
    r = run_station(c, job, timeout=60)
    c.ports = ports
    m = re.search(r"descriptors: limit \d+, (\d+) in use", r.stdout)
    return int(m[1]) if m else 20


def case_fd_limit(c):
    """8 modules with 4 tty interfaces each (32 links; while its AT port is chosen a
    module holds all four) under a descriptor limit 12 above what the station needs
    with no module: enough for every module's AT port, never for every interface at
    once. Contract: the limit is named in the log ("descriptors: limit N" at start,
    "too many open files: limit N" when an open fails for want of a descriptor), no
    port open is reported as an i/o error, no module is ignored or failed for it,
    and every module ends with one PASS row as descriptors free up: running
    attempts keep their port through every rescan of the ports folder."""
    n = 8
    pk, targets = mixed_line_job(c)
    mods = [{"family": "RG50xQ", "slot": hub_slot(i), "imei": luhn_imei(f"8601240{i:07d}"),
             "ports": "hub"} for i in range(n)]
    job = c.write("job.yaml", job_yaml("fd-limit", [t for t in targets if t["family"] == "RG50xQ"],
                                       limits={"max_parallel": 64, "max_per_hub": 8},
                                       timeouts={"reboot": 30, "total": 180,
                                                 "ports_settle": 3}))
    base = base_need(c, job)
    nofile = base + 12
    sim = c.sim("--scenario", c.write("scenario.yaml", scenario(mods)), expect_links=4 * n,
                speed=SCEN_SPEED)
    r = run_station(c, job, nofile=nofile)
    out = r.stdout + r.stderr
    check("i/o error" not in out and "ignored" not in out,
          "no port reads as an i/o error, no module is ignored:\n" +
          "\n".join(l for l in out.splitlines() if "i/o error" in l or "ignored" in l))
    check(r.returncode == 0, f"station exit {r.returncode}:\n{out[-3000:]}")
    rows = c.rows()
    check(sorted(x["slot"] for x in rows) == sorted(hub_slot(i) for i in range(n)),
          f"one row per module: {[(x['slot'], x['result'], x['error_text']) for x in rows]}")
    for x in rows:
        check(x["result"] == "PASS" and x["final_version"] == FAMILIES["RG50xQ"]["to"],
              f"PASS expected: {x['slot']} {x['result']} {x['error_class']} {x['error_text']}")
    check(f"descriptors: limit {nofile}," in out, f"the start line names the limit:\n{out[:1500]}")
    check(f"too many open files: limit {nofile}," in out,
          f"running short is said in those words:\n{out[-3000:]}")
    check("more modules on the line than descriptors for (about " in out,
          f"the line over its descriptor budget is said:\n{out[:2000]}")
    stop_sim(c, sim)


# A deep hub chain behind a platform controller: 231 bytes of hub port, 241 with
# the interface suffix, under the 255 a link name may have.
LONG_HUB = ("platform-fe9c0000.xhci-" + "soc@107c000000-" * 12 +
            "usb-0:1.2.3.4.5.6.7")


def case_long_names(c):
    """A module behind a hub port whose by-path names are over 200 bytes: it is
    upgraded and its row carries the whole slot name, not a cut one."""
    check(200 < len(LONG_HUB) and len(LONG_HUB) + len(":1.2-port0") <= 255,
          f"slot of {len(LONG_HUB)} bytes")
    pk, targets = mixed_line_job(c)
    mods = [{"family": "RG50xQ", "slot": LONG_HUB, "imei": luhn_imei("86012500000001"),
             "ports": "hub"}]
    sim = c.sim("--scenario", c.write("scenario.yaml", scenario(mods)), expect_links=4,
                speed=SCEN_SPEED)
    job = c.write("job.yaml", job_yaml("long-names", [t for t in targets if t["family"] == "RG50xQ"],
                                       timeouts={"reboot": 20, "total": 120, "ports_settle": 3}))
    r = run_station(c, job)
    out = r.stdout + r.stderr
    check(r.returncode == 0, f"station exit {r.returncode}:\n{out[-2000:]}")
    rows = c.rows()
    check(len(rows) == 1, f"one row: {[(x['slot'], x['result']) for x in rows]}\n{out[-2000:]}")
    check(rows[0]["slot"] == LONG_HUB, f"the whole slot name: {rows[0]['slot']!r}")
    check(rows[0]["result"] == "PASS", f"PASS: {rows[0]['result']} {rows[0]['error_text']}")
    stop_sim(c, sim)


CASES = {k[5:]: v for k, v in dict(globals()).items() if k.startswith("case_")}


def main():
    global ARGS
    ARGS = it.arg_parser().parse_args()
    it.run_cases(CASES, ARGS)


if __name__ == "__main__":
    main()
