/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdint.h>

#include <tss2/tss2_tpm2_types.h>

#define EK_IDENTITY_LEN 32

/*
 * The hardware identity of an EK: SHA-256 of the DER SubjectPublicKeyInfo of
 * its public key (what `openssl pkey -pubin -outform DER | sha256sum` gives for
 * the key of the EK certificate). It depends on the key only, not on how the
 * public area writes it: an RSA exponent field of 0 and 65537 are one key, and
 * so are a modulus with leading zero bytes and one without; ECC coordinates
 * are padded to the curve's field size by the DER encoding. Every other field
 * of the public area (attributes, policy, scheme, ...) is ignored: those are
 * checked by ek_template_match, not part of who the chip is.
 *
 * -EOPNOTSUPP for key types and curves without an OpenSSL form, -EBADMSG for
 * malformed keys (an ECC point off its curve, an even modulus, ...).
 */
int ek_identity(const TPMT_PUBLIC *ek, uint8_t ret[EK_IDENTITY_LEN]);
