/*
 * server.h - the HTTP daemon: start, wait for SIGTERM/SIGINT, drain, stop.
 */
#ifndef DRILLCAMP_SERVER_H
#define DRILLCAMP_SERVER_H

#include "drillcamp/err.h"

/* Serves with dc_config until SIGTERM or SIGINT; in-flight requests finish.
 * Returns DC_OK on a clean stop. */
enum dc_err server_run(void);

#endif
