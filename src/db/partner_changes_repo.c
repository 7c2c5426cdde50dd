/*
 * partner_changes_repo.c - SQL for the partner change feed: rows written
 * by migration 0007's trigger on submissions, read in (xid, seq) order up
 * to the oldest running transaction, so that a late commit never falls
 * behind a cursor.
 */
#include "drillcamp/contest.h"

/* rows of transactions older than every running one, each with its
 * submission's newest settled state (the latest value wins) */
static const struct db_stmt PAGE = {
    "partner_changes_page",
    "WITH horizon AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS x),"
    " page AS (SELECT c.tx, c.seq, c.submission_id FROM partner_changes c, horizon h"
    " WHERE c.partner_id = $1 AND (c.tx, c.seq) > ($2::text::xid8, $3::bigint) AND c.tx < h.x"
    " ORDER BY c.tx, c.seq LIMIT $4::int)"
    " SELECT p.tx::text, p.seq, p.submission_id, s.external_id, l.status, l.reject_reason,"
    " l.recommended, l.like_count, " DB_TS(
        "l.changed_at") " FROM page p"
                        " JOIN submissions s ON s.id = p.submission_id"
                        " CROSS JOIN LATERAL (SELECT c2.status, c2.reject_reason, c2.recommended, "
                        "c2.like_count,"
                        " c2.changed_at FROM partner_changes c2, horizon h WHERE c2.submission_id "
                        "= p.submission_id"
                        " AND c2.tx < h.x ORDER BY c2.seq DESC LIMIT 1) l"
                        " ORDER BY p.tx, p.seq",
    4};

static void change_from_row(const PGresult *r, int i, void *item)
{
    struct dc_partner_change *c = item;
    c->tx = db_i64(r, i, 0);
    c->seq = db_i64(r, i, 1);
    c->submission_id = db_i64(r, i, 2);
    c->external_id = db_text(r, i, 3);
    c->status = db_text(r, i, 4);
    c->reject_reason = db_text_or_null(r, i, 5);
    c->recommended = db_bool(r, i, 6);
    c->like_count = db_i64(r, i, 7);
    c->changed_at = db_text(r, i, 8);
}

enum dc_err partner_changes_repo_page(struct db_conn *c, int64_t partner_id, int64_t after_tx,
                                      int64_t after_seq, int limit, struct dc_partner_change **out,
                                      size_t *n)
{
    const char *p[] = {db_arg_i64(c, partner_id), db_arg_i64(c, after_tx), db_arg_i64(c, after_seq),
                       db_arg_i64(c, limit)};
    return db_query_list(c, &PAGE, p, sizeof **out, change_from_row, (void **)out, n);
}
