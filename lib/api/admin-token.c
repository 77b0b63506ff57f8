/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "api/admin-token.h"
#include "common/cleanup.h"
#include "common/file-io.h"
#include "common/hex.h"

int admin_token_read(const char *path, char token[ADMIN_TOKEN_LEN + 1])
{
    uint8_t *buf = NULL;
    size_t len;
    int r = file_read_all(path, 4096, &buf, &len);
    if (r < 0)
        return r;
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '))
        len--;
    r = 0;
    if (len != ADMIN_TOKEN_LEN)
        r = -EBADMSG;
    for (size_t i = 0; r == 0 && i < len; i++)
        if (!((buf[i] >= '0' && buf[i] <= '9') || (buf[i] >= 'a' && buf[i] <= 'f')))
            r = -EBADMSG;
    if (r == 0) {
        memcpy(token, buf, ADMIN_TOKEN_LEN);
        token[ADMIN_TOKEN_LEN] = 0;
    }
    erase_and_free(buf, len);
    return r;
}

int admin_token_load_or_create(const char *path, char token[ADMIN_TOKEN_LEN + 1])
{
    struct stat st;
    if (stat(path, &st) == 0) {
        if (st.st_mode & 077)
            return -EPERM;
        return admin_token_read(path, token);
    }
    if (errno != ENOENT)
        return -errno;
    uint8_t raw[ADMIN_TOKEN_LEN / 2];
    if (RAND_bytes(raw, sizeof(raw)) != 1)
        return -EIO;
    _cleanup_free_ char *hex = hex_encode(raw, sizeof(raw));
    OPENSSL_cleanse(raw, sizeof(raw));
    if (!hex)
        return -ENOMEM;
    char line[ADMIN_TOKEN_LEN + 2];
    memcpy(line, hex, ADMIN_TOKEN_LEN);
    line[ADMIN_TOKEN_LEN] = '\n';
    int r = file_write_atomic(path, line, ADMIN_TOKEN_LEN + 1, 0600);
    if (r == 0) {
        memcpy(token, hex, ADMIN_TOKEN_LEN);
        token[ADMIN_TOKEN_LEN] = 0;
    }
    OPENSSL_cleanse(line, sizeof(line));
    OPENSSL_cleanse(hex, ADMIN_TOKEN_LEN);
    return r;
}

bool admin_token_check(const char *token, const char *authorization)
{
    static const char prefix[] = "Bearer ";
    if (!authorization || strncmp(authorization, prefix, sizeof(prefix) - 1) != 0)
        return false;
    const char *given = authorization + sizeof(prefix) - 1;
    if (strlen(given) != ADMIN_TOKEN_LEN)
        return false;
    return CRYPTO_memcmp(given, token, ADMIN_TOKEN_LEN) == 0;
}

int admin_token_identity(const char *token, char out[ADMIN_IDENTITY_LEN + 1])
{
    uint8_t d[32];
    unsigned n = 0;
    if (EVP_Digest(token, strlen(token), d, &n, EVP_sha256(), NULL) != 1 || n != sizeof(d))
        return -EIO;
    _cleanup_free_ char *hex = hex_encode(d, 6);
    if (!hex)
        return -ENOMEM;
    snprintf(out, ADMIN_IDENTITY_LEN + 1, "admin-%s", hex);
    return 0;
}
