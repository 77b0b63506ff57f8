/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Test support: a sample key in an EK template's unique field, so the
 * template checks see an EK as a TPM returns it (the bytes are no real key).
 */
#include <string.h>

#include <tss2/tss2_tpm2_types.h>

/* size bytes of modulus (RSA), or of each coordinate (ECC). */
static inline void ek_sample_unique(TPMT_PUBLIC *p, UINT16 size)
{
    if (p->type == TPM2_ALG_RSA) {
        p->unique.rsa.size = size;
        memset(p->unique.rsa.buffer, 0xa5, size);
    } else {
        p->unique.ecc.x.size = p->unique.ecc.y.size = size;
        memset(p->unique.ecc.x.buffer, 0x5a, size);
        memset(p->unique.ecc.y.buffer, 0x3c, size);
    }
}
