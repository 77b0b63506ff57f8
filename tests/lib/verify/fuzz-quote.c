/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: the untrusted TPM structures of a quote, unmarshaled and
 * verified. Input: UINT16 (big-endian) length + public area (TPM2B_PUBLIC or
 * TPMT_PUBLIC), UINT16 length + TPMT_SIGNATURE, then the TPMS_ATTEST bytes.
 *  - the AK public goes through ak_check_public, tpm_name_from_public and, as
 *    an EK, credential_make (key import of arbitrary parameters);
 *  - quote_verify runs on the given signature (mostly the signature check);
 *  - and again with the attest bytes signed by a software P-256 key, so the
 *    parser behind the signature (TPMS_ATTEST, selection, digest) is reached.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/pcr-selection.h"
#include "soft-signer.h"
#include "verify/ak-check.h"
#include "verify/credential.h"
#include "verify/quote-verify.h"
#include "verify/tpm-name.h"
#include "verify/tpm-pubkey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t take(const uint8_t **data, size_t *size, const uint8_t **out)
{
    if (*size < 2)
        return 0;
    size_t n = (size_t)(*data)[0] << 8 | (*data)[1];
    if (n > *size - 2)
        n = *size - 2;
    *out = *data + 2;
    *data += 2 + n;
    *size -= 2 + n;
    return n;
}

static void verify(const TPMT_PUBLIC *ak, const TPMT_SIGNATURE *sig, const uint8_t *attest,
                   size_t len)
{
    static const uint8_t nonce[32];
    TPML_PCR_SELECTION sel;
    TPM2B_DIGEST values[11];
    pcrsel_parse(PCRSEL_DEFAULT, &sel);
    size_t n = fake_pcr_values(&sel, values, 11);
    TPMS_CLOCK_INFO prev = {.clock = 1000, .resetCount = 1};
    struct quote_verify_input in = {
        .ak_public = ak,
        .signature = sig,
        .attest = attest,
        .attest_len = len,
        .nonce = nonce,
        .nonce_len = sizeof(nonce),
        .selection = &sel,
        .pcr_values = values,
        .n_pcr_values = n,
        .previous_clock = &prev,
    };
    struct quote_verify_result res;
    (void)quote_verify(&in, &res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *pub_buf = NULL, *sig_buf = NULL;
    size_t pub_len = take(&data, &size, &pub_buf);
    size_t sig_len = take(&data, &size, &sig_buf);
    TPM2B_PUBLIC pub;
    TPMT_SIGNATURE sig;

    if (pub_buf && tpm_public_unmarshal(pub_buf, pub_len, &pub) == 0) {
        struct att_check c;
        TPM2B_NAME name;
        (void)ak_check_public(&pub.publicArea, &c);
        if (tpm_name_from_public(&pub.publicArea, &name) == 0) {
            static const uint8_t secret[16] = {1};
            TPM2B_ID_OBJECT blob;
            TPM2B_ENCRYPTED_SECRET enc;
            (void)credential_make(&pub.publicArea, &name, secret, sizeof(secret), &blob, &enc);
        }
        if (sig_buf && tpm_signature_unmarshal(sig_buf, sig_len, &sig) == 0)
            verify(&pub.publicArea, &sig, data, size);
    }

    /* Behind a valid signature: a fresh software key signs the attest bytes. */
    struct soft_signer s;
    if (soft_signer_new(TPM2_ALG_ECC, 256, TPM2_ALG_ECDSA, TPM2_ALG_SHA256, &s) == 0 &&
        soft_signer_sign(&s, data, size, &sig) == 0)
        verify(&s.pub, &sig, data, size);
    soft_signer_done(&s);
    return 0;
}
