/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <tss2/tss2_tpm2_types.h>

/*
 * PCR values in selection order: bank by bank in the order of sel, PCRs in
 * ascending order within a bank. That is the order in which TPM2_PCR_Read
 * returns them and in which TPM2_Quote hashes them into pcrDigest.
 * PCRs 0-23 only (PC Client TPMs have 24).
 */
#define PCR_VALUES_MAX_PCR 24
#define PCR_VALUES_MAX     (TPM2_NUM_PCR_BANKS * PCR_VALUES_MAX_PCR)

struct pcr_values {
    TPML_PCR_SELECTION sel;
    uint32_t count; /* == pcrsel_count(&sel) once complete */
    TPM2B_DIGEST digests[PCR_VALUES_MAX];
};

/*
 * Consistency: every bank a known hash, no duplicate bank, no PCR above 23,
 * count equals the number of selected PCRs and each digest has its bank's
 * size. -EBADMSG otherwise.
 */
int pcr_values_check(const struct pcr_values *v);

/* Value of PCR pcr in bank hash; NULL when not selected or not filled in. */
const TPM2B_DIGEST *pcr_values_get(const struct pcr_values *v, TPM2_ALG_ID hash, unsigned pcr);

/*
 * pcrDigest as TPM2_Quote computes it: hash (the AK scheme's hash) over the
 * concatenated values in selection order. out must hold the digest size of
 * hash; *ret_len gets it. -EINVAL for an unknown hash, -EBADMSG when v is not
 * consistent.
 */
int pcr_values_digest(const struct pcr_values *v, TPM2_ALG_ID hash, uint8_t *out, size_t *ret_len);

/*
 * The file layout of `tpm2_quote -o` / `tpm2_checkquote -f` (tpm2-tools 5.x):
 * a little-endian dump of in-memory structs, NOT TPM marshaling. For interop
 * files only, never the wire format:
 *   TPML_PCR_SELECTION  132 bytes: UINT32 count, 16 x {UINT16 hash,
 *                       UINT8 sizeofSelect, BYTE pcrSelect[4], pad}
 *   UINT32 n
 *   n x TPML_DIGEST     532 bytes: UINT32 count (<= 8), 8 x {UINT16 size, BYTE[64]}
 * The digests of all blocks, in order, are the values in selection order.
 */
#define PCR_VALUES_FILE_SEL_SIZE   132
#define PCR_VALUES_FILE_BLOCK_SIZE 532

/* Parse the bytes of such a file (untrusted input). -EBADMSG on any inconsistency. */
int pcr_values_parse_file_bytes(const uint8_t *buf, size_t len, struct pcr_values *ret);

/* Serialize v (checked first) in blocks of 8 digests, padding zeroed. */
int pcr_values_format_file_bytes(const struct pcr_values *v, uint8_t **ret_buf, size_t *ret_len);

/* Read/write such a file; the write is atomic (file_write_atomic), mode 0644. */
int pcr_values_read_file(const char *path, struct pcr_values *ret);
int pcr_values_write_file(const char *path, const struct pcr_values *v);
