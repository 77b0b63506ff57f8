# SPDX-License-Identifier: Apache-2.0
"""A private PKI made with openssl for the TLS tests (attestd's ca_file, attestctl's
--cacert): a CA, the verifier's server certificate it issued, and a CA that issued
nothing, which a client must refuse the server with."""
import os
import subprocess
from collections import namedtuple

# Paths: the CA's certificate, the server's certificate and key, the unrelated CA.
Pki = namedtuple("Pki", "ca server_cert server_key other_ca")


def _openssl(directory, *args):
    subprocess.run(["openssl"] + list(args), check=True, capture_output=True, cwd=directory)


def _make_ca(directory, name, cn):
    _openssl(directory, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-keyout", name + ".key", "-out", name + ".pem", "-days", "2",
             "-subj", "/CN=" + cn)
    return os.path.join(directory, name + ".pem")


def make_ca_and_server(directory):
    """In directory: ca.pem (P-256, two days), srv.pem and srv.key (CN and subjectAltName
    IP 127.0.0.1, issued by ca.pem) and other.pem (another CA); returns a Pki of their paths."""
    ca = _make_ca(directory, "ca", "tpm-attest test CA")
    other = _make_ca(directory, "other", "tpm-attest other CA")
    _openssl(directory, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=127.0.0.1")
    with open(os.path.join(directory, "ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\n")
    _openssl(directory, "x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", "srv.pem", "-days", "2", "-extfile", "ext")
    return Pki(ca, os.path.join(directory, "srv.pem"), os.path.join(directory, "srv.key"), other)
