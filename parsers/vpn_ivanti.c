/*
 * vpn_ivanti.c - Ivanti (formerly Pulse Secure / Juniper) Connect Secure
 * event and user-access logs, in the appliance's two syslog formats:
 *
 *   WELF:     id=firewall time="2024-03-01 10:00:00" pri=6 fw=192.0.2.1
 *             vpn=ive user=alice realm="Users" roles="Staff" proto=
 *             src=203.0.113.5 dst= ... msg="AUT23457: Login succeeded for
 *             alice/Users (session:abcd1234) from 203.0.113.5 with ..."
 *   Standard: 2024-03-01 10:00:00 - ive - [203.0.113.5] alice(Users)[Staff]
 *             - Login succeeded for alice/Users (session:abcd1234) from ...
 *
 * Message parser (no programme list: the tag is PulseSecure, Juniper or
 * a node name; both formats are recognised by their first bytes) and
 * line parser "ivanti" for the same lines without a syslog header.
 *
 * Modelled messages: Login succeeded (login), Login failed (failed
 * login; the "Primary authentication failed" line written with it is the
 * same attempt, kind other), VPN Tunneling: Session started / ended for
 * user with IPv4 address (session start + assigned address, end), Closed
 * connection to TUN-VPN ... after N seconds, with X bytes read and Y
 * bytes written (session end: the gateway wrote Y bytes to the client =
 * bytes_out, read X from it = bytes_in), Session timed out / Max session
 * timeout (session end), Logout (logout). The session table keys these
 * by user + client address, so session_id is set on logins only. The
 * realm ("alice(Users)", "alice/Users") is a sign-in policy, not the
 * account's domain: it is not user.domain.
 */
#include "parser.h"

#include "bw_time.h"
#include "bw_util.h"
#include "vpn_scan.h"

static const char F_IVANTI[] = "ivanti";

struct ive_hdr {
	bw_str time, user, realm, src, msg;
};

static int is_std(const char *p, size_t n)
{
	/* "yyyy-mm-dd hh:mm:ss - " */
	return n > 22 && p[4] == '-' && p[7] == '-' && p[10] == ' ' &&
	       p[13] == ':' && p[16] == ':' && p[19] == ' ' && p[20] == '-' &&
	       p[21] == ' ';
}

static int is_welf(const char *p, size_t n)
{
	return n > 12 && memcmp(p, "id=firewall ", 12) == 0;
}

static int hdr_welf(const char *p, const char *end, struct ive_hdr *h)
{
	bw_str k, v;
	memset(h, 0, sizeof(*h));
	while (bw_vpn_kv_next(&p, end, &k, &v)) {
		if (bw_str_eq(k, "time")) h->time = v;
		else if (bw_str_eq(k, "user")) h->user = v;
		else if (bw_str_eq(k, "realm")) h->realm = v;
		else if (bw_str_eq(k, "src")) h->src = v;
		else if (bw_str_eq(k, "msg")) h->msg = v;
	}
	if (!h->msg.p)
		return 0;
	/* "AUT23457: text": the code becomes the action */
	return 1;
}

static int hdr_std(const char *p, const char *end, struct ive_hdr *h)
{
	memset(h, 0, sizeof(*h));
	h->time = bw_str_make(p, 19);
	/* - node - [src] user(realm)[roles] - message */
	const char *q = bw_vpn_after(p + 22, end, " - ");
	if (!q || q >= end || *q != '[')
		return 0;
	const char *rb = memchr(q, ']', (size_t)(end - q));
	if (!rb)
		return 0;
	h->src = bw_str_make(q + 1, (size_t)(rb - q - 1));
	q = rb + 1;
	if (q < end && *q == ' ')
		q++;
	const char *sep = bw_vpn_find(q, end, " - ");
	if (!sep)
		return 0;
	const char *lp = memchr(q, '(', (size_t)(sep - q));
	if (lp) {
		h->user = bw_str_make(q, (size_t)(lp - q));
		const char *rp = memchr(lp, ')', (size_t)(sep - lp));
		if (rp)
			h->realm = bw_str_make(lp + 1, (size_t)(rp - lp - 1));
	}
	h->msg = bw_str_make(sep + 3, (size_t)(end - sep - 3));
	return 1;
}

static int ive_time(bw_str t, const struct bw_tz *tz, int64_t *ms)
{
	return t.n == 19 && bw_time_parse_iso(t.p, t.n, tz, ms) == 19;
}

/* "U/REALM" after lit, up to " (" or " from". */
static void user_realm(const char *p, const char *end, const char *lit, bw_event *ev)
{
	const char *q = bw_vpn_after(p, end, lit);
	if (!q)
		return;
	bw_str ur = bw_vpn_until(q, end, " ");
	const char *sl = memchr(ur.p, '/', ur.n);
	if (sl) {
		/* after the slash: the realm (a sign-in policy) or the auth
		 * server, never the account's domain */
		ev->user = bw_str_make(ur.p, (size_t)(sl - ur.p));
	} else if (ur.n) {
		ev->user = ur;
	}
}

static void from_ip(const char *p, const char *end, bw_event *ev)
{
	const char *q = bw_vpn_after(p, end, " from ");
	if (q)
		bw_vpn_ip_token(q, end, &ev->src_ip);
}

static bw_str session_of(const char *p, const char *end)
{
	const char *q = bw_vpn_after(p, end, "(session:");
	if (!q)
		return BW_STR_NULL;
	return bw_vpn_until(q, end, ")");
}

static int64_t num_before(const char *p, const char *end, const char *lit)
{
	/* the decimal just before lit ("1234 bytes read") */
	const char *q = bw_vpn_find(p, end, lit);
	uint64_t v;
	if (!q)
		return BW_NUM_ABSENT;
	const char *s = q;
	while (s > p && s[-1] >= '0' && s[-1] <= '9')
		s--;
	if (s == q || bw_parse_u64(s, q, &v) != (size_t)(q - s) || v > (uint64_t)INT64_MAX / 1000)
		return BW_NUM_ABSENT;
	return (int64_t)v;
}

static enum bw_parse_rc ive_parse(struct bw_parse_ctx *ctx, const char *p,
				  const char *end, int welf, bw_event *ev)
{
	struct ive_hdr h;
	int64_t ms;
	if (!(welf ? hdr_welf(p, end, &h) : hdr_std(p, end, &h))) {
		ctx->reason = "ivanti: bad header";
		return BW_PARSE_MALFORMED;
	}
	ev->source = BW_SRC_VPN;
	ev->format = F_IVANTI;
	if (ive_time(h.time, ctx->tz, &ms))
		ev->ts_ms = ms;
	else if (!ev->ts_ms) {
		ctx->reason = "ivanti: bad time";
		return BW_PARSE_MALFORMED;
	}
	const char *m = h.msg.p, *me = h.msg.p + h.msg.n;
	/* message code "AUT23457: " */
	if (me - m > 10 && m[8] == ':' && m[9] == ' ' && m[0] >= 'A' && m[0] <= 'Z') {
		ev->action = bw_str_make(m, 8);
		m += 10;
	}
	if (h.user.n && !bw_str_eq(h.user, "System"))
		ev->user = h.user;
	if (h.src.n)
		bw_ip_parse(h.src.p, h.src.n, &ev->src_ip);

	bw_str msg = bw_str_make(m, (size_t)(me - m));
	const char *q;
	if (bw_str_starts(msg, "Login succeeded for ") ||
	    bw_str_starts(msg, "Agent login succeeded for ")) {
		user_realm(m, me, "succeeded for ", ev);
		from_ip(m, me, ev);
		ev->session_id = session_of(m, me);
		ev->kind = BW_KIND_LOGIN;
		ev->outcome = BW_OUTCOME_SUCCESS;
		ev->auth_method = BW_STR_LIT("password");
		return BW_PARSE_OK;
	}
	if (bw_str_starts(msg, "Primary authentication failed for ") ||
	    bw_str_starts(msg, "Secondary authentication failed for ")) {
		/* the same attempt as the "Login failed" line written with
		 * it: not a second failure */
		user_realm(m, me, "failed for ", ev);
		from_ip(m, me, ev);
		ev->kind = BW_KIND_OTHER;
		ev->outcome = BW_OUTCOME_FAILURE;
		ev->auth_method = BW_STR_LIT("password");
		q = bw_vpn_find(m, me, " failed");
		ev->reason = bw_str_make(m, (size_t)(q - m) + 7); /* "Primary authentication failed" */
		return BW_PARSE_OK;
	}
	if (bw_str_starts(msg, "Login failed")) {
		ev->kind = BW_KIND_LOGIN;
		ev->outcome = BW_OUTCOME_FAILURE;
		q = bw_vpn_after(m, me, "Reason: ");
		ev->reason = q ? bw_vpn_until(q, me, ".") : BW_STR_LIT("Login failed");
		return BW_PARSE_OK;
	}
	if (bw_str_starts(msg, "Primary authentication successful for ")) {
		/* followed by "Login succeeded": not a second login */
		user_realm(m, me, "successful for ", ev);
		ev->kind = BW_KIND_OTHER;
		ev->outcome = BW_OUTCOME_SUCCESS;
		return BW_PARSE_OK;
	}
	if ((q = bw_vpn_after(m, me, "VPN Tunneling: Session started for user with IPv4 address ")) ||
	    (q = bw_vpn_after(m, me, "VPN Tunneling: Session started for user with IPv6 address "))) {
		if (!bw_vpn_ip_token(q, me, &ev->assigned_ip)) {
			ctx->reason = "ivanti: bad tunnel address";
			return BW_PARSE_MALFORMED;
		}
		ev->kind = BW_KIND_SESSION_START;
		ev->outcome = BW_OUTCOME_SUCCESS;
		return BW_PARSE_OK;
	}
	if ((q = bw_vpn_after(m, me, "VPN Tunneling: Session ended for user with IPv4 address ")) ||
	    (q = bw_vpn_after(m, me, "VPN Tunneling: Session ended for user with IPv6 address "))) {
		bw_vpn_ip_token(q, me, &ev->assigned_ip);
		ev->kind = BW_KIND_SESSION_END;
		ev->reason = BW_STR_LIT("session ended");
		return BW_PARSE_OK;
	}
	if (bw_str_starts(msg, "Closed connection to TUN-VPN")) {
		int64_t secs = num_before(m, me, " seconds");
		ev->bytes_in = num_before(m, me, " bytes read");
		ev->bytes_out = num_before(m, me, " bytes written");
		if (secs != BW_NUM_ABSENT)
			ev->duration_ms = bw_vpn_duration(secs * 1000);
		ev->kind = BW_KIND_SESSION_END;
		ev->reason = BW_STR_LIT("connection closed");
		return BW_PARSE_OK;
	}
	if (bw_str_starts(msg, "Session timed out for ") ||
	    bw_str_starts(msg, "Max session timeout for ")) {
		user_realm(m, me, " for ", ev);
		ev->kind = BW_KIND_SESSION_END;
		ev->reason = bw_str_starts(msg, "Max") ? BW_STR_LIT("max session timeout") :
			     BW_STR_LIT("idle timeout");
		return BW_PARSE_OK;
	}
	if (bw_str_starts(msg, "Logout from ")) {
		bw_vpn_ip_token(m + 12, me, &ev->src_ip);
		ev->session_id = session_of(m, me);
		ev->kind = BW_KIND_LOGOUT;
		return BW_PARSE_OK;
	}
	ctx->reason = "ivanti: message not modelled";
	return BW_PARSE_IGNORED;
}

static enum bw_parse_rc ive_msg(struct bw_parse_ctx *ctx, bw_str program,
				char *msg, size_t n, bw_event *ev)
{
	(void)program;
	if (is_welf(msg, n)) {
		/* WELF is also written by other products: require vpn=ive */
		if (!bw_vpn_find(msg, msg + n, " vpn=ive"))
			return BW_PARSE_NOT_MINE;
		return ive_parse(ctx, msg, msg + n, 1, ev);
	}
	if (is_std(msg, n) && bw_vpn_find(msg + 22, msg + n < msg + 80 ? msg + n : msg + 80, " - ["))
		return ive_parse(ctx, msg, msg + n, 0, ev);
	return BW_PARSE_NOT_MINE;
}

const struct bw_msg_parser bw_msg_ivanti = {
	.name = "ivanti",
	.programs = NULL,
	.parse = ive_msg,
};

static int ive_sniff(const char *line, size_t n)
{
	if (is_welf(line, n) && bw_vpn_find(line, line + n, " vpn=ive"))
		return 95;
	if (is_std(line, n) && bw_vpn_find(line + 22, line + n < line + 80 ? line + n : line + 80, " - ["))
		return 80;
	return 0;
}

static enum bw_parse_rc ive_line(struct bw_parse_ctx *ctx, char *line,
				 size_t n, bw_event *ev)
{
	enum bw_parse_rc rc = ive_msg(ctx, BW_STR_NULL, line, n, ev);
	if (rc == BW_PARSE_NOT_MINE) {
		ctx->reason = "ivanti: not a Connect Secure log line";
		return BW_PARSE_MALFORMED;
	}
	return rc;
}

const struct bw_parser bw_parser_ivanti = {
	.name = "ivanti",
	.description = "Ivanti/Pulse Connect Secure syslog (WELF or standard)",
	.source = BW_SRC_VPN,
	.sniff = ive_sniff,
	.parse = ive_line,
};
