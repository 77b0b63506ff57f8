/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>
#include <tss2/tss2_mu.h>

#include "common/hex.h"
#include "common/tpm-alg.h"
#include "verify/tpm-name.h"

int tpm_name_from_public(const TPMT_PUBLIC *pub, TPM2B_NAME *ret)
{
    const char *md = tpm_alg_ossl_md_name(pub->nameAlg);
    size_t dlen = tpm_alg_digest_size(pub->nameAlg);
    if (!md || dlen == 0 || dlen + 2 > sizeof(ret->name))
        return -EINVAL;

    uint8_t buf[sizeof(TPMT_PUBLIC)];
    size_t off = 0;
    if (Tss2_MU_TPMT_PUBLIC_Marshal(pub, buf, sizeof(buf), &off) != TSS2_RC_SUCCESS)
        return -EBADMSG;

    TPM2B_NAME name = {.size = (UINT16)(dlen + 2)};
    name.name[0] = (uint8_t)(pub->nameAlg >> 8);
    name.name[1] = (uint8_t)pub->nameAlg;
    unsigned int outlen = 0;
    if (!EVP_Digest(buf, off, name.name + 2, &outlen, EVP_get_digestbyname(md), NULL) ||
        outlen != dlen)
        return -EIO;
    *ret = name;
    return 0;
}

char *tpm_name_to_hex(const TPM2B_NAME *name)
{
    return hex_encode(name->name, name->size);
}
