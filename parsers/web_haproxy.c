/*
 * web_haproxy.c - HAProxy's HTTP request log (`option httplog`, also
 * `option httpslog`), as HAProxy sends it to syslog and rsyslog writes it
 * to a file, or bare:
 *
 *   [syslog header] CLIENT:PORT [dd/Mon/yyyy:HH:MM:SS.mmm] FRONTEND[~]
 *       BACKEND/SERVER TR/Tw/Tc/Tr/Ta STATUS BYTES CC CS TERM
 *       act/fe/be/srv/retries srvq/beq [{req headers}] [{resp headers}]
 *       "REQUEST" [httpslog's TLS fields]
 *
 * The accept date has no zone: HAProxy writes its host's local time
 * (--tz). BYTES is what went to the client, headers included: the bytes
 * out. Ta (the last timer) is the duration; a '+' before a counter (a
 * log written before the end) is dropped. STATUS -1 (no answer) is
 * absent. The termination state, when something ended the session
 * (`SC--`, `CD--`, not `----`), is event.reason.
 *
 * Captured headers are whatever `capture request header` lists, in the
 * configuration's order, which the log does not name: an element that is
 * a URL is read as the Referer, the first element (one word) as the Host,
 * a later address or address list as X-Forwarded-For, anything else as
 * the User-Agent. A request cut short (syslog's 1 KiB default) is read
 * to the end of the line.
 * HAProxy escapes '"', '#', '{', '|', '}' and control bytes as #XX:
 * decoded in place.
 *
 * TCP-mode logs (three timers) and HAProxy's own messages ("Connect from",
 * "SSL handshake failure", "Server x is DOWN") are valid lines but not
 * requests: ignored, counted. The CLF variant (`option httplog clf`) is
 * read by the combined parser.
 */
#include "parser.h"
#include "bw_time.h"
#include "bw_util.h"

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* HAProxy's syslog tag: "haproxy", "HAProxy", "docker/haproxy" (as the
 * syslog parser hands such lines over, bw_web_server_tag). */
static int haproxy_tag(bw_str tag)
{
	for (size_t i = 0; i + 7 <= tag.n; i++)
		if (bw_str_ieq(bw_str_make(tag.p + i, 7), "haproxy"))
			return 1;
	return 0;
}

/* HAProxy's own messages as its raw output writes them. */
static int own_message(const char *p, size_t n)
{
	static const char *const lead[] = {
		"[NOTICE]", "[WARNING]", "[ALERT]", "[ERROR]", "Proxy ",
		"Server ", "Backend ", "backend ", "Connect from ", "Health check ",
		"Stopping ", "Pausing ", "Resuming ",
	};
	for (size_t i = 0; i < sizeof(lead) / sizeof(lead[0]); i++) {
		size_t k = strlen(lead[i]);
		if (n >= k && !memcmp(p, lead[i], k))
			return 1;
	}
	return 0;
}

/* A CLF access line (`option httplog clf`): the combined parser's. */
static int clf_like(const char *p, size_t n)
{
	const char *b = memchr(p, '[', n < 200 ? n : 200);
	return b && (size_t)(b - p) + 28 <= n && b[27] == ']' && b[21] == ' ' &&
	       (b[22] == '+' || b[22] == '-');
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decode HAProxy's #XX escapes in place. @return the new length. */
static size_t unhash(char *p, size_t n)
{
	if (!memchr(p, '#', n))
		return n;
	size_t w = 0;
	for (size_t r = 0; r < n; r++) {
		int hi, lo;
		if (p[r] == '#' && r + 2 < n && (hi = hexval(p[r + 1])) >= 0 &&
		    (lo = hexval(p[r + 2])) >= 0) {
			p[w++] = (char)(hi << 4 | lo);
			r += 2;
		} else {
			p[w++] = p[r];
		}
	}
	return w;
}

/* The next space-separated token at *p. @return it, absent at the end. */
static bw_str token(const char **p, const char *end)
{
	const char *s = *p;
	while (s < end && *s == ' ')
		s++;
	const char *e = s;
	while (e < end && *e != ' ')
		e++;
	*p = e;
	return e > s ? bw_str_make(s, (size_t)(e - s)) : BW_STR_NULL;
}

/* "dd/Mon/yyyy:HH:MM:SS[.mmm]" (local time). */
static int accept_date(const char *p, size_t n, const struct bw_tz *tz,
		       int64_t *ms)
{
	if (n < 20 || p[2] != '/' || p[6] != '/' || p[11] != ':' ||
	    p[14] != ':' || p[17] != ':')
		return 0;
	int d = bw_parse_fixed(p, 2), mon = bw_month_from_abbr(p + 3),
	    y = bw_parse_fixed(p + 7, 4), h = bw_parse_fixed(p + 12, 2),
	    mi = bw_parse_fixed(p + 15, 2), s = bw_parse_fixed(p + 18, 2);
	if (d < 0 || !mon || y < 0 || h < 0 || mi < 0 || s < 0 ||
	    !bw_civil_valid(y, mon, d, h, mi, s))
		return 0;
	int frac = 0;
	if (n > 20) {
		if (p[20] != '.' || n != 24 || bw_parse_fixed(p + 21, 3) < 0)
			return 0;
		frac = bw_parse_fixed(p + 21, 3);
	}
	int64_t local = bw_epoch_from_civil(y, mon, d, h, mi, s);
	*ms = bw_tz_local_to_utc(tz, local) * 1000 + frac;
	return 1;
}

/* A signed counter ("-1", "+512", "17"). @return 1 and *v, 0 if none. */
static int counter(bw_str t, int64_t *v)
{
	if (!t.n)
		return 0;
	const char *p = t.p, *end = t.p + t.n;
	int neg = 0;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	uint64_t x;
	if (bw_parse_u64(p, end, &x) != (size_t)(end - p) || p == end ||
	    x > INT64_MAX)
		return 0;
	*v = neg ? -(int64_t)x : (int64_t)x;
	return 1;
}

static int is_url(bw_str s)
{
	return (s.n > 7 && !memcmp(s.p, "http://", 7)) ||
	       (s.n > 8 && !memcmp(s.p, "https://", 8));
}

/* One captured-header block "{a|b|c}" (without braces), read as
 * described at the top: the first element is the Host slot (an address
 * there is the server's, never a client); a later address or address
 * list is X-Forwarded-For; a later word of its own is the agent
 * ("Nikto"). */
static void captured(bw_event *ev, char *p, size_t n, int request)
{
	char *end = p + n;
	int first = 1;
	while (p <= end) {
		char *bar = memchr(p, '|', (size_t)(end - p));
		char *e = bar ? bar : end;
		bw_str v = bw_str_make(p, unhash(p, (size_t)(e - p)));
		p = e + 1;
		int was_first = first;
		first = 0;
		if (!request || !v.n)
			continue;
		bw_ip ip;
		const char *sp = memchr(v.p, ' ', v.n), *sl = memchr(v.p, '/', v.n);
		int addr = bw_ip_parse(v.p, v.n, &ip) ||
			   (memchr(v.p, ',', v.n) && !sl &&
			    bw_ip_list_elem(v.p, v.p + v.n, 1, &ip, &(int){ 0 }));
		if (is_url(v)) {
			if (!ev->referrer.p)
				ev->referrer = v;
		} else if (was_first && !sl && !sp && !memchr(v.p, ',', v.n)) {
			if (!ev->vhost.p)
				ev->vhost = bw_host_only(v);
		} else if (addr) {
			if (!ev->forwarded_for.p)
				bw_web_forwarded(ev, v);
		} else if (!ev->user_agent.p) {
			ev->user_agent = v;
		}
		if (!bar)
			break;
	}
}

/* "METHOD TARGET [HTTP/x.y]" into the event; else the request is kept
 * as breachwatch.request (<BADREQ>, a TLS hello on a plain port). */
static void request(bw_event *ev, char *p, size_t n)
{
	n = unhash(p, n);
	char *end = p + n, *sp1 = memchr(p, ' ', n);
	if (!sp1 || sp1 == p) {
		ev->request = bw_str_make(p, n);
		return;
	}
	for (char *c = p; c < sp1; c++)
		if (!((*c >= 'A' && *c <= 'Z') || *c == '-' || *c == '_')) {
			ev->request = bw_str_make(p, n);
			return;
		}
	char *target = sp1 + 1, *tend = end;
	char *sp2 = memrchr(target, ' ', (size_t)(end - target));
	if (sp2 && end - sp2 > 6 && !memcmp(sp2 + 1, "HTTP/", 5)) {
		ev->http_version = bw_str_make(sp2 + 6, (size_t)(end - sp2 - 6));
		tend = sp2;
	}
	if (tend == target) {
		ev->request = bw_str_make(p, n);
		return;
	}
	ev->http_method = bw_str_make(p, (size_t)(sp1 - p));
	bw_url_target(ev, bw_str_make(target, (size_t)(tend - target)));
}

static enum bw_parse_rc hap_parse(struct bw_parse_ctx *ctx, char *line,
				  size_t n, bw_event *ev)
{
	bw_str host = BW_STR_NULL, tag = BW_STR_NULL;
	size_t hdr = bw_syslog_prefix(line, n, &host, &tag);
	if (hdr) {
		if (!haproxy_tag(tag))
			return BW_PARSE_NOT_MINE;
		line += hdr;
		n -= hdr;
	} else if (n > 5 && line[0] == '<') {
		/* `log ... format short`: "<134>" and the message */
		size_t i = 1;
		while (i < 5 && is_digit(line[i]))
			i++;
		if (i > 1 && line[i] == '>') {
			line += i + 1;
			n -= i + 1;
		}
	}
	if (clf_like(line, n)) {
		ctx->reason = "haproxy: a CLF access line";
		return BW_PARSE_NOT_MINE;
	}
	const char *p = line, *end = line + n;
	bw_str client = token(&p, end);
	if (!client.p || p + 2 >= end || p[1] != '[') {
		/* "Connect from", "Server app/x is DOWN", "Proxy x started",
		 * "[NOTICE] (2210) : ...": HAProxy's own, behind its tag or
		 * (`log stdout format raw`) bare */
		ctx->reason = "haproxy: not a request log line";
		return hdr || own_message(line, n) ? BW_PARSE_IGNORED : BW_PARSE_NOT_MINE;
	}
	const char *db = p + 2, *de = memchr(db, ']', (size_t)(end - db));
	if (!de || !accept_date(db, (size_t)(de - db), ctx->tz, &ev->ts_ms)) {
		ctx->reason = "haproxy: bad accept date";
		return BW_PARSE_MALFORMED;
	}
	p = de + 1;
	bw_str frontend = token(&p, end), backend = token(&p, end),
	       timers = token(&p, end);
	if (!frontend.p || !backend.p || !timers.p ||
	    frontend.p[frontend.n - 1] == ':') {
		/* "fe/be: SSL handshake failure" and other connection errors */
		ctx->reason = "haproxy: connection message";
		return BW_PARSE_IGNORED;
	}
	int slashes = 0;
	for (size_t i = 0; i < timers.n; i++)
		slashes += timers.p[i] == '/';
	if (slashes == 2) {
		ctx->reason = "haproxy: TCP connection log";
		return BW_PARSE_IGNORED;
	}
	if (slashes != 4) {
		ctx->reason = "haproxy: bad timers";
		return BW_PARSE_MALFORMED;
	}
	bw_str status = token(&p, end), bytes = token(&p, end);
	bw_str cc = token(&p, end), cs = token(&p, end), term = token(&p, end);
	bw_str conns = token(&p, end), queues = token(&p, end);
	int64_t st, by;
	if (!queues.p || !counter(status, &st) || st > 999 || !counter(bytes, &by) ||
	    by < 0 || !cc.p || !cs.p || !memchr(conns.p, '/', conns.n)) {
		ctx->reason = "haproxy: bad status, bytes or counters";
		return BW_PARSE_MALFORMED;
	}
	/* CLIENT:PORT, the port after the last colon ("::1:5000" too) */
	const char *colon = memrchr(client.p, ':', client.n);
	bw_str ip = client;
	if (colon) {
		uint64_t port;
		size_t k = (size_t)(client.p + client.n - colon - 1);
		if (k && bw_parse_u64(colon + 1, client.p + client.n, &port) == k &&
		    port < 65536) {
			ip.n = (size_t)(colon - client.p);
			ev->src_port = (uint16_t)port;
		}
	}
	if (!bw_ip_parse(ip.p, ip.n, &ev->src_ip))
		ev->src_host = ip; /* a unix socket ("unix:1") */
	/* the captured header blocks (a forwarded list there is judged
	 * against the peer, set above), then the quoted request */
	for (int b = 0; b < 2; b++) {
		while (p < end && *p == ' ')
			p++;
		if (p >= end || *p != '{')
			break;
		char *ce = memchr(p, '}', (size_t)(end - p));
		if (!ce) {
			ctx->reason = "haproxy: unclosed captured headers";
			return BW_PARSE_MALFORMED;
		}
		captured(ev, (char *)(uintptr_t)p + 1, (size_t)(ce - p - 1), b == 0);
		p = ce + 1;
	}
	while (p < end && *p == ' ')
		p++;
	if (p >= end || *p != '"') {
		ctx->reason = "haproxy: no quoted request";
		return BW_PARSE_MALFORMED;
	}
	char *rq = (char *)(uintptr_t)p + 1, *rqe = rq;
	/* the closing quote: one followed by a space (httpslog's fields) or
	 * the end ('"' inside is escaped as #22) */
	for (;;) {
		rqe = memchr(rqe, '"', (size_t)(end - rqe));
		if (!rqe || rqe + 1 == end || rqe[1] == ' ')
			break;
		rqe++;
	}
	if (!rqe)
		rqe = (char *)(uintptr_t)end; /* cut by syslog's size limit */

	ev->source = BW_SRC_WEB;
	ev->kind = BW_KIND_REQUEST;
	ev->format = "haproxy";
	if (host.p)
		ev->host = host;
	if (st > 0)
		ev->http_status = (int32_t)st;
	ev->http_bytes = ev->bytes_out = by;
	const char *ta = (const char *)memrchr(timers.p, '/', timers.n) + 1;
	int64_t dur;
	if (counter(bw_str_make(ta, (size_t)(timers.p + timers.n - ta)), &dur) &&
	    dur >= 0 && dur <= 366LL * 86400 * 1000)
		ev->duration_ms = dur;
	if (term.p && term.p[0] != '-')
		ev->reason = term;
	request(ev, rq, (size_t)(rqe - rq));
	return BW_PARSE_OK;
}

/* 100 for a request log line (bare or behind a syslog header tagged
 * haproxy), 60 for HAProxy's other lines behind its tag. */
static int hap_sniff(const char *line, size_t n)
{
	bw_str host, tag = BW_STR_NULL;
	size_t hdr = bw_syslog_prefix(line, n, &host, &tag);
	if (hdr && !haproxy_tag(tag))
		return 0;
	const char *p = line + hdr, *end = line + n;
	bw_str client = token(&p, end);
	int64_t ms;
	static const struct bw_tz *utc; /* the zone registry's, kept */
	if (!utc)
		utc = bw_tz_get("UTC");
	if (!client.p || p + 2 >= end || p[1] != '[')
		return hdr || own_message(line, n) ? 60 : 0;
	const char *db = p + 2, *de = memchr(db, ']', (size_t)(end - db));
	if (!de || !utc || !accept_date(db, (size_t)(de - db), utc, &ms))
		return hdr ? 60 : 0;
	p = de + 1;
	bw_str fe = token(&p, end), be = token(&p, end), timers = token(&p, end);
	if (!fe.p || !be.p || !timers.p || !memchr(be.p, '/', be.n))
		return hdr ? 60 : 0;
	int slashes = 0;
	for (size_t i = 0; i < timers.n; i++) {
		slashes += timers.p[i] == '/';
		if (timers.p[i] != '/' && timers.p[i] != '-' &&
		    timers.p[i] != '+' && !is_digit(timers.p[i]))
			return hdr ? 60 : 0;
	}
	return slashes == 4 || slashes == 2 ? 100 : (hdr ? 60 : 0);
}

const struct bw_parser bw_parser_haproxy = {
	"haproxy", "HAProxy HTTP request log (option httplog/httpslog; bare or behind syslog)",
	BW_SRC_WEB, hap_sniff, hap_parse, 0, NULL, NULL,
};
