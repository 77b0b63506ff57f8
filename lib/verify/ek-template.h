/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <tss2/tss2_tpm2_types.h>

#include "verify/check-result.h"

/*
 * The TCG EK Credential Profile 2.x templates (version 2.5, B.3.3 and B.3.4),
 * the table of common/ek-templates.h: L-1 (RSA 2048), L-2 (ECC P-256),
 * H-1 (RSA 2048), H-2 (ECC P-256), H-3 (ECC P-384), H-6 (RSA 3072),
 * H-7 (RSA 4096). lib/tpm/ek.c creates L-1, L-2 and H-3 from the same table.
 *
 * ek_template_match passes when ek equals one of them exactly in type,
 * nameAlg, objectAttributes, authPolicy and every parameter (symmetric,
 * scheme, keyBits or curveID, the exponent field, kdf), and its unique field
 * has the size the template's key gives it (the modulus bytes for RSA, the
 * field size of each coordinate for ECC). Returns 0 with *ret_name the
 * template's name ("L-1", ...), or ATT_E_VERIFY with *ret a failed
 * "ek-template" check saying which field differs from the closest template.
 */
int ek_template_match(const TPMT_PUBLIC *ek, const char **ret_name, struct att_check *ret);

/* The public area of template name ("L-1", ...) with an empty unique; -ENOENT if unknown. */
int ek_template_public(const char *name, TPMT_PUBLIC *ret);
