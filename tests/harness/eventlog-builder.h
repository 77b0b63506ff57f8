/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Builds small crypto-agile event logs in memory for the tests: a Spec ID
 * event for SHA-1 + SHA-256, then TCG_PCR_EVENT2 events whose digests are
 * computed with OpenSSL here (independently of the code under test).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

struct logbuf {
    uint8_t buf[16384];
    size_t len;
};

static inline void lb_put(struct logbuf *b, const void *p, size_t n)
{
    if (b->len + n > sizeof(b->buf))
        abort();
    memcpy(b->buf + b->len, p, n);
    b->len += n;
}

static inline void lb_u32(struct logbuf *b, uint32_t v)
{
    uint8_t p[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    lb_put(b, p, 4);
}

static inline void lb_u16(struct logbuf *b, uint16_t v)
{
    uint8_t p[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    lb_put(b, p, 2);
}

static inline void lb_spec_id(struct logbuf *b)
{
    static const uint8_t zero[20];
    lb_u32(b, 0);
    lb_u32(b, 3); /* EV_NO_ACTION */
    lb_put(b, zero, 20);
    lb_u32(b, 16 + 4 + 4 + 4 + 8 + 1);
    lb_put(b, "Spec ID Event03", 16);
    lb_u32(b, 0);                     /* platformClass */
    lb_put(b, "\x00\x02\x00\x02", 4); /* minor, major, errata, uintnSize */
    lb_u32(b, 2);
    lb_u16(b, 0x0004);
    lb_u16(b, 20);
    lb_u16(b, 0x000B);
    lb_u16(b, 32);
    lb_put(b, "", 1); /* vendorInfoSize 0 */
}

/* Event with digests H(hashed) in both banks and data `data`. */
static inline void lb_event(struct logbuf *b, uint32_t pcr, uint32_t type, const void *hashed,
                            size_t hlen, const void *data, size_t dlen)
{
    uint8_t d1[20], d256[32];
    EVP_Digest(hashed, hlen, d1, NULL, EVP_sha1(), NULL);
    EVP_Digest(hashed, hlen, d256, NULL, EVP_sha256(), NULL);
    lb_u32(b, pcr);
    lb_u32(b, type);
    lb_u32(b, 2);
    lb_u16(b, 0x0004);
    lb_put(b, d1, 20);
    lb_u16(b, 0x000B);
    lb_put(b, d256, 32);
    lb_u32(b, (uint32_t)dlen);
    lb_put(b, data, dlen);
}

/* VendorGuids as UEFI_VARIABLE_DATA stores them: EFI_GLOBAL_VARIABLE, EFI_IMAGE_SECURITY_DATABASE. */
static const uint8_t efi_global_guid[16] = {0x61, 0xdf, 0xe4, 0x8b, 0xca, 0x93, 0xd2, 0x11,
                                            0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c};
static const uint8_t efi_security_db_guid[16] = {0xcb, 0xb2, 0x19, 0xd7, 0x3a, 0x3d, 0x96, 0x45,
                                                 0xa3, 0xbc, 0xda, 0xd0, 0x0e, 0x67, 0x65, 0x6f};

/* UEFI_VARIABLE_DATA with a given VendorGuid, an ASCII name and a value. */
static inline size_t efi_var_guid(uint8_t *out, const uint8_t guid[16], const char *name,
                                  const uint8_t *val, size_t vlen)
{
    size_t n = strlen(name), o = 0;
    memcpy(out, guid, 16);
    o = 16;
    uint64_t nl = n, vl = vlen;
    memcpy(out + o, &nl, 8);
    memcpy(out + o + 8, &vl, 8);
    o += 16;
    for (size_t i = 0; i < n; i++) {
        out[o++] = (uint8_t)name[i];
        out[o++] = 0;
    }
    memcpy(out + o, val, vlen);
    return o + vlen;
}

/* The same with the VendorGuid UEFI gives the name (db, dbx: security database; others global). */
static inline size_t efi_var(uint8_t *out, const char *name, const uint8_t *val, size_t vlen)
{
    bool sdb = strcmp(name, "db") == 0 || strcmp(name, "dbx") == 0;
    return efi_var_guid(out, sdb ? efi_security_db_guid : efi_global_guid, name, val, vlen);
}
