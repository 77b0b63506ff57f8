# SPDX-License-Identifier: Apache-2.0
"""JWS tokens with openssl, independent of the C code: tokens a forger can make, and an
ES256 check of the verifier's verdicts."""
import hashlib
import hmac
import json
import os
import subprocess

from .common import b64url, b64url_decode


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
    signing = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    mac = hmac.new(secret, signing.encode(), hashlib.sha256).digest()
    return signing + "." + b64url(mac)


def new_ec_key(path):
    subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out",
                    path], check=True, capture_output=True)


def token_claims(token):
    return json.loads(b64url_decode(token.split(".")[1]))


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
