/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The file parsers of lib/tpm (untrusted bytes: blobs, saved contexts,
 * credential files) on files written by attestd/tpm2-tools on swtpm (the
 * seed corpus), every truncation and trailing garbage refused; EK templates
 * and the TCG policy digests recomputed independently.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <tss2/tss2_mu.h>

#include "common/cleanup.h"
#include "common/ek-templates.h"
#include "common/error.h"
#include "common/file-io.h"
#include "tpm/activate.h"
#include "tpm/ak.h"
#include "tpm/blob.h"
#include "tpm/context.h"
#include "tpm/ek.h"

static void read_seed(const char *name, uint8_t **buf, size_t *len)
{
    _cleanup_free_ char *p = NULL;
    const char *dir = getenv("CORPUS_DIR");
    assert_true(asprintf(&p, "%s/%s", dir ? dir : ".", name) > 0);
    assert_int_equal(file_read_all(p, 1 << 16, buf, len), 0);
}

typedef int (*parse_fn)(const uint8_t *buf, size_t len);

static int parse_pub(const uint8_t *b, size_t l)
{
    TPM2B_PUBLIC p;
    return blob_public_parse(b, l, &p);
}
static int parse_priv(const uint8_t *b, size_t l)
{
    TPM2B_PRIVATE p;
    return blob_private_parse(b, l, &p);
}
static int parse_ctx(const uint8_t *b, size_t l)
{
    TPMS_CONTEXT c;
    return context_parse(b, l, &c);
}
static int parse_cred(const uint8_t *b, size_t l)
{
    TPM2B_ID_OBJECT o;
    TPM2B_ENCRYPTED_SECRET s;
    return credential_file_parse(b, l, &o, &s);
}

/* The seed parses; every proper prefix and one trailing byte are refused. */
static void check_strict(const char *seed, parse_fn parse)
{
    _cleanup_free_ uint8_t *buf = NULL;
    size_t len;
    read_seed(seed, &buf, &len);
    assert_int_equal(parse(buf, len), 0);
    for (size_t l = 0; l < len; l++)
        assert_int_equal(parse(buf, l), ATT_E_BADMSG);
    _cleanup_free_ uint8_t *more = malloc(len + 1);
    memcpy(more, buf, len);
    more[len] = 0;
    assert_int_equal(parse(more, len + 1), ATT_E_BADMSG);
}

static void test_strict_parsers(void **state)
{
    check_strict("ak-rsa.pub", parse_pub);
    check_strict("ak-ecc.pub", parse_pub);
    check_strict("ek-rsa.pub", parse_pub);
    check_strict("ek-h3.pub", parse_pub);
    check_strict("ak-rsa.priv", parse_priv);
    check_strict("ak-ecc.priv", parse_priv);
    check_strict("ak.ctx", parse_ctx);
    check_strict("cred", parse_cred);
}

static void test_bad_headers(void **state)
{
    _cleanup_free_ uint8_t *ctx = NULL, *cred = NULL;
    size_t ctx_len, cred_len;
    read_seed("ak.ctx", &ctx, &ctx_len);
    read_seed("cred", &cred, &cred_len);
    ctx[0] ^= 1; /* magic */
    assert_int_equal(parse_ctx(ctx, ctx_len), ATT_E_BADMSG);
    ctx[0] ^= 1;
    ctx[7] = 2; /* version */
    assert_int_equal(parse_ctx(ctx, ctx_len), ATT_E_BADMSG);
    cred[3] ^= 1;
    assert_int_equal(parse_cred(cred, cred_len), ATT_E_BADMSG);
    cred[3] ^= 1;
    cred[7] = 0;
    assert_int_equal(parse_cred(cred, cred_len), ATT_E_BADMSG);
}

/* Our serializers write back the exact bytes tpm2-tools reads. */
static void test_roundtrips(void **state)
{
    _cleanup_free_ uint8_t *ctx = NULL, *cred = NULL, *out = NULL;
    size_t ctx_len, cred_len, out_len;
    read_seed("ak.ctx", &ctx, &ctx_len);
    TPMS_CONTEXT c;
    assert_int_equal(context_parse(ctx, ctx_len, &c), 0);
    assert_int_equal(c.savedHandle & 0xff000000, 0x80000000); /* a transient object */
    assert_int_equal(context_format(&c, &out, &out_len), 0);
    assert_int_equal(out_len, ctx_len);
    assert_memory_equal(out, ctx, ctx_len);

    read_seed("cred", &cred, &cred_len);
    TPM2B_ID_OBJECT o;
    TPM2B_ENCRYPTED_SECRET s;
    assert_int_equal(credential_file_parse(cred, cred_len, &o, &s), 0);
    assert_int_equal(s.size, 256); /* RSA-2048 OAEP seed */
    uint8_t buf[sizeof(o) + sizeof(s) + 8];
    size_t n;
    assert_int_equal(credential_file_format(&o, &s, buf, sizeof(buf), &n), 0);
    assert_int_equal(n, cred_len);
    assert_memory_equal(buf, cred, n);
}

static void public_of(const char *seed, TPM2B_PUBLIC *pub)
{
    _cleanup_free_ uint8_t *buf = NULL;
    size_t len;
    read_seed(seed, &buf, &len);
    assert_int_equal(blob_public_parse(buf, len, pub), 0);
}

static void test_classify(void **state)
{
    TPM2B_PUBLIC p;
    enum tpm_ek_template tpl;
    public_of("ek-rsa.pub", &p);
    assert_int_equal(tpm_ek_template_of(&p, &tpl), 0);
    assert_int_equal(tpl, TPM_EK_L1);
    assert_false(tpm_ak_public_is_ak(&p));
    public_of("ek-h3.pub", &p);
    assert_int_equal(tpm_ek_template_of(&p, &tpl), 0);
    assert_int_equal(tpl, TPM_EK_H3);
    public_of("ak-rsa.pub", &p);
    assert_true(tpm_ak_public_is_ak(&p));
    assert_int_equal(tpm_ek_template_of(&p, &tpl), -ENOENT);
    p.publicArea.objectAttributes |= TPMA_OBJECT_DECRYPT;
    assert_false(tpm_ak_public_is_ak(&p));
    public_of("ak-ecc.pub", &p);
    assert_true(tpm_ak_public_is_ak(&p));
    p.publicArea.parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA1;
    assert_false(tpm_ak_public_is_ak(&p));

    /* One attribute off and the EK is no template's. */
    public_of("ek-rsa.pub", &p);
    p.publicArea.objectAttributes |= TPMA_OBJECT_USERWITHAUTH;
    assert_int_equal(tpm_ek_template_of(&p, &tpl), -ENOENT);
}

static void test_templates(void **state)
{
    for (int i = 0; i < _TPM_EK_TEMPLATE_MAX; i++) {
        TPM2B_PUBLIC p;
        enum tpm_ek_template tpl;
        tpm_ek_template_public((enum tpm_ek_template)i, &p);
        assert_int_equal(tpm_ek_template_of(&p, &tpl), 0);
        assert_int_equal(tpl, i);
        enum tpm_ek_template back;
        assert_int_equal(tpm_ek_template_from_name(tpm_ek_template_name(tpl), &back), 0);
        assert_int_equal(back, tpl);
    }
    TPM2B_PUBLIC p;
    tpm_ek_template_public(TPM_EK_L1, &p);
    assert_int_equal(p.publicArea.objectAttributes, 0x000300b2);
    assert_int_equal(p.publicArea.unique.rsa.size, 256);
    assert_int_equal(p.publicArea.parameters.rsaDetail.symmetric.keyBits.aes, 128);
    tpm_ek_template_public(TPM_EK_L2, &p);
    assert_int_equal(p.publicArea.objectAttributes, 0x000300b2);
    assert_int_equal(p.publicArea.unique.ecc.x.size, 32);
    tpm_ek_template_public(TPM_EK_H3, &p);
    assert_int_equal(p.publicArea.objectAttributes, 0x000300f2);
    assert_int_equal(p.publicArea.nameAlg, TPM2_ALG_SHA384);
    assert_int_equal(p.publicArea.parameters.eccDetail.symmetric.keyBits.aes, 256);
    assert_int_equal(p.publicArea.unique.ecc.x.size, 0);
    assert_int_equal(tpm_ek_persistent_handle(TPM_EK_H3), 0x81010016);
    assert_int_equal(tpm_ek_cert_nv_index(TPM_EK_L2), 0x01c0000a);
}

static void digest(const char *md, const uint8_t *a, size_t al, const uint8_t *b, size_t bl,
                   uint8_t *out)
{
    _cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *c = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestInit_ex(c, EVP_get_digestbyname(md), NULL), 1);
    assert_int_equal(EVP_DigestUpdate(c, a, al), 1);
    if (bl)
        assert_int_equal(EVP_DigestUpdate(c, b, bl), 1);
    assert_int_equal(EVP_DigestFinal_ex(c, out, NULL), 1);
}

/* PolicyA = H(H(0^n || TPM_CC_PolicySecret || name(TPM_RH_ENDORSEMENT)) || policyRef="");
 * PolicyB = H(0^n || TPM_CC_PolicyOR || PolicyA || PolicyC) (TPM 2.0 Part 3, 23.4 and 23.6). */
static void policy_a(const char *md, size_t n, uint8_t *out)
{
    uint8_t in[48 + 8] = {0}, mid[48];
    const uint8_t tail[8] = {0x00, 0x00, 0x01, 0x51, 0x40, 0x00, 0x00, 0x0b};
    memcpy(in + n, tail, 8);
    digest(md, in, n + 8, NULL, 0, mid);
    digest(md, mid, n, NULL, 0, out);
}

static void test_policy_digests(void **state)
{
    uint8_t a[48], b[48], in[4 + 96 + 48] = {0};
    policy_a("SHA256", 32, a);
    assert_int_equal(ek_policy_a_sha256.size, 32);
    assert_memory_equal(a, ek_policy_a_sha256.buffer, 32);
    policy_a("SHA384", 48, a);
    assert_memory_equal(a, ek_policy_a_sha384.buffer, 48);
    const uint8_t cc_or[4] = {0x00, 0x00, 0x01, 0x71};
    memcpy(in + 48, cc_or, 4);
    memcpy(in + 52, ek_policy_a_sha384.buffer, 48);
    memcpy(in + 100, ek_policy_c_sha384.buffer, 48);
    digest("SHA384", in, 148, NULL, 0, b);
    assert_memory_equal(b, ek_policy_b_sha384.buffer, 48);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strict_parsers), cmocka_unit_test(test_bad_headers),
        cmocka_unit_test(test_roundtrips),     cmocka_unit_test(test_classify),
        cmocka_unit_test(test_templates),      cmocka_unit_test(test_policy_digests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
