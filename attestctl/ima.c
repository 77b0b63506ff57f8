/* SPDX-License-Identifier: Apache-2.0 */
/*
 * attestctl ima replay|check: the IMA measurement list, offline.
 * Output formats are stable (scripts and tests parse them); see docs/policy.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/tpm-alg.h"
#include "groups.h"
#include "log/ima.h"
#include "util.h"

static void usage(FILE *f)
{
    fprintf(f, "Usage: attestctl ima replay LIST\n"
               "       attestctl ima check LIST --pcrs PCRS.json [--bank BANK]\n"
               "LIST: binary_runtime_measurements, or ascii_runtime_measurements (its\n"
               "template data rebuilt from the fields, every template hash checked)\n");
}

static int cmd_replay(const char *path)
{
    _cleanup_(ima_list_freep) struct ima_list *l = NULL;
    int k = attestctl_read_ima_list(path, &l, ATTESTCTL_EXIT_FAILED);
    if (k)
        return k;
    static const TPM2_ALG_ID algs[] = {TPM2_ALG_SHA1, TPM2_ALG_SHA256};
    _cleanup_free_ struct ima_state *s = malloc(sizeof(*s));
    if (!s || ima_state_init(s, algs, 2, 0) < 0)
        return ATTESTCTL_EXIT_USAGE;
    k = ima_replay_all(l, s);
    if (k < 0) {
        fprintf(stderr, "attestctl: '%s': replay failed: %s\n", path, att_strerror(k));
        return ATTESTCTL_EXIT_FAILED;
    }
    for (uint32_t i = 0; i < s->n_banks; i++)
        for (unsigned p = 0; p < EVENTLOG_NUM_PCRS; p++) {
            if (!(s->banks[i].extended & (1u << p)))
                continue;
            printf("%s:%u=", tpm_alg_hash_name(s->banks[i].alg), p);
            attestctl_print_hex(s->banks[i].pcr[p], s->banks[i].size);
            putchar('\n');
        }
    printf("entries=%zu\n", l->n_entries);
    return ATTESTCTL_EXIT_OK;
}

/* One bank of the file alone, so each bank gets its own verdict. */
static void only_bank(const struct pcr_values *all, uint32_t bank, struct pcr_values *out)
{
    uint32_t idx = 0;
    memset(out, 0, sizeof(*out));
    for (uint32_t i = 0; i < all->sel.count; i++) {
        const TPMS_PCR_SELECTION *s = &all->sel.pcrSelections[i];
        for (unsigned p = 0; p < 8u * s->sizeofSelect; p++) {
            if (!(s->pcrSelect[p / 8] & (1u << (p % 8))))
                continue;
            if (i == bank)
                out->digests[out->count++] = all->digests[idx];
            idx++;
        }
    }
    out->sel.count = 1;
    out->sel.pcrSelections[0] = all->sel.pcrSelections[bank];
}

static unsigned count_violations(const struct ima_list *l, size_t n)
{
    unsigned v = 0;
    for (size_t i = 0; i < n && i < l->n_entries; i++)
        v += l->entries[i].violation;
    return v;
}

/*
 * Per bank of the file: "BANK:10 match" or "BANK:10 mismatch replay=HEX
 * expected=HEX"; then boot_aggregate=STATUS, violations=N and entries=N (the
 * verified prefix when every bank matched, else the whole list).
 */
static int check_banks(const struct ima_list *l, const struct pcr_values *v, size_t *verified)
{
    int rc = ATTESTCTL_EXIT_OK;
    _cleanup_free_ struct pcr_values *one = malloc(sizeof(*one));
    _cleanup_free_ struct ima_result *res = malloc(sizeof(*res));
    if (!one || !res)
        return ATTESTCTL_EXIT_USAGE;
    uint32_t ima_pcrs = 0;
    for (size_t i = 0; i < l->n_entries; i++)
        ima_pcrs |= 1u << l->entries[i].pcr;
    *verified = l->n_entries;
    for (uint32_t b = 0; b < v->sel.count; b++) {
        const char *name = tpm_alg_hash_name(v->sel.pcrSelections[b].hash);
        only_bank(v, b, one);
        int k = ima_verify(l, NULL, 0, one, res);
        if (k < 0) {
            fprintf(stderr, "attestctl: %s: replay failed: %s\n", name, att_strerror(k));
            return ATTESTCTL_EXIT_USAGE;
        }
        for (unsigned p = 0; p < EVENTLOG_NUM_PCRS; p++) {
            const TPM2B_DIGEST *q = pcr_values_get(one, one->sel.pcrSelections[0].hash, p);
            if (!q || !(ima_pcrs & (1u << p)))
                continue;
            if (res->ok) {
                printf("%s:%u match\n", name, p);
                continue;
            }
            printf("%s:%u mismatch replay=", name, p);
            attestctl_print_hex(res->state.banks[0].pcr[p], res->state.banks[0].size);
            printf(" expected=");
            attestctl_print_hex(q->buffer, q->size);
            putchar('\n');
        }
        if (res->bad_template_hash)
            printf("%s: entry %zu: template hash does not match its data\n", name, res->bad_entry);
        if (!res->ok)
            rc = ATTESTCTL_EXIT_FAILED;
        else if (res->new_entries < *verified)
            *verified = res->new_entries;
    }
    return rc;
}

static int cmd_check(const char *path, const char *pcrs_path, TPM2_ALG_ID bank)
{
    _cleanup_(ima_list_freep) struct ima_list *l = NULL;
    int k = attestctl_read_ima_list(path, &l, ATTESTCTL_EXIT_USAGE);
    if (k)
        return k;
    _cleanup_free_ struct pcr_values *v = malloc(sizeof(*v));
    if (!v)
        return ATTESTCTL_EXIT_USAGE;
    k = attestctl_read_pcrs_json(pcrs_path, bank, v);
    if (k)
        return k;
    size_t verified;
    int rc = check_banks(l, v, &verified);
    if (rc == ATTESTCTL_EXIT_USAGE)
        return rc;
    enum ima_boot_aggregate_status ba =
        ima_check_boot_aggregate(l->n_entries ? &l->entries[0] : NULL, v);
    printf("boot_aggregate=%s\n", ima_boot_aggregate_status_name(ba));
    if (ba == IMA_BA_MISMATCH)
        rc = ATTESTCTL_EXIT_FAILED;
    printf("violations=%u\n", count_violations(l, verified));
    printf("entries=%zu\n", verified);
    return rc;
}

int attestctl_ima(int argc, char **argv)
{
    struct attestctl_log_args a;
    int k = attestctl_log_args_parse(argc, argv, usage, &a);
    if (k != ATTESTCTL_CONTINUE)
        return k;
    if (strcmp(a.cmd, "replay") == 0)
        return cmd_replay(a.file);
    if (strcmp(a.cmd, "check") == 0 && a.pcrs)
        return cmd_check(a.file, a.pcrs, a.bank);
    usage(stderr);
    return ATTESTCTL_EXIT_USAGE;
}
