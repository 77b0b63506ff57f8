/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "verify/ak-check.h"
#include "verify/roca.h"
#include "verify/tpm-pubkey.h"

#define AK_REQUIRED                                                                                \
    (TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |            \
     TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT)
/* noDA only changes dictionary-attack handling of the AK's own auth value. */
#define AK_TOLERATED TPMA_OBJECT_NODA

static bool hash_ok(TPMI_ALG_HASH h)
{
    return h == TPM2_ALG_SHA256 || h == TPM2_ALG_SHA384;
}

static int fail(struct att_check *ret, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct att_check *ret, const char *name, const char *fmt, ...)
{
    va_list ap;
    char msg[ATT_CHECK_MESSAGE_MAX];
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    att_check_fail(ret, name, "%s", msg);
    return ATT_E_VERIFY;
}

static int check_rsa(const TPMS_RSA_PARMS *p, struct att_check *ret)
{
    if (p->symmetric.algorithm != TPM2_ALG_NULL)
        return fail(ret, "ak-scheme", "symmetric algorithm 0x%04x set: an AK is no storage key",
                    p->symmetric.algorithm);
    if (p->scheme.scheme != TPM2_ALG_RSASSA && p->scheme.scheme != TPM2_ALG_RSAPSS)
        return fail(ret, "ak-scheme", "RSA scheme 0x%04x is not RSASSA or RSAPSS",
                    p->scheme.scheme);
    if (!hash_ok(p->scheme.details.anySig.hashAlg))
        return fail(ret, "ak-scheme", "scheme hash 0x%04x is not SHA-256 or SHA-384",
                    p->scheme.details.anySig.hashAlg);
    if (p->keyBits != 2048 && p->keyBits != 3072)
        return fail(ret, "ak-key", "RSA key of %u bits, not 2048 or 3072", p->keyBits);
    if (p->exponent != 0 && p->exponent != 65537)
        return fail(ret, "ak-key", "RSA exponent %u is not 65537", p->exponent);
    return 0;
}

static int check_ecc(const TPMS_ECC_PARMS *p, struct att_check *ret)
{
    if (p->symmetric.algorithm != TPM2_ALG_NULL)
        return fail(ret, "ak-scheme", "symmetric algorithm 0x%04x set: an AK is no storage key",
                    p->symmetric.algorithm);
    if (p->scheme.scheme != TPM2_ALG_ECDSA)
        return fail(ret, "ak-scheme", "ECC scheme 0x%04x is not ECDSA", p->scheme.scheme);
    if (!hash_ok(p->scheme.details.anySig.hashAlg))
        return fail(ret, "ak-scheme", "scheme hash 0x%04x is not SHA-256 or SHA-384",
                    p->scheme.details.anySig.hashAlg);
    if (p->kdf.scheme != TPM2_ALG_NULL)
        return fail(ret, "ak-scheme", "kdf 0x%04x set on a signing key", p->kdf.scheme);
    if (p->curveID != TPM2_ECC_NIST_P256 && p->curveID != TPM2_ECC_NIST_P384)
        return fail(ret, "ak-key", "curve 0x%04x is not NIST P-256 or P-384", p->curveID);
    return 0;
}

int ak_check_public(const TPMT_PUBLIC *ak, struct att_check *ret)
{
    if (!ak || !ret)
        return -EINVAL;
    if (ak->type != TPM2_ALG_RSA && ak->type != TPM2_ALG_ECC)
        return fail(ret, "ak-type", "key type 0x%04x is not RSA or ECC", ak->type);

    TPMA_OBJECT a = ak->objectAttributes;
    if ((a & AK_REQUIRED) != AK_REQUIRED || (a & ~(AK_REQUIRED | AK_TOLERATED)) != 0)
        return fail(ret, "ak-attributes",
                    "attributes 0x%08x are not exactly fixedTPM|fixedParent|sensitiveDataOrigin|"
                    "userWithAuth|restricted|sign (0x%08x)%s",
                    a, AK_REQUIRED, (a & TPMA_OBJECT_DECRYPT) ? ": decrypt is set" : "");
    if (!hash_ok(ak->nameAlg))
        return fail(ret, "ak-name-alg", "nameAlg 0x%04x is not SHA-256 or SHA-384", ak->nameAlg);

    int r = ak->type == TPM2_ALG_RSA ? check_rsa(&ak->parameters.rsaDetail, ret)
                                     : check_ecc(&ak->parameters.eccDetail, ret);
    if (r < 0)
        return r;

    _cleanup_(EVP_PKEY_freep) EVP_PKEY *pkey = NULL;
    r = tpm_pubkey_to_evp(ak, &pkey);
    if (r < 0)
        return fail(ret, "ak-key", "public key does not parse: %s", strerror(-r));
    if (tpm_pubkey_check(pkey) < 0)
        return fail(ret, "ak-key", "public key fails validation");
    bool roca;
    r = tpm_rsa_roca(ak, &roca);
    if (r < 0)
        return fail(ret, "ak-roca", "the ROCA test cannot run: %s", strerror(-r));
    if (roca)
        return fail(ret, "ak-roca",
                    "RSA modulus has the ROCA fingerprint (CVE-2017-15361): the key is "
                    "factorable");
    att_check_pass(ret, "ak");
    return 0;
}
