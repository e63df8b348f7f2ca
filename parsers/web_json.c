/*
 * web_json.c - web servers and proxies that log requests as JSON lines:
 *
 *   caddy         Caddy 2's access log (its default format): the
 *                 "http.log.access" logger's entries,
 *                   ts (Unix seconds, or ms/ns, or an ISO 8601 string)
 *                   request.{client_ip|remote_ip, remote_port, method,
 *                   uri, proto, host, headers.{User-Agent, Referer,
 *                   X-Forwarded-For}[0]}, user_id, status, size,
 *                   bytes_read, duration (s)
 *                 client_ip is the client Caddy worked out through its
 *                 trusted proxies (2.7+); remote_ip the peer.
 *   traefik-json  Traefik's access log with format json:
 *                   StartUTC (else time), ClientHost, ClientPort,
 *                   ClientUsername, RequestMethod, RequestPath (with the
 *                   query), RequestProtocol, RequestHost,
 *                   DownstreamStatus, DownstreamContentSize,
 *                   RequestContentSize, Duration (ns), and the headers
 *                   Traefik keeps as request_User-Agent, request_Referer,
 *                   request_X-Forwarded-For.
 *
 * Other entries of the same streams (Caddy's runtime loggers, Traefik's
 * own messages when both go to one file) are valid lines but not
 * requests: ignored, counted. Values are picked by the allocation-free
 * JSON walk (auth_json.h); strings are decoded in place.
 */
#include "parser.h"
#include "auth_json.h"
#include "bw_time.h"
#include "bw_util.h"
#include "vpn_scan.h"

#include <string.h>

/* "HTTP/1.1" -> "1.1" */
static bw_str http_version(bw_str proto)
{
	if (proto.n > 5 && !memcmp(proto.p, "HTTP/", 5))
		return bw_str_make(proto.p + 5, proto.n - 5);
	return proto;
}

/* A non-negative JSON number's text, its integer part scaled by 10^k
 * plus the first k fraction digits: "1.75" with k 3 is 1750.
 * @return 1 and *v, 0 when it is not such a number or overflows. */
static int num_scaled(bw_str s, int k, int64_t *v)
{
	if (!s.p || !s.n)
		return 0;
	const char *p = s.p, *end = s.p + s.n;
	uint64_t ip;
	size_t d = bw_parse_u64(p, end, &ip);
	if (!d || (p + d < end && p[d] >= '0' && p[d] <= '9'))
		return 0; /* more than 19 digits */
	p += d;
	uint64_t frac = 0;
	int got = 0;
	if (p < end && *p == '.') {
		p++;
		while (p < end && *p >= '0' && *p <= '9') {
			if (got < k) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				got++;
			}
			p++;
		}
	}
	if (p != end)
		return 0; /* exponents, signs: not what these logs write */
	for (; got < k; got++)
		frac *= 10;
	uint64_t scale = 1;
	for (int i = 0; i < k; i++)
		scale *= 10;
	if (ip > (uint64_t)INT64_MAX / scale)
		return 0;
	*v = (int64_t)(ip * scale + frac);
	return 1;
}

/* A byte count or size: a non-negative integer. */
static void set_bytes(bw_str s, int64_t *out)
{
	int64_t v;
	if (num_scaled(s, 0, &v))
		*out = v;
}

static int set_status(bw_event *ev, bw_str s)
{
	int64_t v;
	if (!s.p)
		return 1;
	if (!num_scaled(s, 0, &v) || v > 999)
		return 0;
	ev->http_status = (int32_t)v; /* 0 (Caddy: nothing written) = absent */
	return 1;
}

/* The client field: one address, a host name (kept as such), or a list
 * ("192.168.1.100,10.0.0.50": Traefik's ClientHost behind trusted
 * forwarders) read as a forwarded list: the first public address, else
 * the first, the list kept. */
static void set_client(bw_event *ev, bw_str ip, bw_str port)
{
	if (ip.p && ip.n && !bw_ip_parse(ip.p, ip.n, &ev->src_ip)) {
		bw_web_forwarded(ev, ip);
		const char *p = ip.p, *end = ip.p + ip.n;
		bw_ip a;
		int ok, n = 0;
		while (!ev->src_ip.family &&
		       (p = bw_ip_list_elem(p, end, 1, &a, &ok)) && n++ < 64)
			if (ok)
				ev->src_ip = a;
		if (!ev->src_ip.family) {
			ev->forwarded_for = BW_STR_NULL;
			ev->src_host = ip;
		}
	}
	uint64_t v;
	if (port.p && port.n && bw_parse_u64(port.p, port.p + port.n, &v) == port.n &&
	    v && v < 65536)
		ev->src_port = (uint16_t)v;
}

static void peer_client(bw_event *ev, bw_str addr, bw_str host, bw_str port);

/* ------------------------------------------------------------- caddy */

enum {
	C_TS, C_LOGGER, C_CLIENT, C_REMOTE, C_RADDR, C_RPORT, C_METHOD, C_URI, C_PROTO,
	C_HOST, C_UA, C_REFERER, C_XFF, C_USER, C_STATUS, C_SIZE, C_READ,
	C_DURATION, C_LEVEL, C_MSG, C__N
};
static const char *const caddy_paths[C__N] = {
	"ts", "logger", "request.client_ip", "request.remote_ip",
	"request.remote_addr", "request.remote_port", "request.method", "request.uri", "request.proto",
	"request.host", "request.headers.User-Agent.[]",
	"request.headers.Referer.[]", "request.headers.X-Forwarded-For.[]",
	"user_id", "status", "size", "bytes_read", "duration", "level", "msg",
};

/* Caddy's ts: Unix seconds with a fraction (the default), milli- or
 * nanoseconds (time_format unix_milli_float, unix_nano), or a date. */
static int caddy_time(bw_str ts, int64_t *ms)
{
	int64_t v;
	if (num_scaled(ts, 3, &v)) {
		if (v >= 100000000000000LL) /* seconds past year 5138: ms */
			v /= 1000;
		*ms = v;
		return 1;
	}
	if (num_scaled(ts, 0, &v) && v >= 100000000000000000LL) {
		*ms = v / 1000000; /* ns */
		return 1;
	}
	return ts.p && bw_time_parse_iso(ts.p, ts.n, NULL, ms) != 0;
}

static enum bw_parse_rc caddy_parse(struct bw_parse_ctx *ctx, char *line,
				    size_t n, bw_event *ev)
{
	bw_str v[C__N];
	enum bw_parse_rc rc = bw_json_pick(ctx, line, n, caddy_paths, C__N, v, ev);
	if (rc != BW_PARSE_OK)
		return rc;
	if (!v[C_LOGGER].p || !v[C_TS].p) {
		/* Caddy's default logger names none ("serving initial
		 * configuration"); another program's JSON (journald in the
		 * same stream) has none of ts, level, msg */
		ctx->reason = "caddy: not an access log entry";
		if (v[C_TS].p && v[C_LEVEL].p && v[C_MSG].p)
			return BW_PARSE_IGNORED;
		ctx->reason = "caddy: a JSON line without Caddy's logger";
		return BW_PARSE_NOT_MINE;
	}
	if (v[C_LOGGER].n < 15 || memcmp(v[C_LOGGER].p, "http.log.access", 15) != 0 ||
	    !v[C_METHOD].p) {
		ctx->reason = "caddy: not an access log entry";
		return BW_PARSE_IGNORED;
	}
	if (!caddy_time(v[C_TS], &ev->ts_ms)) {
		ctx->reason = "caddy: bad or missing ts";
		return BW_PARSE_MALFORMED;
	}
	ev->source = BW_SRC_WEB;
	ev->kind = BW_KIND_REQUEST;
	ev->format = "caddy";
	if (v[C_CLIENT].n) {
		/* the peer's port goes with the client only when the peer
		 * is it */
		int peer = v[C_REMOTE].n == v[C_CLIENT].n &&
			   !memcmp(v[C_REMOTE].p, v[C_CLIENT].p, v[C_CLIENT].n);
		set_client(ev, v[C_CLIENT], peer ? v[C_RPORT] : BW_STR_NULL);
	} else if (v[C_REMOTE].n) {
		set_client(ev, v[C_REMOTE], v[C_RPORT]);
	} else if (v[C_RADDR].p) { /* Caddy 2.0-2.4: "ip:port" */
		peer_client(ev, v[C_RADDR], BW_STR_NULL, BW_STR_NULL);
	}
	ev->http_method = v[C_METHOD];
	if (v[C_URI].p)
		bw_url_target(ev, v[C_URI]);
	if (v[C_PROTO].p)
		ev->http_version = http_version(v[C_PROTO]);
	if (v[C_HOST].p && v[C_HOST].n)
		ev->vhost = bw_host_only(v[C_HOST]);
	if (v[C_UA].p)
		ev->user_agent = v[C_UA];
	if (v[C_REFERER].p && v[C_REFERER].n)
		ev->referrer = v[C_REFERER];
	if (v[C_USER].p && v[C_USER].n)
		ev->user = v[C_USER];
	if (!set_status(ev, v[C_STATUS])) {
		ctx->reason = "caddy: bad status";
		return BW_PARSE_MALFORMED;
	}
	set_bytes(v[C_SIZE], &ev->http_bytes);
	ev->bytes_out = ev->http_bytes;
	set_bytes(v[C_READ], &ev->bytes_in);
	int64_t ms;
	if (num_scaled(v[C_DURATION], 3, &ms) && ms <= 366LL * 86400 * 1000)
		ev->duration_ms = ms;
	/* client_ip is Caddy's own answer; without it (before 2.7) the
	 * header is read as nginx's */
	if (v[C_XFF].p && v[C_XFF].n) {
		if (v[C_CLIENT].p && v[C_CLIENT].n)
			ev->forwarded_for = v[C_XFF];
		else
			bw_web_forwarded(ev, v[C_XFF]);
	}
	return BW_PARSE_OK;
}

static int caddy_sniff(const char *line, size_t n)
{
	return bw_json_sniff_key(line, n, "\"http.log.access") &&
	       bw_json_sniff_key(line, n, "\"request\"") ? 100 : 0;
}

/* ----------------------------------------------------------- traefik */

enum {
	T_START, T_TIME, T_ADDR, T_HOST, T_PORT, T_USER, T_METHOD, T_PATH, T_PROTO,
	T_RHOST, T_STATUS, T_SIZE, T_READ, T_DURATION, T_UA, T_REFERER, T_XFF,
	T_LEVEL, T_MSG, T_MESSAGE, T__N
};
static const char *const traefik_paths[T__N] = {
	"StartUTC", "time", "ClientAddr", "ClientHost", "ClientPort", "ClientUsername",
	"RequestMethod", "RequestPath", "RequestProtocol", "RequestHost",
	"DownstreamStatus", "DownstreamContentSize", "RequestContentSize",
	"Duration", "request_User-Agent", "request_Referer",
	"request_X-Forwarded-For", "level", "msg", "message",
};

/* A peer "ip:port" or "[v6]:port" (Traefik's ClientAddr, Caddy 2.0-2.4's
 * remote_addr) is the client. Traefik's ClientHost is the peer's host, or
 * the X-Forwarded-For value Traefik kept from a trusted forwarder: when
 * it names another address it is read as a forwarded list against the
 * peer. Without a readable peer (ClientAddr dropped by the fields
 * configuration), host is the client. */
static void peer_client(bw_event *ev, bw_str addr, bw_str host, bw_str port)
{
	bw_ip ip, h;
	uint16_t pt;
	if (!addr.n || !bw_vpn_ip_port(addr.p, addr.n, &ip, &pt)) {
		set_client(ev, host, port);
		return;
	}
	ev->src_ip = ip;
	ev->src_port = pt;
	if (host.n && !(bw_ip_parse(host.p, host.n, &h) && h.family == ip.family &&
			!memcmp(h.addr, ip.addr, sizeof(h.addr))))
		bw_web_forwarded(ev, host);
}

static enum bw_parse_rc traefik_parse(struct bw_parse_ctx *ctx, char *line,
				      size_t n, bw_event *ev)
{
	bw_str v[T__N];
	enum bw_parse_rc rc = bw_json_pick(ctx, line, n, traefik_paths, T__N, v, ev);
	if (rc != BW_PARSE_OK)
		return rc;
	if (!v[T_METHOD].p) {
		/* Traefik's own messages ({"level", "msg", "time"}) are its;
		 * other programs' JSON in the same stream is not */
		ctx->reason = "traefik: not an access log entry";
		/* (Traefik v3 writes "message") */
		return v[T_LEVEL].p && (v[T_MSG].p || v[T_MESSAGE].p) && v[T_TIME].p ?
			       BW_PARSE_IGNORED : BW_PARSE_NOT_MINE;
	}
	bw_str ts = v[T_START].p ? v[T_START] : v[T_TIME];
	if (!ts.p || !bw_time_parse_iso(ts.p, ts.n, NULL, &ev->ts_ms)) {
		ctx->reason = "traefik: bad or missing StartUTC";
		return BW_PARSE_MALFORMED;
	}
	ev->source = BW_SRC_WEB;
	ev->kind = BW_KIND_REQUEST;
	ev->format = "traefik-json";
	peer_client(ev, v[T_ADDR], v[T_HOST], v[T_PORT]);
	if (v[T_USER].p && v[T_USER].n && !bw_str_eq(v[T_USER], "-"))
		ev->user = v[T_USER];
	ev->http_method = v[T_METHOD];
	if (v[T_PATH].p)
		bw_url_target(ev, v[T_PATH]);
	if (v[T_PROTO].p)
		ev->http_version = http_version(v[T_PROTO]);
	if (v[T_RHOST].p && v[T_RHOST].n)
		ev->vhost = bw_host_only(v[T_RHOST]);
	if (!set_status(ev, v[T_STATUS])) {
		ctx->reason = "traefik: bad DownstreamStatus";
		return BW_PARSE_MALFORMED;
	}
	set_bytes(v[T_SIZE], &ev->http_bytes);
	ev->bytes_out = ev->http_bytes;
	set_bytes(v[T_READ], &ev->bytes_in);
	int64_t ns;
	if (num_scaled(v[T_DURATION], 0, &ns) && ns / 1000000 <= 366LL * 86400 * 1000)
		ev->duration_ms = ns / 1000000;
	if (v[T_UA].p)
		ev->user_agent = v[T_UA];
	if (v[T_REFERER].p && v[T_REFERER].n)
		ev->referrer = v[T_REFERER];
	bw_web_forwarded(ev, v[T_XFF]);
	return BW_PARSE_OK;
}

static int traefik_sniff(const char *line, size_t n)
{
	return bw_json_sniff_key(line, n, "\"RequestMethod\"") &&
	       bw_json_sniff_key(line, n, "\"ClientHost\"") ? 100 : 0;
}

const struct bw_parser bw_parser_caddy = {
	"caddy", "Caddy 2 access log (JSON lines, the default format)",
	BW_SRC_WEB, caddy_sniff, caddy_parse, 0, NULL, NULL,
};
const struct bw_parser bw_parser_traefik_json = {
	"traefik-json", "Traefik access log in JSON (accessLog.format=json)",
	BW_SRC_WEB, traefik_sniff, traefik_parse, 0, NULL, NULL,
};
