/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "common/cleanup.h"
#include "http.h"

struct http_server {
    struct MHD_Daemon *daemon;
    _Atomic size_t body_bytes; /* request bodies buffered now, over all connections */
    size_t body_budget;        /* the most body_bytes may reach */
    unsigned timeout;          /* seconds: idle limit, and the least time a body gets */
    unsigned min_body_rate;    /* bytes per second */
    const struct http_route *routes;
    size_t n_routes;
    void *userdata;
    void (*observe)(void *userdata, const char *route, unsigned status, double seconds);
};

/* Per-request state, from the first call of the access handler to completion. */
struct request_state {
    const struct http_route *route;
    unsigned early_status; /* 404/405/413 decided from the headers alone */
    char *body;
    size_t len, cap;
    size_t expected; /* Content-Length, else the route's limit: the most cap grows to */
    double deadline; /* seconds after start by which the body must be complete */
    size_t reserved; /* bytes of the server's body budget this request holds */
    bool overflow;   /* past the route's limit: 413 */
    bool busy;       /* past the server's body budget: 503 */
    struct timespec start;
    char params[HTTP_MAX_PARAMS][128];
    unsigned n_params;
};

void http_reply_set(struct http_reply *rep, unsigned status, const char *content_type,
                    const char *body, size_t len)
{
    free(rep->body);
    rep->body = malloc(len + 1);
    if (!rep->body) {
        rep->status = 500;
        rep->content_type = "text/plain";
        rep->len = 0;
        return;
    }
    memcpy(rep->body, body, len);
    rep->body[len] = 0;
    rep->len = len;
    rep->status = status;
    rep->content_type = content_type;
}

void http_reply_json(struct http_reply *rep, unsigned status, json_t *body)
{
    char *s = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!s) {
        http_reply_set(rep, 500, "application/json", "{\"error\":\"out of memory\"}", 25);
        return;
    }
    http_reply_set(rep, status, "application/json", s, strlen(s));
    free(s);
}

void http_reply_error(struct http_reply *rep, unsigned status, const char *field, const char *fmt,
                      ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    json_t *o = field && *field ? json_pack("{s:s, s:s}", "error", msg, "field", field)
                                : json_pack("{s:s}", "error", msg);
    http_reply_json(rep, status, o);
}

/*
 * Every connection may upload up to its route's limit at the same time: bound
 * the sum too (body_budget), so that many large uploads cannot exhaust memory;
 * past it requests get 503 and retry. Only buffers grown for bytes that arrived
 * are charged: an announced Content-Length reserves nothing, so slow clients
 * announcing large bodies cannot hold the budget with a few bytes each.
 */
static bool reserve(struct http_server *s, struct request_state *st, size_t n)
{
    size_t before = atomic_fetch_add(&s->body_bytes, n);
    if (before + n > s->body_budget) {
        atomic_fetch_sub(&s->body_bytes, n);
        return false;
    }
    st->reserved += n;
    return true;
}

static void release(struct http_server *s, struct request_state *st)
{
    atomic_fetch_sub(&s->body_bytes, st->reserved);
    st->reserved = 0;
}

const char *http_request_query(const struct http_request *req, const char *key)
{
    return req->conn ? MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, key) : NULL;
}

/* Match path against a route pattern, capturing '*' segments. */
static bool route_match(const char *pattern, const char *path, struct request_state *st)
{
    st->n_params = 0;
    while (*pattern && *path) {
        if (*pattern == '*') {
            size_t n = strcspn(path, "/");
            if (n == 0 || n >= sizeof(st->params[0]) || st->n_params == HTTP_MAX_PARAMS)
                return false;
            memcpy(st->params[st->n_params], path, n);
            st->params[st->n_params++][n] = 0;
            path += n;
            pattern++;
            continue;
        }
        if (*pattern != *path)
            return false;
        pattern++;
        path++;
    }
    return *pattern == 0 && *path == 0;
}

static void find_route(struct http_server *s, const char *method, const char *path,
                       struct request_state *st)
{
    bool path_known = false;
    for (size_t i = 0; i < s->n_routes; i++) {
        if (!route_match(s->routes[i].pattern, path, st))
            continue;
        path_known = true;
        if (strcmp(s->routes[i].method, method) == 0) {
            st->route = &s->routes[i];
            return;
        }
    }
    st->early_status = path_known ? 405 : 404;
}

static enum MHD_Result send_reply(struct MHD_Connection *conn, struct http_reply *rep)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(rep->len, rep->body, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(rep->body);
        return MHD_NO;
    }
    rep->body = NULL; /* owned by the response now */
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            rep->content_type ? rep->content_type : "application/json");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    enum MHD_Result r = MHD_queue_response(conn, rep->status, resp);
    MHD_destroy_response(resp);
    return r;
}

static double elapsed(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static enum MHD_Result finish(struct http_server *s, struct MHD_Connection *conn,
                              struct request_state *st, struct http_reply *rep)
{
    if (s->observe)
        s->observe(s->userdata, st->route ? st->route->name : "unmatched", rep->status,
                   elapsed(&st->start));
    return send_reply(conn, rep);
}

static enum MHD_Result early_reply(struct http_server *s, struct MHD_Connection *conn,
                                   struct request_state *st)
{
    struct http_reply rep = {0};
    if (st->early_status == 413)
        http_reply_error(&rep, 413, NULL, "request body larger than %zu bytes",
                         st->route->max_body);
    else if (st->early_status == 503)
        http_reply_error(&rep, 503, NULL, "too many request bodies in flight; retry");
    else if (st->early_status == 405)
        http_reply_error(&rep, 405, NULL, "method not allowed");
    else
        http_reply_error(&rep, 404, NULL, "no such resource");
    return finish(s, conn, st, &rep);
}

/* The peer's numeric address, for the log; "?" when it cannot be told. */
static const char *client_address(struct MHD_Connection *conn, char *buf, size_t len)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    const void *addr = NULL;
    if (sa && sa->sa_family == AF_INET)
        addr = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
    else if (sa && sa->sa_family == AF_INET6)
        addr = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
    if (!addr || !inet_ntop(sa->sa_family, addr, buf, (socklen_t)len))
        return "?";
    return buf;
}

/*
 * The headers of a routed request: the announced size is checked against the
 * route's limit and sets the body's deadline, but reserves nothing.
 */
static void start_body(struct http_server *s, struct MHD_Connection *conn, struct request_state *st)
{
    st->expected = st->route->max_body;
    const char *cl =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl) {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(cl, &end, 10);
        if (errno || end == cl || *end || n > st->route->max_body) {
            st->early_status = 413;
            return;
        }
        st->expected = (size_t)n;
    }
    double transfer = (double)st->expected / (double)s->min_body_rate;
    st->deadline = transfer > s->timeout ? transfer : (double)s->timeout;
}

/* Grow the buffer for n more bytes, charging the growth; false past the budget. */
static bool grow(struct http_server *s, struct request_state *st, size_t n, bool *oom)
{
    size_t cap = st->cap ? st->cap * 2 : 4096;
    while (cap < st->len + n)
        cap *= 2;
    if (cap > st->expected)
        cap = st->expected; /* never beyond what was announced (or the route's limit) */
    if (!reserve(s, st, cap - st->cap))
        return false;
    char *b = realloc(st->body, cap + 1);
    if (!b) {
        *oom = true;
        return false;
    }
    st->body = b;
    st->cap = cap;
    return true;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct http_server *s = cls;
    struct request_state *st = *con_cls;

    if (!st) {
        st = calloc(1, sizeof(*st));
        if (!st)
            return MHD_NO;
        *con_cls = st;
        clock_gettime(CLOCK_MONOTONIC, &st->start);
        find_route(s, method, url, st);
        if (st->route)
            start_body(s, conn, st);
        /* Refuse before reading the body: the connection is closed after the reply. */
        if (st->early_status)
            return early_reply(s, conn, st);
        return MHD_YES;
    }

    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        /*
         * Too slow: close the connection (on_completed releases the charge). A
         * client that sends nothing at all is closed by the idle timeout.
         */
        if (elapsed(&st->start) > st->deadline)
            return MHD_NO;
        if (st->overflow || st->busy || st->early_status)
            return MHD_YES;
        if (n > st->route->max_body - st->len) {
            st->overflow = true; /* chunked body past the limit: answered 413 at the end */
            goto drop;
        }
        if (st->len + n > st->cap) {
            bool oom = false;
            if (!grow(s, st, n, &oom)) {
                if (oom)
                    return MHD_NO;
                st->busy = true; /* answered 503 at the end */
                goto drop;
            }
        }
        memcpy(st->body + st->len, upload_data, n);
        st->len += n;
        return MHD_YES;
    drop:
        free(st->body);
        st->body = NULL;
        st->len = st->cap = 0;
        release(s, st);
        return MHD_YES;
    }

    if (st->overflow || st->busy) {
        st->early_status = st->overflow ? 413 : 503;
        return early_reply(s, conn, st);
    }

    char client[INET6_ADDRSTRLEN];
    struct http_request req = {
        .client = client_address(conn, client, sizeof(client)),
        .method = method,
        .path = url,
        .body = st->body ? st->body : "",
        .body_len = st->len,
        .authorization =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION),
        .conn = conn,
    };
    if (st->body)
        st->body[st->len] = 0;
    for (unsigned i = 0; i < st->n_params; i++)
        req.params[i] = st->params[i];
    struct http_reply rep = {.status = 500};
    st->route->handler(s->userdata, &req, &rep);
    if (!rep.body)
        http_reply_error(&rep, 500, NULL, "internal error");
    return finish(s, conn, st, &rep);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct http_server *s = cls;
    struct request_state *st = *con_cls;
    if (!st)
        return;
    release(s, st);
    free(st->body);
    free(st);
    *con_cls = NULL;
}

int http_parse_listen(const char *listen, char *host, size_t host_size, uint16_t *port)
{
    const char *colon;
    const char *h = listen;
    size_t hlen;
    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');
        if (!close || close[1] != ':')
            return -EINVAL;
        h = listen + 1;
        hlen = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(listen, ':');
        if (!colon)
            return -EINVAL;
        hlen = (size_t)(colon - listen);
    }
    if (hlen == 0 || hlen >= host_size)
        return -EINVAL;
    memcpy(host, h, hlen);
    host[hlen] = 0;
    char *end;
    errno = 0;
    unsigned long p = strtoul(colon + 1, &end, 10);
    if (errno || *end || colon[1] == 0 || p > 65535)
        return -EINVAL;
    *port = (uint16_t)p;
    return 0;
}

int http_server_start(const struct http_options *o, const struct http_route *routes,
                      size_t n_routes, void *userdata, struct http_server **ret)
{
    char host[128];
    uint16_t port;
    if (http_parse_listen(o->listen, host, sizeof(host), &port) < 0)
        return -EINVAL;
    struct sockaddr_storage ss = {0};
    unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        flags |= MHD_USE_IPv6;
    } else {
        return -EINVAL; /* a numeric address: no resolver at startup */
    }
    if (o->tls_cert_pem) {
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
            return -EOPNOTSUPP;
        flags |= MHD_USE_TLS;
    }

    struct http_server *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    *s = (struct http_server){.body_budget = o->body_budget,
                              .timeout = o->timeout,
                              .min_body_rate = o->min_body_rate ? o->min_body_rate : 1,
                              .routes = routes,
                              .n_routes = n_routes,
                              .userdata = userdata,
                              .observe = o->observe};
    struct MHD_OptionItem tls[] = {
        {o->tls_cert_pem ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, (void *)o->tls_cert_pem},
        {o->tls_key_pem ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, (void *)o->tls_key_pem},
        {MHD_OPTION_END, 0, NULL},
    };
    s->daemon = MHD_start_daemon(
        flags, port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)o->workers, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned int)o->max_connections, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)o->timeout,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)o->per_address_connections,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_HEADER_MEMORY,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)1024, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, s, MHD_OPTION_ARRAY, tls, MHD_OPTION_END);
    if (!s->daemon) {
        free(s);
        return -EADDRNOTAVAIL;
    }
    *ret = s;
    return 0;
}

size_t http_server_body_bytes(struct http_server *s)
{
    return s ? atomic_load(&s->body_bytes) : 0;
}

uint16_t http_server_port(struct http_server *s)
{
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info ? info->port : 0;
}

void http_server_stop(struct http_server *s)
{
    if (!s)
        return;
    MHD_stop_daemon(s->daemon);
    free(s);
}
