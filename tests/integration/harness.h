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

/* One request. body may be NULL; content_type NULL means none is sent
 * (application/json is the default when body is given: pass "" for none). */
struct dc_resp *dc_http(const char *method, const char *path, const char *token,
                        const char *content_type, const char *body, size_t body_len);
/* One request with raw header lines ("Name: value", NULL-terminated). */
struct dc_resp *dc_http_lines(const char *method, const char *path, const char *const *lines,
                              const char *body, size_t body_len);
/* Shorthands: JSON body (NULL for none), application/json. */
struct dc_resp *dc_req(const char *method, const char *path, const char *token, const char *json);
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

/* A phone number no other test uses. out: 12 bytes. */
char *dc_unique_phone(char *out);
/* Registers an individual in 350100; returns the account id (malloc'ed). */
char *dc_register(const char *phone, const char *password, const char *display_name);
/* Logs in; returns the token (malloc'ed). */
char *dc_login(const char *phone, const char *password);
/* A fresh user: registers and logs in; phone_out (12 bytes) may be NULL. */
char *dc_new_user_token(char *phone_out);
/* A fresh admin through `drillcamp create-admin`; returns its token. */
char *dc_new_admin_token(void);

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
/* POST /v1/admin/partners with the admin's token; asserts 201. */
void dc_new_partner(const char *admin_token, const char *name, struct dc_partner_cred *out);

/* Puts the campaign into its live phase (launched a day ago, ending in 30
 * days) with these rules; asserts 200. */
void dc_campaign_live(const char *admin_token, int class_hour_seconds, int required_hours,
                      bool require_checkin, double max_playback_rate);

/* Runs a Check suite; returns the process exit code. */
int dc_run_suite(Suite *s);

#endif
