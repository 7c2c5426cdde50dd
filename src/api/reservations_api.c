/*
 * reservations_api.c - livestream reservations (预约): PUT and DELETE
 * /v1/livestreams/:id/reservation (both idempotent, 204) and
 * GET /v1/me/reservations.
 */
#include "drillcamp/api.h"
#include "drillcamp/learning.h"

/* PUT and DELETE alike: both idempotent, both 204. Route: bearer. */
static enum dc_err reservation_change(struct dc_req *req, bool reserve)
{
    int64_t id;
    enum dc_err err = api_path_id(req, "id", &id);
    if (err == DC_OK)
        err = reserve ? reservations_repo_put(req->db, id, req->auth.account_id)
                      : reservations_repo_delete(req->db, id, req->auth.account_id);
    return err == DC_OK ? dc_reply_empty(req, 204) : err;
}

enum dc_err reservations_api_put(struct dc_req *req)
{
    return reservation_change(req, true);
}

enum dc_err reservations_api_delete(struct dc_req *req)
{
    return reservation_change(req, false);
}

static enum dc_err reserved_page(struct dc_req *req, const struct api_page *page, void *items,
                                 size_t *n)
{
    return livestreams_repo_list_reserved(req->db, req->auth.account_id, page->after_a,
                                          page->limit + 1, items, n);
}

/* Route: bearer. */
enum dc_err reservations_api_list(struct dc_req *req)
{
    return api_list(req, reserved_page, sizeof(struct dc_livestream), api_livestream_json,
                    api_livestream_key);
}
