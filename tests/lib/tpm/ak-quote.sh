#!/bin/bash
# ak-quote.sh ALG EK: attestd ak create / quote / ak load / quote from context on
# a fresh swtpm, for one AK algorithm (rsa|ecc) and one EK template (L-1|L-2|H-3).
# Checks file formats and modes, the quote's content against tpm2-tools'
# view of the TPM, and the exact TPM commands of each operation.
# shellcheck source=tests/lib/tpm/lib.sh
source "$(dirname "$0")/lib.sh"
alg=$1 ek=$2
# What every operation under the EK sends first: its policy session (H-3 adds
# PolicyOR; L-2 has no persistent EK, so it is created each time).
case $ek in
L-1) ek_session="ReadPublic StartAuthSession PolicySecret" ;;
L-2) ek_session="ReadPublic CreatePrimary StartAuthSession PolicySecret" ;;
H-3) ek_session="ReadPublic StartAuthSession PolicySecret PolicyOR" ;;
*) fail "unknown EK template '$ek'" ;;
esac

step "ak create --alg $alg --ek $ek"
expect_rc 0 "$ATTESTD" ak create --dir ak --alg "$alg" --ek "$ek"
for f in ak.pub ak.priv ak.name ek.pub; do [ -s "ak/$f" ] || fail "ak/$f missing"; done
[ "$(stat -c %a ak/ak.priv)" = 600 ] || fail "ak.priv mode is $(stat -c %a ak/ak.priv), not 600"
[ "$(stat -c %a ak)" = 700 ] || fail "ak dir mode is $(stat -c %a ak), not 700"
# The name file is nameAlg(sha256) || SHA-256(TPMT_PUBLIC) of ak.pub.
want_name=000b$(tail -c +3 ak/ak.pub | sha256sum | cut -c1-64)
[ "$(hexof ak/ak.name)" = "$want_name" ] || fail "ak.name is not the name of ak.pub"
# The AK template tpm2_createak uses: restricted signing key, SHA-256 scheme.
tpm2_print -t TPM2B_PUBLIC ak/ak.pub > ak.txt
grep -q 'value: fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|sign$' ak.txt ||
    fail "AK attributes: $(grep -A1 attributes ak.txt)"
case $alg in
rsa) grep -q 'value: rsassa' ak.txt || fail "RSA AK scheme is not rsassa" ;;
ecc) { grep -q 'value: ecdsa' ak.txt && grep -q 'NIST p256' ak.txt; } || fail "ECC AK is not ECDSA P-256" ;;
esac
want="$ek_session Create"
[ "$ek" = L-2 ] && want="$want FlushContext NV_ReadPublic" || want="$want NV_ReadPublic NV_Read"
[ "$(last_commands ak-create)" = "$want" ] || fail "ak create sent '$(last_commands ak-create)', expected '$want'"
assert_tpm_clean

step "quote from the blobs"
tools tpm2_pcrextend 10:sha256=0303030303030303030303030303030303030303030303030303030303030303
nonce=$(openssl rand -hex 32)
expect_rc 0 "$ATTESTD" quote --dir ak --nonce "$nonce" --pcrs sha256:0,1,2,3,4,5,6,7,10 --out q1
checkquote ak q1 "$nonce" || fail "tpm2_checkquote refused our quote"
[ "$(attest_nonce q1/quote.msg)" = "$nonce" ] || fail "extraData is not the nonce"
# tpm2_checkquote must refuse another nonce; checked on our side too (extraData differs).
other=$(openssl rand -hex 32)
if checkquote ak q1 "$other" 2>/dev/null; then fail "tpm2_checkquote accepted another nonce"; fi
# The values in quote.pcrs are the TPM's (tpm2_pcrread -o writes raw digests in order).
tools tpm2_pcrread sha256:0,1,2,3,4,5,6,7,10 -o pcrs.raw >/dev/null
python3 - q1/quote.pcrs pcrs.raw <<'PY' || fail "quote.pcrs values differ from tpm2_pcrread"
import struct, sys
f = open(sys.argv[1], "rb").read()
n = struct.unpack_from("<I", f, 132)[0]
vals = b""
for i in range(n):
    off = 136 + 532 * i
    c = struct.unpack_from("<I", f, off)[0]
    for j in range(c):
        size = struct.unpack_from("<H", f, off + 4 + 66 * j)[0]
        vals += f[off + 6 + 66 * j: off + 6 + 66 * j + size]
sys.exit(0 if vals == open(sys.argv[2], "rb").read() else 1)
PY
want="$ek_session Load"
[ "$ek" = L-2 ] && want="$want FlushContext"
want="$want Quote PCR_Read PCR_Read FlushContext"
[ "$(last_commands quote-blobs)" = "$want" ] || fail "cold quote sent '$(last_commands quote-blobs)', expected '$want'"
assert_tpm_clean

step "ak load (save the context), quote from the context"
expect_rc 0 "$ATTESTD" ak load --dir ak
[ "$(stat -c %a ak/ak.ctx)" = 600 ] || fail "ak.ctx mode"
nonce=$(openssl rand -hex 20)
expect_rc 0 "$ATTESTD" quote --dir ak --nonce "$nonce" --out q2
checkquote ak q2 "$nonce" || fail "tpm2_checkquote refused the quote made from the saved context"
# The fast path of DESIGN.md §4.6: ContextLoad + Quote + one PCR_Read per 8 PCRs + FlushContext.
[ "$(last_commands quote-context)" = "ContextLoad Quote PCR_Read PCR_Read FlushContext" ] ||
    fail "quote from context sent '$(last_commands quote-context)'"
[ "$(last_count quote-context)" = 5 ] || fail "quote from context: $(last_count quote-context) commands"
# A selection of 8 PCRs or fewer costs one PCR_Read.
expect_rc 0 "$ATTESTD" quote --dir ak --nonce "$nonce" --pcrs sha256:0-7 --out q3
[ "$(last_commands quote-context)" = "ContextLoad Quote PCR_Read FlushContext" ] ||
    fail "8-PCR quote sent '$(last_commands quote-context)'"
checkquote ak q3 "$nonce" || fail "tpm2_checkquote refused the 8-PCR quote"
assert_tpm_clean

step "credential activation under the $ek EK"
head -c 32 /dev/urandom > secret
tpm2_makecredential -T none -u ak/ek.pub -s secret -n "$(hexof ak/ak.name)" -o cred >/dev/null 2>&1
got=$("$ATTESTD" ak activate --dir ak --credential cred)
[ "$got" = "$(hexof secret)" ] || fail "activate under $ek gave '$got'"
want="$ek_session Load StartAuthSession StartAuthSession PolicySecret"
[ "$ek" = H-3 ] && want="$want PolicyOR"
want="$want ActivateCredential FlushContext"
[ "$ek" = L-2 ] && want="$want FlushContext"
[ "$(last_commands ak-activate)" = "$want" ] || fail "activate sent '$(last_commands ak-activate)', expected '$want'"
assert_tpm_clean
echo "ok: $alg AK under $ek EK"
