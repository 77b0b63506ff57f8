/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>

#include <openssl/bn.h>
#include <tss2/tss2_tpm2_types.h>

/*
 * ROCA (CVE-2017-15361): RSA keys of the Infineon RSALib (TPM firmware before
 * the 2017 fixes among others) are factorable. Their primes have the form
 * k * M + (65537^a mod M), M a primorial, so the modulus is a power of 65537
 * modulo every small prime of M: roca_fingerprint reports a modulus with that
 * fingerprint (the test of Nemec et al., CCS 2017, section 2.3; roca.c says
 * which primes and why).
 *
 * roca_fingerprint: 0 with *ret set, -EINVAL / -ENOMEM on errors.
 * tpm_rsa_roca: the same for the modulus of an RSA public area (*ret false for
 * other key types, which the weakness does not concern).
 */
int roca_fingerprint(const BIGNUM *n, bool *ret);
int tpm_rsa_roca(const TPMT_PUBLIC *pub, bool *ret);
