/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <tss2/tss2_tpm2_types.h>

#include "verify/check-result.h"

/*
 * Verification of a TPM2_Quote, in this fixed order; no field of the attest
 * bytes is read before the signature over them holds:
 *   QUOTE_CHECK_SIGNATURE     "signature"      scheme and hash equal the AK's scheme; the
 *                                              signature verifies over H(attest) (RSASSA,
 *                                              RSAPSS, ECDSA); a bad signature is fatal
 *   QUOTE_CHECK_MAGIC         "magic"          TPM_GENERATED_VALUE
 *   QUOTE_CHECK_TYPE          "type"           TPM_ST_ATTEST_QUOTE (no Certify/NV_Certify/
 *                                              GetTime/... signed by the same AK)
 *   QUOTE_CHECK_NONCE         "nonce"          extraData == nonce (exact length, constant time)
 *   QUOTE_CHECK_PCR_SELECTION "pcr-selection"  the quoted selection equals the requested one
 *   QUOTE_CHECK_PCR_DIGEST    "pcr-digest"     pcrDigest == H(PCR values in selection order),
 *                                              H = the signature's hash
 *   QUOTE_CHECK_CLOCK         "clock"          only when previous_clock is given:
 *                                              quote_clock_check() (clock-check.h)
 * Every check gets a result. When the signature fails (or the attest bytes do
 * not parse after it holds) all later checks are NOT_RUN; when the type is not a
 * quote, the PCR checks are NOT_RUN. Otherwise every check is evaluated so that
 * the caller sees every failure; the verdict is ok only when all of them pass.
 */
enum quote_check_id {
    QUOTE_CHECK_SIGNATURE,
    QUOTE_CHECK_MAGIC,
    QUOTE_CHECK_TYPE,
    QUOTE_CHECK_NONCE,
    QUOTE_CHECK_PCR_SELECTION,
    QUOTE_CHECK_PCR_DIGEST,
    QUOTE_CHECK_CLOCK,
    QUOTE_CHECK_MAX,
};

struct quote_verify_input {
    const TPMT_PUBLIC *ak_public; /* the enrolled AK (ak_check_public() it at enrollment) */
    const TPMT_SIGNATURE *signature;
    const uint8_t *attest; /* the exact TPMS_ATTEST bytes that were signed */
    size_t attest_len;
    const uint8_t *nonce; /* expected qualifyingData */
    size_t nonce_len;
    const TPML_PCR_SELECTION *selection; /* the requested selection */
    /*
     * PCR values in selection order: banks in the selection's order, PCRs
     * ascending within a bank (the order TPM2_Quote hashes them).
     */
    const TPM2B_DIGEST *pcr_values;
    size_t n_pcr_values;
    const TPMS_CLOCK_INFO *previous_clock; /* last accepted quote of this AK, or NULL */
    /*
     * Optional: ak_public already imported with tpm_pubkey_to_evp(), kept by the
     * caller across quotes of the same AK (saves the key import per quote).
     * ak_public stays required: the scheme and hash come from it.
     */
    EVP_PKEY *ak_key;
};

struct quote_verify_result {
    struct att_check checks[QUOTE_CHECK_MAX]; /* indexed by enum quote_check_id, all named */
    bool ok;                                  /* every evaluated check passed, none NOT_RUN
                                                 (except "clock" without previous_clock) */
    int first_failure;                        /* enum quote_check_id, -1 when ok */
    /* Valid when attested_valid (signed, parsed); store them for monotonicity only when ok. */
    bool attested_valid;
    TPMS_CLOCK_INFO clock_info;
    UINT64 firmware_version;
    TPM2B_NAME qualified_signer;
    TPMI_ALG_HASH hash_alg; /* the signature's hash */
};

/*
 * Runs the checks above. Returns 0 when the quote is accepted, ATT_E_VERIFY when
 * a check failed (see result->first_failure), -EINVAL for missing inputs.
 * result is always fully written.
 */
int quote_verify(const struct quote_verify_input *in, struct quote_verify_result *result);

/* Stable check name of an id ("signature", ...); NULL out of range. */
const char *quote_check_name(enum quote_check_id id);

/*
 * H(values) the way TPM2_Quote computes pcrDigest: the values concatenated in
 * selection order, hashed with alg. -EINVAL for an unknown hash.
 */
int quote_pcr_digest(TPMI_ALG_HASH alg, const TPM2B_DIGEST *values, size_t n, TPM2B_DIGEST *ret);
