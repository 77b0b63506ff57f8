/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <tss2/tss2_mu.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/hex.h"
#include "ek-trust.h"
#include "verify/ek-cert.h"

static int load_allowlist(const char *path, struct ek_trust *t)
{
    _cleanup_fclose_ FILE *f = fopen(path, "re");
    if (!f)
        return -errno;
    char line[256];
    while (fgets(line, sizeof(line), f)) {
        char *s = line + strspn(line, " \t");
        s[strcspn(s, " \t\r\n#")] = 0;
        if (*s == 0)
            continue;
        uint8_t *d = NULL;
        size_t n;
        if (hex_decode(s, &d, &n) < 0 || n != 32) {
            free(d);
            return -EBADMSG;
        }
        uint8_t(*grown)[32] = realloc(t->allow, (t->n_allow + 1) * sizeof(*t->allow));
        if (!grown) {
            free(d);
            return -ENOMEM;
        }
        t->allow = grown;
        memcpy(t->allow[t->n_allow++], d, 32);
        free(d);
    }
    return 0;
}

int ek_trust_load(const char *roots_dir, const char *allowlist, struct ek_trust *ret)
{
    struct ek_trust t = {0};
    int r = ek_cert_store_load_dir(roots_dir, &t.store);
    if (r < 0 && r != -ENOENT)
        return r;
    if (allowlist && (r = load_allowlist(allowlist, &t)) < 0) {
        ek_trust_done(&t);
        return r;
    }
    *ret = t;
    return 0;
}

void ek_trust_done(struct ek_trust *t)
{
    if (!t)
        return;
    X509_STORE_free(t->store);
    free(t->allow);
    *t = (struct ek_trust){0};
}

static int ek_digest_raw(const TPMT_PUBLIC *ek, uint8_t out[32])
{
    TPM2B_PUBLIC pub = {.publicArea = *ek};
    uint8_t buf[sizeof(TPM2B_PUBLIC)];
    size_t off = 0;
    if (Tss2_MU_TPM2B_PUBLIC_Marshal(&pub, buf, sizeof(buf), &off) != TSS2_RC_SUCCESS)
        return -EBADMSG;
    unsigned int n = 32;
    return EVP_Digest(buf, off, out, &n, EVP_sha256(), NULL) ? 0 : -EIO;
}

int ek_digest(const TPMT_PUBLIC *ek, char ret_hex[65])
{
    uint8_t d[32];
    int r = ek_digest_raw(ek, d);
    if (r < 0)
        return r;
    _cleanup_free_ char *hex = hex_encode(d, sizeof(d));
    if (!hex)
        return -ENOMEM;
    memcpy(ret_hex, hex, 65);
    return 0;
}

int ek_trust_check(const struct ek_trust *t, const TPMT_PUBLIC *ek, const uint8_t *cert,
                   size_t cert_len, struct att_check *ret)
{
    uint8_t d[32];
    int r = ek_digest_raw(ek, d);
    if (r < 0)
        return r;
    for (size_t i = 0; i < t->n_allow; i++)
        if (CRYPTO_memcmp(t->allow[i], d, 32) == 0) {
            att_check_pass(ret, "ek-allowlist");
            return 0;
        }
    if (!cert) {
        att_check_fail(ret, "ek-not-trusted",
                       "no EK certificate was sent and the EK is not on the allowlist");
        return ATT_E_VERIFY;
    }
    if (!t->store) {
        att_check_fail(ret, "ek-cert-chain", "no trusted EK roots are configured");
        return ATT_E_VERIFY;
    }
    _cleanup_(X509_freep) X509 *x = NULL;
    r = ek_cert_parse(cert, cert_len, &x);
    if (r < 0) {
        att_check_fail(ret, "ek-cert-parse", "the EK certificate cannot be parsed");
        return ATT_E_VERIFY;
    }
    struct ek_cert_verify_params params = {0};
    return ek_cert_verify(x, t->store, &params, ek, ret);
}
