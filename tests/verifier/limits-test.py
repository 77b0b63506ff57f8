#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Suite 'http': the verifier's fixed limits and its systemd protocol, on a real
process: sd_notify READY=1 / STOPPING=1 over $NOTIFY_SOCKET, the connection
limit, the idle timeout (slowloris), the header size limit, clean exit on
SIGTERM."""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from attestlib import VERIFIER, check, finish, read_port_file


def get(port, path="/healthz", extra=b"", timeout=5):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: x\r\n" + extra +
                  b"Connection: close\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        return data
    except OSError:
        return b""
    finally:
        s.close()


def main():
    tmp = tempfile.mkdtemp(prefix="verifier-limits-")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify_path = os.path.join(tmp, "notify")
    notify.bind(notify_path)
    notify.settimeout(10)
    port_file = os.path.join(tmp, "port")
    env = dict(os.environ, NOTIFY_SOCKET=notify_path)
    log = open(os.path.join(tmp, "log"), "wb")
    proc = subprocess.Popen([VERIFIER, "--listen", "127.0.0.1:0", "--state-dir",
                             os.path.join(tmp, "state"), "--port-file", port_file,
                             "--max-connections", "4", "--request-timeout", "2",
                             "--workers", "2"], env=env, stdout=log, stderr=log)
    try:
        msg = notify.recv(4096).decode()
        check("READY=1" in msg, f"sd_notify READY=1 once listening ({msg!r})")
        port = read_port_file(port_file, proc)
        check(get(port).startswith(b"HTTP/1.1 200"), "healthz over a raw socket")

        # Connection limit: 4 idle connections hold every slot.
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(4)]
        time.sleep(0.3)
        # (waiting less than the 2 s idle timeout, which would free a slot)
        check(not get(port, timeout=1).startswith(b"HTTP/1.1 200"),
              "a fifth connection is not served while 4 are open (max_connections 4)")
        # Idle timeout: the server closes them after 2 s without a request.
        time.sleep(3.5)
        closed = 0
        for s in idle:
            s.settimeout(2)
            try:
                closed += s.recv(1) == b""
            except OSError:
                closed += 1
            s.close()
        check(closed == 4, f"idle connections closed after request_timeout ({closed}/4)")
        check(get(port).startswith(b"HTTP/1.1 200"), "slots free again")

        # Slowloris: half a request line and nothing more.
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"POST /v1/nonces HTTP/1.1\r\nHost: x\r\nContent-Le")
        s.settimeout(6)
        t0 = time.time()
        try:
            gone = s.recv(4096) is not None
        except OSError:
            gone = True
        check(gone and time.time() - t0 < 5.5, "a stalled request is cut off by the timeout")
        s.close()

        # Headers beyond the 64 KiB per-connection memory.
        reply = get(port, extra=b"X-Big: " + b"a" * 100000 + b"\r\n")
        check(not reply.startswith(b"HTTP/1.1 200") and
              (reply == b"" or reply.split(b" ")[1][:1] == b"4"),
              f"oversized headers refused ({reply[:40]!r})")
        check(get(port).startswith(b"HTTP/1.1 200"), "server still up")

        proc.send_signal(signal.SIGTERM)
        msg = notify.recv(4096).decode()
        check("STOPPING=1" in msg, f"sd_notify STOPPING=1 on SIGTERM ({msg!r})")
        check(proc.wait(timeout=10) == 0, "clean exit after SIGTERM")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
        notify.close()
    body_budget(tmp)
    shutil.rmtree(tmp)
    finish()


def body_budget(tmp):
    """Many connections announcing large bodies at once: past the 256 MiB of
    bodies in flight the server answers 503 instead of allocating more."""
    port_file = os.path.join(tmp, "port2")
    log = open(os.path.join(tmp, "log2"), "wb")
    proc = subprocess.Popen([VERIFIER, "--listen", "127.0.0.1:0", "--state-dir",
                             os.path.join(tmp, "state2"), "--port-file", port_file],
                            stdout=log, stderr=log)
    try:
        port = read_port_file(port_file, proc)
        head = (b"POST /v1/attestations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 16000000\r\n\r\n{")
        held = []
        for _ in range(16):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(head)
            held.append(s)
        time.sleep(0.5)
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(head)
        try:
            reply = s.recv(100)
        except OSError:
            reply = b""
        s.close()
        check(reply.startswith(b"HTTP/1.1 503"),
              f"a 17th 16 MB body in flight is refused (256 MiB budget) ({reply[:30]!r})")
        for h in held:
            h.close()
        time.sleep(0.5)
        check(get(port).startswith(b"HTTP/1.1 200"), "budget released when they go away")
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(head)
        s.settimeout(1)
        try:
            early = s.recv(100)
        except OSError:
            early = b""
        s.close()
        check(early == b"", "a large body is accepted again once the budget is free")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


if __name__ == "__main__":
    main()
