/* SPDX-License-Identifier: Apache-2.0 */
/* attest-verifier: the control plane's HTTP service (docs/attest-verifier.md). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "common/cleanup.h"
#include "common/file-io.h"
#include "common/pcr-selection.h"
#include "config.h"
#include "verifier.h"

#define EXPIRE_INTERVAL 30 /* seconds between sweeps of expired challenges and used nonces */

static void usage(FILE *f)
{
    fprintf(
        f,
        "Usage: attest-verifier [OPTIONS]\n\n"
        "  --listen HOST:PORT       address to listen on (default 127.0.0.1:8443; port 0: any)\n"
        "  --state-dir DIR          database, keys, admin token (default %s)\n"
        "  --config FILE            INI configuration (flags override it)\n"
        "  --tls-cert FILE --tls-key FILE   serve HTTPS\n"
        "  --database FILE  --signing-key FILE  --admin-token FILE\n"
        "  --ek-roots DIR  --ek-allowlist FILE  --enrollment-mode auto|approve\n"
        "  --pcr-selection SEL  --nonce-ttl SECONDS  --verdict-ttl SECONDS\n"
        "  --nonce-key FILE         nonce MAC key, shared by verifiers of one database\n"
        "  --workers N  --max-connections N  --request-timeout SECONDS\n"
        "  --require-boot-policy true|false  --require-ima-policy true|false\n"
        "                           fail a machine that has no policy of the kind (default true)\n"
        "  --metrics-token FILE     /metrics requires this bearer token (made when missing)\n"
        "  --admin-readonly-token FILE  a second admin token that may only read (made when\n"
        "                           missing)\n"
        "  --body-budget BYTES  --min-body-rate BYTES/S  --per-address-connections N\n"
        "  --port-file FILE         write the bound port there once listening\n"
        "  --version\n",
        VERIFIER_STATEDIR);
}

struct flag_key {
    const char *section, *key;
};

static const struct option options[] = {
    {"listen", required_argument, NULL, 0},
    {"state-dir", required_argument, NULL, 1},
    {"tls-cert", required_argument, NULL, 2},
    {"tls-key", required_argument, NULL, 3},
    {"database", required_argument, NULL, 4},
    {"signing-key", required_argument, NULL, 5},
    {"admin-token", required_argument, NULL, 6},
    {"ek-roots", required_argument, NULL, 7},
    {"ek-allowlist", required_argument, NULL, 8},
    {"enrollment-mode", required_argument, NULL, 9},
    {"pcr-selection", required_argument, NULL, 10},
    {"nonce-ttl", required_argument, NULL, 11},
    {"verdict-ttl", required_argument, NULL, 12},
    {"workers", required_argument, NULL, 13},
    {"max-connections", required_argument, NULL, 14},
    {"request-timeout", required_argument, NULL, 15},
    {"max-pending", required_argument, NULL, 16},
    {"require-boot-policy", required_argument, NULL, 17},
    {"require-ima-policy", required_argument, NULL, 18},
    {"metrics-token", required_argument, NULL, 19},
    {"nonce-key", required_argument, NULL, 20},
    {"body-budget", required_argument, NULL, 21},
    {"min-body-rate", required_argument, NULL, 22},
    {"per-address-connections", required_argument, NULL, 23},
    {"admin-readonly-token", required_argument, NULL, 24},
    {"config", required_argument, NULL, 'c'},
    {"port-file", required_argument, NULL, 'p'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* Flag index -> config key (same order as options[]). */
static const struct flag_key flag_keys[] = {
    {"server", "listen"},
    {"server", "state_dir"},
    {"server", "tls_cert"},
    {"server", "tls_key"},
    {"storage", "database"},
    {"keys", "signing_key"},
    {"keys", "admin_token"},
    {"enrollment", "ek_roots"},
    {"enrollment", "ek_allowlist"},
    {"enrollment", "mode"},
    {"attestation", "pcr_selection"},
    {"attestation", "nonce_ttl"},
    {"attestation", "verdict_ttl"},
    {"server", "workers"},
    {"server", "max_connections"},
    {"server", "request_timeout"},
    {"attestation", "max_pending"},
    {"attestation", "require_boot_policy"},
    {"attestation", "require_ima_policy"},
    {"server", "metrics_token"},
    {"keys", "nonce_key"},
    {"server", "body_budget"},
    {"server", "min_body_rate"},
    {"server", "per_address_connections"},
    {"keys", "admin_readonly_token"},
};

struct args {
    const char *config_file;
    const char *port_file;
};

/* Parse flags: the config file first, then every flag over it. */
static int parse_args(int argc, char **argv, struct verifier_config *c, struct args *a)
{
    int opt;
    while ((opt = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
        if (opt == 'c')
            a->config_file = optarg;
        else if (opt == 'h') {
            usage(stdout);
            exit(0);
        } else if (opt == 'V') {
            printf("attest-verifier %s\n", PACKAGE_VERSION);
            exit(0);
        } else if (opt == '?')
            return -EINVAL;
    }
    if (optind != argc) {
        fprintf(stderr, "unexpected argument '%s'\n", argv[optind]);
        return -EINVAL;
    }
    if (a->config_file) {
        int r = config_load_file(c, a->config_file);
        if (r < 0)
            return r;
    }
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
        if (opt == 'p')
            a->port_file = optarg;
        if (opt < 0 || opt >= (int)(sizeof(flag_keys) / sizeof(flag_keys[0])))
            continue;
        int r = config_set(c, flag_keys[opt].section, flag_keys[opt].key, optarg);
        if (r < 0) {
            fprintf(stderr, "--%s '%s': invalid value\n", options[opt].name, optarg);
            return -EINVAL;
        }
    }
    return 0;
}

static void observe(void *userdata, const char *route, unsigned status, double seconds)
{
    struct verifier *v = userdata;
    metrics_request(v->metrics, route, status, seconds);
}

static int read_pem(const char *path, char **ret)
{
    uint8_t *buf;
    size_t len;
    int r = file_read_all(path, 1 << 20, &buf, &len);
    if (r < 0)
        return r;
    *ret = (char *)buf;
    return 0;
}

static int write_port_file(const char *path, uint16_t port)
{
    char text[16];
    int n = snprintf(text, sizeof(text), "%u\n", port);
    return file_write_atomic(path, text, (size_t)n, 0644);
}

/* Wait for SIGTERM/SIGINT, sweeping expired nonces now and then. */
static void serve(struct verifier *v, const sigset_t *signals)
{
    for (;;) {
        struct timespec timeout = {EXPIRE_INTERVAL, 0};
        int sig = sigtimedwait(signals, NULL, &timeout);
        if (sig == SIGTERM || sig == SIGINT)
            return;
        if (sig < 0 && errno == EAGAIN) {
            int r = v->storage->ops->expire(v->storage, verifier_now());
            if (r < 0)
                vlog_msg(&v->log, LOG_WARNING, "expiring nonces failed: %s", strerror(-r));
        }
    }
}

/* Said at every start: an opt-out of the fail-closed default is never silent. */
static void warn_policy_opt_outs(struct verifier *v)
{
    if (!v->cfg->require_boot_policy)
        vlog_msg(&v->log, LOG_WARNING,
                 "require_boot_policy = false: a machine without a measured-boot policy is not"
                 " judged on its boot (its verdicts name policy-boot as skipped)");
    if (!v->cfg->require_ima_policy)
        vlog_msg(&v->log, LOG_WARNING,
                 "require_ima_policy = false: a machine without an IMA policy is not judged on"
                 " what it runs (its verdicts name policy-ima as skipped)");
}

static int run(struct verifier_config *cfg, const struct args *a)
{
    struct verifier v = {.cfg = cfg};
    _cleanup_free_ char *cert = NULL, *key = NULL;
    vlog_init(&v.log, LOG_INFO);
    int r;

    if (mkdir(cfg->state_dir, 0700) < 0 && errno != EEXIST) {
        r = -errno;
        vlog_msg(&v.log, LOG_ERR, "cannot create state directory '%s': %s", cfg->state_dir,
                 strerror(-r));
        return r;
    }
    pcrsel_parse(cfg->pcr_selection, &v.pcr_selection); /* checked by config_finish() */
    v.pcr_selection_text = pcrsel_format(&v.pcr_selection);
    if (!v.pcr_selection_text)
        return -ENOMEM;

    r = signing_key_load_or_create(cfg->signing_key, &v.key);
    if (r < 0) {
        vlog_msg(&v.log, LOG_ERR, "signing key '%s': %s", cfg->signing_key, strerror(-r));
        goto out;
    }
    r = admin_token_load_or_create(cfg->admin_token, v.admin_token);
    if (r < 0) {
        vlog_msg(&v.log, LOG_ERR, "admin token '%s': %s%s", cfg->admin_token, strerror(-r),
                 r == -EPERM ? " (the file must be mode 0600)" : "");
        goto out;
    }
    r = admin_token_identity(v.admin_token, v.admin_identity);
    if (r < 0)
        goto out;
    if (cfg->metrics_token) {
        r = admin_token_load_or_create(cfg->metrics_token, v.metrics_token);
        if (r < 0) {
            vlog_msg(&v.log, LOG_ERR, "metrics token '%s': %s%s", cfg->metrics_token, strerror(-r),
                     r == -EPERM ? " (the file must be mode 0600)" : "");
            goto out;
        }
        v.metrics_token_set = true;
    }
    if (cfg->admin_readonly_token) {
        r = admin_token_load_or_create(cfg->admin_readonly_token, v.readonly_token);
        if (r < 0) {
            vlog_msg(&v.log, LOG_ERR, "read-only admin token '%s': %s%s", cfg->admin_readonly_token,
                     strerror(-r), r == -EPERM ? " (the file must be mode 0600)" : "");
            goto out;
        }
        v.readonly_token_set = true;
    }
    warn_policy_opt_outs(&v);
    r = nonce_key_load_or_create(cfg->nonce_key, &v.nonce_key);
    if (r < 0) {
        vlog_msg(&v.log, LOG_ERR, "nonce key '%s': %s%s", cfg->nonce_key, strerror(-r),
                 r == -EPERM     ? " (the file must be mode 0600)"
                 : r == -EBADMSG ? " (it must hold exactly 32 bytes)"
                                 : "");
        goto out;
    }
    r = ek_trust_load(cfg->ek_roots, cfg->ek_allowlist, &v.ek_trust);
    if (r < 0) {
        vlog_msg(&v.log, LOG_ERR, "EK roots '%s' or allowlist: %s", cfg->ek_roots, strerror(-r));
        goto out;
    }
    if (!v.ek_trust.store && v.ek_trust.n_allow == 0)
        vlog_msg(&v.log, LOG_WARNING,
                 "no EK roots in '%s' and no allowlist: every enrollment will be refused",
                 cfg->ek_roots);
    r = metrics_new(&v.metrics);
    if (r < 0)
        goto out;
    struct storage_sqlite_options so = {
        .path = cfg->database,
        .readers = cfg->workers,
        .batch_max = cfg->batch_max,
        .max_pending = cfg->max_pending,
        .evidence_per_machine = cfg->evidence_per_machine,
    };
    r = storage_sqlite_open(&so, &v.storage);
    if (r < 0) {
        vlog_msg(&v.log, LOG_ERR, "database '%s': %s", cfg->database, strerror(-r));
        goto out;
    }

    if (cfg->tls_cert &&
        ((r = read_pem(cfg->tls_cert, &cert)) < 0 || (r = read_pem(cfg->tls_key, &key)) < 0)) {
        vlog_msg(&v.log, LOG_ERR, "TLS certificate or key: %s", strerror(-r));
        goto out;
    }
    struct http_options ho = {
        .listen = cfg->listen,
        .tls_cert_pem = cert,
        .tls_key_pem = key,
        .workers = cfg->workers,
        .max_connections = cfg->max_connections,
        .timeout = cfg->request_timeout,
        .body_budget = cfg->body_budget,
        .min_body_rate = cfg->min_body_rate,
        .per_address_connections = cfg->per_address_connections,
        .observe = observe,
    };
    struct http_server *server;
    r = http_server_start(&ho, verifier_routes, verifier_n_routes, &v, &server);
    if (r < 0) {
        vlog_msg(&v.log, LOG_ERR, "cannot listen on %s: %s", cfg->listen, strerror(-r));
        goto out;
    }
    atomic_store(&v.http, server);
    uint16_t port = http_server_port(server);
    if (a->port_file && (r = write_port_file(a->port_file, port)) < 0) {
        vlog_msg(&v.log, LOG_ERR, "port file '%s': %s", a->port_file, strerror(-r));
        http_server_stop(server);
        goto out;
    }
    vlog_msg(&v.log, LOG_INFO, "listening on %s://%s (port %u), database %s",
             cert ? "https" : "http", cfg->listen, port, cfg->database);
    sd_notifyf(0, "READY=1\nSTATUS=listening on port %u", port);

    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    serve(&v, &signals);

    sd_notify(0, "STOPPING=1");
    vlog_msg(&v.log, LOG_INFO, "stopping");
    http_server_stop(server); /* finishes requests in flight */
    r = 0;
out:
    storage_close(v.storage);
    metrics_free(v.metrics);
    signing_key_free(v.key);
    ek_trust_done(&v.ek_trust);
    free(v.pcr_selection_text);
    OPENSSL_cleanse(v.admin_token, sizeof(v.admin_token));
    OPENSSL_cleanse(v.readonly_token, sizeof(v.readonly_token));
    OPENSSL_cleanse(&v.nonce_key, sizeof(v.nonce_key));
    return r;
}

int main(int argc, char **argv)
{
    struct verifier_config cfg;
    struct args a = {0};
    if (config_init(&cfg) < 0)
        return 1;
    int r = parse_args(argc, argv, &cfg, &a);
    if (r == 0)
        r = config_finish(&cfg);
    if (r < 0) {
        config_done(&cfg);
        return 2;
    }
    /* Block the stop signals before any thread starts: serve() takes them. */
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigprocmask(SIG_BLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);
    umask(077); /* the database holds enrollment secrets */

    r = run(&cfg, &a);
    config_done(&cfg);
    return r < 0 ? 1 : 0;
}
