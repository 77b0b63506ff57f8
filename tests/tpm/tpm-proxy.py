#!/usr/bin/env python3
"""TPM command proxy for the tss2 'cmd' TCTI (cmd:python3 tpm-proxy.py ...).

Forwards each TPM command read on stdin to swtpm's TCP port and the response
back on stdout. After --kill-after responses it kills swtpm (SIGKILL of
--kill-pid) before forwarding the next command: the caller sees the TPM go
away in the middle of an operation, at a point the test chooses.

    tpm-proxy.py --port P --kill-after N --kill-pid PID
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--kill-after", type=int, required=True)
    ap.add_argument("--kill-pid", type=int, required=True)
    args = ap.parse_args()

    tpm = socket.create_connection(("127.0.0.1", args.port))
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    done = 0
    while True:
        hdr = read_exact(stdin.read, 10)
        if hdr is None:
            return 0
        size = struct.unpack(">I", hdr[2:6])[0]
        body = read_exact(stdin.read, size - 10) if size > 10 else b""
        if body is None:
            return 1
        if done == args.kill_after:
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


if __name__ == "__main__":
    sys.exit(main())
