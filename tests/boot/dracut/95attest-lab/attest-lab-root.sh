#!/bin/sh
# shellcheck disable=SC2034,SC2154 # dracut sets root and reads rootok
# dracut cmdline hook: root=overlay is assembled by attest-lab-lower.service
# and systemd's sysroot.mount from root=/rootflags=.
[ "$root" = "overlay" ] && rootok=1
