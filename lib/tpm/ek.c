/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>
#include <tss2/tss2_mu.h>

#include "common/cleanup.h"
#include "common/ek-templates.h"
#include "common/error.h"
#include "tpm/ek.h"
#include "tpm/tpm-rc.h"

/* The agent's templates: which of the profile's, and where provisioning puts them. */
static const struct {
    const char *alias;
    enum ek_tcg_id tcg;
    TPM2_HANDLE persistent, cert_nv;
} templates[_TPM_EK_TEMPLATE_MAX] = {
    [TPM_EK_L1] = {"rsa", EK_TCG_L1, 0x81010001, 0x01c00002},
    [TPM_EK_L2] = {"ecc", EK_TCG_L2, 0x81010002, 0x01c0000a},
    [TPM_EK_H3] = {"ecc384", EK_TCG_H3, 0x81010016, 0x01c00016},
};

static const char *profile_name(int i)
{
    return ek_tcg_templates[templates[i].tcg].name;
}

int tpm_ek_template_from_name(const char *s, enum tpm_ek_template *ret)
{
    for (int i = 0; i < _TPM_EK_TEMPLATE_MAX; i++)
        if (strcasecmp(s, profile_name(i)) == 0 || strcasecmp(s, templates[i].alias) == 0) {
            *ret = (enum tpm_ek_template)i;
            return 0;
        }
    return -EINVAL;
}

const char *tpm_ek_template_name(enum tpm_ek_template tpl)
{
    return tpl < _TPM_EK_TEMPLATE_MAX ? profile_name(tpl) : "?";
}

TPM2_HANDLE tpm_ek_persistent_handle(enum tpm_ek_template tpl)
{
    return templates[tpl].persistent;
}

TPM2_HANDLE tpm_ek_cert_nv_index(enum tpm_ek_template tpl)
{
    return templates[tpl].cert_nv;
}

void tpm_ek_template_public(enum tpm_ek_template tpl, TPM2B_PUBLIC *ret)
{
    memset(ret, 0, sizeof(*ret));
    /* A value out of range still gets a template (H-3), never an index past the table. */
    enum ek_tcg_id id = tpl < _TPM_EK_TEMPLATE_MAX ? templates[tpl].tcg : EK_TCG_H3;
    ret->publicArea = ek_tcg_templates[id].public;
}

/* Marshal pub with the unique field emptied: two publics made from the same
 * template marshal to the same bytes. */
static int marshal_without_unique(const TPM2B_PUBLIC *pub, uint8_t *buf, size_t *len)
{
    TPMT_PUBLIC p = pub->publicArea;
    memset(&p.unique, 0, sizeof(p.unique));
    size_t off = 0;
    if (Tss2_MU_TPMT_PUBLIC_Marshal(&p, buf, sizeof(TPMT_PUBLIC), &off) != TSS2_RC_SUCCESS)
        return -EINVAL;
    *len = off;
    return 0;
}

int tpm_ek_template_of(const TPM2B_PUBLIC *pub, enum tpm_ek_template *ret)
{
    uint8_t a[sizeof(TPMT_PUBLIC)], b[sizeof(TPMT_PUBLIC)];
    size_t alen, blen;
    if (marshal_without_unique(pub, a, &alen) < 0)
        return -ENOENT;
    for (int i = 0; i < _TPM_EK_TEMPLATE_MAX; i++) {
        TPM2B_PUBLIC tp;
        tpm_ek_template_public((enum tpm_ek_template)i, &tp);
        if (marshal_without_unique(&tp, b, &blen) == 0 && alen == blen && !memcmp(a, b, alen)) {
            *ret = (enum tpm_ek_template)i;
            return 0;
        }
    }
    return -ENOENT;
}

/*
 * The public area ESAPI read for Esys_TR_FromTPMPublic, taken from its
 * serialized resource (handle, TPM2B_NAME, resource type, TPM2B_PUBLIC or
 * TPM2B_NV_PUBLIC), so that a persistent EK or an NV index costs one
 * ReadPublic instead of two. -EINVAL when the layout is not as expected
 * (callers then ask the TPM).
 */
#define IESYSC_KEY_RSRC 1
#define IESYSC_NV_RSRC  2

static int public_from_tr(struct tpm_ctx *t, ESYS_TR tr, UINT32 want, TPM2B_PUBLIC *key,
                          TPM2B_NV_PUBLIC *nv)
{
    uint8_t *buf = NULL;
    size_t len = 0, off = 4; /* TPM2_HANDLE */
    if (Esys_TR_Serialize(t->esys, tr, &buf, &len) != TSS2_RC_SUCCESS)
        return -EINVAL;
    TPM2B_NAME name;
    UINT32 type = 0;
    TSS2_RC rc = Tss2_MU_TPM2B_NAME_Unmarshal(buf, len, &off, &name);
    if (rc == TSS2_RC_SUCCESS)
        rc = Tss2_MU_UINT32_Unmarshal(buf, len, &off, &type);
    if (rc == TSS2_RC_SUCCESS && type == want && want == IESYSC_KEY_RSRC)
        rc = Tss2_MU_TPM2B_PUBLIC_Unmarshal(buf, len, &off, key);
    else if (rc == TSS2_RC_SUCCESS && type == want && want == IESYSC_NV_RSRC)
        rc = Tss2_MU_TPM2B_NV_PUBLIC_Unmarshal(buf, len, &off, nv);
    Esys_Free(buf);
    if (rc != TSS2_RC_SUCCESS || type != want || off != len)
        return -EINVAL;
    return 0;
}

static int ek_persistent(struct tpm_ctx *t, enum tpm_ek_template tpl, struct tpm_ek *ek)
{
    int r = tpm_esys_tr_from_public(t, tpm_ek_persistent_handle(tpl), &ek->handle);
    if (r < 0)
        return r;
    r = public_from_tr(t, ek->handle, IESYSC_KEY_RSRC, &ek->pub, NULL);
    if (r < 0) {
        TPM2B_PUBLIC *pub = NULL;
        r = tpm_esys_read_public(t, ek->handle, &pub);
        if (r == 0)
            ek->pub = *pub;
        Esys_Free(pub);
    }
    enum tpm_ek_template found;
    if (r == 0 && (tpm_ek_template_of(&ek->pub, &found) < 0 || found != tpl))
        r = -ENOENT;
    if (r < 0)
        tpm_esys_tr_close(t, &ek->handle);
    return r;
}

int tpm_ek_get(struct tpm_ctx *t, enum tpm_ek_template tpl, struct tpm_ek *ret)
{
    if (tpl >= _TPM_EK_TEMPLATE_MAX)
        return -EINVAL;
    struct tpm_ek ek = {.tpl = tpl, .handle = ESYS_TR_NONE};

    int r = ek_persistent(t, tpl, &ek);
    if (r == 0) {
        tpm_debug(t, "EK %s: persistent 0x%08x", tpm_ek_template_name(tpl),
                  tpm_ek_persistent_handle(tpl));
        *ret = ek;
        return 0;
    }
    if (r != -ENOENT)
        return r;

    TPM2B_PUBLIC in, *out = NULL;
    tpm_ek_template_public(tpl, &in);
    r = tpm_esys_create_primary(t, ESYS_TR_RH_ENDORSEMENT, &in, &ek.handle, &out);
    if (r < 0)
        return r;
    ek.pub = *out;
    ek.transient = true;
    Esys_Free(out);
    tpm_debug(t, "EK %s: CreatePrimary", tpm_ek_template_name(tpl));
    *ret = ek;
    return 0;
}

int tpm_ek_release(struct tpm_ctx *t, struct tpm_ek *ek)
{
    if (!ek || ek->handle == ESYS_TR_NONE)
        return 0;
    if (!ek->transient) {
        tpm_esys_tr_close(t, &ek->handle);
        return 0;
    }
    return tpm_esys_flush(t, &ek->handle);
}

/* Cut NV padding after the DER certificate; refuse what is no certificate. */
static int der_certificate_length(const uint8_t *buf, size_t len, size_t *ret)
{
    const unsigned char *p = buf;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    if (!x)
        return ATT_E_BADMSG;
    X509_free(x);
    *ret = (size_t)(p - buf);
    return 0;
}

/*
 * NV_Read in chunks of the TPM's NV buffer size. Most TPMs take 1024 bytes per
 * read; one with a smaller buffer refuses the first read, and only then is
 * asked for its size (saves a GetCapability on the common path).
 */
#define NV_CHUNK_GUESS 1024

static int nv_read_all(struct tpm_ctx *t, ESYS_TR nv, uint8_t *buf, size_t size)
{
    UINT32 chunk = NV_CHUNK_GUESS;
    bool asked = false;
    for (size_t off = 0; off < size;) {
        UINT16 n = (UINT16)(size - off < chunk ? size - off : chunk);
        TPM2B_MAX_NV_BUFFER *data = NULL;
        int r = tpm_esys_nv_read(t, nv, n, (UINT16)off, &data);
        if (r == ATT_E_TPM && !asked) {
            asked = true;
            r = tpm_esys_get_nv_buffer_max(t, &chunk);
            if (r == 0 && (chunk == 0 || chunk >= n))
                r = ATT_E_TPM; /* not a buffer size problem */
            if (r < 0)
                return r;
            continue;
        }
        if (r == 0 && (data->size == 0 || data->size > n))
            r = ATT_E_TPM;
        if (r == 0) {
            memcpy(buf + off, data->buffer, data->size);
            off += data->size;
        }
        Esys_Free(data);
        if (r < 0)
            return r;
    }
    return 0;
}

int tpm_ek_cert_read_nv(struct tpm_ctx *t, enum tpm_ek_template tpl, uint8_t **ret_der,
                        size_t *ret_len)
{
    ESYS_TR nv = ESYS_TR_NONE;
    int r = tpm_esys_tr_from_public(t, tpm_ek_cert_nv_index(tpl), &nv);
    if (r < 0)
        return r;

    TPM2B_NV_PUBLIC nvpub = {0};
    if (public_from_tr(t, nv, IESYSC_NV_RSRC, NULL, &nvpub) < 0) {
        TPM2B_NV_PUBLIC *pub = NULL;
        r = tpm_esys_nv_read_public(t, nv, &pub);
        if (r == 0)
            nvpub = *pub;
        Esys_Free(pub);
    }
    size_t size = r == 0 ? nvpub.nvPublic.dataSize : 0;
    _cleanup_free_ uint8_t *buf = r == 0 ? malloc(size ? size : 1) : NULL;
    if (r == 0 && !buf)
        r = -ENOMEM;
    if (r == 0)
        r = nv_read_all(t, nv, buf, size);
    tpm_esys_tr_close(t, &nv);
    if (r < 0)
        return r;

    size_t der_len;
    r = der_certificate_length(buf, size, &der_len);
    if (r < 0)
        return r;
    *ret_len = der_len;
    *ret_der = TAKE_PTR(buf);
    return 0;
}
