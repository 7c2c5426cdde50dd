/*
 * partner_submissions_api.c - PUT /v1/partner/submissions/:external_id: a
 * partner's upload keyed by its own id, through the same upload rule as
 * direct submissions (submissions_save).
 */
#include "drillcamp/api.h"
#include "drillcamp/limits.h"
#include "drillcamp/validate.h"

/* Route: partner signature, JSON body. */
enum dc_err partner_submissions_api_put(struct dc_req *req)
{
    struct submission_origin o = {.partner_id = req->partner->id,
                                  .external_id = dc_req_param(req, "external_id")};
    struct dc_submission sub;
    struct dc_campaign camp;
    bool created = false;
    if (!validate_utf8(o.external_id) ||
        validate_utf8_len(o.external_id) > DC_EXTERNAL_ID_MAX_CHARS ||
        !validate_no_control(o.external_id))
        return dc_req_fail(req, DC_ERR_VALIDATION, "external_id",
                           "external_id must be 1-128 characters of UTF-8 without control "
                           "characters");
    enum dc_err err =
        api_partner_author(req->db, req->partner, req->json, &o.author_id, &req->problem);
    if (err == DC_OK)
        err = api_campaign_load(req->db, &camp);
    if (err == DC_OK)
        err = submissions_save(req->db, &camp, &o, req->json, &sub, &created, &req->problem);
    return err == DC_OK ? dc_reply_json(req, created ? 201 : 200, api_submission_json(&sub)) : err;
}
