/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agent-config.h"
#include "common/cleanup.h"
#include "common/file-io.h"
#include "common/pcr-selection.h"
#include "conf/ini-reader.h"
#include "config.h"

#define CONFIG_MAX_SIZE (256 * 1024)
#define DURATION_MAX_MS (7ULL * 24 * 3600 * 1000)

enum key_type {
    KEY_STRING, /* empty value: unset (NULL) */
    KEY_BOOL,
    KEY_DURATION,
    KEY_EK_TEMPLATE,
    KEY_AK_ALG,
    KEY_PCRS,
    KEY_LIST,
};

struct key_def {
    const char *section;
    const char *name;
    enum key_type type;
    size_t offset;
};

#define KEY(sec, nm, type, field)                                                                  \
    {                                                                                              \
        sec, nm, type, offsetof(struct agent_config, field)                                        \
    }

static const struct key_def keys[] = {
    KEY("verifier", "url", KEY_STRING, verifier_url),
    KEY("verifier", "ca_file", KEY_STRING, ca_file),
    KEY("verifier", "public_key", KEY_STRING, verifier_key),
    KEY("verifier", "allow_http", KEY_BOOL, allow_http),
    KEY("tpm", "tcti", KEY_STRING, tcti),
    KEY("tpm", "ek_template", KEY_EK_TEMPLATE, ek_template),
    KEY("tpm", "ek_certificate", KEY_STRING, ek_certificate),
    KEY("tpm", "ak_algorithm", KEY_AK_ALG, ak_ecc),
    KEY("tpm", "pcr_selection", KEY_PCRS, pcr_selection),
    KEY("paths", "state_dir", KEY_STRING, state_dir),
    KEY("paths", "run_dir", KEY_STRING, run_dir),
    KEY("paths", "event_log", KEY_STRING, event_log),
    KEY("paths", "ima_log", KEY_STRING, ima_log),
    KEY("paths", "machine_id_file", KEY_STRING, machine_id_file),
    KEY("gate", "units", KEY_LIST, gate_units),
    KEY("attest", "connect_timeout", KEY_DURATION, connect_timeout_ms),
    KEY("attest", "request_timeout", KEY_DURATION, request_timeout_ms),
    KEY("attest", "retry_initial", KEY_DURATION, retry_initial_ms),
    KEY("attest", "retry_max", KEY_DURATION, retry_max_ms),
    KEY("attest", "retry_total", KEY_DURATION, retry_total_ms),
    KEY("attest", "interval", KEY_DURATION, interval_ms),
    KEY("attest", "grace", KEY_DURATION, grace_ms),
};
#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

/* Parser state: the line of the key being applied and the first error. */
struct parse_state {
    const char *path;
    unsigned lineno;
    struct agent_config *cfg;
    bool seen[N_KEYS];
    bool failed; /* an error was found by the reader or the handler */
    unsigned err_line;
    int err_code;
    char *errbuf;
    size_t errlen;
};

__attribute__((format(printf, 3, 4))) static void fail(struct parse_state *st, int code,
                                                       const char *fmt, ...)
{
    if (st->failed)
        return; /* keep the first error only */
    st->failed = true;
    st->err_line = st->lineno;
    st->err_code = code;
    int n = st->lineno > 0 ? snprintf(st->errbuf, st->errlen, "%s:%u: ", st->path, st->lineno)
                           : snprintf(st->errbuf, st->errlen, "%s: ", st->path);
    if (n < 0 || (size_t)n >= st->errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->errbuf + n, st->errlen - (size_t)n, fmt, ap);
    va_end(ap);
}

/*
 * The reader's errors (NUL byte, overlong line, syntax). They come in line
 * order except a syntax error, known only at the end: an earlier one wins.
 */
static int on_reader_error(void *user, unsigned line, const char *message)
{
    struct parse_state *st = user;
    if (st->failed && line >= st->err_line)
        return 0;
    st->failed = true;
    st->err_line = line;
    st->err_code = -EINVAL;
    if (st->errlen)
        snprintf(st->errbuf, st->errlen, "%s", message);
    return 0;
}

static int parse_bool(const char *v, bool *ret)
{
    static const char *const yes[] = {"1", "yes", "true", "on"};
    static const char *const no[] = {"0", "no", "false", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *ret = true;
            return 0;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *ret = false;
            return 0;
        }
    }
    return -EINVAL;
}

/* "30" (seconds), "500ms", "30s", "5min", "1h"; at most a week. */
static int parse_duration(const char *v, uint64_t *ret_ms)
{
    static const struct {
        const char *suffix;
        uint64_t ms;
    } units[] = {{"ms", 1}, {"s", 1000}, {"min", 60000}, {"h", 3600000}, {"", 1000}};
    size_t digits = strspn(v, "0123456789");
    if (digits == 0 || digits > 12)
        return -EINVAL;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(v + digits, units[i].suffix) != 0)
            continue;
        uint64_t n = strtoull(v, NULL, 10);
        if (n > DURATION_MAX_MS / units[i].ms)
            return -ERANGE;
        *ret_ms = n * units[i].ms;
        return 0;
    }
    return -EINVAL;
}

static int parse_ek_template(const char *v, enum agent_ek_template *ret)
{
    if (strcmp(v, "rsa") == 0 || strcmp(v, "L-1") == 0)
        *ret = AGENT_EK_RSA_L1;
    else if (strcmp(v, "ecc") == 0 || strcmp(v, "L-2") == 0)
        *ret = AGENT_EK_ECC_L2;
    else if (strcmp(v, "ecc384") == 0 || strcmp(v, "H-3") == 0)
        *ret = AGENT_EK_ECC384_H3;
    else
        return -EINVAL;
    return 0;
}

const char *agent_ek_template_name(enum agent_ek_template t)
{
    switch (t) {
    case AGENT_EK_RSA_L1:
        return "rsa";
    case AGENT_EK_ECC_L2:
        return "ecc";
    case AGENT_EK_ECC384_H3:
        return "ecc384";
    }
    return "?";
}

static int set_string(char **field, const char *v)
{
    char *s = NULL;
    if (*v) {
        s = strdup(v);
        if (!s)
            return -ENOMEM;
    }
    free(*field);
    *field = s;
    return 0;
}

/* Unit names: whitespace-separated; each must look like a unit ("name.type"). */
static int append_units(struct parse_state *st, struct agent_config *cfg, const char *v)
{
    _cleanup_free_ char *copy = strdup(v);
    if (!copy)
        return -ENOMEM;
    char *save = NULL;
    for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
        const char *dot = strrchr(w, '.');
        if (!dot || dot == w || !dot[1] || strchr(w, '/')) {
            fail(st, -EINVAL, "key 'units' in [gate]: '%s' is not a unit name (name.service)", w);
            return -EINVAL;
        }
        char **n = realloc(cfg->gate_units, (cfg->n_gate_units + 2) * sizeof(char *));
        if (!n)
            return -ENOMEM;
        cfg->gate_units = n;
        n[cfg->n_gate_units] = strdup(w);
        if (!n[cfg->n_gate_units])
            return -ENOMEM;
        n[++cfg->n_gate_units] = NULL;
    }
    return 0;
}

static int apply_key(struct parse_state *st, const struct key_def *k, const char *v)
{
    void *field = (uint8_t *)st->cfg + k->offset;
    int r;

    switch (k->type) {
    case KEY_STRING:
        return set_string(field, v);
    case KEY_BOOL:
        return parse_bool(v, field);
    case KEY_DURATION:
        return parse_duration(v, field);
    case KEY_AK_ALG:
        if (strcmp(v, "rsa") != 0 && strcmp(v, "ecc") != 0)
            return -EINVAL;
        *(bool *)field = strcmp(v, "ecc") == 0;
        return 0;
    case KEY_EK_TEMPLATE:
        return parse_ek_template(v, field);
    case KEY_PCRS:
        r = pcrsel_parse(v, &st->cfg->pcrs);
        if (r < 0)
            return r;
        return set_string(field, v);
    case KEY_LIST:
        return append_units(st, st->cfg, v);
    }
    return -EINVAL;
}

static const char *expected(enum key_type t)
{
    switch (t) {
    case KEY_BOOL:
        return "expected yes/no";
    case KEY_DURATION:
        return "expected a duration such as 30, 500ms, 30s, 5min, 1h (at most a week)";
    case KEY_AK_ALG:
        return "expected rsa or ecc";
    case KEY_EK_TEMPLATE:
        return "expected rsa (L-1), ecc (L-2) or ecc384 (H-3)";
    case KEY_PCRS:
        return "expected a PCR selection such as sha256:0-10";
    default:
        return "invalid value";
    }
}

static int on_key(void *user, const struct conf_line *line, const char *section, const char *name,
                  const char *value)
{
    struct parse_state *st = user;
    st->lineno = line->number;
    if (st->failed)
        return 0; /* something already failed: apply nothing more */
    if (!*section) {
        fail(st, -EINVAL, "key '%s' outside any [section]", name);
        return 0;
    }
    for (size_t i = 0; i < N_KEYS; i++) {
        if (strcmp(keys[i].section, section) != 0 || strcmp(keys[i].name, name) != 0)
            continue;
        if (st->seen[i] && keys[i].type != KEY_LIST) {
            fail(st, -EINVAL, "key '%s' in [%s] set twice", name, section);
            return 0;
        }
        st->seen[i] = true;
        int r = apply_key(st, &keys[i], value);
        if (r == -ENOMEM)
            fail(st, -ENOMEM, "out of memory");
        else if (r < 0)
            fail(st, -EINVAL, "key '%s' in [%s]: bad value '%s': %s", name, section, value,
                 expected(keys[i].type));
        return 0;
    }
    bool known_section = false;
    for (size_t i = 0; i < N_KEYS; i++)
        known_section |= strcmp(keys[i].section, section) == 0;
    if (known_section)
        fail(st, -EINVAL, "unknown key '%s' in [%s]", name, section);
    else
        fail(st, -EINVAL, "unknown section [%s] (key '%s')", section, name);
    return 0;
}

void agent_config_done(struct agent_config *cfg)
{
    if (!cfg)
        return;
    char **strings[] = {&cfg->path,          &cfg->verifier_url, &cfg->ca_file,
                        &cfg->verifier_key,  &cfg->tcti,         &cfg->ek_certificate,
                        &cfg->pcr_selection, &cfg->state_dir,    &cfg->run_dir,
                        &cfg->event_log,     &cfg->ima_log,      &cfg->machine_id_file};
    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
        free(*strings[i]);
        *strings[i] = NULL;
    }
    for (size_t i = 0; i < cfg->n_gate_units; i++)
        free(cfg->gate_units[i]);
    free(cfg->gate_units);
    cfg->gate_units = NULL;
    cfg->n_gate_units = 0;
}

int agent_config_defaults(struct agent_config *cfg)
{
    *cfg = (struct agent_config){
        .ek_template = AGENT_EK_RSA_L1,
        .connect_timeout_ms = 5000,
        .request_timeout_ms = 30000,
        .retry_initial_ms = 1000,
        .retry_max_ms = 30000,
        .retry_total_ms = 120000,
        .interval_ms = 300000,
        .grace_ms = 600000,
        .ak_ecc = true,
    };
    struct {
        char **field;
        const char *value;
    } strings[] = {

        {&cfg->pcr_selection, PCRSEL_DEFAULT},
        {&cfg->verifier_key, ATTEST_SYSCONFDIR "/verifier.pem"},
        {&cfg->state_dir, ATTEST_STATEDIR},
        {&cfg->run_dir, ATTEST_RUNDIR},
        {&cfg->event_log, "/sys/kernel/security/tpm0/binary_bios_measurements"},
        {&cfg->ima_log, "/sys/kernel/security/ima/binary_runtime_measurements"},
        {&cfg->machine_id_file, "/etc/machine-id"},
    };
    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
        *strings[i].field = strdup(strings[i].value);
        if (!*strings[i].field) {
            agent_config_done(cfg);
            return -ENOMEM;
        }
    }
    int r = pcrsel_parse(PCRSEL_DEFAULT, &cfg->pcrs);
    if (r < 0)
        agent_config_done(cfg);
    return r;
}

/* Settings that are valid one by one but not together. */
static int check_consistency(struct parse_state *st, struct agent_config *c)
{
    if (c->retry_initial_ms == 0 || c->retry_max_ms < c->retry_initial_ms) {
        fail(st, -EINVAL, "key 'retry_max' in [attest]: must be >= retry_initial > 0");
        return -EINVAL;
    }
    if (c->connect_timeout_ms == 0 || c->request_timeout_ms == 0 || c->interval_ms == 0) {
        fail(st, -EINVAL, "[attest]: connect_timeout, request_timeout and interval must be > 0");
        return -EINVAL;
    }
    if (!c->state_dir || !c->run_dir || !c->pcr_selection || !c->machine_id_file) {
        fail(st, -EINVAL,
             "[paths] state_dir, run_dir, machine_id_file, [tpm] pcr_selection must not be empty");
        return -EINVAL;
    }
    return 0;
}

int agent_config_parse(const char *path, const char *text, size_t len, struct agent_config *cfg,
                       char *errbuf, size_t errlen)
{
    if (errlen)
        errbuf[0] = 0;
    _cleanup_(agent_config_done) struct agent_config draft;
    int r = agent_config_defaults(&draft);
    if (r < 0)
        return r;
    draft.path = strdup(path);
    if (!draft.path)
        return -ENOMEM;

    struct parse_state st = {
        .path = path,
        .cfg = &draft,
        .errbuf = errbuf,
        .errlen = errlen,
    };
    static const struct conf_ops ops = {.key = on_key, .error = on_reader_error};
    r = conf_parse(path, text, len, &ops, &st);
    if (r < 0)
        return r;
    if (st.failed)
        return st.err_code;
    st.lineno = 0;
    r = check_consistency(&st, &draft);
    if (r < 0)
        return r;

    agent_config_done(cfg);
    *cfg = draft;
    draft = (struct agent_config){0};
    return 0;
}

int agent_config_load(const char *explicit_path, struct agent_config *cfg, char *errbuf,
                      size_t errlen)
{
    const char *path = explicit_path;
    if (!path)
        path = getenv(AGENT_CONFIG_ENV);
    if (!path || !*path)
        path = ATTEST_SYSCONFDIR "/attest.conf";

    _cleanup_free_ uint8_t *buf = NULL;
    size_t len;
    int r = file_read_all(path, CONFIG_MAX_SIZE, &buf, &len);
    if (r < 0) {
        snprintf(errbuf, errlen, "%s: cannot read: %s", path, strerror(-r));
        return r;
    }
    return agent_config_parse(path, (const char *)buf, len, cfg, errbuf, errlen);
}
