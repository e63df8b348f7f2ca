/*
 * buf.h - a growable output buffer and the escapers every sink uses.
 *
 * Log text is attacker controlled: nothing from a log line reaches a
 * terminal, a JSON document or an HTML page without going through one of
 * these escapers. Invalid UTF-8 bytes are written as the four characters
 * \xHH (JSON: "\\xHH"), so no byte is lost and the output stays valid.
 */
#ifndef BW_BUF_H
#define BW_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct bw_buf {
	char *p;
	size_t n, cap;
	int oom; /* an allocation failed; output was truncated */
};

void bw_buf_init(struct bw_buf *b);
void bw_buf_fini(struct bw_buf *b);
static inline void bw_buf_reset(struct bw_buf *b) { b->n = 0; }

/* Make room for n more bytes. @return 0, or -1 (b->oom set). */
int bw_buf_reserve(struct bw_buf *b, size_t n);

static inline void bw_buf_add(struct bw_buf *b, const void *p, size_t n)
{
	if (!n)
		return; /* b->p may still be NULL, and so may p */
	if (b->n + n > b->cap && bw_buf_reserve(b, n) < 0)
		return;
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static inline void bw_buf_addc(struct bw_buf *b, char c)
{
	if (b->n + 1 > b->cap && bw_buf_reserve(b, 1) < 0)
		return;
	b->p[b->n++] = c;
}

void bw_buf_adds(struct bw_buf *b, const char *s);
void bw_buf_add_i64(struct bw_buf *b, int64_t v);
void bw_buf_add_u64(struct bw_buf *b, uint64_t v);
/* Decimal text of v into out (room for 20 bytes, no NUL written).
 * @return its length. */
size_t bw_fmt_i64(char *out, int64_t v);

/* The contents of a JSON string (without the quotes), escaped. */
void bw_buf_add_json_str(struct bw_buf *b, const char *p, size_t n);
/* The same written at o, which has room for 6 * n bytes (the worst
 * case, \u00XX per byte), for writers that reserved room themselves.
 * @return the end of what was written. */
char *bw_json_escape_to(char *o, const char *p, size_t n);
/* The same in double quotes: a whole JSON string value. */
void bw_buf_add_json_quoted(struct bw_buf *b, const char *p, size_t n);
/* Text for a terminal: control bytes (C0, DEL, C1), backslash and invalid
 * UTF-8 as \xHH; nothing can move the cursor or change colours. */
void bw_buf_add_term_str(struct bw_buf *b, const char *p, size_t n);
/* Text for HTML element content or a quoted attribute. */
void bw_buf_add_html_str(struct bw_buf *b, const char *p, size_t n);

/* RFC 3339 UTC with milliseconds: 2026-11-27T13:04:01.123Z */
void bw_buf_add_time(struct bw_buf *b, int64_t ms);
/* The same 24 bytes written at o. */
void bw_time_format_to(char *o, int64_t ms);

/* Write everything to f and empty the buffer. @return 0 or -1. */
int bw_buf_write(struct bw_buf *b, FILE *f);

#endif
