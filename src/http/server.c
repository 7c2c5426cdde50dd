/*
 * server.c - the libmicrohttpd daemon and the life of one request.
 *
 * Request state lives in *req_cls (struct req_state) from the first callback
 * to MHD's NOTIFY_COMPLETED, where it is freed. The first callback matches
 * the route and answers at once what can be answered from the headers (404,
 * 405, 415, 413 by Content-Length); later callbacks append body data up to
 * the route's limit and, once the answer is known (too large), discard the
 * rest of the upload unread into memory. The final callback hands the
 * request to the dispatcher (dispatch.c) and queues its response; a request
 * answered later is suspended instead and its final callback comes again
 * once the dispatcher wakes it. One JSON access-log line is written per
 * request.
 */
#include "drillcamp/server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "drillcamp/arena.h"
#include "drillcamp/config.h"
#include "drillcamp/db.h"
#include "drillcamp/dispatch.h"
#include "drillcamp/encode.h"
#include "drillcamp/guard.h"
#include "drillcamp/http.h"
#include "drillcamp/log.h"
#include "drillcamp/metrics.h"
#include "drillcamp/router.h"

struct req_state {
    struct dc_req req;
    char *target; /* the request target exactly as sent (path and query) */
    bool started; /* the access handler has seen the request */
    const struct dc_route *route;
    int route_index;
    enum dc_err early; /* answer known before the body was read */
    char allow[64];
    char *buf;
    size_t len, cap, limit;
    size_t drained; /* bytes of a refused body read and dropped */
    bool discarding;
    bool answered;
    bool proxied; /* counted by guard_request_enter for client */
    struct net_addr client;
    struct timespec start;
};

static atomic_int inflight;       /* requests between first callback and completion */
static atomic_int fresh;          /* open connections that have not sent a request yet */
static atomic_llong last_done_ms; /* when a request last completed */
static atomic_bool shutting_down;

/* Per connection (MHD's socket context): has a request arrived on it yet,
 * and its place in the guard (caps and head deadline). */
struct conn_ctx {
    atomic_bool had_request;
    struct guard_conn *guard;
};

/* The connection's context (borrowed), NULL when it has none. */
static struct conn_ctx *conn_ctx_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

static long long mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static double elapsed_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* A client-supplied request id is kept only when short and plainly printable. */
static bool request_id_sane(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= DC_REQUEST_ID_LEN)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == ':'))
            return false;
    }
    return true;
}

static void request_id_init(struct dc_req *req, struct MHD_Connection *conn)
{
    const char *given = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Request-Id");
    if (given && request_id_sane(given)) {
        strcpy(req->request_id, given);
        return;
    }
    unsigned char raw[12];
    if (encode_random(raw, sizeof raw) != DC_OK)
        memset(raw, 0, sizeof raw);
    encode_base64url(raw, sizeof raw, req->request_id);
}

static bool media_type_is_json(const char *ct)
{
    if (!ct)
        return false;
    while (*ct == ' ')
        ct++;
    static const char want[] = "application/json";
    if (strncasecmp(ct, want, sizeof want - 1) != 0)
        return false;
    const char *rest = ct + sizeof want - 1;
    while (*rest == ' ')
        rest++;
    if (*rest == '\0')
        return true;
    if (*rest != ';')
        return false;
    rest++;
    while (*rest == ' ')
        rest++;
    /* the only parameter accepted is charset=utf-8 */
    if (strncasecmp(rest, "charset=", 8) != 0)
        return false;
    rest += 8;
    if (*rest == '"')
        rest++;
    if (strncasecmp(rest, "utf-8", 5) != 0)
        return false;
    rest += 5;
    if (*rest == '"')
        rest++;
    while (*rest == ' ')
        rest++;
    return *rest == '\0';
}

/* True when the request announces a body (Content-Length > 0 or chunked). */
static bool request_has_body(struct MHD_Connection *conn, unsigned long long *declared)
{
    *declared = 0;
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    if (cl) {
        *declared = strtoull(cl, NULL, 10);
        return *declared > 0;
    }
    const char *te = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Transfer-Encoding");
    return te && strcasestr(te, "chunked") != NULL;
}

/* Every X-Forwarded-For header's value, joined by commas in order. */
struct xff_acc {
    char buf[1024];
    size_t len;
    bool seen, overflow;
};

static enum MHD_Result add_xff(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
    (void)kind;
    struct xff_acc *x = cls;
    if (strcasecmp(key, "X-Forwarded-For") != 0 || !value)
        return MHD_YES;
    size_t n = strlen(value);
    if (x->len + n + 2 > sizeof x->buf) {
        x->overflow = true;
        return MHD_NO;
    }
    if (x->seen)
        x->buf[x->len++] = ',';
    memcpy(x->buf + x->len, value, n);
    x->len += n;
    x->buf[x->len] = '\0';
    x->seen = true;
    return MHD_YES;
}

/*
 * The client's address (the key of per-address limits): the TCP peer,
 * unless it is a trusted proxy (DRILLCAMP_TRUSTED_PROXIES); then the
 * rightmost X-Forwarded-For entry that is not one. Returns whether it came
 * from the header. An X-Forwarded-For too long to read gives the proxy's
 * own address.
 */
static bool client_addr(struct MHD_Connection *conn, struct net_addr *out)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    struct net_addr peer;
    if (!ci || !net_addr_from_sockaddr(ci->client_addr, &peer)) {
        memset(out, 0, sizeof *out);
        return false;
    }
    *out = peer;
    if (!net_list_contains(&dc_config.trusted_proxies, &peer))
        return false;
    struct xff_acc x = {.len = 0};
    MHD_get_connection_values(conn, MHD_HEADER_KIND, add_xff, &x);
    if (!x.seen || x.overflow)
        return false;
    return net_client_addr(&dc_config.trusted_proxies, &peer, x.buf, out);
}

/* How much of a refused body is read and dropped so that the client gets
 * to read the answer (see first_call); never stored. */
#define DC_DRAIN_MAX ((unsigned long long)64 * 1024 * 1024)

/* Headers beyond this are refused with 431 before anything else (the
 * connection's 64 KiB memory pool would take one 60 KiB header). */
#define DC_HEADERS_LIMIT ((size_t)32 * 1024)

static enum MHD_Result add_header_size(void *cls, enum MHD_ValueKind kind, const char *key,
                                       const char *value)
{
    (void)kind;
    *(size_t *)cls += strlen(key) + (value ? strlen(value) : 0) + 4;
    return MHD_YES;
}

static size_t headers_size(struct MHD_Connection *conn)
{
    size_t total = 0;
    MHD_get_connection_values(conn, MHD_HEADER_KIND, add_header_size, &total);
    return total;
}

static void state_free(struct req_state *st)
{
    if (!st)
        return;
    for (int i = 0; i < st->req.nparams; i++)
        free(st->req.params[i].value);
    for (int i = 0; i < st->req.nheaders; i++)
        free(st->req.headers[i].value);
    json_decref(st->req.json);
    json_decref(st->req.reply);
    json_decref(st->req.problem_extra);
    dc_reply_raw_drop(&st->req);
    dc_stream_free(st->req.stream);
    free(st->target);
    free(st->buf);
    arena_free(st->req.arena);
    free(st);
}

/* The next part of a stream, with a connection of the route's kind (and an
 * arena for its rows) for this part alone. */
static enum dc_err stream_next_part(struct dc_stream *s, char **out, size_t *len)
{
    if (s->db == DC_DB_NONE)
        return s->next(s->state, NULL, out, len);
    struct dc_arena *a = arena_new();
    struct db_conn *conn = NULL;
    enum dc_err err = !a                       ? DC_ERR_NOMEM
                      : s->db != DC_DB_PRIMARY ? db_acquire_read(&conn, a)
                                               : db_acquire(&conn, a);
    if (err == DC_OK)
        err = s->next(s->state, conn, out, len);
    db_release(conn);
    arena_free(a);
    return err;
}

/* A streamed body: the current part and where the reader is in it. */
struct stream_ctx {
    struct dc_stream *stream;
    char *part;
    size_t len, off;
    bool done;
};

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct stream_ctx *c = cls;
    (void)pos;
    while (c->off == c->len) {
        free(c->part);
        c->part = NULL;
        c->len = c->off = 0;
        if (c->done)
            return MHD_CONTENT_READER_END_OF_STREAM;
        if (stream_next_part(c->stream, &c->part, &c->len) != DC_OK) {
            log_event("warn", "http", "streamed response cut off: the next part failed");
            return MHD_CONTENT_READER_END_WITH_ERROR;
        }
        c->done = c->len == 0;
    }
    size_t n = c->len - c->off < max ? c->len - c->off : max;
    memcpy(buf, c->part + c->off, n);
    c->off += n;
    return (ssize_t)n;
}

static void stream_ctx_free(void *cls)
{
    struct stream_ctx *c = cls;
    dc_stream_free(c->stream);
    free(c->part);
    free(c);
}

/* The response for a streamed body; takes req->stream. */
static struct MHD_Response *stream_response(struct dc_req *req)
{
    struct stream_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->stream = req->stream;
    req->stream = NULL;
    struct MHD_Response *resp = MHD_create_response_from_callback(
        MHD_SIZE_UNKNOWN, (size_t)32 * 1024, stream_read, c, stream_ctx_free);
    if (!resp)
        stream_ctx_free(c);
    return resp;
}

static enum MHD_Result queue_reply(struct MHD_Connection *conn, struct req_state *st)
{
    struct dc_req *req = &st->req;
    char *text = NULL;
    size_t len = 0;
    enum MHD_ResponseMemoryMode mode = MHD_RESPMEM_MUST_FREE;
    const char *ctype = NULL;
    if (req->reply) {
        text = json_dumps(req->reply, JSON_COMPACT | JSON_REAL_PRECISION(12));
        if (!text) {
            req->status = 500;
            text = strdup("{\"error\":{\"code\":\"internal\",\"message\":\"internal error\"}}");
        }
        len = text ? strlen(text) : 0;
        ctype = DC_JSON_TYPE;
    } else if (req->raw) {
        text = req->raw;
        len = req->raw_len;
        ctype = req->content_type;
    }
    if (!text) {
        mode = MHD_RESPMEM_PERSISTENT;
        text = "";
    }
    struct MHD_Response *resp;
    if (req->stream && !req->reply) {
        ctype = req->content_type;
        resp = stream_response(req);
    } else if (text == req->raw && req->raw_release) {
        /* shared text: the response releases it once sent */
        resp = MHD_create_response_from_buffer_with_free_callback_cls(len, text, req->raw_release,
                                                                      req->raw_release_arg);
        if (resp) {
            req->raw_release = NULL;
            req->raw = NULL;
        }
    } else {
        resp = MHD_create_response_from_buffer(len, text, mode);
        if (text == req->raw)
            req->raw = NULL; /* the response owns it now (or it was freed) */
        if (!resp && mode == MHD_RESPMEM_MUST_FREE)
            free(text);
    }
    if (!resp)
        return MHD_NO;
    if (ctype)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    MHD_add_response_header(resp, "X-Request-Id", req->request_id);
    if (req->no_store || req->authed)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    for (int i = 0; i < req->nheaders; i++)
        MHD_add_response_header(resp, req->headers[i].name, req->headers[i].value);
    if (atomic_load(&shutting_down))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    if (req->status == 0)
        req->status = 500;
    enum MHD_Result ret = MHD_queue_response(conn, req->status, resp);
    MHD_destroy_response(resp);
    st->answered = true;
    return ret;
}

/* Answers an error known before the handler ran (404/405/413/415/400). */
static enum MHD_Result reply_early(struct MHD_Connection *conn, struct req_state *st)
{
    if (st->early == DC_ERR_METHOD_NOT_ALLOWED)
        dc_reply_header(&st->req, "Allow", st->allow);
    dc_reply_error(&st->req, st->early);
    return queue_reply(conn, st);
}

/* MHD's URI log callback: the first sight of a request, before the path is
 * decoded. The state made here keeps the raw target that partner
 * signatures cover. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls;
    (void)conn;
    struct req_state *st = calloc(1, sizeof *st);
    if (st) {
        clock_gettime(CLOCK_MONOTONIC, &st->start);
        st->target = strdup(uri ? uri : "");
        st->req.arena = arena_new();
    }
    return st;
}

static enum MHD_Result first_call(struct MHD_Connection *conn, const char *url, const char *method,
                                  void **req_cls)
{
    struct req_state *st = *req_cls;
    if (!st && !(st = calloc(1, sizeof *st)))
        return MHD_NO;
    if (!st->target)
        clock_gettime(CLOCK_MONOTONIC, &st->start);
    if (!st->req.arena && !(st->req.arena = arena_new())) {
        *req_cls = st;
        return MHD_NO; /* out of memory: on_completed frees st */
    }
    st->started = true;
    st->req.target = st->target ? st->target : url;
    *req_cls = st;
    atomic_fetch_add(&inflight, 1);
    struct conn_ctx *cc = conn_ctx_of(conn);
    if (cc && !atomic_exchange(&cc->had_request, true))
        atomic_fetch_sub(&fresh, 1);
    if (cc)
        guard_head_done(cc->guard);
    st->route_index = -1;
    st->req.conn = conn;
    st->req.method = method;
    st->req.path = url;
    request_id_init(&st->req, conn);
    bool forwarded = client_addr(conn, &st->client);
    net_addr_format(&st->client, st->req.client_ip, sizeof st->req.client_ip);
    /* behind a proxy the connection cap cannot see the client: its
     * requests in flight are capped instead */
    if (forwarded && !(st->proxied = guard_request_enter(&st->client))) {
        st->early = DC_ERR_RATE_LIMITED;
        st->req.retry_after = 1;
    }

    switch (router_match(dc_routes, method, url, &st->route, st->req.params, &st->req.nparams,
                         st->allow, sizeof st->allow)) {
    case DC_MATCH_FOUND:
        st->req.route = st->route;
        st->route_index = (int)(st->route - dc_routes);
        break;
    case DC_MATCH_NO_PATH:
        st->early = DC_ERR_NOT_FOUND;
        break;
    case DC_MATCH_NO_METHOD:
        st->early = DC_ERR_METHOD_NOT_ALLOWED;
        break;
    }
    if (headers_size(conn) > DC_HEADERS_LIMIT)
        st->early = DC_ERR_HEADERS_TOO_LARGE;
    st->limit =
        (st->route && st->route->body_limit) ? st->route->body_limit : DC_BODY_LIMIT_DEFAULT;
    unsigned long long declared;
    bool has_body = request_has_body(conn, &declared);
    if (st->early == DC_OK && has_body) {
        const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
        if (!media_type_is_json(ct))
            st->early = DC_ERR_UNSUPPORTED_MEDIA;
        else if (declared > st->limit)
            st->early = DC_ERR_PAYLOAD_TOO_LARGE;
    }
    if (st->early != DC_OK && has_body) {
        st->discarding = true;
        /* Answering before the body is read makes MHD close the connection
         * with the body unread, and the kernel then resets it, often before
         * the client has read the answer. So a refused body up to
         * DC_DRAIN_MAX is read and dropped, and the answer follows it; a
         * client that waits for 100-continue, or declares more, is answered
         * at once (the former never sends the body). */
        const char *expect = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Expect");
        if ((expect && strcasecmp(expect, "100-continue") == 0) || declared > DC_DRAIN_MAX)
            return reply_early(conn, st);
    }
    return MHD_YES;
}

static void body_append(struct req_state *st, const char *data, size_t size)
{
    if (st->discarding) {
        st->drained += size;
        return;
    }
    if (st->len + size > st->limit) {
        st->early = DC_ERR_PAYLOAD_TOO_LARGE;
        st->discarding = true;
        free(st->buf);
        st->buf = NULL;
        st->len = st->cap = 0;
        return;
    }
    if (st->len + size + 1 > st->cap) {
        size_t cap = st->cap ? st->cap : 4096;
        while (cap < st->len + size + 1)
            cap *= 2;
        if (cap > st->limit + 1)
            cap = st->limit + 1;
        char *nb = realloc(st->buf, cap);
        if (!nb) {
            st->early = DC_ERR_NOMEM;
            st->discarding = true;
            return;
        }
        st->buf = nb;
        st->cap = cap;
    }
    memcpy(st->buf + st->len, data, size);
    st->len += size;
    st->buf[st->len] = '\0';
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    (void)cls;
    (void)version;
    struct req_state *st = *req_cls;
    if (!st || !st->started)
        return first_call(conn, url, method, req_cls);
    if (*upload_data_size > 0) {
        body_append(st, upload_data, *upload_data_size);
        *upload_data_size = 0;
        /* enough dropped: answer now and let the connection close */
        if (st->drained > DC_DRAIN_MAX && !st->answered)
            return reply_early(conn, st);
        return MHD_YES;
    }
    int async = atomic_load(&st->req.async.state);
    if (async == DC_ASYNC_PENDING)
        return MHD_YES; /* suspended: its worker wakes it */
    if (async == DC_ASYNC_WOKEN) {
        dispatch_resume(&st->req);
    } else {
        if (st->answered)
            return MHD_YES;
        if (st->early != DC_OK)
            return reply_early(conn, st);
        st->req.body = st->buf;
        st->req.body_len = st->len;
        dispatch_request(&st->req);
    }
    if (atomic_load(&st->req.async.state) == DC_ASYNC_PENDING) {
        /* suspended first, so that the work may end (and resume it) at once */
        MHD_suspend_connection(conn);
        dispatch_start(&st->req);
        return MHD_YES;
    }
    return queue_reply(conn, st);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    struct conn_ctx *cc = conn_ctx_of(conn);
    if (cc)
        guard_request_done(cc->guard);
    struct req_state *st = *req_cls;
    if (st && st->proxied)
        guard_request_leave(&st->client);
    if (st && !st->started) {
        /* a request line MHD refused before any handler saw it */
        state_free(st);
        *req_cls = NULL;
        return;
    }
    if (!st)
        return;
    double secs = elapsed_since(&st->start);
    unsigned status = st->answered ? st->req.status : 0;
    metrics_observe(st->route_index, status, secs);
    log_access(st->req.method, st->route ? st->route->pattern : NULL, status, secs,
               st->req.request_id, toe == MHD_REQUEST_TERMINATED_COMPLETED_OK);
    state_free(st);
    *req_cls = NULL;
    atomic_store(&last_done_ms, mono_ms());
    atomic_fetch_sub(&inflight, 1);
}

/* Counts connections that have not sent a request yet, so that a drain
 * does not close the ones whose request is still waiting for a worker;
 * enters each in the guard (per-address cap, head deadline). */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    (void)cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        struct conn_ctx *cc = calloc(1, sizeof *cc);
        *socket_context = cc;
        if (!cc)
            return;
        atomic_fetch_add(&fresh, 1);
        const union MHD_ConnectionInfo *fd =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        const union MHD_ConnectionInfo *sa =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (fd && sa)
            cc->guard = guard_conn_open(fd->connect_fd, sa->client_addr);
        return;
    }
    struct conn_ctx *cc = *socket_context;
    if (cc && !atomic_load(&cc->had_request))
        atomic_fetch_sub(&fresh, 1);
    if (cc)
        guard_conn_close(cc->guard);
    free(cc);
    *socket_context = NULL;
}

/*
 * After SIGTERM: wait until no request is in flight and no accepted
 * connection still holds an unread request. A connection that has sent
 * nothing while every worker sat idle for a second is an idle client, not
 * a pending request, and does not hold the drain up.
 */
static void drain(void)
{
    long long start = mono_ms(), limit = start + (long long)dc_config.shutdown_grace * 1000;
    atomic_store(&last_done_ms, start);
    for (;;) {
        long long now = mono_ms();
        int busy = atomic_load(&inflight), waiting = atomic_load(&fresh);
        if (now >= limit || (busy == 0 && waiting == 0))
            return;
        if (busy == 0 && now - atomic_load(&last_done_ms) > 1000)
            return;
        struct timespec nap = {0, 10L * 1000 * 1000};
        nanosleep(&nap, NULL);
    }
}

/* libmicrohttpd's own messages: its format strings are trusted */
__attribute__((format(printf, 2, 0))) static void log_mhd(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[256];
    vsnprintf(msg, sizeof msg, fmt, ap);
    log_event("warn", "http", msg);
}

/*
 * Clients whose connections completed the handshake before SIGTERM sit in
 * the listening socket's queue; closing it would reset them. Hand each to
 * MHD so its request is answered like the in-flight ones.
 */
static void adopt_backlog(struct MHD_Daemon *d, MHD_socket lsock)
{
    for (;;) {
        struct sockaddr_storage addr;
        socklen_t len = sizeof addr;
        int fd = accept4(lsock, (struct sockaddr *)&addr, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return; /* EAGAIN: the queue is empty */
        if (MHD_add_connection(d, fd, (struct sockaddr *)&addr, len) != MHD_YES)
            close(fd);
    }
}

/* MHD's accept policy: the per-address connection cap (guard.c). */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t len)
{
    (void)cls;
    (void)len;
    return guard_may_accept(addr) ? MHD_YES : MHD_NO;
}

void server_block_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    pthread_sigmask(SIG_BLOCK, set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

enum dc_err server_run(void)
{
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)dc_config.port);
    if (inet_pton(AF_INET, dc_config.bind, &addr.sin_addr) != 1) {
        log_event("error", "serve", "DRILLCAMP_BIND is not an IPv4 address");
        return DC_ERR_INTERNAL;
    }

    /* blocked since server_block_signals(): only sigwait below takes them */
    sigset_t sigs;
    server_block_signals(&sigs);

    /* suspend/resume: requests answered later (dispatch_defer) */
    unsigned flags =
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    if (guard_start(dc_config.per_ip_connections, dc_config.head_timeout,
                    &dc_config.trusted_proxies) != DC_OK) {
        log_event("error", "serve", "cannot start the connection guard");
        return DC_ERR_INTERNAL;
    }
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, (uint16_t)dc_config.port, on_accept, NULL, on_request, NULL,
        MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, dc_config.threads, MHD_OPTION_CONNECTION_LIMIT,
        dc_config.max_connections, MHD_OPTION_CONNECTION_TIMEOUT, dc_config.connection_timeout,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024), MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, NULL, MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL, MHD_OPTION_END);
    if (!d) {
        log_event("error", "serve", "cannot listen on the configured address and port");
        guard_stop();
        return DC_ERR_INTERNAL;
    }
    char msg[128];
    snprintf(msg, sizeof msg, "listening on %s:%u with %u threads", dc_config.bind, dc_config.port,
             dc_config.threads);
    log_event("info", "serve", msg);

    int sig = 0;
    sigwait(&sigs, &sig);
    atomic_store(&shutting_down, true);
    log_event("info", "serve", sig == SIGTERM ? "SIGTERM: draining" : "SIGINT: draining");

    MHD_socket lsock = MHD_quiesce_daemon(d);
    if (lsock != MHD_INVALID_SOCKET) {
        adopt_backlog(d, lsock);
        close(lsock);
    }
    drain();
    MHD_stop_daemon(d);
    guard_stop();
    log_event("info", "serve", "stopped");
    return DC_OK;
}
