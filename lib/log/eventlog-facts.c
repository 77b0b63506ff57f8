/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log/eventlog-hash.h"
#include "log/eventlog.h"

/* UEFI_VARIABLE_DATA: GUID, UINT64 name length (chars), UINT64 data length, name, data. */
struct efi_var {
    const uint8_t *guid;
    const uint8_t *name; /* UTF-16LE, name_chars characters */
    uint64_t name_chars;
    const uint8_t *value;
    uint64_t value_len;
};

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static int efi_var_parse(const struct eventlog_event *ev, struct efi_var *v)
{
    if (ev->data_size < 32)
        return -EBADMSG;
    v->guid = ev->data;
    v->name_chars = le64(ev->data + 16);
    v->value_len = le64(ev->data + 24);
    uint64_t left = ev->data_size - 32;
    /* No overflow: both lengths are checked against what is left before use. */
    if (v->name_chars > left / 2)
        return -EBADMSG;
    left -= v->name_chars * 2;
    if (v->value_len != left)
        return -EBADMSG;
    v->name = ev->data + 32;
    v->value = v->name + v->name_chars * 2;
    return 0;
}

/* Compare a UTF-16LE name with an ASCII string. */
static bool efi_var_name_is(const struct efi_var *v, const char *ascii)
{
    size_t n = strlen(ascii);
    if (v->name_chars != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (v->name[2 * i] != (uint8_t)ascii[i] || v->name[2 * i + 1] != 0)
            return false;
    return true;
}

/* VendorGuid as EFI_VARIABLE_DATA stores it (UEFI 2.x: little-endian fields). */
static const uint8_t efi_global_variable_guid[16] = {0x61, 0xdf, 0xe4, 0x8b, 0xca, 0x93,
                                                     0xd2, 0x11, 0xaa, 0x0d, 0x00, 0xe0,
                                                     0x98, 0x03, 0x2b, 0x8c};
static const uint8_t efi_image_security_database_guid[16] = {0xcb, 0xb2, 0x19, 0xd7, 0x3a, 0x3d,
                                                             0x96, 0x45, 0xa3, 0xbc, 0xda, 0xd0,
                                                             0x0e, 0x67, 0x65, 0x6f};

static const struct {
    const char *name;
    const uint8_t *guid;
} tracked_vars[EVENTLOG_N_VARS] = {
    [EVENTLOG_VAR_SECURE_BOOT] = {"SecureBoot", efi_global_variable_guid},
    [EVENTLOG_VAR_PK] = {"PK", efi_global_variable_guid},
    [EVENTLOG_VAR_KEK] = {"KEK", efi_global_variable_guid},
    [EVENTLOG_VAR_DB] = {"db", efi_image_security_database_guid},
    [EVENTLOG_VAR_DBX] = {"dbx", efi_image_security_database_guid},
};

const char *eventlog_var_name(enum eventlog_var v)
{
    return (unsigned)v < EVENTLOG_N_VARS ? tracked_vars[v].name : "?";
}

/* The tracked variable v is, by VendorGuid and UnicodeName both; -1 for none. */
static int tracked_var(const struct efi_var *v)
{
    for (int i = 0; i < EVENTLOG_N_VARS; i++)
        if (memcmp(v->guid, tracked_vars[i].guid, 16) == 0 &&
            efi_var_name_is(v, tracked_vars[i].name))
            return i;
    return -1;
}

/* Every digest of ev equals H(bytes) in its bank; banks OpenSSL lacks are ignored. */
static bool digests_bind(const struct eventlog_event *ev, const uint8_t *bytes, size_t len)
{
    bool any = false;
    for (uint32_t i = 0; i < ev->n_digests; i++) {
        uint8_t out[EVP_MAX_MD_SIZE];
        const struct eventlog_digest *d = &ev->digests[i];
        int k = evhash_once(d->alg, bytes, len, NULL, 0, out);
        if (k == -EOPNOTSUPP)
            continue;
        if (k < 0 || memcmp(out, d->bytes, d->size) != 0)
            return false;
        any = true;
    }
    return any;
}

/* Upstream GRUB 2.04+ uses the colon forms, older and distribution GRUBs the others. */
static const char *const grub_prefixes[] = {"grub_cmd: ", "kernel_cmdline: ", "grub_cmd ",
                                            "grub_kernel_cmdline "};

/* Length of the GRUB prefix of an EV_IPL text, 0 when it has none. */
static size_t grub_prefix_len(const struct eventlog_event *ev)
{
    for (size_t i = 0; i < sizeof(grub_prefixes) / sizeof(grub_prefixes[0]); i++) {
        size_t n = strlen(grub_prefixes[i]);
        if (ev->data_size > n && memcmp(ev->data, grub_prefixes[i], n) == 0)
            return n;
    }
    return 0;
}

/*
 * GRUB hashes the text after its prefix: upstream without the terminating
 * NUL, RHEL 8's GRUB with it.
 */
static bool ipl_grub_binds(const struct eventlog_event *ev)
{
    size_t n = grub_prefix_len(ev);
    if (n == 0)
        return false;
    size_t len = ev->data_size - n;
    if (digests_bind(ev, ev->data + n, len))
        return true;
    return ev->data[ev->data_size - 1] == 0 && digests_bind(ev, ev->data + n, len - 1);
}

/* A boot loader's text (EV_IPL in PCR 8 and 12): H(data), without its NUL, or GRUB's form. */
static bool ipl_text_binds(const struct eventlog_event *ev)
{
    if (digests_bind(ev, ev->data, ev->data_size))
        return true;
    if (ev->data_size > 0 && ev->data[ev->data_size - 1] == 0 &&
        digests_bind(ev, ev->data, ev->data_size - 1))
        return true;
    return ipl_grub_binds(ev);
}

enum eventlog_binding eventlog_event_data_bound(const struct eventlog_event *ev)
{
    struct efi_var v;

    switch (ev->type) {
    case EV_SEPARATOR:
    case EV_EFI_ACTION:
    case EV_ACTION:
    case EV_EFI_VARIABLE_DRIVER_CONFIG:
    case EV_EFI_VARIABLE_AUTHORITY:
        return digests_bind(ev, ev->data, ev->data_size) ? EVENTLOG_BOUND : EVENTLOG_UNBOUND;
    case EV_EFI_VARIABLE_BOOT:
    case EV_EFI_VARIABLE_BOOT2:
        if (digests_bind(ev, ev->data, ev->data_size))
            return EVENTLOG_BOUND;
        if (efi_var_parse(ev, &v) == 0 && digests_bind(ev, v.value, v.value_len))
            return EVENTLOG_BOUND;
        return EVENTLOG_UNBOUND;
    case EV_IPL:
        /* PCR 9 (files GRUB read) and 14 (shim's MOK lists): the digest covers
         * the object, the data only names it. */
        if (ev->pcr != 8 && ev->pcr != 12)
            return EVENTLOG_NOT_CONTENT;
        return ipl_text_binds(ev) ? EVENTLOG_BOUND : EVENTLOG_UNBOUND;
    default:
        return EVENTLOG_NOT_CONTENT;
    }
}

static void note_unbound(struct eventlog_facts *f, size_t i)
{
    if (f->n_unbound < EVENTLOG_MAX_UNBOUND)
        f->unbound[f->n_unbound] = i;
    f->n_unbound++;
}

static bool same_data(const struct eventlog_event *a, const struct eventlog_event *b)
{
    return a->data_size == b->data_size && memcmp(a->data, b->data, a->data_size) == 0;
}

/*
 * A Secure Boot variable counts as the firmware measures it: once, in PCR 7,
 * before PCR 7's separator. Anything else claiming to measure it (other
 * content, after the separator, content that does not bind) makes it unknown:
 * otherwise a boot application could log an "approved" dbx after the
 * firmware's own and the last one would be judged.
 */
static void var_fact(struct eventlog_facts *f, const struct eventlog *log, size_t i, bool bound,
                     bool pcr7_closed)
{
    const struct eventlog_event *ev = &log->events[i];
    struct efi_var v;
    if (ev->pcr != 7 || ev->type != EV_EFI_VARIABLE_DRIVER_CONFIG || efi_var_parse(ev, &v) < 0)
        return;
    int id = tracked_var(&v);
    if (id < 0)
        return;
    long first = f->var_event[id];
    if (!bound || pcr7_closed || (first >= 0 && !same_data(&log->events[first], ev)))
        f->var_conflict |= 1u << id;
    else if (first < 0)
        f->var_event[id] = (long)i;
}

/* SecureBoot's state from the firmware's measurement; UNKNOWN when absent or in conflict. */
static void secure_boot_fact(struct eventlog_facts *f, const struct eventlog *log)
{
    struct efi_var v;
    long i = f->var_event[EVENTLOG_VAR_SECURE_BOOT];
    f->secure_boot_conflict = f->var_conflict & (1u << EVENTLOG_VAR_SECURE_BOOT);
    f->secure_boot = EVENTLOG_UNKNOWN;
    if (f->secure_boot_conflict || i < 0 || efi_var_parse(&log->events[i], &v) < 0)
        return;
    f->secure_boot = (v.value_len >= 1 && v.value[0] == 1) ? EVENTLOG_ON : EVENTLOG_OFF;
}

/*
 * PCR 7's separator, by type or by content: the type is not bound, and a
 * separator retyped must not reopen PCR 7 to late variable measurements.
 * Closing it early only turns later variables into conflicts (failures).
 */
static bool pcr7_separator(const struct eventlog_event *ev)
{
    return ev->pcr == 7 && (ev->type == EV_SEPARATOR ||
                            (ev->data_size == 4 && digests_bind(ev, ev->data, ev->data_size)));
}

/*
 * "kernel_cmdline: TEXT" / "grub_kernel_cmdline TEXT" (GRUB) in PCR 8: the
 * text is the kernel path and its arguments. One that cannot be listed
 * (beyond the cap, too long, a NUL inside) is counted: a rule on command
 * lines must not pass on the ones it happened to keep.
 */
static int cmdline_fact(struct eventlog_facts *f, const struct eventlog_event *ev, size_t i)
{
    static const char prefix[] = "kernel_cmdline: ", old_prefix[] = "grub_kernel_cmdline ";
    size_t n = grub_prefix_len(ev);
    bool is_cmdline = (n == sizeof(prefix) - 1 && memcmp(ev->data, prefix, n) == 0) ||
                      (n == sizeof(old_prefix) - 1 && memcmp(ev->data, old_prefix, n) == 0);
    if (!is_cmdline)
        return 0;
    size_t len = ev->data_size - n;
    if (ev->data[ev->data_size - 1] == 0)
        len--;
    if (f->n_cmdlines >= EVENTLOG_MAX_CMDLINES || len > EVENTLOG_MAX_CMDLINE ||
        memchr(ev->data + n, 0, len)) {
        f->n_cmdlines_dropped++;
        return 0;
    }
    char *s = strndup((const char *)ev->data + n, len);
    if (!s)
        return -ENOMEM;
    f->cmdline_events[f->n_cmdlines] = i;
    f->cmdlines[f->n_cmdlines++] = s;
    return 0;
}

/*
 * Every PCR 8 event, whatever type the log claims (the type is not bound):
 * its text binds, and a GRUB command line is listed; or it does not, and it
 * is counted, because its text may be a command line rewritten after GRUB
 * measured it.
 */
static int pcr8_fact(struct eventlog_facts *f, const struct eventlog_event *ev, size_t i)
{
    if (!ipl_text_binds(ev)) {
        f->n_cmdlines_dropped++;
        return 0;
    }
    return cmdline_fact(f, ev, i);
}

static void app_fact(struct eventlog_facts *f, size_t i)
{
    if (f->n_apps < EVENTLOG_MAX_APPS)
        f->apps[f->n_apps++] = i;
    else
        f->n_apps_dropped++;
}

/* The facts of one event; pcr7_closed: PCR 7's separator came before it. */
static int event_facts(struct eventlog_facts *f, const struct eventlog *log, size_t i,
                       bool pcr7_closed)
{
    const struct eventlog_event *ev = &log->events[i];
    if (ev->pcr == 8) {
        int k = pcr8_fact(f, ev, i);
        if (k < 0)
            return k;
    }
    if (ev->type == EV_EFI_BOOT_SERVICES_APPLICATION) {
        app_fact(f, i);
        return 0;
    }
    enum eventlog_binding b = eventlog_event_data_bound(ev);
    if (b == EVENTLOG_UNBOUND)
        note_unbound(f, i);
    var_fact(f, log, i, b == EVENTLOG_BOUND, pcr7_closed);
    if (b == EVENTLOG_BOUND && ev->type == EV_SEPARATOR && ev->pcr < EVENTLOG_NUM_PCRS)
        f->separators |= 1u << ev->pcr;
    return 0;
}

int eventlog_facts_extract(const struct eventlog *log, struct eventlog_facts *f)
{
    memset(f, 0, sizeof(*f));
    for (int v = 0; v < EVENTLOG_N_VARS; v++)
        f->var_event[v] = -1;
    bool pcr7_closed = false;

    for (size_t i = 0; i < log->n_events; i++) {
        const struct eventlog_event *ev = &log->events[i];
        if (ev->type == EV_NO_ACTION)
            continue;
        int k = event_facts(f, log, i, pcr7_closed);
        if (k < 0) {
            eventlog_facts_done(f);
            return k;
        }
        pcr7_closed |= pcr7_separator(ev);
    }
    secure_boot_fact(f, log);
    return 0;
}

void eventlog_facts_done(struct eventlog_facts *f)
{
    if (!f)
        return;
    for (uint32_t i = 0; i < f->n_cmdlines; i++)
        free(f->cmdlines[i]);
    f->n_cmdlines = 0;
}
