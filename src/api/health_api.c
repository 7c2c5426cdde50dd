/*
 * health_api.c - GET /healthz (the process answers), GET /readyz (the
 * database answers) and GET /metrics (Prometheus text).
 */
#include "drillcamp/api.h"
#include "drillcamp/metrics.h"

enum dc_err health_api_healthz(struct dc_req *req)
{
    return dc_reply_json(req, 200, json_pack("{s:s}", "status", "ok"));
}

enum dc_err health_api_readyz(struct dc_req *req)
{
    if (db_ping(req->db) != DC_OK)
        return DC_ERR_UNAVAILABLE;
    return dc_reply_json(req, 200, json_pack("{s:s}", "status", "ready"));
}

enum dc_err health_api_metrics(struct dc_req *req)
{
    char *text;
    size_t len;
    if (metrics_render(&text, &len) != 0)
        return DC_ERR_NOMEM;
    return dc_reply_text(req, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
}
