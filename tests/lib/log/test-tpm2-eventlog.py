#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Interop: on every crypto-agile event log of the corpora (MANIFEST.tsv tags
them "[crypto-agile(SpecID03)]"), `attestctl eventlog replay` prints the same
PCR values as tpm2-tools' `tpm2_eventlog` replay ("pcrs:" section)."""
import hashlib
import os
import re
import shutil
import sys
import tempfile

from attestlib import corpora as lib

# tpm2_eventlog accepts these and we refuse them; see test-corpora.py.
REJECTED = {
    "tpm2-tools/test__integration__fixtures__specid-vendordata.bin",
}
ORDER = {"sha1": 0, "sha256": 1, "sha384": 2, "sha512": 3, "sm3_256": 4}
HASHES = {"sha1": "sha1", "sha256": "sha256", "sha384": "sha384", "sha512": "sha512",
          "sm3_256": "sm3"}


def shown_events(tool, path):
    """(pcr, type, {bank: digest hex}, description) of each event, from `eventlog show`."""
    out = lib.run([tool, "eventlog", "show", path]).stdout
    events = []
    for line in out.splitlines()[1:]:
        words = line.split(" ")
        digests = dict(w.split(":", 1) for w in words[3:] if re.match(r"^\w+:[0-9a-f]+$", w))
        events.append((int(words[1][4:]), words[2], digests, line))
    return events


def replay_like_tpm2_tools(events, bank, pcr):
    """PCR value from our parsed digests the way tpm2-tools 5.4 computes it:
    from zero, extending EV_NO_ACTION events too (all but the Spec ID header)."""
    size = len(bytes.fromhex(next(e[2][bank] for e in events if bank in e[2])))
    value = bytes(size)
    for i, (p, typ, digests, _) in enumerate(events):
        if p == pcr and i > 0:
            value = hashlib.new(HASHES[bank], value + bytes.fromhex(digests[bank])).digest()
    return value.hex()


def no_action_pcrs(events):
    """PCRs where tpm2-tools 5.4 diverges: EV_NO_ACTION events, and PCR 0 of an H-CRTM log."""
    odd = {e[0] for i, e in enumerate(events) if i > 0 and e[1] == "EV_NO_ACTION"}
    if any(e[1] == "EV_EFI_HCRTM_EVENT" for e in events):
        odd.add(0)
    return odd


def adjust(events, want):
    """Apply tpm2-tools 5.4's two known divergences to its values, each proven
    wrong by quoted PCRs in VERIFY.tsv (test-corpora.py checks ours there):
    - it extends EV_NO_ACTION events (their zero digests: StartupLocality,
      SP 800-155 reference manifests) and ignores StartupLocality and H-CRTM
      for PCR 0's start; for such PCRs we check that replaying our parsed
      digests its way gives exactly its value;
    - an event lacking a bank's digest (Windows PCR 5, 11-14) is skipped, so it
      prints a value for a PCR that cannot be replayed; we print none."""
    notes = []
    odd = no_action_pcrs(events)
    out = []
    for b, p, h in want:
        if p in odd:
            if replay_like_tpm2_tools(events, b, p) != h:
                notes.append(f"{b}:{p}: tpm2-tools-style replay differs from tpm2_eventlog")
            continue
        if any(e[0] == p and e[1] != "EV_NO_ACTION" and b not in e[2] for e in events):
            continue
        out.append((b, p, h))
    return out, notes


def main():
    corpora = lib.corpora_dir()
    if not shutil.which("tpm2_eventlog"):
        if os.environ.get("CI"):
            print("FAIL: tpm2_eventlog missing")
            return 1
        print("SKIP: tpm2_eventlog missing")
        return lib.SKIP
    tool = lib.attestctl()
    logs = []
    with open(os.path.join(corpora, "MANIFEST.tsv")) as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            rel = cols[0]
            if "[crypto-agile(SpecID03)]" not in line or re.search(r"\.(b64|json|yaml|pb)$", rel):
                continue
            if os.path.exists(os.path.join(corpora, rel)):
                logs.append(rel)
    if len(logs) < 10:
        print(f"FAIL: only {len(logs)} crypto-agile logs found")
        return 1
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for rel in logs:
            path = lib.materialize(corpora, rel, tmp)
            theirs = lib.run(["tpm2_eventlog", path])
            ours = lib.run([tool, "eventlog", "replay", path])
            if rel in REJECTED:
                ok = ours.returncode == 1 and "byte offset" in ours.stderr
                print(f"{'ok' if ok else 'FAIL'} {rel}: rejected by us"
                      f" (tpm2_eventlog exit {theirs.returncode})")
                failures += not ok
                continue
            events = shown_events(tool, path)
            if theirs.returncode != 0:
                # tpm2-tools 5.4 refuses Windows logs whose EV_NO_ACTION events use
                # PCR index 0xffffffff ("PCR Index -1 is out of bounds").
                ok = ours.returncode == 0 and "PCR Index -1" in theirs.stderr and any(
                    e[0] == 0xFFFFFFFF and e[1] == "EV_NO_ACTION" for e in events)
                print(f"{'ok' if ok else 'FAIL'} {rel}: tpm2_eventlog exit {theirs.returncode}:"
                      f" {theirs.stderr.splitlines()[0] if theirs.stderr else ''}")
                failures += not ok
                continue
            want = [(b, int(p), h) for b, pcrs in lib.yaml_pcrs(theirs.stdout).items()
                    for p, h in pcrs.items()]
            want, notes = adjust(events, want)
            want = [f"{b}:{p}={h}" for b, p, h in
                    sorted(want, key=lambda x: (ORDER.get(x[0], 9), x[1]))]
            odd = no_action_pcrs(events)
            got = [g for g in ours.stdout.split() if int(g.split("=")[0].split(":")[1]) not in odd]
            if ours.returncode != 0 or got != want or notes:
                print(f"FAIL {rel}: exit {ours.returncode} {ours.stderr.strip()} {notes}")
                for line in sorted(set(got) ^ set(want))[:6]:
                    print(f"   {'ours  ' if line in got else 'theirs'} {line}")
                failures += 1
                continue
            print(f"ok {rel}: {len(got)} PCR values agree")
    print(f"# {len(logs)} crypto-agile logs, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
