/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <tss2/tss2_mu.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/file-io.h"
#include "tpm/ak-dir.h"
#include "tpm/blob.h"
#include "tpm/context.h"
#include "tpm/tpm-rc.h"

#define CERT_MAX_FILE (64 * 1024)

char *ak_dir_path(const char *dir, const char *name)
{
    char *p = NULL;
    return asprintf(&p, "%s/%s", dir, name) < 0 ? NULL : p;
}

static int write_blob_files(const char *dir, const TPM2B_PUBLIC *ak_pub,
                            const TPM2B_PRIVATE *ak_priv, const TPM2B_NAME *name,
                            const TPM2B_PUBLIC *ek_pub)
{
    _cleanup_free_ char *p_pub = ak_dir_path(dir, AK_DIR_AK_PUB);
    _cleanup_free_ char *p_priv = ak_dir_path(dir, AK_DIR_AK_PRIV);
    _cleanup_free_ char *p_name = ak_dir_path(dir, AK_DIR_AK_NAME);
    _cleanup_free_ char *p_ek = ak_dir_path(dir, AK_DIR_EK_PUB);
    if (!p_pub || !p_priv || !p_name || !p_ek)
        return -ENOMEM;
    int r = blob_private_write(p_priv, ak_priv);
    if (r == 0)
        r = blob_public_write(p_pub, ak_pub);
    if (r == 0)
        r = blob_name_write(p_name, name);
    if (r == 0)
        r = blob_public_write(p_ek, ek_pub);
    return r;
}

/* A certificate file in PEM or DER -> DER bytes. */
static int cert_file_der(const char *path, uint8_t **ret, size_t *ret_len)
{
    _cleanup_free_ uint8_t *buf = NULL;
    size_t len;
    int r = file_read_all(path, CERT_MAX_FILE, &buf, &len);
    if (r < 0)
        return r == -EFBIG ? ATT_E_BADMSG : r;
    _cleanup_(BIO_free_allp) BIO *bio = BIO_new_mem_buf(buf, (int)len);
    if (!bio)
        return -ENOMEM;
    _cleanup_(X509_freep) X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    if (!x) {
        const unsigned char *p = buf;
        x = d2i_X509(NULL, &p, (long)len);
    }
    if (!x)
        return ATT_E_BADMSG;
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);
    if (n <= 0)
        return ATT_E_BADMSG;
    uint8_t *copy = malloc((size_t)n);
    if (copy)
        memcpy(copy, der, (size_t)n);
    OPENSSL_free(der);
    if (!copy)
        return -ENOMEM;
    *ret = copy;
    *ret_len = (size_t)n;
    return 0;
}

static int write_ek_cert(struct tpm_ctx *t, const char *dir, enum tpm_ek_template tpl,
                         const char *ek_cert_file, struct ak_dir_created *c)
{
    _cleanup_free_ char *path = ak_dir_path(dir, AK_DIR_EK_CRT);
    if (!path)
        return -ENOMEM;
    _cleanup_free_ uint8_t *der = NULL;
    size_t len = 0;
    int r;
    if (ek_cert_file) {
        r = cert_file_der(ek_cert_file, &der, &len);
    } else {
        r = tpm_ek_cert_read_nv(t, tpl, &der, &len);
        if (r == -ENOENT)
            return 0; /* no certificate in NV: fine, the verifier may allowlist the EK */
        c->ek_cert_from_nv = r == 0;
    }
    if (r == 0)
        r = file_write_atomic(path, der, len, 0644);
    c->ek_cert_written = r == 0;
    return r;
}

bool ak_dir_has_ak(const char *dir)
{
    _cleanup_free_ char *p = ak_dir_path(dir, AK_DIR_AK_PUB);
    return p && access(p, F_OK) == 0;
}

/* Files of an earlier AK that must not outlive it: its saved context and an
 * EK certificate the new run may not write. */
static int remove_stale(const char *dir)
{
    static const char *const names[] = {AK_DIR_AK_CTX, AK_DIR_EK_CRT};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        _cleanup_free_ char *p = ak_dir_path(dir, names[i]);
        if (!p)
            return -ENOMEM;
        if (unlink(p) < 0 && errno != ENOENT)
            return -errno;
    }
    return 0;
}

int ak_dir_create(struct tpm_ctx *t, const char *dir, enum tpm_ek_template ek_tpl,
                  enum tpm_ak_alg alg, const char *ek_cert_file, struct ak_dir_created *ret)
{
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return -errno;

    struct ak_dir_created c = {.ek_tpl = ek_tpl};
    struct tpm_ek ek = {.handle = ESYS_TR_NONE};
    int r = tpm_ek_get(t, ek_tpl, &ek);
    if (r < 0)
        return r;
    c.ek_persistent = !ek.transient;

    TPM2B_PUBLIC ak_pub;
    TPM2B_PRIVATE ak_priv;
    r = tpm_ak_create(t, &ek, alg, &ak_pub, &ak_priv);
    int k = tpm_ek_release(t, &ek);
    if (r == 0)
        r = k;
    if (r == 0)
        r = blob_public_name(&ak_pub, &c.ak_name);
    if (r == 0)
        r = remove_stale(dir);
    if (r == 0)
        r = write_blob_files(dir, &ak_pub, &ak_priv, &c.ak_name, &ek.pub);
    OPENSSL_cleanse(&ak_priv, sizeof(ak_priv));
    /* The EK certificate last: NV reads need no loaded object. */
    if (r == 0)
        r = write_ek_cert(t, dir, ek_tpl, ek_cert_file, &c);
    if (r == 0)
        *ret = c;
    return r;
}

static bool public_equal(const TPM2B_PUBLIC *a, const TPM2B_PUBLIC *b)
{
    uint8_t x[sizeof(TPM2B_PUBLIC)], y[sizeof(TPM2B_PUBLIC)];
    size_t xl = 0, yl = 0;
    return Tss2_MU_TPM2B_PUBLIC_Marshal(a, x, sizeof(x), &xl) == TSS2_RC_SUCCESS &&
           Tss2_MU_TPM2B_PUBLIC_Marshal(b, y, sizeof(y), &yl) == TSS2_RC_SUCCESS && xl == yl &&
           memcmp(x, y, xl) == 0;
}

int ak_dir_load_blobs(struct tpm_ctx *t, const char *dir, enum tpm_ek_template default_tpl,
                      struct tpm_ek *ek_out, ESYS_TR *ret_ak)
{
    _cleanup_free_ char *p_pub = ak_dir_path(dir, AK_DIR_AK_PUB);
    _cleanup_free_ char *p_priv = ak_dir_path(dir, AK_DIR_AK_PRIV);
    _cleanup_free_ char *p_ek = ak_dir_path(dir, AK_DIR_EK_PUB);
    if (!p_pub || !p_priv || !p_ek)
        return -ENOMEM;

    TPM2B_PUBLIC ak_pub, ek_pub;
    TPM2B_PRIVATE ak_priv;
    int r = blob_public_read(p_pub, &ak_pub);
    if (r == 0)
        r = blob_private_read(p_priv, &ak_priv);
    if (r < 0)
        return r;
    enum tpm_ek_template tpl = default_tpl;
    bool have_ek_pub = false;
    r = blob_public_read(p_ek, &ek_pub);
    if (r == 0) {
        if (tpm_ek_template_of(&ek_pub, &tpl) < 0)
            return ATT_E_BADMSG;
        have_ek_pub = true;
    } else if (r != -ENOENT) {
        return r;
    }

    struct tpm_ek ek = {.handle = ESYS_TR_NONE};
    r = tpm_ek_get(t, tpl, &ek);
    if (r < 0)
        return r;
    if (have_ek_pub && !public_equal(&ek.pub, &ek_pub)) {
        tpm_debug(t, "EK of the TPM differs from %s", p_ek);
        r = ATT_E_WRONG_TPM;
    }
    if (r == 0) {
        r = tpm_ak_load(t, &ek, &ak_pub, &ak_priv, ret_ak);
        /* The EK is the recorded one (same EPS), yet the blob fails the
         * integrity check: the TPM was cleared since the AK was made (TPM2_Clear
         * keeps the EPS, but children of the EK no longer load), or the blob
         * file is damaged. */
        if (r == ATT_E_WRONG_TPM && have_ek_pub) {
            tpm_debug(t, "EK matches %s but %s fails the integrity check", p_ek, p_priv);
            r = ATT_E_TPM_CLEARED;
        }
    }
    OPENSSL_cleanse(&ak_priv, sizeof(ak_priv));
    if (r == 0 && ek_out) {
        *ek_out = ek;
        return 0;
    }
    int k = tpm_ek_release(t, &ek);
    if (r == 0 && k < 0) {
        tpm_esys_flush(t, ret_ak);
        r = k;
    }
    return r;
}

/* The context's ESAPI metadata names the AK of dir (a stale ak.ctx of an older
 * AK would otherwise quote with the wrong key). */
static bool context_is_dir_ak(struct tpm_ctx *t, const char *dir, ESYS_TR obj)
{
    _cleanup_free_ char *p_name = ak_dir_path(dir, AK_DIR_AK_NAME);
    _cleanup_free_ uint8_t *want = NULL;
    size_t want_len = 0;
    if (!p_name || file_read_all(p_name, sizeof(TPMU_NAME), &want, &want_len) < 0)
        return false;
    TPM2B_NAME *name = NULL;
    if (Esys_TR_GetName(t->esys, obj, &name) != TSS2_RC_SUCCESS)
        return false;
    bool ok = name->size == want_len && memcmp(name->name, want, want_len) == 0;
    Esys_Free(name);
    return ok;
}

int ak_dir_load(struct tpm_ctx *t, const char *dir, const char *ctx_path,
                enum tpm_ek_template default_tpl, ESYS_TR *ret_ak, bool *ret_from_context)
{
    _cleanup_free_ char *def_ctx = ak_dir_path(dir, AK_DIR_AK_CTX);
    if (!def_ctx)
        return -ENOMEM;
    if (!ctx_path)
        ctx_path = def_ctx;

    ESYS_TR ak = ESYS_TR_NONE;
    int r = context_load_file(t, ctx_path, &ak);
    if (r == 0 && !context_is_dir_ak(t, dir, ak)) {
        tpm_debug(t, "%s holds another key than %s/ak.name", ctx_path, dir);
        r = tpm_esys_flush(t, &ak);
        if (r == 0)
            r = -ESTALE;
    }
    if (r == 0) {
        *ret_ak = ak;
        *ret_from_context = true;
        return 0;
    }
    if (r == ATT_E_NO_TPM || r == ATT_E_TPM_LOCKOUT)
        return r;
    if (r != -ENOENT)
        tpm_debug(t, "saved context %s unusable (%s), loading the blobs", ctx_path,
                  att_strerror(r));
    *ret_from_context = false;
    return ak_dir_load_blobs(t, dir, default_tpl, NULL, ret_ak);
}
