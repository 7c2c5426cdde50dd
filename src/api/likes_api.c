/*
 * likes_api.c - PUT and DELETE /v1/submissions/:id/like: idempotent, one
 * like per account and submission, the returned count including the call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drillcamp/api.h"
#include "drillcamp/contest.h"
#include "drillcamp/validate.h"

static void like_change(struct dc_req *req, bool like)
{
    enum dc_err err = DC_ERR_INTERNAL;
    struct db_conn *conn = NULL;
    struct dc_campaign camp;
    struct dc_like_target t;
    int64_t id, count = 0;
    if (!api_db_acquire_or_respond(req, &conn) || !api_auth_or_respond(req, conn) ||
        !api_rate_account_or_respond(req, RL_LIKES_ACCOUNT))
        goto out;
    err = validate_id(dc_req_param(req, "id"), &id) ? likes_repo_target(conn, id, &t)
                                                    : DC_ERR_NOT_FOUND;
    /* only approved submissions can be liked; the rest do not exist to likers */
    if (err == DC_OK && strcmp(t.status, "approved") != 0)
        err = DC_ERR_NOT_FOUND;
    if (err == DC_OK && t.author_id == req->auth.account_id)
        err = DC_ERR_SELF_LIKE;
    if (err != DC_OK || !api_campaign_gate_or_respond(req, conn, ACT_LIKE, &camp))
        goto out;
    err = db_begin(conn);
    if (err == DC_OK)
        err = likes_repo_set(conn, id, req->auth.account_id, like, &count);
    if (err == DC_OK)
        err = db_commit(conn);
    if (err == DC_OK)
        dc_reply_json(req, 200,
                      json_pack("{s:b, s:I}", "liked", like, "like_count", (json_int_t)count));
out:
    if (req->status == 0)
        dc_reply_err(req, err, NULL, NULL);
    db_release(conn);
}

void likes_api_put(struct dc_req *req)
{
    like_change(req, true);
}

void likes_api_delete(struct dc_req *req)
{
    like_change(req, false);
}
