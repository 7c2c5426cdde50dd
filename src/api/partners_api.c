/*
 * partners_api.c - POST /v1/admin/partners: a partner platform created by
 * an admin, its secret shown once and stored sealed.
 */
#include "drillcamp/api.h"
#include "drillcamp/encode.h"
#include "drillcamp/limits.h"
#include "drillcamp/validate.h"

/* Route: admin, JSON body. */
enum dc_err partners_api_create(struct dc_req *req)
{
    struct dc_partner p;
    const char *name, *sealed = NULL;
    char key_id[32] = "pk_", secret[64];
    if (validate_string(req->json, "name", true, 1, DC_NAME_MAX_CHARS, true, &name) != DC_OK)
        return dc_req_fail(req, DC_ERR_VALIDATION, "name", "name must be 1-100 characters");
    enum dc_err err = encode_random_text(12, key_id + 3);
    if (err == DC_OK)
        err = encode_random_text(32, secret);
    if (err == DC_OK)
        err = auth_seal_partner_secret(req->arena, secret, &sealed);
    if (err == DC_OK)
        err = db_begin(req->db);
    if (err == DC_OK)
        err = partners_repo_insert(req->db, name, key_id, sealed, &p);
    if (err == DC_OK)
        err = api_audit_id(req, "partner.create", "partner", p.id,
                           json_pack("{s:s, s:s}", "name", name, "key_id", key_id));
    if (err == DC_OK)
        err = db_commit(req->db);
    if (err != DC_OK)
        return err;
    req->no_store = true;
    return dc_reply_json(req, 201,
                         json_pack("{s:o, s:s, s:s, s:s, s:s}", "id", api_id_json(p.id), "name",
                                   p.name, "key_id", p.key_id, "secret", secret, "created_at",
                                   p.created_at));
}
