/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: every parser of verifier replies (attestd/api.c), and the verdict token. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "api.h"
#include "verdict/verdict.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A fixed P-256 public key: the signature check itself must not crash on any input. */
static const char pinned[] = "-----BEGIN PUBLIC KEY-----\n"
                             "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEg45uCRmSQZMnEiT5g7+KuP9AdgsY\n"
                             "nd4atg2SU/Br9PhC9gxNgiFk+gaL7Z7fHN6ogPF3u/7a63/NUimj+Ft6RA==\n"
                             "-----END PUBLIC KEY-----\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    struct api_enrollment e = {0};
    if (api_parse_enrollment(body, size, &e) == 0)
        api_enrollment_done(&e);
    struct api_activation a = {0};
    if (api_parse_activation(body, size, &a) == 0)
        api_activation_done(&a);
    struct api_nonce n = {0};
    if (api_parse_nonce(body, size, &n) == 0)
        api_nonce_done(&n);
    struct api_challenge c = {0};
    if (api_parse_challenge(body, size, &c) == 0)
        api_challenge_done(&c);
    free(api_parse_error(body, size));

    /* Loaded once per process (fuzz targets may keep such state): parsing it per input would
     * cost more than the parsers under test. */
    static EVP_PKEY *key;
    if (!key && verdict_key_from_pem(pinned, sizeof(pinned) - 1, &key) < 0)
        abort();
    struct verdict v = {0};
    struct api_attestation at = {0};
    if (api_parse_attestation(body, size, &at) == 0) {
        /* nobody without the private key can make this pass */
        if (verdict_verify(at.verdict, key, "bm9uY2U=", "000b", time(NULL), &v, NULL) == 0)
            abort();
        api_attestation_done(&at);
    }
    /* The raw bytes as a token too. */
    char *tok = strndup(body, size);
    if (tok && verdict_verify(tok, key, "bm9uY2U=", "000b", time(NULL), &v, NULL) == 0)
        abort();
    free(tok);
    return 0;
}
