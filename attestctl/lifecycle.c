/* SPDX-License-Identifier: Apache-2.0 */
/*
 * attestctl's commands of a fleet's policy lifecycle (lifecycle.h):
 *   machines diff ID [--json]
 *   policy capture MACHINE [--group NAME] [--kind boot|ima] [--dry-run] [--reason TEXT]
 *   policy approve MACHINE [--group NAME] [--kind boot|ima] --reason TEXT [--yes]
 *   policy history SCOPE NAME [--kind boot|ima]
 *   policy show SCOPE NAME --version N [--kind boot|ima]
 *   policy rollback SCOPE NAME --version N --reason TEXT [--kind boot|ima]
 *   audit [--since UNIXTIME] [--limit N]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/json-check.h"
#include "attestctl.h"
#include "common/cleanup.h"
#include "groups.h"
#include "lifecycle.h"

static void json_decrefp_(json_t **j)
{
    json_decref(*j);
}
#define _cleanup_json_ __attribute__((cleanup(json_decrefp_)))

/* POST body to path; 0 with *ret the 200 reply, else the exit code (reason printed). */
static int post_json(struct client *c, const char *path, json_t *body, json_t **ret)
{
    _cleanup_free_ char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    return text ? client_call(c, "POST", path, text, ret) : ATTESTCTL_EXIT_USAGE;
}

static bool machine_id_ok(const char *id)
{
    if (is_lower_hex(id, 32))
        return true;
    fprintf(stderr, "attestctl: machine id must be 32 lowercase hex characters\n");
    return false;
}

/* One drift item as a terminal reads it. */
static void print_item(json_t *it)
{
    json_t *pcr = json_object_get(it, "pcr");
    printf("  FAIL %s", client_str(it, "check"));
    if (json_is_integer(pcr))
        printf(" (PCR %lld, event %lld, %s)", (long long)json_integer_value(pcr),
               (long long)json_integer_value(json_object_get(it, "event")), client_str(it, "type"));
    printf(": %s\n", client_str(it, "reason"));
    const char *desc = json_string_value(json_object_get(it, "description"));
    printf("       found:   %s\n", desc ? desc : client_str(it, "subject"));
    json_t *allowed = json_object_get(it, "allowed");
    size_t i;
    json_t *a;
    if (json_is_array(allowed) && json_array_size(allowed) > 0) {
        json_array_foreach(allowed, i, a)
            printf("       %s %s\n",
                   i ? "        " : "allowed:", json_is_string(a) ? json_string_value(a) : "?");
    } else if (json_is_boolean(allowed)) {
        printf("       allowed: %s\n", json_is_true(allowed) ? "true" : "false");
    } else {
        printf("       allowed: (nothing listed)\n");
    }
    json_t *add = json_object_get(it, "add");
    printf("       approve: %s\n",
           json_is_object(add) ? "adds the value found" : "cannot be approved by adding a value");
}

/* The items of one kind; their number. */
static size_t print_kind(json_t *k, const char *kind)
{
    json_t *items = json_object_get(k, "items");
    const char *policy = json_string_value(json_object_get(k, "policy"));
    if (!policy) {
        printf("%s: no policy (no-policy)\n", kind);
        return 0;
    }
    size_t n = json_array_size(items);
    printf("%s: policy %s: %s\n", kind, policy, n ? "drift" : "no drift");
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) print_item(it);
    return n;
}

/* The diff of a machine: 0 with *ret, else the exit code. */
static int get_diff(struct client *c, const char *machine_id, json_t **ret)
{
    char path[96];
    snprintf(path, sizeof(path), "/v1/admin/machines/%s/diff", machine_id);
    return client_get_json(c, path, ret);
}

int lifecycle_diff(struct client *c, const char *machine_id)
{
    if (!machine_id_ok(machine_id))
        return ATTESTCTL_EXIT_USAGE;
    _cleanup_json_ json_t *d = NULL;
    int r = get_diff(c, machine_id, &d);
    if (r)
        return r;
    size_t n = json_array_size(json_object_get(json_object_get(d, "boot"), "items")) +
               json_array_size(json_object_get(json_object_get(d, "ima"), "items"));
    if (c->json) {
        client_print_json(d);
    } else {
        char t[32];
        printf("machine %s, last evidence %s (%s)\n", machine_id,
               client_time_text(json_integer_value(json_object_get(d, "evidence_at")), t),
               json_is_true(json_object_get(d, "evidence_passed")) ? "passed" : "failed");
        print_kind(json_object_get(d, "boot"), "boot");
        print_kind(json_object_get(d, "ima"), "ima");
    }
    return n ? ATTESTCTL_EXIT_FAILED : ATTESTCTL_EXIT_OK;
}

struct args {
    struct client c;
    const char *group, *kind, *reason, *version, *since, *limit;
    bool dry_run, yes;
    int n;
    char **a;
};

enum { O_GROUP, O_KIND, O_REASON, O_VERSION, O_DRY_RUN, O_YES, O_SINCE, O_LIMIT, N_OPTS };

static int parse(int argc, char **argv, struct args *x)
{
    static const struct option extra[N_OPTS] = {
        {"group", required_argument, NULL, 100 + O_GROUP},
        {"kind", required_argument, NULL, 100 + O_KIND},
        {"reason", required_argument, NULL, 100 + O_REASON},
        {"version", required_argument, NULL, 100 + O_VERSION},
        {"dry-run", no_argument, NULL, 100 + O_DRY_RUN},
        {"yes", no_argument, NULL, 100 + O_YES},
        {"since", required_argument, NULL, 100 + O_SINCE},
        {"limit", required_argument, NULL, 100 + O_LIMIT},
    };
    const char *v[N_OPTS] = {NULL};
    client_init(&x->c);
    int r = client_parse_common(argc, argv, &x->c, extra, v, N_OPTS);
    x->group = v[O_GROUP];
    x->kind = v[O_KIND] ? v[O_KIND] : "boot";
    x->reason = v[O_REASON];
    x->version = v[O_VERSION];
    x->dry_run = v[O_DRY_RUN] != NULL;
    x->yes = v[O_YES] != NULL;
    x->since = v[O_SINCE];
    x->limit = v[O_LIMIT];
    x->n = argc - optind;
    x->a = argv + optind;
    if (r == 0 && strcmp(x->kind, "boot") != 0 && strcmp(x->kind, "ima") != 0) {
        fprintf(stderr, "attestctl: --kind must be boot or ima\n");
        r = -EINVAL;
    }
    return r;
}

static int cmd_capture(struct args *x, const char *machine_id)
{
    if (!machine_id_ok(machine_id))
        return ATTESTCTL_EXIT_USAGE;
    json_t *body = json_pack("{s:s, s:b}", "kind", x->kind, "dry_run", x->dry_run);
    if (body && x->group)
        json_object_set_new(body, "group", json_string(x->group));
    if (body && x->reason)
        json_object_set_new(body, "reason", json_string(x->reason));
    char path[96];
    snprintf(path, sizeof(path), "/v1/admin/machines/%s/capture", machine_id);
    _cleanup_json_ json_t *reply = NULL;
    int r = post_json(&x->c, path, body, &reply);
    json_decref(body);
    if (r)
        return r;
    if (x->c.json || x->dry_run) {
        /* the policy itself: reviewed, or kept in a file and set later */
        client_print_json(x->c.json ? reply : json_object_get(reply, "policy"));
        return ATTESTCTL_EXIT_OK;
    }
    printf("%s policy captured from %s for %s '%s': version %lld\n", x->kind, machine_id,
           client_str(reply, "scope"), client_str(reply, "name"),
           (long long)json_integer_value(json_object_get(reply, "version")));
    return ATTESTCTL_EXIT_OK;
}

/* The current version of a policy (0 when none); -1 after printing why. */
static long long current_version(struct client *c, const char *scope, const char *name,
                                 const char *kind)
{
    char path[320];
    snprintf(path, sizeof(path), "/v1/admin/policies/%s/%s/%s/versions", scope, name, kind);
    json_t *reply = NULL;
    int status = client_request(c, "GET", path, NULL, true, &reply, NULL);
    long long v = -1;
    if (status == 404)
        v = 0;
    else if (status == 200)
        v = json_integer_value(
            json_object_get(json_array_get(json_object_get(reply, "versions"), 0), "version"));
    else if (status > 0)
        client_refused(status, reply);
    json_decref(reply);
    return v;
}

/* Whether the operator says yes on stdin. */
static bool confirmed(const char *question)
{
    char line[16];
    printf("%s [y/N] ", question);
    fflush(stdout);
    if (!fgets(line, sizeof(line), stdin))
        return false;
    return line[0] == 'y' || line[0] == 'Y';
}

static int cmd_approve(struct args *x, const char *machine_id)
{
    if (!machine_id_ok(machine_id))
        return ATTESTCTL_EXIT_USAGE;
    if (!x->reason || !*x->reason) {
        fprintf(stderr, "attestctl: policy approve needs --reason TEXT (kept with the version)\n");
        return ATTESTCTL_EXIT_USAGE;
    }
    const char *scope = x->group ? "group" : "machine";
    const char *name = x->group ? x->group : machine_id;
    long long base = current_version(&x->c, scope, name, x->kind);
    if (base < 0)
        return ATTESTCTL_EXIT_FAILED;
    /* shown again, as it stands now, before anything changes */
    _cleanup_json_ json_t *d = NULL;
    int r = get_diff(&x->c, machine_id, &d);
    if (r)
        return r;
    size_t n = print_kind(json_object_get(d, x->kind), x->kind);
    if (n == 0) {
        printf("nothing to approve\n");
        return ATTESTCTL_EXIT_OK;
    }
    char question[320];
    snprintf(question, sizeof(question),
             "Add these %zu values to the %s policy of %s '%s' "
             "(version %lld)?",
             n, x->kind, scope, name, base);
    if (!x->yes && !confirmed(question)) {
        fprintf(stderr, "attestctl: not approved\n");
        return ATTESTCTL_EXIT_FAILED;
    }
    json_t *body = json_pack("{s:s, s:s, s:s, s:I}", "machine", machine_id, "kind", x->kind,
                             "reason", x->reason, "base_version", (json_int_t)base);
    if (body && x->group)
        json_object_set_new(body, "group", json_string(x->group));
    _cleanup_json_ json_t *reply = NULL;
    r = post_json(&x->c, "/v1/admin/policies/approve", body, &reply);
    json_decref(body);
    if (r)
        return r;
    if (x->c.json)
        client_print_json(reply);
    else
        printf("approved: %s policy of %s '%s' is version %lld (%lld values added)\n", x->kind,
               scope, name, (long long)json_integer_value(json_object_get(reply, "version")),
               (long long)json_integer_value(json_object_get(reply, "added")));
    return ATTESTCTL_EXIT_OK;
}

static int cmd_history(struct args *x, const char *scope, const char *name)
{
    char path[320];
    snprintf(path, sizeof(path), "/v1/admin/policies/%s/%s/%s/versions", scope, name, x->kind);
    _cleanup_json_ json_t *reply = NULL;
    int r = client_get_json(&x->c, path, &reply);
    if (r)
        return r;
    if (x->c.json) {
        client_print_json(reply);
        return ATTESTCTL_EXIT_OK;
    }
    printf("%-7s  %-19s  %-9s  %-18s  %s\n", "VERSION", "AT (UTC)", "ACTION", "AUTHOR", "REASON");
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(reply, "versions"), i, v)
    {
        char t[32];
        printf("%-7lld  %-19s  %-9s  %-18s  %s\n",
               (long long)json_integer_value(json_object_get(v, "version")),
               client_time_text(json_integer_value(json_object_get(v, "at")), t),
               client_str(v, "action"), client_str(v, "author"), client_str(v, "reason"));
    }
    return ATTESTCTL_EXIT_OK;
}

static bool version_ok(const char *s)
{
    char *end;
    long long n = s ? strtoll(s, &end, 10) : 0;
    if (s && !*end && n >= 1)
        return true;
    fprintf(stderr, "attestctl: --version N (1, 2, ...) is needed\n");
    return false;
}

static int cmd_show_version(struct args *x, const char *scope, const char *name)
{
    if (!version_ok(x->version))
        return ATTESTCTL_EXIT_USAGE;
    char path[352];
    snprintf(path, sizeof(path), "/v1/admin/policies/%s/%s/%s/versions/%s", scope, name, x->kind,
             x->version);
    _cleanup_json_ json_t *reply = NULL;
    int r = client_get_json(&x->c, path, &reply);
    if (r)
        return r;
    client_print_json(x->c.json ? reply : json_object_get(reply, "policy"));
    return ATTESTCTL_EXIT_OK;
}

static int cmd_rollback(struct args *x, const char *scope, const char *name)
{
    if (!version_ok(x->version))
        return ATTESTCTL_EXIT_USAGE;
    if (!x->reason || !*x->reason) {
        fprintf(stderr, "attestctl: policy rollback needs --reason TEXT\n");
        return ATTESTCTL_EXIT_USAGE;
    }
    char path[320];
    snprintf(path, sizeof(path), "/v1/admin/policies/%s/%s/%s/rollback", scope, name, x->kind);
    json_t *body = json_pack("{s:I, s:s}", "version", (json_int_t)strtoll(x->version, NULL, 10),
                             "reason", x->reason);
    _cleanup_json_ json_t *reply = NULL;
    int r = post_json(&x->c, path, body, &reply);
    json_decref(body);
    if (r)
        return r;
    printf("%s policy of %s '%s': version %s restored as version %lld\n", x->kind, scope, name,
           x->version, (long long)json_integer_value(json_object_get(reply, "version")));
    return ATTESTCTL_EXIT_OK;
}

static void usage_policy_admin(FILE *f)
{
    fprintf(f, "Usage: attestctl policy capture MACHINE [--group NAME] [--kind boot|ima]\n"
               "                         [--dry-run] [--reason TEXT]\n"
               "       attestctl policy approve MACHINE [--group NAME] [--kind boot|ima]\n"
               "                         --reason TEXT [--yes]\n"
               "       attestctl policy history SCOPE NAME [--kind boot|ima]\n"
               "       attestctl policy show SCOPE NAME --version N [--kind boot|ima]\n"
               "       attestctl policy rollback SCOPE NAME --version N --reason TEXT\n"
               "                         [--kind boot|ima]\n"
               "SCOPE: machine or group. capture builds a policy from the machine's last\n"
               "evidence (--dry-run prints it, nothing is set); approve shows the drift of\n"
               "'machines diff' again, asks (unless --yes) and adds exactly what it lists.\n"
               "Options of the verifier client: --server, --token, --cacert, --json\n"
               "(attestctl machines --help).\n");
}

bool attestctl_policy_admin_command(const char *cmd)
{
    static const char *const cmds[] = {"capture", "approve", "history", "show", "rollback"};
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        if (strcmp(cmd, cmds[i]) == 0)
            return true;
    return false;
}

static int run_policy_admin(struct args *x)
{
    const char *cmd = x->a[0];
    if (x->n == 2 && strcmp(cmd, "capture") == 0)
        return cmd_capture(x, x->a[1]);
    if (x->n == 2 && strcmp(cmd, "approve") == 0)
        return cmd_approve(x, x->a[1]);
    if (x->n == 3 && strcmp(cmd, "history") == 0)
        return cmd_history(x, x->a[1], x->a[2]);
    if (x->n == 3 && strcmp(cmd, "show") == 0)
        return cmd_show_version(x, x->a[1], x->a[2]);
    if (x->n == 3 && strcmp(cmd, "rollback") == 0)
        return cmd_rollback(x, x->a[1], x->a[2]);
    usage_policy_admin(stderr);
    return ATTESTCTL_EXIT_USAGE;
}

int attestctl_policy_admin(int argc, char **argv)
{
    struct args x;
    int r = parse(argc, argv, &x);
    if (r != 0 || x.n < 1) {
        usage_policy_admin(r > 0 ? stdout : stderr);
        return r > 0 ? ATTESTCTL_EXIT_OK : ATTESTCTL_EXIT_USAGE;
    }
    r = client_connect(&x.c);
    if (r)
        return r;
    r = run_policy_admin(&x);
    client_close(&x.c);
    return r;
}

int attestctl_audit(int argc, char **argv)
{
    struct args x;
    int r = parse(argc, argv, &x);
    if (r != 0 || x.n != 0) {
        fprintf(r > 0 ? stdout : stderr,
                "Usage: attestctl audit [--since UNIXTIME] [--limit N] [--json]\n"
                "  the verifier's audit log, oldest first: approve, revoke, reset, group,\n"
                "  policy set/capture/approve/rollback, with actor, target and reason.\n");
        return r > 0 ? ATTESTCTL_EXIT_OK : ATTESTCTL_EXIT_USAGE;
    }
    char path[128];
    snprintf(path, sizeof(path), "/v1/admin/audit?since=%s&limit=%s", x.since ? x.since : "0",
             x.limit ? x.limit : "100");
    r = client_connect(&x.c);
    if (r)
        return r;
    _cleanup_json_ json_t *reply = NULL;
    r = client_get_json(&x.c, path, &reply);
    if (r == 0 && x.c.json)
        client_print_json(reply);
    else if (r == 0) {
        printf("%-19s  %-18s  %-16s  %-40s  %s\n", "AT (UTC)", "ACTOR", "ACTION", "TARGET",
               "REASON");
        size_t i;
        json_t *e;
        json_array_foreach(json_object_get(reply, "audit"), i, e)
        {
            char t[32];
            printf("%-19s  %-18s  %-16s  %-40s  %s\n",
                   client_time_text(json_integer_value(json_object_get(e, "at")), t),
                   client_str(e, "actor"), client_str(e, "action"), client_str(e, "target"),
                   client_str(e, "reason"));
        }
    }
    client_close(&x.c);
    return r;
}
