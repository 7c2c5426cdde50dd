/*
 * health_api.c - GET /healthz (the process answers), GET /readyz (the
 * database answers) and GET /metrics (Prometheus text).
 */
#include <stdlib.h>

#include "drillcamp/api.h"
#include "drillcamp/metrics.h"

static const struct db_stmt PING = {"health_ping", "SELECT 1", 0};

void health_api_healthz(struct dc_req *req)
{
    dc_reply_json(req, 200, json_pack("{s:s}", "status", "ok"));
}

void health_api_readyz(struct dc_req *req)
{
    struct db_conn *conn = NULL;
    PGresult *r = NULL;
    if (!api_db_acquire_or_respond(req, &conn))
        goto out;
    enum dc_err err = db_exec(conn, &PING, NULL, &r, NULL);
    if (err != DC_OK) {
        dc_reply_err(req, DC_ERR_UNAVAILABLE, NULL, NULL);
        goto out;
    }
    dc_reply_json(req, 200, json_pack("{s:s}", "status", "ready"));
out:
    PQclear(r);
    db_release(conn);
}

void health_api_metrics(struct dc_req *req)
{
    char *text;
    size_t len;
    if (metrics_render(&text, &len) != 0) {
        dc_reply_err(req, DC_ERR_NOMEM, NULL, NULL);
        return;
    }
    dc_reply_text(req, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
}
