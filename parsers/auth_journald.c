/*
 * auth_journald.c - `journalctl -o json` export: one JSON object per line
 * whose MESSAGE is handed to the same programme parsers as a syslog line
 * (sshd, PAM, sudo, ...), with
 *
 *   __REALTIME_TIMESTAMP  microseconds since the epoch (a string)  -> ts
 *   SYSLOG_IDENTIFIER     (else _COMM)                           -> program
 *   _HOSTNAME                                                    -> host
 *
 * MESSAGE may be exported as an array of bytes when it is not valid
 * UTF-8; those lines are decoded byte by byte into the pack.
 */
#include "parser.h"
#include "auth_json.h"
#include "auth_syslog.h"

#include <string.h>

static enum bw_parse_rc journald_parse(struct bw_parse_ctx *ctx, char *line, size_t n,
				       bw_event *ev)
{
	json_t *root;
	enum bw_parse_rc rc = bw_json_line(ctx, line, n, &root);
	if (rc != BW_PARSE_OK) {
		if (rc == BW_PARSE_NOT_MINE) {
			ctx->reason = "not a JSON object";
			rc = BW_PARSE_MALFORMED;
		}
		return rc;
	}
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
	BW_SRC_AUTH, journald_sniff, journald_parse, 0, NULL,
};
