#!/bin/bash
# shellcheck disable=SC2154 # moddir, initdir, systemdsystemunitdir, SYSTEMCTL come from dracut
# 95attest-lab: the boot lab's initramfs glue (tests only, never installed).
# - root=overlay: the read-only root image (virtio disk, serial "attestroot")
#   under a tmpfs upper layer, so every boot starts from the same disk;
# - the per-boot payload disk (serial "attestpayload", a raw tar archive):
#   files unpacked over the real root before switch-root (a test's changes to
#   the disk: a scenario marker, a masked generator); the disk is not measured,
#   as on a real machine;
# - the machine's /etc/machine-id;
# - any emergency in the initramfs reports on the second serial port and
#   powers off, so a failing boot ends at once instead of at QEMU's timeout.

check() { return 255; } # only when asked for (-m attest-lab)

depends() {
    echo systemd systemd-initrd
    return 0
}

installkernel() {
    hostonly='' instmods virtio_pci virtio_blk virtio_net ext4 overlay
}

install() {
    inst_multiple mount umount mkdir tar modprobe
    # The machine's own id, as a host-only build would carry it: without one,
    # systemd invents a random id in the initramfs, and IMA measures a file whose
    # content changes at every boot.
    # (00systemd left an empty one: replace it).
    rm -f "$initdir/etc/machine-id"
    inst_simple /etc/machine-id
    inst_hook cmdline 90 "$moddir/attest-lab-root.sh"
    inst_script "$moddir/attest-lab-mount" /usr/libexec/attest-lab/mount
    inst_script "$moddir/attest-lab-emergency" /usr/libexec/attest-lab/emergency
    inst_simple "$moddir/attest-lab-lower.service" "$systemdsystemunitdir/attest-lab-lower.service"
    inst_simple "$moddir/attest-lab-payload.service" "$systemdsystemunitdir/attest-lab-payload.service"
    inst_simple "$moddir/sysroot-attest-lab.conf" "$systemdsystemunitdir/sysroot.mount.d/attest-lab.conf"
    local u
    for u in emergency.service dracut-emergency.service; do
        inst_simple "$moddir/emergency-attest-lab.conf" "$systemdsystemunitdir/$u.d/attest-lab.conf"
    done
    $SYSTEMCTL -q --root "$initdir" add-wants initrd-root-fs.target attest-lab-lower.service
    $SYSTEMCTL -q --root "$initdir" add-wants initrd.target attest-lab-payload.service
}
