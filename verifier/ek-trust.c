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
#include "verify/ek-identity.h"
#include "verify/ek-template.h"
#include "verify/roca.h"

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

/* What ek_digest was before the identity: SHA-256 of the marshaled TPM2B_PUBLIC. */
static int legacy_digest_raw(const TPMT_PUBLIC *ek, uint8_t out[32])
{
    TPM2B_PUBLIC pub = {.publicArea = *ek};
    uint8_t buf[sizeof(TPM2B_PUBLIC)];
    size_t off = 0;
    if (Tss2_MU_TPM2B_PUBLIC_Marshal(&pub, buf, sizeof(buf), &off) != TSS2_RC_SUCCESS)
        return -EBADMSG;
    unsigned int n = 32;
    return EVP_Digest(buf, off, out, &n, EVP_sha256(), NULL) ? 0 : -EIO;
}

static int to_hex(const uint8_t d[32], char ret_hex[65])
{
    _cleanup_free_ char *hex = hex_encode(d, 32);
    if (!hex)
        return -ENOMEM;
    memcpy(ret_hex, hex, 65);
    return 0;
}

int ek_digest(const TPMT_PUBLIC *ek, char ret_hex[65])
{
    uint8_t d[EK_IDENTITY_LEN];
    int r = ek_identity(ek, d);
    return r < 0 ? r : to_hex(d, ret_hex);
}

int ek_legacy_digest(const TPMT_PUBLIC *ek, char ret_hex[65])
{
    uint8_t d[32];
    int r = legacy_digest_raw(ek, d);
    return r < 0 ? r : to_hex(d, ret_hex);
}

/* On the allowlist by its identity, or by the digest of its exact public area. */
static int allowlisted(const struct ek_trust *t, const TPMT_PUBLIC *ek, bool *ret)
{
    uint8_t id[EK_IDENTITY_LEN], legacy[32];
    int r = ek_identity(ek, id);
    if (r < 0 || (r = legacy_digest_raw(ek, legacy)) < 0)
        return r;
    *ret = false;
    for (size_t i = 0; i < t->n_allow; i++)
        if (CRYPTO_memcmp(t->allow[i], id, 32) == 0 || CRYPTO_memcmp(t->allow[i], legacy, 32) == 0)
            *ret = true;
    return 0;
}

/* ROCA keys are refused whoever vouches for them: their private key is computable. */
static int check_roca(const TPMT_PUBLIC *ek, struct att_check *ret)
{
    bool roca;
    int r = tpm_rsa_roca(ek, &roca);
    if (r < 0)
        return r;
    if (roca) {
        att_check_fail(ret, "ek-roca",
                       "the EK's RSA modulus has the ROCA fingerprint (CVE-2017-15361): the key "
                       "is factorable");
        return ATT_E_VERIFY;
    }
    return 0;
}

int ek_trust_check(const struct ek_trust *t, const TPMT_PUBLIC *ek, const uint8_t *cert,
                   size_t cert_len, struct att_check *ret)
{
    int r = check_roca(ek, ret);
    if (r < 0)
        return r;
    bool listed;
    if ((r = allowlisted(t, ek, &listed)) < 0)
        return r;
    if (listed) {
        att_check_pass(ret, "ek-allowlist");
        return 0;
    }
    /* Outside the allowlist only the profile's templates: a chip's EK is made from one. */
    if ((r = ek_template_match(ek, NULL, ret)) < 0)
        return r;
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
