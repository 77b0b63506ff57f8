/* SPDX-License-Identifier: Apache-2.0 */
/*
 * attestctl credential make --ek-public ek.pub --ak-public ak.pub --secret HEX --out cred.out
 *
 * Software MakeCredential (lib/verify/credential.h) writing the
 * tpm2_makecredential output layout, so that `tpm2_activatecredential -i cred.out`
 * or `attestd ak activate` recover the secret on the chip that owns the EK.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/file-io.h"
#include "common/hex.h"
#include "groups.h"
#include "util.h"
#include "verify/credential.h"
#include "verify/tpm-name.h"
#include "verify/tpm-pubkey.h"

#define MAX_PUBLIC_FILE 4096

static void usage(FILE *f)
{
    fprintf(f, "Usage: attestctl credential make --ek-public EK.PUB --ak-public AK.PUB\n"
               "                                 --secret HEX --out CRED.OUT\n\n"
               "EK.PUB and AK.PUB: TPM2B_PUBLIC (tpm2-tools -u/-o files) or bare TPMT_PUBLIC.\n"
               "CRED.OUT: the tpm2_makecredential layout (tpm2_activatecredential -i).\n");
}

static int read_public(const char *what, const char *path, TPM2B_PUBLIC *ret)
{
    _cleanup_free_ uint8_t *buf = NULL;
    size_t len = 0;
    int r = attestctl_read_file(what, path, MAX_PUBLIC_FILE, &buf, &len);
    if (r < 0)
        return r;
    r = tpm_public_unmarshal(buf, len, ret);
    if (r < 0)
        fprintf(stderr, "attestctl: %s '%s' is not a TPM public area\n", what, path);
    return r;
}

static int credential_make_cmd(const char *ek_path, const char *ak_path, const char *secret_hex,
                               const char *out_path)
{
    TPM2B_PUBLIC ek, ak;
    if (read_public("EK public", ek_path, &ek) < 0 || read_public("AK public", ak_path, &ak) < 0)
        return ATTESTCTL_EXIT_USAGE;

    _cleanup_free_ uint8_t *secret = NULL;
    size_t secret_len = 0;
    if (hex_decode(secret_hex, &secret, &secret_len) < 0) {
        fprintf(stderr, "attestctl: --secret is not hex\n");
        return ATTESTCTL_EXIT_USAGE;
    }
    TPM2B_NAME name;
    int r = tpm_name_from_public(&ak.publicArea, &name);
    if (r < 0) {
        fprintf(stderr, "attestctl: cannot compute the AK name: %s\n", att_strerror(r));
        return ATTESTCTL_EXIT_USAGE;
    }
    TPM2B_ID_OBJECT blob;
    TPM2B_ENCRYPTED_SECRET enc;
    r = credential_make(&ek.publicArea, &name, secret, secret_len, &blob, &enc);
    OPENSSL_cleanse(secret, secret_len);
    if (r < 0) {
        fprintf(stderr, "attestctl: MakeCredential failed: %s\n", att_strerror(r));
        return ATTESTCTL_EXIT_USAGE;
    }
    _cleanup_free_ uint8_t *file = NULL;
    size_t file_len = 0;
    r = credential_file_encode(&blob, &enc, &file, &file_len);
    if (r >= 0)
        r = file_write_atomic(out_path, file, file_len, 0644);
    if (r < 0) {
        fprintf(stderr, "attestctl: cannot write '%s': %s\n", out_path, att_strerror(r));
        return ATTESTCTL_EXIT_USAGE;
    }
    return ATTESTCTL_EXIT_OK;
}

int attestctl_credential(int argc, char **argv)
{
    static const struct option opts[] = {
        {"ek-public", required_argument, NULL, 'e'},
        {"ak-public", required_argument, NULL, 'a'},
        {"secret", required_argument, NULL, 's'},
        {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    const char *ek = NULL, *ak = NULL, *secret = NULL, *out = NULL;

    int c = attestctl_one_command(argc, argv, "make", usage);
    if (c != ATTESTCTL_CONTINUE)
        return c;
    optind = 1;
    while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) >= 0) {
        switch (c) {
        case 'e':
            ek = optarg;
            break;
        case 'a':
            ak = optarg;
            break;
        case 's':
            secret = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'h':
            usage(stdout);
            return ATTESTCTL_EXIT_OK;
        default:
            usage(stderr);
            return ATTESTCTL_EXIT_USAGE;
        }
    }
    if (!ek || !ak || !secret || !out || optind != argc - 1) {
        usage(stderr);
        return ATTESTCTL_EXIT_USAGE;
    }
    return credential_make_cmd(ek, ak, secret, out);
}
