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
    def sim(self, *args, expect_links=None, ports=None, log="sim.log"):
        ports = ports or self.ports
        out = open(os.path.join(self.dir, log), "ab")
        p = subprocess.Popen([ARGS.sim, "--ports", ports, "--speed", SPEED, *args],
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
    if timeouts:
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
    """Bad job: exit 2 naming file:line:column, before any module is touched; no
    ports directory: exit 3."""
    os.makedirs(c.ports)
    job = c.write("bad.yaml", "name: x\ntargets:\n  - family: RG50xQ\n    to: A\n    method: teleport\n")
    r = c.station(job, "--until-idle", check_rc=2)
    check(f"{job}:5:" in r.stderr, f"file:line:column expected in: {r.stderr!r}")
    check(not os.path.exists(c.db), "no database is created for a bad job")
    good = c.write("good.yaml", job_yaml("b", [dict(family="RG50xQ", to="X", method="url",
                                                  url="http://127.0.0.1:9/x.bin")]))
    r = subprocess.run([ARGS.station, "run", "--job", good, "--db", c.db, "--ports",
                        os.path.join(c.dir, "missing"), "--profiles",
                        os.path.join(ARGS.source, "profiles"), "--until-idle", "--no-dashboard"],
                       capture_output=True, text=True, timeout=30)
    check(r.returncode == 3, f"missing ports dir: exit 3, got {r.returncode} {r.stderr}")
    os.makedirs(os.path.join(c.dir, "ro"))
    os.chmod(os.path.join(c.dir, "ro"), 0o500)
    r = c.station(good, "--until-idle", db=os.path.join(c.dir, "ro", "sub", "r.db"))
    os.chmod(os.path.join(c.dir, "ro"), 0o700)
    check(r.returncode == 3, f"unwritable database: exit 3, got {r.returncode} {r.stderr}")
    r = subprocess.run([ARGS.station, "check", "--job", job, "--profiles",
                        os.path.join(ARGS.source, "profiles")], capture_output=True, text=True)
    check(r.returncode == 2 and f"{job}:5:" in r.stderr, f"check: {r.returncode} {r.stderr}")



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


CASES = {
    "noop": case_noop,
    "config_errors": case_config_errors,
}
CASES.update({k[5:]: v for k, v in dict(globals()).items()
              if k.startswith("case_") and k[5:] not in CASES})


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--station", required=True)
    ap.add_argument("--sim", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("cases", nargs="*")
    ARGS = ap.parse_args()
    names = ARGS.cases or list(CASES)
    failed = 0
    for n in names:
        c = Case(n)
        t0 = time.time()
        try:
            CASES[n](c)
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


if __name__ == "__main__":
    main()
