/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>

/*
 * An upper bound of what compiling a POSIX extended regex costs, before
 * regcomp() sees it. glibc builds the regex tree by copying the repeated
 * part for every '+' (x+ is x x*) and every interval ({m,n} is up to n
 * copies), so the tree grows with the product of the repetitions: "a" and
 * seventy '+' exhaust any memory, and so does (a{255}){255}. The bound is
 * the pattern's length times that product, ignoring the nesting (an
 * overestimate, never an underestimate). Returns the bound, or 0 when the
 * pattern is not well formed enough to tell (an unterminated bracket or
 * interval) or stacks quantifiers ("a+*", "a{2}+"): the caller refuses it.
 */
size_t regex_cost(const char *pattern, size_t max_cost);
