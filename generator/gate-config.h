/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "gate-set.h"

/*
 * Read the gate configuration: config_path ("[gate] units = ...", the other
 * sections belong to attestd, see attest.conf(5)) and then every *.conf file in
 * the gate.d directory beside it, in lexical order (only [gate] there). Every
 * problem becomes an error in g, and every unit that can still be named is
 * gated (fail closed). Returns 0, or -ENOMEM.
 */
int gate_config_load(struct gate_set *g, const char *config_path);

/* Parse one configuration text (exposed for tests). */
int gate_config_parse(struct gate_set *g, const char *path, const char *text, size_t len,
                      bool dropin);
