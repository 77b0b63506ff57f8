#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Suite 'http': SIGKILL the verifier at random points while enrollments,
attestations and nonce requests are in flight, many times. After every kill
the database must pass PRAGMA integrity_check, and every enrollment and every
verdict the verifier acknowledged must be in it (durable once acknowledged).

The machines are distinct TPM keys of one swtpm: ECC primaries in the
endorsement hierarchy (each with its own authPolicy, hence its own key) on the
verifier's EK allowlist, each with a restricted signing AK.
Run under tests/harness/swtpm-run. CRASH_ROUNDS sets the number of kills (default 30).
"""
import base64
import hashlib
import os
import random
import shutil
import signal
import sqlite3
import tempfile
import threading
import time

from attestlib import SELECTION, Machine, Tpm, Verifier, b64, check, finish

MACHINES = 24
ROUNDS = int(os.environ.get("CRASH_ROUNDS", "30"))


class Load:
    """Worker threads against one verifier process until it dies."""

    def __init__(self, v, tpm, machines, acked_enroll, acked_attest, lock):
        self.v, self.tpm, self.machines = v, tpm, machines
        self.acked_enroll, self.acked_attest, self.lock = acked_enroll, acked_attest, lock
        self.tpm_lock = threading.Lock()
        self.dead = threading.Event()
        self.threads = [threading.Thread(target=self.guard, args=(f,))
                        for f in (self.enroller, self.attester, self.noncer, self.noncer)]

    def guard(self, fn):
        try:
            while not self.dead.is_set():
                fn()
        except (OSError, KeyError, ValueError, RuntimeError):
            pass  # the verifier was killed under us

    def enroller(self):
        todo = [m for m in self.machines if m.id not in self.acked_enroll]
        if not todo:
            time.sleep(0.01)
            return
        m = random.choice(todo)
        status, r = self.v.post("/v1/enrollments", {
            "ek_public": b64(m.ek_pub), "ak_public": b64(m.ak_pub), "machine_id": m.id,
            "hostname": f"runner-{m.i}"})
        if status != 201:
            raise RuntimeError(f"enrollment {status} {r}")
        with open(self.tpm.path(f"cred{m.i}"), "wb") as f:
            f.write(bytes.fromhex("badcc0de00000001") + base64.b64decode(r["credential_blob"]) +
                    base64.b64decode(r["encrypted_secret"]))
        with self.tpm_lock:
            self.tpm.run("tpm2_activatecredential", "-c", f"ak{m.i}.ctx", "-C", f"ek{m.i}.ctx",
                         "-i", f"cred{m.i}", "-o", f"secret{m.i}")
        secret = self.tpm.read(f"secret{m.i}")
        status, r = self.v.post(f"/v1/enrollments/{r['enrollment_id']}/activate",
                                {"secret": b64(secret)})
        if status == 200:
            with self.lock:
                self.acked_enroll[m.id] = m.ak_name

    def attester(self):
        with self.lock:
            enrolled = [m for m in self.machines if m.id in self.acked_enroll]
        if not enrolled:
            time.sleep(0.01)
            return
        m = random.choice(enrolled)
        status, r = self.v.post("/v1/nonces", {"ak_name": m.ak_name})
        if status != 201:
            raise RuntimeError(f"nonce {status}")
        with self.tpm_lock:
            self.tpm.run("tpm2_quote", "-c", f"ak{m.i}.ctx", "-l", SELECTION, "-q",
                         base64.b64decode(r["nonce"]).hex(), "-m", f"q{m.i}.msg", "-s",
                         f"q{m.i}.sig", "-g", "sha256")
            pcrs = self.tpm.pcrs()
        status, res = self.v.post("/v1/attestations", {
            "ak_name": m.ak_name, "nonce": r["nonce"], "quote": b64(self.tpm.read(f"q{m.i}.msg")),
            "signature": b64(self.tpm.read(f"q{m.i}.sig")), "pcr_values": pcrs})
        if status == 200:
            with self.lock:
                self.acked_attest.append((m.id, res["status"], res["failed_checks"]))

    def noncer(self):
        with self.lock:
            names = list(self.acked_enroll.values())
        if names:
            self.v.post("/v1/nonces", {"ak_name": random.choice(names)}, timeout=5)
        else:
            time.sleep(0.01)


def consistent(db, acked_enroll, acked_attest):
    con = sqlite3.connect(db)
    try:
        ok = con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = dict(con.execute("SELECT machine_id, ak_name FROM machines"))
        missing = [m for m, ak in acked_enroll.items() if rows.get(m) != ak]
        counts = {}
        for mid, status, _ in acked_attest:
            counts[(mid, status)] = counts.get((mid, status), 0) + 1
        short = []
        for (mid, status), n in counts.items():
            stored = con.execute("SELECT count(*) FROM attestations WHERE machine_id = ? AND"
                                 " status = ?", (mid, status)).fetchone()[0]
            if stored < n:
                short.append((mid, status, n, stored))
        fk = con.execute("SELECT count(*) FROM attestations WHERE machine_id NOT IN"
                         " (SELECT machine_id FROM machines)").fetchone()[0]
        return ok and not missing and not short and fk == 0, (ok, missing, short, fk)
    finally:
        con.close()


def main():
    random.seed(int(os.environ.get("CRASH_SEED", str(int(time.time())))))
    tmp = tempfile.mkdtemp(prefix="verifier-crash-")
    tpm = Tpm(os.environ["TPM2TOOLS_TCTI"], os.path.join(tmp, "tpm"))
    machines = [Machine(tpm, i) for i in range(MACHINES)]
    allow = os.path.join(tmp, "allowlist")
    with open(allow, "w") as f:
        for m in machines:
            f.write(hashlib.sha256(m.ek_pub).hexdigest() + "\n")

    acked_enroll, acked_attest, lock = {}, [], threading.Lock()
    survived = 0
    v = None
    for rnd in range(ROUNDS):
        v = Verifier(tmp, "--ek-allowlist", allow, "--ek-roots", os.path.join(tmp, "none"))
        load = Load(v, tpm, machines, acked_enroll, acked_attest, lock)
        for t in load.threads:
            t.start()
        time.sleep(random.uniform(0.05, 0.8))
        v.proc.send_signal(signal.SIGKILL)
        v.proc.wait()
        load.dead.set()
        for t in load.threads:
            t.join()
        v.log.close()
        ok, detail = consistent(os.path.join(v.state, "verifier.db"), acked_enroll, acked_attest)
        if ok:
            survived += 1
        else:
            check(False, f"round {rnd}: database consistent after SIGKILL {detail}")
    passes = sum(1 for _, s, _ in acked_attest if s == "affirming")
    print(f"kills: {ROUNDS}, survived: {survived}, acknowledged enrollments: "
          f"{len(acked_enroll)}, acknowledged verdicts: {len(acked_attest)} ({passes} affirming)")
    check(survived == ROUNDS, f"{survived}/{ROUNDS} SIGKILLs survived with every "
          "acknowledged enrollment and verdict in the database")
    check(len(acked_enroll) >= MACHINES // 2 and len(acked_attest) > 0,
          "the load really ran between the kills")
    check(all(s == "affirming" for _, s, _ in acked_attest),
          "every acknowledged verdict was a pass (genuine quotes)")
    # One last clean start: the verifier comes up on the crashed database.
    v = Verifier(tmp, "--ek-allowlist", allow)
    status, r = v.admin("GET", "/machines")
    check(status == 200 and len(r["machines"]) >= len(acked_enroll),
          "verifier restarts on the crashed database and lists the machines")
    v.stop()
    shutil.rmtree(tmp)
    finish()


if __name__ == "__main__":
    main()
