# SPDX-License-Identifier: Apache-2.0
"""The Python test harness of every test and benchmark script (suites http, e2e,
corpora, interop; bench/verifier-load.py): real processes (attest-verifier,
attestd, swtpm through tests/harness/swtpm-run), real TPM artifacts from
tpm2-tools, and synthetic logs that replay to what a test extended.

Modules:
  checks    check / finish: counted checks, the exit status of a test
  common    build paths, base64 helpers, temporary work directories
  verifier  a real attest-verifier process (port chosen by the kernel)
  tpm       tpm2-tools against one swtpm; enrollment and attestation flows
  builders  firmware event log and IMA list builders
  agent     attestd with its own config; a man-in-the-middle proxy
  tokens    JWS signing and checking with openssl (independent of the C code)
  pki       a private CA and a server certificate for 127.0.0.1, made with openssl
  corpora   third-party corpora: location, decompression, tpm2_eventlog PCRs

meson sets PYTHONPATH to tests/harness for every test and benchmark
(tests/meson.build, test_env), so scripts say `import attestlib` or
`from attestlib import ...` and never touch sys.path. To run a script by hand,
from the source root with a build in build/:

    PYTHONPATH=tests/harness ATTEST_BUILD_ROOT=$PWD/build \\
        ATTEST_SWTPM_CACHE=$PWD/build/swtpm-chips \\
        tests/harness/swtpm-run -- tests/verifier/crash-test.py

(ATTEST_SWTPM_CACHE keeps swtpm-run's chip cache in the build tree, as under
meson; the corpus tests also need ATTEST_CORPORA, see tests/meson.build).
"""
from . import corpora  # noqa: F401  (namespaced: attestlib.corpora.run etc.)
from .agent import Agent, Mitm, refused_port  # noqa: F401
from .builders import (EV_NO_ACTION, EV_POST_CODE, EV_SEPARATOR, Measurements,  # noqa: F401
                       eventlog_event, eventlog_header, ima_ng_entry)
from .checks import check, failures, finish  # noqa: F401
from .pki import make_ca_and_server  # noqa: F401
from .common import (ATTESTCTL, ATTESTD, BUILD, SELECTION, VERIFIER, b64, b64url,  # noqa: F401
                     b64url_decode, workdir)
from .tokens import (der_int, es256_sign, hs256_sign, jwt_verify_es256, new_ec_key,  # noqa: F401
                     token_claims)
from .tpm import Machine, Tpm, attestation_body, enroll  # noqa: F401
from .verifier import Verifier, ek_roots, read_port_file  # noqa: F401
