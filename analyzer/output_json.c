/*
 * output_json.c - one normalized event as one NDJSON line. Hand rendered
 * into a reused buffer (a JSON tree per line would allocate per line).
 * The key order below is the documented output order; change it only
 * with `make golden-update` and a read of the diff.
 */
#include "output_json.h"

#include <string.h>

#include "bw_util.h"

/* Every key but the first (@timestamp, always present) is written with
 * its leading comma as one literal, so each key is a fixed-size copy. */
#define KEY(b, k) bw_buf_add((b), ",\"" k "\":", sizeof(",\"" k "\":") - 1)

static inline void str_v(struct bw_buf *b, bw_str s)
{
	bw_buf_add_json_quoted(b, s.p, s.n);
}

#define str(b, k, s)                      \
	do {                              \
		bw_str s_ = (s);          \
		if (s_.p) {               \
			KEY(b, k);        \
			str_v((b), s_);   \
		}                         \
	} while (0)

#define cstr(b, k, s)                                     \
	do {                                              \
		const char *c_ = (s);                     \
		KEY(b, k);                                \
		str_v((b), (bw_str){ c_, strlen(c_) });   \
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

/* A fixed-size copy of the whole text array: cheaper than a memcpy call
 * of t->n bytes; only t->n bytes count. */
static inline void static_text_add(struct bw_buf *b, const struct static_text *t)
{
	if (b->n + sizeof(t->text) > b->cap && bw_buf_reserve(b, sizeof(t->text)) < 0)
		return;
	memcpy(b->p + b->n, t->text, sizeof(t->text));
	b->n += t->n;
}

#define sstr(b, k, s)                                                     \
	do {                                                              \
		static struct static_text t_;                             \
		const char *c_ = (s);                                     \
		if (c_ != t_.src)                                         \
			static_text_set(&t_, ",\"" k "\":",               \
					sizeof(",\"" k "\":") - 1, c_);   \
		if (t_.n) {                                               \
			static_text_add((b), &t_);                        \
		} else {                                                  \
			KEY(b, k);                                        \
			str_v((b), (bw_str){ c_, strlen(c_) });           \
		}                                                         \
	} while (0)

#define num(b, k, v)                              \
	do {                                      \
		int64_t v_ = (v);                 \
		if (v_ != BW_NUM_ABSENT) {        \
			KEY(b, k);                \
			bw_buf_add_i64((b), v_);  \
		}                                 \
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

/* A fixed-size copy of the whole text array (cheaper than a memcpy
 * call of n bytes); only n bytes count. */
static inline void numt_v(struct bw_buf *b, const struct num_text *t)
{
	if (b->n + sizeof(t->s) > b->cap && bw_buf_reserve(b, sizeof(t->s)) < 0)
		return;
	memcpy(b->p + b->n, t->s, sizeof(t->s));
	b->n += t->n;
}

#define numt(b, k, t)                                     \
	do {                                              \
		const struct num_text *t_ = (t);          \
		if (t_->n) {                              \
			KEY(b, k);                        \
			numt_v((b), t_);                  \
		}                                         \
	} while (0)

/* Formatted addresses are hex digits, digits, '.' and ':' only: written
 * straight into the buffer, no escaping. */
static void ip_v(struct bw_buf *b, const bw_ip *a)
{
	if (b->n + 64 > b->cap && bw_buf_reserve(b, 64) < 0)
		return;
	b->p[b->n++] = '"';
	b->n += bw_ip_format(a, b->p + b->n, 62);
	b->p[b->n++] = '"';
}

#define ip(b, k, a)                               \
	do {                                      \
		const bw_ip *a_ = (a);            \
		if (a_->family) {                 \
			KEY(b, k);                \
			ip_v((b), a_);            \
		}                                 \
	} while (0)

#define flag(b, k, cond)                          \
	do {                                      \
		if (cond) {                       \
			KEY(b, k);                \
			bw_buf_add((b), "true", 4); \
		}                                 \
	} while (0)

void bw_output_event_json(struct bw_buf *b, const bw_event *ev,
			  const char *input_name)
{

	/* One reservation per event covers the worst case (every byte of
	 * the line escaped as \\u00XX), so the appends below never grow. */
	bw_buf_reserve(b, 2048 + 6 * ev->line.n);

	bw_buf_add(b, "{\"@timestamp\":\"", 15);
	bw_buf_add_time(b, ev->ts_ms);
	bw_buf_addc(b, '"');
	sstr(b, "event.category", bw_source_name(ev->source));
	sstr(b, "event.type", bw_kind_name(ev->kind));
	if (ev->outcome)
		sstr(b, "event.outcome", bw_outcome_name(ev->outcome));
	str(b, "event.action", ev->action);
	if (ev->format)
		sstr(b, "event.dataset", ev->format);
	if (ev->repeat > 1)
		num(b, "event.count", ev->repeat);
	str(b, "event.reason", ev->reason);
	if (ev->duration_ms != BW_NUM_ABSENT) /* ECS: nanoseconds, saturated */
		num(b, "event.duration",
		    ev->duration_ms > INT64_MAX / 1000000 ? INT64_MAX :
		    ev->duration_ms < INT64_MIN / 1000000 + 1 ? INT64_MIN + 1 :
		    ev->duration_ms * 1000000);
	str(b, "user.name", ev->user);
	str(b, "user.domain", ev->user_domain);
	if (ev->identity.p && !(ev->identity.n == ev->user.n &&
				memcmp(ev->identity.p, ev->user.p, ev->user.n) == 0))
		str(b, "breachwatch.identity", ev->identity);
	str(b, "user.target.name", ev->target_user);
	if (ev->flags & BW_EF_USER_LEASE)
		cstr(b, "breachwatch.user_from", "vpn-lease");
	ip(b, "source.ip", &ev->src_ip);
	str(b, "source.address", ev->src_host);
	if (ev->src_port)
		num(b, "source.port", ev->src_port);
	ip(b, "source.nat.ip", &ev->assigned_ip);
	ip(b, "destination.ip", &ev->dst_ip);
	if (ev->dst_port)
		num(b, "destination.port", ev->dst_port);
	str(b, "host.name", ev->host);
	str(b, "process.name", ev->program);
	str(b, "process.command_line", ev->command);
	str(b, "url.domain", ev->vhost);
	str(b, "http.request.method", ev->http_method);
	str(b, "url.path", ev->url_path);
	str(b, "url.query", ev->url_query);
	str(b, "http.version", ev->http_version);
	if (ev->http_status)
		num(b, "http.response.status_code", ev->http_status);
	/* Byte counts appear twice or three times: format each once. */
	struct num_text bytes_out, bytes_in;
	num_text_of(&bytes_out, ev->bytes_out);
	num_text_of(&bytes_in, ev->bytes_in);
	if (ev->http_bytes == ev->bytes_out)
		numt(b, "http.response.body.bytes", &bytes_out);
	else
		num(b, "http.response.body.bytes", ev->http_bytes);
	str(b, "http.request.referrer", ev->referrer);
	str(b, "user_agent.original", ev->user_agent);
	str(b, "breachwatch.request", ev->request);
	str(b, "breachwatch.forwarded_for", ev->forwarded_for);
	str(b, "breachwatch.auth_method", ev->auth_method);
	str(b, "session.id", ev->session_id);
	/* ECS counts from the source's side: the client (source) sent
	 * bytes_in to us and received bytes_out from us. */
	numt(b, "source.bytes", &bytes_in);
	numt(b, "destination.bytes", &bytes_out);
	numt(b, "breachwatch.bytes_out", &bytes_out);
	numt(b, "breachwatch.bytes_in", &bytes_in);
	flag(b, "breachwatch.session_open", ev->flags & BW_EF_SESSION_OPEN);
	flag(b, "breachwatch.line_cut", ev->flags & BW_EF_LINE_CUT);
	flag(b, "breachwatch.late", ev->flags & BW_EF_LATE);
	if (input_name)
		cstr(b, "log.file.path", input_name);
	num(b, "log.file.line", (int64_t)ev->line_no);
	num(b, "log.offset", (int64_t)ev->offset);
	bw_buf_add(b, "}\n", 2);
}
