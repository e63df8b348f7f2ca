/*
 * vpn_openvpn.c - OpenVPN server logs and status files.
 *
 *   message parser "openvpn" (syslog programmes openvpn, ovpn-*):
 *     [user/]ip:port <message>         (per-client lines carry the peer)
 *   line parser "openvpn": OpenVPN's own log file (--log), stamped
 *     "2024-01-05 10:00:00 [us=123456] msg" or "Fri Jan  5 10:00:00 2024 msg"
 *   line parser "openvpn-status": the --status file, versions 1 to 3,
 *     one event per client row: a snapshot of an open session with its
 *     byte counters (kind session_end, flag BW_EF_SESSION_OPEN), which
 *     the session table folds into the session it describes.
 *
 * Sessions are keyed by the peer's real address "ip:port" (session_id),
 * which OpenVPN prints on every per-client line and in the status file.
 * Direction: "bytes sent" by the server go to the client (bytes_out).
 * Never allocates; views point into the line.
 */
#include "parser.h"

#include "bw_time.h"
#include "bw_util.h"
#include "vpn_scan.h"

static const char F_OVPN[] = "openvpn";
static const char F_STATUS[] = "openvpn-status";

/* "'name'" after lit: the quoted name. */
static int quoted_after(const char *p, const char *end, const char *lit, bw_str *out)
{
	const char *q = bw_vpn_after(p, end, lit);
	if (!q)
		return 0;
	const char *e = memchr(q, '\'', (size_t)(end - q));
	if (!e)
		return 0;
	*out = bw_str_make(q, (size_t)(e - q));
	return 1;
}

/* OpenVPN prints a peer as address:port with no brackets, also for IPv6
 * and for dual-stack sockets ("::ffff:203.0.113.5:51234", after
 * "[AF_INET6]"): when the whole does not parse as [v6]:port or v4:port,
 * the port is after the last colon. @return 1 on success. */
static int ovpn_addr(const char *p, size_t n, bw_ip *ip, uint16_t *port)
{
	if (bw_vpn_ip_port(p, n, ip, port) && *port)
		return 1;
	if (n >= 10 && memcmp(p, "[AF_INET6]", 10) == 0) {
		p += 10;
		n -= 10;
	}
	const char *c = p + n;
	while (c > p && c[-1] != ':')
		c--;
	uint64_t v;
	size_t d = (size_t)(p + n - c);
	if (c <= p + 1 || d == 0 || d > 5 || bw_parse_u64(c, p + n, &v) != d || v > 65535)
		return bw_vpn_ip_port(p, n, ip, port);
	if (!bw_ip_parse(p, (size_t)(c - 1 - p), ip))
		return 0;
	*port = (uint16_t)v;
	return 1;
}

static void set_user(bw_event *ev, bw_str u)
{
	if (u.n == 0 || bw_str_eq(u, "UNDEF"))
		return;
	ev->user = u;
}

/* A peer "[user/]ip:port" (or crowdsec's "ip:port/user"). @return 1 when
 * tok is a peer; fills src_ip, src_port, session_id and user. */
static int peer(bw_str tok, bw_event *ev)
{
	bw_ip ip;
	uint16_t port;
	const char *end = tok.p + tok.n;
	const char *sl = memchr(tok.p, '/', tok.n);
	if (sl) {
		const char *r = sl + 1;
		if (ovpn_addr(r, (size_t)(end - r), &ip, &port)) {
			set_user(ev, bw_str_make(tok.p, (size_t)(sl - tok.p)));
			ev->session_id = bw_str_make(r, (size_t)(end - r));
		} else if (ovpn_addr(tok.p, (size_t)(sl - tok.p), &ip, &port)) {
			set_user(ev, bw_str_make(r, (size_t)(end - r)));
			ev->session_id = bw_str_make(tok.p, (size_t)(sl - tok.p));
		} else {
			return 0;
		}
	} else {
		if (!ovpn_addr(tok.p, tok.n, &ip, &port) || port == 0)
			return 0;
		ev->session_id = tok;
	}
	ev->src_ip = ip;
	ev->src_port = port;
	return 1;
}

/* "from [AF_INET]ip:port" when the line had no peer prefix. */
static void from_addr(const char *p, const char *end, bw_event *ev)
{
	if (ev->src_ip.family)
		return;
	const char *f = bw_vpn_after(p, end, "from ");
	if (!f)
		return;
	bw_str t = bw_vpn_until(f, end, " ,");
	ovpn_addr(t.p, t.n, &ev->src_ip, &ev->src_port);
}

static bw_str trim(const char *p, const char *end)
{
	while (end > p && (end[-1] == ' ' || end[-1] == '\r'))
		end--;
	return bw_str_make(p, (size_t)(end - p));
}

static enum bw_parse_rc ovpn_msg(struct bw_parse_ctx *ctx, bw_str program,
				 char *msg, size_t n, bw_event *ev)
{
	(void)program;
	const char *p = msg, *end = msg + n;
	const char *q;
	bw_str t;

	ev->source = BW_SRC_VPN;
	ev->format = F_OVPN; /* the product, also behind a syslog frame */
	/* peer prefix */
	t = bw_vpn_until(p, end, " ");
	if (t.n > 0 && t.n < (size_t)(end - p) && (memchr(t.p, ':', t.n) || memchr(t.p, '.', t.n)) &&
	    peer(t, ev))
		p += t.n + 1;
	const char *body = p;

	if ((q = bw_vpn_after(body, end, "MULTI_sva: pool returned IPv4="))) {
		if (!bw_vpn_ip_token(q, end, &ev->assigned_ip)) {
			ctx->reason = "openvpn: bad pool address";
			return BW_PARSE_MALFORMED;
		}
		ev->kind = BW_KIND_ADDRESS_ASSIGN;
		ev->outcome = BW_OUTCOME_SUCCESS;
		ev->action = BW_STR_LIT("pool-assign");
		return BW_PARSE_OK;
	}
	if ((q = bw_vpn_after(body, end, "MULTI: primary virtual IP for "))) {
		/* user/ip:port: addr */
		const char *c = bw_vpn_find(q, end, ": ");
		if (!c || !bw_vpn_ip_token(c + 2, end, &ev->assigned_ip)) {
			ctx->reason = "openvpn: bad virtual IP line";
			return BW_PARSE_MALFORMED;
		}
		if (!ev->src_ip.family)
			peer(bw_str_make(q, (size_t)(c - q)), ev);
		ev->kind = BW_KIND_ADDRESS_ASSIGN;
		ev->outcome = BW_OUTCOME_SUCCESS;
		ev->action = BW_STR_LIT("virtual-ip");
		return BW_PARSE_OK;
	}
	if ((q = bw_vpn_find(body, end, "Peer Connection Initiated with "))) {
		if (body < q && body[0] == '[') {
			const char *rb = memchr(body, ']', (size_t)(q - body));
			if (rb)
				set_user(ev, bw_str_make(body + 1, (size_t)(rb - body - 1)));
		}
		from_addr(q, end, ev);
		if (!ev->src_ip.family) {
			t = bw_vpn_until(q + 31, end, " ");
			ovpn_addr(t.p, t.n, &ev->src_ip, &ev->src_port);
		}
		ev->kind = BW_KIND_SESSION_START;
		ev->outcome = BW_OUTCOME_SUCCESS;
		ev->action = BW_STR_LIT("peer-connection");
		return BW_PARSE_OK;
	}
	if (quoted_after(body, end, "authentication succeeded for username '", &t)) {
		set_user(ev, t);
		ev->kind = BW_KIND_LOGIN;
		ev->outcome = BW_OUTCOME_SUCCESS;
		ev->auth_method = BW_STR_LIT("password");
		ev->action = BW_STR_LIT("auth-user-pass");
		return BW_PARSE_OK;
	}
	if ((q = bw_vpn_after(body, end, "SENT CONTROL [")) &&
	    bw_vpn_find(q, end, "AUTH_FAILED")) {
		/* The server telling the client about a failure it has
		 * already logged ("TLS Auth Error"): not a second attempt. */
		t = bw_vpn_until(q, end, "]");
		set_user(ev, t);
		ev->kind = BW_KIND_OTHER;
		ev->outcome = BW_OUTCOME_FAILURE;
		ev->action = BW_STR_LIT("auth-failed-sent");
		return BW_PARSE_OK;
	}
	if (bw_vpn_find(body, end, "Username/Password verification failed") ||
	    bw_vpn_find(body, end, "authentication failed for username '") ||
	    bw_vpn_find(body, end, "TLS Auth Error") ||
	    bw_vpn_find(body, end, "AUTH_FAILED") ||
	    bw_vpn_find(body, end, "VERIFY ERROR")) {
		if (quoted_after(body, end, "username '", &t))
			set_user(ev, t);
		ev->kind = BW_KIND_LOGIN;
		ev->outcome = BW_OUTCOME_FAILURE;
		if (bw_vpn_find(body, end, "VERIFY ERROR") ||
		    bw_vpn_find(body, end, "Certificate")) {
			ev->auth_method = BW_STR_LIT("certificate");
		} else {
			ev->auth_method = BW_STR_LIT("password");
		}
		ev->action = BW_STR_LIT("auth-failed");
		ev->reason = trim(body, end);
		from_addr(body, end, ev);
		return BW_PARSE_OK;
	}
	if (bw_str_starts(bw_str_make(body, (size_t)(end - body)), "Authentication succeeded")) {
		ev->kind = BW_KIND_LOGIN;
		ev->outcome = BW_OUTCOME_SUCCESS;
		ev->action = BW_STR_LIT("auth-succeeded");
		return BW_PARSE_OK;
	}
	if ((bw_vpn_find(body, end, "client-instance exiting") ||
	     bw_vpn_find(body, end, "client-instance restarting")) &&
	    body < end && body[0] == 'S' && memchr(body, '[', (size_t)(end - body))) {
		ev->kind = BW_KIND_SESSION_END;
		ev->action = BW_STR_LIT("client-exit");
		ev->reason = bw_vpn_until(body, end, " ");
		return BW_PARSE_OK;
	}
	if (bw_vpn_find(body, end, "TLS Error") || bw_vpn_find(body, end, "TLS_ERROR") ||
	    bw_vpn_find(body, end, "OpenSSL: error") ||
	    bw_vpn_find(body, end, "Non-OpenVPN client protocol") ||
	    bw_vpn_find(body, end, "Bad encapsulated packet length") ||
	    bw_vpn_find(body, end, "Unroutable control packet")) {
		ev->kind = BW_KIND_PROBE;
		ev->outcome = BW_OUTCOME_FAILURE;
		ev->action = BW_STR_LIT("tls-error");
		ev->reason = trim(body, end);
		from_addr(body, end, ev);
		return BW_PARSE_OK;
	}
	ctx->reason = "openvpn: message not modelled";
	return BW_PARSE_IGNORED;
}

static const char *const ovpn_programs[] = {
	"openvpn", "ovpn-server", "ovpn-openvpn", "openvpn-server", NULL,
};

const struct bw_msg_parser bw_msg_openvpn = {
	.name = "openvpn",
	.programs = ovpn_programs,
	.parse = ovpn_msg,
};

/* ------------------------------------------------------------------ */
/* OpenVPN's own log file. */

/* Parse the leading stamp. @return bytes consumed including the space
 * (and "us=N "), 0 if none. */
static size_t ovpn_stamp(const char *line, size_t n, const struct bw_tz *tz,
			 int64_t *ms)
{
	const char *end = line + n;
	size_t k = 0;
	if (n >= 20 && line[4] == '-' && line[7] == '-' && line[10] == ' ' &&
	    line[13] == ':' && line[16] == ':' && line[19] == ' ') {
		k = bw_time_parse_iso(line, 19, tz, ms);
		if (k != 19)
			return 0;
	} else {
		k = bw_vpn_time_ctime(line, end, tz, ms);
		if (k == 0 || k >= n || line[k] != ' ')
			return 0;
	}
	k++;
	if (end - (line + k) > 3 && memcmp(line + k, "us=", 3) == 0) {
		const char *s = line + k + 3;
		uint64_t us = 0;
		size_t d = bw_parse_u64(s, end, &us);
		if (d && d <= 6 && s + d < end && s[d] == ' ') {
			*ms += (int64_t)(us / 1000);
			k = (size_t)(s + d + 1 - line);
		}
	}
	return k;
}

static const char *const ovpn_markers[] = {
	"OpenVPN", "MULTI", "TLS", "Peer Connection", "Initialization Sequence",
	"UDPv4", "UDPv6", "TCPv4", "TCP connection", "client-instance",
	"VERIFY", "SIGTERM", "SIGUSR1", "PLUGIN", "Control Channel",
	"Data Channel", "AUTH", "PUSH", "ifconfig", "event_wait", NULL,
};

static int ovpn_sniff(const char *line, size_t n)
{
	int64_t ms;
	size_t k = ovpn_stamp(line, n, NULL, &ms);
	if (!k)
		return 0;
	const char *end = line + n;
	/* "us=NNN" right after the stamp is OpenVPN's own --log format (a
	 * syslog frame would have a host name there): beat syslog's 80. */
	int us = k >= 4 && bw_vpn_find(line, line + k, " us=") != NULL;
	for (int i = 0; ovpn_markers[i]; i++)
		if (bw_vpn_find(line + k, end, ovpn_markers[i]))
			return us ? 90 : 70;
	return line[4] == '-' ? 0 : 10;
}

static enum bw_parse_rc ovpn_line(struct bw_parse_ctx *ctx, char *line,
				  size_t n, bw_event *ev)
{
	size_t k = ovpn_stamp(line, n, ctx->tz, &ev->ts_ms);
	if (!k) {
		ctx->reason = "openvpn: no timestamp";
		return BW_PARSE_MALFORMED;
	}
	ev->format = F_OVPN;
	ev->program = BW_STR_LIT("openvpn");
	return ovpn_msg(ctx, BW_STR_LIT("openvpn"), line + k, n - k, ev);
}

const struct bw_parser bw_parser_openvpn = {
	.name = "openvpn",
	.description = "OpenVPN server log file (--log), own timestamps",
	.source = BW_SRC_VPN,
	.sniff = ovpn_sniff,
	.parse = ovpn_line,
};

/* ------------------------------------------------------------------ */
/* Status file, versions 1 (sections), 2 (comma) and 3 (tab). */

enum { ST_NONE, ST_CLIENTS, ST_ROUTING, ST_OTHER };
enum { C_CN, C_REAL, C_VIRT, C_RX, C_TX, C_SINCE, C_SINCE_T, C_USER, C__N };

struct status_state {
	int section;          /* v1 section */
	int64_t updated_ms;   /* snapshot time, 0 = unknown */
	int have_header;
	int8_t col[C__N];     /* v2/3 column of each field in CLIENT_LIST rows
	                         (0 = the row tag), -1 = absent */
};

static const int8_t default_cols[C__N] = {
	/* 2.4+: CLIENT_LIST,CN,Real,Virt,Virt6,RX,TX,Since,Since_t,User,... */
	1, 2, 3, 5, 6, 7, 8, 9,
};

#define MAX_FIELDS 24

static size_t split(char *line, size_t n, char sep, bw_str *f, size_t cap)
{
	size_t nf = 0;
	const char *p = line, *end = line + n;
	while (nf < cap) {
		const char *s = memchr(p, sep, (size_t)(end - p));
		const char *e = s ? s : end;
		f[nf++] = bw_str_make(p, (size_t)(e - p));
		if (!s)
			break;
		p = s + 1;
	}
	return nf;
}

static int status_sniff(const char *line, size_t n)
{
	bw_str s = bw_str_make(line, n);
	if (bw_str_starts(s, "OpenVPN CLIENT LIST") || bw_str_starts(s, "TITLE,OpenVPN") ||
	    bw_str_starts(s, "TITLE\tOpenVPN") || bw_str_starts(s, "HEADER,CLIENT_LIST") ||
	    bw_str_starts(s, "HEADER\tCLIENT_LIST"))
		return 100;
	if (bw_str_starts(s, "CLIENT_LIST,") || bw_str_starts(s, "CLIENT_LIST\t") ||
	    bw_str_starts(s, "ROUTING_TABLE,") || bw_str_starts(s, "ROUTING_TABLE\t") ||
	    bw_str_starts(s, "GLOBAL_STATS") || bw_str_starts(s, "Updated,") ||
	    bw_str_starts(s, "Common Name,Real Address") ||
	    bw_str_starts(s, "Virtual Address,Common Name"))
		return 90;
	return 0;
}

static int64_t field_time(bw_str ctime_f, bw_str t_f, const struct bw_tz *tz)
{
	int64_t v, ms;
	/* up to the end of year 9999, as the parsers' dated stamps */
	if (t_f.p && bw_vpn_num(t_f, &v) && v > 0 && v <= 253402300799LL)
		return v * 1000;
	if (ctime_f.p && bw_vpn_time_ctime(ctime_f.p, ctime_f.p + ctime_f.n, tz, &ms) == 24)
		return ms;
	/* OpenVPN 2.6 writes "2023-05-12 14:53:11" (local time) */
	if (ctime_f.p && ctime_f.n == 19 &&
	    bw_time_parse_iso(ctime_f.p, ctime_f.n, tz, &ms) == 19)
		return ms;
	return BW_NUM_ABSENT;
}

static enum bw_parse_rc client_row(struct bw_parse_ctx *ctx, struct status_state *st,
				   bw_str cn, bw_str real, bw_str virt, bw_str rx,
				   bw_str tx, int64_t since, bw_str user, bw_event *ev)
{
	int64_t in, out;
	if (!real.p || !ovpn_addr(real.p, real.n, &ev->src_ip, &ev->src_port)) {
		ctx->reason = "openvpn-status: bad real address";
		return BW_PARSE_MALFORMED;
	}
	if (!rx.p || !tx.p || !bw_vpn_num(rx, &in) || !bw_vpn_num(tx, &out)) {
		ctx->reason = "openvpn-status: bad byte counters";
		return BW_PARSE_MALFORMED;
	}
	if (since == BW_NUM_ABSENT) {
		ctx->reason = "openvpn-status: bad connected-since time";
		return BW_PARSE_MALFORMED;
	}
	ev->session_id = real;
	if (virt.p && virt.n)
		bw_ip_parse(virt.p, virt.n, &ev->assigned_ip);
	if (user.p && user.n && !bw_str_eq(user, "UNDEF"))
		ev->user = user;
	else
		set_user(ev, cn);
	ev->bytes_in = in;
	ev->bytes_out = out;
	ev->kind = BW_KIND_SESSION_END;
	ev->flags |= BW_EF_SESSION_OPEN;
	ev->action = BW_STR_LIT("status-client");
	/* The snapshot time is the event time; without one (a partial
	 * file) the session is known only from its start. */
	if (st->updated_ms > 0 && st->updated_ms >= since) {
		ev->ts_ms = st->updated_ms;
		ev->duration_ms = bw_vpn_duration(st->updated_ms - since);
	} else {
		ev->ts_ms = since;
		ev->duration_ms = 0;
	}
	return BW_PARSE_OK;
}

static enum bw_parse_rc status_line(struct bw_parse_ctx *ctx, char *line,
				    size_t n, bw_event *ev)
{
	struct status_state *st = ctx->state;
	bw_str f[MAX_FIELDS];
	bw_str s = bw_str_make(line, n);
	int64_t ms;

	ev->source = BW_SRC_VPN;
	ev->format = F_STATUS;
	if (!st->have_header) {
		memcpy(st->col, default_cols, sizeof(st->col));
		st->have_header = 1;
	}
	while (s.n && (s.p[s.n - 1] == '\r'))
		s.n--;
	n = s.n;
	if (n == 0) {
		ctx->reason = "openvpn-status: empty line";
		return BW_PARSE_IGNORED;
	}
	char sep = memchr(line, '\t', n) ? '\t' : ',';
	size_t nf = split(line, n, sep, f, MAX_FIELDS);

	if (bw_str_eq(s, "OpenVPN CLIENT LIST")) {
		st->section = ST_CLIENTS;
		goto ignored;
	}
	if (bw_str_eq(s, "ROUTING TABLE")) {
		st->section = ST_ROUTING;
		goto ignored;
	}
	if (bw_str_eq(s, "GLOBAL STATS") || bw_str_eq(s, "END")) {
		st->section = ST_OTHER;
		goto ignored;
	}
	if (nf >= 2 && (bw_str_eq(f[0], "Updated") || bw_str_eq(f[0], "TIME"))) {
		st->updated_ms = field_time(f[1], nf >= 3 ? f[2] : BW_STR_NULL, ctx->tz);
		if (st->updated_ms == BW_NUM_ABSENT)
			st->updated_ms = 0;
		goto ignored;
	}
	if (nf >= 2 && bw_str_eq(f[0], "HEADER") && bw_str_eq(f[1], "CLIENT_LIST")) {
		for (int c = 0; c < C__N; c++)
			st->col[c] = -1;
		for (size_t i = 2; i < nf; i++) {
			int8_t col = (int8_t)(i - 1);
			if (bw_str_eq(f[i], "Common Name")) st->col[C_CN] = col;
			else if (bw_str_eq(f[i], "Real Address")) st->col[C_REAL] = col;
			else if (bw_str_eq(f[i], "Virtual Address")) st->col[C_VIRT] = col;
			else if (bw_str_eq(f[i], "Bytes Received")) st->col[C_RX] = col;
			else if (bw_str_eq(f[i], "Bytes Sent")) st->col[C_TX] = col;
			else if (bw_str_eq(f[i], "Connected Since")) st->col[C_SINCE] = col;
			else if (bw_str_eq(f[i], "Connected Since (time_t)")) st->col[C_SINCE_T] = col;
			else if (bw_str_eq(f[i], "Username")) st->col[C_USER] = col;
		}
		goto ignored;
	}
	if (nf >= 2 && bw_str_eq(f[0], "CLIENT_LIST")) {
#define COL(c) (st->col[c] >= 0 && (size_t)st->col[c] < nf ? f[st->col[c]] : BW_STR_NULL)
		int64_t since = field_time(COL(C_SINCE), COL(C_SINCE_T), ctx->tz);
		return client_row(ctx, st, COL(C_CN), COL(C_REAL), COL(C_VIRT),
				  COL(C_RX), COL(C_TX), since, COL(C_USER), ev);
#undef COL
	}
	if (bw_str_eq(f[0], "TITLE") || bw_str_eq(f[0], "HEADER") ||
	    bw_str_eq(f[0], "ROUTING_TABLE") || bw_str_eq(f[0], "GLOBAL_STATS") ||
	    bw_str_eq(f[0], "Common Name") || bw_str_eq(f[0], "Virtual Address") ||
	    bw_str_eq(f[0], "Max bcast/mcast queue length"))
		goto ignored;
	if (st->section == ST_CLIENTS && nf == 5) {
		/* v1: Common Name,Real Address,Bytes Received,Bytes Sent,Connected Since */
		int64_t since = field_time(f[4], BW_STR_NULL, ctx->tz);
		return client_row(ctx, st, f[0], f[1], BW_STR_NULL, f[2], f[3], since,
				  BW_STR_NULL, ev);
	}
	if (st->section == ST_ROUTING && nf == 4) {
		/* v1: Virtual Address,Common Name,Real Address,Last Ref. The
		 * address was held at the snapshot time. */
		if (!bw_ip_parse(f[0].p, f[0].n, &ev->assigned_ip)) {
			ctx->reason = "openvpn-status: routing entry is not a host address";
			return BW_PARSE_IGNORED; /* iroute subnets "10.0.0.0/24C" */
		}
		if (!ovpn_addr(f[2].p, f[2].n, &ev->src_ip, &ev->src_port)) {
			ctx->reason = "openvpn-status: bad real address";
			return BW_PARSE_MALFORMED;
		}
		set_user(ev, f[1]);
		ev->session_id = f[2];
		ms = field_time(f[3], BW_STR_NULL, ctx->tz);
		ev->ts_ms = st->updated_ms > 0 ? st->updated_ms :
			    (ms != BW_NUM_ABSENT ? ms : 0);
		ev->kind = BW_KIND_ADDRESS_ASSIGN;
		ev->outcome = BW_OUTCOME_SUCCESS;
		ev->action = BW_STR_LIT("status-route");
		return BW_PARSE_OK;
	}
	ctx->reason = "openvpn-status: unrecognised line";
	return BW_PARSE_MALFORMED;
ignored:
	ctx->reason = "openvpn-status: header or statistics line";
	return BW_PARSE_IGNORED;
}

const struct bw_parser bw_parser_openvpn_status = {
	.name = "openvpn-status",
	.description = "OpenVPN --status file (versions 1-3), session byte counters",
	.source = BW_SRC_VPN,
	.sniff = status_sniff,
	.parse = status_line,
	.state_size = sizeof(struct status_state),
};
