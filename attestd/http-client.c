/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include <curl/curl.h>

#include "common/cleanup.h"
#include "config.h"
#include "http-client.h"

struct http_client {
    struct http_client_opts opts;
    char *base_url;
    char *ca_file;
    CURL *curl;
    struct curl_slist *headers;
    char errbuf[CURL_ERROR_SIZE];
};

struct sink {
    char *buf;
    size_t len;
    bool too_big;
};

uint64_t now_monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

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
    curl_slist_free_all(c->headers);
    free(c->base_url);
    free(c->ca_file);
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
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return -ENOMEM;

    _cleanup_(http_client_freep) struct http_client *c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    c->opts = *opts;
    size_t ulen = strlen(opts->base_url);
    while (ulen > 0 && opts->base_url[ulen - 1] == '/')
        ulen--;
    c->base_url = strndup(opts->base_url, ulen);
    c->ca_file = opts->ca_file ? strdup(opts->ca_file) : NULL;
    c->curl = curl_easy_init();
    c->headers = curl_slist_append(NULL, "Content-Type: application/json");
    if (!c->base_url || (opts->ca_file && !c->ca_file) || !c->curl || !c->headers)
        return -ENOMEM;
    c->opts.base_url = c->base_url;
    c->opts.ca_file = c->ca_file;
    *ret = TAKE_PTR(c);
    return 0;
}

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *user)
{
    struct sink *s = user;
    size_t n = size * nmemb;
    if (s->len + n > HTTP_MAX_REPLY) {
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

static int setup(struct http_client *c, const char *url, const char *body, struct sink *sink)
{
    CURL *h = c->curl;
    curl_easy_reset(h);
    /* curl_easy_setopt cannot fail for these options with valid arguments except on OOM. */
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
    SET(CURLOPT_USERAGENT, "attestd/" PACKAGE_VERSION);
    if (body) {
        SET(CURLOPT_HTTPHEADER, c->headers);
        SET(CURLOPT_POSTFIELDS, body);
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    }
#undef SET
    return cc == CURLE_OK ? 0 : -ENOMEM;
}

int http_request(struct http_client *c, const char *path, const char *body,
                 struct http_response *ret)
{
    _cleanup_free_ char *url = NULL;
    if (asprintf(&url, "%s%s", c->base_url, path) < 0)
        return -ENOMEM;
    struct sink sink = {0};
    c->errbuf[0] = 0;
    int r = setup(c, url, body, &sink);
    if (r < 0)
        return r;
    CURLcode cc = curl_easy_perform(c->curl);
    if (cc != CURLE_OK) {
        free(sink.buf);
        if (sink.too_big)
            return -EFBIG;
        if (!c->errbuf[0])
            snprintf(c->errbuf, sizeof(c->errbuf), "%s", curl_easy_strerror(cc));
        return map_curl_error(cc);
    }
    long status = 0;
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
    if (!sink.buf) {
        sink.buf = strdup("");
        if (!sink.buf)
            return -ENOMEM;
    }
    *ret = (struct http_response){.status = status, .body = sink.buf, .len = sink.len};
    return 0;
}

const char *http_client_last_error(const struct http_client *c)
{
    return c->errbuf;
}

bool http_retryable(int r, long status)
{
    if (r < 0)
        return r == -ECONNREFUSED || r == -ETIMEDOUT || r == -EHOSTUNREACH || r == -EPROTO;
    return status == 429 || status == 502 || status == 503 || status == 504;
}

void backoff_init(struct backoff *b, uint64_t initial_ms, uint64_t max_ms, uint64_t total_ms)
{
    *b = (struct backoff){
        .deadline_ms = now_monotonic_ms() + total_ms,
        .delay_ms = initial_ms ? initial_ms : 1,
        .max_ms = max_ms,
    };
}

bool backoff_wait(struct backoff *b)
{
    uint64_t now = now_monotonic_ms();
    if (now >= b->deadline_ms)
        return false;
    /* Jitter: a uniform delay in [delay/2, delay], so that a fleet that lost the verifier
     * at the same moment does not come back in lockstep. */
    uint32_t rnd = 0;
    if (getrandom(&rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
        rnd = (uint32_t)now;
    uint64_t half = b->delay_ms / 2;
    uint64_t wait = half + (half ? rnd % (half + 1) : 0);
    if (now + wait > b->deadline_ms)
        wait = b->deadline_ms - now;
    struct timespec ts = {.tv_sec = (time_t)(wait / 1000),
                          .tv_nsec = (long)(wait % 1000) * 1000000};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
    b->delay_ms = b->delay_ms * 2 > b->max_ms ? b->max_ms : b->delay_ms * 2;
    return true;
}

int http_call(struct http_client *c, const char *path, const char *body, struct http_response *ret)
{
    struct backoff b;
    backoff_init(&b, c->opts.retry_initial_ms, c->opts.retry_max_ms, c->opts.retry_total_ms);
    for (;;) {
        struct http_response resp = {0};
        int r = http_request(c, path, body, &resp);
        if (!http_retryable(r, resp.status)) {
            if (r == 0)
                *ret = resp;
            return r;
        }
        long status = resp.status;
        http_response_done(&resp);
        if (!backoff_wait(&b))
            return r < 0 ? r : (status == 429 || status == 503 ? -EAGAIN : -EHOSTUNREACH);
    }
}
