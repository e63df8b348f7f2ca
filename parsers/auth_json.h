/*
 * auth_json.h - shared plumbing for the JSON-lines parsers (journald,
 * Windows Security, Okta, Entra ID, and the web servers' JSON access logs
 * in web_json.c): line framing for JSON
 * array files, a structural walk, dotted-path picking, and Jansson as
 * the fallback.
 *
 * Two readers. The walk (bw_json_walk, bw_json_pick) builds no tree and
 * allocates nothing: it finds the spans of the wanted values and decodes
 * the strings in place, so event views point into the line like every
 * other parser's. What the walk refuses (escaped keys, very deep nesting,
 * broken JSON) goes to Jansson, which allocates a tree per line (accepted
 * for JSON inputs only) and reports the errors; the tree is freed before
 * parse() returns, so no cleanup hook is needed. Event views must stay
 * inside the line buffer (the reorder window copies them with the line), so on
 * that path each string the event keeps is copied from the tree into the
 * *tail* of the line buffer:
 *
 *   line buffer:  [ raw JSON, left intact ......... | packed strings ]
 *                 ^ ev->line now covers only this part ^ n - used
 *
 * A decoded JSON string is never longer than its escaped source and the
 * strings an event keeps come from disjoint parts of the line, so they
 * always fit; the pack still checks, and drops a string that would not.
 */
#ifndef BW_AUTH_JSON_H
#define BW_AUTH_JSON_H

#include <jansson.h>

#include "parser.h"

struct bw_jpack {
	char *base;  /* the line buffer */
	size_t n;    /* its length */
	size_t used; /* bytes packed at its tail */
};

void bw_jpack_init(struct bw_jpack *pk, char *line, size_t n);

/* Copy a JSON value's text into the pack: strings as decoded, integers
 * and reals in decimal, true/false as static text.
 * @return the view; absent for NULL, null, objects, arrays, empty
 * strings' absence is kept (present, n == 0). */
bw_str bw_jpack_str(struct bw_jpack *pk, const json_t *v);

/* Shrink ev->line to the part of the line the pack left intact. */
void bw_jpack_finish(struct bw_jpack *pk, bw_event *ev);

/* Look up a dotted path ("winlog.event_data.TargetUserName") in nested
 * objects; at each level a literal dotted key ("winlog.event_id", as in
 * flattened exports) is tried first. A "[]" segment takes an array's
 * first element ("request.headers.User-Agent.[]"). @return the value or
 * NULL. */
json_t *bw_json_get(const json_t *obj, const char *path);

/* An integer from a JSON integer, real or numeric string (decimal, or hex
 * with 0x). @return 1 and *v, or 0. */
int bw_json_int(const json_t *v, int64_t *out);

/* Decode one line of a JSON-lines or JSON-array file into *root.
 * "[", "]", "," and blank lines and a trailing ',' are array framing.
 * @return OK with *root (caller decrefs), IGNORED for framing lines,
 * MALFORMED (ctx->reason) when the line is not a JSON object or is
 * broken JSON: the callers are parsers already chosen for the input. */
enum bw_parse_rc bw_json_line(struct bw_parse_ctx *ctx, const char *line, size_t n,
			      json_t **root);

/* Decode the JSON string body [p, p+n) (between the quotes) in place.
 * @return the decoded length (<= n), or (size_t)-1 on a bad escape or a
 * raw control character. Lone surrogates become U+FFFD. */
size_t bw_json_unescape_inplace(char *p, size_t n);

/* A structural walk over one JSON object without building a tree, for
 * the hot JSON formats: fn is called for every scalar with the key path
 * leading to it (path[0] is the top-level key, path[depth - 1] the
 * value's own key; array elements have an absent key). type is 's'
 * (value = the raw, still escaped text between the quotes), 'n', 't',
 * 'f' or 'z' (null). Keys with escapes, nesting deeper than
 * BW_JWALK_DEPTH and anything not well formed make the walk give up.
 * @return 1 when the whole line (after array framing) was one object. */
#define BW_JWALK_DEPTH 12
typedef void (*bw_jwalk_fn)(void *ud, const bw_str *path, int depth, bw_str value,
			    int type);
int bw_json_walk(const char *line, size_t n, bw_jwalk_fn fn, void *ud);

/* Fill out[i] with the value at the dotted path paths[i] (bw_json_get's
 * paths, "[]" included) of one JSON line: strings decoded, numbers and true/false as their text, null,
 * objects and arrays absent. The allocation-free walk is tried first
 * (strings decoded in place); anything it refuses goes to Jansson (values
 * packed at the line's tail, ev->line shortened to the intact head).
 * @return OK; IGNORED for array framing; MALFORMED (ctx->reason) for a
 * line that is not one JSON object. */
enum bw_parse_rc bw_json_pick(struct bw_parse_ctx *ctx, char *line, size_t n,
			      const char *const *paths, size_t np, bw_str *out, bw_event *ev);

/* Cheap sniff helper: @return 1 when the line looks like a JSON object
 * (after optional array framing) that contains the byte string key. */
int bw_json_sniff_key(const char *line, size_t n, const char *key);

#endif /* BW_AUTH_JSON_H */
