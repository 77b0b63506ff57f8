#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""attestctl eventlog|ima|policy: output formats and exit codes as docs/policy.md
states them, on real logs of the corpora (read in place) and damaged copies
of them in a temporary directory."""
import json
import os
import re
import sys
import tempfile

from attestlib import corpora as lib

LOG = "go-tpm-tools/internal__test__eventlogs__ubuntu-2104-no-secure-boot.bin"
PCRS = "go-tpm-tools/derived/ubuntu-2104-no-secure-boot.bin.expected_pcrs.json"
IMA = "guard-oss/derived/h12ssl.values.ima.binary_runtime_measurements.xz"
IMA_PCRS = "guard-oss/derived/h12ssl.values.pcrs.json"

failures = []


def expect(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def main():
    corpora = lib.corpora_dir()
    tool = lib.attestctl()
    run = lambda *a: lib.run([tool, *a])
    log = os.path.join(corpora, LOG)
    pcrs = os.path.join(corpora, PCRS)

    with tempfile.TemporaryDirectory() as tmp:
        # show: header + one line per event
        p = run("eventlog", "show", log)
        lines = p.stdout.splitlines()
        expect(p.returncode == 0 and lines[0] == "# crypto-agile, 106 events" and
               len(lines) == 107, "eventlog show: header and one line per event")
        expect(all(re.match(r"^\d+ pcr=\d+ EV_\w+ ", l) for l in lines[1:]),
               "eventlog show: INDEX pcr=N TYPE ... on every line")

        # replay: BANK:N=HEX sorted by bank then PCR; --bank filters
        p = run("eventlog", "replay", log)
        out = p.stdout.split()
        order = {"sha1": 0, "sha256": 1, "sha384": 2, "sha512": 3, "sm3_256": 4}
        keys = [(order[l.split(":")[0]], int(l.split(":")[1].split("=")[0])) for l in out]
        expect(p.returncode == 0 and all(re.match(r"^(sha1|sha256|sha384):\d+=[0-9a-f]+$", l)
                                         for l in out) and keys == sorted(keys) and
               {k[0] for k in keys} == {0, 1, 2},
               "eventlog replay: BANK:N=hex lines sorted by bank, then PCR")
        p = run("eventlog", "replay", log, "--bank", "sha256")
        expect(p.returncode == 0 and all(l.startswith("sha256:") for l in p.stdout.split()),
               "eventlog replay --bank sha256")

        # truncated: exit 1 naming the byte offset
        data = open(log, "rb").read()
        cut = os.path.join(tmp, "cut.bin")
        with open(cut, "wb") as f:
            f.write(data[:5000])
        p = run("eventlog", "replay", cut)
        expect(p.returncode == 1 and re.search(r"byte offset \d+", p.stderr),
               "eventlog replay of a truncated log: exit 1, byte offset named")
        expect(run("eventlog", "replay", os.path.join(tmp, "missing")).returncode == 2,
               "eventlog replay of a missing file: exit 2")

        # check: 0 on match, 1 listing mismatching PCRs, 2 on unreadable input
        expect(run("eventlog", "check", log, "--pcrs", pcrs).returncode == 0,
               "eventlog check: match, exit 0")
        doc = json.load(open(pcrs))
        doc["banks"]["sha256"]["4"] = "00" * 32
        bad = os.path.join(tmp, "bad.json")
        json.dump(doc, open(bad, "w"))
        p = run("eventlog", "check", log, "--pcrs", bad)
        expect(p.returncode == 1 and "sha256: 10 match/1 mismatch" in p.stdout and
               re.search(r"^mismatch sha256:4 log=[0-9a-f]{64} expected=0{64}$", p.stdout, re.M),
               "eventlog check: exit 1 with the mismatching PCR listed")
        p = run("eventlog", "check", log, "--pcrs", bad, "--bank", "sha1")
        expect(p.returncode == 0 and "sha256" not in p.stdout, "eventlog check --bank sha1")
        with open(bad, "w") as f:
            f.write("{not json")
        expect(run("eventlog", "check", log, "--pcrs", bad).returncode == 2,
               "eventlog check with unreadable pcrs: exit 2")
        expect(run("eventlog", "check", cut, "--pcrs", pcrs).returncode == 2,
               "eventlog check of a malformed log: exit 2")

        # ima replay / check
        ima = lib.materialize(corpora, IMA, tmp)
        p = run("ima", "replay", ima)
        expect(p.returncode == 0 and re.fullmatch(
            r"sha1:10=[0-9a-f]{40}\nsha256:10=[0-9a-f]{64}\nentries=5071\n", p.stdout),
            "ima replay: sha1:10, sha256:10, entries")
        p = run("ima", "check", ima, "--pcrs", os.path.join(corpora, IMA_PCRS))
        expect(p.returncode == 0 and p.stdout.splitlines() ==
               ["sha1:10 match", "sha256:10 match", "boot_aggregate=ok", "violations=9",
                "entries=5071"],
               "ima check: both banks match, boot_aggregate ok, 9 violations, 5071 entries")
        # this kernel's boot_aggregate is the SHA-1 form: without the sha1 bank it is unverified
        p = run("ima", "check", ima, "--pcrs", os.path.join(corpora, IMA_PCRS), "--bank", "sha256")
        expect(p.returncode == 0 and p.stdout.splitlines()[:2] ==
               ["sha256:10 match", "boot_aggregate=not-quoted"],
               "ima check --bank sha256: boot_aggregate (SHA-1 form) not quoted")

        # policy generate -> check round trip; violations reported, then allowed
        p = run("policy", "ima", "generate", ima)
        pol = os.path.join(tmp, "policy.json")
        with open(pol, "w") as f:
            f.write(p.stdout)
        expect(p.returncode == 0 and len(json.loads(p.stdout)["digests"]) > 100,
               "policy ima generate from the binary list")
        p = run("policy", "ima", "check", pol, ima)
        expect(p.returncode == 1 and p.stdout.count("\tima_violation\t") == 9 and
               p.stdout.endswith("checked=5070 violations=9 dropped=0\n"),
               "policy ima check: the 9 violations, every one reported")
        doc = json.loads(open(pol).read())
        doc["allow_violations"] = True
        json.dump(doc, open(pol, "w"))
        expect(run("policy", "ima", "check", pol, ima).returncode == 0,
               "policy ima check with allow_violations: holds")
        del doc["digests"]["/usr/bin/bash"]
        json.dump(doc, open(pol, "w"))
        p = run("policy", "ima", "check", pol, ima)
        expect(p.returncode == 1 and "\tima_path\t/usr/bin/bash\t" in p.stdout,
               "policy ima check: a path missing from the policy is named")
        ascii_list = os.path.join(corpora, "keylime/archive__ima__ascii_runtime_measurements")
        p = run("policy", "ima", "generate", ascii_list)
        expect(p.returncode == 0 and json.loads(p.stdout)["digests"],
               "policy ima generate from an ascii list")

        # boot policy on a real log: Secure Boot was off there
        bp = os.path.join(tmp, "boot.json")
        json.dump({"secure_boot": True, "separators": True}, open(bp, "w"))
        p = run("policy", "boot", "check", bp, log)
        expect(p.returncode == 1 and "\tsecure_boot\t" in p.stdout and
               "separators" not in p.stdout.split("checked=")[0],
               "policy boot check: Secure Boot off reported, separators present")
        json.dump({}, open(bp, "w"))
        expect(run("policy", "boot", "check", bp, log).returncode == 2,
               "policy boot check: an empty policy is refused")

    print(f"# {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
