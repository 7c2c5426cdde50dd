/*
 * accounts.h - accounts, sessions and the audit trail in the database.
 *
 * Every function takes a checked-out connection and fills caller-provided
 * structs; nothing returned here needs freeing unless stated.
 */
#ifndef DRILLCAMP_ACCOUNTS_H
#define DRILLCAMP_ACCOUNTS_H

#include <stdbool.h>
#include <stdint.h>

#include "drillcamp/db.h"

#define DC_NAME_MAX (4 * 100 + 1) /* 100 characters of up to 4 UTF-8 bytes */

struct dc_account {
    int64_t id;
    char phone[16];
    char display_name[DC_NAME_MAX];
    char kind[16];
    char role[16];
    char region_code[8];
    int64_t organization_id; /* 0: none */
    char audience[16];
    char created_at[32];
};

struct dc_account_new {
    const char *phone;
    const char *password_hash;
    const char *display_name;
    const char *kind;
    const char *role;
    const char *region_code;
    int64_t organization_id; /* 0: none */
    const char *audience;
};

/* Fields of PATCH /v1/me; NULL (or !set_organization) leaves a field alone. */
struct dc_account_patch {
    const char *display_name;
    const char *region_code;
    bool set_organization;
    int64_t organization_id; /* 0: clear */
    const char *audience;
    const char *password_hash;
};

/* Whether region_code exists and organization_id (0: skip) exists. */
enum dc_err accounts_repo_check_refs(struct db_conn *c, const char *region_code,
                                     int64_t organization_id, bool *region_ok, bool *org_ok);
/* DC_ERR_PHONE_TAKEN when the phone is registered already. */
enum dc_err accounts_repo_insert(struct db_conn *c, const struct dc_account_new *in,
                                 struct dc_account *out);
enum dc_err accounts_repo_phone_exists(struct db_conn *c, const char *phone, bool *exists);
/* DC_ERR_NOT_FOUND when absent. */
enum dc_err accounts_repo_get(struct db_conn *c, int64_t id, struct dc_account *out);
/* *hash is malloc'ed for the caller; DC_ERR_NOT_FOUND when absent. */
enum dc_err accounts_repo_get_by_phone(struct db_conn *c, const char *phone, struct dc_account *out,
                                       char **hash);
/* The stored password hash of id, malloc'ed for the caller. */
enum dc_err accounts_repo_get_hash(struct db_conn *c, int64_t id, char **hash);
enum dc_err accounts_repo_update(struct db_conn *c, int64_t id, const struct dc_account_patch *p,
                                 struct dc_account *out);
enum dc_err accounts_repo_set_role(struct db_conn *c, int64_t id, const char *role,
                                   struct dc_account *out);
/* Makes phone an admin: creates the account or promotes it; *created set. */
enum dc_err accounts_repo_upsert_admin(struct db_conn *c, const struct dc_account_new *in,
                                       bool *created, struct dc_account *out);

/* Sessions, keyed by the hex SHA-256 of the token. */
enum dc_err sessions_repo_insert(struct db_conn *c, const char *token_hash, int64_t account_id,
                                 unsigned ttl_days, char *expires_at, size_t cap);
/* DC_ERR_UNAUTHORIZED when unknown or expired; fills id, role and the stored hash. */
enum dc_err sessions_repo_lookup(struct db_conn *c, const char *token_hash, int64_t *account_id,
                                 char *role, size_t role_cap, char *stored_hash);
enum dc_err sessions_repo_delete(struct db_conn *c, const char *token_hash);
/* Ends every other session of the account (after a password change). */
enum dc_err sessions_repo_delete_others(struct db_conn *c, int64_t account_id,
                                        const char *keep_hash);

struct dc_partner {
    int64_t id;
    char name[DC_NAME_MAX];
    char key_id[40];
    char secret_enc[160];
    char created_at[32];
};

enum dc_err partners_repo_insert(struct db_conn *c, const char *name, const char *key_id,
                                 const char *secret_enc, struct dc_partner *out);
/* DC_ERR_NOT_FOUND for an unknown key_id. */
enum dc_err partners_repo_by_key(struct db_conn *c, const char *key_id, struct dc_partner *out);
/*
 * Links (partner, external_user_id) to the account with in->phone, creating
 * that account (with an unusable password) when the phone is new;
 * *created tells which. Re-linking an existing external id moves it.
 */
enum dc_err partner_users_repo_link(struct db_conn *c, int64_t partner_id,
                                    const char *external_user_id, const struct dc_account_new *in,
                                    struct dc_account *out, bool *created);

/* The account a partner's external user is linked to; DC_ERR_NOT_FOUND
 * when the partner never linked it. */
enum dc_err partner_users_repo_account(struct db_conn *c, int64_t partner_id,
                                       const char *external_user_id, int64_t *account_id);

struct dc_audit_entry {
    int64_t id;
    int64_t actor_id;
    char action[64];
    char target[96];
    char details[8192];
    char at[32];
};
/* Newest first, ids below before_id (0: from the newest). */
enum dc_err audit_repo_list(struct db_conn *c, int64_t before_id, int limit,
                            struct dc_audit_entry **out, size_t *n);

/* Records an admin or moderator action; details_json is a JSON object text. */
enum dc_err audit_repo_insert(struct db_conn *c, int64_t actor_id, const char *action,
                              const char *target, const char *details_json);

#endif
