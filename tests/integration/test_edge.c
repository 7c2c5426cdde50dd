/*
 * test_edge.c - the server's edge, with its default settings unless a
 * test says otherwise: who the client is, and one client cannot lock the
 * others out.
 *
 *  1. slow_clients_do_not_lock_out: an attacker on 127.0.0.2 opens 600
 *     connections and trickles a header line a second on each; a client on
 *     127.0.0.1 is answered throughout; the server keeps at most the
 *     per-address cap (128) of the attacker's connections and closes every
 *     one of them for its late head, although each sends a byte well
 *     within the idle timeout.
 *  2. forwarded_for_only_from_trusted_proxies: behind a trusted proxy the
 *     per-address login limit counts the X-Forwarded-For client (two
 *     clients behind one proxy have a limit each); a peer that is not a
 *     trusted proxy (127.0.0.2) sends any X-Forwarded-For it likes and is
 *     still counted as itself; with no trusted proxies (the default) the
 *     header is never read.
 *  3. proxied_clients_capped_by_request: behind a trusted proxy the cap
 *     counts the requests in flight of each forwarded client (the proxy's
 *     own connections are exempt).
 *  4. full_worker_queue_answers_503: with every database worker stuck
 *     (one worker, waiting on a row lock the test holds) and
 *     DRILLCAMP_DB_QUEUE requests waiting, the next one is answered 503
 *     at once with Retry-After, and the cached public routes still answer;
 *     the waiting ones are answered once the lock goes.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check_run.h"
#include "harness.h"

static int server_port(void)
{
    const char *colon = strrchr(dc_base_url(), ':');
    ck_assert_ptr_nonnull(colon);
    return atoi(colon + 1);
}

/* A TCP connection to the server from source address src ("127.0.0.2"). */
static int connect_from(const char *src, int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in me = {.sin_family = AF_INET};
    inet_pton(AF_INET, src, &me.sin_addr);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&me, sizeof me) != 0 ||
        connect(fd, (struct sockaddr *)&to, sizeof to) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* One HTTP/1.0 request from src with extra header lines (each ending in
 * \r\n, may be ""); the status of the answer (0 when none came in 10 s). */
static int http_from(const char *src, const char *method, const char *path, const char *headers,
                     const char *body)
{
    int fd = connect_from(src, server_port());
    if (fd < 0)
        return 0;
    char req[2048];
    int n = snprintf(req, sizeof req,
                     "%s %s HTTP/1.0\r\nHost: x\r\n%sContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\n\r\n%s",
                     method, path, headers, body ? strlen(body) : 0, body ? body : "");
    int status = 0;
    if (send(fd, req, (size_t)n, MSG_NOSIGNAL) == n) {
        char head[64] = "";
        size_t have = 0;
        double until = dc_now_s() + 10;
        while (have < sizeof head - 1 && dc_now_s() < until) {
            struct pollfd p = {.fd = fd, .events = POLLIN};
            if (poll(&p, 1, 100) <= 0)
                continue;
            ssize_t k = recv(fd, head + have, sizeof head - 1 - have, 0);
            if (k <= 0)
                break;
            have += (size_t)k;
            head[have] = '\0';
            if (strstr(head, "\r\n"))
                break;
        }
        if (sscanf(head, "HTTP/1.%*d %d", &status) != 1)
            status = 0;
    }
    close(fd);
    return status;
}

/* A metric that must be there. */
static double metric_of(const char *name)
{
    double v = dc_metric(name);
    ck_assert_msg(v >= 0, "metric %s missing", name);
    return v;
}

/* ---- 1. slow clients ---------------------------------------------------- */

#define ATTACK_CONNS 600
#define DEFAULT_CAP  128

struct prober {
    volatile bool stop;
    int ok, failed;
};

/* The normal client: /healthz from 127.0.0.1 every 100 ms. */
static void *probe(void *arg)
{
    struct prober *p = arg;
    while (!p->stop) {
        if (http_from("127.0.0.1", "GET", "/healthz", "", NULL) == 200)
            p->ok++;
        else
            p->failed++;
        dc_nap_ms(100);
    }
    return NULL;
}

/* Sends one header byte on every open attacker connection; marks and
 * closes those the server has closed. Returns how many are still open. */
static int trickle_round(int *fds, int n, char byte)
{
    int open_now = 0;
    for (int i = 0; i < n; i++) {
        if (fds[i] < 0)
            continue;
        char buf[256];
        ssize_t k = recv(fds[i], buf, sizeof buf, MSG_DONTWAIT);
        bool gone = k == 0 || (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
        if (!gone && send(fds[i], &byte, 1, MSG_NOSIGNAL | MSG_DONTWAIT) != 1 && errno != EAGAIN)
            gone = true;
        if (gone) {
            close(fds[i]);
            fds[i] = -1;
            continue;
        }
        open_now++;
    }
    return open_now;
}

START_TEST(slow_clients_do_not_lock_out)
{
    struct rlimit rl;
    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_cur < 2048) {
        rl.rlim_cur = rl.rlim_max < 2048 ? rl.rlim_max : 2048;
        ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
    }
    dc_server_start(NULL); /* every default */
    int port = server_port();
    double timeouts0 = metric_of("drillcamp_http_head_timeouts_total");

    static int fds[ATTACK_CONNS];
    int opened = 0;
    for (int i = 0; i < ATTACK_CONNS; i++) {
        fds[i] = connect_from("127.0.0.2", port);
        if (fds[i] >= 0) {
            static const char line[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
            opened += send(fds[i], line, sizeof line - 1, MSG_NOSIGNAL) > 0;
        }
    }
    ck_assert_int_ge(opened, DEFAULT_CAP + 1);

    struct prober pr = {0};
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, probe, &pr), 0);
    /* a header byte a second: far inside the 30 s idle timeout */
    int open_after_1s = -1, open_now = ATTACK_CONNS;
    double start = dc_now_s();
    while (dc_now_s() - start < 40 && open_now > 0) {
        dc_nap_ms(1000);
        open_now = trickle_round(fds, ATTACK_CONNS, 'X');
        if (open_after_1s < 0)
            open_after_1s = open_now;
    }
    double took = dc_now_s() - start;
    pr.stop = true;
    pthread_join(th, NULL);
    for (int i = 0; i < ATTACK_CONNS; i++)
        if (fds[i] >= 0)
            close(fds[i]);

    fprintf(stderr,
            "slow clients: %d opened, %d kept after 1 s, all closed after %.1f s; the normal "
            "client got %d answers, %d failures\n",
            opened, open_after_1s, took, pr.ok, pr.failed);
    ck_assert_msg(open_after_1s <= DEFAULT_CAP, "%d attacker connections kept (cap %d)",
                  open_after_1s, DEFAULT_CAP);
    ck_assert_msg(open_after_1s >= DEFAULT_CAP / 2, "only %d kept: the cap is not per address",
                  open_after_1s);
    ck_assert_msg(open_now == 0, "%d trickling connections still open after %.0f s", open_now,
                  took);
    ck_assert_int_gt(pr.ok, 10);
    ck_assert_int_eq(pr.failed, 0);
    ck_assert(metric_of("drillcamp_http_head_timeouts_total") - timeouts0 >= open_after_1s);
    ck_assert(metric_of("drillcamp_http_address_cap_refusals_total") > 0);
    ck_assert_int_eq(dc_server_stop(), 0);
}
END_TEST

/* ---- 2. X-Forwarded-For ------------------------------------------------- */

/* A login with a wrong password from src with an X-Forwarded-For line
 * (xff NULL: none): 401 while the address limit has room, then 429. */
static int login_from(const char *src, const char *xff)
{
    char headers[256] = "";
    if (xff)
        snprintf(headers, sizeof headers, "X-Forwarded-For: %s\r\n", xff);
    char phone[12], body[128];
    snprintf(body, sizeof body, "{\"phone\":\"%s\",\"password\":\"wrong password\"}",
             dc_unique_phone(phone));
    return http_from(src, "POST", "/v1/sessions", headers, body);
}

START_TEST(forwarded_for_only_from_trusted_proxies)
{
    /* 127.0.0.1 is the proxy; 127.0.0.2 is a client that is not */
    const char *env[] = {"DRILLCAMP_TRUSTED_PROXIES=10.9.0.0/16, 127.0.0.1",
                         "DRILLCAMP_LIMIT_LOGIN_IP=3", "DRILLCAMP_LIMIT_LOGIN_PHONE=0", NULL};
    dc_server_start(env);
    /* client A behind the proxy: three, then limited */
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(login_from("127.0.0.1", "203.0.113.10"), 401);
    ck_assert_int_eq(login_from("127.0.0.1", "203.0.113.10"), 429);
    /* client B behind the same proxy has a limit of its own; a forged
     * leftmost entry and a trusted hop right of it change nothing */
    ck_assert_int_eq(login_from("127.0.0.1", "203.0.113.10, 203.0.113.11"), 401);
    ck_assert_int_eq(login_from("127.0.0.1", "1.1.1.1, 203.0.113.11, 10.9.1.1"), 401);
    ck_assert_int_eq(login_from("127.0.0.1", "203.0.113.11"), 401);
    ck_assert_int_eq(login_from("127.0.0.1", "203.0.113.11"), 429);
    /* A is still limited whatever it claims to the left */
    ck_assert_int_eq(login_from("127.0.0.1", "198.51.100.1, 203.0.113.10"), 429);
    /* the proxy's own requests (no header) are the proxy's address */
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(login_from("127.0.0.1", NULL), 401);
    ck_assert_int_eq(login_from("127.0.0.1", NULL), 429);

    /* an untrusted peer: each request claims another address, all count
     * against 127.0.0.2 */
    ck_assert_int_eq(login_from("127.0.0.2", "192.0.2.1"), 401);
    ck_assert_int_eq(login_from("127.0.0.2", "192.0.2.2"), 401);
    ck_assert_int_eq(login_from("127.0.0.2", "192.0.2.3"), 401);
    ck_assert_int_eq(login_from("127.0.0.2", "192.0.2.4"), 429);
    ck_assert_int_eq(login_from("127.0.0.2", NULL), 429);
    ck_assert_int_eq(dc_server_stop(), 0);

    /* the default: no trusted proxies, the header is never read */
    const char *plain[] = {"DRILLCAMP_LIMIT_LOGIN_IP=2", "DRILLCAMP_LIMIT_LOGIN_PHONE=0", NULL};
    dc_server_start(plain);
    ck_assert_int_eq(login_from("127.0.0.1", "192.0.2.1"), 401);
    ck_assert_int_eq(login_from("127.0.0.1", "192.0.2.2"), 401);
    ck_assert_int_eq(login_from("127.0.0.1", "192.0.2.3"), 429);
    ck_assert_int_eq(dc_server_stop(), 0);
}
END_TEST

/* ---- 3. the cap behind a proxy ------------------------------------------ */

struct slow_req {
    int fd;
};

START_TEST(proxied_clients_capped_by_request)
{
    const char *env[] = {"DRILLCAMP_TRUSTED_PROXIES=127.0.0.1", "DRILLCAMP_PER_IP_CONNECTIONS=2",
                         NULL};
    dc_server_start(env);
    int port = server_port();
    /* the proxy's connections are exempt from the per-address cap: five
     * open at once, each a request head complete and its body pending
     * (in flight), for clients C (two) and D (one), and two of the proxy's
     * own */
    static const char *who[] = {"192.0.2.50", "192.0.2.50", "192.0.2.51", NULL, NULL};
    int fds[5];
    for (int i = 0; i < 5; i++) {
        fds[i] = connect_from("127.0.0.1", port);
        ck_assert_int_ge(fds[i], 0);
        char req[256];
        int n =
            snprintf(req, sizeof req,
                     "POST /v1/sessions HTTP/1.1\r\nHost: x\r\n%s%s%s"
                     "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
                     who[i] ? "X-Forwarded-For: " : "", who[i] ? who[i] : "", who[i] ? "\r\n" : "");
        ck_assert_int_eq(send(fds[i], req, (size_t)n, MSG_NOSIGNAL), n);
    }
    dc_nap_ms(300);
    /* C has two requests in flight: a third is refused at once; D and
     * the proxy itself are not */
    ck_assert_int_eq(
        http_from("127.0.0.1", "GET", "/v1/lessons", "X-Forwarded-For: 192.0.2.50\r\n", NULL), 429);
    ck_assert_int_eq(
        http_from("127.0.0.1", "GET", "/healthz", "X-Forwarded-For: 192.0.2.51\r\n", NULL), 200);
    ck_assert_int_eq(http_from("127.0.0.1", "GET", "/healthz", "", NULL), 200);
    /* once C's requests end, it is served again */
    for (int i = 0; i < 5; i++)
        close(fds[i]);
    int status = 0;
    for (int tries = 0; tries < 50 && status != 200; tries++) {
        dc_nap_ms(100);
        status = http_from("127.0.0.1", "GET", "/healthz", "X-Forwarded-For: 192.0.2.50\r\n", NULL);
    }
    ck_assert_int_eq(status, 200);
    ck_assert_int_eq(dc_server_stop(), 0);
}
END_TEST

/* ---- 4. the database workers' queue ------------------------------------ */

struct pending {
    const char *method, *path, *token, *body;
    long status;
};

static void *send_pending(void *arg)
{
    struct pending *p = arg;
    struct dc_resp *r = dc_req_on(NULL, p->method, p->path, p->token, p->body);
    p->status = r->status;
    dc_resp_free(r);
    return NULL;
}

START_TEST(full_worker_queue_answers_503)
{
    const char *env[] = {"DRILLCAMP_DB_WORKERS=1", "DRILLCAMP_DB_QUEUE=2", NULL};
    dc_server_start(env);
    char *admin = dc_new_admin_token();
    /* the test's own transaction holds the campaign row */
    PGconn *pg = PQconnectdb(getenv("DATABASE_URL"));
    ck_assert_int_eq(PQstatus(pg), CONNECTION_OK);
    PGresult *r = PQexec(pg, "BEGIN; SELECT id FROM campaigns WHERE id = 1 FOR UPDATE");
    ck_assert_int_eq(PQresultStatus(r), PGRES_TUPLES_OK);
    PQclear(r);
    /* the only worker waits for it; two requests fill the queue */
    struct pending p[3] = {
        {"PATCH", "/v1/admin/campaign", admin, "{\"topic\":\"逃生演练训练营\"}", 0},
        {"GET", "/v1/lessons", NULL, NULL, 0},
        {"GET", "/v1/regions", NULL, NULL, 0},
    };
    pthread_t th[3];
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(pthread_create(&th[i], NULL, send_pending, &p[i]), 0);
        dc_nap_ms(300); /* in this order: the PATCH takes the worker first */
    }
    dc_nap_ms(700);
    for (int i = 0; i < 3; i++)
        ck_assert_msg(p[i].status == 0, "request %d answered (%ld) while the worker waits", i,
                      p[i].status);
    /* the queue is full: the next request is refused at once */
    struct dc_resp *busy = dc_req("GET", "/v1/categories", NULL, NULL);
    dc_expect_error(busy, 503, "unavailable", NULL, "a full worker queue");
    char *ra = dc_resp_header(busy, "Retry-After");
    ck_assert_ptr_nonnull(ra);
    ck_assert_str_eq(ra, "1");
    free(ra);
    dc_resp_free(busy);
    /* answers that need no worker still come */
    struct dc_resp *camp = dc_req("GET", "/v1/campaign", NULL, NULL);
    dc_expect_status(camp, 200, "the cached campaign");
    dc_resp_free(camp);
    /* the lock goes: everything waiting is answered */
    r = PQexec(pg, "COMMIT");
    PQclear(r);
    PQfinish(pg);
    for (int i = 0; i < 3; i++) {
        pthread_join(th[i], NULL);
        ck_assert_msg(p[i].status == 200, "request %d: %ld", i, p[i].status);
    }
    free(admin);
    ck_assert_int_eq(dc_server_stop(), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("edge");
    TCase *tc = tcase_create("edge");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, slow_clients_do_not_lock_out);
    tcase_add_test(tc, forwarded_for_only_from_trusted_proxies);
    tcase_add_test(tc, proxied_clients_capped_by_request);
    tcase_add_test(tc, full_worker_queue_answers_503);
    suite_add_tcase(s, tc);
    return check_run_suite(s);
}
