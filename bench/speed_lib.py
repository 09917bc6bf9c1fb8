"""bench/speed.py's helpers: simulators, jobs, the station run with /proc sampling,
and the table rows. Benchmark code, not a test."""
import datetime
import os
import re
import signal
import sqlite3
import subprocess
import threading
import time

# Each family as `fota-sim --count N --family F` creates it, and the delta's target.
FAMILIES = {
    "RG50xQ": dict(model="RG500Q-EA", rev="RG500QEAAAR11A06M4G", to="RG500QEAAAR11A07M4G"),
    "EG06xK": dict(model="EG065K-NA", rev="EG065KNAAAR01A01M4G", to="EG065KNAAAR01A02M4G"),
    "EC200T": dict(model="EC200T-CN", rev="EC200TCNTCNMAR02A01M16", to="EC200TCNTCNMAR02A02M16"),
    "legacy-GSM": dict(model="M95", rev="M95FAR02A08", to="M95FAR02A09"),
}

# The mixed line of the batches: module i is kind i % 8 (all families, every method).
BATCH_KINDS = [
    ("RG500Q-EA", "RG50xQ", "RG500QEAAAR11A06M4G", "RG500QEAAAR11A07M4G", "url"),
    ("RM505Q-AE", "RG50xQ", "RM505QAEAAR11A06M4G", "RM505QAEAAR11A07M4G", "local"),
    ("EG060K-EA", "EG06xK", "EG060KEAAAR01A01M4G", "EG060KEAAAR01A02M4G", "url"),
    ("EM060K-GL", "EG06xK", "EM060KGLAAR01A06M4G", "EM060KGLAAR01A07M4G", "local"),
    ("EC200T-CN", "EC200T", "EC200TCNTCNMAR02A01M16", "EC200TCNTCNMAR02A02M16", "stream"),
    ("UC200T-GL", "EC200T", "UC200TGLAAR02A01M16", "UC200TGLAAR02A02M16", "url"),
    ("M95", "legacy-GSM", "M95FAR02A08", "M95FAR02A09", "qfua"),
    ("M66", "legacy-GSM", "M66FAR01A11", "M66FAR01A12", "qfaw"),
]
BATCH_PKG_SIZE = 48000

# Update phase in a station log: its first line, and the line that ends it.
UPDATE_START = ('"START"', "firmware update is processing")
UPDATE_END = ('"END"', "firmware update success")

TICK = os.sysconf("SC_CLK_TCK")
PROFILES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "profiles")


def profile_guard_ms(family):
    """The qfua guard_ms of the shipped profile of this family (1000 if it has none)."""
    for name in os.listdir(PROFILES):
        with open(os.path.join(PROFILES, name)) as f:
            text = f.read()
        if re.search(rf"^family:\s*{re.escape(family)}\s*$", text, re.M):
            m = re.search(r"^\s*guard_ms:\s*(\d+)", text, re.M)
            return int(m.group(1)) if m else 1000
    return 1000


def machine_line():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"machine: nproc {os.cpu_count()}, {cpu}, load average {load}, {now}"


def luhn_imei(body14):
    total = 0
    for i, ch in enumerate(reversed(body14)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return body14 + str((10 - total % 10) % 10)


def chunks(seq, size):
    return [seq[i:i + size] for i in range(0, len(seq), size)]


def job_yaml(name, targets, n, settle):
    y = [f"name: {name}", "station: bench", "targets:"]
    for t in targets:
        sel = f"models: [{t['models']}]" if t.get("models") else f"family: {t['family']}"
        pkg = {"from": t.get("from"), "to": t["to"]}
        if t.get("url"):
            pkg["url"] = t["url"]
        else:
            pkg["file"] = t["pkg"]
        body = ", ".join(f'{k}: "{v}"' for k, v in pkg.items() if v)
        y.append(f"  - {{{sel}, to: {t['to']}, method: {t['method']}, packages: [{{{body}}}]}}")
    y.append(f"limits: {{max_parallel: {n}, max_transfers: {n}, max_per_hub: 0, "
             "stop_after_same_failures: 0}")
    y.append("timeouts: {command: 10, reboot: 60, download: 120, stall: 30, total: 600, "
             f"ports_settle: {settle}}}")
    return "\n".join(y) + "\n"


def batch_kinds(env, n, first=0):
    """n modules of the mixed line; module i is kind (first + i) % 8."""
    mods = []
    for i in range(n):
        model, family, rev, _, _ = BATCH_KINDS[(first + i) % len(BATCH_KINDS)]
        iface = 0 if family == "legacy-GSM" else 2
        slot = f"pci-0000:00:14.0-usb-0:1.{i // 4 + 1}.{i % 4 + 1}:1.{iface}"
        mods.append(dict(slot=slot, family=family, model=model, revision=rev,
                         imei=luhn_imei(f"35{i:012d}")))
    return mods


def batch_targets(env):
    targets = []
    for model, family, rev, to, method in BATCH_KINDS:
        pkg = env.mkpkg(family, rev, to, BATCH_PKG_SIZE, f"{model}.pkg")
        url = f"{env.http}/{os.path.basename(pkg)}" if method == "url" else None
        targets.append(dict(models=model.split("-")[0], to=to, method=method, pkg=pkg,
                            url=url, **{"from": rev}))
    return targets


def scenario_yaml(mods):
    y = ["name: bench", "modules:"]
    for m in mods:
        y.append(f'  - {{slot: "{m["slot"]}", family: {m["family"]}, model: {m["model"]}, '
                 f'revision: {m["revision"]}, imei: "{m["imei"]}"}}')
    return "\n".join(y) + "\n"


def proc_hwm_kb(pid):
    """Peak resident set (VmHWM) of a running process in KiB; wait4's ru_maxrss would
    also count the forking Python's pages before exec."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def proc_cpu(pid):
    """utime + stime of a process in seconds, None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK
    except (OSError, IndexError, ValueError):
        return None


class Env:
    """Paths, packages (made once), simulators and station runs of one bench run."""

    def __init__(self, args, work, http):
        self.args, self.work, self.http = args, work, http
        b = args.build_dir
        self.station_bin = os.path.join(b, "station", "fota-station")
        self.sim_bin = os.path.join(b, "sim", "fota-sim")
        self.peer = os.path.join(b, "peer", "fota-peer")
        self.procs = []

    def mkpkg(self, family, frm, to, size, name):
        out = os.path.join(self.work, "packages", name)
        if not os.path.exists(out):
            cmd = [self.sim_bin, "mkpkg", "--family", family, "--to", to, "--size", str(size),
                   "-o", out] + (["--from", frm] if frm else [])
            subprocess.run(cmd, check=True, capture_output=True)
        return out

    def start_sims(self, d, tag, argsets, speed, expect):
        ports = os.path.join(d, f"ports-{tag}")
        sims = []
        for k, extra in enumerate(argsets):
            log = open(os.path.join(d, f"sim-{tag}-{k}.log"), "wb")
            sims.append(subprocess.Popen([self.sim_bin, "--ports", ports, "--speed", f"{speed:g}",
                                          *extra], stdout=log, stderr=subprocess.STDOUT))
        self.procs += sims
        end = time.time() + 30
        while time.time() < end:
            if os.path.isdir(ports) and len([e for e in os.listdir(ports) if e[0] != "."]) >= expect:
                return sims
            time.sleep(0.05)
        raise RuntimeError(f"fota-sim did not publish {expect} ports in {ports}")

    def stop_sims(self, sims):
        for p in sims:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in sims:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def station(self, d, job_text, sample=()):
        job = os.path.join(d, "job.yaml")
        with open(job, "w") as f:
            f.write(job_text)
        db = os.path.join(d, "results.db")
        ports = [os.path.join(d, e) for e in os.listdir(d) if e.startswith("ports-st")][0]
        cmd = [self.station_bin, "run", "--job", job, "--ports", ports, "--profiles", PROFILES,
               "--db", db, "--until-idle", "--no-dashboard", "--log-dir", os.path.join(d, "logs")]
        log = open(os.path.join(d, "station.log"), "wb")
        t0 = time.time()
        p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        samples, stop, hwm = [], threading.Event(), [0]
        watchdog = threading.Timer(900, lambda: p.kill())
        watchdog.start()

        def sampler():
            while not stop.is_set():
                samples.append((time.time(), proc_cpu(p.pid), [proc_cpu(s) for s in sample]))
                hwm[0] = max(hwm[0], proc_hwm_kb(p.pid) or 0)
                stop.wait(0.2)
        th = threading.Thread(target=sampler, daemon=True)
        th.start()
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.time() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        stop.set()
        th.join()
        watchdog.cancel()
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        con.row_factory = sqlite3.Row
        rows = [dict(r) for r in con.execute("SELECT result, duration_ms, slot, model, method FROM attempts")]
        con.close()
        return dict(rows=rows, wall=wall, rc=p.returncode, cpu=ru.ru_utime + ru.ru_stime,
                    maxrss_kb=hwm[0], samples=samples)

    def close(self):
        self.stop_sims(self.procs)


def _log_time(line):
    ts = datetime.datetime.strptime(line[:24], "%Y-%m-%dT%H:%M:%S.%fZ")
    return ts.replace(tzinfo=datetime.timezone.utc).timestamp()


def update_window(logdir):
    """[last module's update START, first module's update END] from the logs."""
    starts, ends = [], []
    for name in os.listdir(logdir) if os.path.isdir(logdir) else []:
        s = e = None
        with open(os.path.join(logdir, name), errors="replace") as f:
            for line in f:
                if s is None and any(k in line for k in UPDATE_START):
                    s = _log_time(line)
                elif s is not None and e is None and any(k in line for k in UPDATE_END):
                    e = _log_time(line)
        if s is not None and e is not None:
            starts.append(s)
            ends.append(e)
    if not starts:
        return None
    return max(starts), min(ends)


def _at(samples, t, pick):
    """A cumulative CPU figure at time t, linearly between the two samples around it."""
    pts = [(s[0], pick(s)) for s in samples if pick(s) is not None]
    for (t0, c0), (t1, c1) in zip(pts, pts[1:]):
        if t0 <= t <= t1:
            return c0 + (c1 - c0) * (t - t0) / (t1 - t0 or 1)
    return None


def update_window_cost(logdir, samples, nsims):
    w = update_window(logdir)
    if not w or w[1] - w[0] < 1.0:
        return dict(win=None)
    a, b = w
    span = b - a

    def share(pick):
        ca, cb = _at(samples, a, pick), _at(samples, b, pick)
        return None if ca is None or cb is None else (cb - ca) / span
    st = share(lambda s: s[1])
    sims = [share(lambda s, k=k: s[2][k]) for k in range(nsims)]
    sims = [x for x in sims if x is not None]
    return dict(win=span, st_share=st, sim_max=max(sims, default=None), sim_sum=sum(sims))


RATIO_HEAD = ("| method | family | modules | station mean s | peer mean s | **station / peer** "
              "| station max / peer max | PASS (station, peer) |\n|---|---|---|---|---|---|---|---|")


def _f(x, fmt):
    return "–" if x is None else format(x, fmt)


def ratio_row(r):
    ratio = r["st_mean"] / r["peer_mean"] if r["st_mean"] and r["peer_mean"] else None
    rmax = r["st_max"] / r["peer_max"] if r["st_max"] and r["peer_max"] else None
    return (f"| {r['method']} | {r['family']} | {r['n']} | {_f(r['st_mean'] and r['st_mean'] / 1000, '.2f')} "
            f"| {_f(r['peer_mean'] and r['peer_mean'] / 1000, '.2f')} | **{_f(ratio, '.3f')}** "
            f"| {_f(rmax, '.3f')} | {r['st_pass']}/{r['n']}, {r['peer_pass']}/{r['n']} |")


BATCH_HEAD = ("| modules | fota-sim processes | batch wall s | slowest module s (kind) | **wall / slowest** "
              "| wall / slowest of the reference | **wall / wall of the slowest kind alone** | PASS | station CPU, whole run s | update window s | **station CPU / wall in "
              "window** | **peak RSS MiB** | busiest fota-sim CPU / wall in window "
              "| peer wall s (slowest s, PASS) | station wall / peer wall |\n"
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")


def batch_row(r, ref, alone):
    pct = lambda x: "–" if x is None else f"{100 * x:.1f} %"  # noqa: E731
    return (f"| {r['n']} | {r['sims']} | {r['wall']:.2f} | {r['slowest']:.2f} ({r['slowest_kind']}) "
            f"| **{r['wall'] / r['slowest']:.3f}** | {r['wall'] / ref['slowest']:.3f} "
            f"| **{r['wall'] / alone['wall']:.3f}** "
            f"| {r['passed']}/{r['n']} | {r['cpu']:.2f} "
            f"| {_f(r.get('win'), '.1f')} | **{pct(r.get('st_share'))}** "
            f"| **{r['maxrss_kb'] / 1024:.1f}** | {pct(r.get('sim_max'))} "
            + (f"| {r['peer_wall']:.2f} ({r['peer_slowest']:.2f}, {r['peer_pass']}/{r['n']}) "
               f"| {r['wall'] / r['peer_wall']:.3f} |" if "peer_wall" in r else "| – | – |"))
