/*
 * ulfius_peer.c - the peer of the benchmark: the same fixed JSON answer as
 * mhd_ceiling.c, from Ulfius (Debian's libulfius-dev 2.7, the C REST
 * framework on libmicrohttpd and jansson), as a minimal Ulfius program
 * writes it.
 *
 *   ulfius_peer PORT BODY_FILE
 *
 * Threads: ulfius_start_framework's defaults, which Ulfius does not let a
 * program change short of ulfius_start_framework_with_mhd_options:
 * libmicrohttpd's thread per connection (MHD_USE_THREAD_PER_CONNECTION |
 * MHD_USE_INTERNAL_POLLING_THREAD, plus MHD_ALLOW_UPGRADE for websockets),
 * so 64 connections are served by 64 threads. The callback sets the body
 * with ulfius_set_string_body_response, which copies it for each answer, as
 * any Ulfius handler's answer is copied. Runs until SIGINT or SIGTERM.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ulfius.h>

static char *body;

static int on_get(const struct _u_request *req, struct _u_response *resp, void *user)
{
    (void)req;
    (void)user;
    u_map_put(resp->map_header, "Content-Type", "application/json; charset=utf-8");
    ulfius_set_string_body_response(resp, 200, body);
    return U_CALLBACK_CONTINUE;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf)
        buf[n] = '\0';
    fclose(f);
    return buf;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: ulfius_peer PORT BODY_FILE\n");
        return 2;
    }
    unsigned port = (unsigned)strtoul(argv[1], NULL, 10);
    body = read_file(argv[2]);
    if (!body) {
        fprintf(stderr, "ulfius_peer: cannot read %s\n", argv[2]);
        return 1;
    }
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

    struct _u_instance inst;
    if (ulfius_init_instance(&inst, port, &addr, NULL) != U_OK) {
        fprintf(stderr, "ulfius_peer: ulfius_init_instance failed\n");
        return 1;
    }
    ulfius_add_endpoint_by_val(&inst, "GET", "/v1", "/leaderboard", 0, on_get, NULL);
    ulfius_set_default_endpoint(&inst, on_get, NULL);
    if (ulfius_start_framework(&inst) != U_OK) {
        fprintf(stderr, "ulfius_peer: cannot listen on port %u\n", port);
        ulfius_clean_instance(&inst);
        return 1;
    }
    fprintf(stderr, "ulfius_peer: port %u, thread per connection, body %zu bytes\n", port,
            strlen(body));
    int sig;
    sigwait(&sigs, &sig);
    ulfius_stop_framework(&inst);
    ulfius_clean_instance(&inst);
    free(body);
    return 0;
}
