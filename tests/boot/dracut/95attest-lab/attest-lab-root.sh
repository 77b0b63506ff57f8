#!/bin/sh
# dracut cmdline hook: root=overlay is assembled by attest-lab-lower.service
# and systemd's sysroot.mount from root=/rootflags=.
[ "$root" = "overlay" ] && rootok=1
