/* SPDX-License-Identifier: Apache-2.0 */
/*
 * attestctl eventlog show|replay|check: the firmware event log, offline.
 * Output formats are stable (scripts and tests parse them); see docs/policy.md.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/hex.h"
#include "common/pcr-selection.h"
#include "common/tpm-alg.h"
#include "groups.h"
#include "log/eventlog.h"
#include "util.h"

static void usage(FILE *f)
{
    fprintf(f, "Usage: attestctl eventlog show FILE\n"
               "       attestctl eventlog replay FILE [--bank BANK]\n"
               "       attestctl eventlog check FILE --pcrs PCRS.json [--bank BANK]\n");
}

/* Load and parse; prints the reason. Returns 0, or the exit code to use. */
static int load_log(const char *path, struct eventlog **ret, int malformed_exit)
{
    _cleanup_free_ uint8_t *buf = NULL;
    size_t len, bad = 0;
    if (attestctl_read_file(NULL, path, EVENTLOG_MAX_SIZE, &buf, &len) < 0)
        return ATTESTCTL_EXIT_USAGE;
    int k = eventlog_parse(buf, len, ret, &bad);
    if (k == -EBADMSG) {
        fprintf(stderr, "attestctl: '%s': malformed event log at byte offset %zu\n", path, bad);
        return malformed_exit;
    }
    if (k < 0) {
        fprintf(stderr, "attestctl: '%s': %s\n", path, att_strerror(k));
        return ATTESTCTL_EXIT_USAGE;
    }
    return 0;
}

static int replay_log(const char *path, const struct eventlog *log, struct eventlog_replay *r,
                      int malformed_exit)
{
    int k = eventlog_replay(log, r);
    if (k == -EBADMSG) {
        fprintf(stderr, "attestctl: '%s': event log cannot be replayed (PCR index or digest)\n",
                path);
        return malformed_exit;
    }
    if (k < 0) {
        fprintf(stderr, "attestctl: '%s': replay failed: %s\n", path, att_strerror(k));
        return ATTESTCTL_EXIT_USAGE;
    }
    return 0;
}

/* Bank order of the output: by TPM algorithm id (sha1, sha256, sha384, sha512, sm3_256). */
static void sort_banks(const struct eventlog_replay *r, const struct eventlog_bank **out)
{
    for (uint32_t i = 0; i < r->n_banks; i++)
        out[i] = &r->banks[i];
    for (uint32_t i = 1; i < r->n_banks; i++)
        for (uint32_t j = i; j > 0 && out[j - 1]->alg > out[j]->alg; j--) {
            const struct eventlog_bank *t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
}

/* Short description of event data: printable text (ASCII or UTF-16LE) or its size. */
static void describe_data(const struct eventlog_event *ev)
{
    const uint8_t *d = ev->data;
    size_t n = ev->data_size, shown = 0;
    bool utf16 = n >= 4 && n % 2 == 0 && d[1] == 0 && d[3] == 0;
    size_t step = utf16 ? 2 : 1;

    if (ev->type == EV_NO_ACTION && n == 17 && memcmp(d, "StartupLocality", 16) == 0) {
        printf(" StartupLocality=%u", d[16]);
        return;
    }
    if (ev->type == EV_NO_ACTION && n >= 16 && memcmp(d, "Spec ID Event03", 16) == 0) {
        printf(" \"Spec ID Event03\"");
        return;
    }
    while (n > 0 && d[n - 1] == 0)
        n--; /* trailing NULs */
    bool text = n > 0;
    for (size_t i = 0; i < n && text; i += step)
        if (!isprint(d[i]) || (utf16 && i + 1 < n && d[i + 1] != 0))
            text = false;
    if (!text) {
        printf(" size=%u", ev->data_size);
        return;
    }
    printf(" \"");
    for (size_t i = 0; i < n && shown < 80; i += step, shown++)
        putchar(d[i] == '"' ? '\'' : d[i]);
    printf("%s\"", shown == 80 && n > 80 * step ? "..." : "");
}

static int cmd_show(const char *path)
{
    _cleanup_(eventlog_freep) struct eventlog *log = NULL;
    int k = load_log(path, &log, ATTESTCTL_EXIT_FAILED);
    if (k)
        return k;
    printf("# %s, %zu events\n", log->crypto_agile ? "crypto-agile" : "sha1", log->n_events);
    for (size_t i = 0; i < log->n_events; i++) {
        const struct eventlog_event *ev = &log->events[i];
        printf("%zu pcr=%u %s", i, ev->pcr, eventlog_type_name(ev->type));
        for (uint32_t d = 0; d < ev->n_digests; d++) {
            const char *name = tpm_alg_hash_name(ev->digests[d].alg);
            if (name)
                printf(" %s:", name);
            else
                printf(" 0x%04x:", ev->digests[d].alg);
            attestctl_print_hex(ev->digests[d].bytes, ev->digests[d].size);
        }
        describe_data(ev);
        putchar('\n');
    }
    return ATTESTCTL_EXIT_OK;
}

static int cmd_replay(const char *path, TPM2_ALG_ID only)
{
    _cleanup_(eventlog_freep) struct eventlog *log = NULL;
    int k = load_log(path, &log, ATTESTCTL_EXIT_FAILED);
    if (k)
        return k;
    _cleanup_free_ struct eventlog_replay *r = malloc(sizeof(*r));
    if (!r)
        return ATTESTCTL_EXIT_USAGE;
    k = replay_log(path, log, r, ATTESTCTL_EXIT_FAILED);
    if (k)
        return k;
    const struct eventlog_bank *banks[EVENTLOG_MAX_BANKS];
    sort_banks(r, banks);
    for (uint32_t i = 0; i < r->n_banks; i++) {
        if (only != TPM2_ALG_ERROR && banks[i]->alg != only)
            continue;
        for (unsigned p = 0; p < EVENTLOG_NUM_PCRS; p++) {
            if (!(banks[i]->extended & ~banks[i]->incomplete & (1u << p)))
                continue;
            printf("%s:%u=", tpm_alg_hash_name(banks[i]->alg), p);
            attestctl_print_hex(banks[i]->pcr[p], banks[i]->size);
            putchar('\n');
        }
    }
    return ATTESTCTL_EXIT_OK;
}

/*
 * Compare every PCR the log extends and the file lists. One summary line per
 * bank compared ("sha256: 9 match/3 mismatch"), then one line per mismatch.
 */
static int cmd_check(const char *path, const char *pcrs_path, TPM2_ALG_ID only)
{
    _cleanup_(eventlog_freep) struct eventlog *log = NULL;
    int k = load_log(path, &log, ATTESTCTL_EXIT_USAGE);
    if (k)
        return k;
    _cleanup_free_ struct eventlog_replay *r = malloc(sizeof(*r));
    _cleanup_free_ struct pcr_values *v = malloc(sizeof(*v));
    if (!r || !v)
        return ATTESTCTL_EXIT_USAGE;
    k = replay_log(path, log, r, ATTESTCTL_EXIT_USAGE);
    if (k)
        return k;
    k = attestctl_read_pcrs_json(pcrs_path, only, v);
    if (k)
        return k;

    unsigned total_bad = 0, compared = 0, idx = 0;
    for (uint32_t i = 0; i < v->sel.count; i++) {
        const TPMS_PCR_SELECTION *s = &v->sel.pcrSelections[i];
        const struct eventlog_bank *b = eventlog_replay_bank(r, s->hash);
        unsigned match = 0, bad = 0, first = idx;
        for (unsigned p = 0; p < EVENTLOG_NUM_PCRS; p++) {
            if (!pcrsel_is_set(s, p))
                continue;
            const TPM2B_DIGEST *q = &v->digests[idx++];
            if (!b || !(b->extended & ~b->incomplete & (1u << p)))
                continue;
            if (memcmp(b->pcr[p], q->buffer, b->size) == 0)
                match++;
            else
                bad++;
        }
        if (!b || match + bad == 0)
            continue;
        compared++;
        total_bad += bad;
        printf("%s: %u match/%u mismatch\n", tpm_alg_hash_name(s->hash), match, bad);
        idx = first;
        for (unsigned p = 0; p < EVENTLOG_NUM_PCRS; p++) {
            if (!pcrsel_is_set(s, p))
                continue;
            const TPM2B_DIGEST *q = &v->digests[idx++];
            if (!(b->extended & ~b->incomplete & (1u << p)) ||
                memcmp(b->pcr[p], q->buffer, b->size) == 0)
                continue;
            printf("mismatch %s:%u log=", tpm_alg_hash_name(s->hash), p);
            attestctl_print_hex(b->pcr[p], b->size);
            printf(" expected=");
            attestctl_print_hex(q->buffer, q->size);
            putchar('\n');
        }
    }
    if (compared == 0) {
        fprintf(stderr, "attestctl: no PCR both extended by '%s' and listed in '%s'\n", path,
                pcrs_path);
        return ATTESTCTL_EXIT_FAILED;
    }
    return total_bad ? ATTESTCTL_EXIT_FAILED : ATTESTCTL_EXIT_OK;
}

int attestctl_eventlog(int argc, char **argv)
{
    struct attestctl_log_args a;
    int k = attestctl_log_args_parse(argc, argv, usage, &a);
    if (k != ATTESTCTL_CONTINUE)
        return k;
    if (strcmp(a.cmd, "show") == 0)
        return cmd_show(a.file);
    if (strcmp(a.cmd, "replay") == 0)
        return cmd_replay(a.file, a.bank);
    if (strcmp(a.cmd, "check") == 0 && a.pcrs)
        return cmd_check(a.file, a.pcrs, a.bank);
    usage(stderr);
    return ATTESTCTL_EXIT_USAGE;
}
