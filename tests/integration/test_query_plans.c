/*
 * test_query_plans.c - no statement the server runs for a request reads a
 * whole table of likes, progress, accounts or submissions (issue 11, item
 * 3): every plan PostgreSQL really picks for it is checked.
 *
 * The plans. main() starts the server, loads a few thousand rows with SQL
 * (3,000 accounts, 300 submissions of which 240 approved, ~5,000 likes,
 * 2,000 progress rows, lessons, livestreams, reservations, check-ins,
 * certificates), runs ANALYZE, then sets on this program's own database
 * only (ALTER DATABASE: the other programs sharing the cluster are not
 * touched) session_preload_libraries = 'auto_explain' with
 * auto_explain.log_min_duration = 0, log_format = 'json' and
 * log_nested_statements = on (the statements of migration 0007's triggers
 * and functions too), log_min_duration_statement = 0 (names each prepared
 * statement), jit = off, and the planner switches below, and restarts the
 * server so that each of its connections starts with them. So the plans
 * are those of the statements the server really prepares, with the
 * parameters the requests really send (custom or generic plans, as in
 * production).
 *
 * The planner switches. A few thousand rows must not hide what a few
 * million would show, so enable_seqscan = off (a Seq Scan is then planned
 * only where nothing else can read the rows) and enable_hashjoin =
 * enable_mergejoin = off (joins become the index probes PostgreSQL picks
 * for big tables; with them on, a merge join reading all of accounts_pkey
 * is the cheapest plan at this size). They are costs, not bans: a plan
 * that has no other way still shows it.
 *
 * The traffic. Every route of the route table (read from src/http/routes.c
 * at run time: a route that never answered 2xx fails the test, so a new
 * route cannot escape it), with real data and each identity it serves
 * (anonymous, user, author, moderator, admin, partner): list variants and
 * their second pages (sort=likes and recent, anonymous and signed in,
 * mine=true, status=, category=), the leaderboard, every group_by of the
 * stats with and without region_code, the CSV exports, partner batches and
 * the change feed, a password change, the freeze last. After each request
 * the test waits for the cluster's log to settle, notes its size (the end
 * of the request's window) and the pids of the server's connections
 * (pg_stat_activity: this database, application_name drillcamp). Two
 * windows with no request in flight (before and after) show what the
 * server's own threads run (the like folder, the public cache).
 *
 * Telling our lines apart. Other programs write to the same log,
 * $DC_TEST_PGDIR/postgres.log, at the same time, and log_line_prefix is
 * the cluster's ('%m [%p] '): only entries of the server's backends (the
 * pids above) are read. A statement's plan has its prepared text as
 * "Query Text", and the log names that text ("parse/bind/execute NAME:
 * TEXT"), so each plan gets the db_stmt name of src/db it belongs to; the
 * plans a backend logs before it with another text ran nested in it. A
 * plan belongs to the request in whose window its statement was bound (a
 * SELECT's plan is logged when its portal closes, possibly much later).
 *
 * What fails. A plan node (subplans, InitPlans and CTEs included) that
 *  - is a "Seq Scan" of likes, progress, accounts or submissions, or
 *  - is a whole-index scan of one of them: an Index, Index Only or Bitmap
 *    Index Scan whose Index Cond does not bound the index's leading column,
 *    unless a Limit stops it early (no Filter on it, nothing that reads all
 *    its input - Sort, Hash, Aggregate, ... - between them, not inside a
 *    subplan or a nested loop's inner side). With seq scans off this is how
 *    a whole-table read shows: the `liked` EXISTS of the submission lists
 *    before commit 27ea37c is a hashed subplan over an Index Only Scan of
 *    likes_pkey with only "account_id = 0", never a Seq Scan;
 * each named with its statement, the request that sent it, its parameters
 * and the plan node (all of them on stderr). Fewer plans than routes fail
 * too (the capture is broken then). The statements seen, the plans checked
 * and the statements of src/db never run here are printed.
 *
 * Proved able to fail, by hand, when this test was written:
 *  - QP_PROVE_SEQSCAN=1 runs, through a connection of the server's kind
 *    (application_name drillcamp), "SELECT count(*) FROM progress WHERE
 *    credited_seconds > 0" and "SELECT count(*) FROM likes WHERE created_at
 *    < now()": the test failed on a Seq Scan of progress and a Bitmap Index
 *    Scan of all of likes_newest_idx;
 *  - QP_PROVE_DROP_INDEX=1 drops submissions_author_idx in this program's
 *    database: it failed on a Seq Scan of submissions in the accounts_stats
 *    trigger (nested in accounts_update, PATCH /v1/me) and on
 *    submissions_list_mine (GET /v1/submissions?mine=true: submissions_pkey
 *    read from the newest with a Filter on the author);
 *  - the server of commit 4114629 (before 27ea37c: the "anonymous
 *    sort=likes scans likes"): it failed 13 times, on submissions_list_likes,
 *    submissions_list_recent and submissions_queue, the Index Only Scan of
 *    likes_pkey above.
 */
#include <dirent.h>
#include <errno.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define WATCHED_N 4
static const char *const WATCHED[WATCHED_N] = {"likes", "progress", "accounts", "submissions"};

static char *admin_token; /* made in main() before the test forks */

/* ---- the route table, read from the source ------------------------------ */

#define MAX_ROUTES 256

struct route {
    char method[16];
    char pattern[160];
    int ok_hits; /* 2xx answers */
    int hits;
};

static struct route routes[MAX_ROUTES];
static size_t nroutes;

static FILE *open_routes(char *path, size_t cap)
{
#ifdef SOURCE_DIR
    snprintf(path, cap, "%s/src/http/routes.c", SOURCE_DIR);
    FILE *f = fopen(path, "r");
    if (f)
        return f;
#endif
    snprintf(path, cap, "%s", __FILE__);
    char *slash = strrchr(path, '/');
    if (slash)
        slash[1] = '\0';
    else
        path[0] = '\0';
    size_t n = strlen(path);
    snprintf(path + n, cap - n, "../../src/http/routes.c");
    return fopen(path, "r");
}

/* Reads every {"METHOD", "/pattern", handler, ...} entry of dc_routes[]. */
static void read_routes(void)
{
    char path[1024];
    FILE *f = open_routes(path, sizeof path);
    ck_assert_msg(f != NULL, "cannot open the route table at %s", path);
    char line[1024];
    bool in_table = false;
    nroutes = 0;
    while (fgets(line, sizeof line, f)) {
        if (strstr(line, "dc_routes[]"))
            in_table = true;
        if (!in_table)
            continue;
        if (strstr(line, "};"))
            break;
        const char *p = strchr(line, '{');
        struct route r = {0};
        if (p && sscanf(p, "{ \"%15[A-Z]\" , \"%159[^\"]\"", r.method, r.pattern) == 2) {
            ck_assert_uint_lt(nroutes, MAX_ROUTES);
            routes[nroutes++] = r;
        }
    }
    fclose(f);
    ck_assert_msg(nroutes >= 60, "only %zu routes read from %s", nroutes, path);
}

/* One path segment against one pattern segment: ":name" is any segment,
 * ":name.ext" any segment ending in ".ext". */
static bool segment_matches(const char *pat, size_t plen, const char *seg, size_t slen)
{
    if (plen > 0 && pat[0] == ':') {
        const char *dot = memchr(pat, '.', plen);
        if (!dot)
            return slen > 0;
        size_t ext = plen - (size_t)(dot - pat);
        return slen > ext && memcmp(seg + slen - ext, dot, ext) == 0;
    }
    return plen == slen && memcmp(pat, seg, plen) == 0;
}

static bool path_matches(const char *pattern, const char *path)
{
    size_t path_len = strcspn(path, "?");
    const char *p = pattern, *s = path, *s_end = path + path_len;
    for (;;) {
        if (*p != '/' || s >= s_end || *s != '/')
            return *p == '\0' && s == s_end;
        p++, s++;
        size_t pl = strcspn(p, "/");
        const char *slash = memchr(s, '/', (size_t)(s_end - s));
        size_t sl = slash ? (size_t)(slash - s) : (size_t)(s_end - s);
        if (!segment_matches(p, pl, s, sl))
            return false;
        p += pl, s += sl;
    }
}

/* The route a request goes to: the first match in table order (literal
 * segments come before parameters there), or -1. */
static int route_of(const char *method, const char *path)
{
    for (size_t i = 0; i < nroutes; i++)
        if (strcmp(routes[i].method, method) == 0 && path_matches(routes[i].pattern, path))
            return (int)i;
    return -1;
}

/* ---- the cluster's log and the server's backends ------------------------ */

static char log_file[1024];
static long log_start;
static PGconn *mon; /* the test's own connection: pids, index definitions */

#define MAX_PIDS 512
static int server_pids[MAX_PIDS];
static int npids;

static long log_size(void)
{
    struct stat st;
    return stat(log_file, &st) == 0 ? (long)st.st_size : -1;
}

/* Waits until the log stops growing for a few ms (at most ~80 ms: other
 * programs may write to it all the time), so that what a request made the
 * backends log is in its window. */
static long log_settle(void)
{
    long last = log_size();
    for (int i = 0, stable = 0; i < 40 && stable < 3; i++) {
        usleep(2000);
        long now = log_size();
        stable = now == last ? stable + 1 : 0;
        last = now;
    }
    return last;
}

static bool is_server_pid(int pid)
{
    for (int i = 0; i < npids; i++)
        if (server_pids[i] == pid)
            return true;
    return false;
}

static PGresult *mon_query(const char *sql)
{
    PGresult *r = PQexec(mon, sql);
    ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK || PQresultStatus(r) == PGRES_COMMAND_OK,
                  "monitor query failed: %s: %s", sql, PQerrorMessage(mon));
    return r;
}

/* The pids of the server's connections to this database, added to the set. */
static void sample_pids(void)
{
    PGresult *r = mon_query("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                            " AND application_name = 'drillcamp' AND pid <> pg_backend_pid()");
    for (int i = 0; i < PQntuples(r); i++) {
        int pid = atoi(PQgetvalue(r, i, 0));
        if (!is_server_pid(pid)) {
            ck_assert_int_lt(npids, MAX_PIDS);
            server_pids[npids++] = pid;
        }
    }
    PQclear(r);
}

/* ---- requests ----------------------------------------------------------- */

/* One request: its window of the log ends at `end`. */
struct window {
    long end;
    int route;  /* -1: no request (background threads only) */
    bool quiet; /* no request was in flight */
    char label[240];
};

#define MAX_WINDOWS 1024
static struct window windows[MAX_WINDOWS];
static int nwindows;
static int nrequests;

struct who {
    const char *name;
    const char *token;
    const struct dc_partner_cred *partner;
};

static const struct who ANON = {"anonymous", NULL, NULL};

static bool status_in(long status, const char *set)
{
    for (const char *p = set; *p;) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p)
            return false;
        if (v == status)
            return true;
        p = *end == '|' ? end + 1 : end;
    }
    return false;
}

/*
 * Sends one request as w (idem: an Idempotency-Key, or NULL), asserts its
 * status is in `expect` ("200|201"), notes its route and window. The caller
 * frees the answer.
 */
static struct dc_resp *hit_idem(const struct who *w, const char *method, const char *path,
                                const char *body, const char *expect, const char *idem)
{
    int route = route_of(method, path);
    ck_assert_msg(route >= 0, "%s %s matches no route of the route table", method, path);
    struct dc_resp *r;
    if (w->partner) {
        r = dc_partner_call(w->partner, method, path, body);
    } else if (idem) {
        char auth[256], key[160];
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", w->token);
        snprintf(key, sizeof key, "Idempotency-Key: %s", idem);
        const char *lines[] = {auth, "Content-Type: application/json", key, NULL};
        r = dc_http_lines(method, path, lines, body, body ? strlen(body) : 0);
    } else {
        r = dc_req(method, path, w->token, body);
    }
    long end = log_settle();
    sample_pids();
    ck_assert_int_lt(nwindows, MAX_WINDOWS);
    struct window *win = &windows[nwindows++];
    win->end = end;
    win->route = route;
    win->quiet = false;
    snprintf(win->label, sizeof win->label, "%s %s (%s)", method, path, w->name);
    nrequests++;
    routes[route].hits++;
    if (r->status >= 200 && r->status < 300)
        routes[route].ok_hits++;
    ck_assert_msg(status_in(r->status, expect), "%s: status %ld, want %s; body %.800s", win->label,
                  r->status, expect, r->body ? r->body : "");
    return r;
}

static struct dc_resp *hit(const struct who *w, const char *method, const char *path,
                           const char *body, const char *expect)
{
    return hit_idem(w, method, path, body, expect, NULL);
}

/* hit, answering only the JSON body (a new reference, or NULL). */
static json_t *hitj(const struct who *w, const char *method, const char *path, json_t *body,
                    const char *expect)
{
    char *text = body ? dc_dumps(body) : NULL;
    struct dc_resp *r = hit(w, method, path, text, expect);
    json_t *j = json_incref(r->json);
    dc_resp_free(r);
    free(text);
    return j;
}

/* A window with no request in flight: what the server's own threads (the
 * like folder, the public cache) run by themselves. */
static void quiet_window(double seconds)
{
    sample_pids();
    usleep((useconds_t)(seconds * 1e6));
    long end = log_settle();
    sample_pids();
    ck_assert_int_lt(nwindows, MAX_WINDOWS);
    windows[nwindows++] = (struct window){.end = end,
                                          .route = -1,
                                          .quiet = true,
                                          .label = "(no request in flight: a background thread)"};
}

/* A window of the test's own doing (not a request, not quiet). */
static void own_window(const char *label)
{
    long end = log_settle();
    sample_pids();
    ck_assert_int_lt(nwindows, MAX_WINDOWS);
    struct window *w = &windows[nwindows++];
    *w = (struct window){.end = end, .route = -1, .quiet = false};
    snprintf(w->label, sizeof w->label, "%s", label);
}

/* hit, discarding the answer. */
static void hit0(const struct who *w, const char *method, const char *path, json_t *body,
                 const char *expect)
{
    json_decref(hitj(w, method, path, body, expect));
}

/* A copy of a string member of j (asserted present). */
static char *member(const json_t *j, const char *key, const char *what)
{
    const char *s = dc_str(j, key);
    ck_assert_msg(s != NULL, "%s: no %s in the answer", what, key);
    return dc_strdup(s);
}

/* GET path (a list), then its second page through next_cursor when there
 * is one; returns the first page (the caller's). */
static json_t *list_two_pages(const struct who *w, const char *path)
{
    json_t *page = hitj(w, "GET", path, NULL, "200");
    ck_assert_msg(json_is_array(json_object_get(page, "items")), "GET %s: no items", path);
    const char *cursor = dc_str(page, "next_cursor");
    if (cursor) {
        char *next = dc_fmt("%s%scursor=%s", path, strchr(path, '?') ? "&" : "?", cursor);
        hit0(w, "GET", next, NULL, "200");
        free(next);
    }
    return page;
}

static void list2(const struct who *w, const char *path)
{
    json_decref(list_two_pages(w, path));
}

/* The id of the first item of a list answer. */
static char *first_id(const json_t *page, const char *what)
{
    json_t *first = json_array_get(json_object_get(page, "items"), 0);
    ck_assert_msg(first != NULL, "%s: an empty list", what);
    return member(first, "id", what);
}

/* ---- fixtures through the API ------------------------------------------ */

struct user {
    char phone[12];
    char *id;
    char *token;
    struct who who;
};

static void make_user(struct user *u, const char *name)
{
    dc_unique_phone(u->phone);
    json_t *acc = hitj(&ANON, "POST", "/v1/accounts",
                       json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "phone", u->phone, "password",
                                 DC_PASSWORD, "display_name", name, "kind", "individual",
                                 "region_code", "350100", "audience", "resident"),
                       "201");
    u->id = member(acc, "id", "register");
    json_decref(acc);
    json_t *s = hitj(&ANON, "POST", "/v1/sessions",
                     json_pack("{s:s, s:s}", "phone", u->phone, "password", DC_PASSWORD), "201");
    u->token = member(s, "token", "login");
    json_decref(s);
    u->who = (struct who){name, u->token, NULL};
}

static json_t *campaign_body(enum dc_phase phase)
{
    char w[32], l[32], e[32];
    dc_phase_times(phase, w, l, e);
    return json_pack("{s:s, s:s, s:s, s:s, s:o}", "warmup_at", w, "launch_at", l, "ends_at", e,
                     "topic", DC_TOPIC, "rules", dc_rules_json(DC_RULES_FAST));
}

static json_t *progress_item(const char *type, const char *id, int from, int to)
{
    return json_pack("{s:s, s:s, s:i, s:i}", "content_type", type, "content_id", id, "from_second",
                     from, "to_second", to);
}

/* ---- the traffic: every route, each identity it serves ------------------ */

static void traffic(void)
{
    const struct who admin = {"admin", admin_token, NULL};
    struct user u, v, m;

    /* public, no identity */
    hit0(&ANON, "GET", "/healthz", NULL, "200");
    hit0(&ANON, "GET", "/readyz", NULL, "200");
    struct dc_resp *metrics = hit(&ANON, "GET", "/metrics", NULL, "200");
    dc_resp_free(metrics);
    hit0(&ANON, "GET", "/v1/campaign", NULL, "200");
    hit0(&ANON, "GET", "/v1/categories", NULL, "200");
    hit0(&ANON, "GET", "/v1/regions", NULL, "200");
    hit0(&ANON, "GET", "/v1/regions?parent=350000", NULL, "200");
    list2(&ANON, "/v1/organizations?limit=5");
    list2(&ANON, "/v1/organizations?region_code=350100&type=school&limit=3");
    struct dc_resp *pk = hit(&ANON, "GET", "/v1/certificates/public-key", NULL, "200");
    dc_resp_free(pk);

    /* the campaign runs, with rules that credit whatever a test reports */
    hit0(&admin, "PATCH", "/v1/admin/campaign", campaign_body(DC_LIVE), "200");

    /* accounts, sessions, roles, organizations */
    make_user(&u, "计划作者");
    make_user(&v, "计划点赞");
    make_user(&m, "计划审核");
    m.who.name = "moderator";
    u.who.name = "user (author)";
    v.who.name = "user (liker)";
    char *role_path = dc_fmt("/v1/admin/accounts/%s/role", m.id);
    hit0(&admin, "PUT", role_path, json_pack("{s:s}", "role", "moderator"), "200");
    free(role_path);
    json_t *org = hitj(&admin, "POST", "/v1/admin/organizations",
                       json_pack("{s:s, s:s, s:s}", "name", "计划测试学校", "type", "school",
                                 "region_code", "350100"),
                       "201");
    char *org_id = member(org, "id", "organization");
    json_decref(org);
    hit0(&u.who, "GET", "/v1/me", NULL, "200");
    /* a move to another statistics cell: the accounts trigger reads the
     * author's learner row, certificates and submissions */
    hit0(&u.who, "PATCH", "/v1/me",
         json_pack("{s:s, s:s, s:s}", "display_name", "计划作者（改）", "organization_id", org_id,
                   "audience", "teacher"),
         "200");
    free(org_id);

    /* lessons */
    json_t *lesson =
        hitj(&admin, "POST", "/v1/admin/lessons",
             json_pack("{s:s, s:s, s:i, s:s}", "title", "计划课程", "category", "fire",
                       "duration_seconds", 600, "video_url", "https://video.example.cn/qp.mp4"),
             "201");
    char *lesson_id = member(lesson, "id", "lesson");
    json_decref(lesson);
    char *path = dc_fmt("/v1/admin/lessons/%s", lesson_id);
    /* a shorter length: checks that nobody has credit on it */
    hit0(&admin, "PATCH", path,
         json_pack("{s:s, s:i}", "title", "计划课程（改）", "duration_seconds", 500), "200");
    free(path);
    json_t *big = hitj(&admin, "POST", "/v1/admin/lessons",
                       json_pack("{s:s, s:s, s:i, s:s}", "title", "八课时", "category", "flood",
                                 "duration_seconds", 8 * 3600, "video_url",
                                 "https://video.example.cn/8h.mp4"),
                       "201");
    char *big_id = member(big, "id", "lesson");
    json_decref(big);
    json_t *lessons = list_two_pages(&ANON, "/v1/lessons?limit=5");
    char *loaded_lesson = first_id(lessons, "lessons");
    json_decref(lessons);
    list2(&ANON, "/v1/lessons?category=fire&limit=2");
    path = dc_fmt("/v1/lessons/%s", lesson_id);
    hit0(&ANON, "GET", path, NULL, "200");
    free(path);

    /* livestreams and reservations */
    char when[32];
    dc_iso_time(time(NULL) + (time_t)3 * 86400, when);
    json_t *ls = hitj(
        &admin, "POST", "/v1/admin/livestreams",
        json_pack("{s:s, s:s, s:s}", "title", "计划直播", "expert", "王工", "scheduled_at", when),
        "201");
    char *ls_scheduled = member(ls, "id", "livestream");
    json_decref(ls);
    ls = hitj(
        &admin, "POST", "/v1/admin/livestreams",
        json_pack("{s:s, s:s, s:s}", "title", "计划直播二", "expert", "李工", "scheduled_at", when),
        "201");
    char *ls_ended = member(ls, "id", "livestream");
    json_decref(ls);
    path = dc_fmt("/v1/admin/livestreams/%s/start", ls_ended);
    hit0(&admin, "POST", path, NULL, "200");
    free(path);
    path = dc_fmt("/v1/admin/livestreams/%s/end", ls_ended);
    hit0(&admin, "POST", path,
         json_pack("{s:s, s:i}", "replay_url", "https://video.example.cn/replay.m3u8",
                   "duration_seconds", 1800),
         "200");
    free(path);
    list2(&ANON, "/v1/livestreams?limit=5");
    list2(&u.who, "/v1/livestreams?limit=5");
    list2(&u.who, "/v1/livestreams?status=scheduled&limit=3");
    list2(&ANON, "/v1/livestreams?status=ended&limit=3");
    path = dc_fmt("/v1/livestreams/%s", ls_scheduled);
    hit0(&ANON, "GET", path, NULL, "200");
    hit0(&u.who, "GET", path, NULL, "200");
    free(path);
    path = dc_fmt("/v1/livestreams/%s/reservation", ls_scheduled);
    hit0(&u.who, "PUT", path, NULL, "204");
    hit0(&v.who, "PUT", path, NULL, "204");
    hit0(&v.who, "DELETE", path, NULL, "204");
    free(path);
    list2(&u.who, "/v1/me/reservations?limit=1");

    /* learning: new and existing progress rows, check-ins */
    hit0(&u.who, "POST", "/v1/progress",
         json_pack("{s:[o, o, o]}", "items", progress_item("lesson", lesson_id, 0, 300),
                   progress_item("lesson", loaded_lesson, 0, 200),
                   progress_item("livestream", ls_ended, 0, 60)),
         "200");
    hit0(&u.who, "POST", "/v1/progress",
         json_pack("{s:[o]}", "items", progress_item("lesson", lesson_id, 100, 400)), "200");
    hit0(&u.who, "POST", "/v1/progress",
         json_pack("{s:[o]}", "items", progress_item("lesson", big_id, 0, 8 * 3600)), "200");
    hit0(&v.who, "POST", "/v1/progress",
         json_pack("{s:[o]}", "items", progress_item("lesson", loaded_lesson, 0, 100)), "200");
    hit0(&u.who, "GET", "/v1/me/progress", NULL, "200");
    hit0(&u.who, "POST", "/v1/checkins", NULL, "201");
    hit0(&u.who, "POST", "/v1/checkins", NULL, "200");
    hit0(&u.who, "GET", "/v1/me/checkins", NULL, "200");

    /* the certificate */
    json_t *cert = hitj(&u.who, "POST", "/v1/me/certificate", NULL, "201");
    char *serial = member(cert, "serial", "certificate");
    json_decref(cert);
    hit0(&u.who, "POST", "/v1/me/certificate", NULL, "200");
    path = dc_fmt("/v1/certificates/%s", serial);
    hit0(&ANON, "GET", path, NULL, "200");
    free(path);
    path = dc_fmt("/v1/certificates/%s.svg", serial);
    struct dc_resp *svg = hit(&ANON, "GET", path, NULL, "200");
    dc_resp_free(svg);
    free(path);
    path = dc_fmt("/v1/certificates/%s.png", serial);
    struct dc_resp *png = hit(&ANON, "GET", path, NULL, "200");
    dc_resp_free(png);
    free(path);
    path = dc_fmt("/verify/%s", serial);
    struct dc_resp *page = hit(&ANON, "GET", path, NULL, "200");
    dc_resp_free(page);
    free(path);

    /* submissions: create (with an Idempotency-Key, then its replay) */
    char *body = dc_dumps(dc_video_json("计划作品一"));
    struct dc_resp *r = hit_idem(&u.who, "POST", "/v1/submissions", body, "201", "qp-key-1");
    char *s1 = member(r->json, "id", "submission");
    dc_resp_free(r);
    r = hit_idem(&u.who, "POST", "/v1/submissions", body, "201", "qp-key-1");
    dc_resp_free(r);
    free(body);
    json_t *sub = hitj(&u.who, "POST", "/v1/submissions", dc_video_json("计划作品二"), "201");
    char *s2 = member(sub, "id", "submission");
    json_decref(sub);
    sub = hitj(&u.who, "POST", "/v1/submissions", dc_video_json("计划作品三"), "201");
    char *s3 = member(sub, "id", "submission");
    json_decref(sub);
    path = dc_fmt("/v1/submissions/%s", s1);
    hit0(&u.who, "GET", path, NULL, "200");
    hit0(&m.who, "GET", path, NULL, "200");
    hit0(&u.who, "PATCH", path, json_pack("{s:s}", "title", "计划作品一（改）"), "200");
    free(path);
    list2(&m.who, "/v1/admin/submissions?status=pending&limit=2");
    list2(&m.who, "/v1/admin/submissions?status=rejected&limit=2");
    path = dc_fmt("/v1/admin/submissions/%s/review", s1);
    hit0(&m.who, "POST", path, json_pack("{s:s}", "decision", "approve"), "200");
    free(path);
    path = dc_fmt("/v1/admin/submissions/%s/review", s2);
    hit0(&m.who, "POST", path, json_pack("{s:s, s:s}", "decision", "reject", "reason", "画面不清"),
         "200");
    free(path);
    path = dc_fmt("/v1/submissions/%s", s3);
    hit0(&u.who, "DELETE", path, NULL, "204");
    free(path);
    path = dc_fmt("/v1/admin/submissions/%s/recommend", s1);
    hit0(&admin, "POST", path, json_pack("{s:[s]}", "channels", "央视新闻"), "200");
    free(path);
    path = dc_fmt("/v1/submissions/%s", s1);
    hit0(&ANON, "GET", path, NULL, "200");
    hit0(&v.who, "GET", path, NULL, "200");
    free(path);

    /* likes: on the new one and on the most liked loaded one */
    json_t *top = hitj(&ANON, "GET", "/v1/submissions?sort=likes&limit=3", NULL, "200");
    char *loaded_top = first_id(top, "submissions by likes");
    json_decref(top);
    path = dc_fmt("/v1/submissions/%s/like", s1);
    hit0(&v.who, "PUT", path, NULL, "200");
    free(path);
    path = dc_fmt("/v1/submissions/%s/like", loaded_top);
    hit0(&v.who, "PUT", path, NULL, "200");
    hit0(&u.who, "PUT", path, NULL, "200");
    hit0(&v.who, "DELETE", path, NULL, "200");
    free(path);

    /* partners: users, submissions, batches, the change feed */
    json_t *pj =
        hitj(&admin, "POST", "/v1/admin/partners", json_pack("{s:s}", "name", "计划平台"), "201");
    struct dc_partner_cred cred;
    snprintf(cred.id, sizeof cred.id, "%s", dc_str(pj, "id"));
    snprintf(cred.key_id, sizeof cred.key_id, "%s", dc_str(pj, "key_id"));
    snprintf(cred.secret, sizeof cred.secret, "%s", dc_str(pj, "secret"));
    json_decref(pj);
    const struct who partner = {"partner", NULL, &cred};
    char phone[12];
    dc_unique_phone(phone);
    json_t *pu = json_pack("{s:s, s:s, s:s}", "phone", phone, "display_name", "平台作者",
                           "region_code", "350200");
    hit0(&partner, "PUT", "/v1/partner/users/qp-author", json_incref(pu), "201");
    hit0(&partner, "PUT", "/v1/partner/users/qp-author", pu, "200");
    /* a phone that has an account already: linked to it */
    hit0(&partner, "PUT", "/v1/partner/users/qp-liker",
         json_pack("{s:s, s:s, s:s}", "phone", v.phone, "display_name", "平台点赞", "region_code",
                   "350100"),
         "200|201");
    json_t *psub = dc_video_json("平台作品");
    json_object_set_new(psub, "external_user_id", json_string("qp-author"));
    json_t *created =
        hitj(&partner, "PUT", "/v1/partner/submissions/qp-video-1", json_deep_copy(psub), "201");
    char *ps1 = member(created, "id", "partner submission");
    json_decref(created);
    json_object_set_new(psub, "title", json_string("平台作品（改）"));
    hit0(&partner, "PUT", "/v1/partner/submissions/qp-video-1", psub, "200");
    json_t *items = json_array();
    for (int i = 0; i < 3; i++) {
        json_t *it = dc_video_json("平台批量作品");
        json_object_set_new(it, "external_user_id", json_string("qp-author"));
        json_object_set_new(it, "external_id",
                            json_string(i == 0   ? "qp-batch-1"
                                        : i == 1 ? "qp-batch-2"
                                                 : "qp-video-1"));
        json_array_append_new(items, it);
    }
    hit0(&partner, "POST", "/v1/partner/submissions/batch", json_pack("{s:o}", "items", items),
         "200");
    path = dc_fmt("/v1/admin/submissions/%s/review", ps1);
    hit0(&m.who, "POST", path, json_pack("{s:s}", "decision", "approve"), "200");
    free(path);
    hit0(&partner, "POST", "/v1/partner/likes/batch",
         json_pack("{s:[{s:s, s:s, s:s}, {s:s, s:s, s:s}, {s:s, s:s, s:s}]}", "items",
                   "external_user_id", "qp-liker", "submission_id", ps1, "action", "like",
                   "external_user_id", "qp-author", "submission_id", loaded_top, "action", "like",
                   "external_user_id", "qp-author", "submission_id", loaded_top, "action",
                   "unlike"),
         "200");
    hit0(&partner, "POST", "/v1/partner/progress/batch",
         json_pack("{s:[{s:s, s:s, s:s, s:i, s:i}, {s:s, s:s, s:s, s:i, s:i}]}", "items",
                   "external_user_id", "qp-author", "content_type", "lesson", "content_id",
                   loaded_lesson, "from_second", 0, "to_second", 120, "external_user_id",
                   "qp-author", "content_type", "livestream", "content_id", ls_ended, "from_second",
                   0, "to_second", 30),
         "200");
    /* let the like folder fold the likes (lists show folded counts) */
    sleep(2);
    list2(&partner, "/v1/partner/changes?limit=2");

    /* submission lists: every statement, each identity, second pages */
    hit0(&ANON, "GET", "/v1/submissions", NULL, "200");
    list2(&ANON, "/v1/submissions?sort=likes&limit=5");
    list2(&ANON, "/v1/submissions?sort=recent&limit=5");
    list2(&ANON, "/v1/submissions?category=fire&sort=likes&limit=5");
    list2(&ANON, "/v1/submissions?category=fire&limit=5");
    list2(&v.who, "/v1/submissions?sort=likes&limit=5");
    list2(&v.who, "/v1/submissions?sort=recent&limit=5");
    list2(&v.who, "/v1/submissions?category=fire&sort=likes&limit=5");
    list2(&u.who, "/v1/submissions?mine=true&limit=1");
    list2(&u.who, "/v1/submissions?mine=true&status=approved");
    list2(&u.who, "/v1/submissions?mine=true&sort=likes&category=fire");
    list2(&m.who, "/v1/submissions?status=pending&limit=5");
    list2(&m.who, "/v1/submissions?status=rejected&sort=likes&limit=5");
    list2(&m.who, "/v1/submissions?status=approved&category=fire&limit=5");
    hit0(&ANON, "GET", "/v1/leaderboard", NULL, "200");
    hit0(&v.who, "GET", "/v1/leaderboard?limit=10", NULL, "200");

    /* reporting */
    list2(&admin, "/v1/admin/audit?limit=3");
    static const char *const STATS[] = {"group_by=region",
                                        "group_by=region&region_code=350000",
                                        "group_by=region&region_code=350100",
                                        "group_by=organization_type",
                                        "group_by=organization_type&region_code=350000",
                                        "group_by=audience",
                                        "group_by=audience&region_code=350100"};
    for (size_t i = 0; i < sizeof STATS / sizeof STATS[0]; i++) {
        path = dc_fmt("/v1/admin/stats?%s", STATS[i]);
        hit0(&admin, "GET", path, NULL, "200");
        free(path);
        path = dc_fmt("/v1/admin/stats.csv?%s", STATS[i]);
        struct dc_resp *csv = hit(&admin, "GET", path, NULL, "200");
        dc_resp_free(csv);
        free(path);
    }
    struct dc_resp *certs = hit(&admin, "GET", "/v1/admin/certificates.csv", NULL, "200");
    dc_resp_free(certs);
    path = dc_fmt("/v1/admin/certificates/%s/revoke", serial);
    hit0(&admin, "POST", path, json_pack("{s:s}", "reason", "计划测试"), "200");
    free(path);

    /* logging out a fresh session */
    json_t *s = hitj(&ANON, "POST", "/v1/sessions",
                     json_pack("{s:s, s:s}", "phone", v.phone, "password", DC_PASSWORD), "201");
    char *fresh = member(s, "token", "login");
    json_decref(s);
    const struct who leaving = {"user (fresh session)", fresh, NULL};
    hit0(&leaving, "DELETE", "/v1/sessions/current", NULL, "204");
    free(fresh);
    /* a password change: the stored hash, the other sessions ended */
    hit0(&m.who, "PATCH", "/v1/me",
         json_pack("{s:s, s:s}", "current_password", DC_PASSWORD, "password", "changed pass 2"),
         "200");

    /* the end: the campaign ends, the ranking is frozen, the winners */
    hit0(&admin, "PATCH", "/v1/admin/campaign", campaign_body(DC_ENDED), "200");
    hit0(&admin, "POST", "/v1/admin/leaderboard/freeze", NULL, "200");
    hit0(&admin, "POST", "/v1/admin/leaderboard/freeze", NULL, "200");
    hit0(&ANON, "GET", "/v1/leaderboard", NULL, "200");
    struct dc_resp *winners = hit(&admin, "GET", "/v1/admin/winners.csv", NULL, "200");
    dc_resp_free(winners);

    free(s1);
    free(s2);
    free(s3);
    free(ps1);
    free(loaded_top);
    free(serial);
    free(lesson_id);
    free(big_id);
    free(loaded_lesson);
    free(ls_scheduled);
    free(ls_ended);
    free(u.id);
    free(u.token);
    free(v.id);
    free(v.token);
    free(m.id);
    free(m.token);
}

/* ---- the log: entries, plans, statements -------------------------------- */

struct plan {
    long off;      /* where its log entry starts */
    long attr_off; /* where its statement was bound: the request that sent it */
    int pid;
    json_t *root; /* {"Query Text": ..., "Plan": {...}} */
    char *stmt;   /* the prepared statement's name, or "(simple query)" */
    bool nested;  /* ran inside stmt (a trigger, a function) */
    char *params; /* the statement's parameters as logged, or NULL */
};

static struct plan *plans;
static size_t nplans, plans_cap;

/*
 * Which statement a plan belongs to. The text of every statement the
 * server prepares is logged with its name ("parse NAME: TEXT", "bind NAME:
 * TEXT", "execute NAME: TEXT") before it runs, and a statement's own plan
 * has that text as its "Query Text": such a plan is the statement itself.
 * The plans a backend logs before it that have another text ran nested in
 * it (triggers, functions: their executor ends first). A simple-protocol
 * query ("statement: TEXT") is logged after its plan. (The order of a
 * statement's plan and its "execute" line varies: a SELECT's portal ends,
 * and its plan is logged, only at the Sync after the execute.)
 */
struct backend {
    size_t *pending; /* plans of unknown statement, oldest first */
    size_t npending, cap;
    char *bind_name; /* the last statement bound, its parameters, where */
    char *bind_params;
    long bind_off;
    int pid;
    bool after_bind; /* the last entry was a bind: its DETAIL holds the parameters */
};

static struct backend backends[MAX_PIDS];
static int nbackends;

static struct backend *backend_of(int pid)
{
    for (int i = 0; i < nbackends; i++)
        if (backends[i].pid == pid)
            return &backends[i];
    ck_assert_int_lt(nbackends, MAX_PIDS);
    backends[nbackends] = (struct backend){.pid = pid};
    return &backends[nbackends++];
}

/* statement text -> name, for every statement the server prepared */
struct stmt_name {
    char *text;
    char *name;
};

static struct stmt_name *names;
static size_t nnames, names_cap;

static const char *name_of_text(const char *text)
{
    for (size_t i = 0; i < nnames; i++)
        if (strcmp(names[i].text, text) == 0)
            return names[i].name;
    return NULL;
}

static void learn_name(const char *name, const char *text)
{
    if (name_of_text(text))
        return;
    if (nnames == names_cap) {
        names_cap = names_cap ? 2 * names_cap : 256;
        names = dc_need(realloc(names, names_cap * sizeof *names));
    }
    names[nnames++] = (struct stmt_name){dc_strdup(text), dc_strdup(name)};
}

static const char *query_text(const struct plan *p)
{
    const char *q = dc_str(p->root, "Query Text");
    return q ? q : "";
}

/* The backend's pending plans ran nested in the statement `name`. */
static void settle_pending(struct backend *b, const char *name, long attr_off)
{
    for (size_t i = 0; i < b->npending; i++) {
        struct plan *p = &plans[b->pending[i]];
        p->stmt = dc_strdup(name);
        p->nested = true;
        p->attr_off = attr_off < 0 ? p->off : attr_off;
    }
    b->npending = 0;
}

static void add_plan(long off, int pid, const char *json_text)
{
    json_error_t err;
    json_t *root = json_loads(json_text, 0, &err);
    ck_assert_msg(root != NULL,
                  "an auto_explain plan that is not JSON (%s) at log offset %ld: %.300s", err.text,
                  off, json_text);
    if (nplans == plans_cap) {
        plans_cap = plans_cap ? 2 * plans_cap : 1024;
        plans = dc_need(realloc(plans, plans_cap * sizeof *plans));
    }
    struct plan *p = &plans[nplans++];
    *p = (struct plan){.off = off, .attr_off = off, .pid = pid, .root = root};
    struct backend *b = backend_of(pid);
    const char *name = name_of_text(query_text(p));
    if (name) {
        /* a SELECT's plan may be logged late (when its portal closes): its
         * bind says when it ran */
        if (b->bind_name && strcmp(b->bind_name, name) == 0) {
            p->attr_off = b->bind_off;
            if (b->bind_params)
                p->params = dc_strdup(b->bind_params);
        }
        settle_pending(b, name, p->attr_off);
        p->stmt = dc_strdup(name);
        return;
    }
    if (b->npending == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 16;
        b->pending = dc_need(realloc(b->pending, b->cap * sizeof *b->pending));
    }
    b->pending[b->npending++] = nplans - 1;
}

/* "parse NAME: TEXT" and the like: NAME into name (cap bytes); the text. */
static const char *named_text(const char *rest, size_t skip, char *name, size_t cap)
{
    const char *colon = strstr(rest + skip, ": ");
    if (!colon)
        return NULL;
    snprintf(name, cap, "%.*s", (int)(colon - rest - skip), rest + skip);
    return colon + 2;
}

/* One log entry of a server backend: "LEVEL:  message" (message with its
 * continuation lines, their leading tab removed). */
static void on_entry(long off, int pid, const char *level, const char *msg)
{
    struct backend *b = backend_of(pid);
    bool was_bind = b->after_bind;
    b->after_bind = false;
    if (strcmp(level, "LOG") == 0 && strncmp(msg, "duration: ", 10) == 0) {
        const char *rest = strstr(msg, " ms  ");
        if (!rest)
            return;
        rest += 5;
        char name[160];
        const char *text;
        if (strncmp(rest, "plan:\n", 6) == 0) {
            add_plan(off, pid, rest + 6);
        } else if ((strncmp(rest, "parse ", 6) == 0 &&
                    (text = named_text(rest, 6, name, sizeof name)) != NULL) ||
                   (strncmp(rest, "execute ", 8) == 0 &&
                    (text = named_text(rest, 8, name, sizeof name)) != NULL)) {
            learn_name(name, text);
        } else if (strncmp(rest, "bind ", 5) == 0 &&
                   (text = named_text(rest, 5, name, sizeof name)) != NULL) {
            learn_name(name, text);
            free(b->bind_name);
            free(b->bind_params);
            b->bind_name = dc_strdup(name);
            b->bind_params = NULL;
            b->bind_off = off;
            b->after_bind = true;
        } else if (strncmp(rest, "statement: ", 11) == 0 && b->npending > 0) {
            /* a simple query: its plan is the last pending one */
            struct plan *last = &plans[b->pending[b->npending - 1]];
            if (strcmp(query_text(last), rest + 11) == 0) {
                b->npending--;
                settle_pending(b, "(simple query)", last->off);
                last->stmt = dc_strdup("(simple query)");
            }
        }
        return;
    }
    if (strcmp(level, "DETAIL") == 0 && was_bind && strncmp(msg, "parameters: ", 12) == 0) {
        free(b->bind_params);
        b->bind_params = dc_strdup(msg + 12);
        return;
    }
    if (strcmp(level, "ERROR") == 0)
        settle_pending(b, "(a statement that failed)", -1);
}

/* Splits the log text into entries ("%m [%p] LEVEL:  message" lines and
 * their tab-led continuation lines) and hands those of server pids on. */
static void read_log(const char *text, size_t len, long base)
{
    size_t i = 0;
    char *msg = NULL;
    size_t msg_len = 0, msg_cap = 0;
    while (i < len) {
        size_t line_end = i;
        while (line_end < len && text[line_end] != '\n')
            line_end++;
        const char *line = text + i;
        size_t n = line_end - i;
        long off = base + (long)i;
        i = line_end + 1;
        /* an entry's first line: a timestamp, " [pid] ", "LEVEL:  " */
        const char *open =
            n > 20 && line[0] >= '0' && line[0] <= '9' ? memchr(line, '[', n < 64 ? n : 64) : NULL;
        if (!open)
            continue;
        char *after;
        long pid = strtol(open + 1, &after, 10);
        if (after == open + 1 || after[0] != ']' || after[1] != ' ')
            continue;
        const char *lvl = after + 2;
        const char *sep = memchr(lvl, ':', (size_t)(line + n - lvl));
        if (!sep || sep - lvl > 16 || sep + 3 > line + n || sep[1] != ' ' || sep[2] != ' ')
            continue;
        char level[20];
        snprintf(level, sizeof level, "%.*s", (int)(sep - lvl), lvl);
        /* the message: the rest of this line and the continuation lines */
        msg_len = 0;
        const char *part = sep + 3;
        size_t part_len = (size_t)(line + n - part);
        for (;;) {
            if (msg_len + part_len + 2 > msg_cap) {
                msg_cap = 2 * (msg_len + part_len + 2);
                msg = dc_need(realloc(msg, msg_cap));
            }
            memcpy(msg + msg_len, part, part_len);
            msg_len += part_len;
            msg[msg_len] = '\0';
            if (i >= len || text[i] != '\t')
                break;
            size_t next_end = i;
            while (next_end < len && text[next_end] != '\n')
                next_end++;
            msg[msg_len++] = '\n';
            part = text + i + 1;
            part_len = next_end - i - 1;
            i = next_end + 1;
        }
        if (is_server_pid((int)pid))
            on_entry(off, (int)pid, level, msg);
    }
    free(msg);
}

static char *read_log_from(long from, size_t *len)
{
    FILE *f = fopen(log_file, "rb");
    ck_assert_msg(f != NULL, "cannot open %s: %s", log_file, strerror(errno));
    ck_assert_int_eq(fseek(f, from, SEEK_SET), 0);
    size_t cap = 1 << 20, n = 0;
    char *buf = dc_need(malloc(cap));
    for (size_t got; (got = fread(buf + n, 1, cap - n, f)) > 0;) {
        n += got;
        if (n == cap) {
            cap *= 2;
            buf = dc_need(realloc(buf, cap));
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

/* ---- the check ----------------------------------------------------------- */

/* The watched tables' indexes: name, table, leading column. */
struct index_def {
    char name[80];
    char table[40];
    char lead[64];
};

#define MAX_INDEXES 64
static struct index_def indexes[MAX_INDEXES];
static int nindexes;

static void read_indexes(void)
{
    PGresult *r =
        mon_query("SELECT i.relname, t.relname, coalesce(a.attname, '') FROM pg_index x"
                  " JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid"
                  " LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[0]"
                  " WHERE t.relnamespace = 'public'::regnamespace"
                  " AND t.relname IN ('likes', 'progress', 'accounts', 'submissions')");
    nindexes = 0;
    for (int i = 0; i < PQntuples(r) && nindexes < MAX_INDEXES; i++) {
        struct index_def *d = &indexes[nindexes++];
        snprintf(d->name, sizeof d->name, "%s", PQgetvalue(r, i, 0));
        snprintf(d->table, sizeof d->table, "%s", PQgetvalue(r, i, 1));
        snprintf(d->lead, sizeof d->lead, "%s", PQgetvalue(r, i, 2));
    }
    PQclear(r);
    ck_assert_msg(nindexes >= 8, "only %d indexes on the watched tables", nindexes);
}

static const struct index_def *index_named(const char *name)
{
    for (int i = 0; name && i < nindexes; i++)
        if (strcmp(indexes[i].name, name) == 0)
            return &indexes[i];
    return NULL;
}

static bool watched(const char *rel)
{
    for (int i = 0; rel && i < WATCHED_N; i++)
        if (strcmp(rel, WATCHED[i]) == 0)
            return true;
    return false;
}

/* Whether the condition names column `col` (as "col", "x.col", "(col"). */
static bool cond_names(const char *cond, const char *col)
{
    size_t n = strlen(col);
    for (const char *p = cond; p && (p = strstr(p, col)) != NULL; p += n) {
        char before = p == cond ? ' ' : p[-1];
        char after = p[n];
        bool start = before == ' ' || before == '(' || before == '.';
        bool end = after == ' ' || after == ')' || after == '\0';
        if (start && end)
            return true;
    }
    return false;
}

/* Nodes that read all their input before giving a row: a Limit above them
 * does not stop the scan below them. */
static bool blocking(const char *type, const json_t *node)
{
    static const char *const B[] = {"Sort",         "Incremental Sort", "Hash",        "Aggregate",
                                    "SetOp",        "WindowAgg",        "Materialize", "Hash Join",
                                    "Gather Merge", "Unique",           "Group",       "Memoize"};
    for (size_t i = 0; i < sizeof B / sizeof B[0]; i++)
        if (strcmp(type, B[i]) == 0) {
            /* a streaming (sorted) aggregate does not read ahead */
            const char *strat = dc_str(node, "Strategy");
            return !(strcmp(type, "Aggregate") == 0 && strat && strcmp(strat, "Sorted") == 0);
        }
    return false;
}

#define MAX_FINDINGS 256
static char *findings[MAX_FINDINGS];
static int nfindings;
static long scans_checked; /* scan nodes of the watched tables */

static const char *plan_route(const struct plan *p);

static void report(const struct plan *p, const json_t *node, const char *what)
{
    if (nfindings >= MAX_FINDINGS)
        return;
    json_t *copy = json_copy((json_t *)node);
    json_object_del(copy, "Plans");
    char *node_text = json_dumps(copy, JSON_COMPACT);
    json_decref(copy);
    findings[nfindings++] =
        dc_fmt("\n- %s\n  statement: %s%s\n  sent by: %s\n  query: %.600s\n  parameters: %.300s\n"
               "  plan node: %.900s",
               what, p->nested ? "nested in " : "", p->stmt ? p->stmt : "(unnamed)", plan_route(p),
               query_text(p), p->params ? p->params : "(none logged)", node_text ? node_text : "?");
    free(node_text);
}

/* Walks a plan node; under_limit: a Limit above with nothing blocking in
 * between. */
static void walk(const struct plan *p, const json_t *node, bool under_limit)
{
    const char *type = dc_str(node, "Node Type");
    if (!type)
        return;
    const char *rel = dc_str(node, "Relation Name");
    const char *index = dc_str(node, "Index Name");
    const struct index_def *def = index_named(index);
    char what[300];
    if (strcmp(type, "Seq Scan") == 0 && watched(rel)) {
        scans_checked++;
        snprintf(what, sizeof what, "a sequential scan of %s", rel);
        report(p, node, what);
    } else if (def && (strcmp(type, "Index Scan") == 0 || strcmp(type, "Index Only Scan") == 0 ||
                       strcmp(type, "Bitmap Index Scan") == 0)) {
        scans_checked++;
        const char *cond = dc_str(node, "Index Cond");
        bool bounded = cond && cond_names(cond, def->lead);
        /* a Limit stops an ordered scan early only when every row it reads
         * counts (no Filter drops rows: "the author's newest" read from the
         * newest of all may read them all); a bitmap scan reads every match
         * before its heap scan gives a row */
        const char *filter = dc_str(node, "Filter");
        bool stops_early = under_limit && !filter && strcmp(type, "Bitmap Index Scan") != 0;
        if (!bounded && !stops_early) {
            snprintf(what, sizeof what,
                     "a whole-index scan of %s (%s %s: no condition on its leading column %s, and"
                     " no Limit stops it%s)",
                     def->table, type, def->name, def->lead,
                     under_limit ? " early: its Filter drops rows" : "");
            report(p, node, what);
        }
    }
    bool lim = strcmp(type, "Limit") == 0 || (under_limit && !blocking(type, node));
    json_t *kids = json_object_get(node, "Plans");
    size_t i;
    json_t *kid;
    json_array_foreach(kids, i, kid)
    {
        /* an InitPlan or SubPlan runs on its own, and a nested loop's
         * inner side runs whole for each outer row: a Limit above does not
         * stop them */
        const char *rel_kind = dc_str(kid, "Parent Relationship");
        bool own =
            rel_kind && (strcmp(rel_kind, "InitPlan") == 0 || strcmp(rel_kind, "SubPlan") == 0 ||
                         (strcmp(type, "Nested Loop") == 0 && strcmp(rel_kind, "Inner") == 0));
        walk(p, kid, own ? false : lim);
    }
}

static const struct window *window_of(long off)
{
    for (int i = 0; i < nwindows; i++)
        if (off < windows[i].end)
            return &windows[i];
    return NULL;
}

/* Whether statement `name` ran with no request in flight (a background
 * thread runs it, maybe besides requests). */
static bool runs_in_background(const char *name)
{
    for (size_t i = 0; name && i < nplans; i++) {
        const struct window *w = window_of(plans[i].attr_off);
        if (w && w->quiet && plans[i].stmt && strcmp(plans[i].stmt, name) == 0)
            return true;
    }
    return false;
}

static const char *plan_route(const struct plan *p)
{
    static char text[768];
    const struct window *w = window_of(p->attr_off);
    char where[512];
    if (!w)
        snprintf(where, sizeof where, "(after the last request)");
    else if (w->route < 0)
        snprintf(where, sizeof where, "%s", w->label);
    else
        snprintf(where, sizeof where, "%s [route %s %s]", w->label, routes[w->route].method,
                 routes[w->route].pattern);
    if (w && !w->quiet && runs_in_background(p->stmt))
        snprintf(text, sizeof text,
                 "%s, or a background thread of the server (this statement also runs with no"
                 " request in flight)",
                 where);
    else
        snprintf(text, sizeof text, "%s", where);
    return text;
}

/* Statements seen: name -> plans, first request. */
struct seen {
    char key[200];
    int count;
    bool failed;
};

#define MAX_SEEN 512
static struct seen seen[MAX_SEEN];
static int nseen;

static void note_seen(const struct plan *p, bool failed)
{
    char key[200];
    if (p->nested)
        snprintf(key, sizeof key, "  nested in %s: %.80s", p->stmt ? p->stmt : "?", query_text(p));
    else
        snprintf(key, sizeof key, "%s", p->stmt ? p->stmt : "(unnamed)");
    for (char *c = key; *c; c++)
        if (*c == '\n')
            *c = ' ';
    for (int i = 0; i < nseen; i++)
        if (strcmp(seen[i].key, key) == 0) {
            seen[i].count++;
            seen[i].failed |= failed;
            return;
        }
    if (nseen < MAX_SEEN) {
        snprintf(seen[nseen].key, sizeof seen[nseen].key, "%s", key);
        seen[nseen].count = 1;
        seen[nseen++].failed = failed;
    }
}

static int seen_cmp(const void *a, const void *b)
{
    return strcmp(((const struct seen *)a)->key, ((const struct seen *)b)->key);
}

/* ---- setup of the test's own connection ---------------------------------- */

static void monitor_connect(void)
{
    mon = PQconnectdb(getenv("DATABASE_URL"));
    ck_assert_msg(PQstatus(mon) == CONNECTION_OK, "monitor connection: %s", PQerrorMessage(mon));
    /* this connection's own statements are neither explained nor logged */
    PQclear(mon_query("SET auto_explain.log_min_duration = -1"));
    PQclear(mon_query("SET log_min_duration_statement = -1"));
    /* the settings the server's connections start with */
    PGresult *r = mon_query("SELECT current_setting('session_preload_libraries'),"
                            " current_setting('enable_seqscan')");
    ck_assert_msg(strstr(PQgetvalue(r, 0, 0), "auto_explain") != NULL,
                  "auto_explain is not preloaded on this database: %s", PQgetvalue(r, 0, 0));
    ck_assert_str_eq(PQgetvalue(r, 0, 1), "off");
    PQclear(r);
    /* the log this test reads is the one pg.sh starts the cluster with,
     * each line naming its backend's pid */
    r = mon_query(
        "SELECT current_setting('log_line_prefix'), current_setting('logging_collector')");
    ck_assert_msg(strstr(PQgetvalue(r, 0, 0), "%p") != NULL &&
                      strcmp(PQgetvalue(r, 0, 1), "off") == 0,
                  "the cluster logs to a collector or without pids (log_line_prefix '%s',"
                  " logging_collector %s): start it with scripts/pg.sh",
                  PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1));
    PQclear(r);
}

/* QP_PROVE_SEQSCAN=1: two statements that read a whole watched table, sent
 * through a connection like the server's (see the comment atop the file). */
static void prove_seqscan(void)
{
    static const char *const SQL[] = {
        /* no index holds credited_seconds: a Seq Scan even with it off */
        "SELECT count(*) FROM progress WHERE credited_seconds > 0",
        /* created_at leads no index: every entry of likes_newest_idx */
        "SELECT count(*) FROM likes WHERE created_at < now()",
    };
    const char *keys[] = {"dbname", "application_name", NULL};
    const char *vals[] = {getenv("DATABASE_URL"), "drillcamp", NULL};
    PGconn *pg = PQconnectdbParams(keys, vals, 1);
    ck_assert_msg(PQstatus(pg) == CONNECTION_OK, "prove: %s", PQerrorMessage(pg));
    sample_pids();
    for (size_t i = 0; i < sizeof SQL / sizeof SQL[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "qp_prove_%zu", i);
        PQclear(PQprepare(pg, name, SQL[i], 0, NULL));
        PGresult *r = PQexecPrepared(pg, name, 0, NULL, NULL, NULL, 0);
        ck_assert_int_eq(PQresultStatus(r), PGRES_TUPLES_OK);
        PQclear(r);
    }
    PQfinish(pg);
}

/* The db_stmt names of src/db (the demo seed's aside): reported when no
 * plan of theirs was seen. */
static void report_unseen_statements(void)
{
#ifdef SOURCE_DIR
    char dir_path[1024];
    snprintf(dir_path, sizeof dir_path, "%s/src/db", SOURCE_DIR);
    DIR *dir = opendir(dir_path);
    if (!dir)
        return;
    char unseen[4096] = "";
    int total = 0;
    for (struct dirent *e; (e = readdir(dir)) != NULL;) {
        size_t len = strlen(e->d_name);
        if (len < 8 || strcmp(e->d_name + len - 7, "_repo.c") != 0)
            continue;
        char path[1400];
        snprintf(path, sizeof path, "%s/%s", dir_path, e->d_name);
        FILE *in = fopen(path, "r");
        if (!in)
            continue;
        char line[1024];
        bool want = false;
        while (fgets(line, sizeof line, in)) {
            char *p = strstr(line, "struct db_stmt ");
            if (p && strchr(p, '=')) {
                want = true;
                p = strchr(p, '{');
            } else {
                p = want ? line : NULL;
            }
            char name[128];
            if (!p || !(p = strchr(p, '"')) || sscanf(p, "\"%127[a-z0-9_]\"", name) != 1)
                continue;
            want = false;
            total++;
            bool found = false;
            for (size_t i = 0; i < nplans && !found; i++)
                found = plans[i].stmt && !plans[i].nested && strcmp(plans[i].stmt, name) == 0;
            if (!found) {
                size_t n = strlen(unseen);
                snprintf(unseen + n, sizeof unseen - n, " %s", name);
            }
        }
        fclose(in);
    }
    closedir(dir);
    printf("test_query_plans: of %d statements in src/db/*_repo.c, never run here:%s\n", total,
           unseen[0] ? unseen : " none");
#endif
}

START_TEST(request_paths_never_scan_watched_tables)
{
    read_routes();
    monitor_connect();
    read_indexes();
    log_start = log_settle();
    double t0 = dc_now_s();
    quiet_window(1.2);
    if (getenv("QP_PROVE_SEQSCAN")) {
        prove_seqscan();
        own_window("(QP_PROVE_SEQSCAN: this test's own statements)");
    }
    traffic();
    /* the background threads' last rounds, and the last pids */
    quiet_window(1.2);
    long end = windows[nwindows - 1].end;
    double t1 = dc_now_s();

    /* every route answered 2xx at least once */
    char missing[4096] = "";
    for (size_t i = 0; i < nroutes; i++)
        if (routes[i].ok_hits == 0) {
            size_t n = strlen(missing);
            snprintf(missing + n, sizeof missing - n, "\n  %s %s (%d requests, none 2xx)",
                     routes[i].method, routes[i].pattern, routes[i].hits);
        }
    ck_assert_msg(missing[0] == '\0', "routes this test never exercised:%s", missing);

    size_t len;
    char *text = read_log_from(log_start, &len);
    read_log(text, len, log_start);
    free(text);
    for (int i = 0; i < nbackends; i++) {
        settle_pending(&backends[i], "(no statement of its own followed)", -1);
        free(backends[i].pending);
        free(backends[i].bind_name);
        free(backends[i].bind_params);
    }
    for (size_t i = 0; i < nnames; i++) {
        free(names[i].text);
        free(names[i].name);
    }
    free(names);

    size_t top = 0, nested = 0;
    for (size_t i = 0; i < nplans; i++) {
        struct plan *p = &plans[i];
        int before = nfindings;
        walk(p, json_object_get(p->root, "Plan"), false);
        note_seen(p, nfindings > before);
        if (p->nested)
            nested++;
        else
            top++;
    }
    qsort(seen, (size_t)nseen, sizeof seen[0], seen_cmp);
    printf("test_query_plans: %d requests on %zu routes in %.1f s; %d server backends; log bytes"
           " %ld..%ld\n",
           nrequests, nroutes, t1 - t0, npids, log_start, end);
    printf("test_query_plans: %zu plans checked (%zu statements, %zu nested in them), %ld scan"
           " nodes of %s, %s, %s, %s; statements seen:\n",
           nplans, top, nested, scans_checked, WATCHED[0], WATCHED[1], WATCHED[2], WATCHED[3]);
    for (int i = 0; i < nseen; i++)
        printf("  %s%s x%d\n", seen[i].failed ? "SCAN " : "", seen[i].key, seen[i].count);
    report_unseen_statements();
    fflush(stdout);

    ck_assert_msg(nplans >= nroutes,
                  "only %zu plans captured from %s for %zu routes: the capture is broken", nplans,
                  log_file, nroutes);
    char *all = dc_strdup("");
    for (int i = 0; i < nfindings; i++) {
        char *next = dc_fmt("%s%s", all, findings[i]);
        free(all);
        all = next;
    }
    if (nfindings > 0)
        fprintf(stderr, "test_query_plans: %d plan nodes read a whole watched table:%s\n",
                nfindings, all);
    /* Check's messages are short: the whole list is on stderr above */
    ck_assert_msg(nfindings == 0,
                  "%d plan nodes read a whole table of likes, progress, accounts or submissions"
                  " (all of them on stderr); the first:%.2500s",
                  nfindings, findings[0]);
    free(all);
    for (size_t i = 0; i < nplans; i++) {
        json_decref(plans[i].root);
        free(plans[i].stmt);
        free(plans[i].params);
    }
    free(plans);
    PQfinish(mon);
}
END_TEST

/* ---- main: the data, the settings, the restart ---------------------------- */

/* A few thousand rows, made with SQL so that it takes a second. */
static const char *const LOAD[] = {
    "INSERT INTO organizations (name, type, region_code)"
    " SELECT '计划单位' || g, (ARRAY['government', 'school', 'community', 'enterprise_local'])"
    "[1 + g % 4], (ARRAY['350100', '350200', '350300'])[1 + g % 3]"
    " FROM generate_series(1, 60) g",
    /* phones 12xxxxxxxxx: never a dc_unique_phone one (1[3-9]...) */
    "INSERT INTO accounts (phone, password_hash, display_name, kind, region_code,"
    " organization_id, audience)"
    " SELECT '12' || lpad(g::text, 9, '0'), 'loaded', '负载用户' || g, 'individual',"
    " (ARRAY['350100', '350200', '350300', '350400', '350500', '350600', '350700', '350800',"
    " '350900', '110000'])[1 + g % 10],"
    " CASE WHEN g % 3 = 0 THEN (SELECT min(id) FROM organizations) + g % 60 END,"
    " (ARRAY['employee', 'student', 'teacher', 'resident', 'public'])[1 + g % 5]"
    " FROM generate_series(1, 3000) g",
    "INSERT INTO lessons (title, category, duration_seconds, video_url)"
    " SELECT '负载课程' || g, (ARRAY['fire', 'flood', 'traffic', 'drowning'])[1 + g % 4], 600,"
    " 'https://video.example.cn/load/' || g || '.mp4' FROM generate_series(1, 40) g",
    "INSERT INTO livestreams (title, expert, scheduled_at, status, started_at, ended_at,"
    " duration_seconds, replay_url)"
    " SELECT '负载直播' || g, '专家' || g, now() + (g - 15) * interval '1 day',"
    " (ARRAY['scheduled', 'live', 'ended'])[1 + g % 3],"
    " CASE WHEN g % 3 > 0 THEN now() - interval '1 hour' END,"
    " CASE WHEN g % 3 = 2 THEN now() END, CASE WHEN g % 3 = 2 THEN 3600 END,"
    " CASE WHEN g % 3 = 2 THEN 'https://video.example.cn/replay/' || g END"
    " FROM generate_series(1, 30) g",
    "CREATE TEMP TABLE loaded AS SELECT id, row_number() OVER (ORDER BY id) AS rn"
    " FROM accounts WHERE phone LIKE '12%'",
    "INSERT INTO submissions (author_id, title, description, category, video_url,"
    " duration_seconds, format, size_bytes, hashtags, status, reject_reason, created_at)"
    " SELECT a.id, '负载作品' || a.rn, '描述', (ARRAY['fire', 'flood', 'traffic'])[1 + a.rn % 3],"
    " 'https://video.example.com/load/' || a.rn || '.mp4', 60, 'mp4', 1048576,"
    " ARRAY['逃生演练训练营'],"
    " CASE WHEN a.rn <= 240 THEN 'approved' WHEN a.rn <= 270 THEN 'pending'"
    " WHEN a.rn <= 290 THEN 'rejected' ELSE 'removed' END,"
    " CASE WHEN a.rn > 270 AND a.rn <= 290 THEN '不合规' END,"
    " now() - (400 - a.rn) * interval '10 minutes'"
    " FROM loaded a WHERE a.rn <= 300",
    /* ~5,000 likes, a few submissions with many */
    "INSERT INTO likes (submission_id, account_id, created_at)"
    " SELECT s.id, a.id, now() - (a.rn % 500) * interval '1 minute'"
    " FROM (SELECT id, author_id, row_number() OVER (ORDER BY id) AS rn FROM submissions"
    " WHERE status = 'approved') s JOIN loaded a ON a.rn <= 400 AND a.rn % (s.rn % 40 + 5) = 0"
    " AND a.id <> s.author_id",
    "UPDATE submissions s SET like_count = c.n, last_like_at = c.newest"
    " FROM (SELECT submission_id, count(*) AS n, max(created_at) AS newest FROM likes"
    " GROUP BY submission_id) c WHERE s.id = c.submission_id",
    /* 2,000 progress rows: 500 learners x 4 lessons */
    "INSERT INTO progress (account_id, content_type, content_id, intervals, credited_seconds)"
    " SELECT a.id, 'lesson', l.id, ARRAY[0, 300], 300 FROM loaded a"
    " JOIN (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM lessons) l"
    " ON l.rn % 10 = a.rn % 10 AND l.rn <= 40 WHERE a.rn <= 500",
    "INSERT INTO learners (account_id, credited_seconds, bucket_tokens, bucket_at, checkin_days,"
    " streak_days, last_checkin_day)"
    " SELECT account_id, sum(credited_seconds), 0, 0, 2, 1, current_date FROM progress"
    " GROUP BY account_id",
    "INSERT INTO checkins (account_id, day) SELECT a.id, current_date - d FROM loaded a,"
    " generate_series(1, 2) d WHERE a.rn <= 500",
    "INSERT INTO reservations (livestream_id, account_id) SELECT l.id, a.id FROM loaded a"
    " JOIN livestreams l ON l.id % 7 = a.rn % 7 WHERE a.rn <= 300",
    "UPDATE livestreams l SET reservation_count = (SELECT count(*) FROM reservations r"
    " WHERE r.livestream_id = l.id)",
    "INSERT INTO certificates (serial, campaign_id, account_id, holder_name, class_hours,"
    " credited_seconds, issued_at, signed_payload, signature)"
    " SELECT 'LOAD' || lpad(a.rn::text, 12, '0'), 1, a.id, '负载用户', 8, 28800, now(), 'x', 'x'"
    " FROM loaded a WHERE a.rn <= 200",
    "ANALYZE",
};

static PGresult *exec_ok(PGconn *pg, const char *sql, bool *ok)
{
    PGresult *r = PQexec(pg, sql);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        fprintf(stderr, "test_query_plans: %s\n  failed: %s", sql, PQerrorMessage(pg));
        *ok = false;
    }
    return r;
}

/* Loads the rows, then makes every new connection to this database log
 * its plans (see the comment atop the file). Said on stderr when false. */
static bool prepare_database(void)
{
    const char *dir = getenv("DC_TEST_PGDIR");
    if (!dir || !*dir) {
        fprintf(stderr, "test_query_plans: DC_TEST_PGDIR is not set: the test reads the plans from"
                        " the cluster's log, $DC_TEST_PGDIR/postgres.log (scripts/pg.sh)\n");
        return false;
    }
    snprintf(log_file, sizeof log_file, "%s/postgres.log", dir);
    FILE *lf = fopen(log_file, "rb");
    if (!lf) {
        fprintf(stderr, "test_query_plans: cannot read the cluster's log %s: %s\n", log_file,
                strerror(errno));
        return false;
    }
    fclose(lf);
    PGconn *pg = PQconnectdb(getenv("DATABASE_URL"));
    if (PQstatus(pg) != CONNECTION_OK) {
        fprintf(stderr, "test_query_plans: %s", PQerrorMessage(pg));
        PQfinish(pg);
        return false;
    }
    bool ok = true;
    PGresult *r = PQexec(pg, "LOAD 'auto_explain'");
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr,
                "test_query_plans: auto_explain cannot be loaded (%s); it ships with the"
                " PostgreSQL 15 server package (/usr/lib/postgresql/15/lib/auto_explain.so)\n",
                PQerrorMessage(pg));
        ok = false;
    }
    PQclear(r);
    for (size_t i = 0; ok && i < sizeof LOAD / sizeof LOAD[0]; i++)
        PQclear(exec_ok(pg, LOAD[i], &ok));
    if (ok && getenv("QP_PROVE_DROP_INDEX"))
        PQclear(exec_ok(pg, "DROP INDEX submissions_author_idx", &ok));
    char *db = NULL;
    if (ok) {
        r = exec_ok(pg, "SELECT current_database()", &ok);
        if (ok)
            db = dc_strdup(PQgetvalue(r, 0, 0));
        PQclear(r);
    }
    static const char *const SETTINGS[] = {
        "session_preload_libraries = 'auto_explain'",
        "auto_explain.log_min_duration = 0",
        "auto_explain.log_format = 'json'",
        "auto_explain.log_nested_statements = on",
        "enable_seqscan = off",
        "enable_hashjoin = off",
        "enable_mergejoin = off",
        "jit = off",
        "log_min_duration_statement = 0",
    };
    for (size_t i = 0; ok && i < sizeof SETTINGS / sizeof SETTINGS[0]; i++) {
        char *sql = dc_fmt("ALTER DATABASE \"%s\" SET %s", db, SETTINGS[i]);
        PQclear(exec_ok(pg, sql, &ok));
        free(sql);
    }
    free(db);
    PQfinish(pg);
    return ok;
}

int main(void)
{
    admin_token = dc_start_with_admin("test_query_plans");
    bool ok = prepare_database();
    int stopped = dc_server_stop();
    if (!ok || stopped != 0) {
        fprintf(stderr, "test_query_plans: could not prepare the database (server stop: %d)\n",
                stopped);
        return 1;
    }
    /* a new server: each of its connections starts with the settings */
    dc_server_start(NULL);
    Suite *s = suite_create("query_plans");
    dc_add_tcase(s, "plans", 600, request_paths_never_scan_watched_tables, NULL);
    return dc_finish("test_query_plans", dc_run_suite(s));
}
