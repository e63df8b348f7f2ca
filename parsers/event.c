/*
 * event.c - enum names, the field table, and view relocation for the
 * event model. Field order in the table is the output order of
 * `breachwatch parse` only through output_json.c, which lists its own.
 */
#include "event.h"

#include <stddef.h>
#include <string.h>

void bw_event_clear(bw_event *ev)
{
	/* All-zero bytes are "absent" for every view, address, port and
	 * flag. Zeroed in 64-byte pieces on purpose: gcc turns one memset
	 * (or a blank struct copy) of this ~500-byte event into `rep stos`,
	 * whose start-up cost made clearing a tenth of `scan` time on web
	 * logs; small pieces become plain vector stores. */
	char *p = (char *)ev;
	size_t i = 0;
	for (; i + 64 <= sizeof(*ev); i += 64)
		memset(p + i, 0, 64);
	memset(p + i, 0, sizeof(*ev) - i);
	ev->repeat = 1;
	ev->http_bytes = BW_NUM_ABSENT;
	ev->bytes_out = BW_NUM_ABSENT;
	ev->bytes_in = BW_NUM_ABSENT;
	ev->duration_ms = BW_NUM_ABSENT;
}

static const char *const source_names[BW_SRC__COUNT] = {
	"none", "web", "proxy", "vpn", "auth",
};
static const char *const kind_names[BW_KIND__COUNT] = {
	"none", "request", "login", "logout", "session_start", "session_end",
	"privilege", "address_assign", "connection", "lockout", "probe", "other",
	"session_status",
};
static const char *const outcome_names[BW_OUTCOME__COUNT] = {
	"unknown", "success", "failure",
};

const char *bw_source_name(unsigned v)
{
	return v < BW_SRC__COUNT ? source_names[v] : "none";
}

const char *bw_kind_name(unsigned v)
{
	return v < BW_KIND__COUNT ? kind_names[v] : "none";
}

const char *bw_outcome_name(unsigned v)
{
	return v < BW_OUTCOME__COUNT ? outcome_names[v] : "unknown";
}

static int lookup(const char *const *names, int count, const char *s, size_t n)
{
	for (int i = 0; i < count; i++)
		if (strlen(names[i]) == n && memcmp(names[i], s, n) == 0)
			return i;
	return -1;
}

int bw_source_from_name(const char *s, size_t n)
{
	return lookup(source_names, BW_SRC__COUNT, s, n);
}

int bw_kind_from_name(const char *s, size_t n)
{
	return lookup(kind_names, BW_KIND__COUNT, s, n);
}

int bw_outcome_from_name(const char *s, size_t n)
{
	return lookup(outcome_names, BW_OUTCOME__COUNT, s, n);
}

/* Where an event's views other than its line are, for copying. Keep in
 * step with struct bw_event: the assertion below trips when the struct
 * changes size (on LP64), as a new field does. */
#define V(f) (uint16_t)offsetof(bw_event, f)
static const uint16_t view_off[] = {
	V(user), V(user_domain), V(auth_method), V(action), V(reason),
	V(session_id), V(target_user), V(command), V(identity), V(src_host),
	V(host), V(program), V(forwarded_for), V(http_method), V(url_path),
	V(url_query), V(http_version), V(referrer), V(user_agent), V(vhost),
	V(request),
};
#undef V
_Static_assert(sizeof(void *) != 8 || sizeof(bw_event) == 536,
	       "bw_event changed: list its new views in view_off");

/* One pass to size, one struct copy, one pass to rebase: the engine's
 * thread copies every event this way (engine_thread.c). */
size_t bw_event_copy(bw_event *dst, const bw_event *src, char *buf, size_t cap)
{
	const char *lb = src->line.p;
	size_t ln = lb ? src->line.n : 0;
	size_t need = ln;
	const size_t nviews = sizeof(view_off) / sizeof(view_off[0]);

	for (size_t i = 0; i < nviews; i++) {
		const bw_str *v = (const bw_str *)(const void *)
				  ((const char *)src + view_off[i]);
		if (v->p && !(lb && v->p >= lb && v->p + v->n <= lb + ln))
			need += v->n;
	}
	if (need > cap || !dst)
		return need;
	if (dst != src)
		memcpy(dst, src, sizeof(*dst));
	if (ln)
		memcpy(buf, lb, ln);
	size_t w = ln;
	for (size_t i = 0; i < nviews; i++) {
		bw_str *v = (bw_str *)(void *)((char *)dst + view_off[i]);
		if (!v->p)
			continue;
		if (lb && v->p >= lb && v->p + v->n <= lb + ln) {
			v->p = buf + (v->p - lb);
		} else {
			memcpy(buf + w, v->p, v->n);
			v->p = buf + w;
			w += v->n;
		}
	}
	if (lb)
		dst->line.p = buf;
	return need;
}

/* ------------------------------------------------------------------ */

static const struct bw_field_desc fields[BW_F__COUNT] = {
	[BW_F_TS] = { "ts", "@timestamp", BW_FT_TIME },
	[BW_F_SOURCE] = { "source", "event.category", BW_FT_ENUM },
	[BW_F_KIND] = { "kind", "event.type", BW_FT_ENUM },
	[BW_F_OUTCOME] = { "outcome", "event.outcome", BW_FT_ENUM },
	[BW_F_REPEAT] = { "repeat", "event.count", BW_FT_INT },
	[BW_F_FORMAT] = { "format", "event.dataset", BW_FT_STR },
	[BW_F_USER] = { "user", "user.name", BW_FT_STR },
	[BW_F_USER_DOMAIN] = { "user.domain", "user.domain", BW_FT_STR },
	[BW_F_AUTH_METHOD] = { "auth.method", "breachwatch.auth_method", BW_FT_STR },
	[BW_F_ACTION] = { "action", "event.action", BW_FT_STR },
	[BW_F_REASON] = { "reason", "event.reason", BW_FT_STR },
	[BW_F_SESSION_ID] = { "session.id", "session.id", BW_FT_STR },
	[BW_F_SRC_IP] = { "src.ip", "source.ip", BW_FT_IP },
	[BW_F_DST_IP] = { "dst.ip", "destination.ip", BW_FT_IP },
	[BW_F_ASSIGNED_IP] = { "assigned.ip", "source.nat.ip", BW_FT_IP },
	[BW_F_VPN_CLIENT_IP] = { "vpn.client.ip", "breachwatch.vpn_client_ip",
				 BW_FT_IP },
	[BW_F_SRC_PORT] = { "src.port", "source.port", BW_FT_INT },
	[BW_F_DST_PORT] = { "dst.port", "destination.port", BW_FT_INT },
	[BW_F_SRC_HOST] = { "src.host", "source.address", BW_FT_STR },
	[BW_F_HOST] = { "host", "host.name", BW_FT_STR },
	[BW_F_PROGRAM] = { "program", "process.name", BW_FT_STR },
	[BW_F_FORWARDED_FOR] = { "forwarded_for", "http.request.forwarded_for", BW_FT_STR },
	[BW_F_HTTP_METHOD] = { "http.method", "http.request.method", BW_FT_STR },
	[BW_F_URL_PATH] = { "url.path", "url.path", BW_FT_STR },
	[BW_F_URL_QUERY] = { "url.query", "url.query", BW_FT_STR },
	[BW_F_HTTP_VERSION] = { "http.version", "http.version", BW_FT_STR },
	[BW_F_REFERRER] = { "http.referrer", "http.request.referrer", BW_FT_STR },
	[BW_F_USER_AGENT] = { "user.agent", "user_agent.original", BW_FT_STR },
	[BW_F_VHOST] = { "vhost", "url.domain", BW_FT_STR },
	[BW_F_REQUEST] = { "request", "breachwatch.request", BW_FT_STR },
	[BW_F_HTTP_STATUS] = { "http.status", "http.response.status_code", BW_FT_INT },
	[BW_F_HTTP_BYTES] = { "http.bytes", "http.response.body.bytes", BW_FT_INT },
	[BW_F_BYTES_OUT] = { "bytes_out", "breachwatch.bytes_out", BW_FT_INT },
	[BW_F_BYTES_IN] = { "bytes_in", "breachwatch.bytes_in", BW_FT_INT },
	[BW_F_DURATION] = { "duration", "event.duration", BW_FT_INT },
	[BW_F_INPUT] = { "input", "breachwatch.input", BW_FT_INT },
	[BW_F_LINE_NO] = { "line", "log.file.line", BW_FT_INT },
	[BW_F_TARGET_USER] = { "target.user", "user.target.name", BW_FT_STR },
	[BW_F_COMMAND] = { "command", "process.command_line", BW_FT_STR },
	[BW_F_IDENTITY] = { "identity", "breachwatch.identity", BW_FT_STR },
	[BW_F_URL_PATH_NORM] = { "url.path.normalized",
				 "breachwatch.url_path_normalized", BW_FT_STR },
	[BW_F_SRC_NET] = { "src.net", "breachwatch.source_net", BW_FT_IP },
};

const struct bw_field_desc *bw_field_desc(enum bw_field_id id)
{
	return &fields[id];
}

int bw_field_lookup(const char *name, size_t n)
{
	for (int i = 0; i < BW_F__COUNT; i++) {
		const struct bw_field_desc *f = &fields[i];
		if ((strlen(f->name) == n && memcmp(f->name, name, n) == 0) ||
		    (strlen(f->ecs) == n && memcmp(f->ecs, name, n) == 0))
			return i;
	}
	return -1;
}

int bw_field_get_str(const bw_event *ev, enum bw_field_id id, bw_str *s)
{
	const bw_str *v;
	switch (id) {
	case BW_F_SOURCE:
		s->p = bw_source_name(ev->source);
		s->n = strlen(s->p);
		return 1;
	case BW_F_KIND:
		s->p = bw_kind_name(ev->kind);
		s->n = strlen(s->p);
		return 1;
	case BW_F_OUTCOME:
		s->p = bw_outcome_name(ev->outcome);
		s->n = strlen(s->p);
		return 1;
	case BW_F_FORMAT:
		if (!ev->format)
			return 0;
		s->p = ev->format;
		s->n = strlen(ev->format);
		return 1;
	case BW_F_USER: /* one identity for every spelling, when known */
		v = ev->identity.p ? &ev->identity : &ev->user;
		break;
	case BW_F_USER_DOMAIN: v = &ev->user_domain; break;
	case BW_F_AUTH_METHOD: v = &ev->auth_method; break;
	case BW_F_ACTION: v = &ev->action; break;
	case BW_F_REASON: v = &ev->reason; break;
	case BW_F_SESSION_ID: v = &ev->session_id; break;
	case BW_F_TARGET_USER: v = &ev->target_user; break;
	case BW_F_COMMAND: v = &ev->command; break;
	case BW_F_IDENTITY: v = &ev->identity; break;
	case BW_F_SRC_HOST: v = &ev->src_host; break;
	case BW_F_HOST: v = &ev->host; break;
	case BW_F_PROGRAM: v = &ev->program; break;
	case BW_F_FORWARDED_FOR: v = &ev->forwarded_for; break;
	case BW_F_HTTP_METHOD: v = &ev->http_method; break;
	case BW_F_URL_PATH: v = &ev->url_path; break;
	case BW_F_URL_QUERY: v = &ev->url_query; break;
	case BW_F_HTTP_VERSION: v = &ev->http_version; break;
	case BW_F_REFERRER: v = &ev->referrer; break;
	case BW_F_USER_AGENT: v = &ev->user_agent; break;
	case BW_F_VHOST: v = &ev->vhost; break;
	case BW_F_REQUEST: v = &ev->request; break;
	default:
		return 0;
	}
	if (!v->p)
		return 0;
	*s = *v;
	return 1;
}

int bw_field_get_int(const bw_event *ev, enum bw_field_id id, int64_t *out)
{
	int64_t v;
	switch (id) {
	case BW_F_TS: v = ev->ts_ms; break;
	case BW_F_REPEAT: v = ev->repeat; break;
	case BW_F_SRC_PORT: v = ev->src_port ? ev->src_port : BW_NUM_ABSENT; break;
	case BW_F_DST_PORT: v = ev->dst_port ? ev->dst_port : BW_NUM_ABSENT; break;
	case BW_F_HTTP_STATUS: v = ev->http_status ? ev->http_status : BW_NUM_ABSENT; break;
	case BW_F_HTTP_BYTES: v = ev->http_bytes; break;
	case BW_F_BYTES_OUT: v = ev->bytes_out; break;
	case BW_F_BYTES_IN: v = ev->bytes_in; break;
	case BW_F_DURATION: v = ev->duration_ms; break;
	case BW_F_INPUT: v = ev->input_id; break;
	case BW_F_LINE_NO: v = (int64_t)ev->line_no; break;
	default:
		return 0;
	}
	if (v == BW_NUM_ABSENT)
		return 0;
	*out = v;
	return 1;
}

int bw_field_get_ip(const bw_event *ev, enum bw_field_id id, const bw_ip **ip)
{
	/* src.net is computed: valid until the thread's next call */
	static _Thread_local bw_ip net;
	const bw_ip *v;
	switch (id) {
	case BW_F_SRC_IP: v = &ev->src_ip; break;
	case BW_F_SRC_NET:
		if (!ev->src_ip.family)
			return 0;
		net = ev->src_ip;
		memset(net.addr + bw_ip_net_bytes(&net), 0,
		       16 - bw_ip_net_bytes(&net));
		*ip = &net;
		return 1;
	case BW_F_DST_IP: v = &ev->dst_ip; break;
	case BW_F_ASSIGNED_IP: v = &ev->assigned_ip; break;
	case BW_F_VPN_CLIENT_IP: v = &ev->vpn_client_ip; break;
	default:
		return 0;
	}
	if (!v->family)
		return 0;
	*ip = v;
	return 1;
}
