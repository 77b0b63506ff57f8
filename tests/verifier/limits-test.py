#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Suite 'http': the verifier's fixed limits and its systemd protocol, on a real
process: sd_notify READY=1 / STOPPING=1 over $NOTIFY_SOCKET, the connection
limit, the idle timeout (slowloris), the header size limit, clean exit on
SIGTERM; the body budget charged by bytes received, the minimum body rate, the
per-address connection limit."""
import os
import select
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
    trickle_announced(tmp)
    min_rate(tmp)
    per_address(tmp)
    shutil.rmtree(tmp)
    finish()


MiB = 1 << 20
HEAD = (b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n%s\r\n")


def start(tmp, name, *args):
    """A verifier of its own (state, port file and log named name); (proc, port, log)."""
    port_file = os.path.join(tmp, name + ".port")
    log = open(os.path.join(tmp, name + ".log"), "wb")
    proc = subprocess.Popen([VERIFIER, "--listen", "127.0.0.1:0", "--state-dir",
                             os.path.join(tmp, name), "--port-file", port_file] + list(args),
                            stdout=log, stderr=log)
    return proc, read_port_file(port_file, proc), log


def stop(proc, log):
    proc.terminate()
    proc.wait(timeout=30)
    log.close()


def connect(port, source="127.0.0.1", timeout=60):
    return socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                    source_address=(source, 0))


def read_all(s):
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    return data


def post(port, path, body, source="127.0.0.1"):
    """The status line of a complete POST (b"" when the connection was dropped)."""
    s = connect(port, source)
    try:
        s.sendall(HEAD % (path.encode(), len(body), b"Connection: close\r\n") + body)
    except OSError:
        pass
    reply = read_all(s)
    s.close()
    return reply.split(b"\r\n", 1)[0]


def until(what, deadline, step=0.2):
    """Poll what() until it returns a true value or deadline (seconds) passes."""
    end = time.monotonic() + deadline
    while True:
        r = what()
        if r or time.monotonic() > end:
            return r
        time.sleep(step)


def body_bytes(port):
    """The attest_http_body_bytes gauge of /metrics (bytes of bodies buffered now)."""
    for line in get(port, "/metrics").split(b"\n"):
        if line.startswith(b"attest_http_body_bytes "):
            return int(line.split()[1])
    return None


def body_budget(tmp):
    """Bytes actually received count against the body budget: while connections
    hold it with bodies they sent (and have not finished), more bytes get 503;
    once they go away the budget is free again. A 48 MiB budget: three 16 MiB
    bodies fill it."""
    proc, port, log = start(tmp, "budget", "--body-budget", str(48 * MiB),
                            "--request-timeout", "120")
    try:
        big = b"{" + b"a" * (16 * MiB - 1)
        held = []
        for _ in range(3):
            s = connect(port)
            s.sendall(HEAD % (b"/v1/attestations", len(big), b"") + big[:-1])  # all but one byte
            held.append(s)
        # sendall returns once the kernel took the bytes; the server reads them soon after.
        full = until(lambda: body_bytes(port) == 48 * MiB, 90)
        check(full, f"3 x 16 MiB received fill the budget ({body_bytes(port)} bytes)")
        check(post(port, "/v1/attestations", big).startswith(b"HTTP/1.1 503"),
              "bytes sent beyond the body budget get 503")
        check(post(port, "/v1/nonces", b'{"ak_name": "000b' + b"ab" * 32 + b'"}').startswith(b"HTTP/1.1 503"),
              "so does a small body while the budget is full")
        for h in held:
            h.close()
        check(until(lambda: body_bytes(port) == 0, 60), "their charge is released")
        status = until(lambda: post(port, "/v1/attestations", big).startswith(b"HTTP/1.1 400"),
                       60, step=0.5)
        check(status, "budget released when they go away: a 16 MiB body is read and answered")
    finally:
        stop(proc, log)


def trickle_announced(tmp):
    """16 connections announcing 16 MiB each (the whole default budget) and trickling
    reserve nothing: a genuine small request is served, not 503."""
    proc, port, log = start(tmp, "trickle", "--request-timeout", "120")
    try:
        held = []
        for _ in range(16):
            s = connect(port)
            s.sendall(HEAD % (b"/v1/attestations", 16 * MiB, b"Expect: 100-continue\r\n"))
            # The server sends 100 Continue once it has seen the headers (the old
            # verifier had reserved the announced length by then).
            cont = s.recv(64)
            check(cont.startswith(b"HTTP/1.1 100"), f"headers of a 16 MiB body accepted ({cont!r})")
            s.sendall(b"{")
            held.append(s)
        for path, body, want in (("/v1/nonces", b'{"ak_name": "000b' + b"ab" * 32 + b'"}', b"404"),
                                 ("/v1/attestations", b"{}", b"400"),
                                 ("/v1/challenges", b'{"ak_name": "000b' + b"ab" * 32 + b'"}', b"404")):
            line = post(port, path, body, source="127.0.0.2")
            check(line.startswith(b"HTTP/1.1 " + want),
                  f"{path} answered ({line!r}) while 16 x 16 MiB are announced and trickling")
        for s in held:
            s.sendall(b"a" * 1000)  # still alive: each holds what it sent, nothing more
        charged = body_bytes(port)
        check(charged is not None and charged <= 16 * 4096,
              f"16 trickling bodies are charged for what arrived only ({charged} bytes)")
        line = post(port, "/v1/nonces", b'{"ak_name": "000b' + b"ab" * 32 + b'"}', source="127.0.0.2")
        check(line.startswith(b"HTTP/1.1 404"), f"and after they sent more ({line!r})")
        for s in held:
            s.close()
    finally:
        stop(proc, log)


def trickle_slow(s, stop_after):
    """Send a few bytes every 0.2 s (never idle) until the server closes the
    connection; seconds it took, or None if it stayed open stop_after seconds."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < stop_after:
        readable, _, _ = select.select([s], [], [], 0.2)
        if readable:  # the server closed it (it sends nothing before the body is complete)
            return time.monotonic() - t0
        try:
            s.sendall(b"a" * 64)
        except OSError:
            return time.monotonic() - t0
    return None


def min_rate(tmp):
    """A body slower than min_body_rate is dropped once max(request_timeout,
    size / rate) has passed, though it never idles; its share of the budget is
    released. Budget 5 MiB, rate 256 KiB/s: a 4 MiB body gets 16 s."""
    proc, port, log = start(tmp, "rate", "--body-budget", str(5 * MiB), "--min-body-rate",
                            str(256 * 1024), "--request-timeout", "5")
    try:
        s = connect(port)
        s.sendall(HEAD % (b"/v1/attestations", 4 * MiB, b"") + b"{" + b"a" * (3 * MiB))
        probe = b"{" + b"a" * (3 * MiB // 2)
        check(until(lambda: body_bytes(port) == 4 * MiB, 60),
              f"the slow body holds 4 MiB of the 5 MiB budget ({body_bytes(port)})")
        check(post(port, "/v1/attestations", probe).startswith(b"HTTP/1.1 503"),
              "so a 1.5 MiB body gets 503")
        took = trickle_slow(s, 120)
        s.close()
        check(took is not None, f"a body trickled below the minimum rate is dropped ({took})")
        check(until(lambda: body_bytes(port) == 0, 30),
              f"its share of the budget is released ({body_bytes(port)})")
        line = post(port, "/v1/attestations", probe)
        check(line.startswith(b"HTTP/1.1 400"), f"the 1.5 MiB body is answered now ({line!r})")
        # A body at a fair rate is not affected: 1 MiB in pieces over about 2 s.
        s = connect(port)
        body = b"{" + b"a" * (MiB - 1)
        s.sendall(HEAD % (b"/v1/attestations", len(body), b"Connection: close\r\n"))
        for i in range(0, len(body), 128 * 1024):
            s.sendall(body[i:i + 128 * 1024])
            time.sleep(0.1)
        line = read_all(s).split(b"\r\n", 1)[0]
        s.close()
        check(line.startswith(b"HTTP/1.1 400"), f"a body sent in pieces at a fair rate is read ({line!r})")
    finally:
        stop(proc, log)


def keepalive_get(s):
    """GET /healthz on an open connection; True when answered 200."""
    try:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        data = b""
        while b"\r\n\r\nok\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                return False
            data += chunk
        return data.startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def per_address(tmp):
    """One client address holds at most per_address_connections connections;
    other addresses are served meanwhile."""
    proc, port, log = start(tmp, "peraddr", "--per-address-connections", "4",
                            "--request-timeout", "120")
    try:
        held = [connect(port, "127.0.0.3") for _ in range(4)]
        check(all(keepalive_get(s) for s in held), "4 connections from one address served")
        extra = connect(port, "127.0.0.3", timeout=10)
        check(not keepalive_get(extra), "a fifth connection from that address is refused")
        extra.close()
        other = connect(port, "127.0.0.4")
        check(keepalive_get(other), "another address is served meanwhile")
        other.close()
        held.pop().close()

        def again():
            s = connect(port, "127.0.0.3", timeout=10)
            ok = keepalive_get(s)
            s.close()
            return ok
        check(until(again, 30), "a slot of that address frees when one of its connections closes")
        for s in held:
            s.close()
    finally:
        stop(proc, log)


if __name__ == "__main__":
    main()
