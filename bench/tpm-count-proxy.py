#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Counting TPM proxy for the tss2 'cmd' TCTI, so that any TPM client (tpm2-tools
included) can be counted: forwards each command read on stdin to swtpm's TCP port
and the response back on stdout, appending the command's name to LOGFILE.

    TPM2TOOLS_TCTI="cmd:python3 tpm-count-proxy.py --port P --log LOGFILE" tpm2_quote ...
"""
import argparse
import socket
import struct
import sys

NAMES = {0x131: "CreatePrimary", 0x153: "Create", 0x157: "Load", 0x158: "Quote",
         0x17E: "PCR_Read", 0x161: "ContextLoad", 0x162: "ContextSave", 0x165: "FlushContext",
         0x173: "ReadPublic", 0x176: "StartAuthSession", 0x151: "PolicySecret",
         0x17A: "GetCapability", 0x169: "NV_ReadPublic", 0x14E: "NV_Read", 0x17D: "Hash",
         0x15D: "Sign", 0x147: "ActivateCredential", 0x177: "VerifySignature",
         0x167: "LoadExternal", 0x17B: "GetRandom", 0x144: "Startup", 0x171: "PolicyOR"}


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
    ap.add_argument("--log", required=True)
    args = ap.parse_args()
    tpm = socket.create_connection(("127.0.0.1", args.port))
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    with open(args.log, "a") as log:
        while True:
            hdr = read_exact(stdin.read, 10)
            if hdr is None:
                return 0
            size, cc = struct.unpack(">II", hdr[2:10])
            body = read_exact(stdin.read, size - 10) if size > 10 else b""
            if body is None:
                return 1
            tpm.sendall(hdr + body)
            rhdr = read_exact(tpm.recv, 10)
            if rhdr is None:
                return 1
            rsize = struct.unpack(">I", rhdr[2:6])[0]
            rbody = read_exact(tpm.recv, rsize - 10) if rsize > 10 else b""
            if rbody is None:
                return 1
            log.write(NAMES.get(cc, "0x%x" % cc) + "\n")
            log.flush()
            stdout.write(rhdr + rbody)
            stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
