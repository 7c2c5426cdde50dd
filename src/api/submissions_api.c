/*
 * submissions_api.c - topic submissions: create (with Idempotency-Key),
 * list, get, author edit and removal, and moderation (queue, review,
 * recommend); and the upload rule that direct and partner uploads share.
 * Every moderator and admin action writes an audit entry in its
 * transaction.
 */
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include "drillcamp/api.h"
#include "drillcamp/arena.h"
#include "drillcamp/contest.h"
#include "drillcamp/dispatch.h"
#include "drillcamp/encode.h"
#include "drillcamp/enums.h"
#include "drillcamp/jsonw.h"
#include "drillcamp/limits.h"
#include "drillcamp/validate.h"

/* A JSON array the database wrote (array_to_json), or [] when none. */
static void write_array(struct jw *w, const char *json)
{
    jw_lit(w, json && *json ? json : "[]");
}

void api_submission_write(struct jw *w, const struct dc_submission *s)
{
    jw_lit(w, "{\"id\":");
    jw_id(w, s->id);
    jw_lit(w, ",\"author\":{\"id\":");
    jw_id(w, s->author_id);
    jw_lit(w, ",\"display_name\":");
    jw_str(w, s->author_name);
    jw_lit(w, ",\"kind\":");
    jw_str(w, s->author_kind);
    jw_lit(w, ",\"region_code\":");
    jw_str(w, s->author_region);
    jw_lit(w, "},\"title\":");
    jw_str(w, s->title);
    jw_lit(w, ",\"description\":");
    jw_str(w, s->description);
    jw_lit(w, ",\"category\":");
    jw_str(w, s->category);
    jw_lit(w, ",\"video_url\":");
    jw_str(w, s->video_url);
    jw_lit(w, ",\"cover_url\":");
    jw_str(w, s->cover_url);
    jw_lit(w, ",\"duration_seconds\":");
    jw_i64(w, s->duration_seconds);
    jw_lit(w, ",\"format\":");
    jw_str(w, s->format);
    jw_lit(w, ",\"size_bytes\":");
    jw_i64(w, s->size_bytes);
    jw_lit(w, ",\"hashtags\":");
    write_array(w, s->hashtags_json);
    jw_lit(w, ",\"status\":");
    jw_str(w, s->status);
    jw_lit(w, ",\"reject_reason\":");
    jw_str(w, s->reject_reason);
    jw_lit(w, ",\"recommended\":");
    jw_bool(w, s->recommended);
    jw_lit(w, ",\"recommended_channels\":");
    write_array(w, s->channels_json);
    jw_lit(w, ",\"like_count\":");
    jw_i64(w, s->like_count);
    jw_lit(w, ",\"liked\":");
    jw_bool(w, s->liked);
    jw_lit(w, ",\"source\":");
    jw_str(w, s->source);
    jw_lit(w, ",\"created_at\":");
    jw_str(w, s->created_at);
    jw_lit(w, ",\"updated_at\":");
    jw_str(w, s->updated_at);
    jw_lit(w, "}");
}

json_t *api_submission_json(const void *item)
{
    struct jw w;
    size_t len;
    jw_init(&w);
    api_submission_write(&w, item);
    char *text = jw_finish(&w, &len);
    json_t *v = text ? json_loadb(text, len, 0, NULL) : NULL;
    free(text);
    return v;
}

static int64_t submission_key(const void *item)
{
    return ((const struct dc_submission *)item)->id;
}

/* A partner's upload: created or updated by its external id; a concurrent
 * upload of the same new id that wins the race is found by the retry. */
static enum dc_err upsert_partner(struct db_conn *c, const struct submission_origin *o,
                                  const struct dc_submission_input *in, struct dc_submission *out,
                                  bool *created)
{
    enum dc_err err = DC_ERR_CONFLICT;
    for (int attempt = 0; attempt < 2 && err == DC_ERR_CONFLICT; attempt++)
        err = submissions_repo_upsert_partner(c, o->partner_id, o->external_id, o->author_id, in,
                                              out, created);
    return err;
}

enum dc_err submissions_save(struct db_conn *c, const struct dc_campaign *camp,
                             const struct submission_origin *o, const json_t *body,
                             struct dc_submission *out, bool *created, struct dc_problem *p)
{
    struct dc_submission_input in;
    bool exists = false;
    enum dc_err err = DC_OK;
    if (!campaign_allows(camp, ACT_SUBMIT, campaign_now()))
        err = DC_ERR_CAMPAIGN_CLOSED;
    if (err == DC_OK)
        err = submission_parse(body, camp->topic, &in, p);
    if (err == DC_OK)
        err = categories_repo_exists(c, in.category, &exists);
    if (err == DC_OK && !exists)
        err = dc_problem_set(p, DC_ERR_VALIDATION, "category", "category is not a known category");
    if (err != DC_OK)
        return err;
    if (o->partner_id)
        return upsert_partner(c, o, &in, out, created);
    *created = true;
    return submissions_repo_insert(c, o->author_id, &in, out);
}

/* The Idempotency-Key header: absent (NULL) or 1-255 printable ASCII. */
static enum dc_err idempotency_key(struct dc_req *req, const char **key)
{
    *key = dc_req_header(req, "Idempotency-Key");
    size_t n = *key ? strlen(*key) : 1;
    bool ok = n >= 1 && n <= 255;
    for (size_t i = 0; ok && *key && i < n; i++)
        ok = (*key)[i] > 0x20 && (*key)[i] < 0x7f;
    return ok ? DC_OK
              : dc_req_fail(req, DC_ERR_VALIDATION, "Idempotency-Key",
                            "Idempotency-Key must be 1-255 printable characters");
}

/* Answers a stored reply again, or 409 when the body differs. */
static enum dc_err idempotent_replay(struct dc_req *req, const struct dc_idem *idem,
                                     const char *hash)
{
    if (strcmp(idem->hash, hash) != 0 || idem->status == 0)
        return DC_ERR_IDEMPOTENCY;
    dc_reply_header(req, "Idempotent-Replayed", "true");
    /* the stored answer is JSON text already: sent as it was */
    return dc_reply_text(req, (unsigned)idem->status, DC_JSON_TYPE,
                         idem->response ? strdup(idem->response) : NULL,
                         idem->response ? strlen(idem->response) : 0);
}

/* Route: bearer, JSON body. */
enum dc_err submissions_api_create(struct dc_req *req)
{
    struct submission_origin origin = {.author_id = req->auth.account_id};
    struct dc_campaign camp;
    struct dc_submission sub;
    struct dc_idem idem = {.fresh = true};
    const char *key;
    char hash[65];
    bool created;
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)req->body, req->body_len, digest);
    encode_hex(digest, sizeof digest, hash);
    enum dc_err err = idempotency_key(req, &key);
    if (err == DC_OK)
        err = db_begin(req->db);
    if (err == DC_OK && key)
        err = idempotency_repo_claim(req->db, req->auth.account_id, key, hash, &idem);
    if (err == DC_OK && !idem.fresh)
        return idempotent_replay(req, &idem, hash);
    if (err == DC_OK)
        err = api_campaign_load(req->db, &camp);
    if (err == DC_OK)
        err = submissions_save(req->db, &camp, &origin, req->json, &sub, &created, &req->problem);
    json_t *resp = err == DC_OK ? api_submission_json(&sub) : NULL;
    char *text = resp && key ? json_dumps(resp, JSON_COMPACT) : NULL;
    if (err == DC_OK && key)
        err = text ? idempotency_repo_store(req->db, req->auth.account_id, key, 201, text)
                   : DC_ERR_NOMEM;
    free(text);
    if (err == DC_OK)
        err = db_commit(req->db);
    if (err != DC_OK) {
        json_decref(resp);
        return err;
    }
    return dc_reply_json(req, 201, resp);
}

/* Loads :id if the caller may see it (approved, or author, or moderator). */
static enum dc_err visible_submission(struct dc_req *req, struct dc_submission *out)
{
    int64_t id;
    enum dc_err err = api_path_id(req, "id", &id);
    if (err == DC_OK)
        err = submissions_repo_get(req->db, id, req->authed ? req->auth.account_id : 0, out);
    if (err == DC_OK && strcmp(out->status, "approved") != 0 &&
        !(req->authed && (req->auth.role & DC_ROLES_STAFF)) &&
        !(req->authed && req->auth.account_id == out->author_id))
        err = DC_ERR_NOT_FOUND;
    return err;
}

/* Route: optional bearer, read replica. */
enum dc_err submissions_api_get(struct dc_req *req)
{
    struct dc_submission s;
    enum dc_err err = visible_submission(req, &s);
    return err == DC_OK ? dc_reply_json(req, 200, api_submission_json(&s)) : err;
}

/* Reads ?sort=, ?status=, ?mine=, ?category= and the page into f; the
 * caller's own list needs a token, other statuses than approved a
 * moderator. */
static enum dc_err list_filter(struct dc_req *req, struct dc_submission_filter *f)
{
    struct api_page page;
    const char *mine = dc_req_query(req, "mine"), *status = dc_req_query(req, "status");
    const char *sort = dc_req_query(req, "sort");
    *f = (struct dc_submission_filter){.status = "approved",
                                       .category = dc_req_query(req, "category")};
    if (sort && strcmp(sort, "recent") != 0 && strcmp(sort, "likes") != 0)
        return dc_req_fail(req, DC_ERR_VALIDATION, "sort", "sort must be recent or likes");
    if (status && !dc_enum_has(&DC_ENUM_SUBMISSION_STATUS, status))
        return dc_req_fail(req, DC_ERR_VALIDATION, "status", DC_ENUM_SUBMISSION_STATUS.message);
    enum dc_err err = api_page_parse(req, &page);
    bool own = mine && strcmp(mine, "true") == 0;
    if (err == DC_OK && (own || status))
        err = dispatch_require(req, DC_AUTH_BEARER, own ? 0 : DC_ROLES_STAFF);
    if (err != DC_OK)
        return err;
    f->by_likes = sort && strcmp(sort, "likes") == 0;
    f->after_a = page.after_a;
    f->after_b = page.after_b;
    f->limit = page.limit;
    f->viewer = req->authed ? req->auth.account_id : 0;
    f->author_id = own ? req->auth.account_id : 0;
    if (own || status)
        f->status = status;
    return DC_OK;
}

/* Route: optional bearer, read replica. */
enum dc_err submissions_api_list(struct dc_req *req)
{
    struct dc_submission_filter f;
    struct dc_submission *items;
    size_t n;
    enum dc_err err = list_filter(req, &f);
    if (err != DC_OK)
        return err;
    size_t limit = (size_t)f.limit;
    f.limit++;
    err = submissions_repo_list(req->db, &f, &items, &n);
    if (err != DC_OK)
        return err;
    bool more = n > limit;
    n = more ? limit : n;
    /* written as text: the hottest list (no values built and dumped) */
    struct jw w;
    size_t len;
    jw_init(&w);
    jw_lit(&w, "{\"items\":[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            jw_lit(&w, ",");
        api_submission_write(&w, &items[i]);
    }
    int64_t last_likes = n && f.by_likes && !f.author_id ? items[n - 1].folded_likes : 0;
    api_page_write_end(&w, more, last_likes, n ? items[n - 1].id : 0);
    char *text = jw_finish(&w, &len);
    return dc_reply_text(req, 200, DC_JSON_TYPE, text, len);
}

/* Route: bearer, JSON body. */
enum dc_err submissions_api_patch(struct dc_req *req)
{
    struct dc_submission s;
    const char *title, *description, *cover = NULL;
    json_t *cv = json_object_get(req->json, "cover_url");
    enum dc_err err = visible_submission(req, &s);
    if (err == DC_OK && s.author_id != req->auth.account_id)
        err = DC_ERR_FORBIDDEN;
    if (err != DC_OK)
        return err;
    if (validate_string(req->json, "title", false, 1, 60, false, &title) != DC_OK)
        return dc_req_fail(req, DC_ERR_VALIDATION, "title", NULL);
    if (validate_string(req->json, "description", false, 0, 1000, false, &description) != DC_OK)
        return dc_req_fail(req, DC_ERR_VALIDATION, "description", NULL);
    if (cv && !json_is_null(cv) &&
        (!json_is_string(cv) ||
         !validate_https_url(cover = json_string_value(cv), DC_URL_MAX_BYTES)))
        return dc_req_fail(req, DC_ERR_VALIDATION, "cover_url", NULL);
    err = submissions_repo_patch(req->db, s.id, title, description, cv != NULL, cover, &s);
    if (err == DC_ERR_INVALID_STATE)
        return dc_req_fail(req, err, NULL, "only a pending submission can be edited");
    return err == DC_OK ? dc_reply_json(req, 200, api_submission_json(&s)) : err;
}

/* Route: bearer. The author removes; an admin too (audited). */
enum dc_err submissions_api_delete(struct dc_req *req)
{
    struct dc_submission s;
    enum dc_err err = visible_submission(req, &s);
    bool own = err == DC_OK && s.author_id == req->auth.account_id;
    if (err == DC_OK && !own && req->auth.role != DC_ROLE_ADMIN)
        err = DC_ERR_FORBIDDEN;
    if (err == DC_OK)
        err = db_begin(req->db);
    if (err == DC_OK)
        err = submissions_repo_set_status(req->db, s.id, "removed", NULL, &s);
    if (err == DC_OK && !own)
        err = api_audit_id(req, "submission.remove", "submission", s.id, NULL);
    if (err == DC_OK)
        err = db_commit(req->db);
    return err == DC_OK ? dc_reply_empty(req, 204) : err;
}

static enum dc_err queue_page(struct dc_req *req, const struct api_page *page, void *items,
                              size_t *n)
{
    const char *status = dc_req_query(req, "status");
    if (status && !dc_enum_has(&DC_ENUM_SUBMISSION_STATUS, status))
        return dc_req_fail(req, DC_ERR_VALIDATION, "status", DC_ENUM_SUBMISSION_STATUS.message);
    return submissions_repo_queue(req->db, status ? status : "pending", page->after_a,
                                  page->limit + 1, items, n);
}

/* Route: moderator or admin. */
enum dc_err submissions_api_queue(struct dc_req *req)
{
    return api_list(req, queue_page, sizeof(struct dc_submission), api_submission_json,
                    submission_key);
}

/* Route: moderator or admin, JSON body. */
enum dc_err submissions_api_review(struct dc_req *req)
{
    struct dc_submission s;
    const char *decision, *reason;
    int64_t id;
    if (validate_string(req->json, "decision", true, 1, 16, true, &decision) != DC_OK ||
        !dc_enum_has(&DC_ENUM_REVIEW_DECISION, decision))
        return dc_req_fail(req, DC_ERR_VALIDATION, "decision", NULL);
    bool approve = strcmp(decision, "approve") == 0;
    if (validate_string(req->json, "reason", !approve, 1, DC_REASON_MAX_CHARS, true, &reason) !=
        DC_OK)
        return dc_req_fail(req, DC_ERR_VALIDATION, "reason", NULL);
    enum dc_err err = api_path_id(req, "id", &id);
    if (err == DC_OK)
        err = db_begin(req->db);
    if (err == DC_OK)
        err = submissions_repo_get(req->db, id, 0, &s);
    /* a removed submission stays removed */
    if (err == DC_OK && strcmp(s.status, "removed") == 0)
        return dc_req_fail(req, DC_ERR_INVALID_STATE, NULL,
                           "a removed submission cannot be reviewed");
    if (err == DC_OK)
        err = submissions_repo_set_status(req->db, id, approve ? "approved" : "rejected",
                                          approve ? NULL : reason, &s);
    if (err == DC_OK)
        err = api_audit_id(req, approve ? "submission.approve" : "submission.reject", "submission",
                           id, reason ? json_pack("{s:s}", "reason", reason) : NULL);
    if (err == DC_OK)
        err = db_commit(req->db);
    return err == DC_OK ? dc_reply_json(req, 200, api_submission_json(&s)) : err;
}

/* The channels as a text[] literal in the arena: 1-20 names of 1-50
 * characters, checked free of quotes, braces and commas. NULL when bad. */
static const char *channels_literal(struct dc_arena *a, const json_t *ch)
{
    size_t n = json_array_size(ch), cap = 3;
    if (!json_is_array(ch) || n < 1 || n > 20)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const char *c = json_string_value(json_array_get(ch, i));
        if (!c || validate_utf8_len(c) < 1 || validate_utf8_len(c) > 50 ||
            !validate_no_control(c) || strpbrk(c, "\"\\{},"))
            return NULL;
        cap += strlen(c) + 3;
    }
    char *s = arena_alloc(a, cap), *o = s;
    for (size_t i = 0; s && i < n; i++)
        o = stpcpy(stpcpy(stpcpy(o, i ? ",\"" : "{\""), json_string_value(json_array_get(ch, i))),
                   "\"");
    if (s)
        strcpy(o, "}");
    return s;
}

/* Route: admin, JSON body. */
enum dc_err submissions_api_recommend(struct dc_req *req)
{
    struct dc_submission s;
    int64_t id;
    json_t *ch = json_object_get(req->json, "channels");
    const char *channels = channels_literal(req->arena, ch);
    if (!channels)
        return dc_req_fail(req, DC_ERR_VALIDATION, "channels",
                           "channels must be 1-20 names of 1-50 characters");
    enum dc_err err = api_path_id(req, "id", &id);
    if (err == DC_OK)
        err = db_begin(req->db);
    if (err == DC_OK)
        err = submissions_repo_recommend(req->db, id, channels, &s);
    if (err == DC_OK)
        err = api_audit_id(req, "submission.recommend", "submission", id,
                           json_pack("{s:O}", "channels", ch));
    if (err == DC_ERR_INVALID_STATE)
        return dc_req_fail(req, err, NULL, "only an approved submission can be recommended");
    if (err == DC_OK)
        err = db_commit(req->db);
    return err == DC_OK ? dc_reply_json(req, 200, api_submission_json(&s)) : err;
}
