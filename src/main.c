/*
 * main.c - the drillcamp program: serve, migrate, create-admin, seed-demo.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <termios.h>
#include <unistd.h>

#include "drillcamp/accounts.h"
#include "drillcamp/api.h"
#include "drillcamp/arena.h"
#include "drillcamp/clienthash.h"
#include "drillcamp/config.h"
#include "drillcamp/contest.h"
#include "drillcamp/db.h"
#include "drillcamp/dispatch.h"
#include "drillcamp/log.h"
#include "drillcamp/migrate.h"
#include "drillcamp/partner.h"
#include "drillcamp/password.h"
#include "drillcamp/ratelimit.h"
#include "drillcamp/seed.h"
#include "drillcamp/server.h"
#include "drillcamp/validate.h"

#ifndef DRILLCAMP_VERSION
#define DRILLCAMP_VERSION "0.0.0"
#endif

static const char USAGE[] =
    "usage: drillcamp <command> [options]\n"
    "\n"
    "commands:\n"
    "  serve [--migrate]          serve the HTTP API (refuses a stale schema unless --migrate)\n"
    "  migrate                    apply the database migrations\n"
    "  create-admin --phone PHONE [--name NAME] [--region CODE]\n"
    "                             create or promote an admin; the password comes from\n"
    "                             DRILLCAMP_ADMIN_PASSWORD or the first line of standard input\n"
    "  seed-demo                  load demo data (safe to rerun)\n"
    "  --help, --version\n"
    "\n"
    "environment: DATABASE_URL, DATABASE_READ_URL, DRILLCAMP_BIND (127.0.0.1),\n"
    "  DRILLCAMP_PORT (8080), DRILLCAMP_THREADS (cores), DRILLCAMP_DB_POOL (threads+2),\n"
    "  DRILLCAMP_MAX_CONNECTIONS (4000), DRILLCAMP_PER_IP_CONNECTIONS (0: no cap),\n"
    "  DRILLCAMP_CONNECTION_TIMEOUT (30 s), DRILLCAMP_SHUTDOWN_GRACE (30 s),\n"
    "  DRILLCAMP_TOKEN_TTL_DAYS (30), DRILLCAMP_SIGNING_KEY, DRILLCAMP_PARTNER_KEY,\n"
    "  DRILLCAMP_PUBLIC_URL\n";

static int fail(const char *msg)
{
    fprintf(stderr, "drillcamp: %s\n", msg);
    return 1;
}

/* Applies migrations on a connection of its own. */
static int run_migrate(void)
{
    PGconn *pg;
    if (db_connect_once(dc_config.database_url, &pg) != DC_OK)
        return fail("cannot connect to the database (check DATABASE_URL)");
    int applied;
    enum dc_err err = migrate_apply(pg, &applied);
    PQfinish(pg);
    if (err != DC_OK)
        return fail("migration failed; nothing of the failed step was kept");
    printf("migrate: %d applied, schema at version %d\n", applied, migrate_latest_version());
    return 0;
}

static int check_schema(void)
{
    PGconn *pg;
    if (db_connect_once(dc_config.database_url, &pg) != DC_OK)
        return fail("cannot connect to the database (check DATABASE_URL)");
    int have;
    enum dc_err err = migrate_current_version(pg, &have);
    PQfinish(pg);
    if (err != DC_OK)
        return fail("cannot read the schema version");
    int want = migrate_latest_version();
    if (have < want) {
        fprintf(stderr,
                "drillcamp: the database schema is at version %d but this binary needs %d;\n"
                "run `drillcamp migrate` first, or start with `drillcamp serve --migrate`\n",
                have, want);
        return 1;
    }
    return 0;
}

static int cmd_serve(int argc, char **argv)
{
    bool migrate = false;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--migrate") == 0)
            migrate = true;
        else
            return fail("serve: unknown option (see --help)");
    }
    if (migrate ? run_migrate() : check_schema())
        return 1;
    if (!dc_config.signing_key_path)
        return fail("DRILLCAMP_SIGNING_KEY must name an Ed25519 private key in PEM "
                    "(make one: openssl genpkey -algorithm ed25519 -out key.pem)");
    if (certificates_api_init(dc_config.signing_key_path) != DC_OK)
        return fail("DRILLCAMP_SIGNING_KEY is not a readable Ed25519 private key (PEM)");
    if (auth_init_partner_key(dc_config.partner_key_hex) != DC_OK)
        return fail("DRILLCAMP_PARTNER_KEY must be 64 hex digits (32 random bytes) that seal "
                    "partner secrets (make one: openssl rand -hex 32)");
    unsigned char partner_key[32];
    if (!partner_parse_key(dc_config.partner_key_hex, partner_key) ||
        !client_hash_init(dc_config.like_key_hex, partner_key))
        return fail("DRILLCAMP_LIKE_KEY must be 64 hex digits (32 random bytes) that key the "
                    "likes' client hashes (make one: openssl rand -hex 32), or unset");
    OPENSSL_cleanse(partner_key, sizeof partner_key);
    db_pool_set_prepared(dc_config.db_prepared != 0);
    if (db_pool_init(dc_config.database_url, dc_config.database_read_url,
                     (int)dc_config.db_pool_size, dc_config.replica_max_lag_ms) != DC_OK)
        return fail("out of memory");
    const unsigned limits[RL__COUNT] = {
        [RL_LOGIN_PHONE] = dc_config.limit_login_phone,
        [RL_LOGIN_IP] = dc_config.limit_login_ip,
        [RL_REGISTER_IP] = dc_config.limit_register_ip,
        [RL_LIKES_ACCOUNT] = dc_config.limit_likes_account,
        [RL_PROGRESS_ACCOUNT] = dc_config.limit_progress_account,
        [RL_PARTNER_KEY] = dc_config.limit_partner_key,
    };
    if (ratelimit_init(limits) != DC_OK)
        return fail("out of memory");
    /* before any thread exists, so that no thread but the main one gets them */
    sigset_t sigs;
    server_block_signals(&sigs);
    if (auth_start_hashing(dc_config.hash_concurrency) != DC_OK)
        return fail("cannot start the password hashing threads");
    if (public_cache_start() != DC_OK)
        return fail("cannot start the once-a-second thread (is the database there?)");
    if (likes_start_batching() != DC_OK || progress_start_batching() != DC_OK)
        return fail("cannot start the batching threads");
    if (dc_config.db_workers > 0 &&
        dispatch_start_workers(dc_config.db_workers, dc_config.db_queue) != DC_OK)
        return fail("cannot start the database worker threads");
    enum dc_err err = server_run();
    dispatch_stop_workers();
    progress_stop_batching();
    likes_stop_batching();
    public_cache_stop();
    certificate_png_api_shutdown();
    auth_stop_hashing();
    db_pool_shutdown();
    ratelimit_shutdown();
    return err == DC_OK ? 0 : 1;
}

/* Reads one line of standard input without echo when it is a terminal. */
static int read_password(char *buf, size_t cap)
{
    const char *env = getenv("DRILLCAMP_ADMIN_PASSWORD");
    if (env && *env) {
        snprintf(buf, cap, "%s", env);
        return 0;
    }
    struct termios old, quiet;
    bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
    if (tty) {
        fprintf(stderr, "admin password: ");
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    char *line = fgets(buf, (int)cap, stdin);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSANOW, &old);
        fprintf(stderr, "\n");
    }
    if (!line)
        return -1;
    buf[strcspn(buf, "\r\n")] = '\0';
    return 0;
}

/* Runs fn with one pooled connection (the tools reuse the server's SQL),
 * its rows in an arena of the tool's. */
static int with_conn(int (*fn)(struct db_conn *, void *), void *arg)
{
    if (check_schema())
        return 1;
    struct dc_arena *a = arena_new();
    if (!a || db_pool_init(dc_config.database_url, NULL, 1, 0) != DC_OK) {
        arena_free(a);
        return fail("out of memory");
    }
    struct db_conn *c;
    int rc;
    if (db_acquire(&c, a) != DC_OK) {
        rc = fail("cannot connect to the database (check DATABASE_URL)");
    } else {
        rc = fn(c, arg);
        db_release(c);
    }
    db_pool_shutdown();
    arena_free(a);
    return rc;
}

struct admin_args {
    const char *phone, *name, *region;
    char password[256];
};

static int do_create_admin(struct db_conn *c, void *arg)
{
    struct admin_args *a = arg;
    char *hash = NULL;
    if (password_hash(a->password, &hash) != DC_OK)
        return fail("cannot hash the password");
    struct dc_account_new in = {a->phone, hash,      a->name, "individual",
                                "admin",  a->region, 0,       "public"};
    struct dc_account out;
    bool created;
    enum dc_err err = accounts_repo_upsert_admin(c, &in, &created, &out);
    free(hash);
    if (err == DC_ERR_VALIDATION)
        return fail("create-admin: the region code is not a known division");
    if (err != DC_OK)
        return fail("create-admin: the database refused the account");
    printf("create-admin: account %lld is an admin (%s)\n", (long long)out.id,
           created ? "created" : "promoted");
    return 0;
}

static int cmd_create_admin(int argc, char **argv)
{
    struct admin_args a = {NULL, "管理员", "110000", {0}};
    for (int i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--phone") == 0)
            a.phone = argv[i + 1];
        else if (strcmp(argv[i], "--name") == 0)
            a.name = argv[i + 1];
        else if (strcmp(argv[i], "--region") == 0)
            a.region = argv[i + 1];
        else
            return fail("create-admin: unknown option (see --help)");
    }
    if (!a.phone || !validate_phone(a.phone))
        return fail("create-admin: --phone must be a mainland mobile number");
    if (validate_utf8_len(a.name) < 1 || validate_utf8_len(a.name) > 40 ||
        !validate_no_control(a.name))
        return fail("create-admin: --name must be 1-40 characters");
    if (!validate_region_code_format(a.region))
        return fail("create-admin: --region must be a 6-digit division code");
    if (read_password(a.password, sizeof a.password) != 0)
        return fail("create-admin: no password given");
    size_t n = validate_utf8_len(a.password);
    if (n < 8 || n > 128)
        return fail("create-admin: the password must be 8-128 characters");
    return with_conn(do_create_admin, &a);
}

static int do_seed(struct db_conn *c, void *arg)
{
    (void)arg;
    return seed_demo(c) == DC_OK ? 0 : fail("seed-demo failed");
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2) {
        fputs(USAGE, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(USAGE, stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("drillcamp %s\n", DRILLCAMP_VERSION);
        return 0;
    }
    const char *bad = config_load();
    if (bad)
        return fail(bad);
    if (strcmp(cmd, "serve") == 0)
        return cmd_serve(argc, argv);
    if (strcmp(cmd, "migrate") == 0)
        return run_migrate();
    if (strcmp(cmd, "create-admin") == 0)
        return cmd_create_admin(argc, argv);
    if (strcmp(cmd, "seed-demo") == 0)
        return with_conn(do_seed, NULL);
    fputs(USAGE, stderr);
    return 2;
}
