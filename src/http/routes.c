/*
 * routes.c - the one route table: each route with what it needs (who may
 * call it, which database, its rate limit, a JSON body, its body limit),
 * which the dispatcher (dispatch.c) provides before the handler runs.
 * Order matters only between patterns that could match the same path:
 * literal segments before parameters.
 */
#include "drillcamp/api.h"
#include "drillcamp/router.h"

/* who may call (the dispatcher answers 401/403) */
#define ANYONE   .auth = DC_AUTH_NONE
#define OPTIONAL .auth = DC_AUTH_OPTIONAL /* anyone; a token, when sent, must be valid */
#define USER     .auth = DC_AUTH_BEARER
#define STAFF    .auth = DC_AUTH_BEARER, .roles = DC_ROLES_STAFF
#define ADMIN    .auth = DC_AUTH_BEARER, .roles = DC_ROLE_ADMIN
/* a partner's signature; each partner key is rate limited */
#define PARTNER .auth = DC_AUTH_PARTNER, .rate = RL_PARTNER_KEY
/* which database: the primary, or a replica that may lag a second */
#define PRIMARY .db = DC_DB_PRIMARY
#define REPLICA .db = DC_DB_READ
#define REPORT  .db = DC_DB_REPORT
/* the body is a JSON object (400 invalid_json otherwise) */
#define JSON .flags = DC_ROUTE_JSON

const struct dc_route dc_routes[] = {
    {"GET", "/healthz", health_api_healthz, ANYONE},
    {"GET", "/readyz", health_api_readyz, PRIMARY},
    {"GET", "/metrics", health_api_metrics, ANYONE},

    {"POST", "/v1/accounts", accounts_api_register, PRIMARY, JSON, .rate = RL_REGISTER_IP},
    {"POST", "/v1/sessions", sessions_api_login, PRIMARY, JSON, .rate = RL_LOGIN_IP},
    {"DELETE", "/v1/sessions/current", sessions_api_logout, USER, PRIMARY},
    {"GET", "/v1/me", me_api_get, USER, PRIMARY},
    {"PATCH", "/v1/me", me_api_patch, USER, PRIMARY, JSON},
    {"PUT", "/v1/admin/accounts/:id/role", accounts_api_set_role, ADMIN, PRIMARY, JSON},

    {"GET", "/v1/regions", regions_api_list, REPLICA},
    {"GET", "/v1/organizations", organizations_api_list, REPLICA},
    {"POST", "/v1/admin/organizations", organizations_api_create, ADMIN, PRIMARY, JSON},

    {"GET", "/v1/campaign", campaign_api_get, ANYONE},
    {"PATCH", "/v1/admin/campaign", campaign_api_patch, ADMIN, PRIMARY, JSON},
    {"GET", "/v1/categories", categories_api_list, REPLICA},

    {"POST", "/v1/admin/lessons", lessons_api_create, ADMIN, PRIMARY, JSON},
    {"PATCH", "/v1/admin/lessons/:id", lessons_api_patch, ADMIN, PRIMARY, JSON},
    {"GET", "/v1/lessons", lessons_api_list, REPLICA},
    {"GET", "/v1/lessons/:id", lessons_api_get, REPLICA},

    {"POST", "/v1/admin/livestreams", livestreams_api_create, ADMIN, PRIMARY, JSON},
    {"POST", "/v1/admin/livestreams/:id/start", livestreams_api_start, ADMIN, PRIMARY},
    {"POST", "/v1/admin/livestreams/:id/end", livestreams_api_end, ADMIN, PRIMARY, JSON},
    {"GET", "/v1/livestreams", livestreams_api_list, OPTIONAL, REPLICA},
    {"GET", "/v1/livestreams/:id", livestreams_api_get, OPTIONAL, REPLICA},
    {"PUT", "/v1/livestreams/:id/reservation", reservations_api_put, USER, PRIMARY},
    {"DELETE", "/v1/livestreams/:id/reservation", reservations_api_delete, USER, PRIMARY},
    {"GET", "/v1/me/reservations", reservations_api_list, USER, PRIMARY},

    {"POST", "/v1/progress", progress_api_post, USER, PRIMARY, JSON, .rate = RL_PROGRESS_ACCOUNT},
    {"GET", "/v1/me/progress", progress_api_mine, USER, PRIMARY},
    {"POST", "/v1/checkins", checkins_api_post, USER, PRIMARY},
    {"GET", "/v1/me/checkins", checkins_api_mine, USER, PRIMARY},

    {"POST", "/v1/me/certificate", certificates_api_claim, USER, PRIMARY},
    {"GET", "/v1/certificates/public-key", certificates_api_public_key, ANYONE},
    {"GET", "/v1/certificates/:serial.svg", certificates_api_svg, REPLICA},
    {"GET", "/v1/certificates/:serial.png", certificate_png_api_get, REPLICA},
    {"GET", "/verify/:serial", certificates_api_page, REPLICA},
    {"GET", "/v1/certificates/:serial", certificates_api_get, REPLICA},
    {"POST", "/v1/admin/certificates/:serial/revoke", certificates_api_revoke, ADMIN, PRIMARY,
     JSON},

    {"POST", "/v1/submissions", submissions_api_create, USER, PRIMARY, JSON},
    {"GET", "/v1/submissions", submissions_api_list, OPTIONAL, REPLICA},
    {"GET", "/v1/submissions/:id", submissions_api_get, OPTIONAL, REPLICA},
    {"PATCH", "/v1/submissions/:id", submissions_api_patch, USER, PRIMARY, JSON},
    {"DELETE", "/v1/submissions/:id", submissions_api_delete, USER, PRIMARY},
    {"PUT", "/v1/submissions/:id/like", likes_api_put, USER, PRIMARY, .rate = RL_LIKES_ACCOUNT},
    {"DELETE", "/v1/submissions/:id/like", likes_api_delete, USER, PRIMARY,
     .rate = RL_LIKES_ACCOUNT},
    {"GET", "/v1/admin/submissions", submissions_api_queue, STAFF, PRIMARY},
    {"POST", "/v1/admin/submissions/:id/review", submissions_api_review, STAFF, PRIMARY, JSON},
    {"POST", "/v1/admin/submissions/:id/recommend", submissions_api_recommend, ADMIN, PRIMARY,
     JSON},
    {"GET", "/v1/leaderboard", leaderboard_api_get, ANYONE},
    {"POST", "/v1/admin/leaderboard/freeze", leaderboard_api_freeze, ADMIN, PRIMARY},
    {"GET", "/v1/admin/winners.csv", leaderboard_api_winners_csv, ADMIN, PRIMARY},

    {"POST", "/v1/admin/partners", partners_api_create, ADMIN, PRIMARY, JSON},
    {"PUT", "/v1/partner/users/:external_user_id", partner_users_api_put, PARTNER, PRIMARY, JSON},
    {"PUT", "/v1/partner/submissions/:external_id", partner_submissions_api_put, PARTNER, PRIMARY,
     JSON},
    {"POST", "/v1/partner/submissions/batch", partner_sync_api_submissions, PARTNER, PRIMARY, JSON,
     .body_limit = DC_BODY_LIMIT_BATCH},
    {"POST", "/v1/partner/likes/batch", partner_sync_api_likes, PARTNER, PRIMARY, JSON,
     .body_limit = DC_BODY_LIMIT_BATCH},
    {"POST", "/v1/partner/progress/batch", partner_sync_api_progress, PARTNER, PRIMARY, JSON,
     .body_limit = DC_BODY_LIMIT_BATCH},
    {"GET", "/v1/partner/changes", partner_sync_api_changes, PARTNER, PRIMARY},
    {"GET", "/v1/admin/audit", audit_api_list, ADMIN, PRIMARY},
    {"GET", "/v1/admin/stats", reports_api_stats, ADMIN, REPORT},
    {"GET", "/v1/admin/stats.csv", reports_api_stats_csv, ADMIN, REPORT},
    {"GET", "/v1/admin/certificates.csv", reports_api_certificates_csv, ADMIN, REPORT},

    {NULL, NULL, NULL, ANYONE},
};

size_t dc_routes_count(void)
{
    return sizeof dc_routes / sizeof dc_routes[0] - 1;
}
