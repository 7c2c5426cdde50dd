/*
 * harness.c - starts the real server and talks HTTP to it with libcurl.
 */
#include "harness.h"

#include "check_run.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Instance 0 is the server of dc_server_start; the others are started by
 * dc_server_start_at, against the same database. */
static pid_t server_pids[DC_MAX_SERVERS];
static char base_urls[DC_MAX_SERVERS][64];

static void die(const char *msg)
{
    fprintf(stderr, "harness: %s\n", msg);
    exit(2);
}

static dc_answer_check_fn answer_check;

void dc_set_answer_check(dc_answer_check_fn fn)
{
    answer_check = fn;
}

/* An asserting helper's answer, through the program's answer check. */
static struct dc_resp *checked(struct dc_resp *r, const char *what)
{
    if (answer_check)
        answer_check(r, what);
    return r;
}

/* DATABASE_URL naming database `name`: a URI gets its path replaced, a
 * conninfo string gets " dbname=NAME" appended (a later keyword wins). */
static char *url_with_db(const char *base, const char *name)
{
    size_t cap = strlen(base) + strlen(name) + 32;
    char *out = malloc(cap);
    if (!out)
        die("out of memory");
    const char *rest = NULL;
    if (strncmp(base, "postgresql://", 13) == 0)
        rest = base + 13;
    else if (strncmp(base, "postgres://", 11) == 0)
        rest = base + 11;
    if (!rest) {
        snprintf(out, cap, "%s dbname=%s", base, name);
        return out;
    }
    size_t auth = strcspn(rest, "/?");
    const char *query = strchr(rest + auth, '?');
    snprintf(out, cap, "%.*s/%s%s", (int)(rest - base + auth), base, name, query ? query : "");
    return out;
}

static char own_db[80];
static char *cluster_url; /* DATABASE_URL as given: the database to create ours from */
static pid_t own_db_creator;

static void no_notices(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static void drop_own_database(void)
{
    if (getpid() != own_db_creator || !own_db[0])
        return;
    PGconn *pg = PQconnectdb(cluster_url);
    char sql[160];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", own_db);
    PQclear(PQexec(pg, sql));
    PQfinish(pg);
}

/*
 * Each test program gets a database of its own, made on first use from the
 * cluster in DATABASE_URL (which then names it, for the server, the CLI
 * and dc_sql_value): programs can run side by side without seeing each
 * other's campaign, rows or counters. Dropped when the program exits.
 */
static const char *database_url(void)
{
    const char *u = getenv("DATABASE_URL");
    if (!u || !*u)
        die("DATABASE_URL is not set: integration tests need the test PostgreSQL "
            "(run them through scripts/test.sh)");
    if (own_db[0])
        return u;
    cluster_url = strdup(u);
    snprintf(own_db, sizeof own_db, "dc_%.40s_%d", program_invocation_short_name, (int)getpid());
    for (char *c = own_db; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9')))
            *c = '_';
    PGconn *pg = PQconnectdb(cluster_url);
    PQsetNoticeProcessor(pg, no_notices, NULL);
    char sql[160];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", own_db);
    PQclear(PQexec(pg, sql));
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", own_db);
    PGresult *r = PQexec(pg, sql);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        fprintf(stderr, "harness: CREATE DATABASE failed: %s", PQerrorMessage(pg));
    PQclear(r);
    PQfinish(pg);
    if (!ok)
        die("cannot create the test program's database");
    char *mine = url_with_db(cluster_url, own_db);
    setenv("DATABASE_URL", mine, 1);
    free(mine);
    own_db_creator = getpid();
    atexit(drop_own_database);
    return getenv("DATABASE_URL");
}

/* Whether port is free on 127.0.0.1 (0: let the kernel pick); fills *out. */
static bool try_port(int port, int *out)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    bool ok = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
              getsockname(fd, (struct sockaddr *)&a, &len) == 0;
    if (ok)
        *out = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return ok;
}

/*
 * A port for the next server. Programs run side by side (ctest -j), and a
 * port found free here is bound by the server a moment later: each program
 * takes its ports from a block of ten of its own, below the kernel's
 * ephemeral range, so that two programs never pick the same one.
 */
static int free_port(void)
{
    static int next;
    int port;
    for (int i = 0; i < 10; i++)
        if (try_port(20000 + (int)(getpid() % 1200) * 10 + next++ % 10, &port))
            return port;
    if (!try_port(0, &port))
        die("no free port");
    return port;
}

/* server-PID.log for instance 0, server-PID-I.log for instance I. */
static char *log_path(int instance)
{
    static char path[512];
    const char *dir = getenv("DC_TEST_LOG_DIR");
    if (!dir)
        dir = ".";
    mkdir(dir, 0755);
    if (instance == 0)
        snprintf(path, sizeof path, "%s/server-%d.log", dir, (int)getpid());
    else
        snprintf(path, sizeof path, "%s/server-%d-%d.log", dir, (int)getpid(), instance);
    return path;
}

/* Tests sign with a key of their own, made here unless the environment
 * names one. */
static void ensure_signing_key(void)
{
    const char *k = getenv("DRILLCAMP_SIGNING_KEY");
    if (k && *k)
        return;
    static char path[600];
    const char *dir = getenv("DC_TEST_LOG_DIR");
    snprintf(path, sizeof path, "%s/signing-%d.pem", dir ? dir : ".", (int)getpid());
    char cmd[800];
    snprintf(cmd, sizeof cmd, "openssl genpkey -algorithm ed25519 -out '%s' 2>/dev/null", path);
    if (system(cmd) != 0)
        die("cannot make a signing key with openssl");
    setenv("DRILLCAMP_SIGNING_KEY", path, 1);
}

/* Lowercase hex of n bytes into out (2n + 1 bytes). */
static void hex_of(const unsigned char *raw, size_t n, char *out)
{
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
}

/* The partner-secret sealing key: random per test run unless given. */
static void ensure_partner_key(void)
{
    const char *k = getenv("DRILLCAMP_PARTNER_KEY");
    if (k && *k)
        return;
    unsigned char raw[32];
    int fd = open("/dev/urandom", O_RDONLY);
    if (fd < 0 || read(fd, raw, sizeof raw) != (ssize_t)sizeof raw)
        die("no randomness");
    close(fd);
    char hex[65];
    hex_of(raw, sizeof raw, hex);
    setenv("DRILLCAMP_PARTNER_KEY", hex, 1);
}

/* Starts instance i; with_parent: it is sent SIGTERM when the thread
 * that started it ends. */
static void start_instance(int inst, const char *const *extra_env, bool with_parent)
{
    if (inst < 0 || inst >= DC_MAX_SERVERS)
        die("no such server instance");
    (void)database_url();
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int port = free_port();
    char *base_url = base_urls[inst];
    snprintf(base_url, sizeof base_urls[inst], "http://127.0.0.1:%d", port);
    char *log = log_path(inst);
    ensure_signing_key();
    ensure_partner_key();
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0)
        die("fork failed");
    if (pid == 0) {
        if (with_parent && (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent))
            _exit(127);
        char ps[16];
        snprintf(ps, sizeof ps, "%d", port);
        setenv("DRILLCAMP_PORT", ps, 1);
        setenv("DRILLCAMP_BIND", "127.0.0.1", 1);
        if (!getenv("DRILLCAMP_THREADS"))
            setenv("DRILLCAMP_THREADS", "4", 1);
        /* every test client comes from 127.0.0.1: the per-IP and
         * per-account limits stay out of the way unless a test sets them */
        static const char *const LIMITS[] = {
            "DRILLCAMP_LIMIT_LOGIN_PHONE",      "DRILLCAMP_LIMIT_LOGIN_IP",
            "DRILLCAMP_LIMIT_REGISTER_IP",      "DRILLCAMP_LIMIT_LIKES_ACCOUNT",
            "DRILLCAMP_LIMIT_PROGRESS_ACCOUNT", "DRILLCAMP_LIMIT_PARTNER_KEY"};
        for (size_t i = 0; i < sizeof LIMITS / sizeof LIMITS[0]; i++)
            if (!getenv(LIMITS[i]))
                setenv(LIMITS[i], "0", 1);
        /* tests register and log in from several threads at once; the cap
         * on concurrent hashes has its own test (test_faults) */
        if (!getenv("DRILLCAMP_HASH_CONCURRENCY"))
            setenv("DRILLCAMP_HASH_CONCURRENCY", "16", 1);
        for (const char *const *e = extra_env; e && *e; e++)
            putenv(strdup(*e));
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        /* the test command checks the server for leaks, not the tests */
        if (getenv("DC_SERVER_ASAN_OPTIONS"))
            setenv("ASAN_OPTIONS", getenv("DC_SERVER_ASAN_OPTIONS"), 1);
        /* DC_SERVER_WRAPPER="valgrind --leak-check=full ...": the server
         * runs under that tool (scripts/valgrind.sh) */
        char *argv[32];
        int argc = 0;
        char *wrapper = getenv("DC_SERVER_WRAPPER") ? strdup(getenv("DC_SERVER_WRAPPER")) : NULL;
        for (char *tok = wrapper ? strtok(wrapper, " ") : NULL; tok && argc < 28;
             tok = strtok(NULL, " "))
            argv[argc++] = tok;
        argv[argc++] = DRILLCAMP_BIN;
        argv[argc++] = "serve";
        argv[argc++] = "--migrate";
        argv[argc] = NULL;
        execvp(argv[0], argv);
        _exit(127);
    }
    server_pids[inst] = pid;
    /* a server under valgrind takes far longer to come up */
    int tries = getenv("DC_SERVER_WRAPPER") ? 1800 : 300;
    for (int t = 0; t < tries; t++) {
        struct dc_resp *r = dc_http_at(NULL, base_url, "GET", "/healthz", NULL, NULL, 0);
        long st = r->status;
        dc_resp_free(r);
        if (st == 200)
            return;
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            fprintf(stderr, "harness: the server exited early; see %s\n", log);
            exit(2);
        }
        usleep(100 * 1000);
    }
    kill(pid, SIGKILL);
    die("the server did not answer /healthz in time");
}

void dc_server_start(const char *const *extra_env)
{
    start_instance(0, extra_env, false);
}

void dc_server_start_at(int i, const char *const *extra_env)
{
    start_instance(i, extra_env, true);
}

int dc_server_kill_at(int i, int sig)
{
    if (i < 0 || i >= DC_MAX_SERVERS || server_pids[i] <= 0)
        return -1;
    kill(server_pids[i], sig);
    int status = 0;
    while (waitpid(server_pids[i], &status, 0) < 0 && errno == EINTR)
        ;
    server_pids[i] = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int dc_server_stop_at(int i)
{
    return dc_server_kill_at(i, SIGTERM);
}

int dc_server_stop(void)
{
    return dc_server_stop_at(0);
}

int dc_server_pid_at(int i)
{
    return i >= 0 && i < DC_MAX_SERVERS ? (int)server_pids[i] : 0;
}

int dc_server_pid(void)
{
    return dc_server_pid_at(0);
}

const char *dc_base_url_at(int i)
{
    return i >= 0 && i < DC_MAX_SERVERS ? base_urls[i] : "";
}

const char *dc_base_url(void)
{
    return dc_base_url_at(0);
}

struct growbuf {
    char *p;
    size_t len;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct growbuf *b = ud;
    size_t n = size * nmemb;
    char *np = realloc(b->p, b->len + n + 1);
    if (!np)
        return 0;
    memcpy(np + b->len, ptr, n);
    b->p = np;
    b->len += n;
    b->p[b->len] = '\0';
    return n;
}

size_t dc_curl_grow(char *ptr, size_t size, size_t nmemb, void *ud)
{
    char **p = ud;
    size_t old = strlen(*p), n = size * nmemb;
    char *np = realloc(*p, old + n + 1);
    if (!np)
        return 0;
    memcpy(np + old, ptr, n);
    np[old + n] = '\0';
    *p = np;
    return n;
}

void dc_pad_bytes(char *buf, size_t pos, size_t n, size_t total)
{
    static const char head[] = "{\"pad\":\"", tail[] = "\"}";
    for (size_t i = 0; i < n; i++, pos++) {
        size_t from_end = total - pos;
        if (pos < sizeof head - 1)
            buf[i] = head[pos];
        else if (from_end <= sizeof tail - 1)
            buf[i] = tail[sizeof tail - 1 - from_end];
        else
            buf[i] = 'a';
    }
}

struct dc_resp *dc_http_at(void *curl, const char *base, const char *method, const char *path,
                           const char *const *lines, const char *body, size_t body_len)
{
    CURL *c = curl;
    bool own = c == NULL;
    if (own)
        c = curl_easy_init();
    else
        curl_easy_reset(c); /* keeps the open connection */
    struct dc_resp *r = calloc(1, sizeof *r);
    struct growbuf b = {calloc(1, 1), 0}, h = {calloc(1, 1), 0};
    char url[4096];
    snprintf(url, sizeof url, "%s%s", base, path);
    struct curl_slist *hdrs = curl_slist_append(NULL, "Expect:");
    for (const char *const *l = lines; l && *l; l++)
        hdrs = curl_slist_append(hdrs, *l);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    }
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(hdrs);
    if (own)
        curl_easy_cleanup(c);
    r->body = b.p;
    r->body_len = b.len;
    r->headers = h.p;
    if (b.len)
        r->json = json_loadb(b.p, b.len, 0, NULL);
    return r;
}

struct dc_resp *dc_http_on(void *curl, const char *method, const char *path,
                           const char *const *lines, const char *body, size_t body_len)
{
    return dc_http_at(curl, base_urls[0], method, path, lines, body, body_len);
}

struct dc_resp *dc_http_lines(const char *method, const char *path, const char *const *lines,
                              const char *body, size_t body_len)
{
    return dc_http_on(NULL, method, path, lines, body, body_len);
}

/* A request with a bearer token (NULL: none) and a Content-Type (NULL:
 * none sent, "": an empty one). */
static struct dc_resp *http_auth_at(void *curl, const char *base, const char *method,
                                    const char *path, const char *token, const char *content_type,
                                    const char *body, size_t body_len)
{
    char auth[512], ct[256];
    const char *lines[3] = {NULL, NULL, NULL};
    int n = 0;
    if (token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        lines[n++] = auth;
    }
    if (content_type) {
        /* "Content-Type:" with no value makes libcurl send none */
        snprintf(ct, sizeof ct, "Content-Type:%s%s", *content_type ? " " : "", content_type);
        lines[n++] = ct;
    }
    return dc_http_at(curl, base, method, path, lines, body, body_len);
}

struct dc_resp *dc_http(const char *method, const char *path, const char *token,
                        const char *content_type, const char *body, size_t body_len)
{
    return http_auth_at(NULL, base_urls[0], method, path, token, content_type, body, body_len);
}

struct dc_resp *dc_req_at(void *curl, const char *base, const char *method, const char *path,
                          const char *token, const char *json)
{
    return http_auth_at(curl, base, method, path, token, json ? "application/json" : NULL, json,
                        json ? strlen(json) : 0);
}

struct dc_resp *dc_req_on(void *curl, const char *method, const char *path, const char *token,
                          const char *json)
{
    return dc_req_at(curl, base_urls[0], method, path, token, json);
}

struct dc_resp *dc_req(const char *method, const char *path, const char *token, const char *json)
{
    return dc_req_on(NULL, method, path, token, json);
}

void dc_resp_free(struct dc_resp *r)
{
    if (!r)
        return;
    free(r->body);
    free(r->headers);
    json_decref(r->json);
    free(r);
}

char *dc_resp_header(const struct dc_resp *r, const char *name)
{
    size_t n = strlen(name);
    for (const char *line = r->headers; line && *line;) {
        const char *end = strstr(line, "\r\n");
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (len > n && strncasecmp(line, name, n) == 0 && line[n] == ':') {
            const char *v = line + n + 1;
            while (*v == ' ')
                v++;
            return strndup(v, len - (size_t)(v - line));
        }
        line = end ? end + 2 : NULL;
    }
    return NULL;
}

const char *dc_err_code_of(const struct dc_resp *r)
{
    const char *s = json_string_value(json_object_get(json_object_get(r->json, "error"), "code"));
    return s ? s : "";
}

const char *dc_str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

json_int_t dc_int(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    ck_assert_msg(json_is_integer(v), "%s is not an integer", key);
    return json_integer_value(v);
}

struct dc_resp *dc_send_json(const char *method, const char *path, const char *token, json_t *body)
{
    ck_assert_ptr_nonnull(body);
    char *text = json_dumps(body, JSON_COMPACT);
    ck_assert_ptr_nonnull(text);
    struct dc_resp *r = dc_req(method, path, token, text);
    free(text);
    json_decref(body);
    return r;
}

void dc_expect_status(const struct dc_resp *r, long status, const char *what)
{
    ck_assert_msg(r->status == status, "%s: status %ld, want %ld; body %.1500s", what, r->status,
                  status, r->body);
}

void dc_expect_error(const struct dc_resp *r, long status, const char *code, const char *field,
                     const char *what)
{
    dc_expect_status(r, status, what);
    ck_assert_msg(strcmp(dc_err_code_of(r), code) == 0, "%s: code %s, want %s; body %s", what,
                  dc_err_code_of(r), code, r->body);
    if (field) {
        const char *f = dc_str(json_object_get(r->json, "error"), "field");
        ck_assert_msg(f && strcmp(f, field) == 0, "%s: field %s, want %s", what, f ? f : "(none)",
                      field);
    }
}

struct dc_resp *dc_expect(const char *method, const char *path, const char *token, json_t *body,
                          long status)
{
    struct dc_resp *r =
        body ? dc_send_json(method, path, token, body) : dc_req(method, path, token, NULL);
    dc_expect_status(checked(r, path), status, path);
    return r;
}

json_t *dc_expect_json(const char *method, const char *path, const char *token, json_t *body,
                       long status, const char *what)
{
    struct dc_resp *r =
        body ? dc_send_json(method, path, token, body) : dc_req(method, path, token, NULL);
    dc_expect_status(checked(r, what), status, what);
    json_t *j = json_incref(r->json);
    dc_resp_free(r);
    return j;
}

char *dc_unique_phone(char *out)
{
    unsigned char raw[8];
    int fd = open("/dev/urandom", O_RDONLY);
    if (fd < 0 || read(fd, raw, sizeof raw) != (ssize_t)sizeof raw)
        die("no randomness");
    close(fd);
    unsigned long long v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | raw[i];
    snprintf(out, 12, "1%c%09llu", '3' + (int)(v % 7), (v / 7) % 1000000000ULL);
    return out;
}

/* POST path with body (stolen), without a token; a 503 answer is sent
 * again a second later, up to busy_retries times. Never asserts. */
static struct dc_resp *post_retrying(const char *path, json_t *body, int busy_retries)
{
    char *text = dc_dumps(body);
    struct dc_resp *r = dc_req("POST", path, NULL, text);
    for (int attempt = 0; r->status == 503 && attempt < busy_retries; attempt++) {
        dc_resp_free(r);
        sleep(1);
        r = dc_req("POST", path, NULL, text);
    }
    free(text);
    return r;
}

static json_t *register_body(const char *phone, const char *password, const char *display_name)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s}", "phone", phone, "password", password,
                     "display_name", display_name, "kind", "individual", "region_code", "350100");
}

static json_t *login_body(const char *phone, const char *password)
{
    return json_pack("{s:s, s:s}", "phone", phone, "password", password);
}

/* The string member of a 201 answer (freed here), malloc'ed; NULL, said
 * on stderr, otherwise. */
static char *member_of_201(struct dc_resp *r, const char *what, const char *member)
{
    const char *v = r->status == 201 ? dc_str(r->json, member) : NULL;
    char *out = v ? dc_strdup(v) : NULL;
    if (!out)
        fprintf(stderr, "harness: %s answered %ld %.500s\n", what, r->status, r->body);
    dc_resp_free(r);
    return out;
}

char *dc_register(const char *phone, const char *password, const char *display_name)
{
    return member_of_201(
        post_retrying("/v1/accounts", register_body(phone, password, display_name), 0), "register",
        "id");
}

char *dc_login(const char *phone, const char *password)
{
    return member_of_201(post_retrying("/v1/sessions", login_body(phone, password), 0), "login",
                         "token");
}

/* One step of making a user: the member of a 201 answer (freed here) into
 * out (cap bytes). asserting: ck_assert (and the answer check) on a
 * failure; otherwise false, said on stderr. */
static bool user_step(struct dc_resp *r, bool asserting, const char *what, const char *member,
                      char *out, size_t cap)
{
    if (asserting)
        dc_expect_status(checked(r, what), 201, what);
    const char *v = r->status == 201 ? dc_str(r->json, member) : NULL;
    bool ok = v && *v && strlen(v) < cap;
    if (ok)
        memcpy(out, v, strlen(v) + 1);
    else if (asserting)
        ck_abort_msg("%s: no %s of fewer than %zu bytes in %.500s", what, member, cap, r->body);
    else
        fprintf(stderr, "harness: %s answered %ld %.500s\n", what, r->status, r->body);
    dc_resp_free(r);
    return ok;
}

static bool make_user(struct dc_user *u, const char *display_name, int busy_retries, bool asserting)
{
    char name[sizeof u->name];
    const char *want = display_name ? display_name : "测试用户";
    bool fits = strlen(want) < sizeof name;
    if (asserting)
        ck_assert_msg(fits, "display_name %s is too long for struct dc_user", want);
    snprintf(name, sizeof name, "%s", want); /* display_name may be u->name */
    memset(u, 0, sizeof *u);
    memcpy(u->name, name, sizeof name);
    dc_unique_phone(u->phone);
    return fits &&
           user_step(post_retrying("/v1/accounts", register_body(u->phone, DC_PASSWORD, u->name),
                                   busy_retries),
                     asserting, "register", "id", u->id, sizeof u->id) &&
           user_step(post_retrying("/v1/sessions", login_body(u->phone, DC_PASSWORD), busy_retries),
                     asserting, "login", "token", u->token, sizeof u->token);
}

struct dc_user dc_new_user(const char *display_name)
{
    struct dc_user u;
    make_user(&u, display_name, 0, true);
    return u;
}

bool dc_try_new_user(struct dc_user *u, const char *display_name, int busy_retries)
{
    return make_user(u, display_name, busy_retries, false);
}

char *dc_new_admin_token(void)
{
    char phone[12];
    dc_unique_phone(phone);
    const char *args[] = {"create-admin", "--phone", phone, NULL};
    const char *env[] = {"DRILLCAMP_ADMIN_PASSWORD=admin pass 123", NULL};
    if (dc_run_cli(args, env, NULL, NULL) != 0)
        return NULL;
    return dc_login(phone, "admin pass 123");
}

int dc_run_cli(const char *const *args, const char *const *extra_env, const char *stdin_text,
               char **out)
{
    (void)database_url();
    int in[2], outp[2];
    if (pipe(in) != 0 || pipe(outp) != 0)
        die("pipe failed");
    pid_t pid = fork();
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(outp[1], 1);
        dup2(outp[1], 2);
        close(in[1]);
        close(outp[0]);
        for (const char *const *e = extra_env; e && *e; e++)
            putenv(strdup(*e));
        const char *argv[16] = {DRILLCAMP_BIN};
        int n = 1;
        for (const char *const *a = args; *a && n < 15; a++)
            argv[n++] = *a;
        argv[n] = NULL;
        execv(DRILLCAMP_BIN, (char *const *)argv);
        _exit(127);
    }
    close(in[0]);
    close(outp[1]);
    if (stdin_text && write(in[1], stdin_text, strlen(stdin_text)) < 0)
        die("write failed");
    close(in[1]);
    struct growbuf b = {calloc(1, 1), 0};
    char chunk[4096];
    ssize_t k;
    while ((k = read(outp[0], chunk, sizeof chunk)) > 0)
        on_data(chunk, 1, (size_t)k, &b);
    close(outp[0]);
    int status;
    waitpid(pid, &status, 0);
    if (out)
        *out = b.p;
    else
        free(b.p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

char *dc_sql_value(const char *sql)
{
    PGconn *pg = PQconnectdb(database_url());
    char *v = NULL;
    if (PQstatus(pg) == CONNECTION_OK) {
        PGresult *r = PQexec(pg, sql);
        if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
            v = strdup(PQgetvalue(r, 0, 0));
        PQclear(r);
    }
    PQfinish(pg);
    return v;
}

static void pg_script(const char *cmd, const char *mode)
{
    const char *dir = getenv("DC_TEST_PGDIR");
    if (!dir || !*dir)
        die("DC_TEST_PGDIR is not set (run through scripts/test.sh)");
    char line[1024];
    snprintf(line, sizeof line, "'%s/scripts/pg.sh' %s '%s' %s >/dev/null", SOURCE_DIR, cmd, dir,
             mode ? mode : "");
    if (system(line) != 0)
        die("scripts/pg.sh failed");
}

void dc_pg_stop(const char *mode)
{
    pg_script("stop", mode ? mode : "fast");
}

void dc_pg_start(void)
{
    pg_script("start", NULL);
}

static void add_tests(TCase *tc, va_list ap)
{
    for (const TTest *t; (t = va_arg(ap, const TTest *)) != NULL;)
        tcase_add_test(tc, t);
}

TCase *dc_add_tcase(Suite *s, const char *name, int timeout, ...)
{
    TCase *tc = tcase_create(name);
    if (timeout > 0)
        tcase_set_timeout(tc, timeout);
    va_list ap;
    va_start(ap, timeout);
    add_tests(tc, ap);
    va_end(ap);
    suite_add_tcase(s, tc);
    return tc;
}

void dc_add_tests(TCase *tc, ...)
{
    va_list ap;
    va_start(ap, tc);
    add_tests(tc, ap);
    va_end(ap);
}

int dc_run_suite(Suite *s)
{
    return check_run_suite(s);
}

/* ---- partners ---- */

void dc_partner_sign(const char *secret, const char *method, const char *target, const char *ts,
                     const char *body, char out[65])
{
    unsigned char digest[SHA256_DIGEST_LENGTH], mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    char body_hex[65];
    const char *b = body ? body : "";
    SHA256((const unsigned char *)b, strlen(b), digest);
    hex_of(digest, sizeof digest, body_hex);
    size_t n = strlen(method) + strlen(target) + strlen(ts) + strlen(body_hex) + 4;
    char *msg = malloc(n);
    if (!msg)
        die("out of memory");
    int len = snprintf(msg, n, "%s\n%s\n%s\n%s", method, target, ts, body_hex);
    if (!HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)msg, (size_t)len,
              mac, &mac_len))
        die("HMAC failed");
    hex_of(mac, mac_len, out);
    free(msg);
}

static struct dc_resp *partner_send_on(void *curl, const char *method, const char *target,
                                       const char *key_id, const char *ts, const char *sig,
                                       const char *body)
{
    char key_line[256], ts_line[128], sig_line[256];
    const char *lines[5] = {NULL};
    int n = 0;
    if (key_id) {
        snprintf(key_line, sizeof key_line, "X-Partner-Key: %s", key_id);
        lines[n++] = key_line;
    }
    if (ts) {
        snprintf(ts_line, sizeof ts_line, "X-Timestamp: %s", ts);
        lines[n++] = ts_line;
    }
    if (sig) {
        snprintf(sig_line, sizeof sig_line, "X-Signature: %s", sig);
        lines[n++] = sig_line;
    }
    if (body)
        lines[n++] = "Content-Type: application/json";
    return dc_http_on(curl, method, target, lines, body, body ? strlen(body) : 0);
}

struct dc_resp *dc_partner_send(const char *method, const char *target, const char *key_id,
                                const char *ts, const char *sig, const char *body)
{
    return partner_send_on(NULL, method, target, key_id, ts, sig, body);
}

struct dc_resp *dc_partner_call_on(void *curl, const struct dc_partner_cred *p, const char *method,
                                   const char *target, const char *body)
{
    char ts[32], sig[65];
    snprintf(ts, sizeof ts, "%lld", (long long)time(NULL));
    dc_partner_sign(p->secret, method, target, ts, body, sig);
    return partner_send_on(curl, method, target, p->key_id, ts, sig, body);
}

struct dc_resp *dc_partner_call(const struct dc_partner_cred *p, const char *method,
                                const char *target, const char *body)
{
    return dc_partner_call_on(NULL, p, method, target, body);
}

struct dc_resp *dc_partner_expect(const struct dc_partner_cred *p, const char *method,
                                  const char *target, const char *body, long status,
                                  const char *what)
{
    struct dc_resp *r = dc_partner_call(p, method, target, body);
    dc_expect_status(checked(r, what), status, what);
    return r;
}

void dc_new_partner(const char *admin_token, const char *name, struct dc_partner_cred *out)
{
    struct dc_resp *r =
        dc_send_json("POST", "/v1/admin/partners", admin_token, json_pack("{s:s}", "name", name));
    dc_expect_status(checked(r, "create partner"), 201, "create partner");
    ck_assert_ptr_nonnull(dc_str(r->json, "id"));
    ck_assert_ptr_nonnull(dc_str(r->json, "key_id"));
    ck_assert_ptr_nonnull(dc_str(r->json, "secret"));
    snprintf(out->id, sizeof out->id, "%s", dc_str(r->json, "id"));
    snprintf(out->key_id, sizeof out->key_id, "%s", dc_str(r->json, "key_id"));
    snprintf(out->secret, sizeof out->secret, "%s", dc_str(r->json, "secret"));
    dc_resp_free(r);
}

/* The printf-formatted text, malloc'ed. */
__attribute__((format(printf, 1, 0))) static char *vformat(const char *fmt, va_list ap)
{
    char *text = NULL;
    if (vasprintf(&text, fmt, ap) < 0)
        die("out of memory");
    return text;
}

char *dc_sql_fmt(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *sql = vformat(fmt, ap);
    va_end(ap);
    char *v = dc_sql_value(sql);
    free(sql);
    return v;
}

long long dc_sql_ll(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *sql = vformat(fmt, ap);
    va_end(ap);
    char *v = dc_sql_value(sql);
    ck_assert_msg(v != NULL, "no value from: %s", sql);
    long long r = strtoll(v, NULL, 10);
    free(v);
    free(sql);
    return r;
}

/* ---- small shared helpers ---- */

double dc_now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

void dc_iso_time(time_t t, char out[32])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

bool dc_is_rfc3339(const char *s)
{
    return s && strlen(s) >= 20 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' &&
           s[16] == ':' && (s[strlen(s) - 1] == 'Z' || strchr(s + 19, '+'));
}

bool dc_all_digits(const char *s)
{
    return s && *s && strspn(s, "0123456789") == strlen(s);
}

uint64_t dc_rnd_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

struct par {
    int n;
    atomic_int next;
    dc_job_fn fn;
    void *ctx;
};

static void *par_worker(void *arg)
{
    struct par *p = arg;
    for (int i; (i = atomic_fetch_add(&p->next, 1)) < p->n;)
        p->fn(i, p->ctx);
    return NULL;
}

void dc_run_parallel(int n, int workers, dc_job_fn fn, void *ctx)
{
    struct par p = {.n = n, .fn = fn, .ctx = ctx};
    atomic_init(&p.next, 0);
    pthread_t th[32];
    int started = 0;
    for (int w = 0; w < workers && w < 32; w++)
        if (pthread_create(&th[started], NULL, par_worker, &p) == 0)
            started++;
    par_worker(&p); /* this thread helps too, so the jobs finish even without threads */
    for (int w = 0; w < started; w++)
        pthread_join(th[w], NULL);
}

/* ---- campaign, submissions, moderation ---- */

const char *dc_phase_name(enum dc_phase p)
{
    static const char *const names[] = {"live", "ended", "warmup", "upcoming"};
    return names[p];
}

/* Whether the campaign's answered rules hold every rule sent. */
static void expect_rules_echoed(const json_t *sent, const json_t *got)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)sent, key, v)
    {
        json_t *g = json_object_get(got, key);
        bool same = json_is_real(v)
                        ? json_is_number(g) && json_number_value(g) == json_real_value(v)
                        : json_equal(v, g);
        ck_assert_msg(same, "campaign PATCH: rules.%s did not come back as sent", key);
    }
}

void dc_phase_times(enum dc_phase p, char warmup[32], char launch[32], char ends[32])
{
    const time_t day = 86400, now = time(NULL);
    time_t w, l, e;
    switch (p) {
    case DC_LIVE:
        w = now - 2 * day, l = now - day, e = now + 30 * day;
        break;
    case DC_ENDED:
        w = now - 30 * day, l = now - 20 * day, e = now - day;
        break;
    case DC_WARMUP:
        w = now - day, l = now + day, e = now + 30 * day;
        break;
    default:
        w = now + day, l = now + 2 * day, e = now + 30 * day;
        break;
    }
    dc_iso_time(w, warmup);
    dc_iso_time(l, launch);
    dc_iso_time(e, ends);
}

json_t *dc_rules_json(struct dc_rules rules)
{
    json_t *j = json_object();
    if (rules.class_hour_seconds)
        json_object_set_new(j, "class_hour_seconds", json_integer(rules.class_hour_seconds));
    if (rules.required_class_hours)
        json_object_set_new(j, "required_class_hours", json_integer(rules.required_class_hours));
    if (rules.require_checkin != DC_CHECKIN_UNSENT)
        json_object_set_new(j, "require_checkin",
                            json_boolean(rules.require_checkin == DC_CHECKIN_ON));
    if (rules.max_playback_rate != 0)
        json_object_set_new(j, "max_playback_rate", json_real(rules.max_playback_rate));
    if (rules.top_n)
        json_object_set_new(j, "top_n", json_integer(rules.top_n));
    return dc_need(j);
}

void dc_campaign_set(const char *admin_token, enum dc_phase p, struct dc_rules rules)
{
    char ws[32], ls[32], es[32];
    dc_phase_times(p, ws, ls, es);
    json_t *sent = dc_rules_json(rules);
    json_t *body = json_pack("{s:s, s:s, s:s, s:s}", "warmup_at", ws, "launch_at", ls, "ends_at",
                             es, "topic", DC_TOPIC);
    if (json_object_size(sent) > 0)
        json_object_set(body, "rules", sent);
    struct dc_resp *r = dc_send_json("PATCH", "/v1/admin/campaign", admin_token, body);
    dc_expect_status(checked(r, "campaign PATCH"), 200, "campaign PATCH");
    ck_assert_str_eq(dc_str(r->json, "phase"), dc_phase_name(p));
    expect_rules_echoed(sent, json_object_get(r->json, "rules"));
    json_decref(sent);
    dc_resp_free(r);
}

void dc_campaign_live(const char *admin_token, struct dc_rules rules)
{
    dc_campaign_set(admin_token, DC_LIVE, rules);
}

char *dc_make_lesson(const char *admin_token, const char *category, int duration_seconds)
{
    struct dc_resp *r =
        dc_send_json("POST", "/v1/admin/lessons", admin_token,
                     json_pack("{s:s, s:s, s:i, s:s}", "title", "火场逃生要点", "category",
                               category, "duration_seconds", duration_seconds, "video_url",
                               "https://video.example.cn/l.mp4"));
    dc_expect_status(checked(r, "lesson create"), 201, "lesson create");
    const char *id = dc_str(r->json, "id");
    ck_assert_msg(dc_all_digits(id), "lesson create: id in %.500s", r->body);
    char *out = dc_strdup(id);
    dc_resp_free(r);
    return out;
}

void dc_earn(const char *admin_token, const char *token, int seconds)
{
    char *lesson = dc_make_lesson(admin_token, "fire", seconds);
    struct dc_resp *r =
        dc_send_json("POST", "/v1/progress", token,
                     json_pack("{s:[{s:s, s:s, s:i, s:i}]}", "items", "content_type", "lesson",
                               "content_id", lesson, "from_second", 0, "to_second", seconds));
    dc_expect_status(checked(r, "earning report"), 200, "earning report");
    ck_assert_msg(json_is_false(json_object_get(r->json, "capped")), "earning report capped: %s",
                  r->body);
    /* one entry per distinct content in the batch (API.md section 4) */
    json_t *items = json_object_get(r->json, "items"), *it = json_array_get(items, 0);
    const char *got = dc_str(it, "content_id");
    ck_assert_msg(json_array_size(items) == 1 && got && strcmp(got, lesson) == 0,
                  "earning report: items %s", r->body);
    ck_assert_int_eq(dc_int(it, "credited_seconds"), seconds);
    dc_resp_free(r);
    free(lesson);
}

json_t *dc_video_json(const char *title)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:I, s:[s, s], s:b}", "title", title,
                     "description", "楼道起火时用湿毛巾捂住口鼻，弯腰低姿沿疏散指示撤离。",
                     "category", "fire", "video_url", "https://video.example.com/v/escape.mp4",
                     "cover_url", "https://img.example.com/c/escape.jpg", "duration_seconds", 95,
                     "format", "mp4", "size_bytes", (json_int_t)52428800, "hashtags", DC_TOPIC,
                     "消防安全", "original", true);
}

char *dc_submit(const char *token, json_t *body)
{
    struct dc_resp *r = dc_send_json("POST", "/v1/submissions", token, body);
    dc_expect_status(checked(r, "submit"), 201, "submit");
    ck_assert_str_eq(dc_str(r->json, "status"), "pending");
    char *id = strdup(dc_str(r->json, "id"));
    dc_resp_free(r);
    return id;
}

struct dc_resp *dc_review_on(void *curl, const char *token, const char *id, const char *decision,
                             const char *reason)
{
    char path[96];
    snprintf(path, sizeof path, "/v1/admin/submissions/%s/review", id);
    json_t *b = reason ? json_pack("{s:s, s:s}", "decision", decision, "reason", reason)
                       : json_pack("{s:s}", "decision", decision);
    char *text = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    struct dc_resp *r = dc_req_on(curl, "POST", path, token, text);
    free(text);
    return r;
}

void dc_review_ok(const char *token, const char *id, const char *decision, const char *reason)
{
    struct dc_resp *r = dc_review_on(NULL, token, id, decision, reason);
    dc_expect_status(checked(r, "review"), 200, "review");
    ck_assert_str_eq(dc_str(r->json, "status"),
                     strcmp(decision, "approve") == 0 ? "approved" : "rejected");
    dc_resp_free(r);
}

char *dc_submit_approved(const char *reviewer, const char *token, json_t *body)
{
    char *id = dc_submit(token, body);
    dc_review_ok(reviewer, id, "approve", NULL);
    return id;
}

/* ---- RFC 4180 CSV ---- */

void dc_csv_free(struct dc_csv_doc *d)
{
    for (int i = 0; i < d->n; i++)
        for (int k = 0; k < d->rows[i].n; k++)
            free(d->rows[i].f[k]);
    free(d->rows);
    d->rows = NULL;
    d->n = 0;
}

static void put_byte(struct growbuf *b, char c)
{
    char *np = realloc(b->p, b->len + 2);
    ck_assert_ptr_nonnull(np);
    np[b->len++] = c;
    np[b->len] = '\0';
    b->p = np;
}

bool dc_csv_parse(const char *s, size_t len, struct dc_csv_doc *d, char *why, size_t cap)
{
    memset(d, 0, sizeof *d);
    size_t i = 0;
    while (i < len) {
        struct dc_csv_row row;
        memset(&row, 0, sizeof row);
        for (;;) {
            struct growbuf f = {calloc(1, 1), 0};
            if (s[i] == '"') {
                for (i++;; i++) {
                    if (i >= len) {
                        snprintf(why, cap, "unterminated quoted field in record %d", d->n + 1);
                        goto fail_field;
                    }
                    if (s[i] == '"') {
                        if (i + 1 < len && s[i + 1] == '"')
                            i++;
                        else
                            break;
                    }
                    put_byte(&f, s[i]);
                }
                i++; /* the closing quote */
            } else {
                for (; i < len && s[i] != ',' && s[i] != '\r' && s[i] != '\n'; i++) {
                    if (s[i] == '"') {
                        snprintf(why, cap, "a quote inside an unquoted field at byte %zu", i);
                        goto fail_field;
                    }
                    put_byte(&f, s[i]);
                }
            }
            if (row.n == DC_CSV_MAX_FIELDS) {
                snprintf(why, cap, "more than %d fields in record %d", DC_CSV_MAX_FIELDS, d->n + 1);
                goto fail_field;
            }
            row.f[row.n++] = f.p;
            if (i < len && s[i] == ',') {
                i++;
                if (i == len) {
                    snprintf(why, cap, "the text ends after a comma");
                    goto fail_row;
                }
                continue;
            }
            if (i + 1 < len && s[i] == '\r' && s[i + 1] == '\n') {
                i += 2;
                break;
            }
            snprintf(why, cap, "record %d does not end with CRLF (byte %zu)", d->n + 1, i);
            goto fail_row;
        fail_field:
            free(f.p);
            goto fail_row;
        }
        struct dc_csv_row *nr = realloc(d->rows, (size_t)(d->n + 1) * sizeof *nr);
        ck_assert_ptr_nonnull(nr);
        d->rows = nr;
        d->rows[d->n++] = row;
        continue;
    fail_row:
        for (int k = 0; k < row.n; k++)
            free(row.f[k]);
        dc_csv_free(d);
        return false;
    }
    if (len == 0) {
        snprintf(why, cap, "empty");
        return false;
    }
    return true;
}

/* ---- a test program's start and end ---- */

char *dc_start_with_admin(const char *prog)
{
    dc_server_start(NULL);
    char *admin = dc_new_admin_token();
    if (!admin) {
        fprintf(stderr, "%s: no admin token\n", prog);
        dc_server_stop();
        exit(1);
    }
    return admin;
}

int dc_finish(const char *prog, int failed)
{
    int stopped = dc_server_stop();
    if (stopped != 0)
        fprintf(stderr, "%s: the server stopped with %d\n", prog, stopped);
    return failed != 0 || stopped != 0 ? 1 : 0;
}

void *dc_need(void *p)
{
    if (!p) {
        fprintf(stderr, "harness: out of memory\n");
        abort();
    }
    return p;
}

char *dc_strdup(const char *s)
{
    return dc_need(strdup(s ? s : ""));
}

char *dc_fmt(const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    char *s = NULL;
    if (vasprintf(&s, f, ap) < 0)
        s = NULL;
    va_end(ap);
    return dc_need(s);
}

char *dc_dumps(json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(j);
    return dc_need(s);
}

double dc_metric(const char *name)
{
    struct dc_resp *r = dc_http("GET", "/metrics", NULL, NULL, NULL, 0);
    ck_assert_int_eq(r->status, 200);
    double v = -1;
    size_t n = strlen(name);
    for (const char *p = r->body; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (strncmp(p, name, n) == 0 && p[n] == ' ') {
            v = atof(p + n + 1);
            break;
        }
    dc_resp_free(r);
    return v;
}

void dc_nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}
