/*
 * vpn_strongswan.c - strongSwan's IKE daemon (charon) log messages:
 *
 *   [NN[IKE] ][<conn|N> ]message
 *   IKE_SA rw[5] established between 198.51.100.1[gw]...203.0.113.5[alice]
 *   authentication of 'alice' with EAP successful
 *   XAuth authentication of 'bob' failed
 *   EAP-MS-CHAPv2 verification failed, retry (1)
 *   assigning virtual IP 10.10.0.2 to peer 'alice'
 *   deleting IKE_SA rw[5] between 198.51.100.1[gw]...203.0.113.5[alice]
 *   deleting half open IKE_SA with 203.0.113.9 after timeout
 *
 * Message parser for programmes charon, charon-systemd, charon-cmd,
 * ipsec and strongswan; and line parser "charon" for charon's own log
 * file ("Mar  5 10:00:00 08[IKE] ..."; year from the input context).
 * The IKE_SA unique id (N of the "<conn|N>" or "<N>" prefix, else of
 * "rw[N]" in the message) is the session id; "X is initiating an
 * IKE_SA" and "EAP ... username/identity" lines are context events
 * (connection, other) so the session table can give a later failure of
 * the same exchange its address and user. Byte counters (CHILD_SA
 * "closing" lines) are not modelled: they repeat on every rekey.
 */
#include "parser.h"

#include "bw_time.h"
#include "bw_util.h"
#include "vpn_scan.h"

static const char F_CHARON[] = "charon";

static int digit(char c)
{
	return c >= '0' && c <= '9';
}

/* "'name'" after lit. */
static bw_str quoted(const char *p, const char *end, const char *lit)
{
	const char *q = bw_vpn_after(p, end, lit);
	if (!q)
		return BW_STR_NULL;
	const char *e = memchr(q, '\'', (size_t)(end - q));
	if (!e)
		return BW_STR_NULL;
	return bw_str_make(q, (size_t)(e - q));
}

/* A peer id that is just an address names no user. */
static void set_user(bw_event *ev, bw_str id)
{
	bw_ip tmp;
	if (!id.n || bw_str_eq(id, "%any") || bw_ip_parse(id.p, id.n, &tmp))
		return;
	ev->user = id;
}

/* "between LOCAL[lid]...REMOTE[rid]": remote address and id. */
static void between(const char *p, const char *end, bw_event *ev)
{
	const char *q = bw_vpn_after(p, end, "...");
	if (!q)
		return;
	const char *lb = memchr(q, '[', (size_t)(end - q));
	if (!lb)
		return;
	bw_ip_parse(q, (size_t)(lb - q), &ev->src_ip);
	/* the id runs to the last ']' (DNs may contain brackets rarely) */
	const char *rb = end;
	while (rb > lb && rb[-1] != ']')
		rb--;
	if (rb > lb + 1)
		set_user(ev, bw_str_make(lb + 1, (size_t)(rb - 1 - lb - 1)));
}

/* "rw[5]" after lit -> session id "5" when the prefix gave none. */
static void sa_name(const char *p, const char *end, const char *lit, bw_event *ev)
{
	if (ev->session_id.p)
		return;
	const char *q = bw_vpn_after(p, end, lit);
	if (!q)
		return;
	bw_str t = bw_vpn_until(q, end, " ");
	const char *lb = t.n ? memchr(t.p, '[', t.n) : NULL;
	if (lb && t.p[t.n - 1] == ']' && lb + 1 < t.p + t.n - 1)
		ev->session_id = bw_str_make(lb + 1, (size_t)(t.p + t.n - 1 - lb - 1));
}

static enum bw_parse_rc charon_msg(struct bw_parse_ctx *ctx, bw_str program,
				   char *msg, size_t n, bw_event *ev)
{
	(void)program;
	const char *p = msg, *end = msg + n;
	bw_str t;
	const char *q;
	ev->source = BW_SRC_VPN;
	ev->format = F_CHARON; /* the product, also behind a syslog frame */
	/* "06[IKE] " thread and group */
	if (end - p > 7 && digit(p[0]) && digit(p[1]) && p[2] == '[') {
		const char *rb = memchr(p, ']', (size_t)(end - p) < 10 ? (size_t)(end - p) : 10);
		if (rb && rb + 1 < end && rb[1] == ' ')
			p = rb + 2;
	}
	/* "<conn|N> " or "<N> " (before a config is chosen): N, the IKE_SA
	 * unique id, is the session id, so that the pre-authentication
	 * lines of an exchange join the ones after it. */
	if (p < end && *p == '<') {
		const char *gt = memchr(p, '>', (size_t)(end - p) < 300 ? (size_t)(end - p) : 300);
		if (gt) {
			const char *d = gt;
			while (d > p + 1 && digit(d[-1]))
				d--;
			if (d < gt && (d == p + 1 || d[-1] == '|'))
				ev->session_id = bw_str_make(d, (size_t)(gt - d));
			p = gt + 1;
			if (p < end && *p == ' ')
				p++;
		}
	}
	bw_str m = bw_str_make(p, (size_t)(end - p));

	if (bw_str_starts(m, "IKE_SA ") && bw_vpn_find(p, end, " established between ")) {
		sa_name(p, end, "IKE_SA ", ev);
		between(p, end, ev);
		ev->kind = BW_KIND_SESSION_START;
		ev->outcome = BW_OUTCOME_SUCCESS;
		ev->action = BW_STR_LIT("ike-sa-established");
		return BW_PARSE_OK;
	}
	if (bw_str_starts(m, "deleting IKE_SA ") && bw_vpn_find(p, end, " between ")) {
		sa_name(p, end, "deleting IKE_SA ", ev);
		between(p, end, ev);
		ev->kind = BW_KIND_SESSION_END;
		ev->action = BW_STR_LIT("ike-sa-deleted");
		return BW_PARSE_OK;
	}
	if (bw_str_starts(m, "IKE_SA deleted")) {
		ev->kind = BW_KIND_SESSION_END;
		ev->action = BW_STR_LIT("ike-sa-deleted");
		return BW_PARSE_OK;
	}
	if (ev->session_id.p && (bw_str_starts(m, "received packet: from ") ||
				 bw_str_starts(m, "sending packet: from "))) {
		/* the peer of the exchange ("received ... from PEER[port]",
		 * "sending ... to PEER[port]"), for its later failure lines,
		 * which name none: a responder logs no "is initiating" line
		 * for an exchange that started before the log did */
		q = bw_vpn_after(p, end, m.p[0] == 'r' ? "from " : " to ");
		if (!q)
			q = end;
		if (!bw_vpn_ip_token(q, end, &ev->src_ip)) {
			ctx->reason = "charon: packet without a peer address";
			return BW_PARSE_IGNORED;
		}
		ev->kind = BW_KIND_OTHER;
		ev->action = BW_STR_LIT("ike-packet");
		return BW_PARSE_OK;
	}
	if ((q = bw_vpn_find(p, end, " is initiating ")) && q > p &&
	    bw_vpn_find(q, end, "IKE_SA")) {
		/* "203.0.113.9 is initiating an IKE_SA" (IKEv1: "a Main Mode
		 * IKE_SA"): who is behind this exchange, for its later lines */
		if (!bw_ip_parse(p, (size_t)(q - p), &ev->src_ip)) {
			ctx->reason = "charon: initiator is not an address";
			return BW_PARSE_IGNORED;
		}
		ev->kind = BW_KIND_CONNECTION;
		ev->action = BW_STR_LIT("ike-sa-init");
		return BW_PARSE_OK;
	}
	if ((t = quoted(p, end, "EAP-MS-CHAPv2 username: '")).p ||
	    (t = quoted(p, end, "received EAP identity '")).p) {
		/* the identity a following EAP failure belongs to */
		set_user(ev, t);
		ev->kind = BW_KIND_OTHER;
		ev->action = BW_STR_LIT("eap-identity");
		return BW_PARSE_OK;
	}
	if ((q = bw_vpn_after(p, end, "deleting half open IKE_SA with "))) {
		bw_vpn_ip_token(q, end, &ev->src_ip);
		ev->kind = BW_KIND_PROBE;
		ev->outcome = BW_OUTCOME_FAILURE;
		ev->action = BW_STR_LIT("half-open-timeout");
		ev->reason = BW_STR_LIT("half open IKE_SA timed out");
		return BW_PARSE_OK;
	}
	if ((q = bw_vpn_after(p, end, "assigning virtual IP ")) ||
	    (q = bw_vpn_after(p, end, "assigning new lease "))) {
		if (!bw_vpn_ip_token(q, end, &ev->assigned_ip)) {
			ctx->reason = "charon: bad virtual IP";
			return BW_PARSE_MALFORMED;
		}
		t = quoted(q, end, " '");
		set_user(ev, t);
		ev->kind = BW_KIND_ADDRESS_ASSIGN;
		ev->outcome = BW_OUTCOME_SUCCESS;
		ev->action = BW_STR_LIT("virtual-ip");
		return BW_PARSE_OK;
	}
	if (bw_str_starts(m, "authentication of '") || bw_str_starts(m, "XAuth authentication of '")) {
		t = quoted(p, end, "authentication of '");
		const char *after = t.p ? t.p + t.n : end;
		if (bw_str_starts(bw_str_make(after, (size_t)(end - after)), "' (myself)")) {
			ctx->reason = "charon: own authentication";
			return BW_PARSE_IGNORED;
		}
		set_user(ev, t);
		ev->kind = BW_KIND_LOGIN;
		ev->outcome = bw_vpn_find(after, end, " successful") ? BW_OUTCOME_SUCCESS :
			      BW_OUTCOME_FAILURE;
		if (bw_str_starts(m, "XAuth"))
			ev->auth_method = BW_STR_LIT("xauth");
		else if ((q = bw_vpn_after(after, end, " with ")))
			ev->auth_method = bw_vpn_until(q, end, " ");
		ev->action = BW_STR_LIT("ike-auth");
		return BW_PARSE_OK;
	}
	if (bw_vpn_find(p, end, "verification failed") ||
	    bw_str_starts(m, "EAP method ") ||
	    bw_str_starts(m, "no EAP key found") || bw_str_starts(m, "no shared key found") ||
	    bw_vpn_find(p, end, "but MAC mismatched")) {
		if (bw_str_starts(m, "EAP method ") && !bw_vpn_find(p, end, " failed")) {
			ctx->reason = "charon: EAP method succeeded (login logged separately)";
			return BW_PARSE_IGNORED;
		}
		if (bw_str_starts(m, "no EAP key found") || bw_str_starts(m, "no shared key found") ||
		    bw_str_starts(m, "tried ")) {
			/* "for hosts 'gw' - 'user'" / "for 'gw' - 'user'" */
			q = bw_vpn_find(p, end, "' - '");
			if (q) {
				t = quoted(q, end, "' - '");
				set_user(ev, t);
			}
		}
		if ((q = bw_vpn_after(p, end, "for peer ")))
			bw_vpn_ip_token(q, end, &ev->src_ip);
		ev->kind = BW_KIND_LOGIN;
		ev->outcome = BW_OUTCOME_FAILURE;
		ev->action = BW_STR_LIT("ike-auth");
		t = bw_vpn_until(p, end, ",");
		ev->reason = t;
		if (bw_str_starts(m, "no EAP key found")) {
			/* the user is unknown; the "EAP-... verification
			 * failed" line that follows is the attempt */
			ev->kind = BW_KIND_PROBE;
			ev->reason = BW_STR_LIT("unknown_user");
		}
		return BW_PARSE_OK;
	}
	ctx->reason = "charon: message not modelled";
	return BW_PARSE_IGNORED;
}

static const char *const charon_programs[] = {
	"charon", "charon-systemd", "charon-cmd", "ipsec", "strongswan", NULL,
};

const struct bw_msg_parser bw_msg_charon = {
	.name = "charon",
	.programs = charon_programs,
	.parse = charon_msg,
};

/* charon's file logger: "Mar  5 10:00:00 08[IKE] msg" (no year, no host).
 * The year comes from --year or the file, and rolls over at Dec -> Jan. */
struct charon_state {
	int year;       /* 0 until the first line */
	int last_month; /* 1..12 */
};

static int charon_stamp(const char *line, size_t n)
{
	return n > 24 && line[3] == ' ' && bw_month_from_abbr(line) &&
	       line[6] == ' ' && line[9] == ':' && line[12] == ':' &&
	       line[15] == ' ' && digit(line[16]) && digit(line[17]) && line[18] == '[';
}

static int charon_sniff(const char *line, size_t n)
{
	return charon_stamp(line, n) ? 80 : 0;
}

static enum bw_parse_rc charon_line(struct bw_parse_ctx *ctx, char *line,
				    size_t n, bw_event *ev)
{
	if (!charon_stamp(line, n)) {
		ctx->reason = "charon: no file-logger stamp";
		return BW_PARSE_MALFORMED;
	}
	int mo = bw_month_from_abbr(line);
	int d = line[4] == ' ' ? bw_parse_fixed(line + 5, 1) : bw_parse_fixed(line + 4, 2);
	int h = bw_parse_fixed(line + 7, 2), mi = bw_parse_fixed(line + 10, 2),
	    s = bw_parse_fixed(line + 13, 2);
	struct charon_state *st = ctx->state;
	if (!st->year) {
		/* --year, else the file's year; a first line more than a day
		 * after the file's mtime was written the year before */
		st->year = ctx->year ? ctx->year : ctx->default_year ? ctx->default_year : 1970;
		if (!ctx->year && ctx->ref_ms && bw_civil_valid(st->year, mo, d, h, mi, s) &&
		    bw_tz_local_to_utc(ctx->tz, bw_epoch_from_civil(st->year, mo, d, h, mi, s)) * 1000 >
			    ctx->ref_ms + 86400000)
			st->year--;
	} else if (mo < st->last_month && st->last_month == 12 && mo == 1) {
		st->year++; /* Dec -> Jan */
	}
	int y = st->year;
	if (!bw_civil_valid(y, mo, d, h, mi, s)) {
		ctx->reason = "charon: bad stamp";
		return BW_PARSE_MALFORMED;
	}
	st->last_month = mo;
	ev->ts_ms = bw_tz_local_to_utc(ctx->tz, bw_epoch_from_civil(y, mo, d, h, mi, s)) * 1000;
	if (!ctx->year)
		ev->flags |= BW_EF_TS_GUESSED;
	ev->program = BW_STR_LIT("charon");
	ev->format = F_CHARON;
	return charon_msg(ctx, ev->program, line + 16, n - 16, ev);
}

const struct bw_parser bw_parser_charon = {
	.name = "charon",
	.description = "strongSwan charon file log (\"Mar  5 10:00:00 08[IKE] ...\")",
	.source = BW_SRC_VPN,
	.sniff = charon_sniff,
	.parse = charon_line,
	.state_size = sizeof(struct charon_state),
};
