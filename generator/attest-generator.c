/* SPDX-License-Identifier: Apache-2.0 */
/*
 * attest-generator: a systemd generator that wires the attestation gate at
 * boot (see attest-generator(8)). It reads only the gate configuration and the
 * kernel command line, writes only units and drop-ins, does no TPM and no
 * network I/O, and never fails the boot: configuration errors are logged and
 * turned into a failing attest.service, with every unit that can still be
 * named kept gated. The work is gate_run(); this file only checks the
 * arguments (normal, early and late directory: the gate uses the normal one).
 */
#include <stdlib.h>
#include <syslog.h>

#include "gate-run.h"
#include "gen-log.h"

int main(int argc, char **argv)
{
    struct gen_log log;
    gen_log_open(&log);
    if (argc != 4) {
        gen_log(&log, LOG_ERR, "usage: %s NORMAL_DIR EARLY_DIR LATE_DIR",
                argc > 0 ? argv[0] : "attest-generator");
        gen_log_close(&log);
        return EXIT_FAILURE;
    }
    int r = gate_run(&log, argv[1], SYSTEMD_UNITDIR, ATTESTD_PATH);
    gen_log_close(&log);
    return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
