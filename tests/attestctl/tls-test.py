#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Suite 'http': attestctl against the real attest-verifier in TLS mode on
127.0.0.1, its certificate issued by a private CA made with openssl
(attestlib.pki). The CA comes from --cacert (after the group or before it) or
$ATTEST_CACERT; without it, with another CA, or with a CA file that cannot be
used, attestctl refuses the server and exits non-zero, saying why."""
import os
import shutil
import subprocess
import tempfile

from attestlib import ATTESTCTL, Verifier, check, finish, make_ca_and_server


def main():
    tmp = tempfile.mkdtemp(prefix="attestctl-tls-")
    pki = make_ca_and_server(tmp)
    v = Verifier(tmp, "--tls-cert", pki.server_cert, "--tls-key", pki.server_key)
    url = f"https://127.0.0.1:{v.port}"
    token = os.path.join(v.state, "admin-token")
    ca, other = pki.ca, pki.other_ca
    # No CA from the environment of the test run itself.
    base = {k: x for k, x in os.environ.items()
            if k not in ("ATTEST_CACERT", "ATTEST_SERVER", "ATTEST_ADMIN_TOKEN")}

    def ctl(*args, **env):
        return subprocess.run([ATTESTCTL] + list(args), env=dict(base, **env),
                              capture_output=True, text=True, timeout=60)

    try:
        r = ctl("--cacert", ca, "--server", url, "--token", token, "machines", "list")
        check(r.returncode == 0 and "MACHINE-ID" in r.stdout,
              f"--cacert before the group: machines list over HTTPS ({r.returncode} {r.stderr})")
        r = ctl("machines", "--server", url, "--token", token, "--cacert", ca, "--json", "list")
        check(r.returncode == 0 and '"machines"' in r.stdout,
              f"--cacert in the group's options: machines --json list ({r.returncode} {r.stderr})")
        r = ctl("--server", url, "--token", token, "machines", "list", ATTEST_CACERT=ca)
        check(r.returncode == 0 and "MACHINE-ID" in r.stdout,
              f"$ATTEST_CACERT: machines list over HTTPS ({r.returncode} {r.stderr})")
        r = ctl("verifier", "pubkey", "--server", url, "--cacert", ca)
        check(r.returncode == 0 and "BEGIN PUBLIC KEY" in r.stdout,
              f"verifier pubkey --cacert over HTTPS ({r.returncode} {r.stderr})")

        r = ctl("--server", url, "--token", token, "machines", "list")
        check(r.returncode == 2 and "TLS verification failed" in r.stderr and
              "certificate" in r.stderr and not r.stdout,
              f"no CA option: the private CA is not trusted, exit 2 ({r.returncode} {r.stderr})")
        r = ctl("--cacert", other, "--server", url, "--token", token, "machines", "list")
        check(r.returncode == 2 and "TLS verification failed" in r.stderr and not r.stdout,
              f"another CA: refused, exit 2 ({r.returncode} {r.stderr})")
        r = ctl("--server", url, "--token", token, "machines", "list", ATTEST_CACERT=other)
        check(r.returncode == 2 and "TLS verification failed" in r.stderr,
              f"another CA from $ATTEST_CACERT: refused, exit 2 ({r.returncode} {r.stderr})")
        r = ctl("verifier", "pubkey", "--server", url, "--cacert", other)
        check(r.returncode == 2 and "TLS verification failed" in r.stderr and not r.stdout,
              f"verifier pubkey with another CA: refused ({r.returncode} {r.stderr})")
        # The option wins over the environment.
        r = ctl("--cacert", ca, "--server", url, "--token", token, "machines", "list",
                ATTEST_CACERT=other)
        check(r.returncode == 0, f"--cacert overrides $ATTEST_CACERT ({r.returncode} {r.stderr})")

        missing = os.path.join(tmp, "missing.pem")
        r = ctl("--cacert", missing, "--server", url, "--token", token, "machines", "list")
        check(r.returncode == 2 and f"cannot read CA file '{missing}'" in r.stderr and
              "No such file" in r.stderr,
              f"missing CA file: named with the reason ({r.returncode} {r.stderr})")
        r = ctl("--cacert", tmp, "--server", url, "--token", token, "machines", "list")
        check(r.returncode == 2 and "cannot read CA file" in r.stderr,
              f"a directory as CA file: refused ({r.returncode} {r.stderr})")
        garbage = os.path.join(tmp, "garbage.pem")
        with open(garbage, "w") as f:
            f.write("not a certificate\n")
        r = ctl("--cacert", garbage, "--server", url, "--token", token, "machines", "list")
        check(r.returncode == 2 and "TLS verification failed" in r.stderr and not r.stdout,
              f"a CA file without a certificate: refused ({r.returncode} {r.stderr})")
    finally:
        v.stop()
    finish()
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
