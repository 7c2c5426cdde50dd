/*
 * server.h - the HTTP daemon: start, wait for SIGTERM/SIGINT, drain, stop.
 */
#ifndef DRILLCAMP_SERVER_H
#define DRILLCAMP_SERVER_H

#include <signal.h>

#include "drillcamp/err.h"

/* Blocks SIGTERM and SIGINT in the calling thread (and every thread it
 * starts after), ignores SIGPIPE; call before starting any thread. set
 * receives the blocked signals. */
void server_block_signals(sigset_t *set);

/* Serves with dc_config until SIGTERM or SIGINT; in-flight requests finish.
 * Returns DC_OK on a clean stop. */
enum dc_err server_run(void);

#endif
