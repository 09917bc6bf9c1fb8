#!/usr/bin/env python3
"""HTTP, HTTPS and FTP servers on 127.0.0.1 for the demo and the tests.

Serves one folder (read only) the way a factory's package server would, so
fota-sim's modules really download their URL packages (docs/simulator.md). Every server
binds port 0 (a free port chosen by the kernel); once all three listen, the
ports are written to STATE/servers.env (atomically), which is what
scripts/test-servers.sh waits for. The HTTPS certificate is self-signed for
127.0.0.1 and written to STATE/ca.pem. Runs until SIGTERM/SIGINT.

Standard library only, except pyftpdlib (Debian: python3-pyftpdlib).
"""
import argparse
import functools
import http.server
import logging
import os
import signal
import ssl
import subprocess
import sys
import threading


def make_cert(state):
    cert = os.path.join(state, "ca.pem")
    key = os.path.join(state, "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", key, "-out", cert],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """One line per request into the log file, not on the demo's terminal."""

    def log_message(self, fmt, *args):
        logging.info("%s %s", self.address_string(), fmt % args)


def http_server(host, root, tls=None):
    handler = functools.partial(QuietHandler, directory=root)
    srv = http.server.ThreadingHTTPServer((host, 0), handler)
    srv.daemon_threads = True
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*tls)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, srv.server_address[1]


def ftp_server(host, root):
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import FTPHandler
    from pyftpdlib.servers import ThreadedFTPServer

    auth = DummyAuthorizer()
    auth.add_anonymous(root, perm="elr")  # list and read only
    # A named user too, so URLs with credentials (ftp://user:pass@host/) work.
    auth.add_user("fota", "fota", root, perm="elr")
    handler = type("Handler", (FTPHandler,), {"authorizer": auth, "banner": "fota test ftp"})
    srv = ThreadedFTPServer((host, 0), handler)
    threading.Thread(target=srv.serve_forever, kwargs={"handle_exit": False}, daemon=True).start()
    return srv, srv.socket.getsockname()[1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", required=True, help="folder to serve")
    ap.add_argument("--state", required=True, help="folder for servers.env, ca.pem, log")
    ap.add_argument("--host", default="127.0.0.1")
    a = ap.parse_args()
    root = os.path.abspath(a.root)
    logging.basicConfig(filename=os.path.join(a.state, "servers.log"), level=logging.INFO,
                        format="%(asctime)s %(message)s")
    logging.getLogger("pyftpdlib").setLevel(logging.WARNING)

    cert, key = make_cert(a.state)
    _, http_port = http_server(a.host, root)
    _, https_port = http_server(a.host, root, (cert, key))
    _, ftp_port = ftp_server(a.host, root)

    env = os.path.join(a.state, "servers.env")
    with open(env + ".tmp", "w") as f:
        f.write(f"SERVERS_PID={os.getpid()}\nHTTP_PORT={http_port}\nHTTPS_PORT={https_port}\n"
                f"FTP_PORT={ftp_port}\nCA_FILE={cert}\nSERVERS_ROOT={root}\n")
    os.replace(env + ".tmp", env)
    logging.info("serving %s: http %d https %d ftp %d", root, http_port, https_port, ftp_port)

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    while not done.wait(3600):
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
