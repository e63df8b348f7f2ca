/*
 * test_session.c - the VPN session table: start/assign/end become one
 * enriched session_end; open sessions flushed at end of input; status
 * snapshots folded in; keys by session id or user + IP; cap/eviction;
 * strings copied (the caller's line buffer is overwritten between
 * events, as the input layer does).
 */
#include "bw_test.h"
#include "session.h"
#include "vpn_helpers.h"

extern const struct bw_msg_parser bw_msg_openvpn, bw_msg_cisco_asa, bw_msg_charon;
extern const struct bw_parser bw_parser_openvpn_status, bw_parser_fortigate;

#define MAX_OUT 16
static bw_event out[MAX_OUT];
static char out_user[MAX_OUT][64], out_host[MAX_OUT][64], out_sid[MAX_OUT][64];
static int nout;

static void copy_view(char *dst, bw_str v)
{
	if (!v.p) {
		strcpy(dst, "(none)");
		return;
	}
	size_t n = v.n < 63 ? v.n : 63;
	memcpy(dst, v.p, n);
	dst[n] = 0;
}

/* The emitted views are valid only during the call: copy them. */
static void collect(void *arg, const bw_event *ev)
{
	(void)arg;
	if (nout >= MAX_OUT)
		return;
	out[nout] = *ev;
	copy_view(out_user[nout], ev->user);
	copy_view(out_host[nout], ev->host);
	copy_view(out_sid[nout], ev->session_id);
	out[nout].user = BW_STR_NULL;
	out[nout].host = BW_STR_NULL;
	out[nout].session_id = BW_STR_NULL;
	out[nout].reason = BW_STR_NULL;
	out[nout].line = BW_STR_NULL;
	nout++;
}

/* Feed a syslog message at time t (seconds) as logged by device host
 * (NULL: the helper's "gw1"), then, when tick says so, the report tick as
 * the VPN stage calls it; then scribble over the line buffer so that any
 * view the table kept would be caught. */
static int feed_at(struct bw_sessions *s, const struct bw_msg_parser *p,
		   const char *host, const char *msg, int64_t t, int tick)
{
	int rc = vt_msg(p, "x", msg);
	CHECK_EQ_INT(rc, BW_PARSE_OK);
	if (host)
		vt_ev.host = bw_str_make(host, strlen(host));
	vt_ev.ts_ms = t * 1000;
	vt_ev.line_no = (uint64_t)t;
	int r = bw_sessions_event(s, &vt_ev, collect, NULL);
	if (tick)
		bw_sessions_tick(s, &vt_ev, collect, NULL);
	memset(vt_buf, '#', sizeof(vt_buf));
	return r;
}

static int feed(struct bw_sessions *s, const struct bw_msg_parser *p,
		const char *msg, int64_t t)
{
	return feed_at(s, p, NULL, msg, t, 0);
}

static int feed_tick(struct bw_sessions *s, const struct bw_msg_parser *p,
		     const char *msg, int64_t t)
{
	return feed_at(s, p, NULL, msg, t, 1);
}

static void test_asa_session_enriched(void)
{
	struct bw_sessions *s = bw_sessions_new(8);
	CHECK(s != NULL);
	vt_open();
	nout = 0;
	CHECK_EQ_INT(feed(s, &bw_msg_cisco_asa, "%ASA-4-113039: Group <GP> User <alice> IP <203.0.113.5> AnyConnect parent session started.", 1000), 0);
	CHECK_EQ_INT(feed(s, &bw_msg_cisco_asa, "%ASA-6-716001: Group <GP> User <alice> IP <203.0.113.5> WebVPN session started.", 1001), 0);
	CHECK_EQ_INT(feed(s, &bw_msg_cisco_asa, "%ASA-5-722051: Group <GP> User <alice> IP <203.0.113.5> IPv4 Address <10.10.10.5> IPv6 address <::> assigned to session", 1002), 0);
	/* another user's session in between */
	CHECK_EQ_INT(feed(s, &bw_msg_cisco_asa, "%ASA-4-113039: Group <GP> User <bob> IP <198.51.100.9> AnyConnect parent session started.", 1500), 0);
	CHECK_EQ_INT(nout, 0);
	CHECK_EQ_INT(feed(s, &bw_msg_cisco_asa, "%ASA-4-113019: Group = GP, Username = alice, IP = 203.0.113.5, Session disconnected. Session Type: SSL, Duration: 1h:00m:00s, Bytes xmt: 5000, Bytes rcv: 60, Reason: User Requested", 4600), 1);
	CHECK_EQ_INT(nout, 1);
	CHECK_EQ_INT(out[0].kind, BW_KIND_SESSION_END);
	CHECK_EQ_STR(out_user[0], "alice");
	CHECK_EQ_STR(out_host[0], "gw1");
	CHECK_EQ_STR(vt_ip(&out[0].src_ip), "203.0.113.5");
	CHECK_EQ_STR(vt_ip(&out[0].assigned_ip), "10.10.10.5");
	CHECK_EQ_INT(out[0].bytes_out, 5000);
	CHECK_EQ_INT(out[0].bytes_in, 60);
	CHECK_EQ_INT(out[0].duration_ms, 3600000); /* as logged */
	CHECK_EQ_INT(out[0].ts_ms, 4600000);
	CHECK_EQ_INT(out[0].line_no, 4600);
	/* the line that opened it, for the alert's evidence */
	CHECK_EQ_INT(out[0].start_line, 1000);
	CHECK(!(out[0].flags & BW_EF_SESSION_OPEN));

	/* the same end again: the session is gone, the event passes */
	CHECK_EQ_INT(feed(s, &bw_msg_cisco_asa, "%ASA-4-113019: Group = GP, Username = alice, IP = 203.0.113.5, Session disconnected. Session Type: SSL, Duration: 1h:00m:00s, Bytes xmt: 5000, Bytes rcv: 60, Reason: User Requested", 4601), 0);

	struct bw_sessions_stats st;
	bw_sessions_get_stats(s, &st);
	CHECK_EQ_INT(st.opened, 2);
	CHECK_EQ_INT(st.closed, 1);
	CHECK_EQ_INT(st.unmatched, 1);
	CHECK_EQ_INT(st.active, 1);

	/* bob never ends: flushed open at the newest VPN event's time (the
	 * logs say he was still connected then), with the provenance of
	 * the event that opened it */
	nout = 0;
	bw_sessions_finish(s, collect, NULL);
	CHECK_EQ_INT(nout, 1);
	CHECK_EQ_STR(out_user[0], "bob");
	CHECK(out[0].flags & BW_EF_SESSION_OPEN);
	CHECK_EQ_INT(out[0].ts_ms, 4601000);
	CHECK_EQ_INT(out[0].duration_ms, 4601000 - 1500000);
	CHECK_EQ_INT(out[0].line_no, 1500);
	bw_sessions_get_stats(s, &st);
	CHECK_EQ_INT(st.flushed, 1);
	CHECK_EQ_INT(st.active, 0);
	bw_sessions_free(s);
}

static void test_openvpn_by_session_id(void)
{
	struct bw_sessions *s = bw_sessions_new(0);
	vt_open();
	nout = 0;
	/* before authentication the peer has no user; the id joins them */
	CHECK_EQ_INT(feed(s, &bw_msg_openvpn, "203.0.113.5:51234 [UNDEF] Peer Connection Initiated with [AF_INET]203.0.113.5:51234", 100), 0);
	CHECK_EQ_INT(feed(s, &bw_msg_openvpn, "alice/203.0.113.5:51234 MULTI_sva: pool returned IPv4=10.8.0.6, IPv6=(Not enabled)", 101), 0);
	/* the same user from another port is another session */
	CHECK_EQ_INT(feed(s, &bw_msg_openvpn, "alice/203.0.113.5:40000 MULTI_sva: pool returned IPv4=10.8.0.7, IPv6=(Not enabled)", 150), 0);
	CHECK_EQ_INT(feed(s, &bw_msg_openvpn, "alice/203.0.113.5:51234 SIGTERM[soft,remote-exit] received, client-instance exiting", 700), 1);
	CHECK_EQ_INT(nout, 1);
	CHECK_EQ_STR(out_user[0], "alice");
	CHECK_EQ_STR(out_sid[0], "203.0.113.5:51234");
	CHECK_EQ_STR(vt_ip(&out[0].assigned_ip), "10.8.0.6");
	CHECK_EQ_INT(out[0].duration_ms, 600000); /* computed: 700 - 100 */
	CHECK_EQ_INT(out[0].bytes_out, BW_NUM_ABSENT);
	bw_sessions_finish(s, collect, NULL);
	CHECK_EQ_INT(nout, 2);
	CHECK_EQ_STR(vt_ip(&out[1].assigned_ip), "10.8.0.7");
	bw_sessions_free(s);
}

/* Feed OpenVPN status-file rows, numbered from line 10; each client row
 * is a snapshot the table takes over. */
static void feed_rows(struct bw_sessions *s, const char *const *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (vt_line(&bw_parser_openvpn_status, rows[i]) == BW_PARSE_OK) {
			vt_ev.line_no = 10 + i;
			CHECK_EQ_INT(bw_sessions_event(s, &vt_ev, collect, NULL), 1);
		}
		memset(vt_buf, '#', sizeof(vt_buf));
	}
}

static void test_status_snapshots(void)
{
	struct bw_sessions *s = bw_sessions_new(0);
	vt_open();
	nout = 0;
	/* two snapshots of the same session: counters replaced, not summed */
	const char *rows[] = {
		"TIME,Fri Jan  5 10:30:00 2024,1704450600",
		"CLIENT_LIST,alice,203.0.113.5:51234,10.8.0.6,,100,1000,Fri Jan  5 10:00:00 2024,1704448800,alice,0,0",
		"TIME,Fri Jan  5 11:00:00 2024,1704452400",
		"CLIENT_LIST,alice,203.0.113.5:51234,10.8.0.6,,200,9000,Fri Jan  5 10:00:00 2024,1704448800,alice,0,0",
	};
	feed_rows(s, rows, 4);
	CHECK_EQ_INT(nout, 0);
	/* at the end: the hour's report the status file's clock has made
	 * due, then the session still open */
	bw_sessions_finish(s, collect, NULL);
	CHECK_EQ_INT(nout, 2);
	CHECK_EQ_INT(out[0].kind, BW_KIND_SESSION_STATUS);
	CHECK_EQ_INT(out[0].duration_ms, 3600000);
	CHECK_EQ_INT(out[1].kind, BW_KIND_SESSION_END);
	CHECK_EQ_STR(out_user[1], "alice");
	CHECK_EQ_INT(out[1].bytes_out, 9000);
	CHECK_EQ_INT(out[1].bytes_in, 200);
	CHECK_EQ_INT(out[1].ts_ms, 1704452400000LL);
	CHECK_EQ_INT(out[1].duration_ms, 3600000);
	CHECK(out[1].flags & BW_EF_SESSION_OPEN);
	CHECK_EQ_STR(vt_ip(&out[1].assigned_ip), "10.8.0.6");
	bw_sessions_free(s);
}

/* Feed a message, then enrich it as the VPN stage does; report what
 * the event ended up with. */
static void feed_enrich(struct bw_sessions *s, const char *msg, int64_t t,
			char *user, char *ip)
{
	CHECK_EQ_INT(vt_msg(&bw_msg_charon, "charon", msg), BW_PARSE_OK);
	vt_ev.ts_ms = t * 1000;
	if (!bw_sessions_event(s, &vt_ev, collect, NULL))
		bw_sessions_enrich(s, &vt_ev);
	copy_view(user, vt_ev.user);
	strcpy(ip, vt_ip(&vt_ev.src_ip));
	memset(vt_buf, '#', sizeof(vt_buf));
}

static void test_ike_context(void)
{
	struct bw_sessions *s = bw_sessions_new(0);
	char user[64], ip[64];
	vt_open();
	nout = 0;
	/* a failed exchange: the failure line names neither user nor peer */
	feed_enrich(s, "06[IKE] <85> 116.178.2.170 is initiating an IKE_SA", 1, user, ip);
	feed_enrich(s, "09[IKE] <x|85> EAP-MS-CHAPv2 username: 'hl'", 2, user, ip);
	feed_enrich(s, "09[IKE] <x|85> EAP-MS-CHAPv2 verification failed, retry (1)", 3, user, ip);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_LOGIN);
	CHECK_EQ_INT(vt_ev.outcome, BW_OUTCOME_FAILURE);
	CHECK_EQ_STR(user, "hl");
	CHECK_EQ_STR(ip, "116.178.2.170");
	/* another exchange is not mixed in */
	feed_enrich(s, "09[IKE] <x|86> EAP-MS-CHAPv2 verification failed, retry (1)", 4, user, ip);
	CHECK_EQ_STR(user, "(none)");
	CHECK_EQ_STR(ip, "(none)");
	/* a successful one becomes a session; its start keeps the context */
	feed_enrich(s, "06[IKE] <90> 203.0.113.5 is initiating an IKE_SA", 10, user, ip);
	feed_enrich(s, "09[IKE] <rw|90> IKE_SA rw[90] established between 198.51.100.1[gw]...203.0.113.5[alice]", 11, user, ip);
	feed_enrich(s, "09[IKE] <rw|90> assigning virtual IP 10.10.0.2 to peer 'alice'", 11, user, ip);
	CHECK_EQ_STR(user, "alice");
	CHECK_EQ_STR(ip, "203.0.113.5"); /* filled from the session */
	CHECK_EQ_INT(nout, 0);
	bw_sessions_finish(s, collect, NULL);
	CHECK_EQ_INT(nout, 1); /* exchange 85 was never a session */
	CHECK_EQ_STR(out_user[0], "alice");
	CHECK_EQ_STR(vt_ip(&out[0].assigned_ip), "10.10.0.2");
	CHECK_EQ_INT(out[0].duration_ms, 0);
	CHECK_EQ_INT(out[0].line_no, 0);
	struct bw_sessions_stats st;
	bw_sessions_get_stats(s, &st);
	CHECK_EQ_INT(st.opened, 1);
	CHECK_EQ_INT(st.abandoned, 1);
	CHECK(st.enriched >= 2);
	bw_sessions_free(s);
}

/* A scanner opening IKE exchanges must not push sessions out. */
static void test_context_cannot_evict(void)
{
	struct bw_sessions *s = bw_sessions_new(8);
	char user[64], ip[64], msg[200];
	vt_open();
	nout = 0;
	for (int i = 0; i < 6; i++) {
		snprintf(msg, sizeof(msg), "09[IKE] <rw|%d> IKE_SA rw[%d] established between 198.51.100.1[gw]...203.0.113.%d[u%d]", i, i, i + 1, i);
		feed_enrich(s, msg, 10 + i, user, ip);
	}
	for (int i = 0; i < 100; i++) {
		snprintf(msg, sizeof(msg), "06[IKE] <%d> 192.0.2.%d is initiating an IKE_SA", 1000 + i, i % 250 + 1);
		feed_enrich(s, msg, 100 + i, user, ip);
	}
	struct bw_sessions_stats st;
	bw_sessions_get_stats(s, &st);
	CHECK_EQ_INT(st.active, 6);
	CHECK_EQ_INT(st.evicted, 0);
	CHECK_EQ_INT(st.abandoned, 98); /* 2 context entries fit */
	/* the latest exchange's context is still there */
	feed_enrich(s, "09[IKE] <x|1099> EAP-MS-CHAPv2 verification failed, retry (1)", 300, user, ip);
	CHECK_EQ_STR(ip, "192.0.2.100");
	/* more sessions than the table holds: sessions evict sessions */
	for (int i = 0; i < 4; i++) {
		snprintf(msg, sizeof(msg), "09[IKE] <rw|%d> IKE_SA rw[%d] established between 198.51.100.1[gw]...203.0.113.%d[v%d]", 50 + i, 50 + i, i + 100, i);
		feed_enrich(s, msg, 400 + i, user, ip);
	}
	bw_sessions_get_stats(s, &st);
	CHECK_EQ_INT(st.active, 8);
	CHECK_EQ_INT(st.evicted, 2);
	bw_sessions_finish(s, collect, NULL);
	CHECK_EQ_INT(nout, 8 < MAX_OUT ? 8 : MAX_OUT);
	bw_sessions_free(s);
}

static void test_cap_and_untracked(void)
{
	struct bw_sessions *s = bw_sessions_new(3);
	vt_open();
	nout = 0;
	char msg[200];
	for (int i = 0; i < 5; i++) {
		snprintf(msg, sizeof(msg), "%%ASA-4-113039: Group <GP> User <u%d> IP <203.0.113.%d> AnyConnect parent session started.", i, i + 1);
		feed(s, &bw_msg_cisco_asa, msg, 10 + i);
	}
	struct bw_sessions_stats st;
	bw_sessions_get_stats(s, &st);
	CHECK_EQ_INT(st.active, 3);
	CHECK_EQ_INT(st.evicted, 2);
	/* the two least recently active (u0, u1) were dropped */
	CHECK_EQ_INT(feed(s, &bw_msg_cisco_asa, "%ASA-4-113019: Group = GP, Username = u0, IP = 203.0.113.1, Session disconnected. Session Type: SSL, Duration: 0h:00m:01s, Bytes xmt: 1, Bytes rcv: 1, Reason: x", 20), 0);
	CHECK_EQ_INT(feed(s, &bw_msg_cisco_asa, "%ASA-4-113019: Group = GP, Username = u4, IP = 203.0.113.5, Session disconnected. Session Type: SSL, Duration: 0h:00m:01s, Bytes xmt: 1, Bytes rcv: 1, Reason: x", 21), 1);
	/* no user and no id: not tracked */
	bw_event ev;
	bw_event_clear(&ev);
	ev.source = BW_SRC_VPN;
	ev.kind = BW_KIND_SESSION_START;
	CHECK_EQ_INT(bw_sessions_event(s, &ev, collect, NULL), 0);
	/* non-VPN events are never touched */
	ev.source = BW_SRC_WEB;
	ev.kind = BW_KIND_SESSION_END;
	ev.session_id = BW_STR_LIT("1");
	CHECK_EQ_INT(bw_sessions_event(s, &ev, collect, NULL), 0);
	bw_sessions_get_stats(s, &st);
	CHECK_EQ_INT(st.untracked, 1);
	nout = 0;
	bw_sessions_finish(s, collect, NULL);
	CHECK_EQ_INT(nout, 2);
	/* oldest activity first */
	CHECK(nout == 2 && out[0].ts_ms <= out[1].ts_ms);
	bw_sessions_free(s);
	bw_sessions_free(NULL);

	/* hostile stamps: a computed duration over 100 years is absent */
	s = bw_sessions_new(4);
	nout = 0;
	feed(s, &bw_msg_cisco_asa, "%ASA-4-113039: Group <GP> User <z> IP <203.0.113.9> AnyConnect parent session started.", -62135596800LL);
	feed(s, &bw_msg_cisco_asa, "%ASA-4-113019: Group = GP, Username = z, IP = 203.0.113.9, Session disconnected. Session Type: SSL, Duration: x, Bytes xmt: 1, Bytes rcv: 1, Reason: x", 253402300799LL);
	CHECK_EQ_INT(nout, 1);
	CHECK_EQ_INT(out[0].duration_ms, BW_NUM_ABSENT);
	bw_sessions_free(s);
}

/* The next event of a churn: a start or (one in endmod) an end of one
 * of nsid sessions on device "h", picked by the generator *r. */
static void churn_event(bw_event *ev, char *sid, size_t sidn, uint32_t *r,
			int64_t ts, unsigned nsid, unsigned endmod)
{
	*r = *r * 1103515245u + 12345u;
	bw_event_clear(ev);
	ev->source = BW_SRC_VPN;
	ev->ts_ms = ts;
	ev->host = BW_STR_LIT("h");
	snprintf(sid, sidn, "%u", (*r >> 8) % nsid);
	ev->session_id = bw_str_make(sid, strlen(sid));
	ev->kind = (*r >> 4) % endmod == 0 ? BW_KIND_SESSION_END : BW_KIND_SESSION_START;
}

/* Many sessions through a small table, random order of ends: no leak or
 * bad access (ASan), counts add up. */
static void test_churn(void)
{
	struct bw_sessions *s = bw_sessions_new(64);
	bw_event ev;
	char sid[32];
	uint32_t r = 7;
	uint64_t ends = 0;
	nout = 0;
	for (int i = 0; i < 20000; i++) {
		churn_event(&ev, sid, sizeof(sid), &r, i, 200, 3);
		ends += (uint64_t)bw_sessions_event(s, &ev, collect, NULL);
		nout = 0;
	}
	struct bw_sessions_stats st;
	bw_sessions_get_stats(s, &st);
	CHECK_EQ_INT(st.closed, ends);
	CHECK(st.active <= 64);
	CHECK_EQ_INT(st.opened, st.closed + st.evicted + st.active);
	bw_sessions_free(s);
}

static int is_action(const bw_event *ev, const char *a)
{
	return ev->action.n == strlen(a) && memcmp(ev->action.p, a, ev->action.n) == 0;
}

/* A session still up is reported (session_status) each hour of its age,
 * after the event that reaches the mark, at most one look per minute of
 * log time; a session that ended is not. */
static void test_open_reports(void)
{
	struct bw_sessions *s = bw_sessions_new(8);
	vt_open();
	nout = 0;
	feed_tick(s, &bw_msg_cisco_asa, "%ASA-4-113039: Group <GP> User <alice> IP <203.0.113.5> AnyConnect parent session started.", 1000);
	feed_tick(s, &bw_msg_cisco_asa, "%ASA-4-113039: Group <GP> User <bob> IP <198.51.100.9> AnyConnect parent session started.", 1000 + 3599);
	CHECK_EQ_INT(nout, 0); /* alice: 1 s short of an hour */
	feed_tick(s, &bw_msg_cisco_asa, "%ASA-5-722051: Group <GP> User <bob> IP <198.51.100.9> IPv4 Address <10.10.10.9> IPv6 address <::> assigned to session", 1000 + 3600);
	CHECK_EQ_INT(nout, 1);
	CHECK_EQ_INT(out[0].kind, BW_KIND_SESSION_STATUS);
	CHECK(out[0].flags & BW_EF_SESSION_OPEN);
	CHECK(is_action(&out[0], "session-status"));
	CHECK_EQ_STR(out_user[0], "alice");
	CHECK_EQ_STR(vt_ip(&out[0].src_ip), "203.0.113.5");
	CHECK_EQ_INT(out[0].ts_ms, 4600000);
	CHECK_EQ_INT(out[0].duration_ms, 3600000);
	CHECK_EQ_INT(out[0].line_no, 1000); /* cites the opening line */
	/* bob's hour falls at 8199, alice's second at 8200 */
	feed_tick(s, &bw_msg_cisco_asa, "%ASA-4-113039: Group <GP> User <carl> IP <198.51.100.10> AnyConnect parent session started.", 8199);
	CHECK_EQ_INT(nout, 2);
	CHECK_EQ_STR(out_user[1], "bob");
	CHECK_EQ_INT(out[1].duration_ms, 3600000);
	/* alice is due at 8200, but the last look was 31 s before */
	feed_tick(s, &bw_msg_cisco_asa, "%ASA-4-113039: Group <GP> User <dan> IP <198.51.100.11> AnyConnect parent session started.", 8230);
	CHECK_EQ_INT(nout, 2);
	feed_tick(s, &bw_msg_cisco_asa, "%ASA-4-113039: Group <GP> User <eve> IP <198.51.100.12> AnyConnect parent session started.", 8259);
	CHECK_EQ_INT(nout, 3);
	CHECK_EQ_STR(out_user[2], "alice");
	CHECK_EQ_INT(out[2].duration_ms, 7259000);
	/* bob's end exactly at his next mark (carl's first): the end, and
	 * a report of carl only */
	CHECK_EQ_INT(feed_tick(s, &bw_msg_cisco_asa, "%ASA-4-113019: Group = GP, Username = bob, IP = 198.51.100.9, Session disconnected. Session Type: SSL, Duration: 2h:00m:00s, Bytes xmt: 1, Bytes rcv: 1, Reason: User Requested", 11799), 1);
	CHECK_EQ_INT(nout, 5);
	CHECK_EQ_INT(out[3].kind, BW_KIND_SESSION_END);
	CHECK_EQ_STR(out_user[3], "bob");
	CHECK_EQ_INT(out[4].kind, BW_KIND_SESSION_STATUS);
	CHECK_EQ_STR(out_user[4], "carl");
	struct bw_sessions_stats st;
	bw_sessions_get_stats(s, &st);
	CHECK_EQ_INT(st.reported, 4);
	bw_sessions_free(s);
}

/* A statistics snapshot reports the session at once when it shows
 * another whole GiB out, citing the snapshot's line and the opening one;
 * counters that grow within a GiB, or a snapshot that goes back, do not. */
static void test_gib_reports(void)
{
	struct bw_sessions *s = bw_sessions_new(0);
	vt_open();
	nout = 0;
		const char *rows[] = {
		"TIME,Fri Jan  5 10:30:00 2024,1704450600",
		"CLIENT_LIST,alice,203.0.113.5:51234,10.8.0.6,,100,1000,Fri Jan  5 10:00:00 2024,1704448800,alice,0,0",
		"CLIENT_LIST,alice,203.0.113.5:51234,10.8.0.6,,100,1073741823,Fri Jan  5 10:00:00 2024,1704448800,alice,0,0",
		"CLIENT_LIST,alice,203.0.113.5:51234,10.8.0.6,,100,1073741824,Fri Jan  5 10:00:00 2024,1704448800,alice,0,0",
		"CLIENT_LIST,alice,203.0.113.5:51234,10.8.0.6,,100,2147483647,Fri Jan  5 10:00:00 2024,1704448800,alice,0,0",
		"CLIENT_LIST,alice,203.0.113.5:51234,10.8.0.6,,100,500,Fri Jan  5 10:00:00 2024,1704448800,alice,0,0",
		"CLIENT_LIST,alice,203.0.113.5:51234,10.8.0.6,,100,6442450944,Fri Jan  5 10:00:00 2024,1704448800,alice,0,0",
	};
	feed_rows(s, rows, sizeof(rows) / sizeof(rows[0]));
	CHECK_EQ_INT(nout, 2);
	CHECK_EQ_INT(out[0].kind, BW_KIND_SESSION_STATUS);
	CHECK_EQ_INT(out[0].bytes_out, 1073741824);
	CHECK_EQ_INT(out[0].line_no, 13);   /* the snapshot that showed it */
	CHECK_EQ_INT(out[0].start_line, 11); /* the one that opened it */
	CHECK_EQ_INT(out[0].duration_ms, 1800000);
	CHECK_EQ_INT(out[1].bytes_out, 6442450944LL);
	CHECK_EQ_INT(out[1].line_no, 16);
	bw_sessions_free(s);
}

/* Thousands of sessions opening and ending through a small table over
 * days of log time, reports interleaved: no bad access (ASan), every
 * report is of an open session at least an hour old. */
static void test_report_churn(void)
{
	struct bw_sessions *s = bw_sessions_new(32);
	bw_event ev;
	char sid[32];
	uint32_t r = 11;
	uint64_t reports = 0;
	for (int i = 0; i < 20000; i++) {
		/* 17 s apart: ~4 days in all */
		churn_event(&ev, sid, sizeof(sid), &r, (int64_t)i * 17000, 100, 4);
		nout = 0;
		bw_sessions_event(s, &ev, collect, NULL);
		nout = 0;
		bw_sessions_tick(s, &ev, collect, NULL);
		for (int k = 0; k < nout; k++) {
			CHECK_EQ_INT(out[k].kind, BW_KIND_SESSION_STATUS);
			CHECK(out[k].duration_ms >= 3600000);
			CHECK_EQ_INT(out[k].ts_ms, ev.ts_ms);
		}
		reports += (uint64_t)nout;
	}
	struct bw_sessions_stats st;
	bw_sessions_get_stats(s, &st);
	CHECK(reports > 0);
	CHECK(st.reported >= reports); /* beyond MAX_OUT, not collected */
	bw_sessions_free(s);
}

static int feed_dev(struct bw_sessions *s, const char *dev, const char *msg,
		    int64_t t)
{
	return feed_at(s, &bw_msg_cisco_asa, dev, msg, t, 1);
}

#define ASA_START(u, ip) "%ASA-4-113039: Group <GP> User <" u "> IP <" ip "> AnyConnect parent session started."
#define ASA_END(u, ip) "%ASA-4-113019: Group = GP, Username = " u ", IP = " ip ", Session disconnected. Session Type: SSL, Duration: 1h:00m:00s, Bytes xmt: 1, Bytes rcv: 1, Reason: User Requested"

/* Each device's sessions age on that device's clock: a line from another
 * device a year ahead (a wrong clock, a hostile line), or shipped ahead
 * of this device's lines on a pipe, reports none of them; the end of
 * input closes them at their own device's newest time. */
static void test_device_clocks(void)
{
	struct bw_sessions *s = bw_sessions_new(8);
	vt_open();
	nout = 0;
	feed_dev(s, "asa-a", ASA_START("omar", "198.51.100.80"), 1000);
	feed_dev(s, "asa-a", ASA_START("pia", "198.51.100.81"), 1000 + 600);
	feed_dev(s, "asa-b", ASA_START("quinn", "198.51.100.82"), 1000 + 365 * 86400);
	CHECK_EQ_INT(nout, 0);
	/* omar's end, 23h59m50s after his start, after asa-b's lines */
	CHECK_EQ_INT(feed_dev(s, "asa-a", ASA_END("omar", "198.51.100.80"), 1000 + 86390), 1);
	CHECK_EQ_INT(nout, 2); /* omar's end, then pia's 23rd hour */
	CHECK_EQ_INT(out[0].kind, BW_KIND_SESSION_END);
	CHECK_EQ_STR(out_user[0], "omar");
	CHECK_EQ_INT(out[1].kind, BW_KIND_SESSION_STATUS);
	CHECK_EQ_STR(out_user[1], "pia");
	CHECK_EQ_INT(out[1].duration_ms, (86390 - 600) * 1000LL);
	bw_sessions_finish(s, collect, NULL);
	/* pia closes at asa-a's newest time, not asa-b's a year on */
	int pia_end = 0;
	for (int i = 2; i < nout; i++)
		if (strcmp(out_user[i], "pia") == 0 && out[i].kind == BW_KIND_SESSION_END) {
			CHECK_EQ_INT(out[i].ts_ms, (1000 + 86390) * 1000LL);
			pia_end++;
		}
	CHECK_EQ_INT(pia_end, 1);
	bw_sessions_free(s);
}

/* After its first day a session is reported once a day: at 24 h, then
 * 48 h, not each hour between. */
static void test_daily_after_first_day(void)
{
	struct bw_sessions *s = bw_sessions_new(8);
	vt_open();
	nout = 0;
	feed_dev(s, "gw", ASA_START("sami", "198.51.100.90"), 0);
	int reports = 0, at24 = 0, at48 = 0;
	for (int h = 1; h <= 50; h++) {
		nout = 0;
		feed_dev(s, "gw", ASA_START("tom", "198.51.100.91"), (int64_t)h * 3600 + 1);
		for (int k = 0; k < nout; k++) {
			if (strcmp(out_user[k], "sami") != 0)
				continue;
			reports++;
			at24 += out[k].duration_ms == (24 * 3600 + 1) * 1000LL;
			at48 += out[k].duration_ms == (48 * 3600 + 1) * 1000LL;
		}
	}
	CHECK_EQ_INT(reports, 23 + 1 + 1); /* hours 1..23, then 24 h, 48 h */
	CHECK_EQ_INT(at24, 1);
	CHECK_EQ_INT(at48, 1);
	bw_sessions_free(s);
}

/* A stamp over 100 years after a session's start makes its age unknown:
 * it is never reported, and later lines of its device report the others
 * as before. */
static void test_unknown_age_never_reported(void)
{
	struct bw_sessions *s = bw_sessions_new(8);
	vt_open();
	nout = 0;
	feed_dev(s, "gw", ASA_START("old", "198.51.100.92"), -3200000000LL);
	feed_dev(s, "gw", ASA_START("uwe", "198.51.100.93"), 1000);
	feed_dev(s, "gw", ASA_START("vic", "198.51.100.94"), 1000 + 3600);
	CHECK_EQ_INT(nout, 1);
	CHECK_EQ_STR(out_user[0], "uwe");
	feed_dev(s, "gw", ASA_START("wim", "198.51.100.95"), 1000 + 7200);
	CHECK_EQ_INT(nout, 3); /* uwe's second hour, vic's first */
	for (int i = 0; i < nout; i++)
		CHECK(strcmp(out_user[i], "old") != 0);
	bw_sessions_free(s);
}

/* A host name too long to key a session on is no device: a line with
 * one, stamped a year ahead, does not age the sessions of the devices
 * that log no name (OpenVPN status rows, FortiGate without devname). */
static void test_long_host_no_clock(void)
{
	struct bw_sessions *s = bw_sessions_new(8);
	char big[301];
	memset(big, 'h', 300);
	big[300] = 0;
	vt_open();
	nout = 0;
	feed_dev(s, "", ASA_START("xena", "198.51.100.96"), 1000);
	feed_dev(s, big, ASA_START("yuri", "198.51.100.97"), 1000 + 365 * 86400);
	CHECK_EQ_INT(nout, 0);
	CHECK_EQ_INT(feed_dev(s, "", ASA_END("xena", "198.51.100.96"), 1600), 1);
	CHECK_EQ_INT(nout, 1);
	CHECK_EQ_INT(out[0].kind, BW_KIND_SESSION_END);
	bw_sessions_free(s);
}

/* Feed a FortiGate VPN line (action) of tunnel tid ("0": none) of zed
 * from 198.51.100.7 on FGT-EDGE at hh:mm, then the report tick. */
static int fgt_tid(struct bw_sessions *s, const char *tid, const char *hhmm,
		   const char *action, const char *extra, uint64_t line)
{
	char l[1024];
	snprintf(l, sizeof(l), "date=2026-11-01 time=%s:00 devname=\"FGT-EDGE\" tz=\"+0000\" "
		 "logid=\"0101039949\" type=\"event\" subtype=\"vpn\" action=\"%s\" "
		 "tunneltype=\"ssl-tunnel\" tunnelid=%s remip=198.51.100.7 "
		 "tunnelip=10.0.0.1 user=\"zed\" %smsg=\"x\"", hhmm, action, tid, extra);
	CHECK_EQ_INT(vt_line(&bw_parser_fortigate, l), BW_PARSE_OK);
	vt_ev.line_no = line;
	int r = bw_sessions_event(s, &vt_ev, collect, NULL);
	bw_sessions_tick(s, &vt_ev, collect, NULL);
	memset(vt_buf, '#', sizeof(vt_buf));
	return r;
}

static int fgt(struct bw_sessions *s, const char *hhmm, const char *action,
	       const char *extra, uint64_t line)
{
	return fgt_tid(s, "1", hhmm, action, extra, line);
}

/* FortiGate may log a tunnel's last statistics after its tunnel-down:
 * they are that session's, which has ended, not a new one (which would be
 * reported open and its bytes summed again at the end). Statistics of a
 * later session under the same id start a session. */
static void test_stats_after_end(void)
{
	struct bw_sessions *s = bw_sessions_new(8);
	vt_open();
	nout = 0;
	fgt(s, "09:00", "tunnel-up", "", 1);
	CHECK_EQ_INT(fgt(s, "11:00", "tunnel-down", "duration=7200 sentbyte=2684354560 rcvdbyte=1 ", 2), 1);
	CHECK_EQ_INT(nout, 1);
	CHECK_EQ_INT(fgt(s, "11:00", "tunnel-stats", "duration=7200 sentbyte=2684354560 rcvdbyte=1 ", 3), 2);
	CHECK_EQ_INT(nout, 1);
	/* the id again, an hour later, for a tunnel up 10 min: new */
	CHECK_EQ_INT(fgt(s, "12:10", "tunnel-stats", "duration=600 sentbyte=1073741824 rcvdbyte=1 ", 4), 1);
	CHECK_EQ_INT(nout, 2); /* its first GiB */
	bw_sessions_finish(s, collect, NULL);
	struct bw_sessions_stats st;
	bw_sessions_get_stats(s, &st);
	CHECK_EQ_INT(st.stale, 1);
	CHECK_EQ_INT(st.flushed, 1);
	bw_sessions_free(s);
}

/* Two tunnels of zed from one address with no tunnel id (one key): up
 * at 09:00 and at up2, one ends at down (its duration in down_x), then
 * statistics at st (st_x). @return how many lines were stale. */
static uint64_t two_tunnels(const char *up2, const char *down,
			    const char *down_x, const char *st, const char *st_x)
{
	struct bw_sessions *s = bw_sessions_new(8);
	nout = 0;
	fgt_tid(s, "0", "09:00", "tunnel-up", "", 1);
	fgt_tid(s, "0", up2, "tunnel-up", "", 2);
	CHECK_EQ_INT(fgt_tid(s, "0", down, "tunnel-down", down_x, 3), 1);
	CHECK_EQ_INT(fgt_tid(s, "0", st, "tunnel-stats", st_x, 4), 1);
	struct bw_sessions_stats sst;
	bw_sessions_get_stats(s, &sst);
	CHECK_EQ_INT(sst.active, 1);
	bw_sessions_free(s);
	return sst.stale;
}

/* Two tunnels of one user from one address with no tunnel id share a
 * key: the statistics of the second, begun before the first ended, are
 * its own, not stale. A log that begins mid-session: the end with no
 * start seen is remembered too. A line with no duration is stale when
 * logged no later than the end. */
static void test_stats_after_end_cases(void)
{
	vt_open();
	CHECK_EQ_INT(two_tunnels("10:00", "10:30", "duration=5400 sentbyte=1 rcvdbyte=1 ",
				 "11:00", "duration=3600 sentbyte=6442450944 rcvdbyte=1 "), 0);
	struct bw_sessions *s;
	struct bw_sessions_stats st;

	/* the same, the later tunnel ending first: the end remembers its
	 * own start (its duration), not the earlier one's */
	CHECK_EQ_INT(two_tunnels("10:00", "10:30", "duration=1800 sentbyte=1 rcvdbyte=1 ",
				 "11:00", "duration=7200 sentbyte=6442450944 rcvdbyte=1 "), 0);

	s = bw_sessions_new(8);
	CHECK_EQ_INT(fgt(s, "11:00", "tunnel-down", "duration=7200 sentbyte=2684354560 rcvdbyte=1 ", 1), 0);
	/* the end again, without its duration (overlapping inputs): the
	 * start remembered first still tells */
	CHECK_EQ_INT(fgt(s, "11:00", "tunnel-down", "sentbyte=2684354560 rcvdbyte=1 ", 1), 0);
	CHECK_EQ_INT(fgt(s, "11:00", "tunnel-stats", "duration=7200 sentbyte=2684354560 rcvdbyte=1 ", 2), 2);
	CHECK_EQ_INT(fgt(s, "11:01", "tunnel-stats", "duration=7260 sentbyte=2684354560 rcvdbyte=1 ", 3), 2);
	CHECK_EQ_INT(fgt(s, "11:00", "tunnel-stats", "sentbyte=2684354560 rcvdbyte=1 ", 4), 2);
	bw_sessions_get_stats(s, &st);
	CHECK_EQ_INT(st.stale, 3);
	CHECK_EQ_INT(st.active, 0);
	bw_sessions_free(s);
}

/* Feed one FortiGate line (action, extra) for each of tunnels 100 ..
 * 100 + n - 1 at hh:mm. */
static void fgt_each(struct bw_sessions *s, int n, const char *hhmm,
		     const char *action, const char *extra)
{
	char tid[16];
	for (int i = 0; i < n; i++) {
		snprintf(tid, sizeof(tid), "%d", 100 + i);
		nout = 0;
		fgt_tid(s, tid, hhmm, action, extra, 1);
	}
}

/* A mass disconnect: 10,000 tunnels end in one second, then their last
 * statistics: every one is stale, none opens again, whatever the seed
 * (the ends are remembered in the order they came). */
static void test_stats_after_mass_end(void)
{
	struct bw_sessions *s = bw_sessions_new(16384);
	vt_open();
	fgt_each(s, 10000, "09:00", "tunnel-up", "");
	fgt_each(s, 10000, "17:00", "tunnel-down", "duration=28800 sentbyte=1 rcvdbyte=1 ");
	fgt_each(s, 10000, "17:00", "tunnel-stats", "duration=28800 sentbyte=1 rcvdbyte=1 ");
	struct bw_sessions_stats st;
	bw_sessions_get_stats(s, &st);
	CHECK_EQ_INT(st.stale, 10000);
	CHECK_EQ_INT(st.active, 0);
	bw_sessions_free(s);
}

/* Past 16,384 ends the oldest are forgotten, in the order they came:
 * the statistics of the first of 20,000 open a session again, those of
 * the last are stale (and the ring's chains stay whole: ASan). */
static void test_closed_ring_wraps(void)
{
	struct bw_sessions *s = bw_sessions_new(8);
	vt_open();
	fgt_each(s, 20000, "17:00", "tunnel-down", "duration=28800 sentbyte=1 rcvdbyte=1 ");
	CHECK_EQ_INT(fgt_tid(s, "100", "17:00", "tunnel-stats", "duration=28800 sentbyte=1 rcvdbyte=1 ", 2), 1);
	CHECK_EQ_INT(fgt_tid(s, "20099", "17:00", "tunnel-stats", "duration=28800 sentbyte=1 rcvdbyte=1 ", 3), 2);
	CHECK_EQ_INT(fgt_tid(s, "3716", "17:00", "tunnel-stats", "duration=28800 sentbyte=1 rcvdbyte=1 ", 4), 2);
	CHECK_EQ_INT(fgt_tid(s, "3715", "17:00", "tunnel-stats", "duration=28800 sentbyte=1 rcvdbyte=1 ", 5), 1);
	bw_sessions_free(s);
}

/* Two tunnels of one key begun in the same seconds (a laptop and a
 * phone behind one NAT, tunnelid=0): the first ends, the statistics of
 * the second an hour later are its own. One key ending 20,000 times (a
 * reconnect loop): its newest end is still found. */
static void test_stats_after_end_close_starts(void)
{
	vt_open();
	CHECK_EQ_INT(two_tunnels("09:00", "09:10", "duration=600 sentbyte=1 rcvdbyte=1 ",
				 "10:00", "duration=3600 sentbyte=7516192768 rcvdbyte=1 "), 0);
	struct bw_sessions *s;

	s = bw_sessions_new(8);
	for (int i = 0; i < 20000; i++) {
		nout = 0;
		fgt(s, "11:00", "tunnel-down", "duration=7200 sentbyte=1 rcvdbyte=1 ", 1);
	}
	CHECK_EQ_INT(fgt(s, "11:00", "tunnel-stats", "duration=7200 sentbyte=1 rcvdbyte=1 ", 2), 2);
	bw_sessions_free(s);
}

/* Feed an ASA start of user u from ip, as a log of product fmt that
 * names no device, from input in, at t (seconds), then the tick. */
static void feed_nameless(struct bw_sessions *s, const char *fmt, uint32_t in,
			  const char *msg, int64_t t)
{
	CHECK_EQ_INT(vt_msg(&bw_msg_cisco_asa, "x", msg), BW_PARSE_OK);
	vt_ev.host = BW_STR_NULL;
	vt_ev.format = fmt;
	vt_ev.input_id = in;
	vt_ev.ts_ms = t * 1000;
	bw_sessions_event(s, &vt_ev, collect, NULL);
	bw_sessions_tick(s, &vt_ev, collect, NULL);
	memset(vt_buf, '#', sizeof(vt_buf));
}

/* Logs that name no device keep one clock per product: another
 * product's file a year on ages none of this one's sessions; the next
 * file of the same product (last night's rotated log, then today's, or
 * an OpenVPN log and its status file) moves the clock of the sessions
 * begun in the first. */
static void test_nameless_clock_per_product(void)
{
	struct bw_sessions *s = bw_sessions_new(8);
	vt_open();
	nout = 0;
	feed_nameless(s, "openvpn", 0, ASA_START("zara", "198.51.100.98"), 1000);
	feed_nameless(s, "charon", 1, ASA_START("zack", "198.51.100.99"), 1000 + 365 * 86400);
	CHECK_EQ_INT(nout, 0);
	/* no host name, whatever its bytes, is a product's device */
	feed_dev(s, "\x01openvpn", ASA_START("yves", "198.51.100.102"), 1000 + 365 * 86400);
	feed_dev(s, "popenvpn", ASA_START("yann", "198.51.100.103"), 1000 + 365 * 86400);
	CHECK_EQ_INT(nout, 0);
	feed_nameless(s, "openvpn-status", 2, ASA_START("zeno", "198.51.100.100"), 1000 + 86400 + 60);
	CHECK_EQ_INT(nout, 1);
	CHECK_EQ_STR(out_user[0], "zara");
	CHECK_EQ_INT(out[0].duration_ms, (86400 + 60) * 1000LL);
	bw_sessions_free(s);
}

/* A session whose exchange began as context on one device (a named
 * gateway's pre-auth line) and started on another keeps the clock of the
 * device that started it: the first device falling silent does not
 * stop its reports. */
static void test_promoted_takes_its_device(void)
{
	struct bw_sessions *s = bw_sessions_new(0);
	vt_open();
	nout = 0;
	CHECK_EQ_INT(vt_msg(&bw_msg_charon, "charon", "06[IKE] <90> 203.0.113.5 is initiating an IKE_SA"), BW_PARSE_OK);
	vt_ev.host = BW_STR_NULL;
	vt_ev.format = "charon-a";
	vt_ev.ts_ms = 1000 * 1000LL;
	bw_sessions_event(s, &vt_ev, collect, NULL);
	memset(vt_buf, '#', sizeof(vt_buf));
	CHECK_EQ_INT(vt_msg(&bw_msg_charon, "charon", "09[IKE] <rw|90> IKE_SA rw[90] established between 198.51.100.1[gw]...203.0.113.5[alice]"), BW_PARSE_OK);
	vt_ev.host = BW_STR_NULL;
	vt_ev.format = "charon-b";
	vt_ev.ts_ms = 1001 * 1000LL;
	bw_sessions_event(s, &vt_ev, collect, NULL);
	memset(vt_buf, '#', sizeof(vt_buf));
	/* charon-b's clock, a day later */
	feed_nameless(s, "charon-b", 0, ASA_START("bert", "198.51.100.101"), 1001 + 86400);
	CHECK_EQ_INT(nout, 1);
	CHECK_EQ_STR(out_user[0], "alice");
	bw_sessions_free(s);
}

/* A NetScaler-like event of device "ns": kind, account, session id, time
 * (seconds, also its line number), flags; then the report tick. */
static int ns_feed(struct bw_sessions *s, enum bw_kind kind, const char *user,
		   const char *sid, int64_t t, uint32_t flags)
{
	bw_event ev;
	bw_event_clear(&ev);
	ev.source = BW_SRC_VPN;
	ev.kind = (uint8_t)kind;
	ev.format = "netscaler";
	ev.host = bw_str_make("ns", 2);
	ev.user = bw_str_make(user, strlen(user));
	ev.session_id = bw_str_make(sid, strlen(sid));
	bw_ip_parse("203.0.113.7", 11, &ev.src_ip);
	ev.ts_ms = t * 1000;
	ev.line_no = (uint64_t)t;
	ev.flags = flags | BW_EF_SID_PER_USER; /* as the parser sets it */
	int r = bw_sessions_event(s, &ev, collect, NULL);
	bw_sessions_tick(s, &ev, collect, NULL);
	return r;
}

/* A logout saying the session is over (NetScaler's REMOVE_SESSION,
 * BW_EF_SESSION_GONE) stops its reports; the end record that follows is
 * its one end; without one, the session ends at the logout, once its
 * device's clock is 2 min past it, at a new start of its key, or at the
 * end of the input. Ids are the session's only with the account. */
static void test_removed_sessions(void)
{
	struct bw_sessions *s = bw_sessions_new(16);
	nout = 0;
	ns_feed(s, BW_KIND_SESSION_START, "kim", "1", 1000, 0);
	CHECK_EQ_INT(ns_feed(s, BW_KIND_LOGOUT, "kim", "1", 2000, BW_EF_SESSION_GONE), 0);
	ns_feed(s, BW_KIND_SESSION_START, "bob", "1", 2119, 0); /* other account */
	CHECK_EQ_INT(nout, 0);
	ns_feed(s, BW_KIND_SESSION_START, "carl", "2", 2121, 0);
	CHECK_EQ_INT(nout, 1);
	CHECK_EQ_INT(out[0].kind, BW_KIND_SESSION_END);
	CHECK_EQ_STR(out_user[0], "kim");
	CHECK(is_action(&out[0], "session-removed"));
	CHECK_EQ_INT(out[0].ts_ms, 2000000);
	CHECK_EQ_INT(out[0].duration_ms, 1000000);
	CHECK_EQ_INT(out[0].line_no, 2000);
	CHECK_EQ_INT(out[0].start_line, 1000);
	CHECK(out[0].flags & BW_EF_HELD);
	CHECK(!(out[0].flags & BW_EF_SESSION_OPEN));
	/* its LOGOUT after the wait: one of a session never seen */
	CHECK_EQ_INT(ns_feed(s, BW_KIND_SESSION_END, "kim", "1", 2200, 0), 0);
	CHECK_EQ_INT(nout, 1);
	/* carl: removed, then his LOGOUT within the wait is the one end */
	ns_feed(s, BW_KIND_LOGOUT, "carl", "2", 2500, BW_EF_SESSION_GONE);
	CHECK_EQ_INT(ns_feed(s, BW_KIND_SESSION_END, "carl", "2", 2501, 0), 1);
	CHECK_EQ_INT(nout, 2);
	CHECK_EQ_STR(out_user[1], "carl");
	CHECK(is_action(&out[1], "session-removed") == 0);
	CHECK_EQ_INT(out[1].duration_ms, 380000);
	/* erin: removed, then her key starts again */
	ns_feed(s, BW_KIND_SESSION_START, "erin", "4", 3000, 0);
	ns_feed(s, BW_KIND_LOGOUT, "erin", "4", 3010, BW_EF_SESSION_GONE);
	ns_feed(s, BW_KIND_SESSION_START, "erin", "4", 3020, 0);
	CHECK_EQ_INT(nout, 3);
	CHECK(is_action(&out[2], "session-removed"));
	CHECK_EQ_INT(out[2].duration_ms, 10000);
	/* dave: removed just before the input ends */
	ns_feed(s, BW_KIND_SESSION_START, "dave", "3", 3100, 0);
	ns_feed(s, BW_KIND_LOGOUT, "dave", "3", 3110, BW_EF_SESSION_GONE);
	/* a removal naming another account leaves bob's session alone */
	ns_feed(s, BW_KIND_LOGOUT, "zz", "1", 3120, BW_EF_SESSION_GONE);
	nout = 0;
	bw_sessions_finish(s, collect, NULL);
	int removed = 0, open = 0;
	for (int i = 0; i < nout; i++) {
		if (is_action(&out[i], "session-removed")) {
			removed++;
			CHECK_EQ_STR(out_user[i], "dave");
			CHECK_EQ_INT(out[i].duration_ms, 10000);
		} else if (is_action(&out[i], "session-open")) {
			open++; /* bob, carl's id 2 is closed, erin again */
		}
	}
	CHECK_EQ_INT(removed, 1);
	CHECK_EQ_INT(open, 2);
	struct bw_sessions_stats st;
	bw_sessions_get_stats(s, &st);
	CHECK_EQ_INT(st.gone, 4);
	CHECK_EQ_INT(st.removed, 3);
	bw_sessions_free(s);
}

/* The removed session that was its device's last ends at a tick of an
 * event that makes no entry (an end of a session never seen): the device
 * goes with it, and the tick must not look at it after (fuzz_scan found
 * the use after free). */
static void test_removed_last_of_device(void)
{
	struct bw_sessions *s = bw_sessions_new(16);
	nout = 0;
	ns_feed(s, BW_KIND_SESSION_START, "kim", "1", 1000, 0);
	ns_feed(s, BW_KIND_LOGOUT, "kim", "1", 2000, BW_EF_SESSION_GONE);
	CHECK_EQ_INT(ns_feed(s, BW_KIND_SESSION_END, "x", "9", 2200, 0), 0);
	CHECK_EQ_INT(nout, 1);
	CHECK(is_action(&out[0], "session-removed"));
	/* the device starts again with its next session */
	ns_feed(s, BW_KIND_SESSION_START, "lea", "2", 2300, 0);
	ns_feed(s, BW_KIND_SESSION_START, "max", "3", 2300 + 3600, 0);
	CHECK_EQ_INT(nout, 2);
	CHECK_EQ_INT(out[1].kind, BW_KIND_SESSION_STATUS);
	CHECK_EQ_STR(out_user[1], "lea");
	bw_sessions_free(s);
	/* the last session's key starts again: it ends, the device with it,
	 * and the new one starts on a device of its own clock */
	s = bw_sessions_new(16);
	nout = 0;
	ns_feed(s, BW_KIND_SESSION_START, "ann", "5", 1000, 0);
	ns_feed(s, BW_KIND_LOGOUT, "ann", "5", 1010, BW_EF_SESSION_GONE);
	ns_feed(s, BW_KIND_SESSION_START, "ann", "5", 1020, 0);
	CHECK_EQ_INT(nout, 1);
	CHECK(is_action(&out[0], "session-removed"));
	ns_feed(s, BW_KIND_SESSION_START, "bea", "6", 1020 + 3600, 0);
	CHECK_EQ_INT(nout, 2);
	CHECK_EQ_STR(out_user[1], "ann");
	CHECK_EQ_INT(out[1].duration_ms, 3600000);
	bw_sessions_free(s);
}

/* The cap evicts a session that does not wait for its end record before
 * a removed one (whose LOGOUT would then make a second end); when only
 * removed ones are left, one goes out with its end (known: the
 * removal), not silently. */
static void test_removed_evicted(void)
{
	struct bw_sessions *s = bw_sessions_new(4);
	nout = 0;
	ns_feed(s, BW_KIND_SESSION_START, "kim", "1", 1000, 0);
	ns_feed(s, BW_KIND_LOGOUT, "kim", "1", 1010, BW_EF_SESSION_GONE);
	const char *const more[] = { "a", "b", "c", "d" };
	for (int i = 0; i < 4; i++)
		ns_feed(s, BW_KIND_SESSION_START, more[i], more[i], 1020 + i, 0);
	CHECK_EQ_INT(nout, 0); /* a went, kim waits */
	CHECK_EQ_INT(ns_feed(s, BW_KIND_SESSION_END, "kim", "1", 1030, 0), 1);
	CHECK_EQ_INT(nout, 1); /* her one end, the LOGOUT */
	CHECK_EQ_STR(out_user[0], "kim");
	CHECK(!is_action(&out[0], "session-removed"));
	bw_sessions_free(s);

	s = bw_sessions_new(4);
	nout = 0;
	for (int i = 0; i < 4; i++) {
		ns_feed(s, BW_KIND_SESSION_START, more[i], more[i], 2000 + i, 0);
		ns_feed(s, BW_KIND_LOGOUT, more[i], more[i], 2010 + i,
			BW_EF_SESSION_GONE);
	}
	ns_feed(s, BW_KIND_SESSION_START, "kim", "1", 2020, 0);
	CHECK_EQ_INT(nout, 1);
	CHECK(is_action(&out[0], "session-removed"));
	CHECK_EQ_STR(out_user[0], "a");
	struct bw_sessions_stats st;
	bw_sessions_get_stats(s, &st);
	CHECK_EQ_INT(st.evicted, 1);
	CHECK_EQ_INT(st.removed, 1);
	bw_sessions_free(s);
}

static const struct bw_test tests[] = {
	{ "asa_session_enriched", test_asa_session_enriched },
	{ "openvpn_by_session_id", test_openvpn_by_session_id },
	{ "status_snapshots", test_status_snapshots },
	{ "ike_context", test_ike_context },
	{ "context_cannot_evict", test_context_cannot_evict },
	{ "cap_and_untracked", test_cap_and_untracked },
	{ "churn", test_churn },
	{ "open_reports", test_open_reports },
	{ "gib_reports", test_gib_reports },
	{ "report_churn", test_report_churn },
	{ "device_clocks", test_device_clocks },
	{ "daily_after_first_day", test_daily_after_first_day },
	{ "unknown_age_never_reported", test_unknown_age_never_reported },
	{ "long_host_no_clock", test_long_host_no_clock },
	{ "stats_after_end", test_stats_after_end },
	{ "stats_after_end_cases", test_stats_after_end_cases },
	{ "stats_after_mass_end", test_stats_after_mass_end },
	{ "closed_ring_wraps", test_closed_ring_wraps },
	{ "stats_after_end_close_starts", test_stats_after_end_close_starts },
	{ "nameless_clock_per_product", test_nameless_clock_per_product },
	{ "promoted_takes_its_device", test_promoted_takes_its_device },
	{ "removed_sessions", test_removed_sessions },
	{ "removed_last_of_device", test_removed_last_of_device },
	{ "removed_evicted", test_removed_evicted },
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	return bw_test_main("session", tests, argc, argv);
}
