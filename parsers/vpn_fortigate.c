/*
 * vpn_fortigate.c - FortiGate (FortiOS) key=value event logs: SSL/IPsec
 * VPN logins, tunnel-up / tunnel-down with addresses and byte counters,
 * and administrator logins.
 *
 *   date=2019-05-10 time=11:37:47 [tz="-0700"] logid="0101039948"
 *   type="event" subtype="vpn" ... action="tunnel-down" remip=203.0.113.5
 *   tunnelip=10.212.134.200 user="alice" sentbyte=1200 rcvdbyte=800
 *   duration=3600 reason="..." msg="SSL tunnel shutdown"
 *
 * Also: IPsec dial-up tunnels (xauthuser, assignip), IKE negotiation
 * errors (probes), and firewall user authentication (subtype user).
 *
 * Line parser "fortigate" (plain files and FortiGate's own syslog, whose
 * lines start with "<pri>date=..."), and a message parser with no
 * programme list for lines a relay framed with a syslog header; it
 * rejects other programmes' messages by a prefix check.
 *
 * Direction: sentbyte is what the FortiGate sent to the client (bytes
 * that left the organisation: bytes_out), rcvdbyte the other way.
 * Time: date/time with tz when logged, else eventtime (s/ms/us/ns since
 * the epoch), else date/time in the input's zone.
 */
#include "parser.h"

#include "bw_time.h"
#include "bw_util.h"
#include "vpn_scan.h"

static const char F_FGT[] = "fortigate";

/* The fields we use, one pass over the pairs. */
struct fgt {
	bw_str date, time, tz, eventtime, devname, type, subtype, action,
		user, group, remip, srcip, tunnelip, tunnelid, tunneltype,
		sentbyte, rcvdbyte, duration, reason, status, ui, method, logid,
		logdesc, xauthuser, assignip, msg;
};

static int str_is(bw_str s, const char *lit)
{
	return bw_str_eq(s, lit);
}

static void fgt_scan(const char *p, const char *end, struct fgt *f)
{
	bw_str k, v;
	memset(f, 0, sizeof(*f));
	while (bw_vpn_kv_next(&p, end, &k, &v)) {
		switch (k.n) {
		case 3:
			if (str_is(k, "msg")) f->msg = v;
			break;
		case 2:
			if (str_is(k, "tz")) f->tz = v;
			else if (str_is(k, "ui")) f->ui = v;
			break;
		case 4:
			if (str_is(k, "date")) f->date = v;
			else if (str_is(k, "time")) f->time = v;
			else if (str_is(k, "type")) f->type = v;
			else if (str_is(k, "user")) f->user = v;
			break;
		case 5:
			if (str_is(k, "remip")) f->remip = v;
			else if (str_is(k, "srcip")) f->srcip = v;
			else if (str_is(k, "group")) f->group = v;
			else if (str_is(k, "logid")) f->logid = v;
			break;
		case 6:
			if (str_is(k, "action")) f->action = v;
			else if (str_is(k, "reason")) f->reason = v;
			else if (str_is(k, "status")) f->status = v;
			else if (str_is(k, "method")) f->method = v;
			break;
		case 7:
			if (str_is(k, "subtype")) f->subtype = v;
			else if (str_is(k, "devname")) f->devname = v;
			else if (str_is(k, "logdesc")) f->logdesc = v;
			break;
		case 8:
			if (str_is(k, "tunnelip")) f->tunnelip = v;
			else if (str_is(k, "tunnelid")) f->tunnelid = v;
			else if (str_is(k, "sentbyte")) f->sentbyte = v;
			else if (str_is(k, "rcvdbyte")) f->rcvdbyte = v;
			else if (str_is(k, "duration")) f->duration = v;
			else if (str_is(k, "assignip")) f->assignip = v;
			break;
		case 9:
			if (str_is(k, "eventtime")) f->eventtime = v;
			else if (str_is(k, "xauthuser")) f->xauthuser = v;
			break;
		case 10:
			if (str_is(k, "tunneltype")) f->tunneltype = v;
			break;
		default:
			break;
		}
	}
}

/* "-0700" / "+02:00" -> seconds east of UTC. */
static int tz_offset(bw_str tz, int64_t *secs)
{
	if (tz.n < 5 || (tz.p[0] != '+' && tz.p[0] != '-'))
		return 0;
	int h = bw_parse_fixed(tz.p + 1, 2);
	const char *m = tz.p + 3;
	if (*m == ':' && tz.n >= 6)
		m++;
	int mi = bw_parse_fixed(m, 2);
	if (h < 0 || mi < 0 || h > 14 || mi > 59)
		return 0;
	*secs = (h * 3600 + mi * 60) * (tz.p[0] == '-' ? -1 : 1);
	return 1;
}

static int fgt_time(const struct fgt *f, const struct bw_tz *zone, int64_t *ms)
{
	int64_t off, et;
	int have_dt = f->date.n == 10 && f->time.n >= 8 && f->date.p[4] == '-' &&
		      f->date.p[7] == '-' && f->time.p[2] == ':' && f->time.p[5] == ':';
	int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
	if (have_dt) {
		y = bw_parse_fixed(f->date.p, 4);
		mo = bw_parse_fixed(f->date.p + 5, 2);
		d = bw_parse_fixed(f->date.p + 8, 2);
		h = bw_parse_fixed(f->time.p, 2);
		mi = bw_parse_fixed(f->time.p + 3, 2);
		s = bw_parse_fixed(f->time.p + 6, 2);
		have_dt = bw_civil_valid(y, mo, d, h, mi, s);
	}
	if (have_dt && tz_offset(f->tz, &off)) {
		*ms = (bw_epoch_from_civil(y, mo, d, h, mi, s) - off) * 1000;
		return 1;
	}
	if (f->eventtime.p && bw_vpn_num(f->eventtime, &et) && et > 0) {
		size_t nd = f->eventtime.n;
		if (nd >= 18)
			*ms = et / 1000000;
		else if (nd >= 15)
			*ms = et / 1000;
		else if (nd >= 12)
			*ms = et;
		else
			*ms = et * 1000;
		return 1;
	}
	if (have_dt) {
		*ms = bw_tz_local_to_utc(zone, bw_epoch_from_civil(y, mo, d, h, mi, s)) * 1000;
		return 1;
	}
	return 0;
}

static int absent_value(bw_str v)
{
	return v.n == 0 || str_is(v, "N/A") || str_is(v, "n/a");
}

static void ip_field(bw_str v, bw_ip *ip)
{
	if (!absent_value(v))
		bw_ip_parse(v.p, v.n, ip);
}

/* "https(203.0.113.5)" -> the address inside the parentheses. */
static void ui_addr(bw_str ui, bw_ip *ip)
{
	const char *lp = ui.p ? memchr(ui.p, '(', ui.n) : NULL;
	if (!lp)
		return;
	const char *end = ui.p + ui.n;
	const char *rp = memchr(lp, ')', (size_t)(end - lp));
	if (rp)
		bw_ip_parse(lp + 1, (size_t)(rp - lp - 1), ip);
}

static void num_field(bw_str v, int64_t *out, int64_t scale)
{
	int64_t x;
	if (v.p && bw_vpn_num(v, &x) && x >= 0 && x <= INT64_MAX / scale)
		*out = x * scale;
}

static enum bw_parse_rc fgt_parse(struct bw_parse_ctx *ctx, const char *p,
				  const char *end, bw_event *ev)
{
	struct fgt f;
	fgt_scan(p, end, &f);
	if (!f.type.p || !f.logid.p) {
		ctx->reason = "fortigate: no type/logid";
		return BW_PARSE_MALFORMED;
	}
	ev->source = BW_SRC_VPN;
	ev->format = F_FGT;
	if (!fgt_time(&f, ctx->tz, &ev->ts_ms)) {
		if (!ev->ts_ms) {
			ctx->reason = "fortigate: no usable date/time";
			return BW_PARSE_MALFORMED;
		}
	}
	if (!str_is(f.type, "event")) {
		ctx->reason = "fortigate: not an event log";
		return BW_PARSE_IGNORED;
	}
	if (f.devname.n && !ev->host.p)
		ev->host = f.devname;
	if (!absent_value(f.user))
		ev->user = f.user;
	ev->action = f.action;
	if (f.reason.n && !absent_value(f.reason))
		ev->reason = f.reason;

	if (str_is(f.subtype, "vpn")) {
		ip_field(f.remip, &ev->src_ip);
		ip_field(f.tunnelip, &ev->assigned_ip);
		/* IPsec dial-up: the XAuth user and the mode-config address */
		if (!ev->user.p && !absent_value(f.xauthuser))
			ev->user = f.xauthuser;
		if (!ev->assigned_ip.family)
			ip_field(f.assignip, &ev->assigned_ip);
		if (f.tunnelid.n && !str_is(f.tunnelid, "0"))
			ev->session_id = f.tunnelid;
		if (str_is(f.action, "ssl-login-fail")) {
			ev->kind = BW_KIND_LOGIN;
			ev->outcome = BW_OUTCOME_FAILURE;
			ev->auth_method = BW_STR_LIT("password");
			return BW_PARSE_OK;
		}
		if (str_is(f.action, "tunnel-up")) {
			ev->kind = BW_KIND_SESSION_START;
			ev->outcome = BW_OUTCOME_SUCCESS;
			return BW_PARSE_OK;
		}
		if (str_is(f.action, "tunnel-down")) {
			ev->kind = BW_KIND_SESSION_END;
			num_field(f.sentbyte, &ev->bytes_out, 1);
			num_field(f.rcvdbyte, &ev->bytes_in, 1);
			num_field(f.duration, &ev->duration_ms, 1000);
			ev->duration_ms = bw_vpn_duration(ev->duration_ms);
			return BW_PARSE_OK;
		}
		if (str_is(f.action, "tunnel-stats") || str_is(f.action, "stats")) {
			/* SSL (39949) and IPsec (37141) periodic statistics of
			 * a tunnel still up: a snapshot of its counters, as an
			 * OpenVPN status row is (the session table folds it
			 * into the open session) */
			ev->kind = BW_KIND_SESSION_END;
			ev->flags |= BW_EF_SESSION_OPEN;
			ev->outcome = BW_OUTCOME_SUCCESS;
			num_field(f.sentbyte, &ev->bytes_out, 1);
			num_field(f.rcvdbyte, &ev->bytes_in, 1);
			num_field(f.duration, &ev->duration_ms, 1000);
			ev->duration_ms = bw_vpn_duration(ev->duration_ms);
			return BW_PARSE_OK;
		}
		if (str_is(f.action, "negotiate") && f.status.n &&
		    !str_is(f.status, "success")) {
			/* IKE negotiation errors: scanners and exploit probes
			 * against the IPsec service */
			ev->kind = BW_KIND_PROBE;
			ev->outcome = BW_OUTCOME_FAILURE;
			ev->reason = f.msg.n ? f.msg : f.status;
			return BW_PARSE_OK;
		}
		ctx->reason = "fortigate: vpn action not modelled";
		return BW_PARSE_IGNORED;
	}
	if (str_is(f.subtype, "user") && str_is(f.action, "authentication")) {
		/* firewall / captive-portal user authentication */
		ev->source = BW_SRC_AUTH;
		ip_field(f.srcip, &ev->src_ip);
		ev->kind = BW_KIND_LOGIN;
		if (str_is(f.status, "success"))
			ev->outcome = BW_OUTCOME_SUCCESS;
		else if (str_is(f.status, "failure") || str_is(f.status, "failed"))
			ev->outcome = BW_OUTCOME_FAILURE;
		if (f.method.n)
			ev->auth_method = f.method;
		return BW_PARSE_OK;
	}
	if (str_is(f.subtype, "system") &&
	    (str_is(f.action, "login") || str_is(f.action, "logout"))) {
		ev->source = BW_SRC_AUTH;
		ip_field(f.srcip, &ev->src_ip);
		if (!ev->src_ip.family)
			ui_addr(f.ui, &ev->src_ip);
		if (f.method.n)
			ev->auth_method = f.method;
		if (str_is(f.action, "logout")) {
			ev->kind = BW_KIND_LOGOUT;
			return BW_PARSE_OK;
		}
		ev->kind = BW_KIND_LOGIN;
		if (str_is(f.status, "success"))
			ev->outcome = BW_OUTCOME_SUCCESS;
		else if (str_is(f.status, "failed") || str_is(f.status, "failure"))
			ev->outcome = BW_OUTCOME_FAILURE;
		ev->action = BW_STR_LIT("admin-login");
		return BW_PARSE_OK;
	}
	ctx->reason = "fortigate: event subtype not modelled";
	return BW_PARSE_IGNORED;
}

/* Cheap check that a message is FortiGate key=value. */
static int fgt_prefix(const char *p, size_t n)
{
	bw_str s = bw_str_make(p, n);
	if (!(bw_str_starts(s, "date=") || bw_str_starts(s, "logver=") ||
	      bw_str_starts(s, "devname=") || bw_str_starts(s, "eventtime=") ||
	      bw_str_starts(s, "timestamp=")))
		return 0;
	return bw_vpn_find(p, p + n, "logid=") != NULL;
}

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

static int fgt_sniff(const char *line, size_t n)
{
	size_t k = skip_pri(line, n);
	if (!fgt_prefix(line + k, n - k))
		return 0;
	return bw_vpn_find(line, line + n, "type=") ? 95 : 60;
}

static enum bw_parse_rc fgt_line(struct bw_parse_ctx *ctx, char *line,
				 size_t n, bw_event *ev)
{
	size_t k = skip_pri(line, n);
	if (!fgt_prefix(line + k, n - k)) {
		ctx->reason = "fortigate: not a key=value log line";
		return BW_PARSE_MALFORMED;
	}
	return fgt_parse(ctx, line + k, line + n, ev);
}

static enum bw_parse_rc fgt_msg(struct bw_parse_ctx *ctx, bw_str program,
				char *msg, size_t n, bw_event *ev)
{
	if (!fgt_prefix(msg, n))
		return BW_PARSE_NOT_MINE;
	/* no tag: a framer's "programme" would be the first key=value */
	if (program.p == msg)
		ev->program = BW_STR_NULL;
	return fgt_parse(ctx, msg, msg + n, ev);
}

const struct bw_parser bw_parser_fortigate = {
	.name = "fortigate",
	.description = "FortiGate key=value event logs (VPN, admin logins)",
	.source = BW_SRC_VPN,
	.sniff = fgt_sniff,
	.parse = fgt_line,
};

const struct bw_msg_parser bw_msg_fortigate = {
	.name = "fortigate",
	.programs = NULL,
	.parse = fgt_msg,
};
