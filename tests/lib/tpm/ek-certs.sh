#!/bin/bash
# ek-certs.sh: the EK certificate attestd stores is the one tpm2-tools reads,
# and chains to the chip's local CA, for the three templates: L-1 (RSA, at
# 0x01c00002) and H-3 (ECC P-384, 0x01c00016) as swtpm_setup provisions them,
# and L-2 (ECC P-256, 0x01c0000a) provisioned here with swtpm_localca and a
# platform-written NV index, as a manufacturer would.
# shellcheck source=tests/lib/tpm/lib.sh
source "$(dirname "$0")/lib.sh"

cat "$SWTPM_CA_ROOT" "$SWTPM_CA_ISSUER" > chain.pem
# The certificate's public key is the EK's: compare with the key of ek.pub.
same_key() { # same_key DIR
    openssl x509 -inform DER -in "$1/ek.crt" -noout -pubkey > "$1/crt-key.pem"
    tpm2_print -t TPM2B_PUBLIC "$1/ek.pub" -f pem > "$1/ek-key.pem" 2>/dev/null ||
        fail "cannot convert $1/ek.pub"
    cmp -s <(openssl pkey -pubin -in "$1/crt-key.pem" -outform DER) \
        <(openssl pkey -pubin -in "$1/ek-key.pem" -outform DER)
}

check_template() { # check_template TEMPLATE NV_INDEX
    local tpl=$1 nv=$2
    step "EK $tpl, certificate at $nv"
    expect_rc 0 "$ATTESTD" ak create --dir "$tpl" --ek "$tpl"
    grep -q "ek certificate: from NV" <("$ATTESTD" ak create --dir "$tpl.2" --ek "$tpl") ||
        fail "$tpl: certificate not read from NV"
    [ -s "$tpl/ek.crt" ] || fail "$tpl: no ek.crt"
    tools tpm2_nvread "$nv" -o "$tpl/nvread.bin" 2>/dev/null ||
        tools tpm2_nvread -C o "$nv" -o "$tpl/nvread.bin"
    # NV may hold padding after the DER; ours is cut to the certificate.
    len=$(stat -c %s "$tpl/ek.crt")
    cmp -s "$tpl/ek.crt" <(head -c "$len" "$tpl/nvread.bin") || fail "$tpl: ek.crt differs from tpm2_nvread"
    openssl x509 -inform DER -in "$tpl/ek.crt" -noout || fail "$tpl: ek.crt is no DER certificate"
    openssl verify -partial_chain -CAfile chain.pem <(openssl x509 -inform DER -in "$tpl/ek.crt") >/dev/null ||
        fail "$tpl: EK certificate does not chain to the chip's CA"
    same_key "$tpl" || fail "$tpl: the certificate's key is not the EK's"
}

check_template L-1 0x01c00002
# tpm2_getekcertificate reads the RSA EK certificate from the same index.
tools tpm2_getekcertificate -o getek.der >/dev/null 2>&1 || tools tpm2_getekcertificate -o getek.der -o getek2.der
cmp -s L-1/ek.crt <(head -c "$(stat -c %s L-1/ek.crt)" getek.der) || fail "tpm2_getekcertificate disagrees"
check_template H-3 0x01c00016

step "provision an L-2 certificate (swtpm_localca, NV written by the platform)"
expect_rc 0 "$ATTESTD" ak create --dir L-2.bare --ek L-2
[ ! -e L-2.bare/ek.crt ] || fail "L-2: a certificate before provisioning"
tpm2_print -t TPM2B_PUBLIC L-2.bare/ek.pub > l2.txt
x=$(sed -n 's/^x: //p' l2.txt)
y=$(sed -n 's/^y: //p' l2.txt)
{ [ ${#x} = 64 ] && [ ${#y} = 64 ]; } || fail "L-2 EK point: x=$x y=$y"
chip=$(dirname "$(dirname "$SWTPM_CA_ROOT")")
mkdir ca certs
cp -a "$chip/ca/." ca/
printf 'statedir = %s\nsigningkey = %s\nissuercert = %s\ncertserial = %s\n' \
    "$T/ca" "$T/ca/signkey.pem" "$T/ca/issuercert.pem" "$T/ca/certserial" > localca.conf
: > localca.options
swtpm_localca --type ek --ek "x=$x,y=$y,id=secp256r1" --dir certs --vmid l2-test \
    --tpm-spec-family 2.0 --tpm-spec-level 0 --tpm-spec-revision 164 \
    --tpm-manufacturer id:00001014 --tpm-model swtpm --tpm-version id:20191023 --tpm2 \
    --configfile localca.conf --optsfile localca.options --logfile localca.log >/dev/null ||
    { cat localca.log; fail "swtpm_localca"; }
# Padded to 1500 bytes (NV indices are often larger than their certificate):
# two NV_Read calls, and the padding cut at the end of the DER.
{ cat certs/ek.cert; head -c $((1500 - $(stat -c %s certs/ek.cert))) /dev/zero | tr '\0' '\377'; } > nv.bin
tools tpm2_nvdefine -C p 0x01C0000A -s 1500 -a "ppwrite|ppread|ownerread|authread|no_da|platformcreate" >/dev/null
tools tpm2_nvwrite -C p 0x01C0000A -i nv.bin
check_template L-2 0x01c0000a
cmp -s L-2/ek.crt certs/ek.cert || fail "L-2: ek.crt is not the provisioned certificate"
[ "$(last_commands ak-create)" = "ReadPublic CreatePrimary StartAuthSession PolicySecret Create FlushContext NV_ReadPublic NV_Read NV_Read" ] ||
    fail "L-2 certificate read: $(last_commands ak-create)"

step "certificate from a file (PTT/fTPM keep it out of NV)"
openssl x509 -inform DER -in L-1/ek.crt -out ek.pem
expect_rc 0 "$ATTESTD" ak create --dir fromfile --ek-cert ek.pem
cmp -s fromfile/ek.crt L-1/ek.crt || fail "--ek-cert PEM not stored as the same DER"
echo garbage > bad.pem
expect_rc 2 "$ATTESTD" ak create --dir badfile --ek-cert bad.pem
stderr_has "malformed input"
assert_tpm_clean
echo "ok: EK certificates"
