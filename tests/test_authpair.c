/*
 * test_authpair.c - a failed Windows logon logged by the domain
 * controller (4776 NTLM, 4771/4768 Kerberos) and as a 4625 goes on as
 * one event (the 4625): both orders, NTLM only for the same workstation,
 * Kerberos only for logon types whose machine asks the DC (the 4625
 * taking the DC's client address), never a workstation-less record, one
 * with one under a burst, order kept for the account's next event, held
 * records released on time, on flush and at the cap, other events
 * untouched.
 */
#include "authpair.h"
#include "bw_test.h"
#include "bw_util.h"

#include <stdio.h>

static bw_event win(const char *action, const char *user, const char *ip,
		    const char *ws, int64_t ms)
{
	bw_event ev;
	bw_event_clear(&ev);
	ev.source = BW_SRC_AUTH;
	ev.kind = BW_KIND_LOGIN;
	ev.outcome = BW_OUTCOME_FAILURE;
	ev.ts_ms = ms;
	ev.program = BW_STR_LIT("security");
	ev.action = bw_str_make(action, strlen(action));
	ev.user = bw_str_make(user, strlen(user));
	if (ip)
		bw_ip_parse(ip, strlen(ip), &ev.src_ip);
	if (ws)
		ev.src_host = bw_str_make(ws, strlen(ws));
	return ev;
}

/* What the stage passed on: "4625:alice@1015" per event, in order. */
static char out[8192];
static int nout;

static void collect(void *arg, bw_event *ev)
{
	(void)arg;
	char one[128];
	snprintf(one, sizeof(one), "%s%.*s:%.*s@%lld%s", nout ? " " : "",
		 (int)ev->action.n, ev->action.p, (int)ev->user.n, ev->user.p,
		 (long long)ev->ts_ms, (ev->flags & BW_EF_HELD) ? "h" : "");
	strncat(out, one, sizeof(out) - strlen(out) - 1);
	nout++;
}

static struct bw_authpair *fresh(void)
{
	out[0] = 0;
	nout = 0;
	struct bw_authpair *ap = bw_authpair_new();
	CHECK(ap != NULL);
	return ap;
}

static void feed(struct bw_authpair *ap, bw_event ev)
{
	bw_authpair_event(ap, &ev, collect, NULL);
}

static uint64_t merged(const struct bw_authpair *ap)
{
	struct bw_authpair_stats st;
	bw_authpair_get_stats(ap, &st);
	return st.merged;
}

static void test_check_then_logon(void)
{
	struct bw_authpair *ap = fresh();
	feed(ap, win("4776", "Alice", NULL, "WKS-41", 1000));
	CHECK_EQ_INT(nout, 0); /* held for its 4625 */
	bw_authpair_idle(ap, collect, NULL); /* a fast pipe's next read */
	CHECK_EQ_INT(nout, 0);
	feed(ap, win("4625", "alice", "10.30.0.41", "wks-41", 1015));
	bw_authpair_flush(ap, collect, NULL);
	CHECK_EQ_STR(out, "4625:alice@1015");
	CHECK_EQ_INT((int)merged(ap), 1);
	bw_authpair_free(ap);
}

static void test_logon_then_check(void)
{
	struct bw_authpair *ap = fresh();
	feed(ap, win("4625", "alice", "10.30.0.41", "WKS-41", 1000));
	feed(ap, win("4776", "ALICE", NULL, "WKS-41", 1900));
	bw_authpair_flush(ap, collect, NULL);
	CHECK_EQ_STR(out, "4625:alice@1000");
	CHECK_EQ_INT((int)merged(ap), 1);
	bw_authpair_free(ap);
}

/* NTLM through Exchange (the DC's 4776 names EXCH01) and SMB from KALI
 * (the file server's 4625): two attempts. */
static void test_other_workstation(void)
{
	struct bw_authpair *ap = fresh();
	feed(ap, win("4776", "alice", NULL, "EXCH01", 1000));
	feed(ap, win("4625", "alice", "203.0.113.9", "KALI", 1400));
	bw_authpair_flush(ap, collect, NULL);
	CHECK_EQ_INT(nout, 2);
	CHECK_EQ_INT((int)merged(ap), 0);
	bw_authpair_free(ap);
}

/* A 4625 without a workstation, or of the machine itself ("local") and
 * of no logon type that asks the DC, cannot be told apart from another
 * attempt: none of them pairs. A Kerberos refusal waits for a 4625 that
 * does not come, and goes on (flagged held) at the end. */
static void test_never_paired(void)
{
	struct bw_authpair *ap = fresh();
	feed(ap, win("4625", "bob", NULL, "local", 5000));
	feed(ap, win("4771", "bob", "10.30.0.7", "WKS-7", 5100));
	feed(ap, win("4776", "carol", NULL, NULL, 6000));
	feed(ap, win("4625", "carol", "10.30.0.9", NULL, 6010));
	bw_authpair_flush(ap, collect, NULL);
	CHECK_EQ_STR(out, "4625:bob@5000 4776:carol@6000 4625:carol@6010 "
		     "4771:bob@5100h");
	CHECK_EQ_INT((int)merged(ap), 0);
	bw_authpair_free(ap);
}

/* Too far apart: two attempts; the held 4776 goes on before the event
 * that is 2 s past it. */
static void test_too_far_apart(void)
{
	struct bw_authpair *ap = fresh();
	feed(ap, win("4776", "carol", NULL, "WKS-9", 10000));
	feed(ap, win("4625", "carol", "10.30.0.9", "WKS-9", 12001));
	bw_authpair_flush(ap, collect, NULL);
	CHECK_EQ_STR(out, "4776:carol@10000h 4625:carol@12001");
	CHECK_EQ_INT((int)merged(ap), 0);
	bw_authpair_free(ap);
}

/* A burst against one account: the 4776s queue up, each 4625 takes
 * the oldest: five attempts, five events. */
static void test_burst_one_with_one(void)
{
	struct bw_authpair *ap = fresh();
	for (int i = 0; i < 5; i++)
		feed(ap, win("4776", "dave", NULL, "KALI", 1000 + i));
	for (int i = 0; i < 5; i++)
		feed(ap, win("4625", "dave", "203.0.113.9", "KALI", 1010 + i));
	bw_authpair_flush(ap, collect, NULL);
	CHECK_EQ_INT(nout, 5);
	CHECK_EQ_INT((int)merged(ap), 5);
	CHECK(strstr(out, "4776") == NULL);
	bw_authpair_free(ap);
}

/* Another event of the account (by identity: the rules' key) does not
 * overtake its held failure: a success after failures stays after them. */
static void test_order_kept(void)
{
	struct bw_authpair *ap = fresh();
	bw_event f = win("4776", "erin", NULL, "WKS-5", 1000);
	f.identity = BW_STR_LIT("erin");
	feed(ap, f);
	bw_event ok = win("ssh", "erin@court.example", "10.30.0.5", NULL, 1200);
	ok.outcome = BW_OUTCOME_SUCCESS;
	ok.program = BW_STR_LIT("sshd");
	ok.identity = BW_STR_LIT("erin");
	feed(ap, ok);
	CHECK_EQ_STR(out, "4776:erin@1000h ssh:erin@court.example@1200");
	/* an event of another account passes a held failure */
	feed(ap, win("4776", "fred", NULL, "WKS-6", 1300));
	bw_event other = win("4624", "gina", NULL, NULL, 1400);
	other.outcome = BW_OUTCOME_SUCCESS;
	feed(ap, other);
	CHECK_EQ_STR(out, "4776:erin@1000h ssh:erin@court.example@1200 "
		     "4624:gina@1400");
	bw_authpair_flush(ap, collect, NULL);
	CHECK_EQ_STR(out, "4776:erin@1000h ssh:erin@court.example@1200 "
		     "4624:gina@1400 4776:fred@1300h");
	bw_authpair_free(ap);
}

/* A 4625 of another attempt of the account (another workstation) does
 * not overtake the held 4776 either. */
static void test_other_attempt_keeps_order(void)
{
	struct bw_authpair *ap = fresh();
	feed(ap, win("4776", "erin", NULL, "WKS-1", 10000));
	feed(ap, win("4625", "erin", "10.30.0.9", "WKS-2", 10500));
	CHECK_EQ_STR(out, "4776:erin@10000h 4625:erin@10500");
	CHECK_EQ_INT((int)merged(ap), 0);
	bw_authpair_free(ap);
}

/* Two servers' logs on one pipe arrive out of time order: an older 4625
 * of another account after alice's does not hide alice's from her
 * 4776. */
static void test_out_of_order_ring(void)
{
	struct bw_authpair *ap = fresh();
	feed(ap, win("4625", "alice", "10.1.1.7", "WKS-7", 10000));
	feed(ap, win("4625", "bob", "10.1.1.9", "WKS-9", 5000));
	feed(ap, win("4776", "alice", NULL, "WKS-7", 10300));
	bw_authpair_flush(ap, collect, NULL);
	CHECK_EQ_STR(out, "4625:alice@10000 4625:bob@5000");
	CHECK_EQ_INT((int)merged(ap), 1);
	bw_authpair_free(ap);
}

/* At the cap the oldest held 4776 goes on, counted; nothing is lost. */
static void test_cap(void)
{
	struct bw_authpair *ap = fresh();
	char name[32];
	for (int i = 0; i < BW_AUTHPAIR_HELD + 44; i++) {
		snprintf(name, sizeof(name), "u%d", i);
		feed(ap, win("4776", name, NULL, "WKS-1", 1000));
	}
	CHECK_EQ_INT(nout, 44);
	CHECK(strncmp(out, "4776:u0@1000h 4776:u1@1000h", 27) == 0);
	bw_authpair_flush(ap, collect, NULL);
	CHECK_EQ_INT(nout, BW_AUTHPAIR_HELD + 44);
	struct bw_authpair_stats st;
	bw_authpair_get_stats(ap, &st);
	CHECK_EQ_INT((int)st.overflow, 44);
	CHECK_EQ_INT((int)st.merged, 0);
	bw_authpair_free(ap);
}

/* Only the Security log's failures pair: sshd, successes and other ids
 * pass at once. */
static void test_others_untouched(void)
{
	struct bw_authpair *ap = fresh();
	bw_event ssh = win("4776", "root", "203.0.113.5", "WKS-1", 1000);
	ssh.program = BW_STR_LIT("sshd");
	feed(ap, ssh);
	bw_event ok = win("4776", "root", NULL, "WKS-1", 1001);
	ok.outcome = BW_OUTCOME_SUCCESS;
	feed(ap, ok);
	feed(ap, win("4740", "root", NULL, "WKS-1", 1002));
	CHECK_EQ_INT(nout, 3);
	CHECK_EQ_INT((int)merged(ap), 0);
	bw_authpair_free(ap);
	bw_authpair_free(NULL);
}

/* A failed logon of logon type lt, logged by the machine itself:
 * IpAddress "-" ("local", no address) unless ip is given. */
static bw_event logon(const char *user, const char *ip, const char *lt,
		      int64_t ms)
{
	bw_event ev = win("4625", user, ip, ip ? "WKS-7" : "local", ms);
	ev.auth_method = bw_str_make(lt, strlen(lt));
	return ev;
}

/* The client address of every event passed on, space-separated ("-"
 * for none). */
static char addrs[4096];

static void collect_addr(void *arg, bw_event *ev)
{
	collect(arg, ev);
	char ip[64] = "-";
	if (ev->src_ip.family)
		bw_ip_format(&ev->src_ip, ip, sizeof(ip));
	strncat(addrs, addrs[0] ? " " : "", sizeof(addrs) - strlen(addrs) - 1);
	strncat(addrs, ip, sizeof(addrs) - strlen(addrs) - 1);
}

static void kfeed(struct bw_authpair *ap, bw_event ev)
{
	bw_authpair_event(ap, &ev, collect_addr, NULL);
}

/* A mistyped password at a workstation's console: the DC's Kerberos
 * refusal (4771, with the workstation's address) and the workstation's
 * own 4625 (interactive, no address) are one attempt. It goes on as the
 * 4625 with the 4771's address, in either order. */
static void test_kerberos_pairs(void)
{
	struct bw_authpair *ap = fresh();
	addrs[0] = 0;
	kfeed(ap, win("4771", "bob", "10.30.0.7", NULL, 1000));
	CHECK_EQ_INT(nout, 0); /* held for its 4625 */
	kfeed(ap, logon("BOB", NULL, "interactive", 1200));
	/* the workstation's record first: held for its 4771 */
	kfeed(ap, logon("bob", NULL, "unlock", 5000));
	CHECK_EQ_INT(nout, 1);
	kfeed(ap, win("4771", "bob", "10.30.0.8", NULL, 5300));
	bw_authpair_flush(ap, collect_addr, NULL);
	CHECK_EQ_STR(out, "4625:BOB@1200 4625:bob@5000h");
	CHECK_EQ_STR(addrs, "10.30.0.7 10.30.0.8");
	CHECK_EQ_INT((int)merged(ap), 2);
	bw_authpair_free(ap);
}

/* A failed TGT request (4768) pairs too; RDP without NLA and a web
 * server's basic or forms logon (network_cleartext: OWA) that name no
 * client are logged on the server the DC saw. A 4625 that names a
 * client of its own does not pair: the refusal it would take might be
 * an attacker's, whose address would be lost. */
static void test_kerberos_other_types(void)
{
	struct bw_authpair *ap = fresh();
	addrs[0] = 0;
	bw_event tgt = win("4768", "carl", "10.30.0.9", NULL, 1000);
	kfeed(ap, tgt);
	kfeed(ap, logon("carl", NULL, "remote_interactive", 1100));
	kfeed(ap, win("4771", "dora", "10.30.0.20", NULL, 2000));
	kfeed(ap, logon("dora", "127.0.0.1", "network_cleartext", 2100));
	kfeed(ap, win("4771", "emil", "10.30.0.21", NULL, 3000));
	kfeed(ap, logon("emil", "203.0.113.50", "remote_interactive", 3100));
	bw_authpair_flush(ap, collect_addr, NULL);
	CHECK_EQ_STR(out, "4625:carl@1100 4625:dora@2100 4771:emil@3000h "
		     "4625:emil@3100");
	CHECK_EQ_STR(addrs, "10.30.0.9 10.30.0.20 10.30.0.21 203.0.113.50");
	CHECK_EQ_INT((int)merged(ap), 2);
	bw_authpair_free(ap);
}

/* What is not one attempt: a network logon (the server never asks the
 * DC for the user's ticket), a cached logon (no DC), another account,
 * 2 s apart, a Kerberos refusal alone (kerbrute): each goes on. */
static void test_kerberos_not_paired(void)
{
	struct bw_authpair *ap = fresh();
	addrs[0] = 0;
	kfeed(ap, win("4771", "fay", "10.30.0.7", NULL, 1000));
	kfeed(ap, logon("fay", "10.30.0.7", "network", 1100));
	kfeed(ap, win("4771", "gus", "10.30.0.7", NULL, 3000));
	kfeed(ap, logon("gus", NULL, "cached_interactive", 3100));
	kfeed(ap, win("4771", "hal", "10.30.0.7", NULL, 5000));
	kfeed(ap, logon("ida", NULL, "interactive", 5100));
	kfeed(ap, win("4771", "jon", "10.30.0.7", NULL, 9000));
	kfeed(ap, logon("jon", NULL, "interactive", 11001));
	kfeed(ap, win("4771", "kim", "198.51.100.4", NULL, 20000));
	kfeed(ap, win("4771", "kim", "198.51.100.4", NULL, 20100));
	bw_authpair_flush(ap, collect_addr, NULL);
	CHECK_EQ_INT(nout, 10);
	CHECK_EQ_INT((int)merged(ap), 0);
	bw_authpair_free(ap);
}

/* Two refusals and one console typo of the same account in a second
 * (kerbrute from outside while the user mistypes): three attempts,
 * whichever 4771 the 4625 takes. */
static void test_kerberos_burst_counts(void)
{
	struct bw_authpair *ap = fresh();
	addrs[0] = 0;
	kfeed(ap, win("4771", "lena", "198.51.100.4", NULL, 1000));
	kfeed(ap, win("4771", "lena", "10.30.0.7", NULL, 1100));
	kfeed(ap, logon("lena", NULL, "interactive", 1200));
	bw_authpair_flush(ap, collect_addr, NULL);
	CHECK_EQ_INT(nout, 2);
	CHECK_EQ_INT((int)merged(ap), 1);
	bw_authpair_free(ap);
}

/* An NTLM check pairs with a held addressless 4625 as well, on the
 * workstation name (the DC's 4776 names it). */
static void test_held_logon_meets_ntlm(void)
{
	struct bw_authpair *ap = fresh();
	addrs[0] = 0;
	bw_event l = logon("mia", NULL, "interactive", 1000);
	l.src_host = BW_STR_LIT("WKS-3");
	kfeed(ap, l);
	kfeed(ap, win("4776", "mia", NULL, "wks-3", 1300));
	bw_authpair_flush(ap, collect_addr, NULL);
	CHECK_EQ_INT(nout, 1);
	CHECK_EQ_INT((int)merged(ap), 1);
	bw_authpair_free(ap);
}

/* A Kerberos spray: the refusals wait for a 4625 that does not come;
 * the sprayer's success with another account does not overtake the
 * refusals from its address (success after failures, by address). */
static void test_kerberos_address_order(void)
{
	struct bw_authpair *ap = fresh();
	feed(ap, win("4771", "pia", "198.51.100.4", NULL, 1000));
	feed(ap, win("4771", "quin", "198.51.100.4", NULL, 1100));
	feed(ap, win("4771", "rolf", "198.51.100.5", NULL, 1150));
	bw_event ok = win("4624", "sara", "198.51.100.4", NULL, 1200);
	ok.outcome = BW_OUTCOME_SUCCESS;
	feed(ap, ok);
	CHECK_EQ_STR(out, "4771:pia@1000h 4771:quin@1100h 4624:sara@1200");
	bw_authpair_flush(ap, collect, NULL);
	CHECK_EQ_STR(out, "4771:pia@1000h 4771:quin@1100h 4624:sara@1200 "
		     "4771:rolf@1150h");
	bw_authpair_free(ap);
}

/* A kerbrute spray on alice while she mistypes over RDP without NLA
 * (the terminal server's refusal, then its 4625 naming her client): the
 * 4625 takes no refusal, so the spray's address keeps its count. */
static void test_kerberos_spray_keeps_address(void)
{
	struct bw_authpair *ap = fresh();
	addrs[0] = 0;
	kfeed(ap, win("4771", "alice", "10.66.6.6", NULL, 1000));
	kfeed(ap, win("4771", "alice", "10.30.0.20", NULL, 1200));
	kfeed(ap, logon("alice", "10.40.0.77", "remote_interactive", 1300));
	bw_authpair_flush(ap, collect_addr, NULL);
	CHECK_EQ_INT(nout, 3);
	CHECK(strstr(addrs, "10.66.6.6") != NULL);
	CHECK_EQ_INT((int)merged(ap), 0);
	bw_authpair_free(ap);
}

/* Events of other accounts from the machine itself (loopback) or not
 * logins at all do not break a pair; a refusal that went on before its
 * console 4625 came (its wait cut short) still takes it. */
static void test_kerberos_pair_survives(void)
{
	struct bw_authpair *ap = fresh();
	addrs[0] = 0;
	kfeed(ap, logon("nils", NULL, "interactive", 1000));
	bw_event lo = win("4624", "berta", "127.0.0.1", "local", 1100);
	lo.outcome = BW_OUTCOME_SUCCESS;
	kfeed(ap, lo);
	kfeed(ap, win("4771", "nils", "10.30.0.12", NULL, 1300));
	CHECK_EQ_STR(out, "4624:berta@1100 4625:nils@1000h");
	/* the refusal waits, then goes on with the clock; its 4625,
	 * stamped within 2 s of it, comes after and adds nothing */
	kfeed(ap, win("4771", "olga", "10.30.0.13", NULL, 5000));
	bw_event other = win("4624", "paul", NULL, NULL, 7001);
	other.outcome = BW_OUTCOME_SUCCESS;
	kfeed(ap, other);
	kfeed(ap, logon("olga", NULL, "unlock", 6900));
	bw_authpair_flush(ap, collect_addr, NULL);
	CHECK_EQ_STR(out, "4624:berta@1100 4625:nils@1000h 4771:olga@5000h "
		     "4624:paul@7001");
	CHECK_EQ_INT((int)merged(ap), 2);
	bw_authpair_free(ap);
}

/* A success from the sprayer's IPv6 /64 (the rules' src.net) does not
 * overtake the refusals held from that /64. */
static void test_kerberos_v6_net_order(void)
{
	struct bw_authpair *ap = fresh();
	feed(ap, win("4771", "quin", "2001:db8:66::10", NULL, 1000));
	feed(ap, win("4771", "rita", "2001:db8:66::10", NULL, 1100));
	bw_event ok = win("ssh", "sven", "2001:db8:66::11", NULL, 1200);
	ok.outcome = BW_OUTCOME_SUCCESS;
	ok.program = BW_STR_LIT("sshd");
	feed(ap, ok);
	CHECK_EQ_STR(out, "4771:quin@1000h 4771:rita@1100h ssh:sven@1200");
	bw_authpair_free(ap);
}

/* A Kerberos-only spray past the cap: the refusals sent on early are
 * remembered, not counted as a risk of counting twice. */
static void test_kerberos_overflow_not_counted(void)
{
	struct bw_authpair *ap = fresh();
	char name[32];
	for (int i = 0; i < BW_AUTHPAIR_HELD + 10; i++) {
		snprintf(name, sizeof(name), "k%d", i);
		feed(ap, win("4771", name, "198.51.100.4", NULL, 1000));
	}
	bw_authpair_flush(ap, collect, NULL);
	struct bw_authpair_stats st;
	bw_authpair_get_stats(ap, &st);
	CHECK_EQ_INT((int)st.overflow, 0);
	CHECK_EQ_INT(nout, BW_AUTHPAIR_HELD + 10);
	bw_authpair_free(ap);
}

static const struct bw_test tests[] = {
	{ "check_then_logon", test_check_then_logon },
	{ "logon_then_check", test_logon_then_check },
	{ "other_workstation", test_other_workstation },
	{ "never_paired", test_never_paired },
	{ "too_far_apart", test_too_far_apart },
	{ "burst_one_with_one", test_burst_one_with_one },
	{ "order_kept", test_order_kept },
	{ "other_attempt_keeps_order", test_other_attempt_keeps_order },
	{ "out_of_order_ring", test_out_of_order_ring },
	{ "cap", test_cap },
	{ "others_untouched", test_others_untouched },
	{ "kerberos_pairs", test_kerberos_pairs },
	{ "kerberos_other_types", test_kerberos_other_types },
	{ "kerberos_not_paired", test_kerberos_not_paired },
	{ "kerberos_burst_counts", test_kerberos_burst_counts },
	{ "held_logon_meets_ntlm", test_held_logon_meets_ntlm },
	{ "kerberos_address_order", test_kerberos_address_order },
	{ "kerberos_spray_keeps_address", test_kerberos_spray_keeps_address },
	{ "kerberos_pair_survives", test_kerberos_pair_survives },
	{ "kerberos_v6_net_order", test_kerberos_v6_net_order },
	{ "kerberos_overflow_not_counted", test_kerberos_overflow_not_counted },
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	return bw_test_main("authpair", tests, argc, argv);
}
