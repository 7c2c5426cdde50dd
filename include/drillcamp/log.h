/*
 * log.h - one JSON line per event on stderr.
 *
 * Callers pass only non-secret values: routes (patterns, not raw paths),
 * statuses, ids. Nothing here ever receives a password, token or phone.
 */
#ifndef DRILLCAMP_LOG_H
#define DRILLCAMP_LOG_H

#include <stdbool.h>

void log_event(const char *level, const char *component, const char *message);
void log_access(const char *method, const char *route, unsigned status, double seconds,
                const char *request_id, bool completed);

#endif
