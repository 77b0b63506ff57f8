#!/bin/bash
# interop.sh ALG: tpm2-tools and attestd use each other's files, both ways.
#   - tpm2_load + tpm2_quote accept our AK blobs; tpm2_quote -c takes our saved context
#   - our loader accepts tpm2_createak blobs (and tpm2_createek's ek.pub)
#   - tpm2_checkquote accepts our quote files, and refuses them with another nonce
#   - our quote.pcrs reader accepts tpm2_quote -o (attestd quote's inputs are
#     checked by the unit tests; here a tpm2_quote -o file round-trips)
#   - tpm2_makecredential -T none output activates with attestd ak activate
# shellcheck source=tests/lib/tpm/lib.sh
source "$(dirname "$0")/lib.sh"
alg=$1
case $alg in
rsa) tools_alg=(-G rsa -s rsassa) ;;
ecc) tools_alg=(-G ecc -s ecdsa) ;;
esac

step "tpm2_load + tpm2_quote with our AK blobs"
expect_rc 0 "$ATTESTD" ak create --dir ours --alg "$alg"
tools tpm2_createek -c ek.ctx -G rsa -u tools-ek.pub >/dev/null
cmp -s tools-ek.pub ours/ek.pub || fail "tpm2_createek's EK differs from ours"
tools tpm2_startauthsession --policy-session -S session.ctx
tpm2_policysecret -S session.ctx -c e >/dev/null
tpm2_load -C ek.ctx -u ours/ak.pub -r ours/ak.priv -c ak.ctx -n tools.name -P session:session.ctx >/dev/null ||
    fail "tpm2_load refused our AK blobs"
flush_all
cmp -s tools.name ours/ak.name || fail "tpm2_load computes another AK name than ours"
nonce=$(openssl rand -hex 32)
tools tpm2_quote -c ak.ctx -l sha256:0,1,2,3,4,5,6,7,8,9,10 -q "$nonce" -m tq.msg -s tq.sig -o tq.pcrs -g sha256 >/dev/null ||
    fail "tpm2_quote with our AK failed"
tpm2_checkquote -u ours/ak.pub -m tq.msg -s tq.sig -f tq.pcrs -g sha256 -q "$nonce" >/dev/null ||
    fail "tpm2_checkquote refused tpm2_quote by our AK"

step "tpm2_quote -c with our saved context"
expect_rc 0 "$ATTESTD" ak load --dir ours
tools tpm2_quote -c ours/ak.ctx -l sha256:0,1,2,3,4,5,6,7,8,9,10 -q "$nonce" -m cq.msg -s cq.sig -o cq.pcrs -g sha256 >/dev/null ||
    fail "tpm2_quote refused our saved context"
tpm2_checkquote -u ours/ak.pub -m cq.msg -s cq.sig -f cq.pcrs -g sha256 -q "$nonce" >/dev/null ||
    fail "tpm2_checkquote refused the quote from our context"

step "attestd quote with tpm2_createak blobs"
mkdir theirs
tools tpm2_createak -C ek.ctx -c theirs.ctx "${tools_alg[@]}" -g sha256 -u theirs/ak.pub -r theirs/ak.priv \
    -n theirs/ak.name >/dev/null
rm -f theirs.ctx
cp tools-ek.pub theirs/ek.pub
expect_rc 0 "$ATTESTD" quote --dir theirs --nonce "$nonce" --out q
checkquote theirs q "$nonce" || fail "tpm2_checkquote refused our quote with the tpm2_createak AK"
# tpm2_createak's context works as our --context too.
tools tpm2_load -C ek.ctx -u theirs/ak.pub -r theirs/ak.priv -c theirs/ak.ctx >/dev/null 2>&1 || {
    tools tpm2_startauthsession --policy-session -S s2.ctx
    tpm2_policysecret -S s2.ctx -c e >/dev/null
    tools tpm2_load -C ek.ctx -u theirs/ak.pub -r theirs/ak.priv -c theirs/ak.ctx -P session:s2.ctx >/dev/null
}
expect_rc 0 "$ATTESTD" quote --dir theirs --nonce "$nonce" --out q2
[ "$(last_commands quote-context)" = "ContextLoad Quote PCR_Read PCR_Read FlushContext" ] ||
    fail "tpm2-tools context not used: $(last_commands quote-context)"
checkquote theirs q2 "$nonce" || fail "quote from tpm2-tools context refused"

step "tpm2_checkquote: our quote, right and wrong nonce"
expect_rc 0 "$ATTESTD" quote --dir ours --nonce "$nonce" --out q3 --pcrs sha256:0,1,2,3,4,5,6,7,10
checkquote ours q3 "$nonce" || fail "tpm2_checkquote refused our quote"
if checkquote ours q3 "$(openssl rand -hex 32)" 2>/dev/null; then
    fail "tpm2_checkquote accepted another nonce"
fi
[ "$(attest_nonce q3/quote.msg)" = "$nonce" ] || fail "extraData differs from the nonce"
# Two banks, 19 PCRs: three PCR_Read calls, blocks spanning banks in quote.pcrs.
expect_rc 0 "$ATTESTD" quote --dir ours --nonce "$nonce" --out q4 --pcrs sha1:0-7+sha256:0-10
checkquote ours q4 "$nonce" || fail "tpm2_checkquote refused our two-bank quote"
[ "$(last_commands quote-context)" = "ContextLoad Quote PCR_Read PCR_Read PCR_Read FlushContext" ] ||
    fail "two-bank quote sent '$(last_commands quote-context)'"
# Another AK's public must not verify our signature (independent of the nonce path).
if tpm2_checkquote -u theirs/ak.pub -m q3/quote.msg -s q3/quote.sig -f q3/quote.pcrs -g sha256 \
    -q "$nonce" >/dev/null 2>&1; then
    fail "tpm2_checkquote accepted our quote with another AK's key"
fi

step "tpm2_makecredential -> attestd ak activate"
head -c 32 /dev/urandom > secret
tpm2_makecredential -T none -u ours/ek.pub -s secret -n "$(hexof ours/ak.name)" -o cred >/dev/null
expect_rc 0 "$ATTESTD" ak activate --dir ours --credential cred
got=$("$ATTESTD" ak activate --dir ours --credential cred)
[ "$got" = "$(hexof secret)" ] || fail "activate gave $got, not the secret"
# The activation's AK is authorized by an EK-salted HMAC session with an encrypted response.
case "$(last_commands ak-activate)" in
"ReadPublic StartAuthSession PolicySecret Load StartAuthSession StartAuthSession PolicySecret ActivateCredential FlushContext") ;;
*) fail "activate sent '$(last_commands ak-activate)'" ;;
esac
# A credential for another AK name does not activate.
tpm2_makecredential -T none -u ours/ek.pub -s secret -n "$(hexof theirs/ak.name)" -o cred2 >/dev/null
expect_rc 1 "$ATTESTD" ak activate --dir ours --credential cred2
stderr_has "not made for this AK and EK"
# Nor one made for another EK (chip B's would be the same case: tpm2_createek -G ecc here).
tools tpm2_createek -c ek2.ctx -G ecc -u ek-ecc.pub >/dev/null
tpm2_makecredential -T none -u ek-ecc.pub -s secret -n "$(hexof ours/ak.name)" -o cred3 >/dev/null
expect_rc 1 "$ATTESTD" ak activate --dir ours --credential cred3
# tpm2_createek's ECC EK is our L-2 template's key.
expect_rc 0 "$ATTESTD" ak create --dir l2 --ek L-2 --alg "$alg"
cmp -s ek-ecc.pub l2/ek.pub || fail "tpm2_createek -G ecc differs from our L-2 EK"
assert_tpm_clean
echo "ok: interop $alg"
