/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test driver for the shell tests: the library calls that attestctl does not
 * expose, on files.
 *   verify-tool name PUB                                  print the object name (hex)
 *   verify-tool ak-check PUB                              exit 0 or 1 + "check: message"
 *   verify-tool ek-cert CERT EKPUB ROOTS_DIR [UNIX_TIME] [INTERMEDIATES_FILE]
 *                       (EKPUB: TPM public area, or a PEM public key when named *.pem)
 *                                                         exit 0 or 1 + "check: message"
 * Exit 2 on unreadable input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/file-io.h"
#include "soft-signer.h"
#include "verify/ak-check.h"
#include "verify/ek-cert.h"
#include "verify/tpm-name.h"
#include "verify/tpm-pubkey.h"

static int read_public(const char *path, TPM2B_PUBLIC *ret)
{
    _cleanup_free_ uint8_t *buf = NULL;
    size_t len = 0;
    if (file_read_all(path, 4096, &buf, &len) < 0 || tpm_public_unmarshal(buf, len, ret) < 0) {
        fprintf(stderr, "verify-tool: cannot read public area '%s'\n", path);
        return -1;
    }
    return 0;
}

/* An EK public area from a PEM public key (tests with OpenSSL-made certificates). */
static int read_ek_public(const char *path, TPM2B_PUBLIC *ret)
{
    size_t n = strlen(path);
    if (n < 4 || strcmp(path + n - 4, ".pem") != 0)
        return read_public(path, ret);
    _cleanup_(BIO_free_allp) BIO *bio = BIO_new_file(path, "r");
    _cleanup_(EVP_PKEY_freep) EVP_PKEY *k = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
    memset(ret, 0, sizeof(*ret));
    ret->publicArea.nameAlg = TPM2_ALG_SHA256;
    if (!k || soft_public_from_evp(k, &ret->publicArea) < 0) {
        fprintf(stderr, "verify-tool: cannot read PEM public key '%s'\n", path);
        return -1;
    }
    return 0;
}

static int cmd_name(const char *path)
{
    TPM2B_PUBLIC pub;
    TPM2B_NAME name;
    if (read_public(path, &pub) < 0 || tpm_name_from_public(&pub.publicArea, &name) < 0)
        return 2;
    _cleanup_free_ char *hex = tpm_name_to_hex(&name);
    printf("%s\n", hex);
    return 0;
}

static int report(int r, const struct att_check *c)
{
    printf("%s: %s%s%s\n", c->name, att_check_status_name(c->status), c->message[0] ? ": " : "",
           c->message);
    if (r == 0)
        return 0;
    return r == ATT_E_VERIFY ? 1 : 2;
}

static int cmd_ak_check(const char *path)
{
    TPM2B_PUBLIC pub;
    struct att_check c;
    if (read_public(path, &pub) < 0)
        return 2;
    return report(ak_check_public(&pub.publicArea, &c), &c);
}

static int cmd_ek_cert(int argc, char **argv)
{
    TPM2B_PUBLIC ek;
    _cleanup_(sk_X509_pop_freep) STACK_OF(X509) *certs = NULL;
    _cleanup_(sk_X509_pop_freep) STACK_OF(X509) *inter = NULL;
    _cleanup_(X509_STORE_freep) X509_STORE *store = NULL;

    int r = ek_cert_load_file(argv[0], &certs);
    if (r < 0) {
        printf("ek-cert-parse: fail: %s\n", att_strerror(r));
        return 1;
    }
    if (read_ek_public(argv[1], &ek) < 0)
        return 2;
    r = ek_cert_store_load_dir(argv[2], &store);
    if (r < 0) {
        fprintf(stderr, "verify-tool: roots '%s': %s\n", argv[2], att_strerror(r));
        return 2;
    }
    struct ek_cert_verify_params p = {0};
    if (argc > 3)
        p.at = (time_t)strtoll(argv[3], NULL, 10);
    if (argc > 4) {
        if (ek_cert_load_file(argv[4], &inter) < 0)
            return 2;
        p.intermediates = inter;
    }
    struct att_check c;
    return report(ek_cert_verify(sk_X509_value(certs, 0), store, &p, &ek.publicArea, &c), &c);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "name") == 0)
        return cmd_name(argv[2]);
    if (argc == 3 && strcmp(argv[1], "ak-check") == 0)
        return cmd_ak_check(argv[2]);
    if (argc >= 5 && argc <= 7 && strcmp(argv[1], "ek-cert") == 0)
        return cmd_ek_cert(argc - 2, argv + 2);
    fprintf(stderr, "usage: verify-tool name PUB | ak-check PUB | ek-cert CERT EKPUB ROOTS_DIR "
                    "[UNIX_TIME] [INTERMEDIATES]\n");
    return 2;
}
