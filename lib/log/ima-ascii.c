/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "log/ima.h"

void ima_ascii_free(struct ima_ascii_entry *e, size_t n)
{
    if (!e)
        return;
    for (size_t i = 0; i < n; i++) {
        free(e[i].template_hash_hex);
        free(e[i].digest_hex);
        free(e[i].path);
        free(e[i].extra_hex);
    }
    free(e);
}

static bool is_hex(const char *s, size_t n)
{
    if (n == 0 || n % 2)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i]))
            return false;
    return true;
}

/* Next space-separated token of [*p, end); NULL when none. */
static const char *token(const char **p, const char *end, size_t *len)
{
    while (*p < end && **p == ' ')
        (*p)++;
    const char *t = *p;
    while (*p < end && **p != ' ')
        (*p)++;
    *len = (size_t)(*p - t);
    return *len ? t : NULL;
}

/* Templates whose last field the kernel prints as hex after the path (empty: nothing). */
static bool has_hex_tail(const char *template_name)
{
    return strcmp(template_name, "ima-sig") == 0 || strcmp(template_name, "ima-sigv2") == 0 ||
           strcmp(template_name, "ima-modsig") == 0 || strcmp(template_name, "ima-buf") == 0;
}

/*
 * "PCR TEMPLATE-HASH TEMPLATE FILE-DIGEST PATH [HEX]": the digest is
 * "alg:hex" (ima-ng and later) or bare hex (ima). Paths may contain spaces;
 * the kernel prints every field after a space, so the signature of
 * ima-sig/ima-modsig and the buffer of ima-buf are the last word, and an
 * empty one leaves the line ending in a space.
 */
static int parse_line(const char *s, const char *end, struct ima_ascii_entry *e)
{
    const char *p = s, *t;
    size_t n;
    char num[12];

    if (!(t = token(&p, end, &n)) || n >= sizeof(num))
        return -EBADMSG;
    memcpy(num, t, n);
    num[n] = 0;
    char *nend;
    unsigned long pcr = strtoul(num, &nend, 10);
    if (*nend || pcr >= EVENTLOG_NUM_PCRS)
        return -EBADMSG;
    e->pcr = (uint32_t)pcr;
    if (!(t = token(&p, end, &n)) || !is_hex(t, n))
        return -EBADMSG;
    if (!(e->template_hash_hex = strndup(t, n)))
        return -ENOMEM;
    if (!(t = token(&p, end, &n)) || n >= sizeof(e->template_name))
        return -EBADMSG;
    memcpy(e->template_name, t, n);
    e->template_name[n] = 0;
    if (!(t = token(&p, end, &n)))
        return -EBADMSG;
    const char *colon = memchr(t, ':', n);
    const char *hex = colon ? colon + 1 : t;
    size_t alen = colon ? (size_t)(colon - t) : 0;
    size_t hlen = n - (size_t)(hex - t);
    if (alen >= sizeof(e->digest_alg) || !is_hex(hex, hlen))
        return -EBADMSG;
    memcpy(e->digest_alg, t, alen);
    e->digest_alg[alen] = 0;
    if (p < end && *p == ' ')
        p++; /* one separator: a path may start with a space */
    const char *path_end = end;
    if (has_hex_tail(e->template_name)) {
        const char *sp = path_end;
        while (sp > p && sp[-1] != ' ')
            sp--;
        if (sp > p && (sp == path_end || is_hex(sp, (size_t)(path_end - sp)))) {
            if (!(e->extra_hex = strndup(sp, (size_t)(path_end - sp))))
                return -ENOMEM;
            path_end = sp - 1;
        }
    }
    if (path_end <= p)
        return -EBADMSG;
    e->digest_hex = strndup(hex, hlen);
    e->path = strndup(p, (size_t)(path_end - p));
    if (!e->digest_hex || !e->path)
        return -ENOMEM;
    for (char *c = e->digest_hex; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    return 0;
}

int ima_parse_ascii(const char *text, size_t len, struct ima_ascii_entry **ret, size_t *ret_n,
                    size_t *ret_bad_line)
{
    struct ima_ascii_entry *v = NULL;
    size_t n = 0, cap = 0, line = 0;
    const char *p = text, *end = text + len;

    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        line++;
        if (eol > p) {
            if (n == cap) {
                size_t ncap = cap ? cap * 2 : 64;
                struct ima_ascii_entry *nv = reallocarray(v, ncap, sizeof(*nv));
                if (!nv) {
                    ima_ascii_free(v, n);
                    return -ENOMEM;
                }
                v = nv;
                cap = ncap;
            }
            memset(&v[n], 0, sizeof(v[n]));
            v[n].line = line;
            int k = parse_line(p, eol, &v[n]);
            n++;
            if (k < 0) {
                ima_ascii_free(v, n);
                if (ret_bad_line)
                    *ret_bad_line = line;
                return k;
            }
        }
        p = eol + 1;
    }
    *ret = v;
    *ret_n = n;
    return 0;
}
