#!/usr/bin/python3
"""bench/speed.py: what fota-station adds to a module's own upgrade time.

A benchmark, not a test: it prints figures and never fails on them. Three parts
(each can be chosen with --parts):

  ratio  For each method (local, url, stream, qfua, qfaw), one fota-sim line of 1
         and of 64 modules (--ratio-sizes), upgraded twice in this run on fresh
         simulators of the same shape: once by `fota-station run --until-idle`
         (per-module time = attempts.duration_ms) and once by bench/peer's
         thread-per-port script (its own per-module time, same span: port open
         to verified revision). Figure: station / peer, mean per module.
  batch  1, 16, 64, 128, 256 modules (--batch-sizes) of mixed families and
         methods in one `run --until-idle`, fota-sim split over processes of at
         most --per-sim modules sharing one ports folder (distinct slots and
         IMEIs). Figures: batch wall time / the slowest module's duration_ms,
         and batch wall / the station's wall for the slowest kind run alone.
         Then the same line on fresh simulators, driven by one fota-peer per
         kind at once: station wall / peer wall.
  cost   For the batches of 128 and more: the station's CPU time / wall time
         while every module is in the update phase (from each module's log:
         last START to first END), its peak RSS (wait4 ru_maxrss), and the
         simulators' CPU share in the same window.

Usage: bench/speed.py [--speed 100] [--batch-speed 30] [--parts ratio,batch]
                      [--methods local,url,...] [--ratio-sizes 1,64]
                      [--batch-sizes 1,16,64,128,256] [--per-sim 64]
                      [--settle 0.3] [--peer-guard profile|sim] [--work DIR]
                      [--no-build] [--keep]
Builds build-bench/ (RelWithDebInfo, no sanitizers) and build-bench/peer/ first.
"""
import argparse
import http.server
import functools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "bench"))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import speed_lib as lib  # noqa: E402

# method -> (family, package kind, package size) for the ratio runs; the
# dialogue for each is the one the station's transcripts show (bench/README.md).
RATIO_METHODS = {
    "local": ("RG50xQ", "delta", 20000),
    "url": ("RG50xQ", "delta", 20000),
    "stream": ("EC200T", "full", 12000),
    "qfua": ("legacy-GSM", "delta", 8000),
    "qfaw": ("legacy-GSM", "delta", 4000),
}


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--speed", type=float, default=100, help="fota-sim --speed of the ratio runs")
    ap.add_argument("--batch-speed", type=float, default=30, help="fota-sim --speed of the batches")
    ap.add_argument("--parts", default="ratio,batch")
    ap.add_argument("--methods", default=",".join(RATIO_METHODS))
    ap.add_argument("--ratio-sizes", default="1,64")
    ap.add_argument("--batch-sizes", default="1,16,64,128,256")
    ap.add_argument("--per-sim", type=int, default=64, help="modules per fota-sim process (batches)")
    ap.add_argument("--no-peer-batch", dest="peer_batch", action="store_false",
                    help="skip the peer's run of each batch")
    ap.add_argument("--settle", default="0.3", help="job timeouts.ports_settle (s)")
    ap.add_argument("--peer-guard", choices=("profile", "sim"), default="profile",
                    help="the peer's qfua guard: the profile's guard_ms or fota-sim's at --speed")
    ap.add_argument("--work", default=None)
    ap.add_argument("--build-dir", default=os.path.join(REPO, "build-bench"))
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--keep", action="store_true")
    return ap.parse_args()


def build(bdir):
    def run(*cmd):
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    run("cmake", "-S", REPO, "-B", bdir, "-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DFOTA_TESTS=OFF",
        "-DFOTA_SANITIZE=OFF")
    run("cmake", "--build", bdir, "-j2", "--target", "fota-station", "fota-sim")
    run("cmake", "-S", os.path.join(REPO, "bench", "peer"), "-B", os.path.join(bdir, "peer"),
        "-DCMAKE_BUILD_TYPE=RelWithDebInfo")
    run("cmake", "--build", os.path.join(bdir, "peer"))


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a):
        pass


def serve(root):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                          functools.partial(QuietHandler, directory=root))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}"


def peer_cmd(env, ports, t, speed, links=None):
    """fota-peer for one target (family, method, to, pkg, url)."""
    # qfua guard time. "profile" (the default): the profile's guard_ms, as a factory
    # script written from the same application note would wait, so station and peer
    # run the same dialogue. "sim": fota-sim's own guard at this speed with a margin,
    # a peer tuned to the simulator (its reads lag behind the rate when many modules
    # are busy, and a "+++" that comes too soon after them is package data: 3 of 32
    # qfua modules of a 256 batch were lost that way with 25 % + 10 ms).
    if env.args.peer_guard == "profile":
        guard_ms = lib.profile_guard_ms(t["family"])
    else:
        guard_ms = int(max(1000.0 / speed, 20) * 2) + 50
    # The legacy data rate at this speed, with a margin: the pty reports nothing
    # queued, so the peer computes when the bytes are on the simulated UART.
    cmd = [env.peer, "--ports", ports, "--family", t["family"], "--method", t["method"],
           "--to", t["to"], "--package", t["pkg"], "--name", os.path.basename(t["pkg"]),
           "--guard-ms", str(guard_ms), "--line-rate", f"{0.8 * 11520 * speed:g}",
           "--timeout", "120"]
    if t.get("url"):
        cmd += ["--url", t["url"]]
    if links:
        cmd += ["--links", links]
    return cmd


def peer_times(out):
    """PASS modules' durations (ms) from fota-peer's output."""
    rows = [l.split("\t") for l in out.splitlines() if l.startswith("PEER\t")]
    return [int(r[4]) for r in rows if r[3] == "PASS"]


def peer_batch(env, d, kinds, sim_args, speed):
    """The same mixed line on fresh simulators, driven by one fota-peer per kind at
    once: wall time from the first start to the last exit, and the slowest module."""
    sims = env.start_sims(d, "peer", sim_args, speed, len(kinds))
    ports = os.path.join(d, "ports-peer")
    procs = []
    t0 = time.time()
    for k, t in enumerate(lib.batch_targets(env)):
        mine = [os.path.join(ports, m["slot"]) for i, m in enumerate(kinds)
                if i % len(lib.BATCH_KINDS) == k]
        if not mine:
            continue
        links = os.path.join(d, f"peer-links-{k}.txt")
        with open(links, "w") as f:
            f.write("\n".join(mine) + "\n")
        t = dict(t, family=lib.BATCH_KINDS[k][1])
        procs.append(subprocess.Popen(peer_cmd(env, ports, t, speed, links),
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    outs = [p.communicate()[0] for p in procs]
    wall = time.time() - t0
    env.stop_sims(sims)
    with open(os.path.join(d, "peer.out"), "w") as f:
        f.write("".join(outs))
    ms = [x for o in outs for x in peer_times(o)]
    return dict(peer_wall=wall, peer_slowest=max(ms, default=0) / 1000.0, peer_pass=len(ms))


def ratio_case(env, method, n, speed):
    """One method, n modules: station run, then the peer on a fresh simulator."""
    family, kind, size = RATIO_METHODS[method]
    fam = lib.FAMILIES[family]
    d = os.path.join(env.work, f"ratio-{method}-{n}")
    os.makedirs(d)
    pkg = env.mkpkg(family, None if kind == "full" else fam["rev"], fam["to"], size,
                    f"{family}-{method}.bin".lower())
    url = f"{env.http}/{os.path.basename(pkg)}" if method == "url" else None
    target = dict(family=family, to=fam["to"], method=method, pkg=pkg, url=url)
    # station
    sims = env.start_sims(d, "st", [["--count", str(n), "--family", family]], speed, n)
    job = lib.job_yaml(f"ratio-{method}", [target], n, env.args.settle)
    st = env.station(d, job)
    env.stop_sims(sims)
    st_ms = [r["duration_ms"] for r in st["rows"] if r["result"] == "PASS"]
    # peer, fresh simulator of the same shape
    sims = env.start_sims(d, "peer", [["--count", str(n), "--family", family]], speed, n)
    p = subprocess.run(peer_cmd(env, os.path.join(d, "ports-peer"), dict(target, **fam), speed),
                       capture_output=True, text=True)
    env.stop_sims(sims)
    peer_ms = peer_times(p.stdout)
    with open(os.path.join(d, "peer.out"), "w") as f:
        f.write(p.stdout + p.stderr)
    return dict(method=method, family=family, n=n, st_pass=len(st_ms), peer_pass=len(peer_ms),
                st_mean=statistics.mean(st_ms) if st_ms else None,
                peer_mean=statistics.mean(peer_ms) if peer_ms else None,
                st_max=max(st_ms, default=None), peer_max=max(peer_ms, default=None))


def batch_case(env, n, speed, peer=True, tag="", first=0):
    d = os.path.join(env.work, f"batch-{n}{tag}")
    os.makedirs(d)
    kinds = lib.batch_kinds(env, n, first)
    sim_args = []
    for k, chunk in enumerate(lib.chunks(kinds, env.args.per_sim)):
        scen = os.path.join(d, f"sim-{k}.yaml")
        with open(scen, "w") as f:
            f.write(lib.scenario_yaml(chunk))
        sim_args.append(["--scenario", scen])
    sims = env.start_sims(d, "st", sim_args, speed, n)
    job = lib.job_yaml(f"batch-{n}", lib.batch_targets(env), n, env.args.settle)
    st = env.station(d, job, sample=[s.pid for s in sims])
    env.stop_sims(sims)
    rows = st["rows"]
    worst = max(rows, key=lambda r: r["duration_ms"] or 0,
                default=dict(duration_ms=0, model="no row", method=f"(station exit {st['rc']})"))
    slowest = (worst["duration_ms"] or 0) / 1000.0 or float("nan")
    res = dict(n=n, sims=len(sims), wall=st["wall"], slowest=slowest,
               slowest_kind=f"{worst['model']} {worst['method']}",
               passed=sum(r["result"] == "PASS" for r in rows), rows=len(rows),
               cpu=st["cpu"], maxrss_kb=st["maxrss_kb"])
    res.update(lib.update_window_cost(os.path.join(d, "logs"), st["samples"], len(sims)))
    if peer and env.args.peer_batch:
        res.update(peer_batch(env, d, kinds, sim_args, speed))
    return res


def main():
    args = parse_args()
    if not args.no_build:
        build(args.build_dir)
    work = args.work or tempfile.mkdtemp(prefix="fota-speed.")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.join(work, "packages"))
    srv, base = serve(os.path.join(work, "packages"))
    env = lib.Env(args, work, base)
    print(lib.machine_line())
    parts = args.parts.split(",")
    t0 = time.time()
    try:
        if "ratio" in parts:
            print(f"\n## per-module time, station / peer (fota-sim --speed {args.speed:g})\n")
            print(lib.RATIO_HEAD)
            for n in [int(x) for x in args.ratio_sizes.split(",")]:
                for m in args.methods.split(","):
                    print(lib.ratio_row(ratio_case(env, m, n, args.speed)), flush=True)
        if "batch" in parts:
            print(f"\n## batch overhead and station cost (fota-sim --speed {args.batch_speed:g}, "
                  f"at most {args.per_sim} modules per fota-sim)\n")
            # Reference: one module of each of the 8 kinds, so every kind's own time
            # with next to nothing else running, measured in this run.
            ref = batch_case(env, len(lib.BATCH_KINDS), args.batch_speed, peer=False, tag="-ref")
            print(f"reference: {len(lib.BATCH_KINDS)} modules, one of each kind: slowest "
                  f"{ref['slowest']:.2f} s ({ref['slowest_kind']}), wall {ref['wall']:.2f} s\n")
            # The slowest kind of the reference run alone through the station: what
            # a batch costs beyond its slowest module, start-up and exit included.
            kind = next(i for i, k in enumerate(lib.BATCH_KINDS)
                        if ref["slowest_kind"].startswith(k[0]))
            alone = batch_case(env, 1, args.batch_speed, peer=False, tag="-alone", first=kind)
            print(f"alone: one {alone['slowest_kind']}: own time {alone['slowest']:.2f} s, "
                  f"station wall {alone['wall']:.2f} s\n")
            print(lib.BATCH_HEAD)
            for n in [int(x) for x in args.batch_sizes.split(",")]:
                print(lib.batch_row(batch_case(env, n, args.batch_speed), ref, alone), flush=True)
    finally:
        env.close()
        srv.shutdown()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept {work}")
    print(f"\n{lib.machine_line()}\nbench/speed.py took {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
