/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The operator's client of the verifier's admin API (docs/admin-api.md),
 * shared by the groups that talk to it (machines, policy's lifecycle
 * commands, audit): lib/http (libcurl, TLS always verified, against --cacert
 * when given), the bearer token read from a 0600 file, the common options.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>

#include "api/admin-token.h"
#include "http/http-client.h"

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

/* Defaults from the environment ($ATTEST_SERVER, $ATTEST_ADMIN_TOKEN, $ATTEST_CACERT). */
void client_init(struct client *c);

/* The token read and the HTTP client open: 0, or the exit code after printing why. */
int client_connect(struct client *c);
void client_close(struct client *c);

/*
 * The HTTP client for c->server. The CA file is read first so that a missing
 * or unreadable one is reported as such rather than as a TLS failure.
 * Returns 0, or the exit code after printing why.
 */
int client_open(struct client *c);

/* One request; *ret_json is the parsed reply (or NULL); returns the HTTP status or -errno. */
int client_request(struct client *c, const char *method, const char *path, const char *body,
                   bool auth, json_t **ret_json, char **ret_text);

/* "attestctl: verifier answered N: MESSAGE"; returns ATTESTCTL_EXIT_FAILED. */
int client_refused(int status, json_t *reply);
void client_print_json(json_t *j);
/* "YYYY-MM-DD HH:MM:SS" (UTC) or "-". */
const char *client_time_text(json_int_t t, char buf[32]);
/* o[k] as a string, "-" when absent or empty. */
const char *client_str(json_t *o, const char *k);

/* GET an admin resource: 0 with *ret the 200 reply, else the exit code (reason printed). */
int client_get_json(struct client *c, const char *path, json_t **ret);
/* The same for any method with a body (JSON text, may be NULL). */
int client_call(struct client *c, const char *method, const char *path, const char *body,
                json_t **ret);

/*
 * The options every group of the client takes (--server, --token, --cacert,
 * --json, --help) plus extra ones (val 100 + i fills values[i]; a
 * no_argument option sets values[i] to ""). 1 for --help, -EINVAL on a bad
 * option, 0 otherwise; optind is the first operand.
 */
int client_parse_common(int argc, char **argv, struct client *c, const struct option *extra,
                        const char **values, size_t n_extra);
