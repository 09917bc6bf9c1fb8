"""A throwaway PostgreSQL from the Debian packages for the central-database tests
and the benchmark: initdb into a temp folder, pg_ctl on a free port on 127.0.0.1.
PostgreSQL refuses to run as root, so as root the server runs as the `postgres`
user (the Debian package creates it) and the folder is owned by it.

The superuser `fota` has a password (scram-sha-256 over TCP): the tests check it
never shows up anywhere. `psql()` reads the central database back."""
import glob
import os
import re
import shutil
import socket
import subprocess
import tempfile

PASSWORD = "Pg-S3cret-pw-4c7f"


def _bindir():
    dirs = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    if not dirs:
        raise RuntimeError("PostgreSQL server not installed (scripts/install-deps.sh: postgresql)")
    dirs.sort(key=lambda p: int(re.search(r"postgresql/(\d+)", p).group(1)))
    return os.path.dirname(dirs[-1])


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class PgServer:
    def __init__(self, fsync=False):
        self.bin = _bindir()
        self.root = tempfile.mkdtemp(prefix="fota-pg-")
        self.data = os.path.join(self.root, "data")
        self.log = os.path.join(self.root, "server.log")
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
        os.chmod(self.root, 0o700)
        pwfile = os.path.join(self.root, "pw")
        with open(pwfile, "w") as f:
            f.write(PASSWORD + "\n")
        if self.as_root:
            shutil.chown(pwfile, "postgres", "postgres")
        self._run(["initdb", "-D", self.data, "-U", "fota", "--pwfile", pwfile, "-E", "UTF8",
                   "--locale", "C", "--auth-host=scram-sha-256", "--auth-local=trust"])
        os.unlink(pwfile)
        self.opts = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
                     f" -c fsync={'on' if fsync else 'off'} -c max_connections=50")
        self.start()
        self.psql("CREATE DATABASE fota", db="postgres")

    def _run(self, cmd, check=True):
        cmd = [os.path.join(self.bin, cmd[0]), *cmd[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        r = subprocess.run(cmd, capture_output=True, text=True, cwd=self.root)
        if check and r.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)}: {r.stdout}{r.stderr}")
        return r

    def start(self):
        self._run(["pg_ctl", "-D", self.data, "-o", self.opts, "-l", self.log, "-w", "start"])

    def stop(self):
        self._run(["pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop"], check=False)

    def dsn(self, form="uri"):
        if form == "uri":
            return f"postgresql://fota:{PASSWORD}@127.0.0.1:{self.port}/fota?sslmode=disable"
        return f"host=127.0.0.1 port={self.port} user=fota password={PASSWORD} dbname=fota"

    def psql(self, sql, db="fota"):
        """Rows as lists of strings (NULL as None); through the Unix socket, trusted."""
        r = subprocess.run(["psql", "-h", self.root, "-p", str(self.port), "-U", "fota", "-d", db,
                            "-AtX", "-F", "\x1f", "-R", "\x1e", "-P", "null=\x1d",
                            "-v", "ON_ERROR_STOP=1", "-c", sql],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"psql: {r.stderr}")
        out = r.stdout.rstrip("\n")
        if not out:
            return []
        return [[None if v == "\x1d" else v for v in row.split("\x1f")]
                for row in out.split("\x1e") if row != ""]

    def dump(self):
        """The whole central database as text (for the password grep)."""
        cmd = [os.path.join(self.bin, "pg_dump"), "-h", self.root, "-p", str(self.port), "-U",
               "fota", "fota"]
        return subprocess.run(cmd, capture_output=True, text=True).stdout

    def close(self):
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
