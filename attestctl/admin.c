/* SPDX-License-Identifier: Apache-2.0 */
/*
 * attestctl machines ... / attestctl verifier ...: the operator's client of the
 * verifier's admin API (docs/admin-api.md), over lib/http (libcurl, TLS always
 * verified, against --cacert when given), bearer token read from a 0600 file.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/admin-token.h"
#include "api/json-check.h"
#include "common/cleanup.h"
#include "common/file-io.h"
#include "config.h"
#include "groups.h"
#include "http/http-client.h"
#include "util.h"
#include "verdict/signing-key.h"

#define DEFAULT_SERVER "http://127.0.0.1:8443"
#define DEFAULT_TOKEN  VERIFIER_STATEDIR "/admin-token"
#define MAX_REPLY      (16u << 20)
#define TIMEOUT_MS     30000

struct client {
    const char *server;
    const char *token_file;
    const char *ca_file; /* NULL: the system trust store */
    bool json;
    char token[ADMIN_TOKEN_LEN + 1];
    struct http_client *http;
};

/*
 * The HTTP client for c->server. The CA file is read first so that a missing
 * or unreadable one is reported as such rather than as a TLS failure.
 * Returns 0, or the exit code after printing why.
 */
static int client_open(struct client *c)
{
    if (c->ca_file) {
        uint8_t *pem = NULL;
        size_t len;
        if (attestctl_read_file("CA file", c->ca_file, MAX_REPLY, &pem, &len) < 0)
            return ATTESTCTL_EXIT_USAGE;
        free(pem);
    }
    const struct http_client_opts o = {
        .base_url = c->server,
        .ca_file = c->ca_file,
        .allow_http = true, /* the default server is the verifier on loopback */
        .connect_timeout_ms = TIMEOUT_MS,
        .request_timeout_ms = TIMEOUT_MS,
        .max_reply = MAX_REPLY,
    };
    char err[256];
    int r = http_client_new(&o, &c->http, err, sizeof(err));
    if (r < 0) {
        fprintf(stderr, "attestctl: %s\n", r == -ENOMEM ? "out of memory" : err);
        return ATTESTCTL_EXIT_USAGE;
    }
    return 0;
}

static void transport_failed(const struct client *c, const char *path, int r)
{
    const char *why = http_client_last_error(c->http);
    if (!*why)
        why = strerror(-r);
    if (r == -EKEYREJECTED)
        fprintf(stderr, "attestctl: %s%s: TLS verification failed: %s\n", c->server, path, why);
    else
        fprintf(stderr, "attestctl: %s%s: %s\n", c->server, path, why);
}

/* One request; *ret_json is the parsed reply (or NULL); returns the HTTP status or -errno. */
static int request(struct client *c, const char *method, const char *path, const char *body,
                   bool auth, json_t **ret_json, char **ret_text)
{
    char bearer[sizeof("Authorization: Bearer ") + ADMIN_TOKEN_LEN] = "";
    if (auth)
        snprintf(bearer, sizeof(bearer), "Authorization: Bearer %s", c->token);
    const char *const headers[] = {bearer, NULL};
    struct http_response resp = {0};
    int r = http_send(c->http, method, path, auth ? headers : NULL, body, &resp);
    OPENSSL_cleanse(bearer, sizeof(bearer));
    if (r < 0) {
        transport_failed(c, path, r);
        return r;
    }
    if (ret_json)
        *ret_json = json_loads(resp.body, 0, NULL);
    if (ret_text)
        *ret_text = TAKE_PTR(resp.body);
    long status = resp.status;
    http_response_done(&resp);
    return (int)status;
}

static int refused(int status, json_t *reply)
{
    const char *msg = json_string_value(json_object_get(reply, "error"));
    fprintf(stderr, "attestctl: verifier answered %d: %s\n", status, msg ? msg : "(no message)");
    return ATTESTCTL_EXIT_FAILED;
}

static void print_json(json_t *j)
{
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
    if (s)
        printf("%s\n", s);
    free(s);
}

static const char *time_text(json_int_t t, char buf[32])
{
    if (t <= 0)
        return "-";
    time_t tt = (time_t)t;
    struct tm tm;
    strftime(buf, 32, "%Y-%m-%d %H:%M:%S", gmtime_r(&tt, &tm));
    return buf;
}

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s && *s ? s : "-";
}

/* GET an admin resource: 0 with *ret the 200 reply, else the exit code (reason printed). */
static int get_json(struct client *c, const char *path, json_t **ret)
{
    json_t *reply = NULL;
    int status = request(c, "GET", path, NULL, true, &reply, NULL);
    if (status < 0)
        return ATTESTCTL_EXIT_USAGE;
    if (status != 200) {
        int r = refused(status, reply);
        json_decref(reply);
        return r;
    }
    *ret = reply;
    return 0;
}

static int cmd_list(struct client *c)
{
    json_t *reply = NULL;
    int r = get_json(c, "/v1/admin/machines", &reply);
    if (r)
        return r;
    if (c->json) {
        print_json(reply);
    } else {
        printf("%-32s  %-20s  %-16s  %-10s  %-15s  %s\n", "MACHINE-ID", "HOSTNAME", "STATUS",
               "GROUP", "LAST-VERDICT", "AT (UTC)");
        size_t i;
        json_t *m;
        json_array_foreach(json_object_get(reply, "machines"), i, m)
        {
            char t[32];
            printf("%-32s  %-20.20s  %-16s  %-10.10s  %-15s  %s\n", str(m, "machine_id"),
                   str(m, "hostname"), str(m, "status"), str(m, "group"), str(m, "last_status"),
                   time_text(json_integer_value(json_object_get(m, "last_verdict_at")), t));
        }
    }
    json_decref(reply);
    return ATTESTCTL_EXIT_OK;
}

static int cmd_show(struct client *c, const char *id)
{
    _cleanup_free_ char *path = NULL;
    json_t *reply = NULL;
    if (asprintf(&path, "/v1/admin/machines/%s", id) < 0)
        return ATTESTCTL_EXIT_USAGE;
    int r = get_json(c, path, &reply);
    if (r)
        return r;
    if (c->json) {
        print_json(reply);
        json_decref(reply);
        return ATTESTCTL_EXIT_OK;
    }
    char t[32];
    static const char *const fields[] = {"machine_id", "hostname",  "status",     "group",
                                         "ak_name",    "ek_digest", "last_status"};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        printf("%-14s %s\n", fields[i], str(reply, fields[i]));
    printf("%-14s %s\n", "enrolled_at",
           time_text(json_integer_value(json_object_get(reply, "enrolled_at")), t));
    printf("%-14s %lld\n", "ima_verified",
           (long long)json_integer_value(json_object_get(reply, "ima_verified")));
    printf("\n%-19s  %-15s  %s\n", "AT (UTC)", "VERDICT", "FAILED CHECKS");
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(reply, "attestations"), i, a)
    {
        _cleanup_free_ char *checks = json_dumps(json_object_get(a, "failed_checks"), 0);
        printf("%-19s  %-15s  %s\n", time_text(json_integer_value(json_object_get(a, "at")), t),
               str(a, "status"), checks ? checks : "");
    }
    json_decref(reply);
    return ATTESTCTL_EXIT_OK;
}

static int cmd_action(struct client *c, const char *id, const char *action, const char *body)
{
    _cleanup_free_ char *path = NULL;
    json_t *reply = NULL;
    if (!is_lower_hex(id, 32)) {
        fprintf(stderr, "attestctl: machine id must be 32 lowercase hex characters\n");
        return ATTESTCTL_EXIT_USAGE;
    }
    if (asprintf(&path, "/v1/admin/machines/%s/%s", id, action) < 0)
        return ATTESTCTL_EXIT_USAGE;
    int status = request(c, "POST", path, body ? body : "{}", true, &reply, NULL);
    if (status < 0)
        return ATTESTCTL_EXIT_USAGE;
    int r = status == 200 ? ATTESTCTL_EXIT_OK : refused(status, reply);
    if (r == ATTESTCTL_EXIT_OK)
        c->json ? print_json(reply) : (void)printf("%s: %s done\n", id, action);
    json_decref(reply);
    return r;
}

static int cmd_policy_set(struct client *c, const char *scope, const char *name, const char *kind,
                          const char *file)
{
    uint8_t *buf = NULL;
    size_t len;
    int r = file_read_all(file, 8u << 20, &buf, &len);
    if (r < 0) {
        fprintf(stderr, "attestctl: %s: %s\n", file, strerror(-r));
        return ATTESTCTL_EXIT_USAGE;
    }
    json_t *policy = json_loadb((const char *)buf, len, 0, NULL);
    free(buf);
    if (!json_is_object(policy)) {
        json_decref(policy);
        fprintf(stderr, "attestctl: %s is not a JSON object\n", file);
        return ATTESTCTL_EXIT_USAGE;
    }
    json_t *body = json_pack("{s:s, s:s, s:s, s:o}", "scope", scope, "name", name, "kind", kind,
                             "policy", policy);
    _cleanup_free_ char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!text)
        return ATTESTCTL_EXIT_USAGE;
    json_t *reply = NULL;
    int status = request(c, "PUT", "/v1/admin/policies", text, true, &reply, NULL);
    if (status < 0)
        return ATTESTCTL_EXIT_USAGE;
    r = status == 200 ? ATTESTCTL_EXIT_OK : refused(status, reply);
    if (r == ATTESTCTL_EXIT_OK)
        printf("%s policy set for %s '%s'\n", kind, scope, name);
    json_decref(reply);
    return r;
}

static void usage_machines(FILE *f)
{
    fprintf(f, "Usage: attestctl machines [--server URL] [--token FILE] [--cacert FILE] [--json]\n"
               "                          COMMAND\n\n"
               "  list                      enrolled machines and their last verdicts\n"
               "  show ID                   one machine with its last attestations\n"
               "  approve ID                enroll a machine pending approval (or revoked)\n"
               "  revoke ID                 refuse its nonces and attestations from now on\n"
               "  reset ID                  forget its identity (EK, AK): it may enroll again\n"
               "                            with other hardware\n"
               "  group ID NAME             put it in a policy group\n"
               "  policy set --scope machine|group --name NAME --kind boot|ima FILE\n"
               "                            set a measured-boot or IMA policy (docs/policy.md)\n\n"
               "Defaults: --server $ATTEST_SERVER or " DEFAULT_SERVER ",\n"
               "          --token $ATTEST_ADMIN_TOKEN or " DEFAULT_TOKEN " (mode 0600),\n"
               "          --cacert $ATTEST_CACERT or the system trust store: the CA (PEM)\n"
               "          an https:// server's certificate is verified against.\n");
}

static int parse_common(int argc, char **argv, struct client *c, const struct option *extra,
                        const char **values, size_t n_extra)
{
    struct option opts[16] = {
        {"server", required_argument, NULL, 's'},
        {"token", required_argument, NULL, 't'},
        {"cacert", required_argument, NULL, 'c'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
    };
    size_t n = 5;
    for (size_t i = 0; i < n_extra && n < 15; i++)
        opts[n++] = extra[i];
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
        if (opt == 's')
            c->server = optarg;
        else if (opt == 't')
            c->token_file = optarg;
        else if (opt == 'c')
            c->ca_file = optarg;
        else if (opt == 'j')
            c->json = true;
        else if (opt >= 100 && (size_t)(opt - 100) < n_extra)
            values[opt - 100] = optarg;
        else
            return opt == 'h' ? 1 : -EINVAL;
    }
    return 0;
}

int attestctl_machines(int argc, char **argv)
{
    struct client c = {
        .server = getenv("ATTEST_SERVER") ? getenv("ATTEST_SERVER") : DEFAULT_SERVER,
        .token_file = getenv("ATTEST_ADMIN_TOKEN") ? getenv("ATTEST_ADMIN_TOKEN") : DEFAULT_TOKEN,
        .ca_file = getenv("ATTEST_CACERT"),
    };
    static const struct option extra[] = {
        {"scope", required_argument, NULL, 100},
        {"name", required_argument, NULL, 101},
        {"kind", required_argument, NULL, 102},
    };
    const char *values[3] = {NULL};
    int r = parse_common(argc, argv, &c, extra, values, 3);
    if (r != 0) {
        usage_machines(r > 0 ? stdout : stderr);
        return r > 0 ? ATTESTCTL_EXIT_OK : ATTESTCTL_EXIT_USAGE;
    }
    int n = argc - optind;
    char **a = argv + optind;
    if (n < 1) {
        usage_machines(stderr);
        return ATTESTCTL_EXIT_USAGE;
    }
    r = admin_token_read(c.token_file, c.token);
    if (r < 0) {
        fprintf(stderr, "attestctl: token file '%s': %s\n", c.token_file, strerror(-r));
        return ATTESTCTL_EXIT_USAGE;
    }
    r = client_open(&c);
    if (r) {
        OPENSSL_cleanse(c.token, sizeof(c.token));
        return r;
    }
    if (n == 1 && strcmp(a[0], "list") == 0)
        r = cmd_list(&c);
    else if (n == 2 && strcmp(a[0], "show") == 0)
        r = cmd_show(&c, a[1]);
    else if (n == 2 && (strcmp(a[0], "approve") == 0 || strcmp(a[0], "revoke") == 0 ||
                        strcmp(a[0], "reset") == 0))
        r = cmd_action(&c, a[1], a[0], NULL);
    else if (n == 3 && strcmp(a[0], "group") == 0) {
        json_t *body = json_pack("{s:s}", "group", a[2]);
        _cleanup_free_ char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
        json_decref(body);
        r = text ? cmd_action(&c, a[1], "group", text) : ATTESTCTL_EXIT_USAGE;
    } else if (n == 3 && strcmp(a[0], "policy") == 0 && strcmp(a[1], "set") == 0 && values[0] &&
               values[1] && values[2])
        r = cmd_policy_set(&c, values[0], values[1], values[2], a[2]);
    else {
        usage_machines(stderr);
        r = ATTESTCTL_EXIT_USAGE;
    }
    OPENSSL_cleanse(c.token, sizeof(c.token));
    http_client_free(c.http);
    return r;
}

/* attestctl verifier pubkey: the verdict key runners pin, from the server or the key file. */
int attestctl_verifier(int argc, char **argv)
{
    struct client c = {
        .server = getenv("ATTEST_SERVER") ? getenv("ATTEST_SERVER") : DEFAULT_SERVER,
        .ca_file = getenv("ATTEST_CACERT"),
    };
    static const struct option extra[] = {{"key", required_argument, NULL, 100}};
    const char *values[1] = {NULL};
    int r = parse_common(argc, argv, &c, extra, values, 1);
    if (r != 0 || argc - optind != 1 || strcmp(argv[optind], "pubkey") != 0) {
        fprintf(r > 0 ? stdout : stderr,
                "Usage: attestctl verifier pubkey [--server URL [--cacert FILE] | --key FILE]\n"
                "  print the verdict-signing public key (PEM) runners pin; --key reads the\n"
                "  verifier's key file (private or public PEM) instead of asking the server.\n"
                "  --cacert (default $ATTEST_CACERT): the CA (PEM) of an https:// server.\n");
        return r > 0 ? ATTESTCTL_EXIT_OK : ATTESTCTL_EXIT_USAGE;
    }
    if (values[0]) {
        _cleanup_free_ char *pem = NULL;
        r = signing_key_public_pem(values[0], &pem);
        if (r < 0) {
            fprintf(stderr, "attestctl: %s: %s\n", values[0], strerror(-r));
            return ATTESTCTL_EXIT_USAGE;
        }
        fputs(pem, stdout);
        return ATTESTCTL_EXIT_OK;
    }
    r = client_open(&c);
    if (r)
        return r;
    char *text = NULL;
    int status = request(&c, "GET", "/v1/verifier/key", NULL, false, NULL, &text);
    http_client_free(c.http);
    if (status != 200 || !text || !strstr(text, "BEGIN PUBLIC KEY")) {
        fprintf(stderr, "attestctl: no key from %s (status %d)\n", c.server, status);
        free(text);
        return status < 0 ? ATTESTCTL_EXIT_USAGE : ATTESTCTL_EXIT_FAILED;
    }
    fputs(text, stdout);
    free(text);
    return ATTESTCTL_EXIT_OK;
}
