/*
 * auth_sshd.c - OpenSSH (5.x to 9.x, including 9.8's sshd-session) log
 * messages, as syslog message parser for programme "sshd".
 *
 *   Accepted|Failed METHOD for [invalid user ]U from IP port P ssh2[: KEY]
 *   Invalid user U from IP [port P]
 *   User U from IP not allowed because ...
 *   [error: ]maximum authentication attempts exceeded for [invalid user ]U from IP port P ssh2 [preauth]
 *   Connection closed|reset by [invalid |authenticating ]user U IP port P [preauth]
 *   Disconnected from [invalid |authenticating ]user U IP port P [preauth]
 *   Received disconnect from IP port P:11: ... [preauth]
 *   Did not receive identification string from IP [port P]
 *   [fatal: ]Unable to negotiate with IP port P: no matching ... [preauth]
 *   banner exchange: Connection from IP port P: invalid format
 *   Bad protocol version identification '...' from IP port P
 *   [fatal: ]Timeout before authentication for IP port P
 *   ssh_dispatch_run_fatal: Connection from IP port P: ...
 *   refused connect from HOST (IP)
 *   Disconnecting {invalid|authenticating} user U IP port P: Too many authentication failures
 *   kex_exchange_identification: ...; Address IP maps to ..., POSSIBLE BREAK-IN ATTEMPT!
 *
 * User names are attacker controlled (they may contain " from 1.2.3.4
 * port 22"), so the address is always taken from the *last* well-formed
 * "from IP port P" / "IP port P" of the line, which sshd writes itself.
 *
 * Normalization: authentication attempts ("Accepted"/"Failed METHOD ...",
 * one line per password or key) are kind login, except "Failed none"
 * (the client asking for the methods, no credential tried); lines about
 * the connection (Invalid user, not allowed, maximum attempts exceeded or
 * "Disconnecting: Too many authentication failures"),
 * connections that ended before authentication, protocol and key-exchange
 * noise are kind probe with outcome failure (so brute-force counts of
 * logins are not doubled by the lines around each attempt); post-auth
 * disconnects are logout. pam_*(sshd:...) lines are left to auth_pam.c.
 */
#include "parser.h"
#include "auth_scan.h"
#include "bw_util.h"

#include <string.h>

/* Parse "IP port P" or "IP" that ends exactly at e (or is followed only
 * by tail text the caller accepts). @return 1 on success. */
static int ip_port(const char *p, const char *e, bw_event *ev)
{
	const char *port = bw_memrmem(p, (size_t)(e - p), " port ", 6);
	const char *ip_end = port ? port : e;
	if (!bw_ip_from_view(bw_str_make(p, (size_t)(ip_end - p)), &ev->src_ip))
		return 0;
	if (port) {
		uint64_t v;
		const char *d = port + 6;
		size_t k = bw_parse_u64(d, e, &v);
		if (k == 0 || d + k != e || v > 65535) {
			memset(&ev->src_ip, 0, sizeof(ev->src_ip));
			return 0;
		}
		ev->src_port = (uint16_t)v;
	}
	return 1;
}

/* Find the last "<sep>IP[ port P]" in [p, end) such that the address is
 * followed by end, a space or a ':' (Unable to negotiate / Received
 * disconnect). @return the start of sep, or NULL. Fills src_ip/src_port. */
static const char *last_addr(const char *p, const char *end, const char *sep,
			     size_t sn, bw_event *ev)
{
	size_t n = (size_t)(end - p);
	while (n >= sn) {
		const char *f = bw_memrmem(p, n, sep, sn);
		if (!f)
			return NULL;
		const char *a = f + sn;
		/* The address ends at ' ' or ':' (a ':' only after "port N"
		 * or for IPv4), try the longest "IP port P" first. */
		const char *e = a;
		while (e < end && *e != ' ')
			e++;
		/* e is after the IP token; extend over " port N". */
		const char *pe = e;
		if ((size_t)(end - e) > 6 && memcmp(e, " port ", 6) == 0) {
			pe = e + 6;
			while (pe < end && *pe >= '0' && *pe <= '9')
				pe++;
		}
		/* Strip a ':' glued to the end ("port 22:11:", "1.2.3.4:"). */
		const char *ce = pe;
		if (ce > a && ce[-1] == ':')
			ce--;
		else {
			const char *colon = memchr(a, ':', (size_t)(pe - a));
			if (pe > e && colon && colon > e)
				ce = colon;
		}
		if (ip_port(a, ce, ev) || (ce != e && ip_port(a, e, ev)))
			return f;
		n = (size_t)(f - p) + sn - 1;
	}
	return NULL;
}

/* sshd with UseDNS logs a host name instead of an address: find the last
 * "<sep>NAME port P" (or "<sep>NAME" at the end) and keep NAME as
 * src_host. @return the start of sep, or NULL. */
static const char *last_host(const char *p, const char *end, const char *sep,
			     size_t sn, bw_event *ev)
{
	const char *f = bw_memrmem(p, (size_t)(end - p), sep, sn);
	while (f) {
		const char *a = f + sn, *e = a;
		while (e < end && *e != ' ')
			e++;
		const char *pe = e;
		int ok = e == end;
		if (!ok && (size_t)(end - e) > 6 && memcmp(e, " port ", 6) == 0) {
			uint64_t v;
			size_t k = bw_parse_u64(e + 6, end, &v);
			pe = e + 6 + k;
			ok = k > 0 && v <= 65535 && (pe == end || *pe == ' ');
			if (ok)
				ev->src_port = (uint16_t)v;
		}
		if (ok && e > a) {
			ev->src_host = bw_str_make(a, (size_t)(e - a));
			return f;
		}
		if (f == p)
			break;
		f = bw_memrmem(p, (size_t)(f - p) + sn - 1, sep, sn);
	}
	return NULL;
}

static void set_login(bw_event *ev, int ok, const char *reason)
{
	ev->kind = BW_KIND_LOGIN;
	ev->outcome = ok ? BW_OUTCOME_SUCCESS : BW_OUTCOME_FAILURE;
	ev->action = BW_STR_LIT("ssh_login");
	if (reason)
		ev->reason = bw_str_make(reason, strlen(reason));
}

static void set_probe(bw_event *ev, const char *reason)
{
	ev->kind = BW_KIND_PROBE;
	ev->outcome = BW_OUTCOME_FAILURE;
	ev->action = BW_STR_LIT("ssh_probe");
	ev->reason = bw_str_make(reason, strlen(reason));
}

static int ends_preauth(const char *p, const char *end)
{
	while (end > p && end[-1] == ' ')
		end--;
	return (size_t)(end - p) >= 9 && memcmp(end - 9, "[preauth]", 9) == 0;
}

static const char *strip_preauth(const char *p, const char *end)
{
	while (end > p && end[-1] == ' ')
		end--;
	if ((size_t)(end - p) >= 9 && memcmp(end - 9, "[preauth]", 9) == 0) {
		end -= 9;
		while (end > p && end[-1] == ' ')
			end--;
	}
	return end;
}

/* "METHOD for [invalid user ]U from IP port P ssh2..." after Accepted/Failed. */
static enum bw_parse_rc auth_attempt(struct bw_parse_ctx *ctx, struct bw_cur c,
				     int ok, bw_event *ev)
{
	bw_str method = bw_cur_word(&c);
	if (!method.n || !BW_LIT(&c, "for ")) {
		ctx->reason = "sshd: unrecognised Accepted/Failed line";
		return BW_PARSE_MALFORMED;
	}
	int invalid = BW_LIT(&c, "invalid user ") || BW_LIT(&c, "illegal user ");
	/* The user runs to the last " from " that is followed by an address. */
	const char *u = c.p;
	const char *f = last_addr(u - 1, c.end, " from ", 6, ev);
	if (!f)
		f = last_host(u - 1, c.end, " from ", 6, ev);
	if (!f || f < u - 1) {
		ctx->reason = "sshd: no source address";
		return BW_PARSE_MALFORMED;
	}
	ev->user = bw_str_make(u, f >= u ? (size_t)(f - u) : 0);
	ev->auth_method = method;
	if (ok)
		set_login(ev, 1, NULL);
	else if (bw_str_eq(method, "none"))
		/* the client asking which methods it may use, before its
		 * first password or key: no credential was tried (OpenSSH
		 * logs it for every invalid user, then "Failed password") */
		set_probe(ev, invalid ? "invalid_user" : "method_none");
	else if (invalid)
		set_login(ev, 0, "invalid_user");
	else if (bw_str_eq(method, "password") || bw_str_starts(method, "keyboard-interactive"))
		set_login(ev, 0, "bad_password");
	else if (bw_str_eq(method, "publickey"))
		set_login(ev, 0, "bad_key");
	else
		set_login(ev, 0, "auth_failed");
	return BW_PARSE_OK;
}

/* "[invalid |authenticating ]user U IP port P [preauth]" or "IP port P
 * [preauth]" after "Connection closed by " and friends. */
static enum bw_parse_rc disconnect(struct bw_parse_ctx *ctx, struct bw_cur c,
				   bw_event *ev)
{
	int preauth = ends_preauth(c.p, c.end);
	const char *end = strip_preauth(c.p, c.end);
	int flagged = BW_LIT(&c, "invalid user ") || BW_LIT(&c, "authenticating user ");
	int user = flagged || BW_LIT(&c, "user ");
	const char *u = c.p;
	const char *f = last_addr(u - 1, end, " ", 1, ev);
	if (!f || (!user && f != u - 1)) {
		/* "Disconnected from totobad user x ..." and other text. */
		memset(&ev->src_ip, 0, sizeof(ev->src_ip));
		ev->src_port = 0;
		ctx->reason = "sshd: unrecognised disconnect";
		return BW_PARSE_IGNORED;
	}
	if (user)
		ev->user = bw_str_make(u, f >= u ? (size_t)(f - u) : 0);
	if (preauth || flagged) {
		set_probe(ev, "preauth_disconnect");
	} else {
		ev->kind = BW_KIND_LOGOUT;
		ev->outcome = BW_OUTCOME_SUCCESS;
		ev->action = BW_STR_LIT("ssh_logout");
	}
	return BW_PARSE_OK;
}

/* A probe whose address follows sep somewhere in the message. */
static enum bw_parse_rc probe_from(struct bw_parse_ctx *ctx, struct bw_cur c,
				   const char *sep, const char *reason, bw_event *ev)
{
	const char *end = strip_preauth(c.p, c.end);
	if (!last_addr(c.p, end, sep, strlen(sep), ev)) {
		/* Some versions omit the address ("Unable to negotiate a key
		 * exchange method"): still a probe, without a source. */
		(void)ctx;
	}
	set_probe(ev, reason);
	return BW_PARSE_OK;
}

/* A connection refused or cut for its user, "USER from ADDR..." ([u,
 * end)): the user is what precedes the last " from "; a host name counts
 * when host_ok. A probe, not an attempt: sshd writes each password or key
 * it refused as its own "Failed ..." line (for an invalid or disallowed
 * user too), so counting this line as well would count one attempt twice.
 * @return OK with a probe (reason), MALFORMED (missing) when no source
 * follows. */
static enum bw_parse_rc refused_from(struct bw_parse_ctx *ctx, const char *u,
				     const char *end, int host_ok,
				     const char *missing, const char *reason,
				     bw_event *ev)
{
	const char *f = last_addr(u - 1, end, " from ", 6, ev);
	if (!f && host_ok)
		f = last_host(u - 1, end, " from ", 6, ev);
	if (!f) {
		ctx->reason = missing;
		return BW_PARSE_MALFORMED;
	}
	ev->user = bw_str_make(u, f >= u ? (size_t)(f - u) : 0);
	set_probe(ev, reason);
	return BW_PARSE_OK;
}

static enum bw_parse_rc sshd_parse(struct bw_parse_ctx *ctx, bw_str program,
				   char *msg, size_t n, bw_event *ev)
{
	(void)program;
	struct bw_cur c = bw_cur_make(msg, n);
	bw_cur_skip_spaces(&c);
	if (BW_LIT(&c, "error: ") || BW_LIT(&c, "fatal: "))
		bw_cur_skip_spaces(&c);
	if (c.p >= c.end) {
		ctx->reason = "sshd: empty message";
		return BW_PARSE_IGNORED;
	}

	switch (*c.p) {
	case 'A':
		if (BW_LIT(&c, "Accepted "))
			return auth_attempt(ctx, c, 1, ev);
		if (BW_LIT(&c, "Address ") &&
		    bw_memmem(c.p, bw_cur_left(&c), "POSSIBLE BREAK-IN ATTEMPT", 25)) {
			/* "Address IP maps to NAME, but this does not map back" */
			bw_str a = bw_cur_word(&c);
			bw_ip_from_view(a, &ev->src_ip);
			set_probe(ev, "reverse_dns_mismatch");
			return BW_PARSE_OK;
		}
		break;
	case 'F':
		if (BW_LIT(&c, "Failed "))
			return auth_attempt(ctx, c, 0, ev);
		break;
	case 'I':
		if (BW_LIT(&c, "Invalid user ") || BW_LIT(&c, "Illegal user "))
			return refused_from(ctx, c.p, strip_preauth(c.p, c.end), 1,
					    "sshd: Invalid user without address",
					    "invalid_user", ev);
		break;
	case 'U':
		if (BW_LIT(&c, "User ")) {
			const char *na = bw_memmem(c.p, bw_cur_left(&c), " not allowed because ", 21);
			if (!na)
				break;
			return refused_from(ctx, c.p, na, 0,
					    "sshd: not-allowed line without address",
					    "not_allowed", ev);
		}
		if (BW_LIT(&c, "Unable to negotiate "))
			return probe_from(ctx, c, "with ", "kex_mismatch", ev);
		break;
	case 'm':
		if (BW_LIT(&c, "maximum authentication attempts exceeded for ")) {
			BW_LIT(&c, "invalid user ");
			const char *u = c.p;
			const char *end = strip_preauth(c.p, c.end);
			if (end - u > 5 && memcmp(end - 5, " ssh2", 5) == 0)
				end -= 5;
			return refused_from(ctx, u, end, 1, "sshd: no source address",
					    "max_attempts", ev);
		}
		break;
	case 'C':
		if (BW_LIT(&c, "Connection closed by ") || BW_LIT(&c, "Connection reset by "))
			return disconnect(ctx, c, ev);
		if (BW_LIT(&c, "Close session: user ")) {
			/* LogLevel VERBOSE: "Close session: user U from IP port P id N" */
			const char *id = bw_memrmem(c.p, bw_cur_left(&c), " id ", 4);
			const char *u = c.p;
			const char *f = last_addr(u - 1, id ? id : c.end, " from ", 6, ev);
			if (f) {
				ev->user = bw_str_make(u, f >= u ? (size_t)(f - u) : 0);
				ev->kind = BW_KIND_SESSION_END;
				ev->outcome = BW_OUTCOME_SUCCESS;
				ev->action = BW_STR_LIT("ssh_session_close");
				return BW_PARSE_OK;
			}
		}
		if (BW_LIT(&c, "Corrupted MAC on input")) {
			set_probe(ev, "corrupted_mac");
			return BW_PARSE_OK;
		}
		break;
	case 'D':
		if (BW_LIT(&c, "Disconnected from "))
			return disconnect(ctx, c, ev);
		if (BW_LIT(&c, "Did not receive identification string"))
			return probe_from(ctx, c, "from ", "no_ident", ev);
		if (BW_LIT(&c, "Disconnecting ") &&
		    (BW_AT(&c, "invalid user ") || BW_AT(&c, "authenticating user "))) {
			/* OpenSSH >= 7.x: "Disconnecting authenticating user U IP
			 * port P: Too many authentication failures [preauth]" */
			const char *col = bw_memmem(c.p, bw_cur_left(&c), ": ", 2);
			struct bw_cur r = { c.p, col ? col : c.end };
			if (!BW_LIT(&r, "invalid user "))
				(void)BW_LIT(&r, "authenticating user ");
			const char *u = r.p;
			const char *f = last_addr(u - 1, r.end, " ", 1, ev);
			if (f && f >= u)
				ev->user = bw_str_make(u, (size_t)(f - u));
			/* the connection cut after its attempts, each of
			 * which sshd logged as a Failed line */
			if (col && bw_memmem(col, (size_t)(c.end - col), "Too many authentication failures", 32))
				set_probe(ev, "max_attempts");
			else
				set_probe(ev, "preauth_disconnect");
			return BW_PARSE_OK;
		}
		if (BW_LIT(&c, "Disconnecting: ")) {
			if (BW_LIT(&c, "Too many authentication failures")) {
				/* OpenSSH 5-6: "... for [invalid user ]U [preauth]" */
				if (BW_LIT(&c, " for ")) {
					if (!BW_LIT(&c, "invalid user "))
						(void)BW_LIT(&c, "illegal user ");
					const char *e = strip_preauth(c.p, c.end);
					if (e > c.p)
						ev->user = bw_str_make(c.p, (size_t)(e - c.p));
				}
				set_probe(ev, "max_attempts");
				return BW_PARSE_OK;
			}
			set_probe(ev, "protocol_error");
			return BW_PARSE_OK;
		}
		break;
	case 'R':
		if (BW_LIT(&c, "Received disconnect from ")) {
			int preauth = ends_preauth(c.p, c.end);
			if (!last_addr(c.p - 1, c.end, " ", 1, ev)) {
				ctx->reason = "sshd: disconnect without address";
				return BW_PARSE_MALFORMED;
			}
			if (preauth) {
				set_probe(ev, "preauth_disconnect");
			} else {
				ev->kind = BW_KIND_LOGOUT;
				ev->outcome = BW_OUTCOME_SUCCESS;
				ev->action = BW_STR_LIT("ssh_logout");
			}
			return BW_PARSE_OK;
		}
		break;
	case 'k':
		if (BW_LIT(&c, "kex_exchange_identification: ")) {
			set_probe(ev, "banner_exchange");
			return BW_PARSE_OK;
		}
		break;
	case 'T':
		if (BW_LIT(&c, "Timeout before authentication"))
			return probe_from(ctx, c, "for ", "auth_timeout", ev);
		break;
	case 'B':
		if (BW_LIT(&c, "Bad protocol version identification"))
			return probe_from(ctx, c, " from ", "bad_protocol", ev);
		if (BW_LIT(&c, "Bad packet length")) {
			set_probe(ev, "protocol_error");
			return BW_PARSE_OK;
		}
		break;
	case 'b':
		if (BW_LIT(&c, "banner exchange: "))
			return probe_from(ctx, c, "from ", "banner_exchange", ev);
		break;
	case 's':
		if (BW_LIT(&c, "ssh_dispatch_run_fatal: "))
			return probe_from(ctx, c, " ", "dispatch_fatal", ev);
		break;
	case 'M':
		if (BW_LIT(&c, "Magic value check failed"))
			return probe_from(ctx, c, " from ", "bad_handshake", ev);
		break;
	case 'r':
		if (BW_LIT(&c, "refused connect from ")) {
			/* "HOST (IP)" */
			const char *end = c.end;
			while (end > c.p && end[-1] == ' ')
				end--;
			const char *o = end > c.p ? bw_memrmem(c.p, (size_t)(end - c.p), "(", 1) : NULL;
			if (o && end[-1] == ')')
				bw_ip_from_view(bw_str_make(o + 1, (size_t)(end - o - 2)), &ev->src_ip);
			set_probe(ev, "refused");
			return BW_PARSE_OK;
		}
		break;
	case 'p':
		if (BW_AT(&c, "pam_"))
			return BW_PARSE_NOT_MINE; /* auth_pam.c */
		break;
	}
	ctx->reason = "sshd: message not modelled";
	return BW_PARSE_IGNORED;
}

static const char *const sshd_programs[] = { "sshd", "sshd-session", "sshd-auth", NULL };

const struct bw_msg_parser bw_msg_sshd = {
	"sshd", sshd_programs, sshd_parse,
};
