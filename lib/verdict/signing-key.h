/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>

#include <openssl/evp.h>

/*
 * The verdict-signing key: ECDSA P-256 (ES256). Generated on first start and
 * written 0600 (PKCS#8 PEM); the public half is what runners pin.
 */
struct signing_key {
    EVP_PKEY *pkey;
    char *private_pem; /* what the key file holds; wiped on free */
    size_t private_pem_len;
    char *public_pem;
    size_t public_pem_len;
};

/* Load path, or generate and write it (mode 0600) when it does not exist. */
int signing_key_load_or_create(const char *path, struct signing_key **ret);

/* Read the public key PEM out of a private or public key file. */
int signing_key_public_pem(const char *path, char **ret_pem);

void signing_key_free(struct signing_key *k);

static inline void signing_key_freep(struct signing_key **k)
{
    signing_key_free(*k);
}
