/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdint.h>

/*
 * Stateless nonces and challenges (docs/attest-verifier.md, "Nonces"). A nonce
 * is random(8) || expiry (uint32 big-endian, seconds since the epoch) ||
 * HMAC-SHA256(key, kind || ak_name || random || expiry) truncated to 20 bytes.
 * Issuing one stores nothing, so no caller can fill a quota; checking one
 * recomputes the MAC. Single use is the storage's job (consumed nonces only).
 */
#define NONCE_LEN        32
#define NONCE_KEY_LEN    32
#define NONCE_RANDOM_LEN 8
#define NONCE_MAC_LEN    20

enum nonce_kind {
    NONCE_ATTEST = 1,    /* /v1/nonces: goes into a quote's qualifying data */
    NONCE_CHALLENGE = 2, /* /v1/challenges: signed by the AK for a proof of possession */
};

struct nonce_key {
    uint8_t bytes[NONCE_KEY_LEN];
};

/*
 * Read the key file (exactly NONCE_KEY_LEN bytes, mode 0600: -EPERM when group
 * or others may read it, -EBADMSG for another size), or create it with fresh
 * random bytes when it does not exist.
 */
int nonce_key_load_or_create(const char *path, struct nonce_key *ret);

/* A new nonce of kind for ak_name, valid until expires_at (0 .. UINT32_MAX, else -ERANGE). */
int nonce_issue(const struct nonce_key *k, enum nonce_kind kind, const char *ak_name,
                int64_t expires_at, uint8_t out[NONCE_LEN]);

/*
 * 0 when n was issued with this key for this kind and AK and has not expired at
 * now; -EBADMSG when it was not (forged, another AK, the other kind), -ETIME
 * when it expired. Says nothing about earlier use.
 */
int nonce_check(const struct nonce_key *k, enum nonce_kind kind, const char *ak_name,
                const uint8_t n[NONCE_LEN], int64_t now);

/* The expiry written into a nonce (meaningful once nonce_check accepted it). */
int64_t nonce_expiry(const uint8_t n[NONCE_LEN]);
