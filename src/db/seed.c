/*
 * seed.c - a small live system for demos: organizations across Fujian's
 * cities, a demo admin, a moderator and a few users with Chinese names,
 * lessons and livestreams with Chinese titles, and a campaign running today.
 * Every insert is skipped when its row exists, so the run command can call
 * it on every start.
 */
#include "drillcamp/seed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drillcamp/accounts.h"
#include "drillcamp/config.h"
#include "drillcamp/encode.h"
#include "drillcamp/partner.h"
#include "drillcamp/password.h"

/* Demo credentials, printed by seed-demo; never use them outside a demo. */
#define DEMO_PASSWORD "demo-pass-2026"

static const struct db_stmt ORG_UPSERT = {
    "seed_org",
    "WITH found AS (SELECT id FROM organizations WHERE name = $1 AND region_code = $3),"
    " made AS (INSERT INTO organizations (name, type, region_code) SELECT $1, $2, $3"
    " WHERE NOT EXISTS (SELECT 1 FROM found) RETURNING id)"
    " SELECT id FROM found UNION ALL SELECT id FROM made",
    3};

struct seed_org {
    const char *name, *type, *region;
};

static const struct seed_org ORGS[] = {
    {"福州市应急管理局", "government", "350100"},
    {"厦门大学", "university", "350200"},
    {"莆田市第一中学", "school", "350300"},
    {"三明市钢铁集团", "enterprise_local", "350400"},
    {"泉州市丰泽区东海街道社区", "community", "350500"},
    {"漳州市实验幼儿园", "kindergarten", "350600"},
    {"南平市武夷山村委会", "village", "350700"},
    {"龙岩市国有电网公司", "enterprise_central", "350800"},
    {"宁德市消防救援支队", "government", "350900"},
    {"平潭综合实验区实验小学", "school", "350128"},
};

struct seed_user {
    const char *phone, *name, *kind, *role, *region, *audience;
    int org; /* index into ORGS, -1 for none */
};

static const struct seed_user USERS[] = {
    {"13800000000", "演练管理员", "individual", "admin", "350100", "employee", 0},
    {"13800000001", "审核员小林", "individual", "moderator", "350100", "employee", 0},
    {"13900000001", "陈小明", "individual", "user", "350100", "resident", -1},
    {"13900000002", "林晓红", "individual", "user", "350200", "student", 1},
    {"13900000003", "王老师", "individual", "user", "350300", "teacher", 2},
    {"13900000004", "宁德市消防救援支队", "official", "user", "350900", "employee", 8},
};

static const struct db_stmt CAMPAIGN_AROUND_NOW = {
    "seed_campaign",
    "UPDATE campaigns SET warmup_at = date_trunc('day', now()) - interval '10 days',"
    " launch_at = date_trunc('day', now()) - interval '3 days',"
    " ends_at = date_trunc('day', now()) + interval '27 days', updated_at = now()"
    " WHERE id = 1 AND NOT (now() BETWEEN warmup_at AND ends_at)",
    0};

static const struct db_stmt LESSON_SEED = {
    "seed_lesson",
    "INSERT INTO lessons (title, category, duration_seconds, video_url, cover_url, description)"
    " SELECT $1, $2, $3::int, $4, $5, $6 WHERE NOT EXISTS (SELECT 1 FROM lessons WHERE title = $1)",
    6};

/* status: 'scheduled' (tomorrow), 'live' (started 10 minutes ago) or 'ended'
 * (yesterday, with its replay) */
static const struct db_stmt LIVESTREAM_SEED = {
    "seed_livestream",
    "INSERT INTO livestreams (title, expert, scheduled_at, description, status, started_at,"
    " ended_at, duration_seconds, replay_url)"
    " SELECT $1, $2, CASE $3 WHEN 'scheduled' THEN now() + interval '1 day'"
    " WHEN 'live' THEN now() - interval '10 minutes' ELSE now() - interval '1 day' END, $4, $3,"
    " CASE $3 WHEN 'live' THEN now() - interval '10 minutes'"
    " WHEN 'ended' THEN now() - interval '1 day' END,"
    " CASE WHEN $3 = 'ended' THEN now() - interval '1 day' + interval '1 hour' END,"
    " CASE WHEN $3 = 'ended' THEN 3600 END, CASE WHEN $3 = 'ended' THEN $5 END"
    " WHERE NOT EXISTS (SELECT 1 FROM livestreams WHERE title = $1)",
    5};

struct seed_lesson {
    const char *title, *category, *duration, *video, *cover, *description;
};

static const struct seed_lesson LESSONS[] = {
    {"高楼火灾，电梯能不能坐？", "high_rise_fire_escape", "1800",
     "https://media.example.com/lessons/high-rise-escape.mp4",
     "https://media.example.com/covers/high-rise-escape.jpg", "湿毛巾捂口鼻，沿疏散楼梯低姿撤离。"},
    {"电动自行车充电的五个禁忌", "ebike_charging", "1200",
     "https://media.example.com/lessons/ebike-charging.mp4", NULL,
     "不在楼道、室内充电，不私拉电线。"},
    {"家庭燃气泄漏怎么办", "household_electricity_gas", "1500",
     "https://media.example.com/lessons/gas-leak.mp4", NULL, "关阀门、开窗通风、不动电器开关。"},
    {"暴雨洪水来临时的自救", "flood", "2400", "https://media.example.com/lessons/flood.mp4", NULL,
     "远离河道与低洼地带，及时向高处转移。"},
    {"校园火灾疏散演练全流程", "school_fire", "3600",
     "https://media.example.com/lessons/school-drill.mp4", NULL, "老师引导，按预定路线有序撤离。"},
    {"商场着火如何找到安全出口", "commercial_complex", "1800",
     "https://media.example.com/lessons/mall-exit.mp4", NULL, "留意疏散指示标志，不乘电梯。"},
    {"防溺水“六不”", "drowning", "1200", "https://media.example.com/lessons/drowning.mp4", NULL,
     "不私自下水游泳，不擅自与他人结伴游泳。"},
    {"山区地质灾害避险要点", "geological", "2700",
     "https://media.example.com/lessons/landslide.mp4", NULL, "发现异常，立即向两侧高处撤离。"},
};

struct seed_live {
    const char *title, *expert, *status, *description, *replay;
};

static const struct seed_live LIVES[] = {
    {"消防专家直播：家庭火灾逃生计划", "李建国（省消防救援总队）", "live",
     "手把手教你画一张家庭逃生路线图。", NULL},
    {"应急管理大讲堂：企业应急演练怎么做", "王敏（应急管理研究院）", "ended",
     "从预案到复盘，企业演练全流程。", "https://media.example.com/replays/enterprise-drill.m3u8"},
    {"防汛专家在线答疑", "陈海（水利厅防汛办）", "scheduled", "汛期来临前的准备清单。", NULL},
};

/* $1 author phone, $2 title, $3 category, $4 status */
static const struct db_stmt SUBMISSION_SEED = {
    "seed_submission",
    "INSERT INTO submissions (author_id, title, description, category, video_url, cover_url,"
    " duration_seconds, format, size_bytes, hashtags, status, reject_reason)"
    " SELECT a.id, $2, '演练现场记录', $3, 'https://media.example.com/ugc/' || md5($2) || '.mp4',"
    " 'https://media.example.com/ugc/' || md5($2) || '.jpg', 90, 'mp4', 52428800,"
    " ARRAY['逃生演练训练营', '安全生产月'], $4,"
    " CASE WHEN $4 = 'rejected' THEN '画面与主题无关' END"
    " FROM accounts a WHERE a.phone = $1"
    " AND NOT EXISTS (SELECT 1 FROM submissions WHERE title = $2)",
    4};

/* $1 liker phone, $2 submission title */
static const struct db_stmt LIKE_SEED = {
    "seed_like",
    "INSERT INTO likes (submission_id, account_id) SELECT s.id, a.id FROM submissions s,"
    " accounts a WHERE s.title = $2 AND a.phone = $1 AND s.author_id <> a.id"
    " ON CONFLICT DO NOTHING",
    2};

/* seeded likes go straight to the likes table: recount those submissions
 * from it (and drop their unfolded shards, which the recount includes) */
static const struct db_stmt RECOUNT_SEED = {
    "seed_recount",
    "WITH d AS (DELETE FROM like_shards WHERE submission_id IN (SELECT id FROM submissions"
    " WHERE description = '演练现场记录')) UPDATE submissions s SET like_count = (SELECT count(*) "
    "FROM likes l"
    " WHERE l.submission_id = s.id), last_like_at = (SELECT max(created_at) FROM likes l"
    " WHERE l.submission_id = s.id) WHERE s.description = '演练现场记录'",
    0};

struct seed_submission {
    const char *phone, *title, *category, *status;
};

static const struct seed_submission SUBMISSIONS[] = {
    {"13900000001", "我家的高楼逃生路线", "high_rise_fire_escape", "approved"},
    {"13900000002", "宿舍楼消防演练", "school_fire", "approved"},
    {"13900000003", "课堂上的防溺水小课", "drowning", "approved"},
    {"13900000004", "支队开放日：灭火器使用", "fire", "approved"},
    {"13900000001", "楼道里的电动车隐患", "ebike_charging", "pending"},
    {"13900000002", "随手拍：商场安全出口", "commercial_complex", "rejected"},
};

/* each liker likes the titles of the approved submissions named here */
static const char *const LIKES[][2] = {
    {"13900000002", "我家的高楼逃生路线"}, {"13900000003", "我家的高楼逃生路线"},
    {"13900000004", "我家的高楼逃生路线"}, {"13900000001", "宿舍楼消防演练"},
    {"13900000003", "宿舍楼消防演练"},     {"13900000001", "支队开放日：灭火器使用"},
};

static enum dc_err seed_contest(struct db_conn *c)
{
    enum dc_err err = DC_OK;
    for (size_t i = 0; err == DC_OK && i < sizeof SUBMISSIONS / sizeof SUBMISSIONS[0]; i++) {
        const struct seed_submission *x = &SUBMISSIONS[i];
        const char *p[] = {x->phone, x->title, x->category, x->status};
        err = db_exec_void(c, &SUBMISSION_SEED, p);
    }
    for (size_t i = 0; err == DC_OK && i < sizeof LIKES / sizeof LIKES[0]; i++)
        err = db_exec_void(c, &LIKE_SEED, LIKES[i]);
    if (err == DC_OK)
        err = db_exec_void(c, &RECOUNT_SEED, NULL);
    return err;
}

/* Lessons, livestreams (one live, one ended with its replay, one to come)
 * and a campaign running today. */
static enum dc_err seed_learning(struct db_conn *c)
{
    enum dc_err err = db_exec_void(c, &CAMPAIGN_AROUND_NOW, NULL);
    for (size_t i = 0; err == DC_OK && i < sizeof LESSONS / sizeof LESSONS[0]; i++) {
        const struct seed_lesson *l = &LESSONS[i];
        const char *p[] = {l->title, l->category, l->duration, l->video, l->cover, l->description};
        err = db_exec_void(c, &LESSON_SEED, p);
    }
    for (size_t i = 0; err == DC_OK && i < sizeof LIVES / sizeof LIVES[0]; i++) {
        const struct seed_live *l = &LIVES[i];
        const char *p[] = {l->title, l->expert, l->status, l->description, l->replay};
        err = db_exec_void(c, &LIVESTREAM_SEED, p);
    }
    return err;
}

/* Learners across Fujian's divisions (phones 1377 + division + number), so
 * that the regional report has something in every row: each has watched
 * the first (id mod 6) lessons whole, every third checked in today. */
#define DEMO_PEOPLE "phone LIKE '1377%'"

static const struct db_stmt PEOPLE_SEED = {
    "seed_people",
    "WITH cities(code, n) AS (VALUES ('350100', 12), ('350200', 10), ('350300', 6),"
    " ('350400', 5), ('350500', 9), ('350600', 7), ('350700', 4), ('350800', 5), ('350900', 6),"
    " ('350128', 3))"
    " INSERT INTO accounts (phone, password_hash, display_name, kind, role, region_code,"
    " organization_id, audience)"
    " SELECT '1377' || substr(c.code, 3, 4) || lpad(g.i::text, 3, '0'), $1,"
    " (ARRAY['张', '李', '王', '陈', '林', '黄', '吴', '郑'])[1 + g.i % 8]"
    " || (ARRAY['晓', '志', '海', '丽', '明', '建'])[1 + (g.i / 8) % 6]"
    " || (ARRAY['华', '强', '燕', '军', '芳', '伟', '玲'])[1 + g.i % 7],"
    " 'individual', 'user', c.code, CASE WHEN g.i % 2 = 0 THEN"
    " (SELECT min(o.id) FROM organizations o WHERE o.region_code = c.code) END,"
    " (ARRAY['employee', 'student', 'teacher', 'resident', 'public'])[1 + g.i % 5]"
    " FROM cities c CROSS JOIN LATERAL generate_series(1, c.n) AS g(i)"
    " ON CONFLICT (phone) DO NOTHING",
    1};

static const struct db_stmt PEOPLE_PROGRESS_SEED = {
    "seed_people_progress",
    "INSERT INTO progress (account_id, content_type, content_id, intervals, credited_seconds)"
    " SELECT a.id, 'lesson', l.id, ARRAY[0, l.duration_seconds], l.duration_seconds"
    " FROM accounts a CROSS JOIN LATERAL (SELECT id, duration_seconds FROM lessons ORDER BY id"
    " LIMIT a.id % 6) l WHERE a." DEMO_PEOPLE
    " AND NOT EXISTS (SELECT 1 FROM learners x WHERE x.account_id = a.id)"
    " ON CONFLICT DO NOTHING",
    0};

static const struct db_stmt PEOPLE_LEARNERS_SEED = {
    "seed_people_learners",
    "INSERT INTO learners (account_id, credited_seconds, bucket_tokens, bucket_at, checkin_days,"
    " streak_days, last_checkin_day)"
    " SELECT p.account_id, sum(p.credited_seconds), 120, extract(epoch FROM now()),"
    " (p.account_id % 3 = 0)::int, (p.account_id % 3 = 0)::int,"
    " CASE WHEN p.account_id % 3 = 0 THEN (now() AT TIME ZONE 'Asia/Shanghai')::date END"
    " FROM progress p JOIN accounts a ON a.id = p.account_id WHERE a." DEMO_PEOPLE
    " GROUP BY p.account_id ON CONFLICT (account_id) DO NOTHING",
    0};

static const struct db_stmt PEOPLE_CHECKINS_SEED = {
    "seed_people_checkins",
    "INSERT INTO checkins (account_id, day) SELECT l.account_id, l.last_checkin_day"
    " FROM learners l JOIN accounts a ON a.id = l.account_id WHERE a." DEMO_PEOPLE
    " AND l.last_checkin_day IS NOT NULL ON CONFLICT DO NOTHING",
    0};

/* In one transaction, so that progress, learners and check-ins agree. */
static enum dc_err seed_people(struct db_conn *c, const char *hash)
{
    enum dc_err err = db_begin(c);
    if (err == DC_OK) {
        const char *p[] = {hash};
        err = db_exec_void(c, &PEOPLE_SEED, p);
    }
    if (err == DC_OK)
        err = db_exec_void(c, &PEOPLE_PROGRESS_SEED, NULL);
    if (err == DC_OK)
        err = db_exec_void(c, &PEOPLE_LEARNERS_SEED, NULL);
    if (err == DC_OK)
        err = db_exec_void(c, &PEOPLE_CHECKINS_SEED, NULL);
    if (err == DC_OK)
        err = db_commit(c);
    else
        db_rollback(c);
    return err;
}

#define DEMO_PARTNER "演示合作平台"

static const struct db_stmt PARTNER_EXISTS = {
    "seed_partner_exists", "SELECT EXISTS (SELECT 1 FROM partners WHERE name = $1)", 1};

/* A demo partner platform; its secret is printed once, when it is made. */
static enum dc_err seed_partner(struct db_conn *c)
{
    unsigned char key[32];
    if (!partner_parse_key(dc_config.partner_key_hex, key)) {
        printf("seed-demo: no DRILLCAMP_PARTNER_KEY, so no demo partner\n");
        return DC_OK;
    }
    const char *p[] = {DEMO_PARTNER};
    bool exists = false;
    enum dc_err err = db_query_one(c, &PARTNER_EXISTS, p, db_row_bool, &exists);
    if (err != DC_OK || exists)
        return err;
    char key_id[32] = "pk_", secret[64];
    char *sealed = NULL;
    struct dc_partner out;
    err = encode_random_text(12, key_id + 3);
    if (err == DC_OK)
        err = encode_random_text(32, secret);
    if (err == DC_OK)
        err = partner_seal(key, secret, &sealed);
    if (err == DC_OK)
        err = partners_repo_insert(c, DEMO_PARTNER, key_id, sealed, &out);
    free(sealed);
    if (err == DC_OK)
        printf("seed-demo: demo partner %s: key_id %s, secret %s (shown once)\n", DEMO_PARTNER,
               key_id, secret);
    return err;
}

enum dc_err seed_demo(struct db_conn *c)
{
    int64_t org_ids[sizeof ORGS / sizeof ORGS[0]];
    char *hash = NULL;
    enum dc_err err = DC_OK;
    for (size_t i = 0; err == DC_OK && i < sizeof ORGS / sizeof ORGS[0]; i++) {
        const char *p[] = {ORGS[i].name, ORGS[i].type, ORGS[i].region};
        err = db_query_one(c, &ORG_UPSERT, p, db_row_i64, &org_ids[i]);
    }
    if (err == DC_OK)
        err = password_hash(DEMO_PASSWORD, &hash);
    int created = 0;
    for (size_t i = 0; err == DC_OK && i < sizeof USERS / sizeof USERS[0]; i++) {
        const struct seed_user *u = &USERS[i];
        bool exists;
        err = accounts_repo_phone_exists(c, u->phone, &exists);
        if (err != DC_OK || exists)
            continue;
        struct dc_account_new in = {u->phone,
                                    hash,
                                    u->name,
                                    u->kind,
                                    u->role,
                                    u->region,
                                    u->org >= 0 ? org_ids[u->org] : 0,
                                    u->audience};
        struct dc_account out;
        err = accounts_repo_insert(c, &in, &out);
        if (err == DC_ERR_PHONE_TAKEN)
            err = DC_OK;
        else if (err == DC_OK)
            created++;
    }
    if (err == DC_OK)
        err = seed_learning(c);
    if (err == DC_OK)
        err = seed_people(c, hash);
    free(hash);
    if (err == DC_OK)
        err = seed_contest(c);
    if (err == DC_OK)
        err = seed_partner(c);
    if (err == DC_OK) {
        printf("seed-demo: %zu organizations in Fujian, %d new demo accounts (and 67 learners "
               "across Fujian's cities), %zu lessons, %zu livestreams, %zu submissions with "
               "likes, the campaign runs today\n",
               sizeof ORGS / sizeof ORGS[0], created, sizeof LESSONS / sizeof LESSONS[0],
               sizeof LIVES / sizeof LIVES[0], sizeof SUBMISSIONS / sizeof SUBMISSIONS[0]);
        printf("seed-demo: demo logins (password %s): admin %s, moderator %s, user %s\n",
               DEMO_PASSWORD, USERS[0].phone, USERS[1].phone, USERS[2].phone);
    }
    return err;
}
