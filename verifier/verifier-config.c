/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/file-io.h"
#include "common/pcr-selection.h"
#include "conf/ini-reader.h"
#include "config.h"
#include "storage.h"
#include "verifier-config.h"

static int set_string(char **dst, const char *value)
{
    char *s = strdup(value);
    if (!s)
        return -ENOMEM;
    free(*dst);
    *dst = s;
    return 0;
}

static int parse_uint(const char *value, unsigned min, unsigned max, unsigned *ret)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(value, &end, 10);
    if (errno || end == value || *end || value[0] == '-' || v < min || v > max)
        return -EINVAL;
    *ret = (unsigned)v;
    return 0;
}

/* Only the two words: a typo must not turn a fail-closed default off. */
static int parse_bool(const char *value, bool *ret)
{
    if (strcmp(value, "true") == 0)
        *ret = true;
    else if (strcmp(value, "false") == 0)
        *ret = false;
    else
        return -EINVAL;
    return 0;
}

static int parse_seconds(const char *value, int64_t *ret)
{
    unsigned v;
    int r = parse_uint(value, 1, 365u * 24 * 3600, &v);
    if (r < 0)
        return r;
    *ret = v;
    return 0;
}

int config_init(struct verifier_config *c)
{
    *c = (struct verifier_config){
        .enrollment_mode = ENROLL_AUTO,
        .workers = 64,
        .max_connections = 1024,
        .request_timeout = 30,
        .body_budget = 256u << 20,
        .min_body_rate = 64u << 10,
        .per_address_connections = 64,
        .batch_max = 512,
        .max_pending = 16,
        .evidence_per_machine = ST_EVIDENCE_DEFAULT,
        .nonce_ttl = 120,
        .enrollment_ttl = 300,
        .verdict_ttl = 3600,
        .proof_max_age = 3600,
        .require_boot_policy = true,
        .require_ima_policy = true,
    };
    if (set_string(&c->listen, "127.0.0.1:8443") < 0 ||
        set_string(&c->state_dir, VERIFIER_STATEDIR) < 0 ||
        set_string(&c->pcr_selection, PCRSEL_DEFAULT) < 0)
        return -ENOMEM;
    return 0;
}

/* The table of string keys: section, key, offset in the struct. */
struct string_key {
    const char *section, *key;
    size_t offset;
};

static const struct string_key string_keys[] = {
    {"server", "listen", offsetof(struct verifier_config, listen)},
    {"server", "tls_cert", offsetof(struct verifier_config, tls_cert)},
    {"server", "tls_key", offsetof(struct verifier_config, tls_key)},
    {"server", "state_dir", offsetof(struct verifier_config, state_dir)},
    {"storage", "database", offsetof(struct verifier_config, database)},
    {"keys", "signing_key", offsetof(struct verifier_config, signing_key)},
    {"keys", "admin_token", offsetof(struct verifier_config, admin_token)},
    {"keys", "nonce_key", offsetof(struct verifier_config, nonce_key)},
    {"enrollment", "ek_roots", offsetof(struct verifier_config, ek_roots)},
    {"enrollment", "ek_allowlist", offsetof(struct verifier_config, ek_allowlist)},
    {"attestation", "pcr_selection", offsetof(struct verifier_config, pcr_selection)},
    {"server", "metrics_token", offsetof(struct verifier_config, metrics_token)},
    {"keys", "admin_readonly_token", offsetof(struct verifier_config, admin_readonly_token)},
};

int config_set(struct verifier_config *c, const char *section, const char *key, const char *value)
{
    for (size_t i = 0; i < sizeof(string_keys) / sizeof(string_keys[0]); i++)
        if (strcmp(section, string_keys[i].section) == 0 && strcmp(key, string_keys[i].key) == 0)
            return set_string((char **)(void *)((char *)c + string_keys[i].offset), value);

    if (strcmp(section, "server") == 0 && strcmp(key, "workers") == 0)
        return parse_uint(value, 1, 256, &c->workers);
    if (strcmp(section, "server") == 0 && strcmp(key, "max_connections") == 0)
        return parse_uint(value, 1, 65536, &c->max_connections);
    if (strcmp(section, "server") == 0 && strcmp(key, "request_timeout") == 0)
        return parse_uint(value, 1, 3600, &c->request_timeout);
    if (strcmp(section, "server") == 0 && strcmp(key, "body_budget") == 0)
        return parse_uint(value, 64u << 10, UINT_MAX, &c->body_budget);
    if (strcmp(section, "server") == 0 && strcmp(key, "min_body_rate") == 0)
        return parse_uint(value, 1, 1u << 30, &c->min_body_rate);
    if (strcmp(section, "server") == 0 && strcmp(key, "per_address_connections") == 0)
        return parse_uint(value, 0, 65536, &c->per_address_connections);
    if (strcmp(section, "storage") == 0 && strcmp(key, "batch_max") == 0)
        return parse_uint(value, 1, 100000, &c->batch_max);
    if (strcmp(section, "storage") == 0 && strcmp(key, "evidence_per_machine") == 0)
        return parse_uint(value, 1, ST_EVIDENCE_MAX, &c->evidence_per_machine);
    if (strcmp(section, "attestation") == 0 && strcmp(key, "max_pending") == 0)
        return parse_uint(value, 1, 100000, &c->max_pending);
    if (strcmp(section, "enrollment") == 0 && strcmp(key, "ttl") == 0)
        return parse_seconds(value, &c->enrollment_ttl);
    if (strcmp(section, "enrollment") == 0 && strcmp(key, "mode") == 0) {
        if (strcmp(value, "auto") == 0)
            c->enrollment_mode = ENROLL_AUTO;
        else if (strcmp(value, "approve") == 0)
            c->enrollment_mode = ENROLL_APPROVE;
        else
            return -EINVAL;
        return 0;
    }
    if (strcmp(section, "attestation") == 0 && strcmp(key, "nonce_ttl") == 0)
        return parse_seconds(value, &c->nonce_ttl);
    if (strcmp(section, "attestation") == 0 && strcmp(key, "verdict_ttl") == 0)
        return parse_seconds(value, &c->verdict_ttl);
    if (strcmp(section, "attestation") == 0 && strcmp(key, "proof_max_age") == 0)
        return parse_seconds(value, &c->proof_max_age);
    if (strcmp(section, "attestation") == 0 && strcmp(key, "require_boot_policy") == 0)
        return parse_bool(value, &c->require_boot_policy);
    if (strcmp(section, "attestation") == 0 && strcmp(key, "require_ima_policy") == 0)
        return parse_bool(value, &c->require_ima_policy);
    return -ENOENT;
}

#define CONFIG_MAX_SIZE (1024 * 1024)

struct ini_ctx {
    struct verifier_config *c;
    const char *path;
    int error;
};

static int config_ini_key(void *user, const struct conf_line *line, const char *section,
                          const char *name, const char *value)
{
    struct ini_ctx *ctx = user;
    int r = config_set(ctx->c, section, name, value);
    if (r == -ENOMEM)
        return r;
    if (r < 0) {
        fprintf(stderr, "%s:%u: [%s] %s = '%s': %s\n", ctx->path, line->number, section, name,
                value, r == -ENOENT ? "unknown key" : "invalid value");
        ctx->error = -EINVAL;
    }
    return 0;
}

static int config_ini_error(void *user, unsigned line, const char *message)
{
    struct ini_ctx *ctx = user;
    fprintf(stderr, "%s\n", message);
    ctx->error = -EINVAL;
    return 0;
}

int config_load_file(struct verifier_config *c, const char *path)
{
    _cleanup_free_ uint8_t *buf = NULL;
    size_t len;
    int r = file_read_all(path, CONFIG_MAX_SIZE, &buf, &len);
    if (r < 0) {
        fprintf(stderr, "%s: cannot read: %s\n", path, strerror(-r));
        return r;
    }
    struct ini_ctx ctx = {.c = c, .path = path};
    static const struct conf_ops ops = {.key = config_ini_key, .error = config_ini_error};
    r = conf_parse(path, (const char *)buf, len, &ops, &ctx);
    return r < 0 ? r : ctx.error;
}

static int default_path(char **dst, const char *dir, const char *name)
{
    if (*dst)
        return 0;
    if (asprintf(dst, "%s/%s", dir, name) < 0) {
        *dst = NULL;
        return -ENOMEM;
    }
    return 0;
}

int config_finish(struct verifier_config *c)
{
    if (default_path(&c->database, c->state_dir, "verifier.db") < 0 ||
        default_path(&c->signing_key, c->state_dir, "verdict-key.pem") < 0 ||
        default_path(&c->admin_token, c->state_dir, "admin-token") < 0 ||
        default_path(&c->nonce_key, c->state_dir, "nonce-key") < 0 ||
        default_path(&c->ek_roots, c->state_dir, "ek-roots") < 0)
        return -ENOMEM;
    if (!c->tls_cert != !c->tls_key) {
        fprintf(stderr, "tls_cert and tls_key go together\n");
        return -EINVAL;
    }
    TPML_PCR_SELECTION sel;
    if (pcrsel_parse(c->pcr_selection, &sel) < 0) {
        fprintf(stderr, "pcr_selection '%s' is not a valid selection\n", c->pcr_selection);
        return -EINVAL;
    }
    return 0;
}

void config_done(struct verifier_config *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < sizeof(string_keys) / sizeof(string_keys[0]); i++)
        free(*(char **)(void *)((char *)c + string_keys[i].offset));
    *c = (struct verifier_config){0};
}
