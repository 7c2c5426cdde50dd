/*
 * routes.c - the one route table. Order matters only between patterns that
 * could match the same path: literal segments before parameters.
 */
#include "drillcamp/api.h"
#include "drillcamp/router.h"

/* API.md section 1: 8 MiB on /v1/partner/{*}/batch, 1 MiB elsewhere */
#define BATCH_BODY_LIMIT ((size_t)8 << 20)

const struct dc_route dc_routes[] = {
    {"GET", "/healthz", health_api_healthz, 0},
    {"GET", "/readyz", health_api_readyz, 0},
    {"GET", "/metrics", health_api_metrics, 0},

    {"POST", "/v1/accounts", accounts_api_register, 0},
    {"POST", "/v1/sessions", sessions_api_login, 0},
    {"DELETE", "/v1/sessions/current", sessions_api_logout, 0},
    {"GET", "/v1/me", me_api_get, 0},
    {"PATCH", "/v1/me", me_api_patch, 0},
    {"PUT", "/v1/admin/accounts/:id/role", accounts_api_set_role, 0},

    {"GET", "/v1/regions", regions_api_list, 0},
    {"GET", "/v1/organizations", organizations_api_list, 0},
    {"POST", "/v1/admin/organizations", organizations_api_create, 0},

    {"GET", "/v1/campaign", campaign_api_get, 0},
    {"PATCH", "/v1/admin/campaign", campaign_api_patch, 0},
    {"GET", "/v1/categories", categories_api_list, 0},

    {"POST", "/v1/admin/lessons", lessons_api_create, 0},
    {"PATCH", "/v1/admin/lessons/:id", lessons_api_patch, 0},
    {"GET", "/v1/lessons", lessons_api_list, 0},
    {"GET", "/v1/lessons/:id", lessons_api_get, 0},

    {"POST", "/v1/admin/livestreams", livestreams_api_create, 0},
    {"POST", "/v1/admin/livestreams/:id/start", livestreams_api_start, 0},
    {"POST", "/v1/admin/livestreams/:id/end", livestreams_api_end, 0},
    {"GET", "/v1/livestreams", livestreams_api_list, 0},
    {"GET", "/v1/livestreams/:id", livestreams_api_get, 0},
    {"PUT", "/v1/livestreams/:id/reservation", reservations_api_put, 0},
    {"DELETE", "/v1/livestreams/:id/reservation", reservations_api_delete, 0},
    {"GET", "/v1/me/reservations", reservations_api_list, 0},

    {"POST", "/v1/progress", progress_api_post, 0},
    {"GET", "/v1/me/progress", progress_api_mine, 0},
    {"POST", "/v1/checkins", checkins_api_post, 0},
    {"GET", "/v1/me/checkins", checkins_api_mine, 0},

    {"POST", "/v1/me/certificate", certificates_api_claim, 0},
    {"GET", "/v1/certificates/public-key", certificates_api_public_key, 0},
    {"GET", "/v1/certificates/:serial.svg", certificates_api_svg, 0},
    {"GET", "/v1/certificates/:serial", certificates_api_get, 0},
    {"POST", "/v1/admin/certificates/:serial/revoke", certificates_api_revoke, 0},

    {"POST", "/v1/submissions", submissions_api_create, 0},
    {"GET", "/v1/submissions", submissions_api_list, 0},
    {"GET", "/v1/submissions/:id", submissions_api_get, 0},
    {"PATCH", "/v1/submissions/:id", submissions_api_patch, 0},
    {"DELETE", "/v1/submissions/:id", submissions_api_delete, 0},
    {"PUT", "/v1/submissions/:id/like", likes_api_put, 0},
    {"DELETE", "/v1/submissions/:id/like", likes_api_delete, 0},
    {"GET", "/v1/admin/submissions", submissions_api_queue, 0},
    {"POST", "/v1/admin/submissions/:id/review", submissions_api_review, 0},
    {"POST", "/v1/admin/submissions/:id/recommend", submissions_api_recommend, 0},
    {"GET", "/v1/leaderboard", leaderboard_api_get, 0},
    {"POST", "/v1/admin/leaderboard/freeze", leaderboard_api_freeze, 0},
    {"GET", "/v1/admin/winners.csv", leaderboard_api_winners_csv, 0},

    {"POST", "/v1/admin/partners", partners_api_create, 0},
    {"PUT", "/v1/partner/users/:external_user_id", partner_users_api_put, 0},
    {"PUT", "/v1/partner/submissions/:external_id", partner_submissions_api_put, 0},
    {"POST", "/v1/partner/submissions/batch", partner_sync_api_submissions, BATCH_BODY_LIMIT},
    {"POST", "/v1/partner/likes/batch", partner_sync_api_likes, BATCH_BODY_LIMIT},
    {"POST", "/v1/partner/progress/batch", partner_sync_api_progress, BATCH_BODY_LIMIT},
    {"GET", "/v1/partner/changes", partner_sync_api_changes, 0},
    {"GET", "/v1/admin/audit", audit_api_list, 0},
    {"GET", "/v1/admin/stats", reports_api_stats, 0},
    {"GET", "/v1/admin/stats.csv", reports_api_stats_csv, 0},
    {"GET", "/v1/admin/certificates.csv", reports_api_certificates_csv, 0},

    {NULL, NULL, NULL, 0},
};

size_t dc_routes_count(void)
{
    return sizeof dc_routes / sizeof dc_routes[0] - 1;
}
