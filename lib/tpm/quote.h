/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <tss2/tss2_esys.h>

#include "common/pcr-values.h"
#include "tpm/tpm-ctx.h"

/*
 * PCR_Read of any selection: the TPM returns at most 8 digests per call, so
 * a selection of n PCRs costs ceil(n/8) commands. A bank the TPM does not
 * have allocated (or a PCR it does not implement) is -EOPNOTSUPP, never an
 * endless loop.
 */
int tpm_pcr_read(struct tpm_ctx *t, const TPML_PCR_SELECTION *sel, struct pcr_values *ret);

struct tpm_quote {
    TPM2B_ATTEST attest; /* the signed TPMS_ATTEST, marshaled */
    TPMT_SIGNATURE signature;
    struct pcr_values values; /* the quoted PCRs, in selection order */
};

/*
 * Quote(ak, qualifyingData = nonce, sel) and PCR_Read of sel, checking that
 * the values hash (the signature's hash) to the quote's pcrDigest; when a PCR
 * moved in between (IMA extends PCR 10 at any time) quote again, at most
 * TPM_QUOTE_ATTEMPTS times (-EAGAIN after that). Commands per attempt:
 * Quote + ceil(n/8) PCR_Read. ret is large: allocate it on the heap.
 */
#define TPM_QUOTE_ATTEMPTS 3
int tpm_quote(struct tpm_ctx *t, ESYS_TR ak, const uint8_t *nonce, size_t nonce_len,
              const TPML_PCR_SELECTION *sel, struct tpm_quote *ret);

/* Marshal the signature as `tpm2_quote -s` writes it (TPMT_SIGNATURE). */
int tpm_quote_signature_bytes(const TPMT_SIGNATURE *sig, uint8_t *buf, size_t cap, size_t *len);
