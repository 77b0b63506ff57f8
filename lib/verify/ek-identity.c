/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "common/cleanup.h"
#include "verify/ek-identity.h"
#include "verify/tpm-pubkey.h"

/* The modulus without leading zero bytes and keyBits saying its size:
 * tpm_pubkey_to_evp refuses other forms (a TPM never writes them), but they do
 * not change the key, and the template check is where keyBits is judged. */
static void canonical_modulus(TPMT_PUBLIC *ek)
{
    TPM2B_PUBLIC_KEY_RSA *n = &ek->unique.rsa;
    size_t z = 0;
    while (z < n->size && n->buffer[z] == 0)
        z++;
    memmove(n->buffer, n->buffer + z, n->size - z);
    n->size = (UINT16)(n->size - z);
    ek->parameters.rsaDetail.keyBits = (UINT16)(8u * n->size);
}

int ek_identity(const TPMT_PUBLIC *ek, uint8_t ret[EK_IDENTITY_LEN])
{
    if (!ek || !ret)
        return -EINVAL;
    TPMT_PUBLIC canon = *ek;
    if (canon.type == TPM2_ALG_RSA) {
        if (canon.unique.rsa.size > sizeof(canon.unique.rsa.buffer))
            return -EBADMSG;
        canonical_modulus(&canon);
    }
    _cleanup_(EVP_PKEY_freep) EVP_PKEY *pkey = NULL;
    int r = tpm_pubkey_to_evp(&canon, &pkey);
    if (r < 0)
        return r;
    /* i2d_PUBKEY writes minimal DER integers (RSA) and the uncompressed point
     * with fixed-size coordinates under the named curve's OID (ECC). */
    unsigned char *der = NULL;
    int len = i2d_PUBKEY(pkey, &der);
    if (len <= 0)
        return -ENOMEM;
    unsigned int n = EK_IDENTITY_LEN;
    int ok = EVP_Digest(der, (size_t)len, ret, &n, EVP_sha256(), NULL);
    OPENSSL_free(der);
    return ok && n == EK_IDENTITY_LEN ? 0 : -EIO;
}
