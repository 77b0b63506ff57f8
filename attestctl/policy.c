/* SPDX-License-Identifier: Apache-2.0 */
/*
 * attestctl policy: write and try measured-boot and IMA policies offline.
 *   policy ima generate LIST        policy JSON from a binary or ascii IMA list
 *   policy ima check POLICY LIST    evaluate every entry of a binary list
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
#include "groups.h"
#include "log/eventlog.h"
#include "log/ima.h"
#include "policy/policy-boot.h"
#include "policy/policy-ima.h"
#include "util.h"

#define POLICY_MAX_SIZE (64u * 1024 * 1024)

static void usage(FILE *f)
{
    fprintf(f, "Usage: attestctl policy ima generate LIST\n"
               "       attestctl policy ima check POLICY.json LIST\n"
               "       attestctl policy boot check POLICY.json EVENTLOG\n");
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

/* An ascii list starts with a PCR number and a space; a binary one with a 32-bit PCR. */
static bool looks_ascii(const uint8_t *buf, size_t len)
{
    size_t i = 0;
    while (i < len && i < 3 && buf[i] >= '0' && buf[i] <= '9')
        i++;
    return i > 0 && i < len && buf[i] == ' ';
}

static int ima_generate(const char *path)
{
    _cleanup_free_ uint8_t *buf = NULL;
    _cleanup_free_ char *out = NULL;
    size_t len, bad = 0;
    if (attestctl_read_file(NULL, path, IMA_MAX_SIZE, &buf, &len) < 0)
        return ATTESTCTL_EXIT_USAGE;
    if (looks_ascii(buf, len)) {
        struct ima_ascii_entry *e = NULL;
        size_t n;
        int k = ima_parse_ascii((const char *)buf, len, &e, &n, &bad);
        if (k < 0) {
            fprintf(stderr, "attestctl: '%s': malformed ascii IMA list at line %zu\n", path, bad);
            return ATTESTCTL_EXIT_USAGE;
        }
        out = policy_ima_generate_from_ascii(e, n);
        ima_ascii_free(e, n);
    } else {
        _cleanup_(ima_list_freep) struct ima_list *l = NULL;
        if (ima_parse(buf, len, &l, &bad) < 0) {
            fprintf(stderr, "attestctl: '%s': malformed IMA list at byte offset %zu\n", path, bad);
            return ATTESTCTL_EXIT_USAGE;
        }
        out = policy_ima_generate_from_list(l);
    }
    if (!out) {
        fprintf(stderr, "attestctl: out of memory\n");
        return ATTESTCTL_EXIT_USAGE;
    }
    if (strstr(out, "\"digests\": {}")) {
        fprintf(stderr, "attestctl: '%s' has no file measurement: the policy would be empty\n",
                path);
        return ATTESTCTL_EXIT_FAILED;
    }
    printf("%s\n", out);
    return ATTESTCTL_EXIT_OK;
}

static int ima_check(const char *policy_path, const char *path)
{
    _cleanup_free_ uint8_t *pbuf = NULL, *buf = NULL;
    _cleanup_free_ char *err = NULL;
    _cleanup_(policy_ima_freep) struct policy_ima *p = NULL;
    _cleanup_(ima_list_freep) struct ima_list *l = NULL;
    size_t plen, len, bad = 0;

    if (attestctl_read_file(NULL, policy_path, POLICY_MAX_SIZE, &pbuf, &plen) < 0 ||
        attestctl_read_file(NULL, path, IMA_MAX_SIZE, &buf, &len) < 0)
        return ATTESTCTL_EXIT_USAGE;
    if (policy_ima_parse((const char *)pbuf, plen, &p, &err) < 0) {
        fprintf(stderr, "attestctl: '%s': %s\n", policy_path, err ? err : "invalid policy");
        return ATTESTCTL_EXIT_USAGE;
    }
    if (ima_parse(buf, len, &l, &bad) < 0) {
        fprintf(stderr, "attestctl: '%s': malformed IMA list at byte offset %zu\n", path, bad);
        return ATTESTCTL_EXIT_USAGE;
    }
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
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return ATTESTCTL_EXIT_OK;
    }
    if (argc == 4 && strcmp(argv[1], "ima") == 0 && strcmp(argv[2], "generate") == 0)
        return ima_generate(argv[3]);
    if (argc == 5 && strcmp(argv[1], "ima") == 0 && strcmp(argv[2], "check") == 0)
        return ima_check(argv[3], argv[4]);
    if (argc == 5 && strcmp(argv[1], "boot") == 0 && strcmp(argv[2], "check") == 0)
        return boot_check(argv[3], argv[4]);
    usage(stderr);
    return ATTESTCTL_EXIT_USAGE;
}
