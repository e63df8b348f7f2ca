/*
 * auth_json.h - shared plumbing for the JSON-lines authentication parsers
 * (journald, Windows Security, Okta, Entra ID): line framing for JSON
 * array files, dotted-path lookup, and "packing" decoded strings back
 * into the line buffer.
 *
 * Jansson allocates a tree per line (accepted for JSON inputs only); the
 * tree is freed before parse() returns, so nothing leaks and no cleanup
 * hook is needed. Event views must stay inside the line buffer (the merge
 * relocates them with the line), so each string the event keeps is
 * copied from the tree into the *tail* of the line buffer:
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
 * flattened exports) is tried first. @return the value or NULL. */
json_t *bw_json_get(const json_t *obj, const char *path);

/* An integer from a JSON integer, real or numeric string (decimal, or hex
 * with 0x). @return 1 and *v, or 0. */
int bw_json_int(const json_t *v, int64_t *out);

/* Decode one line of a JSON-lines or JSON-array file into *root.
 * "[", "]", "," and blank lines and a trailing ',' are array framing.
 * @return OK with *root (caller decrefs), IGNORED for framing lines,
 * NOT_MINE when the line is not a JSON object, MALFORMED (ctx->reason)
 * when it is broken JSON. */
enum bw_parse_rc bw_json_line(struct bw_parse_ctx *ctx, const char *line, size_t n,
			      json_t **root);

/* Cheap sniff helper: @return 1 when the line looks like a JSON object
 * (after optional array framing) that contains the byte string key. */
int bw_json_sniff_key(const char *line, size_t n, const char *key);

#endif /* BW_AUTH_JSON_H */
