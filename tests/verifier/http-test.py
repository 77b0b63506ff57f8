#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Suite 'http': a real attest-verifier on 127.0.0.1, two real TPMs (swtpm chips
a and b, tests/harness/swtpm-run), genuine artifacts from tpm2-tools. Enrollment
with the EK certificate chain of swtpm's local CA and credential activation in
the TPM, attestation pass, and every refusal the API names (docs/api.md).

Run as: swtpm-run --chip a -- sh -c 'TCTI_A=$TPM2TOOLS_TCTI CA_A=$SWTPM_CA_DIR exec "$SWTPM_RUN" --chip b -- http-test.py'
"""
import base64
import hashlib
import json
import os
import secrets
import shutil
import struct
import subprocess
import tempfile
import time

from attestlib import (ATTESTCTL, SELECTION, Tpm, Verifier, attestation_body, b64, check, enroll,
                       ek_roots, eventlog_event, eventlog_header, finish, ima_ng_entry,
                       jwt_verify_es256, EV_POST_CODE, EV_SEPARATOR)

NONCE_TTL = 3


def main():
    tmp = tempfile.mkdtemp(prefix="verifier-http-")
    # Both chips' local CAs are trusted EK roots (as two manufacturers would be).
    roots = ek_roots(tmp, os.environ["CA_A"], os.environ["SWTPM_CA_DIR"])
    v = Verifier(tmp, "--ek-roots", roots, "--nonce-ttl", str(NONCE_TTL))
    try:
        run(v, tmp)
    finally:
        v.stop()
    # Enrollment mode 'approve': a trusted EK still waits for an operator.
    tmp2 = os.path.join(tmp, "approve")
    os.makedirs(tmp2)
    v = Verifier(tmp2, "--ek-roots", roots, "--enrollment-mode", "approve")
    try:
        run_approve(v, tmp2)
    finally:
        v.stop()
    shutil.rmtree(tmp)
    finish()


def run(v, tmp):
    a = Tpm(os.environ["TCTI_A"], os.path.join(tmp, "a"))
    b = Tpm(os.environ["TPM2TOOLS_TCTI"], os.path.join(tmp, "b"))
    m1, m2 = secrets.token_hex(16), secrets.token_hex(16)

    status, body = v.request("GET", "/healthz")
    check(status == 200 and body.strip() == "ok", "healthz")
    status, pem = v.request("GET", "/v1/verifier/key")
    check(status == 200 and "BEGIN PUBLIC KEY" in pem, "verifier key published")

    # --- enrollment ---
    status, r = enroll(v, a, m1, "runner-a")
    check(status == 200 and r.get("status") == "enrolled" and r.get("ak_name") == a.ak_name,
          f"enrollment of TPM a: EK chain, MakeCredential activated by the TPM ({status} {r})")

    ek_pub, ek_crt, ak_pub = a.read("ek.pub"), a.read("ek.crt"), a.read("ak.pub")
    status, r = v.post("/v1/enrollments", {"ek_public": b64(ek_pub), "ek_certificate": b64(ek_crt),
                                           "ak_public": b64(ak_pub), "machine_id": m1,
                                           "hostname": "runner-a"})
    check(status == 201, "re-enrollment with the same EK and AK gets a new challenge")
    eid = r["enrollment_id"]
    status, r = v.post(f"/v1/enrollments/{eid}/activate", {"secret": b64(b"\0" * 32)})
    check(status == 403 and r.get("field") == "secret", "wrong activation secret refused (403)")
    status, r = v.post(f"/v1/enrollments/{eid}/activate", {"secret": b64(b"\0" * 32)})
    check(status == 404, "the challenge was consumed by the wrong secret")

    # An AK that is no restricted signing key (decrypt set): refused at enrollment.
    a.run("tpm2_create", "-C", "ek.ctx", "-G", "ecc", "-u", "bad.pub", "-r", "bad.priv",
          "-P", "session:none", check=False)
    if os.path.exists(a.path("bad.pub")):
        status, r = v.post("/v1/enrollments", {"ek_public": b64(ek_pub), "ek_certificate":
                                               b64(ek_crt), "ak_public": b64(a.read("bad.pub")),
                                               "machine_id": m1, "hostname": "x"})
        check(status == 400 and r.get("field") == "ak_public", f"non-AK key refused ({r})")

    # An EK certificate of another TPM: key mismatch.
    b.make_ek_ak()
    status, r = v.post("/v1/enrollments", {"ek_public": b64(ek_pub),
                                           "ek_certificate": b64(b.read("ek.crt")),
                                           "ak_public": b64(ak_pub), "machine_id": m1,
                                           "hostname": "x"})
    check(status == 403 and "ek-cert-key-mismatch" in r.get("error", ""),
          f"EK certificate of another TPM refused ({r})")
    status, r = v.post("/v1/enrollments", {"ek_public": b64(ek_pub), "ak_public": b64(ak_pub),
                                           "machine_id": m1, "hostname": "x"})
    check(status == 403 and "ek-not-trusted" in r.get("error", ""),
          "EK without certificate and not allowlisted refused")

    # Hardware swap: machine m1 presenting TPM b's EK.
    status, r = enroll(v, b, m1, "runner-a")
    check(status == 409, f"machine id with another EK refused (hardware swap) ({status})")
    status, r = enroll(v, b, m2, "runner-b")
    check(status == 200 and r.get("status") == "enrolled", "enrollment of TPM b")

    # --- attestation: pass, verdict checked with openssl ---
    body = attestation_body(v, a)
    status, r = v.post("/v1/attestations", body)
    check(status == 200 and r.get("status") == "affirming" and r.get("failed_checks") == [],
          f"genuine quote affirmed ({r})")
    claims = jwt_verify_es256(r.get("verdict", "x.y.z"), pem, tmp)
    check(claims is not None and claims.get("status") == "affirming" and
          claims.get("eat_nonce") == body["nonce"] and claims.get("ak_name") == a.ak_name and
          claims.get("sub") == m1 and claims.get("exp", 0) > time.time(),
          f"verdict is ES256 over the right claims ({claims})")

    status, r = v.post("/v1/attestations", body)
    check(status == 410 and r.get("field") == "nonce", "nonce reused refused (410)")

    status, r = v.post("/v1/nonces", {"ak_name": "000b" + secrets.token_hex(32)})
    check(status == 404 and r.get("field") == "ak_name", "nonce for an unknown AK refused (404)")
    unknown = dict(attestation_body(v, a), ak_name="000b" + secrets.token_hex(32))
    status, r = v.post("/v1/attestations", unknown)
    check(status == 404 and r.get("field") == "ak_name", "attestation by an unknown AK refused")

    status, r = v.post("/v1/nonces", {"ak_name": b.ak_name})
    other = attestation_body(v, a, nonce=r["nonce"])
    status, r = v.post("/v1/attestations", other)
    check(status == 403 and r.get("field") == "nonce", f"nonce of another AK refused ({r})")

    def verdict_fails(body, check_name, what):
        status, r = v.post("/v1/attestations", body)
        names = [c["check"] for c in r.get("failed_checks", [])] if status == 200 else []
        check(status == 200 and r.get("status") == "contraindicated" and check_name in names,
              f"{what}: contraindicated, '{check_name}' named ({status} {names})")
        return r

    # Quote over another selection: the sent values are the selection, the quote is not.
    body = attestation_body(v, a, selection="sha256:0,1,2,3,4,5,6,7,8,9")
    verdict_fails(body, "pcr-selection", "quote over another selection")
    body = attestation_body(v, a, selection="sha256:0,1,2,3,4,5,6,7,8,9")
    del body["pcr_values"]["sha256"]["10"]
    verdict_fails(body, "pcr-selection", "PCR values of another selection")

    body = attestation_body(v, a)
    pcr5 = body["pcr_values"]["sha256"]["5"]
    body["pcr_values"]["sha256"]["5"] = ("f" if pcr5[0] != "f" else "0") + pcr5[1:]
    verdict_fails(body, "pcr-digest", "tampered PCR value")

    body = attestation_body(v, a)
    sig = bytearray(base64.b64decode(body["signature"]))
    sig[10] ^= 1
    body["signature"] = b64(bytes(sig))
    verdict_fails(body, "signature", "bad signature")

    # Old genuine quote replayed: quote 1 is taken before quote 2, sent after it.
    old = attestation_body(v, a)
    new = attestation_body(v, a)
    status, r = v.post("/v1/attestations", new)
    check(r.get("status") == "affirming", "newer quote affirmed")
    verdict_fails(old, "clock", "older genuine quote replayed (clock monotonicity)")

    body = attestation_body(v, a)
    time.sleep(NONCE_TTL + 1.5)
    status, r = v.post("/v1/attestations", body)
    check(status == 410 and r.get("field") == "nonce", f"expired nonce refused ({r})")

    # --- revocation ---
    status, r = v.admin("POST", f"/machines/{m1}/revoke")
    check(status == 200, "operator revokes machine a")
    status, r = v.post("/v1/nonces", {"ak_name": a.ak_name})
    check(status == 403, "revoked machine gets no nonce")
    status, r = v.post("/v1/nonces", {"ak_name": b.ak_name})
    v.admin("POST", f"/machines/{m2}/revoke")
    body = attestation_body(v, b, nonce=r["nonce"])
    status, r = v.post("/v1/attestations", body)
    check(status == 403 and "revoked" in r.get("error", ""),
          "attestation of a machine revoked after its nonce refused")
    v.admin("POST", f"/machines/{m1}/approve")
    v.admin("POST", f"/machines/{m2}/approve")

    # --- firmware event log ---
    log = eventlog_header()
    for pcr, etype, data in [(0, EV_POST_CODE, b"firmware volume"), (4, EV_POST_CODE, b"loader"),
                             (7, EV_SEPARATOR, b"\0\0\0\0")]:
        ev, digest = eventlog_event(pcr, etype, data)
        a.extend(pcr, digest)
        log += ev
    status, r = v.post("/v1/attestations", attestation_body(v, a, event_log=b64(log)))
    check(status == 200 and r.get("status") == "affirming",
          f"event log replaying to the quote affirmed ({r.get('failed_checks')})")
    tampered = bytearray(log)
    tampered[len(eventlog_header()) + 16] ^= 1  # a digest byte of the first event
    verdict_fails(attestation_body(v, a, event_log=b64(bytes(tampered))), "eventlog-replay",
                  "tampered event log")
    verdict_fails(attestation_body(v, a, event_log=b64(b"\1\2\3")), "eventlog-parse",
                  "malformed event log")

    # --- IMA: whole list, then incremental ---
    pcrs = a.pcrs("sha256:0,1,2,3,4,5,6,7,8,9")["sha256"]
    aggregate = hashlib.sha256(b"".join(bytes.fromhex(pcrs[str(i)]) for i in range(10))).digest()
    entries = [ima_ng_entry("boot_aggregate", aggregate),
               ima_ng_entry("/usr/bin/bench", hashlib.sha256(b"bench").digest()),
               ima_ng_entry("/usr/lib/libc.so.6", hashlib.sha256(b"libc").digest())]
    for _, h in entries:
        a.extend(10, h)
    ima = b"".join(e for e, _ in entries)
    status, r = v.post("/v1/attestations", attestation_body(v, a, ima_log=b64(ima)))
    check(r.get("status") == "affirming" and r.get("ima_verified") == 3,
          f"IMA list replaying to PCR 10 affirmed ({r.get('failed_checks')})")
    status, n = v.post("/v1/nonces", {"ak_name": a.ak_name})
    check(n.get("ima_offset") == 3 and n.get("pcr_selection") == SELECTION,
          "nonce reply carries the IMA offset and the selection")
    extra, h = ima_ng_entry("/usr/bin/job", hashlib.sha256(b"job").digest())
    a.extend(10, h)
    status, r = v.post("/v1/attestations", attestation_body(v, a, nonce=n["nonce"],
                                                            ima_log=b64(extra), ima_from=3))
    check(r.get("status") == "affirming" and r.get("ima_verified") == 4,
          f"incremental IMA delta affirmed ({r.get('failed_checks')})")

    # --- proof of possession (last verdict is a pass) ---
    status, r = v.post("/v1/challenges", {"ak_name": a.ak_name})
    challenge = base64.b64decode(r["challenge"])
    check(status == 201 and challenge[:4] != b"\xffTCG", "challenge issued")
    proof = {"ak_name": a.ak_name, "challenge": r["challenge"],
             "signature": a.sign_challenge(challenge)}
    status, r = v.post("/v1/proofs", proof)
    check(status == 200 and r.get("valid") is True and r.get("machine_id") == m1,
          f"proof of possession valid ({status} {r})")
    status, r = v.post("/v1/proofs", proof)
    check(status == 403, "proof with a used challenge refused")

    verdict_fails(attestation_body(v, a, ima_log=b64(extra), ima_from=2), "ima-offset",
                  "IMA delta from a wrong offset")

    # --- IMA policy: an executable not in it ---
    status, r = v.admin("PUT", "/policies", {
        "scope": "machine", "name": m1, "kind": "ima",
        "policy": {"digests": {"/usr/bin/bench": [hashlib.sha256(b"bench").hexdigest()],
                               "/usr/lib/libc.so.6": [hashlib.sha256(b"libc").hexdigest()],
                               "/usr/bin/job": [hashlib.sha256(b"job").hexdigest()]},
                   "excludes": ["boot_aggregate"]}})
    check(status == 200, f"operator sets an IMA policy ({r})")
    evil, h = ima_ng_entry("/tmp/evil", hashlib.sha256(b"evil").digest())
    a.extend(10, h)
    # The 4 entries verified so far were judged under no policy: a policy set
    # later judges the whole list of the boot, so the verifier asks for it.
    status, n = v.post("/v1/nonces", {"ak_name": a.ak_name})
    check(n.get("ima_offset") == 0, f"a new IMA policy asks for the whole list ({n})")
    verdict_fails(attestation_body(v, a, ima_log=b64(evil), ima_from=4), "ima-offset",
                  "a delta judged under no policy is not accepted under a new one")
    whole = ima + extra + evil
    r = verdict_fails(attestation_body(v, a, ima_log=b64(whole)), "policy-ima",
                      "IMA entry not in policy")
    check(any("/tmp/evil" in c["message"]
              for c in r.get("failed_checks", [])), "the violation names the path")
    # An entry whose path was changed after it was measured.
    job2, h = ima_ng_entry("/usr/bin/job2", hashlib.sha256(b"job2").digest())
    a.extend(10, h)
    bad = bytearray(job2)
    bad[-3] ^= 1  # the path: the template hash no longer matches its data
    verdict_fails(attestation_body(v, a, ima_log=b64(whole + bytes(bad))),
                  "ima-replay", "IMA entry with a changed path")

    # --- malformed and oversized bodies; the server stays up ---
    status, r = v.post("/v1/attestations", raw=b"{\"ak_name\": ")
    check(status == 400, "malformed JSON refused (400)")
    status, r = v.post("/v1/attestations", {"ak_name": a.ak_name, "nonce": "!!"})
    check(status == 400 and r.get("field") == "nonce", "bad base64 refused naming the field")
    status, r = v.post("/v1/nonces", {"ak_name": a.ak_name, "extra": 1})
    check(status == 400 and r.get("field") == "extra", "unknown field refused naming it")
    status, r = v.post("/v1/nonces", raw=b"{" * 100000)
    check(status == 413, "64 KiB limit on /v1/nonces (413)")
    try:
        status, r = v.post("/v1/attestations", raw=b" " * (17 << 20))
    except OSError:
        status = 413  # the server may close the connection while the client still sends
    check(status == 413, "16 MiB limit on /v1/attestations")
    status, r = v.post("/v1/attestations", raw=b"[" * 60000 + b"]" * 60000)
    check(status == 400, "deeply nested JSON refused")
    status, _ = v.request("GET", "/healthz")
    check(status == 200 and v.proc.poll() is None, "server still up after the bad requests")

    # --- admin API ---
    status, r = v.request("GET", "/v1/admin/machines")
    check(status == 401, "admin API without token: 401")
    status, r = v.request("GET", "/v1/admin/machines", token="0" * 64)
    check(status == 403, "admin API with a wrong token: 403")
    status, r = v.admin("GET", "/machines")
    ids = sorted(m["machine_id"] for m in r.get("machines", []))
    check(status == 200 and ids == sorted([m1, m2]), "machines listed")
    status, r = v.admin("GET", f"/machines/{m1}")
    check(status == 200 and len(r.get("attestations", [])) >= 5, "machine shows its attestations")
    status, r = v.request("GET", "/metrics")
    check(status == 200 and 'attest_verdicts_total{status="affirming"}' in r and
          'attest_check_failures_total{check="clock"}' in r, "metrics count verdicts and checks")

    # --- attestctl, the operator CLI, against the same verifier ---
    token_file = os.path.join(v.state, "admin-token")
    env = dict(os.environ, ATTEST_SERVER=v.url, ATTEST_ADMIN_TOKEN=token_file)

    def ctl(*args):
        return subprocess.run([ATTESTCTL] + list(args), env=env, capture_output=True, text=True)

    r = ctl("machines", "list")
    check(r.returncode == 0 and m1 in r.stdout and "MACHINE-ID" in r.stdout,
          "attestctl machines list (table)")
    r = ctl("machines", "--json", "show", m1)
    check(r.returncode == 0 and json.loads(r.stdout)["machine_id"] == m1,
          "attestctl machines show --json")
    r = ctl("machines", "revoke", m2)
    status, _ = v.post("/v1/nonces", {"ak_name": b.ak_name})
    check(r.returncode == 0 and status == 403, "attestctl machines revoke takes effect")
    r = ctl("machines", "approve", m2)
    status, _ = v.post("/v1/nonces", {"ak_name": b.ak_name})
    check(r.returncode == 0 and status == 201, "attestctl machines approve takes effect")
    r = ctl("machines", "show", "f" * 32)
    check(r.returncode == 1, "attestctl: unknown machine exits 1")
    bad = os.path.join(tmp, "bad-token")
    with open(bad, "w") as f:
        f.write("0" * 64 + "\n")
    r = subprocess.run([ATTESTCTL, "--server", v.url, "--token", bad, "machines", "list"],
                       capture_output=True, text=True)
    check(r.returncode == 1 and "403" in r.stderr, "attestctl with a wrong token exits 1")
    r = ctl("verifier", "pubkey")
    check(r.returncode == 0 and r.stdout == pem, "attestctl verifier pubkey (server)")
    r = ctl("verifier", "pubkey", "--key", os.path.join(v.state, "verdict-key.pem"))
    check(r.returncode == 0 and r.stdout == pem, "attestctl verifier pubkey --key (offline)")
    pol = os.path.join(tmp, "ima-policy.json")
    with open(pol, "w") as f:
        json.dump({"digests": {"/usr/bin/bench": [hashlib.sha256(b"bench").hexdigest()]}}, f)
    r = ctl("machines", "group", m2, "rack-1")
    r2 = ctl("machines", "policy", "set", "--scope", "group", "--name", "rack-1", "--kind", "ima",
             pol)
    status, n = v.post("/v1/nonces", {"ak_name": b.ak_name})
    verdict_fails(attestation_body(v, b, nonce=n["nonce"]), "ima-missing",
                  "group IMA policy set with attestctl applies to its machines")
    check(r.returncode == 0 and r2.returncode == 0, "attestctl machines group / policy set")

    # Reset: machine m1 may now enroll with TPM b's EK... which belongs to m2: refused;
    # after resetting m2 too, the swap goes through.
    v.admin("POST", f"/machines/{m1}/reset")
    status, r = enroll(v, b, m1, "runner-a")
    check(status == 409, "an EK enrolled for another machine id is refused")
    v.admin("POST", f"/machines/{m2}/reset")
    status, r = enroll(v, b, m1, "runner-a")
    check(status == 200, "after operator resets, the swapped hardware enrolls")



def flipped(nonce_b64, i):
    n = bytearray(base64.b64decode(nonce_b64))
    n[i] ^= 0x01
    return b64(bytes(n))


def stateless_nonces(v, b):
    """Nonces carry their own MAC: no quota to fill, forgeries refused, single use kept
    across a restart (the key file and the consumed set persist)."""
    # No quota: whoever knows the AK name (world-readable on the runner) may flood it.
    codes = [v.post("/v1/nonces", {"ak_name": b.ak_name})[0] for _ in range(100)]
    check(codes == [201] * 100, f"100 unauthenticated nonce requests for one AK all served "
          f"({sorted(set(codes))})")
    codes = [v.post("/v1/challenges", {"ak_name": b.ak_name})[0] for _ in range(40)]
    check(codes == [201] * 40, f"40 challenge requests for one AK all served ({set(codes)})")
    status, r = v.post("/v1/attestations", attestation_body(v, b))
    check(status == 200 and r.get("status") == "affirming",
          f"after the flood the genuine machine still gets a nonce and attests ({status} {r})")

    # Forgeries: one flipped byte in the random part, the expiry, the MAC.
    status, n = v.post("/v1/nonces", {"ak_name": b.ak_name})
    for i, part in ((0, "random part"), (8, "expiry"), (11, "expiry"), (12, "MAC"), (31, "MAC")):
        status, r = v.post("/v1/attestations", attestation_body(v, b, nonce=flipped(n["nonce"], i)))
        check(status == 403 and r.get("field") == "nonce",
              f"nonce with a flipped {part} byte ({i}) refused ({status} {r})")
    body = attestation_body(v, b, nonce=n["nonce"])
    status, r = v.post("/v1/attestations", body)
    check(status == 200 and r.get("status") == "affirming",
          f"the genuine nonce still works after the forgeries ({status} {r})")

    # The kinds are separate: a challenge is no attestation nonce, and the reverse.
    status, c = v.post("/v1/challenges", {"ak_name": b.ak_name})
    status, r = v.post("/v1/attestations", attestation_body(v, b, nonce=c["challenge"]))
    check(status == 403 and r.get("field") == "nonce",
          f"a challenge used as an attestation nonce refused ({status} {r})")
    status, n = v.post("/v1/nonces", {"ak_name": b.ak_name})
    proof = {"ak_name": b.ak_name, "challenge": n["nonce"],
             "signature": b.sign_challenge(base64.b64decode(n["nonce"]))}
    status, r = v.post("/v1/proofs", proof)
    check(status == 403 and "not issued" in r.get("error", ""),
          f"an attestation nonce used as a challenge refused ({status} {r})")
    proof = {"ak_name": b.ak_name, "challenge": c["challenge"],
             "signature": b.sign_challenge(base64.b64decode(c["challenge"]))}
    forged = dict(proof, challenge=flipped(c["challenge"], 20))
    status, r = v.post("/v1/proofs", forged)
    check(status == 403 and "not issued" in r.get("error", ""),
          f"a challenge with a flipped MAC byte refused ({status} {r})")
    status, r = v.post("/v1/proofs", proof)
    check(status == 200 and r.get("valid") is True, f"the genuine challenge proves ({status} {r})")

    # Single use survives a restart; a nonce issued before it stays valid after it.
    status, n = v.post("/v1/nonces", {"ak_name": b.ak_name})
    pending = attestation_body(v, b, nonce=n["nonce"])
    status, c = v.post("/v1/challenges", {"ak_name": b.ak_name})
    v.stop()
    v.start()
    status, r = v.post("/v1/attestations", body)
    check(status == 410 and r.get("field") == "nonce",
          f"a used nonce is refused after a restart ({status} {r})")
    status, r = v.post("/v1/proofs", proof)
    check(status == 403 and "already used" in r.get("error", ""),
          f"a used challenge is refused after a restart ({status} {r})")
    status, r = v.post("/v1/attestations", pending)
    check(status == 200 and r.get("status") == "affirming",
          f"a nonce issued before the restart is accepted after it ({status} {r})")
    status, r = v.post("/v1/attestations", pending)
    check(status == 410, f"and only once ({status} {r})")
    proof = {"ak_name": b.ak_name, "challenge": c["challenge"],
             "signature": b.sign_challenge(base64.b64decode(c["challenge"]))}
    status, r = v.post("/v1/proofs", proof)
    check(status == 200, f"a challenge issued before the restart proves after it ({status} {r})")


def run_approve(v, tmp):
    a = Tpm(os.environ["TCTI_A"], os.path.join(tmp, "a"))
    m = secrets.token_hex(16)
    status, r = enroll(v, a, m, "runner-a")
    check(status == 200 and r.get("status") == "pending_approval",
          f"enrollment mode approve: machine pending ({r})")
    status, r = v.post("/v1/nonces", {"ak_name": a.ak_name})
    check(status == 403, "a machine pending approval gets no nonce")
    status, _ = v.admin("POST", f"/machines/{m}/approve")
    status, r = v.post("/v1/attestations", attestation_body(v, a))
    check(r.get("status") == "affirming", "after approval it attests")
    stateless_nonces(v, a)
    v.admin("POST", f"/machines/{m}/revoke")
    status, r = enroll(v, a, m, "runner-a")
    check(status == 200 and r.get("status") == "revoked",
          f"re-enrolling does not lift a revocation ({r})")


if __name__ == "__main__":
    main()
