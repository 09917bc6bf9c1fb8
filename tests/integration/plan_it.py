#!/usr/bin/python3
"""The plan before the line starts, and fota-sim for training.

- probe_job_matches_run: on a 16-module line (two families, revisions one, two and
  three deltas below the target, one at the target, one no chain starts from, two
  of a family the job has no target for), `probe --job` prints 16 plans; then
  `run --until-idle` on the same line, and each module's row matches its plan:
  to_version, method and package_names, or the FAIL class.
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


CASES = {k[5:]: v for k, v in dict(globals()).items() if k.startswith("case_")}


def main():
    global ARGS
    ARGS = it.arg_parser().parse_args()
    for k in ("station", "sim", "source", "work"):
        setattr(ARGS, k, os.path.abspath(getattr(ARGS, k)))
    it.run_cases(CASES, ARGS)


if __name__ == "__main__":
    main()
