/*
 * test_campaign.c - phases, the phase gate of API.md section 3, and RFC 3339.
 */
#include <check.h>
#include <math.h>
#include <string.h>

#include "check_run.h"
#include "drillcamp/campaign.h"

static struct dc_campaign camp(void)
{
    struct dc_campaign c = {0};
    c.warmup_at = 1000;
    c.launch_at = 2000;
    c.ends_at = 3000;
    return c;
}

START_TEST(phases)
{
    struct dc_campaign c = camp();
    ck_assert_str_eq(campaign_phase_name(campaign_phase(&c, 999)), "upcoming");
    ck_assert_str_eq(campaign_phase_name(campaign_phase(&c, 1000)), "warmup");
    ck_assert_str_eq(campaign_phase_name(campaign_phase(&c, 1999)), "warmup");
    ck_assert_str_eq(campaign_phase_name(campaign_phase(&c, 2000)), "live");
    ck_assert_str_eq(campaign_phase_name(campaign_phase(&c, 2999)), "live");
    ck_assert_str_eq(campaign_phase_name(campaign_phase(&c, 3000)), "ended");
}
END_TEST

START_TEST(gate)
{
    struct dc_campaign c = camp();
    /* check-ins in warmup and live */
    ck_assert(!campaign_allows(&c, ACT_CHECKIN, 500));
    ck_assert(campaign_allows(&c, ACT_CHECKIN, 1500));
    ck_assert(campaign_allows(&c, ACT_CHECKIN, 2500));
    ck_assert(!campaign_allows(&c, ACT_CHECKIN, 3500));
    /* learning, submissions and likes only live */
    enum dc_activity live_only[] = {ACT_LEARN, ACT_SUBMIT, ACT_LIKE};
    for (int i = 0; i < 3; i++) {
        ck_assert(!campaign_allows(&c, live_only[i], 1500));
        ck_assert(campaign_allows(&c, live_only[i], 2500));
        ck_assert(!campaign_allows(&c, live_only[i], 3500));
    }
    /* certificates live and ended */
    ck_assert(!campaign_allows(&c, ACT_CERTIFICATE, 1500));
    ck_assert(campaign_allows(&c, ACT_CERTIFICATE, 2500));
    ck_assert(campaign_allows(&c, ACT_CERTIFICATE, 3500));
}
END_TEST

START_TEST(date_order)
{
    struct dc_campaign c = camp();
    ck_assert(campaign_dates_ordered(&c));
    c.launch_at = c.warmup_at;
    ck_assert(campaign_dates_ordered(&c));
    c.ends_at = c.launch_at;
    ck_assert(!campaign_dates_ordered(&c));
    c = camp();
    c.warmup_at = 2500;
    ck_assert(!campaign_dates_ordered(&c));
}
END_TEST

START_TEST(rfc3339)
{
    double t;
    ck_assert(campaign_parse_time("2023-05-31T00:00:00Z", &t));
    ck_assert(fabs(t - 1685491200) < 1e-6);
    ck_assert(campaign_parse_time("2023-05-31T08:00:00+08:00", &t));
    ck_assert(fabs(t - 1685491200) < 1e-6);
    ck_assert(campaign_parse_time("2023-05-31T00:00:00.250Z", &t));
    ck_assert(fabs(t - 1685491200.25) < 1e-6);
    const char *bad[] = {"2023-05-31",
                         "2023-05-31T00:00:00",
                         "2023-02-30T00:00:00Z",
                         "2023-13-01T00:00:00Z",
                         "2023-05-31T24:00:00Z",
                         "0000-01-01T00:00:00Z",
                         "2023-05-31T00:00:00+20:00",
                         "2023-05-31T00:00:00Zjunk",
                         ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(!campaign_parse_time(bad[i], &t), "accepted %s", bad[i]);
    char out[DC_TS_LEN];
    campaign_format_time(1685491200.9, out);
    ck_assert_str_eq(out, "2023-05-31T00:00:00Z");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("campaign");
    TCase *tc = tcase_create("campaign");
    tcase_add_test(tc, phases);
    tcase_add_test(tc, gate);
    tcase_add_test(tc, date_order);
    tcase_add_test(tc, rfc3339);
    suite_add_tcase(s, tc);
    return check_run_suite(s);
}
