/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>

#include <tss2/tss2_mu.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/file-io.h"
#include "common/tpm-alg.h"
#include "tpm/blob.h"

#define BLOB_MAX_FILE 4096

int blob_public_parse(const uint8_t *buf, size_t len, TPM2B_PUBLIC *ret)
{
    size_t off = 0;
    TPM2B_PUBLIC pub = {0};
    if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(buf, len, &off, &pub) != TSS2_RC_SUCCESS || off != len)
        return ATT_E_BADMSG;
    *ret = pub;
    return 0;
}

int blob_private_parse(const uint8_t *buf, size_t len, TPM2B_PRIVATE *ret)
{
    size_t off = 0;
    TPM2B_PRIVATE priv = {0};
    if (Tss2_MU_TPM2B_PRIVATE_Unmarshal(buf, len, &off, &priv) != TSS2_RC_SUCCESS || off != len ||
        priv.size == 0)
        return ATT_E_BADMSG;
    *ret = priv;
    return 0;
}

static int read_small(const char *path, uint8_t **buf, size_t *len)
{
    int r = file_read_all(path, BLOB_MAX_FILE, buf, len);
    return r == -EFBIG ? ATT_E_BADMSG : r;
}

int blob_public_read(const char *path, TPM2B_PUBLIC *ret)
{
    _cleanup_free_ uint8_t *buf = NULL;
    size_t len;
    int r = read_small(path, &buf, &len);
    return r < 0 ? r : blob_public_parse(buf, len, ret);
}

int blob_private_read(const char *path, TPM2B_PRIVATE *ret)
{
    _cleanup_free_ uint8_t *buf = NULL;
    size_t len;
    int r = read_small(path, &buf, &len);
    if (r == 0)
        r = blob_private_parse(buf, len, ret);
    if (buf)
        OPENSSL_cleanse(buf, len);
    return r;
}

int blob_public_write(const char *path, const TPM2B_PUBLIC *pub)
{
    uint8_t buf[sizeof(TPM2B_PUBLIC)];
    size_t off = 0;
    if (Tss2_MU_TPM2B_PUBLIC_Marshal(pub, buf, sizeof(buf), &off) != TSS2_RC_SUCCESS)
        return -EINVAL;
    return file_write_atomic(path, buf, off, 0644);
}

int blob_private_write(const char *path, const TPM2B_PRIVATE *priv)
{
    uint8_t buf[sizeof(TPM2B_PRIVATE)];
    size_t off = 0;
    if (Tss2_MU_TPM2B_PRIVATE_Marshal(priv, buf, sizeof(buf), &off) != TSS2_RC_SUCCESS)
        return -EINVAL;
    int r = file_write_atomic(path, buf, off, 0600);
    OPENSSL_cleanse(buf, sizeof(buf));
    return r;
}

int blob_public_name(const TPM2B_PUBLIC *pub, TPM2B_NAME *ret)
{
    TPMI_ALG_HASH alg = pub->publicArea.nameAlg;
    const char *md = tpm_alg_ossl_md_name(alg);
    if (!md)
        return -EINVAL;
    uint8_t buf[sizeof(TPMT_PUBLIC)];
    size_t off = 0;
    if (Tss2_MU_TPMT_PUBLIC_Marshal(&pub->publicArea, buf, sizeof(buf), &off) != TSS2_RC_SUCCESS)
        return -EINVAL;
    TPM2B_NAME name = {0};
    unsigned int n = 0;
    name.name[0] = (uint8_t)(alg >> 8);
    name.name[1] = (uint8_t)alg;
    if (EVP_Digest(buf, off, name.name + 2, &n, EVP_get_digestbyname(md), NULL) != 1)
        return -EINVAL;
    name.size = (UINT16)(2 + n);
    *ret = name;
    return 0;
}

int blob_name_write(const char *path, const TPM2B_NAME *name)
{
    return file_write_atomic(path, name->name, name->size, 0644);
}
