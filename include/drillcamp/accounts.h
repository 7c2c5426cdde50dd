/*
 * accounts.h - accounts, sessions, partners and their linked users, and
 * the audit trail in the database.
 *
 * Every function takes a checked-out connection and fills caller-provided
 * structs whose strings point into the connection's arena (db.h): nothing
 * returned here is freed by the caller.
 */
#ifndef DRILLCAMP_ACCOUNTS_H
#define DRILLCAMP_ACCOUNTS_H

#include <stdbool.h>
#include <stdint.h>

#include "drillcamp/db.h"
#include "drillcamp/limits.h"

struct dc_account {
    int64_t id;
    const char *phone;
    const char *display_name;
    const char *kind;
    const char *role;
    const char *region_code;
    int64_t organization_id; /* 0: none */
    const char *audience;
    const char *created_at;
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

/* accounts_repo.c */

/* Whether region_code exists and organization_id (0: skip) exists. */
enum dc_err accounts_repo_check_refs(struct db_conn *c, const char *region_code,
                                     int64_t organization_id, bool *region_ok, bool *org_ok);
/* DC_ERR_PHONE_TAKEN when the phone is registered already. */
enum dc_err accounts_repo_insert(struct db_conn *c, const struct dc_account_new *in,
                                 struct dc_account *out);
enum dc_err accounts_repo_phone_exists(struct db_conn *c, const char *phone, bool *exists);
/* DC_ERR_NOT_FOUND when absent. */
enum dc_err accounts_repo_get(struct db_conn *c, int64_t id, struct dc_account *out);
/* The account and its stored password hash; DC_ERR_NOT_FOUND when absent. */
enum dc_err accounts_repo_get_by_phone(struct db_conn *c, const char *phone, struct dc_account *out,
                                       const char **hash);
/* The stored password hash of id. */
enum dc_err accounts_repo_get_hash(struct db_conn *c, int64_t id, const char **hash);
enum dc_err accounts_repo_update(struct db_conn *c, int64_t id, const struct dc_account_patch *p,
                                 struct dc_account *out);
enum dc_err accounts_repo_set_role(struct db_conn *c, int64_t id, const char *role,
                                   struct dc_account *out);
/* Makes phone an admin: creates the account or promotes it; *created set. */
enum dc_err accounts_repo_upsert_admin(struct db_conn *c, const struct dc_account_new *in,
                                       bool *created, struct dc_account *out);

/* sessions_repo.c: sessions keyed by the hex SHA-256 of the token. */

enum dc_err sessions_repo_insert(struct db_conn *c, const char *token_hash, int64_t account_id,
                                 unsigned ttl_days, const char **expires_at);
struct dc_session {
    int64_t account_id;
    const char *role;
    const char *token_hash; /* as stored, for a constant-time comparison */
};
/* DC_ERR_UNAUTHORIZED when unknown or expired. */
enum dc_err sessions_repo_lookup(struct db_conn *c, const char *token_hash, struct dc_session *out);
enum dc_err sessions_repo_delete(struct db_conn *c, const char *token_hash);
/* Ends every other session of the account (after a password change). */
enum dc_err sessions_repo_delete_others(struct db_conn *c, int64_t account_id,
                                        const char *keep_hash);

/* partners_repo.c */

struct dc_partner {
    int64_t id;
    const char *name;
    const char *key_id;
    const char *secret_enc;
    const char *created_at;
};

enum dc_err partners_repo_insert(struct db_conn *c, const char *name, const char *key_id,
                                 const char *secret_enc, struct dc_partner *out);
/* DC_ERR_NOT_FOUND for an unknown key_id. */
enum dc_err partners_repo_by_key(struct db_conn *c, const char *key_id, struct dc_partner *out);

/* partner_users_repo.c */

/*
 * Links (partner, external_user_id) to the account with in->phone, creating
 * that account (with an unusable password) when the phone is new;
 * *created tells which. Re-linking an existing external id moves it.
 * DC_ERR_CONFLICT when the phone's account was made concurrently (retry).
 */
enum dc_err partner_users_repo_link(struct db_conn *c, int64_t partner_id,
                                    const char *external_user_id, const struct dc_account_new *in,
                                    struct dc_account *out, bool *created);
/* The account a partner's external user is linked to; DC_ERR_NOT_FOUND
 * when the partner never linked it. */
enum dc_err partner_users_repo_account(struct db_conn *c, int64_t partner_id,
                                       const char *external_user_id, int64_t *account_id);

/* audit_repo.c */

struct dc_audit_entry {
    int64_t id;
    int64_t actor_id;
    const char *action;
    const char *target;
    const char *details; /* a JSON object's text */
    const char *at;
};
/* Newest first, ids below before_id (0: from the newest). */
enum dc_err audit_repo_list(struct db_conn *c, int64_t before_id, int limit,
                            struct dc_audit_entry **out, size_t *n);
/* Records an admin or moderator action; details_json is a JSON object text
 * (NULL: {}). */
enum dc_err audit_repo_insert(struct db_conn *c, int64_t actor_id, const char *action,
                              const char *target, const char *details_json);

#endif
