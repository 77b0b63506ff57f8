# SPDX-License-Identifier: Apache-2.0
"""Paths of the built programs, base64 helpers, work directories."""
import base64
import os
import tempfile

# meson's test_env sets ATTEST_BUILD_ROOT; by hand, "." is a build directory as cwd.
BUILD = os.environ.get("ATTEST_BUILD_ROOT", ".")
ATTESTD = os.path.join(BUILD, "attestd", "attestd")
VERIFIER = os.path.join(BUILD, "verifier", "attest-verifier")
ATTESTCTL = os.path.join(BUILD, "attestctl", "attestctl")

# The PCRs the tests quote: the boot PCRs and IMA's PCR 10, SHA-256 bank.
SELECTION = "sha256:0,1,2,3,4,5,6,7,8,9,10"


def b64(data):
    return base64.b64encode(data).decode()


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def workdir(prefix):
    return tempfile.mkdtemp(prefix=prefix)
