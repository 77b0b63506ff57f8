/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "common/cleanup.h"
#include "common/file-io.h"
#include "nonce.h"
#include "storage.h"

_Static_assert(NONCE_RANDOM_LEN + 4 + NONCE_MAC_LEN == NONCE_LEN, "nonce layout");
_Static_assert(NONCE_LEN == ST_NONCE_LEN, "storage keeps whole nonces");

/* TPM_GENERATED_VALUE: data starting with it gets no TPM2_Hash ticket (DESIGN §4.8). */
static const uint8_t tpm_generated[4] = {0xff, 0x54, 0x43, 0x47};

static int read_key(const char *path, struct nonce_key *ret)
{
    uint8_t *buf = NULL;
    size_t len;
    int r = file_read_all(path, 4096, &buf, &len);
    if (r < 0)
        return r;
    r = len == NONCE_KEY_LEN ? 0 : -EBADMSG;
    if (r == 0)
        memcpy(ret->bytes, buf, NONCE_KEY_LEN);
    erase_and_free(buf, len);
    return r;
}

/*
 * Write a fresh key next to path, then link it into place: link() never
 * replaces, so verifiers starting at once on one directory all end up reading
 * the same key, whichever wrote first.
 */
static int create_key(const char *path)
{
    uint8_t key[NONCE_KEY_LEN];
    if (RAND_bytes(key, sizeof(key)) != 1)
        return -EIO;
    _cleanup_free_ char *tmp = NULL;
    if (asprintf(&tmp, "%s.new-%ld", path, (long)getpid()) < 0) {
        OPENSSL_cleanse(key, sizeof(key));
        return -ENOMEM;
    }
    int r = file_write_atomic(tmp, key, sizeof(key), 0600);
    OPENSSL_cleanse(key, sizeof(key));
    if (r < 0)
        return r;
    r = link(tmp, path) < 0 && errno != EEXIST ? -errno : 0;
    if (unlink(tmp) < 0 && r == 0)
        r = -errno;
    return r;
}

int nonce_key_load_or_create(const char *path, struct nonce_key *ret)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        if (errno != ENOENT)
            return -errno;
        int r = create_key(path);
        if (r < 0)
            return r;
        if (stat(path, &st) < 0)
            return -errno;
    }
    if (st.st_mode & 077)
        return -EPERM; /* whoever reads it can mint nonces */
    return read_key(path, ret);
}

/* kind || ak_name || random || expiry: every field but ak_name has a fixed size. */
static int compute_mac(const struct nonce_key *k, enum nonce_kind kind, const char *ak_name,
                       const uint8_t n[NONCE_LEN], uint8_t mac[EVP_MAX_MD_SIZE])
{
    uint8_t msg[1 + ST_NAME_MAX + NONCE_RANDOM_LEN + 4];
    size_t name_len = strlen(ak_name);
    if (name_len >= ST_NAME_MAX)
        return -EINVAL;
    msg[0] = (uint8_t)kind;
    memcpy(msg + 1, ak_name, name_len);
    memcpy(msg + 1 + name_len, n, NONCE_RANDOM_LEN + 4);
    unsigned mac_len = 0;
    if (!HMAC(EVP_sha256(), k->bytes, NONCE_KEY_LEN, msg, 1 + name_len + NONCE_RANDOM_LEN + 4,
              mac, &mac_len) ||
        mac_len < NONCE_MAC_LEN)
        return -EIO;
    return 0;
}

int64_t nonce_expiry(const uint8_t n[NONCE_LEN])
{
    const uint8_t *e = n + NONCE_RANDOM_LEN;
    return (int64_t)((uint32_t)e[0] << 24 | (uint32_t)e[1] << 16 | (uint32_t)e[2] << 8 | e[3]);
}

int nonce_issue(const struct nonce_key *k, enum nonce_kind kind, const char *ak_name,
                int64_t expires_at, uint8_t out[NONCE_LEN])
{
    if (expires_at < 0 || expires_at > (int64_t)UINT32_MAX)
        return -ERANGE;
    uint8_t *e = out + NONCE_RANDOM_LEN;
    e[0] = (uint8_t)(expires_at >> 24);
    e[1] = (uint8_t)(expires_at >> 16);
    e[2] = (uint8_t)(expires_at >> 8);
    e[3] = (uint8_t)expires_at;
    /* The first 4 bytes are random: redraw until a challenge cannot pose as TPM-generated. */
    do {
        if (RAND_bytes(out, NONCE_RANDOM_LEN) != 1)
            return -EIO;
    } while (kind == NONCE_CHALLENGE && memcmp(out, tpm_generated, sizeof(tpm_generated)) == 0);
    uint8_t mac[EVP_MAX_MD_SIZE];
    int r = compute_mac(k, kind, ak_name, out, mac);
    if (r < 0)
        return r;
    memcpy(out + NONCE_RANDOM_LEN + 4, mac, NONCE_MAC_LEN);
    return 0;
}

int nonce_check(const struct nonce_key *k, enum nonce_kind kind, const char *ak_name,
                const uint8_t n[NONCE_LEN], int64_t now)
{
    if (kind == NONCE_CHALLENGE && memcmp(n, tpm_generated, sizeof(tpm_generated)) == 0)
        return -EBADMSG; /* never issued, whatever the MAC says */
    uint8_t mac[EVP_MAX_MD_SIZE];
    int r = compute_mac(k, kind, ak_name, n, mac);
    if (r < 0)
        return r == -EINVAL ? -EBADMSG : r;
    if (CRYPTO_memcmp(mac, n + NONCE_RANDOM_LEN + 4, NONCE_MAC_LEN) != 0)
        return -EBADMSG;
    /* Only a genuine nonce gets this far: its expiry is the verifier's own. */
    return nonce_expiry(n) < now ? -ETIME : 0;
}
