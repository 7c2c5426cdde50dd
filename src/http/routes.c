/*
 * routes.c - the one route table. Order matters only between patterns that
 * could match the same path: literal segments before parameters.
 */
#include "drillcamp/api.h"
#include "drillcamp/router.h"

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

    {NULL, NULL, NULL, 0},
};

size_t dc_routes_count(void)
{
    return sizeof dc_routes / sizeof dc_routes[0] - 1;
}
