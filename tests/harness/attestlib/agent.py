# SPDX-License-Identifier: Apache-2.0
"""attestd with its own config, state and run directories, and a man-in-the-middle
reverse proxy between it and the verifier."""
import http.client
import http.server
import json
import os
import socket
import subprocess
import threading
import time

from .common import ATTESTD


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


class refused_port:
    """A loopback port where connections are refused, held for the `with` block: a
    socket bound there but not listening. Nothing else can take the port meanwhile, as
    it could a port found free and closed again."""

    def __enter__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        return self.port

    def __exit__(self, *exc):
        self.sock.close()
