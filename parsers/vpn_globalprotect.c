/*
 * vpn_globalprotect.c - Palo Alto GlobalProtect from PAN-OS syslog (CSV):
 *
 *   GLOBALPROTECT log type (PAN-OS 9.1+), fields by position:
 *     0 FUTURE_USE, 1 receive time, 2 serial, 3 type, 4 subtype,
 *     5 FUTURE_USE, 6 generated time, 7 vsys, 8 event id, 9 stage,
 *     10 auth method, 11 tunnel type, 12 source user, 13 region,
 *     14 machine, 15 public IP, 16 public IPv6, 17 private IP,
 *     18 private IPv6, ... 25 reason, 26 error, 27 description,
 *     28 status, 29 location, 30 login duration (s), ... 36 high
 *     resolution timestamp (ISO 8601 with offset)
 *   SYSTEM log, subtype globalprotect (older releases and still logged):
 *     8 event id (globalprotectgateway-auth-succ / -auth-fail /
 *     -config-succ / -logout-succ, globalprotectportal-...), 14
 *     description "... Login from: IP, ..., User name: U, ..."
 *
 * Message parser (no programme list: PAN-OS sends no tag; the message
 * starts "1,yyyy/mm/dd ") and line parser "panos" (optional <pri>,
 * optional syslog or ISO stamp and host before the CSV). Only the
 * GlobalProtect events are modelled; TRAFFIC/THREAT/CONFIG lines are
 * IGNORED with a reason. No session id: the session table keys these by
 * user + public IP. The generated time is in the device's zone (the
 * input's --tz) unless the high-resolution stamp gives an offset.
 */
#include "parser.h"

#include "bw_time.h"
#include "bw_util.h"
#include "vpn_scan.h"

static const char F_PANOS[] = "panos";

#define PAN_MAX 64

/* Split CSV with "quoted, fields" (no unescaping; quotes are dropped
 * from the view). @return the number of fields. */
static size_t csv_split(const char *p, const char *end, bw_str *f, size_t cap)
{
	size_t nf = 0;
	while (nf < cap) {
		if (p < end && *p == '"') {
			const char *s = ++p;
			while (p < end && *p != '"')
				p++;
			f[nf++] = bw_str_make(s, (size_t)(p - s));
			if (p < end)
				p++;
			while (p < end && *p != ',')
				p++;
		} else {
			const char *s = p;
			while (p < end && *p != ',')
				p++;
			f[nf++] = bw_str_make(s, (size_t)(p - s));
		}
		if (p >= end)
			break;
		p++; /* the comma */
	}
	return nf;
}

/* "1,2013/03/25 23:59:02," */
static int pan_prefix(const char *p, size_t n)
{
	return n > 23 && p[1] == ',' && p[6] == '/' && p[9] == '/' &&
	       p[12] == ' ' && p[15] == ':' && p[18] == ':' && p[21] == ',' &&
	       p[0] >= '0' && p[0] <= '9';
}

/* "2013/03/25 23:59:02" in tz. */
static int pan_time(bw_str s, const struct bw_tz *tz, int64_t *ms)
{
	if (s.n != 19 || s.p[4] != '/' || s.p[7] != '/')
		return 0;
	int y = bw_parse_fixed(s.p, 4), mo = bw_parse_fixed(s.p + 5, 2),
	    d = bw_parse_fixed(s.p + 8, 2), h = bw_parse_fixed(s.p + 11, 2),
	    mi = bw_parse_fixed(s.p + 14, 2), sec = bw_parse_fixed(s.p + 17, 2);
	if (s.p[13] != ':' || s.p[16] != ':' || !bw_civil_valid(y, mo, d, h, mi, sec))
		return 0;
	*ms = bw_tz_local_to_utc(tz, bw_epoch_from_civil(y, mo, d, h, mi, sec)) * 1000;
	return 1;
}

static bw_str fld(const bw_str *f, size_t nf, size_t i)
{
	return i < nf ? f[i] : BW_STR_NULL;
}

static void ip_of(bw_str s, bw_ip *ip)
{
	if (s.n)
		bw_ip_parse(s.p, s.n, ip);
}

/* "Key: value," inside a SYSTEM description. */
static bw_str desc_value(bw_str d, const char *key)
{
	if (!d.p)
		return BW_STR_NULL;
	const char *q = bw_vpn_after(d.p, d.p + d.n, key);
	if (!q)
		return BW_STR_NULL;
	bw_str v = bw_vpn_until(q, d.p + d.n, ",");
	while (v.n && (v.p[v.n - 1] == '.' || v.p[v.n - 1] == ' '))
		v.n--;
	return v;
}

static void set_user(bw_event *ev, bw_str u)
{
	if (u.n && !bw_str_eq(u, "pre-logon"))
		ev->user = u;
}

static enum bw_parse_rc gp_event(struct bw_parse_ctx *ctx, const bw_str *f,
				 size_t nf, bw_event *ev)
{
	bw_str id = fld(f, nf, 8);
	bw_str status = fld(f, nf, 28);
	int64_t v;
	if (nf < 29) {
		ctx->reason = "panos: GLOBALPROTECT record too short";
		return BW_PARSE_MALFORMED;
	}
	set_user(ev, fld(f, nf, 12));
	ip_of(fld(f, nf, 15), &ev->src_ip);
	if (!ev->src_ip.family)
		ip_of(fld(f, nf, 16), &ev->src_ip);
	ip_of(fld(f, nf, 17), &ev->assigned_ip);
	if (!ev->assigned_ip.family)
		ip_of(fld(f, nf, 18), &ev->assigned_ip);
	if (fld(f, nf, 10).n)
		ev->auth_method = f[10];
	ev->action = id;
	bw_str err = fld(f, nf, 26);
	bw_str why = fld(f, nf, 25);
	int ok = bw_str_eq(status, "success");
	int failed = bw_str_eq(status, "failure");
	ev->outcome = ok ? BW_OUTCOME_SUCCESS : failed ? BW_OUTCOME_FAILURE : BW_OUTCOME_NONE;
	if (bw_str_eq(id, "portal-auth") || bw_str_eq(id, "gateway-auth")) {
		ev->kind = BW_KIND_LOGIN;
		if (err.n)
			ev->reason = err;
		else if (failed && why.n)
			ev->reason = why;
		return BW_PARSE_OK;
	}
	if (bw_str_eq(id, "gateway-connected")) {
		if (ok) {
			ev->kind = BW_KIND_SESSION_START;
		} else {
			ev->kind = BW_KIND_LOGIN;
			ev->assigned_ip.family = 0;
			if (err.n)
				ev->reason = err;
		}
		return BW_PARSE_OK;
	}
	if (bw_str_eq(id, "gateway-logout") || bw_str_eq(id, "portal-logout")) {
		ev->kind = bw_str_eq(id, "gateway-logout") ? BW_KIND_SESSION_END : BW_KIND_LOGOUT;
		ev->outcome = BW_OUTCOME_NONE;
		if (why.n)
			ev->reason = why;
		if (bw_vpn_num(fld(f, nf, 30), &v) && v > 0 && v < INT64_MAX / 1000)
			ev->duration_ms = bw_vpn_duration(v * 1000);
		return BW_PARSE_OK;
	}
	ctx->reason = "panos: GlobalProtect stage not modelled";
	return BW_PARSE_IGNORED;
}

static enum bw_parse_rc gp_system(struct bw_parse_ctx *ctx, const bw_str *f,
				  size_t nf, bw_event *ev)
{
	bw_str id = fld(f, nf, 8);
	bw_str d = fld(f, nf, 14);
	if (!bw_str_starts(id, "globalprotect")) {
		ctx->reason = "panos: SYSTEM event not modelled";
		return BW_PARSE_IGNORED;
	}
	ev->action = id;
	set_user(ev, desc_value(d, "User name: "));
	ip_of(desc_value(d, "Login from: "), &ev->src_ip);
	ip_of(desc_value(d, "Private IP: "), &ev->assigned_ip);
	bw_str r = desc_value(d, "Reason: ");
	if (r.n)
		ev->reason = r;
	size_t n = id.n;
	if (n > 10 && bw_vpn_find(id.p, id.p + n, "-auth-succ")) {
		ev->kind = BW_KIND_LOGIN;
		ev->outcome = BW_OUTCOME_SUCCESS;
		return BW_PARSE_OK;
	}
	if (n > 10 && bw_vpn_find(id.p, id.p + n, "-auth-fail")) {
		ev->kind = BW_KIND_LOGIN;
		ev->outcome = BW_OUTCOME_FAILURE;
		return BW_PARSE_OK;
	}
	if (bw_vpn_find(id.p, id.p + n, "-config-succ") && ev->assigned_ip.family) {
		ev->kind = BW_KIND_ADDRESS_ASSIGN;
		ev->outcome = BW_OUTCOME_SUCCESS;
		return BW_PARSE_OK;
	}
	if (bw_vpn_find(id.p, id.p + n, "-logout-succ")) {
		/* the end of the tunnel that -config-succ opened (the
		 * session table keys both by device and user) */
		ev->kind = BW_KIND_SESSION_END;
		return BW_PARSE_OK;
	}
	ctx->reason = "panos: GlobalProtect SYSTEM event not modelled";
	return BW_PARSE_IGNORED;
}

static enum bw_parse_rc pan_csv(struct bw_parse_ctx *ctx, const char *p,
				const char *end, bw_event *ev)
{
	bw_str f[PAN_MAX];
	size_t nf = csv_split(p, end, f, PAN_MAX);
	int64_t ms;
	ev->source = BW_SRC_VPN;
	ev->format = F_PANOS;
	if (nf < 9) {
		ctx->reason = "panos: too few fields";
		return BW_PARSE_MALFORMED;
	}
	bw_str hires = fld(f, nf, 36);
	int gp = bw_str_eq(f[3], "GLOBALPROTECT");
	if (gp && hires.n >= 19 && bw_time_parse_iso(hires.p, hires.n, ctx->tz, &ms) == hires.n)
		ev->ts_ms = ms;
	else if (pan_time(f[6], ctx->tz, &ms) || pan_time(f[1], ctx->tz, &ms))
		ev->ts_ms = ms;
	else if (!ev->ts_ms) {
		ctx->reason = "panos: bad generated time";
		return BW_PARSE_MALFORMED;
	}
	if (gp)
		return gp_event(ctx, f, nf, ev);
	if (bw_str_eq(f[3], "SYSTEM") && bw_str_eq(f[4], "globalprotect"))
		return gp_system(ctx, f, nf, ev);
	ctx->reason = "panos: log type not modelled";
	return BW_PARSE_IGNORED;
}

static enum bw_parse_rc pan_msg(struct bw_parse_ctx *ctx, bw_str program,
				char *msg, size_t n, bw_event *ev)
{
	if (!pan_prefix(msg, n))
		return BW_PARSE_NOT_MINE;
	/* PAN-OS sends no tag: a framer that took the first CSV word for
	 * a programme name left it overlapping the message. */
	if (program.p == msg)
		ev->program = BW_STR_NULL;
	return pan_csv(ctx, msg, msg + n, ev);
}

const struct bw_msg_parser bw_msg_panos = {
	.name = "panos",
	.programs = NULL,
	.parse = pan_msg,
};

/* Skip "<pri>", a stamp ("Mar 25 23:59:02" or ISO) and a host; find the
 * CSV. @return its start or NULL; *host set when one was seen. */
static const char *pan_frame(const char *line, size_t n, bw_str *host)
{
	const char *end = line + n, *p = line;
	*host = BW_STR_NULL;
	if (n > 2 && *p == '<') {
		const char *gt = memchr(p, '>', n < 6 ? n : 6);
		if (gt)
			p = gt + 1;
	}
	/* up to two syslog headers: a relay or Panorama adds its own
	 * ("Sep 24 17:22:59 10.5.172.40 Feb 24 19:32:23 BD-Panorama 1,...") */
	for (int tok = 0; tok < 10 && p < end; tok++) {
		if (pan_prefix(p, (size_t)(end - p)))
			return p;
		bw_str t = bw_vpn_until(p, end, " ");
		/* a host is the token before the CSV that is not part of a stamp */
		if (t.n && !(t.n == 3 && bw_month_from_abbr(t.p)) &&
		    !(t.n <= 2 && t.p[0] >= '0' && t.p[0] <= '9') &&
		    !(t.n == 8 && t.p[2] == ':') &&
		    !(t.n >= 19 && t.p[4] == '-' && t.p[10] == 'T'))
			*host = t;
		p += t.n;
		while (p < end && *p == ' ')
			p++;
	}
	return NULL;
}

static int pan_sniff(const char *line, size_t n)
{
	bw_str host;
	const char *p = pan_frame(line, n, &host);
	if (!p)
		return 0;
	const char *end = line + n;
	if (bw_vpn_find(p, p + 40 < end ? p + 40 : end, ",GLOBALPROTECT,") ||
	    bw_vpn_find(p, end, ",SYSTEM,globalprotect,"))
		return 90;
	return 60;
}

static enum bw_parse_rc pan_line(struct bw_parse_ctx *ctx, char *line,
				 size_t n, bw_event *ev)
{
	bw_str host;
	const char *p = pan_frame(line, n, &host);
	if (!p) {
		ctx->reason = "panos: no PAN-OS CSV record";
		return BW_PARSE_MALFORMED;
	}
	if (host.p)
		ev->host = host;
	return pan_csv(ctx, p, line + n, ev);
}

const struct bw_parser bw_parser_panos = {
	.name = "panos",
	.description = "Palo Alto PAN-OS syslog CSV (GlobalProtect logins, tunnels)",
	.source = BW_SRC_VPN,
	.sniff = pan_sniff,
	.parse = pan_line,
};
