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

/* clang-format off */
#define ATTESTD_COMMANDS \
    {"version", "print the version", attestd_version}, \
    {"status", "show the last attestation result", attestd_status}, \

/* clang-format on */
