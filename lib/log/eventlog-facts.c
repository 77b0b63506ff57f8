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
        if (digests_bind(ev, ev->data, ev->data_size))
            return EVENTLOG_BOUND;
        if (ev->data_size > 0 && ev->data[ev->data_size - 1] == 0 &&
            digests_bind(ev, ev->data, ev->data_size - 1))
            return EVENTLOG_BOUND;
        return ipl_grub_binds(ev) ? EVENTLOG_BOUND : EVENTLOG_UNBOUND;
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

static void driver_config_fact(struct eventlog_facts *f, const struct eventlog_event *ev, size_t i)
{
    struct efi_var v;
    if (ev->pcr != 7 || efi_var_parse(ev, &v) < 0)
        return;
    if (efi_var_name_is(&v, "SecureBoot")) {
        enum eventlog_tristate sb =
            (v.value_len >= 1 && v.value[0] == 1) ? EVENTLOG_ON : EVENTLOG_OFF;
        /* Measured twice with different values: trust neither. */
        if (f->secure_boot_seen && f->secure_boot != sb)
            f->secure_boot_conflict = true;
        f->secure_boot_seen = true;
        f->secure_boot = f->secure_boot_conflict ? EVENTLOG_UNKNOWN : sb;
    } else if (efi_var_name_is(&v, "PK"))
        f->pk = (long)i;
    else if (efi_var_name_is(&v, "KEK"))
        f->kek = (long)i;
    else if (efi_var_name_is(&v, "db"))
        f->db = (long)i;
    else if (efi_var_name_is(&v, "dbx"))
        f->dbx = (long)i;
}

/*
 * "kernel_cmdline: TEXT" / "grub_kernel_cmdline TEXT" (GRUB) in PCR 8: the
 * text is the kernel path and its arguments.
 */
static int cmdline_fact(struct eventlog_facts *f, const struct eventlog_event *ev, size_t i)
{
    static const char prefix[] = "kernel_cmdline: ", old_prefix[] = "grub_kernel_cmdline ";
    size_t n = grub_prefix_len(ev);
    bool is_cmdline = (n == sizeof(prefix) - 1 && memcmp(ev->data, prefix, n) == 0) ||
                      (n == sizeof(old_prefix) - 1 && memcmp(ev->data, old_prefix, n) == 0);
    if (ev->pcr != 8 || !is_cmdline)
        return 0;
    if (f->n_cmdlines >= sizeof(f->cmdlines) / sizeof(f->cmdlines[0]))
        return 0;
    size_t len = ev->data_size - n;
    if (ev->data[ev->data_size - 1] == 0)
        len--;
    if (len > EVENTLOG_MAX_CMDLINE || memchr(ev->data + n, 0, len))
        return 0;
    char *s = strndup((const char *)ev->data + n, len);
    if (!s)
        return -ENOMEM;
    f->cmdline_events[f->n_cmdlines] = i;
    f->cmdlines[f->n_cmdlines++] = s;
    return 0;
}

int eventlog_facts_extract(const struct eventlog *log, struct eventlog_facts *f)
{
    memset(f, 0, sizeof(*f));
    f->secure_boot = EVENTLOG_UNKNOWN;
    f->pk = f->kek = f->db = f->dbx = -1;

    for (size_t i = 0; i < log->n_events; i++) {
        const struct eventlog_event *ev = &log->events[i];
        if (ev->type == EV_NO_ACTION)
            continue;
        /* The event type is not bound by the digest: a GRUB text in PCR 8 counts
         * as a command line whatever type the log claims, when its text binds. */
        if (ev->pcr == 8 && ev->type != EV_IPL && ipl_grub_binds(ev)) {
            int k = cmdline_fact(f, ev, i);
            if (k < 0) {
                eventlog_facts_done(f);
                return k;
            }
        }
        if (ev->type == EV_EFI_BOOT_SERVICES_APPLICATION) {
            if (f->n_apps < EVENTLOG_MAX_APPS)
                f->apps[f->n_apps++] = i;
            else
                f->n_apps_dropped++;
            continue;
        }
        enum eventlog_binding b = eventlog_event_data_bound(ev);
        if (b == EVENTLOG_UNBOUND) {
            note_unbound(f, i);
            continue;
        }
        if (b != EVENTLOG_BOUND)
            continue;
        if (ev->type == EV_SEPARATOR && ev->pcr < EVENTLOG_NUM_PCRS)
            f->separators |= 1u << ev->pcr;
        else if (ev->type == EV_EFI_VARIABLE_DRIVER_CONFIG)
            driver_config_fact(f, ev, i);
        else if (ev->type == EV_IPL) {
            int k = cmdline_fact(f, ev, i);
            if (k < 0) {
                eventlog_facts_done(f);
                return k;
            }
        }
    }
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
