/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: every request body parser of the verifier's API. The first
 * byte picks the parser, the rest is the body, as the HTTP layer hands it over.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>

#include "nonce.h"
#include "requests.h"

/*
 * The nonce check reads the nonce bytes of a request (expiry, MAC) and its AK
 * name: without the key no input may pass, and nothing but a refusal comes out.
 */
static void check_nonce(enum nonce_kind kind, const char *ak_name, const uint8_t n[NONCE_LEN])
{
    static const struct nonce_key key = {{0x42}};
    if (nonce_check(&key, kind, ak_name, n, 0) != -EBADMSG)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *body = (const char *)data + 1;
    size_t len = size - 1;
    struct req_error e = {0};
    /* the admin bodies share selector 5 (the seeds' first bytes keep their parser) */
    unsigned which = data[0] % 6 < 5 ? data[0] % 6u : 5u + (data[0] / 6u) % 4u;
    switch (which) {
    case 0: {
        struct enroll_request r;
        if (parse_enroll_request(body, len, &r, &e) == 0)
            enroll_request_done(&r);
        break;
    }
    case 1: {
        struct activate_request r = {0};
        if (parse_activate_request(body, len, &r, &e) == 0)
            activate_request_done(&r);
        break;
    }
    case 2: {
        struct ak_request r;
        (void)parse_ak_request(body, len, &r, &e);
        break;
    }
    case 3: {
        struct attest_request *r = malloc(sizeof(*r));
        if (r && parse_attest_request(body, len, r, &e) == 0) {
            check_nonce(NONCE_ATTEST, r->ak_name, r->nonce);
            attest_request_done(r);
        }
        free(r);
        break;
    }
    case 4: {
        struct proof_request r;
        if (parse_proof_request(body, len, &r, &e) == 0) {
            check_nonce(NONCE_CHALLENGE, r.ak_name, r.challenge);
            proof_request_done(&r);
        }
        break;
    }
    case 6: {
        struct capture_request r;
        (void)parse_capture_request(body, len, &r, &e);
        break;
    }
    case 7: {
        struct approve_request r;
        (void)parse_approve_request(body, len, &r, &e);
        break;
    }
    case 8: {
        struct rollback_request r;
        (void)parse_rollback_request(body, len, &r, &e);
        break;
    }
    default: {
        struct policy_request r;
        if (parse_policy_request(body, len, &r, &e) == 0)
            policy_request_done(&r);
        break;
    }
    }
    /* A refusal always names a NUL-terminated message. */
    if (memchr(e.message, 0, sizeof(e.message)) == NULL)
        abort();
    return 0;
}
