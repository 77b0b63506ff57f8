# SPDX-License-Identifier: Apache-2.0
"""Shared helpers of the verifier's HTTP tests: a real attest-verifier process
on 127.0.0.1 (port chosen by the kernel), and a real TPM (swtpm, run by
tests/harness/swtpm-run) driven with tpm2-tools to make genuine artifacts."""
import base64
import hashlib
import json
import os
import secrets
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

BUILD = os.environ.get("ATTEST_BUILD_ROOT", ".")
VERIFIER = os.path.join(BUILD, "verifier", "attest-verifier")
ATTESTCTL = os.path.join(BUILD, "attestctl", "attestctl")
SELECTION = "sha256:0,1,2,3,4,5,6,7,8,9,10"

failures = []


def check(cond, what):
    if cond:
        print(f"ok: {what}")
    else:
        print(f"FAIL: {what}")
        failures.append(what)


def finish():
    if failures:
        print(f"{len(failures)} check(s) failed:", *failures, sep="\n  ")
        sys.exit(1)
    print("all checks passed")


def b64(data):
    return base64.b64encode(data).decode()


class Verifier:
    def __init__(self, workdir, *extra):
        self.dir = workdir
        self.state = os.path.join(workdir, "state")
        self.extra = list(extra)
        self.proc = None
        self.start()

    def start(self):
        port_file = os.path.join(self.dir, "port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        self.log = open(os.path.join(self.dir, "verifier.log"), "ab")
        wrap = os.environ.get("VERIFIER_WRAP", "").split()  # e.g. "perf record -g -o FILE"
        self.proc = subprocess.Popen(
            wrap + [VERIFIER, "--listen", "127.0.0.1:0", "--state-dir", self.state,
             "--port-file", port_file] + self.extra,
            stdout=self.log, stderr=self.log)
        for _ in range(200):
            if os.path.exists(port_file):
                break
            if self.proc.poll() is not None:
                raise RuntimeError("attest-verifier exited: see " + self.log.name)
            time.sleep(0.02)
        with open(port_file) as f:
            self.port = int(f.read())
        self.url = f"http://127.0.0.1:{self.port}"
        with open(os.path.join(self.state, "admin-token")) as f:
            self.token = f.read().strip()

    def stop(self, sig=None):
        if self.proc and self.proc.poll() is None:
            if sig:
                self.proc.send_signal(sig)
            else:
                self.proc.terminate()
            self.proc.wait(timeout=10)
        self.log.close()

    def request(self, method, path, body=None, raw=None, token=None, timeout=30):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
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


class Tpm:
    """tpm2-tools against one swtpm (raw: flush transient objects after each tool)."""

    def __init__(self, tcti, workdir):
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

    def make_ek_ak(self, ak_alg="ecc"):
        self.run("tpm2_createek", "-c", "ek.ctx", "-G", "rsa", "-u", "ek.pub")
        if ak_alg == "ecc":
            self.run("tpm2_createak", "-C", "ek.ctx", "-c", "ak.ctx", "-G", "ecc", "-g", "sha256",
                     "-s", "ecdsa", "-u", "ak.pub", "-n", "ak.name", "-r", "ak.priv")
        else:
            self.run("tpm2_createak", "-C", "ek.ctx", "-c", "ak.ctx", "-G", "rsa", "-g", "sha256",
                     "-s", "rsassa", "-u", "ak.pub", "-n", "ak.name", "-r", "ak.priv")
        self.run("tpm2_nvread", "0x01c00002", "-C", "o", "-o", "ek.crt")
        self.ak_name = self.read("ak.name").hex()
        return self.read("ek.pub"), self.read("ek.crt"), self.read("ak.pub")

    def activate(self, blob, enc_secret):
        with open(self.path("cred.in"), "wb") as f:
            f.write(struct.pack(">II", 0xBADCC0DE, 1) + blob + enc_secret)
        self.run("tpm2_startauthsession", "--policy-session", "-S", "session.ctx")
        try:
            self.run("tpm2_policysecret", "-S", "session.ctx", "-c", "e")
            self.run("tpm2_activatecredential", "-c", "ak.ctx", "-C", "ek.ctx", "-i", "cred.in",
                     "-o", "secret.out", "-P", "session:session.ctx")
        finally:
            self.run("tpm2_flushcontext", "session.ctx", check=False)
        return self.read("secret.out")

    def pcrs(self, selection=SELECTION):
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

    def quote(self, nonce, selection=SELECTION):
        self.run("tpm2_quote", "-c", "ak.ctx", "-l", selection, "-q", nonce.hex(), "-m",
                 "quote.msg", "-s", "quote.sig", "-g", "sha256")
        return self.read("quote.msg"), self.read("quote.sig")

    def extend(self, pcr, sha256_digest):
        self.run("tpm2_pcrextend", f"{pcr}:sha256={sha256_digest.hex()}")


def enroll(v, tpm, machine_id, hostname="runner", ak_alg="ecc"):
    ek_pub, ek_crt, ak_pub = tpm.make_ek_ak(ak_alg)
    status, r = v.post("/v1/enrollments", {
        "ek_public": b64(ek_pub), "ek_certificate": b64(ek_crt), "ak_public": b64(ak_pub),
        "machine_id": machine_id, "hostname": hostname})
    if status != 201:
        return status, r
    secret = tpm.activate(base64.b64decode(r["credential_blob"]),
                          base64.b64decode(r["encrypted_secret"]))
    return v.post(f"/v1/enrollments/{r['enrollment_id']}/activate", {"secret": b64(secret)})


def attestation_body(v, tpm, selection=SELECTION, nonce=None, **extra):
    if nonce is None:
        status, r = v.post("/v1/nonces", {"ak_name": tpm.ak_name})
        assert status == 201, (status, r)
        nonce = r["nonce"]
    quote, sig = tpm.quote(base64.b64decode(nonce), selection)
    body = {"ak_name": tpm.ak_name, "nonce": nonce, "quote": b64(quote), "signature": b64(sig),
            "pcr_values": tpm.pcrs()}
    body.update(extra)
    return body


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def der_int(b):
    b = b.lstrip(b"\0") or b"\0"
    if b[0] & 0x80:
        b = b"\0" + b
    return b"\x02" + bytes([len(b)]) + b


def jwt_verify_es256(token, pubkey_pem, workdir):
    """Check an ES256 JWS with openssl (independent of the verifier's code)."""
    head, payload, sig = token.split(".")
    header = json.loads(b64url_decode(head))
    if header.get("alg") != "ES256":
        return None
    raw = b64url_decode(sig)
    if len(raw) != 64:
        return None
    body = der_int(raw[:32]) + der_int(raw[32:])
    der = b"\x30" + bytes([len(body)]) + body
    paths = [os.path.join(workdir, n) for n in ("jwt.data", "jwt.sig", "jwt.pem")]
    for p, data in zip(paths, [(head + "." + payload).encode(), der, pubkey_pem.encode()]):
        with open(p, "wb") as f:
            f.write(data)
    r = subprocess.run(["openssl", "dgst", "-sha256", "-verify", paths[2], "-signature",
                        paths[1], paths[0]], capture_output=True)
    return json.loads(b64url_decode(payload)) if r.returncode == 0 else None


# ---- synthetic logs that replay to what the test extended into the swtpm ----

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


class Machine:
    """A distinct TPM identity on one swtpm: an ECC primary in the endorsement
    hierarchy (its own authPolicy makes it its own key; userWithAuth so that
    ActivateCredential needs no policy session) and a restricted signing AK
    under it. The 'EK' goes on the verifier's allowlist."""

    def __init__(self, tpm, i, ak_alg="ecc"):
        self.i = i
        self.id = hashlib.sha256(b"machine%d" % i).hexdigest()[:32]
        with open(tpm.path(f"pol{i}"), "wb") as f:
            f.write(hashlib.sha256(b"policy%d" % i).digest())
        tpm.run("tpm2_createprimary", "-C", "e", "-G", "ecc256:aes128cfb", "-g", "sha256",
                "-a", "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|decrypt",
                "-L", f"pol{i}", "-c", f"ek{i}.ctx")
        tpm.run("tpm2_readpublic", "-c", f"ek{i}.ctx", "-o", f"ek{i}.pub")
        scheme = "ecc256:ecdsa-sha256:null" if ak_alg == "ecc" else "rsa2048:rsassa-sha256:null"
        tpm.run("tpm2_create", "-C", f"ek{i}.ctx", "-G", scheme, "-g", "sha256",
                "-a", "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|sign",
                "-u", f"ak{i}.pub", "-r", f"ak{i}.priv")
        tpm.run("tpm2_load", "-C", f"ek{i}.ctx", "-u", f"ak{i}.pub", "-r", f"ak{i}.priv",
                "-c", f"ak{i}.ctx", "-n", f"ak{i}.name")
        self.ek_pub = tpm.read(f"ek{i}.pub")
        self.ak_pub = tpm.read(f"ak{i}.pub")
        self.ak_name = tpm.read(f"ak{i}.name").hex()

    def enroll(self, v, tpm):
        status, r = v.post("/v1/enrollments", {
            "ek_public": b64(self.ek_pub), "ak_public": b64(self.ak_pub),
            "machine_id": self.id, "hostname": f"runner-{self.i}"})
        if status != 201:
            raise RuntimeError(f"enrollment {status} {r}")
        i = self.i
        with open(tpm.path(f"cred{i}"), "wb") as f:
            f.write(bytes.fromhex("badcc0de00000001") + base64.b64decode(r["credential_blob"]) +
                    base64.b64decode(r["encrypted_secret"]))
        tpm.run("tpm2_activatecredential", "-c", f"ak{i}.ctx", "-C", f"ek{i}.ctx",
                "-i", f"cred{i}", "-o", f"secret{i}")
        return v.post(f"/v1/enrollments/{r['enrollment_id']}/activate",
                      {"secret": b64(tpm.read(f"secret{i}"))})
