#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Suite 'http': a fleet's policy lifecycle on the admin API, with a real
attest-verifier on 127.0.0.1 and a real TPM (swtpm chip a).

A Debian-like boot log (Secure Boot on, PK/KEK/db/dbx, shim and GRUB in PCR 4,
GRUB's kernel command line in PCR 8, kernel and initrd in PCR 9, separators)
is extended into the chip as it is built.
- no policy: no-policy; capture (dry run, then for a group): the next
  attestation passes; the captured policy judges by events, not PCR values.
- drift (another boot loader, a changed command line): the diff names the
  event (PCR, type, path, digest, command line) and what the policy allows;
  approve (reason required, base_version compare-and-set: of two concurrent
  approves exactly one wins, the other gets 409) makes it pass.
- versions: history with author and reason, one version, rollback (the
  drift fails again); every verdict names the policy version it was judged
  under; the audit log lists the actions.
- IMA: capture of a whole list with the default excludes; then it passes.
- bad input: unknown machine (404), no evidence yet (409), a capture that
  would be empty (422), a missing reason (400), an unknown version (404).
- a read-only admin token (--admin-readonly-token) reads and is refused
  (403) on every write.

Run as: swtpm-run --chip a -- lifecycle-test.py
"""
import hashlib
import os
import secrets
import shutil
import struct
import tempfile
import threading

from attestlib import (EV_SEPARATOR, Tpm, Verifier, attestation_body, b64, check, ek_roots,
                       enroll, eventlog_header, finish, ima_ng_entry)

EV_IPL = 0x0D
EV_EFI_VARIABLE_DRIVER_CONFIG = 0x80000001
EV_EFI_BOOT_SERVICES_APPLICATION = 0x80000003
GLOBAL = bytes.fromhex("61dfe48bca93d211aa0d00e098032b8c")
IMAGE_SECURITY = bytes.fromhex("cbb219d73a3d9645a3bcdad00e67656f")


def event(pcr, etype, data, digest=None):
    digest = digest or hashlib.sha256(data).digest()
    return (struct.pack("<III", pcr, etype, 1) + struct.pack("<H", 0x000B) + digest +
            struct.pack("<I", len(data)) + data), digest


def variable(guid, name, value):
    n = name.encode("utf-16-le")
    return guid + struct.pack("<QQ", len(name), len(value)) + n + value


def image_load(path):
    """UEFI_IMAGE_LOAD_EVENT with a device path of one file path node."""
    p = path.encode("utf-16-le") + b"\0\0"
    node = struct.pack("<BBH", 4, 4, 4 + len(p)) + p + struct.pack("<BBH", 0x7F, 0xFF, 4)
    return struct.pack("<QQQQ", 0x1000, 0x2000, 0, len(node)) + node


class Boot:
    """The event log, extended into the chip as it grows."""

    def __init__(self, tpm):
        self.tpm, self.log = tpm, eventlog_header()

    def add(self, pcr, etype, data, digest=None):
        ev, d = event(pcr, etype, data, digest)
        self.tpm.extend(pcr, d)
        self.log += ev
        return d

    def app(self, path):
        return self.add(4, EV_EFI_BOOT_SERVICES_APPLICATION, image_load(path),
                        hashlib.sha256(path.encode()).digest())  # stands for Authenticode

    def cmdline(self, text):
        # GRUB: the digest covers the text after the prefix
        return self.add(8, EV_IPL, b"kernel_cmdline: " + text.encode() + b"\0",
                        hashlib.sha256(text.encode()).digest())

    def debian(self):
        self.add(7, EV_EFI_VARIABLE_DRIVER_CONFIG, variable(GLOBAL, "SecureBoot", b"\1"))
        for name in ["PK", "KEK"]:
            self.add(7, EV_EFI_VARIABLE_DRIVER_CONFIG, variable(GLOBAL, name, name.encode() * 8))
        for name in ["db", "dbx"]:
            self.add(7, EV_EFI_VARIABLE_DRIVER_CONFIG,
                     variable(IMAGE_SECURITY, name, name.encode() * 8))
        for pcr in range(8):
            self.add(pcr, EV_SEPARATOR, b"\0\0\0\0")
        self.app(r"\EFI\debian\shimx64.efi")
        self.app(r"\EFI\debian\grubx64.efi")
        self.cmdline("/boot/vmlinuz-6.1.0-28-amd64 root=/dev/vda2 ro quiet")
        self.add(9, EV_IPL, b"/boot/vmlinuz-6.1.0-28-amd64\0", hashlib.sha256(b"kernel").digest())
        self.add(9, EV_IPL, b"/boot/initrd.img-6.1.0-28-amd64\0",
                 hashlib.sha256(b"initrd").digest())


def attest(v, tpm, boot, **extra):
    status, r = v.post("/v1/attestations", attestation_body(v, tpm, event_log=b64(boot.log),
                                                            **extra))
    return r if status == 200 else {"status": f"http {status}", "error": r}


def names(r):
    return [c["check"] for c in r.get("failed_checks", [])]


def main():
    tmp = tempfile.mkdtemp(prefix="verifier-lifecycle-")
    roots = ek_roots(tmp, os.environ["SWTPM_CA_DIR"])
    tpm = Tpm(os.environ["TPM2TOOLS_TCTI"], os.path.join(tmp, "a"))
    reader = os.path.join(tmp, "reader-token")
    v = Verifier(tmp, "--ek-roots", roots, "--require-ima-policy", "false",
                 "--admin-readonly-token", reader, require_policies=True)
    try:
        mid = secrets.token_hex(16)
        status, r = enroll(v, tpm, mid, "runner-a")
        check(status == 200, f"enrolled ({status} {r})")
        status, r = v.admin("POST", f"/machines/{mid}/group", {"group": "runners"})
        check(status == 200, f"put in group runners ({status})")
        bad_input_before(v, mid)
        boot = Boot(tpm)
        boot.debian()
        unbound_evidence(v, tpm, mid, boot)
        capture(v, tpm, mid, boot)
        drift(v, tpm, mid, boot)
        versions(v, tpm, mid, boot)
        ima(v, tpm, mid, boot)
        audit(v, mid)
        read_only(v, mid, reader)
    finally:
        v.stop()
    shutil.rmtree(tmp)
    finish()


def bad_input_before(v, mid):
    status, r = v.admin("POST", "/machines/" + "0" * 32 + "/capture", {"kind": "boot"})
    check(status == 404, f"capture of an unknown machine: 404 ({status} {r})")
    status, r = v.admin("POST", f"/machines/{mid}/capture", {"kind": "boot"})
    check(status == 409 and "no attestation" in r.get("error", ""),
          f"capture before any attestation: 409 naming it ({status} {r})")
    status, r = v.admin("GET", "/machines/" + "0" * 32 + "/diff")
    check(status == 404, f"diff of an unknown machine: 404 ({status})")
    status, r = v.admin("POST", f"/machines/{mid}/capture", {"kind": "tpm"})
    check(status == 400, f"capture of an unknown kind: 400 ({status})")
    status, r = v.admin("POST", "/policies/approve",
                        {"machine": mid, "kind": "boot", "base_version": 1})
    check(status == 400 and r.get("field") == "reason", f"approve without a reason: 400 ({r})")
    status, r = v.admin("POST", "/policies/approve",
                        {"machine": mid, "kind": "boot", "base_version": 1, "reason": "  "})
    check(status == 400 and r.get("field") == "reason", f"approve with a blank reason: 400 ({r})")
    status, r = v.request("POST", f"/v1/admin/machines/{mid}/capture", {"kind": "boot"},
                          token="0" * 64)
    check(status == 403, f"capture with a wrong token: 403 ({status})")
    status, r = v.request("GET", "/v1/admin/audit")
    check(status == 401, f"audit without a token: 401 ({status})")


def unbound_evidence(v, tpm, mid, boot):
    """Evidence no quote binds is never captured from: PCR values the quote does not
    cover (the quote is genuine, its digest does not match), a log that does not replay."""
    body = attestation_body(v, tpm, event_log=b64(boot.log))
    body["pcr_values"]["sha256"]["4"] = "00" * 32
    status, r = v.post("/v1/attestations", body)
    check(status == 200 and r.get("recorded") is True and r.get("status") == "contraindicated",
          f"PCR values the quote does not bind: recorded, refused ({status} {names(r)})")
    status, r = v.admin("POST", f"/machines/{mid}/capture", {"kind": "boot", "dry_run": True})
    check(status == 409 and "quote was not accepted" in r.get("error", ""),
          f"no capture from a quote that did not hold: 409 ({status} {r})")
    status, r = v.admin("GET", f"/machines/{mid}/diff")
    check(status == 409, f"nor a diff ({status})")
    forged = boot.log + event(4, EV_EFI_BOOT_SERVICES_APPLICATION, image_load(r"\EFI\evil.efi"))[0]
    status, r = v.post("/v1/attestations", attestation_body(v, tpm, event_log=b64(forged)))
    check(status == 200 and "eventlog-replay" in names(r),
          f"a log with an event the TPM never saw: eventlog-replay ({names(r)})")
    status, r = v.admin("POST", f"/machines/{mid}/capture", {"kind": "boot", "dry_run": True})
    check(status == 422 and "does not replay" in r.get("error", ""),
          f"no capture from a log that does not replay: 422 ({status} {r})")
    status, r = v.admin("POST", f"/machines/{mid}/capture", {"kind": "ima", "dry_run": True})
    check(status == 422 and "no IMA list" in r.get("error", ""),
          f"no IMA capture without an IMA list: 422 ({status} {r})")


def capture(v, tpm, mid, boot):
    r = attest(v, tpm, boot)
    check(r.get("status") == "contraindicated" and "no-policy" in names(r),
          f"no policy: contraindicated, no-policy ({names(r)})")
    status, r = v.admin("POST", f"/machines/{mid}/capture", {"kind": "boot", "dry_run": True})
    p = r.get("policy", {})
    check(status == 200 and r.get("dry_run") is True and r.get("version") == 0,
          f"dry run: the policy, nothing stored ({status} {r.get('error')})")
    check(p.get("secure_boot") is True and len(p.get("boot_apps", [])) == 2
          and p.get("separators") is True and len(p.get("pk", [])) == 1
          and len(p.get("dbx", [])) == 1
          and p.get("cmdlines") == ["/boot/vmlinuz-6.1.0-28-amd64 root=/dev/vda2 ro quiet"]
          and len(p.get("event_digests", {}).get("9", [])) == 2,
          f"the captured policy judges by events ({sorted(p)})")
    check("pcrs" not in p, "no frozen PCR values in a captured policy")
    status, r = v.admin("GET", f"/policies/group/runners/boot/versions")
    check(status == 404, f"a dry run stores no version ({status})")
    r = attest(v, tpm, boot)
    check(r.get("status") == "contraindicated", "still no policy after a dry run")
    status, r = v.admin("POST", f"/machines/{mid}/capture",
                        {"kind": "boot", "group": "runners", "reason": "golden runner"})
    check(status == 200 and r.get("version") == 1 and r.get("scope") == "group",
          f"capture for the group: version 1 ({status} {r.get('error')})")
    r = attest(v, tpm, boot)
    check(r.get("status") == "affirming", f"captured policy: affirming ({names(r)})")
    status, r = v.admin("GET", f"/machines/{mid}/diff")
    check(status == 200 and r.get("boot", {}).get("items") == []
          and r.get("boot", {}).get("policy") == "group/runners@1",
          f"no drift after capture ({status} {r})")
    status, m = v.admin("GET", f"/machines/{mid}")
    last = (m.get("attestations") or [{}])[0]
    check(last.get("policies", {}).get("boot") == "group/runners@1",
          f"the verdict names the policy version it was judged under ({last})")


def drift(v, tpm, mid, boot):
    digest = boot.app(r"\EFI\debian\grubx64-new.efi")
    r = attest(v, tpm, boot)
    check(r.get("status") == "contraindicated" and "policy-boot" in names(r),
          f"another boot loader: contraindicated ({names(r)})")
    status, d = v.admin("GET", f"/machines/{mid}/diff")
    items = d.get("boot", {}).get("items", [])
    check(status == 200 and len(items) == 1, f"the diff lists one item ({status} {items})")
    it = items[0] if items else {}
    want = (f"EFI application, Authenticode sha256:{digest.hex()}, "
            r"path \EFI\debian\grubx64-new.efi")
    check(it.get("check") == "boot_app" and it.get("pcr") == 4
          and it.get("type") == "EV_EFI_BOOT_SERVICES_APPLICATION"
          and it.get("description") == want,
          f"the diff names the application by digest and path ({it.get('description')})")
    check(isinstance(it.get("allowed"), list) and len(it.get("allowed")) == 2
          and it.get("add", {}).get("value") == digest.hex(),
          f"and what the policy allows instead ({it.get('allowed')})")
    # two approves against version 1: exactly one wins
    body = {"machine": mid, "kind": "boot", "group": "runners", "base_version": 1,
            "reason": "new GRUB from the archive"}
    results = []

    def approve():
        results.append(v.admin("POST", "/policies/approve", body))
    threads = [threading.Thread(target=approve) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(s for s, _ in results)
    check(codes == [200, 409], f"concurrent approves: one 200, one 409 ({codes})")
    won = [r for s, r in results if s == 200]
    check(won and won[0].get("version") == 2 and won[0].get("added") == 1,
          f"the approve adds the one value, version 2 ({won})")
    r = attest(v, tpm, boot)
    check(r.get("status") == "affirming", f"after approve: affirming ({names(r)})")
    status, r = v.admin("POST", "/policies/approve", dict(body, base_version=2))
    check(status == 409 and "nothing to approve" in r.get("error", ""),
          f"nothing left to approve: 409 ({status} {r})")
    # a changed kernel command line
    boot.cmdline("/boot/vmlinuz-6.1.0-28-amd64 root=/dev/vda2 ro init=/bin/sh")
    r = attest(v, tpm, boot)
    check(r.get("status") == "contraindicated", f"changed command line: refused ({names(r)})")
    status, d = v.admin("GET", f"/machines/{mid}/diff")
    descs = [i.get("description") for i in d.get("boot", {}).get("items", [])]
    check("GRUB kernel command line '/boot/vmlinuz-6.1.0-28-amd64 root=/dev/vda2 ro"
          " init=/bin/sh'" in descs, f"the diff names the command line ({descs})")


def versions(v, tpm, mid, boot):
    status, r = v.admin("POST", "/policies/approve",
                        {"machine": mid, "kind": "boot", "group": "runners", "base_version": 2,
                         "reason": "debug shell on purpose"})
    check(status == 200 and r.get("version") == 3, f"approve the command line: v3 ({status} {r})")
    r = attest(v, tpm, boot)
    check(r.get("status") == "affirming", f"after the second approve: affirming ({names(r)})")
    status, h = v.admin("GET", "/policies/group/runners/boot/versions")
    vs = h.get("versions", [])
    check(status == 200 and [x["version"] for x in vs] == [3, 2, 1]
          and [x["action"] for x in vs] == ["approve", "approve", "capture"]
          and vs[1].get("reason") == "new GRUB from the archive"
          and vs[0].get("author", "").startswith("admin-"),
          f"history: three versions with author and reason ({vs})")
    check(vs and vs[0].get("diff", {}).get("added", {}).get("cmdlines"),
          f"a version records its diff from the one before ({vs[0].get('diff') if vs else None})")
    status, one = v.admin("GET", "/policies/group/runners/boot/versions/1")
    check(status == 200 and len(one.get("policy", {}).get("boot_apps", [])) == 2,
          f"version 1 as captured ({status})")
    status, r = v.admin("GET", "/policies/group/runners/boot/versions/9")
    check(status == 404, f"an unknown version: 404 ({status})")
    status, r = v.admin("POST", "/policies/group/runners/boot/rollback", {"version": 1})
    check(status == 400 and r.get("field") == "reason", f"rollback without a reason: 400 ({r})")
    status, r = v.admin("POST", "/policies/group/runners/boot/rollback",
                        {"version": 1, "reason": "back to the golden image"})
    check(status == 200 and r.get("version") == 4 and r.get("restored") == 1,
          f"rollback to version 1 is version 4 ({status} {r})")
    r = attest(v, tpm, boot)
    check(r.get("status") == "contraindicated", f"after rollback the drift fails again ({names(r)})")
    status, m = v.admin("GET", f"/machines/{mid}")
    last = (m.get("attestations") or [{}])[0]
    check(last.get("policies", {}).get("boot") == "group/runners@4",
          f"judged under version 4 ({last.get('policies')})")
    status, r = v.admin("POST", "/policies/group/runners/boot/rollback",
                        {"version": 3, "reason": "forward again"})
    check(status == 200 and r.get("version") == 5, f"rollback to 3 is version 5 ({status} {r})")
    r = attest(v, tpm, boot)
    check(r.get("status") == "affirming", f"version 5 passes ({names(r)})")


def ima(v, tpm, mid, boot):
    pcrs = tpm.pcrs("sha256:0,1,2,3,4,5,6,7,8,9")["sha256"]
    aggregate = hashlib.sha256(b"".join(bytes.fromhex(pcrs[str(i)]) for i in range(10))).digest()
    only = [ima_ng_entry("boot_aggregate", aggregate)]
    tpm.extend(10, only[0][1])
    r = attest(v, tpm, boot, ima_log=b64(only[0][0]))
    status, c = v.admin("POST", f"/machines/{mid}/capture", {"kind": "ima", "dry_run": True})
    check(status == 422 and "judge nothing" in c.get("error", ""),
          f"an IMA policy that would be empty is refused: 422 ({status} {c})")
    entries = list(only)
    for path in ["/usr/bin/bench", "/var/log/journal/x/system.journal"]:
        e = ima_ng_entry(path, hashlib.sha256(path.encode()).digest())
        tpm.extend(10, e[1])
        entries.append(e)
    lst = b"".join(e for e, _ in entries)
    r = attest(v, tpm, boot, ima_log=b64(lst))
    check(r.get("status") == "affirming", f"IMA not required, boot passes ({names(r)})")
    status, c = v.admin("POST", f"/machines/{mid}/capture", {"kind": "ima", "group": "runners"})
    p = c.get("policy", {})
    check(status == 200 and "/usr/bin/bench" in p.get("digests", {})
          and "/var/log/journal/.*" in p.get("excludes", []),
          f"IMA capture: the files and the default excludes ({status} {c.get('error')})")
    r = attest(v, tpm, boot, ima_log=b64(lst))
    check(r.get("status") == "affirming" and r.get("ima_verified") == 3,
          f"the captured IMA policy passes ({names(r)} {r.get('ima_verified')})")


def audit(v, mid):
    status, r = v.admin("POST", f"/machines/{mid}/revoke", {"reason": "disk replaced"})
    check(status == 200, f"revoke with a reason ({status} {r})")
    status, r = v.admin("POST", f"/machines/{mid}/approve", {"reason": "disk checked"})
    check(status == 200, f"approve it again ({status} {r})")
    status, r = v.admin("POST", f"/machines/{mid}/revoke", {"reason": 7})
    check(status == 400 and r.get("field") == "reason", f"a reason that is no string: 400 ({r})")
    status, r = v.admin("POST", "/machines/" + "0" * 32 + "/revoke", {"reason": "x"})
    check(status == 404, f"revoke of an unknown machine: 404 ({status})")
    status, a = v.admin("GET", "/audit?since=0&limit=1000")
    actions = [x["action"] for x in a.get("audit", [])]
    check(status == 200 and actions.count("policy-approve") == 2
          and actions.count("policy-rollback") == 2 and actions.count("policy-capture") == 2
          and "machine-group" in actions and actions[-2:] == ["machine-revoke", "machine-approve"],
          f"the audit log lists the admin actions, nothing for a refused one ({actions})")
    rows = {x["action"]: x for x in a.get("audit", [])}
    check(rows.get("machine-revoke", {}).get("reason") == "disk replaced"
          and rows.get("machine-revoke", {}).get("target") == mid
          and rows.get("machine-group", {}).get("detail") == {"group": "runners"},
          f"with target, reason and detail ({rows.get('machine-revoke')})")
    rows = a.get("audit", [])
    check(all(x.get("actor", "").startswith("admin-") for x in rows),
          "every row names its actor")
    status, a = v.admin("GET", "/audit?limit=2")
    check(status == 200 and len(a.get("audit", [])) == 2, f"limit bounds the rows ({status})")
    status, a = v.admin("GET", "/audit?limit=100000")
    check(status == 400, f"a limit beyond the bound: 400 ({status})")
    status, a = v.admin("GET", "/audit?since=abc")
    check(status == 400, f"a since that is no number: 400 ({status})")


def read_only(v, mid, reader):
    """The read-only token reads everything and changes nothing."""
    with open(reader) as f:
        token = f.read().strip()
    check(os.stat(reader).st_mode & 0o077 == 0, "the read-only token file is made 0600")
    for path in [f"/v1/admin/machines/{mid}/diff", "/v1/admin/audit",
                 "/v1/admin/policies/group/runners/boot/versions", f"/v1/admin/machines/{mid}"]:
        status, _ = v.request("GET", path, token=token)
        check(status == 200, f"read-only token reads {path} ({status})")
    writes = [("POST", f"/v1/admin/machines/{mid}/capture", {"kind": "boot"}),
              ("POST", "/v1/admin/policies/approve",
               {"machine": mid, "kind": "boot", "group": "runners", "base_version": 5,
                "reason": "x"}),
              ("POST", "/v1/admin/policies/group/runners/boot/rollback",
               {"version": 1, "reason": "x"}),
              ("PUT", "/v1/admin/policies", {"scope": "group", "name": "runners",
                                             "kind": "boot", "policy": {"secure_boot": False}}),
              ("POST", f"/v1/admin/machines/{mid}/revoke", {})]
    for method, path, body in writes:
        status, r = v.request(method, path, body, token=token)
        check(status == 403 and "only read" in str(r),
              f"read-only token refused on {method} {path} ({status})")
    status, h = v.admin("GET", "/policies/group/runners/boot/versions")
    check(len(h.get("versions", [])) == 5, "nothing changed by the read-only token")
    status, m = v.admin("GET", f"/machines/{mid}")
    check(m.get("status") == "enrolled", "the machine was not revoked")


if __name__ == "__main__":
    main()
