/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/cleanup.h"
#include "common/file-io.h"
#include "conf/ini-reader.h"
#include "gate-config.h"

#define CONFIG_MAX_SIZE  (1024 * 1024)
#define GATE_D_MAX_FILES 1024

struct parse_ctx {
    struct gate_set *g;
    const char *path;
    bool dropin;
    const struct conf_line *line; /* the line of the key being handled */
    int r;                        /* first -ENOMEM */
};

static void note(struct parse_ctx *c, int r)
{
    if (r < 0 && c->r == 0)
        c->r = r;
}

/* The reader's errors: recorded, and parsing goes on so every unit named stays gated. */
static int on_reader_error(void *user, unsigned line, const char *message)
{
    struct parse_ctx *c = user;
    return gate_set_add_error(c->g, "%s", message);
}

/* The value of an overlong line, taken from the file rather than from inih's cut copy. */
static void raw_value(const struct conf_line *line, const char **ret, size_t *ret_len)
{
    const char *p = line->text, *end = line->text + line->len;
    while (p < end && *p != '=' && *p != ':')
        p++;
    if (p < end)
        p++;
    /* inline comments: ';' after whitespace, as inih treats them */
    for (const char *q = p; q < end; q++)
        if (*q == ';' && q > p && (q[-1] == ' ' || q[-1] == '\t')) {
            end = q;
            break;
        }
    *ret = p;
    *ret_len = (size_t)(end - p);
}

static void add_values(struct parse_ctx *c, const char *value, bool strict)
{
    char where[4096];
    snprintf(where, sizeof(where), "%s:%u", c->path, c->line->number);
    const char *v = value;
    size_t len = strlen(value);
    /* an overlong line: inih saw its start only, the units are taken from the file */
    if (c->line->overlong)
        raw_value(c->line, &v, &len);
    if (strict && len == 0) {
        note(c, gate_set_add_error(c->g, "%s: empty 'units' (gates cannot be removed)", where));
        return;
    }
    if (strict && memchr(v, ',', len))
        note(c, gate_set_add_error(c->g, "%s: separate units with spaces, not commas", where));
    note(c, gate_set_add_list(c->g, where, v, len, strict));
}

static int on_key(void *user, const struct conf_line *line, const char *section, const char *name,
                  const char *value)
{
    struct parse_ctx *c = user;
    c->line = line;
    bool gate = strcmp(section, "gate") == 0;

    /* attestd reads the same file and refuses other spellings: so do we, gating anyway */
    if (!gate && strcasecmp(section, "gate") == 0) {
        note(c, gate_set_add_error(c->g, "%s:%u: section [%s] must be spelled [gate]", c->path,
                                   c->line->number, section));
        gate = true;
    }

    if (gate && strcmp(name, "units") == 0) {
        add_values(c, value, true);
    } else if (gate && strcasecmp(name, "units") == 0) {
        note(c, gate_set_add_error(c->g, "%s:%u: key '%s' must be spelled 'units'", c->path,
                                   c->line->number, name));
        add_values(c, value, true);
    } else if (gate) {
        note(c, gate_set_add_error(c->g, "%s:%u: unknown key '%s' in [gate]", c->path,
                                   c->line->number, name));
        add_values(c, value, false);
    } else if (strcasecmp(name, "units") == 0) {
        note(c, gate_set_add_error(c->g, "%s:%u: '%s' outside [gate] (section [%s])", c->path,
                                   c->line->number, name, section));
        add_values(c, value, true);
    } else if (c->dropin) {
        note(c, gate_set_add_error(c->g, "%s:%u: only [gate] belongs in a gate.d file, not [%s]",
                                   c->path, c->line->number, section));
    }
    /* where attestd and the initramfs keep the saved AK context (attestd checks the value) */
    if (!c->dropin && strcmp(section, "paths") == 0 && strcmp(name, "run_dir") == 0 &&
        value[0] == '/') {
        char *d = strdup(value);
        if (!d) {
            note(c, -ENOMEM);
            return 0;
        }
        free(c->g->run_dir);
        c->g->run_dir = d;
    }
    /* other sections of attest.conf belong to attestd, which checks them */
    return 0;
}

int gate_config_parse(struct gate_set *g, const char *path, const char *text, size_t len,
                      bool dropin)
{
    struct parse_ctx c = {.g = g, .path = path, .dropin = dropin};
    static const struct conf_ops ops = {.key = on_key, .error = on_reader_error};
    int r = conf_parse(path, text, len, &ops, &c);
    if (c.r < 0)
        return c.r;
    return r < 0 ? r : 0;
}

static int load_file(struct gate_set *g, const char *path, bool dropin, bool must_exist)
{
    _cleanup_free_ uint8_t *buf = NULL;
    size_t len = 0;
    int r = file_read_all(path, CONFIG_MAX_SIZE, &buf, &len);
    if (r == -ENOMEM)
        return r;
    if (r == -ENOENT && !must_exist)
        return 0;
    if (r < 0)
        return gate_set_add_error(g, "%s: cannot read: %s", path, strerror(-r));
    return gate_config_parse(g, path, (const char *)buf, len, dropin);
}

static bool is_conf_name(const char *name)
{
    size_t n = strlen(name);
    return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".conf") == 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* The *.conf names in dir, sorted; *ret_n = 0 when dir does not exist. */
static int list_dropins(struct gate_set *g, const char *dir, char ***ret, size_t *ret_n)
{
    *ret = NULL;
    *ret_n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0
                               : gate_set_add_error(g, "%s: cannot open: %s", dir, strerror(errno));

    char **names = calloc(GATE_D_MAX_FILES, sizeof(*names));
    size_t n = 0;
    int r = names ? 0 : -ENOMEM;
    struct dirent *de;
    while (r == 0 && (de = readdir(d))) {
        if (!is_conf_name(de->d_name))
            continue;
        if (n == GATE_D_MAX_FILES) {
            r = gate_set_add_error(g, "%s: more than %d files, the rest is not read", dir,
                                   GATE_D_MAX_FILES);
            break;
        }
        if (!(names[n++] = strdup(de->d_name)))
            r = -ENOMEM;
    }
    closedir(d);
    if (r < 0 || n == 0) {
        free_names(names, n);
        return r;
    }
    qsort(names, n, sizeof(*names), cmp_str);
    *ret = names;
    *ret_n = n;
    return 0;
}

int gate_config_load(struct gate_set *g, const char *config_path)
{
    int r = load_file(g, config_path, false, true);
    if (r < 0)
        return r;

    /* gate.d beside the configuration file */
    const char *slash = strrchr(config_path, '/');
    _cleanup_free_ char *dir = NULL;
    if (asprintf(&dir, "%.*sgate.d", slash ? (int)(slash - config_path + 1) : 0, config_path) < 0)
        return -ENOMEM;

    char **names = NULL;
    size_t n = 0;
    r = list_dropins(g, dir, &names, &n);
    for (size_t i = 0; r >= 0 && i < n; i++) {
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/%s", dir, names[i]) < 0)
            r = -ENOMEM;
        else
            r = load_file(g, path, true, true);
    }
    free_names(names, n);
    return r < 0 ? r : 0;
}
