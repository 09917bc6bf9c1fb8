#!/usr/bin/python3
"""bench/stream.py: how fast the station pushes one big package into many modules.

A benchmark, not a test: it prints Markdown rows and never fails on them.

For each method (--methods; local = AT+QFUPL ack mode on RG50xQ, stream = FILE:
on EC200T, qfua and qfaw on legacy-GSM) and each repeat (--repeat), N modules
(--modules, 32) of one `fota-sim --count N --speed S --data-rate max` line (the
simulated modules read data as fast as the pty delivers it) receive the same
package (--size, 32 MiB; qfaw --qfaw-size) at once:

  station   `fota-station run --until-idle` under `/usr/bin/time -v`. Its transfer
            window runs from the first module's first data byte to the last
            module's last one, read from the per-module logs (local: the upload's
            CONNECT to "upload verified"; stream/qfua: "streaming"/"sending" to
            "all N bytes written"; qfaw: the first AT+QFAW to AT+QFAU).
  yardstick bench/stream_writer.c on a fresh fota-sim of the same shape, in the
            same run: one poll() loop of plain write()s (stream, qfua: the pipe's
            limit), or the same one-round-trip-per-block/chunk handshake and
            nothing else (local, qfaw: the round-trip bound). Same window points.

Figure: aggregate throughput (N x package bytes / window), station / yardstick.
Then the station's peak RSS (time -v "Maximum resident set size") for 1 module
and for N modules of each data method: the package is held once, so N modules
must not cost N packages.

Usage: bench/stream.py [--modules 32] [--size 33554432] [--qfaw-size 1048576]
                       [--methods local,stream,qfua,qfaw] [--repeat 3] [--write-bytes 4096]
                       [--speed 1000] [--no-rss] [--build-dir DIR] [--no-build]
                       [--station BIN]
                       [--work DIR] [--keep]
Builds DIR (default build-stream-rel, Release) with fota-station and fota-sim, and
DIR/stream-writer with cc -O2.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "bench"))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import speed_lib as lib  # noqa: E402

# method -> family, package kind (delta: from the family's revision; full: none)
METHODS = {
    "local": ("RG50xQ", "delta"),
    "stream": ("EC200T", "full"),
    "qfua": ("legacy-GSM", "delta"),
    "qfaw": ("legacy-GSM", "delta"),
}
# The station's per-module log: the first and the last data-phase line.
WINDOW = {
    "local": (re.compile(r" info uploading \d+ bytes"), re.compile(r" info upload verified")),
    "stream": (re.compile(r" info streaming \d+ bytes"), re.compile(r" info all \d+ bytes written")),
    "qfua": (re.compile(r" info sending \d+ bytes in data mode"), re.compile(r" info all \d+ bytes written")),
    "qfaw": (re.compile(r" tx +AT\+QFAW="), re.compile(r" tx +AT\+QFAU")),
}


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--modules", type=int, default=32)
    ap.add_argument("--size", type=int, default=32 << 20, help="package bytes (local, stream, qfua)")
    ap.add_argument("--qfaw-size", type=int, default=1 << 20, help="package bytes for qfaw")
    ap.add_argument("--methods", default="local,stream,qfua,qfaw")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--write-bytes", type=int, default=4096,
                    help="bytes per write() of the plain writer (stream, qfua)")
    ap.add_argument("--speed", type=float, default=1000, help="fota-sim --speed (module delays)")
    ap.add_argument("--no-rss", dest="rss", action="store_false", help="skip the 1-module RSS runs")
    ap.add_argument("--build-dir", default=os.path.join(REPO, "build-stream-rel"))
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--station", default=None,
                    help="another fota-station binary (a before/after comparison)")
    ap.add_argument("--work", default=None)
    ap.add_argument("--keep", action="store_true")
    return ap.parse_args()


def build(bdir):
    def run(*cmd):
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    run("cmake", "-S", REPO, "-B", bdir, "-DCMAKE_BUILD_TYPE=Release")
    run("cmake", "--build", bdir, "-j2", "--target", "fota-station", "fota-sim")
    run("cc", "-O2", "-std=c11", "-Wall", "-Wextra", "-o", os.path.join(bdir, "stream-writer"),
        os.path.join(REPO, "bench", "stream_writer.c"))


def job_yaml(t, n):
    return "\n".join([
        "name: stream", "station: bench", "targets:",
        f"  - {{family: {t['family']}, to: {t['to']}, method: {t['method']}, "
        f"packages: [{{{t['from_kv']}to: \"{t['to']}\", file: \"{t['pkg']}\"}}]}}",
        f"limits: {{max_parallel: {n}, max_transfers: {n}, max_per_hub: 0, "
        "stop_after_same_failures: 0}",
        "timeouts: {command: 30, reboot: 60, download: 1800, stall: 120, total: 3600, "
        "ports_settle: 0.3}", ""])


def time_v(path):
    """(peak RSS KiB, user+sys s) from a `/usr/bin/time -v -o` file."""
    txt = open(path).read()
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", txt).group(1))
    cpu = sum(float(x) for x in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", txt))
    return rss, cpu


def log_window(logdir, method):
    """(first data-phase start, last data-phase end, modules with both) over the logs."""
    first_re, last_re = WINDOW[method]
    starts, ends = [], []
    for name in sorted(os.listdir(logdir)) if os.path.isdir(logdir) else []:
        s = e = None
        with open(os.path.join(logdir, name), errors="replace") as f:
            for line in f:
                if s is None and first_re.search(line):
                    s = lib._log_time(line)
                elif s is not None and last_re.search(line):
                    e = lib._log_time(line)
                    break
        if s is not None and e is not None:
            starts.append(s)
            ends.append(e)
    return (min(starts), max(ends), len(starts)) if starts else (None, None, 0)


def station_case(env, d, t, n):
    sims = env.start_sims(d, "st", [["--count", str(n), "--family", t["family"],
                                     "--data-rate", "max"]], env.args.speed, n)
    job = os.path.join(d, "job.yaml")
    with open(job, "w") as f:
        f.write(job_yaml(t, n))
    tv = os.path.join(d, "time-v.txt")
    cmd = ["/usr/bin/time", "-v", "-o", tv, env.station_bin, "run", "--job", job,
           "--ports", os.path.join(d, "ports-st"), "--profiles", lib.PROFILES,
           "--db", os.path.join(d, "results.db"), "--until-idle", "--no-dashboard",
           "--log-dir", os.path.join(d, "logs")]
    with open(os.path.join(d, "station.log"), "wb") as log:
        rc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, timeout=3600).returncode
    env.stop_sims(sims)
    rss, cpu = time_v(tv)
    a, b, got = log_window(os.path.join(d, "logs"), t["method"])
    rows = sqlite_results(os.path.join(d, "results.db"))
    return dict(rc=rc, rss_kb=rss, cpu=cpu, win=(b - a) if a else None, got=got,
                passed=sum(r == "PASS" for r in rows))


def sqlite_results(db):
    import sqlite3
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        rows = [r[0] for r in con.execute("SELECT result FROM attempts")]
        con.close()
        return rows
    except sqlite3.Error:
        return []


def writer_case(env, d, t, n):
    sims = env.start_sims(d, "w", [["--count", str(n), "--family", t["family"],
                                    "--data-rate", "max"]], env.args.speed, n)
    ports = os.path.join(d, "ports-w")
    links = sorted(os.path.join(ports, e) for e in os.listdir(ports) if e[0] != ".")
    tv = os.path.join(d, "writer-time-v.txt")
    cmd = ["/usr/bin/time", "-v", "-o", tv, env.writer, "-m", t["method"], "-p", t["pkg"],
           "-n", os.path.basename(t["pkg"]), "-g", "100",
           "-w", str(env.args.write_bytes), *links]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    with open(os.path.join(d, "writer.out"), "w") as f:
        f.write(p.stdout + p.stderr)
    env.stop_sims(sims)
    rows = [l.split() for l in p.stdout.splitlines() if l.startswith("port ")]
    if p.returncode != 0 or not rows:
        return dict(win=None, got=0, cpu=None)
    a = min(float(r[5]) for r in rows)
    b = max(float(r[7]) for r in rows)
    return dict(win=b - a, got=len(rows), cpu=time_v(tv)[1])


def target(env, method, size):
    family, kind = METHODS[method]
    fam = lib.FAMILIES[family]
    frm = None if kind == "full" else fam["rev"]
    pkg = env.mkpkg(family, frm, fam["to"], size, f"{method}-{size}.bin")
    return dict(family=family, method=method, to=fam["to"], pkg=pkg,
                from_kv=f"from: \"{frm}\", " if frm else "")


def load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


HEAD = ("| run | method (family) | modules × package | station window s | **station MB/s** "
        "| yardstick | yardstick window s | yardstick MB/s | **station / yardstick** "
        "| PASS | station CPU s (yardstick) | load before |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|")


def row(k, t, n, size, st, w, ld):
    total = n * os.path.getsize(t["pkg"])
    mbs = lambda win: total / win / 1e6 if win else None  # noqa: E731
    s, y = mbs(st["win"]), mbs(w["win"])
    kind = "round trip per block" if t["method"] == "local" else \
        "round trip per chunk" if t["method"] == "qfaw" else "plain writes"
    f = lambda x, fmt: "–" if x is None else format(x, fmt)  # noqa: E731
    return (f"| {k} | {t['method']} ({t['family']}) | {n} × {size / 1048576:g} MiB "
            f"| {f(st['win'], '.2f')} | **{f(s, '.2f')}** | {kind} | {f(w['win'], '.2f')} "
            f"| {f(y, '.2f')} | **{f(s / y if s and y else None, '.3f')}** "
            f"| {st['passed']}/{n} | {st['cpu']:.1f} ({f(w['cpu'], '.1f')}) | {ld} |")


def main():
    args = parse_args()
    if not args.no_build:
        build(args.build_dir)
    work = args.work or tempfile.mkdtemp(prefix="fota-stream.")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.join(work, "packages"))
    env = lib.Env(args, work, None)
    env.writer = os.path.join(args.build_dir, "stream-writer")
    if args.station:
        env.station_bin = os.path.abspath(args.station)
    methods = args.methods.split(",")
    print(lib.machine_line())
    t0 = time.time()
    rss = {}
    try:
        print(f"\n## aggregate throughput, station / yardstick (fota-sim --speed {args.speed:g} "
              "--data-rate max)\n")
        print(HEAD)
        for k in range(1, args.repeat + 1):
            for m in methods:
                size = args.qfaw_size if m == "qfaw" else args.size
                t = target(env, m, size)
                d = os.path.join(env.work, f"{m}-{args.modules}-{k}")
                os.makedirs(d)
                ld = load()
                st = station_case(env, d, t, args.modules)
                w = writer_case(env, d, t, args.modules)
                rss.setdefault(m, {})[args.modules] = st["rss_kb"]
                print(row(k, t, args.modules, size, st, w, ld), flush=True)
        if args.rss:
            print("\n## station peak RSS (/usr/bin/time -v), 1 module vs "
                  f"{args.modules} modules\n")
            print("| method | package MiB | RSS 1 module MiB | RSS "
                  f"{args.modules} modules MiB | growth MiB | growth / package |\n"
                  "|---|---|---|---|---|---|")
            for m in [x for x in methods if x != "qfaw"]:
                t = target(env, m, args.size)
                d = os.path.join(env.work, f"{m}-1")
                os.makedirs(d)
                one = station_case(env, d, t, 1)["rss_kb"]
                many = rss[m][args.modules]
                pk = os.path.getsize(t["pkg"]) / 1048576
                print(f"| {m} | {pk:.1f} | {one / 1024:.1f} | {many / 1024:.1f} "
                      f"| {(many - one) / 1024:.1f} | {(many - one) / 1024 / pk:.3f} |", flush=True)
    finally:
        env.close()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept {work}")
    print(f"\n{lib.machine_line()}\nbench/stream.py took {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
