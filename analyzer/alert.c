/*
 * alert.c - rendering alerts as NDJSON (fixed key order, hand-rendered into
 * a reused buffer: no JSON tree per alert) and as one line of terminal text.
 * Never writes a raw control byte from log text to either form.
 */
#include "alert.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bw_util.h"
#include "engine.h"

static const char *const sev_names[] = {
	"none", "info", "low", "medium", "high", "critical",
};

int bw_severity_from_name(const char *s, size_t n)
{
	for (int i = 0; i < 6; i++)
		if (strlen(sev_names[i]) == n && memcmp(sev_names[i], s, n) == 0)
			return i;
	return -1;
}

const char *bw_severity_name(int sev)
{
	return sev >= 0 && sev <= 5 ? sev_names[sev] : "none";
}

/* ------------------------------------------------------------ buffer */

static int buf_grow(struct bw_buf *b, size_t add)
{
	if (b->oom)
		return -1;
	if (b->len + add + 1 <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 1024;
	while (cap < b->len + add + 1)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p) {
		b->oom = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

void bw_buf_reset(struct bw_buf *b)
{
	b->len = 0;
	b->oom = 0;
	if (b->p)
		b->p[0] = 0;
}

void bw_buf_put(struct bw_buf *b, const char *s, size_t n)
{
	if (buf_grow(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

void bw_buf_puts(struct bw_buf *b, const char *s)
{
	bw_buf_put(b, s, strlen(s));
}

void bw_buf_printf(struct bw_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void bw_buf_fini(struct bw_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* Length of a valid UTF-8 sequence at s (no overlongs, no surrogates),
 * or 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	unsigned min;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	unsigned cp = c & (0x7fu >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3fu);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static const char hexd[] = "0123456789abcdef";

void bw_buf_json_str(struct bw_buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	if (buf_grow(b, n + 2))
		return;
	bw_buf_put(b, "\"", 1);
	size_t i = 0;
	while (i < n) {
		size_t run = i;
		while (run < n && u[run] >= 0x20 && u[run] < 0x7f &&
		       u[run] != '"' && u[run] != '\\')
			run++;
		if (run > i) {
			bw_buf_put(b, s + i, run - i);
			i = run;
			continue;
		}
		unsigned c = u[i];
		char esc[8];
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			bw_buf_put(b, esc, 2);
			i++;
		} else if (c == '\n') {
			bw_buf_put(b, "\\n", 2);
			i++;
		} else if (c == '\t') {
			bw_buf_put(b, "\\t", 2);
			i++;
		} else if (c == '\r') {
			bw_buf_put(b, "\\r", 2);
			i++;
		} else if (c >= 0x80 && utf8_len(u + i, n - i)) {
			size_t l = utf8_len(u + i, n - i);
			bw_buf_put(b, s + i, l);
			i += l;
		} else {
			/* controls, DEL and invalid UTF-8 bytes: the byte value as
			 * a code point, so the JSON stays valid and lossless enough */
			memcpy(esc, "\\u00", 4);
			esc[4] = hexd[c >> 4];
			esc[5] = hexd[c & 15];
			bw_buf_put(b, esc, 6);
			i++;
		}
	}
	bw_buf_put(b, "\"", 1);
}

void bw_buf_text_str(struct bw_buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		size_t run = i;
		while (run < n && u[run] >= 0x20 && u[run] < 0x7f && u[run] != '\\')
			run++;
		if (run > i) {
			bw_buf_put(b, s + i, run - i);
			i = run;
			continue;
		}
		unsigned c = u[i];
		size_t l;
		if (c == '\\') {
			bw_buf_put(b, "\\\\", 2);
			i++;
		} else if (c >= 0x80 && (l = utf8_len(u + i, n - i)) != 0 &&
			   !(l == 2 && u[i] == 0xc2 && u[i + 1] < 0xa0)) {
			/* valid UTF-8, but not the C1 controls U+0080..U+009F */
			bw_buf_put(b, s + i, l);
			i += l;
		} else {
			char esc[4] = { '\\', 'x', hexd[c >> 4], hexd[c & 15] };
			bw_buf_put(b, esc, 4);
			i++;
		}
	}
}

void bw_buf_time(struct bw_buf *b, int64_t ms)
{
	int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
	int msec = (int)(ms - secs * 1000);
	time_t t = (time_t)secs;
	struct tm tm;
	if (!gmtime_r(&t, &tm)) {
		bw_buf_puts(b, "1970-01-01T00:00:00.000Z");
		return;
	}
	bw_buf_printf(b, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
		      tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		      tm.tm_min, tm.tm_sec, msec);
}

int bw_alert_field_text(struct bw_buf *b, const bw_event *ev, int field)
{
	const struct bw_field_desc *d = bw_field_desc((enum bw_field_id)field);
	switch (d->type) {
	case BW_FT_IP: {
		const bw_ip *ip;
		if (!bw_field_get_ip(ev, (enum bw_field_id)field, &ip))
			return 0;
		char tmp[64];
		size_t n = bw_ip_format(ip, tmp, sizeof(tmp));
		bw_buf_put(b, tmp, n);
		return 1;
	}
	case BW_FT_INT: {
		int64_t v;
		if (!bw_field_get_int(ev, (enum bw_field_id)field, &v))
			return 0;
		bw_buf_printf(b, "%lld", (long long)v);
		return 1;
	}
	case BW_FT_TIME:
		bw_buf_time(b, ev->ts_ms);
		return 1;
	case BW_FT_STR:
	case BW_FT_ENUM: {
		bw_str s;
		if (!bw_field_get_str(ev, (enum bw_field_id)field, &s))
			return 0;
		bw_buf_put(b, s.p, s.n);
		return 1;
	}
	}
	return 0;
}

static const char *input_name(const struct bw_alert *a, uint32_t id)
{
	if (a->input_names && id < a->ninputs && a->input_names[id])
		return a->input_names[id];
	return NULL;
}

/* A field's value as a JSON value: numbers bare, everything else a string.
 * @return 1 when present. */
static int json_field(struct bw_buf *b, const bw_event *ev, int field)
{
	const struct bw_field_desc *d = bw_field_desc((enum bw_field_id)field);
	if (d->type == BW_FT_INT) {
		int64_t v;
		if (!bw_field_get_int(ev, (enum bw_field_id)field, &v))
			return 0;
		bw_buf_printf(b, "%lld", (long long)v);
		return 1;
	}
	struct bw_buf tmp = { 0 };
	int ok = bw_alert_field_text(&tmp, ev, field);
	if (ok)
		bw_buf_json_str(b, tmp.p ? tmp.p : "", tmp.len);
	bw_buf_fini(&tmp);
	return ok;
}

void bw_alert_render_json(const struct bw_alert *a, struct bw_buf *b)
{
	const bw_event *ev = a->ev;
	bw_buf_reset(b);
	bw_buf_puts(b, "{\"@timestamp\":\"");
	bw_buf_time(b, a->ts_ms);
	bw_buf_puts(b, "\",\"rule.id\":");
	bw_buf_json_str(b, a->rule_id, strlen(a->rule_id));
	bw_buf_puts(b, ",\"rule.name\":");
	bw_buf_json_str(b, a->rule_name, strlen(a->rule_name));
	bw_buf_puts(b, ",\"rule.kind\":");
	bw_buf_json_str(b, a->rule_kind, strlen(a->rule_kind));
	bw_buf_printf(b, ",\"event.severity\":%d,\"event.severity_label\":\"%s\"",
		      a->severity, bw_severity_name(a->severity));
	bw_buf_puts(b, ",\"threat.technique.id\":[");
	for (int i = 0; i < a->ntags; i++) {
		if (i)
			bw_buf_put(b, ",", 1);
		bw_buf_json_str(b, a->tags[i], strlen(a->tags[i]));
	}
	bw_buf_put(b, "]", 1);
	if (ev && bw_str_present(ev->user)) {
		bw_buf_puts(b, ",\"user.name\":");
		bw_buf_json_str(b, ev->user.p, ev->user.n);
	}
	if (ev && ev->src_ip.family) {
		char tmp[64];
		size_t n = bw_ip_format(&ev->src_ip, tmp, sizeof(tmp));
		bw_buf_puts(b, ",\"source.ip\":");
		bw_buf_json_str(b, tmp, n);
	}
	if (a->ngroup && ev) {
		bw_buf_puts(b, ",\"breachwatch.group\":{");
		int first = 1;
		for (int i = 0; i < a->ngroup; i++) {
			const struct bw_field_desc *d =
				bw_field_desc((enum bw_field_id)a->group[i]);
			size_t mark = b->len;
			if (!first)
				bw_buf_put(b, ",", 1);
			bw_buf_json_str(b, d->ecs, strlen(d->ecs));
			bw_buf_put(b, ":", 1);
			if (!json_field(b, ev, a->group[i])) {
				b->len = mark; /* absent: leave the key out */
				if (b->p)
					b->p[mark] = 0;
				continue;
			}
			first = 0;
		}
		bw_buf_put(b, "}", 1);
	}
	if (a->has_agg) {
		bw_buf_printf(b, ",\"breachwatch.count\":%llu",
			      (unsigned long long)a->count);
		if (a->ndist) {
			bw_buf_puts(b, ",\"breachwatch.distinct\":{");
			for (int i = 0; i < a->ndist; i++) {
				const char *nm = bw_field_desc(
					(enum bw_field_id)a->dist_field[i])->ecs;
				bw_buf_printf(b, "%s\"%s\":%llu", i ? "," : "", nm,
					      (unsigned long long)a->dist[i]);
			}
			bw_buf_put(b, "}", 1);
		}
		if (a->nsum) {
			bw_buf_puts(b, ",\"breachwatch.sum\":{");
			for (int i = 0; i < a->nsum; i++) {
				const char *nm = bw_field_desc(
					(enum bw_field_id)a->sum_field[i])->ecs;
				bw_buf_printf(b, "%s\"%s\":%lld", i ? "," : "", nm,
					      (long long)a->sum[i]);
			}
			bw_buf_put(b, "}", 1);
		}
	}
	if (a->suppressed)
		bw_buf_printf(b, ",\"breachwatch.suppressed\":%llu",
			      (unsigned long long)a->suppressed);
	bw_buf_puts(b, ",\"message\":");
	bw_buf_json_str(b, a->message ? a->message : "", a->message_len);
	bw_buf_puts(b, ",\"breachwatch.evidence\":[");
	for (size_t i = 0; i < a->nevidence; i++) {
		const char *nm = input_name(a, a->evidence[i].input_id);
		bw_buf_puts(b, i ? ",{\"input\":" : "{\"input\":");
		if (nm)
			bw_buf_json_str(b, nm, strlen(nm));
		else
			bw_buf_printf(b, "\"#%u\"", a->evidence[i].input_id);
		bw_buf_printf(b, ",\"line\":%llu}",
			      (unsigned long long)a->evidence[i].line_no);
	}
	bw_buf_printf(b, "],\"breachwatch.evidence_count\":%llu}\n",
		      (unsigned long long)a->evidence_count);
}

void bw_alert_render_text(const struct bw_alert *a, struct bw_buf *b)
{
	static const char *const upper[] = {
		"NONE", "INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL",
	};
	bw_buf_reset(b);
	bw_buf_time(b, a->ts_ms);
	bw_buf_printf(b, " %-8s %s", upper[a->severity >= 0 && a->severity <= 5 ?
					       a->severity : 0], a->rule_id);
	if (a->ngroup && a->ev) {
		for (int i = 0; i < a->ngroup; i++) {
			const struct bw_field_desc *d =
				bw_field_desc((enum bw_field_id)a->group[i]);
			struct bw_buf tmp = { 0 };
			if (bw_alert_field_text(&tmp, a->ev, a->group[i])) {
				bw_buf_printf(b, " %s=", d->name);
				bw_buf_text_str(b, tmp.p ? tmp.p : "", tmp.len);
			}
			bw_buf_fini(&tmp);
		}
	}
	bw_buf_puts(b, ": ");
	bw_buf_text_str(b, a->message ? a->message : "", a->message_len);
	if (a->suppressed)
		bw_buf_printf(b, " (+%llu suppressed)",
			      (unsigned long long)a->suppressed);
	bw_buf_puts(b, " [");
	for (size_t i = 0; i < a->nevidence; i++) {
		const char *nm = input_name(a, a->evidence[i].input_id);
		if (i)
			bw_buf_put(b, " ", 1);
		if (nm)
			bw_buf_text_str(b, nm, strlen(nm));
		else
			bw_buf_printf(b, "#%u", a->evidence[i].input_id);
		bw_buf_printf(b, ":%llu", (unsigned long long)a->evidence[i].line_no);
	}
	if (a->evidence_count > a->nevidence)
		bw_buf_printf(b, " +%llu more",
			      (unsigned long long)(a->evidence_count - a->nevidence));
	bw_buf_puts(b, "]\n");
}
