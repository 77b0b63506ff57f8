#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Every row of the corpora's VERIFY.tsv, read in place: each log replays to
its expected PCRs, and the known mismatches are reported as mismatches, with
exactly the PCRs the independent replay found (not hidden, not more).

Rows we deliberately do not accept are listed in REJECTED with the reason;
the test checks that they are rejected as malformed (exit 2 from check)."""
import os
import re
import sys
import tempfile

from attestlib import corpora as lib

# Logs our strict parser refuses, and why (each must still be refused cleanly).
REJECTED = {
    "tpm2-tools/test__integration__fixtures__specid-vendordata.bin":
        "Spec ID event declares 37 bytes but its vendorInfo (4 bytes) runs past them "
        "(tpm2-tss's copy of the same log, eventSize 41, parses)",
}


def expected(result):
    """'agile 62 events; sha256: 9 match/3 mismatch (PCR [12, 13, 14])' -> parts."""
    parts = [p.strip() for p in result.split(";") if p.strip()]
    m = re.match(r"^(agile|sha1|IMA) (\d+) (events|entries)$", parts[0])
    if not m:
        raise ValueError(f"unparsed replay_result {result!r}")
    fmt, count = m.group(1), int(m.group(2))
    banks = {}
    ima = {}
    for p in parts[1:]:
        m = re.match(r"^(\w+): (\d+) match/(\d+) mismatch(?: \(PCR \[([\d, ]*)\]\))?$", p)
        if m:
            bad = [int(x) for x in m.group(4).split(",")] if m.group(4) else []
            banks[m.group(1)] = (int(m.group(2)), int(m.group(3)), sorted(bad))
            continue
        for item in p.split(","):
            m = re.match(r"^\s*(\w+):PCR10 (MATCH|MISMATCH)$", item)
            if not m:
                raise ValueError(f"unparsed part {p!r}")
            ima[m.group(1)] = m.group(2) == "MATCH"
    return fmt, count, banks, ima


def ours_eventlog(tool, log, pcrs):
    p = lib.run([tool, "eventlog", "check", log, "--pcrs", pcrs])
    banks, bad = {}, {}
    for line in p.stdout.splitlines():
        m = re.match(r"^(\w+): (\d+) match/(\d+) mismatch$", line)
        if m:
            banks[m.group(1)] = [int(m.group(2)), int(m.group(3))]
        m = re.match(r"^mismatch (\w+):(\d+) ", line)
        if m:
            bad.setdefault(m.group(1), []).append(int(m.group(2)))
    return p.returncode, {b: (v[0], v[1], sorted(bad.get(b, []))) for b, v in banks.items()}


def event_count(tool, log):
    p = lib.run([tool, "eventlog", "show", log])
    m = re.match(r"^# (crypto-agile|sha1), (\d+) events", p.stdout)
    if p.returncode != 0 or not m:
        return None, None
    return ("agile" if m.group(1) == "crypto-agile" else "sha1"), int(m.group(2))


def check_ima(tool, log, pcrs, count, ima):
    p = lib.run([tool, "ima", "check", log, "--pcrs", pcrs])
    got = {}
    entries = None
    for line in p.stdout.splitlines():
        m = re.match(r"^(\w+):10 (match|mismatch)", line)
        if m:
            got[m.group(1)] = m.group(2) == "match"
        m = re.match(r"^entries=(\d+)$", line)
        if m:
            entries = int(m.group(1))
    errs = []
    if got != ima:
        errs.append(f"PCR 10 per bank {got}, expected {ima}")
    if entries != count:
        errs.append(f"{entries} entries, expected {count}")
    want_rc = 0 if all(ima.values()) else 1
    if p.returncode != want_rc:
        errs.append(f"exit {p.returncode}, expected {want_rc}: {p.stderr.strip()}")
    return errs


def main():
    corpora = lib.corpora_dir()
    tool = lib.attestctl()
    rows = []
    with open(os.path.join(corpora, "VERIFY.tsv")) as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            rows.append(dict(zip(header, line.rstrip("\n").split("\t"))))
    if not rows:
        print("FAIL: VERIFY.tsv has no row")
        return 1

    failures = matched = mismatched = rejected = 0
    with tempfile.TemporaryDirectory() as tmp:
        for row in rows:
            rel = row["log_file"]
            fmt, count, banks, ima = expected(row["replay_result"])
            log = lib.materialize(corpora, rel, tmp)
            pcrs = lib.pcrs_json_path(corpora, row["pcr_file"], tmp)
            errs = []
            if fmt == "IMA":
                errs = check_ima(tool, log, pcrs, count, ima)
                kind = "match" if all(ima.values()) else "mismatch"
            elif rel in REJECTED:
                rc, _ = ours_eventlog(tool, log, pcrs)
                if rc != 2:
                    errs.append(f"expected rejection as malformed (exit 2), got {rc}")
                kind = "rejected"
            else:
                rc, got = ours_eventlog(tool, log, pcrs)
                gfmt, gcount = event_count(tool, log)
                if (gfmt, gcount) != (fmt, count):
                    errs.append(f"parsed {gfmt} {gcount} events, expected {fmt} {count}")
                if got != banks:
                    errs.append(f"replay {got}, expected {banks}")
                want_rc = 1 if any(b[1] for b in banks.values()) else 0
                if not banks:
                    want_rc = 1  # nothing to compare is not a pass
                if rc != want_rc:
                    errs.append(f"exit {rc}, expected {want_rc}")
                kind = "mismatch" if any(b[1] for b in banks.values()) else "match"
            if errs:
                failures += 1
                print(f"FAIL {rel}: " + "; ".join(errs))
                continue
            if kind == "match":
                matched += 1
            elif kind == "mismatch":
                mismatched += 1
            else:
                rejected += 1
            note = f" ({REJECTED[rel]})" if rel in REJECTED else ""
            print(f"ok {rel}: {kind} {row['replay_result']}{note}")
    print(f"# {len(rows)} rows: {matched} match, {mismatched} known mismatch reported, "
          f"{rejected} rejected, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
