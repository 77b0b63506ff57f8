/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "common/cleanup.h"
#include "http/http-client.h"

struct http_client {
    struct http_client_opts opts;
    char *base_url;
    char *ca_file;
    char *user_agent;
    bool curl_global; /* curl_global_init() done: paired in http_client_free() */
    CURL *curl;
    char errbuf[CURL_ERROR_SIZE];
};

struct sink {
    char *buf;
    size_t len;
    size_t max;
    bool too_big;
};

void http_response_done(struct http_response *r)
{
    if (!r)
        return;
    free(r->body);
    *r = (struct http_response){0};
}

void http_client_free(struct http_client *c)
{
    if (!c)
        return;
    curl_easy_cleanup(c->curl);
    free(c->base_url);
    free(c->ca_file);
    free(c->user_agent);
    if (c->curl_global)
        curl_global_cleanup();
    free(c);
}

static int check_url(const char *url, bool allow_http, char *errbuf, size_t errlen)
{
    if (strncasecmp(url, "https://", 8) == 0)
        return 0;
    if (strncasecmp(url, "http://", 7) == 0) {
        if (allow_http)
            return 0;
        snprintf(errbuf, errlen, "verifier URL '%s' is plain http: refused unless allow_http = yes",
                 url);
        return -EINVAL;
    }
    snprintf(errbuf, errlen, "verifier URL '%s' is neither https:// nor http://", url);
    return -EINVAL;
}

int http_client_new(const struct http_client_opts *opts, struct http_client **ret, char *errbuf,
                    size_t errlen)
{
    if (!opts->base_url || !*opts->base_url) {
        snprintf(errbuf, errlen, "no verifier URL configured");
        return -EINVAL;
    }
    int r = check_url(opts->base_url, opts->allow_http, errbuf, errlen);
    if (r < 0)
        return r;
    _cleanup_(http_client_freep) struct http_client *c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return -ENOMEM;
    c->curl_global = true;
    c->opts = *opts;
    if (!c->opts.max_reply)
        c->opts.max_reply = HTTP_MAX_REPLY;
    size_t ulen = strlen(opts->base_url);
    while (ulen > 0 && opts->base_url[ulen - 1] == '/')
        ulen--;
    c->base_url = strndup(opts->base_url, ulen);
    c->ca_file = opts->ca_file ? strdup(opts->ca_file) : NULL;
    c->user_agent = opts->user_agent ? strdup(opts->user_agent) : NULL;
    c->curl = curl_easy_init();
    if (!c->base_url || (opts->ca_file && !c->ca_file) || (opts->user_agent && !c->user_agent) ||
        !c->curl)
        return -ENOMEM;
    c->opts.base_url = c->base_url;
    c->opts.ca_file = c->ca_file;
    c->opts.user_agent = c->user_agent;
    *ret = TAKE_PTR(c);
    return 0;
}

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *user)
{
    struct sink *s = user;
    size_t n = size * nmemb;
    if (s->len + n > s->max) {
        s->too_big = true;
        return 0; /* aborts the transfer */
    }
    char *b = realloc(s->buf, s->len + n + 1);
    if (!b)
        return 0;
    memcpy(b + s->len, ptr, n);
    s->buf = b;
    s->len += n;
    b[s->len] = 0;
    return n;
}

static int map_curl_error(CURLcode cc)
{
    switch (cc) {
    case CURLE_COULDNT_CONNECT:
        return -ECONNREFUSED;
    case CURLE_OPERATION_TIMEDOUT:
        return -ETIMEDOUT;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return -EHOSTUNREACH;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CONNECT_ERROR:
        return -EKEYREJECTED;
    case CURLE_OUT_OF_MEMORY:
        return -ENOMEM;
    case CURLE_UNSUPPORTED_PROTOCOL:
        return -EPROTONOSUPPORT;
    default:
        return -EPROTO;
    }
}

/* Header lines wiped before they are freed: they may carry a bearer token. */
static void headers_free(struct curl_slist *list)
{
    for (struct curl_slist *l = list; l; l = l->next)
        OPENSSL_cleanse(l->data, strlen(l->data));
    curl_slist_free_all(list);
}

static int headers_new(const char *const *extra, bool json, struct curl_slist **ret)
{
    struct curl_slist *list = NULL;
    if (json && !(list = curl_slist_append(list, "Content-Type: application/json")))
        return -ENOMEM;
    for (size_t i = 0; extra && extra[i]; i++) {
        struct curl_slist *l = curl_slist_append(list, extra[i]);
        if (!l) {
            headers_free(list);
            return -ENOMEM;
        }
        list = l;
    }
    *ret = list;
    return 0;
}

/* The method libcurl picks by itself: GET without a body, POST with one. */
static bool implied_method(const char *method, const char *body)
{
    return strcmp(method, body ? "POST" : "GET") == 0;
}

static int setup(struct http_client *c, const char *method, const char *url,
                 struct curl_slist *headers, const char *body, struct sink *sink)
{
    CURL *h = c->curl;
    curl_easy_reset(h);
    /* Any failure stops the request: TLS verification and the CA file must not be
     * silently left at something else. */
    CURLcode cc = CURLE_OK;
#define SET(opt, val)                                                                              \
    do {                                                                                           \
        if (cc == CURLE_OK)                                                                        \
            cc = curl_easy_setopt(h, opt, val);                                                    \
    } while (0)
    SET(CURLOPT_URL, url);
    SET(CURLOPT_ERRORBUFFER, c->errbuf);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_CONNECTTIMEOUT_MS, (long)c->opts.connect_timeout_ms);
    SET(CURLOPT_TIMEOUT_MS, (long)c->opts.request_timeout_ms);
    SET(CURLOPT_PROTOCOLS_STR, c->opts.allow_http ? "https,http" : "https");
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    if (c->opts.ca_file)
        SET(CURLOPT_CAINFO, c->opts.ca_file);
    SET(CURLOPT_WRITEFUNCTION, write_cb);
    SET(CURLOPT_WRITEDATA, sink);
    if (c->opts.user_agent)
        SET(CURLOPT_USERAGENT, c->opts.user_agent);
    if (headers)
        SET(CURLOPT_HTTPHEADER, headers);
    if (body) {
        SET(CURLOPT_POSTFIELDS, body);
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    }
    if (!implied_method(method, body))
        SET(CURLOPT_CUSTOMREQUEST, method);
#undef SET
    if (cc == CURLE_OK)
        return 0;
    snprintf(c->errbuf, sizeof(c->errbuf), "libcurl option refused: %s", curl_easy_strerror(cc));
    return cc == CURLE_OUT_OF_MEMORY ? -ENOMEM : -EPROTONOSUPPORT;
}

/* The transfer itself, once set up: 0 with *ret filled in, or a negative errno. */
static int perform(struct http_client *c, struct sink *sink, struct http_response *ret)
{
    CURLcode cc = curl_easy_perform(c->curl);
    if (cc != CURLE_OK) {
        if (sink->too_big)
            return -EFBIG;
        if (!c->errbuf[0])
            snprintf(c->errbuf, sizeof(c->errbuf), "%s", curl_easy_strerror(cc));
        return map_curl_error(cc);
    }
    long status = 0;
    if (curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK)
        return -EPROTO;
    if (!sink->buf && !(sink->buf = strdup("")))
        return -ENOMEM;
    *ret = (struct http_response){.status = status, .body = TAKE_PTR(sink->buf), .len = sink->len};
    return 0;
}

int http_send(struct http_client *c, const char *method, const char *path,
              const char *const *headers, const char *body, struct http_response *ret)
{
    _cleanup_free_ char *url = NULL;
    if (asprintf(&url, "%s%s", c->base_url, path) < 0)
        return -ENOMEM;
    struct curl_slist *list = NULL;
    int r = headers_new(headers, body != NULL, &list);
    if (r < 0)
        return r;
    struct sink sink = {.max = c->opts.max_reply};
    c->errbuf[0] = 0;
    r = setup(c, method, url, list, body, &sink);
    if (r == 0)
        r = perform(c, &sink, ret);
    /* The handle keeps a pointer to the list: drop it before the list goes. */
    curl_easy_reset(c->curl);
    headers_free(list);
    free(sink.buf);
    return r;
}

int http_request(struct http_client *c, const char *path, const char *body,
                 struct http_response *ret)
{
    return http_send(c, body ? "POST" : "GET", path, NULL, body, ret);
}

const char *http_client_last_error(const struct http_client *c)
{
    return c->errbuf;
}
