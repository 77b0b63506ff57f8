/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>

#include "policy/regex-cost.h"

/* Index past a bracket expression starting at s[i] == '[', or 0 when unterminated. */
static size_t skip_bracket(const char *s, size_t i)
{
    i++;
    if (s[i] == '^')
        i++;
    if (s[i] == ']') /* a ']' first is a literal */
        i++;
    for (; s[i]; i++) {
        if (s[i] == '[' && (s[i + 1] == ':' || s[i + 1] == '.' || s[i + 1] == '=')) {
            char kind = s[i + 1];
            for (i += 2; s[i] && !(s[i] == kind && s[i + 1] == ']'); i++)
                ;
            if (!s[i])
                return 0;
            i++;
        } else if (s[i] == ']') {
            return i + 1;
        }
    }
    return 0;
}

/* The copies an interval {m}, {m,} or {m,n} at s[*i] makes (at least 1); 0 when malformed. */
static size_t interval_copies(const char *s, size_t *i)
{
    const char *p = s + *i + 1;
    if (!isdigit((unsigned char)*p))
        return 0;
    char *end;
    unsigned long m = strtoul(p, &end, 10), n = m;
    if (*end == ',') {
        p = end + 1;
        if (isdigit((unsigned char)*p)) {
            n = strtoul(p, &end, 10);
        } else {
            n = m + 1; /* {m,}: m copies and a star */
            end = (char *)p;
        }
    }
    if (*end != '}' || n < m)
        return 0;
    *i = (size_t)(end - s);
    return n > 0 ? (size_t)n : 1;
}

static bool is_quantifier(char c)
{
    return c == '*' || c == '+' || c == '?' || c == '{';
}

size_t regex_cost(const char *s, size_t max_cost)
{
    size_t factor = 1, len = 0;
    bool quantified = false; /* the previous token was a quantifier */
    for (size_t i = 0; s[i]; i++, len++) {
        size_t copies = 1;
        /* "a+*", "a*+": undefined in POSIX, refused by Python's re (Keylime's), and
         * the nested empty loops they make are what regcomp is slowest at. */
        if (is_quantifier(s[i]) && quantified)
            return 0;
        quantified = is_quantifier(s[i]);
        if (s[i] == '\\') {
            if (!s[++i])
                return 0;
        } else if (s[i] == '[') {
            size_t next = skip_bracket(s, i);
            if (!next)
                return 0;
            i = next - 1;
        } else if (s[i] == '+') {
            copies = 2;
        } else if (s[i] == '{') {
            copies = interval_copies(s, &i);
            if (!copies)
                return 0;
        }
        if (factor > max_cost / copies)
            return max_cost + 1; /* past the bound: the exact value does not matter */
        factor *= copies;
    }
    return factor > max_cost / (len + 1) ? max_cost + 1 : factor * (len + 1);
}
