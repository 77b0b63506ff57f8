# shellcheck shell=bash
# The boot lab: shared by tests/boot/boot-test (meson suite 'boot') and scripts/demo.
# Source it with ATTEST_SOURCE_ROOT and ATTEST_BUILD_ROOT set. docs/boot-test.md
# describes the lab: what is cached where, how a boot runs, what the guest reports.
#
# Layout under $ATTEST_BUILD_ROOT/boot-lab ($LAB):
#   ../kernel/     Debian kernel package unpacked (tests/harness/fetch-kernel)      cached
#   rootfs-base/   debootstrap minbase tree (tests/harness/boot-rootfs base)        cached
#   fixture/       per build: verifier state after enrollment + policies, the
#                  image (root.ext4 + tree), initramfs, golden boot       keyed by content
#   runs/NAME/     one directory per boot: console.log, results.log, report/
#   chips/         manufactured TPMs (tests/harness/boot-chip): boot-a is the enrolled
#                  machine's chip, boot-b another chip for the hardware swap     cached

: "${ATTEST_SOURCE_ROOT:?}" "${ATTEST_BUILD_ROOT:?}"
SRC=$(readlink -f "$ATTEST_SOURCE_ROOT")
BLD=$(readlink -f "$ATTEST_BUILD_ROOT")
LAB=${ATTEST_BOOT_LAB:-$BLD/boot-lab}
FIX=$LAB/fixture
LIB=$SRC/tests/harness
LAB_T0=${LAB_T0:-$(date +%s.%N)}
LAB_PIDS=()
# The guest's machine id (boot-rootfs writes it into the image).
LAB_MACHINE_ID=0123456789abcdef0123456789abcdef
# Root on the read-only image with a tmpfs upper layer (tests/boot/dracut/95attest-lab).
LAB_ROOT_ARGS="root=overlay rootfstype=overlay rootflags=lowerdir=/run/attest-lab/lower,upperdir=/run/attest-lab/cow/upper,workdir=/run/attest-lab/cow/work rw"
LAB_CMDLINE="console=ttyS0 ima_policy=tcb panic=-1 $LAB_ROOT_ARGS"
# Every boot is bounded; a stuck guest fails its scenario, never the whole suite.
LAB_BOOT_TIMEOUT=${ATTEST_BOOT_TIMEOUT:-300}

lab_elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$(date +%s.%N)"; }
lab_log() { printf '[boot %6ss] %s\n' "$(lab_elapsed "$LAB_T0")" "$*" >&2; }
lab_die() { lab_log "FAIL: $*"; exit 1; }

lab_cleanup() {
    local p
    for p in "${LAB_PIDS[@]}"; do
        kill "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    LAB_PIDS=()
}

# ---------------------------------------------------------------- prerequisites
lab_require() {
    local t missing=()
    for t in qemu-system-x86_64 swtpm swtpm_setup socat debootstrap mkfs.ext4 dracut python3 \
        tpm2_eventlog curl sqlite3; do
        command -v "$t" >/dev/null || missing+=("$t")
    done
    [ -r /usr/share/OVMF/OVMF_CODE_4M.fd ] || missing+=(ovmf)
    if [ ${#missing[@]} -gt 0 ]; then
        echo "boot lab: missing ${missing[*]} (scripts/bootstrap installs them)" >&2
        [ -n "${CI:-}" ] && exit 1
        exit 77
    fi
    [ "$(id -u)" = 0 ] || { echo "boot lab: needs root (debootstrap, mkfs.ext4 -d of a root tree)" >&2; [ -n "${CI:-}" ] && exit 1; exit 77; }
}

lab_kernel() {  # sets KVER, KERNEL
    # The build tree's kernel, shared with the other QEMU tests (fetch-kernel locks it).
    KVER=$("$LIB/fetch-kernel" "$BLD/kernel")
    KERNEL=$BLD/kernel/boot/vmlinuz-$KVER
    [ -r "$KERNEL" ] || lab_die "no kernel at $KERNEL"
}

lab_accel() {  # exports ATTEST_BOOT_ACCEL: kvm only when a probe boot shows it works here
    [ -n "${ATTEST_BOOT_ACCEL:-}" ] && return 0
    if [ ! -s "$LAB/accel" ]; then
        if [ -w /dev/kvm ]; then
            "$LIB/boot-qemu" --probe-kvm --kernel "$KERNEL" --out "$LAB/kvm-probe" > "$LAB/accel"
        else
            echo tcg > "$LAB/accel"
        fi
    fi
    ATTEST_BOOT_ACCEL=$(cat "$LAB/accel")
    export ATTEST_BOOT_ACCEL
}

lab_chip() {  # $1 = chip name: manufactured once per build tree (tests/harness/boot-chip)
    "$LIB/boot-chip" "$LAB/chips/$1" || lab_die "manufacturing chip $1 failed"
}

# A machine = a copy of a manufactured chip that keeps its state across the machine's boots.
lab_machine() {  # $1 = dir, $2 = chip name
    local chip
    chip=$(lab_chip "$2")
    rm -rf "$1"
    mkdir -p "$1"
    cp -a "$chip/state" "$1/tpm"
}

# ---------------------------------------------------------------- verifier
# lab_verifier_start STATE_DIR: attest-verifier on 127.0.0.1 (port chosen by the kernel);
# sets VERIFIER_PID, VERIFIER_PORT, VERIFIER_URL.
lab_verifier_start() {
    local state=$1
    mkdir -p "$state"
    rm -f "$state/port"
    "$BLD/verifier/attest-verifier" --listen 127.0.0.1:0 --state-dir "$state" \
        --port-file "$state/port" --ek-roots "$state/ek-roots" --enrollment-mode auto \
        > "$state/verifier.log" 2>&1 &
    VERIFIER_PID=$!
    LAB_PIDS+=("$VERIFIER_PID")
    for _ in $(seq 200); do
        [ -s "$state/port" ] && break
        kill -0 "$VERIFIER_PID" 2>/dev/null || { cat "$state/verifier.log" >&2; lab_die "attest-verifier exited"; }
        sleep 0.05
    done
    [ -s "$state/port" ] || lab_die "attest-verifier did not report its port"
    VERIFIER_PORT=$(cat "$state/port")
    VERIFIER_URL=http://127.0.0.1:$VERIFIER_PORT
    VERIFIER_STATE=$state
}

lab_verifier_stop() {
    [ -n "${VERIFIER_PID:-}" ] || return 0
    kill "$VERIFIER_PID" 2>/dev/null || true
    wait "$VERIFIER_PID" 2>/dev/null || true
    VERIFIER_PID=
}

lab_admin() {  # lab_admin METHOD PATH [BODY_FILE]: the verifier's admin API (bearer token from its state)
    local token
    token=$(cat "$VERIFIER_STATE/admin-token")
    curl -sS --fail-with-body -X "$1" -H "Authorization: Bearer $token" \
        -H 'Content-Type: application/json' ${3:+--data-binary "@$3"} "$VERIFIER_URL$2"
}

# ---------------------------------------------------------------- boots
lab_payload() {  # $1 = payload dir (files/ is unpacked over the guest's root), $2 = disk image
    mkdir -p "$1/files"
    rm -f "$2"
    # A raw tar archive (a multiple of 512 bytes, as a disk must be).
    tar -cf "$2" -C "$1/files" . || lab_die "payload image"
}

# lab_boot NAME MACHINE_DIR [--append WORDS] [--payload DIR] [--initrd FILE] [--port PORT]
# Boots the fixture's image on MACHINE_DIR's chip; the report lands in $LAB/runs/NAME/report.
# Sets RUN (the run dir) and BOOT_WALL (seconds). Returns QEMU's status (124: timeout).
lab_boot() {
    local name=$1 machine=$2 append="" payload="" initrd=$FIX/initrd.img port="" rc
    shift 2
    while [ $# -gt 0 ]; do
        case "$1" in
            --append) append=$2; shift 2 ;;
            --payload) payload=$2; shift 2 ;;
            --initrd) initrd=$2; shift 2 ;;
            --port) port=$2; shift 2 ;;
            *) lab_die "lab_boot: unknown option $1" ;;
        esac
    done
    RUN=$LAB/runs/$name
    rm -rf "$RUN"
    mkdir -p "$RUN"
    [ -n "$payload" ] || { payload=$RUN/payload; mkdir -p "$payload/files"; }
    lab_payload "$payload" "$RUN/payload.tar"
    lab_log "$name: booting (${ATTEST_BOOT_ACCEL:-tcg}, chip $(basename "$machine"), logs in $RUN)"
    set +e
    "$LIB/boot-qemu" --state "$machine/tpm" --kernel "$KERNEL" --initrd "$initrd" \
        --disk "$FIX/root.ext4" --payload "$RUN/payload.tar" \
        --append "$LAB_CMDLINE${append:+ $append}" ${port:+--verifier-port "$port"} \
        --timeout "$LAB_BOOT_TIMEOUT" --out "$RUN"
    rc=$?
    set -e
    BOOT_WALL=$(cat "$RUN/wall.txt" 2>/dev/null || echo "?")
    "$LIB/boot-report" "$RUN/results.log" "$RUN/report" || true
    lab_log "$name: guest finished in ${BOOT_WALL}s (qemu status $rc)"
    return $rc
}

# lab_get KEY: a value of the last boot's report ("" when absent)
lab_get() {
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], ""))' \
        "$RUN/report/report.json" "$1"
}

# ---------------------------------------------------------------- the project's parts
# Which parts of the chain exist in this build: the suite says exactly what is missing
# instead of passing without it.
lab_has_command() {  # $1 = program, $2 = command
    [ -x "$1" ] && "$1" --help 2>/dev/null | grep -q "^  $2 "
}

# shellcheck disable=SC2120 # the image tree is optional
lab_missing_parts() {  # prints one line per missing part of the chain ($1: image tree)
    local tree=${1:-}
    lab_has_command "$BLD/attestd/attestd" enroll || echo "attestd enroll (agent)"
    lab_has_command "$BLD/attestd/attestd" attest || echo "attestd attest (agent)"
    lab_has_command "$BLD/attestd/attestd" watch || echo "attestd watch (agent)"
    lab_has_command "$BLD/attestd/attestd" boot-prepare || echo "attestd boot-prepare (agent)"
    [ -x "$BLD/verifier/attest-verifier" ] || echo "attest-verifier (verifier)"
    [ -x "$BLD/generator/attest-generator" ] || echo "generator/attest-generator (generator, units)"
    [ -f "$BLD/unit/attest.service" ] || echo "unit/attest.service (generator, units)"
    [ -f "$BLD/unit/benchmark.service" ] || echo "unit/benchmark.service sample (generator, units)"
    [ ! -s "$FIX/missing" ] || cat "$FIX/missing"
    if [ -n "$tree" ]; then
        [ -d "$tree/usr/lib/dracut/modules.d/90attest" ] || echo "dracut module 90attest (dracut)"
    fi
}

# ---------------------------------------------------------------- the fixture
# Everything the scenarios share, built once per content: a change to the agent
# package, to any installed file of the build (the host side: enrollment, verifier,
# attestctl), to the lab or to the kernel builds it again.
lab_fixture_key() {
    {
        echo "kernel $KVER"
        sha256sum "$LAB_DEBS"/tpm-attest-agent_*.deb
        meson introspect "$BLD" --installed 2>/dev/null | python3 -c '
import json, sys
for src in sorted(json.load(sys.stdin)):
    print(src)' | while read -r f; do
            if [ -d "$f" ]; then find "$f" -type f -print0 | sort -z | xargs -0 -r sha256sum
            elif [ -e "$f" ]; then sha256sum "$f"; fi
        done
        find "$SRC/tests/boot/image" "$SRC/tests/boot/dracut" "$SRC/tests/boot/lab.sh" "$LIB" -type f -print0 |
            sort -z | xargs -0 sha256sum
    } | sha256sum | cut -c1-16
}

lab_ek_roots() {  # $1 = dir: the manufacturer roots the verifier trusts (both chips' CAs)
    local c
    mkdir -p "$1"
    for c in boot-a boot-b; do
        cp "$LAB/chips/$c/ca/root.pem" "$1/$c-root.pem"
        cp "$LAB/chips/$c/ca/intermediate.pem" "$1/$c-intermediate.pem"
    done
}

# The guest's agent configuration (docs/attest.conf.5). The verifier is reached at
# 10.0.2.100 (QEMU's guestfwd, relayed to 127.0.0.1); retries are bounded short so a
# verifier that is down fails the gate within the scenario's time.
lab_guest_config() {  # $1 = file, $2 = the guest's configuration directory
    cat > "$1" <<CONF
# Boot lab guest (tests/boot/lab.sh)
[verifier]
url = http://10.0.2.100
allow_http = yes
public_key = $2/verifier.pem

[gate]
units = benchmark.service

[attest]
connect_timeout = 3s
request_timeout = 20s
retry_initial = 1s
retry_max = 4s
retry_total = ${ATTEST_LAB_RETRY_TOTAL:-20s}
interval = ${ATTEST_LAB_INTERVAL:-10s}
grace = 30s
CONF
}

lab_fixture() {
    lab_require
    mkdir -p "$LAB"
    lab_kernel
    lab_accel
    # The guest gets the agent as a runner does: its Debian package (built once per source).
    LAB_DEBS=$("$LIB/package-debs" "$SRC" "$BLD") || lab_die "building the packages failed"
    (
        flock 8
        local key
        "$LIB/boot-rootfs" base "$LAB" > /dev/null
        lab_chip boot-a > /dev/null
        lab_chip boot-b > /dev/null
        key=$(lab_fixture_key)
        if [ "$(cat "$FIX/.done" 2>/dev/null)" = "$key" ]; then
            lab_log "fixture up to date ($FIX)"
            exit 0
        fi
        lab_fixture_build
        echo "$key" > "$FIX/.done"
    ) 8> "$LAB/.fixture.lock" || exit 1
}

# The packaged agent's paths (prefix /usr, debian/rules), where the guest's attestd
# and dracut module look: the AK blobs and the configuration go there.
lab_build_path() {  # $1 = ATTEST_SYSCONFDIR | ATTEST_STATEDIR | ATTEST_RUNDIR
    case $1 in
        ATTEST_SYSCONFDIR) echo /etc/attest ;;
        ATTEST_STATEDIR) echo /var/lib/attest ;;
        ATTEST_RUNDIR) echo /run/attest ;;
        *) lab_die "lab_build_path: unknown $1" ;;
    esac
}

lab_fixture_build() {
    local t0 missing extra=$FIX/extra units initrd_mods=() statedir confdir
    trap lab_cleanup EXIT
    statedir=$(lab_build_path ATTEST_STATEDIR)
    confdir=$(lab_build_path ATTEST_SYSCONFDIR)
    rm -rf "$FIX"
    mkdir -p "$extra$confdir" "$extra$statedir" "$extra/etc/systemd/system"
    missing=$(lab_missing_parts)
    [ -z "$missing" ] || lab_log "parts missing in this build (their scenarios cannot run): $(echo "$missing" | paste -sd, -)"

    # 1. Enrollment, on the host against the same chip (a copy of boot-a: the AK blobs
    #    are bound to the chip's endorsement seed and load on every copy of it).
    mkdir -p "$FIX/verifier"
    lab_ek_roots "$FIX/verifier/ek-roots"
    if ! grep -q 'attestd enroll\|attest-verifier' <<< "$missing"; then
        t0=$(date +%s.%N)
        lab_verifier_start "$FIX/verifier"
        curl -sS --fail "$VERIFIER_URL/v1/verifier/key" > "$extra$confdir/verifier.pem" ||
            lab_die "cannot fetch the verifier's key"
        cat > "$FIX/host.conf" <<CONF
[verifier]
url = $VERIFIER_URL
allow_http = yes
public_key = $extra$confdir/verifier.pem
[paths]
state_dir = $extra$statedir
run_dir = $FIX/host-run
machine_id_file = $FIX/machine-id
CONF
        echo "$LAB_MACHINE_ID" > "$FIX/machine-id"
        # swtpm-run serves a copy of the lab's chip (same layout as its own cache).
        if ATTEST_SWTPM_CACHE=$LAB/chips "$LIB/swtpm-run" --chip boot-a -- "$BLD/attestd/attestd" enroll --config "$FIX/host.conf" \
            > "$FIX/enroll.log" 2>&1; then
            lab_log "fixture: chip boot-a enrolled on the host ($(lab_elapsed "$t0")s): $(tail -n1 "$FIX/enroll.log")"
        elif grep -q 'HTTP 404' "$FIX/enroll.log"; then
            # The verifier of this build has no enrollment API yet: a missing part.
            echo "verifier enrollment API ($(tail -n1 "$FIX/enroll.log"))" >> "$FIX/missing"
            rm -f "$extra$confdir/verifier.pem"
        else
            cat "$FIX/enroll.log" >&2
            lab_die "enrollment of chip boot-a failed"
        fi
        lab_verifier_stop
    fi

    # 2. The image: debootstrap base + the agent package (apt-get install) + the lab's files.
    t0=$(date +%s.%N)
    lab_guest_config "$extra$confdir/attest.conf" "$confdir"
    units=(attest-lab-report.service attest-lab-early.service attest-lab-late.service
        systemd-networkd.service systemd-networkd-wait-online.service)
    [ -f "$BLD/unit/attestd.service" ] && units+=(attestd.service)
    if [ -f "$BLD/unit/benchmark.service" ]; then
        cp "$BLD/unit/benchmark.service" "$extra/etc/systemd/system/benchmark.service"
        units+=(benchmark.service)
    fi
    local args=(--extra "$SRC/tests/boot/image" --extra "$extra") u
    for u in "${units[@]}"; do args+=(--enable "$u"); done
    "$LIB/boot-rootfs" image "$LAB" "$LAB_DEBS" "$FIX/root.ext4" "${args[@]}" > /dev/null ||
        lab_die "the image build failed"
    [ -d "$FIX/root.ext4.tree/usr/lib/dracut/modules.d/90attest" ] && initrd_mods=(--add attest)
    # 90attest looks for its sources on the host's paths (it ignores dracut's
    # --sysroot); its test hooks point it at the guest's tree instead.
    ATTEST_DRACUT_CONFDIR=$FIX/root.ext4.tree$confdir ATTEST_DRACUT_STATEDIR=$FIX/root.ext4.tree$statedir \
    "$LIB/boot-initrd" --kernel-dir "$BLD/kernel" --sysroot "$FIX/root.ext4.tree" --out "$FIX/initrd.img" \
        --moddir "$SRC/tests/boot/dracut/95attest-lab" --add attest-lab "${initrd_mods[@]}" > /dev/null
    mkdir -p "$FIX/initrd.tree"
    (cd "$FIX/initrd.tree" && cpio -id --quiet --no-absolute-filenames < "$FIX/initrd.img")
    lab_log "fixture: image $(du -m "$FIX/root.ext4" | cut -f1) MB, initramfs $(du -m "$FIX/initrd.img" | cut -f1) MB ($(lab_elapsed "$t0")s)"

    # 3. The golden boot: a clean boot of the enrolled machine, before any policy exists.
    #    Its PCRs and IMA list become the reference; the lab checks itself on it.
    local port=""
    if [ -s "$extra$confdir/verifier.pem" ]; then
        rm -rf "$LAB/runs/golden-verifier"
        mkdir -p "$LAB/runs"
        cp -a "$FIX/verifier" "$LAB/runs/golden-verifier"
        lab_verifier_start "$LAB/runs/golden-verifier"
        port=$VERIFIER_PORT
    fi
    lab_machine "$LAB/machines/golden" boot-a
    lab_boot golden "$LAB/machines/golden" ${port:+--port "$port"} || lab_die "golden boot did not finish (see $RUN)"
    lab_verifier_stop
    [ "$(lab_get complete)" = yes ] || lab_die "golden boot: no report from the guest (see $RUN/console.log)"
    [ "$(lab_get pid1)" = systemd ] || lab_die "golden boot: PID 1 is not systemd in the real root"
    "$LIB/boot-check" replay "$RUN/report" > "$RUN/replay.txt" || { cat "$RUN/replay.txt" >&2; lab_die "golden boot: measurements do not replay"; }
    lab_log "fixture: golden boot ok: $(cat "$RUN/replay.txt")"
    rm -rf "$FIX/golden"
    cp -a "$RUN/report" "$FIX/golden"
    echo "$BOOT_WALL" > "$FIX/golden/wall.txt"

    # 4. Policies: measured boot = the golden PCRs 0-9; IMA = what the image may run.
    if [ -s "$extra$confdir/verifier.pem" ]; then
        lab_policies_install
    fi
}

lab_policies_install() {
    local boot
    "$LIB/boot-check" boot-policy "$FIX/golden" > "$FIX/boot-policy.json"
    "$LIB/boot-check" ima-policy "$FIX/golden" "$FIX/root.ext4.tree" "$FIX/initrd.tree" > "$FIX/ima-policy.json"
    # The project's own checker must accept the golden boot under both policies.
    "$BLD/attestctl/attestctl" policy boot check "$FIX/boot-policy.json" "$FIX/golden/eventlog" > "$FIX/boot-policy.check" ||
        { cat "$FIX/boot-policy.check" >&2; lab_die "the golden boot fails its own measured-boot policy"; }
    "$BLD/attestctl/attestctl" policy ima check "$FIX/ima-policy.json" "$FIX/golden/ima" > "$FIX/ima-policy.check" ||
        { cat "$FIX/ima-policy.check" >&2; lab_die "the golden boot fails its own IMA policy"; }
    boot=$(cat "$FIX/boot-policy.json")
    python3 - "$LAB_MACHINE_ID" "$FIX" "$boot" <<'PY'
import json, sys
mid, fix, boot = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
for kind, policy in (("boot", boot), ("ima", json.load(open(fix + "/ima-policy.json")))):
    with open(f"{fix}/policy-{kind}.request.json", "w") as f:
        json.dump({"scope": "machine", "name": mid, "kind": kind, "policy": policy}, f)
PY
    lab_verifier_start "$FIX/verifier"
    lab_admin PUT /v1/admin/policies "$FIX/policy-boot.request.json" > /dev/null ||
        lab_die "installing the measured-boot policy failed"
    lab_admin PUT /v1/admin/policies "$FIX/policy-ima.request.json" > /dev/null ||
        lab_die "installing the IMA policy failed"
    lab_verifier_stop
    lab_log "fixture: policies installed (boot: PCRs 0-7, 9 and the EFI stub's PCR 9 events of the golden boot; IMA: $(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["digests"]))' "$FIX/ima-policy.json") paths)"
}
