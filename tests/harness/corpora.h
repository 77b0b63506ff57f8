/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * C tests of suite 'corpora' read ../shared/corpora in place through
 * $ATTEST_CORPORA (tests/meson.build sets it). Header-only so each test
 * executable just adds tests/harness to its include path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/*
 * The corpora directory when probe (a path inside it) is readable. Otherwise
 * the test cannot run: exit 77 (skip), or 1 when CI is set, as RULES.md asks.
 */
static inline const char *corpora_dir_or_skip(const char *probe)
{
    const char *dir = getenv("ATTEST_CORPORA");
    char path[4096];
    int n = dir ? snprintf(path, sizeof(path), "%s/%s", dir, probe) : -1;
    if (n < 0 || (size_t)n >= sizeof(path) || access(path, R_OK) != 0) {
        fprintf(stderr, "SKIP: corpora not found (ATTEST_CORPORA='%s')\n", dir ? dir : "");
        exit(getenv("CI") ? 1 : 77);
    }
    return dir;
}
