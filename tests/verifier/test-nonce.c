/* SPDX-License-Identifier: Apache-2.0 */
/* Stateless nonces: layout, MAC binding (key, kind, AK, expiry), expiry, the key file. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "nonce.h"
#include "storage.h"

#define AK  "000b1111111111111111111111111111111111111111111111111111111111111111"
#define AK2 "000b2222222222222222222222222222222222222222222222222222222222222222"
#define NOW 1700000000

static const struct nonce_key key = {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}};

/* The documented layout, recomputed here with OpenSSL alone. */
static void test_layout(void **state)
{
    uint8_t n[NONCE_LEN];
    assert_int_equal(nonce_issue(&key, NONCE_ATTEST, AK, NOW + 120, n), 0);
    assert_int_equal(nonce_expiry(n), NOW + 120);
    const uint8_t be[4] = {(NOW + 120) >> 24, (NOW + 120) >> 16 & 0xff, (NOW + 120) >> 8 & 0xff,
                           (NOW + 120) & 0xff};
    assert_memory_equal(n + 8, be, 4);
    uint8_t msg[1 + sizeof(AK) - 1 + 12];
    msg[0] = NONCE_ATTEST;
    memcpy(msg + 1, AK, sizeof(AK) - 1);
    memcpy(msg + sizeof(AK), n, 12);
    uint8_t mac[EVP_MAX_MD_SIZE];
    unsigned len;
    assert_non_null(HMAC(EVP_sha256(), key.bytes, NONCE_KEY_LEN, msg, sizeof(msg), mac, &len));
    assert_memory_equal(n + 12, mac, NONCE_MAC_LEN);
    assert_int_equal(nonce_check(&key, NONCE_ATTEST, AK, n, NOW), 0);
    assert_int_equal(nonce_check(&key, NONCE_ATTEST, AK, n, NOW + 120), 0); /* last second */
    /* Two nonces for one AK differ: the random part. */
    uint8_t n2[NONCE_LEN];
    assert_int_equal(nonce_issue(&key, NONCE_ATTEST, AK, NOW + 120, n2), 0);
    assert_memory_not_equal(n, n2, NONCE_LEN);
}

/* Every single flipped bit is refused: random part, expiry, MAC. */
static void test_forged(void **state)
{
    uint8_t n[NONCE_LEN];
    assert_int_equal(nonce_issue(&key, NONCE_ATTEST, AK, NOW + 120, n), 0);
    for (unsigned i = 0; i < NONCE_LEN * 8; i++) {
        n[i / 8] ^= (uint8_t)(1u << (i % 8));
        assert_int_equal(nonce_check(&key, NONCE_ATTEST, AK, n, NOW), -EBADMSG);
        n[i / 8] ^= (uint8_t)(1u << (i % 8));
    }
    /* A later expiry (still in the future) is no way around the MAC either. */
    n[8] ^= 0x01;
    assert_int_equal(nonce_check(&key, NONCE_ATTEST, AK, n, NOW), -EBADMSG);
    n[8] ^= 0x01;
    uint8_t zero[NONCE_LEN] = {0};
    assert_int_equal(nonce_check(&key, NONCE_ATTEST, AK, zero, NOW), -EBADMSG);
    struct nonce_key other = key;
    other.bytes[31] ^= 1;
    assert_int_equal(nonce_check(&other, NONCE_ATTEST, AK, n, NOW), -EBADMSG);
    assert_int_equal(nonce_check(&key, NONCE_ATTEST, AK, n, NOW), 0);
}

static void test_bound_to_ak_and_kind(void **state)
{
    uint8_t a[NONCE_LEN], c[NONCE_LEN];
    assert_int_equal(nonce_issue(&key, NONCE_ATTEST, AK, NOW + 60, a), 0);
    assert_int_equal(nonce_issue(&key, NONCE_CHALLENGE, AK, NOW + 60, c), 0);
    assert_int_equal(nonce_check(&key, NONCE_ATTEST, AK2, a, NOW), -EBADMSG);
    assert_int_equal(nonce_check(&key, NONCE_CHALLENGE, AK, a, NOW), -EBADMSG);
    assert_int_equal(nonce_check(&key, NONCE_ATTEST, AK, c, NOW), -EBADMSG);
    assert_int_equal(nonce_check(&key, NONCE_CHALLENGE, AK2, c, NOW), -EBADMSG);
    assert_int_equal(nonce_check(&key, NONCE_CHALLENGE, AK, c, NOW), 0);
    /* A prefix of the AK name is another name (the name is not truncated). */
    assert_int_equal(nonce_check(&key, NONCE_ATTEST, "000b11", a, NOW), -EBADMSG);
    char long_name[ST_NAME_MAX + 8];
    memset(long_name, 'a', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = 0;
    assert_int_equal(nonce_check(&key, NONCE_ATTEST, long_name, a, NOW), -EBADMSG);
    assert_int_equal(nonce_issue(&key, NONCE_ATTEST, long_name, NOW, a), -EINVAL);
}

static void test_expiry(void **state)
{
    uint8_t n[NONCE_LEN];
    assert_int_equal(nonce_issue(&key, NONCE_ATTEST, AK, NOW, n), 0);
    assert_int_equal(nonce_check(&key, NONCE_ATTEST, AK, n, NOW + 1), -ETIME);
    assert_int_equal(nonce_check(&key, NONCE_ATTEST, AK, n, NOW + 100000), -ETIME);
    assert_int_equal(nonce_issue(&key, NONCE_ATTEST, AK, -1, n), -ERANGE);
    assert_int_equal(nonce_issue(&key, NONCE_ATTEST, AK, (int64_t)UINT32_MAX + 1, n), -ERANGE);
    assert_int_equal(nonce_issue(&key, NONCE_ATTEST, AK, UINT32_MAX, n), 0);
    assert_int_equal(nonce_expiry(n), UINT32_MAX);
}

/* A challenge starting with TPM_GENERATED_VALUE is refused even with a valid MAC. */
static void test_tpm_generated(void **state)
{
    uint8_t n[NONCE_LEN] = {0xff, 0x54, 0x43, 0x47, 0, 0, 0, 0, 0x7f, 0, 0, 0};
    uint8_t msg[1 + sizeof(AK) - 1 + 12];
    msg[0] = NONCE_CHALLENGE;
    memcpy(msg + 1, AK, sizeof(AK) - 1);
    memcpy(msg + sizeof(AK), n, 12);
    uint8_t mac[EVP_MAX_MD_SIZE];
    unsigned len;
    assert_non_null(HMAC(EVP_sha256(), key.bytes, NONCE_KEY_LEN, msg, sizeof(msg), mac, &len));
    memcpy(n + 12, mac, NONCE_MAC_LEN);
    assert_int_equal(nonce_check(&key, NONCE_CHALLENGE, AK, n, NOW), -EBADMSG);
    for (int i = 0; i < 2000; i++) {
        assert_int_equal(nonce_issue(&key, NONCE_CHALLENGE, AK, NOW, n), 0);
        assert_memory_not_equal(n, "\xff\x54\x43\x47", 4);
    }
}

static void test_key_file(void **state)
{
    char dir[] = "/tmp/test-nonce-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof(path), "%s/nonce-key", dir);
    struct nonce_key a, b;
    assert_int_equal(nonce_key_load_or_create(path, &a), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, NONCE_KEY_LEN);
    /* A restart (or a second verifier given the file) reads the same key. */
    assert_int_equal(nonce_key_load_or_create(path, &b), 0);
    assert_memory_equal(a.bytes, b.bytes, NONCE_KEY_LEN);
    uint8_t n[NONCE_LEN];
    assert_int_equal(nonce_issue(&a, NONCE_ATTEST, AK, NOW, n), 0);
    assert_int_equal(nonce_check(&b, NONCE_ATTEST, AK, n, NOW), 0);
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(nonce_key_load_or_create(path, &b), -EPERM);
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(truncate(path, 31), 0);
    assert_int_equal(nonce_key_load_or_create(path, &b), -EBADMSG);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(nonce_key_load_or_create(path, &b), 0);
    assert_memory_not_equal(a.bytes, b.bytes, NONCE_KEY_LEN);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0); /* no temporary file left behind */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_forged),
        cmocka_unit_test(test_bound_to_ak_and_kind),
        cmocka_unit_test(test_expiry),
        cmocka_unit_test(test_tpm_generated),
        cmocka_unit_test(test_key_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
