#!/usr/bin/env python3
"""`fota-station check` on bad input, one case per run (input_it.py --help).

Each case writes a job next to the shipped profiles and runs the real binary:
the exit code is 2, stderr names the place and says what is wrong (every mistake,
not only the first), nothing hangs and no password is printed; on a good job, it
says what it checked: local files read and hashed, URLs checked but not fetched."""
import argparse
import hashlib
import os
import shutil
import subprocess
import sys

SECRET = "Sup3rS3cretPW"


def run_check(args, job, timeout=10, extra=()):
    p = subprocess.run([args.station, "check", "--job", job, "--profiles",
                        os.path.join(args.source, "profiles"), *extra],
                       capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout + p.stderr


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def expect(rc, out, want_rc, *wants, absent=()):
    print(out)
    ok = rc == want_rc and all(w in out for w in wants) and not any(a in out for a in absent)
    if not ok:
        print(f"FAIL: rc={rc} (want {want_rc}), want {wants}, absent {absent}")
    return ok


def case_password_masked(args, work):
    head = "name: n\ntargets:\n  - models: [RG500Q]\n    to: B\n    method: url\n    packages:\n"
    job = write(os.path.join(work, "job.yaml"),
                head + f"      - {{from: A, url: 'gopher://u:{SECRET}@10.0.0.1/x.bin'}}\n")
    rc, out = run_check(args, job)
    ok = expect(rc, out, 2, "job.yaml:7:9: url 'gopher://u:***@10.0.0.1/x.bin'", absent=(SECRET,))
    job = write(os.path.join(work, "job2.yaml"),
                head + f"      - {{from: C, url: 'ftp://u:Space {SECRET}@10.0.0.1/'}}\n")
    rc, out = run_check(args, job)
    return ok and expect(rc, out, 2, "job2.yaml:7:24: packages[]: 'ftp://u:***@10.0.0.1/' names no file",
                         absent=(SECRET,))


def case_at_injection(args, work):
    job = write(os.path.join(work, "job.yaml"),
                "name: n\ntargets:\n  - family: EC200T\n    to: B\n    method: url\n"
                "    url: \"http://h/a.bin\\\",5,\\\"x\"\n")
    rc, out = run_check(args, job)
    return expect(rc, out, 2, "job.yaml:6:10: targets[].url: a '\"' would end the quoted AT argument")


def case_fifo_job(args, work):
    fifo = os.path.join(work, "job.fifo")
    os.mkfifo(fifo)
    try:
        rc, out = run_check(args, fifo, timeout=10)
    except subprocess.TimeoutExpired:
        print("FAIL: check hung on a FIFO")
        return False
    return expect(rc, out, 2, "cannot read: not a regular file")


def case_dev_zero_package(args, work):
    job = write(os.path.join(work, "job.yaml"),
                "name: n\ntargets:\n  - family: EC200T\n    to: B\n    method: stream\n"
                "    packages:\n      - {file: /dev/zero}\n")
    rc, out = run_check(args, job)
    return expect(rc, out, 2, "job.yaml:7:9: package file /dev/zero: not a regular file")


def case_url_only_wording(args, work):
    # Nothing is read for a URL: check must not claim it hashed anything.
    job = write(os.path.join(work, "job.yaml"),
                "name: n\ntargets:\n  - family: RG50xQ\n    to: B\n    method: url\n"
                "    url: 'http://10.0.0.1/full.zip'\n    packages:\n"
                "      - {from: A, url: 'http://10.0.0.1/a.zip'}\n"
                "      - {from: C, url: 'https://fw.example/c.zip'}\n")
    rc, out = run_check(args, job)
    return expect(rc, out, 0, "1 target(s) ok", "3 URL package(s): NOT fetched",
                  "checked as text: scheme://host/file form, scheme allowed by the profile",
                  "not checked: whether the server has the file",
                  absent=("hashed", "local package"))


def case_mixed_counts(args, work):
    data = b"firmware" * 100
    with open(os.path.join(work, "p.bin"), "wb") as f:
        f.write(data)
    job = write(os.path.join(work, "job.yaml"),
                "name: n\ntargets:\n  - family: RG50xQ\n    to: B\n    method: url\n"
                "    url: 'http://10.0.0.1/full.zip'\n"
                "  - family: EC200T\n    to: B\n    method: stream\n    packages:\n"
                f"      - {{from: A, file: p.bin, sha256: {hashlib.sha256(data).hexdigest()}}}\n"
                "      - {from: C, file: p.bin}\n")
    rc, out = run_check(args, job)
    return expect(rc, out, 0, "2 target(s) ok",
                  "2 local package(s): 1 file(s) read and hashed; sha256 matched for 1, "
                  "1 without a sha256 to compare", "1 URL package(s): NOT fetched")


def case_every_error_listed(args, work):
    # Two independent mistakes: both printed, each with line:column, and refused.
    job = write(os.path.join(work, "job.yaml"),
                "name: n\ntargets:\n  - family: RG50xQ\n    to: B\n    method: url\n"
                "    url: 'http:///full.zip'\nlimits: {max_parallel: 0}\n")
    rc, out = run_check(args, job)
    ok = expect(rc, out, 2, "job.yaml:6:10: targets[].url: 'http:///full.zip' has no valid host",
                "job.yaml:7:24: limits.max_parallel: 0 is out of range",
                absent=("profile(s) ok",))
    # A target no profile fits, and a missing package file: both, in one run.
    job = write(os.path.join(work, "job2.yaml"),
                "name: n\ntargets:\n  - family: NoSuch\n    to: B\n    method: stream\n"
                "    packages:\n      - {from: A, file: missing.bin}\n")
    rc, out = run_check(args, job)
    return ok and expect(rc, out, 2, "job2.yaml:3:5: family 'NoSuch' has no profile",
                         "job2.yaml:7:9: package file", "missing.bin: not found")


def case_list_bounded(args, work):
    # 25 wrong targets: 20 printed, then how many more; still exit 2.
    rows = "".join(f"  - {{family: RG50xQ, to: B, method: m{i}, url: 'http://h/a.zip'}}\n"
                   for i in range(25))
    job = write(os.path.join(work, "job.yaml"), "name: n\ntargets:\n" + rows)
    rc, out = run_check(args, job)
    return expect(rc, out, 2, "job.yaml:3:", "job.yaml:22:", "... and 5 more error(s) not shown",
                  absent=("job.yaml:23:",)) and out.count("unknown method") == 20


def case_package_outside(args, work):
    # A package reached through ".." (or a link) out of the job's folder: a warning
    # naming the real path; a package inside the folder, through a link, none.
    os.makedirs(os.path.join(work, "line", "packages"))
    outside = os.path.join(work, "elsewhere.bin")
    with open(outside, "wb") as f:
        f.write(b"firmware" * 10)
    with open(os.path.join(work, "line", "packages", "ok.bin"), "wb") as f:
        f.write(b"firmware" * 10)
    os.symlink("ok.bin", os.path.join(work, "line", "packages", "alias.bin"))
    job = write(os.path.join(work, "line", "job.yaml"),
                "name: n\ntargets:\n  - family: EC200T\n    to: B\n    method: stream\n"
                "    packages:\n      - {from: A, file: ../elsewhere.bin}\n"
                "      - {from: C, file: packages/alias.bin}\n")
    rc, out = run_check(args, job)
    real = os.path.realpath(outside)
    return expect(rc, out, 0, f"is outside the job's folder {os.path.realpath(os.path.dirname(job))}: "
                  f"it is {real}", absent=("alias.bin is outside",))


def rg(x):
    return f"RG500QEAAAR11{x}M4G"


def plan_job(work, middle_to):
    """A04 -> A05 -> A06 -> A07 in three local deltas; middle_to is where the second
    one leads (A06, or the typo A6). Returns the job and each file's sha256."""
    digests = {}
    for name in ("a04-a05.zip", "a05-a06.zip", "a06-a07.zip"):
        data = name.encode() * 100
        with open(os.path.join(work, name), "wb") as f:
            f.write(data)
        digests[name] = hashlib.sha256(data).hexdigest()
    job = write(os.path.join(work, "job.yaml"),
                "name: n\ntargets:\n  - models: [RG500Q]\n"
                f"    to: {rg('A07')}\n    method: local\n    packages:\n"
                f"      - {{from: {rg('A04')}, to: {rg('A05')}, file: a04-a05.zip}}\n"
                f"      - {{from: {rg('A05')}, to: {rg(middle_to)}, file: a05-a06.zip}}\n"
                f"      - {{from: {rg('A06')}, to: {rg('A07')}, file: a06-a07.zip}}\n")
    return job, digests


def case_plan_typo(args, work):
    # The job loads (every field is well formed) but every A04 and A05 module would
    # FAIL no_package: flagged; --strict makes it exit 1.
    job, _ = plan_job(work, "A6")
    rc, out = run_check(args, job)
    wants = (f"job.yaml:8:9: package a05-a06.zip ({rg('A05')} -> {rg('A6')}) leads nowhere",
             f"job.yaml:8:9: modules at {rg('A05')} have no path to {rg('A07')}",
             f"job.yaml:7:9: modules at {rg('A04')} have no path",
             f"from-revisions covered: {rg('A06')}\n", "3 plan warnings")
    ok = expect(rc, out, 0, *wants)
    rc, out = run_check(args, job, extra=("--strict",))
    return expect(rc, out, 1, *wants) and ok


def case_plan_good(args, work):
    # Every chain printed, each local file's sha256 to pin; --strict exits 0.
    job, digests = plan_job(work, "A06")
    rc, out = run_check(args, job, extra=("--strict",))
    return expect(rc, out, 0, f"{rg('A04')} -> {rg('A05')} -> {rg('A06')} -> {rg('A07')}  "
                  "[3 packages: a04-a05.zip a05-a06.zip a06-a07.zip]",
                  f"from-revisions covered: {rg('A04')} {rg('A05')} {rg('A06')}\n",
                  *(f"sha256 {d}  {n} (not pinned" for n, d in digests.items()),
                  absent=("warning",))


CASES = {
    "check_plan_typo": case_plan_typo,
    "check_plan_good": case_plan_good,
    "check_package_outside": case_package_outside,
    "check_password_masked": case_password_masked,
    "check_at_injection": case_at_injection,
    "check_fifo_job": case_fifo_job,
    "check_dev_zero_package": case_dev_zero_package,
    "check_url_only_wording": case_url_only_wording,
    "check_mixed_counts": case_mixed_counts,
    "check_every_error_listed": case_every_error_listed,
    "check_list_bounded": case_list_bounded,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--station", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("case", choices=sorted(CASES))
    args = ap.parse_args()
    work = os.path.join(args.work, args.case)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    return 0 if CASES[args.case](args, work) else 1


if __name__ == "__main__":
    sys.exit(main())
