/*
 * auth_journald.c - `journalctl -o json` export: one JSON object per line
 * whose MESSAGE is handed to the same programme parsers as a syslog line
 * (sshd, PAM, sudo, ...), with
 *
 *   __REALTIME_TIMESTAMP  microseconds since the epoch (a string)  -> ts
 *   SYSLOG_IDENTIFIER     (else _COMM)                           -> program
 *   _HOSTNAME                                                    -> host
 *
 * journalctl writes one flat object of string fields, so a hand scanner
 * reads it without allocating: the wanted string values are unescaped in
 * place and the event's views point into the line. Anything else (MESSAGE
 * as an array of bytes, which journalctl uses when it is not valid UTF-8,
 * nested values, broken JSON) goes to the Jansson path, which also
 * reports the errors; there the strings are packed (auth_json.h).
 */
#include "parser.h"
#include "auth_json.h"
#include "auth_syslog.h"
#include "bw_util.h"

#include <string.h>

enum { F_TS, F_MSG, F_IDENT, F_COMM, F_HOST, F__N };

/* Scan a flat JSON object; record the spans of the wanted string values.
 * @return 1 when the whole line is a flat object (nothing modified). */
static int flat_scan(const char *line, size_t n, bw_str *val)
{
	static const struct { const char *k; size_t n; } keys[F__N] = {
		{ "__REALTIME_TIMESTAMP", 20 }, { "MESSAGE", 7 },
		{ "SYSLOG_IDENTIFIER", 17 }, { "_COMM", 5 }, { "_HOSTNAME", 9 },
	};
	const char *p = line, *end = line + n;
#define WS() while (p < end && (*p == ' ' || *p == '\t' || *p == '\r')) p++
	WS();
	if (p >= end || *p != '{')
		return 0;
	p++;
	WS();
	if (p < end && *p == '}')
		return 0;
	for (;;) {
		WS();
		if (p >= end || *p != '"')
			return 0;
		const char *k = ++p;
		while (p < end && *p != '"' && *p != '\\')
			p++;
		if (p >= end || *p != '"')
			return 0; /* escaped key: not journald, let Jansson judge */
		size_t kn = (size_t)(p - k);
		p++;
		WS();
		if (p >= end || *p != ':')
			return 0;
		p++;
		WS();
		if (p >= end)
			return 0;
		if (*p == '"') {
			const char *v = ++p;
			for (;;) { /* the closing quote: one not escaped */
				const char *q = memchr(p, '"', (size_t)(end - p));
				if (!q)
					return 0;
				size_t bs = 0;
				for (const char *b = q; b > v && b[-1] == '\\'; b--)
					bs++;
				p = q;
				if ((bs & 1) == 0)
					break;
				p++;
			}
			for (int f = 0; f < F__N; f++)
				if (kn == keys[f].n && memcmp(k, keys[f].k, kn) == 0)
					val[f] = bw_str_make(v, (size_t)(p - v));
			p++;
		} else if (*p == 'n' && end - p >= 4 && memcmp(p, "null", 4) == 0) {
			p += 4;
		} else if ((*p >= '0' && *p <= '9') || *p == '-') {
			while (p < end && ((*p >= '0' && *p <= '9') || *p == '-' || *p == '+' ||
					   *p == '.' || *p == 'e' || *p == 'E'))
				p++;
		} else {
			return 0; /* arrays, objects, true/false: Jansson */
		}
		WS();
		if (p < end && *p == ',') {
			p++;
			continue;
		}
		if (p < end && *p == '}') {
			p++;
			WS();
			/* array framing after the object: "}," or "}]" */
			if (p < end && (*p == ',' || *p == ']'))
				p++;
			WS();
			return p == end;
		}
		return 0;
	}
#undef WS
}

/* The fast path. @return -1 when the line needs the Jansson path. */
static int journald_fast(struct bw_parse_ctx *ctx, char *line, size_t n, bw_event *ev,
			 enum bw_parse_rc *rc)
{
	bw_str val[F__N] = { BW_STR_NULL, BW_STR_NULL, BW_STR_NULL, BW_STR_NULL, BW_STR_NULL };
	const char *lead = line;
	while (lead < line + n && (*lead == ' ' || *lead == '\t' || *lead == '[' || *lead == ','))
		lead++;
	if (!flat_scan(lead, n - (size_t)(lead - line), val) || !val[F_TS].p || !val[F_MSG].p)
		return -1;
	uint64_t us;
	if (bw_parse_u64(val[F_TS].p, val[F_TS].p + val[F_TS].n, &us) != val[F_TS].n ||
	    val[F_TS].n == 0 || us > (uint64_t)INT64_MAX)
		return -1;
	/* Decode in place: only now is the line modified. */
	for (int f = F_MSG; f < F__N; f++) {
		if (!val[f].p)
			continue;
		char *w = line + (val[f].p - line);
		size_t k = bw_json_unescape_inplace(w, val[f].n);
		if (k == (size_t)-1) {
			ctx->reason = "journald: bad string escape";
			*rc = BW_PARSE_MALFORMED;
			return 0;
		}
		val[f].n = k;
	}
	ev->source = BW_SRC_AUTH;
	ev->format = "journald";
	ev->ts_ms = (int64_t)(us / 1000);
	bw_str prog = val[F_IDENT].p ? val[F_IDENT] : val[F_COMM];
	if (val[F_HOST].p)
		ev->host = val[F_HOST];
	ev->program = bw_syslog_program_base(prog);
	*rc = bw_syslog_dispatch(ctx, prog, line + (val[F_MSG].p - line), val[F_MSG].n, ev);
	return 0;
}

static enum bw_parse_rc journald_parse(struct bw_parse_ctx *ctx, char *line, size_t n,
				       bw_event *ev)
{
	enum bw_parse_rc frc;
	if (journald_fast(ctx, line, n, ev, &frc) == 0)
		return frc;

	json_t *root;
	enum bw_parse_rc rc = bw_json_line(ctx, line, n, &root);
	if (rc != BW_PARSE_OK)
		return rc;
	ev->source = BW_SRC_AUTH;
	ev->format = "journald";

	int64_t us;
	json_t *msg = json_object_get(root, "MESSAGE");
	if (!bw_json_int(json_object_get(root, "__REALTIME_TIMESTAMP"), &us) || !msg) {
		ctx->reason = "journald: no __REALTIME_TIMESTAMP or MESSAGE";
		rc = BW_PARSE_MALFORMED;
		goto out;
	}
	ev->ts_ms = us / 1000;

	struct bw_jpack pk;
	bw_jpack_init(&pk, line, n);
	bw_str text;
	if (json_is_array(msg)) {
		/* Binary-unsafe message: an array of byte values. */
		size_t len = json_array_size(msg);
		if (len > n) {
			ctx->reason = "journald: MESSAGE byte array too long";
			rc = BW_PARSE_MALFORMED;
			goto out;
		}
		char tmp[4096];
		size_t k = 0;
		for (size_t i = 0; i < len && k < sizeof(tmp); i++) {
			int64_t b;
			if (!bw_json_int(json_array_get(msg, i), &b) || b < 0 || b > 255)
				break;
			tmp[k++] = (char)b;
		}
		json_t *s = json_stringn_nocheck(tmp, k);
		text = bw_jpack_str(&pk, s);
		json_decref(s);
	} else {
		text = bw_jpack_str(&pk, msg);
	}
	json_t *ident = json_object_get(root, "SYSLOG_IDENTIFIER");
	if (!ident)
		ident = json_object_get(root, "_COMM");
	bw_str prog = bw_jpack_str(&pk, ident);
	ev->host = bw_jpack_str(&pk, json_object_get(root, "_HOSTNAME"));
	ev->program = bw_syslog_program_base(prog);
	bw_jpack_finish(&pk, ev);
	if (!text.p) {
		ctx->reason = "journald: MESSAGE is not text";
		rc = BW_PARSE_MALFORMED;
		goto out;
	}
	/* text points into the (writable) line buffer. */
	rc = bw_syslog_dispatch(ctx, prog, line + (text.p - line), text.n, ev);
out:
	json_decref(root);
	return rc;
}

static int journald_sniff(const char *line, size_t n)
{
	if (!bw_json_sniff_key(line, n, "\"__REALTIME_TIMESTAMP\""))
		return 0;
	return bw_json_sniff_key(line, n, "\"MESSAGE\"") ? 95 : 60;
}

const struct bw_parser bw_parser_journald = {
	"journald",
	"journalctl -o json export, MESSAGE parsed as syslog (sshd, PAM, sudo, ...)",
	BW_SRC_AUTH, journald_sniff, journald_parse, 0, NULL, NULL,
};
