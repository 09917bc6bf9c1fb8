#!/usr/bin/python3
"""Integration tests: the real fota-station binary against fota-sim over real ptys.

Each case starts fota-sim (modules as pseudo-terminals linked into a ports
directory), real HTTP/FTP servers on 127.0.0.1 where the method needs them, runs
`fota-station run` with a job, then reads the rows back from the SQLite file the
station wrote and checks each one: result, class, code, revisions, IMEI, method,
package hash. Usage: station_it.py --station BIN --sim BIN --source DIR --work DIR CASE...
"""
import argparse
import functools
import hashlib
import http.server
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import traceback

ARGS = None
SPEED = "400"

# Each family as fota-sim creates it with --count (sim/family.c defaults) and the
# revision a delta leads to.
FAMILIES = {
    "RG50xQ": dict(model="RG500Q-EA", rev="RG500QEAAAR11A06M4G", to="RG500QEAAAR11A07M4G"),
    "EG06xK": dict(model="EG065K-NA", rev="EG065KNAAAR01A01M4G", to="EG065KNAAAR01A02M4G"),
    "EC200T": dict(model="EC200T-CN", rev="EC200TCNTCNMAR02A01M16", to="EC200TCNTCNMAR02A02M16"),
    "legacy-GSM": dict(model="M95", rev="M95FAR02A08", to="M95FAR02A09"),
}


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


class Case:
    """One scenario's working directory, processes and servers; cleaned up always."""

    def __init__(self, name):
        self.name = name
        self.dir = os.path.join(ARGS.work, name)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.ports = os.path.join(self.dir, "ports")
        self.db = os.path.join(self.dir, "results.db")
        self.procs = []
        self.servers = []

    # ---- processes -------------------------------------------------------------
    def sim(self, *args, expect_links=None, ports=None, log="sim.log", speed=SPEED):
        ports = ports or self.ports
        out = open(os.path.join(self.dir, log), "ab")
        p = subprocess.Popen([ARGS.sim, "--ports", ports, "--speed", str(speed), *args],
                             stdout=out, stderr=subprocess.STDOUT)
        self.procs.append(p)
        if expect_links:
            self.wait_links(expect_links, ports)
        return p

    def wait_links(self, n, ports=None, timeout=15):
        ports = ports or self.ports
        end = time.time() + timeout
        while time.time() < end:
            if os.path.isdir(ports):
                links = [e for e in os.listdir(ports) if not e.startswith(".")]
                if len(links) >= n:
                    return sorted(links)
            time.sleep(0.05)
        raise Fail(f"fota-sim did not publish {n} ports in {ports}")

    def stop(self, p):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def station(self, job, *extra, timeout=120, db=None, check_rc=None):
        cmd = [ARGS.station, "run", "--job", job, "--db", db or self.db, "--ports", self.ports,
               "--profiles", os.path.join(ARGS.source, "profiles"), "--no-dashboard", *extra]
        t0 = time.time()
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            raise Fail(f"station did not exit within {timeout}s\n{e.stdout}\n{e.stderr}")
        self.elapsed = time.time() - t0
        with open(os.path.join(self.dir, "station.log"), "a") as f:
            f.write(f"$ {' '.join(cmd)}\n{r.stdout}{r.stderr}rc={r.returncode} "
                    f"({self.elapsed:.1f}s)\n")
        if check_rc is not None:
            check(r.returncode == check_rc,
                  f"station exit {r.returncode}, expected {check_rc}\n{r.stdout}\n{r.stderr}")
        return r

    def mkpkg(self, family, frm, to, name, size=20000, corrupt=False):
        out = os.path.join(self.dir, "packages", name)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        cmd = [ARGS.sim, "mkpkg", "--family", family, "--to", to, "--size", str(size), "-o", out]
        if frm:
            cmd += ["--from", frm]
        if corrupt:
            cmd.append("--corrupt")
        subprocess.run(cmd, check=True, capture_output=True)
        with open(out, "rb") as f:
            return out, hashlib.sha256(f.read()).hexdigest()

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    # ---- servers ---------------------------------------------------------------
    def http(self, root):
        handler = functools.partial(QuietHandler, directory=root)
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        self.servers.append(srv.shutdown)
        return f"http://127.0.0.1:{srv.server_address[1]}"

    def ftp(self, root, user="fota", password="s3cret-pw"):
        from pyftpdlib.authorizers import DummyAuthorizer
        from pyftpdlib.handlers import FTPHandler
        from pyftpdlib.servers import ThreadedFTPServer
        import logging
        logging.getLogger("pyftpdlib").setLevel(logging.WARNING)
        auth = DummyAuthorizer()
        auth.add_user(user, password, root, perm="elr")
        auth.add_anonymous(root)
        handler = type("H", (FTPHandler,), {})
        handler.authorizer = auth
        handler.passive_ports = None
        srv = ThreadedFTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=srv.serve_forever, kwargs={"handle_exit": False}, daemon=True).start()
        self.servers.append(srv.close_all)
        return f"127.0.0.1:{srv.address[1]}", user, password

    # ---- results ---------------------------------------------------------------
    def rows(self, db=None):
        con = sqlite3.connect(db or self.db)
        con.row_factory = sqlite3.Row
        rows = [dict(r) for r in con.execute("SELECT * FROM attempts ORDER BY id")]
        con.close()
        return rows

    def rows_now(self):
        """rows() while the station may still be creating the file: [] until ready."""
        try:
            return self.rows() if os.path.exists(self.db) else []
        except sqlite3.Error:
            return []

    def uploads_started(self, log="sim.log"):
        """How many AT+QFUPL uploads fota-sim (--verbose) has begun and not ended."""
        try:
            with open(os.path.join(self.dir, log)) as f:
                lines = [ln for ln in f if " QFUPL " in ln]
        except OSError:
            return 0
        return sum("(lost" not in ln for ln in lines) - sum("(lost" in ln for ln in lines)

    def events(self, attempt_id):
        con = sqlite3.connect(self.db)
        ev = [r[0] for r in con.execute("SELECT text FROM events WHERE attempt_id=?", (attempt_id,))]
        con.close()
        return ev

    def close(self):
        for p in self.procs:
            self.stop(p)
        for s in self.servers:
            try:
                s()
            except Exception:
                pass


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a):
        pass


def job_yaml(name, targets, limits=None, timeouts=None, station="it-st01"):
    y = [f"name: {name}", f"station: {station}", "targets:"]
    for t in targets:
        y.append(f"  - family: {t['family']}")
        y.append(f"    to: {t['to']}")
        y.append(f"    method: {t['method']}")
        if "url" in t:
            y.append(f"    url: \"{t['url']}\"")
        if t.get("packages"):
            y.append("    packages:")
            for p in t["packages"]:
                first = True
                for k in ("from", "to", "file", "url", "sha256"):
                    if p.get(k):
                        y.append(f"      {'- ' if first else '  '}{k}: \"{p[k]}\"")
                        first = False
    if limits:
        y.append("limits:")
        y += [f"  {k}: {v}" for k, v in limits.items()]
    # A simulated module publishes its ports at once: a short settle keeps the cases
    # quick (the 3 s default is held by the hub-layout cases).
    timeouts = {"ports_settle": 0.3, **(timeouts or {})}
    y.append("timeouts:")
    y += [f"  {k}: {v}" for k, v in timeouts.items()]
    return "\n".join(y) + "\n"


# ---- cases -------------------------------------------------------------------

def case_noop(c):
    """Modules already at the target: identified, recorded PASS noop=1, untouched;
    --until-idle exits 0 once all are done."""
    fam = FAMILIES["RG50xQ"]
    c.sim("--count", "3", "--family", "RG50xQ", expect_links=3)
    job = c.write("job.yaml", job_yaml("noop-batch", [dict(family="RG50xQ", to=fam["rev"],
                                                         method="url", url="http://127.0.0.1:9/x.bin")]))
    c.station(job, "--until-idle", "--operator", "op-7", check_rc=0)
    rows = c.rows()
    check(len(rows) == 3, f"3 rows expected, got {len(rows)}")
    imeis = set()
    for r in rows:
        check(r["result"] == "PASS" and r["noop"] == 1, f"noop PASS expected: {r}")
        check(r["model"] == fam["model"] and r["from_version"] == fam["rev"], f"identity: {r}")
        check(r["batch"] == "noop-batch" and r["station"] == "it-st01" and r["operator"] == "op-7",
              f"stamps: {r}")
        check(len(r["imei"]) == 15 and r["slot"] and r["port"].startswith("/dev/pts/"), f"ids: {r}")
        imeis.add(r["imei"])
    check(len(imeis) == 3, "three different IMEIs")


def case_config_errors(c):
    """Bad job: exit 2 naming file:line:column, before any module is touched; a
    ports path that is no folder: exit 3 (a missing one is waited for: times_it.py)."""
    os.makedirs(c.ports)
    job = c.write("bad.yaml", "name: x\ntargets:\n  - family: RG50xQ\n    to: A\n    method: teleport\n")
    r = c.station(job, "--until-idle", check_rc=2)
    check(f"{job}:5:" in r.stderr, f"file:line:column expected in: {r.stderr!r}")
    check(not os.path.exists(c.db), "no database is created for a bad job")
    good = c.write("good.yaml", job_yaml("b", [dict(family="RG50xQ", to="X", method="url",
                                                  url="http://127.0.0.1:9/x.bin")]))
    r = subprocess.run([ARGS.station, "run", "--job", good, "--db", c.db, "--ports",
                        good, "--profiles",
                        os.path.join(ARGS.source, "profiles"), "--until-idle", "--no-dashboard"],
                       capture_output=True, text=True, timeout=30)
    check(r.returncode == 3 and "not a directory" in r.stderr,
          f"ports path not a folder: exit 3, got {r.returncode} {r.stderr}")
    os.makedirs(os.path.join(c.dir, "ro"))
    os.chmod(os.path.join(c.dir, "ro"), 0o500)
    r = c.station(good, "--until-idle", db=os.path.join(c.dir, "ro", "sub", "r.db"))
    os.chmod(os.path.join(c.dir, "ro"), 0o700)
    check(r.returncode == 3, f"unwritable database: exit 3, got {r.returncode} {r.stderr}")
    r = subprocess.run([ARGS.station, "check", "--job", job, "--profiles",
                        os.path.join(ARGS.source, "profiles")], capture_output=True, text=True)
    check(r.returncode == 2 and f"{job}:5:" in r.stderr, f"check: {r.returncode} {r.stderr}")
    r = subprocess.run([ARGS.station, "check", "--job", os.path.join(ARGS.source, "examples",
                                                                     "station-job.yaml"),
                        "--profiles", os.path.join(ARGS.source, "profiles")],
                       capture_output=True, text=True)
    check(r.returncode == 0, f"the shipped example job checks clean: {r.stdout}{r.stderr}")



def upgrade_line(c, family, method, transport=None, n=3, size=20000, full_image=False):
    """n modules of one family upgraded by one method; every row PASS with the
    right revision, IMEI, method and package hash; no secret in the transcript."""
    fam = FAMILIES[family]
    name = f"{family}-{method}-{fam['to']}.bin".lower()
    path, digest = c.mkpkg(family, None if full_image else fam["rev"], fam["to"], name, size=size)
    pkg = {"from": None if full_image else fam["rev"], "to": fam["to"], "sha256": digest}
    if transport == "http":
        pkg["url"] = f"{c.http(os.path.dirname(path))}/{name}"
    elif transport == "ftp":
        hostport, user, pw = c.ftp(os.path.dirname(path))
        pkg["url"] = f"ftp://{user}:{pw}@{hostport}/{name}"
    else:
        pkg["file"] = path
    c.sim("--count", str(n), "--family", family, expect_links=n)
    job = c.write("job.yaml", job_yaml(f"{family}-{method}", [dict(
        family=family, to=fam["to"], method=method, packages=[pkg])],
        timeouts={"reboot": 20, "total": 120}))
    r = c.station(job, "--until-idle", "--log-dir", os.path.join(c.dir, "logs"), check_rc=0)
    rows = c.rows()
    check(len(rows) == n, f"{n} rows expected, got {len(rows)}: {r.stdout}")
    imeis = set()
    for row in rows:
        check(row["result"] == "PASS", f"PASS expected: {row}")
        check(row["noop"] == 0 and row["hops"] == 1, f"one real hop: {row}")
        check(row["from_version"] == fam["rev"] and row["final_version"] == fam["to"] and
              row["to_version"] == fam["to"], f"revisions: {row}")
        check(row["method"] == method, f"method: {row}")
        check(row["package_sha256"] == digest and name in row["package_names"], f"package: {row}")
        check(row["model"] == fam["model"] and len(row["imei"]) == 15, f"identity: {row}")
        check(row["finished_at"] >= row["started_at"] and row["duration_ms"] > 0, f"times: {row}")
        ev = c.events(row["id"])
        check(len(ev) > 5, f"transcript stored: {len(ev)} events")
        check(not any("s3cret-pw" in e for e in ev), "FTP password leaked into events")
        imeis.add(row["imei"])
    check(len(imeis) == n, "one row per module")
    for f in os.listdir(os.path.join(c.dir, "logs")):
        with open(os.path.join(c.dir, "logs", f)) as fh:
            check("s3cret-pw" not in fh.read(), f"FTP password leaked into {f}")


def case_rg50xq_url_http(c):
    upgrade_line(c, "RG50xQ", "url", "http")


def case_rg50xq_url_ftp(c):
    upgrade_line(c, "RG50xQ", "url", "ftp")


def case_rg50xq_local(c):
    upgrade_line(c, "RG50xQ", "local")


def case_eg06xk_url_http(c):
    upgrade_line(c, "EG06xK", "url", "http")


def case_eg06xk_url_ftp(c):
    upgrade_line(c, "EG06xK", "url", "ftp")


def case_eg06xk_local(c):
    upgrade_line(c, "EG06xK", "local")


def case_ec200t_url_http(c):
    upgrade_line(c, "EC200T", "url", "http", full_image=True)


def case_ec200t_url_ftp(c):
    upgrade_line(c, "EC200T", "url", "ftp", full_image=True)


def case_ec200t_stream(c):
    upgrade_line(c, "EC200T", "stream", full_image=True, size=12000)


def case_legacy_qfua(c):
    upgrade_line(c, "legacy-GSM", "qfua", size=8000)


def case_legacy_qfaw(c):
    upgrade_line(c, "legacy-GSM", "qfaw", size=4000)



PROFILE_FILES = {"RG50xQ": "rg50xq.yaml", "EG06xK": "eg06xk.yaml", "EC200T": "ec200t.yaml",
                 "legacy-GSM": "legacy-gsm.yaml"}


def profile_error(family, table, code):
    """(class, meaning) of a code as the family's profile lists it."""
    import yaml
    with open(os.path.join(ARGS.source, "profiles", PROFILE_FILES[family])) as f:
        prof = yaml.safe_load(f)
    for e in prof["errors"][table]:
        c = str(e["code"])
        lo, _, hi = c.partition("-")
        if int(lo) <= code <= int(hi or lo):
            return e["class"], e["meaning"]
    raise Fail(f"{family} {table} has no code {code}")


# Scenario runs: a lower --speed with shorter module timings, so the fixed pauses of
# fota-sim (0.5 s between a final URC and the reboot: 50 ms at speed 10) stay long enough for the
# station to read the URC before the pty is torn down, even under sanitizers.
SCEN_SPEED = 10
SCEN_TIMING = {"update_s": 10, "reboot_s": 2, "download_min_s": 0.2, "boot_urc_s": 0.3}


def scenario_yaml(mods):
    import yaml
    return yaml.safe_dump({"defaults": {"timing": SCEN_TIMING}, "modules": mods})


def luhn_imei(body14):
    digits = [int(d) for d in body14]
    total = 0
    for i, d in enumerate(digits):
        if i % 2 == 1:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return body14 + str((10 - total % 10) % 10)


def slot_name(i, iface=2):
    # the link's by-path name, 4 ports per hub, like a real line
    return f"pci-0000:00:14.0-usb-0:1.{i // 4 + 1}.{i % 4 + 1}:1.{iface}"


def hub_port(link):
    # the slot the station records: the link's name without ":<config>.<interface>[-portN]"
    return re.sub(r":\d+\.\d+(-port\d+)?$", "", link)


def mixed_line_job(c, http_base=None):
    """Packages for the four families and a job upgrading each by one method."""
    pk = {}
    for fam, method in (("RG50xQ", "local"), ("EG06xK", "url"), ("EC200T", "stream"),
                        ("legacy-GSM", "qfaw")):
        f = FAMILIES[fam]
        full = fam == "EC200T"
        name = f"{fam.lower()}-{f['to'].lower()}.bin"
        path, digest = c.mkpkg(fam, None if full else f["rev"], f["to"], name,
                               size=4000 if fam == "legacy-GSM" else 12000)
        pk[fam] = dict(method=method, name=name, path=path, sha=digest, full=full)
    if http_base is None:
        http_base = c.http(os.path.join(c.dir, "packages"))
    targets = []
    for fam, p in pk.items():
        f = FAMILIES[fam]
        pkg = {"from": None if p["full"] else f["rev"], "to": f["to"], "sha256": p["sha"]}
        if p["method"] == "url":
            pkg["url"] = f"{http_base}/{p['name']}"
        else:
            pkg["file"] = p["path"]
        targets.append(dict(family=fam, to=f["to"], method=p["method"], packages=[pkg]))
    return pk, targets


def case_mixed32(c):
    """32 modules of four families with faults: every row has exactly the expected
    result, class and code (classes from the profiles' tables); the healthy ones
    finish in normal time despite their faulty neighbours."""
    pk, targets = mixed_line_job(c)
    # (family, extra scenario keys, expected (result, class, code) or "ok")
    plan = [("RG50xQ", {}, "ok")] * 6 + [
        ("RG50xQ", {"faults": {"error": {"phase": "update", "code": 504, "at": 30}}},
         ("FAIL",) + (profile_error("RG50xQ", "err", 504)[0], 504)),
        ("RG50xQ", {"faults": {"transient": {"code": 520, "at": 40, "succeed_on_retry": 2}}},
         "ok-retried"),
        ("RG50xQ", {"faults": {"power_loss": {"at": 50, "off_s": 0.5}}}, "ok"),
        ("RG50xQ", {"faults": {"swap_imei": "auto"}}, ("FAIL", "swapped", 0)),
    ] + [("EG06xK", {}, "ok")] * 5 + [
        ("EG06xK", {"faults": {"error": {"phase": "download", "code": 701}}},
         ("FAIL",) + (profile_error("EG06xK", "http_err", 701)[0], 701)),
        ("EG06xK", {"revision": "EG065KNAAAR01A00M4G"}, ("FAIL", "no_package", 0)),
        ("EG06xK", {"revision": FAMILIES["EG06xK"]["to"]}, "noop"),
    ] + [("EC200T", {}, "ok")] * 6 + [
        ("EC200T", {"faults": {"stall": {"phase": "update", "at": 40}}}, ("FAIL", "timeout", 0)),
        ("EC200T", {"faults": {"vanish": {"phase": "update", "at": 30}}}, ("FAIL", "port", 0)),
    ] + [("legacy-GSM", {}, "ok")] * 5 + [
        ("legacy-GSM", {"faults": {"garbage": True}}, "ok"),
    ]
    check(len(plan) == 32, "32 modules")
    import yaml
    mods = []
    for i, (fam, extra, _) in enumerate(plan):
        m = {"family": fam, "slot": slot_name(i, 0 if fam == "legacy-GSM" else 2)}
        m.update(extra)
        mods.append(m)
    scen = c.write("scenario.yaml", scenario_yaml(mods))
    c.sim("--scenario", scen, expect_links=32, speed=SCEN_SPEED)
    job = c.write("job.yaml", job_yaml("mixed-32", targets,
                                       limits={"max_parallel": 64, "max_transfers": 16,
                                               "max_per_hub": 4, "stop_after_same_failures": 0},
                                       timeouts={"reboot": 8, "stall": 3, "total": 120}))
    c.station(job, "--until-idle", check_rc=1)
    rows = c.rows()
    by_slot = {}
    for r in rows:
        by_slot.setdefault(r["slot"], []).append(r)
    healthy = {}
    for i, (fam, extra, want) in enumerate(plan):
        slot = hub_port(mods[i]["slot"])
        got = by_slot.get(slot, [])
        check(got, f"no row for {slot} ({fam} {extra})")
        r = got[0]
        f = FAMILIES[fam]
        what = f"{slot} {fam} {extra}: {r['result']} {r['error_class']}/{r['error_code']} {r['error_text']}"
        if want in ("ok", "ok-retried"):
            check(r["result"] == "PASS" and r["noop"] == 0 and r["final_version"] == f["to"], what)
            check(r["package_sha256"] == pk[fam]["sha"] and r["method"] == pk[fam]["method"], what)
            if want == "ok-retried":
                check(r["module_retries"] >= 1, f"module retry counted: {what}")
            elif not extra:
                healthy.setdefault(fam, []).append(r["duration_ms"])
        elif want == "noop":
            check(r["result"] == "PASS" and r["noop"] == 1, what)
        else:
            check((r["result"], r["error_class"], r["error_code"]) == want, f"expected {want}: {what}")
            if want[1] != "swapped":  # the module now in the slot is another one
                check(r["final_version"] != f["to"], f"failed module keeps its firmware: {what}")
            check(r["error_text"], f"failure explained: {what}")
        if want == ("FAIL", "swapped", 0):
            # the module now in the slot is another one: started at once, own row
            check(len(got) == 2 and got[1]["imei"] != r["imei"] and got[1]["result"] == "PASS",
                  f"swapped-in module upgraded in its own row: {got}")
        else:
            check(len(got) == 1, f"one row per module in {slot}: {len(got)}")
    for fam, d in healthy.items():
        med = sorted(d)[len(d) // 2]
        check(max(d) <= med * 1.5 + 1500, f"{fam} healthy durations {d} (median {med})")
    check(c.elapsed < 60, f"the line took {c.elapsed:.1f}s")


def case_continuous(c):
    """Continuous mode: modules finish, are pulled and replaced by new ones in the same
    slots mid-run; one that comes back with the same IMEI is not upgraded twice;
    --expect N ends the run once N results are in."""
    fam = FAMILIES["RG50xQ"]
    path, digest = c.mkpkg("RG50xQ", fam["rev"], fam["to"], "a06-a07.zip")
    job = c.write("job.yaml", job_yaml("cont", [dict(family="RG50xQ", to=fam["to"], method="local",
                                                     packages=[{"from": fam["rev"], "to": fam["to"],
                                                                "file": path}])],
                                       timeouts={"reboot": 10, "total": 60}))
    import yaml

    def scenario(tag, imeis):
        mods = [{"family": "RG50xQ", "slot": slot_name(i), "imei": imei} for i, imei in enumerate(imeis)]
        return c.write(f"scen-{tag}.yaml", scenario_yaml(mods))

    first = [luhn_imei("35693803564380"), luhn_imei("35693803564381")]
    second = [luhn_imei("35391805788221"), luhn_imei("35391805788222")]
    a = c.sim("--scenario", scenario("a", first), expect_links=2, log="sim-a.log", speed=SCEN_SPEED)
    cmd = [ARGS.station, "run", "--job", job, "--db", c.db, "--ports", c.ports, "--profiles",
           os.path.join(ARGS.source, "profiles"), "--no-dashboard", "--expect", "4"]
    log = open(os.path.join(c.dir, "station.log"), "w")
    st = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    c.procs.append(st)

    def wait_rows(n, timeout=40):
        end = time.time() + timeout
        while time.time() < end:
            if os.path.exists(c.db):
                try:
                    done = [r for r in c.rows() if r["result"]]
                    if len(done) >= n:
                        return done
                except sqlite3.Error:
                    pass
            check(st.poll() is None or n <= 4, f"station exited early: {st.returncode}")
            time.sleep(0.1)
        raise Fail(f"{n} results expected in time")

    wait_rows(2)
    c.stop(a)                                    # operator pulls both modules
    time.sleep(0.5)
    a2 = c.sim("--scenario", scenario("a", first), expect_links=2, log="sim-a2.log", speed=SCEN_SPEED)
    time.sleep(3)                                # same modules back: ignored
    check(len(c.rows()) == 2, f"a module left in its slot is not upgraded twice: {c.rows()}")
    c.stop(a2)
    time.sleep(0.5)
    c.sim("--scenario", scenario("b", second), expect_links=2, log="sim-b.log", speed=SCEN_SPEED)
    try:
        rc = st.wait(60)
    except subprocess.TimeoutExpired:
        raise Fail("--expect 4 did not end the run")
    check(rc == 0, f"all passed: exit 0, got {rc}")
    rows = c.rows()
    check(len(rows) == 4, f"4 rows: {rows}")
    check(sorted(r["imei"] for r in rows) == sorted(first + second), "each module once")
    check(all(r["result"] == "PASS" and r["final_version"] == fam["to"] for r in rows), f"{rows}")


def case_rework(c):
    """--rework: an IMEI whose latest result is PASS and which reports the target
    revision is skipped ("already passed"),
    one never seen is skipped ("not in database") unless --allow-new, a failed one is
    upgraded again."""
    fam = FAMILIES["RG50xQ"]
    path, digest = c.mkpkg("RG50xQ", fam["rev"], fam["to"], "a06-a07.zip")
    import yaml
    imeis = [luhn_imei("49015420323751"), luhn_imei("35693803564380"), luhn_imei("35391805788221")]
    mods = [{"family": "RG50xQ", "slot": slot_name(i), "imei": m} for i, m in enumerate(imeis)]
    mods[0]["revision"] = fam["to"]  # the one that passed still runs the target
    scen = c.write("scen.yaml", scenario_yaml(mods))
    # history: the first passed, the second failed, the third never seen
    job = c.write("job.yaml", job_yaml("rework", [dict(family="RG50xQ", to=fam["to"], method="local",
                                                       packages=[{"from": fam["rev"], "to": fam["to"],
                                                                  "file": path}])],
                                       timeouts={"reboot": 10, "total": 60}))
    hist = c.write("scen-hist.yaml", scenario_yaml([
        {"family": "RG50xQ", "slot": slot_name(0), "imei": imeis[0]},
        {"family": "RG50xQ", "slot": slot_name(1), "imei": imeis[1],
         "faults": {"error": {"phase": "update", "code": 504, "at": 20}}}]))
    h = c.sim("--scenario", hist, expect_links=2, log="sim-hist.log", speed=SCEN_SPEED)
    c.station(job, "--until-idle", check_rc=1)
    c.stop(h)
    time.sleep(0.3)
    c.sim("--scenario", scen, expect_links=3, speed=SCEN_SPEED)
    c.station(job, "--until-idle", "--rework", check_rc=0)
    rows = c.rows()[2:]
    got = {r["imei"]: r for r in rows}
    check(len(rows) == 3, f"3 rework rows: {rows}")
    check(got[imeis[0]]["result"] == "SKIP" and got[imeis[0]]["error_text"] == "already passed",
          f"{got[imeis[0]]}")
    check(got[imeis[1]]["result"] == "PASS" and got[imeis[1]]["final_version"] == fam["to"],
          f"{got[imeis[1]]}")
    check(got[imeis[2]]["result"] == "SKIP" and got[imeis[2]]["error_text"] == "not in database",
          f"{got[imeis[2]]}")


def case_rework_reads_module(c):
    """--rework reads the module, not only its history: a module whose latest row is
    PASS but which reports the from-revision again (rolled back, or reflashed on a
    repair bench) is upgraded: a PASS row at the target, and the row's transcript and
    the line log say it passed before but reported the old revision."""
    fam = FAMILIES["RG50xQ"]
    path, digest = c.mkpkg("RG50xQ", fam["rev"], fam["to"], "a06-a07.zip")
    imei = luhn_imei("35693803564381")
    scen = c.write("scen.yaml", scenario_yaml([{"family": "RG50xQ", "slot": slot_name(0),
                                                "imei": imei}]))
    job = c.write("job.yaml", job_yaml("rework-reads", [dict(
        family="RG50xQ", to=fam["to"], method="local",
        packages=[{"from": fam["rev"], "to": fam["to"], "file": path}])],
        timeouts={"reboot": 10, "total": 60}))
    h = c.sim("--scenario", scen, expect_links=1, log="sim-hist.log", speed=SCEN_SPEED)
    c.station(job, "--until-idle", check_rc=0)
    c.stop(h)
    first = c.rows()
    check(len(first) == 1 and first[0]["result"] == "PASS", f"history: one PASS: {first}")
    time.sleep(0.3)
    # the same IMEI again, back at the from-revision
    c.sim("--scenario", scen, expect_links=1, speed=SCEN_SPEED)
    r = c.station(job, "--until-idle", "--rework", check_rc=0)
    rows = c.rows()[1:]
    check(len(rows) == 1, f"one rework row: {rows}")
    x = rows[0]
    check(x["result"] == "PASS" and x["from_version"] == fam["rev"]
          and x["final_version"] == fam["to"] and not x["noop"],
          f"upgraded again: {x['result']} {x['from_version']} -> {x['final_version']} {x['error_text']}")
    why = [e for e in c.events(x["id"]) if "passed before" in e]
    check(why and fam["rev"] in why[0] and fam["to"] in why[0],
          f"the transcript says why: {c.events(x['id'])}")
    check("passed before" in r.stdout, f"the line log says why:\n{r.stdout[-1500:]}")


def case_row_keeps_probe_imei(c):
    """A module whose identification fails after the station's first AT+GSN read its
    IMEI (its ATI shows no revision: a protocol FAIL) still has that IMEI on its row,
    so the MES can tell which module failed."""
    imei = luhn_imei("35693803564382")
    scen = c.write("scen.yaml", scenario_yaml([{"family": "RG50xQ", "slot": slot_name(0),
                                                "imei": imei, "revision": "-"}]))
    job = local_job(c, "probe-imei")
    c.sim("--scenario", scen, expect_links=1, speed=SCEN_SPEED)
    c.station(job, "--until-idle", check_rc=1)
    rows = c.rows()
    check(len(rows) == 1 and rows[0]["result"] == "FAIL" and rows[0]["error_class"] == "protocol",
          f"a protocol FAIL: {rows}")
    check(rows[0]["imei"] == imei, f"the row carries the IMEI read: {rows[0]['imei']!r}")


def case_pause_and_limits(c):
    """stop_after_same_failures pauses new starts after N identical failures, says
    why, and SIGUSR1 acknowledges; max_per_hub keeps at most N of a hub in flight;
    SIGTERM records the running ones INTERRUPTED and exits."""
    fam = FAMILIES["RG50xQ"]
    path, digest = c.mkpkg("RG50xQ", fam["rev"], fam["to"], "a06-a07.zip")
    import yaml
    # hub 1: three that fail the same way; hub 2: four healthy ones
    mods = [{"family": "RG50xQ", "slot": slot_name(i),
             "faults": {"error": {"phase": "update", "code": 504, "at": 10}}} for i in range(3)]
    mods += [{"family": "RG50xQ", "slot": slot_name(4 + i)} for i in range(4)]
    scen = c.write("scen.yaml", scenario_yaml(mods))
    job = c.write("job.yaml", job_yaml("pause", [dict(family="RG50xQ", to=fam["to"], method="local",
                                                      packages=[{"from": fam["rev"], "to": fam["to"],
                                                                 "file": path}])],
                                       limits={"max_parallel": 3, "max_per_hub": 2,
                                               "max_transfers": 8, "stop_after_same_failures": 2},
                                       timeouts={"reboot": 10, "total": 60}))
    c.sim("--scenario", scen, expect_links=7, speed=SCEN_SPEED)
    log = open(os.path.join(c.dir, "station.log"), "w+")
    st = subprocess.Popen([ARGS.station, "run", "--job", job, "--db", c.db, "--ports", c.ports,
                           "--profiles", os.path.join(ARGS.source, "profiles"), "--no-dashboard"],
                          stdout=log, stderr=subprocess.STDOUT)
    c.procs.append(st)
    end = time.time() + 30
    text = ""
    while time.time() < end and "PAUSED" not in text:
        time.sleep(0.2)
        log.seek(0)
        text = log.read()
    check("PAUSED: 2 FAILs package/504" in text, f"pause explained:\n{text}")
    # what the failures share (the package, hub 1.1) and the action, not "check the line"
    check("all with package a06-a07.zip, all on hub 1.1" in text and
          ": stop the line: package; press a" in text, f"what they share:\n{text}")
    time.sleep(2)
    st.send_signal(signal.SIGUSR1)
    end = time.time() + 40
    while time.time() < end and len([r for r in c.rows_now() if r["result"]]) < 7:
        time.sleep(0.2)
    rows = c.rows()
    check(len([r for r in rows if r["result"]]) == 7, f"all 7 done after the ack: {rows}")
    st.send_signal(signal.SIGTERM)
    check(st.wait(15) == 1, "a failed module: exit 1")
    log.seek(0)
    text = log.read()
    check("acknowledged" in text, "ack logged")
    paused_part = text[text.index("PAUSED"):text.index("acknowledged")]
    check("upgrading" not in paused_part, f"nothing starts while paused:\n{paused_part}")
    check("upgrading" in text[text.index("acknowledged"):], "modules waited for the ack")
    # in flight per hub and overall, from the station's own "go" lines
    inflight, hubs, peak, peak_hub = set(), {}, 0, {}
    for line in text.splitlines():
        parts = line.split(" ", 2)
        if len(parts) < 3 or not parts[1].endswith(":"):
            continue
        slot = parts[1][:-1]
        hub = slot.rsplit(".", 1)[0]  # the slot is the hub port: its hub drops the last port
        if parts[2].startswith("upgrading"):
            inflight.add(slot)
            hubs[hub] = hubs.get(hub, 0) + 1
        elif parts[2].startswith(("PASS", "FAIL")) and slot in inflight:
            inflight.discard(slot)
            hubs[hub] -= 1
        peak = max(peak, len(inflight))
        for k, v in hubs.items():
            peak_hub[k] = max(peak_hub.get(k, 0), v)
    check(peak_hub and max(peak_hub.values()) <= 2, f"max_per_hub 2: {peak_hub}")
    check(peak <= 3, f"max_parallel 3: {peak}")
    check(max(peak_hub.values()) == 2, f"the limit is used, not just respected: {peak_hub}")


def case_interrupt(c):
    """SIGINT mid-upgrade: running attempts are recorded INTERRUPTED with a reason;
    the database is consistent; exit 1."""
    fam = FAMILIES["RG50xQ"]
    path, digest = c.mkpkg("RG50xQ", fam["rev"], fam["to"], "a06-a07.zip", size=400000)
    c.sim("--count", "2", "--family", "RG50xQ", expect_links=2)
    job = c.write("job.yaml", job_yaml("int", [dict(family="RG50xQ", to=fam["to"], method="local",
                                                    packages=[{"from": fam["rev"], "to": fam["to"],
                                                               "file": path}])]))
    st = subprocess.Popen([ARGS.station, "run", "--job", job, "--db", c.db, "--ports", c.ports,
                           "--profiles", os.path.join(ARGS.source, "profiles"), "--no-dashboard"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    c.procs.append(st)
    end = time.time() + 20
    while time.time() < end:
        if len(c.rows_now()) == 2:
            break
        time.sleep(0.1)
    time.sleep(0.5)
    st.send_signal(signal.SIGINT)
    out, _ = st.communicate(timeout=20)
    check(st.returncode == 1, f"interrupted: exit 1, got {st.returncode}\n{out}")
    rows = c.rows()
    check(len(rows) == 2 and all(r["result"] == "INTERRUPTED" for r in rows), f"{rows}")
    check(all(r["finished_at"] for r in rows), "finished_at written")



def local_job(c, name, n_size=20000, **kw):
    fam = FAMILIES["RG50xQ"]
    path, digest = c.mkpkg("RG50xQ", fam["rev"], fam["to"], "a06-a07.zip", size=n_size)
    return c.write("job.yaml", job_yaml(name, [dict(family="RG50xQ", to=fam["to"], method="local",
                                                    packages=[{"from": fam["rev"], "to": fam["to"],
                                                               "file": path}])], **kw))


def case_transfers(c):
    """max_transfers 1: only one module streams its package over its AT port at a
    time (uploads never overlap), the others wait for the token and still pass."""
    job = local_job(c, "tokens", n_size=60000, limits={"max_transfers": 1, "max_per_hub": 0},
                    timeouts={"reboot": 10, "total": 60})
    c.sim("--count", "3", "--family", "RG50xQ", expect_links=3)
    r = c.station(job, "--until-idle", check_rc=0)
    spans = {}
    for line in r.stdout.splitlines():
        parts = line.split(" ", 2)
        if len(parts) < 3 or not parts[1].endswith(":"):
            continue
        t, slot = parts[0], parts[1][:-1]
        if parts[2].startswith("uploading"):
            spans.setdefault(slot, [t, t])[1] = t
        elif parts[2].startswith("package on the module") and slot in spans:
            spans[slot][1] = t
    check(len(spans) == 3, f"three uploads seen: {spans}")
    iv = sorted(spans.values())
    for (s1, e1), (s2, e2) in zip(iv, iv[1:]):
        check(e1 <= s2, f"uploads overlap with max_transfers 1: {iv}")
    check(all(row["result"] == "PASS" for row in c.rows()), "all pass")


def case_probe(c):
    """probe lists every simulated module with model, IMEI, revision and profile,
    as JSON and as a table, and leaves them untouched (a run afterwards still sees
    them at their old revision)."""
    c.sim("--count", "2", "--family", "EG06xK", expect_links=2)
    r = subprocess.run([ARGS.station, "probe", "--ports", c.ports, "--profiles",
                        os.path.join(ARGS.source, "profiles"), "--json"],
                       capture_output=True, text=True, timeout=30)
    check(r.returncode == 0, f"probe exit {r.returncode}: {r.stderr}")
    import json
    mods = json.loads(r.stdout)
    check(len(mods) == 2, f"two modules: {mods}")
    fam = FAMILIES["EG06xK"]
    for m in mods:
        check(m["model"] == fam["model"] and m["revision"] == fam["rev"] and
              m["profile"] == "EG06xK" and len(m["imei"]) == 15 and m["port"].startswith("/dev/pts/"),
              f"{m}")
    r = subprocess.run([ARGS.station, "probe", "--ports", c.ports, "--profiles",
                        os.path.join(ARGS.source, "profiles")], capture_output=True, text=True,
                       timeout=30)
    check(r.returncode == 0 and r.stdout.count(fam["model"]) == 2, r.stdout)


def case_dashboard(c):
    """On a terminal: the live dashboard redraws in place (cursor home, erase to end
    of line; one full clear at start only), shows counts and progress, in colour."""
    import pty
    import select
    job = local_job(c, "dash", timeouts={"reboot": 10, "total": 60})
    c.sim("--count", "2", "--family", "RG50xQ", expect_links=2)
    master, slave = pty.openpty()
    p = subprocess.Popen([ARGS.station, "run", "--job", job, "--db", c.db, "--ports", c.ports,
                          "--profiles", os.path.join(ARGS.source, "profiles"), "--until-idle"],
                         stdin=slave, stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    out = b""
    end = time.time() + 60
    while time.time() < end:
        r, _, _ = select.select([master], [], [], 0.2)
        if r:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        elif p.poll() is not None:
            break
    os.close(master)
    check(p.wait(10) == 0, f"exit {p.returncode}")
    text = out.decode("utf8", "replace")
    with open(os.path.join(c.dir, "dashboard.out"), "w") as f:
        f.write(text)
    check(text.count("\x1b[2J") == 1, "one full clear, at start only")
    check(text.count("\x1b[H") >= 4, "redrawn in place several times")
    check("\x1b[K" in text and "\x1b[32m" in text, "erase-to-eol and green PASS")
    check("pass 2  fail 0" in text and "yield 100.0%" in text, "header counts")
    check("%" in text and "[" in text, "progress bars")


def run_on_pty(cmd, on_output, timeout=60, save=None):
    """Runs cmd with a pty as its terminal; on_output(text_so_far, write) is called
    as output arrives and may type keys with write(bytes). Returns (rc, text); the
    text also goes to the file save, if given, however the run ends."""
    import pty
    import select
    master, slave = pty.openpty()
    os.set_blocking(master, True)
    p = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    out = b""
    end = time.time() + timeout
    while time.time() < end:
        r, _, _ = select.select([master], [], [], 0.2)
        if r:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
            on_output(out.decode("utf8", "replace"), lambda b: os.write(master, b))
        elif p.poll() is not None:
            break
    os.close(master)
    if save:
        with open(save, "wb") as f:
            f.write(out)
    try:
        rc = p.wait(10)
    except subprocess.TimeoutExpired:
        p.kill()
        raise Fail("station did not exit")
    return rc, out.decode("utf8", "replace")


def case_dashboard_keys(c):
    """The operator's keys: a failure pauses the line (the banner says why); a module
    inserted meanwhile is identified and shown queued ("paused"); `a` resumes and it
    is upgraded; `q` quits."""
    job = local_job(c, "keys", limits={"stop_after_same_failures": 1},
                    timeouts={"reboot": 10, "total": 60})
    bad = [{"family": "RG50xQ", "slot": slot_name(0),
            "faults": {"error": {"phase": "update", "code": 504, "at": 10}}}]
    # A second fota-sim numbers its modules from 0 too: the good module gets its own
    # IMEI, or the station rightly takes it for another port of the bad one.
    good = [{"family": "RG50xQ", "slot": slot_name(1), "imei": luhn_imei("86403205100901")}]
    c.sim("--scenario", c.write("scen-bad.yaml", scenario_yaml(bad)), expect_links=1,
          speed=SCEN_SPEED, log="sim-bad.log")
    state = {"inserted": False, "acked": False, "quit": False}

    def keys(text, write):
        if not state["inserted"] and "PAUSED: 1 FAIL package/504" in text:
            c.sim("--scenario", c.write("scen-good.yaml", scenario_yaml(good)), speed=SCEN_SPEED,
                  log="sim-good.log")
            state["inserted"] = True
        elif state["inserted"] and not state["acked"] and "PAUSED: 1" in text.split("\x1b[H")[-1] \
                and re.search(r"queued[^\n]*paused", text.split("\x1b[H")[-1]):
            write(b"a")
            state["acked"] = True
        elif state["acked"] and not state["quit"] and "pass 1  fail 1" in text:
            write(b"q")
            state["quit"] = True

    rc, text = run_on_pty([ARGS.station, "run", "--job", job, "--db", c.db, "--ports", c.ports,
                           "--profiles", os.path.join(ARGS.source, "profiles")], keys,
                          save=os.path.join(c.dir, "dashboard.out"))
    with open(os.path.join(c.dir, "dashboard.out"), "w") as f:
        f.write(text)
    check(state["inserted"] and state["acked"] and state["quit"],
          f"pause, queued module, ack, quit: {state}")
    check("operator acknowledged" in text, "the ack is logged on the dashboard")
    check(rc == 1, f"a module failed: exit 1, got {rc}")
    rows = c.rows()
    check([r["result"] for r in rows] == ["FAIL", "PASS"], f"{rows}")


def case_dashboard_fail_stays(c):
    """A module that FAILs reboots back into its slot on the old firmware; the station
    recognises it (same IMEI, not upgraded twice) and its line keeps saying FAIL with
    the code's meaning, never "idle": the operator must see which module to pull."""
    job = local_job(c, "failstays", timeouts={"reboot": 10, "total": 60})
    bad = [{"family": "RG50xQ", "slot": slot_name(0),
            "faults": {"error": {"phase": "update", "code": 504, "at": 10}}}]
    c.sim("--scenario", c.write("scen-bad.yaml", scenario_yaml(bad)), expect_links=1,
          speed=SCEN_SPEED, log="sim-bad.log")
    rc, text = run_on_pty([ARGS.station, "run", "--job", job, "--db", c.db, "--ports", c.ports,
                           "--profiles", os.path.join(ARGS.source, "profiles"), "--until-idle"],
                          lambda text, write: None, timeout=90)
    with open(os.path.join(c.dir, "dashboard.out"), "w") as f:
        f.write(text)
    check(rc == 1, f"a module failed: exit 1, got {rc}")
    check("still in the slot" in text, "the module came back after its FAIL and was recognised")
    last = text.split("\x1b[H")[-1]
    # the slot table comes before the log lines in a frame: its row is the first match
    # (its hub-relative label: 1.1.1)
    short = hub_port(slot_name(0)).split("-usb-0:")[1] + " "
    line = [l for l in last.split("\n")
            if re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", l).startswith(short)][:1]
    check(line and "package/504" in line[0] and "idle" not in line[0],
          f"last frame keeps the verdict: {line}")
    check([r["result"] for r in c.rows()] == ["FAIL"], "one row, not two")


def case_kill_restart(c):
    """A station killed mid-upload (SIGKILL) loses nothing it committed; at the next
    start its running rows are closed INTERRUPTED and the modules, still in the
    upload's data mode, are picked up again."""
    job = local_job(c, "kill", n_size=400000, timeouts={"reboot": 10, "total": 60})
    # The modules store uploaded data at 40 kB/s (100 B/s x --speed 400; flow control
    # throttles the station to it): each 400 kB upload lasts 10 s, so the kill below
    # lands inside both uploads by construction, however loaded the machine is.
    c.sim("--count", "2", "--family", "RG50xQ", "--verbose", "--data-rate", "100",
          expect_links=2)
    st = subprocess.Popen([ARGS.station, "run", "--job", job, "--db", c.db, "--ports", c.ports,
                           "--profiles", os.path.join(ARGS.source, "profiles"), "--no-dashboard"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    c.procs.append(st)
    # Killed inside both uploads: the modules are left in AT+QFUPL's data mode, where
    # every `AT` of the next station is file data that restarts their data timeout.
    end = time.time() + 20
    while time.time() < end and c.uploads_started() < 2:
        time.sleep(0.2)
    st.kill()
    st.wait()
    check(c.uploads_started() == 2, "killed inside both uploads (none had ended)")
    before = c.rows()
    check(len(before) == 2 and all(r["result"] is None for r in before), f"running rows: {before}")
    r = c.station(job, "--until-idle", check_rc=0)
    rows = c.rows()
    check(len(rows) == 4, f"two recovered + two new rows: {rows}\n{r.stdout}")
    check([x["result"] for x in rows[:2]] == ["INTERRUPTED", "INTERRUPTED"], f"{rows[:2]}")
    check(all(x["result"] == "PASS" for x in rows[2:]), f"{rows[2:]}")
    check(sorted(x["imei"] for x in rows[2:]) == sorted(x["imei"] for x in rows[:2]),
          "the same modules picked up again")
    check("INTERRUPTED" in r.stdout, f"recovery reported: {r.stdout}")


def case_install(c):
    """cmake --install puts the binaries, the profiles, the example job, the systemd
    unit and the udev rule in place; the installed station finds its own profiles."""
    if not ARGS.build_dir:
        raise Fail("--build-dir not given")
    prefix = os.path.join(c.dir, "prefix")
    r = subprocess.run([ARGS.cmake, "--install", ARGS.build_dir, "--prefix", prefix,
                        "--component", "Unspecified"], capture_output=True, text=True)
    check(r.returncode == 0, f"cmake --install: {r.stderr}")
    for f in ("bin/fota-station", "bin/fota-sim", "share/fota-station/profiles/rg50xq.yaml",
              "share/fota-station/examples/station-job.yaml",
              "lib/systemd/system/fota-station.service", "lib/udev/rules.d/70-fota-station.rules"):
        check(os.path.exists(os.path.join(prefix, f)), f"{f} installed")
    with open(os.path.join(prefix, "lib/udev/rules.d/70-fota-station.rules")) as f:
        rule = f.read()
    # ModemManager is asked per module (D-Bus policy and polkit rule installed); hiding
    # every Quectel device from it is only an example for dedicated PCs.
    check('ATTRS{idVendor}=="2c7c"' in rule and "ID_MM_DEVICE_IGNORE" not in rule, rule)
    # hub port power: the group may write the ports' `disable` files
    check('*-port*/disable' in rule and "chgrp fota-station" in rule, rule)
    with open(os.path.join(prefix, "share/fota-station/examples/fota-station-mm-ignore.rules")) as f:
        check('ENV{ID_MM_DEVICE_IGNORE}="1"' in f.read(), "the opt-in ModemManager rule")
    with open(os.path.join(prefix, "share/dbus-1/system.d/fota-station.conf")) as f:
        check('send_member="InhibitDevice"' in f.read(), "the D-Bus policy")
    with open(os.path.join(prefix, "share/polkit-1/rules.d/50-fota-station.rules")) as f:
        check("org.freedesktop.ModemManager1.Control" in f.read(), "the polkit rule")
    with open(os.path.join(prefix, "lib/systemd/system/fota-station.service")) as f:
        unit = f.read()
    check("ExecStart=/" in unit and "fota-station run --job" in unit and "@CMAKE_" not in unit, unit)
    check("Conflicts=ModemManager" not in unit, unit)
    r = subprocess.run([os.path.join(prefix, "bin/fota-station"), "check", "--job",
                        os.path.join(prefix, "share/fota-station/examples/station-job.yaml")],
                       capture_output=True, text=True, cwd=c.dir)
    check(r.returncode == 0 and "4 profile(s) ok" in r.stdout, f"installed check: {r.stdout}{r.stderr}")


CASES = {
    "noop": case_noop,
    "config_errors": case_config_errors,
}
CASES.update({k[5:]: v for k, v in dict(globals()).items()
              if k.startswith("case_") and k[5:] not in CASES})


def arg_parser():
    """The options every *_it.py driver takes; a driver may add its own."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--station", required=True)
    ap.add_argument("--sim", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--build-dir")
    ap.add_argument("--cmake", default="cmake")
    ap.add_argument("cases", nargs="*")
    return ap


def run_cases(cases, args):
    """Runs the named cases (all of them when none is named), each in its own Case
    that is cleaned up however it ends; exits 1 when any failed."""
    global ARGS
    ARGS = args
    failed = 0
    for n in args.cases or list(cases):
        c = Case(n)
        t0 = time.time()
        try:
            cases[n](c)
            print(f"PASS {n} ({time.time() - t0:.1f}s)")
        except Exception as e:
            failed += 1
            print(f"FAIL {n}: {e}")
            if not isinstance(e, Fail):
                traceback.print_exc()
            print(f"  (work dir: {c.dir})")
        finally:
            c.close()
    sys.exit(1 if failed else 0)


def main():
    run_cases(CASES, arg_parser().parse_args())


if __name__ == "__main__":
    main()
