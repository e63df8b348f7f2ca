/*
 * web_clf.c - NCSA common / combined access logs and their common
 * descendants: Apache vhost_combined, nginx `main` (trailing
 * "$http_x_forwarded_for"), Traefik CLF (trailing request count, router,
 * backend and duration), and proxies that prepend X-Forwarded-For lists.
 *
 *   [vhost[:port]] client ident user [dd/Mon/yyyy:HH:MM:SS +zzzz]
 *       "request" status bytes ["referer" "user-agent" ["xff"] [extra...]]
 *
 * One hand scanner serves every variant because real files mix them
 * (Apache writes common and combined lines into one file); the variant
 * seen is reported as the event's format. A syslog header in front
 * (nginx `access_log syslog:`, Apache piped to logger, then rsyslog's
 * file) is skipped and its HOST kept as the logging host: read as part
 * of the line it would make "Nov" the virtual host. Only a web server's
 * tag (bw_web_server_tag) is read: other programmes' messages hold text
 * their clients chose. Never allocates; unescapes
 * Apache's \" and nginx's \xHH in place, so views stay inside the line.
 */
#include "parser.h"
#include "bw_time.h"
#include "bw_util.h"

enum clf_variant { V_COMMON, V_COMBINED, V_VHOST, V_NGINX, V_SSL };

static const char *const variant_name[] = {
	"common", "combined", "vhost_combined", "nginx", "apache_ssl",
};

/* Result of the structural scan: raw (still escaped) field spans.
 * clf_scan() sets every field by name: keep it in step. */
struct clf_scan {
	enum clf_variant variant;
	bw_str vhost, client, xff_lead, ident, user, time, request;
	bw_str referrer, agent, xff_tail, extra;
	bw_str tls_protocol, tls_cipher;
	bw_str syslog_host;  /* HOST of a syslog header before the line */
	uint32_t repeat;     /* rsyslog's "message repeated N times: [..]" */
	int status;
	int64_t bytes; /* BW_NUM_ABSENT for "-" */
	const char *reason;
	int cut;       /* input: the line was cut at --max-line */
};

/* Find the closing quote of a field whose opening quote is at p[-1]:
 * a '"' not escaped by a backslash. @return pointer to it or NULL. */
static const char *close_quote(const char *p, const char *end)
{
	while (p < end) {
		const char *q = memchr(p, '"', (size_t)(end - p));
		if (!q)
			return NULL;
		/* Nearly always no backslash before it. q[-1] is the opening
		 * quote or inside the field: readable. */
		if (q[-1] != '\\')
			return q;
		size_t bs = 0;
		for (const char *b = q; b > p && b[-1] == '\\'; b--)
			bs++;
		if ((bs & 1) == 0)
			return q;
		p = q + 1;
	}
	return NULL;
}

/* Scan a quoted field at *pp (which must point at '"'); on success store
 * its content, advance past the closing quote and one following space. */
static int quoted(const char **pp, const char *end, bw_str *out)
{
	const char *p = *pp;
	if (p >= end || *p != '"')
		return 0;
	const char *q = close_quote(p + 1, end);
	if (!q)
		return 0;
	out->p = p + 1;
	out->n = (size_t)(q - p - 1);
	p = q + 1;
	if (p < end && *p == ' ')
		p++;
	*pp = p;
	return 1;
}

/* A line cut at --max-line inside the quoted field at p (the referrer or
 * the agent, padded past the cut): the field is what there is, so the
 * event survives with the field's first bytes. @return 1 when taken. */
static int cut_field(struct clf_scan *sc, const char *p, const char *end,
		     bw_str *f)
{
	if (!sc->cut || *p != '"')
		return 0;
	*f = bw_str_make(p + 1, (size_t)(end - p - 1));
	if (sc->variant == V_COMMON)
		sc->variant = V_COMBINED;
	return 1;
}

static const char *token_end(const char *p, const char *end)
{
	const char *s = memchr(p, ' ', (size_t)(end - p));
	return s ? s : end;
}

/* The first element of a group is an address (not host:port). */
static int looks_like_ip_list(bw_str g)
{
	const char *c = memchr(g.p, ',', g.n);
	size_t n = c ? (size_t)(c - g.p) : g.n;
	bw_ip ip;
	return bw_ip_parse(g.p, n, &ip);
}

/* Apache mod_ssl's ssl_request_log (Debian's default-ssl site):
 *   [time] client protocol cipher "request" bytes */
static int ssl_scan(const char *line, size_t n, struct clf_scan *sc)
{
	const char *end = line + n, *p = line + 29, *t;
	sc->variant = V_SSL;
	sc->time = bw_str_make(line + 1, 26);
	bw_str *f[3] = { &sc->client, &sc->tls_protocol, &sc->tls_cipher };
	for (int i = 0; i < 3; i++) {
		t = token_end(p, end);
		if (t == p || t >= end) {
			sc->reason = "truncated ssl_request line";
			return 0;
		}
		*f[i] = bw_str_make(p, (size_t)(t - p));
		p = t + 1;
	}
	if (!quoted(&p, end, &sc->request)) {
		sc->reason = "unterminated request quote";
		return 0;
	}
	uint64_t v;
	size_t k = bw_parse_u64(p, end, &v);
	if (p < end && *p == '-') {
		k = 1;
	} else if (k) {
		sc->bytes = (int64_t)v;
	}
	if (k == 0 || p + k != end) {
		sc->reason = "bad byte count";
		return 0;
	}
	return 1;
}

static int clf_scan(const char *line, size_t n, struct clf_scan *sc)
{
	const char *end = line + n;
	const char *p = line;

	/* Field by field: gcc makes one memset of this struct a `rep stos`,
	 * slow to start for a couple of hundred bytes. */
	sc->vhost = sc->client = sc->xff_lead = sc->ident = BW_STR_NULL;
	sc->user = sc->time = sc->request = BW_STR_NULL;
	sc->referrer = sc->agent = sc->xff_tail = sc->extra = BW_STR_NULL;
	sc->tls_protocol = sc->tls_cipher = BW_STR_NULL;
	sc->status = 0;
	sc->reason = NULL;
	sc->bytes = BW_NUM_ABSENT;
	sc->variant = V_COMMON;
	sc->syslog_host = BW_STR_NULL;
	sc->repeat = 0;
	bw_str tag = BW_STR_NULL;
	size_t hdr = bw_syslog_prefix(line, n, &sc->syslog_host, &tag);
	if (!hdr && n && line[0] == '<') {
		sc->reason = "a syslog header not understood";
		return 0;
	}
	int behind_hdr = hdr != 0;
	if (hdr && !bw_web_server_tag(tag.p, tag.n)) {
		/* another programme's message: text its clients chose (an
		 * sshd or FTP user name) is never a request */
		sc->reason = "a syslog message of a programme other than a web server";
		return 0;
	}
	if (hdr) {
		line += hdr;
		n -= hdr;
		uint64_t times;
		bw_str inner;
		if (bw_syslog_repeated(line, n, &times, &inner)) {
			/* the access line between "[ " and the closing "]" */
			sc->repeat = times > UINT32_MAX ? UINT32_MAX : (uint32_t)times;
			line = inner.p;
			n = inner.n;
			while (n && *line == ' ')
				line++, n--;
		}
		end = line + n;
		p = line;
	}
	if (n > 30 && line[0] == '[' && line[27] == ']' && line[28] == ' ')
		return ssl_scan(line, n, sc);

	/* The prefix before " [" holds [vhost] client ident user. */
	const char *br = NULL;
	for (const char *s = p; s < end;) {
		s = memchr(s, '[', (size_t)(end - s));
		if (!s)
			break;
		if (s > line && s[-1] == ' ' && s + 28 <= end && s[27] == ']') {
			br = s;
			break;
		}
		s++;
	}
	if (!br) {
		sc->reason = "no [time] field";
		return 0;
	}
	sc->time.p = br + 1;
	sc->time.n = 26;
	if (!bw_clf_lead_ok(line, (size_t)(br - 1 - line))) {
		/* a web server's error line (or an FTP log) quoting what a
		 * client sent: '[' or '"' before the time */
		sc->reason = behind_hdr ? "not an access line behind a syslog header" :
					  "a '[' word or a quote before the [time] field";
		return 0;
	}

	/* Walk the prefix backwards: user, ident, then the client part. */
	const char *pe = br - 1; /* the space before '[' */
	const char *s = pe;
	while (s > line && s[-1] != ' ')
		s--;
	sc->user = bw_str_make(s, (size_t)(pe - s));
	if (s == line) {
		sc->reason = "missing ident/user fields";
		return 0;
	}
	pe = s - 1;
	s = pe;
	while (s > line && s[-1] != ' ')
		s--;
	const char *cend;
	if (s == line) {
		/* "client user [time]": some configurations drop %l. */
		sc->ident = BW_STR_NULL;
		cend = pe;
	} else {
		sc->ident = bw_str_make(s, (size_t)(pe - s));
		cend = s - 1; /* end of the client part */
	}

	/* A leading quoted X-Forwarded-For list. */
	if (*p == '"') {
		if (!quoted(&p, cend, &sc->xff_lead)) {
			sc->reason = "unterminated leading quote";
			return 0;
		}
	}
	/* Groups of the client part, split on spaces; a token ending in ','
	 * continues a forwarded list ("a, b, c" is one group). One group is
	 * the client; with more, the first is the vhost and the last the
	 * client. */
	bw_str groups[2] = { BW_STR_NULL, BW_STR_NULL };
	const char *gstart_all = p;
	size_t ng = 0;
	const char *gstart = p;
	while (p < cend) {
		const char *t = token_end(p, cend);
		if (t < cend && t > p && t[-1] == ',') {
			p = t + 1;
			continue;
		}
		bw_str g = bw_str_make(gstart, (size_t)(t - gstart));
		if (ng < 2)
			groups[ng] = g;
		else
			groups[1] = g;
		ng++;
		p = t < cend ? t + 1 : cend;
		gstart = p;
	}
	if (ng >= 2 && !looks_like_ip_list(groups[0])) {
		sc->vhost = groups[0];
		sc->client = groups[1];
		sc->variant = V_VHOST;
	} else {
		/* One group, or proxies' address lists written without commas
		 * ("a, b c"): all of it is the client list. */
		sc->client = bw_str_make(gstart_all, (size_t)(cend - gstart_all));
	}
	if (sc->client.n == 0) {
		sc->reason = "empty client field";
		return 0;
	}

	/* After "] ": "request" status bytes */
	p = br + 28;
	if (p >= end || *p != ' ') {
		sc->reason = "no request after time";
		return 0;
	}
	p++;
	if (!quoted(&p, end, &sc->request)) {
		sc->reason = "unterminated request quote";
		return 0;
	}
	uint64_t v;
	size_t k;
	if (p + 1 <= end && *p == '-' && (p + 1 == end || p[1] == ' ')) {
		sc->status = 0; /* Traefik: no response (client gave up) */
		p += 1;
	} else if (end - p >= 3 && (unsigned)(p[0] - '0') <= 9 &&
		   (unsigned)(p[1] - '0') <= 9 && (unsigned)(p[2] - '0') <= 9 &&
		   (end - p == 3 || p[3] == ' ')) {
		/* Three digits, then a space or the end of the line. */
		sc->status = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
		p += 3;
	} else {
		sc->reason = "bad status code";
		return 0;
	}
	if (p < end)
		p++;
	if (p < end && *p == '-') {
		p++;
	} else {
		k = bw_parse_u64(p, end, &v);
		if (k == 0) {
			sc->reason = "bad byte count";
			return 0;
		}
		sc->bytes = (int64_t)v;
		p += k;
	}
	if (p < end && *p != ' ') {
		sc->reason = "bad byte count";
		return 0;
	}
	if (p < end)
		p++;
	if (p >= end)
		return 1;

	/* Combined: "referer" "agent"; Traefik writes a bare - for referer. */
	if (*p == '-' && (p + 1 == end || p[1] == ' ')) {
		sc->referrer = bw_str_make(p, 1);
		p += p + 1 < end ? 2 : 1;
	} else if (!quoted(&p, end, &sc->referrer)) {
		if (cut_field(sc, p, end, &sc->referrer))
			return 1;
		sc->extra = bw_str_make(p, (size_t)(end - p));
		return 1;
	}
	if (p < end && !quoted(&p, end, &sc->agent)) {
		if (cut_field(sc, p, end, &sc->agent))
			return 1;
		sc->reason = "unterminated user-agent quote";
		return 0;
	}
	if (sc->variant == V_COMMON)
		sc->variant = V_COMBINED;
	if (p < end && *p == '"') {
		const char *save = p;
		bw_str x;
		if (quoted(&p, end, &x) && p >= end) {
			sc->xff_tail = x;
			if (sc->variant == V_COMBINED)
				sc->variant = V_NGINX;
		} else {
			p = save;
		}
	}
	if (p < end)
		sc->extra = bw_str_make(p, (size_t)(end - p));
	return 1;
}

static int is_dash(bw_str s)
{
	return s.n == 1 && s.p[0] == '-';
}

/* Split "METHOD target HTTP/x.y" into the event. @return 1 if it is a
 * well-formed HTTP request line. */
static int split_request(char *p, size_t n, bw_event *ev)
{
	char *end = p + n;
	char *sp1 = memchr(p, ' ', n);
	if (!sp1 || sp1 == p)
		return 0;
	for (char *c = p; c < sp1; c++)
		if (!((*c >= 'A' && *c <= 'Z') || *c == '-' || *c == '_'))
			return 0;
	char *target = sp1 + 1;
	/* The version is after the last space; targets may hold spaces
	 * when clients send them raw. */
	char *sp2 = memrchr(target, ' ', (size_t)(end - target));
	bw_str version = BW_STR_NULL;
	char *tend = end;
	if (sp2 && end - sp2 > 6 && memcmp(sp2 + 1, "HTTP/", 5) == 0) {
		version = bw_str_make(sp2 + 6, (size_t)(end - sp2 - 6));
		tend = sp2;
	} else if (sp2) {
		return 0;
	}
	if (tend == target)
		return 0;
	ev->http_method = bw_str_make(p, (size_t)(sp1 - p));
	ev->http_version = version;
	char *q = memchr(target, '?', (size_t)(tend - target));
	if (q) {
		ev->url_path = bw_str_make(target, (size_t)(q - target));
		ev->url_query = bw_str_make(q + 1, (size_t)(tend - q - 1));
	} else {
		ev->url_path = bw_str_make(target, (size_t)(tend - target));
	}
	return 1;
}

/* Unescape a field in place; the view shrinks, the line does not move.
 * `escaped` says whether the line holds any backslash at all: most do
 * not, and one look at the line spares a look per field. */
static bw_str unescape(bw_str s, int escaped)
{
	if (escaped && s.p && memchr(s.p, '\\', s.n))
		s.n = bw_unescape_inplace((char *)(uintptr_t)s.p, s.n);
	return s;
}


/* Choose the client address from a forwarded list (the leading quoted
 * list, then the client field; elements separated by commas and/or
 * spaces): the first public address, else the first address (what
 * Filebeat's nginx pipeline does). A client that is no address at all
 * ("localhost", "unix:") is kept as source.address. */
static void set_client(bw_event *ev, bw_str lead, bw_str client)
{
	/* The usual case, with the loop's outcome: no leading list, and the
	 * client one IPv4 address (one element: no forwarded list). */
	bw_ip one;
	if (lead.n == 0 && client.n &&
	    bw_ip_scan_v4(client.p, client.n, &one) == client.n) {
		ev->src_ip = one;
		return;
	}
	bw_str lists[2] = { lead, client };
	bw_ip first = { 0 };
	int elements = 0;
	for (int l = 0; l < 2; l++) {
		const char *p = lists[l].p, *end = p ? p + lists[l].n : NULL;
		bw_ip ip;
		int ok;
		while ((p = bw_ip_list_elem(p, end, 0, &ip, &ok))) {
			elements++;
			if (ok) {
				if (!first.family)
					first = ip;
				if (!bw_ip_is_private(&ip) && !ev->src_ip.family)
					ev->src_ip = ip;
			}
		}
	}
	if (!ev->src_ip.family && first.family)
		ev->src_ip = first;
	if (elements > 1)
		ev->forwarded_for = lead.p ? lead : client;
	if (!ev->src_ip.family)
		ev->src_host = client;
}

/* The first public address of a forwarded list ("a, b" or "a b") into
 * *ip; *ip is left alone when there is none. */
static void first_public(bw_str list, bw_ip *ip)
{
	const char *p = list.p, *end = p + list.n;
	bw_ip a;
	int ok;
	while ((p = bw_ip_list_elem(p, end, 1, &a, &ok))) {
		if (ok && !bw_ip_is_private(&a)) {
			*ip = a;
			return;
		}
	}
}

static enum bw_parse_rc clf_parse(struct bw_parse_ctx *ctx, char *line,
				  size_t n, bw_event *ev)
{
	struct clf_scan sc;
	sc.cut = (ev->flags & BW_EF_LINE_CUT) != 0;
	if (!clf_scan(line, n, &sc)) {
		ctx->reason = sc.reason;
		return BW_PARSE_MALFORMED;
	}
	if (!bw_time_parse_clf(sc.time.p, sc.time.n, &ev->ts_ms)) {
		ctx->reason = "bad timestamp";
		return BW_PARSE_MALFORMED;
	}
	int escaped = memchr(line, '\\', n) != NULL;
	ev->source = BW_SRC_WEB;
	ev->kind = BW_KIND_REQUEST;
	ev->format = variant_name[sc.variant];
	set_client(ev, sc.xff_lead, sc.client);
	if (sc.xff_tail.p && !is_dash(sc.xff_tail)) {
		/* nginx's trailing "$http_x_forwarded_for": when the peer is
		 * one of the site's own (a private load balancer or proxy),
		 * the client is in the list; from a public peer the header
		 * is the client's own word and is only kept */
		if (ev->src_ip.family && bw_ip_is_private(&ev->src_ip))
			first_public(sc.xff_tail, &ev->src_ip);
		ev->forwarded_for = sc.xff_tail;
	}
	if (sc.vhost.p) {
		bw_str vh = sc.vhost;
		const char *colon = memchr(vh.p, ':', vh.n);
		if (colon && !memchr(colon + 1, ':', (size_t)(vh.p + vh.n - colon - 1))) {
			uint64_t port;
			size_t k = bw_parse_u64(colon + 1, vh.p + vh.n, &port);
			if (k && colon + 1 + k == vh.p + vh.n && port < 65536)
				ev->dst_port = (uint16_t)port;
			vh.n = (size_t)(colon - vh.p);
		}
		ev->vhost = vh;
	}
	if (sc.syslog_host.p)
		ev->host = sc.syslog_host;
	if (sc.repeat)
		ev->repeat = sc.repeat;
	if (!is_dash(sc.user))
		ev->user = unescape(sc.user, escaped);

	bw_str req = unescape(sc.request, escaped);
	if (!split_request((char *)(uintptr_t)req.p, req.n, ev))
		ev->request = req;
	ev->http_status = sc.status;
	ev->http_bytes = sc.bytes;
	ev->bytes_out = sc.bytes;
	if (sc.referrer.p && !is_dash(sc.referrer))
		ev->referrer = unescape(sc.referrer, escaped);
	if (sc.agent.p && !is_dash(sc.agent))
		ev->user_agent = unescape(sc.agent, escaped);

	/* Traefik: ... "agent" <requests> "router" "backend" <N>ms */
	if (sc.extra.p && sc.extra.n > 2 &&
	    memcmp(sc.extra.p + sc.extra.n - 2, "ms", 2) == 0) {
		const char *e = sc.extra.p + sc.extra.n - 2, *b = e;
		while (b > sc.extra.p && b[-1] >= '0' && b[-1] <= '9')
			b--;
		uint64_t ms;
		/* A request lasting over a year is a forged field. */
		if (b < e && (b == sc.extra.p || b[-1] == ' ') &&
		    bw_parse_u64(b, e, &ms) == (size_t)(e - b) &&
		    ms <= 366ull * 86400 * 1000)
			ev->duration_ms = (int64_t)ms;
	}
	return BW_PARSE_OK;
}

static int sniff_variant(const char *line, size_t n, enum clf_variant want)
{
	struct clf_scan sc;
	sc.cut = 0;
	if (!clf_scan(line, n, &sc))
		return 0;
	int64_t ms;
	if (!bw_time_parse_clf(sc.time.p, sc.time.n, &ms))
		return 10;
	return sc.variant == want ? 100 : 60;
}

static int sniff_common(const char *l, size_t n) { return sniff_variant(l, n, V_COMMON); }
static int sniff_combined(const char *l, size_t n)
{
	/* combined is the general fallback: a hair above the others when the
	 * line is some other variant. */
	int s = sniff_variant(l, n, V_COMBINED);
	return s == 60 ? 61 : s;
}
static int sniff_vhost(const char *l, size_t n) { return sniff_variant(l, n, V_VHOST); }
static int sniff_nginx(const char *l, size_t n) { return sniff_variant(l, n, V_NGINX); }
static int sniff_ssl(const char *l, size_t n) { return sniff_variant(l, n, V_SSL); }

const struct bw_parser bw_parser_common = {
	"common", "NCSA common log format (Apache %h %l %u %t \"%r\" %>s %b)",
	BW_SRC_WEB, sniff_common, clf_parse, 0, NULL, NULL,
};
const struct bw_parser bw_parser_combined = {
	"combined", "NCSA combined (Apache/nginx/Traefik; also accepts common, vhost, XFF lists)",
	BW_SRC_WEB, sniff_combined, clf_parse, 0, NULL, NULL,
};
const struct bw_parser bw_parser_vhost_combined = {
	"vhost_combined", "Apache vhost_combined (%v:%p before the combined fields)",
	BW_SRC_WEB, sniff_vhost, clf_parse, 0, NULL, NULL,
};
const struct bw_parser bw_parser_apache_ssl = {
	"apache_ssl", "Apache mod_ssl ssl_request_log ([%t] %h %{SSL_PROTOCOL}x %{SSL_CIPHER}x \"%r\" %b)",
	BW_SRC_WEB, sniff_ssl, clf_parse, 0, NULL, NULL,
};
const struct bw_parser bw_parser_nginx = {
	"nginx", "nginx main/combined with trailing \"$http_x_forwarded_for\"",
	BW_SRC_WEB, sniff_nginx, clf_parse, 0, NULL, NULL,
};
