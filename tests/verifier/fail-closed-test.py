#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Suite 'http': what the verifier refuses to pass or to record, with a real
attest-verifier on 127.0.0.1 and a real TPM (swtpm chip a, tests/harness/swtpm-run).

- Fail closed without a policy: a machine with no measured-boot or IMA policy
  fails ("no-policy", one per kind), whatever it sends, unless the operator
  opted out for that kind; then the verdict names the check as skipped. A
  policy that exists needs its log ("eventlog-missing", "ima-missing"), and
  an IMA policy needs a verified prefix ("ima-prefix").
- Only the enrolled AK's answer to this exchange is the machine's: a bad
  signature, a replayed quote, a truncated signature are attempts, counted
  in the metrics, never the machine's verdict or history.
- The evidence of a failing attestation is kept for the operator.
- /metrics can require a token.

Run as: swtpm-run --chip a -- fail-closed-test.py
"""
import base64
import hashlib
import os
import re
import secrets
import shutil
import tempfile

from attestlib import (EV_POST_CODE, EV_SEPARATOR, Tpm, Verifier, attestation_body, b64, check,
                       ek_roots, enroll, eventlog_event, eventlog_header, finish, ima_ng_entry,
                       jwt_verify_es256)


def names(r):
    return [c["check"] for c in r.get("failed_checks", [])]


def attest(v, body):
    status, r = v.post("/v1/attestations", body)
    return r if status == 200 else {"status": f"http {status}", "error": r}


def boot_log(tpm):
    """An event log of three events, extended into the TPM as it is built (once:
    every later IMA boot_aggregate covers these PCRs)."""
    log, digests = eventlog_header(), {}
    for pcr, etype, data in [(0, EV_POST_CODE, b"firmware"), (4, EV_POST_CODE, b"loader"),
                             (7, EV_SEPARATOR, b"\0\0\0\0")]:
        ev, digest = eventlog_event(pcr, etype, data)
        tpm.extend(pcr, digest)
        log += ev
        digests.setdefault(str(pcr), []).append(digest.hex())
    return log, {"version": 1, "bank": "sha256", "event_digests": {"4": digests["4"]}}


def ima_list(tpm, paths, extend=True):
    """boot_aggregate of PCRs 0-9, then one ima-ng entry per path, extended into
    PCR 10 (or not: a list the TPM never saw)."""
    pcrs = tpm.pcrs("sha256:0,1,2,3,4,5,6,7,8,9")["sha256"]
    aggregate = hashlib.sha256(b"".join(bytes.fromhex(pcrs[str(i)]) for i in range(10))).digest()
    entries = [ima_ng_entry("boot_aggregate", aggregate)]
    entries += [ima_ng_entry(p, hashlib.sha256(p.encode()).digest()) for p in paths]
    for _, h in entries if extend else []:
        tpm.extend(10, h)
    return b"".join(e for e, _ in entries)


def ima_policy(*paths):
    return {"digests": {p: [hashlib.sha256(p.encode()).hexdigest()] for p in paths}}


def set_policy(v, machine_id, kind, policy):
    status, r = v.admin("PUT", "/policies", {"scope": "machine", "name": machine_id,
                                             "kind": kind, "policy": policy})
    check(status == 200, f"operator sets the {kind} policy ({status} {r})")


def metric(v, name, label, token=None):
    status, text = v.request("GET", "/metrics", token=token)
    m = re.search(rf'^{name}{{check="{label}"}} (\d+)$', text if status == 200 else "", re.M)
    return int(m.group(1)) if m else 0


def main():
    tmp = tempfile.mkdtemp(prefix="verifier-fail-closed-")
    roots = ek_roots(tmp, os.environ["SWTPM_CA_DIR"])
    tpm = Tpm(os.environ["TPM2TOOLS_TCTI"], os.path.join(tmp, "a"))
    mtoken = os.path.join(tmp, "metrics-token")
    v = Verifier(tmp, "--ek-roots", roots, "--metrics-token", mtoken, require_policies=True)
    try:
        machine_id = secrets.token_hex(16)
        status, r = enroll(v, tpm, machine_id, "runner-a")
        check(status == 200, f"enrolled ({status} {r})")
        with open(mtoken) as f:
            token = f.read().strip()
        log, boot_policy = boot_log(tpm)
        ima = fail_closed(v, tpm, machine_id, log, boot_policy)
        attempts(v, tpm, machine_id, token, log, ima)
        metrics_token(v, token)
    finally:
        v.stop()
    opt_out(tmp, roots, tpm, log, boot_policy)
    shutil.rmtree(tmp)
    finish()


def fail_closed(v, tpm, machine_id, log, boot_policy):
    # --- no policy at all: whatever the machine sends, it fails, one check per kind ---
    r = attest(v, attestation_body(v, tpm))
    check(r.get("status") == "contraindicated" and names(r).count("no-policy") == 2,
          f"no policy, no logs: contraindicated, no-policy twice ({names(r)})")
    messages = sorted(c["message"].split(":")[0] for c in r.get("failed_checks", [])
                      if c["check"] == "no-policy")
    check(messages == ["boot", "ima"], f"no-policy names the kinds boot and ima ({messages})")
    check(r.get("skipped_checks") == [], "nothing is skipped without an opt-out")
    r = attest(v, attestation_body(v, tpm, event_log=b64(log)))
    check(r.get("status") == "contraindicated" and names(r).count("no-policy") == 2,
          f"an event log that replays, no policy: still contraindicated ({names(r)})")

    # The evidence of that failure is kept: a reference can be captured from it.
    status, e = v.admin("GET", f"/machines/{machine_id}/evidence")
    check(status == 200 and e.get("event_log") == b64(log) and e.get("ima_log") is None
          and e.get("ima_from") == 0 and "0x000b" in e.get("pcrs", {}),
          f"the failing attestation's evidence is kept ({status})")
    status, e = v.admin("GET", "/machines/" + "0" * 32 + "/evidence")
    check(status == 404, f"no evidence for an unknown machine ({status})")

    # --- a boot policy only: the missing IMA policy still fails ---
    set_policy(v, machine_id, "boot", boot_policy)
    r = attest(v, attestation_body(v, tpm, event_log=b64(log)))
    ima_only = [c["message"] for c in r.get("failed_checks", []) if c["check"] == "no-policy"]
    check(r.get("status") == "contraindicated" and len(ima_only) == 1
          and ima_only[0].startswith("ima:"),
          f"boot policy only: the IMA kind still fails ({names(r)})")
    r = attest(v, attestation_body(v, tpm))
    check("eventlog-missing" in names(r), f"boot policy, no event log: eventlog-missing ({names(r)})")

    # --- an IMA policy needs a verified prefix: PCR 10 never extended ---
    set_policy(v, machine_id, "ima", ima_policy("/usr/bin/bench"))
    unseen = ima_list(tpm, ["/usr/bin/bench"], extend=False)
    r = attest(v, attestation_body(v, tpm, event_log=b64(log), ima_log=b64(unseen)))
    check(r.get("status") == "contraindicated" and
          ("ima-prefix" in names(r) or "ima-replay" in names(r)),
          f"IMA policy, PCR 10 at its initial value: nothing verified, no pass ({names(r)})")

    # --- both policies: /tmp/backdoor is judged; withholding it does not replay ---
    ima = ima_list(tpm, ["/usr/bin/bench", "/tmp/backdoor"])
    r = attest(v, attestation_body(v, tpm, event_log=b64(log)))
    check("ima-missing" in names(r), f"IMA policy, no IMA list: ima-missing ({names(r)})")
    r = attest(v, attestation_body(v, tpm, event_log=b64(log), ima_log=b64(ima)))
    check(r.get("status") == "contraindicated" and "policy-ima" in names(r)
          and any("/tmp/backdoor" in c["message"] for c in r["failed_checks"]),
          f"both policies: /tmp/backdoor is named ({names(r)})")
    head = ima[:len(ima) - len(ima_ng_entry("/tmp/backdoor", b"\0" * 32)[0])]
    r = attest(v, attestation_body(v, tpm, event_log=b64(log), ima_log=b64(head)))
    check(r.get("status") == "contraindicated" and names(r) != [],
          f"withholding the backdoor's entry: no pass ({names(r)})")
    return ima


def attempts(v, tpm, machine_id, token, log, ima):
    """Evidence the enrolled AK did not make for this exchange never becomes the
    machine's verdict; its last pass and its proofs of possession stay."""
    set_policy(v, machine_id, "ima", ima_policy("/usr/bin/bench", "/tmp/backdoor"))
    r = attest(v, attestation_body(v, tpm, event_log=b64(log), ima_log=b64(ima)))
    check(r.get("status") == "affirming" and r.get("recorded") is True,
          f"policies that hold: affirming, recorded ({r.get('status')} {names(r)})")
    status, m = v.admin("GET", f"/machines/{machine_id}")
    last, count = m.get("last_status"), len(m.get("attestations", []))
    check(last == "affirming", f"the machine's last verdict is the pass ({last})")

    def refused(body, what, check_name):
        n0 = metric(v, "attest_attempts_refused_total", check_name, token)
        r = attest(v, body)
        status, m = v.admin("GET", f"/machines/{machine_id}")
        check(r.get("status") == "contraindicated" and r.get("recorded") is False,
              f"{what}: contraindicated, not recorded ({r.get('status')} {names(r)})")
        check(m.get("last_status") == last and len(m.get("attestations", [])) == count,
              f"{what}: the machine's last verdict and history are unchanged")
        check(metric(v, "attest_attempts_refused_total", check_name, token) == n0 + 1,
              f"{what}: counted as an attempt ({check_name})")

    body = attestation_body(v, tpm, event_log=b64(log), ima_log=b64(ima))
    sig = bytearray(base64.b64decode(body["signature"]))
    sig[-1] ^= 1
    body["signature"] = b64(bytes(sig))
    refused(body, "a flipped signature byte", "signature")

    body = attestation_body(v, tpm)
    body["signature"] = b64(base64.b64decode(body["signature"])[:6])
    refused(body, "a truncated signature", "signature")

    old = attestation_body(v, tpm, event_log=b64(log), ima_log=b64(ima))
    status, n = v.post("/v1/nonces", {"ak_name": tpm.ak_name})
    old["nonce"] = n["nonce"]  # a genuine quote of another exchange, with a fresh nonce
    refused(old, "a replayed quote under a fresh nonce", "nonce")

    # The machine's proof of possession works as before the attempts.
    status, r = v.post("/v1/challenges", {"ak_name": tpm.ak_name})
    check(status == 201, f"a challenge is still issued after the attempts ({status})")
    signature = tpm.sign_challenge(base64.b64decode(r["challenge"]))
    status, r = v.post("/v1/proofs", {"ak_name": tpm.ak_name, "challenge": r["challenge"],
                                      "signature": signature})
    check(status == 200 and r.get("valid") is True,
          f"the proof of possession still holds after the attempts ({status} {r})")


def metrics_token(v, token):
    status, _ = v.request("GET", "/metrics")
    check(status == 401, f"/metrics without its token: 401 ({status})")
    status, _ = v.request("GET", "/metrics", token="0" * 64)
    check(status == 403, f"/metrics with a wrong token: 403 ({status})")
    status, text = v.request("GET", "/metrics", token=token)
    check(status == 200 and "attest_verdicts_total" in text, f"/metrics with its token ({status})")
    status, _ = v.request("GET", "/healthz")
    check(status == 200, "healthz needs no token")


def opt_out(tmp, roots, tpm, log, boot_policy):
    """require_ima_policy = false: no IMA policy is a skip, said in the verdict and the log."""
    work = os.path.join(tmp, "opt-out")
    os.makedirs(work)
    conf = os.path.join(work, "verifier.conf")
    with open(conf, "w") as f:
        f.write("[attestation]\nrequire_ima_policy = false\n")
    v = Verifier(work, "--ek-roots", roots, "--config", conf, require_policies=True)
    try:
        machine_id = secrets.token_hex(16)
        status, r = enroll(v, tpm, machine_id, "runner-b")
        check(status == 200, f"enrolled on the opted-out verifier ({status})")
        r = attest(v, attestation_body(v, tpm))
        check(r.get("status") == "contraindicated" and names(r) == ["no-policy"]
              and r["failed_checks"][0]["message"].startswith("boot:"),
              f"opt-out of IMA only: the boot kind still fails ({names(r)})")
        set_policy(v, machine_id, "boot", boot_policy)
        r = attest(v, attestation_body(v, tpm, event_log=b64(log)))
        check(r.get("status") == "affirming" and r.get("skipped_checks") == ["policy-ima"],
              f"boot policy holds, IMA opted out: affirming, policy-ima skipped ({r.get('status')}"
              f" {names(r)} {r.get('skipped_checks')})")
        claims = jwt_verify_es256(r.get("verdict", "..."), v.public_key_pem(), work)
        check(bool(claims) and claims.get("skipped_checks") == ["policy-ima"],
              "the signed verdict names the skipped check")
        v.stop()
        with open(os.path.join(work, "verifier.log"), errors="replace") as f:
            text = f.read()
        check("require_ima_policy = false" in text, "the opt-out is logged at start")
        check("policy-ima not judged" in text, "the opt-out is logged at the verdict")
    finally:
        v.stop()
    # A typo never turns the default off.
    with open(conf, "w") as f:
        f.write("[attestation]\nrequire_boot_policy = no\n")
    typo = os.path.join(tmp, "typo")
    os.makedirs(typo)
    try:
        Verifier(typo, "--config", conf, require_policies=True).stop()
        started = True
    except RuntimeError:
        started = False
    check(not started, "require_boot_policy = no (not true/false) is refused at start")


if __name__ == "__main__":
    main()
