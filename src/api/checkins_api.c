/*
 * checkins_api.c - daily check-ins (签到): POST /v1/checkins (201 the
 * first of a Beijing day, 200 again that day) and GET /v1/me/checkins.
 */
#include "drillcamp/api.h"
#include "drillcamp/learning.h"

/* The current streak: it lives while the last check-in is today or yesterday. */
static int current_streak(const struct dc_learner *l, int64_t today)
{
    return l->last_checkin_day >= today - 1 ? l->streak_days : 0;
}

/* Route: bearer. */
enum dc_err checkins_api_post(struct dc_req *req)
{
    struct dc_campaign camp;
    struct dc_learner l;
    bool inserted = false;
    double now = campaign_now();
    int64_t today = progress_beijing_day((time_t)now);
    enum dc_err err = api_campaign_gate(req->db, ACT_CHECKIN, &camp);
    if (err == DC_OK)
        err = db_begin(req->db);
    if (err == DC_OK)
        err = learners_repo_lock(req->db, req->auth.account_id, camp.rules.max_playback_rate, now,
                                 &l);
    if (err == DC_OK)
        err = checkins_repo_insert(req->db, req->auth.account_id, today, &inserted);
    if (err == DC_OK && inserted) {
        l.streak_days = l.last_checkin_day == today - 1 ? l.streak_days + 1 : 1;
        l.checkin_days++;
        l.last_checkin_day = today;
        err = learners_repo_save(req->db, req->auth.account_id, &l);
    }
    if (err == DC_OK)
        err = db_commit(req->db);
    if (err != DC_OK)
        return err;
    char date[11];
    progress_day_string(today, date);
    return dc_reply_json(req, inserted ? 201 : 200,
                         json_pack("{s:s, s:i, s:i}", "date", date, "streak_days",
                                   current_streak(&l, today), "total_days", l.checkin_days));
}

static json_t *day_json(const void *item)
{
    return json_string(*(const char *const *)item);
}

/* Route: bearer. */
enum dc_err checkins_api_mine(struct dc_req *req)
{
    struct dc_learner l;
    const char **days;
    size_t n;
    enum dc_err err = learners_repo_get(req->db, req->auth.account_id, &l);
    if (err == DC_OK)
        err = checkins_repo_days(req->db, req->auth.account_id, &days, &n);
    if (err != DC_OK)
        return err;
    json_t *arr = api_json_array(days, n, sizeof *days, day_json);
    int64_t today = progress_beijing_day((time_t)campaign_now());
    return dc_reply_json(req, 200,
                         json_pack("{s:i, s:i, s:o}", "total_days", l.checkin_days, "streak_days",
                                   current_streak(&l, today), "dates", arr));
}
