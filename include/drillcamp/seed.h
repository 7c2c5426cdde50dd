/*
 * seed.h - demo data for `drillcamp seed-demo` (idempotent: safe to rerun).
 */
#ifndef DRILLCAMP_SEED_H
#define DRILLCAMP_SEED_H

#include "drillcamp/db.h"

/* Writes what it created to stdout; existing rows are left as they are. */
enum dc_err seed_demo(struct db_conn *c);

#endif
