#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Suite 'http': one identity per EK key, whatever the encoding; TCG EK
templates enforced at enrollment unless the EK is on the allowlist; ROCA EKs
and AKs refused. A real verifier, one swtpm chip driven by tpm2-tools.

Run as: swtpm-run -- ek-identity-test.py
"""
import base64
import hashlib
import os
import re
import secrets
import shutil
import subprocess
import tempfile

from attestlib import Machine, Tpm, Verifier, b64, check, finish

HERE = os.path.dirname(os.path.abspath(__file__))


def roca_modulus():
    """The RSALib-form 2048-bit modulus of the unit tests (p, q = k*M + 65537^a mod M)."""
    with open(os.path.join(HERE, "..", "lib", "verify", "roca-moduli.h")) as f:
        text = f.read()
    body = re.search(r"roca_modulus\[256\] = \{([^}]*)\}", text).group(1)
    n = bytes(int(x, 16) for x in re.findall(r"0x([0-9a-f]{2})", body))
    assert len(n) == 256
    return n


# An RSA 2048 TPM2B_PUBLIC ends with: exponent (4), unique size (2), modulus (256).
def with_exponent(pub, e):
    return pub[:-262] + e.to_bytes(4, "big") + pub[-258:]


def with_modulus(pub, n):
    return pub[:-256] + n


def spki_identity(tmp, cert_der):
    """The EK identity as an operator computes it: SHA-256 of the certificate key's DER."""
    path = os.path.join(tmp, "ek.crt")
    with open(path, "wb") as f:
        f.write(cert_der)
    pem = subprocess.run(["openssl", "x509", "-inform", "DER", "-in", path, "-pubkey", "-noout"],
                         check=True, capture_output=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=pem,
                         check=True, capture_output=True).stdout
    return hashlib.sha256(der).hexdigest()


def post(v, ek_pub, ak_pub, machine_id, cert=None):
    body = {"ek_public": b64(ek_pub), "ak_public": b64(ak_pub), "machine_id": machine_id,
            "hostname": "runner"}
    if cert is not None:
        body["ek_certificate"] = b64(cert)
    return v.post("/v1/enrollments", body)


def enroll(v, tpm, ek_pub, ak_pub, machine_id, cert=None):
    status, r = post(v, ek_pub, ak_pub, machine_id, cert)
    if status != 201:
        return status, r
    secret = tpm.activate(base64.b64decode(r["credential_blob"]),
                          base64.b64decode(r["encrypted_secret"]))
    return v.post(f"/v1/enrollments/{r['enrollment_id']}/activate", {"secret": b64(secret)})


def refused_by(status, r, name):
    return 400 <= status < 500 and name in str(r.get("error", "") if isinstance(r, dict) else r)


def roots_dir(tmp):
    roots = os.path.join(tmp, "ek-roots")
    os.makedirs(roots)
    for name in ("root.pem", "intermediate.pem"):
        shutil.copy(os.path.join(os.environ["SWTPM_CA_DIR"], name), os.path.join(roots, name))
    return roots


def certificate_path(v, tpm, tmp, ek_pub, ek_crt, ak_pub):
    """EKs trusted by certificate: templates enforced, re-encodings refused."""
    m1, m2 = secrets.token_hex(16), secrets.token_hex(16)
    status, r = enroll(v, tpm, ek_pub, ak_pub, m1, ek_crt)
    check(status == 200, f"genuine L-1 EK with its certificate enrolls ({status} {r})")
    status, r = v.admin("GET", f"/machines/{m1}")
    check(status == 200 and r.get("ek_digest") == spki_identity(tmp, ek_crt),
          "the stored identity is the SHA-256 of the EK certificate key's DER")
    status, r = v.admin("POST", f"/machines/{m1}/revoke")
    check(status == 200, "operator revokes the machine")
    re_encoded = with_exponent(ek_pub, 65537)
    status, r = post(v, re_encoded, ak_pub, m2, ek_crt)
    check(refused_by(status, r, "ek-template"),
          f"same key, exponent 65537 written out, under another machine id: ek-template ({status} {r})")
    status, r = post(v, re_encoded, ak_pub, m1, ek_crt)
    check(refused_by(status, r, "ek-template"),
          f"exponent 65537 written out is no template even for its own machine ({status} {r})")
    _, _, fresh_ak = tpm.make_ek_ak("ecc")  # a new AK: the 409 is the EK's, not the AK's
    status, r = enroll(v, tpm, ek_pub, fresh_ak, m2, ek_crt)
    check(status == 409, f"the revoked chip, as sent before, new AK, another machine id: 409 ({status})")
    n = roca_modulus()
    status, r = post(v, with_modulus(ek_pub, n), ak_pub, secrets.token_hex(16), ek_crt)
    check(refused_by(status, r, "ek-roca"), f"ROCA EK modulus: ek-roca ({status} {r})")


def allowlist_path(tmp, tpm, ek_pub, ek_crt, ak_pub, rsa_ak_pub):
    """EKs trusted by allowlist: any encoding of a listed key is that key, and one chip."""
    chip_id = spki_identity(tmp, ek_crt)
    other = Machine(tpm, 1)  # an ECC EK of no TCG template
    der = os.path.join(tpm.dir, "ek1.der")
    tpm.run("tpm2_readpublic", "-c", "ek1.ctx", "-f", "der", "-o", der)
    with open(der, "rb") as f:
        other_id = hashlib.sha256(f.read()).hexdigest()
    legacy = Machine(tpm, 2)  # listed the old way: the digest of its marshaled public
    allow = os.path.join(tmp, "allowlist")
    with open(allow, "w") as f:
        f.write(f"{chip_id}\n{other_id}  # a chip of no template\n")
        f.write(hashlib.sha256(legacy.ek_pub).hexdigest() + "\n")
    work = os.path.join(tmp, "allow")
    os.makedirs(work)
    v = Verifier(work, "--ek-allowlist", allow, "--ek-roots", os.path.join(tmp, "none"),
                 "--max-pending", "2")
    try:
        status, r = other.enroll(v, tpm)
        check(status == 200, f"non-template EK on the allowlist by identity enrolls ({status} {r})")
        status, r = legacy.enroll(v, tpm)
        check(status == 200, f"allowlist line of the marshaled public still accepted ({status} {r})")

        m1, m2 = secrets.token_hex(16), secrets.token_hex(16)
        _, _, ak1 = tpm.make_ek_ak("ecc")  # the chip's current AK (ak.ctx)
        status, r = enroll(v, tpm, ek_pub, ak1, m1)
        check(status == 200, f"listed chip enrolls without certificate ({status} {r})")
        v.admin("POST", f"/machines/{m1}/revoke")
        re_encoded = with_exponent(ek_pub, 65537)
        _, _, fresh_ak = tpm.make_ek_ak("ecc")  # a new AK: the 409 is the EK's, not the AK's
        status, r = enroll(v, tpm, re_encoded, fresh_ak, m2)
        check(status == 409,
              f"revoked chip re-encoded (exponent 65537) under another machine id: 409 ({status} {r})")
        status, r = enroll(v, tpm, re_encoded, fresh_ak, m1)
        check(status == 200, f"re-encoded EK under its own machine id is the same machine ({status})")
        status, r = v.admin("GET", f"/machines/{m1}")
        check(status == 200 and r.get("status") == "revoked" and r.get("ek_digest") == chip_id,
              f"and it stays revoked, under the same identity ({r})")

        # The per-EK challenge cap counts keys, not encodings.
        codes = [post(v, pub, fresh_ak, secrets.token_hex(16))[0]
                 for pub in (ek_pub, re_encoded, ek_pub)]
        check(codes == [201, 201, 429], f"pending challenges per EK key capped at 2 ({codes})")

        n = roca_modulus()
        status, r = post(v, with_modulus(ek_pub, n), ak_pub, secrets.token_hex(16))
        check(refused_by(status, r, "ek-roca"), f"ROCA EK refused even unlisted ({status} {r})")
        status, r = post(v, ek_pub, with_modulus(rsa_ak_pub, n), secrets.token_hex(16))
        check(post(v, ek_pub, rsa_ak_pub, secrets.token_hex(16))[0] == 429,
              "the same RSA AK with its own modulus passes the AK checks (here: the EK's cap)")
        check(refused_by(status, r, "ak-roca"), f"ROCA AK: ak-roca ({status} {r})")
    finally:
        v.stop()


def main():
    tmp = tempfile.mkdtemp(prefix="verifier-ekid-")
    tpm = Tpm(os.environ["TPM2TOOLS_TCTI"], os.path.join(tmp, "tpm"))
    ek_pub, ek_crt, rsa_ak_pub = tpm.make_ek_ak("rsa")
    shutil.copy(tpm.path("ak.pub"), tpm.path("ak-rsa.pub"))
    ek_pub, ek_crt, ak_pub = tpm.make_ek_ak("ecc")
    check(len(ek_pub) > 262 and ek_pub[-262:-258] == b"\0\0\0\0",
          "the swtpm L-1 EK writes exponent 0")

    nontemplate = Machine(tpm, 3)
    v = Verifier(tmp, "--ek-roots", roots_dir(tmp))
    try:
        status, r = post(v, nontemplate.ek_pub, nontemplate.ak_pub, secrets.token_hex(16))
        check(refused_by(status, r, "ek-template"),
              f"EK of no template, not on the allowlist: ek-template ({status} {r})")
        certificate_path(v, tpm, tmp, ek_pub, ek_crt, ak_pub)
    finally:
        v.stop()
    allowlist_path(tmp, tpm, ek_pub, ek_crt, ak_pub, rsa_ak_pub)
    shutil.rmtree(tmp)
    finish()


if __name__ == "__main__":
    main()
