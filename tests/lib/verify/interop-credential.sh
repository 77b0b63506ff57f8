#!/bin/bash
# Interop (run under tests/harness/swtpm-run): our software MakeCredential against
# swtpm's ActivateCredential through tpm2-tools, for the RSA L-1 EK (0x81010001),
# the ECC P-384 H-3 EK (0x81010016) and a transient ECC P-256 L-2 EK.
#  - `attestctl credential make` output activates with tpm2_activatecredential;
#  - a blob made for AK X does not activate with AK Y;
#  - a blob made for chip A's EK does not activate on chip B;
#  - the file layout is tpm2_makecredential's: both tools' outputs have the same
#    header and structure sizes, and both activate.
set -euo pipefail
B=${ATTEST_BUILD_ROOT:?}
A=$B/attestctl/attestctl
VT=$B/tests/lib/verify/verify-tool
W=$(mktemp -d "$SWTPM_DIR/cred.XXXXXX")
cd "$W"

ft() { tpm2_flushcontext -t >/dev/null; tpm2_flushcontext -s >/dev/null 2>&1 || true; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# policy session satisfying an EK's PolicySecret(ENDORSEMENT) (L templates)
ek_session() {
    tpm2_startauthsession --policy-session -S "$1" -g "${2:-sha256}" >/dev/null
    tpm2_policysecret -S "$1" -c e >/dev/null
}

# make_ak EK_HANDLE_OR_CTX PREFIX ALG: AK under the EK (blobs PREFIX.pub/.priv)
make_ak() {
    tpm2_createak -C "$1" -c "$2.ctx" -G "$3" -g sha256 -s "$4" -u "$2.pub" -r "$2.priv" -n "$2.name" >/dev/null
    ft
    # tpm2-tools' name equals ours
    [ "$($VT name "$2.pub")" = "$(xxd -p -c 256 "$2.name")" ] || fail "AK name differs from tpm2_createak's"
}

# activate EK AKPREFIX CREDFILE OUT [session-needed]
activate() {
    local ek=$1 ak=$2 cred=$3 out=$4 auth=()
    if [ "${5:-}" = policy ]; then
        ek_session load.ctx
        tpm2_load -C "$ek" -u "$ak.pub" -r "$ak.priv" -c "$ak.ctx" -P session:load.ctx >/dev/null
        tpm2_flushcontext load.ctx; ft
        ek_session act.ctx
        auth=(-P session:act.ctx)
    else
        tpm2_load -C "$ek" -u "$ak.pub" -r "$ak.priv" -c "$ak.ctx" >/dev/null; ft
    fi
    local rc=0
    tpm2_activatecredential -c "$ak.ctx" -C "$ek" -i "$cred" -o "$out" "${auth[@]}" >/dev/null 2>act.err || rc=$?
    [ "${5:-}" = policy ] && tpm2_flushcontext act.ctx
    ft
    return $rc
}

secret=$(head -c 32 /dev/urandom | xxd -p -c 64)

check_ek() {  # EK_HANDLE EKPUB AUTHMODE LABEL
    local ek=$1 ekpub=$2 mode=$3 label=$4
    make_ak "$ek" akx ecc ecdsa
    make_ak "$ek" aky rsa rsassa

    $A credential make --ek-public "$ekpub" --ak-public akx.pub --secret "$secret" --out cx.out
    activate "$ek" akx cx.out got.bin "$mode" || fail "$label: our blob does not activate ($(cat act.err))"
    [ "$(xxd -p -c 64 got.bin)" = "$secret" ] || fail "$label: activated secret differs"
    echo "ok: $label: attestctl credential make -> tpm2_activatecredential recovers the secret"

    if activate "$ek" aky cx.out got2.bin "$mode"; then fail "$label: blob for AK X activated with AK Y"; fi
    # refused by the outer HMAC over the AK name, not by anything else
    grep -qiE 'integrity' act.err || fail "$label: AK Y refused for another reason: $(cat act.err)"
    echo "ok: $label: blob for AK X does not activate with AK Y"

    # byte layout of tpm2_makecredential -T none
    printf '%s' "$secret" | xxd -r -p > secret.bin
    tpm2_makecredential -T none -u "$ekpub" -s secret.bin -n "$(xxd -p -c 256 akx.name)" -o tools.out >/dev/null 2>&1 \
        || fail "$label: tpm2_makecredential -T none failed"
    [ "$(head -c 8 tools.out | xxd -p)" = "$(head -c 8 cx.out | xxd -p)" ] || fail "$label: header differs from tpm2_makecredential"
    [ "$(stat -c %s tools.out)" = "$(stat -c %s cx.out)" ] || fail "$label: size $(stat -c %s cx.out) differs from tpm2_makecredential's $(stat -c %s tools.out)"
    [ "$(head -c 10 tools.out | xxd -p)" = "$(head -c 10 cx.out | xxd -p)" ] || fail "$label: TPM2B_ID_OBJECT size differs"
    activate "$ek" akx tools.out got3.bin "$mode" || fail "$label: tpm2_makecredential's blob does not activate"
    [ "$(xxd -p -c 64 got3.bin)" = "$secret" ] || fail "$label: tools blob secret differs"
    echo "ok: $label: same layout as tpm2_makecredential -T none, both activate"
    cp cx.out "cred-$label.out"
    cp akx.pub "akx-$label.pub"; cp akx.priv "akx-$label.priv"
}

# RSA L-1 persistent EK (PolicySecret(ENDORSEMENT) auth)
tpm2_readpublic -c 0x81010001 -o ek-rsa.pub >/dev/null
check_ek 0x81010001 ek-rsa.pub policy rsa-l1

# ECC P-384 H-3 persistent EK (swtpm sets userWithAuth on it)
tpm2_readpublic -c 0x81010016 -o ek-h3.pub >/dev/null
check_ek 0x81010016 ek-h3.pub password ecc-h3

# ECC P-256 L-2 EK, created from the template (transient: persisted for the test)
tpm2_createek -c 0x81010020 -G ecc -u ek-l2.pub >/dev/null; ft
check_ek 0x81010020 ek-l2.pub policy ecc-l2
tpm2_evictcontrol -C o -c 0x81010020 >/dev/null

# Chip B: the same AK blobs cannot even load there, and chip A's credential does
# not activate under chip B's EK with chip B's own AK.
cat > chip-b.sh <<'EOS'
set -euo pipefail
ft() { tpm2_flushcontext -t >/dev/null; tpm2_flushcontext -s >/dev/null 2>&1 || true; }
tpm2_createak -C 0x81010016 -c b.ctx -G ecc -g sha256 -s ecdsa -u b.pub -r b.priv >/dev/null; ft
tpm2_load -C 0x81010016 -u b.pub -r b.priv -c b.ctx >/dev/null; ft
if tpm2_activatecredential -c b.ctx -C 0x81010016 -i cred-ecc-h3.out -o b.got >/dev/null 2>b.err; then
    ft; echo "FAIL: chip A's credential activated on chip B" >&2; exit 1
fi
ft
grep -qi integrity b.err || { echo "FAIL: chip B refused for another reason: $(cat b.err)" >&2; exit 1; }
# and chip A's AK blob does not load under chip B's EK
if tpm2_load -C 0x81010016 -u akx-ecc-h3.pub -r akx-ecc-h3.priv -c a.ctx >/dev/null 2>&1; then
    ft; echo "FAIL: chip A's AK loaded on chip B" >&2; exit 1
fi
ft
echo "ok: chip B refuses chip A's credential and AK"
EOS
"$SWTPM_RUN" --chip b -- bash chip-b.sh
