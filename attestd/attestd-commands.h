/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The commands of attestd. Each command file adds one declaration and one line
 * in ATTESTD_COMMANDS; keep one command (or group) per line so that parallel
 * additions merge cleanly.
 */
#include "attestd.h"

int attestd_version(int argc, char **argv);
int attestd_status(int argc, char **argv);
int attestd_attest(int argc, char **argv);
int attestd_enroll(int argc, char **argv);
int attestd_boot_prepare(int argc, char **argv);
int attestd_sign(int argc, char **argv);
int attestd_watch(int argc, char **argv);
int attestd_ak(int argc, char **argv);
int attestd_quote(int argc, char **argv);

/* clang-format off */
#define ATTESTD_COMMANDS \
    {"version", "print the version", attestd_version}, \
    {"status", "show the last attestation result", attestd_status}, \
    {"attest", "attest to the verifier, verify the verdict", attestd_attest}, \
    {"enroll", "enroll EK and AK with the verifier", attestd_enroll}, \
    {"boot-prepare", "initramfs: check the TPM identity, save the AK context", attestd_boot_prepare}, \
    {"sign", "sign a verifier challenge with the AK (proof of possession)", attestd_sign}, \
    {"watch", "daemon: re-attest periodically, stop the gate on failure", attestd_watch}, \
    {"ak", "create the AK, load it, activate a credential", attestd_ak}, \
    {"quote", "quote PCRs with a nonce (tpm2-tools file formats)", attestd_quote}, \

/* clang-format on */
