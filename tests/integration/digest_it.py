#!/usr/bin/python3
"""URL packages pinned by a sha256 (digest_it.py --help): the real fota-station
fetches such a package once at start from a real HTTP or FTP server on 127.0.0.1,
compares its sha256 and records it on every row (and in the run's packages line);
a wrong digest, a server that is down or refuses the login refuse the job (exit 2)
before any module is touched, in words that name the package, the URL without its
credentials, and both digests; the FTP password never shows in stdout, stderr,
transcripts or the database file. `check` says what it fetched and warns about URL
packages without a sha256. Usage: digest_it.py --station BIN --sim BIN --source DIR
--work DIR CASE...
"""
import glob
import os
import socket
import sqlite3
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import station_it as it  # noqa: E402
from station_it import FAMILIES, check, job_yaml  # noqa: E402

ARGS = None
FAM = FAMILIES["RG50xQ"]
A05 = "RG500QEAAAR11A05M4G"
FTP_USER, FTP_PW = "fwaudit", "Zq9-ftp-S3cret"
TIMEOUTS = {"reboot": 20, "total": 120}


def pinned(text, url, sha):
    """A job text whose target's bare url carries sha (the target-level pin)."""
    line = f'    url: "{url}"\n'
    check(line in text, "job_yaml wrote the bare url")
    return text.replace(line, f"{line}    sha256: {sha}\n")


def full_image(c, name="full.bin"):
    """An RG50xQ full image (any revision -> A07) and its sha256."""
    return c.mkpkg("RG50xQ", None, FAM["to"], name)


def fetched(name, path):
    """The start's line for a pinned package fetched and matched."""
    return f"URL package {name}: {os.path.getsize(path)} bytes fetched, sha256 matched"


def closed_port():
    """A port on 127.0.0.1 nothing listens on (bound, then closed)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run_check(c, job):
    r = subprocess.run([ARGS.station, "check", "--job", job, "--profiles",
                        os.path.join(ARGS.source, "profiles")],
                       capture_output=True, text=True, timeout=60)
    with open(os.path.join(c.dir, "check.log"), "a") as f:
        f.write(f"{r.stdout}{r.stderr}rc={r.returncode}\n")
    return r


def refused(c, r, *wants):
    """Exit 2 at start, each expected phrase on stderr, nothing recorded."""
    check(r.returncode == 2, f"exit 2 expected, got {r.returncode}\n{r.stdout}\n{r.stderr}")
    for w in wants:
        check(w in r.stderr, f"{w!r} expected on stderr:\n{r.stderr}")
    check(not os.path.exists(c.db) or c.rows() == [], "no row for a refused job")


def case_http_rows(c):
    """A target's bare HTTP url pinned by its sha256 (written in capitals): fetched at
    start, said so, and every row and the run's packages line carry the digest."""
    path, digest = full_image(c)
    url = f"{c.http(os.path.dirname(path))}/full.bin"
    c.sim("--count", "2", "--family", "RG50xQ", expect_links=2)
    job = c.write("job.yaml", pinned(job_yaml("pinned-http", [dict(
        family="RG50xQ", to=FAM["to"], method="url", url=url)], timeouts=TIMEOUTS),
        url, digest.upper()))
    r = c.station(job, "--until-idle", check_rc=0)
    check(fetched("full.bin", path) in r.stdout,
          f"the start says it fetched and matched:\n{r.stdout}")
    rows = c.rows()
    check(len(rows) == 2, f"2 rows expected: {rows}")
    for row in rows:
        check(row["result"] == "PASS" and row["package_sha256"] == digest and
              row["package_names"] == "full.bin", f"row: {row}")
    con = sqlite3.connect(c.db)
    packages = con.execute("SELECT packages FROM runs").fetchall()
    con.close()
    check(packages == [(f"{digest}  full.bin (any -> {FAM['to']})",)],
          f"runs.packages: {packages}")


def case_chain_rows(c):
    """A chain of two pinned HTTP deltas (A05 -> A06 -> A07): both fetched once at
    start, and the row's package_sha256 lists both digests, comma-separated in hop
    order, as for local packages."""
    p1, d1 = c.mkpkg("RG50xQ", A05, FAM["rev"], "a05-a06.pkg")
    path, d2 = c.mkpkg("RG50xQ", FAM["rev"], FAM["to"], "a06-a07.pkg")
    base = c.http(os.path.dirname(path))
    c.sim("--count", "1", "--family", "RG50xQ", "--revision", A05, expect_links=1)
    job = c.write("job.yaml", job_yaml("pinned-chain", [dict(
        family="RG50xQ", to=FAM["to"], method="url", packages=[
            {"from": FAM["rev"], "to": FAM["to"], "url": f"{base}/a06-a07.pkg", "sha256": d2},
            {"from": A05, "to": FAM["rev"], "url": f"{base}/a05-a06.pkg", "sha256": d1}])],
        timeouts=TIMEOUTS))
    r = c.station(job, "--until-idle", check_rc=0)
    for name, p in (("a05-a06.pkg", p1), ("a06-a07.pkg", path)):
        check(fetched(name, p) in r.stdout, f"{name} fetched at start:\n{r.stdout}")
    rows = c.rows()
    check(len(rows) == 1 and rows[0]["result"] == "PASS" and rows[0]["hops"] == 2,
          f"one row, two hops: {rows}")
    check(rows[0]["package_sha256"] == f"{d1},{d2}" and
          rows[0]["package_names"] == "a05-a06.pkg,a06-a07.pkg", f"row: {rows[0]}")


def case_wrong_sha(c):
    """A pinned package whose server file differs: refused at start, exit 2, in words
    naming the package, its URL and both digests; no module touched, no row."""
    path, digest = c.mkpkg("RG50xQ", FAM["rev"], FAM["to"], "a06-a07.pkg")
    url = f"{c.http(os.path.dirname(path))}/a06-a07.pkg"
    wrong = "0" * 64
    c.sim("--count", "1", "--family", "RG50xQ", expect_links=1)
    job = c.write("job.yaml", job_yaml("pinned-wrong", [dict(
        family="RG50xQ", to=FAM["to"], method="url",
        packages=[{"from": FAM["rev"], "to": FAM["to"], "url": url, "sha256": wrong}])],
        timeouts=TIMEOUTS))
    r = c.station(job, "--until-idle", timeout=60)
    refused(c, r, f"{job}:", "URL package a06-a07.pkg: sha256 mismatch for " + url,
            f"the job says {wrong}", f"the server's file has {digest}", "the job is refused")
    r = run_check(c, job)
    check(r.returncode == 2 and f"the server's file has {digest}" in r.stderr,
          f"check refuses it too: {r.returncode}\n{r.stderr}")


def leaks(c, *texts):
    """Every place the password could reach: what the station printed, transcripts,
    the database file and its WAL (raw bytes, every table)."""
    found = [f"output #{i}" for i, t in enumerate(texts) if FTP_PW in t]
    for f in glob.glob(os.path.join(c.dir, "logs", "*")) + glob.glob(c.db + "*"):
        with open(f, "rb") as fh:
            if FTP_PW.encode() in fh.read():
                found.append(f)
    return found


def case_ftp_credentials(c):
    """A pinned FTP package with user:password in its URL: fetched with them, rows
    PASS with the digest; then the same job with a wrong password is refused with
    the server's answer, the URL shown as ftp://***@host. The password is in no
    output, transcript or database byte."""
    path, digest = c.mkpkg("RG50xQ", FAM["rev"], FAM["to"], "a06-a07.pkg")
    hostport, user, pw = c.ftp(os.path.dirname(path), user=FTP_USER, password=FTP_PW)

    def job_with(password, name):
        url = f"ftp://{user}:{password}@{hostport}/a06-a07.pkg"
        return c.write(name, job_yaml("pinned-ftp", [dict(
            family="RG50xQ", to=FAM["to"], method="url",
            packages=[{"from": FAM["rev"], "to": FAM["to"], "url": url, "sha256": digest}])],
            timeouts=TIMEOUTS))

    c.sim("--count", "2", "--family", "RG50xQ", expect_links=2)
    r = c.station(job_with(pw, "job.yaml"), "--until-idle", "--log-dir",
                  os.path.join(c.dir, "logs"), check_rc=0)
    check(fetched("a06-a07.pkg", path) in r.stdout, f"fetched at start:\n{r.stdout}")
    rows = c.rows()
    check(len(rows) == 2 and all(x["result"] == "PASS" and x["package_sha256"] == digest
                                 for x in rows), f"rows: {rows}")
    found = leaks(c, r.stdout, r.stderr)
    check(not found, f"FTP password found in {found}")
    bad = job_with(FTP_PW + "x", "bad.yaml")
    for f in glob.glob(c.db + "*"):
        os.remove(f)
    r2 = c.station(bad, "--until-idle", timeout=60)
    refused(c, r2, f"URL package a06-a07.pkg: cannot fetch ftp://***@{hostport}/a06-a07.pkg",
            "check the user and password in the URL", "the job is refused")
    r3 = run_check(c, bad)
    check(r3.returncode == 2 and "cannot fetch ftp://***@" in r3.stderr, f"check: {r3.stderr}")
    found = leaks(c, r2.stdout, r2.stderr, r3.stdout, r3.stderr)
    check(not found, f"FTP password found in {found}")


def case_server_down(c):
    """A pinned package on a server that is down: refused at start, exit 2, saying
    it could not fetch it and asking whether the server is up."""
    port = closed_port()
    url = f"http://127.0.0.1:{port}/a06-a07.pkg"
    c.sim("--count", "1", "--family", "RG50xQ", expect_links=1)
    job = c.write("job.yaml", job_yaml("pinned-down", [dict(
        family="RG50xQ", to=FAM["to"], method="url",
        packages=[{"from": FAM["rev"], "to": FAM["to"], "url": url, "sha256": "1" * 64}])],
        timeouts=TIMEOUTS))
    r = c.station(job, "--until-idle", timeout=60)
    refused(c, r, f"URL package a06-a07.pkg: cannot fetch {url} to check its sha256",
            "is the server up", "the job is refused")


def https_server(c, root):
    """An HTTPS server with a self-signed certificate, made by scripts/test-servers.py's
    own helpers; returns its base URL."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "test_servers", os.path.join(ARGS.source, "scripts", "test-servers.py"))
    ts = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ts)
    srv, port = ts.http_server("127.0.0.1", root, ts.make_cert(c.dir))
    c.servers.append(srv.shutdown)
    return f"https://127.0.0.1:{port}"


def case_https_untrusted(c):
    """A pinned HTTPS package on a server whose certificate this machine does not
    trust: refused at start, saying so, rather than hashing what anyone could serve."""
    path, digest = c.mkpkg("RG50xQ", FAM["rev"], FAM["to"], "a06-a07.pkg")
    url = f"{https_server(c, os.path.dirname(path))}/a06-a07.pkg"
    c.sim("--count", "1", "--family", "RG50xQ", expect_links=1)
    job = c.write("job.yaml", job_yaml("pinned-https", [dict(
        family="RG50xQ", to=FAM["to"], method="url",
        packages=[{"from": FAM["rev"], "to": FAM["to"], "url": url, "sha256": digest}])],
        timeouts=TIMEOUTS))
    r = c.station(job, "--until-idle", timeout=60)
    refused(c, r, f"URL package a06-a07.pkg: cannot fetch {url} to check its sha256",
            "certificate is not trusted by this machine", "the job is refused")


def case_check_lines(c):
    """check fetches the pinned URL package and says so; the one without a sha256 is
    NOT fetched, and check warns it cannot be audited."""
    path, digest = full_image(c)
    base = c.http(os.path.dirname(path))
    job = c.write("job.yaml", pinned(job_yaml("check-pinned", [dict(
        family="RG50xQ", to=FAM["to"], method="url", url=f"{base}/full.bin",
        packages=[{"from": FAM["rev"], "to": FAM["to"], "url": f"{base}/nosha.bin"}])]),
        f"{base}/full.bin", digest))
    r = run_check(c, job)
    out = r.stdout
    check(r.returncode == 0, f"check passes: {r.returncode}\n{out}\n{r.stderr}")
    for w in ("2 URL package(s): 1 fetched and matched, 1 without a sha256: NOT fetched",
              fetched("full.bin", path),
              "not checked for those without a sha256: whether the server has the file",
              f"warning: URL package nosha.bin ({base}/nosha.bin) has no sha256: it cannot "
              "be audited"):
        check(w in out, f"{w!r} expected in:\n{out}")
    check("full.bin (" not in out.split("warning:", 1)[-1], "the pinned one is not warned about")


CASES = {k[5:]: v for k, v in dict(globals()).items() if k.startswith("case_")}


def main():
    global ARGS
    ARGS = it.arg_parser().parse_args()
    it.run_cases(CASES, ARGS)


if __name__ == "__main__":
    main()
