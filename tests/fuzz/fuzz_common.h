/*
 * fuzz_common.h - helpers shared by the libFuzzer targets in tests/fuzz/.
 *
 * Every target is built two ways by tests/fuzz/fuzz.sh: with clang and
 * -fsanitize=fuzzer (libFuzzer drives it), and with gcc plus replay.c
 * (no libFuzzer; replays the saved corpus in `make test`). So targets use
 * only LLVMFuzzerInitialize / LLVMFuzzerTestOneInput and this header.
 *
 * A check that fails calls fuzz_fail(), which prints what and aborts, so
 * libFuzzer saves the input as a crash-* reproducer exactly as it does
 * for a sanitizer report.
 */
#ifndef BW_FUZZ_COMMON_H
#define BW_FUZZ_COMMON_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "event.h"
#include "output_json.h"
#include "parser.h"
#include "pipeline.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

__attribute__((noreturn, format(printf, 1, 2), unused))
static void fuzz_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("fuzz check failed: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

/* An exact-size heap copy, so ASan sees any read past the end. The
 * caller frees it. */
static inline char *fuzz_dup(const void *p, size_t n)
{
	char *c = malloc(n ? n : 1);
	if (!c)
		abort();
	if (n)
		memcpy(c, p, n);
	return c;
}

/* A memory-backed file the input layer can open by path, rewritten for
 * each input: the code under test reads it with open/read/fstat exactly
 * as it reads a log file. */
struct fuzz_file {
	int fd;
	char path[64];
};

static inline void fuzz_file_init(struct fuzz_file *f, const char *name)
{
	f->fd = memfd_create(name, 0);
	if (f->fd < 0) {
		perror("memfd_create");
		abort();
	}
	snprintf(f->path, sizeof(f->path), "/proc/self/fd/%d", f->fd);
}

static inline void fuzz_file_set(struct fuzz_file *f, const void *p, size_t n)
{
	if (ftruncate(f->fd, 0) != 0 ||
	    (n && pwrite(f->fd, p, n, 0) != (ssize_t)n)) {
		perror("fuzz_file_set");
		abort();
	}
}

/* Set-up of a target that reads whole inputs (fuzz_inputs): max memfds
 * named name, /dev/null for its diagnostics, and the number of
 * registered parsers (for a forced format). */
static inline void fuzz_inputs_init(struct fuzz_file *files, size_t max,
				    const char *name, FILE **devnull,
				    size_t *nparsers)
{
	for (size_t i = 0; i < max; i++)
		fuzz_file_init(&files[i], name);
	*devnull = fopen("/dev/null", "w");
	if (!*devnull)
		abort();
	for (*nparsers = 0; bw_parsers[*nparsers]; (*nparsers)++)
		;
}

/* The inputs of one run: after the two option bytes, up to max inputs'
 * contents separated by 0x1e, each written to its own memfd and given
 * a spec (format forced or NULL, zone UTC). @return how many: byte 0's
 * bits 0-1 plus one, at most max. */
static inline size_t fuzz_inputs(struct fuzz_file *files, size_t max,
				 struct bw_input_spec *specs, const char *format,
				 unsigned opt, const uint8_t *data, size_t size)
{
	size_t n = (opt & 3) + 1;
	if (n > max)
		n = max;
	const uint8_t *p = data, *end = data + size;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *sep = i + 1 < n ? memchr(p, 0x1e, (size_t)(end - p)) : NULL;
		const uint8_t *stop = sep ? sep : end;
		fuzz_file_set(&files[i], p, (size_t)(stop - p));
		p = sep ? sep + 1 : end;
		specs[i] = (struct bw_input_spec){ files[i].path, format, "UTC", 0 };
	}
	return n;
}

/* Check that every string view of a parsed event either lies wholly
 * inside the line buffer [line, line + n] or wholly outside it (static
 * text): a view that starts inside and runs past the end is a parser
 * bug ASan may not see (the bytes after it can be valid memory). */
static inline void fuzz_check_views(const bw_event *ev, const char *line, size_t n)
{
	for (int id = 0; id < BW_F__COUNT; id++) {
		const struct bw_field_desc *d = bw_field_desc((enum bw_field_id)id);
		if (d->type != BW_FT_STR)
			continue;
		bw_str s;
		if (!bw_field_get_str(ev, (enum bw_field_id)id, &s) || !s.p)
			continue;
		if (s.p >= line && s.p <= line + n) {
			if (s.n > (size_t)(line + n - s.p))
				fuzz_fail("field %s runs %zu bytes past the line end",
					  d->name, s.n - (size_t)(line + n - s.p));
		} else if (s.n > (1u << 30)) {
			fuzz_fail("field %s has absurd length %zu", d->name, s.n);
		}
	}
}

/* Check that text (one NDJSON record without its newline) is one JSON
 * object. */
static inline void fuzz_check_json(const char *p, size_t n)
{
	json_error_t err;
	json_t *j = json_loadb(p, n, JSON_ALLOW_NUL, &err);
	if (!j || !json_is_object(j))
		fuzz_fail("output is not a JSON object (%s at column %d): %.*s",
			  j ? "not an object" : err.text, err.column,
			  (int)(n > 2000 ? 2000 : n), p);
	json_decref(j);
}

/* What a parser answered for one input [base, base+n): an event has
 * views inside the input and renders as one JSON object; a rejection has
 * a reason; nothing else is allowed. out is a scratch buffer. */
static inline void fuzz_check_parse(const char *name, enum bw_parse_rc rc,
				    const struct bw_parse_ctx *ctx,
				    const bw_event *ev, const char *base,
				    size_t n, struct bw_buf *out)
{
	switch (rc) {
	case BW_PARSE_OK:
		fuzz_check_views(ev, base, n);
		bw_buf_reset(out);
		bw_output_event_json(out, ev, "fuzz");
		if (out->n == 0 || out->p[out->n - 1] != '\n')
			fuzz_fail("%s: NDJSON record without its newline", name);
		fuzz_check_json(out->p, out->n - 1);
		break;
	case BW_PARSE_MALFORMED:
	case BW_PARSE_IGNORED:
		if (!ctx->reason)
			fuzz_fail("%s: rejected input without a reason", name);
		break;
	case BW_PARSE_NOT_MINE:
		break;
	default:
		fuzz_fail("%s: parse returned %d", name, (int)rc);
	}
}

#endif
