# SPDX-License-Identifier: Apache-2.0
"""tpm2-tools against one swtpm (tests/harness/swtpm-run gives its TCTI), and the
enrollment and attestation flows a real machine goes through against a Verifier."""
import base64
import hashlib
import os
import struct
import subprocess

from .common import SELECTION, b64


class Tpm:
    """tpm2-tools against one swtpm. The TPM is raw (no resource manager): transient
    objects are flushed after each tool, or the next tool finds the slots full."""

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
        """{bank: {"index": lowercase hex}} as tpm2_pcrread reports them."""
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

    def sign_challenge(self, challenge):
        """The AK's signature (base64) over raw challenge bytes, as attestd sign makes it:
        TPM2_Hash for the ticket a restricted key needs, then TPM2_Sign."""
        with open(self.path("challenge"), "wb") as f:
            f.write(challenge)
        self.run("tpm2_hash", "-C", "e", "-g", "sha256", "-o", "ch.digest", "-t", "ch.ticket",
                 "challenge")
        self.run("tpm2_sign", "-c", "ak.ctx", "-g", "sha256", "-d", "-t", "ch.ticket", "-o",
                 "ch.sig", "ch.digest")
        return b64(self.read("ch.sig"))

    def extend(self, pcr, sha256_digest):
        self.run("tpm2_pcrextend", f"{pcr}:sha256={sha256_digest.hex()}")


def enroll(v, tpm, machine_id, hostname="runner", ak_alg="ecc"):
    """Enrollment with the chip's EK certificate and credential activation in the TPM;
    the (status, body) of the activation, or of the enrollment if that failed."""
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
    """A POST /v1/attestations body with a genuine quote over a fresh nonce (or the one
    given)."""
    if nonce is None:
        status, r = v.post("/v1/nonces", {"ak_name": tpm.ak_name})
        assert status == 201, (status, r)
        nonce = r["nonce"]
    quote, sig = tpm.quote(base64.b64decode(nonce), selection)
    body = {"ak_name": tpm.ak_name, "nonce": nonce, "quote": b64(quote), "signature": b64(sig),
            "pcr_values": tpm.pcrs()}
    body.update(extra)
    return body


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
