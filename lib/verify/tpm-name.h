/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <tss2/tss2_tpm2_types.h>

/*
 * The TPM object name of a public area: nameAlg (big-endian UINT16) followed by
 * H_nameAlg(marshaled TPMT_PUBLIC). -EINVAL when the nameAlg is not a supported
 * hash (TPM_ALG_NULL names are not object names), -EBADMSG when the public area
 * cannot be marshaled.
 */
int tpm_name_from_public(const TPMT_PUBLIC *pub, TPM2B_NAME *ret);

/* Lowercase hex of a name (as tpm2-tools prints it); caller frees, NULL on ENOMEM. */
char *tpm_name_to_hex(const TPM2B_NAME *name);
