/*
 * output_json.c - one normalized event as one NDJSON line. Hand rendered
 * into a reused buffer (a JSON tree per line would allocate per line).
 * The key order below is the documented output order; change it only
 * with `make golden-update` and a read of the diff.
 *
 * The event's worst-case size is reserved once (event_room), then
 * everything is written through a local cursor `o` without further
 * checks: the buffer's length is not stored and reloaded per value.
 */
#include "output_json.h"

#include <assert.h>
#include <string.h>

#include "bw_util.h"

/* Bytes for everything but the strings: every key (< 32 bytes each),
 * numbers (<= 20), addresses (<= 48), the time, the static names (a
 * 48-byte copy each) and the fixed-size copies' overrun. */
#define FIXED_ROOM 4096

/* Every key but the first (@timestamp, always present) is written with
 * its leading comma as one literal, so each key is a fixed-size copy. */
#define KEY(k)                                                       \
	do {                                                         \
		memcpy(o, ",\"" k "\":", sizeof(",\"" k "\":") - 1); \
		o += sizeof(",\"" k "\":") - 1;                      \
	} while (0)

/* A quoted, escaped string: room 6 * n + 2 (see bw_json_escape_to). */
static inline char *str_v(char *o, const char *p, size_t n)
{
	*o++ = '"';
	o = bw_json_escape_to(o, p, n);
	*o++ = '"';
	return o;
}

static inline size_t str_room(bw_str s)
{
	return s.p ? 6 * s.n + 2 : 0;
}

#define str(k, s)                                     \
	do {                                          \
		bw_str s_ = (s);                      \
		if (s_.p) {                           \
			KEY(k);                       \
			o = str_v(o, s_.p, s_.n);     \
		}                                     \
	} while (0)

#define num(k, v)                                 \
	do {                                      \
		int64_t v_ = (v);                 \
		if (v_ != BW_NUM_ABSENT) {        \
			KEY(k);                   \
			o += bw_fmt_i64(o, v_);   \
		}                                 \
	} while (0)

/* Key and value of a string that never changes behind its pointer (enum
 * and parser names: static storage, see event.h), rendered once per call
 * site and copied while the pointer stays the same. Only names that need
 * no escaping and fit are kept; others are rendered each time. */
struct static_text {
	const char *src; /* the string rendered; NULL before the first */
	size_t n;        /* bytes of text; 0 = not kept */
	char text[48];
};

static void static_text_set(struct static_text *t, const char *key, size_t kn,
			    const char *s)
{
	size_t n = strlen(s);
	t->src = s;
	t->n = 0;
	if (kn + n + 2 > sizeof(t->text))
		return;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			return;
	}
	memcpy(t->text, key, kn);
	t->text[kn] = '"';
	memcpy(t->text + kn + 1, s, n);
	t->text[kn + n + 1] = '"';
	t->n = kn + n + 2;
}

/* A static name's room: its text, or the escaped string when not kept
 * (strlen only then). */
static inline size_t sstr_room(const char *s)
{
	return s ? 48 + 6 * strlen(s) + 2 : 0;
}

/* Copies the whole text array (a fixed-size copy is cheaper than a
 * memcpy call of n bytes); only n bytes count. */
#define sstr(k, s)                                                        \
	do {                                                              \
		static struct static_text t_;                             \
		const char *c_ = (s);                                     \
		if (c_ != t_.src)                                         \
			static_text_set(&t_, ",\"" k "\":",               \
					sizeof(",\"" k "\":") - 1, c_);   \
		if (t_.n) {                                               \
			memcpy(o, t_.text, sizeof(t_.text));              \
			o += t_.n;                                        \
		} else {                                                  \
			KEY(k);                                           \
			o = str_v(o, c_, strlen(c_));                     \
		}                                                         \
	} while (0)

/* A number formatted once for several keys; n == 0 when absent. */
struct num_text {
	char s[24];
	size_t n;
};

static inline void num_text_of(struct num_text *t, int64_t v)
{
	t->n = v == BW_NUM_ABSENT ? 0 : bw_fmt_i64(t->s, v);
}

#define numt(k, t)                                                \
	do {                                                      \
		const struct num_text *t_ = (t);                  \
		if (t_->n) {                                      \
			KEY(k);                                   \
			memcpy(o, t_->s, sizeof(t_->s));          \
			o += t_->n;                               \
		}                                                 \
	} while (0)

/* Formatted addresses are hex digits, digits, '.' and ':' only: no
 * escaping. bw_ip_format wants 46 bytes of room. */
#define ip(k, a)                                          \
	do {                                              \
		const bw_ip *a_ = (a);                    \
		if (a_->family) {                         \
			KEY(k);                           \
			*o++ = '"';                       \
			o += bw_ip_format(a_, o, 48);     \
			*o++ = '"';                       \
		}                                         \
	} while (0)

#define flag(k, cond)                             \
	do {                                      \
		if (cond) {                       \
			KEY(k);                   \
			memcpy(o, "true", 4);     \
			o += 4;                   \
		}                                 \
	} while (0)

/* An upper bound of the event's JSON text: every string view escaped at
 * worst, plus FIXED_ROOM. Views may overlap or lie outside the line
 * (identity, static names), so the line's length alone is no bound. */
static size_t event_room(const bw_event *ev, size_t name_n)
{
	return FIXED_ROOM + 6 * name_n +
	       sstr_room(ev->format) + str_room(ev->action) +
	       str_room(ev->reason) + str_room(ev->user) +
	       str_room(ev->user_domain) + str_room(ev->identity) +
	       str_room(ev->target_user) + str_room(ev->src_host) +
	       str_room(ev->host) + str_room(ev->program) +
	       str_room(ev->command) + str_room(ev->vhost) +
	       str_room(ev->http_method) + str_room(ev->url_path) +
	       str_room(ev->url_query) + str_room(ev->http_version) +
	       str_room(ev->referrer) + str_room(ev->user_agent) +
	       str_room(ev->request) + str_room(ev->forwarded_for) +
	       str_room(ev->auth_method) + str_room(ev->session_id);
}

void bw_output_event_json(struct bw_buf *b, const bw_event *ev,
			  const char *input_name)
{
	size_t name_n = input_name ? strlen(input_name) : 0;
	size_t room = event_room(ev, name_n);
	if (bw_buf_reserve(b, room) < 0)
		return;
	char *o = b->p + b->n;
	const char *end = o + room;

	memcpy(o, "{\"@timestamp\":\"", 15);
	o += 15;
	bw_time_format_to(o, ev->ts_ms);
	o += 24;
	*o++ = '"';
	sstr("event.category", bw_source_name(ev->source));
	sstr("event.type", bw_kind_name(ev->kind));
	if (ev->outcome)
		sstr("event.outcome", bw_outcome_name(ev->outcome));
	str("event.action", ev->action);
	if (ev->format)
		sstr("event.dataset", ev->format);
	if (ev->repeat > 1)
		num("event.count", ev->repeat);
	str("event.reason", ev->reason);
	if (ev->duration_ms != BW_NUM_ABSENT) /* ECS: nanoseconds, saturated */
		num("event.duration",
		    ev->duration_ms > INT64_MAX / 1000000 ? INT64_MAX :
		    ev->duration_ms < INT64_MIN / 1000000 + 1 ? INT64_MIN + 1 :
		    ev->duration_ms * 1000000);
	str("user.name", ev->user);
	str("user.domain", ev->user_domain);
	if (ev->identity.p && !(ev->identity.n == ev->user.n &&
				memcmp(ev->identity.p, ev->user.p, ev->user.n) == 0))
		str("breachwatch.identity", ev->identity);
	str("user.target.name", ev->target_user);
	if (ev->flags & BW_EF_USER_LEASE)
		str("breachwatch.user_from", BW_STR_LIT("vpn-lease"));
	ip("source.ip", &ev->src_ip);
	str("source.address", ev->src_host);
	if (ev->src_port)
		num("source.port", ev->src_port);
	ip("source.nat.ip", &ev->assigned_ip);
	ip("breachwatch.vpn_client_ip", &ev->vpn_client_ip);
	ip("destination.ip", &ev->dst_ip);
	if (ev->dst_port)
		num("destination.port", ev->dst_port);
	str("host.name", ev->host);
	str("process.name", ev->program);
	str("process.command_line", ev->command);
	str("url.domain", ev->vhost);
	str("http.request.method", ev->http_method);
	str("url.path", ev->url_path);
	str("url.query", ev->url_query);
	str("http.version", ev->http_version);
	if (ev->http_status)
		num("http.response.status_code", ev->http_status);
	/* Byte counts appear twice or three times: format each once. */
	struct num_text bytes_out, bytes_in;
	num_text_of(&bytes_out, ev->bytes_out);
	num_text_of(&bytes_in, ev->bytes_in);
	if (ev->http_bytes == ev->bytes_out)
		numt("http.response.body.bytes", &bytes_out);
	else
		num("http.response.body.bytes", ev->http_bytes);
	str("http.request.referrer", ev->referrer);
	str("user_agent.original", ev->user_agent);
	str("breachwatch.request", ev->request);
	str("breachwatch.forwarded_for", ev->forwarded_for);
	str("breachwatch.auth_method", ev->auth_method);
	str("session.id", ev->session_id);
	/* ECS counts from the source's side: the client (source) sent
	 * bytes_in to us and received bytes_out from us. */
	numt("source.bytes", &bytes_in);
	numt("destination.bytes", &bytes_out);
	numt("breachwatch.bytes_out", &bytes_out);
	numt("breachwatch.bytes_in", &bytes_in);
	flag("breachwatch.session_open", ev->flags & BW_EF_SESSION_OPEN);
	flag("breachwatch.line_cut", ev->flags & BW_EF_LINE_CUT);
	flag("breachwatch.late", ev->flags & BW_EF_LATE);
	if (input_name) {
		KEY("log.file.path");
		o = str_v(o, input_name, name_n);
	}
	num("log.file.line", (int64_t)ev->line_no);
	num("log.offset", (int64_t)ev->offset);
	memcpy(o, "}\n", 2);
	o += 2;
	/* event_room must count every string written above */
	assert(o <= end);
	(void)end;
	b->n = (size_t)(o - b->p);
}
