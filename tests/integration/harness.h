/*
 * harness.h - integration test support: the real drillcamp server on a free
 * port against the test PostgreSQL (DATABASE_URL), and a small HTTP client.
 *
 * Without DATABASE_URL the harness fails loudly: integration tests never
 * skip silently.
 */
#ifndef DC_TEST_HARNESS_H
#define DC_TEST_HARNESS_H

#include <check.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct dc_resp {
    long status;
    char *body; /* NUL-terminated */
    size_t body_len;
    char *headers; /* raw header block */
    json_t *json;  /* parsed body, or NULL */
};

/* Starts the server (serve --migrate) with extra "NAME=value" environment
 * entries (NULL-terminated, may be NULL); aborts the process on failure. */
void dc_server_start(const char *const *extra_env);
/* SIGTERM and wait; returns the exit status (0 on a clean stop). */
int dc_server_stop(void);
int dc_server_pid(void);
const char *dc_base_url(void);

/* ---- several instances on one database ---- */

/* Server instances a program may run at once: 0 is the one of
 * dc_server_start (and of dc_http, dc_req and every helper built on them);
 * the others are reached through dc_http_at / dc_req_at. */
#define DC_MAX_SERVERS 4

/* Starts instance i (0 .. DC_MAX_SERVERS - 1) as dc_server_start does (the
 * same environment, serve --migrate, waits for /healthz, aborts the process
 * on failure), on a free port of its own against the same database; its
 * log is server-PID-I.log (instance 0: server-PID.log). It is also sent
 * SIGTERM when the thread that started it ends, so that a test process
 * that fails (or is killed on a timeout) leaves no server behind. */
void dc_server_start_at(int i, const char *const *extra_env);
/* Sends instance i the signal (SIGKILL: a crash) and waits for it; returns
 * its exit status, 128 + the signal when a signal ended it, -1 when it
 * was not running. */
int dc_server_kill_at(int i, int sig);
/* dc_server_kill_at(i, SIGTERM): 0 on a clean stop. */
int dc_server_stop_at(int i);
int dc_server_pid_at(int i);
/* "http://127.0.0.1:PORT" of instance i ("" when there is none). */
const char *dc_base_url_at(int i);

/* One request. body may be NULL; content_type NULL means none is sent
 * (application/json is the default when body is given: pass "" for none). */
struct dc_resp *dc_http(const char *method, const char *path, const char *token,
                        const char *content_type, const char *body, size_t body_len);
/* One request with raw header lines ("Name: value", NULL-terminated). */
struct dc_resp *dc_http_lines(const char *method, const char *path, const char *const *lines,
                              const char *body, size_t body_len);
/* The same on a libcurl handle of the caller's (CURL *, reset and reused so
 * that its connection stays open; NULL: one for this request). Never
 * asserts (status 0 on a transport failure), so worker threads may call it,
 * each with its own handle. */
struct dc_resp *dc_http_on(void *curl, const char *method, const char *path,
                           const char *const *lines, const char *body, size_t body_len);
/* dc_http_on against the server at base (e.g. dc_base_url_at(i)) rather
 * than instance 0; never asserts. */
struct dc_resp *dc_http_at(void *curl, const char *base, const char *method, const char *path,
                           const char *const *lines, const char *body, size_t body_len);
/* A libcurl write or header callback appending to a malloc'ed
 * NUL-terminated text (ud: char **, starting as calloc(1, 1)). */
size_t dc_curl_grow(char *ptr, size_t size, size_t nmemb, void *ud);
/* Bytes [pos, pos + n) of the JSON object {"pad":"aaa...a"} that is total
 * bytes long, into buf (a body streamed from a read callback). */
void dc_pad_bytes(char *buf, size_t pos, size_t n, size_t total);
/* Shorthands: JSON body (NULL for none), application/json. */
struct dc_resp *dc_req(const char *method, const char *path, const char *token, const char *json);
/* dc_req on a handle of the caller's (see dc_http_on); never asserts. */
struct dc_resp *dc_req_on(void *curl, const char *method, const char *path, const char *token,
                          const char *json);
/* dc_req_on against the server at base; never asserts. */
struct dc_resp *dc_req_at(void *curl, const char *base, const char *method, const char *path,
                          const char *token, const char *json);
void dc_resp_free(struct dc_resp *r);
/* Header value (case-insensitive name) malloc'ed, or NULL. */
char *dc_resp_header(const struct dc_resp *r, const char *name);
/* error.code of an error envelope, or "" */
const char *dc_err_code_of(const struct dc_resp *r);

/* JSON shorthands for assertions: a member's string (NULL when absent) and
 * integer (asserted to be one). */
const char *dc_str(const json_t *obj, const char *key);
json_int_t dc_int(const json_t *obj, const char *key);
/* Sends a JSON value as the body (the reference is stolen). */
struct dc_resp *dc_send_json(const char *method, const char *path, const char *token, json_t *body);
/* Asserts the status, printing what and the body when it differs. */
void dc_expect_status(const struct dc_resp *r, long status, const char *what);
/* Asserts an error envelope's status and code, and its field unless NULL. */
void dc_expect_error(const struct dc_resp *r, long status, const char *code, const char *field,
                     const char *what);
/* Sends (body: JSON, stolen, or NULL for none) and asserts the status,
 * naming the path; the caller frees the answer. */
struct dc_resp *dc_expect(const char *method, const char *path, const char *token, json_t *body,
                          long status);
/* The same, returning only the answer's JSON body (a new reference, NULL
 * when it has none); what names the request in a failure. */
json_t *dc_expect_json(const char *method, const char *path, const char *token, json_t *body,
                       long status, const char *what);

/* A sample of instance 0's GET /metrics: the value on the line that is
 * name (with its labels, e.g. "x_total{pool=\"replica\"}") and a space;
 * -1 when there is none. Asserts that /metrics answered 200. */
double dc_metric(const char *name);

/* A phone number no other test uses. out: 12 bytes. */
char *dc_unique_phone(char *out);
/* Registers an individual in 350100; returns the account id (malloc'ed),
 * or NULL (said on stderr) when the answer was not 201. Never asserts. */
char *dc_register(const char *phone, const char *password, const char *display_name);
/* Logs in; returns the token (malloc'ed), or NULL (said on stderr) when
 * the answer was not 201. Never asserts. */
char *dc_login(const char *phone, const char *password);
/* A fresh admin through `drillcamp create-admin`; returns its token. */
char *dc_new_admin_token(void);

/* The password of every account dc_new_user makes. */
#define DC_PASSWORD "correct horse 1"

/* An individual made by dc_new_user: registered in region 350100 with
 * password DC_PASSWORD, and logged in. Plain values: nothing in it is
 * freed, and a copy is as good as the original. */
struct dc_user {
    char phone[12];
    char id[24];     /* the account id (decimal digits) */
    char token[128]; /* a bearer token */
    char name[128];  /* the display_name it was registered with */
};

/* Registers a fresh individual (a phone no other test uses) named
 * display_name (NULL: "测试用户") and logs it in: POST /v1/accounts, then
 * POST /v1/sessions. Asserts that both answered 201 with an id and a token
 * (and runs the answer check, see dc_set_answer_check), so only the test's
 * own thread calls it. */
struct dc_user dc_new_user(const char *display_name);
/* dc_new_user for worker threads and main() (where ck_assert may not
 * run): never asserts. Fills u (display_name may be u->name itself);
 * false, said on stderr, when either request did not answer 201 (u then
 * holds what was done). A 503 answer (every password hash slot busy) is
 * sent again a second later, up to busy_retries times (0: never). */
bool dc_try_new_user(struct dc_user *u, const char *display_name, int busy_retries);

/* Checks that each answer of the harness's asserting helpers (dc_new_user,
 * dc_make_lesson, dc_earn, dc_campaign_set, dc_submit, dc_review_ok,
 * dc_new_partner, dc_expect, dc_expect_json, dc_partner_expect) goes
 * through before the helper checks it, on the test's own thread: for a
 * program that checks every answer it gets (test_security). NULL, the
 * default: none. */
typedef void (*dc_answer_check_fn)(const struct dc_resp *r, const char *what);
void dc_set_answer_check(dc_answer_check_fn fn);

/* Runs the drillcamp binary with args (NULL-terminated) and extra env;
 * stdin_text fed on standard input when not NULL; returns the exit status,
 * stdout and stderr captured into *out (malloc'ed) when out is not NULL. */
int dc_run_cli(const char *const *args, const char *const *extra_env, const char *stdin_text,
               char **out);

/* SQL against the test database (for checks only); returns the first
 * column of the first row malloc'ed, or NULL. */
char *dc_sql_value(const char *sql);
/* The same for a printf-formatted query whose first value is a number;
 * asserts that there is one. */
long long dc_sql_ll(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The first value of a printf-formatted query, malloc'ed, or NULL. */
char *dc_sql_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Stops/starts the test PostgreSQL (scripts/pg.sh with DC_TEST_PGDIR). */
void dc_pg_stop(const char *mode);
void dc_pg_start(void);

/* ---- partners: signing written from API.md section 7, not the server's ---- */

struct dc_partner_cred {
    char id[24];
    char key_id[64];
    char secret[128];
};

/* lowercase hex HMAC-SHA256(secret's bytes, METHOD "\n" TARGET "\n" TS "\n"
 * lowercase hex SHA-256(body)) into out (65 bytes); body NULL is empty. */
void dc_partner_sign(const char *secret, const char *method, const char *target, const char *ts,
                     const char *body, char out[65]);
/* Sends with the partner headers; any of key_id, ts, sig may be NULL
 * (that header is left out). */
struct dc_resp *dc_partner_send(const char *method, const char *target, const char *key_id,
                                const char *ts, const char *sig, const char *body);
/* Signs with the current time and sends. */
struct dc_resp *dc_partner_call(const struct dc_partner_cred *p, const char *method,
                                const char *target, const char *body);
/* dc_partner_call, asserting the answer's status (what names it). */
struct dc_resp *dc_partner_expect(const struct dc_partner_cred *p, const char *method,
                                  const char *target, const char *body, long status,
                                  const char *what);
/* dc_partner_call on a curl handle of the caller's (see dc_http_on); never
 * asserts. */
struct dc_resp *dc_partner_call_on(void *curl, const struct dc_partner_cred *p, const char *method,
                                   const char *target, const char *body);
/* POST /v1/admin/partners with the admin's token; asserts 201 and that id,
 * key_id and secret are there. */
void dc_new_partner(const char *admin_token, const char *name, struct dc_partner_cred *out);

/* ---- small shared helpers ---- */

/* Seconds on the monotonic clock. */
double dc_now_s(void);
/* Sleeps ms milliseconds. */
void dc_nap_ms(long ms);
/* t as UTC RFC 3339 text, "YYYY-MM-DDTHH:MM:SSZ". */
void dc_iso_time(time_t t, char out[32]);
/* Whether s looks like an RFC 3339 time (date, 'T', time, 'Z' or +hh:mm). */
bool dc_is_rfc3339(const char *s);
/* Whether s is a non-empty run of decimal digits. */
bool dc_all_digits(const char *s);
/* xorshift64: deterministic plans from a seed. */
uint64_t dc_rnd_next(uint64_t *s);

/* Jobs 0..n-1 run by `workers` threads (at most 32) and the calling thread;
 * jobs never call ck_assert (results are checked afterwards on the test's
 * own thread). */
typedef void (*dc_job_fn)(int i, void *ctx);
void dc_run_parallel(int n, int workers, dc_job_fn fn, void *ctx);

/* ---- campaign, submissions, moderation ---- */

enum dc_phase { DC_LIVE, DC_ENDED, DC_WARMUP, DC_UPCOMING };

/* "live", "ended", "warmup", "upcoming" */
const char *dc_phase_name(enum dc_phase p);

/* warmup_at, launch_at and ends_at (RFC 3339) that put the campaign into
 * phase p: live was launched a day ago and ends in 30 days; ended ended a
 * day ago; warmup launches in a day; upcoming warms up in a day. */
void dc_phase_times(enum dc_phase p, char warmup[32], char launch[32], char ends[32]);
/* The campaign topic's default (API.md section 3). */
#define DC_TOPIC "逃生演练训练营"

/* rules.require_checkin in a campaign PATCH. */
enum dc_checkin { DC_CHECKIN_UNSENT, DC_CHECKIN_OFF, DC_CHECKIN_ON };

/* The rules a campaign PATCH sends: a member left zero (DC_CHECKIN_UNSENT)
 * is not sent, and keeps its stored value. */
struct dc_rules {
    int class_hour_seconds;
    int required_class_hours;
    enum dc_checkin require_checkin;
    double max_playback_rate;
    int top_n;
};

/* 3600 s class hours, 8 of them for a certificate, no check-in needed,
 * playback rate 1000 (nothing a test reports is capped), top_n 100. */
#define DC_RULES_FAST ((struct dc_rules){3600, 8, DC_CHECKIN_OFF, 1000.0, 100})

/* The rules object of a PATCH body: the members rules sends (a new
 * reference, the caller's). */
json_t *dc_rules_json(struct dc_rules rules);

/* PATCH /v1/admin/campaign: phase p (dc_phase_times), the topic DC_TOPIC
 * and rules (dc_rules_json; no rules member when it sends none). Asserts
 * 200, the phase, and that every rule sent comes back with the value
 * sent. */
void dc_campaign_set(const char *admin_token, enum dc_phase p, struct dc_rules rules);
/* dc_campaign_set(admin_token, DC_LIVE, rules). */
void dc_campaign_live(const char *admin_token, struct dc_rules rules);

/* POST /v1/admin/lessons: a lesson titled 火场逃生要点 in category, of
 * duration_seconds, video https://video.example.cn/l.mp4. Asserts 201 and
 * a decimal id; returns the id (malloc'ed, the caller's). */
char *dc_make_lesson(const char *admin_token, const char *category, int duration_seconds);
/* Credits seconds at once: a new fire lesson of that length
 * (dc_make_lesson) and one report of [0, seconds) on it by token. Asserts
 * 200, that lesson's credited_seconds == seconds and capped false, so the
 * campaign must be live with a playback rate that lets it all through. */
void dc_earn(const char *admin_token, const char *token, int seconds);

/* A valid submission body (POST /v1/submissions) with this title: fire
 * category, a 95 s mp4 of 50 MiB with a cover, hashtags the default topic
 * 逃生演练训练营 and 消防安全, original. */
json_t *dc_video_json(const char *title);
/* POST /v1/submissions with body (stolen); asserts 201 and status pending;
 * returns the id (malloc'ed). */
char *dc_submit(const char *token, json_t *body);
/* dc_submit, then approved by reviewer (dc_review_ok); returns the id. */
char *dc_submit_approved(const char *reviewer, const char *token, json_t *body);
/* POST /v1/admin/submissions/{id}/review as token (reason NULL: none) on a
 * curl handle of the caller's (NULL: one for this request); never asserts. */
struct dc_resp *dc_review_on(void *curl, const char *token, const char *id, const char *decision,
                             const char *reason);
/* The review, asserting 200 and the status it gives (approved/rejected). */
void dc_review_ok(const char *token, const char *id, const char *decision, const char *reason);

/* ---- RFC 4180 CSV, read back strictly ---- */

#define DC_CSV_MAX_FIELDS 16

struct dc_csv_row {
    int n;
    char *f[DC_CSV_MAX_FIELDS];
};

struct dc_csv_doc {
    int n;
    struct dc_csv_row *rows;
};

/* Fields separated by commas, records ended by CRLF (also the last); a
 * quoted field may hold commas, CR, LF and doubled quotes; a quote inside an
 * unquoted field, text after a closing quote, a bare CR/LF outside quotes,
 * a text ending after a comma and an empty text are errors: false with the
 * reason in why (d is then empty). */
bool dc_csv_parse(const char *s, size_t len, struct dc_csv_doc *d, char *why, size_t cap);
void dc_csv_free(struct dc_csv_doc *d);

/* ---- a test program's start and end ---- */

/* Starts the server and makes an admin; returns its token. Without one it
 * says so on stderr (prog: the program's name), stops the server and exits
 * with status 1. */
char *dc_start_with_admin(const char *prog);
/* Stops the server (saying so when it did not stop cleanly); returns the
 * program's exit code: 0 when the suite passed (failed == 0) and the
 * server stopped with 0, else 1. */
int dc_finish(const char *prog, int failed);

/* A test case with this timeout (seconds; <= 0: Check's default) added to
 * s, holding the tests that follow (START_TEST names, NULL-terminated);
 * more may be added to the test case it returns. */
TCase *dc_add_tcase(Suite *s, const char *name, int timeout, ...) __attribute__((sentinel));
/* Adds the tests that follow (START_TEST names, NULL-terminated) to tc. */
void dc_add_tests(TCase *tc, ...) __attribute__((sentinel));

/* Small allocation helpers that abort on out-of-memory: p itself; a copy
 * of s ("" for NULL); a printf-formatted string; the compact JSON text of
 * j (stolen). Results belong to the caller. */
void *dc_need(void *p);
char *dc_strdup(const char *s);
char *dc_fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
char *dc_dumps(json_t *j);

/* Runs a Check suite; returns the process exit code. */
int dc_run_suite(Suite *s);

#endif
