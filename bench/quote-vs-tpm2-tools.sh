#!/bin/bash
# bench/quote-vs-tpm2-tools.sh [N]: wall time of `attestd quote` against the
# tpm2-tools steps it replaces, on the same fresh swtpm in the same run, N
# rounds each (default 20). Run under tests/harness/swtpm-run (meson benchmark
# does that). Prints per-operation milliseconds and ratios.
#
#   cold:    attestd quote from the blobs
#            vs tpm2_startauthsession + tpm2_policysecret + tpm2_load +
#               tpm2_flushcontext (session) + tpm2_quote + tpm2_flushcontext -t
#   context: attestd quote from the saved context
#            vs tpm2_quote -c ak.ctx + tpm2_flushcontext -t
# Both sides quote sha256:0-10 and write the same three files.
set -euo pipefail
n=${1:-20}
: "${ATTESTD:?}" "${ATTEST_TCTI:?run under tests/harness/swtpm-run}"
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
cd "$w"
sel=sha256:0,1,2,3,4,5,6,7,8,9,10

"$ATTESTD" ak create --dir ak >/dev/null
nonce=$(openssl rand -hex 32)

now() { date +%s%N; }
ms() { echo "scale=2; ($2 - $1) / 1000000 / $n" | bc; }

attestd_cold() {
    "$ATTESTD" quote --dir ak --context /nonexistent --nonce "$nonce" --pcrs "$sel" --out q >/dev/null
}
tools_cold() {
    tpm2_startauthsession --policy-session -S s.ctx
    tpm2_policysecret -S s.ctx -c e >/dev/null
    tpm2_load -C 0x81010001 -u ak/ak.pub -r ak/ak.priv -c t.ctx -P session:s.ctx >/dev/null
    tpm2_flushcontext s.ctx
    tpm2_quote -c t.ctx -l "$sel" -q "$nonce" -m t.msg -s t.sig -o t.pcrs -g sha256 >/dev/null
    tpm2_flushcontext -t
}
attestd_ctx() {
    "$ATTESTD" quote --dir ak --nonce "$nonce" --pcrs "$sel" --out q >/dev/null
}
tools_ctx() {
    tpm2_quote -c ak/ak.ctx -l "$sel" -q "$nonce" -m t.msg -s t.sig -o t.pcrs -g sha256 >/dev/null
    tpm2_flushcontext -t
}

# Warm up both (first use of a loaded RSA key: swtpm answers RETRY once).
attestd_cold
tools_cold

run() { # run FUNC: prints ms per call
    local a b
    a=$(now)
    for _ in $(seq "$n"); do "$1"; done
    b=$(now)
    ms "$a" "$b"
}
ac=$(run attestd_cold)
tc=$(run tools_cold)
"$ATTESTD" ak load --dir ak >/dev/null
ax=$(run attestd_ctx)
tx=$(run tools_ctx)
# Both sides produced verifiable quotes.
tpm2_checkquote -u ak/ak.pub -m q/quote.msg -s q/quote.sig -f q/quote.pcrs -g sha256 -q "$nonce" >/dev/null
tpm2_checkquote -u ak/ak.pub -m t.msg -s t.sig -f t.pcrs -g sha256 -q "$nonce" >/dev/null

printf 'quote sha256:0-10 on swtpm, %d rounds each (ms per quote)\n' "$n"
printf '  from blobs:   attestd %8.2f   tpm2-tools (6 processes) %8.2f   ratio tools/attestd %5.2f\n' \
    "$ac" "$tc" "$(echo "scale=4; $tc / $ac" | bc)"
printf '  from context: attestd %8.2f   tpm2-tools (2 processes) %8.2f   ratio tools/attestd %5.2f\n' \
    "$ax" "$tx" "$(echo "scale=4; $tx / $ax" | bc)"
