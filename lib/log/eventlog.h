/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * TCG PC Client Platform Firmware Profile event log: parse, replay, compare
 * with quoted PCR values, and extract the boot facts a policy may read.
 *
 * Both formats are parsed: crypto-agile (first event a SHA-1-format
 * EV_NO_ACTION "Spec ID Event03" listing the banks and digest sizes, then
 * TCG_PCR_EVENT2) and the legacy SHA-1-only format (TCG_PCClientPCREvent).
 * The parser never reads past the buffer, never recurses, and treats any
 * disagreement with the Spec ID event (more digests than banks, an algorithm
 * it does not list, a bank twice) as an error (-EBADMSG) with the byte offset
 * of the offending event; digest sizes come from the Spec ID event. Fewer
 * digests than banks is accepted (Windows logs) and makes the missing banks
 * of that PCR unreplayable.
 *
 * Event content is untrusted: only the digests are bound by the TPM. Anything
 * read from event data (boot facts) is checked against the event's digests
 * first; see eventlog_facts.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tss2/tss2_tpm2_types.h>

#include "common/pcr-values.h"

#define EVENTLOG_MAX_BANKS  8  /* distinct algorithms accepted in a Spec ID event */
#define EVENTLOG_NUM_PCRS   24 /* PCR 0-23 */
#define EVENTLOG_MAX_DIGEST 64 /* largest digest we replay (SHA-512) */
#define EVENTLOG_MAX_SIZE   (64u * 1024 * 1024)

/* Event types (TCG PC Client PFP, section 10.4.1) that the code names. */
#define EV_PREBOOT_CERT                  0x00000000u
#define EV_POST_CODE                     0x00000001u
#define EV_NO_ACTION                     0x00000003u
#define EV_SEPARATOR                     0x00000004u
#define EV_ACTION                        0x00000005u
#define EV_EVENT_TAG                     0x00000006u
#define EV_S_CRTM_CONTENTS               0x00000007u
#define EV_S_CRTM_VERSION                0x00000008u
#define EV_CPU_MICROCODE                 0x00000009u
#define EV_PLATFORM_CONFIG_FLAGS         0x0000000Au
#define EV_TABLE_OF_DEVICES              0x0000000Bu
#define EV_COMPACT_HASH                  0x0000000Cu
#define EV_IPL                           0x0000000Du
#define EV_IPL_PARTITION_DATA            0x0000000Eu
#define EV_NONHOST_CODE                  0x0000000Fu
#define EV_NONHOST_CONFIG                0x00000010u
#define EV_NONHOST_INFO                  0x00000011u
#define EV_OMIT_BOOT_DEVICE_EVENTS       0x00000012u
#define EV_EFI_EVENT_BASE                0x80000000u
#define EV_EFI_VARIABLE_DRIVER_CONFIG    0x80000001u
#define EV_EFI_VARIABLE_BOOT             0x80000002u
#define EV_EFI_BOOT_SERVICES_APPLICATION 0x80000003u
#define EV_EFI_BOOT_SERVICES_DRIVER      0x80000004u
#define EV_EFI_RUNTIME_SERVICES_DRIVER   0x80000005u
#define EV_EFI_GPT_EVENT                 0x80000006u
#define EV_EFI_ACTION                    0x80000007u
#define EV_EFI_PLATFORM_FIRMWARE_BLOB    0x80000008u
#define EV_EFI_HANDOFF_TABLES            0x80000009u
#define EV_EFI_PLATFORM_FIRMWARE_BLOB2   0x8000000Au
#define EV_EFI_HANDOFF_TABLES2           0x8000000Bu
#define EV_EFI_VARIABLE_BOOT2            0x8000000Cu
#define EV_EFI_HCRTM_EVENT               0x80000010u
#define EV_EFI_VARIABLE_AUTHORITY        0x800000E0u
#define EV_EFI_SPDM_FIRMWARE_BLOB        0x800000E1u
#define EV_EFI_SPDM_FIRMWARE_CONFIG      0x800000E2u

/* Name of an event type ("EV_SEPARATOR"); "EV_UNKNOWN" when not known. */
const char *eventlog_type_name(uint32_t type);

/* One digest of an event; bytes point into the log's buffer. */
struct eventlog_digest {
    TPM2_ALG_ID alg;
    uint16_t size;
    const uint8_t *bytes;
};

struct eventlog_event {
    size_t offset; /* byte offset of the event's header in the log */
    uint32_t pcr;
    uint32_t type;
    uint32_t n_digests;
    struct eventlog_digest digests[EVENTLOG_MAX_BANKS];
    uint32_t data_size;
    const uint8_t *data; /* event data, untrusted (see eventlog_event_data_bound) */
};

struct eventlog_alg {
    TPM2_ALG_ID alg;
    uint16_t size; /* digest size from the Spec ID event */
};

struct eventlog {
    uint8_t *buf; /* owned copy of the log bytes */
    size_t len;
    bool crypto_agile; /* false: legacy SHA-1 format */
    uint32_t n_algs;   /* banks of the log (crypto-agile: from Spec ID; legacy: sha1) */
    struct eventlog_alg algs[EVENTLOG_MAX_BANKS];
    bool has_startup_locality; /* a StartupLocality EV_NO_ACTION event was seen */
    uint8_t startup_locality;
    bool has_hcrtm;  /* an EV_EFI_HCRTM_EVENT was seen */
    size_t n_events; /* every event, including the Spec ID header event */
    struct eventlog_event *events;
};

/*
 * Parse a log. On a malformed log returns -EBADMSG and, when ret_bad_offset is
 * non-NULL, the byte offset of the event that could not be parsed.
 * -EFBIG above EVENTLOG_MAX_SIZE, -ENOMEM.
 */
int eventlog_parse(const uint8_t *buf, size_t len, struct eventlog **ret, size_t *ret_bad_offset);
void eventlog_free(struct eventlog *log);
static inline void eventlog_freep(struct eventlog **p)
{
    eventlog_free(*p);
}

/* Digest of an event in a bank; NULL when the event carries none for it. */
const struct eventlog_digest *eventlog_event_digest(const struct eventlog_event *ev,
                                                    TPM2_ALG_ID alg);

/* Replayed PCRs of one bank. */
struct eventlog_bank {
    TPM2_ALG_ID alg;
    uint16_t size;
    uint32_t extended;   /* bit n: the log extends PCR n in this bank */
    uint32_t incomplete; /* bit n: an event of PCR n lacks this bank's digest */
    uint8_t pcr[EVENTLOG_NUM_PCRS][EVENTLOG_MAX_DIGEST];
    uint8_t initial[EVENTLOG_NUM_PCRS][EVENTLOG_MAX_DIGEST]; /* value before the first extend */
};

struct eventlog_replay {
    uint32_t n_banks;
    struct eventlog_bank banks[EVENTLOG_MAX_BANKS];
};

/*
 * Replay every bank of the log that OpenSSL can compute (sha1, sha256,
 * sha384, sha512, sm3_256 where the provider has it); banks it cannot hash
 * are skipped. EV_NO_ACTION events are not extended. An event without a
 * digest for a bank makes that PCR "incomplete" in that bank (its value is
 * meaningless, and a quote comparison fails it). PCR 0 starts at
 * 00..0L with L the StartupLocality, or 00..04 when the log has an
 * EV_EFI_HCRTM_EVENT and no StartupLocality event. PCRs 17-22 start at
 * ff..ff (dynamic PCRs) and 0..16, 23 at zero.
 */
int eventlog_replay(const struct eventlog *log, struct eventlog_replay *ret);
const struct eventlog_bank *eventlog_replay_bank(const struct eventlog_replay *r, TPM2_ALG_ID alg);

enum eventlog_pcr_status {
    EVENTLOG_PCR_MATCH = 0,    /* log extends it, equal to the replay */
    EVENTLOG_PCR_MISMATCH,     /* log extends it, differs from the replay */
    EVENTLOG_PCR_INITIAL,      /* firmware-owned, never extended, equals its initial value */
    EVENTLOG_PCR_NOT_INITIAL,  /* firmware-owned, never extended, differs from its initial value */
    EVENTLOG_PCR_NOT_COVERED,  /* OS-owned and not in the log: other logs (IMA) cover it */
    EVENTLOG_PCR_NO_BANK,      /* the quoted bank is not in the log: cannot be replayed */
    EVENTLOG_PCR_UNREPLAYABLE, /* an event of this PCR lacks this bank's digest */
};

struct eventlog_pcr_result {
    TPM2_ALG_ID alg;
    uint32_t pcr;
    enum eventlog_pcr_status status;
    uint16_t size;
    uint8_t quoted[EVENTLOG_MAX_DIGEST];
    uint8_t replayed[EVENTLOG_MAX_DIGEST];
};

struct eventlog_compare {
    bool ok; /* every result acceptable and no unquoted_banks failure */
    uint32_t n_results;
    struct eventlog_pcr_result results[TPM2_NUM_PCR_BANKS * EVENTLOG_NUM_PCRS];
    uint32_t n_unquoted_banks; /* banks of the log the quote does not cover */
    TPM2_ALG_ID unquoted_banks[EVENTLOG_MAX_BANKS];
};

/* PCRs 0-7 are firmware-owned by default; the policy can name more. */
#define EVENTLOG_FIRMWARE_PCRS 0x000000FFu

/*
 * Compare quoted values to the replay. Every quoted PCR the log extends must
 * equal its replay; a firmware-owned PCR (bit set in firmware_pcrs) the log
 * never extends must equal its initial value; other PCRs are NOT_COVERED.
 * A quoted bank the log lacks gives NO_BANK for firmware-owned PCRs (a
 * failure) and NOT_COVERED for the others.
 * When require_all_banks, every bank of the log must be quoted (CVE-2021-42299,
 * "TPM Carte Blanche": a bank left unextended by firmware can be forged later,
 * so every active bank is quoted and replayed from the same log).
 * Quoted values come in selection order (lib/common/pcr-values.h); -EBADMSG when
 * q is not consistent (pcr_values_check).
 */
int eventlog_compare(const struct eventlog_replay *replay, const struct pcr_values *q,
                     uint32_t firmware_pcrs, bool require_all_banks, struct eventlog_compare *ret);

/* True for statuses that fail the check. */
bool eventlog_pcr_status_failed(enum eventlog_pcr_status s);
const char *eventlog_pcr_status_name(enum eventlog_pcr_status s);

/*
 * Whether an event's content is bound by its digests, per the rules of the
 * event type and the firmware variants seen in real logs:
 *   EV_SEPARATOR, EV_EFI_ACTION, EV_ACTION, EV_EFI_VARIABLE_DRIVER_CONFIG,
 *   EV_EFI_VARIABLE_AUTHORITY: H(data);
 *   EV_EFI_VARIABLE_BOOT/BOOT2: H(data) or H(VariableData);
 *   EV_IPL in PCR 8 and 12: H(data), H(data without trailing NUL), or GRUB's
 *   "grub_cmd: "/"kernel_cmdline: " (upstream) or "grub_cmd "/
 *   "grub_kernel_cmdline " (RHEL) text after the prefix, with or without the
 *   NUL; EV_IPL elsewhere (PCR 9: files GRUB read; PCR 14: shim's MOK lists)
 *   names an object whose content the digest covers: NOT_CONTENT.
 * BOUND: every digest of the event matches; UNBOUND: at least one does not;
 * NOT_CONTENT: the type's digest covers something else (an image, a table).
 */
enum eventlog_binding {
    EVENTLOG_BOUND = 0,
    EVENTLOG_UNBOUND,
    EVENTLOG_NOT_CONTENT,
};
enum eventlog_binding eventlog_event_data_bound(const struct eventlog_event *ev);

/*
 * Boot facts a measured-boot policy reads. Values are extracted only from
 * events whose content is bound (see above); an unbound content event is
 * counted in n_unbound and its index listed (up to EVENTLOG_MAX_UNBOUND; the
 * list is for reports, the count is complete).
 * Digest facts are event indices: the policy compares their digests.
 *
 * A fact is never read from a partial view: what could not be read is
 * counted, and the policy fails a rule on it.
 *  - Secure Boot variables (EVENTLOG_VAR_*, identified by VendorGuid and
 *    UnicodeName) count only as the firmware measures them: the first
 *    EV_EFI_VARIABLE_DRIVER_CONFIG of PCR 7 before PCR 7's separator. A later
 *    measurement with other content, one after the separator, or one whose
 *    content is unbound sets the variable's bit in var_conflict (and
 *    secure_boot is then UNKNOWN); an identical repeat before the separator
 *    is accepted.
 *  - Kernel command lines: every PCR 8 event either binds as text (a GRUB
 *    command line is then listed, up to EVENTLOG_MAX_CMDLINES) or is counted
 *    in n_cmdlines_dropped, as is a command line beyond the cap, longer than
 *    EVENTLOG_MAX_CMDLINE or holding a NUL.
 *  - Boot applications: apps lists the first EVENTLOG_MAX_APPS and
 *    n_apps_dropped counts the rest; the policy judges boot applications
 *    from the log itself, every one of them.
 */
#define EVENTLOG_MAX_UNBOUND  32
#define EVENTLOG_MAX_APPS     64
#define EVENTLOG_MAX_CMDLINE  4096
#define EVENTLOG_MAX_CMDLINES 32

enum eventlog_tristate { EVENTLOG_UNKNOWN = -1, EVENTLOG_OFF = 0, EVENTLOG_ON = 1 };

/* The Secure Boot variables a policy may name. */
enum eventlog_var {
    EVENTLOG_VAR_SECURE_BOOT = 0,
    EVENTLOG_VAR_PK,
    EVENTLOG_VAR_KEK,
    EVENTLOG_VAR_DB,
    EVENTLOG_VAR_DBX,
    EVENTLOG_N_VARS,
};

struct eventlog_facts {
    enum eventlog_tristate secure_boot; /* SecureBoot variable in PCR 7 */
    bool secure_boot_conflict;          /* its var_conflict bit */
    long var_event[EVENTLOG_N_VARS];    /* index of the firmware's measurement, -1 when absent */
    uint32_t var_conflict; /* bit EVENTLOG_VAR_x: measured again, late or unbound: unknown */
    uint32_t separators;   /* bit n: an EV_SEPARATOR was measured into PCR n */
    uint32_t n_apps;       /* EV_EFI_BOOT_SERVICES_APPLICATION events (index) */
    size_t apps[EVENTLOG_MAX_APPS];
    uint32_t n_apps_dropped;
    uint32_t n_cmdlines; /* kernel command lines the boot loader logged, bound */
    char *cmdlines[EVENTLOG_MAX_CMDLINES]; /* NUL-terminated, owned */
    size_t cmdline_events[EVENTLOG_MAX_CMDLINES];
    uint32_t n_cmdlines_dropped; /* PCR 8 events that could not be read as text or listed */
    uint32_t n_unbound;
    size_t unbound[EVENTLOG_MAX_UNBOUND];
};

/* Name of a variable as UEFI spells it ("SecureBoot", "PK", "db", ...). */
const char *eventlog_var_name(enum eventlog_var v);

int eventlog_facts_extract(const struct eventlog *log, struct eventlog_facts *ret);
void eventlog_facts_done(struct eventlog_facts *f); /* frees the strings; accepts zeroed */

/*
 * An operator's one-line description of an event (eventlog-describe.c): its
 * kind in the words of what measured it, the digest of bank, and for EFI
 * images the device path's file path, for GRUB the command or kernel command
 * line, for PCR 9 the file GRUB read. Text from the event data is the log's
 * word only (untrusted, bounded, non-ASCII shown as '?'). *ret malloc'ed.
 */
#define EVENTLOG_DESCRIBE_TEXT 512
int eventlog_event_describe(const struct eventlog_event *ev, TPM2_ALG_ID bank, char **ret);

/* The file path of a UEFI_IMAGE_LOAD_EVENT's device path ("\EFI\debian\shimx64.efi"). */
bool eventlog_image_path(const struct eventlog_event *ev, char *out, size_t size);
