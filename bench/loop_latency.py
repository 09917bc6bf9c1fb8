#!/usr/bin/env python3
"""Loop lateness and event latency of fota-station with N busy modules, on the normal
disk and with every fsync slowed (bench/slow_fsync_vfs.c). A benchmark, not a test:
it prints Markdown rows for bench/RESULTS.md and never fails.

Each station build given with --station LABEL=BUILD_DIR runs the same mixed line
(bench/speed_lib.py's batch of 8 kinds) on fresh simulators, once per disk, the builds
alternating so that they share the machine's load. Instruments (off in production):

- FOTA_LOOP_LAG_MS: a repeating uv_timer in the station; its lateness p50/p99/max
  (station/io/loop_lag.c, printed at exit).
- FOTA_SIM_TRACE: fota-sim stamps each "+QIND: "FOTA","END",<code>" (legacy: "firmware
  update success/failed") as it writes it (CLOCK_REALTIME).
- FOTA_RESULTS_TRACE: the station stamps that transcript line and each final result
  when queued, when its transaction committed and when the loop learnt it
  (station/svc/results_trace.c).

Figures per run (p50 / p99 / max over the modules, ms):
- END read: END written by fota-sim -> its line queued by the station (the loop read it).
- END row: END written -> its transcript row committed (transcript lines are batched
  for up to FOTA_RESULTS_EVENT_AGE_MS on purpose, see station/results.h).
- verdict commit: the final result queued -> its row committed; "shown" -> the loop
  learnt it (the dashboard shows it then).
- END -> final row: END written -> final row committed. Between them the module
  reboots and the station verifies it (fota-sim's reboot time and the station's
  quiet window before verifying), so this is mostly the module's time. For an END
  with an error code the verdict is queued as the END is read: END read + verdict
  commit is then the whole latency.
- flushes: how many transactions, and their COMMIT time (p50 / max, ms: the fsyncs,
  plus a checkpoint now and then) next to the time their statements took.

A control run first: the station with no module at all for --idle-s seconds, so
the loop lateness that the machine's load alone causes is measured in the same run.

  bench/loop_latency.py --station before=/tmp/b --station after=build-loop-rel [--n 128]
"""
import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "bench"))

import speed_lib as lib  # noqa: E402
from speed import serve  # noqa: E402


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--station", action="append", required=True,
                    help="LABEL=BUILD_DIR (its station/fota-station; repeat to compare)")
    ap.add_argument("--sim-build", default=None, help="build dir of fota-sim (default: first station's)")
    ap.add_argument("--n", type=int, default=128)
    ap.add_argument("--speed", type=float, default=30)
    ap.add_argument("--per-sim", type=int, default=64)
    ap.add_argument("--settle", default="0.3")
    ap.add_argument("--slow-ms", type=int, default=50, help="SLOW_FSYNC_MS of the slow disk")
    ap.add_argument("--disks", default="normal,slow")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--lag-ms", type=int, default=5, help="FOTA_LOOP_LAG_MS period")
    ap.add_argument("--idle-s", type=float, default=8, help="control run: no module, seconds")
    ap.add_argument("--work", default=None)
    ap.add_argument("--keep", action="store_true")
    return ap.parse_args()


def build_vfs(work):
    out = os.path.join(work, "slow_fsync_vfs.so")
    subprocess.run(["cc", "-shared", "-fPIC", "-O2", os.path.join(REPO, "bench", "slow_fsync_vfs.c"),
                    "-o", out, "-lsqlite3"], check=True)
    return out


def pct(xs, q):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, int(q * len(xs) + 0.999999) - 1))]


def stats(xs):
    return f"{pct(xs, .5):.1f} / {pct(xs, .99):.1f} / {max(xs, default=float('nan')):.1f}"


def read_traces(d):
    ends = {}
    for path in [os.path.join(d, "sim.trace")]:
        if os.path.exists(path):
            for line in open(path):
                ns, imei, _, _ = line.split()
                ends[imei] = int(ns)  # the last END of the module
    pending, out, flights = {}, [], []
    path = os.path.join(d, "results.trace")
    for line in open(path) if os.path.exists(path) else []:
        if line.startswith("flight"):
            _, ops, _, apply_ns, commit_ns = line.split()
            flights.append((int(ops), int(apply_ns) * 1e-6, int(commit_ns) * 1e-6))
            continue
        what, h, imei, q, c, dl = line.split()
        q, c, dl = int(q), int(c), int(dl)
        if what == "end-event":
            pending[h] = (q, c)
        elif what == "finish":
            out.append(dict(imei=imei, end=ends.get(imei), ev=pending.pop(h, None), q=q, c=c, dl=dl))
    return out, flights


def lag_line(d):
    for line in open(os.path.join(d, "station.log"), errors="replace"):
        if line.startswith("loop lateness:"):
            return line.strip()[len("loop lateness: "):]
    return "(no loop lateness line)"


def figures(d):
    rows, flights = read_traces(d)
    ms = 1e-6
    read = [(r["ev"][0] - r["end"]) * ms for r in rows if r["ev"] and r["end"]]
    ev_row = [(r["ev"][1] - r["end"]) * ms for r in rows if r["ev"] and r["end"]]
    commit = [(r["c"] - r["q"]) * ms for r in rows]
    shown = [(r["dl"] - r["q"]) * ms for r in rows]
    whole = [(r["c"] - r["end"]) * ms for r in rows if r["end"]]
    fl = (f"{len(flights)}: COMMIT {pct([c for _, _, c in flights], .5):.1f} / "
          f"{max((c for _, _, c in flights), default=0):.1f}, statements "
          f"{pct([a for _, a, _ in flights], .5):.1f} / {max((a for _, a, _ in flights), default=0):.1f}")
    return dict(n=len(rows), read=read, ev_row=ev_row, commit=commit, shown=shown, whole=whole,
                lag=lag_line(d), flights=fl)


def idle_control(env, work, build, args):
    """The loop lateness of a station with nothing to do: what the load alone does."""
    d = os.path.join(work, "idle")
    os.makedirs(os.path.join(d, "ports"))
    with open(os.path.join(d, "job.yaml"), "w") as f:
        f.write(lib.job_yaml("idle", env.targets, 1, args.settle))
    env = dict(os.environ, FOTA_LOOP_LAG_MS=str(args.lag_ms))
    with open(os.path.join(d, "station.log"), "wb") as log:
        p = subprocess.Popen([os.path.join(build, "station", "fota-station"), "run", "--job",
                              os.path.join(d, "job.yaml"), "--ports", os.path.join(d, "ports"),
                              "--profiles", lib.PROFILES, "--db", os.path.join(d, "r.db"),
                              "--no-dashboard"], stdout=log, stderr=subprocess.STDOUT, env=env)
        time.sleep(args.idle_s)
        p.send_signal(signal.SIGTERM)
        p.wait(30)
    return lag_line(d)


def run_case(env, work, label, build, disk, vfs, args, k):
    d = os.path.join(work, f"{label}-{disk}-{k}")
    os.makedirs(d)
    kinds = lib.batch_kinds(env, args.n)
    sim_args = []
    for i, chunk in enumerate(lib.chunks(kinds, args.per_sim)):
        scen = os.path.join(d, f"sim-{i}.yaml")
        with open(scen, "w") as f:
            f.write(lib.scenario_yaml(chunk))
        sim_args.append(["--scenario", scen])
    os.environ["FOTA_SIM_TRACE"] = os.path.join(d, "sim.trace")
    sims = env.start_sims(d, "st", sim_args, args.speed, args.n)
    del os.environ["FOTA_SIM_TRACE"]
    env.station_bin = os.path.join(build, "station", "fota-station")
    os.environ["FOTA_LOOP_LAG_MS"] = str(args.lag_ms)
    os.environ["FOTA_RESULTS_TRACE"] = os.path.join(d, "results.trace")
    if disk == "slow":
        os.environ["LD_PRELOAD"] = vfs
        os.environ["SLOW_FSYNC_MS"] = str(args.slow_ms)
    try:
        load = open("/proc/loadavg").read().split()[0]
        st = env.station(d, lib.job_yaml(f"lat-{args.n}", env.targets, args.n, args.settle),
                         sample=[s.pid for s in sims])
    finally:
        for v in ("FOTA_LOOP_LAG_MS", "FOTA_RESULTS_TRACE", "LD_PRELOAD", "SLOW_FSYNC_MS"):
            os.environ.pop(v, None)
    env.stop_sims(sims)
    f = figures(d)
    passed = sum(r["result"] == "PASS" for r in st["rows"])
    fsync = f"{args.slow_ms} ms" if disk == "slow" else "normal"
    print(f"| {label} | {fsync} | {passed}/{args.n} | {load} | {f['lag']} | {stats(f['read'])} | "
          f"{stats(f['ev_row'])} | {stats(f['commit'])} | {stats(f['shown'])} | "
          f"{stats(f['whole'])} | {f['flights']} | {st['wall']:.1f} |", flush=True)


HEAD = ("| build | fsync | PASS | load (1 min) at start | loop lateness (uv_timer every "
        "FOTA_LOOP_LAG_MS) | END read ms p50/p99/max | END row committed ms | verdict queued -> "
        "committed ms | verdict queued -> shown ms | END -> final row committed ms | flushes: "
        "COMMIT ms p50 / max, statements ms p50 / max | wall s |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|")


def main():
    args = parse_args()
    builds = [s.split("=", 1) for s in args.station]
    work = args.work or tempfile.mkdtemp(prefix="fota-loop.")
    os.makedirs(os.path.join(work, "packages"), exist_ok=True)
    vfs = build_vfs(work)
    srv, base = serve(os.path.join(work, "packages"))
    ns = argparse.Namespace(build_dir=args.sim_build or builds[0][1], per_sim=args.per_sim,
                            settle=args.settle)
    env = lib.Env(ns, work, base)
    env.targets = lib.batch_targets(env)
    print(lib.machine_line())
    print(f"\n{args.n} modules (mixed line, fota-sim --speed {args.speed:g}, at most "
          f"{args.per_sim} per fota-sim), slow fsync = SLOW_FSYNC_MS {args.slow_ms}\n")
    t0 = time.time()
    for label, build in builds[:1]:
        print(f"control: {label} station with no module for {args.idle_s:g} s (load "
              f"{open('/proc/loadavg').read().split()[0]}): loop lateness "
              f"{idle_control(env, work, build, args)}\n")
    print(HEAD)
    try:
        for k in range(args.rounds):
            for disk in args.disks.split(","):
                for label, build in builds:
                    run_case(env, work, label, build, disk, vfs, args, k)
    finally:
        env.close()
        srv.shutdown()
    print(f"\n{lib.machine_line()}\nbench/loop_latency.py took {time.time() - t0:.0f} s"
          + (f", kept {work}" if args.keep else ""))
    if not args.keep:
        import shutil
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
