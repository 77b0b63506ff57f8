/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: attestd's configuration parser (inih + line checks + value parsers). */
#include <stddef.h>
#include <stdint.h>

#include "agent-config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct agent_config cfg;
    if (agent_config_defaults(&cfg) < 0)
        return 0;
    char err[256];
    (void)agent_config_parse("fuzz.conf", (const char *)data, size, &cfg, err, sizeof(err));
    agent_config_done(&cfg);
    return 0;
}
