/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One line per event for an operator: what the event is, in the words of the
 * firmware and boot loader that measured it ("EFI application, Authenticode
 * sha256:..., path \EFI\debian\grubx64.efi", "GRUB kernel command line
 * '...'"). The event data is untrusted: every length is checked against the
 * event, text is cut at EVENTLOG_DESCRIBE_TEXT bytes and anything not
 * printable ASCII is shown as '?'. Digests come from the event (bound by the
 * quote); a description's text is the log's word only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/hex.h"
#include "common/tpm-alg.h"
#include "log/eventlog.h"

#define IMAGE_LOAD_HEADER 32 /* ImageLocation, ImageLength, LinkTimeAddress, LengthOfDevicePath */
#define DP_MEDIA          0x04
#define DP_FILE_PATH      0x04
#define DP_END            0x7f

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static void put_char(char *out, size_t size, size_t *o, char c)
{
    if (*o + 1 < size) {
        out[(*o)++] = c;
        out[*o] = 0;
    }
}

/* The file path nodes of a UEFI_IMAGE_LOAD_EVENT's device path, joined; false if none. */
bool eventlog_image_path(const struct eventlog_event *ev, char *out, size_t size)
{
    size_t o = 0;
    if (size == 0)
        return false;
    out[0] = 0;
    if (!ev->data || ev->data_size < IMAGE_LOAD_HEADER)
        return false;
    uint64_t dp_len = le64(ev->data + 24);
    if (dp_len > ev->data_size - IMAGE_LOAD_HEADER)
        return false;
    const uint8_t *p = ev->data + IMAGE_LOAD_HEADER, *end = p + dp_len;
    bool found = false;
    while (end - p >= 4 && p[0] != DP_END) {
        size_t node = (size_t)p[2] | (size_t)p[3] << 8;
        if (node < 4 || node > (size_t)(end - p))
            return false;
        if (p[0] == DP_MEDIA && p[1] == DP_FILE_PATH) {
            if (found && o > 0 && out[o - 1] != '\\')
                put_char(out, size, &o, '\\');
            for (size_t i = 4; i + 1 < node; i += 2) {
                unsigned c = p[i] | (unsigned)p[i + 1] << 8;
                if (c == 0)
                    break;
                put_char(out, size, &o, c >= 0x20 && c < 0x7f ? (char)c : '?');
            }
            found = true;
        }
        p += node;
    }
    return found;
}

/* Event data as text when it is printable ASCII (trailing NULs dropped), cut. */
static bool data_text(const struct eventlog_event *ev, size_t skip, char *out, size_t size)
{
    size_t n = ev->data_size, o = 0;
    if (!ev->data || n <= skip || size == 0)
        return false;
    while (n > skip && ev->data[n - 1] == 0)
        n--;
    out[0] = 0;
    for (size_t i = skip; i < n; i++) {
        uint8_t c = ev->data[i];
        if (c < 0x20 || c >= 0x7f)
            return false;
        if (o + 4 >= size || i - skip >= EVENTLOG_DESCRIBE_TEXT) {
            put_char(out, size, &o, '.');
            put_char(out, size, &o, '.');
            put_char(out, size, &o, '.');
            break;
        }
        put_char(out, size, &o, (char)c);
    }
    return n > skip;
}

/* "sha256:hex" of the event's digest in bank, or "no sha256 digest". */
static int digest_text(const struct eventlog_event *ev, TPM2_ALG_ID bank, char **ret)
{
    const struct eventlog_digest *d = eventlog_event_digest(ev, bank);
    if (!d)
        return asprintf(ret, "no %s digest", tpm_alg_hash_name(bank)) < 0 ? -ENOMEM : 0;
    _cleanup_free_ char *hex = hex_encode(d->bytes, d->size);
    if (!hex || asprintf(ret, "%s:%s", tpm_alg_hash_name(bank), hex) < 0)
        return -ENOMEM;
    return 0;
}

static const char *const grub_prefixes[] = {"kernel_cmdline: ", "grub_kernel_cmdline ",
                                            "grub_cmd: ", "grub_cmd "};

/* PCR 8 (GRUB): a command or the kernel command line, as GRUB logged it. */
static int describe_grub(const struct eventlog_event *ev, const char *digest, char **ret)
{
    char text[EVENTLOG_DESCRIBE_TEXT + 8];
    for (size_t i = 0; i < sizeof(grub_prefixes) / sizeof(grub_prefixes[0]); i++) {
        size_t n = strlen(grub_prefixes[i]);
        if (ev->data_size < n || memcmp(ev->data, grub_prefixes[i], n) != 0 ||
            !data_text(ev, n, text, sizeof(text)))
            continue;
        bool cmdline = strstr(grub_prefixes[i], "kernel_cmdline") != NULL;
        return asprintf(ret, "GRUB %s '%s'", cmdline ? "kernel command line" : "command", text) < 0
                   ? -ENOMEM
                   : 0;
    }
    if (data_text(ev, 0, text, sizeof(text)))
        return asprintf(ret, "boot loader text '%s', %s", text, digest) < 0 ? -ENOMEM : 0;
    return asprintf(ret, "%s, %s", eventlog_type_name(ev->type), digest) < 0 ? -ENOMEM : 0;
}

int eventlog_event_describe(const struct eventlog_event *ev, TPM2_ALG_ID bank, char **ret)
{
    _cleanup_free_ char *digest = NULL;
    char text[EVENTLOG_DESCRIBE_TEXT + 8];
    int r = digest_text(ev, bank, &digest);
    if (r < 0)
        return r;
    *ret = NULL;
    if (ev->type == EV_EFI_BOOT_SERVICES_APPLICATION || ev->type == EV_EFI_BOOT_SERVICES_DRIVER ||
        ev->type == EV_EFI_RUNTIME_SERVICES_DRIVER) {
        bool path = eventlog_image_path(ev, text, sizeof(text));
        const char *what =
            ev->type == EV_EFI_BOOT_SERVICES_APPLICATION ? "EFI application" : "EFI driver";
        r = asprintf(ret, "%s, Authenticode %s, path %s", what, digest,
                     path ? text : "(none in the device path)");
    } else if (ev->pcr == 8 && ev->type == EV_IPL) {
        return describe_grub(ev, digest, ret);
    } else if (ev->pcr == 9 && ev->type == EV_IPL) {
        /* GRUB names each file it reads (kernel, initrd, grub.cfg, modules) */
        r = data_text(ev, 0, text, sizeof(text))
                ? asprintf(ret, "file read by the boot loader '%s', %s", text, digest)
                : asprintf(ret, "file read by the boot loader, %s", digest);
    } else if (ev->type == EV_SEPARATOR) {
        r = asprintf(ret, "separator, %s", digest);
    } else if (ev->type == EV_EFI_ACTION || ev->type == EV_ACTION) {
        r = data_text(ev, 0, text, sizeof(text)) ? asprintf(ret, "action '%s', %s", text, digest)
                                                 : asprintf(ret, "action, %s", digest);
    } else {
        r = asprintf(ret, "%s, %s", eventlog_type_name(ev->type), digest);
    }
    return r < 0 ? -ENOMEM : 0;
}
