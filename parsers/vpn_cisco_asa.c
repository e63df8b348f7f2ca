/*
 * vpn_cisco_asa.c - Cisco ASA / FTD / PIX syslog messages for remote
 * access VPN (AnyConnect, clientless WebVPN, IKEv2) and device logins.
 *
 *   %ASA-6-113004: AAA user authentication Successful : server = ... : user = U
 *   %ASA-4-722051: Group <G> User <U> IP <pub> IPv4 Address <int> IPv6 address <::> assigned to session
 *   %ASA-4-113019: Group = G, Username = U, IP = pub, Session disconnected.
 *       Session Type: SSL, Duration: 1h:02m:03s, Bytes xmt: N, Bytes rcv: N, Reason: R
 *
 * Message parser with no programme list (the tag varies: CiscoASA, asa,
 * none) that rejects anything not starting "%ASA-", "%FTD-" or "%PIX-";
 * and a line parser "cisco-asa" for ASA's own stamp with the year
 * ("Apr 30 2013 09:23:40[ EDT]: [host ...] %ASA-...").
 *
 * Session semantics: the ASA has no session id in these messages, so the
 * session table keys them by user + public IP. Only 113019 ends a
 * session (it carries the byte counters); 716002 is a logout and
 * 722022/722023 are per-channel (TLS/DTLS) connections, so that one
 * AnyConnect session is one start and one end. "Bytes xmt" is what the
 * ASA sent to the client: bytes_out. Masked user names ("*****") are
 * treated as absent.
 */
#include "parser.h"

#include "bw_time.h"
#include "bw_util.h"
#include "vpn_scan.h"

static const char F_ASA[] = "cisco-asa";

static int masked(bw_str u)
{
	for (size_t i = 0; i < u.n; i++)
		if (u.p[i] != '*')
			return 0;
	return 1;
}

static void set_user(bw_event *ev, bw_str u)
{
	if (u.p && u.n && !masked(u))
		ev->user = u;
}

/* "<value>" after lit ("User <"). */
static bw_str angle(const char *p, const char *end, const char *lit)
{
	const char *q = bw_vpn_after(p, end, lit);
	if (!q)
		return BW_STR_NULL;
	const char *e = memchr(q, '>', (size_t)(end - q));
	if (!e)
		return BW_STR_NULL;
	return bw_str_make(q, (size_t)(e - q));
}

/* value after lit up to one of stops. */
static bw_str after_until(const char *p, const char *end, const char *lit,
			  const char *stops)
{
	const char *q = bw_vpn_after(p, end, lit);
	if (!q)
		return BW_STR_NULL;
	return bw_vpn_until(q, end, stops);
}

static void ip_of(bw_str s, bw_ip *ip)
{
	if (s.p && s.n)
		bw_ip_parse(s.p, s.n, ip);
}

/* "1d 2h:03m:04s" / "0h:10m:05s" -> ms. @return 1 on success. */
static int asa_duration(bw_str s, int64_t *ms)
{
	const char *p = s.p, *end = s.p + s.n;
	uint64_t d = 0, h, m, sec;
	size_t k = bw_parse_u64(p, end, &d);
	if (k && p + k < end && p[k] == 'd') {
		p += k + 1;
		while (p < end && *p == ' ')
			p++;
	} else {
		d = 0;
	}
	if (!(k = bw_parse_u64(p, end, &h)) || p + k + 1 >= end || p[k] != 'h' || p[k + 1] != ':')
		return 0;
	p += k + 2;
	if (!(k = bw_parse_u64(p, end, &m)) || p + k + 1 >= end || p[k] != 'm' || p[k + 1] != ':')
		return 0;
	p += k + 2;
	if (!(k = bw_parse_u64(p, end, &sec)) || p + k >= end || p[k] != 's')
		return 0;
	if (d > 100000 || h > 1000000 || m > 1000000 || sec > 1000000)
		return 0;
	*ms = bw_vpn_duration((int64_t)(((d * 24 + h) * 60 + m) * 60 + sec) * 1000);
	return *ms != BW_NUM_ABSENT;
}

static void num(bw_str s, int64_t *out)
{
	int64_t v;
	if (s.p && bw_vpn_num(s, &v) && v >= 0)
		*out = v;
}

/* Parse "%ASA-[class-]L-NNNNNN: ". @return bytes consumed, id in *id. */
static size_t asa_header(const char *p, size_t n, long *id)
{
	const char *end = p + n;
	if (n < 14 || p[0] != '%')
		return 0;
	if (memcmp(p + 1, "ASA-", 4) && memcmp(p + 1, "FTD-", 4) && memcmp(p + 1, "PIX-", 4))
		return 0;
	const char *q = p + 5;
	if (!(*q >= '0' && *q <= '7')) { /* "%ASA-session-5-106100" */
		while (q < end && q - p < 40 && *q != '-')
			q++;
		if (q >= end || *q != '-')
			return 0;
		q++;
	}
	if (end - q < 9 || !(*q >= '0' && *q <= '7') || q[1] != '-')
		return 0;
	q += 2;
	uint64_t v;
	size_t k = bw_parse_u64(q, end, &v);
	if (k != 6 || q + k >= end || q[k] != ':')
		return 0;
	*id = (long)v;
	q += k + 1;
	if (q < end && *q == ' ')
		q++;
	return (size_t)(q - p);
}

static enum bw_parse_rc asa_body(struct bw_parse_ctx *ctx, long id,
				 const char *b, const char *end, bw_event *ev)
{
	bw_str s;
	ev->source = BW_SRC_VPN;
	switch (id) {
	case 113004:
	case 113012:
		if (!bw_vpn_find(b, end, "authentication Successful")) {
			ctx->reason = "cisco-asa: authorization/accounting record";
			return BW_PARSE_IGNORED;
		}
		set_user(ev, after_until(b, end, "user = ", " :,"));
		ip_of(after_until(b, end, "user IP = ", " :,"), &ev->src_ip);
		ev->kind = BW_KIND_LOGIN;
		ev->outcome = BW_OUTCOME_SUCCESS;
		ev->auth_method = BW_STR_LIT("password");
		return BW_PARSE_OK;
	case 113005:
	case 113015:
		set_user(ev, after_until(b, end, "user = ", " :,"));
		ip_of(after_until(b, end, "user IP = ", " :,"), &ev->src_ip);
		s = after_until(b, end, "reason = ", ":");
		while (s.n && s.p[s.n - 1] == ' ')
			s.n--;
		if (s.n)
			ev->reason = s;
		ev->kind = BW_KIND_LOGIN;
		ev->outcome = BW_OUTCOME_FAILURE;
		ev->auth_method = BW_STR_LIT("password");
		return BW_PARSE_OK;
	case 113008:
		/* Duplicates the 113004 of the same attempt: not a login. */
		set_user(ev, after_until(b, end, "user = ", " :,"));
		ev->kind = BW_KIND_OTHER;
		ev->outcome = bw_vpn_find(b, end, "ACCEPT") ? BW_OUTCOME_SUCCESS :
			      BW_OUTCOME_FAILURE;
		return BW_PARSE_OK;
	case 716038:
	case 716039:
		/* "Group <G> User <U> IP <I> Authentication: rejected, Session
		 * Type: WebVPN." - the same attempt as its 113004/113005 (or
		 * 113012/113015), so not counted as a second login */
		set_user(ev, angle(b, end, "User <"));
		ip_of(angle(b, end, "IP <"), &ev->src_ip);
		ev->kind = BW_KIND_OTHER;
		ev->outcome = id == 716038 ? BW_OUTCOME_SUCCESS : BW_OUTCOME_FAILURE;
		return BW_PARSE_OK;
	case 113039:
	case 716001:
	case 716002:
	case 722022:
	case 722023:
	case 722037:
	case 722051:
		set_user(ev, angle(b, end, "User <"));
		ip_of(angle(b, end, "IP <"), &ev->src_ip);
		if (!ev->src_ip.family) {
			ctx->reason = "cisco-asa: no client IP";
			return BW_PARSE_MALFORMED;
		}
		if (id == 113039 || id == 716001) {
			ev->kind = BW_KIND_SESSION_START;
			ev->outcome = BW_OUTCOME_SUCCESS;
		} else if (id == 716002) {
			ev->kind = BW_KIND_LOGOUT;
			s = after_until(b, end, "terminated: ", "");
			while (s.n && (s.p[s.n - 1] == '.' || s.p[s.n - 1] == ' '))
				s.n--;
			if (s.n)
				ev->reason = s;
		} else if (id == 722022) {
			ev->kind = BW_KIND_CONNECTION;
			ev->outcome = BW_OUTCOME_SUCCESS;
		} else if (id == 722023) {
			ev->kind = BW_KIND_CONNECTION;
			ev->reason = BW_STR_LIT("terminated");
		} else if (id == 722037) {
			/* "SVC closing connection: DPD failure." */
			ev->kind = BW_KIND_CONNECTION;
			s = after_until(b, end, "closing connection: ", "");
			while (s.n && (s.p[s.n - 1] == '.' || s.p[s.n - 1] == ' '))
				s.n--;
			ev->reason = s.n ? s : BW_STR_LIT("closing");
		} else {
			s = angle(b, end, "IPv4 Address <");
			if (!s.n || !bw_ip_parse(s.p, s.n, &ev->assigned_ip)) {
				s = angle(b, end, "IPv6 address <");
				if (!s.n || !bw_ip_parse(s.p, s.n, &ev->assigned_ip) ||
				    bw_str_eq(s, "::")) {
					ctx->reason = "cisco-asa: no assigned address";
					return BW_PARSE_MALFORMED;
				}
			}
			ev->kind = BW_KIND_ADDRESS_ASSIGN;
			ev->outcome = BW_OUTCOME_SUCCESS;
		}
		return BW_PARSE_OK;
	case 751025:
		s = after_until(b, end, "Remote:", " ");
		bw_vpn_ip_port(s.p, s.n, &ev->src_ip, &ev->src_port);
		set_user(ev, after_until(b, end, "Username:", " "));
		s = after_until(b, end, "IPv4 Address=", " ");
		if (!s.n || !bw_ip_parse(s.p, s.n, &ev->assigned_ip)) {
			s = after_until(b, end, "IPv6 address=", " ");
			if (!s.n || bw_str_eq(s, "::") || !bw_ip_parse(s.p, s.n, &ev->assigned_ip)) {
				ctx->reason = "cisco-asa: no assigned address";
				return BW_PARSE_MALFORMED;
			}
		}
		ev->kind = BW_KIND_ADDRESS_ASSIGN;
		ev->outcome = BW_OUTCOME_SUCCESS;
		return BW_PARSE_OK;
	case 113019:
		set_user(ev, after_until(b, end, "Username = ", ","));
		ip_of(after_until(b, end, "IP = ", ","), &ev->src_ip);
		s = after_until(b, end, "Duration: ", ",");
		if (s.n)
			asa_duration(s, &ev->duration_ms);
		num(after_until(b, end, "Bytes xmt: ", ","), &ev->bytes_out);
		num(after_until(b, end, "Bytes rcv: ", ","), &ev->bytes_in);
		s = after_until(b, end, "Reason: ", "");
		while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\r'))
			s.n--;
		if (s.n)
			ev->reason = s;
		if (!ev->src_ip.family && !ev->user.p) {
			ctx->reason = "cisco-asa: 113019 without user or IP";
			return BW_PARSE_MALFORMED;
		}
		ev->kind = BW_KIND_SESSION_END;
		return BW_PARSE_OK;
	case 611101:
	case 611102:
		ev->source = BW_SRC_AUTH;
		set_user(ev, after_until(b, end, "Uname: ", " ,"));
		ip_of(after_until(b, end, "IP address: ", " ,"), &ev->src_ip);
		ev->kind = BW_KIND_LOGIN;
		ev->outcome = id == 611101 ? BW_OUTCOME_SUCCESS : BW_OUTCOME_FAILURE;
		return BW_PARSE_OK;
	case 605004:
	case 605005: {
		/* Login denied from 198.18.1.100/56332 to outside:198.18.1.254/ssh for user "U" */
		ev->source = BW_SRC_AUTH;
		const char *q = bw_vpn_after(b, end, " from ");
		if (!q) {
			ctx->reason = "cisco-asa: 605004/5 without source";
			return BW_PARSE_MALFORMED;
		}
		s = bw_vpn_until(q, end, " ");
		const char *sl = memchr(s.p, '/', s.n);
		if (!sl || !bw_ip_parse(s.p, (size_t)(sl - s.p), &ev->src_ip)) {
			ctx->reason = "cisco-asa: 605004/5 bad source";
			return BW_PARSE_MALFORMED;
		}
		uint64_t port;
		const char *pe = s.p + s.n;
		if (bw_parse_u64(sl + 1, pe, &port) == (size_t)(pe - sl - 1) && port < 65536)
			ev->src_port = (uint16_t)port;
		q = bw_vpn_after(q, end, " to ");
		if (q) {
			s = bw_vpn_until(q, end, " ");
			const char *c = memchr(s.p, ':', s.n);
			const char *sl2 = memchr(s.p, '/', s.n);
			if (c && sl2 && sl2 > c) {
				bw_ip_parse(c + 1, (size_t)(sl2 - c - 1), &ev->dst_ip);
				ev->auth_method = bw_str_make(sl2 + 1, (size_t)(s.p + s.n - sl2 - 1));
			}
		}
		s = after_until(b, end, "for user \"", "\"");
		set_user(ev, s);
		ev->kind = BW_KIND_LOGIN;
		ev->outcome = id == 605005 ? BW_OUTCOME_SUCCESS : BW_OUTCOME_FAILURE;
		return BW_PARSE_OK;
	}
	default:
		ctx->reason = "cisco-asa: message id not modelled";
		return BW_PARSE_IGNORED;
	}
}

/* The message id as the action ("113019"): the digits in the header. */
static enum bw_parse_rc asa_msg_at(struct bw_parse_ctx *ctx, const char *p,
				   size_t n, bw_event *ev)
{
	long id;
	size_t k = asa_header(p, n, &id);
	if (!k)
		return BW_PARSE_NOT_MINE;
	ev->format = F_ASA;
	/* header ends "NNNNNN: ": the id digits sit just before the colon */
	const char *colon = p + k - 1;
	while (colon > p && *colon != ':')
		colon--;
	ev->action = bw_str_make(colon - 6, 6);
	return asa_body(ctx, id, p + k, p + n, ev);
}

static int asa_tag(bw_str s)
{
	return s.p && s.n >= 5 && s.p[0] == '%' &&
	       (!memcmp(s.p + 1, "ASA-", 4) || !memcmp(s.p + 1, "FTD-", 4) ||
		!memcmp(s.p + 1, "PIX-", 4));
}

/* A syslog framer reads "host %ASA-6-113004: text" as programme
 * "%ASA-6-113004" with message "text", and "host : %ASA-..." as an
 * empty tag with message ": %ASA-...": accept all three shapes. */
static enum bw_parse_rc asa_msg(struct bw_parse_ctx *ctx, bw_str program,
				char *msg, size_t n, bw_event *ev)
{
	if (asa_tag(program) && program.n < 48) {
		char hdr[64];
		long id;
		memcpy(hdr, program.p, program.n);
		memcpy(hdr + program.n, ": ", 2);
		size_t k = asa_header(hdr, program.n + 2, &id);
		if (k != program.n + 2)
			return BW_PARSE_NOT_MINE;
		ev->format = F_ASA;
		ev->action = bw_str_make(program.p + program.n - 6, 6);
		ev->program = BW_STR_NULL; /* a message tag, not a programme */
		return asa_body(ctx, id, msg, msg + n, ev);
	}
	while (n > 0 && (*msg == ':' || *msg == ' ')) {
		msg++;
		n--;
	}
	if (n < 5 || msg[0] != '%')
		return BW_PARSE_NOT_MINE;
	return asa_msg_at(ctx, msg, n, ev);
}

const struct bw_msg_parser bw_msg_cisco_asa = {
	.name = "cisco-asa",
	.programs = NULL,
	.parse = asa_msg,
};

/* ------------------------------------------------------------------ */
/* "[<pri>]Apr 30 2013 09:23:40[ EDT][:] [host] [tag:] %ASA-..." */

static size_t skip_pri(const char *line, size_t n)
{
	if (n > 2 && line[0] == '<') {
		size_t i = 1;
		while (i < n && i < 5 && line[i] >= '0' && line[i] <= '9')
			i++;
		if (i > 1 && i < n && line[i] == '>')
			return i + 1;
	}
	return 0;
}

/* Zone names ASA admins commonly set with "clock timezone" and that
 * Filebeat also honours; anything else falls back to the input's zone.
 * @return 1 and the offset east of UTC in seconds when known. */
static int zone_abbr(bw_str t, int64_t *off)
{
	static const struct { const char *name; int hours; } z[] = {
		{ "UTC", 0 }, { "GMT", 0 }, { "EST", -5 }, { "EDT", -4 },
		{ "CST", -6 }, { "CDT", -5 }, { "MST", -7 }, { "MDT", -6 },
		{ "PST", -8 }, { "PDT", -7 }, { "CET", 1 }, { "CEST", 2 },
	};
	if (t.n && t.p[t.n - 1] == ':')
		t.n--;
	for (size_t i = 0; i < sizeof(z) / sizeof(z[0]); i++)
		if (bw_str_eq(t, z[i].name)) {
			*off = (int64_t)z[i].hours * 3600;
			return 1;
		}
	return 0;
}

/* Locate the pieces; @return pointer to '%' or NULL. */
static const char *asa_frame(const char *line, size_t n, const struct bw_tz *tz,
			     int64_t *ms, bw_str *host)
{
	const char *end = line + n;
	const char *p = line + skip_pri(line, n);
	size_t k = bw_vpn_time_mdy(p, end, tz, ms);
	if (!k)
		return NULL;
	p += k;
	*host = BW_STR_NULL;
	/* at most a few tokens before the %ASA- tag */
	for (int i = 0; i < 5 && p < end; i++) {
		while (p < end && (*p == ' ' || *p == ':'))
			p++;
		if (p < end && *p == '%')
			return p;
		bw_str t = bw_vpn_until(p, end, " ");
		int64_t off;
		if (t.n == 0)
			return NULL;
		if (i == 0 && zone_abbr(t, &off)) {
			/* the stamp was read in the input's zone: redo it */
			int64_t local;
			bw_vpn_time_mdy(line + skip_pri(line, n), end, NULL, &local);
			*ms = local - off * 1000;
		} else if (!host->p && t.p[t.n - 1] != ':' && t.p[t.n - 1] != ']') {
			*host = t;
		}
		p += t.n;
	}
	return NULL;
}

static int asa_sniff(const char *line, size_t n)
{
	int64_t ms;
	bw_str host;
	long id;
	const char *pct = asa_frame(line, n, NULL, &ms, &host);
	if (!pct || !asa_header(pct, (size_t)(line + n - pct), &id))
		return 0;
	return 95;
}

static enum bw_parse_rc asa_line(struct bw_parse_ctx *ctx, char *line,
				 size_t n, bw_event *ev)
{
	bw_str host;
	const char *pct = asa_frame(line, n, ctx->tz, &ev->ts_ms, &host);
	if (!pct) {
		ctx->reason = "cisco-asa: no stamp or no %ASA- tag";
		return BW_PARSE_MALFORMED;
	}
	ev->source = BW_SRC_VPN;
	ev->format = F_ASA;
	if (host.p)
		ev->host = host;
	enum bw_parse_rc rc = asa_msg_at(ctx, pct, (size_t)(line + n - pct), ev);
	if (rc == BW_PARSE_NOT_MINE) {
		ctx->reason = "cisco-asa: bad message header";
		return BW_PARSE_MALFORMED;
	}
	return rc;
}

const struct bw_parser bw_parser_cisco_asa = {
	.name = "cisco-asa",
	.description = "Cisco ASA/FTD syslog with the device's own dated stamp",
	.source = BW_SRC_VPN,
	.sniff = asa_sniff,
	.parse = asa_line,
};
