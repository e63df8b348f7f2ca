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
	while (obj) {
		if (json_is_array(obj)) {
			/* "[]": the array's first element */
			if (strncmp(path, "[]", 2) != 0 || (path[2] && path[2] != '.'))
				return NULL;
			json_t *first = json_array_get(obj, 0);
			if (!path[2])
				return first;
			obj = first;
			path += 3;
			continue;
		}
		if (!json_is_object(obj))
			return NULL;
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
		if (!bw_parse_hex(s, n, &x))
			return 0;
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
	if (*line != '{') {
		ctx->reason = "not a JSON object";
		return BW_PARSE_MALFORMED;
	}
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

static int hex4(const char *p, unsigned *v)
{
	unsigned x = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0') :
			     (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (unsigned)((c | 0x20) - 'a' + 10) :
			     16;
		if (d > 15)
			return 0;
		x = x << 4 | d;
	}
	*v = x;
	return 1;
}

static size_t put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

size_t bw_json_unescape_inplace(char *p, size_t n)
{
	char *bs = memchr(p, '\\', n);
	size_t w = bs ? (size_t)(bs - p) : n, r = w;
	for (size_t i = 0; i < w; i++)
		if ((unsigned char)p[i] < 0x20)
			return (size_t)-1;
	while (r < n) {
		char c = p[r];
		if ((unsigned char)c < 0x20)
			return (size_t)-1;
		if (c != '\\') {
			p[w++] = c;
			r++;
			continue;
		}
		if (r + 1 >= n)
			return (size_t)-1;
		char e = p[r + 1];
		r += 2;
		switch (e) {
		case '"': p[w++] = '"'; break;
		case '\\': p[w++] = '\\'; break;
		case '/': p[w++] = '/'; break;
		case 'b': p[w++] = '\b'; break;
		case 'f': p[w++] = '\f'; break;
		case 'n': p[w++] = '\n'; break;
		case 'r': p[w++] = '\r'; break;
		case 't': p[w++] = '\t'; break;
		case 'u': {
			unsigned cp, lo;
			if (r + 4 > n || !hex4(p + r, &cp))
				return (size_t)-1;
			r += 4;
			if (cp >= 0xD800 && cp < 0xDC00 && r + 6 <= n && p[r] == '\\' &&
			    p[r + 1] == 'u' && hex4(p + r + 2, &lo) && lo >= 0xDC00 && lo < 0xE000) {
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				r += 6;
			} else if (cp >= 0xD800 && cp < 0xE000) {
				cp = 0xFFFD;
			}
			/* 6 (or 12) source bytes always cover the 1..4 written */
			w += put_utf8(p + w, cp);
			break;
		}
		default:
			return (size_t)-1;
		}
	}
	return w;
}

/* The closing quote of a string whose body starts at v. @return it or NULL. */
static const char *string_end(const char *v, const char *end)
{
	const char *p = v;
	for (;;) {
		const char *q = memchr(p, '"', (size_t)(end - p));
		if (!q)
			return NULL;
		size_t bs = 0;
		for (const char *b = q; b > v && b[-1] == '\\'; b--)
			bs++;
		if ((bs & 1) == 0)
			return q;
		p = q + 1;
	}
}

int bw_json_walk(const char *line, size_t n, bw_jwalk_fn fn, void *ud)
{
	const char *p = line, *end = line + n;
	char kind[BW_JWALK_DEPTH];
	bw_str path[BW_JWALK_DEPTH];
	int depth = 0;
#define WS() while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) p++
	frame(&p, &n);
	end = p + n;
	WS();
	if (p >= end || *p != '{')
		return 0;
	kind[0] = 'o';
	path[0] = BW_STR_NULL;
	depth = 1;
	p++;
	WS();
	if (p < end && *p == '}') {
		p++;
		goto done;
	}
	for (;;) {
		/* at a member (object) or an element (array) */
		WS();
		if (kind[depth - 1] == 'o') {
			if (p >= end || *p != '"')
				return 0;
			const char *k = ++p;
			while (p < end && *p != '"' && *p != '\\')
				p++;
			if (p >= end || *p != '"')
				return 0;
			path[depth - 1] = bw_str_make(k, (size_t)(p - k));
			p++;
			WS();
			if (p >= end || *p != ':')
				return 0;
			p++;
			WS();
		} else {
			path[depth - 1] = BW_STR_NULL;
		}
		if (p >= end)
			return 0;
		char c = *p;
		if (c == '{' || c == '[') {
			if (depth >= BW_JWALK_DEPTH)
				return 0;
			char close = c == '{' ? '}' : ']';
			kind[depth] = c == '{' ? 'o' : 'a';
			path[depth] = BW_STR_NULL;
			depth++;
			p++;
			WS();
			if (p < end && *p == close) {
				p++;
				depth--; /* empty: a finished value */
			} else {
				continue;
			}
		} else if (c == '"') {
			const char *v = p + 1, *q = string_end(v, end);
			if (!q)
				return 0;
			fn(ud, path, depth, bw_str_make(v, (size_t)(q - v)), 's');
			p = q + 1;
		} else if (c == '-' || (c >= '0' && c <= '9')) {
			const char *v = p;
			while (p < end && ((*p >= '0' && *p <= '9') || *p == '-' || *p == '+' ||
					   *p == '.' || *p == 'e' || *p == 'E'))
				p++;
			fn(ud, path, depth, bw_str_make(v, (size_t)(p - v)), 'n');
		} else if (end - p >= 4 && memcmp(p, "true", 4) == 0) {
			fn(ud, path, depth, bw_str_make(p, 4), 't');
			p += 4;
		} else if (end - p >= 5 && memcmp(p, "false", 5) == 0) {
			fn(ud, path, depth, bw_str_make(p, 5), 'f');
			p += 5;
		} else if (end - p >= 4 && memcmp(p, "null", 4) == 0) {
			fn(ud, path, depth, bw_str_make(p, 4), 'z');
			p += 4;
		} else {
			return 0;
		}
		/* after a value: a comma, or close containers */
		for (;;) {
			WS();
			if (p >= end)
				return 0;
			if (*p == ',') {
				p++;
				break;
			}
			if (*p != (kind[depth - 1] == 'o' ? '}' : ']'))
				return 0;
			p++;
			if (--depth == 0)
				goto done;
		}
	}
done:
	WS();
	return p == end;
#undef WS
}

struct pick {
	const char *const *paths;
	size_t np;
	bw_str *out;
	char *type;
};

/* @return 1 when the key path path[0..depth) spells the dotted spec. */
/* Whether the key path of a scalar is spec: dotted keys, "[]" for an
 * element of an array (headers as Caddy logs them, "User-Agent": [".."]). */
static int path_is(const bw_str *path, int depth, const char *spec)
{
	for (int i = 0; i < depth; i++) {
		const char *dot = strchr(spec, '.');
		size_t sn = dot ? (size_t)(dot - spec) : strlen(spec);
		if (!path[i].p) {
			if (sn != 2 || memcmp(spec, "[]", 2) != 0)
				return 0;
		} else if (path[i].n != sn || memcmp(path[i].p, spec, sn) != 0) {
			return 0;
		}
		if (i + 1 == depth)
			return dot == NULL;
		if (!dot)
			return 0;
		spec = dot + 1;
	}
	return 0;
}

static void pick_fn(void *ud, const bw_str *path, int depth, bw_str v, int type)
{
	struct pick *pk = ud;
	if (!path[0].p)
		return;
	for (size_t i = 0; i < pk->np; i++) {
		if (pk->paths[i][0] == path[0].p[0] && path_is(path, depth, pk->paths[i])) {
			/* an array's first element, as bw_json_get takes it: a
			 * null there takes the slot too (the value is absent) */
			if (pk->type[i] && !path[depth - 1].p)
				continue;
			if (type == 'z' && path[depth - 1].p)
				continue; /* a null member: absent, as before */
			pk->out[i] = type == 'z' ? BW_STR_NULL : v;
			pk->type[i] = (char)type;
		}
	}
}

enum bw_parse_rc bw_json_pick(struct bw_parse_ctx *ctx, char *line, size_t n,
			      const char *const *paths, size_t np, bw_str *out, bw_event *ev)
{
	char type[64];
	if (np > sizeof(type))
		return BW_PARSE_MALFORMED;
	memset(type, 0, np);
	for (size_t i = 0; i < np; i++)
		out[i] = BW_STR_NULL;
	struct pick pk = { paths, np, out, type };
	if (bw_json_walk(line, n, pick_fn, &pk)) {
		for (size_t i = 0; i < np; i++) {
			if (type[i] != 's' || !memchr(out[i].p, '\\', out[i].n))
				continue;
			size_t k = bw_json_unescape_inplace(line + (out[i].p - line), out[i].n);
			if (k == (size_t)-1) {
				ctx->reason = "bad JSON string escape";
				return BW_PARSE_MALFORMED;
			}
			out[i].n = k;
		}
		return BW_PARSE_OK;
	}
	for (size_t i = 0; i < np; i++)
		out[i] = BW_STR_NULL;
	json_t *root;
	enum bw_parse_rc rc = bw_json_line(ctx, line, n, &root);
	if (rc != BW_PARSE_OK)
		return rc;
	struct bw_jpack jp;
	bw_jpack_init(&jp, line, n);
	for (size_t i = 0; i < np; i++)
		out[i] = bw_jpack_str(&jp, bw_json_get(root, paths[i]));
	bw_jpack_finish(&jp, ev);
	json_decref(root);
	return BW_PARSE_OK;
}
