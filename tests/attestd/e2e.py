#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Suite 'e2e': attestd + the real attest-verifier on 127.0.0.1 + swtpm chips.
One scenario per test (the threat model of docs/design.md §1), each run as

    swtpm-run --chip a -- e2e.py SCENARIO                       (one TPM)
    swtpm-run --chip a -- sh -c 'TCTI_A=$ATTEST_TCTI CA_A=$SWTPM_CA_DIR \
        exec "$SWTPM_RUN" --chip b -- "$0" "$1"' e2e.py SCENARIO   (two TPMs: a, b)

Every refusal is checked on the agent's side: its exit code (never 0 without a
verified pass), its message naming the failed check, and the run directory
(no verdict.jwt left behind)."""
import base64
import copy
import hashlib
import json
import os
import select
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import attestlib
from attestlib import (Agent, Measurements, Mitm, Tpm, Verifier, b64, b64url, b64url_decode,  # noqa
                       check, ek_roots, es256_sign, finish, hs256_sign, jwt_verify_es256,
                       new_ec_key, refused_port, token_claims,
                       workdir, BUILD)

SEL = "sha256:0,1,2,3,4,5,6,7,8,9,10"


def two_chips():
    return "TCTI_A" in os.environ


def chip_a():
    """(tcti, ca_dir) of chip a (the inner chip is b when two run)."""
    if two_chips():
        return os.environ["TCTI_A"], os.environ["CA_A"]
    return os.environ["ATTEST_TCTI"], os.environ["SWTPM_CA_DIR"]


def chip_b():
    return os.environ["ATTEST_TCTI"], os.environ["SWTPM_CA_DIR"]


class Setup:
    """A verifier trusting the chips' EK CAs, and an agent on chip a with boot measurements."""

    def __init__(self, tmp, via_proxy=False, enroll=True, verifier_args=(), tls_ca=None,
                 require_policies=False, **agent_settings):
        self.tmp = tmp
        self.agent_settings = agent_settings
        cas = [chip_a()[1]] + ([chip_b()[1]] if two_chips() else [])
        self.v = Verifier(tmp, "--ek-roots", ek_roots(tmp, *cas), *verifier_args, tls_ca=tls_ca,
                          require_policies=require_policies)
        self.pem = self.v.public_key_pem()
        self.proxy = Mitm(self.v.port) if via_proxy else None
        self.tpm_a = Tpm(chip_a()[0], os.path.join(tmp, "tools-a"))
        self.a = self.agent("a", chip_a()[0])
        self.m = Measurements(self.tpm_a, self.a)
        self.m.boot()
        if enroll:
            check(self.a.run("enroll") == 0, "machine a enrolls")

    def agent(self, name, tcti, machine_id=None, **kw):
        kw = dict(self.agent_settings, **kw)
        url = self.proxy.url if self.proxy else self.v.url
        return Agent(os.path.join(self.tmp, name), tcti, url, self.pem,
                     machine_id or secrets.token_hex(16), **kw)

    def close(self):
        if self.proxy:
            self.proxy.stop()
        self.v.stop()


def refused(agent, rc, what, codes=(1,), check_name=None):
    """The agent refused: exit code in codes, no verdict left, status not a pass."""
    ok = check(rc in codes, f"{what}: attestd exits {'/'.join(map(str, codes))} (got {rc})")
    ok &= check(not agent.verdict_exists(), f"{what}: no verdict.jwt left in the run directory")
    st = agent.status()
    ok &= check(st.get("result") != "pass", f"{what}: status says '{st.get('result')}'")
    if check_name:
        names = [c["check"] for c in st.get("failed_checks", [])]
        ok &= check(any(check_name in n for n in names) and check_name in agent.err,
                    f"{what}: failed check '{check_name}' named ({names})")
    return ok


# ------------------------------------------------------------------ 1. happy path

def scenario_happy(tmp):
    s = Setup(tmp, enroll=False)
    a = s.a
    rc = a.run("enroll")
    check(rc == 0, "enroll: EK/AK created, enrolled, credential activated")
    ak = a.ak_name()
    check(a.machine_id in a.out and ak in a.out and "EK fingerprint" in a.out,
          "enroll prints machine id, EK fingerprint and AK name")
    # The fingerprint is the SHA-256 of the EK's DER public key: compare with openssl on ek.crt.
    pub = subprocess.run(["openssl", "x509", "-inform", "der", "-in",
                          os.path.join(a.state, "ek.crt"), "-pubkey", "-noout"],
                         capture_output=True, check=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=pub,
                         capture_output=True, check=True).stdout
    check(hashlib.sha256(der).hexdigest() in a.out,
          "EK fingerprint = SHA-256 of the EK certificate's public key (openssl)")

    def snapshot():
        return {n: open(os.path.join(a.state, n), "rb").read() for n in sorted(os.listdir(a.state))}
    before = snapshot()
    rc = a.run("enroll")
    check(rc == 0 and "already enrolled" in a.out and snapshot() == before,
          "second enroll says so and changes nothing")

    rc = a.run("attest")
    check(rc == 0, "attest: verified pass")
    st = a.status()
    check(st["result"] == "pass" and st["verdict_status"] == "affirming" and
          st["machine_id"] == a.machine_id and st["ak_name"] == ak, f"status file: pass ({st})")
    check(st.get("ima_verified") == 1 and st.get("ima_from") == 0,
          "event log and IMA list (boot_aggregate) sent and verified")
    token = open(os.path.join(a.run_dir, "verdict.jwt")).read()
    claims = jwt_verify_es256(token, s.pem, tmp)
    check(claims is not None and claims["status"] == "affirming" and claims["ak_name"] == ak,
          "verdict.jwt verifies with openssl against the verifier key")
    for n in ("verdict.jwt", "status"):
        check(not any(f.startswith("." + n) or f.endswith(".tmp") for f in os.listdir(a.run_dir)),
              f"{n} written atomically (no temp file left)")

    rc = a.run("status")
    check(rc == 0 and "pass" in a.out and "affirming" in a.out, "attestd status: pass")
    rc = a.run("status", "--json")
    check(rc == 0 and json.loads(a.out)["result"] == "pass", "attestd status --json")

    s.m.measure("/usr/bin/bench", b"bench binary")
    rc = a.run("attest")
    st = a.status()
    check(rc == 0 and st.get("ima_from") == 1 and st.get("ima_verified") == 2,
          f"incremental IMA: only the entry after the verified one sent ({st.get('ima_from')})")
    check(st.get("path") == "fast", "second attestation uses the saved AK context (fast path)")

    # An entry measured after the quote (in the list, not yet in the quoted PCR 10): the
    # verifier accepts the prefix that replays; the next attestation sends the rest.
    s.m.measure("/usr/bin/late", b"late", extend=False)
    rc = a.run("attest")
    st = a.status()
    check(rc == 0 and st.get("ima_verified") == 2 and st.get("ima_from") == 2,
          f"list longer than the quote: the quoted prefix verified ({st.get('ima_verified')})")
    s.m.extend_pending()
    rc = a.run("attest")
    st = a.status()
    check(rc == 0 and st.get("ima_verified") == 3 and st.get("ima_from") == 2,
          f"next attestation: the late entry sent and verified ({st.get('ima_verified')})")
    s.close()


def scenario_ek_h3(tmp):
    """The high-range ECC P-384 EK (H-3, the one swtpm certifies at 0x01C00016) with an RSA AK:
    PolicyOR sessions in SHA-384, ECDH credential activation."""
    s = Setup(tmp, enroll=False, ek_template="ecc384", ak_algorithm="rsa")
    a = s.a
    check(a.run("enroll") == 0, "enroll with the H-3 EK and an RSA AK")
    check(a.run("boot-prepare") == 0, "boot-prepare under the H-3 EK")
    check(a.run("attest") == 0 and a.status()["path"] == "fast", "attest (fast path)")
    a.drop_context()
    check(a.run("attest") == 0 and a.status()["path"] == "cold", "attest (cold path, H-3 EK)")
    print("cold path, H-3:", " ".join(a.last_commands()))
    check(a.run("sign", "--challenge", "5a" * 32) == 0, "sign with the RSA AK")
    s.close()


def scenario_approval(tmp):
    """A verifier that enrolls only after an operator approves."""
    s = Setup(tmp, enroll=False, verifier_args=("--enrollment-mode", "approve"))
    a = s.a
    rc = a.run("enroll")
    check(rc == 0 and "pending operator approval" in a.out, "enroll: pending approval")
    rc = a.run("attest")
    refused(a, rc, "attest before approval")
    status, r = s.v.admin("POST", f"/machines/{a.machine_id}/approve")
    check(status == 200, f"operator approves ({status} {r})")
    check(a.run("attest") == 0, "attest after approval passes")
    s.close()


def scenario_proxy_env(tmp):
    """An HTTP proxy from the environment (http_proxy) is used, as libcurl does by default."""
    s = Setup(tmp)
    a = s.a
    fwd = Mitm(s.v.port)
    a.extra_env = {"http_proxy": fwd.url}
    rc = a.run("attest")
    check(rc == 0 and fwd.forward_proxied >= 2,
          f"attest through http_proxy ({fwd.forward_proxied} requests proxied)")
    with refused_port() as dead:
        a.extra_env = {"http_proxy": f"http://127.0.0.1:{dead}"}
        a.set(retry_total="1s")
        rc = a.run("attest")
    check(rc == 6, f"a proxy that is down: unreachable, exit 6 ({rc})")
    fwd.stop()
    s.close()


# ------------------------------------------------------------------ 2. hardware swap

def scenario_swap(tmp):
    s = Setup(tmp)
    a = s.a
    check(a.run("boot-prepare") == 0 and a.run("attest") == 0, "machine a attests on chip a")
    tcti_b = chip_b()[0]
    # The same disk (AK blobs, ek.pub, machine id) in front of another TPM.
    a.tcti = tcti_b
    a.write_config()
    rc = a.run("boot-prepare")
    check(rc == 4 and "FAILED" in a.out and "not the enrolled one" in a.out,
          "boot-prepare on the other TPM: exit 4, one clear line")
    rc = a.run("attest")
    refused(a, rc, "attest with the AK context of chip a on chip b", codes=(4,))
    a.drop_context()
    rc = a.run("attest")
    refused(a, rc, "attest with the AK blobs of chip a on chip b", codes=(4,))
    check("not this TPM" in a.err, "the agent says the blobs are not this TPM's")
    # A fresh enrollment from the new TPM under the old machine id.
    b = s.agent("b", tcti_b, machine_id=a.machine_id)
    rc = b.run("enroll")
    check(rc == 1 and "409" in b.err and "another EK" in b.err,
          "fresh enrollment of TPM b under machine a's id refused by the verifier (409)")
    s.close()


# ------------------------------------------------------------------ 3. impersonation

def scenario_impersonation(tmp):
    s = Setup(tmp)
    a = s.a
    check(a.run("attest") == 0, "machine a attests")
    # Another machine (TPM b) with a copy of a's disk: the AK cannot be loaded there.
    c = s.agent("c", chip_b()[0], machine_id=a.machine_id)
    shutil.copytree(a.state, c.state)
    rc = c.run("attest")
    refused(c, rc, "AK blobs of a copied to machine b", codes=(4,))
    check(c.run("sign", "--challenge", "00112233") == 3, "nor can it sign with them")

    # An attacker who knows only a's AK public: quotes with its own AK (on TPM b) a nonce it
    # asked for a's AK name, and claims it is a's.
    t = Tpm(chip_b()[0], os.path.join(tmp, "attacker"))
    t.run("tpm2_createek", "-c", "ek.ctx", "-G", "rsa", "-u", "ek.pub")
    t.run("tpm2_createak", "-C", "ek.ctx", "-c", "ak.ctx", "-G", "ecc", "-g", "sha256", "-s",
          "ecdsa", "-u", "ak.pub", "-n", "ak.name", "-r", "ak.priv")
    status, n = s.v.post("/v1/nonces", {"ak_name": a.ak_name()})
    t.run("tpm2_quote", "-c", "ak.ctx", "-l", SEL, "-q", base64.b64decode(n["nonce"]).hex(), "-m",
          "q.msg", "-s", "q.sig", "-g", "sha256")
    status, r = s.v.post("/v1/attestations", {
        "ak_name": a.ak_name(), "nonce": n["nonce"], "quote": b64(t.read("q.msg")),
        "signature": b64(t.read("q.sig")), "pcr_values": t.pcrs(SEL)})
    names = [x["check"] for x in r.get("failed_checks", [])] if status == 200 else []
    check(status == 200 and r["status"] == "contraindicated" and
          token_claims(r["verdict"])["status"] == "contraindicated" and
          any("signature" in x for x in names),
          f"quote by another AK under a's name: contraindicated, signature check named ({names})")
    s.close()


# ------------------------------------------------------------------ 4. replay

def scenario_replay(tmp):
    s = Setup(tmp, via_proxy=True)
    a = s.a
    check(a.run("attest") == 0, "genuine attestation (recorded by the proxy)")
    old, status, _ = s.proxy.last("/v1/attestations")
    # The captured request re-sent as is.
    status, r = s.v.post("/v1/attestations", old)
    check(status in (409, 410) or (status == 200 and r.get("status") != "affirming"),
          f"captured request re-sent: refused, nonce already used ({status} {r})")
    # The old genuine quote in a fresh request (fresh nonce).
    status, n = s.v.post("/v1/nonces", {"ak_name": a.ak_name()})
    fresh = dict(old, nonce=n["nonce"], ima_from=0)
    status, r = s.v.post("/v1/attestations", fresh)
    names = [x["check"] for x in r.get("failed_checks", [])] if status == 200 else []
    check(status == 200 and r["status"] == "contraindicated" and any("nonce" in x for x in names),
          f"old quote with a fresh nonce: contraindicated, nonce check named ({names})")
    # The same replay done in flight by the proxy while the agent attests.
    s.proxy.rewrite_request = lambda path, body: (
        dict(body, quote=old["quote"], signature=old["signature"],
             pcr_values=old["pcr_values"]) if path == "/v1/attestations" else body)
    rc = a.run("attest")
    refused(a, rc, "agent's quote swapped in flight for the old one", check_name="nonce")
    s.close()


# ------------------------------------------------------------------ 5. tamper

def scenario_tamper(tmp):
    s = Setup(tmp, via_proxy=True)
    a = s.a
    s.m.measure("/usr/bin/bench", b"bench")
    check(a.run("attest") == 0, "untampered attestation passes")

    def flip_hex(h):
        return ("f" if h[0] != "f" else "0") + h[1:]

    def pcr(path, body):
        if path == "/v1/attestations":
            body = copy.deepcopy(body)
            body["pcr_values"]["sha256"]["4"] = flip_hex(body["pcr_values"]["sha256"]["4"])
        return body

    def flip_b64(field, offset_from_end):
        def rw(path, body):
            if path == "/v1/attestations" and body.get(field):
                raw = bytearray(base64.b64decode(body[field]))
                raw[len(raw) - offset_from_end] ^= 1
                body = dict(body, **{field: b64(bytes(raw))})
            return body
        return rw

    # PCR 4 value; a digest byte in the last firmware event (PCR 9); the path of the last IMA
    # entry (its template hash no longer matches).
    for rw, what, name in [(pcr, "PCR value altered in flight", "pcr-digest"),
                           (flip_b64("event_log", 20), "event log entry altered in flight",
                            "eventlog"),
                           (flip_b64("ima_log", 3), "IMA entry altered in flight", "ima")]:
        s.proxy.rewrite_request = rw
        a.drop_context()
        rc = a.run("attest")
        refused(a, rc, what, check_name=name)
    s.proxy.rewrite_request = None
    check(a.run("attest") == 0, "untampered attestation passes again")
    s.close()


# ------------------------------------------------------------------ 6. policy

def scenario_policy(tmp):
    s = Setup(tmp)
    a = s.a
    s.m.measure("/usr/bin/bench", b"bench")
    status, r = s.v.admin("PUT", "/policies", {
        "scope": "machine", "name": a.machine_id, "kind": "ima",
        "policy": {"digests": {"/usr/bin/bench": [hashlib.sha256(b"bench").hexdigest()]},
                   "excludes": ["boot_aggregate"]}})
    check(status == 200, f"operator sets an IMA runtime policy ({status} {r})")
    check(a.run("attest") == 0, "measured executables all in the policy: pass")
    s.m.measure("/tmp/evil", b"not in the policy")
    rc = a.run("attest")
    refused(a, rc, "executable outside the IMA policy measured", check_name="policy-ima")
    check("/tmp/evil" in a.err, "the failed check's message names the executable")
    s.close()


def scenario_fail_closed(tmp):
    """The verifier's default: a freshly enrolled machine has no policy and fails, with
    the evidence kept; the operator's policies, taken from that evidence, make it pass;
    withheld logs fail again."""
    s = Setup(tmp, require_policies=True)
    a = s.a
    s.m.measure("/usr/bin/bench", b"bench")
    rc = a.run("attest")
    refused(a, rc, "no policy at all", check_name="no-policy")
    # The reference values of this trusted boot, from the evidence the verifier kept.
    status, e = s.v.admin("GET", f"/machines/{a.machine_id}/evidence")
    check(status == 200 and e.get("event_log") and e.get("ima_log"),
          f"the failing attestation's evidence is kept ({status})")
    log = base64.b64decode(e["event_log"])
    boot4 = [hashlib.sha256(b"boot loader").hexdigest()]
    check(bytes.fromhex(boot4[0]) in log, "the kept event log is the machine's")
    status, r = s.v.admin("PUT", "/policies", {
        "scope": "machine", "name": a.machine_id, "kind": "ima",
        "policy": {"digests": {"/usr/bin/bench": [hashlib.sha256(b"bench").hexdigest()]}}})
    check(status == 200, f"operator sets the IMA policy ({status} {r})")
    rc = a.run("attest")
    refused(a, rc, "an IMA policy but no measured-boot policy", check_name="no-policy")
    check("boot:" in a.err, "the missing kind is named")
    status, r = s.v.admin("PUT", "/policies", {
        "scope": "machine", "name": a.machine_id, "kind": "boot",
        "policy": {"version": 1, "bank": "sha256", "event_digests": {"4": boot4}}})
    check(status == 200, f"operator sets the measured-boot policy ({status} {r})")
    check(a.run("attest") == 0, "both policies hold: pass")
    # Withholding a log while its policy exists fails.
    os.unlink(a.event_log)
    rc = a.run("attest")
    refused(a, rc, "the event log withheld", check_name="eventlog-missing")
    s.m.write()
    os.unlink(a.ima_log)
    rc = a.run("attest")
    refused(a, rc, "the IMA list withheld", check_name="ima-missing")
    s.close()


def scenario_lifecycle(tmp):
    """A fleet's lifecycle with attestctl, as an operator's script runs it: enroll, no
    policy (refused), capture for the group, pass; a new executable (refused), the diff
    names it, approve with a reason, pass; the history and the audit log show it."""
    s = Setup(tmp, require_policies=True)
    a = s.a
    s.m.measure("/usr/bin/bench", b"bench")
    rc = a.run("attest")
    refused(a, rc, "no policy yet", check_name="no-policy")
    token = os.path.join(tmp, "admin-token")
    with open(token, "w") as f:
        f.write(s.v.token + "\n")
    os.chmod(token, 0o600)

    def ctl(*args, stdin=None):
        p = subprocess.run([attestlib.corpora.attestctl(), "--server", s.v.url, "--token", token,
                            *args], input=stdin, capture_output=True, text=True, timeout=60)
        return p.returncode, p.stdout + p.stderr

    rc, out = ctl("machines", "group", a.machine_id, "runners")
    check(rc == 0, f"attestctl machines group ({rc} {out})")
    rc, out = ctl("policy", "capture", a.machine_id, "--group", "runners", "--dry-run")
    check(rc == 0 and json.loads(out).get("boot_apps"), f"capture --dry-run prints the policy ({rc})")
    for kind in ["boot", "ima"]:
        rc, out = ctl("policy", "capture", a.machine_id, "--group", "runners", "--kind", kind,
                      "--reason", "golden runner")
        check(rc == 0 and "version 1" in out, f"capture the {kind} policy ({rc} {out})")
    check(a.run("attest") == 0, "captured policies: pass")
    rc, out = ctl("machines", "diff", a.machine_id)
    check(rc == 0 and "no drift" in out, f"machines diff: no drift, exit 0 ({rc} {out})")

    s.m.measure("/usr/bin/new-tool", b"new tool")
    rc = a.run("attest")
    refused(a, rc, "an executable the policy lacks", check_name="policy-ima")
    want = f"IMA /usr/bin/new-tool sha256:{hashlib.sha256(b'new tool').hexdigest()}"
    rc, out = ctl("machines", "diff", a.machine_id)
    check(rc == 1 and want in out, f"machines diff names the entry, exit 1 ({rc} {out})")
    rc, out = ctl("machines", "diff", a.machine_id, "--json")
    items = json.loads(out).get("ima", {}).get("items", []) if rc == 1 else []
    check([i.get("description") for i in items] == [want], f"--json for scripts ({items})")
    rc, out = ctl("policy", "approve", a.machine_id, "--group", "runners", "--kind", "ima")
    check(rc == 2 and "--reason" in out, f"approve without --reason: usage ({rc})")
    rc, out = ctl("policy", "approve", a.machine_id, "--group", "runners", "--kind", "ima",
                  "--reason", "new tool", stdin="n\n")
    check(rc == 1 and want in out and "not approved" in out,
          f"approve shows the diff again and asks; 'n' keeps the policy ({rc} {out})")
    rc, out = ctl("policy", "approve", a.machine_id, "--group", "runners", "--kind", "ima",
                  "--reason", "new tool from the release", "--yes")
    check(rc == 0 and "version 2" in out, f"approve --yes: version 2 ({rc} {out})")
    check(a.run("attest") == 0, "after approve: pass")
    rc, out = ctl("machines", "show", a.machine_id)
    newest = out.split("FAILED CHECKS")[-1].strip().splitlines()[0] if rc == 0 else ""
    check("affirming" in newest and newest.split()[4] == "group/runners@2",
          f"machines show: the last verdict names the policy version ({rc} {out})")
    rc, out = ctl("policy", "history", "group", "runners", "--kind", "ima")
    check(rc == 0 and "new tool from the release" in out and "capture" in out,
          f"history shows the versions with their reasons ({rc} {out})")
    rc, out = ctl("policy", "show", "group", "runners", "--kind", "ima", "--version", "1")
    check(rc == 0 and "/usr/bin/new-tool" not in out and "/usr/bin/bench" in out,
          f"show --version 1: the captured policy ({rc})")
    rc, out = ctl("policy", "rollback", "group", "runners", "--kind", "ima", "--version", "1",
                  "--reason", "tool withdrawn")
    check(rc == 0 and "version 3" in out, f"rollback: version 3 ({rc} {out})")
    rc = a.run("attest")
    refused(a, rc, "rolled back: the tool fails again", check_name="policy-ima")
    rc, out = ctl("audit", "--limit", "50")
    check(rc == 0 and "policy-approve" in out and "policy-rollback" in out
          and "machine-group" in out, f"attestctl audit lists the actions ({rc} {out})")
    s.close()


# ------------------------------------------------------------------ 7. man in the middle

def scenario_mitm(tmp):
    s = Setup(tmp, via_proxy=True)
    a = s.a
    check(a.run("attest") == 0, "genuine attestation through the proxy")
    old_verdict = s.proxy.last("/v1/attestations")[2]["verdict"]
    # The machine now runs something the policy forbids: the real verdict is negative.
    s.v.admin("PUT", "/policies", {"scope": "machine", "name": a.machine_id, "kind": "ima",
                                   "policy": {"digests": {}, "excludes": ["boot_aggregate"]}})
    s.m.measure("/tmp/evil", b"evil")
    rc = a.run("attest")
    refused(a, rc, "no proxy rewrite: the verifier says no", check_name="policy-ima")

    mitm_key = os.path.join(tmp, "mitm.pem")
    new_ec_key(mitm_key)
    req = {}

    def forged_claims():
        now = int(time.time())
        return {"iss": "attest-verifier", "sub": a.machine_id, "iat": now, "exp": now + 300,
                "eat_nonce": req["nonce"], "ak_name": a.ak_name(), "status": "affirming",
                "failed_checks": []}

    def capture(path, body):
        if path == "/v1/attestations":
            req.update(body)
        return body

    def genuine_payload_rewritten():
        h, p, sg = s.proxy_last_token.split(".")
        c = json.loads(b64url_decode(p))
        c.update(status="affirming", failed_checks=[])
        return h + "." + b64url(json.dumps(c).encode()) + "." + sg

    cases = [
        ("verdict signed by the MITM's own ES256 key",
         lambda: es256_sign({"alg": "ES256", "typ": "JWT"}, forged_claims(), mitm_key, tmp)),
        ("HS256 verdict keyed with the verifier's public PEM (algorithm confusion)",
         lambda: hs256_sign({"alg": "HS256", "typ": "JWT"}, forged_claims(), s.pem.encode())),
        ("alg none verdict",
         lambda: b64url(b'{"alg":"none"}') + "." + b64url(json.dumps(forged_claims()).encode())
         + "."),
        ("old genuine affirming verdict replayed", lambda: old_verdict),
        ("genuine verdict with its payload rewritten to affirming", genuine_payload_rewritten),
    ]
    s.proxy.rewrite_request = capture
    for what, token in cases:
        def rw(path, body, token=token):
            if path == "/v1/attestations":
                s.proxy_last_token = body["verdict"]
                body = dict(body, status="affirming", failed_checks=[], verdict=token())
            return body
        s.proxy.rewrite_response = rw
        rc = a.run("attest")
        refused(a, rc, what, codes=(1, 6))
        check("verdict token REFUSED" in a.err, f"{what}: logged as a refused verdict")

    # A proxy that answers garbage, or errors.
    s.proxy.rewrite_response = lambda path, body: (
        {"status": "affirming"} if path == "/v1/attestations" else body)
    rc = a.run("attest")
    refused(a, rc, "reply without a verdict", codes=(1, 6))
    s.close()


# ------------------------------------------------------------------ 8. verifier down

def scenario_down(tmp):
    s = Setup(tmp)
    a = s.a
    check(a.run("attest") == 0, "verifier up: pass")
    s.v.stop()
    a.set(retry_total="3s")
    rc = a.run("attest")
    st = a.status()
    check(rc == 6 and st["result"] == "unreachable", f"verifier down: exit 6 ({rc})")
    check(3.0 <= a.elapsed < 3.0 + 10 + 5,
          f"after the bounded retry time (retry_total 3s; took {a.elapsed:.1f}s)")
    check("unreachable" in a.err, "the agent says the verifier is unreachable")
    check(a.verdict_exists(), "the previous verdict is kept while the verifier is unreachable")
    s.v.start()
    a.set(url=s.v.url)  # the kernel gave the restarted verifier a new port
    rc = a.run("attest")
    check(rc == 0 and a.status()["result"] == "pass", "verifier back: the next attest passes")
    s.close()


def scenario_overloaded(tmp):
    """A verifier answering 503 for a while: retried with backoff, then a pass."""
    s = Setup(tmp, via_proxy=True)
    a = s.a
    a.set(retry_total="20s", retry_initial="200ms", retry_max="400ms")
    left = {"n": 4}

    def busy(path):
        if path == "/v1/nonces" and left["n"] > 0:
            left["n"] -= 1
            return 503
        return None
    s.proxy.status_override = busy
    rc = a.run("attest", "--verbose")
    check(rc == 0 and a.err.count("HTTP 503") >= 3,
          f"503 x4 then a pass: retried ({a.err.count('HTTP 503')} retries logged)")
    check(0.3 < a.elapsed < 10, f"with backoff between attempts ({a.elapsed:.1f}s)")
    # Always 503: bounded.
    left["n"] = 10 ** 6
    a.set(retry_total="2s")
    rc = a.run("attest")
    check(rc == 6 and 2.0 <= a.elapsed < 8, f"503 for ever: exit 6 after retry_total ({rc}, "
          f"{a.elapsed:.1f}s)")
    s.close()


def scenario_slow(tmp):
    """The nonce expires before the attestation arrives (a slow TPM): 410, a new exchange with a
    fresh nonce, then a pass."""
    s = Setup(tmp, via_proxy=True, verifier_args=("--nonce-ttl", "1"))
    a = s.a
    a.set(retry_total="20s")
    slow = {"n": 1}

    def delay(path):
        if path == "/v1/attestations" and slow["n"] > 0:
            slow["n"] -= 1
            return 2.5
        return 0
    s.proxy.delay = delay
    rc = a.run("attest", "--verbose")
    statuses = [st for p, _, st, _ in s.proxy.log if p == "/v1/attestations"]
    check(statuses[:1] == [410], f"the late attestation is refused: nonce expired ({statuses})")
    check(rc == 0 and len(statuses) == 2, "a new exchange with a fresh nonce passes")
    s.close()


def scenario_watch_grace(tmp):
    """attestd watch with the verifier gone: tolerated for [attest] grace, then the unit stops."""
    s = Setup(tmp)
    a = s.a
    a.set(interval="1s", grace="4s", retry_total="1s", retry_initial="200ms", retry_max="500ms")
    with FakeSystemd(tmp) as sd:
        watch = sd.start_watch(a)
        check(sd.wait_note("READY=1", 30), "watch: READY=1 after the first pass")
        s.v.stop()
        t0 = time.time()
        time.sleep(2)
        check(watch.poll() is None and not sd.stopped(), "within the grace period: still running")
        rc = sd.wait_exit(watch, 30)
        took = time.time() - t0
        check(rc == 6, f"past the grace period: exit 6 ({rc})")
        check(4 <= took < 20, f"after about the grace period ({took:.1f}s, grace 4s)")
        check(sd.stopped() == "StopUnit gate.service replace",
              f"unreachable past the grace period counts as a failure: unit stopped "
              f"({sd.stopped()!r})")
    s.v.start()
    s.close()


class FakeSystemd:
    """A private dbus-daemon with the FAKE systemd manager (fake-systemd-manager.c: this host
    runs no systemd) and a notify socket; starts `attestd watch --user --unit gate.service`."""

    def __init__(self, tmp):
        self.tmp = tmp

    def __enter__(self):
        self.bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address"],
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.address = self.bus.stdout.readline().decode().strip()
        self.log = os.path.join(self.tmp, "stopunit.log")
        env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=self.address)
        self.manager = subprocess.Popen(
            [os.path.join(BUILD, "tests", "attestd", "fake-systemd-manager"), self.log], env=env,
            stdout=subprocess.PIPE)
        assert self.manager.stdout.readline().strip() == b"ready"
        self.notify_path = os.path.join(self.tmp, "notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.notify_path)
        self.notes = []
        threading.Thread(target=self._listen, daemon=True).start()
        self.watch = None
        self.early = b""
        return self

    def _listen(self):
        while True:
            try:
                self.notes.append(self.sock.recv(4096).decode())
            except OSError:
                return

    def start_watch(self, agent):
        env = dict(agent.env(), DBUS_SESSION_BUS_ADDRESS=self.address,
                   NOTIFY_SOCKET=self.notify_path, WATCHDOG_USEC="2000000")
        self.watch = subprocess.Popen([os.path.join(BUILD, "attestd", "attestd"), "watch",
                                       "--user", "--unit", "gate.service"], env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        return self.watch

    def read_line(self, prefix, timeout):
        """The first line of watch's output starting with prefix, read while it runs: a
        block-buffered stdout would hold it until exit (the journal would get it days
        late)."""
        fd = self.watch.stdout.fileno()
        deadline = time.time() + timeout
        while not any(l.startswith(prefix.encode()) for l in self.early.split(b"\n")[:-1]):
            left = deadline - time.time()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return ""
            chunk = os.read(fd, 4096)
            if not chunk:
                return ""
            self.early += chunk
        return next(l for l in self.early.decode().split("\n") if l.startswith(prefix))

    def wait_note(self, what, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if any(what in n for n in self.notes):
                return True
            time.sleep(0.1)
        return False

    def wait_exit(self, proc, timeout):
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            rc = None
        return rc

    def stopped(self):
        return open(self.log).read().strip() if os.path.exists(self.log) else ""

    def __exit__(self, *exc):
        if self.watch:
            if self.watch.poll() is None:
                self.watch.kill()
                self.watch.wait()
            out = (self.early + self.watch.stdout.read()).decode()
            print("".join("  watch| " + l + "\n" for l in out.splitlines()), end="")
        for p in (self.manager, self.bus):
            p.terminate()
            p.wait()
        self.sock.close()


# ------------------------------------------------------------------ 9. revoked machine

def scenario_revoked(tmp):
    s = Setup(tmp)
    a = s.a
    a.set(interval="1s", grace="3s")
    check(a.run("attest") == 0, "machine attests before revocation")

    with FakeSystemd(tmp) as sd:
        watch = sd.start_watch(a)
        check(sd.wait_note("READY=1", 30), "watch: READY=1 after the first pass")
        line = sd.read_line("attestation passed", 10)
        check(line.startswith("attestation passed") and watch.poll() is None,
              f"watch's first pass is on its output while it still runs ({line!r})")
        time.sleep(2.5)
        check(sd.wait_note("WATCHDOG=1", 1), "watch: watchdog pings")
        check(watch.poll() is None and not sd.stopped(),
              "watch keeps running and stops nothing while the verdicts pass")
        status, r = s.v.admin("POST", f"/machines/{a.machine_id}/revoke")
        check(status == 200, "operator revokes the machine")
        rc = sd.wait_exit(watch, 30)
        check(rc == 1, f"watch exits 1 after the refused attestation ({rc})")
        check(sd.stopped() == "StopUnit gate.service replace",
              f"watch stopped the gated attestation unit over D-Bus ({sd.stopped()!r})")
    rc = a.run("attest")
    refused(a, rc, "revoked machine attests", codes=(1,))
    check("revoked" in a.err, "the refusal says the machine is revoked")
    s.close()


# ------------------------------------------------------------------ TPM command counts

def scenario_counts(tmp):
    s = Setup(tmp)
    a = s.a
    check(a.run("boot-prepare") == 0, "boot-prepare: identity checked, AK context saved")
    print("boot-prepare:", " ".join(a.last_commands()))
    check(a.last_commands()[2:] == ["ReadPublic", "StartAuthSession", "PolicySecret", "Load",
                                    "ContextSave", "FlushContext"],
          "boot-prepare = ReadPublic (persistent EK) + StartAuthSession + PolicySecret + Load + "
          "ContextSave + FlushContext")
    check(a.run("attest") == 0, "attest, fast path")
    fast = a.last_commands()
    print("fast path:", " ".join(fast))
    check(fast[0] == "attest-fast" and fast[2:] == ["ContextLoad", "Quote", "PCR_Read",
                                                    "PCR_Read", "FlushContext"]
          and fast[1] == "5",
          "fast path = ContextLoad + Quote + PCR_Read x2 (11 PCRs) + FlushContext (5 commands)")
    a.drop_context()
    check(a.run("attest") == 0, "attest, cold path (no saved context: TPM reset)")
    cold = a.last_commands()
    print("cold path:", " ".join(cold))
    check(cold[0] == "attest-cold" and cold[2:] == [
        "ReadPublic", "StartAuthSession", "PolicySecret", "Load", "ContextSave", "Quote",
        "PCR_Read", "PCR_Read", "FlushContext"],
        "cold path = EK ReadPublic + policy session + Load + ContextSave (cache refreshed) + "
        "Quote + PCR_Read x2 + FlushContext (9 commands)")
    check(a.run("attest") == 0 and a.last_commands()[0] == "attest-fast",
          "the cold path refreshed the cache: next attest is fast again")
    check(a.run("sign", "--challenge", "0badc0de" * 8) == 0, "sign")
    check(a.last_commands()[2:6] == ["ContextLoad", "Hash", "Sign", "FlushContext"],
          "sign = ContextLoad + Hash + Sign + FlushContext")
    s.close()


# ------------------------------------------------------------------ reboot (TPM Reset)

def scenario_reboot(tmp):
    """A TPM Reset (power cycle + Startup(CLEAR), as at every reboot): the saved AK context is
    refused by the TPM and the agent falls back to the blobs; the new boot's IMA list is sent
    whole, since the verifier's offset counts the previous boot's entries."""
    s = Setup(tmp)
    a = s.a
    check(a.run("boot-prepare") == 0 and a.run("attest") == 0, "boot 1: pass")
    s.m.measure("/usr/bin/bench", b"bench")
    check(a.run("attest") == 0 and a.status()["ima_from"] == 1, "boot 1: incremental IMA")
    reset_count = a.status()["reset_count"]
    port = int(os.environ["ATTEST_TCTI"].rsplit("port=", 1)[1])
    subprocess.run(["swtpm_ioctl", "--tcp", f"127.0.0.1:{port + 1}", "-i"], check=True)
    subprocess.run(["tpm2_startup", "-c"], env=dict(os.environ), capture_output=True)
    s.m = Measurements(s.tpm_a, a)
    s.m.boot()  # the new boot's firmware log and IMA list, into the reset PCRs
    s.m.measure("/usr/bin/bench", b"bench")
    rc = a.run("attest")
    st = a.status()
    check(rc == 0 and st["path"] == "cold", f"boot 2: stale AK context refused by the TPM, AK "
          f"loaded from the blobs, pass ({rc}, {st.get('path')})")
    check(st["reset_count"] == reset_count + 1 and st["ima_from"] == 0 and
          st["ima_verified"] == 2, f"boot 2: new TPM boot cycle, whole IMA list sent ({st})")
    print("after reset:", " ".join(a.last_commands()))
    check(a.last_commands()[2] == "ContextLoad" and "Load" in a.last_commands(),
          "the refused ContextLoad, then the blobs")
    check(a.run("attest") == 0 and a.status()["path"] == "fast", "boot 2: fast path again")
    s.close()


# ------------------------------------------------------------------ proof of possession

def scenario_proof(tmp):
    s = Setup(tmp)
    a = s.a
    b = s.agent("b", chip_b()[0])
    Measurements(Tpm(chip_b()[0], os.path.join(tmp, "tools-b")), b).boot()
    check(b.run("enroll") == 0, "machine b enrolls")
    check(a.run("attest") == 0 and b.run("attest") == 0, "both machines pass")

    def challenge(agent):
        status, r = s.v.post("/v1/challenges", {"ak_name": agent.ak_name()})
        return r["challenge"]

    def sign(agent, ch):
        rc = agent.run("sign", "--challenge", base64.b64decode(ch).hex())
        return agent.out.strip() if rc == 0 else None

    ch = challenge(a)
    sig = sign(a, ch)
    status, r = s.v.post("/v1/proofs", {"ak_name": a.ak_name(), "challenge": ch, "signature": sig})
    check(status == 200 and r.get("valid") is True and r.get("machine_id") == a.machine_id,
          f"proof by a's TPM valid ({status} {r})")
    status, r = s.v.post("/v1/proofs", {"ak_name": a.ak_name(), "challenge": ch, "signature": sig})
    check(status == 403, f"reused challenge refused ({status})")
    ch = challenge(a)
    status, r = s.v.post("/v1/proofs", {"ak_name": a.ak_name(), "challenge": ch,
                                        "signature": sign(b, ch)})
    check(status == 403, f"a's challenge signed by another TPM's AK refused ({status})")
    check(a.run("sign", "--challenge", "ff544347" + "00" * 28) == 2,
          "sign refuses a challenge starting with TPM_GENERATED_VALUE")
    # Machine a's last verdict fails: no more proofs.
    s.v.admin("PUT", "/policies", {"scope": "machine", "name": a.machine_id, "kind": "ima",
                                   "policy": {"digests": {}, "excludes": ["boot_aggregate"]}})
    s.m.measure("/tmp/evil", b"evil")
    check(a.run("attest") == 1, "machine a's attestation now fails")
    ch = challenge(a)
    status, r = s.v.post("/v1/proofs", {"ak_name": a.ak_name(), "challenge": ch,
                                        "signature": sign(a, ch)})
    check(status == 403, f"proof of a machine whose last verdict failed refused ({status})")
    s.close()


# ------------------------------------------------------------------ TLS

def scenario_tls(tmp):
    pki = attestlib.make_ca_and_server(tmp)
    s = Setup(tmp, enroll=False,
              verifier_args=("--tls-cert", pki.server_cert, "--tls-key", pki.server_key),
              tls_ca=pki.ca)
    a = s.a
    a.set(url=s.v.url, allow_http="no", ca_file=pki.ca)
    check(a.run("enroll") == 0, "enroll over HTTPS, server certificate verified with ca_file")
    check(a.run("attest") == 0, "attest over HTTPS")
    a.set(ca_file=pki.other_ca)
    rc = a.run("attest")
    check(rc == 6 and a.status()["result"] == "unreachable" and "certificate" in a.err,
          f"server certificate from another CA: refused, exit 6 ({rc})")
    a.set(url=f"http://127.0.0.1:{s.v.port}", allow_http="no", ca_file=None)
    rc = a.run("attest")
    check(rc == 2 and "allow_http" in a.err, "plain http:// refused unless allow_http (exit 2)")
    s.close()


SCENARIOS = {n[len("scenario_"):]: f for n, f in globals().items() if n.startswith("scenario_")}


def main():
    name = sys.argv[1]
    for tool in ("tpm2_pcrextend", "openssl", "dbus-daemon"):
        if not shutil.which(tool):
            print(f"e2e: '{tool}' is not installed (scripts/bootstrap installs it)")
            sys.exit(1 if os.environ.get("CI") else 77)
    tmp = workdir(f"attest-e2e-{name}-")
    try:
        SCENARIOS[name](tmp)
    finally:
        if not attestlib.failures:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print("kept", tmp)
    finish()


if __name__ == "__main__":
    main()
