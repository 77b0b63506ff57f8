/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "gate-set.h"

/*
 * Add the units of every attest.gate=UNIT[,UNIT...] on a kernel command line.
 * Words are split at whitespace; double quotes group (and are removed), as the
 * kernel and systemd do. A name that is not a valid unit is an error (someone
 * asked for a gate that cannot be placed: fail closed); an empty or valueless
 * attest.gate only warns, since it asks for nothing. Nothing here removes a
 * gate. Returns 0, or -ENOMEM.
 */
int gate_cmdline_parse(struct gate_set *g, const char *cmdline);
