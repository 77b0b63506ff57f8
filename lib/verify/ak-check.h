/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <tss2/tss2_tpm2_types.h>

#include "verify/check-result.h"

/*
 * Checks an AK public area before the verifier trusts anything it signs:
 *  - type RSA or ECC;
 *  - objectAttributes exactly fixedTPM | fixedParent | sensitiveDataOrigin |
 *    userWithAuth | restricted | sign (noDA tolerated: it only concerns the AK's
 *    auth value); decrypt and every other bit refused;
 *  - nameAlg SHA-256 or SHA-384 (tpm2_createak makes SHA-384 AKs under a P-384 EK);
 *  - symmetric NULL; a fixed signing scheme (RSASSA or RSAPSS for RSA, ECDSA for
 *    ECC) with hash SHA-256 or SHA-384, never TPM_ALG_NULL (the quote's scheme
 *    must be pinned by the key);
 *  - RSA 2048 or 3072 bits, exponent 65537; ECC NIST P-256 or P-384, kdf NULL,
 *    and the public key parses (tpm_pubkey_to_evp);
 *  - an RSA modulus without the ROCA fingerprint (verify/roca.h).
 * Returns 0 when every check passes, ATT_E_VERIFY with *ret naming the first
 * failed check ("ak-type", "ak-attributes", "ak-name-alg", "ak-scheme",
 * "ak-key", "ak-roca") otherwise. *ret is always written.
 */
int ak_check_public(const TPMT_PUBLIC *ak, struct att_check *ret);
