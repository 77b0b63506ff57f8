/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The HTTP layer on libmicrohttpd: a route table, limits (body size per route,
 * header memory, connection count, connections per client address, idle
 * timeout, a minimum body rate, request bodies buffered at once), and one reply
 * helper.
 * Handlers see a fully received, size-checked body and fill an http_reply;
 * they never touch libmicrohttpd.
 */
#define HTTP_MAX_PARAMS    4
#define HTTP_HEADER_MEMORY (64 * 1024) /* request line + headers + read buffer */

struct http_request {
    const char *method;
    const char *path;
    const char *body; /* NUL-terminated one past body_len */
    size_t body_len;
    const char *params[HTTP_MAX_PARAMS]; /* path segments matched by '*' */
    const char *authorization;           /* Authorization header or NULL */
    const char *client;                  /* the peer's address (for the log), never NULL */
    void *conn;                          /* the layer's connection: http_request_query */
};

/* The value of query argument key ("?since=10&limit=5"), or NULL when absent. */
const char *http_request_query(const struct http_request *req, const char *key);

struct http_reply {
    unsigned status;
    const char *content_type;
    char *body; /* malloc'ed */
    size_t len;
};

typedef void (*http_handler)(void *userdata, const struct http_request *req,
                             struct http_reply *rep);

struct http_route {
    const char *method;
    const char *pattern; /* "/v1/enrollments/ * /activate": '*' matches one segment */
    size_t max_body;
    http_handler handler;
    const char *name; /* for metrics and logs */
};

struct http_options {
    const char *listen; /* host:port; port 0 picks a free one */
    const char *tls_cert_pem, *tls_key_pem;
    unsigned workers, max_connections, timeout;
    /*
     * Bytes of request bodies buffered at once, charged as they arrive: past it
     * a request gets 503. A body must arrive within max(timeout, its size /
     * min_body_rate) seconds or its connection is closed (its charge released).
     */
    size_t body_budget;
    unsigned min_body_rate;           /* bytes per second */
    unsigned per_address_connections; /* 0: no limit */
    /* Called after every reply (metrics). */
    void (*observe)(void *userdata, const char *route, unsigned status, double seconds);
};

struct http_server;

int http_server_start(const struct http_options *o, const struct http_route *routes,
                      size_t n_routes, void *userdata, struct http_server **ret);
/* Bytes of request bodies buffered now (charged against body_budget), for /metrics. */
size_t http_server_body_bytes(struct http_server *s);
/* The bound port (useful with port 0). */
uint16_t http_server_port(struct http_server *s);
void http_server_stop(struct http_server *s);

/* The one reply helper: status, content type, body (copied). */
void http_reply_set(struct http_reply *rep, unsigned status, const char *content_type,
                    const char *body, size_t len);
/* JSON body (reference stolen); 500 when it cannot be serialized. */
void http_reply_json(struct http_reply *rep, unsigned status, json_t *body);
/* {"error": "...", "field": "..."} with a printf-style message; field may be NULL. */
void http_reply_error(struct http_reply *rep, unsigned status, const char *field, const char *fmt,
                      ...) __attribute__((format(printf, 4, 5)));

/* Split "host:port" / "[v6]:port". */
int http_parse_listen(const char *listen, char *host, size_t host_size, uint16_t *port);
