/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "gate-set.h"

/* Where the units the generator refers to are installed (from meson). */
struct gate_paths {
    const char *unit_dir;   /* systemd system unit directory holding attest.service */
    const char *attestd;    /* absolute path of attestd */
    const char *ak_context; /* saved AK context the initramfs leaves behind */
};

/* dir/UNIT.d/50-attest-gate.conf: BindsTo= and After= attest.service. */
int gate_write_dropin(const char *dir, const char *unit);

/* dir/multi-user.target.wants/attest.service -> unit_dir/attest.service */
int gate_write_wants(const char *dir, const struct gate_paths *p);

/* dir/attest.service.d/50-attest-ak-load.conf: attestd boot-prepare before attesting. */
int gate_write_ak_load(const char *dir, const struct gate_paths *p);

/*
 * dir/attest.service.d/10-attest-config-error.conf: attest.service fails with a
 * message naming every configuration error.
 */
int gate_write_config_error(const char *dir, const struct str_list *errors);

/* Copy s into a unit file "quoted string" (escapes \ " and %, printable ASCII only). */
void gate_escape_unit_string(char *dst, size_t size, const char *s);
