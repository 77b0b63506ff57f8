/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "gen-log.h"

/*
 * One generator run into normal_dir: nothing inside the initramfs; otherwise
 * the gate drop-ins, the wants link to unit_dir/attest.service, the AK load
 * drop-in (running attestd) when no saved AK context exists, and the
 * configuration error drop-in. Inputs: ATTEST_CONFIG (default
 * /etc/attest/attest.conf), ATTEST_CMDLINE (default /proc/cmdline),
 * ATTEST_RUNDIR, SYSTEMD_IN_INITRD. Returns 0, or a negative errno when an
 * output could not be written (every other output is still attempted).
 */
int gate_run(const struct gen_log *log, const char *normal_dir, const char *unit_dir,
             const char *attestd);
