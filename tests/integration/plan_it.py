#!/usr/bin/python3
"""The plan before the line starts, and fota-sim for training.

- probe_job_matches_run: on a 16-module line (two families, revisions one, two and
  three deltas below the target, one at the target, one no chain starts from, two
  of a family the job has no target for), `probe --job` prints 16 plans; then
  `run --until-idle` on the same line, and each module's row matches its plan:
  to_version, method and package_names, or the FAIL class.
- sim_imei_base: `fota-sim --imei-base N` gives Luhn-valid IMEIs with serials N,
  N+1, ...; a second batch with another base is new modules to the station (a row
  each), where two batches without it would be the same IMEIs again.
- sim_unplug_plug: `fota-sim --control FIFO`: `unplug 2` takes module 2's link away
  (a run upgrades only module 1), `plug 2` brings it back booted on a new pty, and
  the next run upgrades it; a bad command is refused in words, the line goes on.
Usage: plan_it.py --station BIN --sim BIN --source DIR --work DIR CASE...
"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import station_it as it  # noqa: E402
from station_it import (FAMILIES, SCEN_SPEED, check, hub_port, job_yaml,  # noqa: E402
                        scenario_yaml, slot_name)

ARGS = None


def rg(x):
    return f"RG500QEAAAR11{x}M4G"


def probe_plan(c, job):
    """`probe --job` on the line: {slot: plan text}."""
    r = subprocess.run([ARGS.station, "probe", "--ports", c.ports, "--profiles",
                        os.path.join(ARGS.source, "profiles"), "--job", job],
                       capture_output=True, text=True, timeout=60)
    with open(os.path.join(c.dir, "probe.txt"), "w") as f:
        f.write(r.stdout + r.stderr)
    check(r.returncode == 0, f"probe --job exit {r.returncode}: {r.stdout}{r.stderr}")
    head = r.stdout.find("\nplan for job ")
    check(head >= 0, f"no plan printed: {r.stdout}")
    lines = r.stdout[head:].splitlines()[3:]
    return {ln.split(None, 1)[0]: ln.split(None, 1)[1] for ln in lines if ln.strip()}


def case_probe_job_matches_run(c):
    eg = FAMILIES["EG06xK"]
    pk = {}
    for frm, to in (("A04", "A05"), ("A05", "A06"), ("A06", "A07")):
        pk[frm] = c.mkpkg("RG50xQ", rg(frm), rg(to), f"rg-{frm.lower()}-{to.lower()}.zip")[0]
    eg_pkg = c.mkpkg("EG06xK", eg["rev"], eg["to"], "eg-a01-a02.zip")[0]
    targets = [dict(family="RG50xQ", to=rg("A07"), method="local",
                    packages=[{"from": rg(f), "to": rg(t), "file": pk[f]}
                              for f, t in (("A04", "A05"), ("A05", "A06"), ("A06", "A07"))]),
               dict(family="EG06xK", to=eg["to"], method="local",
                    packages=[{"from": eg["rev"], "to": eg["to"], "file": eg_pkg}])]
    # (family, model, revision, expected plan)
    line = ([("RG50xQ", "RG500Q-EA", rg("A06"), "1 hop")] * 3 +
            [("RG50xQ", "RM500Q-GL", rg("A06"), "1 hop")] +
            [("RG50xQ", "RG500Q-EA", rg("A05"), "2 hops")] * 2 +
            [("RG50xQ", "RG500Q-EA", rg("A04"), "3 hops")] * 2 +
            [("RG50xQ", "RG500Q-EA", rg("A07"), "noop"),
             ("RG50xQ", "RG500Q-EA", rg("A03"), "no_package")] +
            [("EG06xK", "EG065K-NA", eg["rev"], "1 hop")] * 4 +
            [("EC200T", "EC200T-CN", FAMILIES["EC200T"]["rev"], "unknown_model")] * 2)
    check(len(line) == 16, "16 modules")
    mods = [{"family": f, "model": m, "revision": rev, "slot": slot_name(i)}
            for i, (f, m, rev, _) in enumerate(line)]
    c.sim("--scenario", c.write("scenario.yaml", scenario_yaml(mods)), expect_links=16,
          speed=SCEN_SPEED)
    job = c.write("job.yaml", job_yaml("plan-16", targets,
                                       limits={"max_parallel": 16, "max_per_hub": 0,
                                               "stop_after_same_failures": 0},
                                       timeouts={"reboot": 8, "total": 120}))
    plans = probe_plan(c, job)
    slots = [hub_port(m["slot"]) for m in mods]
    check(sorted(plans) == sorted(slots), f"16 plans, one per module: {plans}")
    c.station(job, "--until-idle", check_rc=1)
    rows = {r["slot"]: r for r in c.rows()}
    check(len(rows) == 16, f"16 rows: {sorted(rows)}")
    for slot, (fam, model, rev, want) in zip(slots, line):
        p, r = plans[slot], rows[slot]
        what = (f"{slot} {model} {rev}: plan '{p}', run {r['result']} {r['error_class']} "
                f"to {r['to_version']} by {r['method']} [{r['package_names']}]")
        m = re.fullmatch(r"upgrade to (\S+) by (\S+): (.*)  \[packages: (\S+)\]", p)
        if m:
            hops = len(m[4].split(","))
            check(want == f"{hops} hop{'s' if hops > 1 else ''}", f"expected {want}: {what}")
            check(m[3].split(" -> ")[0] == rev and m[3].split(" -> ")[-1] == m[1], what)
            check(r["result"] == "PASS" and r["noop"] == 0 and
                  (r["to_version"], r["method"], r["package_names"]) == (m[1], m[2], m[4]), what)
            check(r["final_version"] == m[1], what)
        elif p.startswith("nothing to do: already at "):
            check(want == "noop" and r["result"] == "PASS" and r["noop"] == 1 and
                  p.split()[5] == r["to_version"], what)
        else:
            m = re.match(r"FAIL (\w+): ", p)
            check(m and m[1] == want, f"expected {want}: {what}")
            check(r["result"] == "FAIL" and r["error_class"] == m[1], what)


def probe_json(c):
    import json
    r = subprocess.run([ARGS.station, "probe", "--ports", c.ports, "--profiles",
                        os.path.join(ARGS.source, "profiles"), "--json"],
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, f"probe exit {r.returncode}: {r.stderr}")
    return json.loads(r.stdout)


def noop_job(c, fam):
    f = FAMILIES[fam]
    return c.write("job.yaml", job_yaml("noop", [dict(family=fam, to=f["rev"], method="url",
                                                      url="http://127.0.0.1:9/x.bin")]))


def case_sim_imei_base(c):
    job = noop_job(c, "EG06xK")
    seen = []
    for base in (424242, 424245):
        sim = c.sim("--count", "3", "--family", "EG06xK", "--imei-base", str(base), expect_links=3)
        imeis = sorted(m["imei"] for m in probe_json(c))
        check([i[8:14] for i in imeis] == [f"{base + k:06d}" for k in range(3)],
              f"--imei-base {base}: serials {imeis}")
        check(all(it.luhn_imei(i[:14]) == i for i in imeis), f"Luhn-valid: {imeis}")
        c.station(job, "--until-idle", check_rc=0)
        c.stop(sim)
        seen += imeis
    rows = c.rows()
    check(len(rows) == 6 and sorted(r["imei"] for r in rows) == sorted(seen) and
          len(set(seen)) == 6, f"two batches, six modules: {[r['imei'] for r in rows]}")
    check(all(r["result"] == "PASS" for r in rows), "all PASS")
    bad = subprocess.run([ARGS.sim, "--ports", c.ports, "--count", "5", "--family", "EG06xK",
                          "--imei-base", "999998"], capture_output=True, text=True, timeout=10)
    check(bad.returncode == 2 and "no serial number for 5 modules" in bad.stderr,
          f"a base too high is refused: {bad.returncode} {bad.stderr}")


def case_sim_unplug_plug(c):
    fam = FAMILIES["RG50xQ"]
    job = it.local_job(c, "unplug", timeouts={"reboot": 10, "total": 60})
    ctl = os.path.join(c.dir, "control.fifo")
    c.sim("--count", "2", "--family", "RG50xQ", "--control", ctl, "--verbose", expect_links=2)
    links = sorted(os.listdir(c.ports))

    def say(line):
        with open(ctl, "w") as f:
            f.write(line + "\n")

    def wait_links(want):
        import time
        end = time.time() + 15
        while time.time() < end:
            if sorted(e for e in os.listdir(c.ports) if not e.startswith(".")) == want:
                return
            time.sleep(0.05)
        raise it.Fail(f"links {sorted(os.listdir(c.ports))}, expected {want}")

    say("unplug 2")
    wait_links(links[:1])
    say("unplug 7")
    say("replug 1")
    c.station(job, "--until-idle", check_rc=0)
    rows = c.rows()
    check([(hub_port(links[0]), "PASS", fam["to"])] == [(r["slot"], r["result"], r["final_version"])
                                                         for r in rows],
          f"only module 1 upgraded while 2 is unplugged: {rows}")
    say("plug 2")
    wait_links(links)
    c.station(job, "--until-idle", check_rc=0)
    rows = c.rows()[1:]
    got = sorted((r["slot"], r["result"], r["noop"], r["final_version"]) for r in rows)
    check(got == [(hub_port(links[0]), "PASS", 1, fam["to"]), (hub_port(links[1]), "PASS", 0, fam["to"])],
          f"module 2 back and upgraded, module 1 already done: {got}")
    with open(os.path.join(c.dir, "sim.log")) as f:
        log = f.read()
    for want in ("module 2 (" + links[1] + ") unplugged", "no module '7' (1..2 or a slot)",
                 "unknown command 'replug'", "module 2 (" + links[1] + ") plugged in"):
        check(want in log, f"fota-sim says {want!r}:\n{log[-3000:]}")


CASES = {k[5:]: v for k, v in dict(globals()).items() if k.startswith("case_")}


def main():
    global ARGS
    ARGS = it.arg_parser().parse_args()
    for k in ("station", "sim", "source", "work"):
        setattr(ARGS, k, os.path.abspath(getattr(ARGS, k)))
    it.run_cases(CASES, ARGS)


if __name__ == "__main__":
    main()
