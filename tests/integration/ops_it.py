#!/usr/bin/python3
"""The operator's day: the real fota-station against fota-sim in a real terminal
(tmux) of the sizes a line PC has, and what `cmake --install` lays down.

- tmux_<cols>x<rows>: the live dashboard in a tmux pane of that size, captured
  every 0.2 s: the header is on the first line of every capture, nothing ever
  scrolled into tmux's history, no line is wider than the pane (wrapped lines are
  joined back before measuring), FAIL rows come first, slots are hub-relative.
- quit_asks: `q` with modules in flight asks once; `a` without a pause answers.
- install_files: sysusers.d, the unit pointing at the prefix's binary, man pages
  (sections 1 and 5), the documentation, every file a rule or page names.
- man5_pages: the job and profile formats' pages render cleanly, with every error
  class and a troubleshooting section.
- version, man_matches_help, profiles_not_found: --version, man pages against
  --help, and the words of a station that finds no profiles.
Usage: ops_it.py --station BIN --sim BIN --source DIR --work DIR [--build-dir DIR
--cmake CMAKE] [--captures DIR] CASE...
"""
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import station_it as it  # noqa: E402
from station_it import (SCEN_SPEED, Fail, check, local_job,  # noqa: E402
                        luhn_imei, run_on_pty, scenario_yaml)

ARGS = None
HUB = "pci-0000:00:14.0-usb-0:1"
HEADER = "FOTA"


def hub_link(i):
    """The by-path link of module i: 4 ports per hub, hubs 1.1 .. 1.N."""
    return f"{HUB}.{i // 4 + 1}.{i % 4 + 1}:1.2"


def line_modules(n, failing):
    """n RG50xQ modules on hub ports; those in `failing` end in FAIL 504 early."""
    mods = []
    for i in range(n):
        m = {"family": "RG50xQ", "slot": hub_link(i), "imei": luhn_imei(f"8640320{i:07d}")}
        if i in failing:
            m["faults"] = {"error": {"phase": "update", "code": 504, "at": 10}}
        mods.append(m)
    return mods


class Tmux:
    """One private tmux server (its own socket) with one pane of a fixed size."""

    def __init__(self, c, cols, rows):
        self.sock = os.path.join(c.dir, "tmux.sock")
        self.cols, self.rows = cols, rows

    def tmux(self, *args, check_rc=True):
        r = subprocess.run(["tmux", "-S", self.sock, *args], capture_output=True, text=True,
                           timeout=10)
        if check_rc and r.returncode != 0:
            raise Fail(f"tmux {' '.join(args)}: {r.stderr}")
        return r.stdout

    def start(self, cmd):
        env_cmd = "exec " + " ".join(f"'{a}'" for a in cmd)
        self.tmux("-f", "/dev/null", "new-session", "-d", "-s", "ops", "-x", str(self.cols),
                  "-y", str(self.rows), env_cmd)
        self.tmux("set-option", "-g", "remain-on-exit", "on")
        self.tmux("set-option", "-g", "status", "off")
        # the server sizes the window from the client; none is attached: force it
        self.tmux("resize-window", "-t", "ops", "-x", str(self.cols), "-y", str(self.rows),
                  check_rc=False)

    def capture(self):
        """The visible pane, wrapped lines joined back (so a wrap shows as width)."""
        text = self.tmux("capture-pane", "-p", "-J", "-t", "ops")
        return [l.rstrip() for l in text.split("\n")[:-1]]

    def history(self):
        return int(self.tmux("display-message", "-p", "-t", "ops", "#{history_size}").strip())

    def dead(self):
        return self.tmux("display-message", "-p", "-t", "ops", "#{pane_dead}").strip() == "1"

    def size(self):
        return self.tmux("display-message", "-p", "-t", "ops",
                         "#{pane_width}x#{pane_height}").strip()

    def keys(self, *k):
        self.tmux("send-keys", "-t", "ops", *k)

    def kill(self):
        self.tmux("kill-server", check_rc=False)


def dashboard_in_tmux(c, cols, rows, n=24, failing=(5, 13, 22), seconds=90):
    """Runs the station on a line of n modules in a cols x rows tmux pane until it
    exits; returns the list of captures (each a list of lines)."""
    job = local_job(c, "ops-line", limits={"max_parallel": 12, "max_per_hub": 0,
                                           "stop_after_same_failures": 0},
                    timeouts={"reboot": 10, "total": 80})
    c.sim("--scenario", c.write("scen.yaml", scenario_yaml(line_modules(n, set(failing)))),
          expect_links=n, speed=SCEN_SPEED)
    t = Tmux(c, cols, rows)
    caps = []
    try:
        t.start([ARGS.station, "run", "--job", job, "--db", c.db, "--ports", c.ports,
                 "--profiles", os.path.join(ARGS.source, "profiles"), "--until-idle"])
        check(t.size() == f"{cols}x{rows}", f"pane is {t.size()}, wanted {cols}x{rows}")
        end = time.time() + seconds
        while time.time() < end and not t.dead():
            # History first, then the pane: the station may print its summary (which
            # may scroll, as any program's last lines) between the two reads; read in
            # this order, that scroll shows up only together with the summary line,
            # which ends the captures. A dashboard that scrolls by itself still leaves
            # history > 0 for the next read.
            hist = t.history()
            cap = t.capture()
            # from the first frame until the summary line: then the dashboard is over
            if any(" done: pass " in l for l in cap):
                break
            if not t.dead() and (caps or any(cap)):
                caps.append((cap, hist))
            time.sleep(0.2)
        while time.time() < end and not t.dead():
            time.sleep(0.1)
        check(t.dead(), f"station did not finish within {seconds}s")
        final = t.capture()
    finally:
        t.kill()
    save = os.path.join(c.dir, "captures.txt")
    with open(save, "w") as f:
        for cap, hist in caps:
            f.write(f"--- history {hist}\n" + "\n".join(cap) + "\n")
        f.write("--- final\n" + "\n".join(final) + "\n")
    if ARGS.captures:
        os.makedirs(ARGS.captures, exist_ok=True)
        shutil.copy(save, os.path.join(ARGS.captures, f"{c.name}.txt"))
    return caps, final


def check_frames(caps, cols, rows, min_caps=10):
    check(len(caps) >= min_caps, f"only {len(caps)} captures while running")
    for k, (cap, hist) in enumerate(caps):
        where = f"capture {k}:\n" + "\n".join(cap)
        # a frame still being written may miss its tail, never its first line
        check(cap and cap[0].startswith(HEADER) and "pass " in cap[0] and "yield" in cap[0],
              f"header with counts and yield on the first line, {where}")
        check(hist == 0, f"the screen scrolled ({hist} lines in history), {where}")
        wide = [l for l in cap if len(l) > cols]
        check(not wide, f"{len(wide)} line(s) wider than {cols}: {wide[:2]}")
        check(len(cap) <= rows, f"{len(cap)} lines in a {rows}-line pane")


def slot_lines(cap):
    """Rows of the slot table (they start with a hub-relative label like 1.2.3)."""
    return [l for l in cap if re.match(r"^1\.\d+\.\d+ ", l)]


def case_tmux(c, cols, rows):
    caps, final = dashboard_in_tmux(c, cols, rows)
    if ARGS.record_only:
        return
    check_frames(caps, cols, rows)
    # Once a module failed, FAIL rows lead the table on every later frame.
    seen_fail = False
    for cap, _ in caps:
        table = slot_lines(cap)
        fails = [i for i, l in enumerate(table) if " FAIL" in l]
        if fails:
            seen_fail = True
            check(fails == list(range(len(fails))), f"FAIL rows first: {table}")
    check(seen_fail, "a FAIL row was on the dashboard")
    check(any(slot_lines(cap) for cap, _ in caps), "hub-relative slot labels (1.h.p)")
    hubs = any(l.startswith("hub 1.") for cap, _ in caps for l in cap)
    # 24 slots, the header, the titles and the free last line need 27 lines
    check(hubs == (rows < 27), f"one line per hub exactly when the slots do not fit: {hubs}")
    check(not any("usb-0:" in l for cap, _ in caps for l in slot_lines(cap)),
          "no by-path tail in the slot column")
    rows_db = c.rows()
    check(len(rows_db) == 24 and sum(r["result"] == "FAIL" for r in rows_db) == 3,
          f"24 rows, 3 FAIL: {[(r['slot'], r['result']) for r in rows_db]}")
    check(all(r["slot"].startswith(HUB) for r in rows_db), "the DB keeps the full hub path")
    # one yield, shown the same way on the dashboard and in the report
    check(any("first-pass yield 87.5% (21/24)" in l for l in final),
          f"dashboard's yield at the end: {final[:1]}")
    r = subprocess.run([ARGS.station, "report", "--db", c.db], capture_output=True, text=True)
    check(re.search(r"first-pass yield +87\.5%", r.stdout), f"report's yield: {r.stdout[:600]}")


def case_tmux_80x24(c):
    """80x24: the smallest supported terminal."""
    case_tmux(c, 80, 24)


def case_tmux_120x40(c):
    """120x40: the middle layout (model column, percent without bar)."""
    case_tmux(c, 120, 40)


def case_tmux_160x50(c):
    """160x50: a wide terminal; every slot fits."""
    case_tmux(c, 160, 50)


def case_tmux_160x60(c):
    """160x60: every slot and the whole log fit."""
    case_tmux(c, 160, 60)


def case_quit_asks(c):
    """`a` with no pause answers in one line; `q` with two modules in flight asks
    once ("QUIT? 2 modules in flight") and the station keeps going; the
    second `q` stops it and both attempts end INTERRUPTED."""
    job = local_job(c, "quit", timeouts={"reboot": 10, "total": 120})
    mods = [{"family": "RG50xQ", "slot": hub_link(i), "imei": luhn_imei(f"8640321{i:07d}"),
             "timing": {"update_s": 60, "reboot_s": 2}} for i in range(2)]
    c.sim("--scenario", c.write("scen.yaml", scenario_yaml(mods)), expect_links=2, speed=1)
    st = {"a": 0, "q1": 0, "q2": 0}

    def keys(text, write):
        last = text.split("\x1b[H")[-1]
        if not st["a"] and "running 2" in last:
            write(b"a")
            st["a"] = len(text)
        elif st["a"] and not st["q1"] and "not paused" in text[st["a"]:]:
            write(b"q")
            st["q1"] = len(text)
        elif st["q1"] and not st["q2"] and "QUIT? 2 modules in flight" in text:
            # a few more frames: the station did not stop on the first q
            if text.count("\x1b[H", st["q1"]) >= 3:
                check("stopping" not in text, "the first q stopped the station")
                write(b"q")
                st["q2"] = len(text)

    rc, text = run_on_pty([ARGS.station, "run", "--job", job, "--db", c.db, "--ports", c.ports,
                           "--profiles", os.path.join(ARGS.source, "profiles")], keys,
                          timeout=90, save=os.path.join(c.dir, "dashboard.out"))
    check(st["a"] and st["q1"] and st["q2"], f"a answered, q asked, q again: {st}")
    check("operator quit: stopping" in text[st["q2"]:], "the second q stops")
    rows = c.rows()
    check(len(rows) == 2 and all(r["result"] == "INTERRUPTED" for r in rows),
          f"both attempts INTERRUPTED: {[r['result'] for r in rows]}")


def installed(c):
    """cmake --install into a fresh prefix; returns the prefix."""
    check(ARGS.build_dir, "--build-dir not given")
    prefix = os.path.join(c.dir, "prefix")
    r = subprocess.run([ARGS.cmake, "--install", ARGS.build_dir, "--prefix", prefix],
                       capture_output=True, text=True)
    check(r.returncode == 0, f"cmake --install: {r.stdout}{r.stderr}")
    return prefix


def read(path):
    with open(path) as f:
        return f.read()


def case_install_files(c):
    """What a first-time install needs, laid down by `cmake --install --prefix X`
    (checked without systemd): the unit runs X's binary, as the user and group the
    sysusers.d file creates, and no longer waits for systemd-udev-settle; the udev
    rule's group is that group; the man pages are installed."""
    prefix = installed(c)
    unit = read(os.path.join(prefix, "lib/systemd/system/fota-station.service"))
    execs = re.findall(r"^ExecStart=(\S+)", unit, re.M)
    check(execs == [os.path.join(prefix, "bin/fota-station")],
          f"the unit runs the prefix's binary: {execs}")
    check(os.access(execs[0], os.X_OK), f"{execs[0]} is installed and executable")
    check("udev-settle" not in unit.replace("# No wait for udev to settle (systemd-udev-settle "
                                            "is deprecated)", ""),
          "no systemd-udev-settle dependency")
    check(not re.search(r"^(After|Wants|Requires)=.*udev-settle", unit, re.M), unit)
    user = re.search(r"^User=(\S+)", unit, re.M)[1]
    group = re.search(r"^Group=(\S+)", unit, re.M)[1]
    sysusers = read(os.path.join(prefix, "lib/sysusers.d/fota-station.conf"))
    lines = [l.split() for l in sysusers.splitlines() if l.strip() and not l.startswith("#")]
    check(["g", group, "-"] in [l[:3] for l in lines], f"sysusers creates group {group}: {lines}")
    u = [l for l in lines if l[0] == "u" and l[1] == user]
    check(u and u[0][2] == f"-:{group}", f"sysusers creates user {user} in {group}: {lines}")
    rule = read(os.path.join(prefix, "lib/udev/rules.d/70-fota-station.rules"))
    check(f'GROUP="{group}"' in rule, f"the udev rule gives the ports to {group}")
    for m in ("fota-station.1", "fota-sim.1"):
        check(os.path.exists(os.path.join(prefix, "share/man/man1", m)), f"man page {m}")
    for m in MAN5:
        check(os.path.exists(os.path.join(prefix, "share/man/man5", m)), f"man page {m}")
    # the documentation, where the station runs (no source tree there)
    doc = os.path.join(prefix, "share/doc/fota-station")
    for d in sorted(os.listdir(os.path.join(ARGS.source, "docs"))):
        if d.endswith(".md"):
            check(os.path.exists(os.path.join(doc, d)), f"{d} installed in {doc}")
    # every installed file a comment or a page names is there
    named = {"lib/udev/rules.d/70-fota-station.rules": ["share/dbus-1/system.d/fota-station.conf",
                                                        "share/polkit-1/rules.d/50-fota-station.rules",
                                                        "share/fota-station/examples/fota-station-mm-ignore.rules"],
             "share/polkit-1/rules.d/50-fota-station.rules": ["share/dbus-1/system.d/fota-station.conf"],
             "share/man/man1/fota-sim.1": ["share/doc/fota-station/simulator.md"]}
    for f, paths in named.items():
        text = read(os.path.join(prefix, f)).replace("\\-", "-")
        for n in re.findall(r"[\w.-]+\.(?:conf|rules|md)\b", text):
            check(os.path.basename(n) in [os.path.basename(p) for p in paths] or
                  n in ("fota-station.conf",),
                  f"{f} names {n}, which the install does not lay down under that name")
        for p in paths:
            check(os.path.exists(os.path.join(prefix, p)), f"{f} names {p}: installed")
    # systemd-sysusers itself, on an empty root: the user and group the unit names
    if shutil.which("systemd-sysusers"):
        root = os.path.join(c.dir, "root")
        os.makedirs(os.path.join(root, "etc"))
        for f in ("passwd", "group", "shadow", "gshadow"):
            open(os.path.join(root, "etc", f), "w").close()
        r = subprocess.run(["systemd-sysusers", f"--root={root}",
                            os.path.join(prefix, "lib/sysusers.d/fota-station.conf")],
                           capture_output=True, text=True)
        check(r.returncode == 0, f"systemd-sysusers: {r.stderr}")
        groups = {l.split(":")[0]: l.split(":")[2] for l in read(os.path.join(root, "etc/group")).split()}
        users = [l.split(":") for l in read(os.path.join(root, "etc/passwd")).splitlines()]
        check(group in groups, f"group {group} created: {groups}")
        check([u for u in users if u[0] == user and u[3] == groups[group]],
              f"user {user} with primary group {group}: {users}")
    else:
        print("  (systemd-sysusers not installed: the file's lines were checked only)")


def version_of(binary):
    r = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10)
    check(r.returncode == 0, f"{binary} --version: exit {r.returncode} {r.stderr}")
    return r.stdout.strip()


def case_version(c):
    """Both binaries say their version and the git description they were built
    from (the same one)."""
    st, sim = version_of(ARGS.station), version_of(ARGS.sim)
    m = re.fullmatch(r"fota-station (\d+\.\d+\.\d+) \(git (\S+)\)", st)
    check(m, f"fota-station --version: {st!r}")
    check(sim == "fota-sim " + st[len("fota-station "):], f"fota-sim --version: {sim!r}")
    git = subprocess.run(["git", "-C", ARGS.source, "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True)
    if git.returncode == 0 and m[2] != "unknown":
        # built from some commit of this repository (maybe an older one)
        r = subprocess.run(["git", "-C", ARGS.source, "cat-file", "-e",
                            m[2].replace("-dirty", "").split("-g")[-1] + "^{commit}"])
        check(r.returncode == 0, f"{m[2]} names a commit of {ARGS.source}")


def help_options(text):
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*|-o|-h)(?![\w-])", text))


def man_text(name):
    raw = read(os.path.join(ARGS.source, "docs/man", name))
    return re.sub(r"\\f[BIRP]", "", raw).replace("\\-", "-")


def case_man_matches_help(c):
    """Every option and command in every --help is described in the man page, so
    the pages cannot fall behind the binaries."""
    main = subprocess.run([ARGS.station, "--help"], capture_output=True, text=True).stdout
    commands = re.findall(r"^  ([a-z]+)  ", main, re.M)
    check(len(commands) >= 4, f"commands in --help: {commands}")
    man = man_text("fota-station.1")
    missing = [f"--version"] if "--version" not in man else []
    for cmd in commands:
        check(f".SS {cmd}" in man, f"fota-station.1 has no section for command {cmd}")
        h = subprocess.run([ARGS.station, cmd, "--help"], capture_output=True, text=True)
        missing += [f"{cmd} {o}" for o in sorted(help_options(h.stdout)) if o not in man]
    check(not missing, f"fota-station.1 lacks: {missing}")
    man = man_text("fota-sim.1")
    missing = []
    for args in (["--help"], ["mkpkg", "--help"]):
        h = subprocess.run([ARGS.sim, *args], capture_output=True, text=True)
        opts = help_options(h.stdout + h.stderr)
        check(len(opts) >= 3, f"fota-sim {args}: {opts}")
        missing += [o for o in sorted(opts) if o not in man]
    check(not missing, f"fota-sim.1 lacks: {missing}")
    for name in ("fota-station.1", "fota-sim.1"):
        r = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z",
                            os.path.join(ARGS.source, "docs/man", name)],
                           capture_output=True, text=True)
        check(r.returncode == 0 and not r.stderr.strip(), f"groff on {name}: {r.stderr}")


MAN5 = ("fota-station-job.5", "fota-station-profile.5")


def case_man5_pages(c):
    """The file formats' pages: `man -l` renders each (with the error classes and a
    troubleshooting section) and groff finds nothing to warn about; the job page
    names every error class the station records."""
    for name in MAN5:
        path = os.path.join(ARGS.source, "docs/man", name)
        r = subprocess.run(["groff", "-ww", "-man", "-Tutf8", "-z", path],
                           capture_output=True, text=True)
        check(r.returncode == 0 and not r.stderr.strip(), f"groff on {name}: {r.stderr}")
        r = subprocess.run(["man", "-l", path], capture_output=True, text=True,
                           env={**os.environ, "MANWIDTH": "80", "MAN_KEEP_FORMATTING": "0",
                                "PAGER": "cat"})
        out = re.sub(r".\x08", "", r.stdout)
        check(r.returncode == 0 and not r.stderr.strip(), f"man -l {name}: {r.stderr}")
        for sect in ("NAME", "DESCRIPTION", "ERROR CLASSES", "TROUBLESHOOTING", "SEE ALSO"):
            check(re.search(rf"^{sect}$", out, re.M), f"{name} has {sect}:\n{out[:2000]}")
        classes = re.findall(r'"([a-z_]+)"', read(os.path.join(ARGS.source, "core/fota_types.c"))
                             .split("class_names")[1].split("};")[0])
        check(len(classes) >= 17, f"classes from fota_types.c: {classes}")
        sect = out.split("ERROR CLASSES")[1].split("TROUBLESHOOTING")[0]
        missing = [k for k in classes if not re.search(rf"^\s+{k}(\s|$)", sect, re.M)]
        check(not missing, f"{name} lacks error classes {missing}")


def case_profiles_not_found(c):
    """A copy of the binary outside any tree finds no profiles and says which
    folders it tried and how to choose one; the build-tree binary, run from
    another folder, finds the source tree's profiles; FOTA_PROFILES chooses."""
    import tempfile
    # outside the build tree (the work folder is inside it)
    outside = tempfile.mkdtemp(prefix="fota-ops-")
    c.servers.append(lambda: shutil.rmtree(outside, ignore_errors=True))
    lone = os.path.join(outside, "bin", "fota-station")
    os.makedirs(os.path.dirname(lone))
    shutil.copy(ARGS.station, lone)
    env = {k: v for k, v in os.environ.items() if k != "FOTA_PROFILES"}
    r = subprocess.run([lone, "check"], capture_output=True, text=True, cwd=outside, env=env)
    if os.path.isdir("/usr/local/share/fota-station/profiles"):
        print("  (a station is installed in /usr/local: the lone binary finds its profiles)")
    else:
        check(r.returncode == 2, f"exit {r.returncode}: {r.stdout}{r.stderr}")
        check("tried" in r.stderr and "/share/fota-station/profiles" in r.stderr and
              "--profiles DIR" in r.stderr and "FOTA_PROFILES" in r.stderr,
              f"says what was tried and how to choose: {r.stderr}")
    r = subprocess.run([ARGS.station, "check"], capture_output=True, text=True, cwd=c.dir, env=env)
    check(r.returncode == 0 and "profile(s) ok" in r.stdout,
          f"build-tree binary from another folder: {r.stdout}{r.stderr}")
    env["FOTA_PROFILES"] = os.path.join(ARGS.source, "profiles")
    r = subprocess.run([lone, "check"], capture_output=True, text=True, cwd=c.dir, env=env)
    check(r.returncode == 0 and "profile(s) ok" in r.stdout, f"FOTA_PROFILES: {r.stdout}{r.stderr}")


CASES = {k[5:]: v for k, v in dict(globals()).items() if k.startswith("case_") and
         k != "case_tmux"}


def main():
    global ARGS
    ap = it.arg_parser()
    ap.add_argument("--captures", help="also copy each case's tmux captures here")
    ap.add_argument("--record-only", action="store_true",
                    help="tmux cases: keep the captures, check nothing (before/after notes)")
    ARGS = ap.parse_args()
    for k in ("station", "sim", "source", "work", "build_dir", "captures"):
        if getattr(ARGS, k):
            setattr(ARGS, k, os.path.abspath(getattr(ARGS, k)))
    it.run_cases(CASES, ARGS)


if __name__ == "__main__":
    main()
