#!/bin/bash
# Interop (run under tests/harness/swtpm-run): `attestctl quote verify` on what
# tpm2_quote and `attestd quote` write, with swtpm as the TPM:
#  - genuine quotes (RSA AK under the RSA EK, ECDSA SHA-384 AK under the P-384 EK,
#    attestd's AK) verify, and tpm2_checkquote (positive oracle only) agrees;
#  - wrong nonce, other selection, tampered PCR values, tampered signature fail
#    with the check named; unreadable input exits 2;
#  - type confusion with genuine TPM attestations signed by the restricted AK:
#    TPM2_GetTime and TPM2_NV_Certify (qualified with the same nonce) and
#    TPM2_Certify are refused by the "type" check;
#  - CVE-2024-29038 with a non-restricted TPM signing key: a real quote with its
#    magic zeroed, re-signed by the TPM, is refused by the "magic" check.
set -euo pipefail
B=${ATTEST_BUILD_ROOT:?}
A=$B/attestctl/attestctl
W=$(mktemp -d "$SWTPM_DIR/quote.XXXXXX")
cd "$W"

ft() { tpm2_flushcontext -t >/dev/null; tpm2_flushcontext -s >/dev/null 2>&1 || true; }
fail() { echo "FAIL: $*" >&2; exit 1; }
nonce=$(head -c 32 /dev/urandom | xxd -p -c 64)
sel=sha256:0,1,2,3,4,5,6,7,8,9,10

# expect_fail CHECK ARGS...: exit 1 and the named check failed
expect_fail() {
    local check=$1 rc=0; shift
    "$A" quote verify "$@" > out.txt 2>&1 || rc=$?
    [ $rc = 1 ] || fail "expected exit 1 (check '$check'), got $rc: $(cat out.txt)"
    grep -q "FAILED check '$check'" out.txt || fail "expected check '$check' to fail: $(cat out.txt)"
    echo "ok: refused by '$check'"
}

verify_ok() {  # PREFIX [HASH] (files PREFIX.pub, q.msg, q.sig, q.pcrs)
    "$A" quote verify --ak "$1.pub" --nonce "$nonce" --pcrs-selection "$sel" \
        --quote q.msg --sig q.sig --pcr-values q.pcrs > out.txt || fail "genuine quote refused: $(cat out.txt)"
    grep -q 'quote: verified' out.txt || fail "no verdict line"
    "$A" quote verify --ak "$1.pub" --nonce "$nonce" --pcrs-selection "$sel" \
        --quote q.msg --sig q.sig --pcr-values q.pcrs --json \
        | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["ok"] and d["failed_check"] is None and len(d["checks"])==7 and d["clock_info"]["reset_count"]>=0' \
        || fail "--json output"
    tpm2_checkquote -u "$1.pub" -m q.msg -s q.sig -f q.pcrs -q "$nonce" -g "${2:-sha256}" >/dev/null \
        || fail "tpm2_checkquote disagrees on a quote we accept"
}

# --- RSA AK under the RSA L-1 EK -------------------------------------------
tpm2_createak -C 0x81010001 -c ak.ctx -G rsa -g sha256 -s rsassa -u ak.pub -r ak.priv >/dev/null; ft
tpm2_startauthsession --policy-session -S s.ctx >/dev/null; tpm2_policysecret -S s.ctx -c e >/dev/null
tpm2_load -C 0x81010001 -u ak.pub -r ak.priv -c ak.ctx -P session:s.ctx >/dev/null
tpm2_flushcontext s.ctx; ft
tpm2_quote -c ak.ctx -l "$sel" -q "$nonce" -m q.msg -s q.sig -o q.pcrs -g sha256 >/dev/null; ft
verify_ok ak
echo "ok: tpm2_quote RSA quote verifies (text and --json), tpm2_checkquote agrees"

# Two banks (19 values: three TPML_DIGEST blocks in the -o file), digest with the AK's SHA-256.
sel2=sha1:0,1,2,3,4,5,6,7+sha256:0,1,2,3,4,5,6,7,8,9,10
tpm2_quote -c ak.ctx -l "$sel2" -q "$nonce" -m q2.msg -s q2.sig -o q2.pcrs -g sha256 >/dev/null; ft
"$A" quote verify --ak ak.pub --nonce "$nonce" --pcrs-selection "$sel2" --quote q2.msg --sig q2.sig \
    --pcr-values q2.pcrs >out.txt || fail "two-bank quote refused: $(cat out.txt)"
expect_fail pcr-selection --ak ak.pub --nonce "$nonce" --pcrs-selection "sha256:0-10+sha1:0-7" \
    --quote q2.msg --sig q2.sig --pcr-values q2.pcrs
echo "ok: two-bank quote verifies; the bank order is part of the selection"

common=(--ak ak.pub --quote q.msg --sig q.sig)
# The last byte inverted (setting it to 00 left the nonce unchanged once in 256 runs).
other=${nonce:0:62}$(printf '%02x' $((0x${nonce:62:2} ^ 0xff)))
expect_fail nonce "${common[@]}" --nonce "$other" --pcrs-selection "$sel" --pcr-values q.pcrs
expect_fail nonce "${common[@]}" --nonce "${nonce:0:32}" --pcrs-selection "$sel" --pcr-values q.pcrs
expect_fail pcr-selection "${common[@]}" --nonce "$nonce" --pcrs-selection sha256:0-9 --pcr-values q.pcrs
expect_fail pcr-selection "${common[@]}" --nonce "$nonce" --pcrs-selection sha256:0-10+sha1:0-10 --pcr-values q.pcrs
# PCR values file: 132-byte selection, UINT32 n, then TPML_DIGEST {UINT32 count, {UINT16 size, BYTE[64]}...}
cp q.pcrs bad.pcrs
printf '\x55' | dd of=bad.pcrs bs=1 seek=$((132 + 4 + 4 + 2 + 5)) conv=notrunc status=none
expect_fail pcr-digest "${common[@]}" --nonce "$nonce" --pcrs-selection "$sel" --pcr-values bad.pcrs
cp q.sig bad.sig
sz=$(stat -c %s bad.sig)
printf '\x01' | dd of=bad.sig bs=1 seek=$((sz - 7)) conv=notrunc status=none
expect_fail signature --ak ak.pub --quote q.msg --sig bad.sig --nonce "$nonce" --pcrs-selection "$sel" --pcr-values q.pcrs
cp q.msg bad.msg
printf '\x00' | dd of=bad.msg bs=1 seek=12 conv=notrunc status=none
expect_fail signature --ak ak.pub --quote bad.msg --sig q.sig --nonce "$nonce" --pcrs-selection "$sel" --pcr-values q.pcrs

rc=0; "$A" quote verify "${common[@]}" --nonce "$nonce" --pcrs-selection "$sel" --pcr-values missing.pcrs 2>/dev/null || rc=$?
[ $rc = 2 ] || fail "missing file: exit $rc, not 2"
head -c 7 /dev/urandom > junk.sig
rc=0; "$A" quote verify --ak ak.pub --quote q.msg --sig junk.sig --nonce "$nonce" --pcrs-selection "$sel" --pcr-values q.pcrs 2>/dev/null || rc=$?
[ $rc = 2 ] || fail "garbage signature file: exit $rc, not 2"
echo "ok: unreadable input exits 2"

# --- type confusion: genuine TPM attestations of other types, same AK ---------
tpm2_gettime -c ak.ctx -q "$nonce" -g sha256 -o t.sig --attestation t.msg >/dev/null; ft
expect_fail type --ak ak.pub --quote t.msg --sig t.sig --nonce "$nonce" --pcrs-selection "$sel" --pcr-values q.pcrs

tpm2_nvdefine 0x01500020 -C o -s 32 -a "ownerread|ownerwrite|authread|authwrite" >/dev/null
head -c 32 /dev/zero | tpm2_nvwrite 0x01500020 -C o -i- >/dev/null
tpm2_nvcertify -C ak.ctx -c 0x01500020 -g sha256 -q "$nonce" --size 32 --offset 0 -o nv.sig --attestation nv.msg 0x01500020 >/dev/null; ft
tpm2_nvundefine 0x01500020 -C o >/dev/null
expect_fail type --ak ak.pub --quote nv.msg --sig nv.sig --nonce "$nonce" --pcrs-selection "$sel" --pcr-values q.pcrs

tpm2_certify -c ak.ctx -C ak.ctx -g sha256 -o c.msg -s c.sig >/dev/null; ft
expect_fail type --ak ak.pub --quote c.msg --sig c.sig --nonce "$nonce" --pcrs-selection "$sel" --pcr-values q.pcrs
echo "ok: GetTime, NV_Certify and Certify attestations signed by the AK are not quotes"

# --- CVE-2024-29038: zeroed magic, signed by a non-restricted TPM key ---------
tpm2_createprimary -C o -c prim.ctx >/dev/null; ft
tpm2_create -C prim.ctx -G rsa2048:rsassa-sha256 -a "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign" \
    -u nr.pub -r nr.priv >/dev/null; ft
tpm2_load -C prim.ctx -u nr.pub -r nr.priv -c nr.ctx >/dev/null; ft
tpm2_quote -c nr.ctx -l "$sel" -q "$nonce" -m nrq.msg -s nrq.sig -o nrq.pcrs -g sha256 >/dev/null; ft
"$A" quote verify --ak nr.pub --quote nrq.msg --sig nrq.sig --nonce "$nonce" --pcrs-selection "$sel" --pcr-values nrq.pcrs >/dev/null \
    || fail "genuine quote by the non-restricted key refused"
cp nrq.msg zero.msg
printf '\x00\x00\x00\x00' | dd of=zero.msg bs=1 seek=0 conv=notrunc status=none
tpm2_sign -c nr.ctx -g sha256 -s rsassa -o zero.sig zero.msg >/dev/null; ft
tpm2_flushcontext prim.ctx >/dev/null 2>&1 || true; ft
expect_fail magic --ak nr.pub --quote zero.msg --sig zero.sig --nonce "$nonce" --pcrs-selection "$sel" --pcr-values nrq.pcrs
if tpm2_checkquote -u nr.pub -m zero.msg -s zero.sig -f nrq.pcrs -q "$nonce" -g sha256 >/dev/null 2>&1; then
    echo "note: this tpm2_checkquote accepts a zeroed magic (CVE-2024-29038): positive oracle only"
fi

# --- ECDSA SHA-384 AK under the P-384 H-3 EK ----------------------------------
tpm2_createak -C 0x81010016 -c ak3.ctx -G ecc -g sha384 -s ecdsa -u ak3.pub -r ak3.priv >/dev/null; ft
tpm2_load -C 0x81010016 -u ak3.pub -r ak3.priv -c ak3.ctx >/dev/null; ft
tpm2_quote -c ak3.ctx -l "$sel" -q "$nonce" -m q.msg -s q.sig -o q.pcrs -g sha384 >/dev/null; ft
verify_ok ak3 sha384
echo "ok: ECDSA SHA-384 AK (P-384 EK) quote verifies"

# --- attestd quote output ------------------------------------------------------
if [ -x "$B/attestd/attestd" ]; then
    for alg in rsa:L-1 ecc:H-3; do
        d=ad-${alg%%:*}
        "$B/attestd/attestd" ak create --dir "$d" --alg "${alg%%:*}" --ek "${alg##*:}" --tcti "$ATTEST_TCTI" >/dev/null
        "$B/attestd/attestd" quote --dir "$d" --nonce "$nonce" --out "$d/q" --pcrs "$sel" --tcti "$ATTEST_TCTI" >/dev/null
        "$A" quote verify --ak "$d/ak.pub" --nonce "$nonce" --pcrs-selection "$sel" \
            --quote "$d/q/quote.msg" --sig "$d/q/quote.sig" --pcr-values "$d/q/quote.pcrs" >out.txt \
            || fail "attestd quote ($alg) refused: $(cat out.txt)"
        expect_fail nonce --ak "$d/ak.pub" --nonce "00$nonce" --pcrs-selection "$sel" \
            --quote "$d/q/quote.msg" --sig "$d/q/quote.sig" --pcr-values "$d/q/quote.pcrs"
        echo "ok: attestd quote ($alg) verifies"
        # and attestd ak activate recovers our software credential
        "$A" credential make --ek-public "$d/ek.pub" --ak-public "$d/ak.pub" --secret "$nonce" --out "$d/cred.out"
        got=$("$B/attestd/attestd" ak activate --dir "$d" --credential "$d/cred.out" --tcti "$ATTEST_TCTI")
        [ "$got" = "$nonce" ] || fail "attestd ak activate ($alg) recovered '$got'"
        echo "ok: attestd ak activate ($alg) recovers the secret of attestctl credential make"
    done
    ft
fi
