/*
 * test_lease.c - address leases: record from VPN events, attribute web
 * and auth events whose source is a leased address inside the lease;
 * reassignment, closing, history for late events, cap and eviction.
 */
#include "bw_test.h"
#include "lease.h"
#include "vpn_helpers.h"

static bw_event vpn(int kind, const char *user, const char *addr, int64_t t)
{
	bw_event ev;
	bw_event_clear(&ev);
	ev.source = BW_SRC_VPN;
	ev.kind = (uint8_t)kind;
	ev.ts_ms = t * 1000;
	if (user)
		ev.user = bw_str_make(user, strlen(user));
	if (addr)
		bw_ip_parse(addr, strlen(addr), &ev.assigned_ip);
	bw_ip_parse("203.0.113.5", 11, &ev.src_ip);
	return ev;
}

static bw_event web(const char *src, int64_t t)
{
	bw_event ev;
	bw_event_clear(&ev);
	ev.source = BW_SRC_WEB;
	ev.kind = BW_KIND_REQUEST;
	ev.ts_ms = t * 1000;
	bw_ip_parse(src, strlen(src), &ev.src_ip);
	return ev;
}

static const char *who(struct bw_leases *l, const char *src, int64_t t)
{
	static char b[64];
	bw_event ev = web(src, t);
	if (!bw_lease_attribute(l, &ev)) {
		CHECK(!(ev.flags & BW_EF_USER_LEASE));
		return "(none)";
	}
	CHECK(ev.flags & BW_EF_USER_LEASE);
	size_t n = ev.user.n < 63 ? ev.user.n : 63;
	memcpy(b, ev.user.p, n);
	b[n] = 0;
	return b;
}

static void test_assign_then_end(void)
{
	struct bw_leases *l = bw_leases_new(0);
	bw_event ev = vpn(BW_KIND_ADDRESS_ASSIGN, "alice", "10.8.0.6", 1000);
	CHECK_EQ_INT(bw_lease_event(l, &ev), 1);
	CHECK_EQ_STR(who(l, "10.8.0.6", 999), "(none)");   /* before */
	CHECK_EQ_STR(who(l, "10.8.0.6", 1000), "alice");   /* boundary */
	CHECK_EQ_STR(who(l, "10.8.0.6", 5000), "alice");   /* open lease */
	CHECK_EQ_STR(who(l, "10.8.0.7", 5000), "(none)");  /* other address */
	ev = vpn(BW_KIND_SESSION_END, "alice", "10.8.0.6", 6000);
	CHECK_EQ_INT(bw_lease_event(l, &ev), 1);
	CHECK_EQ_STR(who(l, "10.8.0.6", 6000), "alice");
	CHECK_EQ_STR(who(l, "10.8.0.6", 6001), "(none)");  /* after the end */
	CHECK_EQ_STR(who(l, "10.8.0.6", 3000), "alice");   /* late event, history */

	/* events that already name a user, and VPN events, are left alone */
	bw_event w = web("10.8.0.6", 3000);
	w.user = BW_STR_LIT("bob");
	CHECK_EQ_INT(bw_lease_attribute(l, &w), 0);
	CHECK_STR_VIEW(w.user, "bob");
	bw_event v = vpn(BW_KIND_LOGIN, NULL, NULL, 3000);
	bw_ip_parse("10.8.0.6", 8, &v.src_ip);
	CHECK_EQ_INT(bw_lease_attribute(l, &v), 0);

	struct bw_leases_stats st;
	bw_leases_get_stats(l, &st);
	CHECK_EQ_INT(st.opened, 1);
	CHECK_EQ_INT(st.closed, 1);
	CHECK_EQ_INT(st.attributed, 4);
	bw_leases_free(l);
}

static void test_reassignment(void)
{
	struct bw_leases *l = bw_leases_new(0);
	bw_event ev = vpn(BW_KIND_ADDRESS_ASSIGN, "alice", "10.8.0.6", 1000);
	bw_lease_event(l, &ev);
	/* the same user again (e.g. 716001 then 722051): extends, no new lease */
	ev = vpn(BW_KIND_SESSION_START, "alice", "10.8.0.6", 1100);
	bw_lease_event(l, &ev);
	/* the pool hands the address to bob without alice's end being seen */
	ev = vpn(BW_KIND_ADDRESS_ASSIGN, "bob", "10.8.0.6", 2000);
	bw_lease_event(l, &ev);
	CHECK_EQ_STR(who(l, "10.8.0.6", 1500), "alice");
	CHECK_EQ_STR(who(l, "10.8.0.6", 2500), "bob");
	/* alice's late end must not close bob's lease */
	ev = vpn(BW_KIND_SESSION_END, "alice", "10.8.0.6", 2600);
	CHECK_EQ_INT(bw_lease_event(l, &ev), 0);
	CHECK_EQ_STR(who(l, "10.8.0.6", 2700), "bob");
	CHECK_EQ_STR(who(l, "10.8.0.6", 1999), "alice");
	struct bw_leases_stats st;
	bw_leases_get_stats(l, &st);
	CHECK_EQ_INT(st.opened, 2);
	bw_leases_free(l);
}

static void test_end_only_and_open_snapshots(void)
{
	struct bw_leases *l = bw_leases_new(0);
	/* an end with a duration and no start seen: lease [ts - d, ts] */
	bw_event ev = vpn(BW_KIND_SESSION_END, "carol", "10.10.10.9", 4600);
	ev.duration_ms = 3600 * 1000;
	CHECK_EQ_INT(bw_lease_event(l, &ev), 1);
	CHECK_EQ_STR(who(l, "10.10.10.9", 999), "(none)");
	CHECK_EQ_STR(who(l, "10.10.10.9", 1000), "carol");
	CHECK_EQ_STR(who(l, "10.10.10.9", 4601), "(none)");
	/* a status snapshot (open session_end): open lease from its start */
	ev = vpn(BW_KIND_SESSION_END, "dave", "10.8.0.10", 9000);
	ev.flags |= BW_EF_SESSION_OPEN;
	ev.duration_ms = 1000 * 1000;
	CHECK_EQ_INT(bw_lease_event(l, &ev), 1);
	CHECK_EQ_STR(who(l, "10.8.0.10", 8000), "dave");
	CHECK_EQ_STR(who(l, "10.8.0.10", 90000), "dave");
	/* IPv6 leases */
	ev = vpn(BW_KIND_ADDRESS_ASSIGN, "erin", "fd00::17", 100);
	CHECK_EQ_INT(bw_lease_event(l, &ev), 1);
	CHECK_EQ_STR(who(l, "fd00::17", 200), "erin");
	/* nothing to record */
	ev = vpn(BW_KIND_ADDRESS_ASSIGN, NULL, "10.1.1.1", 100);
	CHECK_EQ_INT(bw_lease_event(l, &ev), 0);
	ev = vpn(BW_KIND_PROBE, "x", "10.1.1.1", 100);
	CHECK_EQ_INT(bw_lease_event(l, &ev), 0);
	ev = vpn(BW_KIND_LOGIN, "x", NULL, 100);
	CHECK_EQ_INT(bw_lease_event(l, &ev), 0);
	bw_leases_free(l);
}

static void test_open_lease_expiry(void)
{
	struct bw_leases *l = bw_leases_new(0);
	bw_event ev = vpn(BW_KIND_ADDRESS_ASSIGN, "alice", "10.8.0.6", 1000);
	bw_lease_event(l, &ev);
	/* default: 24 h after the last confirmation */
	CHECK_EQ_STR(who(l, "10.8.0.6", 1000 + 86400), "alice");
	CHECK_EQ_STR(who(l, "10.8.0.6", 1000 + 86401), "(none)");
	/* a later confirmation (status snapshot, new start) extends it */
	ev = vpn(BW_KIND_SESSION_START, "alice", "10.8.0.6", 50000);
	bw_lease_event(l, &ev);
	CHECK_EQ_STR(who(l, "10.8.0.6", 50000 + 86400), "alice");
	bw_leases_set_max_open(l, 60 * 1000);
	CHECK_EQ_STR(who(l, "10.8.0.6", 50060), "alice");
	CHECK_EQ_STR(who(l, "10.8.0.6", 50061), "(none)");
	bw_leases_set_max_open(l, 0); /* no limit */
	CHECK_EQ_STR(who(l, "10.8.0.6", 9000000), "alice");
	bw_leases_free(l);
}

static void test_cap(void)
{
	struct bw_leases *l = bw_leases_new(4);
	char addr[32], user[16];
	for (int i = 0; i < 10; i++) {
		snprintf(addr, sizeof(addr), "10.0.0.%d", i + 1);
		snprintf(user, sizeof(user), "u%d", i);
		bw_event ev = vpn(BW_KIND_ADDRESS_ASSIGN, user, addr, 100 + i);
		bw_lease_event(l, &ev);
	}
	struct bw_leases_stats st;
	bw_leases_get_stats(l, &st);
	CHECK_EQ_INT(st.active, 4);
	CHECK_EQ_INT(st.evicted, 6);
	CHECK_EQ_STR(who(l, "10.0.0.1", 500), "(none)"); /* evicted */
	CHECK_EQ_STR(who(l, "10.0.0.10", 500), "u9");
	/* churn on a handful of addresses through a tiny table */
	for (int i = 0; i < 5000; i++) {
		snprintf(addr, sizeof(addr), "10.0.1.%d", i % 7);
		snprintf(user, sizeof(user), "u%d", i % 5);
		bw_event ev = vpn(i % 3 ? BW_KIND_ADDRESS_ASSIGN : BW_KIND_SESSION_END,
				  user, addr, 1000 + i);
		bw_lease_event(l, &ev);
		(void)who(l, addr, 1000 + i);
	}
	bw_leases_get_stats(l, &st);
	CHECK(st.active <= 4);
	bw_leases_free(l);
	bw_leases_free(NULL);
}

static const struct bw_test tests[] = {
	{ "assign_then_end", test_assign_then_end },
	{ "reassignment", test_reassignment },
	{ "end_only_and_open_snapshots", test_end_only_and_open_snapshots },
	{ "open_lease_expiry", test_open_lease_expiry },
	{ "cap", test_cap },
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	return bw_test_main("lease", tests, argc, argv);
}
