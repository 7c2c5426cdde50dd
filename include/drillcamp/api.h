/*
 * api.h - the request handlers (src/api/, one file per resource) and the
 * helpers they share. Every handler has the dc_handler signature.
 */
#ifndef DRILLCAMP_API_H
#define DRILLCAMP_API_H

#include <jansson.h>

#include "drillcamp/accounts.h"
#include "drillcamp/db.h"
#include "drillcamp/http.h"

/* health_api.c */
void health_api_healthz(struct dc_req *req);
void health_api_readyz(struct dc_req *req);
void health_api_metrics(struct dc_req *req);

/* accounts_api.c */
void accounts_api_register(struct dc_req *req);
void accounts_api_set_role(struct dc_req *req);

/* sessions_api.c */
void sessions_api_login(struct dc_req *req);
void sessions_api_logout(struct dc_req *req);

/* me_api.c */
void me_api_get(struct dc_req *req);
void me_api_patch(struct dc_req *req);

/* regions_api.c */
void regions_api_list(struct dc_req *req);
void organizations_api_create(struct dc_req *req);
void organizations_api_list(struct dc_req *req);

/* common.c: each *_or_respond answers the client itself on failure. */

/* Checks out a connection or answers 503. */
bool api_db_acquire_or_respond(struct dc_req *req, struct db_conn **conn);
/* The same for read-only work that may be served by DATABASE_READ_URL. */
bool api_db_read_or_respond(struct dc_req *req, struct db_conn **conn);
/* Resolves the bearer token into req->auth or answers 401. */
bool api_auth_or_respond(struct dc_req *req, struct db_conn *conn);
/* As api_auth_or_respond, then 403 unless the caller has one of the roles
 * (a NULL-terminated list). */
bool api_auth_role_or_respond(struct dc_req *req, struct db_conn *conn, const char *const *roles);
/* ?limit= (default 20, 1..100) and ?cursor=; answers 422 when out of range. */
bool api_page_or_respond(struct dc_req *req, int *limit, int64_t *after_a, int64_t *after_b);
/* {"items": items, "next_cursor": ...}; items stolen. */
json_t *api_page_json(json_t *items, bool more, int64_t last_a, int64_t last_b);
/* The account object of API.md section 2; phone only when with_phone. */
json_t *api_account_json(const struct dc_account *a, bool with_phone);
/* Decimal string of an id, as the API writes ids. */
json_t *api_id_json(int64_t id);

#endif
