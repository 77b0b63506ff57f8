/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/file-io.h"
#include "verify/ek-cert.h"
#include "verify/tpm-pubkey.h"

#define MAX_CERT_FILE      (1024 * 1024)
#define OID_TCG_KP_EK_CERT "2.23.133.8.1"

DEFINE_TRIVIAL_CLEANUP_FUNC(EXTENDED_KEY_USAGE *, EXTENDED_KEY_USAGE_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(ASN1_OBJECT *, ASN1_OBJECT_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(DIR *, closedir)

static bool looks_like_pem(const uint8_t *buf, size_t len)
{
    return memmem(buf, len, "-----BEGIN", 10) != NULL;
}

/* All certificates of a PEM buffer, in order; skips other PEM blocks. */
static int parse_pem_all(const uint8_t *buf, size_t len, STACK_OF(X509) * out)
{
    _cleanup_(BIO_free_allp) BIO *bio = BIO_new_mem_buf(buf, (int)len);
    if (!bio)
        return -ENOMEM;
    for (;;) {
        X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
        if (!x)
            break;
        if (!sk_X509_push(out, x)) {
            X509_free(x);
            return -ENOMEM;
        }
    }
    ERR_clear_error(); /* the loop ends on "no start line" */
    return sk_X509_num(out) > 0 ? 0 : -EBADMSG;
}

static int parse_der(const uint8_t *buf, size_t len, X509 **ret)
{
    const unsigned char *p = buf;
    if (len > LONG_MAX)
        return -EBADMSG;
    /*
     * d2i keeps the original encoding of tbsCertificate, so a certificate in
     * non-canonical DER (Nuvoton) still verifies against the bytes that were
     * signed. Bytes after the certificate (NV padding) are ignored.
     */
    X509 *x = d2i_X509(NULL, &p, (long)len);
    if (!x) {
        ERR_clear_error();
        return -EBADMSG;
    }
    *ret = x;
    return 0;
}

int ek_cert_parse(const uint8_t *buf, size_t len, X509 **ret)
{
    if (!buf || !ret || len == 0)
        return -EINVAL;
    if (!looks_like_pem(buf, len))
        return parse_der(buf, len, ret);

    _cleanup_(sk_X509_pop_freep) STACK_OF(X509) *sk = sk_X509_new_null();
    if (!sk)
        return -ENOMEM;
    int r = parse_pem_all(buf, len, sk);
    if (r < 0)
        return r;
    *ret = sk_X509_shift(sk);
    return 0;
}

int ek_cert_load_file(const char *path, STACK_OF(X509) * *ret)
{
    _cleanup_free_ uint8_t *buf = NULL;
    size_t len = 0;
    int r = file_read_all(path, MAX_CERT_FILE, &buf, &len);
    if (r < 0)
        return r;
    _cleanup_(sk_X509_pop_freep) STACK_OF(X509) *sk = sk_X509_new_null();
    if (!sk)
        return -ENOMEM;
    if (len > 0 && looks_like_pem(buf, len)) {
        r = parse_pem_all(buf, len, sk);
    } else {
        X509 *x = NULL;
        r = len > 0 ? parse_der(buf, len, &x) : -EBADMSG;
        if (r >= 0 && !sk_X509_push(sk, x)) {
            X509_free(x);
            r = -ENOMEM;
        }
    }
    if (r < 0)
        return r;
    *ret = TAKE_PTR(sk);
    return 0;
}

static int store_add_file(X509_STORE *store, const char *path, unsigned *count)
{
    _cleanup_(sk_X509_pop_freep) STACK_OF(X509) *sk = NULL;
    if (ek_cert_load_file(path, &sk) < 0)
        return 0; /* not a certificate (README, CRL, ...): not ours to judge */
    for (int i = 0; i < sk_X509_num(sk); i++) {
        /* X509_STORE_add_cert takes its own reference; duplicates are fine. */
        if (X509_STORE_add_cert(store, sk_X509_value(sk, i)) != 1)
            return -ENOMEM;
        (*count)++;
    }
    return 0;
}

int ek_cert_store_load_dir(const char *dir, X509_STORE **ret)
{
    _cleanup_(closedirp) DIR *d = opendir(dir);
    if (!d)
        return -errno;
    _cleanup_(X509_STORE_freep) X509_STORE *store = X509_STORE_new();
    if (!store)
        return -ENOMEM;

    unsigned count = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/%s", dir, de->d_name) < 0)
            return -ENOMEM;
        struct stat st;
        if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
            continue;
        int r = store_add_file(store, path, &count);
        if (r < 0)
            return r;
    }
    if (count == 0)
        return -ENOENT;
    *ret = TAKE_PTR(store);
    return 0;
}

/* An extendedKeyUsage, when present, must name tcg-kp-EKCertificate. */
static int check_purpose(X509 *cert, struct att_check *ret)
{
    int crit = 0;
    _cleanup_(EXTENDED_KEY_USAGE_freep) EXTENDED_KEY_USAGE *eku =
        X509_get_ext_d2i(cert, NID_ext_key_usage, &crit, NULL);
    if (!eku) {
        if (crit == -2) { /* present more than once */
            att_check_fail(ret, "ek-cert-purpose", "duplicate extendedKeyUsage extension");
            return ATT_E_VERIFY;
        }
        return 0;
    }
    _cleanup_(ASN1_OBJECT_freep) ASN1_OBJECT *ek_oid = OBJ_txt2obj(OID_TCG_KP_EK_CERT, 1);
    if (!ek_oid)
        return -ENOMEM;
    for (int i = 0; i < sk_ASN1_OBJECT_num(eku); i++)
        if (OBJ_cmp(sk_ASN1_OBJECT_value(eku, i), ek_oid) == 0)
            return 0;
    att_check_fail(ret, "ek-cert-purpose",
                   "extendedKeyUsage does not contain tcg-kp-EKCertificate (" OID_TCG_KP_EK_CERT
                   ")");
    return ATT_E_VERIFY;
}

static int chain_failure(X509_STORE_CTX *ctx, struct att_check *ret)
{
    int err = X509_STORE_CTX_get_error(ctx);
    int depth = X509_STORE_CTX_get_error_depth(ctx);
    const char *what = X509_verify_cert_error_string(err);

    switch (err) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
        att_check_fail(ret, "ek-cert-expired", "certificate at depth %d: %s", depth, what);
        break;
    case X509_V_ERR_CERT_NOT_YET_VALID:
        att_check_fail(ret, "ek-cert-not-yet-valid", "certificate at depth %d: %s", depth, what);
        break;
    default:
        att_check_fail(ret, "ek-cert-chain", "no chain to a configured root: depth %d: %s", depth,
                       what);
    }
    return ATT_E_VERIFY;
}

static int verify_chain(X509 *cert, X509_STORE *store, const struct ek_cert_verify_params *p,
                        struct att_check *ret)
{
    _cleanup_(X509_STORE_CTX_freep) X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    if (!ctx)
        return -ENOMEM;
    if (X509_STORE_CTX_init(ctx, store, cert, p ? p->intermediates : NULL) != 1)
        return -ENOMEM;
    X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
    if (p && p->at)
        X509_VERIFY_PARAM_set_time(param, p->at);
    /*
     * No TLS purpose: an EK certificate has none. The CA checks of the chain
     * (basicConstraints, keyCertSign) stay on; the EK purpose is checked below.
     */
    int ok = X509_verify_cert(ctx);
    if (ok != 1) {
        int r = chain_failure(ctx, ret);
        ERR_clear_error();
        return r;
    }
    return 0;
}

static int check_key(X509 *cert, const TPMT_PUBLIC *ek_public, struct att_check *ret)
{
    _cleanup_(EVP_PKEY_freep) EVP_PKEY *ek = NULL;
    int r = tpm_pubkey_to_evp(ek_public, &ek);
    if (r < 0) {
        att_check_fail(ret, "ek-cert-key-mismatch", "the EK public area holds no usable key");
        return ATT_E_VERIFY;
    }
    EVP_PKEY *ck = X509_get0_pubkey(cert);
    if (!ck || EVP_PKEY_eq(ck, ek) != 1) {
        ERR_clear_error();
        att_check_fail(ret, "ek-cert-key-mismatch",
                       "the certificate's public key is not the EK's public key");
        return ATT_E_VERIFY;
    }
    return 0;
}

int ek_cert_verify(X509 *cert, X509_STORE *store, const struct ek_cert_verify_params *params,
                   const TPMT_PUBLIC *ek_public, struct att_check *ret)
{
    if (!ret)
        return -EINVAL;
    if (!cert || !store || !ek_public) {
        att_check_fail(ret, "ek-cert-chain", "missing input");
        return -EINVAL;
    }
    int r = verify_chain(cert, store, params, ret);
    if (r >= 0)
        r = check_purpose(cert, ret);
    if (r >= 0)
        r = check_key(cert, ek_public, ret);
    if (r == -ENOMEM)
        att_check_fail(ret, "ek-cert-chain", "out of memory");
    if (r < 0)
        return r;
    att_check_pass(ret, "ek-cert");
    return 0;
}
