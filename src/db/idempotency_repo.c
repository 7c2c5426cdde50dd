/*
 * idempotency_repo.c - SQL for Idempotency-Key records of POST
 * /v1/submissions: a key is claimed inside the creating transaction, so
 * that two requests racing with one key still create one submission.
 */
#include "drillcamp/contest.h"

static const struct db_stmt IDEM_EXPIRE = {
    "idempotency_expire",
    "DELETE FROM idempotency_keys WHERE account_id = $1 AND key = $2"
    " AND created_at < now() - interval '24 hours'",
    2};

static const struct db_stmt IDEM_CLAIM = {
    "idempotency_claim",
    "INSERT INTO idempotency_keys (account_id, key, request_hash) VALUES ($1, $2, $3)"
    " ON CONFLICT DO NOTHING RETURNING 1",
    3};

static const struct db_stmt IDEM_GET = {
    "idempotency_get",
    "SELECT request_hash, coalesce(status, 0), coalesce(response, '') FROM idempotency_keys"
    " WHERE account_id = $1 AND key = $2",
    2};

static const struct db_stmt IDEM_STORE = {
    "idempotency_store",
    "UPDATE idempotency_keys SET status = $3, response = $4 WHERE account_id = $1 AND key = $2", 4};

static void stored_from_row(const PGresult *r, int i, void *item)
{
    struct dc_idem *x = item;
    x->hash = db_text(r, i, 0);
    x->status = db_int(r, i, 1);
    x->response = db_text(r, i, 2);
}

enum dc_err idempotency_repo_claim(struct db_conn *c, int64_t account_id, const char *key,
                                   const char *request_hash, struct dc_idem *out)
{
    const char *p[] = {db_arg_i64(c, account_id), key, request_hash};
    int64_t one = 0;
    *out = (struct dc_idem){0};
    enum dc_err err = db_exec_void(c, &IDEM_EXPIRE, p);
    if (err == DC_OK)
        err = db_query_one(c, &IDEM_CLAIM, p, db_row_i64, &one);
    out->fresh = err == DC_OK;
    if (err != DC_ERR_NOT_FOUND)
        return err;
    /* a concurrent holder has committed by now (the insert waited for it) */
    err = db_query_one(c, &IDEM_GET, p, stored_from_row, out);
    return err == DC_ERR_NOT_FOUND ? DC_ERR_CONFLICT : err;
}

enum dc_err idempotency_repo_store(struct db_conn *c, int64_t account_id, const char *key,
                                   int status, const char *response)
{
    const char *p[] = {db_arg_i64(c, account_id), key, db_arg_i64(c, status), response};
    return db_exec_void(c, &IDEM_STORE, p);
}
