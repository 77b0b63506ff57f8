#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Suite 'http': PUT /v1/admin/policies refuses a policy the verifier cannot
judge: a document the engine does not read, or one naming a PCR outside the
verifier's pcr_selection (400, the error names the PCR). No TPM needed."""
import os
import shutil
import tempfile

from attestlib import Verifier, check, finish

DIGEST = "ab" * 32
MACHINE = "0" * 32


def put(v, kind, policy):
    return v.admin("PUT", "/policies", {"scope": "machine", "name": MACHINE, "kind": kind,
                                        "policy": policy})


def refused(v, kind, policy, pcr, what):
    status, r = put(v, kind, policy)
    msg = r.get("error", "") if isinstance(r, dict) else str(r)
    check(status == 400 and isinstance(r, dict) and r.get("field") == "policy" and
          f"PCR {pcr}" in msg, f"{what}: 400 naming PCR {pcr} ({status} {r})")


def run(v):
    status, r = put(v, "boot", {"secure_boot": True, "pcrs": {"7": [DIGEST]}})
    check(status == 200, f"a policy on quoted PCRs is stored ({status} {r})")
    status, r = put(v, "ima", {"excludes": ["/tmp/"]})
    check(status == 200, f"an IMA policy (PCR 10, quoted) is stored ({status} {r})")

    refused(v, "boot", {"pcrs": {"14": [DIGEST]}}, 14, "pcrs on PCR 14")
    refused(v, "boot", {"secure_boot": True, "event_digests": {"11": [DIGEST]}}, 11,
            "event_digests on PCR 11")
    refused(v, "boot", {"firmware_pcrs": [12], "secure_boot": True}, 12, "firmware_pcrs 12")
    refused(v, "boot", {"bank": "sha1", "secure_boot": True}, 7,
            "a bank the selection lacks")

    status, r = put(v, "boot", {"secure_bot": True})
    check(status == 400 and r.get("field") == "policy" and "secure_bot" in r.get("error", ""),
          f"a policy the engine does not read is refused ({status} {r})")
    status, r = put(v, "ima", {})
    check(status == 400 and r.get("field") == "policy", f"an empty IMA policy refused ({status})")


def run_narrow(v):
    # A verifier quoting only PCR 10: boot rules on PCR 7 and 4 are refused, IMA is fine.
    refused(v, "boot", {"secure_boot": True}, 7, "secure_boot with PCR 7 unquoted")
    refused(v, "boot", {"boot_apps": [DIGEST]}, 4, "boot_apps with PCR 4 unquoted")
    refused(v, "boot", {"cmdlines": ["ro"]}, 8, "cmdlines with PCR 8 unquoted")
    status, r = put(v, "ima", {"excludes": ["/tmp/"]})
    check(status == 200, f"IMA policy stored with PCR 10 quoted ({status} {r})")


def main():
    tmp = tempfile.mkdtemp(prefix="verifier-policy-scope-")
    for sub, extra, body in (("default", [], run),
                             ("narrow", ["--pcr-selection", "sha256:10"], run_narrow)):
        os.makedirs(os.path.join(tmp, sub))
        v = Verifier(os.path.join(tmp, sub), *extra)
        try:
            body(v)
        finally:
            v.stop()
    shutil.rmtree(tmp)
    finish()


if __name__ == "__main__":
    main()
