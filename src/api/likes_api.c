/*
 * likes_api.c - PUT and DELETE /v1/submissions/:id/like, and the like rule
 * that users and partners' like batches share: idempotent, one like per
 * account and submission, the returned count including the call.
 */
#include <string.h>

#include "drillcamp/api.h"
#include "drillcamp/contest.h"

enum dc_err likes_apply(struct db_conn *c, const struct dc_campaign *camp, int64_t account_id,
                        int64_t submission_id, bool like, int64_t *count)
{
    struct dc_like_target t;
    enum dc_err err = likes_repo_target(c, submission_id, &t);
    /* only approved submissions can be liked; the rest do not exist to likers */
    if (err == DC_OK && strcmp(t.status, "approved") != 0)
        err = DC_ERR_NOT_FOUND;
    if (err == DC_OK && t.author_id == account_id)
        err = DC_ERR_SELF_LIKE;
    if (err == DC_OK && !campaign_allows(camp, ACT_LIKE, campaign_now()))
        err = DC_ERR_CAMPAIGN_CLOSED;
    if (err == DC_OK)
        err = db_begin(c);
    if (err == DC_OK)
        err = likes_repo_set(c, submission_id, account_id, like, count);
    if (err == DC_OK)
        err = db_commit(c);
    if (err != DC_OK)
        db_rollback(c);
    return err;
}

/* PUT and DELETE alike. Route: bearer, rate limited per account. */
static enum dc_err like_change(struct dc_req *req, bool like)
{
    struct dc_campaign camp;
    int64_t id, count = 0;
    enum dc_err err = api_path_id(req, "id", &id);
    if (err == DC_OK)
        err = api_campaign_load(req->db, &camp);
    if (err == DC_OK)
        err = likes_apply(req->db, &camp, req->auth.account_id, id, like, &count);
    return err == DC_OK ? dc_reply_json(req, 200,
                                        json_pack("{s:b, s:I}", "liked", like, "like_count",
                                                  (json_int_t)count))
                        : err;
}

enum dc_err likes_api_put(struct dc_req *req)
{
    return like_change(req, true);
}

enum dc_err likes_api_delete(struct dc_req *req)
{
    return like_change(req, false);
}
