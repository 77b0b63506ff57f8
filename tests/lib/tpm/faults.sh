#!/bin/bash
# faults.sh: clear errors and exit codes, never a crash, when the TPM is not
# there, goes away in the middle of an operation, or the files are damaged or
# belong to another TPM (swtpm chip B: another EK, another seed).
# shellcheck source=tests/lib/tpm/lib.sh
source "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)

expect_rc 0 "$ATTESTD" ak create --dir ak
nonce=$(openssl rand -hex 32)
quote() { "$ATTESTD" quote --nonce "$nonce" --out "$T/q" "$@"; }

step "no TPM at the TCTI"
expect_rc 3 quote --dir ak --tcti swtpm:host=127.0.0.1,port=1
stderr_has "no TPM reachable"
expect_rc 3 "$ATTESTD" ak create --dir x --tcti device:/dev/nonexistent-tpm
stderr_has "no TPM reachable"

step "bad arguments"
expect_rc 2 quote --dir ak --pcrs sha384:0
stderr_has "no PCR bank or PCR"
expect_rc 2 quote --dir ak --pcrs sha256:0-24
expect_rc 2 "$ATTESTD" quote --dir ak --nonce xyz --out q
expect_rc 2 "$ATTESTD" quote --dir ak --nonce "$(openssl rand -hex 65)" --out q
expect_rc 2 "$ATTESTD" ak create --dir x --alg dsa
expect_rc 2 "$ATTESTD" ak create --dir x --ek L-9
expect_rc 2 "$ATTESTD" ak frobnicate --dir x
expect_rc 2 "$ATTESTD" ak activate --dir ak
# An existing AK (maybe enrolled) is replaced only on request, with its stale context.
cp -a ak keep
expect_rc 0 "$ATTESTD" ak load --dir keep
expect_rc 2 "$ATTESTD" ak create --dir keep
stderr_has "already holds an AK"
cmp -s ak/ak.pub keep/ak.pub || fail "ak create without --force changed the AK"
expect_rc 0 "$ATTESTD" ak create --dir keep --force
cmp -s ak/ak.pub keep/ak.pub && fail "--force did not replace the AK"
[ ! -e keep/ak.ctx ] || fail "the replaced AK's context is still there"
assert_tpm_clean

step "truncated and damaged blobs"
damage() { # damage NAME FILE: copy ak to NAME with FILE replaced by stdin
    rm -rf "$1"
    cp -a ak "$1"
    cat > "$1/$2"
}
head -c 100 ak/ak.pub | damage bad1 ak.pub
expect_rc 2 quote --dir bad1
stderr_has "malformed input"
head -c 50 ak/ak.priv | damage bad2 ak.priv
expect_rc 2 quote --dir bad2
stderr_has "malformed input"
: | damage bad3 ak.priv
expect_rc 2 quote --dir bad3
(cat ak/ak.pub; echo trailing) | damage bad4 ak.pub
expect_rc 2 quote --dir bad4
# A flipped bit inside the encrypted private part: the TPM's integrity check
# fails under the recorded EK: cleared since, or damaged (what a clear does is
# tested below).
python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[len(b) // 2] ^= 1; sys.stdout.buffer.write(b)' ak/ak.priv |
    damage bad5 ak.priv
expect_rc 4 quote --dir bad5
stderr_has "the file is damaged"
# A flipped bit in the AK's public key: the private blob's integrity covers
# the AK's name, so the same answer.
python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[-20] ^= 1; sys.stdout.buffer.write(b)' ak/ak.pub |
    damage bad6 ak.pub
expect_rc 4 quote --dir bad6
stderr_has "the file is damaged"
rm -f ak/missing
expect_rc 2 quote --dir "$T/nonexistent"
assert_tpm_clean

step "damaged or stale saved context: falls back to the blobs"
expect_rc 0 "$ATTESTD" ak load --dir ak
head -c 40 ak/ak.ctx > ctx.short
expect_rc 0 quote --dir ak --context ctx.short
[ "$(last_commands quote-blobs | cut -d' ' -f1)" = ReadPublic ] || fail "no fallback to the blobs"
checkquote ak q "$nonce" || fail "fallback quote refused"
python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[40] ^= 0xff; sys.stdout.buffer.write(b)' ak/ak.ctx > ctx.bad
expect_rc 0 quote --dir ak --context ctx.bad
checkquote ak q "$nonce" || fail "fallback quote refused"
# The context of another AK (an older one in the same place) is not used.
expect_rc 0 "$ATTESTD" ak create --dir ak2
expect_rc 0 "$ATTESTD" ak load --dir ak2
expect_rc 0 quote --dir ak --context ak2/ak.ctx
checkquote ak q "$nonce" || fail "quote after a stale context is not by the AK of the directory"
assert_tpm_clean

step "blobs and context of chip A on chip B"
cp -a ak akb
rm -f akb/ek.pub
export ATTESTD nonce
# shellcheck disable=SC2016 # expanded by the inner shell
"$SWTPM_RUN" --chip b -- bash -euc '
    cd "$1"
    rc=0; "$ATTESTD" quote --dir ak --nonce "$nonce" --out qb --context /nonexistent 2> err || rc=$?
    [ $rc = 4 ] || { cat err; echo "chip B: quote exit $rc, expected 4"; exit 1; }
    grep -q "does not belong to this TPM" err || { cat err; exit 1; }
    # Without ek.pub the EK cannot be compared: the TPM refuses the blob itself.
    rc=0; "$ATTESTD" quote --dir akb --nonce "$nonce" --out qb --context /nonexistent 2> err || rc=$?
    [ $rc = 4 ] || { cat err; echo "chip B: quote without ek.pub exit $rc, expected 4"; exit 1; }
    grep -q "does not belong to this TPM" err || { cat err; exit 1; }
    # The saved context of chip A: refused by the TPM, then the blobs are refused.
    rc=0; "$ATTESTD" quote --dir ak --nonce "$nonce" --out qb 2> err || rc=$?
    [ $rc = 4 ] || { cat err; echo "chip B: quote from A context exit $rc, expected 4"; exit 1; }
    rc=0; "$ATTESTD" ak load --dir akb 2> err || rc=$?
    [ $rc = 4 ] || { cat err; echo "chip B: ak load exit $rc"; exit 1; }
    [ -z "$(tpm2_getcap handles-loaded-session | grep 0x || true)" ] || { echo "session left"; exit 1; }
' chip-b "$T" || fail "chip B"

step "a PCR changes between Quote and PCR_Read (IMA does this at any time)"
# The proxy extends PCR 10 right after the TPM answers the first Quote: the
# values read no longer hash to the quote's pcrDigest, attestd quotes again.
port=${ATTEST_TCTI##*port=}
expect_rc 0 quote --dir ak --context /nonexistent --tcti "cmd:python3 $here/tpm-proxy.py --port $port --extend-after-quotes 1"
[ "$(last_commands quote-blobs | grep -o Quote | wc -l)" = 2 ] || fail "no second quote: $(last_commands quote-blobs)"
checkquote ak q "$nonce" || fail "the retried quote is refused"
tools tpm2_pcrread sha256:10 -o pcr10.now >/dev/null
python3 - q/quote.pcrs pcr10.now <<'PY' || fail "quote.pcrs does not hold the extended PCR 10"
import sys
f, now = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
# sha256:0-10 -> block 2 holds PCRs 8, 9, 10; PCR 10 is its third digest.
off = 136 + 532 + 4 + 66 * 2
sys.exit(0 if f[off + 2: off + 34] == now else 1)
PY
# PCR 10 moving after every quote: bounded (3 attempts), then a clear error.
expect_rc 1 quote --dir ak --context /nonexistent --tcti "cmd:python3 $here/tpm-proxy.py --port $port --extend-after-quotes 3"
stderr_has "PCRs kept changing"
[ "$(last_commands quote-blobs | grep -o Quote | wc -l)" = 3 ] || fail "not 3 quotes: $(last_commands quote-blobs)"
assert_tpm_clean

step "TPM cleared (TPM2_Clear), then a new EPS (TPM2_ChangeEPS)"
# shellcheck disable=SC2016 # expanded by the inner shell
"$SWTPM_RUN" -- bash -euc '
    cd "$1"
    "$ATTESTD" ak create --dir cl > /dev/null
    "$ATTESTD" ak load --dir cl > /dev/null
    tpm2_clear -c p
    # The context and the blobs no longer load; the EK (same EPS) is still the recorded one.
    rc=0; "$ATTESTD" quote --dir cl --nonce 00 --out qc 2> err || rc=$?
    [ $rc = 4 ] || { cat err; echo "after clear: exit $rc, expected 4"; exit 1; }
    grep -q "cleared" err || { cat err; exit 1; }
    tpm2_changeeps
    rc=0; "$ATTESTD" quote --dir cl --nonce 00 --out qc 2> err || rc=$?
    [ $rc = 4 ] || { cat err; echo "after changeeps: exit $rc, expected 4"; exit 1; }
    grep -q "does not belong to this TPM" err || { cat err; exit 1; }
' cleared "$T" || fail "TPM cleared"

step "TPM in dictionary-attack lockout"
# shellcheck disable=SC2016 # expanded by the inner shell
"$SWTPM_RUN" -- bash -euc '
    cd "$1"
    "$ATTESTD" ak create --dir lk > /dev/null
    tpm2_dictionarylockout -s -n 1 -t 600 -l 600 > /dev/null
    tpm2_createprimary -C o -p right -c p.ctx > /dev/null
    tpm2_create -C p.ctx -P wrong -u x.pub -r x.priv > /dev/null 2>&1 && exit 1
    tpm2_flushcontext -t
    rc=0; "$ATTESTD" quote --dir lk --nonce 00 --out ql 2> err || rc=$?
    [ $rc = 5 ] || { cat err; echo "lockout: exit $rc, expected 5"; exit 1; }
    grep -q "lockout" err || { cat err; exit 1; }
' lockout "$T" || fail "lockout"

step "TPM killed in the middle of an operation"
# Through a proxy TCTI that kills swtpm after N commands: a fresh chip A each time.
killed() { # killed N LABEL ATTESTD-ARGS...: swtpm dies after N commands
    local n=$1 label=$2
    shift 2
    # shellcheck disable=SC2016 # expanded by the inner shell
    "$SWTPM_RUN" -- bash -euc '
        port=${ATTEST_TCTI##*port=}
        tcti="cmd:python3 $1 --port $port --kill-after $2 --kill-pid $SWTPM_PID"
        shift 2
        cd "$T"
        rc=0; "$ATTESTD" "$@" --tcti "$tcti" 2> err.killed || rc=$?
        cat err.killed >&2
        [ $rc = 3 ] || { echo "exit $rc, expected 3 (no TPM)"; exit 1; }
        grep -q "no TPM reachable" err.killed
    ' killed "$here/tpm-proxy.py" "$n" "$@" || fail "$label with the TPM killed after $n commands"
}
export T
killed 4 "quote (before Quote)" quote --dir ak --nonce "$nonce" --out "$T/qk" --context /nonexistent
killed 5 "quote (before PCR_Read)" quote --dir ak --nonce "$nonce" --out "$T/qk" --context /nonexistent
killed 2 "ak create (before PolicySecret)" ak create --dir "$T/akk"
head -c 32 /dev/urandom > secret
tpm2_makecredential -T none -u ak/ek.pub -s secret -n "$(hexof ak/ak.name)" -o cred >/dev/null
killed 7 "ak activate (before ActivateCredential)" ak activate --dir ak --credential "$T/cred"
# The harness's own swtpm last: gone before the command starts.
kill "$SWTPM_PID"
sleep 0.2
expect_rc 3 quote --dir ak
stderr_has "no TPM reachable"
echo "ok: faults"
