# SPDX-License-Identifier: Apache-2.0
"""Synthetic firmware event logs (TCG crypto-agile, SHA-256 only) and IMA lists
(ima-ng) that replay to what the test extends into the swtpm's PCRs."""
import hashlib
import struct

EV_NO_ACTION, EV_POST_CODE, EV_SEPARATOR = 3, 1, 4


def eventlog_header():
    spec = (b"Spec ID Event03\0" + struct.pack("<IBBBB", 0, 0, 2, 0, 2) +
            struct.pack("<I", 1) + struct.pack("<HH", 0x000B, 32) + b"\0")
    return struct.pack("<II", 0, EV_NO_ACTION) + b"\0" * 20 + struct.pack("<I", len(spec)) + spec


def eventlog_event(pcr, etype, data):
    digest = hashlib.sha256(data).digest()
    return (struct.pack("<III", pcr, etype, 1) + struct.pack("<H", 0x000B) + digest +
            struct.pack("<I", len(data)) + data), digest


def ima_ng_entry(path, file_digest):
    d = b"sha256:\0" + file_digest
    n = path.encode() + b"\0"
    data = struct.pack("<I", len(d)) + d + struct.pack("<I", len(n)) + n
    th = hashlib.sha1(data).digest()
    name = b"ima-ng"
    entry = (struct.pack("<I", 10) + th + struct.pack("<I", len(name)) + name +
             struct.pack("<I", len(data)) + data)
    return entry, hashlib.sha256(data).digest()


class Measurements:
    """A firmware event log and an IMA list, extended into the TPM as they grow, written to
    the agent's paths."""

    def __init__(self, tpm, agent):
        self.tpm, self.agent = tpm, agent
        self.log = eventlog_header()
        self.ima = b""

    def boot(self):
        for pcr, etype, data in [(0, EV_POST_CODE, b"firmware volume"),
                                 (4, EV_POST_CODE, b"boot loader"),
                                 (7, EV_SEPARATOR, b"\0\0\0\0"),
                                 (9, EV_POST_CODE, b"initrd")]:
            ev, digest = eventlog_event(pcr, etype, data)
            self.tpm.extend(pcr, digest)
            self.log += ev
        pcrs = self.tpm.pcrs("sha256:0,1,2,3,4,5,6,7,8,9")["sha256"]
        aggregate = hashlib.sha256(b"".join(bytes.fromhex(pcrs[str(i)])
                                            for i in range(10))).digest()
        self.measure("boot_aggregate", aggregate, raw=True)
        self.write()

    def measure(self, path, content, raw=False, extend=True):
        """extend=False: the entry is in the list but not yet in PCR 10 (what the agent sees
        when the kernel measures a file between the quote and the read of the list)."""
        entry, h = ima_ng_entry(path, content if raw else hashlib.sha256(content).digest())
        if extend:
            self.tpm.extend(10, h)
        else:
            self.pending = h
        self.ima += entry
        self.write()

    def extend_pending(self):
        self.tpm.extend(10, self.pending)

    def write(self):
        with open(self.agent.event_log, "wb") as f:
            f.write(self.log)
        with open(self.agent.ima_log, "wb") as f:
            f.write(self.ima)
