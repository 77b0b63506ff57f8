/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <tss2/tss2_tpm2_types.h>

/* The selection the agent quotes when the configuration names none. */
#define PCRSEL_DEFAULT "sha256:0-10"

/*
 * Parse a PCR selection in tpm2-tools syntax, banks separated by '+':
 * "sha256:0,1,2-10+sha1:0-7". PCR numbers 0-23, ranges with '-', no
 * duplicate bank, no empty bank. -EINVAL on anything else.
 * The result has sizeofSelect 3 (24 PCRs) for every bank.
 */
int pcrsel_parse(const char *s, TPML_PCR_SELECTION *ret);

/* Canonical text form ("sha256:0,1,2,3+sha1:0"); caller frees. NULL on ENOMEM or unknown bank. */
char *pcrsel_format(const TPML_PCR_SELECTION *sel);

/* True when both select exactly the same PCRs of the same banks in the same bank order. */
bool pcrsel_equal(const TPML_PCR_SELECTION *a, const TPML_PCR_SELECTION *b);

/* Number of PCRs selected over all banks. */
unsigned pcrsel_count(const TPML_PCR_SELECTION *sel);

/* True when PCR pcr of bank i of sel is selected. */
bool pcrsel_is_set(const TPMS_PCR_SELECTION *bank, unsigned pcr);

/* PCRs selected in bank hash (bit n = PCR n); 0 when sel lacks the bank. */
uint32_t pcrsel_bank_mask(const TPML_PCR_SELECTION *sel, TPM2_ALG_ID hash);
/* PCRs selected in any bank. */
uint32_t pcrsel_mask(const TPML_PCR_SELECTION *sel);
