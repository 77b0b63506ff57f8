#!/usr/bin/env python3
"""TPM command proxy for the tss2 'cmd' TCTI (cmd:python3 tpm-proxy.py ...).

Forwards each TPM command read on stdin to swtpm's TCP port and the response
back on stdout, and injects faults at points the test chooses:
  --kill-after N --kill-pid PID   after N responses, SIGKILL swtpm before
                                  forwarding the next command (TPM gone in
                                  the middle of an operation)
  --extend-after-quotes N         after each of the first N TPM2_Quote
                                  responses, extend sha256 PCR 10 on the same
                                  connection (what IMA does at any time)

    tpm-proxy.py --port P [--kill-after N --kill-pid PID] [--extend-after-quotes N]
"""
import argparse
import os
import signal
import socket
import struct
import sys
import time


def read_exact(read, n):
    buf = b""
    while len(buf) < n:
        chunk = read(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


TPM2_CC_QUOTE = 0x158


def extend_pcr10(tpm, n):
    """TPM2_PCR_Extend(10, sha256 = n repeated) with an empty password session."""
    auth = struct.pack(">IHBH", 0x40000009, 0, 0, 0)
    params = struct.pack(">IH", 1, 0x000B) + bytes([n & 0xFF]) * 32
    body = struct.pack(">I", 10) + struct.pack(">I", len(auth)) + auth + params
    cmd = struct.pack(">HII", 0x8002, 10 + len(body), 0x182) + body
    tpm.sendall(cmd)
    rhdr = read_exact(tpm.recv, 10)
    if rhdr is None:
        return False
    rsize, rc = struct.unpack(">II", rhdr[2:10])
    if rsize > 10 and read_exact(tpm.recv, rsize - 10) is None:
        return False
    return rc == 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--kill-after", type=int, default=-1)
    ap.add_argument("--kill-pid", type=int, default=0)
    ap.add_argument("--extend-after-quotes", type=int, default=0)
    args = ap.parse_args()

    tpm = socket.create_connection(("127.0.0.1", args.port))
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    done = quotes = 0
    while True:
        hdr = read_exact(stdin.read, 10)
        if hdr is None:
            return 0
        size = struct.unpack(">I", hdr[2:6])[0]
        body = read_exact(stdin.read, size - 10) if size > 10 else b""
        if body is None:
            return 1
        if done == args.kill_after and args.kill_pid:
            os.kill(args.kill_pid, signal.SIGKILL)
            time.sleep(0.2)
        try:
            tpm.sendall(hdr + body)
            rhdr = read_exact(tpm.recv, 10)
            if rhdr is None:
                return 1
            rsize = struct.unpack(">I", rhdr[2:6])[0]
            rbody = read_exact(tpm.recv, rsize - 10) if rsize > 10 else b""
        except OSError:
            return 1
        if rbody is None:
            return 1
        stdout.write(rhdr + rbody)
        stdout.flush()
        done += 1
        if struct.unpack(">I", hdr[6:10])[0] == TPM2_CC_QUOTE and quotes < args.extend_after_quotes:
            quotes += 1
            if not extend_pcr10(tpm, quotes):
                return 1


if __name__ == "__main__":
    sys.exit(main())
