/*
 * vpn_netscaler.c - Citrix NetScaler (ADC) Gateway audit log (ns.log, or
 * the appliance's syslog as a collector writes it):
 *
 *   Mar  7 14:11:55 <local0.info> 211.193.193.80  03/07/2013:05:12:16 GMT
 *       ns PPE-0 : SSLVPN LOGOUT 928630814 : Context c3g@123.143.222.211 -
 *       SessionId: 650781- User c3g - Client_ip 123.143.222.211 - Nat_ip
 *       "Mapped Ip" - Vserver 211.193.193.103:443 - Start_time "..." -
 *       End_time "..." - Duration 05:48:09 - ... - Total_bytes_send 9326313
 *       - Total_bytes_recv 179795866 - ... - LogoutMethod "Explicit" - ...
 *
 * Whatever stands before it (a collector's header, "<local0.info> IP"),
 * the line holds the appliance's own stamp "MM/DD/YYYY:HH:MM:SS" (UTC
 * when followed by GMT, else the appliance's local time: --tz), its host
 * name (absent on some builds), "[0-]PPE-n :", on newer builds the
 * partition ("default"), then FEATURE EVENT SEQ [0] : and the message's
 * " - "-separated fields. The appliance's dateFormat may put the day
 * first (DD/MM/YYYY, learned per input from the first stamp whose day is
 * above 12; earlier ambiguous stamps were read MM/DD and a warning says
 * so) or the year (YYYY/MM/DD). RFC 5424 frames (the feature as APP-NAME,
 * the stamp in the frame) and CEF (AppFirewall) are not read.
 *
 * Modelled: SSLVPN LOGIN (a login: user, Client_ip, SessionId,
 * Browser_type, the Vserver as destination), SSLVPN LOGOUT (the session's
 * end: Duration, and its bytes: Total_bytes_recv is what the session
 * received from the inside, delivered to the client (bytes out);
 * Total_bytes_send what the client sent (bytes in): in Citrix's own ICA
 * example a desktop session of 47 s received 678,421 and sent 0, and an
 * FTP data connection (TCPCONNSTAT, port 20) received 122,881),
 * SSLVPN REMOVE_SESSION (a logout, with its Errmsg) and AAA LOGIN_FAILED
 * (a failed login with its Failure_reason); AAATM LOGIN and LOGOUT
 * (nFactor, AAA-TM) as SSLVPN's, its Anonymous pre-authentication
 * sessions ignored; a session's traffic records (TCPCONNSTAT,
 * UDPFLOWSTAT, HTTPREQUEST, TCPCONN_TIMEDOUT) as connections naming the
 * session and its client, without bytes (the LOGOUT sums them). (ICAEND_
 * CONNSTAT counts the other way round: not read.) Per-connection statistics,
 * clientless HTTP requests, SSL handshakes and debug messages are valid
 * lines, ignored and counted.
 */
#include "parser.h"

#include "bw_time.h"
#include "bw_util.h"
#include "vpn_scan.h"

static const char F_NS[] = "netscaler";

static int digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The appliance's stamp at p (19 bytes): "MM/DD/YYYY:HH:MM:SS" (the
 * default), "DD/MM/YYYY:..." or "YYYY/MM/DD:..." (its dateFormat).
 * @return 1 for day-or-month first, 2 for year first, 0 for none. */
static int is_stamp(const char *p, const char *end)
{
	if (end - p < 19 || p[10] != ':' || !digit(p[11]) || p[13] != ':' ||
	    p[16] != ':' || !digit(p[18]))
		return 0;
	if (digit(p[0]) && digit(p[1]) && p[2] == '/' && digit(p[3]) &&
	    digit(p[4]) && p[5] == '/' && digit(p[6]) && digit(p[9]))
		return 1;
	if (digit(p[0]) && digit(p[3]) && p[4] == '/' && digit(p[5]) &&
	    p[7] == '/' && digit(p[8]) && digit(p[9]))
		return 2;
	return 0;
}

/* Per input: the order of a stamp's first two numbers, learned from the
 * first stamp that tells (a number above 12): NetScaler's dateFormat is
 * the appliance's setting, MM/DD/YYYY unless changed. */
struct ns_state {
	int dmy;                /* 0: MM/DD (default or learned), 1: DD/MM */
	int known;              /* the order was seen, not assumed */
	int assumed;            /* a stamp was read before it was known */
};

struct ns_hdr {
	const char *stamp;      /* 19 bytes */
	int ymd;                /* YYYY/MM/DD */
	int gmt;
	bw_str host;            /* the appliance's name */
	bw_str feature, event;  /* "SSLVPN", "LOGIN" */
	const char *msg;        /* after "SEQ [0] : " */
};

/* The next word of [*q, end) (separated by spaces or tabs), or an empty
 * view at the end. */
static bw_str ns_word(const char **q, const char *end)
{
	const char *s = *q;
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	const char *w = s;
	while (s < end && *s != ' ' && *s != '\t')
		s++;
	*q = s;
	return bw_str_make(w, (size_t)(s - w));
}

static int all_digits(bw_str w)
{
	uint64_t v;
	return w.n && bw_parse_u64(w.p, w.p + w.n, &v) == w.n;
}

/* Bytes of a "<digits>" (a syslog PRI) that word w starts with, 0 for
 * none. */
static size_t pri_len(bw_str w)
{
	const char *gt = w.n && w.p[0] == '<' ? memchr(w.p, '>', w.n) : NULL;
	return gt && all_digits(bw_str_make(w.p + 1, (size_t)(gt - w.p - 1))) ?
		       (size_t)(gt - w.p) + 1 : 0;
}

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Words of a collector's frame (frame_word). */
enum {
	FW_NONE,
	FW_PART,     /* month, day, year */
	FW_TIME,     /* hh:mm:ss with a fraction: a stamp's end */
	FW_DATE,     /* YYYY-MM-DD, its time follows as a word */
	FW_DATETIME, /* RFC 3339: a stamp of its own */
	FW_FACILITY, /* facility.level, bare, in <> or Kiwi's Local0.Info */
	FW_PRI,      /* <134>, as a collector shows it with the message */
};

static int frame_word(bw_str w)
{
	const char *p = w.p;
	size_t n = w.n;
	if (n == 3 && bw_month_from_abbr(p))
		return FW_PART;
	if (all_digits(w) && (n <= 2 || n == 4))
		return FW_PART;
	if (pri_len(w) == n)
		return FW_PRI;
	if (n >= 8 && digit(p[0]) && (p[1] == ':' || p[2] == ':')) {
		size_t i = 0, colons = 0;
		while (i < n && (digit(p[i]) || p[i] == ':' ||
				 ((p[i] == '.' || p[i] == ',') && colons == 2)))
			colons += p[i++] == ':';
		return i == n && colons == 2 ? FW_TIME : FW_NONE;
	}
	if (n >= 10 && digit(p[0]) && digit(p[3]) && p[4] == '-' && p[7] == '-') {
		for (size_t i = 0; i < n; i++)
			if (!digit(p[i]) && !memchr("-T:.,+Z", p[i], 7))
				return FW_NONE;
		return n > 10 ? FW_DATETIME : FW_DATE;
	}
	/* facility.level: syslog's names only (a dotted logger name or
	 * tag, "portal.auth", is an application's) */
	size_t a = p[0] == '<', b = n && p[n - 1] == '>';
	if (a != b || n < 3 + a + b)
		return FW_NONE;
	const char *dot = memchr(p, '.', n);
	if (!dot)
		return FW_NONE;
	bw_str fac = bw_str_make(p + a, (size_t)(dot - p - a));
	bw_str lev = bw_str_make(dot + 1, (size_t)(p + n - b - dot - 1));
	static const char *const facs[] = {
		"kern", "user", "mail", "daemon", "auth", "syslog", "lpr",
		"news", "uucp", "cron", "authpriv", "ftp", "ntp", "security",
		"console", "audit", "alert", "clock", "local0", "local1",
		"local2", "local3", "local4", "local5", "local6", "local7",
	};
	static const char *const levs[] = {
		"emerg", "panic", "alert", "crit", "err", "error", "warning",
		"warn", "notice", "info", "debug",
	};
	int fok = 0, lok = 0;
	for (size_t i = 0; i < sizeof(facs) / sizeof(facs[0]); i++)
		fok |= bw_str_ieq(fac, facs[i]);
	for (size_t i = 0; i < sizeof(levs) / sizeof(levs[0]); i++)
		lok |= bw_str_ieq(lev, levs[i]);
	return fok && lok ? FW_FACILITY : FW_NONE;
}

/* A log level, as an application's own lines give after their stamp. */
static int level_word(bw_str w)
{
	static const char *const lv[] = {
		"trace", "debug", "info", "notice", "warn", "warning", "error",
		"err", "crit", "critical", "alert", "emerg", "fatal", "severe",
		"information", "informational", "verbose", "fine", "finer",
		"finest", "config", "panic", "trc", "dbg", "vrb", "inf", "wrn",
		"wrng", "eror", "erro", "ftl", "crt",
	};
	for (size_t i = 0; i < sizeof(lv) / sizeof(lv[0]); i++)
		if (bw_str_ieq(w, lv[i]))
			return 1;
	return 0;
}

/* A sender's name: a host name or address, or syslog-ng's chain of two
 * ("ns01/10.0.0.1"). A programme's "tag:" or "name[pid]:", a log level,
 * quoted text, paths and brackets are not. */
static int host_word(bw_str w)
{
	if (!w.n || w.p[w.n - 1] == ':' || w.p[0] == '/' ||
	    w.p[w.n - 1] == '/' || level_word(w))
		return 0;
	int slashes = 0;
	for (size_t i = 0; i < w.n; i++) {
		char c = w.p[i];
		if (c == '/' && ++slashes == 1)
			continue;
		if (!is_alpha(c) && !digit(c) && c != '.' && c != '-' &&
		    c != '_' && c != ':')
			return 0;
	}
	return 1;
}

/* RFC 5424 after "<PRI>1": TIMESTAMP HOSTNAME, then the appliance's
 * stamp where the APP-NAME goes (a relay that took it for one), or a nil
 * APP-NAME, PROCID, MSGID and structured data before it. Another
 * programme's message (APP-NAME "portal") is not the appliance's. */
static int nil_or(bw_str w, int (*ok)(bw_str))
{
	return bw_str_eq(w, "-") || ok(w);
}

static int stamp_word(bw_str w)
{
	return frame_word(w) == FW_DATETIME;
}

static int ns_5424_ok(const char *q, const char *stamp)
{
	bw_str ts = ns_word(&q, stamp), host = ns_word(&q, stamp);
	if (!nil_or(ts, stamp_word) || !nil_or(host, host_word))
		return 0;
	bw_str app = ns_word(&q, stamp);
	if (!app.n)
		return 1;
	bw_str pid = ns_word(&q, stamp), mid = ns_word(&q, stamp);
	if (!bw_str_eq(app, "-") || !nil_or(pid, host_word) ||
	    !nil_or(mid, host_word))
		return 0;
	while (q < stamp && (*q == ' ' || *q == '\t'))
		q++;
	if (q < stamp && *q == '-') {
		q++;
	} else {
		/* [id param="value" ...]...: quoted values may hold
		 * anything but an unescaped quote */
		while (q < stamp && *q == '[') {
			int quoted = 0;
			for (q++; q < stamp && (quoted || *q != ']'); q++) {
				if (*q == '\\' && q + 1 < stamp)
					q++;
				else if (*q == '"')
					quoted = !quoted;
			}
			if (q >= stamp)
				return 0;
			q++;
		}
	}
	return ns_word(&q, stamp).n == 0;
}

/* Whether [p, stamp) is a frame a collector puts before the appliance's
 * stamp: nothing, a "<PRI>", syslog stamps (RFC 3164 with or without a
 * year or fraction, RFC 3339, Kiwi's "YYYY-MM-DD hh:mm:ss") each
 * followed by one sender name (a relay adds its own stamp and name),
 * facility.level words and a <PRI> shown with the message, or an RFC
 * 5424 header (ns_5424_ok). Anything else is another programme's text
 * quoting NetScaler's form (a web request whose agent or path carries
 * it, a portal logging what a client typed, an application's "date time
 * LEVEL logger - message"): not the appliance, so it must not start, end
 * or age sessions. */
static int ns_prefix_ok(const char *p, const char *stamp)
{
	const char *q = p;
	bw_str w = ns_word(&q, stamp);
	if (w.n && w.p[0] == '<' && frame_word(w) != FW_FACILITY) {
		size_t pl = pri_len(w);
		if (!pl)
			return 0;
		w = bw_str_make(w.p + pl, w.n - pl);
		if (bw_str_eq(w, "1"))
			return ns_5424_ok(q, stamp);
		if (!w.n)
			w = ns_word(&q, stamp);
	}
	int names = 0;
	for (; w.n; w = ns_word(&q, stamp)) {
		/* a relay writing the message it got: "<134>Nov" */
		size_t pl = pri_len(w);
		if (pl && pl < w.n)
			w = bw_str_make(w.p + pl, w.n - pl);
		int f = frame_word(w);
		if (f == FW_TIME || f == FW_DATETIME)
			names = 0; /* a stamp: the next name is its sender */
		else if (!f && (!host_word(w) || ++names > 1))
			return 0;
	}
	return 1;
}

/* Find the appliance's header in the first bytes of the line. */
static int ns_header(const char *p, const char *end, struct ns_hdr *h)
{
	const char *lim = end - p > 160 ? p + 160 : end;
	const char *s = p;
	int kind = 0;
	for (;; s++) {
		s = memchr(s, '/', (size_t)(lim - s));
		if (!s)
			return 0;
		if (s - p >= 4 && is_stamp(s - 4, end) == 2) {
			kind = 2;
			break;
		}
		if (s - p >= 2 && is_stamp(s - 2, end) == 1) {
			kind = 1;
			break;
		}
	}
	h->stamp = kind == 2 ? s - 4 : s - 2;
	h->ymd = kind == 2;
	if (!ns_prefix_ok(p, h->stamp))
		return 0;
	const char *q = h->stamp + 19;
	h->gmt = end - q >= 4 && !memcmp(q, " GMT", 4);
	if (h->gmt)
		q += 4;
	while (q < end && *q == ' ')
		q++;
	h->host = bw_vpn_until(q, end, " ");
	/* " PPE-0 : " or " 0-PPE-0 : "; a line without a host name has
	 * the PPE token right after the stamp */
	const char *ppe = bw_vpn_find(h->host.p, h->host.p + h->host.n, "PPE-");
	if (ppe) {
		h->host = BW_STR_NULL;
	} else {
		q += h->host.n;
		ppe = bw_vpn_find(q, end - q > 16 ? q + 16 : end, "PPE-");
	}
	if (!ppe)
		return 0;
	q = bw_vpn_after(ppe, end, " : ");
	if (!q)
		return 0;
	/* [partition] FEATURE EVENT SEQ [0] : */
	bw_str w[6];
	int nw = 0;
	const char *m = NULL;
	while (q < end && nw < 6) {
		while (q < end && *q == ' ')
			q++;
		if (q < end && *q == ':') {
			m = q + 1;
			break;
		}
		w[nw] = bw_vpn_until(q, end, " ");
		q += w[nw].n;
		nw++;
	}
	if (!m) {
		while (q < end && *q == ' ')
			q++;
		if (q < end && *q == ':')
			m = q + 1;
	}
	if (!m || nw < 3)
		return 0;
	/* the sequence number is the first all-digit word after two */
	int f = 0;
	while (f + 2 < nw) {
		uint64_t v;
		if (bw_parse_u64(w[f + 2].p, w[f + 2].p + w[f + 2].n, &v) == w[f + 2].n)
			break;
		f++;
	}
	if (f + 2 >= nw)
		return 0;
	h->feature = w[f];
	h->event = w[f + 1];
	while (m < end && *m == ' ')
		m++;
	h->msg = m;
	return 1;
}

/* st: the line parser's state; NULL from the syslog message parser,
 * whose ctx->state is the syslog parser's (stamps then read MM/DD). */
static int ns_time(const struct ns_hdr *h, struct bw_parse_ctx *ctx,
		   struct ns_state *st, int64_t *ms)
{
	const char *p = h->stamp;
	int a = bw_parse_fixed(p, 2), b = bw_parse_fixed(p + 3, 2), y, mo, d;
	if (h->ymd) {
		y = bw_parse_fixed(p, 4);
		mo = bw_parse_fixed(p + 5, 2);
		d = bw_parse_fixed(p + 8, 2);
	} else {
		y = bw_parse_fixed(p + 6, 4);
		if (st && !st->known && a <= 12 && b <= 12)
			st->assumed = 1;
		if (st && !st->known && (a > 12 || b > 12)) {
			if (st->assumed && (a > 12) != st->dmy) {
				/* stamps before were read the other way: say so */
				ctx->warnings++;
				ctx->warning = a > 12 ?
					"netscaler: stamps are DD/MM/YYYY (dateFormat); "
					"earlier ambiguous ones were read as MM/DD" :
					"netscaler: stamps are MM/DD/YYYY; earlier ambiguous "
					"ones were read as DD/MM (the order of the file "
					"before in this tail stream)";
			}
			st->dmy = a > 12;
			st->known = 1;
		}
		int dmy = st && st->dmy;
		mo = dmy ? b : a;
		d = dmy ? a : b;
	}
	int hh = bw_parse_fixed(p + 11, 2), mi = bw_parse_fixed(p + 14, 2),
	    s = bw_parse_fixed(p + 17, 2);
	if (mo < 0 || d < 0 || y < 0 || hh < 0 || mi < 0 || s < 0 ||
	    !bw_civil_valid(y, mo, d, hh, mi, s))
		return 0;
	int64_t t = bw_epoch_from_civil(y, mo, d, hh, mi, s);
	*ms = (h->gmt ? t : bw_tz_local_to_utc(ctx->tz, t)) * 1000;
	return 1;
}

/* The value of "Key value" in the " - " separated fields: up to the next
 * " - " (or "- " glued to it: "SessionId: 651542- User"), quotes
 * removed. */
static bw_str field(const char *m, const char *end, const char *key)
{
	size_t kn = strlen(key);
	for (const char *q = m; (q = bw_vpn_find(q, end, key)) != NULL; q += kn) {
		if (q != m && q[-1] != ' ' && q[-1] != '-')
			continue; /* inside another word */
		const char *v = q + kn;
		if (v >= end || (*v != ' ' && *v != ':'))
			continue;
		while (v < end && (*v == ' ' || *v == ':'))
			v++;
		if (v < end && *v == '"') {
			const char *c = memchr(v + 1, '"', (size_t)(end - v - 1));
			if (!c)
				return BW_STR_NULL;
			bw_str s = bw_str_make(v + 1, (size_t)(c - v - 1));
			while (s.n && s.p[s.n - 1] == ' ')
				s.n--;
			return s;
		}
		const char *e = v;
		while (e < end && !(*e == ' ' && e + 1 < end && e[1] == '-') &&
		       !(*e == '-' && e + 1 < end && e[1] == ' '))
			e++;
		while (e > v && e[-1] == ' ')
			e--; /* "Duration 00:39:15  - ": two spaces */
		return bw_str_make(v, (size_t)(e - v));
	}
	return BW_STR_NULL;
}

static int64_t num_field(const char *m, const char *end, const char *key)
{
	int64_t v;
	bw_str s = field(m, end, key);
	return bw_vpn_num(s, &v) && v >= 0 ? v : BW_NUM_ABSENT;
}

/* "HH:MM:SS" (hours may pass 99). */
static int64_t duration(bw_str s)
{
	const char *c1 = s.p ? memchr(s.p, ':', s.n) : NULL;
	if (!c1 || s.p + s.n - c1 != 6 || c1[3] != ':')
		return BW_NUM_ABSENT;
	uint64_t h;
	int mi = bw_parse_fixed(c1 + 1, 2), sec = bw_parse_fixed(c1 + 4, 2);
	if (bw_parse_u64(s.p, c1, &h) != (size_t)(c1 - s.p) || c1 == s.p ||
	    mi < 0 || sec < 0 || h > 876000)
		return BW_NUM_ABSENT;
	return bw_vpn_duration(((int64_t)h * 3600 + mi * 60 + sec) * 1000);
}

static void common(const char *m, const char *end, bw_event *ev)
{
	bw_str u = field(m, end, "User");
	/* HTTPREQUEST: "User fbueller : Group(s) N/A : Vserver ..." */
	const char *colon = u.n ? bw_vpn_find(u.p, u.p + u.n, " : ") : NULL;
	if (colon)
		u.n = (size_t)(colon - u.p);
	if (u.n)
		ev->user = u;
	bw_str ip = field(m, end, "Client_ip");
	const char *sp = ip.p ? memchr(ip.p, ' ', ip.n) : NULL;
	if (sp) /* "Client_ip 10.252.7.9 Nat_ip ...": a dash missing */
		ip.n = (size_t)(sp - ip.p);
	if (!ip.n || !bw_ip_parse(ip.p, ip.n, &ev->src_ip)) {
		/* "Context user@203.0.113.5": the client after the last @ */
		bw_str c = field(m, end, "Context");
		const char *at = c.p ? memrchr(c.p, '@', c.n) : NULL;
		if (at)
			bw_ip_parse(at + 1, (size_t)(c.p + c.n - at - 1), &ev->src_ip);
	}
	bw_str sid = field(m, end, "SessionId");
	if (!sid.n)
		sid = field(m, end, "Sessionid");
	if (!sid.n)
		sid = field(m, end, "sessionId");
	if (sid.n) {
		ev->session_id = sid;
		ev->flags |= BW_EF_SID_PER_USER;
	}
	bw_str vs = field(m, end, "Vserver");
	if (vs.n)
		bw_vpn_ip_port(vs.p, vs.n, &ev->dst_ip, &ev->dst_port);
}

static enum bw_parse_rc ns_parse(struct bw_parse_ctx *ctx, struct ns_state *st,
				 char *line,
				 size_t n, bw_event *ev)
{
	const char *end = line + n;
	struct ns_hdr h;
	if (!ns_header(line, end, &h))
		return BW_PARSE_NOT_MINE;
	if (!ns_time(&h, ctx, st, &ev->ts_ms)) {
		ctx->reason = "netscaler: bad time";
		return BW_PARSE_MALFORMED;
	}
	ev->source = BW_SRC_VPN;
	ev->format = F_NS;
	ev->host = h.host;
	/* what a syslog parser took for the programme is the stamp */
	ev->program = BW_STR_NULL;
	const char *m = h.msg;
	/* AAA-TM (nFactor, the traffic management front) logs its sessions
	 * as SSLVPN does */
	int sess = bw_str_eq(h.feature, "SSLVPN") || bw_str_eq(h.feature, "AAATM");
	bw_str who = field(m, end, "User");
	if (sess && bw_str_eq(who, "Anonymous")) {
		/* a pre-authentication session timing out: no account */
		ctx->reason = "netscaler: anonymous pre-authentication session";
		return BW_PARSE_IGNORED;
	}
	if (sess && bw_str_eq(h.event, "LOGIN")) {
		common(m, end, ev);
		bw_str ua = field(m, end, "Browser_type");
		if (ua.n)
			ev->user_agent = ua;
		/* the session starts here (its id is made at login): the
		 * session table tracks it, so a tunnel still up a day later
		 * (a stolen session cookie kept alive) is reported while
		 * open; the rules take a VPN session start as a login */
		ev->kind = BW_KIND_SESSION_START;
		ev->outcome = BW_OUTCOME_SUCCESS;
		ev->action = BW_STR_LIT("sslvpn_login");
		ev->auth_method = BW_STR_LIT("password");
	} else if (sess && bw_str_eq(h.event, "LOGOUT")) {
		common(m, end, ev);
		ev->kind = BW_KIND_SESSION_END;
		ev->action = BW_STR_LIT("sslvpn_logout");
		ev->duration_ms = duration(field(m, end, "Duration"));
		ev->bytes_out = num_field(m, end, "Total_bytes_recv");
		ev->bytes_in = num_field(m, end, "Total_bytes_send");
		bw_str how = field(m, end, "LogoutMethod");
		if (how.n)
			ev->reason = how;
	} else if (bw_str_eq(h.feature, "SSLVPN") &&
		   bw_str_eq(h.event, "REMOVE_SESSION")) {
		common(m, end, ev);
		/* the session is gone, but its LOGOUT (with duration and
		 * bytes) may follow: one end, not two. The session table
		 * stops tracking it, so a session removed without a LOGOUT
		 * does not count as open */
		ev->kind = BW_KIND_LOGOUT;
		ev->flags |= BW_EF_SESSION_GONE;
		ev->action = BW_STR_LIT("sslvpn_remove_session");
		bw_str why = field(m, end, "Errmsg");
		if (why.n)
			ev->reason = why;
	} else if (bw_str_eq(h.feature, "AAA") && bw_str_eq(h.event, "LOGIN_FAILED")) {
		common(m, end, ev);
		ev->kind = BW_KIND_LOGIN;
		ev->outcome = BW_OUTCOME_FAILURE;
		ev->action = BW_STR_LIT("aaa_login_failed");
		ev->auth_method = BW_STR_LIT("password");
		bw_str why = field(m, end, "Failure_reason");
		ev->reason = why.n ? why : BW_STR_LIT("login failed");
		/* "Browser Mozilla/5.0 (...)": the rest of the line */
		const char *b = bw_vpn_after(m, end, " - Browser ");
		if (b && b < end)
			ev->user_agent = bw_str_make(b, (size_t)(end - b));
	} else if (sess && (bw_str_eq(h.event, "TCPCONNSTAT") ||
			    bw_str_eq(h.event, "UDPFLOWSTAT") ||
			    bw_str_eq(h.event, "HTTPREQUEST") ||
			    bw_str_eq(h.event, "TCPCONN_TIMEDOUT"))) {
		/* traffic of a session, named by its id and the client it
		 * came from: what shows a stolen session cookie (Citrix
		 * Bleed) used from another address. Its bytes are the
		 * session's, summed by its LOGOUT: not repeated here. */
		common(m, end, ev);
		if (!ev->session_id.n || !ev->src_ip.family) {
			ctx->reason = "netscaler: session traffic without session or client";
			return BW_PARSE_IGNORED;
		}
		ev->kind = BW_KIND_CONNECTION;
		ev->action = bw_str_eq(h.event, "HTTPREQUEST") ?
				     BW_STR_LIT("sslvpn_http_request") :
				     BW_STR_LIT("sslvpn_connection");
		/* the Vserver is the gateway; Destination the inside host */
		bw_str dst = field(m, end, "Destination");
		if (dst.n)
			bw_vpn_ip_port(dst.p, dst.n, &ev->dst_ip, &ev->dst_port);
	} else {
		ctx->reason = "netscaler: message not modelled";
		return BW_PARSE_IGNORED;
	}
	if (!ev->user.p && (ev->kind == BW_KIND_LOGIN ||
			    ev->kind == BW_KIND_SESSION_START)) {
		ctx->reason = "netscaler: no User";
		return BW_PARSE_MALFORMED;
	}
	return BW_PARSE_OK;
}

static int ns_sniff(const char *line, size_t n)
{
	struct ns_hdr h;
	return ns_header(line, line + n, &h) ? 100 : 0;
}

static enum bw_parse_rc ns_line(struct bw_parse_ctx *ctx, char *line,
				size_t n, bw_event *ev)
{
	enum bw_parse_rc rc = ns_parse(ctx, ctx->state, line, n, ev);
	if (rc == BW_PARSE_NOT_MINE)
		ctx->reason = "netscaler: no appliance header";
	return rc;
}

/* As a syslog message parser (a collector's file of several products):
 * the appliance's header straddles what the syslog parser takes for the
 * tag, so the whole line is read. */
static enum bw_parse_rc ns_msg(struct bw_parse_ctx *ctx, bw_str program,
			       char *msg, size_t n, bw_event *ev)
{
	if (!bw_vpn_find(msg, msg + (n < 80 ? n : 80), "PPE-") || !ev->line.p)
		return BW_PARSE_NOT_MINE;
	/* the appliance's stamp is what the syslog parser took for the
	 * programme ("03/07/2013:01:59:45 ...") or starts the message:
	 * another programme's text quoting NetScaler's form is not read
	 * (a portal logging what a client sent would forge sessions) */
	const char *m = msg;
	while (m < msg + n && *m == ' ')
		m++;
	int stamp_tag = program.n >= 2 && digit(program.p[0]) &&
			memchr(program.p, '/', program.n) != NULL;
	int stamp_msg = is_stamp(m, msg + n) != 0;
	if (program.n && !stamp_tag && !stamp_msg)
		return BW_PARSE_NOT_MINE;
	return ns_parse(ctx, NULL, (char *)(uintptr_t)ev->line.p, ev->line.n, ev);
}

const struct bw_msg_parser bw_msg_netscaler = {
	.name = "netscaler",
	.programs = NULL,
	.parse = ns_msg,
};

/* A new file of a tail stream (perhaps another appliance) reads
 * ambiguous stamps in the order learned before it, as a guess its first
 * unambiguous stamp corrects. */
static void ns_state_inherit(void *dst, const void *src)
{
	((struct ns_state *)dst)->dmy = ((const struct ns_state *)src)->dmy;
}

const struct bw_parser bw_parser_netscaler = {
	.name = "netscaler",
	.description = "Citrix NetScaler (ADC) Gateway audit log: SSLVPN logins, logouts with bytes, AAA failures",
	.source = BW_SRC_VPN,
	.sniff = ns_sniff,
	.parse = ns_line,
	.state_size = sizeof(struct ns_state),
	.state_inherit = ns_state_inherit,
};
