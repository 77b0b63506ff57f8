/* SPDX-License-Identifier: Apache-2.0 */
#include "common/ek-templates.h"

/* The digests as initializers: the table below holds them by value, and C
 * takes no const object as a static initializer. */
#define POLICY_A_SHA256                                                                            \
    {                                                                                              \
        32,                                                                                        \
        {                                                                                          \
            0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xb3, 0xf8, 0x1a, 0x90, 0xcc, 0x8d, 0x46, 0xa5,    \
                0xd7, 0x24, 0xfd, 0x52, 0xd7, 0x6e, 0x06, 0x52, 0x0b, 0x64, 0xf2, 0xa1, 0xda,      \
                0x1b, 0x33, 0x14, 0x69, 0xaa                                                       \
        }                                                                                          \
    }
#define POLICY_A_SHA384                                                                            \
    {                                                                                              \
        48,                                                                                        \
        {                                                                                          \
            0x8b, 0xbf, 0x22, 0x66, 0x53, 0x7c, 0x17, 0x1c, 0xb5, 0x6e, 0x40, 0x3c, 0x4d, 0xc1,    \
                0xd4, 0xb6, 0x4f, 0x43, 0x26, 0x11, 0xdc, 0x38, 0x6e, 0x6f, 0x53, 0x20, 0x50,      \
                0xc3, 0x27, 0x8c, 0x93, 0x0e, 0x14, 0x3e, 0x8b, 0xb1, 0x13, 0x38, 0x24, 0xcc,      \
                0xb4, 0x31, 0x05, 0x38, 0x71, 0xc6, 0xdb, 0x53                                     \
        }                                                                                          \
    }
#define POLICY_B_SHA256                                                                            \
    {                                                                                              \
        32,                                                                                        \
        {                                                                                          \
            0xca, 0x3d, 0x0a, 0x99, 0xa2, 0xb9, 0x39, 0x06, 0xf7, 0xa3, 0x34, 0x24, 0x14, 0xef,    \
                0xcf, 0xb3, 0xa3, 0x85, 0xd4, 0x4c, 0xd1, 0xfd, 0x45, 0x90, 0x89, 0xd1, 0x9b,      \
                0x50, 0x71, 0xc0, 0xb7, 0xa0                                                       \
        }                                                                                          \
    }
#define POLICY_B_SHA384                                                                            \
    {                                                                                              \
        48,                                                                                        \
        {                                                                                          \
            0xb2, 0x6e, 0x7d, 0x28, 0xd1, 0x1a, 0x50, 0xbc, 0x53, 0xd8, 0x82, 0xbc, 0xf5, 0xfd,    \
                0x3a, 0x1a, 0x07, 0x41, 0x48, 0xbb, 0x35, 0xd3, 0xb4, 0xe4, 0xcb, 0x1c, 0x0a,      \
                0xd9, 0xbd, 0xe4, 0x19, 0xca, 0xcb, 0x47, 0xba, 0x09, 0x69, 0x96, 0x46, 0x15,      \
                0x0f, 0x9f, 0xc0, 0x00, 0xf3, 0xf8, 0x0e, 0x12                                     \
        }                                                                                          \
    }
#define POLICY_C_SHA384                                                                            \
    {                                                                                              \
        48,                                                                                        \
        {                                                                                          \
            0xd6, 0x03, 0x2c, 0xe6, 0x1f, 0x2f, 0xb3, 0xc2, 0x40, 0xeb, 0x3c, 0xf6, 0xa3, 0x32,    \
                0x37, 0xef, 0x2b, 0x6a, 0x16, 0xf4, 0x29, 0x3c, 0x22, 0xb4, 0x55, 0xe2, 0x61,      \
                0xcf, 0xfd, 0x21, 0x7a, 0xd5, 0xb4, 0x94, 0x7c, 0x2d, 0x73, 0xe6, 0x30, 0x05,      \
                0xee, 0xd2, 0xdc, 0x2b, 0x35, 0x93, 0xd1, 0x65                                     \
        }                                                                                          \
    }

const TPM2B_DIGEST ek_policy_a_sha256 = POLICY_A_SHA256;
const TPM2B_DIGEST ek_policy_a_sha384 = POLICY_A_SHA384;
const TPM2B_DIGEST ek_policy_b_sha256 = POLICY_B_SHA256;
const TPM2B_DIGEST ek_policy_b_sha384 = POLICY_B_SHA384;
const TPM2B_DIGEST ek_policy_c_sha384 = POLICY_C_SHA384;

#define ATTRS_L                                                                                    \
    (TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |            \
     TPMA_OBJECT_ADMINWITHPOLICY | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT)
/* H templates add userWithAuth (PolicyB's branch C stands for it). */
#define ATTRS_H (ATTRS_L | TPMA_OBJECT_USERWITHAUTH)

#define AES_CFB(bits)                                                                              \
    {                                                                                              \
        .algorithm = TPM2_ALG_AES, .keyBits = {.aes = bits}, .mode = {.aes = TPM2_ALG_CFB }        \
    }
/* exponent 0: the profile's field value, meaning 65537 */
#define RSA_PARMS(aes, bits)                                                                       \
    {                                                                                              \
        .rsaDetail = {                                                                             \
            .symmetric = AES_CFB(aes),                                                             \
            .scheme = {.scheme = TPM2_ALG_NULL},                                                   \
            .keyBits = bits,                                                                       \
            .exponent = 0                                                                          \
        }                                                                                          \
    }
#define ECC_PARMS(aes, curve)                                                                      \
    {                                                                                              \
        .eccDetail = {                                                                             \
            .symmetric = AES_CFB(aes),                                                             \
            .scheme = {.scheme = TPM2_ALG_NULL},                                                   \
            .curveID = curve,                                                                      \
            .kdf = {.scheme = TPM2_ALG_NULL}                                                       \
        }                                                                                          \
    }

const struct ek_tcg_template ek_tcg_templates[EK_TCG_COUNT] = {
    [EK_TCG_L1] = {"L-1",
                   {.type = TPM2_ALG_RSA,
                    .nameAlg = TPM2_ALG_SHA256,
                    .objectAttributes = ATTRS_L,
                    .authPolicy = POLICY_A_SHA256,
                    .parameters = RSA_PARMS(128, 2048),
                    .unique = {.rsa = {.size = 256}}},
                   256},
    [EK_TCG_L2] = {"L-2",
                   {.type = TPM2_ALG_ECC,
                    .nameAlg = TPM2_ALG_SHA256,
                    .objectAttributes = ATTRS_L,
                    .authPolicy = POLICY_A_SHA256,
                    .parameters = ECC_PARMS(128, TPM2_ECC_NIST_P256),
                    .unique = {.ecc = {.x = {.size = 32}, .y = {.size = 32}}}},
                   32},
    [EK_TCG_H1] = {"H-1",
                   {.type = TPM2_ALG_RSA,
                    .nameAlg = TPM2_ALG_SHA256,
                    .objectAttributes = ATTRS_H,
                    .authPolicy = POLICY_B_SHA256,
                    .parameters = RSA_PARMS(128, 2048)},
                   256},
    [EK_TCG_H2] = {"H-2",
                   {.type = TPM2_ALG_ECC,
                    .nameAlg = TPM2_ALG_SHA256,
                    .objectAttributes = ATTRS_H,
                    .authPolicy = POLICY_B_SHA256,
                    .parameters = ECC_PARMS(128, TPM2_ECC_NIST_P256)},
                   32},
    [EK_TCG_H3] = {"H-3",
                   {.type = TPM2_ALG_ECC,
                    .nameAlg = TPM2_ALG_SHA384,
                    .objectAttributes = ATTRS_H,
                    .authPolicy = POLICY_B_SHA384,
                    .parameters = ECC_PARMS(256, TPM2_ECC_NIST_P384)},
                   48},
    [EK_TCG_H6] = {"H-6",
                   {.type = TPM2_ALG_RSA,
                    .nameAlg = TPM2_ALG_SHA384,
                    .objectAttributes = ATTRS_H,
                    .authPolicy = POLICY_B_SHA384,
                    .parameters = RSA_PARMS(256, 3072)},
                   384},
    [EK_TCG_H7] = {"H-7",
                   {.type = TPM2_ALG_RSA,
                    .nameAlg = TPM2_ALG_SHA384,
                    .objectAttributes = ATTRS_H,
                    .authPolicy = POLICY_B_SHA384,
                    .parameters = RSA_PARMS(256, 4096)},
                   512},
};
