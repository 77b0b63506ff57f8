#!/bin/bash
# swtpm (run under tests/harness/swtpm-run): the EK certificates swtpm_setup wrote to
# NV (RSA 0x01c00002, ECC P-384 0x01c00016) verify against the chip's local CA
# and bind to the persistent EKs; each failure has its named reason. Also the
# certificate purpose, with certificates made here by openssl.
set -euo pipefail
VT=${ATTEST_BUILD_ROOT:?}/tests/lib/verify/verify-tool
W=$(mktemp -d "$SWTPM_DIR/ekcert.XXXXXX")
cd "$W"
fail() { echo "FAIL: $*" >&2; exit 1; }

# expect REASON verify-tool-args...: REASON "pass" or a check name
expect() {
    local want=$1 rc=0; shift
    "$VT" ek-cert "$@" > out.txt 2>&1 || rc=$?
    if [ "$want" = pass ]; then
        [ $rc = 0 ] || fail "refused: $(cat out.txt)"
    else
        if [ $rc != 1 ] || ! grep -q "^$want: fail" out.txt; then
            fail "expected '$want' (rc $rc): $(cat out.txt)"
        fi
    fi
    echo "ok: $want: $(cat out.txt)"
}

nvread() {  # index -> file (whole NV area: DER plus any padding)
    local size
    size=$(tpm2_nvreadpublic "$1" | awk '/size:/{print $2}')
    tpm2_nvread "$1" -C o -s "$size" -o "$2" >/dev/null
}
nvread 0x01c00002 ek-rsa.der
nvread 0x01c00016 ek-ecc.der
tpm2_readpublic -c 0x81010001 -o ek-rsa.pub >/dev/null
tpm2_readpublic -c 0x81010016 -o ek-ecc.pub >/dev/null
tpm2_flushcontext -t >/dev/null

expect pass ek-rsa.der ek-rsa.pub "$SWTPM_CA_DIR"
expect pass ek-ecc.der ek-ecc.pub "$SWTPM_CA_DIR"
expect ek-cert-key-mismatch ek-rsa.der ek-ecc.pub "$SWTPM_CA_DIR"
expect ek-cert-key-mismatch ek-ecc.der ek-rsa.pub "$SWTPM_CA_DIR"
# swtpm_localca certificates never expire (notAfter 9999-12-31, RFC 5280's "no
# expiry"): expiry is tested with the real vendor certificates (test-ek-cert).
expect ek-cert-not-yet-valid ek-ecc.der ek-ecc.pub "$SWTPM_CA_DIR" 946684800

# Intermediate sent with the certificate, only the root configured.
mkdir roots-only
cp "$SWTPM_CA_ROOT" roots-only/
expect ek-cert-chain ek-rsa.der ek-rsa.pub roots-only
expect pass ek-rsa.der ek-rsa.pub roots-only 0 "$SWTPM_CA_ISSUER"
# The intermediate alone is no trust anchor.
mkdir issuer-only
cp "$SWTPM_CA_ISSUER" issuer-only/
expect ek-cert-chain ek-rsa.der ek-rsa.pub issuer-only

# Chip B: its certificate does not match chip A's EK; its CA does not vouch for chip A.
cat > chip-b.sh <<'EOS'
set -euo pipefail
size=$(tpm2_nvreadpublic 0x01c00002 | awk '/size:/{print $2}')
tpm2_nvread 0x01c00002 -C o -s "$size" -o b-ek-rsa.der >/dev/null
mkdir -p b-ca && cp "$SWTPM_CA_DIR"/* b-ca/
EOS
"$SWTPM_RUN" --chip b -- bash chip-b.sh
expect ek-cert-key-mismatch b-ek-rsa.der ek-rsa.pub b-ca
expect ek-cert-chain ek-rsa.der ek-rsa.pub b-ca

# Purpose: an extendedKeyUsage must name tcg-kp-EKCertificate (2.23.133.8.1).
mkdir p-ca
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out p-ca/ca.pem \
    -subj /CN=test-ek-root -days 30 -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out leaf.key 2>/dev/null
openssl pkey -in leaf.key -pubout -out leaf-pub.pem
for eku in serverAuth 2.23.133.8.1; do
    openssl req -new -key leaf.key -subj /CN=leaf -out leaf.csr
    printf 'keyUsage=critical,keyAgreement\nextendedKeyUsage=%s\nbasicConstraints=critical,CA:FALSE\n' "$eku" > ext.cnf
    openssl x509 -req -in leaf.csr -CA p-ca/ca.pem -CAkey ca.key -CAcreateserial -days 10 \
        -extfile ext.cnf -out "leaf-$eku.pem" 2>/dev/null
done
expect ek-cert-purpose leaf-serverAuth.pem leaf-pub.pem p-ca
expect pass leaf-2.23.133.8.1.pem leaf-pub.pem p-ca
