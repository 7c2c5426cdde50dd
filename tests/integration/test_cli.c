/*
 * test_cli.c - the drillcamp program's subcommands against real PostgreSQL:
 * --help/--version, migrate (once each, safe when two run together), serve
 * refusing a stale schema, seed-demo rerun safely, create-admin.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

/* A new empty database; returns "DATABASE_URL=<conninfo>" (malloc'ed). */
static char *fresh_database(void)
{
    static int counter;
    char name[64], sql[128];
    snprintf(name, sizeof name, "dc_cli_%d_%d", (int)getpid(), ++counter);
    snprintf(sql, sizeof sql, "SELECT 1 FROM pg_database WHERE datname = '%s'", name);
    free(dc_sql_value(sql));
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    free(dc_sql_value(sql)); /* a command: no row comes back */
    char *env = NULL;
    ck_assert(asprintf(&env, "DATABASE_URL=%s dbname=%s", getenv("DATABASE_URL"), name) > 0);
    return env;
}

/* Counts rows in the database named by env ("DATABASE_URL=..."). */
static long count_in(const char *env, const char *sql)
{
    const char *old = getenv("DATABASE_URL");
    char *saved = strdup(old);
    setenv("DATABASE_URL", env + strlen("DATABASE_URL="), 1);
    char *v = dc_sql_value(sql);
    setenv("DATABASE_URL", saved, 1);
    free(saved);
    long n = v ? strtol(v, NULL, 10) : -1;
    free(v);
    return n;
}

START_TEST(help_and_version)
{
    char *out = NULL;
    const char *help[] = {"--help", NULL};
    ck_assert_int_eq(dc_run_cli(help, NULL, NULL, &out), 0);
    ck_assert(strstr(out, "serve") && strstr(out, "migrate") && strstr(out, "create-admin") &&
              strstr(out, "seed-demo"));
    free(out);
    const char *ver[] = {"--version", NULL};
    ck_assert_int_eq(dc_run_cli(ver, NULL, NULL, &out), 0);
    ck_assert(strncmp(out, "drillcamp ", 10) == 0);
    free(out);
    const char *bad[] = {"frobnicate", NULL};
    ck_assert_int_ne(dc_run_cli(bad, NULL, NULL, NULL), 0);
}
END_TEST

/* serve on an unmigrated database exits non-zero and says what to do */
START_TEST(serve_refuses_stale_schema)
{
    char *db = fresh_database();
    const char *env[] = {db, "DRILLCAMP_PORT=1", NULL};
    const char *args[] = {"serve", NULL};
    char *out = NULL;
    ck_assert_int_ne(dc_run_cli(args, env, NULL, &out), 0);
    ck_assert_msg(strstr(out, "drillcamp migrate") != NULL, "message was: %s", out);
    ck_assert(strstr(out, "--migrate") != NULL);
    free(out);
    free(db);
}
END_TEST

struct migrate_run {
    const char *db;
    int status;
};

static void *run_migrate(void *arg)
{
    struct migrate_run *m = arg;
    const char *env[] = {m->db, NULL};
    const char *args[] = {"migrate", NULL};
    m->status = dc_run_cli(args, env, NULL, NULL);
    return NULL;
}

/* four instances migrating one database at once: all succeed, each
 * migration recorded once, and a later run applies nothing */
START_TEST(concurrent_migrate_is_safe)
{
    char *db = fresh_database();
    struct migrate_run runs[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        runs[i] = (struct migrate_run){db, -1};
        pthread_create(&th[i], NULL, run_migrate, &runs[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        ck_assert_int_eq(runs[i].status, 0);
    }
    long versions = count_in(db, "SELECT count(*) FROM schema_migrations");
    long distinct = count_in(db, "SELECT count(DISTINCT version) FROM schema_migrations");
    ck_assert_int_gt(versions, 0);
    ck_assert_int_eq(versions, distinct);
    ck_assert_int_eq(count_in(db, "SELECT count(*) FROM regions WHERE level = 'province'"), 34);
    char *out = NULL;
    const char *env[] = {db, NULL};
    const char *args[] = {"migrate", NULL};
    ck_assert_int_eq(dc_run_cli(args, env, NULL, &out), 0);
    ck_assert_msg(strstr(out, "0 applied") != NULL, "second migrate said: %s", out);
    free(out);
    free(db);
}
END_TEST

/* seed-demo twice: the second run adds nothing */
START_TEST(seed_demo_rerun_safe)
{
    char *db = fresh_database();
    const char *env[] = {db, NULL};
    const char *mig[] = {"migrate", NULL};
    const char *seed[] = {"seed-demo", NULL};
    ck_assert_int_eq(dc_run_cli(mig, env, NULL, NULL), 0);
    ck_assert_int_eq(dc_run_cli(seed, env, NULL, NULL), 0);
    long accounts = count_in(db, "SELECT count(*) FROM accounts");
    long orgs = count_in(db, "SELECT count(*) FROM organizations");
    long partners = count_in(db, "SELECT count(*) FROM partners");
    ck_assert_int_gt(accounts, 0);
    ck_assert_int_gt(orgs, 0);
    ck_assert_int_eq(partners, 1); /* the harness gives the tools a partner key */
    ck_assert_int_eq(dc_run_cli(seed, env, NULL, NULL), 0);
    ck_assert_int_eq(count_in(db, "SELECT count(*) FROM accounts"), accounts);
    ck_assert_int_eq(count_in(db, "SELECT count(*) FROM organizations"), orgs);
    ck_assert_int_eq(count_in(db, "SELECT count(*) FROM partners"), partners);
    free(db);
}
END_TEST

/* create-admin reads the password from standard input and promotes on rerun */
START_TEST(create_admin_from_stdin)
{
    char phone[12];
    dc_unique_phone(phone);
    const char *args[] = {"create-admin", "--phone", phone, "--name", "省级管理员", NULL};
    ck_assert_int_eq(dc_run_cli(args, NULL, "stdin password 1\n", NULL), 0);
    char *tok = dc_login(phone, "stdin password 1");
    ck_assert_ptr_nonnull(tok);
    struct dc_resp *r = dc_req("GET", "/v1/me", tok, NULL);
    ck_assert_int_eq(r->status, 200);
    ck_assert_str_eq(json_string_value(json_object_get(r->json, "role")), "admin");
    ck_assert_str_eq(json_string_value(json_object_get(r->json, "display_name")), "省级管理员");
    dc_resp_free(r);
    free(tok);
    const char *badphone[] = {"create-admin", "--phone", "123", NULL};
    ck_assert_int_ne(dc_run_cli(badphone, NULL, "stdin password 1\n", NULL), 0);
    const char *shortpw[] = {"create-admin", "--phone", phone, NULL};
    ck_assert_int_ne(dc_run_cli(shortpw, NULL, "short\n", NULL), 0);
}
END_TEST

int main(void)
{
    dc_server_start(NULL);
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("commands");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, help_and_version);
    tcase_add_test(tc, serve_refuses_stale_schema);
    tcase_add_test(tc, concurrent_migrate_is_safe);
    tcase_add_test(tc, seed_demo_rerun_safe);
    tcase_add_test(tc, create_admin_from_stdin);
    suite_add_tcase(s, tc);
    int rc = dc_run_suite(s);
    int stop = dc_server_stop();
    return rc == 0 && stop == 0 ? 0 : 1;
}
