/* SPDX-License-Identifier: Apache-2.0 */
/* The admin API client of attestctl (admin-client.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "admin-client.h"
#include "attestctl.h"
#include "common/cleanup.h"
#include "config.h"
#include "util.h"

void client_init(struct client *c)
{
    *c = (struct client){
        .server = getenv("ATTEST_SERVER") ? getenv("ATTEST_SERVER") : DEFAULT_SERVER,
        .token_file = getenv("ATTEST_ADMIN_TOKEN") ? getenv("ATTEST_ADMIN_TOKEN") : DEFAULT_TOKEN,
        .ca_file = getenv("ATTEST_CACERT"),
    };
}

int client_connect(struct client *c)
{
    int r = admin_token_read(c->token_file, c->token);
    if (r < 0) {
        fprintf(stderr, "attestctl: token file '%s': %s\n", c->token_file, strerror(-r));
        return ATTESTCTL_EXIT_USAGE;
    }
    r = client_open(c);
    if (r)
        OPENSSL_cleanse(c->token, sizeof(c->token));
    return r;
}

void client_close(struct client *c)
{
    OPENSSL_cleanse(c->token, sizeof(c->token));
    http_client_free(c->http);
    c->http = NULL;
}

/*
 * The HTTP client for c->server. The CA file is read first so that a missing
 * or unreadable one is reported as such rather than as a TLS failure.
 * Returns 0, or the exit code after printing why.
 */
int client_open(struct client *c)
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
int client_request(struct client *c, const char *method, const char *path, const char *body,
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

int client_refused(int status, json_t *reply)
{
    const char *msg = json_string_value(json_object_get(reply, "error"));
    fprintf(stderr, "attestctl: verifier answered %d: %s\n", status, msg ? msg : "(no message)");
    return ATTESTCTL_EXIT_FAILED;
}

void client_print_json(json_t *j)
{
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
    if (s)
        printf("%s\n", s);
    free(s);
}

const char *client_time_text(json_int_t t, char buf[32])
{
    if (t <= 0)
        return "-";
    time_t tt = (time_t)t;
    struct tm tm;
    strftime(buf, 32, "%Y-%m-%d %H:%M:%S", gmtime_r(&tt, &tm));
    return buf;
}

const char *client_str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s && *s ? s : "-";
}

int client_get_json(struct client *c, const char *path, json_t **ret)
{
    return client_call(c, "GET", path, NULL, ret);
}

int client_call(struct client *c, const char *method, const char *path, const char *body,
                json_t **ret)
{
    json_t *reply = NULL;
    int status = client_request(c, method, path, body, true, &reply, NULL);
    if (status < 0)
        return ATTESTCTL_EXIT_USAGE;
    if (status != 200) {
        int r = client_refused(status, reply);
        json_decref(reply);
        return r;
    }
    *ret = reply;
    return 0;
}

int client_parse_common(int argc, char **argv, struct client *c, const struct option *extra,
                        const char **values, size_t n_extra)
{
    struct option opts[16] = {
        {"server", required_argument, NULL, 's'}, {"token", required_argument, NULL, 't'},
        {"cacert", required_argument, NULL, 'c'}, {"json", no_argument, NULL, 'j'},
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
            values[opt - 100] = optarg ? optarg : "";
        else
            return opt == 'h' ? 1 : -EINVAL;
    }
    return 0;
}
