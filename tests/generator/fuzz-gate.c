/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: attest-generator's inputs. The bytes before the first 0x01
 * are a gate configuration (gate_config_parse, as attest.conf and as a gate.d
 * drop-in), the bytes after it a kernel command line (gate_cmdline_parse);
 * every error message is then escaped for the unit file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gate-cmdline.h"
#include "gate-config.h"
#include "gate-set.h"
#include "gate-write.h"
#include "unit-name.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *sep = memchr(data, 0x01, size);
    size_t conf_len = sep ? (size_t)(sep - data) : size;

    struct gate_set g = {0};
    (void)gate_config_parse(&g, "fuzz.conf", (const char *)data, conf_len, false);
    (void)gate_config_parse(&g, "fuzz-gate.d.conf", (const char *)data, conf_len, true);
    if (sep) {
        size_t n = size - conf_len - 1;
        char *cmdline = malloc(n + 1);
        if (cmdline) {
            memcpy(cmdline, sep + 1, n);
            cmdline[n] = '\0';
            (void)gate_cmdline_parse(&g, cmdline);
            free(cmdline);
        }
    }
    gate_set_finish(&g);
    for (size_t i = 0; i < g.units.n; i++)
        if (!unit_name_is_valid(g.units.items[i]))
            abort(); /* only valid names may be gated */
    char escaped[512];
    for (size_t i = 0; i < g.errors.n; i++)
        gate_escape_unit_string(escaped, sizeof(escaped), g.errors.items[i]);
    gate_set_done(&g);
    return 0;
}
