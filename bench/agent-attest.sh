#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench/agent-attest.sh [N]: end-to-end wall time of `attestd attest` (nonce,
# quote, PCRs, event log + IMA list, POST, ES256 verdict check, status files)
# against the equivalent tpm2-tools + curl shell pipeline, on the same swtpm and
# the same attest-verifier on 127.0.0.1, in the same run, N rounds each
# (default 20). Also counts the TPM commands of both (the tools through a
# counting 'cmd' TCTI proxy, attestd through its own counter).
# Run under tests/harness/swtpm-run (meson benchmark does that).
#
# The pipeline does what attestd does, step for step:
#   curl POST /v1/nonces | jq -> tpm2_quote -c ak.ctx (saved AK context, as
#   attestd's fast path) -> tpm2_flushcontext -t -> tpm2_pcrread -> base64 of
#   quote, signature, event log, IMA list -> jq body -> curl POST
#   /v1/attestations -> JWT check with openssl (alg ES256, signature with the
#   pinned key) and jq (eat_nonce, ak_name, exp, status).
set -euo pipefail
n=${1:-20}
: "${ATTESTD:?}" "${VERIFIER:?}" "${ATTEST_TCTI:?run under tests/harness/swtpm-run}"
here=$(cd "$(dirname "$0")" && pwd)
w=$(mktemp -d)
vpid=
cleanup() {
    [ -n "$vpid" ] && kill "$vpid" 2>/dev/null && wait "$vpid" 2>/dev/null
    rm -rf "$w"
}
trap cleanup EXIT
cd "$w"
sel=sha256:0,1,2,3,4,5,6,7,8,9,10

# Verifier on loopback, trusting the chip's EK CA. The exchange is measured, not
# a policy: this machine has none, so the fail-closed default is opted out of.
mkdir ek-roots
cp "$SWTPM_CA_DIR"/*.pem ek-roots/
"$VERIFIER" --listen 127.0.0.1:0 --state-dir vstate --port-file port --ek-roots ek-roots \
    --require-boot-policy false --require-ima-policy false >verifier.log 2>&1 &
vpid=$!
for _ in $(seq 200); do [ -s port ] && break; sleep 0.02; done
url=http://127.0.0.1:$(cat port)
curl -sf "$url/v1/verifier/key" >verifier.pem

# Synthetic boot: an event log and an IMA list extended into the TPM.
python3 - "$w" <<'PY'
import hashlib, struct, subprocess, sys
w = sys.argv[1]
spec = (b"Spec ID Event03\0" + struct.pack("<IBBBB", 0, 0, 2, 0, 2) + struct.pack("<I", 1)
        + struct.pack("<HH", 0x000B, 32) + b"\0")
log = struct.pack("<II", 0, 3) + b"\0" * 20 + struct.pack("<I", len(spec)) + spec
for pcr, data in [(0, b"firmware"), (4, b"loader"), (7, b"\0\0\0\0"), (9, b"initrd")]:
    d = hashlib.sha256(data).digest()
    subprocess.run(["tpm2_pcrextend", f"{pcr}:sha256={d.hex()}"], check=True)
    log += struct.pack("<III", pcr, 1, 1) + struct.pack("<H", 0x000B) + d + struct.pack("<I", len(data)) + data
out = subprocess.run(["tpm2_pcrread", "sha256:0,1,2,3,4,5,6,7,8,9"], check=True,
                     capture_output=True, text=True).stdout
vals = [bytes.fromhex(l.split(":")[1].strip()[2:]) for l in out.splitlines() if l.strip()[0].isdigit()]
ima = b""
for path, fd in [("boot_aggregate", hashlib.sha256(b"".join(vals)).digest())] + \
        [(f"/usr/bin/tool{i}", hashlib.sha256(b"%d" % i).digest()) for i in range(200)]:
    dd = b"sha256:\0" + fd
    nn = path.encode() + b"\0"
    data = struct.pack("<I", len(dd)) + dd + struct.pack("<I", len(nn)) + nn
    ima += (struct.pack("<I", 10) + hashlib.sha1(data).digest() + struct.pack("<I", 6) + b"ima-ng"
            + struct.pack("<I", len(data)) + data)
    subprocess.run(["tpm2_pcrextend", f"10:sha256={hashlib.sha256(data).hexdigest()}"], check=True)
open(f"{w}/eventlog.bin", "wb").write(log)
open(f"{w}/ima.bin", "wb").write(ima)
PY

head -c 16 /dev/urandom | xxd -p >machine-id
cat >attest.conf <<CONF
[verifier]
url = $url
public_key = $w/verifier.pem
allow_http = yes
[tpm]
tcti = $ATTEST_TCTI
[paths]
state_dir = $w/state
run_dir = $w/run
event_log = $w/eventlog.bin
ima_log = $w/ima.bin
machine_id_file = $w/machine-id
CONF
export ATTEST_CONFIG=$w/attest.conf
"$ATTESTD" enroll >/dev/null
"$ATTESTD" boot-prepare >/dev/null
ak=$(xxd -p -c 256 state/ak.name)

now() { date +%s%N; }
ms() { echo "scale=2; ($2 - $1) / 1000000 / $n" | bc; }

agent() {
    "$ATTESTD" attest >/dev/null
}

# JWS ES256 signature (raw r||s, base64url) -> DER, for openssl dgst -verify.
der_int() { # hex -> DER INTEGER hex
    local h=$1
    while [ "${h:0:2}" = 00 ] && [ ${#h} -gt 2 ]; do h=${h:2}; done
    [ $((16#${h:0:2})) -ge 128 ] && h=00$h
    printf '02%02x%s' $((${#h} / 2)) "$h"
}
b64url_to_bin() {
    local s=${1//-/+}
    s=${s//_//}
    while [ $((${#s} % 4)) -ne 0 ]; do s="$s="; done
    base64 -d <<<"$s"
}

tools() {
    local nonce_json nonce nonce_hex reply verdict h p s sig body claims
    nonce_json=$(curl -sf -X POST -H 'Content-Type: application/json' \
        -d "{\"ak_name\":\"$ak\"}" "$url/v1/nonces")
    nonce=$(jq -r .nonce <<<"$nonce_json")
    nonce_hex=$(base64 -d <<<"$nonce" | xxd -p -c 256)
    tpm2_quote -c run/ak.ctx -l "$sel" -q "$nonce_hex" -m t.msg -s t.sig -g sha256 >/dev/null
    tpm2_flushcontext -t
    tpm2_pcrread "$sel" | awk '
        /^ *sha256:/ { next }
        /^ *[0-9]+ *:/ { gsub(/ /, ""); split($0, a, ":"); v = tolower(substr(a[2], 3));
                         printf "%s\"%s\":\"%s\"", (n++ ? "," : ""), a[1], v }
        END { print "" }' | sed 's/^/{"sha256":{/; s/$/}}/' >pcrs.json
    jq -n --arg ak "$ak" --arg nonce "$nonce" --rawfile q <(base64 -w0 t.msg) \
        --rawfile s <(base64 -w0 t.sig) --slurpfile pcrs pcrs.json \
        --rawfile el <(base64 -w0 eventlog.bin) --rawfile ima <(base64 -w0 ima.bin) \
        '{ak_name: $ak, nonce: $nonce, quote: $q, signature: $s, pcr_values: $pcrs[0],
          event_log: $el, ima_log: $ima, ima_from: 0}' >body.json
    reply=$(curl -sf -X POST -H 'Content-Type: application/json' --data-binary @body.json \
        "$url/v1/attestations")
    verdict=$(jq -r .verdict <<<"$reply")
    IFS=. read -r h p s <<<"$verdict"
    [ "$(b64url_to_bin "$h" | jq -r .alg)" = ES256 ] || return 1
    sig=$(b64url_to_bin "$s" | xxd -p -c 256)
    body=$(der_int "${sig:0:64}")$(der_int "${sig:64:64}")
    printf '30%02x%s' $((${#body} / 2)) "$body" | xxd -r -p >jwt.sig
    printf '%s.%s' "$h" "$p" >jwt.data
    openssl dgst -sha256 -verify verifier.pem -signature jwt.sig jwt.data >/dev/null
    claims=$(b64url_to_bin "$p")
    jq -e --arg n "$nonce" --arg ak "$ak" --argjson now "$(date +%s)" \
        '.eat_nonce == $n and .ak_name == $ak and .exp > $now and .status == "affirming"' \
        <<<"$claims" >/dev/null
}

# Warm up; both must pass.
agent
tools

run() {
    local a b
    a=$(now)
    for _ in $(seq "$n"); do "$1"; done
    b=$(now)
    ms "$a" "$b"
}
ta=$(run agent)
tt=$(run tools)

# TPM command counts of one round each.
rm -f agent.cmds tools.cmds
ATTEST_TPM_COMMAND_LOG=$w/agent.cmds "$ATTESTD" attest >/dev/null
port=${ATTEST_TCTI##*port=}
TPM2TOOLS_TCTI="cmd:python3 $here/tpm-count-proxy.py --port $port --log $w/tools.cmds" tools
ca=$(awk '{print $2}' agent.cmds)
rm -f run/ak.ctx
ATTEST_TPM_COMMAND_LOG=$w/agent-cold.cmds "$ATTESTD" attest >/dev/null
cc=$(awk '{print $2}' agent-cold.cmds)
ct=$(wc -l <tools.cmds)

printf 'attest end to end (swtpm, verifier on 127.0.0.1, %s, event log + %d IMA entries), %d rounds each\n' \
    "$sel" 201 "$n"
printf '  attestd attest (fast path)      %8.2f ms   %2d TPM commands: %s\n' "$ta" "$ca" \
    "$(cut -d' ' -f3- agent.cmds)"
printf '  attestd attest (cold path)      %8s      %2d TPM commands: %s\n' "" "$cc" \
    "$(cut -d' ' -f3- agent-cold.cmds)"
printf '  tpm2-tools + curl pipeline      %8.2f ms   %2d TPM commands: %s\n' "$tt" "$ct" \
    "$(tr '\n' ' ' <tools.cmds)"
printf '  ratio pipeline/attestd          %8.2f\n' "$(echo "scale=4; $tt / $ta" | bc)"
