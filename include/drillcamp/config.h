/*
 * config.h - runtime settings, read once from the environment by main.
 */
#ifndef DRILLCAMP_CONFIG_H
#define DRILLCAMP_CONFIG_H

#include "drillcamp/netaddr.h"

struct dc_config {
    const char *database_url;        /* DATABASE_URL; "" means libpq defaults */
    const char *database_read_url;   /* DATABASE_READ_URL; NULL when unset */
    const char *bind;                /* DRILLCAMP_BIND */
    unsigned port;                   /* DRILLCAMP_PORT */
    unsigned threads;                /* DRILLCAMP_THREADS */
    unsigned db_workers;             /* DRILLCAMP_DB_WORKERS (default 2 * cores + 2) */
    unsigned db_queue;               /* DRILLCAMP_DB_QUEUE: requests waiting for a worker */
    unsigned db_pool_size;           /* DRILLCAMP_DB_POOL (default db_workers + threads + 3) */
    unsigned max_connections;        /* DRILLCAMP_MAX_CONNECTIONS */
    unsigned per_ip_connections;     /* DRILLCAMP_PER_IP_CONNECTIONS (0: no cap) */
    unsigned head_timeout;           /* DRILLCAMP_HEAD_TIMEOUT seconds (0: none) */
    struct net_list trusted_proxies; /* DRILLCAMP_TRUSTED_PROXIES */
    unsigned replica_max_lag_ms;     /* DRILLCAMP_REPLICA_MAX_LAG_MS */
    unsigned db_prepared;            /* DRILLCAMP_DB_PREPARED: named prepared statements */
    unsigned connection_timeout;     /* DRILLCAMP_CONNECTION_TIMEOUT seconds */
    unsigned shutdown_grace;         /* DRILLCAMP_SHUTDOWN_GRACE seconds */
    unsigned token_ttl_days;         /* DRILLCAMP_TOKEN_TTL_DAYS */
    const char *signing_key_path;    /* DRILLCAMP_SIGNING_KEY */
    const char *public_url;          /* DRILLCAMP_PUBLIC_URL */
    const char *partner_key_hex; /* DRILLCAMP_PARTNER_KEY: 64 hex digits sealing partner secrets */
    const char *like_key_hex;    /* DRILLCAMP_LIKE_KEY: 64 hex digits keying client hashes */
    /* requests a minute (burst and refill) per key; 0: no limit */
    unsigned limit_login_phone;      /* DRILLCAMP_LIMIT_LOGIN_PHONE */
    unsigned limit_login_ip;         /* DRILLCAMP_LIMIT_LOGIN_IP */
    unsigned limit_register_ip;      /* DRILLCAMP_LIMIT_REGISTER_IP */
    unsigned limit_likes_account;    /* DRILLCAMP_LIMIT_LIKES_ACCOUNT */
    unsigned limit_progress_account; /* DRILLCAMP_LIMIT_PROGRESS_ACCOUNT */
    unsigned limit_partner_key;      /* DRILLCAMP_LIMIT_PARTNER_KEY */
    unsigned hash_concurrency;       /* DRILLCAMP_HASH_CONCURRENCY (default cores) */
    unsigned render_concurrency;     /* DRILLCAMP_RENDER_CONCURRENCY (default cores) */
};

/* The process-wide settings; filled by config_load, read-only after. */
extern struct dc_config dc_config;

/* Reads the environment; returns a static message on a bad value, or NULL. */
const char *config_load(void);

#endif
