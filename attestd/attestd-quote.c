/* SPDX-License-Identifier: Apache-2.0 */
/* attestd quote: TPM2_Quote with a nonce, written in tpm2-tools file formats. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attestd-commands.h"
#include "attestd.h"
#include "common/cleanup.h"
#include "common/error.h"
#include "common/file-io.h"
#include "common/hex.h"
#include "common/pcr-selection.h"
#include "common/pcr-values.h"
#include "tpm/ak-dir.h"
#include "tpm/quote.h"
#include "tpm/tpm-ctx.h"
#include "tpm/tpm-rc.h"

static void usage(FILE *f)
{
    fprintf(f, "Usage: attestd quote --dir DIR --nonce HEX --out OUTDIR [--pcrs SEL]\n"
               "                     [--context FILE] [--tcti T]\n"
               "\n"
               "Quote the PCRs of SEL (tpm2-tools syntax, default " PCRSEL_DEFAULT ") with\n"
               "qualifyingData = NONCE, signed by the AK of DIR: from its saved context\n"
               "(--context FILE, default DIR/ak.ctx, when usable) or from its blobs. Writes\n"
               "OUTDIR/quote.msg (TPMS_ATTEST), quote.sig (TPMT_SIGNATURE) and quote.pcrs\n"
               "(the `tpm2_quote -o` layout), as `tpm2_checkquote -m -s -f` reads them.\n"
               "\n" ATTEST_EXIT_CODES_HELP);
}

struct quote_args {
    const char *dir, *nonce, *pcrs, *out, *context, *tcti;
};

static int parse_args(int argc, char **argv, struct quote_args *a)
{
    static const struct option opts[] = {
        {"dir", required_argument, NULL, 'd'},     {"nonce", required_argument, NULL, 'n'},
        {"pcrs", required_argument, NULL, 'p'},    {"out", required_argument, NULL, 'o'},
        {"context", required_argument, NULL, 'c'}, {"tcti", required_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'h'},          {0},
    };
    *a = (struct quote_args){.pcrs = PCRSEL_DEFAULT};
    for (int c; (c = getopt_long(argc, argv, "h", opts, NULL)) != -1;) {
        switch (c) {
        case 'd':
            a->dir = optarg;
            break;
        case 'n':
            a->nonce = optarg;
            break;
        case 'p':
            a->pcrs = optarg;
            break;
        case 'o':
            a->out = optarg;
            break;
        case 'c':
            a->context = optarg;
            break;
        case 'T':
            a->tcti = optarg;
            break;
        case 'h':
            usage(stdout);
            return -1;
        default:
            usage(stderr);
            return ATTEST_EXIT_USAGE;
        }
    }
    if (optind != argc || !a->dir || !a->nonce || !a->out) {
        fprintf(stderr, "attestd: quote needs --dir, --nonce and --out\n");
        return ATTEST_EXIT_USAGE;
    }
    return 0;
}

/*
 * Quote outputs are ephemeral (sent once, made again on demand): replace each
 * file atomically (temp file + rename) but without fsync, which costs more
 * than the TPM work (measured: 6 fsyncs took ~50 of 96 ms per quote here).
 */
static int write_replace(const char *path, const void *buf, size_t len)
{
    return file_write_atomic_flags(path, buf, len, 0644, 0);
}

static int write_outputs(const char *outdir, const struct tpm_quote *q)
{
    if (mkdir(outdir, 0755) < 0 && errno != EEXIST)
        return -errno;
    _cleanup_free_ char *p_msg = ak_dir_path(outdir, "quote.msg");
    _cleanup_free_ char *p_sig = ak_dir_path(outdir, "quote.sig");
    _cleanup_free_ char *p_pcrs = ak_dir_path(outdir, "quote.pcrs");
    if (!p_msg || !p_sig || !p_pcrs)
        return -ENOMEM;
    uint8_t sig[sizeof(TPMT_SIGNATURE)];
    size_t sig_len = 0, pcrs_len = 0;
    _cleanup_free_ uint8_t *pcrs = NULL;
    int r = tpm_quote_signature_bytes(&q->signature, sig, sizeof(sig), &sig_len);
    if (r == 0)
        r = pcr_values_format_file_bytes(&q->values, &pcrs, &pcrs_len);
    if (r == 0)
        r = write_replace(p_msg, q->attest.attestationData, q->attest.size);
    if (r == 0)
        r = write_replace(p_sig, sig, sig_len);
    if (r == 0)
        r = write_replace(p_pcrs, pcrs, pcrs_len);
    return r;
}

int attestd_quote(int argc, char **argv)
{
    struct quote_args a;
    int e = parse_args(argc, argv, &a);
    if (e)
        return e < 0 ? ATTEST_EXIT_OK : e;

    TPML_PCR_SELECTION sel;
    if (pcrsel_parse(a.pcrs, &sel) < 0) {
        fprintf(stderr, "attestd: invalid PCR selection '%s'\n", a.pcrs);
        return ATTEST_EXIT_USAGE;
    }
    _cleanup_free_ uint8_t *nonce = NULL;
    size_t nonce_len = 0;
    if (hex_decode(a.nonce, &nonce, &nonce_len) < 0 || nonce_len == 0 ||
        nonce_len > sizeof(TPMU_HA)) {
        fprintf(stderr, "attestd: --nonce must be 1-64 bytes of hex\n");
        return ATTEST_EXIT_USAGE;
    }

    _cleanup_tpm_ struct tpm_ctx *t = NULL;
    int r = tpm_open(attestd_tcti(a.tcti), &t);
    if (r < 0)
        return attestd_fail(r, "cannot open the TPM");

    ESYS_TR ak = ESYS_TR_NONE;
    bool from_context = false;
    _cleanup_free_ struct tpm_quote *q = calloc(1, sizeof(*q));
    r = q ? ak_dir_load(t, a.dir, a.context, TPM_EK_L1, &ak, &from_context) : -ENOMEM;
    if (r == 0)
        r = tpm_quote(t, ak, nonce, nonce_len, &sel, q);
    int k = tpm_esys_flush(t, &ak);
    if (r == 0)
        r = k;
    attestd_log_commands(t, from_context ? "quote-context" : "quote-blobs");
    if (r == 0)
        r = write_outputs(a.out, q);
    if (r == -EAGAIN) {
        fprintf(stderr,
                "attestd: quote: PCRs kept changing between Quote and PCR_Read (%d "
                "attempts)\n",
                TPM_QUOTE_ATTEMPTS);
        return ATTEST_EXIT_FAILED;
    }
    if (r == -EOPNOTSUPP) {
        fprintf(stderr, "attestd: quote: the TPM has no PCR bank or PCR selected by '%s'\n",
                a.pcrs);
        return ATTEST_EXIT_USAGE;
    }
    if (r < 0)
        return attestd_fail(r, "quote");
    printf("quoted %s with the AK from its %s (%zu TPM commands, +%zu resent on TPM RETRY)\n",
           a.pcrs, from_context ? "saved context" : "blobs",
           tpm_command_count(t) - tpm_command_retries(t), tpm_command_retries(t));
    return ATTEST_EXIT_OK;
}
