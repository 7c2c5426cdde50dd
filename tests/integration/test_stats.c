/*
 * test_stats.c - API.md section 8 reporting against the real server and
 * PostgreSQL: GET /v1/admin/stats, /v1/admin/stats.csv and
 * /v1/admin/certificates.csv.
 *
 *  - exact rows for group_by=region (Fujian's ten children with zeros, the
 *    provinces, a division without children), organization_type and
 *    audience, with and without region_code, and the totals; credited_hours
 *    rounded DOWN to 2 decimals (5399 s / 600 s is 8.99, never 9.00);
 *  - the views without region_code also against an oracle computed by SQL
 *    from the raw tables (progress, checkins, certificates, submissions,
 *    likes), so that they hold whatever other tests have added;
 *  - moving an account (region, organization, audience) moves its numbers;
 *  - 422 for a bad group_by or region_code, 401 anonymous, 403 for a user
 *    and a moderator;
 *  - both CSVs parsed back by an RFC 4180 parser of our own (quotes, doubled
 *    quotes, CRLF record ends) and, when python3 is installed, by Python's
 *    csv module: BOM, header, Chinese intact, formula cells neutralised,
 *    the total row, values equal to the JSON.
 *
 * Exact numbers need a database of our own: main() creates a fresh one
 * (dc_stats_<pid>) next to the test database and points DATABASE_URL (a
 * conninfo string or a URI) at it before starting the server, so the
 * server, create-admin and dc_sql_value all use it; it is dropped at the
 * end (kept when DC_STATS_KEEP_DB is set).
 *
 * The shared dataset (Fujian and Beijing) is built once by an unchecked
 * fixture before the tests fork and is never changed afterwards; tests that
 * add or change data use provinces of their own (Guangdong and Zhejiang for
 * the move, Gansu for the certificate export, Xinjiang for the admin and
 * the callers of the auth checks), so the tests hold in any order. Likes
 * are folded into like_count about a second later: every expectation is
 * polled until it holds, for at most WAIT_S seconds.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define CH     600 /* class_hour_seconds for the whole run */
#define WAIT_S 15.0
#define OWN    "650000" /* the admin and the callers of the auth checks */

static char *admin;

/* ---- small helpers ---------------------------------------------------- */

static void nap(void)
{
    usleep(150 * 1000);
}

static bool has_non_ascii(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++)
        if (*p >= 0x80)
            return true;
    return false;
}

/* ---- campaign, accounts, learning, contest ----------------------------- */

/* Live, class hours of CH seconds, one class hour for a certificate, no
 * check-in needed, playback rate 1000 (credit at once). Every test sets the
 * same rules, so credited_hours never changes meaning during the run. */
static const struct dc_rules RULES = {CH, 1, DC_CHECKIN_OFF, 1000.0, 100};

static char *new_org(const char *name, const char *type, const char *region)
{
    struct dc_resp *r = dc_send_json(
        "POST", "/v1/admin/organizations", admin,
        json_pack("{s:s, s:s, s:s}", "name", name, "type", type, "region_code", region));
    dc_expect_status(r, 201, "create organization");
    ck_assert_msg(dc_all_digits(dc_str(r->json, "id")), "organization id: %s", r->body);
    char *id = strdup(dc_str(r->json, "id"));
    dc_resp_free(r);
    return id;
}

struct acct {
    char id[32];
    char phone[12];
    char *token;
};

/* Registers (kind individual unless given) and logs in. */
static struct acct new_account(const char *name, const char *region, const char *org,
                               const char *audience, const char *kind)
{
    struct acct a;
    memset(&a, 0, sizeof a);
    dc_unique_phone(a.phone);
    json_t *b = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "phone", a.phone, "password",
                          DC_PASSWORD, "display_name", name, "kind", kind ? kind : "individual",
                          "region_code", region, "audience", audience);
    if (org)
        json_object_set_new(b, "organization_id", json_string(org));
    struct dc_resp *r = dc_send_json("POST", "/v1/accounts", NULL, b);
    dc_expect_status(r, 201, "register");
    ck_assert_str_eq(dc_str(r->json, "display_name"), name);
    ck_assert_str_eq(dc_str(r->json, "region_code"), region);
    ck_assert_str_eq(dc_str(r->json, "audience"), audience);
    snprintf(a.id, sizeof a.id, "%s", dc_str(r->json, "id"));
    dc_resp_free(r);
    a.token = dc_login(a.phone, DC_PASSWORD);
    ck_assert_ptr_nonnull(a.token);
    return a;
}

static void patch_me(const char *token, json_t *body)
{
    struct dc_resp *r = dc_send_json("PATCH", "/v1/me", token, body);
    dc_expect_status(r, 200, "PATCH /v1/me");
    dc_resp_free(r);
}

static void checkin(const char *token)
{
    struct dc_resp *r = dc_req("POST", "/v1/checkins", token, NULL);
    dc_expect_status(r, 201, "check-in");
    dc_resp_free(r);
}

/* Claims the certificate (201); returns it. */
static json_t *claim(const char *token)
{
    return dc_expect_json("POST", "/v1/me/certificate", token, NULL, 201, "certificate claim");
}

static void revoke_cert(const char *serial)
{
    char path[160];
    snprintf(path, sizeof path, "/v1/admin/certificates/%s/revoke", serial);
    struct dc_resp *r =
        dc_send_json("POST", path, admin, json_pack("{s:s}", "reason", "学时造假，经核实撤销"));
    dc_expect_status(r, 200, "revoke");
    dc_resp_free(r);
}

static char *submit(const char *token, const char *title)
{
    return dc_submit(token, dc_video_json(title));
}

/* The admin's review; a rejection gives a reason. */
static void review(const char *id, const char *decision)
{
    dc_review_ok(admin, id, decision, strcmp(decision, "approve") == 0 ? NULL : "与主题无关");
}

static char *submit_approved(const char *token, const char *title)
{
    return dc_submit_approved(admin, token, dc_video_json(title));
}

static void remove_submission(const char *token, const char *id)
{
    char path[96];
    snprintf(path, sizeof path, "/v1/submissions/%s", id);
    struct dc_resp *r = dc_req("DELETE", path, token, NULL);
    dc_expect_status(r, 204, "remove submission");
    dc_resp_free(r);
}

static void like(const char *token, const char *id)
{
    char path[96];
    snprintf(path, sizeof path, "/v1/submissions/%s/like", id);
    struct dc_resp *r = dc_req("PUT", path, token, NULL);
    dc_expect_status(r, 200, "like");
    ck_assert(json_is_true(json_object_get(r->json, "liked")));
    dc_resp_free(r);
}

/* ---- stats rows ---------------------------------------------------------- */

static const char *const COLS[8] = {"accounts", "learners",    "credited_hours",       "certified",
                                    "checkins", "submissions", "approved_submissions", "likes"};

/* The eight columns; v[2] holds credited SECONDS (hours are derived). */
struct nums {
    long long v[8];
};
#define NUMS(...) ((struct nums){{__VA_ARGS__}})
static const struct nums ZERO;

struct want_row {
    const char *key;
    const char *label; /* NULL: any non-empty Chinese label */
    struct nums n;
    bool any; /* numbers not checked */
};

static const char *const FUJIAN_KEYS[10] = {"350100", "350128", "350200", "350300", "350400",
                                            "350500", "350600", "350700", "350800", "350900"};
static const char *const FUJIAN_NAMES[10] = {"福州市", "平潭综合实验区", "厦门市", "莆田市",
                                             "三明市", "泉州市",         "漳州市", "南平市",
                                             "龙岩市", "宁德市"};
static const char *const ORG_TYPES[10] = {
    "government",   "enterprise_central", "enterprise_local", "university", "school",
    "kindergarten", "community",          "village",          "other",      "none"};
static const char *const AUDIENCES[5] = {"employee", "student", "teacher", "resident", "public"};

static void rows_init(struct want_row *w, const char *const *keys, const char *const *labels, int n)
{
    for (int i = 0; i < n; i++)
        w[i] = (struct want_row){keys[i], labels ? labels[i] : NULL, ZERO, false};
}

static void rows_set(struct want_row *w, int n, const char *key, struct nums v)
{
    for (int i = 0; i < n; i++)
        if (strcmp(w[i].key, key) == 0) {
            w[i].n = v;
            return;
        }
    ck_abort_msg("no row %s", key);
}

/* credited_hours wanted for these seconds, in hundredths (rounded down). */
static long long hundredths(long long seconds)
{
    return seconds * 100 / CH;
}

static bool nums_match(const json_t *obj, const struct nums *w, const char *where, char *why,
                       size_t cap)
{
    if (!json_is_object(obj)) {
        snprintf(why, cap, "%s: not an object", where);
        return false;
    }
    for (int k = 0; k < 8; k++) {
        json_t *x = json_object_get(obj, COLS[k]);
        if (k == 2) {
            long long want = hundredths(w->v[2]);
            if (!json_is_number(x)) {
                snprintf(why, cap, "%s: credited_hours is not a JSON number", where);
                return false;
            }
            double v = json_number_value(x);
            if (fabs(v * 100.0 - (double)want) > 1e-6) {
                snprintf(why, cap, "%s: credited_hours %.6f, want %lld.%02lld (%lld s / %d)", where,
                         v, want / 100, want % 100, w->v[2], CH);
                return false;
            }
        } else if (!json_is_integer(x) || json_integer_value(x) != w->v[k]) {
            snprintf(why, cap, "%s: %s %s%lld, want %lld", where, COLS[k],
                     json_is_integer(x) ? "" : "(not an integer) ",
                     (long long)json_integer_value(x), w->v[k]);
            return false;
        }
    }
    return true;
}

static struct dc_resp *get_stats_at(const char *base, const char *query, const char *token)
{
    char path[512];
    snprintf(path, sizeof path, "%s%s%s", base, *query ? "?" : "", query);
    return dc_req("GET", path, token, NULL);
}

static struct dc_resp *get_stats(const char *query)
{
    return get_stats_at("/v1/admin/stats", query, admin);
}

/* Checks a stats body: group_by and region_code echoed; rows exactly w in
 * order (exact) or the rows w among the rows (subset); the totals when given. */
static bool stats_match(const json_t *body, const char *group_by, const char *region_code,
                        const struct want_row *w, int n, bool exact, const struct nums *totals,
                        char *why, size_t cap)
{
    const char *gb = dc_str(body, "group_by");
    if (!gb || strcmp(gb, group_by) != 0) {
        snprintf(why, cap, "group_by %s, want %s", gb ? gb : "(none)", group_by);
        return false;
    }
    json_t *rc = json_object_get(body, "region_code");
    if (region_code ? !json_is_string(rc) || strcmp(json_string_value(rc), region_code) != 0
                    : !json_is_null(rc)) {
        snprintf(why, cap, "region_code is not %s", region_code ? region_code : "null");
        return false;
    }
    json_t *rows = json_object_get(body, "rows");
    if (!json_is_array(rows)) {
        snprintf(why, cap, "no rows array");
        return false;
    }
    if (exact && json_array_size(rows) != (size_t)n) {
        snprintf(why, cap, "%zu rows, want %d", json_array_size(rows), n);
        return false;
    }
    for (int i = 0; i < n; i++) {
        json_t *row = NULL;
        if (exact) {
            row = json_array_get(rows, (size_t)i);
            const char *key = dc_str(row, "key");
            if (!key || strcmp(key, w[i].key) != 0) {
                snprintf(why, cap, "row %d: key %s, want %s", i, key ? key : "(none)", w[i].key);
                return false;
            }
        } else {
            for (size_t k = 0; k < json_array_size(rows) && !row; k++) {
                const char *key = dc_str(json_array_get(rows, k), "key");
                if (key && strcmp(key, w[i].key) == 0)
                    row = json_array_get(rows, k);
            }
            if (!row) {
                snprintf(why, cap, "no row %s", w[i].key);
                return false;
            }
        }
        const char *label = dc_str(row, "label");
        if (w[i].label ? !label || strcmp(label, w[i].label) != 0
                       : !label || !has_non_ascii(label)) {
            snprintf(why, cap, "row %s: label %s, want %s", w[i].key, label ? label : "(none)",
                     w[i].label ? w[i].label : "a Chinese label");
            return false;
        }
        char where[64];
        snprintf(where, sizeof where, "row %s", w[i].key);
        if (!w[i].any && !nums_match(row, &w[i].n, where, why, cap))
            return false;
    }
    if (totals && !nums_match(json_object_get(body, "totals"), totals, "totals", why, cap))
        return false;
    return true;
}

/* Polls GET /v1/admin/stats?query until stats_match holds (likes are
 * folded a second or two late), at most WAIT_S seconds. */
static void expect_stats(const char *query, const char *group_by, const char *region_code,
                         const struct want_row *w, int n, bool exact, const struct nums *totals,
                         const char *what)
{
    char why[512] = "";
    double t0 = dc_now_s();
    for (;;) {
        struct dc_resp *r = get_stats(query);
        dc_expect_status(r, 200, what);
        ck_assert_msg(r->json != NULL, "%s: not JSON: %.500s", what, r->body);
        if (stats_match(r->json, group_by, region_code, w, n, exact, totals, why, sizeof why)) {
            dc_resp_free(r);
            return;
        }
        ck_assert_msg(dc_now_s() - t0 < WAIT_S, "%s (?%s) after %.0f s: %s; body %.3000s", what,
                      query, WAIT_S, why, r->body);
        dc_resp_free(r);
        nap();
    }
}

/* ---- the SQL oracle ------------------------------------------------------- */

/* Per group (the SQL expression over acc, r, o): [accounts, learners,
 * credited seconds, valid certificates, check-in days, submissions not
 * removed, approved, likes received], straight from the raw tables. */
static json_t *oracle(const char *group_sql)
{
    char sql[4096];
    snprintf(sql, sizeof sql,
             "SELECT coalesce(json_object_agg(g, v), '{}')::text FROM ("
             " SELECT g, json_build_array(count(*), count(*) FILTER (WHERE secs > 0),"
             "  coalesce(sum(secs), 0), sum(cert), sum(days), sum(subs), sum(appr), sum(likes)) v"
             " FROM (SELECT %s AS g,"
             "  (SELECT coalesce(sum(p.credited_seconds), 0) FROM progress p"
             "    WHERE p.account_id = acc.id) AS secs,"
             "  (SELECT count(*) FROM checkins c WHERE c.account_id = acc.id) AS days,"
             "  (SELECT count(*) FROM certificates c WHERE c.account_id = acc.id"
             "    AND c.revoked_at IS NULL) AS cert,"
             "  (SELECT count(*) FROM submissions s WHERE s.author_id = acc.id"
             "    AND s.status <> 'removed') AS subs,"
             "  (SELECT count(*) FROM submissions s WHERE s.author_id = acc.id"
             "    AND s.status = 'approved') AS appr,"
             "  (SELECT count(*) FROM likes k JOIN submissions s ON s.id = k.submission_id"
             "    WHERE s.author_id = acc.id) AS likes"
             "  FROM accounts acc JOIN regions r ON r.code = acc.region_code"
             "  LEFT JOIN organizations o ON o.id = acc.organization_id) a"
             " GROUP BY g) x",
             group_sql);
    char *v = dc_sql_value(sql);
    ck_assert_msg(v != NULL, "the oracle query failed");
    json_t *j = json_loads(v, 0, NULL);
    ck_assert_msg(j != NULL, "oracle answer is not JSON: %s", v);
    free(v);
    return j;
}

static struct nums oracle_nums(const json_t *arr)
{
    struct nums n = ZERO;
    for (int k = 0; k < 8; k++)
        n.v[k] = json_integer_value(json_array_get(arr, (size_t)k));
    return n;
}

static bool oracle_match(const json_t *body, const json_t *orc, char *why, size_t cap)
{
    json_t *rows = json_object_get(body, "rows");
    struct nums total = ZERO;
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)orc, key, val)
    {
        struct nums n = oracle_nums(val);
        for (int k = 0; k < 8; k++)
            total.v[k] += n.v[k];
        bool found = false;
        for (size_t i = 0; i < json_array_size(rows); i++)
            found = found || strcmp(dc_str(json_array_get(rows, i), "key"), key) == 0;
        if (!found) {
            snprintf(why, cap, "no row %s, which the raw tables have", key);
            return false;
        }
    }
    for (size_t i = 0; i < json_array_size(rows); i++) {
        json_t *row = json_array_get(rows, i);
        const char *k = dc_str(row, "key");
        json_t *o = k ? json_object_get(orc, k) : NULL;
        struct nums n = o ? oracle_nums(o) : ZERO;
        char where[64];
        snprintf(where, sizeof where, "row %s (raw tables)", k ? k : "?");
        if (!nums_match(row, &n, where, why, cap))
            return false;
    }
    return nums_match(json_object_get(body, "totals"), &total, "totals (raw tables)", why, cap);
}

/* Polls until the view equals the oracle computed from the raw tables. */
static void expect_oracle(const char *query, const char *group_sql, const char *what)
{
    char why[512] = "";
    double t0 = dc_now_s();
    for (;;) {
        json_t *orc = oracle(group_sql);
        struct dc_resp *r = get_stats(query);
        dc_expect_status(r, 200, what);
        bool ok = r->json && oracle_match(r->json, orc, why, sizeof why);
        char *o = json_dumps(orc, JSON_COMPACT);
        json_decref(orc);
        if (ok) {
            free(o);
            dc_resp_free(r);
            return;
        }
        ck_assert_msg(dc_now_s() - t0 < WAIT_S, "%s (?%s): %s; raw tables %.1500s; body %.3000s",
                      what, query, why, o, r->body);
        free(o);
        dc_resp_free(r);
        nap();
    }
}

/* Waits until every like is folded into like_count (the dataset's set-up). */
static void wait_folded(void)
{
    double t0 = dc_now_s();
    while (dc_sql_ll("SELECT ((SELECT count(*) FROM likes) = (SELECT coalesce(sum(like_count), 0)"
                     " FROM submissions))::int") != 1) {
        ck_assert_msg(dc_now_s() - t0 < WAIT_S, "likes not folded into like_count after %.0f s",
                      WAIT_S);
        nap();
    }
}

/* ---- CSV ---------------------------------------------------------------- */

struct buf {
    char *p;
    size_t len, cap;
};

static void buf_put(struct buf *b, char c)
{
    if (b->len + 2 > b->cap) {
        b->cap = b->cap ? 2 * b->cap : 32;
        b->p = realloc(b->p, b->cap);
        ck_assert_ptr_nonnull(b->p);
    }
    b->p[b->len++] = c;
    b->p[b->len] = '\0';
}

static bool python3_present(void)
{
    return system("command -v python3 >/dev/null 2>&1") == 0;
}

static const char PY_CSV[] = "import csv, io, json, sys\n"
                             "raw = open(sys.argv[1], 'rb').read()\n"
                             "if not raw.startswith(b'\\xef\\xbb\\xbf'):\n"
                             "    sys.exit('no UTF-8 BOM')\n"
                             "text = raw[3:].decode('utf-8')\n"
                             "if not text.endswith('\\r\\n'):\n"
                             "    sys.exit('the last record does not end with CRLF')\n"
                             "rows = list(csv.reader(io.StringIO(text, newline=''), strict=True))\n"
                             "print(json.dumps(rows))\n";

/* Parses the whole body (BOM included) with Python's csv module and
 * asserts it reads exactly what our parser read. Skipped without python3. */
static void python_agrees(const char *body, size_t len, const struct dc_csv_doc *d,
                          const char *what)
{
    if (!python3_present())
        return;
    char csv_path[] = "/tmp/dc_stats_csv_XXXXXX", py_path[] = "/tmp/dc_stats_py_XXXXXX";
    int fd = mkstemp(csv_path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, body, len), (ssize_t)len);
    close(fd);
    fd = mkstemp(py_path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, PY_CSV, strlen(PY_CSV)), (ssize_t)strlen(PY_CSV));
    close(fd);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "python3 '%s' '%s' 2>&1", py_path, csv_path);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    struct buf out = {calloc(1, 1), 0, 1};
    int c;
    while ((c = fgetc(p)) != EOF)
        buf_put(&out, (char)c);
    int st = pclose(p);
    unlink(csv_path);
    unlink(py_path);
    ck_assert_msg(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
                  "%s: Python's csv module refuses it: %s", what, out.p);
    json_t *rows = json_loads(out.p, 0, NULL);
    ck_assert_msg(json_is_array(rows), "%s: python printed %s", what, out.p);
    ck_assert_msg(json_array_size(rows) == (size_t)d->n, "%s: python reads %zu records, we read %d",
                  what, json_array_size(rows), d->n);
    for (int i = 0; i < d->n; i++) {
        json_t *row = json_array_get(rows, (size_t)i);
        ck_assert_msg(json_array_size(row) == (size_t)d->rows[i].n,
                      "%s: record %d: python reads %zu fields, we read %d", what, i,
                      json_array_size(row), d->rows[i].n);
        for (int k = 0; k < d->rows[i].n; k++) {
            const char *pv = json_string_value(json_array_get(row, (size_t)k));
            ck_assert_msg(pv && strcmp(pv, d->rows[i].f[k]) == 0,
                          "%s: record %d field %d: python [%s], we [%s]", what, i, k, pv ? pv : "?",
                          d->rows[i].f[k]);
        }
    }
    json_decref(rows);
    free(out.p);
}

static const char BOM[] = "\xEF\xBB\xBF";

/* Content-Type text/csv with charset=utf-8, the BOM, then the header line. */
static bool csv_envelope_ok(const struct dc_resp *r, const char *header, char *why, size_t cap)
{
    char *ct = dc_resp_header(r, "Content-Type");
    bool ct_ok = ct && strncasecmp(ct, "text/csv", 8) == 0 && strcasestr(ct, "charset=utf-8");
    if (!ct_ok) {
        snprintf(why, cap, "Content-Type %s, want text/csv; charset=utf-8", ct ? ct : "(none)");
        free(ct);
        return false;
    }
    free(ct);
    if (r->body_len < 3 || memcmp(r->body, BOM, 3) != 0) {
        snprintf(why, cap, "no UTF-8 BOM at the start");
        return false;
    }
    if (strncmp(r->body + 3, header, strlen(header)) != 0) {
        snprintf(why, cap, "header line is not %s", header);
        return false;
    }
    return true;
}

/* ---- the shared dataset --------------------------------------------------- */

/*
 * account  region  organization         audience  credit  check-in  certificate
 * A1       350100  government           employee  5399 s  yes       valid
 * A2       350100  -                    resident  1000 s  -         revoked
 * A3       350200  enterprise_central   employee   700 s  yes       valid   (official)
 * A4       350128  school               teacher      0    yes       -
 * A5       350128  -                    student      0    -         -
 * A6       350000  -                    public     601 s  -         -       (the province)
 * A7       110000  university           student   1200 s  -         valid
 *
 * submissions: A1 approved (liked by A5, A6) + pending; A2 approved (liked
 * by A7) + approved then removed by its author; A3 approved + rejected; A4
 * approved (liked by A1, A5, A6); A7 approved (liked by A1).
 */
enum { A1, A2, A3, A4, A5, A6, A7, NACC };
static struct acct ds[NACC];
static const char A1_NAME[] = "张三\"测试\",逗号";
static const char A2_NAME[] = "=SUM(A1)";

struct ds_cert {
    int acct;
    char serial[80];
    char issued_at[48];
    const char *holder_csv;
    const char *region;
    const char *class_hours;
    long long seconds;
    bool revoked;
};
static struct ds_cert certs[4] = {
    {A1, "", "", A1_NAME, "350100", "8.99", 5399, false},
    {A2, "", "", "'=SUM(A1)", "350100", "1.66", 1000, true},
    {A3, "", "", "厦门港务员工", "350200", "1.16", 700, false},
    {A7, "", "", "北京学生", "110000", "2.00", 1200, false},
};

/* The Fujian numbers (group_by=region&region_code=350000). */
#define FUZHOU  NUMS(2, 2, 6399, 1, 1, 3, 2, 3)
#define PINGTAN NUMS(2, 0, 0, 0, 1, 1, 1, 3)
#define XIAMEN  NUMS(1, 1, 700, 1, 1, 2, 1, 0)
#define FUJIAN  NUMS(6, 4, 7700, 2, 3, 6, 4, 6)
#define BEIJING NUMS(1, 1, 1200, 1, 0, 1, 1, 1)

static void build_dataset(void)
{
    dc_campaign_live(admin, RULES);
    char *gov = new_org("福州市应急管理局", "government", "350100");
    char *ent = new_org("厦门港务集团", "enterprise_central", "350200");
    char *sch = new_org("平潭实验小学", "school", "350128");
    char *uni = new_org("北京应急管理大学", "university", "110000");
    ds[A1] = new_account(A1_NAME, "350100", gov, "employee", NULL);
    ds[A2] = new_account(A2_NAME, "350100", NULL, "resident", NULL);
    ds[A3] = new_account("厦门港务员工", "350200", ent, "employee", "official");
    ds[A4] = new_account("平潭老师", "350128", sch, "teacher", NULL);
    ds[A5] = new_account("平潭学生", "350128", NULL, "student", NULL);
    ds[A6] = new_account("福建省直居民", "350000", NULL, "public", NULL);
    ds[A7] = new_account("北京学生", "110000", uni, "student", NULL);

    dc_earn(admin, ds[A1].token, 5399);
    dc_earn(admin, ds[A2].token, 1000);
    dc_earn(admin, ds[A3].token, 700);
    dc_earn(admin, ds[A6].token, 601);
    dc_earn(admin, ds[A7].token, 1200);
    checkin(ds[A1].token);
    checkin(ds[A3].token);
    checkin(ds[A4].token);
    for (int i = 0; i < 4; i++) {
        json_t *c = claim(ds[certs[i].acct].token);
        snprintf(certs[i].serial, sizeof certs[i].serial, "%s", dc_str(c, "serial"));
        snprintf(certs[i].issued_at, sizeof certs[i].issued_at, "%s", dc_str(c, "issued_at"));
        ck_assert_str_eq(dc_str(c, "account_id"), ds[certs[i].acct].id);
        ck_assert_int_eq(dc_int(c, "credited_seconds"), certs[i].seconds);
        json_decref(c);
    }
    revoke_cert(certs[1].serial);

    char *s1 = submit_approved(ds[A1].token, "我家的逃生路线");
    free(submit(ds[A1].token, "待审核的视频"));
    char *s2 = submit_approved(ds[A2].token, "公式开头的作者");
    char *s2b = submit_approved(ds[A2].token, "作者撤下的视频");
    remove_submission(ds[A2].token, s2b);
    free(submit_approved(ds[A3].token, "港区疏散演练"));
    char *s3b = submit(ds[A3].token, "跑题的视频");
    review(s3b, "reject");
    char *s4 = submit_approved(ds[A4].token, "校园消防演练");
    char *s7 = submit_approved(ds[A7].token, "北京的地震避险");
    like(ds[A5].token, s1);
    like(ds[A6].token, s1);
    like(ds[A7].token, s2);
    like(ds[A1].token, s4);
    like(ds[A5].token, s4);
    like(ds[A6].token, s4);
    like(ds[A1].token, s7);
    wait_folded();
    free(s1);
    free(s2);
    free(s2b);
    free(s3b);
    free(s4);
    free(s7);
    free(gov);
    free(ent);
    free(sch);
    free(uni);
}

/* ---- 1. region: Fujian ---------------------------------------------------- */

/* Fujian's ten children (w gets their rows), from the shared dataset. */
static void expect_fujian_by_region(struct want_row w[10])
{
    rows_init(w, FUJIAN_KEYS, FUJIAN_NAMES, 10);
    rows_set(w, 10, "350100", FUZHOU);
    rows_set(w, 10, "350128", PINGTAN);
    rows_set(w, 10, "350200", XIAMEN);
    struct nums tot = FUJIAN;
    expect_stats("group_by=region&region_code=350000", "region", "350000", w, 10, true, &tot,
                 "Fujian by region");
}

/* Fujian's ten children in code order (Pingtan 350128 between Fuzhou and
 * Xiamen), zeros included, Chinese labels; an account registered at the
 * province itself counts in the totals only; rounding down */
START_TEST(region_fujian)
{
    struct want_row w[10];
    struct nums tot = FUJIAN;
    expect_fujian_by_region(w);
    /* group_by defaults to region */
    expect_stats("region_code=350000", "region", "350000", w, 10, true, &tot,
                 "Fujian, group_by omitted");

    /* the hours as written in the body: 6399 s / 600 s = 10.665 -> 10.66 */
    struct dc_resp *r = get_stats("group_by=region&region_code=350000");
    dc_expect_status(r, 200, "Fujian");
    json_t *fz = json_array_get(json_object_get(r->json, "rows"), 0);
    ck_assert(fabs(json_number_value(json_object_get(fz, "credited_hours")) - 10.66) < 1e-9);
    ck_assert(fabs(json_number_value(
                       json_object_get(json_object_get(r->json, "totals"), "credited_hours")) -
                   12.83) < 1e-9);
    dc_resp_free(r);

    /* a division without children: no rows, its own subtree in the totals */
    struct nums fuzhou = FUZHOU, pingtan = PINGTAN;
    expect_stats("group_by=region&region_code=350100", "region", "350100", NULL, 0, true, &fuzhou,
                 "Fuzhou (no children)");
    expect_stats("group_by=region&region_code=350128", "region", "350128", NULL, 0, true, &pingtan,
                 "Pingtan (no children)");
}
END_TEST

/* ---- 2. region: provinces ------------------------------------------------- */

/* Provinces used by tests that add data (their numbers are checked against
 * the raw tables only). */
static bool province_in_use(const char *code)
{
    static const char *const used[] = {OWN, "440000", "330000", "620000", NULL};
    for (const char *const *u = used; *u; u++)
        if (strcmp(*u, code) == 0)
            return true;
    return false;
}

static int cmp_code(const void *a, const void *b)
{
    return strcmp(((const struct want_row *)a)->key, ((const struct want_row *)b)->key);
}

/* every province in code order with its name from GET /v1/regions; the
 * Fujian row rolls up its cities and the province itself; Beijing's row;
 * zeros for the provinces nobody uses; everything equal to the raw tables */
START_TEST(region_provinces)
{
    struct dc_resp *reg = dc_req("GET", "/v1/regions", NULL, NULL);
    dc_expect_status(reg, 200, "GET /v1/regions");
    json_t *items = json_object_get(reg->json, "items");
    size_t n = json_array_size(items);
    ck_assert_uint_eq(n, 34);
    struct want_row *w = calloc(n, sizeof *w);
    ck_assert_ptr_nonnull(w);
    for (size_t i = 0; i < n; i++) {
        json_t *it = json_array_get(items, i);
        w[i].key = dc_str(it, "code");
        w[i].label = dc_str(it, "name");
        w[i].any = province_in_use(w[i].key);
    }
    qsort(w, n, sizeof *w, cmp_code);
    rows_set(w, (int)n, "350000", FUJIAN);
    rows_set(w, (int)n, "110000", BEIJING);
    expect_stats("group_by=region", "region", NULL, w, (int)n, true, NULL, "provinces");
    expect_stats("", "region", NULL, w, (int)n, true, NULL, "provinces, no parameters");
    expect_oracle("group_by=region", "r.province_code", "provinces against the raw tables");

    /* the province scope itself gives the same totals as its row */
    struct nums fujian = FUJIAN, beijing = BEIJING;
    struct want_row fj[10];
    rows_init(fj, FUJIAN_KEYS, FUJIAN_NAMES, 10);
    for (int i = 0; i < 10; i++)
        fj[i].any = true;
    expect_stats("group_by=region&region_code=350000", "region", "350000", fj, 10, true, &fujian,
                 "Fujian totals");
    expect_stats("group_by=region&region_code=110000", "region", "110000", NULL, 0, true, &beijing,
                 "Beijing (no children)");
    free(w);
    dc_resp_free(reg);
}
END_TEST

/* ---- 3. organization type ------------------------------------------------- */

/* The labels of a view: distinct, Chinese, the same in every scope. */
static void expect_same_labels(const char *q1, const char *q2, int n)
{
    struct dc_resp *a = get_stats(q1), *b = get_stats(q2);
    dc_expect_status(a, 200, q1);
    dc_expect_status(b, 200, q2);
    json_t *ra = json_object_get(a->json, "rows"), *rb = json_object_get(b->json, "rows");
    ck_assert_uint_eq(json_array_size(ra), (size_t)n);
    ck_assert_uint_eq(json_array_size(rb), (size_t)n);
    for (int i = 0; i < n; i++) {
        const char *la = dc_str(json_array_get(ra, (size_t)i), "label");
        const char *lb = dc_str(json_array_get(rb, (size_t)i), "label");
        ck_assert_msg(la && lb && strcmp(la, lb) == 0, "label %d: %s vs %s", i, la ? la : "-",
                      lb ? lb : "-");
        for (int k = 0; k < i; k++)
            ck_assert_msg(strcmp(la, dc_str(json_array_get(ra, (size_t)k), "label")) != 0,
                          "label %s twice", la);
    }
    dc_resp_free(a);
    dc_resp_free(b);
}

/* The rows of group_by (organization_type or audience) under region: zeros
 * but for the keys that follow, each with its numbers (a const char * then
 * a struct nums, up to a NULL key); tot the totals. */
__attribute__((sentinel)) static void expect_view(const char *group_by, const char *region,
                                                  struct nums tot, const char *what, ...)
{
    bool org = strcmp(group_by, "organization_type") == 0;
    int n = org ? 10 : 5;
    struct want_row w[10];
    rows_init(w, org ? ORG_TYPES : AUDIENCES, NULL, n);
    va_list ap;
    va_start(ap, what);
    for (const char *key; (key = va_arg(ap, const char *)) != NULL;)
        rows_set(w, n, key, va_arg(ap, struct nums));
    va_end(ap);
    char q[128];
    snprintf(q, sizeof q, "group_by=%s&region_code=%s", group_by, region);
    expect_stats(q, group_by, region, w, n, true, &tot, what);
}

/* group_by without region_code: the n keys in order, with the numbers of
 * the raw tables grouped by group_sql, and the labels of Fujian's view. */
static void expect_everything(const char *group_by, const char *const *keys, int n,
                              const char *group_sql)
{
    struct want_row w[10];
    rows_init(w, keys, NULL, n);
    for (int i = 0; i < n; i++)
        w[i].any = true;
    char query[64], fujian[96], what[96];
    snprintf(query, sizeof query, "group_by=%s", group_by);
    snprintf(fujian, sizeof fujian, "group_by=%s&region_code=350000", group_by);
    snprintf(what, sizeof what, "all by %s", group_by);
    expect_stats(query, group_by, NULL, w, n, true, NULL, what);
    snprintf(what, sizeof what, "all by %s against the raw tables", group_by);
    expect_oracle(query, group_sql, what);
    expect_same_labels(query, fujian, n);
}

/* the nine types then none, zeros included, restricted to region_code's
 * subtree (with the province-level account), and everything without it */
START_TEST(organization_types)
{
    expect_view("organization_type", "350000", FUJIAN, "Fujian by organization type", "government",
                NUMS(1, 1, 5399, 1, 1, 2, 1, 2), "enterprise_central",
                NUMS(1, 1, 700, 1, 1, 2, 1, 0), "school", NUMS(1, 0, 0, 0, 1, 1, 1, 3), "none",
                NUMS(3, 2, 1601, 0, 0, 1, 1, 1), NULL);

    struct want_row w[10];
    rows_init(w, ORG_TYPES, NULL, 10);
    rows_set(w, 10, "university", BEIJING);
    struct nums beijing = BEIJING;
    expect_stats("region_code=110000&group_by=organization_type", "organization_type", "110000", w,
                 10, true, &beijing, "Beijing by organization type");

    expect_view("organization_type", "350128", PINGTAN, "Pingtan by organization type", "school",
                NUMS(1, 0, 0, 0, 1, 1, 1, 3), "none", NUMS(1, 0, 0, 0, 0, 0, 0, 0), NULL);

    /* everything: the rows in order, equal to the raw tables */
    expect_everything("organization_type", ORG_TYPES, 10, "coalesce(o.type, 'none')");
}
END_TEST

/* ---- 4. audience ----------------------------------------------------------- */

START_TEST(audiences)
{
    /* 6099 s / 600 s = 10.165 -> 10.16; 601 s -> 1.00 */
    expect_view("audience", "350000", FUJIAN, "Fujian by audience", "employee",
                NUMS(2, 2, 6099, 2, 2, 4, 2, 2), "student", NUMS(1, 0, 0, 0, 0, 0, 0, 0), "teacher",
                NUMS(1, 0, 0, 0, 1, 1, 1, 3), "resident", NUMS(1, 1, 1000, 0, 0, 1, 1, 1), "public",
                NUMS(1, 1, 601, 0, 0, 0, 0, 0), NULL);
    expect_view("audience", "110000", BEIJING, "Beijing by audience", "student", BEIJING, NULL);

    expect_everything("audience", AUDIENCES, 5, "acc.audience");
}
END_TEST

/* ---- 5. moving an account -------------------------------------------------- */

/* The Guangdong and Zhejiang rows of the province view, and the scopes of
 * both provinces. */
static void expect_two_provinces(struct nums gd, struct nums zj, const char *what)
{
    struct want_row w[2] = {{"440000", "广东省", gd, false}, {"330000", "浙江省", zj, false}};
    expect_stats("group_by=region", "region", NULL, w, 2, false, NULL, what);
    expect_stats("group_by=region&region_code=440000", "region", "440000", NULL, 0, true, &gd,
                 what);
    expect_stats("group_by=region&region_code=330000", "region", "330000", NULL, 0, true, &zj,
                 what);
}

/* the rows follow the account's CURRENT region, organization and audience:
 * its whole past moves with it, and later activity lands in the new rows */
START_TEST(moving_an_account)
{
    dc_campaign_live(admin, RULES);
    char *village = new_org("清远市某村民委员会", "village", "440000");
    char *community = new_org("杭州市西湖区某社区", "community", "330000");
    struct acct m = new_account("迁居者", "440000", village, "resident", NULL);
    struct acct s = new_account("留守者", "440000", NULL, "public", NULL);
    dc_earn(admin, m.token, 900);
    checkin(m.token);
    json_t *cert = claim(m.token);
    char *m1 = submit_approved(m.token, "广东的逃生路线");
    char *m2 = submit(m.token, "第二个视频");
    like(s.token, m1);

    const struct nums mover = NUMS(1, 1, 900, 1, 1, 2, 1, 1), stayer = NUMS(1, 0, 0, 0, 0, 0, 0, 0);
    const struct nums both = NUMS(2, 1, 900, 1, 1, 2, 1, 1);
    expect_two_provinces(both, ZERO, "before the move");
    expect_view("organization_type", "440000", both, "organization types before the move",
                "village", mover, "none", stayer, NULL);
    expect_view("audience", "440000", both, "audiences before the move", "resident", mover,
                "public", stayer, NULL);

    /* to Zhejiang: the organization (of Guangdong) and audience stay */
    patch_me(m.token, json_pack("{s:s}", "region_code", "330000"));
    expect_two_provinces(stayer, mover, "after the move");
    expect_view("organization_type", "330000", mover,
                "Zhejiang by organization type after the move", "village", mover, NULL);
    expect_view("organization_type", "440000", stayer,
                "Guangdong by organization type after the move", "none", stayer, NULL);
    expect_view("audience", "330000", mover, "Zhejiang by audience after the move", "resident",
                mover, NULL);

    /* a new organization and audience */
    patch_me(m.token, json_pack("{s:s, s:s}", "organization_id", community, "audience", "student"));
    expect_view("organization_type", "330000", mover, "after changing the organization",
                "community", mover, NULL);
    expect_view("audience", "330000", mover, "after changing the audience", "student", mover, NULL);
    expect_two_provinces(stayer, mover, "after changing the organization");

    /* no organization any more */
    patch_me(m.token, json_pack("{s:n}", "organization_id"));
    expect_view("organization_type", "330000", mover, "after leaving the organization", "none",
                mover, NULL);

    /* later activity counts in the new rows */
    review(m2, "approve");
    like(s.token, m2);
    dc_earn(admin, m.token, 300);
    const struct nums later = NUMS(1, 1, 1200, 1, 1, 2, 2, 2);
    expect_two_provinces(stayer, later, "after more activity");
    expect_view("organization_type", "330000", later, "organization types after more activity",
                "none", later, NULL);
    expect_view("audience", "330000", later, "audiences after more activity", "student", later,
                NULL);
    revoke_cert(dc_str(cert, "serial"));
    const struct nums revoked = NUMS(1, 1, 1200, 0, 1, 2, 2, 2);
    expect_two_provinces(stayer, revoked, "after the revocation");

    json_decref(cert);
    free(m1);
    free(m2);
    free(village);
    free(community);
    free(m.token);
    free(s.token);
}
END_TEST

/* ---- 6. errors and roles --------------------------------------------------- */

static void expect_get_error(const char *path, const char *token, long status, const char *code,
                             const char *field)
{
    struct dc_resp *r = dc_req("GET", path, token, NULL);
    dc_expect_error(r, status, code, field, path);
    if (status == 401) {
        char *h = dc_resp_header(r, "WWW-Authenticate");
        ck_assert_msg(h && strncasecmp(h, "Bearer", 6) == 0, "%s: WWW-Authenticate %s", path,
                      h ? h : "(none)");
        free(h);
    }
    dc_resp_free(r);
}

START_TEST(errors_and_roles)
{
    static const char *const bases[] = {"/v1/admin/stats", "/v1/admin/stats.csv"};
    static const struct {
        const char *query, *field;
    } bad[] = {
        {"group_by=bogus", "group_by"},
        {"group_by=REGION", "group_by"},
        {"group_by=organization&region_code=350000", "group_by"},
        {"group_by=region&region_code=999999", "region_code"},
        {"region_code=350999", "region_code"},
        {"group_by=audience&region_code=35010", "region_code"},
        {"group_by=organization_type&region_code=abcdef", "region_code"},
    };
    char path[256];
    for (int b = 0; b < 2; b++)
        for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
            snprintf(path, sizeof path, "%s?%s", bases[b], bad[i].query);
            expect_get_error(path, admin, 422, "validation_failed", bad[i].field);
        }

    struct acct user = new_account("普通用户", OWN, NULL, "public", NULL);
    struct acct mod = new_account("审核员", OWN, NULL, "public", NULL);
    snprintf(path, sizeof path, "/v1/admin/accounts/%s/role", mod.id);
    struct dc_resp *r = dc_req("PUT", path, admin, "{\"role\":\"moderator\"}");
    dc_expect_status(r, 200, "make moderator");
    dc_resp_free(r);
    static const char *const all[] = {"/v1/admin/stats", "/v1/admin/stats.csv",
                                      "/v1/admin/certificates.csv",
                                      "/v1/admin/stats?group_by=audience&region_code=350000"};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
        expect_get_error(all[i], NULL, 401, "unauthorized", NULL);
        expect_get_error(all[i], "not-a-token", 401, "unauthorized", NULL);
        expect_get_error(all[i], user.token, 403, "forbidden", NULL);
        expect_get_error(all[i], mod.token, 403, "forbidden", NULL);
    }
    free(user.token);
    free(mod.token);
}
END_TEST

/* ---- 7. stats.csv ------------------------------------------------------------ */

static const char STATS_HEADER[] = "key,label,accounts,learners,credited_hours,certified,checkins,"
                                   "submissions,approved_submissions,likes\r\n";

/* One CSV line's 10 fields against a JSON row (or the totals). */
static bool csv_line_matches(const struct dc_csv_row *c, const char *key, const char *label,
                             const json_t *obj, char *why, size_t cap)
{
    if (c->n != 10) {
        snprintf(why, cap, "line %s has %d fields, want 10", key, c->n);
        return false;
    }
    if (strcmp(c->f[0], key) != 0 || strcmp(c->f[1], label) != 0) {
        snprintf(why, cap, "line [%s,%s], want [%s,%s]", c->f[0], c->f[1], key, label);
        return false;
    }
    for (int k = 0; k < 8; k++) {
        json_t *x = json_object_get(obj, COLS[k]);
        char want[64];
        if (k == 2)
            snprintf(want, sizeof want, "%.2f", json_number_value(x));
        else
            snprintf(want, sizeof want, "%lld", (long long)json_integer_value(x));
        if (strcmp(c->f[2 + k], want) != 0) {
            snprintf(why, cap, "line %s: %s [%s], want [%s] as in the JSON", key, COLS[k],
                     c->f[2 + k], want);
            return false;
        }
    }
    return true;
}

/* Fetches the JSON and the CSV of one query and compares them; on success
 * *out gets the CSV response and *doc its records. */
static bool csv_equals_json(const char *query, struct dc_resp **out, struct dc_csv_doc *doc,
                            char *why, size_t cap)
{
    struct dc_resp *j = get_stats(query);
    struct dc_resp *c = get_stats_at("/v1/admin/stats.csv", query, admin);
    struct dc_csv_doc d;
    memset(&d, 0, sizeof d);
    bool ok = false;
    if (j->status != 200 || c->status != 200 || !j->json) {
        snprintf(why, cap, "JSON %ld, CSV %ld: %.300s", j->status, c->status, c->body);
        goto out;
    }
    if (!csv_envelope_ok(c, STATS_HEADER, why, cap))
        goto out;
    if (!dc_csv_parse(c->body + 3, c->body_len - 3, &d, why, cap))
        goto out;
    json_t *rows = json_object_get(j->json, "rows");
    size_t n = json_array_size(rows);
    if ((size_t)d.n != n + 2) {
        snprintf(why, cap, "%d records, want header + %zu rows + total", d.n, n);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *row = json_array_get(rows, i);
        if (!csv_line_matches(&d.rows[i + 1], dc_str(row, "key"), dc_str(row, "label"), row, why,
                              cap))
            goto out;
    }
    if (!csv_line_matches(&d.rows[n + 1], "total", "合计", json_object_get(j->json, "totals"), why,
                          cap))
        goto out;
    ok = true;
out:
    dc_resp_free(j);
    if (ok) {
        *out = c;
        *doc = d;
    } else {
        dc_resp_free(c);
        dc_csv_free(&d);
    }
    return ok;
}

static void expect_csv_equals_json(const char *query, struct dc_resp **out, struct dc_csv_doc *doc)
{
    char why[512] = "";
    double t0 = dc_now_s();
    while (!csv_equals_json(query, out, doc, why, sizeof why)) {
        ck_assert_msg(dc_now_s() - t0 < WAIT_S, "stats.csv?%s: %s", query, why);
        nap();
    }
    python_agrees((*out)->body, (*out)->body_len, doc, query);
}

static void expect_csv_line(const struct dc_csv_row *c, const char *const *want)
{
    ck_assert_int_eq(c->n, 10);
    for (int k = 0; k < 10; k++)
        ck_assert_msg(strcmp(c->f[k], want[k]) == 0, "field %d: [%s], want [%s]", k, c->f[k],
                      want[k]);
}

/* BOM, header, CRLF, one line per JSON row then the total, hours with two
 * decimals, Chinese labels intact; read the same by Python's csv module */
START_TEST(stats_csv)
{
    struct want_row w[10];
    expect_fujian_by_region(w);

    struct dc_resp *c;
    struct dc_csv_doc d;
    expect_csv_equals_json("group_by=region&region_code=350000", &c, &d);
    ck_assert_int_eq(d.n, 12);
    const char *const fuzhou[] = {"350100", "福州市", "2", "2", "10.66", "1", "1", "3", "2", "3"};
    const char *const pingtan[] = {"350128", "平潭综合实验区", "2", "0", "0.00", "0", "1", "1", "1",
                                   "3"};
    const char *const putian[] = {"350300", "莆田市", "0", "0", "0.00", "0", "0", "0", "0", "0"};
    const char *const total[] = {"total", "合计", "6", "4", "12.83", "2", "3", "6", "4", "6"};
    expect_csv_line(&d.rows[1], fuzhou);
    expect_csv_line(&d.rows[2], pingtan);
    expect_csv_line(&d.rows[4], putian);
    expect_csv_line(&d.rows[11], total);
    ck_assert_msg(memmem(c->body, c->body_len, "福州市", strlen("福州市")) != NULL,
                  "the UTF-8 of 福州市 is not in the body");
    ck_assert_msg(c->body_len >= 2 && memcmp(c->body + c->body_len - 2, "\r\n", 2) == 0,
                  "the last line does not end with CRLF");
    dc_csv_free(&d);
    dc_resp_free(c);

    static const char *const queries[] = {
        "region_code=350000",
        "group_by=organization_type&region_code=350000",
        "group_by=audience&region_code=350000",
        "group_by=region",
        "group_by=organization_type",
        "group_by=audience&region_code=110000",
        "group_by=region&region_code=350100",
    };
    for (size_t i = 0; i < sizeof queries / sizeof *queries; i++) {
        expect_csv_equals_json(queries[i], &c, &d);
        dc_csv_free(&d);
        dc_resp_free(c);
    }
}
END_TEST

/* ---- 8. certificates.csv ------------------------------------------------------ */

static const char CERT_HEADER[] =
    "serial,account_id,holder_name,region_code,class_hours,credited_seconds,issued_at,status,"
    "revoked_at\r\n";

static const struct dc_csv_row *find_serial(const struct dc_csv_doc *d, const char *serial)
{
    for (int i = 1; i < d->n; i++)
        if (d->rows[i].n > 0 && strcmp(d->rows[i].f[0], serial) == 0)
            return &d->rows[i];
    return NULL;
}

static void expect_field(const struct dc_csv_row *c, int k, const char *want, const char *serial)
{
    static const char *const names[] = {"serial",      "account_id",  "holder_name",
                                        "region_code", "class_hours", "credited_seconds",
                                        "issued_at",   "status",      "revoked_at"};
    ck_assert_msg(strcmp(c->f[k], want) == 0, "certificate %s: %s [%s], want [%s]", serial,
                  names[k], c->f[k], want);
}

/* every certificate once, ordered by serial; holder names with quotes and
 * commas round-trip, formula-looking ones get a leading '; valid and
 * revoked; streamed (chunked); read the same by Python's csv module */
START_TEST(certificates_csv)
{
    dc_campaign_live(admin, RULES);
    struct acct at = new_account("@所有人", "620000", NULL, "public", NULL);
    struct acct minus = new_account("-负一", "620000", NULL, "public", NULL);
    dc_earn(admin, at.token, 600);
    dc_earn(admin, minus.token, 1234);
    json_t *ca = claim(at.token), *cm = claim(minus.token);

    struct dc_resp *r = dc_req("GET", "/v1/admin/certificates.csv", admin, NULL);
    dc_expect_status(r, 200, "certificates.csv");
    char why[512] = "";
    ck_assert_msg(csv_envelope_ok(r, CERT_HEADER, why, sizeof why), "certificates.csv: %s", why);
    char *te = dc_resp_header(r, "Transfer-Encoding");
    ck_assert_msg(te && strcasestr(te, "chunked"), "certificates.csv is not chunked (%s)",
                  te ? te : "no Transfer-Encoding");
    free(te);
    struct dc_csv_doc d;
    ck_assert_msg(dc_csv_parse(r->body + 3, r->body_len - 3, &d, why, sizeof why),
                  "certificates.csv is not RFC 4180 with CRLF: %s; body %.1500s", why, r->body);
    python_agrees(r->body, r->body_len, &d, "certificates.csv");

    /* the whole table, once each, in serial order */
    ck_assert_int_eq(d.n - 1, dc_sql_ll("SELECT count(*) FROM certificates"));
    for (int i = 1; i < d.n; i++) {
        const struct dc_csv_row *c = &d.rows[i];
        ck_assert_msg(c->n == 9, "record %d has %d fields", i, c->n);
        if (i > 1)
            ck_assert_msg(strcmp(d.rows[i - 1].f[0], c->f[0]) < 0, "serials out of order: %s, %s",
                          d.rows[i - 1].f[0], c->f[0]);
        ck_assert_msg(dc_all_digits(c->f[1]), "account_id [%s]", c->f[1]);
        ck_assert_msg(strlen(c->f[3]) == 6 && dc_all_digits(c->f[3]), "region_code [%s]", c->f[3]);
        const char *dot = strchr(c->f[4], '.');
        ck_assert_msg(dot && dot > c->f[4] && strlen(dot) == 3 && isdigit((unsigned char)dot[1]) &&
                          isdigit((unsigned char)dot[2]),
                      "class_hours [%s] has not 2 decimals", c->f[4]);
        ck_assert_msg(dc_all_digits(c->f[5]), "credited_seconds [%s]", c->f[5]);
        ck_assert_msg(dc_is_rfc3339(c->f[6]), "issued_at [%s]", c->f[6]);
        bool valid = strcmp(c->f[7], "valid") == 0;
        ck_assert_msg(valid || strcmp(c->f[7], "revoked") == 0, "status [%s]", c->f[7]);
        ck_assert_msg(valid ? c->f[8][0] == '\0' : dc_is_rfc3339(c->f[8]), "%s revoked_at [%s]",
                      c->f[7], c->f[8]);
    }

    /* the dataset's certificates */
    for (int i = 0; i < 4; i++) {
        const struct ds_cert *w = &certs[i];
        const struct dc_csv_row *c = find_serial(&d, w->serial);
        ck_assert_msg(c != NULL, "certificate %s missing", w->serial);
        char secs[32];
        snprintf(secs, sizeof secs, "%lld", w->seconds);
        expect_field(c, 1, ds[w->acct].id, w->serial);
        expect_field(c, 2, w->holder_csv, w->serial);
        expect_field(c, 3, w->region, w->serial);
        expect_field(c, 4, w->class_hours, w->serial);
        expect_field(c, 5, secs, w->serial);
        expect_field(c, 6, w->issued_at, w->serial);
        expect_field(c, 7, w->revoked ? "revoked" : "valid", w->serial);
        if (w->revoked) {
            char path[160];
            snprintf(path, sizeof path, "/v1/certificates/%s", w->serial);
            struct dc_resp *v = dc_req("GET", path, NULL, NULL);
            dc_expect_status(v, 200, "verify");
            ck_assert(json_is_false(json_object_get(v->json, "valid")));
            expect_field(c, 8, dc_str(v->json, "revoked_at"), w->serial);
            dc_resp_free(v);
        } else {
            expect_field(c, 8, "", w->serial);
        }
    }
    /* the name with quotes and a comma is one quoted cell, quotes doubled */
    static const char quoted[] = ",\"张三\"\"测试\"\",逗号\",";
    ck_assert_msg(memmem(r->body, r->body_len, quoted, strlen(quoted)) != NULL, "no %s in the body",
                  quoted);

    /* this test's own: '@ and '- neutralised, the JSON's figures */
    const json_t *mine[2] = {ca, cm};
    const char *holders[2] = {"'@所有人", "'-负一"};
    const char *hours[2] = {"1.00", "2.05"}; /* 1234 s / 600 s = 2.056 -> 2.05 */
    const char *ids[2] = {at.id, minus.id};
    for (int i = 0; i < 2; i++) {
        const char *serial = dc_str(mine[i], "serial");
        const struct dc_csv_row *c = find_serial(&d, serial);
        ck_assert_msg(c != NULL, "certificate %s missing", serial);
        char secs[32], ch[32];
        snprintf(secs, sizeof secs, "%lld", (long long)dc_int(mine[i], "credited_seconds"));
        snprintf(ch, sizeof ch, "%.2f", json_number_value(json_object_get(mine[i], "class_hours")));
        expect_field(c, 1, ids[i], serial);
        expect_field(c, 2, holders[i], serial);
        expect_field(c, 3, "620000", serial);
        expect_field(c, 4, hours[i], serial);
        expect_field(c, 4, ch, serial);
        expect_field(c, 5, secs, serial);
        expect_field(c, 6, dc_str(mine[i], "issued_at"), serial);
        expect_field(c, 7, "valid", serial);
        expect_field(c, 8, "", serial);
    }
    dc_csv_free(&d);
    dc_resp_free(r);
    json_decref(ca);
    json_decref(cm);
    free(at.token);
    free(minus.token);
}
END_TEST

/* ---- main ------------------------------------------------------------------ */

/* The harness gives this program a database of its own, so the numbers
 * here are exact: no other program's accounts are counted. */
int main(void)
{
    dc_server_start(NULL);
    char phone[12];
    dc_unique_phone(phone);
    const char *args[] = {"create-admin", "--phone", phone, "--region", OWN, NULL};
    const char *env[] = {"DRILLCAMP_ADMIN_PASSWORD=admin pass 123", NULL};
    char *out = NULL;
    if (dc_run_cli(args, env, NULL, &out) == 0)
        admin = dc_login(phone, "admin pass 123");
    int rc = 1;
    if (!admin) {
        fprintf(stderr, "test_stats: could not make the admin: %s\n", out ? out : "");
    } else {
        Suite *s = suite_create("stats");
        TCase *tc = dc_add_tcase(s, "stats", 300, region_fujian, region_provinces,
                                 organization_types, audiences, moving_an_account, errors_and_roles,
                                 stats_csv, certificates_csv, NULL);
        tcase_add_unchecked_fixture(tc, build_dataset, NULL);
        rc = dc_run_suite(s);
    }
    free(out);
    rc = dc_finish("test_stats", rc);
    free(admin);
    return rc;
}
