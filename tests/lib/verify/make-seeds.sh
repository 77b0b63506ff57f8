#!/bin/bash
# Regenerate the fuzz seeds of corpus/ from a fresh swtpm (run under swtpm-run,
# from tests/verify): quote seeds (length-prefixed public + signature, then
# attest) for RSA and ECC AKs and other attestation types; the EK certificates.
set -euo pipefail
out=$PWD/corpus
W=$(mktemp -d "$SWTPM_DIR/seeds.XXXXXX"); cd "$W"
ft() { tpm2_flushcontext -t >/dev/null; tpm2_flushcontext -s >/dev/null 2>&1 || true; }
seed() {  # name pub sig attest
    python3 - "$out/quote/$1" "$2" "$3" "$4" <<'PY'
import sys, struct
o, p, s, a = sys.argv[1:]
P, S, A = (open(f, 'rb').read() for f in (p, s, a))
open(o, 'wb').write(struct.pack('>H', len(P)) + P + struct.pack('>H', len(S)) + S + A)
PY
}
n=$(printf '%064d' 0)
tpm2_createak -C 0x81010016 -c ak.ctx -G ecc -g sha256 -s ecdsa -u ecc.pub -r ecc.priv >/dev/null; ft
tpm2_load -C 0x81010016 -u ecc.pub -r ecc.priv -c ecc.ctx >/dev/null; ft
tpm2_quote -c ecc.ctx -l sha256:0,1,2,3,4,5,6,7,8,9,10 -q "$n" -m q.msg -s q.sig -o q.pcrs >/dev/null; ft
seed ecc-quote ecc.pub q.sig q.msg
tpm2_quote -c ecc.ctx -l sha1:0,1,2,3,4,5,6,7+sha256:0,1,2,3,4,5,6,7,8,9,10 -q "$n" -m q2.msg -s q2.sig -o q2.pcrs >/dev/null; ft
seed ecc-quote-two-banks ecc.pub q2.sig q2.msg
tpm2_gettime -c ecc.ctx -q "$n" -o t.sig --attestation t.msg >/dev/null; ft
seed ecc-gettime ecc.pub t.sig t.msg
tpm2_certify -c ecc.ctx -C ecc.ctx -g sha256 -o c.msg -s c.sig >/dev/null; ft
seed ecc-certify ecc.pub c.sig c.msg
tpm2_readpublic -c 0x81010001 -o ekrsa.pub >/dev/null; ft
seed rsa-ek-public ekrsa.pub q.sig q.msg
for idx in 0x01c00002 0x01c00016; do
    size=$(tpm2_nvreadpublic $idx | awk '/size:/{print $2}')
    tpm2_nvread $idx -C o -s "$size" -o "$out/ek-cert/swtpm-$idx.der" >/dev/null
done
openssl x509 -inform DER -in "$out/ek-cert/swtpm-0x01c00016.der" -out "$out/ek-cert/swtpm-ecc.pem"
cp "$SWTPM_CA_ISSUER" "$out/ek-cert/swtpm-issuer.pem"
