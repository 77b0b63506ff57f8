/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The command groups of attestctl. Each line: declaration of the group's entry
 * point, and its entry in ATTESTCTL_GROUPS. Add one line per group file.
 */
#include "attestctl.h"

int attestctl_version(int argc, char **argv);
int attestctl_credential(int argc, char **argv);
int attestctl_quote(int argc, char **argv);
int attestctl_eventlog(int argc, char **argv);
int attestctl_ima(int argc, char **argv);
int attestctl_policy(int argc, char **argv);
int attestctl_machines(int argc, char **argv);
int attestctl_verifier(int argc, char **argv);
int attestctl_audit(int argc, char **argv);

/* One entry per line, each ending in a backslash; the comment closes the list. */
// clang-format off
#define ATTESTCTL_GROUPS \
    {"version", "print the version", attestctl_version}, \
    {"credential", "software MakeCredential for an EK and AK", attestctl_credential}, \
    {"quote", "verify a TPM2_Quote offline", attestctl_quote}, \
    {"eventlog", "firmware event log: show, replay, check", attestctl_eventlog}, \
    {"ima", "IMA measurement list (binary or ascii): replay, check", attestctl_ima}, \
    {"policy", "measured-boot and IMA policies: generate (ours or Keylime's format), check; capture, approve, history, show, rollback on the verifier", attestctl_policy}, \
    {"machines", "the verifier's machines: list, show, diff, approve, revoke, reset, policy set", attestctl_machines}, \
    {"verifier", "the verifier's verdict public key (pubkey)", attestctl_verifier}, \
    {"audit", "the verifier's audit log of admin actions", attestctl_audit}, \
    /* end of ATTESTCTL_GROUPS */
// clang-format on
