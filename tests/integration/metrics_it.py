#!/usr/bin/python3
"""`fota-station run --metrics HOST:PORT` (docs/station.md, "Metrics"): the real
station against fota-sim over real ptys, scraped by the real Prometheus server
(Debian's /usr/bin/prometheus) and read back through its HTTP API against the
rows of the SQLite file; scrapers that connect and never read while modules
upgrade; addresses that cannot be listened on; the example alert rules checked
and unit-tested with promtool.
Usage: metrics_it.py --station BIN --sim BIN --source DIR --work DIR CASE...
"""
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import station_it as it  # noqa: E402
import times_it  # noqa: E402
from station_it import (SCEN_SPEED, check, hub_port, local_job, luhn_imei,  # noqa: E402
                        slot_name)
from times_it import log, start_station, wait_for  # noqa: E402

ARGS = None
PROMETHEUS = "/usr/bin/prometheus"
RULES = "examples/prometheus-rules.yaml"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def metrics_url(c):
    """The address the station says it serves (--metrics 127.0.0.1:0 takes any port)."""
    wait_for("the metrics line", lambda: "metrics: http://" in log(c))
    return re.search(r"metrics: (http://\S+/metrics)", log(c)).group(1)


def scrape(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        check(r.headers["Content-Type"].startswith("text/plain; version=0.0.4"),
              f"the exposition format's content type: {r.headers['Content-Type']}")
        return r.read().decode()


def sample(page, name_and_labels):
    """The value of one sample line of a metrics page, None when absent."""
    for line in page.splitlines():
        if line.startswith(name_and_labels + " "):
            return float(line.rsplit(" ", 1)[1])
    return None


def finished_rows(c):
    return [r for r in c.rows_now() if r["result"] is not None]


def start_prometheus(c, target):
    """The real Prometheus server scraping target every second; its API's base URL."""
    cfg = c.write("prometheus.yml", "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                  "scrape_configs:\n  - job_name: fota-station\n    static_configs:\n"
                  f"      - targets: ['{target}']\n")
    for _ in range(3):  # the free port may be taken between the probe and the start
        port = free_port()
        out = open(os.path.join(c.dir, "prometheus.log"), "ab")
        p = subprocess.Popen([PROMETHEUS, f"--config.file={cfg}",
                              f"--storage.tsdb.path={os.path.join(c.dir, 'tsdb')}",
                              f"--web.listen-address=127.0.0.1:{port}"],
                             stdout=out, stderr=subprocess.STDOUT)
        c.procs.append(p)
        base = f"http://127.0.0.1:{port}"
        end = time.time() + 60
        while time.time() < end and p.poll() is None:
            try:
                with urllib.request.urlopen(base + "/-/ready", timeout=2) as r:
                    if r.status == 200:
                        return base
            except OSError:
                pass
            time.sleep(0.2)
        c.stop(p)
    raise it.Fail("prometheus did not start (prometheus.log)")


def prom_query(base, q):
    """One instant query through Prometheus's HTTP API: {labels: value}."""
    url = f"{base}/api/v1/query?query={urllib.parse.quote(q)}"
    with urllib.request.urlopen(url, timeout=5) as r:
        body = json.load(r)
    check(body["status"] == "success", f"query {q}: {body}")
    return {json.dumps(x["metric"], sort_keys=True): float(x["value"][1])
            for x in body["data"]["result"]}


def case_prometheus(c):
    """Four RG500Q modules upgraded (PASS) on one hub and an EG065K the job has no
    target for (FAIL unknown_model) on another, the station running with --metrics while the real
    Prometheus scrapes it every second. Read back through Prometheus's query API:
    sum(fota_station_attempts_total) equals the rows in the station's SQLite file,
    the FAIL's class is there, each hub has its own yield, the upgrades are in
    the histogram; the page passes `promtool check metrics`. Waits by polling the
    API, never by a fixed sleep."""
    if not os.access(PROMETHEUS, os.X_OK):
        raise it.Fail(f"{PROMETHEUS} is not installed (scripts/install-deps.sh)")
    job = local_job(c, "metrics")
    # four RG500Q on hub 1.1, an EG065K (no target in the job) on hub 1.2
    mods = [{"family": "RG50xQ", "slot": slot_name(i), "imei": luhn_imei(f"8640320530{i:04d}")}
            for i in range(4)]
    mods.append({"family": "EG06xK", "slot": slot_name(4), "imei": luhn_imei("86403205300004")})
    c.sim("--scenario", times_it.scenario(c, "scen.yaml", mods), expect_links=5, speed=SCEN_SPEED)
    st = start_station(c, job, "--metrics", "127.0.0.1:0")
    url = metrics_url(c)
    base = start_prometheus(c, urllib.parse.urlparse(url).netloc)
    wait_for("five verdicts in the file", lambda: len(finished_rows(c)) == 5, timeout=120)
    rows = c.rows()
    check(len(rows) == 5 and sum(r["result"] == "PASS" for r in rows) == 4 and
          sum(r["result"] == "FAIL" and r["error_class"] == "unknown_model" for r in rows) == 1,
          f"4 PASS, 1 FAIL unknown_model: {rows}")

    def prom_has_all():
        got = prom_query(base, "sum(fota_station_attempts_total)")
        return list(got.values()) == [float(len(rows))]

    wait_for("Prometheus to hold every attempt of the file", prom_has_all, timeout=90)
    con = sqlite3.connect(c.db)
    in_file = con.execute("SELECT count(*) FROM attempts").fetchone()[0]
    con.close()
    got = prom_query(base, "sum(fota_station_attempts_total)")
    check(list(got.values()) == [float(in_file)], f"Prometheus {got} vs {in_file} rows in the file")
    fails = prom_query(base, 'fota_station_attempts_total{result="FAIL"}')
    check(list(fails.values()) == [1.0] and '"class": "unknown_model"' in list(fails)[0],
          f"the FAIL by its class: {fails}")
    upgrades = prom_query(base, "fota_station_upgrade_duration_seconds_count")
    check(list(upgrades.values()) == [4.0], f"four upgrades in the histogram: {upgrades}")
    final = {json.loads(k)["hub"]: v for k, v in
             prom_query(base, "fota_station_hub_final_yield").items()}
    hub = [re.sub(r"\.\d+$", "", hub_port(slot_name(i))) for i in (0, 4)]
    check(final == {hub[0]: 1.0, hub[1]: 0.0},
          f"each hub's final yield: {final}")
    up = prom_query(base, 'up{job="fota-station"}')
    check(list(up.values()) == [1.0], f"the target is up: {up}")
    # the page itself passes Prometheus's own lint (names, HELP/TYPE, _total, units)
    r = subprocess.run(["promtool", "check", "metrics"], input=scrape(url), capture_output=True,
                       text=True)
    check(r.returncode == 0 and not r.stdout.strip() and not r.stderr.strip(),
          f"promtool check metrics:\n{r.stdout}{r.stderr}")
    st.send_signal(2)
    check(st.wait(60) == 1, f"exit 1 (a module failed):\n{log(c)}")


def stalled_clients(addr, n_silent=6, n_half=2, n_unread=2):
    """Scrapers that never finish: connected and silent, a request cut in its
    headers, and requests pipelined into a 1 KB receive buffer nobody reads."""
    socks = []
    for i in range(n_silent + n_half + n_unread):
        s = socket.socket()
        if i >= n_silent + n_half:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
        s.connect(addr)
        if i >= n_silent + n_half:
            s.setblocking(False)
            req = b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n" * 200
            try:
                s.send(req)
            except BlockingIOError:
                pass
        elif i >= n_silent:
            s.send(b"GET /metrics HTTP/1.1\r\nHost: ")
        socks.append(s)
    return socks


def case_stalled_scrapers(c):
    """Ten scrapers that connect and never read (silent, half a request, pipelined
    requests into a receive buffer nobody empties) for the whole run of four
    upgrades: every module passes, the loop is never held (its lateness histogram,
    sampled every 100 ms, has no sample later than 2.5 s, and the longest gap
    between redraw ticks stays under 2.5 s), and a fresh scrape is still answered
    while they hang on. A loop that served HTTP itself would stall for as long as
    a scraper does (here the whole run)."""
    job = local_job(c, "stalled")
    c.sim("--count", "4", "--family", "RG50xQ", expect_links=4)
    st = start_station(c, job, "--metrics", "127.0.0.1:0")
    url = metrics_url(c)
    u = urllib.parse.urlparse(url)
    socks = stalled_clients((u.hostname, u.port))
    try:
        wait_for("four verdicts", lambda: len(finished_rows(c)) == 4, timeout=120)
        page = scrape(url)  # answered while ten scrapers hang on
        count = sample(page, "fota_station_loop_lateness_seconds_count")
        under = sample(page, 'fota_station_loop_lateness_seconds_bucket{le="2.5"}')
        check(count and count >= 10 and under == count,
              f"no loop sample later than 2.5 s ({under} of {count}):\n{page}")
        check(sample(page, 'fota_station_attempts_total{result="PASS",class="none"}') == 4, page)
    finally:
        for s in socks:
            s.close()
    st.send_signal(15)
    check(st.wait(60) == 0, f"exit 0:\n{log(c)}")
    rows = c.rows()
    check(len(rows) == 4 and all(r["result"] == "PASS" for r in rows), f"4 PASS: {rows}")
    gap = int(re.search(r"longest gap between ticks (\d+) ms", log(c)).group(1))
    check(gap < 2500, f"the loop kept its 250 ms ticks (longest gap {gap} ms)")


def case_bad_address(c):
    """--metrics that cannot be served stops the station at start, exit 2, in words,
    with nothing touched (no results file): a malformed address (the usage follows),
    a name that does not resolve, an address no interface has, a port in use."""
    job = local_job(c, "bad")
    c.sim("--count", "1", "--family", "RG50xQ", expect_links=1)
    held = socket.socket()
    held.bind(("127.0.0.1", 0))
    held.listen()
    port = held.getsockname()[1]
    cases = [("127.0.0.1", "wants HOST:PORT"), ("127.0.0.1:65536", "wants HOST:PORT"),
             ("nosuchhost.invalid:9477", "cannot resolve nosuchhost.invalid"),
             ("192.0.2.1:9477", "no interface of this pc has that address"),
             (f"127.0.0.1:{port}", "address already in use")]
    try:
        for addr, words in cases:
            r = c.station(job, "--metrics", addr, "--until-idle", timeout=30)
            out = r.stdout + r.stderr
            check(r.returncode == 2, f"--metrics {addr}: exit {r.returncode}, expected 2\n{out}")
            check("--metrics" in r.stderr and words.lower() in r.stderr.lower(),
                  f"--metrics {addr}: says '{words}':\n{r.stderr}")
            check(not os.path.exists(c.db), f"--metrics {addr}: no results file made")
    finally:
        held.close()


def case_rules(c):
    """The example alert rules (examples/prometheus-rules.yaml) pass `promtool check
    rules`, and `promtool test rules` shows each alert firing on the series it is
    meant for and staying quiet otherwise (tests/integration/metrics_rules_test.yaml)."""
    promtool = shutil.which("promtool")
    rules = os.path.join(ARGS.source, RULES)
    r = subprocess.run([promtool, "check", "rules", rules], capture_output=True, text=True)
    check(r.returncode == 0, f"promtool check rules:\n{r.stdout}{r.stderr}")
    test = os.path.join(c.dir, "rules_test.yaml")
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "metrics_rules_test.yaml")) as f:
        text = f.read().replace("@RULES@", rules)
    with open(test, "w") as f:
        f.write(text)
    r = subprocess.run([promtool, "test", "rules", test], capture_output=True, text=True)
    check(r.returncode == 0, f"promtool test rules:\n{r.stdout}{r.stderr}")


def case_central_lag(c):
    """--central with --metrics, against a real PostgreSQL (tests/central/pgserver.py):
    connected and caught up after two verdicts (up 1, behind 0); the server stopped,
    the page says so (up 0, offline seconds counting) and two more verdicts
    committed meanwhile are two attempts behind; the server back, everything
    arrives and the page is caught up again."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "central"))
    import pgserver
    pg = pgserver.PgServer()
    c.servers.append(pg.close)

    def shipped():
        try:
            return int(pg.psql("SELECT count(*) FROM attempts")[0][0])
        except RuntimeError:  # the shipper has not made the schema yet
            return 0

    def line(tag, first):
        mods = [{"family": "RG50xQ", "slot": slot_name(i), "imei": luhn_imei(f"86403205{first + i:06d}")}
                for i in range(2)]
        return c.sim("--scenario", times_it.scenario(c, f"scen-{tag}.yaml", mods), expect_links=2,
                     speed=SCEN_SPEED, log=f"sim-{tag}.log")

    job = local_job(c, "central", timeouts={"reboot": 10, "total": 60})
    a = line("a", 0)
    st = start_station(c, job, "--central", pg.dsn(), "--metrics", "127.0.0.1:0")
    url = metrics_url(c)

    def page_says(**want):
        page = scrape(url)
        return all(sample(page, f"fota_station_central_{k}") == v for k, v in want.items())

    wait_for("two verdicts shipped", lambda: len(finished_rows(c)) == 2 and shipped() == 2, 60)
    wait_for("connected and caught up on the page", lambda: page_says(up=1, behind_attempts=0), 30)
    check(page_says(offline_seconds=0), scrape(url))
    pg.stop()
    # the idle shipper asks the server every 5 s: the outage shows without a result
    wait_for("the outage on the page", lambda: page_says(up=0), 30)
    c.stop(a)
    line("b", 100)
    wait_for("two more verdicts while the server is down", lambda: len(finished_rows(c)) == 4, 60)
    wait_for("two attempts behind", lambda: page_says(up=0, behind_attempts=2), 10)
    page = scrape(url)
    check(sample(page, "fota_station_central_offline_seconds") > 0, page)
    pg.start()
    wait_for("everything shipped", lambda: shipped() == 4, 40)
    wait_for("caught up again on the page", lambda: page_says(up=1, behind_attempts=0,
                                                              offline_seconds=0), 30)
    st.send_signal(15)
    check(st.wait(60) == 0, f"exit 0:\n{log(c)}")


def case_unit_dropin(c):
    """The example drop-in (packaging/fota-station-metrics.conf) as systemd reads it
    over the packaged unit (systemd-analyze with --root, no running systemd): one
    ExecStart, the unit's with --metrics; binding limited to the metrics port; the
    unit's address families kept (AF_INET, AF_INET6); the exposure score still OK.
    Then that very command line runs (files and ports swapped for the test's, the
    port for a free one) and serves /metrics. Enforcement of SocketBindAllow and
    IPAddressDeny needs a real systemd and is not checked here."""
    import shlex
    analyze = shutil.which("systemd-analyze")
    root = os.path.join(c.dir, "root")
    units = os.path.join(root, "etc/systemd/system")
    os.makedirs(os.path.join(units, "fota-station.service.d"))
    os.makedirs(os.path.join(root, "usr/bin"))
    shutil.copy(ARGS.station, os.path.join(root, "usr/bin/fota-station"))
    for src, dst in (("fota-station.service", "fota-station.service"),
                     ("fota-station-metrics.conf", "fota-station.service.d/metrics.conf")):
        with open(os.path.join(ARGS.source, "packaging", src)) as f:
            text = f.read().replace("@CMAKE_INSTALL_FULL_BINDIR@", "/usr/bin")
        with open(os.path.join(units, dst), "w") as f:
            f.write(text)
    env = dict(os.environ, SYSTEMD_LOG_LEVEL="debug")
    r = subprocess.run([analyze, "verify", f"--root={root}", "fota-station.service"],
                       capture_output=True, text=True, env=env)
    dump = r.stdout + r.stderr
    check("metrics.conf" in dump, f"the drop-in is read:\n{dump[-3000:]}")
    cmds = re.findall(r"Command Line: (.*)", dump)
    check(len(cmds) == 1 and cmds[0].endswith("--metrics 127.0.0.1:9477"),
          f"one ExecStart, the unit's with --metrics: {cmds}")
    check("SocketBindAllow: tcp:9477" in dump and "SocketBindDeny: any" in dump,
          f"binding limited to the metrics port:\n{dump[-3000:]}")
    r = subprocess.run([analyze, "security", "--offline=true", f"--root={root}", "--no-pager",
                        "fota-station.service"], capture_output=True, text=True)
    check(re.search(r"RestrictAddressFamilies=~AF_\(INET\|INET6\)\s+Service may allocate "
                    r"Internet sockets", r.stdout), f"IP sockets allowed:\n{r.stdout[-3000:]}")
    m = re.search(r"Overall exposure level for fota-station.service: ([\d.]+)", r.stdout)
    check(m and float(m.group(1)) <= 4.0, f"exposure with the drop-in:\n{r.stdout[-2000:]}")
    # the drop-in's command line, runnable: the test's files, a free port
    argv = shlex.split(cmds[0])
    swap = {"--job": local_job(c, "dropin"), "--db": c.db,
            "--log-dir": os.path.join(c.dir, "logs"), "--metrics": "127.0.0.1:0"}
    argv = [ARGS.station] + [swap.get(argv[i - 1], a) for i, a in enumerate(argv) if i > 0]
    argv += ["--ports", c.ports, "--profiles", os.path.join(ARGS.source, "profiles")]
    c.sim("--count", "1", "--family", "RG50xQ", expect_links=1)
    with open(os.path.join(c.dir, "station.log"), "w") as out:
        st = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
    c.procs.append(st)
    url = metrics_url(c)
    wait_for("the verdict", lambda: len(finished_rows(c)) == 1)
    wait_for("the verdict on the page",
             lambda: sample(scrape(url), 'fota_station_attempts_total{result="PASS",class="none"}') == 1)
    st.send_signal(15)
    check(st.wait(60) == 0, f"exit 0:\n{log(c)}")


CASES = {k[5:]: v for k, v in dict(globals()).items() if k.startswith("case_")}
# What each case needs beyond the station: without it the case is skipped (77).
NEEDS = {"prometheus": PROMETHEUS, "rules": "promtool", "unit_dropin": "systemd-analyze"}


def main():
    global ARGS
    ARGS = it.arg_parser().parse_args()
    times_it.ARGS = ARGS
    for n in ARGS.cases:
        if n in NEEDS and not shutil.which(NEEDS[n]):
            print(f"SKIP {n}: {NEEDS[n]} is not installed (Debian package prometheus)")
            sys.exit(77)
    it.run_cases(CASES, ARGS)


if __name__ == "__main__":
    main()
