/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Linux IMA measurement list (securityfs binary_runtime_measurements):
 * parse, replay per bank, accept a prefix, resume from a saved state.
 *
 * Templates: ima, ima-ng, ima-sig, ima-buf, ima-modsig; an unknown template
 * is accepted only when its template data is well formed (length-prefixed
 * fields that add up), since it can still be hashed and replayed.
 * Fields are little-endian when the kernel uses ima_canonical_fmt (and on
 * every little-endian machine); a big-endian native list is detected from
 * the first entry.
 *
 * Replay (per the entry's own PCR field, normally 10):
 *   SHA-1 bank: extend(template hash);
 *   other banks: extend(H_bank(template data exactly as stored)), except the
 *   old "ima" template: H_bank(digest || name zero-padded to 256 bytes);
 *   a violation (all-zero template hash) extends ff..ff of the bank's size.
 * The SHA-1 template hash of every non-violation entry is checked against
 * its template data, so a changed path or digest is caught in every bank.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tss2/tss2_tpm2_types.h>

#include "log/eventlog.h"

#define IMA_MAX_SIZE      (512u * 1024 * 1024)
#define IMA_MAX_BANKS     EVENTLOG_MAX_BANKS
#define IMA_TEMPLATE_HASH 20
#define IMA_PATH_MAX      4096

/* One parsed entry; pointers go into the list's buffer. */
struct ima_entry {
    size_t offset; /* byte offset of the entry in the input */
    uint32_t pcr;
    const uint8_t *template_hash; /* 20 bytes (SHA-1) */
    bool violation;               /* template hash all zero */
    char template_name[32];
    const uint8_t *data; /* template data as stored (what non-SHA-1 banks hash) */
    uint32_t data_len;
    /* Decoded fields (d/d-ng, n/n-ng); alg NULL-terminated name ("sha256"), "" for 'd'. */
    char digest_alg[16];
    const uint8_t *digest;
    uint32_t digest_len;
    const char *path; /* not NUL-terminated in the buffer: use path_len */
    uint32_t path_len;
    const uint8_t *sig; /* ima-sig / ima-modsig 'sig' field, NULL when absent or empty */
    uint32_t sig_len;
};

struct ima_list {
    uint8_t *buf; /* owned copy */
    size_t len;
    bool big_endian;
    size_t n_entries;
    struct ima_entry *entries;
    size_t trailing; /* bytes of an incomplete last entry, ignored (0 normally) */
};

/*
 * Parse a binary list. -EBADMSG with *ret_bad_offset on malformed input. An
 * incomplete last entry (input cut off) is not an error: the complete entries
 * are returned and l->trailing counts the ignored bytes; the list only grows,
 * so a verifier accepts a prefix anyway.
 */
int ima_parse(const uint8_t *buf, size_t len, struct ima_list **ret, size_t *ret_bad_offset);
void ima_list_free(struct ima_list *l);
static inline void ima_list_freep(struct ima_list **p)
{
    ima_list_free(*p);
}

/* Path of an entry as a new NUL-terminated string (NULs inside are refused: NULL). */
char *ima_entry_path(const struct ima_entry *e);

/*
 * Replay state: what was verified so far. Saved by the verifier after an
 * accepted attestation; void when the TPM's resetCount changed (a reboot
 * starts a new list).
 */
struct ima_state {
    uint64_t n_entries;   /* entries already verified (and evaluated by policy) */
    uint32_t reset_count; /* TPMS_CLOCK_INFO.resetCount of the quote that verified them */
    uint32_t n_banks;
    struct {
        TPM2_ALG_ID alg;
        uint16_t size;
        uint32_t extended; /* bit n: PCR n extended by IMA */
        uint8_t pcr[EVENTLOG_NUM_PCRS][EVENTLOG_MAX_DIGEST];
    } banks[IMA_MAX_BANKS];
};

/* Fresh state (no entry) replaying the given banks. -EINVAL on an unknown/duplicate bank. */
int ima_state_init(struct ima_state *s, const TPM2_ALG_ID *algs, uint32_t n_algs,
                   uint32_t reset_count);
/* JSON text for storage ({"entries":N,"reset_count":R,"banks":{"sha256":{"10":"hex"}}}). */
char *ima_state_to_json(const struct ima_state *s);
int ima_state_from_json(const char *json, struct ima_state *ret);

/* Replay every entry of l (all of them) onto s, without comparing. */
int ima_replay_all(const struct ima_list *l, struct ima_state *s);

struct ima_result {
    bool ok;            /* a prefix replays to the quoted PCRs */
    uint64_t verified;  /* entries verified in total (saved state + this list's prefix) */
    size_t new_entries; /* entries of this list in the verified prefix */
    size_t bad_entry;   /* index in this list of the first entry whose template hash is wrong */
    bool bad_template_hash;
    struct ima_state state; /* state after the verified prefix: save it when the verdict passes */
};

/*
 * Verify a list against quoted PCRs. start: the saved state (its entries are
 * not in l: l holds only the new ones), or NULL to start from zero with the
 * quoted banks. Accepts the shortest prefix of l after which every quoted
 * PCR that IMA extends equals the replay in every quoted bank (the list only
 * grows and is read after the quote). When start->reset_count differs from
 * reset_count, returns -ESTALE: the caller must send the whole list.
 */
int ima_verify(const struct ima_list *l, const struct ima_state *start, uint32_t reset_count,
               const struct pcr_values *q, struct ima_result *ret);

enum ima_boot_aggregate_status {
    IMA_BA_OK = 0,
    IMA_BA_MISMATCH,
    IMA_BA_MISSING,     /* first entry is not boot_aggregate */
    IMA_BA_NOT_QUOTED,  /* the quote lacks the bank or PCRs (0-7 SHA-1 form, 0-9 otherwise) */
    IMA_BA_UNSUPPORTED, /* unknown hash in its d-ng prefix */
};
/*
 * Check the boot_aggregate entry (first of the list) against quoted PCRs:
 * SHA-1 form ('ima' template or "sha1:" prefix) = SHA1(PCR0..7 of the sha1
 * bank); any other form = H(PCR0..9 of bank H), H named by the prefix.
 */
enum ima_boot_aggregate_status ima_check_boot_aggregate(const struct ima_entry *e,
                                                        const struct pcr_values *q);
const char *ima_boot_aggregate_status_name(enum ima_boot_aggregate_status s);

/*
 * The ascii list (ascii_runtime_measurements), line by line: the fields as
 * printed. ima_parse_ascii_list is what callers judge.
 */
struct ima_ascii_entry {
    size_t line; /* 1-based line number */
    uint32_t pcr;
    char *template_hash_hex;
    char template_name[32];
    char digest_alg[16];
    char *digest_hex; /* lowercase */
    char *path;
    char *
        extra_hex; /* sig (ima-sig, ima-modsig) or buf (ima-buf); "" when empty, NULL when absent */
};
int ima_parse_ascii(const char *text, size_t len, struct ima_ascii_entry **ret, size_t *ret_n,
                    size_t *ret_bad_line);
void ima_ascii_free(struct ima_ascii_entry *e, size_t n);

/*
 * The ascii list as a binary list: every line's template data rebuilt from
 * its fields, and the SHA-1 template hash of every non-violation entry
 * checked against that data. -EBADMSG with *ret_bad_line (1-based) when a
 * line is malformed, its template hash is not SHA-1, its template is not
 * ima, ima-ng, ima-sig or ima-buf, or the rebuilt data does not hash to its
 * template hash (a changed field, a path with a newline, a big-endian
 * kernel without ima_canonical_fmt). docs/policy.md says what is checked.
 */
int ima_parse_ascii_list(const char *text, size_t len, struct ima_list **ret, size_t *ret_bad_line);

/*
 * Check the SHA-1 template hash of every non-violation entry against its
 * template data. -EBADMSG with *ret_bad_entry on the first that differs.
 */
int ima_list_check_template_hashes(const struct ima_list *l, size_t *ret_bad_entry);
