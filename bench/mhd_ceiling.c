/*
 * mhd_ceiling.c - the HTTP ceiling of the benchmark: the smallest
 * libmicrohttpd server that answers every request with one fixed JSON body.
 *
 *   mhd_ceiling PORT [BODY_FILE]
 *
 * BODY_FILE is the answer (bench/run.sh passes the server's own GET
 * /v1/leaderboard answer, 100 entries); without it a leaderboard-like body
 * of 100 entries is made up. It runs until SIGINT or SIGTERM.
 *
 * The daemon is set up as drillcamp's (src/http/server.c server_run): the
 * same flags (one epoll internal thread per pool thread, ITC, error log,
 * suspend/resume), a thread pool of DRILLCAMP_THREADS threads (default: the
 * number of cores, as src/core/config.c), 4000 connections at most, no
 * per-address cap, a 30 s timeout and 64 KiB of memory per connection,
 * listening on 127.0.0.1 (the server's default DRILLCAMP_BIND).
 *
 * The answer is queued on the second call of the access handler, as the
 * server does: queueing it on the first (before libmicrohttpd has read the
 * whole request) makes libmicrohttpd close the connection after the answer,
 * and the ceiling would measure a connection per request.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct MHD_Response *answer;
static int first_call_marker;

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
    (void)cls;
    (void)url;
    (void)method;
    (void)version;
    (void)upload_data;
    if (*req_cls == NULL) {
        *req_cls = &first_call_marker; /* first call: headers only */
        return MHD_YES;
    }
    if (*upload_data_size) {
        *upload_data_size = 0; /* a body is read and dropped */
        return MHD_YES;
    }
    return MHD_queue_response(conn, MHD_HTTP_OK, answer);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *bigger = realloc(buf, cap *= 2);
            if (!bigger) {
                free(buf);
                buf = NULL;
            }
            buf = bigger;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

/* About the size and shape of a 100-entry leaderboard answer. */
static char *made_up_body(size_t *len)
{
    size_t cap = 64 * 1024, n = 0;
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    n += (size_t)snprintf(buf + n, cap - n,
                          "{\"campaign_id\":\"1\",\"generated_at\":\"2026-06-15T08:00:00Z\","
                          "\"frozen\":false,\"entries\":[");
    for (int i = 1; i <= 100; i++)
        n += (size_t)snprintf(
            buf + n, cap - n,
            "%s{\"rank\":%d,\"account\":{\"id\":\"%d\",\"display_name\":\"陈晓明\","
            "\"kind\":\"individual\",\"region_code\":\"350100\"},\"submission\":{\"id\":\"%d\","
            "\"title\":\"火灾逃生·我家的逃生路线\",\"cover_url\":"
            "\"https://v.example.com/ugc/%d.jpg\"},\"like_count\":%d}",
            i > 1 ? "," : "", i, 7919 * i, 97 * i, 97 * i, 400000 / i);
    n += (size_t)snprintf(buf + n, cap - n, "]}");
    *len = n;
    return buf;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: mhd_ceiling PORT [BODY_FILE]\n");
        return 2;
    }
    unsigned port = (unsigned)strtoul(argv[1], NULL, 10);
    size_t len = 0;
    char *body = argc > 2 ? read_file(argv[2], &len) : made_up_body(&len);
    if (!body) {
        fprintf(stderr, "mhd_ceiling: no body\n");
        return 1;
    }
    answer = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(answer, MHD_HTTP_HEADER_CONTENT_TYPE,
                            "application/json; charset=utf-8");

    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    const char *t = getenv("DRILLCAMP_THREADS");
    unsigned threads = t && *t ? (unsigned)strtoul(t, NULL, 10) : (unsigned)(cores > 0 ? cores : 1);

    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    unsigned flags =
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, (uint16_t)port, NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_CONNECTION_LIMIT, 4000u, MHD_OPTION_PER_IP_CONNECTION_LIMIT, 0u,
        MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)(64 * 1024), MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "mhd_ceiling: cannot listen on port %u\n", port);
        return 1;
    }
    fprintf(stderr, "mhd_ceiling: port %u, %u threads, body %zu bytes\n", port, threads, len);
    int sig;
    sigwait(&sigs, &sig);
    MHD_stop_daemon(d);
    MHD_destroy_response(answer);
    return 0;
}
