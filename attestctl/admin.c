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

#include "admin-client.h"
#include "lifecycle.h"
#include "api/json-check.h"
#include "common/cleanup.h"
#include "common/file-io.h"
#include "config.h"
#include "groups.h"
#include "http/http-client.h"
#include "util.h"
#include "verdict/signing-key.h"

static int cmd_list(struct client *c)
{
    json_t *reply = NULL;
    int r = client_get_json(c, "/v1/admin/machines", &reply);
    if (r)
        return r;
    if (c->json) {
        client_print_json(reply);
    } else {
        printf("%-32s  %-20s  %-16s  %-10s  %-15s  %s\n", "MACHINE-ID", "HOSTNAME", "STATUS",
               "GROUP", "LAST-VERDICT", "AT (UTC)");
        size_t i;
        json_t *m;
        json_array_foreach(json_object_get(reply, "machines"), i, m)
        {
            char t[32];
            printf("%-32s  %-20.20s  %-16s  %-10.10s  %-15s  %s\n", client_str(m, "machine_id"),
                   client_str(m, "hostname"), client_str(m, "status"), client_str(m, "group"),
                   client_str(m, "last_status"),
                   client_time_text(json_integer_value(json_object_get(m, "last_verdict_at")), t));
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
    int r = client_get_json(c, path, &reply);
    if (r)
        return r;
    if (c->json) {
        client_print_json(reply);
        json_decref(reply);
        return ATTESTCTL_EXIT_OK;
    }
    char t[32];
    static const char *const fields[] = {"machine_id", "hostname",  "status",     "group",
                                         "ak_name",    "ek_digest", "last_status"};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        printf("%-14s %s\n", fields[i], client_str(reply, fields[i]));
    printf("%-14s %s\n", "enrolled_at",
           client_time_text(json_integer_value(json_object_get(reply, "enrolled_at")), t));
    printf("%-14s %lld\n", "ima_verified",
           (long long)json_integer_value(json_object_get(reply, "ima_verified")));
    printf("\n%-19s  %-15s  %-24s  %-24s  %s\n", "AT (UTC)", "VERDICT", "BOOT POLICY", "IMA POLICY",
           "FAILED CHECKS");
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(reply, "attestations"), i, a)
    {
        _cleanup_free_ char *checks = json_dumps(json_object_get(a, "failed_checks"), 0);
        json_t *pol = json_object_get(a, "policies");
        printf("%-19s  %-15s  %-24s  %-24s  %s\n",
               client_time_text(json_integer_value(json_object_get(a, "at")), t),
               client_str(a, "status"), client_str(pol, "boot"), client_str(pol, "ima"),
               checks ? checks : "");
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
    int status = client_request(c, "POST", path, body ? body : "{}", true, &reply, NULL);
    if (status < 0)
        return ATTESTCTL_EXIT_USAGE;
    int r = status == 200 ? ATTESTCTL_EXIT_OK : client_refused(status, reply);
    if (r == ATTESTCTL_EXIT_OK)
        c->json ? client_print_json(reply) : (void)printf("%s: %s done\n", id, action);
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
    int status = client_request(c, "PUT", "/v1/admin/policies", text, true, &reply, NULL);
    if (status < 0)
        return ATTESTCTL_EXIT_USAGE;
    r = status == 200 ? ATTESTCTL_EXIT_OK : client_refused(status, reply);
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
               "  diff ID                   why its last evidence fails its policies, event by\n"
               "                            event, and what they allow instead (--json)\n"
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

int attestctl_machines(int argc, char **argv)
{
    struct client c;
    client_init(&c);
    static const struct option extra[] = {
        {"scope", required_argument, NULL, 100},
        {"name", required_argument, NULL, 101},
        {"kind", required_argument, NULL, 102},
    };
    const char *values[3] = {NULL};
    int r = client_parse_common(argc, argv, &c, extra, values, 3);
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
    r = client_connect(&c);
    if (r)
        return r;
    if (n == 1 && strcmp(a[0], "list") == 0)
        r = cmd_list(&c);
    else if (n == 2 && strcmp(a[0], "show") == 0)
        r = cmd_show(&c, a[1]);
    else if (n == 2 && strcmp(a[0], "diff") == 0)
        r = lifecycle_diff(&c, a[1]);
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
    client_close(&c);
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
    int r = client_parse_common(argc, argv, &c, extra, values, 1);
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
    int status = client_request(&c, "GET", "/v1/verifier/key", NULL, false, NULL, &text);
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
