#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Benchmark attest-verifier with SQLite: attestations/s and p50/p99 latency
with genuine swtpm quotes (half ECC P-256, half RSA-2048 AKs, sha256:0-10, no
logs), nonces/s, and the ratio to `openssl speed` verify rates measured in the
same run. Run under tests/harness/swtpm-run (meson test --benchmark verifier-load).
Environment: LOAD_COUNT (attestations, default 6000), LOAD_CONCURRENCY (64),
LOAD_AKS (ecc,rsa), LOAD_IMA_ROUNDS (rounds of the 5,000-entry IMA delta
scenario after the plain one, default 3: every AK attests once per round).
"""
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

from attestlib import BUILD, Machine, Tpm, Verifier

COUNT = int(os.environ.get("LOAD_COUNT", "6000"))
os.environ.setdefault("LOAD_IMA_ROUNDS", "3")
CONC = int(os.environ.get("LOAD_CONCURRENCY", "64"))
MACHINES = CONC
AK_ALGS = os.environ.get("LOAD_AKS", "ecc,rsa").split(",")  # alternated over the machines


def openssl_verify_rates():
    out = subprocess.run(["openssl", "speed", "-seconds", "2", "ecdsap256", "rsa2048"],
                         capture_output=True, text=True).stdout
    rates = {}
    m = re.search(r"256 bits ecdsa \(nistp256\)\s+\S+\s+\S+\s+\S+\s+(\S+)", out)
    if m:
        rates["ecdsa-p256"] = float(m.group(1))
    m = re.search(r"rsa 2048 bits\s+\S+\s+\S+\s+\S+\s+(\S+)", out)
    if m:
        rates["rsa-2048"] = float(m.group(1))
    return rates


def main():
    tmp = tempfile.mkdtemp(prefix="verifier-load-")
    tpm = Tpm(os.environ["TPM2TOOLS_TCTI"], os.path.join(tmp, "tpm"))
    machines = [Machine(tpm, i, AK_ALGS[i % len(AK_ALGS)]) for i in range(MACHINES)]
    allow = os.path.join(tmp, "allowlist")
    with open(allow, "w") as f:
        f.writelines(hashlib.sha256(m.ek_pub).hexdigest() + "\n" for m in machines)
    # the load generator fetches every nonce before quoting: lift the per-AK cap
    v = Verifier(tmp, "--ek-allowlist", allow, "--nonce-ttl", "3600", "--max-pending", "100000",
                 "--workers",
                 os.environ.get("LOAD_WORKERS", "64"))
    try:
        for m in machines:
            status, r = m.enroll(v, tpm)
            assert status == 200, (status, r)
        out = subprocess.run([os.path.join(BUILD, "bench", "verifier-load"), v.url,
                              os.environ["TPM2TOOLS_TCTI"], tpm.dir, str(MACHINES), str(COUNT),
                              str(CONC), str(v.proc.pid)], capture_output=True, text=True)
        sys.stderr.write(out.stderr)
        res = dict(line.split(" ", 1) for line in out.stdout.splitlines())
        res = {k: v.strip() for k, v in res.items()}
        db = os.path.getsize(os.path.join(v.state, "verifier.db"))
        _, metrics = v.request("GET", "/metrics")
        st = dict(re.findall(r"^(attest_storage_\w+) (\S+)$", metrics, re.M))
    finally:
        v.stop()
        # the AK contexts in the TPM were flushed by verifier-load
        subprocess.run(["tpm2_flushcontext", "-t"], env=tpm.env, capture_output=True)
    rates = openssl_verify_rates()
    aps = float(res["attestations_per_s"])
    print(f"attest-verifier (SQLite, WAL, synchronous=FULL, group commit), {COUNT} genuine quotes,"
          f" {MACHINES} AKs ({'/'.join(AK_ALGS)} alternating), {CONC} connections, 2 cores shared")
    print(f"  nonces:       {res['nonces_per_s']:>8}/s  p50 {res['nonce_p50_ms']} ms"
          f"  p99 {res['nonce_p99_ms']} ms")
    print(f"  attestations: {res['attestations_per_s']:>8}/s  p50 {res['attest_p50_ms']} ms"
          f"  p99 {res['attest_p99_ms']} ms  max {res['attest_max_ms']} ms")
    print(f"  verifier CPU per request (user+system, all threads): nonce {res['nonce_cpu_us']} us,"
          f" attestation {res['attest_cpu_us']} us -> {2e6 / float(res['attest_cpu_us']):.0f}"
          " attestations/s if it had both cores to itself")
    print(f"  verdicts: {res['affirming']} affirming, {res['contraindicated']} contraindicated,"
          f" {res['failed']} failed requests; database {db // 1024} KiB")
    commits = float(st["attest_storage_commits_total"])
    print(f"  group commit: {commits:.0f} commits, {float(st['attest_storage_writes_total']) / commits:.1f}"
          f" writes/commit (max {st['attest_storage_largest_batch']}),"
          f" {1000 * float(st['attest_storage_commit_seconds_total']) / commits:.2f} ms/commit")
    if "ima_attestations_per_s" in res:
        print(f"  with a {res['ima_delta']}-entry incremental IMA delta: "
              f"{res['ima_attestations_per_s']}/s  p50 {res['ima_p50_ms']} ms"
              f"  p99 {res['ima_p99_ms']} ms ({res['ima_attestations']} attestations,"
              f" {res['ima_affirming']} affirming, {res['ima_not_fully_verified']} not counting"
              f" the whole delta as verified); verifier CPU {res['ima_cpu_us']} us each")
    for alg, rate in rates.items():
        print(f"  openssl speed {alg} verify: {rate:.0f}/s (one core); attestations/s ÷ that ="
              f" {aps / rate:.3f}")
    shutil.rmtree(tmp)
    ok = (res["failed"] == "0" and res["contraindicated"] == "0" and out.returncode == 0 and
          res.get("ima_failed", "0") == "0" and res.get("ima_not_fully_verified", "0") == "0")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
