/* SPDX-License-Identifier: Apache-2.0 */
/* attestd ak create | load | activate */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "attestd-commands.h"
#include "attestd.h"
#include "common/cleanup.h"
#include "common/error.h"
#include "common/hex.h"
#include "tpm/activate.h"
#include "tpm/ak-dir.h"
#include "tpm/context.h"
#include "tpm/tpm-ctx.h"
#include "tpm/tpm-rc.h"

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: attestd ak create --dir DIR [--alg rsa|ecc] [--ek L-1|L-2|H-3]\n"
            "                         [--ek-cert FILE] [--force] [--tcti T]\n"
            "       attestd ak load --dir DIR [--context FILE] [--tcti T]\n"
            "       attestd ak activate --dir DIR --credential FILE [--tcti T]\n"
            "\n"
            "create    create the EK (or reuse the persistent one) and an AK under it; write\n"
            "          DIR/ak.pub, ak.priv (0600), ak.name, ek.pub and ek.crt (from the TPM's NV\n"
            "          index, or --ek-cert FILE, PEM or DER) in tpm2-tools formats.\n"
            "          --alg: AK algorithm (default rsa); --ek: EK template (default L-1);\n"
            "          --force: replace the AK DIR already holds.\n"
            "load      load the AK of DIR under its EK and save its context to FILE\n"
            "          (default DIR/ak.ctx, tpm2-tools -c format): later quotes need only\n"
            "          ContextLoad + Quote + PCR_Read.\n"
            "activate  ActivateCredential of a `tpm2_makecredential` file with the AK of DIR\n"
            "          and its EK; print the secret as hex.\n"
            "\n" ATTEST_EXIT_CODES_HELP);
}

struct ak_args {
    const char *dir, *tcti, *ek_cert, *context, *credential;
    enum tpm_ak_alg alg;
    enum tpm_ek_template ek;
    bool force;
};

static int parse_args(int argc, char **argv, struct ak_args *a)
{
    static const struct option opts[] = {
        {"dir", required_argument, NULL, 'd'},
        {"alg", required_argument, NULL, 'a'},
        {"ek", required_argument, NULL, 'e'},
        {"ek-cert", required_argument, NULL, 'C'},
        {"tcti", required_argument, NULL, 'T'},
        {"context", required_argument, NULL, 'c'},
        {"credential", required_argument, NULL, 'i'},
        {"force", no_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    *a = (struct ak_args){.alg = TPM_AK_RSA, .ek = TPM_EK_L1};
    optind = 1;
    for (int c; (c = getopt_long(argc, argv, "h", opts, NULL)) != -1;) {
        switch (c) {
        case 'd':
            a->dir = optarg;
            break;
        case 'a':
            if (tpm_ak_alg_from_name(optarg, &a->alg) < 0) {
                fprintf(stderr, "attestd: --alg must be rsa or ecc\n");
                return ATTEST_EXIT_USAGE;
            }
            break;
        case 'e':
            if (tpm_ek_template_from_name(optarg, &a->ek) < 0) {
                fprintf(stderr, "attestd: --ek must be L-1, L-2 or H-3\n");
                return ATTEST_EXIT_USAGE;
            }
            break;
        case 'C':
            a->ek_cert = optarg;
            break;
        case 'T':
            a->tcti = optarg;
            break;
        case 'c':
            a->context = optarg;
            break;
        case 'i':
            a->credential = optarg;
            break;
        case 'f':
            a->force = true;
            break;
        case 'h':
            usage(stdout);
            return -1;
        default:
            usage(stderr);
            return ATTEST_EXIT_USAGE;
        }
    }
    if (optind != argc || !a->dir) {
        fprintf(stderr, "attestd: --dir is required\n");
        return ATTEST_EXIT_USAGE;
    }
    return 0;
}

/* Open the TPM; on the way out, log the commands sent when tests ask for it. */
static int open_tpm(const struct ak_args *a, struct tpm_ctx **t)
{
    int r = tpm_open(attestd_tcti(a->tcti), t);
    return r < 0 ? attestd_fail(r, "cannot open the TPM") : 0;
}

static int ak_create(const struct ak_args *a)
{
    /* An enrolled AK is not replaced by mistake. */
    if (!a->force && ak_dir_has_ak(a->dir)) {
        fprintf(stderr, "attestd: ak create: '%s' already holds an AK (--force replaces it)\n",
                a->dir);
        return ATTEST_EXIT_USAGE;
    }
    _cleanup_tpm_ struct tpm_ctx *t = NULL;
    int e = open_tpm(a, &t);
    if (e)
        return e;
    struct ak_dir_created c;
    int r = ak_dir_create(t, a->dir, a->ek, a->alg, a->ek_cert, &c);
    attestd_log_commands(t, "ak-create");
    if (r < 0)
        return attestd_fail(r, "ak create");
    _cleanup_free_ char *name = hex_encode(c.ak_name.name, c.ak_name.size);
    printf("ak name: %s\nek: %s (%s)\nek certificate: %s\ntpm commands: %zu (+%zu resent on TPM "
           "RETRY)\n",
           name ? name : "?", tpm_ek_template_name(c.ek_tpl),
           c.ek_persistent ? "persistent" : "created",
           c.ek_cert_from_nv   ? "from NV"
           : c.ek_cert_written ? "from file"
                               : "none",
           tpm_command_count(t) - tpm_command_retries(t), tpm_command_retries(t));
    return ATTEST_EXIT_OK;
}

static int ak_load(const struct ak_args *a)
{
    _cleanup_tpm_ struct tpm_ctx *t = NULL;
    int e = open_tpm(a, &t);
    if (e)
        return e;
    _cleanup_free_ char *def = ak_dir_path(a->dir, AK_DIR_AK_CTX);
    const char *path = a->context ? a->context : def;
    ESYS_TR ak = ESYS_TR_NONE;
    int r = path ? ak_dir_load_blobs(t, a->dir, a->ek, NULL, &ak) : -ENOMEM;
    if (r == 0)
        r = context_save_file(t, ak, path);
    int k = tpm_esys_flush(t, &ak);
    if (r == 0)
        r = k;
    attestd_log_commands(t, "ak-load");
    if (r < 0)
        return attestd_fail(r, "ak load");
    printf("saved context: %s\n", path);
    return ATTEST_EXIT_OK;
}

static int ak_activate(const struct ak_args *a)
{
    if (!a->credential) {
        fprintf(stderr, "attestd: --credential is required\n");
        return ATTEST_EXIT_USAGE;
    }
    TPM2B_ID_OBJECT blob;
    TPM2B_ENCRYPTED_SECRET secret;
    int r = credential_file_read(a->credential, &blob, &secret);
    if (r < 0)
        return attestd_fail(r, a->credential);

    _cleanup_tpm_ struct tpm_ctx *t = NULL;
    int e = open_tpm(a, &t);
    if (e)
        return e;
    struct tpm_ek ek = {.handle = ESYS_TR_NONE};
    ESYS_TR ak = ESYS_TR_NONE;
    TPM2B_DIGEST out = {0};
    r = ak_dir_load_blobs(t, a->dir, a->ek, &ek, &ak);
    if (r == 0)
        r = tpm_activate_credential(t, &ek, ak, &blob, &secret, &out);
    int k = tpm_esys_flush(t, &ak);
    int l = tpm_ek_release(t, &ek);
    if (r == 0)
        r = k < 0 ? k : l;
    attestd_log_commands(t, "ak-activate");
    if (r == ATT_E_VERIFY) {
        fprintf(stderr, "attestd: ak activate: the TPM refuses the credential: it was not made "
                        "for this AK and EK, or it is damaged\n");
        return attestd_exit_code(r);
    }
    if (r < 0)
        return attestd_fail(r, "ak activate");
    _cleanup_free_ char *hex = hex_encode(out.buffer, out.size);
    OPENSSL_cleanse(&out, sizeof(out));
    if (!hex)
        return attestd_fail(-ENOMEM, "ak activate");
    printf("%s\n", hex);
    OPENSSL_cleanse(hex, strlen(hex));
    return ATTEST_EXIT_OK;
}

int attestd_ak(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? ATTEST_EXIT_USAGE : ATTEST_EXIT_OK;
    }
    struct ak_args a;
    int e = parse_args(argc - 1, argv + 1, &a);
    if (e)
        return e < 0 ? ATTEST_EXIT_OK : e;
    if (strcmp(argv[1], "create") == 0)
        return ak_create(&a);
    if (strcmp(argv[1], "load") == 0)
        return ak_load(&a);
    if (strcmp(argv[1], "activate") == 0)
        return ak_activate(&a);
    fprintf(stderr, "attestd: unknown ak command '%s'\n", argv[1]);
    usage(stderr);
    return ATTEST_EXIT_USAGE;
}
