/* SPDX-License-Identifier: Apache-2.0 */
/*
 * attestctl policy: write and try measured-boot and IMA policies offline.
 *   policy ima generate LIST [--format attest|keylime]
 *                                   policy JSON from a binary or ascii IMA list
 *   policy ima check POLICY LIST    evaluate every entry of a binary or ascii list
 *   policy boot check POLICY LOG    evaluate a firmware event log
 * check prints a first line saying no quote bounds it (offline, every PCR the
 * log or list replays is taken as quoted, where the verifier judges only the
 * PCRs it quoted), one line per violation ("violation CHECK SUBJECT
 * DIGEST|- REASON", tab-separated), then "checked=N violations=N dropped=N";
 * exit 0 when the policy holds, 1 when it does not, 2 on unreadable input.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "groups.h"
#include "lifecycle.h"
#include "log/eventlog.h"
#include "log/ima.h"
#include "policy/policy-boot.h"
#include "policy/policy-ima-gen.h"
#include "policy/policy-ima.h"
#include "util.h"

#define POLICY_MAX_SIZE (64u * 1024 * 1024)

static void usage(FILE *f)
{
    fprintf(f, "Usage: attestctl policy ima generate LIST [--format attest|keylime]\n"
               "       attestctl policy ima check POLICY.json LIST\n"
               "       attestctl policy boot check POLICY.json EVENTLOG\n"
               "LIST: binary_runtime_measurements or ascii_runtime_measurements.\n"
               "generate lists the list's violations (ToMToU, open writers) under\n"
               "\"violations\" and sets \"allow_violations\": false: allowing them is\n"
               "the operator's decision. --format keylime writes a Keylime 7.14\n"
               "runtime policy (bare hex digests) that this engine also reads.\n"
               "On the verifier: attestctl policy capture|approve|history|show|rollback\n"
               "(attestctl policy capture --help).\n");
}

/* Offline there is no quote: say so, the verifier's verdict may differ on unquoted PCRs. */
#define NO_QUOTE_NOTE "# no quote bounds this check: every PCR the log replays is taken as quoted\n"

static int print_result(const struct policy_result *r)
{
    fputs(NO_QUOTE_NOTE, stdout);
    for (size_t i = 0; i < r->n; i++)
        printf("violation\t%s\t%s\t%s\t%s\n", r->items[i].check, r->items[i].subject,
               r->items[i].digest ? r->items[i].digest : "-", r->items[i].reason);
    printf("checked=%zu violations=%zu dropped=%zu\n", r->checked, r->n + r->dropped, r->dropped);
    return policy_result_ok(r) ? ATTESTCTL_EXIT_OK : ATTESTCTL_EXIT_FAILED;
}

static int ima_generate(const char *path, enum policy_ima_format fmt)
{
    _cleanup_(ima_list_freep) struct ima_list *l = NULL;
    _cleanup_free_ char *out = NULL, *err = NULL;
    int k = attestctl_read_ima_list(path, &l, ATTESTCTL_EXIT_USAGE);
    if (k)
        return k;
    json_auto_t *doc = policy_ima_generate(l);
    if (!doc) {
        fprintf(stderr, "attestctl: out of memory\n");
        return ATTESTCTL_EXIT_USAGE;
    }
    if (json_object_size(json_object_get(doc, "digests")) == 0) {
        fprintf(stderr, "attestctl: '%s' has no file measurement: the policy would be empty\n",
                path);
        return ATTESTCTL_EXIT_FAILED;
    }
    if ((k = policy_ima_render(doc, fmt, &out, &err)) < 0) {
        fprintf(stderr, "attestctl: '%s': %s\n", path, err ? err : att_strerror(k));
        return ATTESTCTL_EXIT_FAILED;
    }
    printf("%s\n", out);
    return ATTESTCTL_EXIT_OK;
}

static int ima_check(const char *policy_path, const char *path)
{
    _cleanup_free_ uint8_t *pbuf = NULL;
    _cleanup_free_ char *err = NULL;
    _cleanup_(policy_ima_freep) struct policy_ima *p = NULL;
    _cleanup_(ima_list_freep) struct ima_list *l = NULL;
    size_t plen;

    if (attestctl_read_file(NULL, policy_path, POLICY_MAX_SIZE, &pbuf, &plen) < 0)
        return ATTESTCTL_EXIT_USAGE;
    if (policy_ima_parse((const char *)pbuf, plen, &p, &err) < 0) {
        fprintf(stderr, "attestctl: '%s': %s\n", policy_path, err ? err : "invalid policy");
        return ATTESTCTL_EXIT_USAGE;
    }
    int rk = attestctl_read_ima_list(path, &l, ATTESTCTL_EXIT_USAGE);
    if (rk)
        return rk;
    _cleanup_free_ struct policy_result *r = calloc(1, sizeof(*r));
    if (!r)
        return ATTESTCTL_EXIT_USAGE;
    int k = policy_ima_evaluate(p, l, 0, 0, l->n_entries, POLICY_ALL_PCRS, r);
    int rc = k < 0 ? ATTESTCTL_EXIT_USAGE : print_result(r);
    policy_result_done(r);
    return rc;
}

static int boot_check(const char *policy_path, const char *path)
{
    _cleanup_free_ uint8_t *pbuf = NULL, *buf = NULL;
    _cleanup_free_ char *err = NULL;
    _cleanup_(policy_boot_freep) struct policy_boot *p = NULL;
    _cleanup_(eventlog_freep) struct eventlog *log = NULL;
    size_t plen, len, bad = 0;

    if (attestctl_read_file(NULL, policy_path, POLICY_MAX_SIZE, &pbuf, &plen) < 0 ||
        attestctl_read_file(NULL, path, EVENTLOG_MAX_SIZE, &buf, &len) < 0)
        return ATTESTCTL_EXIT_USAGE;
    if (policy_boot_parse((const char *)pbuf, plen, &p, &err) < 0) {
        fprintf(stderr, "attestctl: '%s': %s\n", policy_path, err ? err : "invalid policy");
        return ATTESTCTL_EXIT_USAGE;
    }
    if (eventlog_parse(buf, len, &log, &bad) < 0) {
        fprintf(stderr, "attestctl: '%s': malformed event log at byte offset %zu\n", path, bad);
        return ATTESTCTL_EXIT_USAGE;
    }
    _cleanup_free_ struct eventlog_replay *replay = malloc(sizeof(*replay));
    _cleanup_free_ struct policy_result *r = calloc(1, sizeof(*r));
    struct eventlog_facts facts;
    if (!replay || !r || eventlog_replay(log, replay) < 0 ||
        eventlog_facts_extract(log, &facts) < 0) {
        fprintf(stderr, "attestctl: '%s': cannot replay the event log\n", path);
        return ATTESTCTL_EXIT_USAGE;
    }
    int k = policy_boot_evaluate(p, log, replay, &facts, POLICY_ALL_PCRS, r);
    int rc = k < 0 ? ATTESTCTL_EXIT_USAGE : print_result(r);
    eventlog_facts_done(&facts);
    policy_result_done(r);
    return rc;
}

int attestctl_policy(int argc, char **argv)
{
    /* the lifecycle commands talk to the verifier (lifecycle.c) */
    if (argc >= 2 && attestctl_policy_admin_command(argv[1]))
        return attestctl_policy_admin(argc, argv);
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return ATTESTCTL_EXIT_OK;
    }
    if ((argc == 4 || argc == 6) && strcmp(argv[1], "ima") == 0 &&
        strcmp(argv[2], "generate") == 0) {
        enum policy_ima_format fmt = POLICY_IMA_FORMAT_ATTEST;
        if (argc == 6 &&
            (strcmp(argv[4], "--format") != 0 || policy_ima_format_from_name(argv[5], &fmt) < 0)) {
            usage(stderr);
            return ATTESTCTL_EXIT_USAGE;
        }
        return ima_generate(argv[3], fmt);
    }
    if (argc == 5 && strcmp(argv[1], "ima") == 0 && strcmp(argv[2], "check") == 0)
        return ima_check(argv[3], argv[4]);
    if (argc == 5 && strcmp(argv[1], "boot") == 0 && strcmp(argv[2], "check") == 0)
        return boot_check(argv[3], argv[4]);
    usage(stderr);
    return ATTESTCTL_EXIT_USAGE;
}
