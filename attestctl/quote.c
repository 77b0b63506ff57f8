/* SPDX-License-Identifier: Apache-2.0 */
/*
 * attestctl quote verify --ak ak.pub --nonce HEX --pcrs-selection SEL --quote quote.msg
 *                        --sig quote.sig --pcr-values quote.pcrs [--json]
 *
 * Offline quote verification with quote_verify(): reads what tpm2_quote and
 * attestd quote write (raw TPMS_ATTEST, marshaled TPMT_SIGNATURE, the tpm2-tools
 * -o PCR file). Exit 0 when every check passes, 1 when one fails (named), 2 on
 * unreadable input.
 */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/hex.h"
#include "common/pcr-selection.h"
#include "common/pcr-values.h"
#include "common/tpm-alg.h"
#include "groups.h"
#include "util.h"
#include "verify/quote-verify.h"
#include "verify/tpm-pubkey.h"

#define MAX_INPUT_FILE 8192

struct quote_args {
    const char *ak, *nonce, *selection, *quote, *sig, *pcr_values;
    bool json;
};

static void usage(FILE *f)
{
    fprintf(f, "Usage: attestctl quote verify --ak AK.PUB --nonce HEX --pcrs-selection SEL\n"
               "                              --quote QUOTE.MSG --sig QUOTE.SIG\n"
               "                              --pcr-values QUOTE.PCRS [--json]\n\n"
               "AK.PUB: TPM2B_PUBLIC or TPMT_PUBLIC; QUOTE.MSG: the signed TPMS_ATTEST bytes\n"
               "(tpm2_quote -m); QUOTE.SIG: TPMT_SIGNATURE (tpm2_quote -s); QUOTE.PCRS: the\n"
               "tpm2_quote -o file. SEL: e.g. sha256:0,1,2-10.\n"
               "Exit: 0 every check passed, 1 a check failed, 2 unreadable input.\n");
}

/* The values of the requested selection, in its order, from the file's values. */
static size_t values_in_order(const struct pcr_values *file, const TPML_PCR_SELECTION *sel,
                              TPM2B_DIGEST *out)
{
    size_t n = 0;
    for (UINT32 b = 0; b < sel->count && b < TPM2_NUM_PCR_BANKS; b++)
        for (unsigned p = 0; p < PCR_VALUES_MAX_PCR; p++) {
            if (!pcrsel_is_set(&sel->pcrSelections[b], p))
                continue;
            const TPM2B_DIGEST *d = pcr_values_get(file, sel->pcrSelections[b].hash, p);
            if (d)
                out[n++] = *d;
        }
    return n;
}

static void print_text(const struct quote_verify_result *res)
{
    for (int i = 0; i < QUOTE_CHECK_MAX; i++) {
        const struct att_check *c = &res->checks[i];
        printf("%-14s %-8s %s\n", c->name, att_check_status_name(c->status), c->message);
    }
    if (res->attested_valid)
        printf("clock %" PRIu64 " resetCount %" PRIu32 " restartCount %" PRIu32
               " safe %u firmwareVersion 0x%016" PRIx64 "\n",
               res->clock_info.clock, res->clock_info.resetCount, res->clock_info.restartCount,
               res->clock_info.safe, res->firmware_version);
    if (res->ok)
        printf("quote: verified\n");
    else
        printf("quote: FAILED check '%s'\n", res->checks[res->first_failure].name);
}

static int print_json(const struct quote_verify_result *res)
{
    json_t *checks = json_array();
    json_t *o = json_object();
    if (!checks || !o) {
        json_decref(checks);
        json_decref(o);
        return -ENOMEM;
    }
    for (int i = 0; i < QUOTE_CHECK_MAX; i++) {
        const struct att_check *c = &res->checks[i];
        json_array_append_new(checks,
                              json_pack("{s:s, s:s, s:s}", "name", c->name, "status",
                                        att_check_status_name(c->status), "message", c->message));
    }
    json_object_set_new(o, "ok", json_boolean(res->ok));
    json_object_set_new(o, "failed_check",
                        res->ok ? json_null() : json_string(res->checks[res->first_failure].name));
    json_object_set_new(o, "checks", checks);
    if (res->attested_valid)
        json_object_set_new(
            o, "clock_info",
            json_pack("{s:I, s:I, s:I, s:b}", "clock", (json_int_t)res->clock_info.clock,
                      "reset_count", (json_int_t)res->clock_info.resetCount, "restart_count",
                      (json_int_t)res->clock_info.restartCount, "safe", res->clock_info.safe));
    if (res->attested_valid) {
        char fw[19];
        snprintf(fw, sizeof(fw), "0x%016" PRIx64, res->firmware_version);
        json_object_set_new(o, "firmware_version", json_string(fw));
    }
    int r = json_dumpf(o, stdout, JSON_INDENT(2)) == 0 ? 0 : -EIO;
    putchar('\n');
    json_decref(o);
    return r;
}

static int quote_verify_cmd(const struct quote_args *a)
{
    _cleanup_free_ uint8_t *ak_buf = NULL, *attest = NULL, *sig_buf = NULL, *nonce = NULL;
    size_t ak_len, attest_len, sig_len, nonce_len;
    TPM2B_PUBLIC ak;
    TPMT_SIGNATURE sig;
    TPML_PCR_SELECTION sel;

    if (attestctl_read_file("AK public", a->ak, MAX_INPUT_FILE, &ak_buf, &ak_len) < 0 ||
        attestctl_read_file("quote", a->quote, MAX_INPUT_FILE, &attest, &attest_len) < 0 ||
        attestctl_read_file("signature", a->sig, MAX_INPUT_FILE, &sig_buf, &sig_len) < 0)
        return ATTESTCTL_EXIT_USAGE;
    if (tpm_public_unmarshal(ak_buf, ak_len, &ak) < 0) {
        fprintf(stderr, "attestctl: '%s' is not a TPM public area\n", a->ak);
        return ATTESTCTL_EXIT_USAGE;
    }
    if (tpm_signature_unmarshal(sig_buf, sig_len, &sig) < 0) {
        fprintf(stderr, "attestctl: '%s' is not a TPMT_SIGNATURE\n", a->sig);
        return ATTESTCTL_EXIT_USAGE;
    }
    if (hex_decode(a->nonce, &nonce, &nonce_len) < 0) {
        fprintf(stderr, "attestctl: --nonce is not hex\n");
        return ATTESTCTL_EXIT_USAGE;
    }
    if (pcrsel_parse(a->selection, &sel) < 0) {
        fprintf(stderr, "attestctl: invalid --pcrs-selection '%s'\n", a->selection);
        return ATTESTCTL_EXIT_USAGE;
    }
    _cleanup_free_ struct pcr_values *file = calloc(1, sizeof(*file));
    _cleanup_free_ TPM2B_DIGEST *values = calloc(PCR_VALUES_MAX, sizeof(*values));
    if (!file || !values)
        return ATTESTCTL_EXIT_USAGE;
    int r = pcr_values_read_file(a->pcr_values, file);
    if (r < 0) {
        fprintf(stderr, "attestctl: cannot read PCR values '%s': %s\n", a->pcr_values,
                att_strerror(r));
        return ATTESTCTL_EXIT_USAGE;
    }

    struct quote_verify_input in = {
        .ak_public = &ak.publicArea,
        .signature = &sig,
        .attest = attest,
        .attest_len = attest_len,
        .nonce = nonce,
        .nonce_len = nonce_len,
        .selection = &sel,
        .pcr_values = values,
        .n_pcr_values = values_in_order(file, &sel, values),
    };
    struct quote_verify_result res;
    r = quote_verify(&in, &res);
    if (r < 0 && r != ATT_E_VERIFY) {
        fprintf(stderr, "attestctl: quote verification could not run: %s\n", att_strerror(r));
        return ATTESTCTL_EXIT_USAGE;
    }
    if (a->json ? print_json(&res) < 0 : (print_text(&res), false))
        return ATTESTCTL_EXIT_USAGE;
    return res.ok ? ATTESTCTL_EXIT_OK : ATTESTCTL_EXIT_FAILED;
}

int attestctl_quote(int argc, char **argv)
{
    static const struct option opts[] = {
        {"ak", required_argument, NULL, 'a'},
        {"nonce", required_argument, NULL, 'n'},
        {"pcrs-selection", required_argument, NULL, 'l'},
        {"quote", required_argument, NULL, 'q'},
        {"sig", required_argument, NULL, 's'},
        {"pcr-values", required_argument, NULL, 'p'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    struct quote_args a = {0};

    int c = attestctl_one_command(argc, argv, "verify", usage);
    if (c != ATTESTCTL_CONTINUE)
        return c;
    optind = 1;
    while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) >= 0) {
        switch (c) {
        case 'a':
            a.ak = optarg;
            break;
        case 'n':
            a.nonce = optarg;
            break;
        case 'l':
            a.selection = optarg;
            break;
        case 'q':
            a.quote = optarg;
            break;
        case 's':
            a.sig = optarg;
            break;
        case 'p':
            a.pcr_values = optarg;
            break;
        case 'j':
            a.json = true;
            break;
        case 'h':
            usage(stdout);
            return ATTESTCTL_EXIT_OK;
        default:
            usage(stderr);
            return ATTESTCTL_EXIT_USAGE;
        }
    }
    if (!a.ak || !a.nonce || !a.selection || !a.quote || !a.sig || !a.pcr_values ||
        optind != argc - 1) {
        usage(stderr);
        return ATTESTCTL_EXIT_USAGE;
    }
    return quote_verify_cmd(&a);
}
