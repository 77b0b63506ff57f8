/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: the EK certificate parser (DER or PEM, vendor quirks) and
 * what runs on a parsed certificate: chain building against an empty store,
 * the purpose and key checks, and the credential file decoder.
 */
#include <stddef.h>
#include <stdint.h>

#include "common/cleanup.h"
#include "soft-signer.h"
#include "verify/credential.h"
#include "verify/ek-cert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    TPM2B_ID_OBJECT blob;
    TPM2B_ENCRYPTED_SECRET enc;
    (void)credential_file_decode(data, size, &blob, &enc);

    X509 *x = NULL;
    if (size == 0 || ek_cert_parse(data, size, &x) < 0)
        return 0;
    _cleanup_(X509_freep) X509 *cert = x;
    _cleanup_(X509_STORE_freep) X509_STORE *store = X509_STORE_new();
    TPMT_PUBLIC ek = {.nameAlg = TPM2_ALG_SHA256};
    EVP_PKEY *k = X509_get0_pubkey(cert);
    if (store && k && soft_public_from_evp(k, &ek) == 0) {
        struct att_check c;
        (void)ek_cert_verify(cert, store, NULL, &ek, &c);
    }
    return 0;
}
