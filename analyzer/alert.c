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

void bw_alert_bprintf(struct bw_buf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(tmp)) {
		bw_buf_add(b, tmp, (size_t)n);
		return;
	}
	if (bw_buf_reserve(b, (size_t)n + 1) < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->n, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->n += (size_t)n;
}

void bw_alert_json_str(struct bw_buf *b, const char *s, size_t n)
{
	bw_buf_addc(b, '"');
	bw_buf_add_json_str(b, s, n);
	bw_buf_addc(b, '"');
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
		bw_buf_add(b, tmp, n);
		if (field == BW_F_SRC_NET && ip->family == 6)
			bw_buf_adds(b, "/64");
		return 1;
	}
	case BW_FT_INT: {
		int64_t v;
		if (!bw_field_get_int(ev, (enum bw_field_id)field, &v))
			return 0;
		bw_alert_bprintf(b, "%lld", (long long)v);
		return 1;
	}
	case BW_FT_TIME:
		bw_buf_add_time(b, ev->ts_ms);
		return 1;
	case BW_FT_STR:
	case BW_FT_ENUM: {
		bw_str s;
		if (!bw_field_get_str(ev, (enum bw_field_id)field, &s))
			return 0;
		bw_buf_add(b, s.p, s.n);
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

/* The text of the alert's group field: the event's, or the engine's for
 * url.path.normalized. @return 1 when present. */
static int group_text(struct bw_buf *b, const struct bw_alert *a, int field)
{
	if (field == BW_F_URL_PATH_NORM) {
		if (!a->path_norm.p)
			return 0;
		bw_buf_add(b, a->path_norm.p, a->path_norm.n);
		return 1;
	}
	return bw_alert_field_text(b, a->ev, field);
}

/* A field's value as a JSON value: numbers bare, everything else a string.
 * @return 1 when present. */
static int json_field(struct bw_buf *b, const struct bw_alert *a, int field)
{
	const bw_event *ev = a->ev;
	const struct bw_field_desc *d = bw_field_desc((enum bw_field_id)field);
	if (d->type == BW_FT_INT) {
		int64_t v;
		if (!bw_field_get_int(ev, (enum bw_field_id)field, &v))
			return 0;
		bw_alert_bprintf(b, "%lld", (long long)v);
		return 1;
	}
	struct bw_buf tmp;
	bw_buf_init(&tmp);
	int ok = group_text(&tmp, a, field);
	if (ok)
		bw_alert_json_str(b, tmp.p ? tmp.p : "", tmp.n);
	bw_buf_fini(&tmp);
	return ok;
}

void bw_alert_render_json(const struct bw_alert *a, struct bw_buf *b)
{
	const bw_event *ev = a->ev;
	bw_buf_adds(b, "{\"@timestamp\":\"");
	bw_buf_add_time(b, a->ts_ms);
	bw_buf_adds(b, "\",\"rule.id\":");
	bw_alert_json_str(b, a->rule_id, strlen(a->rule_id));
	bw_buf_adds(b, ",\"rule.name\":");
	bw_alert_json_str(b, a->rule_name, strlen(a->rule_name));
	bw_buf_adds(b, ",\"rule.kind\":");
	bw_alert_json_str(b, a->rule_kind, strlen(a->rule_kind));
	bw_alert_bprintf(b, ",\"event.severity\":%d,\"event.severity_label\":\"%s\"",
		      a->severity, bw_severity_name(a->severity));
	bw_buf_adds(b, ",\"threat.technique.id\":[");
	for (int i = 0; i < a->ntags; i++) {
		if (i)
			bw_buf_add(b, ",", 1);
		bw_alert_json_str(b, a->tags[i], strlen(a->tags[i]));
	}
	bw_buf_add(b, "]", 1);
	if (ev && bw_str_present(ev->user)) {
		bw_buf_adds(b, ",\"user.name\":");
		bw_alert_json_str(b, ev->user.p, ev->user.n);
	}
	if (ev && ev->src_ip.family) {
		char tmp[64];
		size_t n = bw_ip_format(&ev->src_ip, tmp, sizeof(tmp));
		bw_buf_adds(b, ",\"source.ip\":");
		bw_alert_json_str(b, tmp, n);
	}
	if (ev && ev->vpn_client_ip.family) {
		/* a request through the VPN: where the tunnel came from */
		char tmp[64];
		size_t n = bw_ip_format(&ev->vpn_client_ip, tmp, sizeof(tmp));
		bw_buf_adds(b, ",\"breachwatch.vpn_client_ip\":");
		bw_alert_json_str(b, tmp, n);
	}
	if (a->ngroup && ev) {
		bw_buf_adds(b, ",\"breachwatch.group\":{");
		int first = 1;
		for (int i = 0; i < a->ngroup; i++) {
			const struct bw_field_desc *d =
				bw_field_desc((enum bw_field_id)a->group[i]);
			size_t mark = b->n;
			if (!first)
				bw_buf_add(b, ",", 1);
			bw_alert_json_str(b, d->ecs, strlen(d->ecs));
			bw_buf_add(b, ":", 1);
			if (!json_field(b, a, a->group[i])) {
				b->n = mark; /* absent: leave the key out */
				continue;
			}
			first = 0;
		}
		bw_buf_add(b, "}", 1);
	}
	if (a->has_agg) {
		bw_alert_bprintf(b, ",\"breachwatch.count\":%llu",
			      (unsigned long long)a->count);
		if (a->ndist) {
			bw_buf_adds(b, ",\"breachwatch.distinct\":{");
			for (int i = 0; i < a->ndist; i++) {
				const char *nm = bw_field_desc(
					(enum bw_field_id)a->dist_field[i])->ecs;
				bw_alert_bprintf(b, "%s\"%s\":%llu", i ? "," : "", nm,
					      (unsigned long long)a->dist[i]);
			}
			bw_buf_add(b, "}", 1);
		}
		if (a->nsum) {
			bw_buf_adds(b, ",\"breachwatch.sum\":{");
			for (int i = 0; i < a->nsum; i++) {
				const char *nm = bw_field_desc(
					(enum bw_field_id)a->sum_field[i])->ecs;
				bw_alert_bprintf(b, "%s\"%s\":%lld", i ? "," : "", nm,
					      (long long)a->sum[i]);
			}
			bw_buf_add(b, "}", 1);
		}
	}
	if (a->suppressed)
		bw_alert_bprintf(b, ",\"breachwatch.suppressed\":%llu",
			      (unsigned long long)a->suppressed);
	bw_buf_adds(b, ",\"message\":");
	bw_alert_json_str(b, a->message ? a->message : "", a->message_len);
	bw_buf_adds(b, ",\"breachwatch.evidence\":[");
	for (size_t i = 0; i < a->nevidence; i++) {
		const char *nm = input_name(a, a->evidence[i].input_id);
		bw_buf_adds(b, i ? ",{\"input\":" : "{\"input\":");
		if (nm)
			bw_alert_json_str(b, nm, strlen(nm));
		else
			bw_alert_bprintf(b, "\"#%u\"", a->evidence[i].input_id);
		bw_alert_bprintf(b, ",\"line\":%llu}",
			      (unsigned long long)a->evidence[i].line_no);
	}
	bw_alert_bprintf(b, "],\"breachwatch.evidence_count\":%llu}\n",
		      (unsigned long long)a->evidence_count);
}

void bw_alert_render_text(const struct bw_alert *a, struct bw_buf *b)
{
	static const char *const upper[] = {
		"NONE", "INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL",
	};
	bw_buf_add_time(b, a->ts_ms);
	bw_alert_bprintf(b, " %-8s %s", upper[a->severity >= 0 && a->severity <= 5 ?
					       a->severity : 0], a->rule_id);
	if (a->ngroup && a->ev) {
		for (int i = 0; i < a->ngroup; i++) {
			const struct bw_field_desc *d =
				bw_field_desc((enum bw_field_id)a->group[i]);
			struct bw_buf tmp;
	bw_buf_init(&tmp);
			if (group_text(&tmp, a, a->group[i])) {
				bw_alert_bprintf(b, " %s=", d->name);
				bw_buf_add_term_str(b, tmp.p ? tmp.p : "", tmp.n);
			}
			bw_buf_fini(&tmp);
		}
	}
	if (a->ev && a->ev->vpn_client_ip.family) {
		int grouped = 0;
		for (int i = 0; i < a->ngroup; i++)
			grouped |= a->group[i] == BW_F_VPN_CLIENT_IP;
		char tmp[64];
		size_t n = bw_ip_format(&a->ev->vpn_client_ip, tmp, sizeof(tmp));
		if (!grouped)
			bw_alert_bprintf(b, " vpn.client.ip=%.*s", (int)n, tmp);
	}
	bw_buf_adds(b, ": ");
	bw_buf_add_term_str(b, a->message ? a->message : "", a->message_len);
	if (a->suppressed)
		bw_alert_bprintf(b, " (+%llu suppressed)",
			      (unsigned long long)a->suppressed);
	bw_buf_adds(b, " [");
	for (size_t i = 0; i < a->nevidence; i++) {
		const char *nm = input_name(a, a->evidence[i].input_id);
		if (i)
			bw_buf_add(b, " ", 1);
		if (nm)
			bw_buf_add_term_str(b, nm, strlen(nm));
		else
			bw_alert_bprintf(b, "#%u", a->evidence[i].input_id);
		bw_alert_bprintf(b, ":%llu", (unsigned long long)a->evidence[i].line_no);
	}
	if (a->evidence_count > a->nevidence)
		bw_alert_bprintf(b, " +%llu more",
			      (unsigned long long)(a->evidence_count - a->nevidence));
	bw_buf_adds(b, "]\n");
}
