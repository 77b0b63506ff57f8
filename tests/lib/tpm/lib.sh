# shellcheck shell=bash
# Shared helpers of the tests/lib/tpm shell tests. Each test runs under
# tests/harness/swtpm-run (ATTEST_TCTI, TPM2TOOLS_TCTI, SWTPM_* set) and gets
# ATTESTD (the binary) from meson. Source it, then call the helpers.
set -euo pipefail

: "${ATTESTD:?ATTESTD must name the attestd binary}"
: "${ATTEST_TCTI:?run under tests/harness/swtpm-run}"

T=$(mktemp -d "${TMPDIR:-/tmp}/tpm-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T"
export ATTEST_TPM_COMMAND_LOG=$T/commands.log

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

step() {
    echo "--- $*"
}

# expect_rc WANT CMD...: run CMD, require exit code WANT; its stderr is kept in $T/stderr.
expect_rc() {
    local want=$1 rc=0
    shift
    "$@" 2> "$T/stderr" || rc=$?
    if [ "$rc" != "$want" ]; then
        cat "$T/stderr" >&2
        fail "'$*' exited $rc, expected $want"
    fi
}

# stderr_has TEXT: the last expect_rc's stderr contains TEXT.
stderr_has() {
    grep -qF -- "$1" "$T/stderr" || { cat "$T/stderr" >&2; fail "stderr lacks '$1'"; }
}

# last_commands LABEL: the command list of the last log line with LABEL (without retries).
last_commands() {
    grep "^$1 " "$ATTEST_TPM_COMMAND_LOG" | tail -n 1 | cut -d' ' -f3- | sed 's/ retried:[^ ]*//g'
}

last_count() {
    grep "^$1 " "$ATTEST_TPM_COMMAND_LOG" | tail -n 1 | cut -d' ' -f2
}

# Over a raw swtpm (3 transient slots, no resource manager) every tpm2-tools
# call must leave nothing loaded.
flush_all() {
    tpm2_flushcontext -t >/dev/null 2>&1 || true
    tpm2_flushcontext -s >/dev/null 2>&1 || true
}

# tools CMD...: run a tpm2-tools command, then flush the transient objects it
# left (saved sessions stay: a later tool may use them).
tools() {
    local rc=0
    "$@" || rc=$?
    tpm2_flushcontext -t >/dev/null 2>&1 || true
    return $rc
}

hexof() {
    xxd -p -c 1000 "$1"
}

# No session or transient object left in the TPM (swtpm-run checks transients too).
assert_tpm_clean() {
    local n
    n=$(tpm2_getcap handles-loaded-session | grep -c 0x || true)
    [ "$n" = 0 ] || fail "$n session(s) left loaded in the TPM"
    n=$(tpm2_getcap handles-transient | grep -c 0x || true)
    [ "$n" = 0 ] || fail "$n transient object(s) left in the TPM"
}

# The nonce inside a quote.msg (TPMS_ATTEST extraData), as hex.
attest_nonce() {
    tpm2_print -t TPMS_ATTEST "$1" | sed -n 's/^extraData: *//p' | tr 'A-F' 'a-f' | sed 's/^0x//'
}

# checkquote DIR QDIR NONCE: tpm2_checkquote accepts the quote files of QDIR
# made with the AK of DIR. Accepting only: tpm2_checkquote 5.4 also accepts a
# zeroed magic (CVE-2024-29038), so refusals are checked independently.
checkquote() {
    tpm2_checkquote -u "$1/ak.pub" -m "$2/quote.msg" -s "$2/quote.sig" -f "$2/quote.pcrs" \
        -g sha256 -q "$3" >/dev/null
}
