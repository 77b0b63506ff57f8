# SPDX-License-Identifier: Apache-2.0
"""Helpers of the agent's end-to-end tests (suite 'e2e'): a real attest-verifier
on 127.0.0.1, real swtpm chips (tests/harness/swtpm-run), the real attestd binary,
a man-in-the-middle reverse proxy on loopback, and synthetic event logs / IMA
lists that replay to what the test extends into the swtpm's PCRs."""
import base64
import hashlib
import http.client
import http.server
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

BUILD = os.environ.get("ATTEST_BUILD_ROOT", ".")
ATTESTD = os.path.join(BUILD, "attestd", "attestd")
VERIFIER = os.path.join(BUILD, "verifier", "attest-verifier")

failures = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what, flush=True)
    if not cond:
        failures.append(what)
    return cond


def finish():
    if failures:
        print(f"{len(failures)} check(s) failed:", *failures, sep="\n  ")
        sys.exit(1)
    print("all checks passed")
    sys.exit(0)


def b64(data):
    return base64.b64encode(data).decode()


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# ---------------------------------------------------------------- verifier

class Verifier:
    """A real attest-verifier process; restartable on the same port and state."""

    def __init__(self, workdir, *extra, tls_ca=None):
        self.dir = workdir
        self.tls_ca = tls_ca
        self.state = os.path.join(workdir, "verifier-state")
        self.extra = list(extra)
        self.port = free_port()
        self.proc = None
        self.scheme = "https" if tls_ca else "http"
        self.start()

    def start(self):
        port_file = os.path.join(self.dir, "verifier.port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        self.log = open(os.path.join(self.dir, "verifier.log"), "ab")
        self.proc = subprocess.Popen(
            [VERIFIER, "--listen", f"127.0.0.1:{self.port}", "--state-dir", self.state,
             "--port-file", port_file] + self.extra, stdout=self.log, stderr=self.log)
        for _ in range(500):
            if os.path.exists(port_file) and os.path.getsize(port_file) > 0:
                break
            if self.proc.poll() is not None:
                raise RuntimeError("attest-verifier exited: see " + self.log.name)
            time.sleep(0.02)
        self.url = f"{self.scheme}://127.0.0.1:{self.port}"
        with open(os.path.join(self.state, "admin-token")) as f:
            self.token = f.read().strip()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None
        self.log.close()

    def request(self, method, path, body=None, raw=None, token=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", "Bearer " + token)
        ctx = None
        if self.tls_ca:
            import ssl
            ctx = ssl.create_default_context(cafile=self.tls_ca)
        try:
            with urllib.request.urlopen(req, timeout=30, context=ctx) as r:
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
    """A roots directory trusting the local CA of every chip given (SWTPM_CA_DIR of each)."""
    roots = os.path.join(workdir, "ek-roots")
    os.makedirs(roots, exist_ok=True)
    for i, ca in enumerate(ca_dirs):
        for name in ("root.pem", "intermediate.pem"):
            shutil.copy(os.path.join(ca, name), os.path.join(roots, f"{i}-{name}"))
    return roots


# ---------------------------------------------------------------- agent

class Agent:
    """attestd with its own config, state dir, run dir, machine id, logs."""

    def __init__(self, workdir, tcti, url, pubkey_pem, machine_id, **settings):
        self.dir = workdir
        os.makedirs(workdir, exist_ok=True)
        self.tcti = tcti
        self.state = os.path.join(workdir, "state")
        self.run_dir = os.path.join(workdir, "run")
        self.event_log = os.path.join(workdir, "binary_bios_measurements")
        self.ima_log = os.path.join(workdir, "binary_runtime_measurements")
        self.key = os.path.join(workdir, "verifier.pem")
        self.cmdlog = os.path.join(workdir, "tpm-commands.log")
        with open(self.key, "w") as f:
            f.write(pubkey_pem)
        self.machine_id_file = os.path.join(workdir, "machine-id")
        with open(self.machine_id_file, "w") as f:
            f.write(machine_id + "\n")
        self.machine_id = machine_id
        self.settings = dict(url=url, allow_http="yes", retry_initial="200ms", retry_max="1s",
                             retry_total="3s", connect_timeout="1s", request_timeout="10s",
                             interval="1s", grace="3s", ca_file=None, ek_template="rsa",
                             ak_algorithm="ecc")
        self.settings.update(settings)
        self.extra_env = {}
        self.write_config()

    def write_config(self):
        s = self.settings
        lines = ["[verifier]", f"url = {s['url']}", f"public_key = {self.key}",
                 f"allow_http = {s['allow_http']}"]
        if s.get("ca_file"):
            lines.append(f"ca_file = {s['ca_file']}")
        lines += ["[tpm]", f"tcti = {self.tcti}", f"ak_algorithm = {s['ak_algorithm']}",
                  f"ek_template = {s['ek_template']}",
                  "[paths]", f"state_dir = {self.state}", f"run_dir = {self.run_dir}",
                  f"event_log = {self.event_log}", f"ima_log = {self.ima_log}",
                  f"machine_id_file = {self.machine_id_file}",
                  "[attest]"]
        for k in ("connect_timeout", "request_timeout", "retry_initial", "retry_max",
                  "retry_total", "interval", "grace"):
            lines.append(f"{k} = {s[k]}")
        self.config = os.path.join(self.dir, "attest.conf")
        with open(self.config, "w") as f:
            f.write("\n".join(lines) + "\n")

    def set(self, **settings):
        self.settings.update(settings)
        self.write_config()

    def env(self):
        e = dict(os.environ, ATTEST_CONFIG=self.config, ATTEST_TPM_COMMAND_LOG=self.cmdlog)
        e.pop("ATTEST_TCTI", None)  # the config names the TPM
        for k in ("http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
                  "no_proxy", "NO_PROXY"):
            e.pop(k, None)  # the tests talk to 127.0.0.1 directly unless they say otherwise
        e.update(self.extra_env)
        return e

    def run(self, *args, timeout=120):
        t0 = time.monotonic()
        r = subprocess.run([ATTESTD] + list(args), env=self.env(), capture_output=True,
                           timeout=timeout)
        self.elapsed = time.monotonic() - t0
        self.out, self.err = r.stdout.decode(), r.stderr.decode()
        print(f"$ attestd {' '.join(args)} -> {r.returncode} ({self.elapsed:.2f}s)\n"
              + "".join("  | " + l + "\n" for l in (self.out + self.err).splitlines()), end="")
        return r.returncode

    def status(self):
        with open(os.path.join(self.run_dir, "status")) as f:
            return json.load(f)

    def verdict_exists(self):
        return os.path.exists(os.path.join(self.run_dir, "verdict.jwt"))

    def ak_name(self):
        with open(os.path.join(self.state, "ak.name"), "rb") as f:
            return f.read().hex()

    def last_commands(self):
        with open(self.cmdlog) as f:
            return f.read().splitlines()[-1].split()

    def drop_context(self):
        p = os.path.join(self.run_dir, "ak.ctx")
        if os.path.exists(p):
            os.unlink(p)


# ---------------------------------------------------------------- TPM (tpm2-tools)

class Tpm:
    """tpm2-tools against one swtpm (raw TPM: flush transient objects after each tool)."""

    def __init__(self, tcti, workdir):
        self.tcti = tcti
        self.env = dict(os.environ, TPM2TOOLS_TCTI=tcti)
        self.dir = workdir
        os.makedirs(workdir, exist_ok=True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def run(self, *args, check=True):
        r = subprocess.run(list(args), env=self.env, cwd=self.dir, capture_output=True)
        subprocess.run(["tpm2_flushcontext", "-t"], env=self.env, capture_output=True)
        if check and r.returncode != 0:
            raise RuntimeError(f"{args}: {r.stderr.decode()}")
        return r.stdout.decode()

    def read(self, name):
        with open(self.path(name), "rb") as f:
            return f.read()

    def extend(self, pcr, sha256_digest):
        self.run("tpm2_pcrextend", f"{pcr}:sha256={sha256_digest.hex()}")

    def pcr_values(self, selection):
        out = self.run("tpm2_pcrread", selection)
        values, bank = {}, None
        for line in out.splitlines():
            s = line.strip()
            if s.endswith(":") and not s[0].isdigit():
                bank = s[:-1]
                values[bank] = {}
            elif ":" in s and bank:
                idx, val = s.split(":")
                values[bank][str(int(idx))] = val.strip().lower().removeprefix("0x")
        return values


# ---------------------------------------------------------------- synthetic logs

EV_NO_ACTION, EV_POST_CODE, EV_SEPARATOR = 3, 1, 4


def eventlog_header():
    spec = (b"Spec ID Event03\0" + struct.pack("<IBBBB", 0, 0, 2, 0, 2) +
            struct.pack("<I", 1) + struct.pack("<HH", 0x000B, 32) + b"\0")
    return struct.pack("<II", 0, EV_NO_ACTION) + b"\0" * 20 + struct.pack("<I", len(spec)) + spec


def eventlog_event(pcr, etype, data):
    digest = hashlib.sha256(data).digest()
    return (struct.pack("<III", pcr, etype, 1) + struct.pack("<H", 0x000B) + digest +
            struct.pack("<I", len(data)) + data), digest


def ima_ng_entry(path, file_digest):
    d = b"sha256:\0" + file_digest
    n = path.encode() + b"\0"
    data = struct.pack("<I", len(d)) + d + struct.pack("<I", len(n)) + n
    th = hashlib.sha1(data).digest()
    name = b"ima-ng"
    entry = (struct.pack("<I", 10) + th + struct.pack("<I", len(name)) + name +
             struct.pack("<I", len(data)) + data)
    return entry, hashlib.sha256(data).digest()


class Measurements:
    """A firmware event log and an IMA list, extended into the TPM as they grow, written to
    the agent's paths."""

    def __init__(self, tpm, agent):
        self.tpm, self.agent = tpm, agent
        self.log = eventlog_header()
        self.ima = b""

    def boot(self):
        for pcr, etype, data in [(0, EV_POST_CODE, b"firmware volume"),
                                 (4, EV_POST_CODE, b"boot loader"),
                                 (7, EV_SEPARATOR, b"\0\0\0\0"),
                                 (9, EV_POST_CODE, b"initrd")]:
            ev, digest = eventlog_event(pcr, etype, data)
            self.tpm.extend(pcr, digest)
            self.log += ev
        pcrs = self.tpm.pcr_values("sha256:0,1,2,3,4,5,6,7,8,9")["sha256"]
        aggregate = hashlib.sha256(b"".join(bytes.fromhex(pcrs[str(i)])
                                            for i in range(10))).digest()
        self.measure("boot_aggregate", aggregate, raw=True)
        self.write()

    def measure(self, path, content, raw=False, extend=True):
        """extend=False: the entry is in the list but not yet in PCR 10 (what the agent sees
        when the kernel measures a file between the quote and the read of the list)."""
        entry, h = ima_ng_entry(path, content if raw else hashlib.sha256(content).digest())
        if extend:
            self.tpm.extend(10, h)
        else:
            self.pending = h
        self.ima += entry
        self.write()

    def extend_pending(self):
        self.tpm.extend(10, self.pending)

    def write(self):
        with open(self.agent.event_log, "wb") as f:
            f.write(self.log)
        with open(self.agent.ima_log, "wb") as f:
            f.write(self.ima)


# ---------------------------------------------------------------- man in the middle

class Mitm:
    """Reverse proxy on 127.0.0.1 between attestd and the verifier. rewrite_request /
    rewrite_response (path, dict) -> dict may alter JSON bodies in flight; every exchange is
    recorded (path, request body, status, response body)."""

    def __init__(self, upstream_port):
        self.upstream = upstream_port
        self.rewrite_request = None
        self.rewrite_response = None
        self.status_override = None  # path -> HTTP status to answer instead, or None
        self.delay = None  # path -> seconds to hold the request before forwarding it
        self.forward_proxied = 0  # requests that came as to a forward proxy
        self.log = []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                self.forward(None)

            def do_POST(self):
                n = int(self.headers.get("Content-Length", 0))
                self.forward(self.rfile.read(n))

            def forward(self, body):
                # As a forward proxy (http_proxy=...) the request line has the absolute URL.
                if self.path.startswith("http://"):
                    self.path = "/" + self.path.split("/", 3)[3]
                    proxy.forward_proxied += 1
                if body is not None and proxy.rewrite_request:
                    try:
                        body = json.dumps(proxy.rewrite_request(self.path,
                                                                json.loads(body))).encode()
                    except ValueError:
                        pass
                if proxy.delay:
                    time.sleep(proxy.delay(self.path))
                c = http.client.HTTPConnection("127.0.0.1", proxy.upstream, timeout=30)
                try:
                    c.request(self.command, self.path, body=body,
                              headers={"Content-Type": "application/json"})
                    r = c.getresponse()
                    status, data = r.status, r.read()
                except OSError:
                    self.send_error(502)
                    return
                finally:
                    c.close()
                override = proxy.status_override(self.path) if proxy.status_override else None
                if override:
                    status, data = override, b'{"error": "storage unavailable"}'
                elif proxy.rewrite_response:
                    try:
                        obj = json.loads(data)
                        new = proxy.rewrite_response(self.path, obj)
                        data = json.dumps(new).encode()
                    except ValueError:
                        pass
                proxy.log.append((self.path, body, status, data))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def last(self, path):
        for p, req, status, resp in reversed(self.log):
            if p == path:
                return json.loads(req) if req else None, status, json.loads(resp)
        return None


# ---------------------------------------------------------------- tokens a forger can make

def es256_sign(header, claims, key_pem_path, workdir):
    """A JWS signed with some P-256 key by openssl (DER -> raw r||s)."""
    signing = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    data = os.path.join(workdir, "forge.data")
    with open(data, "w") as f:
        f.write(signing)
    der = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key_pem_path, data],
                         capture_output=True, check=True).stdout
    # SEQUENCE { INTEGER r, INTEGER s }
    i = 2 if der[1] < 0x80 else 3
    rlen = der[i + 1]
    r = der[i + 2:i + 2 + rlen]
    j = i + 2 + rlen
    slen = der[j + 1]
    s = der[j + 2:j + 2 + slen]
    raw = r.lstrip(b"\0").rjust(32, b"\0") + s.lstrip(b"\0").rjust(32, b"\0")
    return signing + "." + b64url(raw)


def hs256_sign(header, claims, secret):
    import hmac
    signing = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    mac = hmac.new(secret, signing.encode(), hashlib.sha256).digest()
    return signing + "." + b64url(mac)


def new_ec_key(path):
    subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out",
                    path], check=True, capture_output=True)


def token_claims(token):
    return json.loads(b64url_decode(token.split(".")[1]))


def workdir(prefix):
    return tempfile.mkdtemp(prefix=prefix)
