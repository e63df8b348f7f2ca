/*
 * auth_json.c - JSON-lines plumbing for the authentication parsers; see
 * auth_json.h for the packing scheme.
 */
#include "auth_json.h"
#include "bw_util.h"

#include <stdio.h>
#include <string.h>

void bw_jpack_init(struct bw_jpack *pk, char *line, size_t n)
{
	pk->base = line;
	pk->n = n;
	pk->used = 0;
}

static bw_str pack_bytes(struct bw_jpack *pk, const char *s, size_t len)
{
	if (len > pk->n - pk->used)
		return BW_STR_NULL;
	pk->used += len;
	char *dst = pk->base + pk->n - pk->used;
	memmove(dst, s, len);
	return bw_str_make(dst, len);
}

bw_str bw_jpack_str(struct bw_jpack *pk, const json_t *v)
{
	char num[32];
	int k;
	if (!v)
		return BW_STR_NULL;
	switch (json_typeof(v)) {
	case JSON_STRING:
		return pack_bytes(pk, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		k = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return k > 0 ? pack_bytes(pk, num, (size_t)k) : BW_STR_NULL;
	case JSON_REAL:
		k = snprintf(num, sizeof(num), "%.17g", json_real_value(v));
		return k > 0 ? pack_bytes(pk, num, (size_t)k) : BW_STR_NULL;
	case JSON_TRUE:
		return BW_STR_LIT("true");
	case JSON_FALSE:
		return BW_STR_LIT("false");
	default:
		return BW_STR_NULL;
	}
}

void bw_jpack_finish(struct bw_jpack *pk, bw_event *ev)
{
	if (ev->line.p == pk->base && ev->line.n >= pk->used)
		ev->line.n = pk->n - pk->used;
}

json_t *bw_json_get(const json_t *obj, const char *path)
{
	while (obj && json_is_object(obj)) {
		json_t *v = json_object_get(obj, path);
		if (v)
			return v;
		const char *dot = strchr(path, '.');
		if (!dot)
			return NULL;
		/* Walk one level down: the key before the first dot. */
		char key[64];
		size_t kn = (size_t)(dot - path);
		if (kn >= sizeof(key))
			return NULL;
		memcpy(key, path, kn);
		key[kn] = '\0';
		obj = json_object_get(obj, key);
		path = dot + 1;
	}
	return NULL;
}

int bw_json_int(const json_t *v, int64_t *out)
{
	if (!v)
		return 0;
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 1;
	}
	if (json_is_real(v)) {
		double d = json_real_value(v);
		if (d < -9e18 || d > 9e18)
			return 0;
		*out = (int64_t)d;
		return 1;
	}
	if (!json_is_string(v))
		return 0;
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	uint64_t x = 0;
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		if (n > 18)
			return 0;
		for (size_t i = 2; i < n; i++) {
			char c = s[i];
			unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0') :
				     (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (unsigned)((c | 0x20) - 'a' + 10) :
				     99;
			if (d > 15)
				return 0;
			x = x << 4 | d;
		}
		*out = (int64_t)x;
		return 1;
	}
	int neg = n > 0 && s[0] == '-';
	size_t k = bw_parse_u64(s + neg, s + n, &x);
	if (k == 0 || k + (size_t)neg != n || x > INT64_MAX)
		return 0;
	*out = neg ? -(int64_t)x : (int64_t)x;
	return 1;
}

/* Trim array framing: leading "[" / "," and trailing "," / "]". */
static void frame(const char **pp, size_t *pn)
{
	const char *p = *pp, *e = p + *pn;
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++;
	if (p < e && (*p == '[' || *p == ',')) {
		p++;
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
	}
	while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	if (e > p && (e[-1] == ',' || e[-1] == ']')) {
		/* "]" closes the array only when the object is already closed. */
		if (e[-1] == ',' || (e - p >= 2 && (e[-2] == '}' || e[-2] == ' '))) {
			e--;
			while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
				e--;
		}
	}
	*pp = p;
	*pn = (size_t)(e - p);
}

enum bw_parse_rc bw_json_line(struct bw_parse_ctx *ctx, const char *line, size_t n,
			      json_t **root)
{
	frame(&line, &n);
	*root = NULL;
	if (n == 0 || (n == 1 && (*line == ']' || *line == '['))) {
		ctx->reason = "JSON array framing";
		return BW_PARSE_IGNORED;
	}
	if (*line != '{')
		return BW_PARSE_NOT_MINE;
	json_error_t err;
	json_t *j = json_loadb(line, n, JSON_ALLOW_NUL, &err);
	if (!j) {
		ctx->reason = "invalid JSON";
		return BW_PARSE_MALFORMED;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		ctx->reason = "JSON value is not an object";
		return BW_PARSE_MALFORMED;
	}
	*root = j;
	return BW_PARSE_OK;
}

int bw_json_sniff_key(const char *line, size_t n, const char *key)
{
	frame(&line, &n);
	if (n < 2 || line[0] != '{')
		return 0;
	return bw_memmem(line, n, key, strlen(key)) != NULL;
}
