/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate-set.h"
#include "unit-name.h"

/* attest.service itself and units it runs after: gating one is an ordering cycle. */
static const char *const ungateable[] = {
    "attest.service", "sysinit.target",        "basic.target",   "local-fs.target",
    "network.target", "network-online.target", "sockets.target", "paths.target",
    "timers.target",  "slices.target",         "-.slice",        "system.slice",
    "-.mount",        "shutdown.target",
};

static void str_list_done(struct str_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i]);
    free(l->items);
    *l = (struct str_list){0};
}

/* Takes ownership of s (freed on failure). */
static int str_list_push(struct str_list *l, char *s)
{
    if (!s)
        return -ENOMEM;
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 8;
        char **n = realloc(l->items, ncap * sizeof(*n));
        if (!n) {
            free(s);
            return -ENOMEM;
        }
        l->items = n;
        l->cap = ncap;
    }
    l->items[l->n++] = s;
    return 0;
}

void gate_set_done(struct gate_set *g)
{
    if (!g)
        return;
    str_list_done(&g->units);
    str_list_done(&g->errors);
    str_list_done(&g->warnings);
    free(g->run_dir);
    g->run_dir = NULL;
}

int gate_set_add_unit(struct gate_set *g, const char *name)
{
    return str_list_push(&g->units, strdup(name));
}

/* format(printf): lets the compiler check callers' formats through the va_list. */
__attribute__((format(printf, 2, 0))) static int push_vfmt(struct str_list *l, const char *fmt,
                                                           va_list ap)
{
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        return -ENOMEM;
    return str_list_push(l, s);
}

int gate_set_add_error(struct gate_set *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = push_vfmt(&g->errors, fmt, ap);
    va_end(ap);
    return r;
}

int gate_set_add_warning(struct gate_set *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = push_vfmt(&g->warnings, fmt, ap);
    va_end(ap);
    return r;
}

static bool is_ungateable(const char *name)
{
    for (size_t i = 0; i < sizeof(ungateable) / sizeof(ungateable[0]); i++)
        if (strcmp(name, ungateable[i]) == 0)
            return true;
    return false;
}

static bool is_separator(char c)
{
    return c == ' ' || c == '\t' || c == ',' || c == '\r' || c == '\n';
}

static int add_token(struct gate_set *g, const char *where, const char *tok, size_t len,
                     bool strict)
{
    char *name = NULL;
    int r = unit_name_from_token(tok, len, strict, &name);
    if (r == -ENOMEM)
        return r;
    if (r < 0)
        return strict ? gate_set_add_error(g, "%s: '%.*s' is not a valid unit name", where,
                                           (int)len, tok)
                      : 0;
    if (is_ungateable(name)) {
        r = gate_set_add_error(
            g, "%s: '%s' cannot be gated (an ordering cycle with attest.service)", where, name);
        free(name);
        return r;
    }
    /* attestd refuses the systemctl shorthand: an error, but the unit is gated all the same */
    if (strlen(name) != len) {
        r = gate_set_add_error(g, "%s: '%.*s' is no unit name, write '%s'", where, (int)len, tok,
                               name);
        if (r < 0) {
            free(name);
            return r;
        }
    }
    return str_list_push(&g->units, name);
}

int gate_set_add_list(struct gate_set *g, const char *where, const char *value, size_t len,
                      bool strict)
{
    size_t i = 0;
    while (i < len) {
        while (i < len && is_separator(value[i]))
            i++;
        size_t start = i;
        while (i < len && !is_separator(value[i]))
            i++;
        if (i > start) {
            int r = add_token(g, where, value + start, i - start, strict);
            if (r < 0)
                return r;
        }
    }
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void gate_set_finish(struct gate_set *g)
{
    struct str_list *l = &g->units;
    if (l->n == 0)
        return;
    qsort(l->items, l->n, sizeof(*l->items), cmp_str);
    size_t w = 1;
    for (size_t i = 1; i < l->n; i++) {
        if (strcmp(l->items[i], l->items[w - 1]) == 0)
            free(l->items[i]);
        else
            l->items[w++] = l->items[i];
    }
    l->n = w;
}
