/*
 * submissions_api.c - topic submissions: create (with Idempotency-Key),
 * list, get, author edit and removal, and moderation (queue, review,
 * recommend). Every moderator and admin action writes an audit entry.
 */
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drillcamp/api.h"
#include "drillcamp/contest.h"
#include "drillcamp/encode.h"
#include "drillcamp/validate.h"

static const char *const MODERATORS[] = {"moderator", "admin", NULL};
static const char *const ADMIN[] = {"admin", NULL};
static const char *const STATUSES[] = {"pending", "approved", "rejected", "removed", NULL};

static json_t *json_text(const char *text)
{
    json_t *v = json_loads(text, 0, NULL);
    return v ? v : json_array();
}

json_t *api_submission_json(const void *item)
{
    const struct dc_submission *s = item;
    json_t *author =
        json_pack("{s:o, s:s, s:s, s:s}", "id", api_id_json(s->author_id), "display_name",
                  s->author_name, "kind", s->author_kind, "region_code", s->author_region);
    return json_pack(
        "{s:o, s:o, s:s, s:s, s:s, s:s, s:o, s:i, s:s, s:I, s:o, s:s, s:o, s:b, s:o, s:I, s:b,"
        " s:s, s:s, s:s}",
        "id", api_id_json(s->id), "author", author, "title", s->title, "description",
        s->description, "category", s->category, "video_url", s->video_url, "cover_url",
        s->has_cover ? json_string(s->cover_url) : json_null(), "duration_seconds",
        s->duration_seconds, "format", s->format, "size_bytes", (json_int_t)s->size_bytes,
        "hashtags", json_text(s->hashtags_json), "status", s->status, "reject_reason",
        s->has_reject_reason ? json_string(s->reject_reason) : json_null(), "recommended",
        s->recommended, "recommended_channels", json_text(s->channels_json), "like_count",
        (json_int_t)s->like_count, "liked", s->liked, "source", s->source, "created_at",
        s->created_at, "updated_at", s->updated_at);
}

static int64_t submission_key(const void *item)
{
    return ((const struct dc_submission *)item)->id;
}

static bool is_moderator(const struct dc_req *req)
{
    return req->authed && validate_one_of(req->auth.role, MODERATORS);
}

/* The Idempotency-Key header: absent (NULL) or 1-255 printable ASCII. */
static bool idempotency_key_or_respond(struct dc_req *req, const char **key)
{
    *key = dc_req_header(req, "Idempotency-Key");
    if (!*key)
        return true;
    size_t n = strlen(*key);
    bool ok = n >= 1 && n <= 255;
    for (size_t i = 0; ok && i < n; i++)
        ok = (*key)[i] > 0x20 && (*key)[i] < 0x7f;
    if (!ok)
        dc_reply_err(req, DC_ERR_VALIDATION, "Idempotency-Key",
                     "Idempotency-Key must be 1-255 printable characters");
    return ok;
}

/* Answers a stored reply again, or 409 when the body differs. */
static void idempotent_replay(struct dc_req *req, const struct dc_idem *idem, const char *hash)
{
    if (strcmp(idem->hash, hash) != 0 || idem->status == 0) {
        dc_reply_err(req, DC_ERR_IDEMPOTENCY, NULL, NULL);
        return;
    }
    dc_reply_json(req, (unsigned)idem->status, json_text(idem->response));
    dc_reply_header(req, "Idempotent-Replayed", "true");
}

/* Validates and stores a new submission of the caller; answers on failure. */
static bool submission_create_or_respond(struct dc_req *req, struct db_conn *conn,
                                         const json_t *body, struct dc_submission *out)
{
    struct dc_campaign camp;
    struct dc_submission_input in;
    const char *field = NULL, *msg = NULL;
    bool exists = false;
    if (!api_campaign_gate_or_respond(req, conn, ACT_SUBMIT, &camp))
        return false;
    enum dc_err err = submission_parse(body, camp.topic, &in, &field, &msg);
    if (err == DC_OK) {
        err = categories_repo_exists(conn, in.category, &exists);
        if (err == DC_OK && !exists) {
            err = DC_ERR_VALIDATION;
            field = "category";
            msg = "category is not a known category";
        }
    }
    if (err == DC_OK)
        err = submissions_repo_insert(conn, req->auth.account_id, &in, out);
    if (err != DC_OK)
        dc_reply_err(req, err, field, msg);
    return err == DC_OK;
}

void submissions_api_create(struct dc_req *req)
{
    enum dc_err err = DC_ERR_INTERNAL;
    struct db_conn *conn = NULL;
    struct dc_submission sub;
    struct dc_idem idem = {0};
    const char *key;
    char hash[65];
    json_t *body = NULL;
    if (!api_db_acquire_or_respond(req, &conn) || !api_auth_or_respond(req, conn) ||
        !idempotency_key_or_respond(req, &key))
        goto out;
    body = dc_req_json_object_or_respond(req);
    if (!body)
        goto out;
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)req->body, req->body_len, digest);
    encode_hex(digest, sizeof digest, hash);
    err = db_begin(conn);
    if (err == DC_OK && key)
        err = idempotency_repo_claim(conn, req->auth.account_id, key, hash, &idem);
    if (err != DC_OK)
        goto out;
    if (key && !idem.fresh) {
        idempotent_replay(req, &idem, hash);
        goto out;
    }
    if (!submission_create_or_respond(req, conn, body, &sub))
        goto out;
    json_t *resp = api_submission_json(&sub);
    if (key) {
        char *text = json_dumps(resp, JSON_COMPACT);
        err = text ? idempotency_repo_store(conn, req->auth.account_id, key, 201, text)
                   : DC_ERR_NOMEM;
        free(text);
    }
    if (err == DC_OK)
        err = db_commit(conn);
    if (err != DC_OK) {
        json_decref(resp);
        goto out;
    }
    dc_reply_json(req, 201, resp);
out:
    if (req->status == 0)
        dc_reply_err(req, err, NULL, NULL);
    db_release(conn);
    json_decref(body);
    free(idem.response);
}

/* Loads :id if the caller may see it (approved, or author, or moderator). */
static bool visible_submission_or_respond(struct dc_req *req, struct db_conn *conn,
                                          struct dc_submission *out)
{
    int64_t id;
    enum dc_err err = DC_ERR_NOT_FOUND;
    if (validate_id(dc_req_param(req, "id"), &id))
        err = submissions_repo_get(conn, id, req->authed ? req->auth.account_id : 0, out);
    if (err == DC_OK && strcmp(out->status, "approved") != 0 && !is_moderator(req) &&
        !(req->authed && req->auth.account_id == out->author_id))
        err = DC_ERR_NOT_FOUND;
    if (err != DC_OK)
        dc_reply_err(req, err, NULL, NULL);
    return err == DC_OK;
}

void submissions_api_get(struct dc_req *req)
{
    struct db_conn *conn = NULL;
    struct dc_submission s;
    if (api_db_read_or_respond(req, &conn) && api_auth_optional_or_respond(req, conn) &&
        visible_submission_or_respond(req, conn, &s))
        dc_reply_json(req, 200, api_submission_json(&s));
    db_release(conn);
}

void submissions_api_list(struct dc_req *req)
{
    enum dc_err err = DC_ERR_INTERNAL;
    struct db_conn *conn = NULL;
    struct dc_submission *items = NULL;
    size_t n = 0;
    struct dc_submission_filter f = {.status = "approved"};
    const char *mine = dc_req_query(req, "mine"), *status = dc_req_query(req, "status");
    const char *sort = dc_req_query(req, "sort");
    f.category = dc_req_query(req, "category");
    if (sort && strcmp(sort, "recent") != 0 && strcmp(sort, "likes") != 0) {
        dc_reply_err(req, DC_ERR_VALIDATION, "sort", "sort must be recent or likes");
        goto out;
    }
    if (status && !validate_one_of(status, STATUSES)) {
        dc_reply_err(req, DC_ERR_VALIDATION, "status", "status is not a submission status");
        goto out;
    }
    f.by_likes = sort && strcmp(sort, "likes") == 0;
    if (!api_page_or_respond(req, &f.limit, &f.after_a, &f.after_b) ||
        !api_db_read_or_respond(req, &conn) || !api_auth_optional_or_respond(req, conn))
        goto out;
    f.viewer = req->authed ? req->auth.account_id : 0;
    if (mine && strcmp(mine, "true") == 0) {
        if (!api_auth_or_respond(req, conn))
            goto out;
        f.author_id = req->auth.account_id;
        f.status = status;
    } else if (status) {
        /* other statuses than approved are for moderators */
        if (!api_auth_role_or_respond(req, conn, MODERATORS))
            goto out;
        f.status = status;
    }
    f.limit++;
    err = submissions_repo_list(conn, &f, &items, &n);
    if (err != DC_OK)
        goto out;
    size_t limit = (size_t)f.limit - 1;
    bool more = n > limit;
    if (more)
        n = limit;
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, api_submission_json(&items[i]));
    int64_t last_likes = n && f.by_likes && !f.author_id ? items[n - 1].folded_likes : 0;
    dc_reply_json(req, 200, api_page_json(arr, more, last_likes, n ? items[n - 1].id : 0));
out:
    if (req->status == 0)
        dc_reply_err(req, err, NULL, NULL);
    db_release(conn);
    free(items);
}

void submissions_api_patch(struct dc_req *req)
{
    enum dc_err err = DC_ERR_INTERNAL;
    const char *field = NULL;
    struct db_conn *conn = NULL;
    struct dc_submission s;
    json_t *body = NULL;
    const char *title, *description, *cover = NULL;
    if (!api_db_acquire_or_respond(req, &conn) || !api_auth_or_respond(req, conn) ||
        !visible_submission_or_respond(req, conn, &s))
        goto out;
    if (s.author_id != req->auth.account_id) {
        err = DC_ERR_FORBIDDEN;
        goto out;
    }
    body = dc_req_json_object_or_respond(req);
    if (!body)
        goto out;
    json_t *cv = json_object_get(body, "cover_url");
    err = DC_ERR_VALIDATION;
    if (validate_string(body, "title", false, 1, 60, true, &title) != DC_OK)
        field = "title";
    else if (validate_string(body, "description", false, 0, 1000, false, &description) != DC_OK)
        field = "description";
    else if (cv && !json_is_null(cv) &&
             (!json_is_string(cv) || !validate_https_url(cover = json_string_value(cv), 2048)))
        field = "cover_url";
    if (field)
        goto out;
    err = submissions_repo_patch(conn, s.id, title, description, cv != NULL, cover, &s);
    if (err != DC_OK)
        goto out;
    dc_reply_json(req, 200, api_submission_json(&s));
out:
    if (req->status == 0)
        dc_reply_err(req, err, field,
                     err == DC_ERR_INVALID_STATE ? "only a pending submission can be edited"
                                                 : NULL);
    db_release(conn);
    json_decref(body);
}

void submissions_api_delete(struct dc_req *req)
{
    enum dc_err err = DC_ERR_INTERNAL;
    struct db_conn *conn = NULL;
    struct dc_submission s;
    if (!api_db_acquire_or_respond(req, &conn) || !api_auth_or_respond(req, conn) ||
        !visible_submission_or_respond(req, conn, &s))
        goto out;
    bool admin = strcmp(req->auth.role, "admin") == 0;
    if (s.author_id != req->auth.account_id && !admin) {
        err = DC_ERR_FORBIDDEN;
        goto out;
    }
    err = db_begin(conn);
    if (err == DC_OK)
        err = submissions_repo_set_status(conn, s.id, "removed", NULL, &s);
    if (err == DC_OK && s.author_id != req->auth.account_id)
        err = api_audit_id(conn, req, "submission.remove", "submission", s.id, NULL);
    if (err == DC_OK)
        err = db_commit(conn);
    if (err == DC_OK)
        dc_reply_empty(req, 204);
out:
    if (req->status == 0)
        dc_reply_err(req, err, NULL, NULL);
    db_release(conn);
}

void submissions_api_queue(struct dc_req *req)
{
    enum dc_err err = DC_ERR_INTERNAL;
    struct db_conn *conn = NULL;
    struct dc_submission *items = NULL;
    size_t n = 0;
    int limit;
    int64_t after, unused;
    const char *status = dc_req_query(req, "status");
    if (!status)
        status = "pending";
    if (!validate_one_of(status, STATUSES)) {
        dc_reply_err(req, DC_ERR_VALIDATION, "status", "status is not a submission status");
        goto out;
    }
    if (!api_page_or_respond(req, &limit, &after, &unused) ||
        !api_db_acquire_or_respond(req, &conn) || !api_auth_role_or_respond(req, conn, MODERATORS))
        goto out;
    err = submissions_repo_queue(conn, status, after, limit + 1, &items, &n);
    if (err == DC_OK)
        api_reply_page(req, items, n, limit, sizeof *items, api_submission_json, submission_key);
out:
    if (req->status == 0)
        dc_reply_err(req, err, NULL, NULL);
    db_release(conn);
    free(items);
}

void submissions_api_review(struct dc_req *req)
{
    enum dc_err err = DC_ERR_INTERNAL;
    const char *field = NULL;
    struct db_conn *conn = NULL;
    struct dc_submission s;
    json_t *body = NULL;
    const char *decision, *reason;
    int64_t id;
    if (!api_db_acquire_or_respond(req, &conn) || !api_auth_role_or_respond(req, conn, MODERATORS))
        goto out;
    body = dc_req_json_object_or_respond(req);
    if (!body)
        goto out;
    static const char *const DECISIONS[] = {"approve", "reject", NULL};
    err = DC_ERR_VALIDATION;
    if (validate_string(body, "decision", true, 1, 16, true, &decision) != DC_OK ||
        !validate_one_of(decision, DECISIONS))
        field = "decision";
    else if (validate_string(body, "reason", strcmp(decision, "reject") == 0, 1, 500, true,
                             &reason) != DC_OK)
        field = "reason";
    if (field)
        goto out;
    err = validate_id(dc_req_param(req, "id"), &id) ? db_begin(conn) : DC_ERR_NOT_FOUND;
    bool approve = strcmp(decision, "approve") == 0;
    if (err == DC_OK)
        err = submissions_repo_get(conn, id, 0, &s);
    /* a removed submission stays removed */
    if (err == DC_OK && strcmp(s.status, "removed") == 0)
        err = DC_ERR_INVALID_STATE;
    if (err == DC_OK)
        err = submissions_repo_set_status(conn, id, approve ? "approved" : "rejected",
                                          approve ? NULL : reason, &s);
    if (err == DC_OK)
        err = api_audit_id(conn, req, approve ? "submission.approve" : "submission.reject",
                           "submission", id, reason ? json_pack("{s:s}", "reason", reason) : NULL);
    if (err == DC_OK)
        err = db_commit(conn);
    if (err == DC_OK)
        dc_reply_json(req, 200, api_submission_json(&s));
out:
    if (req->status == 0)
        dc_reply_err(req, err, field,
                     err == DC_ERR_INVALID_STATE ? "a removed submission cannot be reviewed"
                                                 : NULL);
    db_release(conn);
    json_decref(body);
}

void submissions_api_recommend(struct dc_req *req)
{
    enum dc_err err = DC_ERR_INTERNAL;
    struct db_conn *conn = NULL;
    struct dc_submission s;
    json_t *body = NULL;
    char *channels = NULL;
    int64_t id;
    if (!api_db_acquire_or_respond(req, &conn) || !api_auth_role_or_respond(req, conn, ADMIN))
        goto out;
    body = dc_req_json_object_or_respond(req);
    if (!body)
        goto out;
    json_t *ch = json_object_get(body, "channels");
    size_t n = json_array_size(ch);
    bool ok = json_is_array(ch) && n >= 1 && n <= 20;
    for (size_t i = 0; ok && i < n; i++) {
        const char *c = json_string_value(json_array_get(ch, i));
        ok = c && validate_utf8_len(c) >= 1 && validate_utf8_len(c) <= 50 &&
             validate_no_control(c) && !strpbrk(c, "\"\\{},");
    }
    if (!ok) {
        dc_reply_err(req, DC_ERR_VALIDATION, "channels",
                     "channels must be 1-20 names of 1-50 characters");
        goto out;
    }
    /* a text[] literal: the names were checked free of quotes, braces and commas */
    size_t cap = 3;
    for (size_t i = 0; i < n; i++)
        cap += strlen(json_string_value(json_array_get(ch, i))) + 3;
    channels = malloc(cap);
    if (!channels)
        goto out;
    strcpy(channels, "{");
    for (size_t i = 0; i < n; i++) {
        strcat(channels, i ? ",\"" : "\"");
        strcat(channels, json_string_value(json_array_get(ch, i)));
        strcat(channels, "\"");
    }
    strcat(channels, "}");
    err = validate_id(dc_req_param(req, "id"), &id) ? db_begin(conn) : DC_ERR_NOT_FOUND;
    if (err == DC_OK)
        err = submissions_repo_recommend(conn, id, channels, &s);
    if (err == DC_OK)
        err = api_audit_id(conn, req, "submission.recommend", "submission", id,
                           json_pack("{s:O}", "channels", ch));
    if (err == DC_OK)
        err = db_commit(conn);
    if (err == DC_OK)
        dc_reply_json(req, 200, api_submission_json(&s));
out:
    if (req->status == 0)
        dc_reply_err(req, err, NULL,
                     err == DC_ERR_INVALID_STATE ? "only an approved submission can be recommended"
                                                 : NULL);
    db_release(conn);
    json_decref(body);
    free(channels);
}
