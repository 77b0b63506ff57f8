/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/ec.h>
#include <openssl/pem.h>

#include "common/cleanup.h"
#include "common/file-io.h"
#include "verdict/signing-key.h"

#define KEY_FILE_MAX 16384

void signing_key_free(struct signing_key *k)
{
    if (!k)
        return;
    EVP_PKEY_free(k->pkey);
    if (k->private_pem)
        erase_and_free(k->private_pem, k->private_pem_len);
    free(k->public_pem);
    free(k);
}

static int bio_to_string(BIO *b, char **ret, size_t *ret_len)
{
    char *data;
    long n = BIO_get_mem_data(b, &data);
    if (n <= 0)
        return -EIO;
    char *s = malloc((size_t)n + 1);
    if (!s)
        return -ENOMEM;
    memcpy(s, data, (size_t)n);
    s[n] = 0;
    *ret = s;
    *ret_len = (size_t)n;
    return 0;
}

static int fill_pems(struct signing_key *k)
{
    _cleanup_(BIO_free_allp) BIO *priv = BIO_new(BIO_s_secmem());
    _cleanup_(BIO_free_allp) BIO *pub = BIO_new(BIO_s_mem());
    if (!priv || !pub)
        return -ENOMEM;
    if (!PEM_write_bio_PrivateKey(priv, k->pkey, NULL, NULL, 0, NULL, NULL) ||
        !PEM_write_bio_PUBKEY(pub, k->pkey))
        return -EIO;
    int r = bio_to_string(priv, &k->private_pem, &k->private_pem_len);
    if (r < 0)
        return r;
    return bio_to_string(pub, &k->public_pem, &k->public_pem_len);
}

static bool is_p256(EVP_PKEY *pkey)
{
    char group[32];
    size_t len;
    return EVP_PKEY_get_base_id(pkey) == EVP_PKEY_EC &&
           EVP_PKEY_get_utf8_string_param(pkey, "group", group, sizeof(group), &len) &&
           strcmp(group, "prime256v1") == 0;
}

int signing_key_load_or_create(const char *path, struct signing_key **ret)
{
    _cleanup_(signing_key_freep) struct signing_key *k = calloc(1, sizeof(*k));
    if (!k)
        return -ENOMEM;
    uint8_t *buf = NULL;
    size_t len;
    int r = file_read_all(path, KEY_FILE_MAX, &buf, &len);
    if (r == -ENOENT) {
        k->pkey = EVP_EC_gen("P-256");
        if (!k->pkey)
            return -EIO;
        r = fill_pems(k);
        if (r < 0)
            return r;
        r = file_write_atomic(path, k->private_pem, k->private_pem_len, 0600);
        if (r < 0)
            return r;
        *ret = TAKE_PTR(k);
        return 0;
    }
    if (r < 0)
        return r;
    _cleanup_(BIO_free_allp) BIO *b = BIO_new_mem_buf(buf, (int)len);
    if (b)
        k->pkey = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    erase_and_free(buf, len);
    if (!k->pkey)
        return -EBADMSG;
    if (!is_p256(k->pkey))
        return -EKEYREJECTED;
    r = fill_pems(k);
    if (r < 0)
        return r;
    *ret = TAKE_PTR(k);
    return 0;
}

int signing_key_public_pem(const char *path, char **ret_pem)
{
    uint8_t *buf = NULL;
    size_t len;
    int r = file_read_all(path, KEY_FILE_MAX, &buf, &len);
    if (r < 0)
        return r;
    _cleanup_(BIO_free_allp) BIO *b = BIO_new_mem_buf(buf, (int)len);
    _cleanup_(EVP_PKEY_freep) EVP_PKEY *pkey = NULL;
    if (b)
        pkey = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    if (!pkey && b) {
        BIO_reset(b);
        pkey = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
    }
    erase_and_free(buf, len);
    if (!pkey)
        return -EBADMSG;
    _cleanup_(BIO_free_allp) BIO *pub = BIO_new(BIO_s_mem());
    if (!pub || !PEM_write_bio_PUBKEY(pub, pkey))
        return -ENOMEM;
    size_t n;
    return bio_to_string(pub, ret_pem, &n);
}
