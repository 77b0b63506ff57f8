/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/tpm-alg.h"
#include "log/eventlog.h"

/* Bounded little-endian reader: every read checks the remaining length first. */
struct reader {
    const uint8_t *buf;
    size_t len;
    size_t pos;
};

static size_t reader_left(const struct reader *r)
{
    return r->len - r->pos;
}

static int read_u8(struct reader *r, uint8_t *v)
{
    if (reader_left(r) < 1)
        return -EBADMSG;
    *v = r->buf[r->pos++];
    return 0;
}

static int read_u16(struct reader *r, uint16_t *v)
{
    if (reader_left(r) < 2)
        return -EBADMSG;
    const uint8_t *p = r->buf + r->pos;
    *v = (uint16_t)(p[0] | (p[1] << 8));
    r->pos += 2;
    return 0;
}

static int read_u32(struct reader *r, uint32_t *v)
{
    if (reader_left(r) < 4)
        return -EBADMSG;
    const uint8_t *p = r->buf + r->pos;
    *v = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
    r->pos += 4;
    return 0;
}

static int read_bytes(struct reader *r, size_t n, const uint8_t **v)
{
    if (reader_left(r) < n)
        return -EBADMSG;
    *v = r->buf + r->pos;
    r->pos += n;
    return 0;
}

static const struct {
    uint32_t type;
    const char *name;
} type_names[] = {
    {EV_PREBOOT_CERT, "EV_PREBOOT_CERT"},
    {EV_POST_CODE, "EV_POST_CODE"},
    {0x2, "EV_UNUSED"},
    {EV_NO_ACTION, "EV_NO_ACTION"},
    {EV_SEPARATOR, "EV_SEPARATOR"},
    {EV_ACTION, "EV_ACTION"},
    {EV_EVENT_TAG, "EV_EVENT_TAG"},
    {EV_S_CRTM_CONTENTS, "EV_S_CRTM_CONTENTS"},
    {EV_S_CRTM_VERSION, "EV_S_CRTM_VERSION"},
    {EV_CPU_MICROCODE, "EV_CPU_MICROCODE"},
    {EV_PLATFORM_CONFIG_FLAGS, "EV_PLATFORM_CONFIG_FLAGS"},
    {EV_TABLE_OF_DEVICES, "EV_TABLE_OF_DEVICES"},
    {EV_COMPACT_HASH, "EV_COMPACT_HASH"},
    {EV_IPL, "EV_IPL"},
    {EV_IPL_PARTITION_DATA, "EV_IPL_PARTITION_DATA"},
    {EV_NONHOST_CODE, "EV_NONHOST_CODE"},
    {EV_NONHOST_CONFIG, "EV_NONHOST_CONFIG"},
    {EV_NONHOST_INFO, "EV_NONHOST_INFO"},
    {EV_OMIT_BOOT_DEVICE_EVENTS, "EV_OMIT_BOOT_DEVICE_EVENTS"},
    {EV_EFI_EVENT_BASE, "EV_EFI_EVENT_BASE"},
    {EV_EFI_VARIABLE_DRIVER_CONFIG, "EV_EFI_VARIABLE_DRIVER_CONFIG"},
    {EV_EFI_VARIABLE_BOOT, "EV_EFI_VARIABLE_BOOT"},
    {EV_EFI_BOOT_SERVICES_APPLICATION, "EV_EFI_BOOT_SERVICES_APPLICATION"},
    {EV_EFI_BOOT_SERVICES_DRIVER, "EV_EFI_BOOT_SERVICES_DRIVER"},
    {EV_EFI_RUNTIME_SERVICES_DRIVER, "EV_EFI_RUNTIME_SERVICES_DRIVER"},
    {EV_EFI_GPT_EVENT, "EV_EFI_GPT_EVENT"},
    {EV_EFI_ACTION, "EV_EFI_ACTION"},
    {EV_EFI_PLATFORM_FIRMWARE_BLOB, "EV_EFI_PLATFORM_FIRMWARE_BLOB"},
    {EV_EFI_HANDOFF_TABLES, "EV_EFI_HANDOFF_TABLES"},
    {EV_EFI_PLATFORM_FIRMWARE_BLOB2, "EV_EFI_PLATFORM_FIRMWARE_BLOB2"},
    {EV_EFI_HANDOFF_TABLES2, "EV_EFI_HANDOFF_TABLES2"},
    {EV_EFI_VARIABLE_BOOT2, "EV_EFI_VARIABLE_BOOT2"},
    {EV_EFI_HCRTM_EVENT, "EV_EFI_HCRTM_EVENT"},
    {EV_EFI_VARIABLE_AUTHORITY, "EV_EFI_VARIABLE_AUTHORITY"},
    {EV_EFI_SPDM_FIRMWARE_BLOB, "EV_EFI_SPDM_FIRMWARE_BLOB"},
    {EV_EFI_SPDM_FIRMWARE_CONFIG, "EV_EFI_SPDM_FIRMWARE_CONFIG"},
};

const char *eventlog_type_name(uint32_t type)
{
    for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
        if (type_names[i].type == type)
            return type_names[i].name;
    return "EV_UNKNOWN";
}

const struct eventlog_digest *eventlog_event_digest(const struct eventlog_event *ev,
                                                    TPM2_ALG_ID alg)
{
    for (uint32_t i = 0; i < ev->n_digests; i++)
        if (ev->digests[i].alg == alg)
            return &ev->digests[i];
    return NULL;
}

void eventlog_free(struct eventlog *log)
{
    if (!log)
        return;
    free(log->buf);
    free(log->events);
    free(log);
}

static const char spec_id_03[16] = "Spec ID Event03";
static const char startup_locality_sig[16] = "StartupLocality";

/* Legacy (SHA-1 format) event header: PCR, type, 20-byte digest, data size, data. */
static int parse_legacy_event(struct reader *r, struct eventlog_event *ev)
{
    ev->offset = r->pos;
    if (read_u32(r, &ev->pcr) < 0 || read_u32(r, &ev->type) < 0)
        return -EBADMSG;
    ev->n_digests = 1;
    ev->digests[0].alg = TPM2_ALG_SHA1;
    ev->digests[0].size = 20;
    if (read_bytes(r, 20, &ev->digests[0].bytes) < 0 || read_u32(r, &ev->data_size) < 0)
        return -EBADMSG;
    return read_bytes(r, ev->data_size, &ev->data);
}

/*
 * TCG_PCR_EVENT2: each digest of a Spec ID bank, each bank at most once, with
 * the Spec ID size. Fewer digests than banks is real (Windows measures its
 * PCR 11-14 events into SHA-256 only): the missing banks of that PCR become
 * unreplayable, never guessed. More digests than banks is an error.
 */
static int parse_event2(struct reader *r, const struct eventlog *log, struct eventlog_event *ev)
{
    uint32_t count;

    ev->offset = r->pos;
    if (read_u32(r, &ev->pcr) < 0 || read_u32(r, &ev->type) < 0 || read_u32(r, &count) < 0)
        return -EBADMSG;
    if (count == 0 || count > log->n_algs)
        return -EBADMSG;
    ev->n_digests = count;
    uint32_t seen = 0;
    for (uint32_t i = 0; i < count; i++) {
        uint16_t alg;
        if (read_u16(r, &alg) < 0)
            return -EBADMSG;
        uint32_t k = 0;
        while (k < log->n_algs && log->algs[k].alg != alg)
            k++;
        if (k == log->n_algs || (seen & (1u << k)))
            return -EBADMSG;
        seen |= 1u << k;
        ev->digests[i].alg = alg;
        ev->digests[i].size = log->algs[k].size;
        if (read_bytes(r, log->algs[k].size, &ev->digests[i].bytes) < 0)
            return -EBADMSG;
    }
    if (read_u32(r, &ev->data_size) < 0)
        return -EBADMSG;
    return read_bytes(r, ev->data_size, &ev->data);
}

/* TCG_EfiSpecIDEventStruct after its 16-byte signature. */
static int parse_spec_id(const struct eventlog_event *ev, struct eventlog *log)
{
    struct reader r = {.buf = ev->data, .len = ev->data_size, .pos = 16};
    uint32_t platform_class, n;
    uint8_t minor, major, errata, uintn, vendor_size;
    const uint8_t *vendor;

    if (read_u32(&r, &platform_class) < 0 || read_u8(&r, &minor) < 0 || read_u8(&r, &major) < 0 ||
        read_u8(&r, &errata) < 0 || read_u8(&r, &uintn) < 0 || read_u32(&r, &n) < 0)
        return -EBADMSG;
    if (major != 2 || n == 0 || n > EVENTLOG_MAX_BANKS)
        return -EBADMSG;
    log->n_algs = n;
    for (uint32_t i = 0; i < n; i++) {
        uint16_t alg, size;
        if (read_u16(&r, &alg) < 0 || read_u16(&r, &size) < 0)
            return -EBADMSG;
        /* Unknown algorithms are carried with the size the log declares. */
        if (size == 0 || size > 1024)
            return -EBADMSG;
        size_t known = tpm_alg_digest_size(alg);
        if (known && known != size)
            return -EBADMSG;
        for (uint32_t k = 0; k < i; k++)
            if (log->algs[k].alg == alg)
                return -EBADMSG;
        log->algs[i].alg = alg;
        log->algs[i].size = size;
    }
    if (read_u8(&r, &vendor_size) < 0 || read_bytes(&r, vendor_size, &vendor) < 0)
        return -EBADMSG;
    /* Trailing bytes inside the Spec ID event would be data no one interprets. */
    return reader_left(&r) == 0 ? 0 : -EBADMSG;
}

static int events_push(struct eventlog *log, size_t *cap, const struct eventlog_event *ev)
{
    if (log->n_events == *cap) {
        size_t ncap = *cap ? *cap * 2 : 64;
        struct eventlog_event *n = reallocarray(log->events, ncap, sizeof(*n));
        if (!n)
            return -ENOMEM;
        log->events = n;
        *cap = ncap;
    }
    log->events[log->n_events++] = *ev;
    return 0;
}

static void note_special(struct eventlog *log, const struct eventlog_event *ev)
{
    if (ev->type == EV_EFI_HCRTM_EVENT)
        log->has_hcrtm = true;
    if (ev->type == EV_NO_ACTION && ev->pcr == 0 && ev->data_size == 17 &&
        memcmp(ev->data, startup_locality_sig, 16) == 0) {
        log->has_startup_locality = true;
        log->startup_locality = ev->data[16];
    }
}

static int parse_all(struct eventlog *log, size_t *ret_bad_offset)
{
    struct reader r = {.buf = log->buf, .len = log->len, .pos = 0};
    struct eventlog_event first = {0};
    size_t cap = 0;
    int k;

    size_t at = 0;
    if (parse_legacy_event(&r, &first) < 0)
        goto bad;
    if (first.type == EV_NO_ACTION && first.data_size >= 16 &&
        memcmp(first.data, spec_id_03, 16) == 0) {
        log->crypto_agile = true;
        if (parse_spec_id(&first, log) < 0)
            goto bad;
    } else {
        log->n_algs = 1;
        log->algs[0].alg = TPM2_ALG_SHA1;
        log->algs[0].size = 20;
    }
    k = events_push(log, &cap, &first);
    if (k < 0)
        return k;
    note_special(log, &first);

    while (reader_left(&r) > 0) {
        struct eventlog_event ev = {0};
        at = r.pos;
        if ((log->crypto_agile ? parse_event2(&r, log, &ev) : parse_legacy_event(&r, &ev)) < 0)
            goto bad;
        k = events_push(log, &cap, &ev);
        if (k < 0)
            return k;
        note_special(log, &ev);
    }
    return 0;
bad:
    if (ret_bad_offset)
        *ret_bad_offset = at;
    return -EBADMSG;
}

int eventlog_parse(const uint8_t *buf, size_t len, struct eventlog **ret, size_t *ret_bad_offset)
{
    if (len > EVENTLOG_MAX_SIZE)
        return -EFBIG;
    _cleanup_(eventlog_freep) struct eventlog *log = calloc(1, sizeof(*log));
    if (!log)
        return -ENOMEM;
    log->buf = malloc(len ? len : 1);
    if (!log->buf)
        return -ENOMEM;
    if (len)
        memcpy(log->buf, buf, len);
    log->len = len;

    int k = parse_all(log, ret_bad_offset);
    if (k < 0)
        return k;
    *ret = TAKE_PTR(log);
    return 0;
}
