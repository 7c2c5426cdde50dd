/*
 * test_netaddr.c - trusted-proxy lists and the choice of a request's client
 * address: a client that is not a trusted proxy never sets its own address
 * with X-Forwarded-For; behind trusted proxies the rightmost untrusted
 * entry is the client.
 */
#include <check.h>
#include <string.h>

#include "check_run.h"
#include "drillcamp/netaddr.h"

static struct net_addr addr(const char *s)
{
    struct net_addr a;
    ck_assert_msg(net_addr_parse(s, strlen(s), &a), "%s parses", s);
    return a;
}

/* The client chosen for peer and header, as text. */
static const char *client(const struct net_list *trusted, const char *peer, const char *xff)
{
    static char out[64];
    struct net_addr p = addr(peer), c;
    net_client_addr(trusted, &p, xff, &c);
    net_addr_format(&c, out, sizeof out);
    return out;
}

START_TEST(parse_and_format)
{
    char out[64];
    struct net_addr a = addr(" 203.0.113.7 ");
    net_addr_format(&a, out, sizeof out);
    ck_assert_str_eq(out, "203.0.113.7");
    a = addr("2001:DB8::1");
    net_addr_format(&a, out, sizeof out);
    ck_assert_str_eq(out, "2001:db8::1");
    struct net_addr b;
    ck_assert(!net_addr_parse("", 0, &b));
    ck_assert(!net_addr_parse("1.2.3", 5, &b));
    ck_assert(!net_addr_parse("1.2.3.4:80", 10, &b));
    ck_assert(!net_addr_parse("unknown", 7, &b));
}
END_TEST

START_TEST(cidr_lists)
{
    struct net_list l;
    ck_assert_int_eq(net_list_parse("10.0.0.0/8, 127.0.0.1 192.168.1.0/24,::1,2001:db8::/32", &l),
                     DC_OK);
    ck_assert_uint_eq(l.n, 5);
    struct net_addr a;
    a = addr("10.200.3.4");
    ck_assert(net_list_contains(&l, &a));
    a = addr("11.0.0.1");
    ck_assert(!net_list_contains(&l, &a));
    a = addr("127.0.0.1");
    ck_assert(net_list_contains(&l, &a));
    a = addr("127.0.0.2");
    ck_assert(!net_list_contains(&l, &a));
    a = addr("192.168.1.255");
    ck_assert(net_list_contains(&l, &a));
    a = addr("192.168.2.1");
    ck_assert(!net_list_contains(&l, &a));
    a = addr("::1");
    ck_assert(net_list_contains(&l, &a));
    a = addr("2001:db8:ffff::9");
    ck_assert(net_list_contains(&l, &a));
    a = addr("2001:db9::1");
    ck_assert(!net_list_contains(&l, &a));
    net_list_free(&l);

    /* empty by default: nothing is trusted */
    ck_assert_int_eq(net_list_parse(NULL, &l), DC_OK);
    ck_assert_uint_eq(l.n, 0);
    a = addr("127.0.0.1");
    ck_assert(!net_list_contains(&l, &a));
    ck_assert_int_eq(net_list_parse("  ", &l), DC_OK);
    ck_assert_uint_eq(l.n, 0);

    /* 0.0.0.0/0 is every IPv4 address and no IPv6 one */
    ck_assert_int_eq(net_list_parse("0.0.0.0/0", &l), DC_OK);
    a = addr("8.8.8.8");
    ck_assert(net_list_contains(&l, &a));
    a = addr("2001:db8::1");
    ck_assert(!net_list_contains(&l, &a));
    net_list_free(&l);

    const char *bad[] = {"10.0.0.0/33", "10.0.0.0/",   "10.0.0.0/8x", "::/129",
                         "example.com", "10.0.0.0/-1", "1.2.3.4/0008"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_msg(net_list_parse(bad[i], &l) == DC_ERR_VALIDATION, "%s refused", bad[i]);
        ck_assert_uint_eq(l.n, 0);
    }
}
END_TEST

START_TEST(untrusted_peer_cannot_forge)
{
    struct net_list none = {0}, lb;
    ck_assert_int_eq(net_list_parse("10.0.0.5", &lb), DC_OK);
    /* no trusted proxies (the default): the header is never read */
    ck_assert_str_eq(client(&none, "127.0.0.2", "1.2.3.4"), "127.0.0.2");
    /* a peer outside the list: the same */
    ck_assert_str_eq(client(&lb, "198.51.100.9", "1.2.3.4"), "198.51.100.9");
    ck_assert_str_eq(client(&lb, "198.51.100.9", NULL), "198.51.100.9");
    net_list_free(&lb);
}
END_TEST

START_TEST(trusted_peer_rightmost_untrusted)
{
    struct net_list l;
    ck_assert_int_eq(net_list_parse("10.0.0.0/8", &l), DC_OK);
    /* the client forged an entry; the proxy appended the real address */
    ck_assert_str_eq(client(&l, "10.0.0.5", "6.6.6.6, 203.0.113.7"), "203.0.113.7");
    /* two proxies in the chain */
    ck_assert_str_eq(client(&l, "10.0.0.5", "6.6.6.6, 203.0.113.7, 10.1.1.1"), "203.0.113.7");
    /* several headers, joined in order */
    ck_assert_str_eq(client(&l, "10.0.0.5", "6.6.6.6,203.0.113.8"), "203.0.113.8");
    /* no header from a trusted proxy: the proxy itself */
    ck_assert_str_eq(client(&l, "10.0.0.5", NULL), "10.0.0.5");
    ck_assert_str_eq(client(&l, "10.0.0.5", ""), "10.0.0.5");
    /* only trusted entries: the leftmost */
    ck_assert_str_eq(client(&l, "10.0.0.5", "10.9.9.9, 10.1.1.1"), "10.9.9.9");
    /* a malformed entry ends the walk at the hop right of it */
    ck_assert_str_eq(client(&l, "10.0.0.5", "203.0.113.7, garbage"), "10.0.0.5");
    ck_assert_str_eq(client(&l, "10.0.0.5", "garbage, 10.1.1.1"), "10.1.1.1");
    ck_assert_str_eq(client(&l, "10.0.0.5", "1.2.3.4, , 203.0.113.9 "), "203.0.113.9");
    ck_assert_str_eq(client(&l, "10.0.0.5", "2001:db8::7"), "2001:db8::7");
    net_list_free(&l);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("netaddr");
    TCase *tc = tcase_create("netaddr");
    tcase_add_test(tc, parse_and_format);
    tcase_add_test(tc, cidr_lists);
    tcase_add_test(tc, untrusted_peer_cannot_forge);
    tcase_add_test(tc, trusted_peer_rightmost_untrusted);
    suite_add_tcase(s, tc);
    return check_run_suite(s);
}
