/*
 * web_w3c.c - the W3C extended log format as Microsoft IIS writes it: the
 * access logs of Exchange (OWA, ECP, autodiscover, EWS), SharePoint and
 * every other IIS site, and http.sys's HTTPERR log of requests refused
 * before they reached a site.
 *
 *   #Software: Microsoft Internet Information Services 10.0
 *   #Version: 1.0
 *   #Date: 2021-08-13 07:11:02
 *   #Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port
 *       cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus
 *       sc-win32-status time-taken
 *   2021-08-13 07:11:02 10.0.0.5 GET /owa/ - 443 - 203.0.113.9 Mozilla/5.0+(X11) - 302 0 0 15
 *
 * The #Fields directive names the columns, in any order and any subset
 * (administrators pick them, and IIS writes a new header when they
 * change or the service restarts): a line is read by the header before
 * it. A line whose column count is not the header's is read by IIS's
 * default column set of its count when there is one (files glued
 * together, a header lost to truncation), else skipped and counted;
 * a file tail without any header is read the same way.
 *
 * IIS's values never hold a space: it writes the spaces of header
 * fields (User-Agent, Referer, Cookie) as '+', turned back into spaces
 * in the agent so scanner-agent rules see "Nmap Scripting Engine" as any
 * other log has it. Other W3C writers quote strings as the draft says
 * ("a ""b"" c", unescaped in place) and may separate fields by tabs. Stamps are UTC (W3C logging is always UTC, whatever the
 * server's zone). sc-bytes is the whole response, headers included (IIS
 * logs no body size): it is the bytes that left. Directives are valid
 * lines that are not events: ignored, counted. Never allocates; the
 * per-input state holds the column layout.
 */
#include "parser.h"
#include "bw_time.h"
#include "bw_util.h"

/* The columns read; every other one is skipped. */
enum w3c_col {
	C_SKIP = 0,
	C_DATE, C_TIME, C_SITE, C_COMPUTER, C_SIP, C_SPORT, C_METHOD,
	C_STEM, C_QUERY, C_URI, C_USER, C_CIP, C_CPORT, C_VERSION,
	C_AGENT, C_REFERER, C_HOST, C_STATUS, C_SCBYTES, C_CSBYTES,
	C_TAKEN, C_XFF, C_REASON, C_FTPMARK,
};

static const struct {
	const char *name;
	enum w3c_col col;
} col_names[] = {
	{ "date", C_DATE }, { "time", C_TIME },
	{ "s-sitename", C_SITE }, { "s-computername", C_COMPUTER },
	{ "s-ip", C_SIP }, { "s-port", C_SPORT },
	{ "cs-method", C_METHOD }, { "cs-uri-stem", C_STEM },
	{ "cs-uri-query", C_QUERY }, { "cs-uri", C_URI },
	{ "cs-username", C_USER }, { "c-ip", C_CIP }, { "c-port", C_CPORT },
	{ "cs-version", C_VERSION }, { "cs(user-agent)", C_AGENT },
	{ "cs(referer)", C_REFERER }, { "cs-host", C_HOST },
	{ "sc-status", C_STATUS }, { "sc-bytes", C_SCBYTES },
	{ "cs-bytes", C_CSBYTES }, { "time-taken", C_TAKEN },
	/* IIS 8.5+ custom fields are named by the administrator: the
	 * header's name, or cs(...) as other W3C writers put it */
	{ "x-forwarded-for", C_XFF }, { "cs(x-forwarded-for)", C_XFF },
	{ "s-reason", C_REASON },
	/* IIS FTP's own fields: its logs share the #Software line */
	{ "x-session", C_FTPMARK }, { "x-fullpath", C_FTPMARK },
};

#define W3C_MAX_COLS 128

struct w3c_state {
	uint8_t col[W3C_MAX_COLS];
	uint32_t ncol;        /* 0: no usable #Fields yet */
	int64_t date_ms;      /* #Date's day (UTC midnight), for a layout
	                         without a date column; -1 = none */
	int64_t last_ms;      /* the last line's time, same case */
	int started;
	int quotes;           /* a writer other than IIS (#Software): values
	                         may be quoted strings, as the draft says */
	int ftp;              /* the layout is IIS FTP's (x-session) */
};

/* IIS's default column sets, for lines without a header that fits: 15
 * columns is IIS 8.5 and later (and Exchange's), 14 is IIS 7.x, 22 every
 * standard field ticked (what hardening guides ask for). */
static const uint8_t default15[] = {
	C_DATE, C_TIME, C_SIP, C_METHOD, C_STEM, C_QUERY, C_SPORT, C_USER,
	C_CIP, C_AGENT, C_REFERER, C_STATUS, C_SKIP, C_SKIP, C_TAKEN,
};
static const uint8_t default14[] = {
	C_DATE, C_TIME, C_SIP, C_METHOD, C_STEM, C_QUERY, C_SPORT, C_USER,
	C_CIP, C_AGENT, C_STATUS, C_SKIP, C_SKIP, C_TAKEN,
};
static const uint8_t default22[] = {
	C_DATE, C_TIME, C_SITE, C_COMPUTER, C_SIP, C_METHOD, C_STEM, C_QUERY,
	C_SPORT, C_USER, C_CIP, C_VERSION, C_AGENT, C_SKIP, C_REFERER, C_HOST,
	C_STATUS, C_SKIP, C_SKIP, C_SCBYTES, C_CSBYTES, C_TAKEN,
};

static int is_dash(bw_str s)
{
	return s.n == 1 && s.p[0] == '-';
}

static enum w3c_col col_of(const char *p, size_t n)
{
	for (size_t i = 0; i < sizeof(col_names) / sizeof(col_names[0]); i++)
		if (bw_str_ieq(bw_str_make(p, n), col_names[i].name))
			return col_names[i].col;
	return C_SKIP;
}

/* "#Fields: a b c": the layout into st. @return 0, -1 when it has no
 * time column, no request column (a Windows Firewall log is W3C too) or
 * more columns than W3C_MAX_COLS. */
static int read_fields(struct w3c_state *st, const char *p, const char *end)
{
	uint32_t n = 0;
	int when = 0, req = 0, ftp = 0;
	uint8_t col[W3C_MAX_COLS];
	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p == end)
			break;
		const char *b = p;
		while (p < end && *p != ' ' && *p != '\t')
			p++;
		if (n == W3C_MAX_COLS)
			return -1;
		col[n] = (uint8_t)col_of(b, (size_t)(p - b));
		when |= col[n] == C_TIME;
		req |= col[n] == C_METHOD || col[n] == C_STEM || col[n] == C_URI;
		ftp |= col[n] == C_FTPMARK;
		n++;
	}
	if (!when || !req)
		return -1;
	memcpy(st->col, col, n);
	st->ncol = n;
	st->ftp = ftp;
	return 0;
}

/* "YYYY-MM-DD" at p (10 bytes): its UTC midnight in *ms. */
static int parse_date(const char *p, size_t n, int64_t *ms)
{
	if (n != 10 || p[4] != '-' || p[7] != '-')
		return 0;
	int y = bw_parse_fixed(p, 4), m = bw_parse_fixed(p + 5, 2),
	    d = bw_parse_fixed(p + 8, 2);
	if (y < 0 || m < 0 || d < 0 || !bw_civil_valid(y, m, d, 0, 0, 0))
		return 0;
	*ms = bw_epoch_from_civil(y, m, d, 0, 0, 0) * 1000;
	return 1;
}

/* "HH:MM[:SS[.fff]]": milliseconds since midnight in *ms. */
static int parse_clock(const char *p, size_t n, int64_t *ms)
{
	if (n < 5 || p[2] != ':' || (n > 5 && (n < 8 || p[5] != ':')))
		return 0;
	int h = bw_parse_fixed(p, 2), mi = bw_parse_fixed(p + 3, 2),
	    s = n > 5 ? bw_parse_fixed(p + 6, 2) : 0;
	if (h < 0 || mi < 0 || s < 0 || h > 23 || mi > 59 || s > 60)
		return 0;
	int64_t frac = 0;
	if (n > 8) {
		if (p[8] != '.' || n == 9)
			return 0;
		int64_t scale = 100;
		for (size_t i = 9; i < n; i++) {
			unsigned d = (unsigned)((unsigned char)p[i] - '0');
			if (d > 9)
				return 0;
			frac += (int64_t)d * scale;
			scale /= 10;
		}
	}
	*ms = ((int64_t)h * 3600 + mi * 60 + s) * 1000 + frac;
	return 1;
}

/* A directive line ("#..."): read, never an event. */
static enum bw_parse_rc directive(struct bw_parse_ctx *ctx,
				  struct w3c_state *st, const char *p, size_t n)
{
	const char *end = p + n;
	ctx->reason = "w3c directive";
	if (n >= 8 && !memcmp(p, "#Fields:", 8)) {
		if (read_fields(st, p + 8, end) < 0) {
			st->ncol = 0;
			ctx->reason = "#Fields without a time or request column, or with too many";
			return BW_PARSE_MALFORMED;
		}
		return BW_PARSE_IGNORED;
	}
	if (n >= 10 && !memcmp(p, "#Software:", 10)) {
		const char *sw = p + 10;
		while (sw < end && *sw == ' ')
			sw++;
		st->quotes = !(end - sw >= 9 && !memcmp(sw, "Microsoft", 9));
		return BW_PARSE_IGNORED;
	}
	/* #Date / #Start-Date: the day (and time) of a layout without a
	 * date column */
	const char *v = NULL;
	if (n >= 6 && !memcmp(p, "#Date:", 6))
		v = p + 6;
	else if (n >= 12 && !memcmp(p, "#Start-Date:", 12))
		v = p + 12;
	if (v) {
		while (v < end && *v == ' ')
			v++;
		int64_t day, tod;
		if (end - v >= 10 && parse_date(v, 10, &day)) {
			st->date_ms = day;
			st->last_ms = INT64_MIN;
			if (end - v >= 19 && v[10] == ' ' && parse_clock(v + 11, 8, &tod))
				st->last_ms = tod;
		}
	}
	return BW_PARSE_IGNORED;
}

static int parse_port(bw_str s, uint16_t *port)
{
	uint64_t v;
	if (bw_parse_u64(s.p, s.p + s.n, &v) != s.n || !s.n || v > 65535)
		return 0;
	*port = (uint16_t)v;
	return 1;
}

static void plus_to_space(bw_str s)
{
	char *p = (char *)(uintptr_t)s.p;
	for (size_t i = 0; i < s.n; i++)
		if (p[i] == '+')
			p[i] = ' ';
}

/* A quoted string at p ('"'), as the W3C draft writes strings ('""' is
 * one quote; IIS never quotes, other writers do): its text, unescaped in
 * place, into *out. @return where the field ends (a separator or the
 * end of the line), NULL when it does not. */
static char *quoted(char *p, char *end, bw_str *out)
{
	/* first find where it ends, leaving the line alone when it is no
	 * quoted string after all */
	for (char *r = p + 1;;) {
		char *q = memchr(r, '"', (size_t)(end - r));
		if (!q)
			return NULL;
		if (q + 1 < end && q[1] == '"') {
			r = q + 2;
			continue;
		}
		if (q + 1 < end && q[1] != ' ' && q[1] != '\t')
			return NULL;
		break;
	}
	char *w = p + 1, *r = p + 1;
	for (;;) {
		char *q = memchr(r, '"', (size_t)(end - r));
		if (!q)
			return NULL;
		size_t k = (size_t)(q - r);
		memmove(w, r, k);
		w += k;
		if (q + 1 < end && q[1] == '"') {
			*w++ = '"';
			r = q + 2;
			continue;
		}
		if (q + 1 < end && q[1] != ' ' && q[1] != '\t')
			return NULL;
		*out = bw_str_make(p + 1, (size_t)(w - p - 1));
		return q + 1;
	}
}

/* A line without a header that fits, read by a default layout (from
 * s-ip on: s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username
 * c-ip, at tok[0]): only when it looks the part, so that an HTTPERR tail
 * of the same count is not read as an access line. */
static int default_fits(const bw_str *tok)
{
	bw_ip ip;
	uint16_t port;
	tok -= 2; /* the indices below count from the date */
	bw_str m = tok[3], stem = tok[4];
	for (size_t i = 0; i < m.n; i++)
		if (!((m.p[i] >= 'A' && m.p[i] <= 'Z') || m.p[i] == '-' || m.p[i] == '_'))
			return 0;
	return m.n && stem.n && (stem.p[0] == '/' || is_dash(stem)) &&
	       (is_dash(tok[2]) || bw_ip_parse(tok[2].p, tok[2].n, &ip)) &&
	       parse_port(tok[6], &port) && bw_ip_parse(tok[8].p, tok[8].n, &ip);
}

/* IIS FTP (its layout has x-session): a PASS answered 230 is a login,
 * 530 a failed one; other commands are not events. */
static enum bw_parse_rc ftp_event(struct bw_parse_ctx *ctx, bw_event *ev)
{
	int st = ev->http_status;
	if (!bw_str_eq(ev->http_method, "PASS") || (st != 230 && st != 530)) {
		ctx->reason = "IIS FTP command other than a password";
		return BW_PARSE_IGNORED;
	}
	ev->source = BW_SRC_AUTH;
	ev->kind = BW_KIND_LOGIN;
	ev->outcome = st == 230 ? BW_OUTCOME_SUCCESS : BW_OUTCOME_FAILURE;
	ev->action = BW_STR_LIT("ftp_login");
	ev->auth_method = BW_STR_LIT("password");
	ev->format = "iis-ftp";
	ev->http_method = ev->url_path = ev->url_query = BW_STR_NULL;
	ev->http_status = 0;
	if (st == 530)
		ev->reason = BW_STR_LIT("bad_password");
	return BW_PARSE_OK;
}

static enum bw_parse_rc w3c_parse(struct bw_parse_ctx *ctx, char *line,
				  size_t n, bw_event *ev)
{
	struct w3c_state *st = ctx->state;
	if (!st->started) {
		st->started = 1;
		st->date_ms = -1;
		st->last_ms = INT64_MIN;
	}
	if (n && line[0] == '#')
		return directive(ctx, st, line, n);

	bw_str tok[W3C_MAX_COLS];
	uint8_t isq[W3C_MAX_COLS]; /* 1: the value was quoted */
	uint32_t nt = 0;
	char *p = line, *end = line + n;
	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p == end)
			break;
		if (nt == W3C_MAX_COLS) {
			ctx->reason = "more columns than any #Fields";
			return BW_PARSE_MALFORMED;
		}
		if (*p == '"' && st->quotes) {
			char *q = quoted(p, end, &tok[nt]);
			if (q) {
				p = q;
				isq[nt++] = 1;
				continue;
			}
			/* not a quoted string: a plain value */
		}
		char *b = p;
		while (p < end && *p != ' ' && *p != '\t')
			p++;
		isq[nt] = 0;
		tok[nt++] = bw_str_make(b, (size_t)(p - b));
	}
	const uint8_t *col = st->col;
	int ftp = st->ftp;
	if (nt != st->ncol || !st->ncol) {
		col = nt == sizeof(default15) ? default15 :
		      nt == sizeof(default14) ? default14 :
		      nt == sizeof(default22) ? default22 : NULL;
		if (!col || !default_fits(tok + (col == default22 ? 4 : 2))) {
			ctx->reason = st->ncol ? "column count differs from #Fields" :
						 "no #Fields header";
			return BW_PARSE_MALFORMED;
		}
		ftp = 0;
	}

	int64_t day = -1, clock = -1;
	int status = 0;
	bw_str xff = BW_STR_NULL;
	ev->source = BW_SRC_WEB;
	ev->kind = BW_KIND_REQUEST;
	ev->format = "iis";
	for (uint32_t i = 0; i < nt; i++) {
		bw_str v = tok[i];
		if (col[i] == C_SKIP)
			continue;
		if (is_dash(v))
			continue; /* IIS's "no value" */
		uint64_t num;
		switch ((enum w3c_col)col[i]) {
		case C_DATE:
			if (!parse_date(v.p, v.n, &day)) {
				ctx->reason = "bad date";
				return BW_PARSE_MALFORMED;
			}
			break;
		case C_TIME:
			if (!parse_clock(v.p, v.n, &clock)) {
				ctx->reason = "bad time";
				return BW_PARSE_MALFORMED;
			}
			break;
		case C_COMPUTER:
			ev->host = v;
			break;
		case C_SIP:
			bw_ip_parse(v.p, v.n, &ev->dst_ip);
			break;
		case C_SPORT:
			parse_port(v, &ev->dst_port);
			break;
		case C_CPORT:
			parse_port(v, &ev->src_port);
			break;
		case C_METHOD:
			ev->http_method = v;
			break;
		case C_STEM:
			ev->url_path = v;
			break;
		case C_QUERY:
			ev->url_query = v;
			break;
		case C_URI:
			bw_url_target(ev, v);
			break;
		case C_USER:
			ev->user = v;
			break;
		case C_CIP:
			if (!bw_ip_parse(v.p, v.n, &ev->src_ip))
				ev->src_host = v;
			break;
		case C_VERSION:
			ev->http_version = v.n > 5 && !memcmp(v.p, "HTTP/", 5) ?
						   bw_str_make(v.p + 5, v.n - 5) : v;
			break;
		case C_AGENT:
			if (!isq[i])
				plus_to_space(v);
			ev->user_agent = v;
			break;
		case C_REFERER:
			ev->referrer = v;
			break;
		case C_HOST:
			ev->vhost = bw_host_only(v);
			break;
		case C_STATUS:
			if (bw_parse_u64(v.p, v.p + v.n, &num) != v.n || v.n != 3 ||
			    num < 100) {
				ctx->reason = "bad status";
				return BW_PARSE_MALFORMED;
			}
			status = (int)num;
			break;
		case C_SCBYTES:
			if (bw_parse_u64(v.p, v.p + v.n, &num) == v.n &&
			    num <= INT64_MAX)
				ev->http_bytes = ev->bytes_out = (int64_t)num;
			break;
		case C_CSBYTES:
			if (bw_parse_u64(v.p, v.p + v.n, &num) == v.n &&
			    num <= INT64_MAX)
				ev->bytes_in = (int64_t)num;
			break;
		case C_TAKEN:
			/* milliseconds; a request lasting over a year is forged */
			if (bw_parse_u64(v.p, v.p + v.n, &num) == v.n &&
			    num <= 366ull * 86400 * 1000)
				ev->duration_ms = (int64_t)num;
			break;
		case C_XFF:
			if (!isq[i])
				plus_to_space(v); /* "a,+b": IIS's space */
			xff = v;
			break;
		case C_REASON:
			ev->reason = v;
			break;
		case C_SITE:
		case C_SKIP:
		case C_FTPMARK:
			break;
		}
	}
	if (clock < 0) {
		ctx->reason = "no time";
		return BW_PARSE_MALFORMED;
	}
	if (day < 0) {
		/* a layout without a date column: #Date's day, moving on
		 * when the clock runs backwards past midnight */
		if (st->date_ms < 0) {
			ctx->reason = "no date column and no #Date";
			return BW_PARSE_MALFORMED;
		}
		if (st->last_ms != INT64_MIN && clock + 3600 * 1000 < st->last_ms)
			st->date_ms += 86400 * 1000;
		st->last_ms = clock;
		day = st->date_ms;
	}
	ev->ts_ms = day + clock;
	ev->http_status = status;
	bw_web_forwarded(ev, xff);
	if (ftp)
		return ftp_event(ctx, ev);
	if (!ev->http_method.p && !ev->url_path.p && !status) {
		/* http.sys's record of a connection that sent no request
		 * (Timer_ConnectionIdle, Connection_Dropped); one it refused
		 * (400 BadRequest: a TLS hello on a plain port) is an event */
		ctx->reason = "connection without a request";
		return BW_PARSE_IGNORED;
	}
	return BW_PARSE_OK;
}

/* A data line: "YYYY-MM-DD HH:MM:SS " then at least eight more columns,
 * among them an upper-case method, a path ('/'), an address and a
 * three-digit status (OpenVPN's "Using 256 bit message hash 'SHA256'
 * for HMAC" has a status-like number and upper-case words, no path or
 * address). */
static int sniff_data(const char *l, size_t n)
{
	int64_t ms;
	if (n < 30 || l[10] != ' ' || l[19] != ' ' || !parse_date(l, 10, &ms) ||
	    !parse_clock(l + 11, 8, &ms))
		return 0;
	int cols = 2, method = 0, status = 0, path = 0, addr = 0;
	const char *p = l + 20, *end = l + n;
	while (p < end) {
		const char *sp = memchr(p, ' ', (size_t)(end - p));
		const char *e = sp ? sp : end;
		size_t k = (size_t)(e - p);
		int upper = k >= 3 && k <= 12;
		for (size_t i = 0; upper && i < k; i++)
			upper = (p[i] >= 'A' && p[i] <= 'Z') || p[i] == '_';
		method |= upper;
		status |= k == 3 && p[0] >= '1' && p[0] <= '5' &&
			  p[1] >= '0' && p[1] <= '9' && p[2] >= '0' && p[2] <= '9';
		path |= k && p[0] == '/';
		bw_ip ip;
		addr = addr || (k >= 2 && k <= 45 && bw_ip_parse(p, k, &ip));
		cols++;
		p = e + (sp != NULL);
	}
	return cols >= 10 && method && status && path && addr ? 90 : 0;
}

static int w3c_sniff(const char *l, size_t n)
{
	if (n && l[0] == '#') {
		if ((n >= 50 && !memcmp(l, "#Software: Microsoft Internet Information Services", 50)) ||
		    (n >= 29 && !memcmp(l, "#Software: Microsoft HTTP API", 29)))
			return 100;
		if (n >= 8 && !memcmp(l, "#Fields:", 8)) {
			struct w3c_state st;
			return read_fields(&st, l + 8, l + n) == 0 ? 100 : 0;
		}
		if (n >= 13 && !memcmp(l, "#Version: 1.0", 13))
			return 80;
		/* the other directives: W3C's, in a stream of several logs
		 * (tail -F) read by the IIS parser, which ignores them */
		if ((n >= 6 && !memcmp(l, "#Date:", 6)) ||
		    (n >= 8 && !memcmp(l, "#Remark:", 8)) ||
		    (n >= 12 && (!memcmp(l, "#Start-Date:", 12) ||
				 !memcmp(l, "#End-Date:", 10))))
			return 60;
		return 0;
	}
	return sniff_data(l, n);
}

/* A new file of a tail stream reads by the layout before it: tail shows
 * a file's last lines, so its own #Fields line has often scrolled out
 * (its own, when it comes, replaces it). */
static void w3c_state_inherit(void *dst, const void *src)
{
	struct w3c_state *d = dst;
	memcpy(d, src, sizeof(*d));
	d->last_ms = INT64_MIN; /* its own lines roll its #Date over */
}

const struct bw_parser bw_parser_iis = {
	"iis", "Microsoft IIS W3C extended log (#Fields-driven: Exchange, SharePoint, HTTPERR, FTP logins)",
	BW_SRC_WEB, w3c_sniff, w3c_parse, sizeof(struct w3c_state), NULL,
	w3c_state_inherit,
};
