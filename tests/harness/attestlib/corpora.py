# SPDX-License-Identifier: Apache-2.0
"""Shared helpers of the corpus tests: locate the corpora, decompress the xz
files into a temporary directory (never into the repository), and read the
PCR tables of tpm2_eventlog's YAML ("pcrs:" section)."""
import json
import lzma
import os
import re
import subprocess
import sys

from .common import ATTESTCTL

# meson's exit status of a skipped test
SKIP = 77


def corpora_dir():
    d = os.environ.get("ATTEST_CORPORA", "")
    if not d or not os.path.isfile(os.path.join(d, "VERIFY.tsv")):
        msg = f"corpora not found (ATTEST_CORPORA={d!r})"
        if os.environ.get("CI"):
            print(f"FAIL: {msg}; CI must provide them", file=sys.stderr)
            sys.exit(1)
        print(f"SKIP: {msg}", file=sys.stderr)
        sys.exit(SKIP)
    return d


def attestctl():
    return ATTESTCTL


def materialize(corpora, rel, tmpdir):
    """Path of a corpus file in readable form: xz files are decompressed into tmpdir."""
    path = os.path.join(corpora, rel)
    if not rel.endswith(".xz"):
        return path
    out = os.path.join(tmpdir, os.path.basename(rel)[:-3])
    if not os.path.exists(out):
        with lzma.open(path) as src, open(out, "wb") as dst:
            dst.write(src.read())
    return out


def yaml_pcrs(text):
    """{bank: {pcr: hex}} from the "pcrs:" section of tpm2_eventlog's YAML."""
    banks, bank, inside = {}, None, False
    for line in text.splitlines():
        if line.startswith("pcrs:"):
            inside = True
            continue
        if not inside:
            continue
        m = re.match(r"^  (\w+):\s*$", line)
        if m:
            bank = m.group(1)
            banks[bank] = {}
            continue
        m = re.match(r"^\s+(\d+)\s*:\s*0x([0-9a-fA-F]+)\s*$", line)
        if m and bank:
            banks[bank][str(int(m.group(1)))] = m.group(2).lower()
        elif line and not line.startswith(" "):
            break
    return banks


def pcrs_json_path(corpora, rel, tmpdir):
    """A pcrs.json for the row: the corpus file itself, or one written from a YAML table."""
    path = os.path.join(corpora, rel)
    if not rel.endswith(".yaml"):
        return path
    with open(path) as f:
        banks = yaml_pcrs(f.read())
    out = os.path.join(tmpdir, os.path.basename(rel) + ".pcrs.json")
    with open(out, "w") as f:
        json.dump({"banks": banks}, f)
    return out


def run(args):
    p = subprocess.run(args, capture_output=True, text=True, timeout=300)
    if p.returncode < 0:
        raise RuntimeError(f"{args} died of signal {-p.returncode}")
    return p
