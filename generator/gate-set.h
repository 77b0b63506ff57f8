/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*
 * What the generator learned from its inputs: the units to gate, the errors
 * (each one makes attest.service fail: fail closed) and warnings (logged only).
 * Gates only accumulate; nothing removes one.
 */
struct str_list {
    char **items;
    size_t n;
    size_t cap;
};

struct gate_set {
    struct str_list units;    /* sorted and unique after gate_set_finish() */
    struct str_list errors;   /* in the order found */
    struct str_list warnings; /* in the order found */
    char *run_dir;            /* [paths] run_dir of attest.conf when absolute, else NULL */
};

void gate_set_done(struct gate_set *g);

/* Add a valid unit name (copied); duplicates are dropped by gate_set_finish(). */
int gate_set_add_unit(struct gate_set *g, const char *name);

int gate_set_add_error(struct gate_set *g, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int gate_set_add_warning(struct gate_set *g, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Split a list value (unit names separated by whitespace or commas) and gate
 * every valid name. Invalid tokens become errors prefixed with `where`; a token
 * without any '.' is gated as NAME.service (the systemctl shorthand) and also
 * reported, since attestd refuses it. With strict=false (a value under a key we
 * do not know) tokens that are no complete unit name are skipped silently: the
 * caller has already reported the key.
 */
int gate_set_add_list(struct gate_set *g, const char *where, const char *value, size_t len,
                      bool strict);

/* Sort and deduplicate the units. */
void gate_set_finish(struct gate_set *g);
