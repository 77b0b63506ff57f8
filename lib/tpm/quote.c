/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <tss2/tss2_mu.h>

#include "common/error.h"
#include "common/pcr-selection.h"
#include "tpm/quote.h"
#include "tpm/tpm-rc.h"

/* Clear from sel the PCRs the TPM returned; false when it returned none. */
static bool selection_remove(TPML_PCR_SELECTION *sel, const TPML_PCR_SELECTION *done)
{
    bool any = false;
    for (UINT32 i = 0; i < done->count && i < TPM2_NUM_PCR_BANKS; i++)
        for (UINT32 j = 0; j < sel->count; j++) {
            if (sel->pcrSelections[j].hash != done->pcrSelections[i].hash)
                continue;
            for (unsigned k = 0;
                 k < done->pcrSelections[i].sizeofSelect && k < sel->pcrSelections[j].sizeofSelect;
                 k++) {
                any |=
                    (sel->pcrSelections[j].pcrSelect[k] & done->pcrSelections[i].pcrSelect[k]) != 0;
                sel->pcrSelections[j].pcrSelect[k] &= (BYTE)~done->pcrSelections[i].pcrSelect[k];
            }
        }
    return any;
}

int tpm_pcr_read(struct tpm_ctx *t, const TPML_PCR_SELECTION *sel, struct pcr_values *ret)
{
    unsigned want = pcrsel_count(sel);
    if (want == 0 || want > PCR_VALUES_MAX)
        return -EINVAL;
    TPML_PCR_SELECTION left = *sel;
    ret->sel = *sel;
    ret->count = 0;

    while (pcrsel_count(&left) > 0) {
        TPML_PCR_SELECTION *out_sel = NULL;
        TPML_DIGEST *out = NULL;
        int r = tpm_esys_pcr_read(t, &left, &out_sel, &out);
        /* The TPM answers in selection order, the first <= 8 selected PCRs. */
        /* Nothing returned: the rest selects a bank or PCR this TPM does not have. */
        if (r == 0 && (out->count == 0 || !selection_remove(&left, out_sel)))
            r = -EOPNOTSUPP;
        if (r == 0 && out->count > want - ret->count)
            r = ATT_E_TPM;
        for (UINT32 i = 0; r == 0 && i < out->count; i++)
            ret->digests[ret->count++] = out->digests[i];
        Esys_Free(out_sel);
        Esys_Free(out);
        if (r < 0)
            return r;
    }
    return pcr_values_check(ret) < 0 ? ATT_E_TPM : 0;
}

static TPMI_ALG_HASH signature_hash(const TPMT_SIGNATURE *sig)
{
    switch (sig->sigAlg) {
    case TPM2_ALG_RSASSA:
        return sig->signature.rsassa.hash;
    case TPM2_ALG_RSAPSS:
        return sig->signature.rsapss.hash;
    case TPM2_ALG_ECDSA:
        return sig->signature.ecdsa.hash;
    default:
        return TPM2_ALG_ERROR;
    }
}

/* The quote's pcrDigest equals the hash of the values read after it. */
static int quote_matches(const struct tpm_quote *q)
{
    TPMS_ATTEST a;
    if (Tss2_MU_TPMS_ATTEST_Unmarshal(q->attest.attestationData, q->attest.size, NULL, &a) !=
            TSS2_RC_SUCCESS ||
        a.type != TPM2_ST_ATTEST_QUOTE)
        return ATT_E_TPM;
    uint8_t md[EVP_MAX_MD_SIZE];
    size_t md_len = 0;
    int r = pcr_values_digest(&q->values, signature_hash(&q->signature), md, &md_len);
    if (r < 0)
        return ATT_E_TPM;
    const TPM2B_DIGEST *d = &a.attested.quote.pcrDigest;
    return d->size == md_len && CRYPTO_memcmp(d->buffer, md, md_len) == 0 ? 0 : -EAGAIN;
}

int tpm_quote(struct tpm_ctx *t, ESYS_TR ak, const uint8_t *nonce, size_t nonce_len,
              const TPML_PCR_SELECTION *sel, struct tpm_quote *ret)
{
    TPM2B_DATA qualifying = {0};
    if (nonce_len > sizeof(qualifying.buffer))
        return -EINVAL;
    qualifying.size = (UINT16)nonce_len;
    memcpy(qualifying.buffer, nonce, nonce_len);

    int r = -EAGAIN;
    for (int attempt = 0; attempt < TPM_QUOTE_ATTEMPTS && r == -EAGAIN; attempt++) {
        TPM2B_ATTEST *attest = NULL;
        TPMT_SIGNATURE *sig = NULL;
        r = tpm_esys_quote(t, ak, &qualifying, sel, &attest, &sig);
        if (r == 0) {
            ret->attest = *attest;
            ret->signature = *sig;
        }
        Esys_Free(attest);
        Esys_Free(sig);
        if (r == 0)
            r = tpm_pcr_read(t, sel, &ret->values);
        if (r == 0)
            r = quote_matches(ret);
        if (r == -EAGAIN)
            tpm_debug(t, "PCRs changed between Quote and PCR_Read, quoting again");
    }
    return r;
}

int tpm_quote_signature_bytes(const TPMT_SIGNATURE *sig, uint8_t *buf, size_t cap, size_t *len)
{
    size_t off = 0;
    if (Tss2_MU_TPMT_SIGNATURE_Marshal(sig, buf, cap, &off) != TSS2_RC_SUCCESS)
        return -EINVAL;
    *len = off;
    return 0;
}
