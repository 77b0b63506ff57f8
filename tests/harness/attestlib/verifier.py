# SPDX-License-Identifier: Apache-2.0
"""A real attest-verifier process on 127.0.0.1.

The port: the verifier binds port 0 (the kernel picks a free port) and reports
the bound port in --port-file. Choosing a port in the test (bind a socket, close
it, hand the number on) would leave a window in which another process takes it.
The verifier writes the file by rename (file_write_atomic), and read_port_file
still accepts it only once it holds a whole line, so a reader never sees a
partial number whatever the writer does."""
import json
import os
import shutil
import ssl
import subprocess
import time
import urllib.error
import urllib.request

from .common import VERIFIER


def read_port_file(path, proc, timeout=60):
    """The port in `path`, written by `proc` (a Popen) once it listens. Raises if the
    process exits first or nothing complete appears within timeout seconds (generous:
    two shared cores, and twice as slow under the sanitize setup)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with open(path) as f:
                text = f.read()
            # complete: "PORT\n" (verifier/main.c, write_port_file)
            if text.endswith("\n") and text.strip().isdigit():
                return int(text)
        except FileNotFoundError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"attest-verifier exited ({proc.returncode}) before writing "
                               f"its port to {path}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"attest-verifier wrote no port to {path} in {timeout}s")
        time.sleep(0.02)


class Verifier:
    """attest-verifier with its state in workdir/verifier-state, its log appended to
    workdir/verifier.log. stop() then start() restarts it on the same state; every
    start gets a fresh port from the kernel, so after a restart clients must use the
    new self.url / self.port.

    tls_ca: the CA file that signs the certificate given in *extra (--tls-cert);
    requests then go over https checked against it.
    VERIFIER_WRAP in the environment prefixes the command (e.g. "perf record -g -o FILE")."""

    # The verifier fails a machine that has no policy ("no-policy"). The tests of
    # other things (enrollment, quotes, TLS, limits, the agent's exchange) opt
    # out of that, as a lab would: require_policies=True keeps the default, and
    # the fail-closed tests (tests/verifier/fail-closed-test.py) use it.
    OPT_OUT = ["--require-boot-policy", "false", "--require-ima-policy", "false"]

    def __init__(self, workdir, *extra, tls_ca=None, require_policies=False):
        self.dir = workdir
        self.tls_ca = tls_ca
        self.scheme = "https" if tls_ca else "http"
        self.state = os.path.join(workdir, "verifier-state")
        self.port_file = os.path.join(workdir, "verifier.port")
        self.extra = list(extra) + ([] if require_policies else self.OPT_OUT)
        self.proc = None
        self.log = None
        self.start()

    def start(self):
        # A port file left by a previous run (or a SIGKILLed one) names a dead port.
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        self.log = open(os.path.join(self.dir, "verifier.log"), "ab")
        wrap = os.environ.get("VERIFIER_WRAP", "").split()
        self.proc = subprocess.Popen(
            wrap + [VERIFIER, "--listen", "127.0.0.1:0", "--state-dir", self.state,
                    "--port-file", self.port_file] + self.extra,
            stdout=self.log, stderr=self.log)
        try:
            self.port = read_port_file(self.port_file, self.proc)
        except RuntimeError as e:
            raise RuntimeError(f"{e}: see {self.log.name}") from None
        self.url = f"{self.scheme}://127.0.0.1:{self.port}"
        # created before the verifier listens (verifier/main.c), so present now
        with open(os.path.join(self.state, "admin-token")) as f:
            self.token = f.read().strip()

    def stop(self, sig=None):
        """SIGTERM (or sig) and wait; safe to call twice."""
        if self.proc and self.proc.poll() is None:
            if sig:
                self.proc.send_signal(sig)
            else:
                self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None
        if self.log:
            self.log.close()

    def request(self, method, path, body=None, raw=None, token=None, timeout=30):
        """(status, JSON body) or (status, text) when the body is not JSON."""
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", "Bearer " + token)
        ctx = ssl.create_default_context(cafile=self.tls_ca) if self.tls_ca else None
        try:
            with urllib.request.urlopen(req, timeout=timeout, context=ctx) as r:
                status, text = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, text = e.code, e.read()
        try:
            return status, json.loads(text)
        except ValueError:
            return status, text.decode(errors="replace")

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def admin(self, method, path, body=None):
        return self.request(method, "/v1/admin" + path, body, token=self.token)

    def public_key_pem(self):
        status, pem = self.request("GET", "/v1/verifier/key")
        assert status == 200 and "BEGIN PUBLIC KEY" in pem, (status, pem)
        return pem


def ek_roots(workdir, *ca_dirs):
    """A roots directory (--ek-roots) trusting the local CA of every chip given
    (SWTPM_CA_DIR of each), as the EK roots of several manufacturers would be."""
    roots = os.path.join(workdir, "ek-roots")
    os.makedirs(roots, exist_ok=True)
    for i, ca in enumerate(ca_dirs):
        for name in ("root.pem", "intermediate.pem"):
            shutil.copy(os.path.join(ca, name), os.path.join(roots, f"{i}-{name}"))
    return roots
