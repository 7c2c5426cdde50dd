/*
 * seed.c - a small live system for demos: organizations across Fujian's
 * cities, a demo admin, a moderator and a few users with Chinese names.
 * Every insert is skipped when its row exists, so the run command can call
 * it on every start.
 */
#include "drillcamp/seed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drillcamp/accounts.h"
#include "drillcamp/password.h"

/* Demo credentials, printed by seed-demo; never use them outside a demo. */
#define DEMO_PASSWORD "demo-pass-2026"

static const struct db_stmt ORG_UPSERT = {
    "seed_org",
    "WITH found AS (SELECT id FROM organizations WHERE name = $1 AND region_code = $3),"
    " made AS (INSERT INTO organizations (name, type, region_code) SELECT $1, $2, $3"
    " WHERE NOT EXISTS (SELECT 1 FROM found) RETURNING id)"
    " SELECT id FROM found UNION ALL SELECT id FROM made",
    3};

struct seed_org {
    const char *name, *type, *region;
};

static const struct seed_org ORGS[] = {
    {"福州市应急管理局", "government", "350100"},
    {"厦门大学", "university", "350200"},
    {"莆田市第一中学", "school", "350300"},
    {"三明市钢铁集团", "enterprise_local", "350400"},
    {"泉州市丰泽区东海街道社区", "community", "350500"},
    {"漳州市实验幼儿园", "kindergarten", "350600"},
    {"南平市武夷山村委会", "village", "350700"},
    {"龙岩市国有电网公司", "enterprise_central", "350800"},
    {"宁德市消防救援支队", "government", "350900"},
    {"平潭综合实验区实验小学", "school", "350128"},
};

struct seed_user {
    const char *phone, *name, *kind, *role, *region, *audience;
    int org; /* index into ORGS, -1 for none */
};

static const struct seed_user USERS[] = {
    {"13800000000", "演练管理员", "individual", "admin", "350100", "employee", 0},
    {"13800000001", "审核员小林", "individual", "moderator", "350100", "employee", 0},
    {"13900000001", "陈小明", "individual", "user", "350100", "resident", -1},
    {"13900000002", "林晓红", "individual", "user", "350200", "student", 1},
    {"13900000003", "王老师", "individual", "user", "350300", "teacher", 2},
    {"13900000004", "宁德市消防救援支队", "official", "user", "350900", "employee", 8},
};

enum dc_err seed_demo(struct db_conn *c)
{
    int64_t org_ids[sizeof ORGS / sizeof ORGS[0]];
    char *hash = NULL;
    enum dc_err err = DC_OK;
    for (size_t i = 0; err == DC_OK && i < sizeof ORGS / sizeof ORGS[0]; i++) {
        const char *p[] = {ORGS[i].name, ORGS[i].type, ORGS[i].region};
        PGresult *r;
        err = db_exec(c, &ORG_UPSERT, p, &r, NULL);
        if (err == DC_OK) {
            org_ids[i] = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
            PQclear(r);
        }
    }
    if (err == DC_OK)
        err = password_hash(DEMO_PASSWORD, &hash);
    int created = 0;
    for (size_t i = 0; err == DC_OK && i < sizeof USERS / sizeof USERS[0]; i++) {
        const struct seed_user *u = &USERS[i];
        bool exists;
        err = accounts_repo_phone_exists(c, u->phone, &exists);
        if (err != DC_OK || exists)
            continue;
        struct dc_account_new in = {u->phone,
                                    hash,
                                    u->name,
                                    u->kind,
                                    u->role,
                                    u->region,
                                    u->org >= 0 ? org_ids[u->org] : 0,
                                    u->audience};
        struct dc_account out;
        err = accounts_repo_insert(c, &in, &out);
        if (err == DC_ERR_PHONE_TAKEN)
            err = DC_OK;
        else if (err == DC_OK)
            created++;
    }
    free(hash);
    if (err == DC_OK) {
        printf("seed-demo: %zu organizations in Fujian, %d new demo accounts\n",
               sizeof ORGS / sizeof ORGS[0], created);
        printf("seed-demo: demo logins (password %s): admin %s, moderator %s, user %s\n",
               DEMO_PASSWORD, USERS[0].phone, USERS[1].phone, USERS[2].phone);
    }
    return err;
}
