/*
 * config.c - the environment variables of API.md section 9, with defaults.
 */
#include "drillcamp/config.h"

#include "drillcamp/netaddr.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct dc_config dc_config;

/* Parses a positive integer in [lo, hi]; returns 0 on success. */
static int env_uint(const char *name, unsigned def, unsigned lo, unsigned hi, unsigned *out)
{
    const char *v = getenv(name);
    if (!v || !*v) {
        *out = def;
        return 0;
    }
    char *end;
    unsigned long n = strtoul(v, &end, 10);
    if (*end || n < lo || n > hi)
        return -1;
    *out = (unsigned)n;
    return 0;
}

static const char *env_str(const char *name, const char *def)
{
    const char *v = getenv(name);
    return (v && *v) ? v : def;
}

const char *config_load(void)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (cores < 1)
        cores = 1;
    dc_config.database_url = env_str("DATABASE_URL", "");
    dc_config.database_read_url = env_str("DATABASE_READ_URL", NULL);
    dc_config.bind = env_str("DRILLCAMP_BIND", "127.0.0.1");
    dc_config.signing_key_path = env_str("DRILLCAMP_SIGNING_KEY", NULL);
    dc_config.public_url = env_str("DRILLCAMP_PUBLIC_URL", "http://127.0.0.1:8080");
    dc_config.partner_key_hex = env_str("DRILLCAMP_PARTNER_KEY", NULL);
    dc_config.like_key_hex = env_str("DRILLCAMP_LIKE_KEY", NULL);
    if (env_uint("DRILLCAMP_PORT", 8080, 1, 65535, &dc_config.port))
        return "DRILLCAMP_PORT must be a port number 1-65535";
    if (env_uint("DRILLCAMP_THREADS", (unsigned)cores, 1, 256, &dc_config.threads))
        return "DRILLCAMP_THREADS must be 1-256";
    /* routes that use the database run on workers of their own (dispatch.c):
     * enough that queries overlap with the rest of each request's work */
    if (env_uint("DRILLCAMP_DB_WORKERS", 2 * (unsigned)cores + 2, 0, 256, &dc_config.db_workers))
        return "DRILLCAMP_DB_WORKERS must be 0-256 (0: routes run on the HTTP threads)";
    /* requests that may wait for a database worker at once (more: 503) */
    if (env_uint("DRILLCAMP_DB_QUEUE", 8192, 1, 1000000, &dc_config.db_queue))
        return "DRILLCAMP_DB_QUEUE must be 1-1000000";
    /* one per worker, one per HTTP thread (streams, continuations after a
     * hash), and the like and progress batchers and the refresher */
    if (env_uint("DRILLCAMP_DB_POOL", dc_config.db_workers + dc_config.threads + 3, 1, 512,
                 &dc_config.db_pool_size))
        return "DRILLCAMP_DB_POOL must be 1-512";
    if (env_uint("DRILLCAMP_MAX_CONNECTIONS", 4000, 1, 100000, &dc_config.max_connections))
        return "DRILLCAMP_MAX_CONNECTIONS must be 1-100000";
    /* one address cannot take the server's connections (trusted proxies are
     * not counted: their clients are, by request) */
    if (env_uint("DRILLCAMP_PER_IP_CONNECTIONS", 128, 0, 100000, &dc_config.per_ip_connections))
        return "DRILLCAMP_PER_IP_CONNECTIONS must be 0-100000 (0: no cap)";
    /* a request head must arrive within this, however slowly it trickles */
    if (env_uint("DRILLCAMP_HEAD_TIMEOUT", 10, 0, 3600, &dc_config.head_timeout))
        return "DRILLCAMP_HEAD_TIMEOUT must be 0-3600 seconds (0: none)";
    if (net_list_parse(env_str("DRILLCAMP_TRUSTED_PROXIES", NULL), &dc_config.trusted_proxies) !=
        DC_OK)
        return "DRILLCAMP_TRUSTED_PROXIES must be IP addresses or CIDRs separated by commas";
    if (env_uint("DRILLCAMP_REPLICA_MAX_LAG_MS", 1000, 0, 3600000, &dc_config.replica_max_lag_ms))
        return "DRILLCAMP_REPLICA_MAX_LAG_MS must be 0-3600000";
    /* 0 behind a pooler that does not keep prepared statements across
     * transactions (PgBouncer before 1.21 in transaction mode) */
    if (env_uint("DRILLCAMP_DB_PREPARED", 1, 0, 1, &dc_config.db_prepared))
        return "DRILLCAMP_DB_PREPARED must be 0 or 1";
    if (env_uint("DRILLCAMP_CONNECTION_TIMEOUT", 30, 1, 3600, &dc_config.connection_timeout))
        return "DRILLCAMP_CONNECTION_TIMEOUT must be 1-3600 seconds";
    if (env_uint("DRILLCAMP_SHUTDOWN_GRACE", 30, 1, 3600, &dc_config.shutdown_grace))
        return "DRILLCAMP_SHUTDOWN_GRACE must be 1-3600 seconds";
    if (env_uint("DRILLCAMP_TOKEN_TTL_DAYS", 30, 1, 365, &dc_config.token_ttl_days))
        return "DRILLCAMP_TOKEN_TTL_DAYS must be 1-365";
    static const struct {
        const char *name;
        unsigned def;
        unsigned *out;
    } limits[] = {
        {"DRILLCAMP_LIMIT_LOGIN_PHONE", 10, &dc_config.limit_login_phone},
        {"DRILLCAMP_LIMIT_LOGIN_IP", 100, &dc_config.limit_login_ip},
        {"DRILLCAMP_LIMIT_REGISTER_IP", 20, &dc_config.limit_register_ip},
        {"DRILLCAMP_LIMIT_LIKES_ACCOUNT", 300, &dc_config.limit_likes_account},
        {"DRILLCAMP_LIMIT_PROGRESS_ACCOUNT", 120, &dc_config.limit_progress_account},
        {"DRILLCAMP_LIMIT_PARTNER_KEY", 6000, &dc_config.limit_partner_key},
    };
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++)
        if (env_uint(limits[i].name, limits[i].def, 0, 10000000, limits[i].out))
            return "DRILLCAMP_LIMIT_* must be 0-10000000 requests a minute (0: no limit)";
    /* hashes run on threads of their own (auth_api.c): one per core */
    if (env_uint("DRILLCAMP_HASH_CONCURRENCY", (unsigned)cores, 1, 256,
                 &dc_config.hash_concurrency))
        return "DRILLCAMP_HASH_CONCURRENCY must be 1-256";
    /* certificate PNGs drawn at once (each ~0.1-0.3 s of a core) */
    if (env_uint("DRILLCAMP_RENDER_CONCURRENCY", (unsigned)cores, 1, 256,
                 &dc_config.render_concurrency))
        return "DRILLCAMP_RENDER_CONCURRENCY must be 1-256";
    return NULL;
}
