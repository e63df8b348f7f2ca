/*
 * input.c - open, decode and frame one input. See input.h for the buffer
 * layout. Never allocates after open; never treats a decode error as the
 * end of the world: lines before it are delivered, the error is kept for
 * the caller to report with the file name and compressed byte offset.
 */
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

volatile sig_atomic_t bw_interrupted;
int bw_stop_fd = -1;


#define ZBUF_SIZE (128u * 1024u)

/* Where a JSON scan stands: inside a string (after a backslash), and
 * how deep in objects and arrays. */
struct jstate {
	uint32_t depth;
	uint8_t str, esc;
};

struct bw_input {
	char *name;
	int fd;
	int owns_fd;
	int is_stream;
	int64_t mtime;

	enum bw_codec codec;
	int codec_known;

	/* raw (compressed) bytes read from fd, not yet decoded */
	unsigned char *zbuf;
	size_t zstart, zend;
	int raw_eof;
	uint64_t raw_consumed; /* compressed bytes fed to the decoder */

	z_stream zs;
	int z_init;
	int z_in_member; /* inside a gzip member (not at a boundary) */
	ZSTD_DCtx *zd;
	size_t zstd_hint; /* last ZSTD_decompressStream result: 0 = frame end */
	int zstd_in_frame;

	/* decoded bytes, framed into lines */
	char *buf;
	size_t cap, start, end;
	uint64_t base_offset; /* decoded offset of buf[0] */
	size_t max_line;
	int skipping;         /* discarding the rest of an over-long line */
	int dec_eof;          /* decoder has nothing more */
	int failed;
	char err[320];

	uint64_t raw_bytes, decoded_bytes, line_no, cut_lines, tail_dropped;

	/* JSON record framing (bw_input_json_sniff); line_no then counts
	 * the newlines before start */
	int json;
	int jctx, jouter;     /* JC_*: where the framer stands; jouter: the
	                         context a wrapper's array returns to */
	int jrec;             /* a record is being scanned ... */
	int jscalar;          /* ... that is no object or array: it ends at
	                         a newline, in an array also at ',' or ']' */
	int jskip;            /* discarding the rest of a cut record */
	uint32_t jarr;        /* arrays open around the records */
	size_t jpos;          /* bytes of it scanned, from start */
	struct jstate js;     /* its strings and nesting */
	uint64_t jnl;         /* newlines in the bytes scanned */

	void (*before_block)(void *);
	void *before_block_arg;
};

const char *bw_codec_name(enum bw_codec c)
{
	switch (c) {
	case BW_CODEC_GZIP: return "gzip";
	case BW_CODEC_ZSTD: return "zstd";
	default: return "plain";
	}
}

struct bw_input *bw_input_open(const char *path, size_t max_line, char *err,
			       size_t errlen)
{
	struct bw_input *in = calloc(1, sizeof(*in));
	if (!in) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	in->fd = -1;
	in->max_line = max_line ? max_line : BW_MAX_LINE_DEFAULT;
	in->cap = in->max_line + BW_INPUT_BLOCK + 1;
	in->name = strdup(strcmp(path, "-") == 0 ? "<stdin>" : path);
	in->buf = malloc(in->cap);
	in->zbuf = malloc(ZBUF_SIZE);
	if (!in->name || !in->buf || !in->zbuf) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	if (strcmp(path, "-") == 0) {
		in->fd = STDIN_FILENO;
	} else {
		in->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (in->fd < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto fail;
		}
		in->owns_fd = 1;
	}
	struct stat st;
	if (fstat(in->fd, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "%s: is a directory", path);
			goto fail;
		}
		in->is_stream = !S_ISREG(st.st_mode);
		in->mtime = S_ISREG(st.st_mode) ? (int64_t)st.st_mtime : 0;
	}
	return in;
fail:
	bw_input_free(in);
	return NULL;
}

void bw_input_set_before_block(struct bw_input *in, void (*fn)(void *), void *arg)
{
	in->before_block = fn;
	in->before_block_arg = arg;
}

static void set_error(struct bw_input *in, const char *what)
{
	in->failed = 1;
	snprintf(in->err, sizeof(in->err), "%s: %s at compressed byte offset %llu "
		 "(%llu bytes decoded)", in->name, what,
		 (unsigned long long)in->raw_consumed,
		 (unsigned long long)in->decoded_bytes);
}

/* read(2) that a stop signal ends as at EOF. The handlers restart
 * interrupted calls (SA_RESTART: a write of an alert must not fail with
 * EINTR), so a read blocked on a quiet pipe would not return: a stream
 * waits in poll() on its descriptor and the handler's self-pipe instead.
 * @return read's result, 0 once stopped. */
static ssize_t read_stoppable(struct bw_input *in, void *buf, size_t n)
{
	for (;;) {
		if (bw_interrupted)
			return 0;
		if (in->is_stream && bw_stop_fd >= 0) {
			struct pollfd pf[2] = { { .fd = in->fd, .events = POLLIN },
						{ .fd = bw_stop_fd, .events = POLLIN } };
			/* a stage holding events for a while (authpair) is
			 * asked again each second the stream stays quiet */
			int r = poll(pf, 2, in->before_block ? 1000 : -1);
			if (r < 0 && errno != EINTR)
				return -1;
			if (r == 0) {
				in->before_block(in->before_block_arg);
				continue;
			}
			if (r < 0 || pf[1].revents)
				continue; /* bw_interrupted is set: checked above */
		}
		ssize_t r = read(in->fd, buf, n);
		if (r < 0 && errno == EINTR)
			continue;
		return r;
	}
}

/* Read raw bytes into zbuf (after compacting it). @return bytes read,
 * 0 at EOF, -1 on error. */
static ssize_t read_raw(struct bw_input *in)
{
	if (in->zstart > 0) {
		memmove(in->zbuf, in->zbuf + in->zstart, in->zend - in->zstart);
		in->zend -= in->zstart;
		in->zstart = 0;
	}
	if (in->zend == ZBUF_SIZE)
		return 1; /* full: nothing read; the caller consumes first */
	if (in->is_stream && in->before_block)
		in->before_block(in->before_block_arg);
	for (;;) {
		ssize_t r = read_stoppable(in, in->zbuf + in->zend,
					   ZBUF_SIZE - in->zend);
		if (r < 0) {
			in->failed = 1;
			snprintf(in->err, sizeof(in->err), "%s: read error: %s",
				 in->name, strerror(errno));
			return -1;
		}
		if (r == 0)
			in->raw_eof = 1;
		in->zend += (size_t)r;
		in->raw_bytes += (uint64_t)r;
		return r;
	}
}

static int detect_codec(struct bw_input *in)
{
	static const unsigned char gz[2] = { 0x1f, 0x8b };
	static const unsigned char zst[4] = { 0x28, 0xb5, 0x2f, 0xfd };
	while (!in->raw_eof && in->zend - in->zstart < 4) {
		size_t have = in->zend - in->zstart;
		const unsigned char *p = in->zbuf + in->zstart;
		/* A short read that can no longer become a magic: plain. */
		if (have > 0 && memcmp(p, gz, have < 2 ? have : 2) != 0 &&
		    memcmp(p, zst, have) != 0)
			break;
		if (read_raw(in) < 0)
			return -1;
	}
	size_t have = in->zend - in->zstart;
	const unsigned char *p = in->zbuf + in->zstart;
	if (have >= 2 && memcmp(p, gz, 2) == 0) {
		in->codec = BW_CODEC_GZIP;
		if (inflateInit2(&in->zs, 15 + 16) != Z_OK) {
			set_error(in, "cannot initialise zlib");
			return -1;
		}
		in->z_init = 1;
	} else if (have >= 4 && memcmp(p, zst, 4) == 0) {
		in->codec = BW_CODEC_ZSTD;
		in->zd = ZSTD_createDCtx();
		if (!in->zd) {
			set_error(in, "cannot initialise zstd");
			return -1;
		}
	} else {
		in->codec = BW_CODEC_PLAIN;
	}
	in->codec_known = 1;
	return 0;
}

/* Decode gzip into out. @return bytes produced (> 0), 0 at clean end,
 * -1 on error. */
static ssize_t fill_gzip(struct bw_input *in, char *out, size_t room)
{
	for (;;) {
		if (in->zstart == in->zend) {
			if (in->raw_eof) {
				if (in->z_in_member && !bw_interrupted) {
					set_error(in, "truncated gzip stream");
					return -1;
				}
				return 0; /* or stopped by a signal mid-member */
			}
			if (read_raw(in) < 0)
				return -1;
			continue;
		}
		if (!in->z_in_member) {
			/* At a member boundary: logrotate and `cat a.gz b.gz`
			 * make multi-member files; zero padding ends them. */
			size_t k = in->zstart;
			while (k < in->zend && in->zbuf[k] == 0)
				k++;
			in->raw_consumed += k - in->zstart;
			in->zstart = k;
			if (in->zstart == in->zend)
				continue;
			if (inflateReset(&in->zs) != Z_OK) {
				set_error(in, "zlib reset failed");
				return -1;
			}
			in->z_in_member = 1;
		}
		in->zs.next_in = in->zbuf + in->zstart;
		in->zs.avail_in = (uInt)(in->zend - in->zstart);
		in->zs.next_out = (Bytef *)out;
		in->zs.avail_out = (uInt)room;
		int rc = inflate(&in->zs, Z_NO_FLUSH);
		size_t used = (in->zend - in->zstart) - in->zs.avail_in;
		size_t made = room - in->zs.avail_out;
		in->zstart += used;
		in->raw_consumed += used;
		if (rc == Z_STREAM_END)
			in->z_in_member = 0;
		else if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT || rc == Z_MEM_ERROR) {
			set_error(in, in->zs.msg ? in->zs.msg : "corrupt gzip data");
			if (made)
				return (ssize_t)made; /* deliver what decoded; error next */
			return -1;
		}
		if (made)
			return (ssize_t)made;
		if (rc == Z_BUF_ERROR && in->zstart != in->zend && !used) {
			set_error(in, "gzip decoder made no progress");
			return -1;
		}
	}
}

static ssize_t fill_zstd(struct bw_input *in, char *out, size_t room)
{
	for (;;) {
		if (in->zstart == in->zend) {
			if (in->raw_eof) {
				if (in->zstd_in_frame && !bw_interrupted) {
					set_error(in, "truncated zstd stream");
					return -1;
				}
				return 0; /* or stopped by a signal mid-frame */
			}
			if (read_raw(in) < 0)
				return -1;
			continue;
		}
		ZSTD_inBuffer ib = { in->zbuf + in->zstart, in->zend - in->zstart, 0 };
		ZSTD_outBuffer ob = { out, room, 0 };
		size_t r = ZSTD_decompressStream(in->zd, &ob, &ib);
		in->zstart += ib.pos;
		in->raw_consumed += ib.pos;
		if (ZSTD_isError(r)) {
			set_error(in, ZSTD_getErrorName(r));
			return ob.pos ? (ssize_t)ob.pos : -1;
		}
		in->zstd_in_frame = r != 0;
		if (ob.pos)
			return (ssize_t)ob.pos;
	}
}

/* Append decoded bytes at buf[end]. @return bytes added, 0 at the end,
 * -1 on error (after which nothing more is decoded). */
static ssize_t fill(struct bw_input *in)
{
	if (in->failed) { /* sticky: every later call reports it */
		in->dec_eof = 1;
		return -1;
	}
	if (in->dec_eof)
		return 0;
	if (in->start > 0) {
		memmove(in->buf, in->buf + in->start, in->end - in->start);
		in->end -= in->start;
		in->base_offset += in->start;
		in->start = 0;
	}
	if (!in->codec_known && detect_codec(in) < 0) {
		in->dec_eof = 1;
		return -1;
	}
	char *out = in->buf + in->end;
	size_t room = in->cap - in->end;
	ssize_t r;
	switch (in->codec) {
	case BW_CODEC_GZIP:
		r = fill_gzip(in, out, room);
		break;
	case BW_CODEC_ZSTD:
		r = fill_zstd(in, out, room);
		break;
	default:
		/* Plain: drain what codec detection read, then read directly
		 * into the line buffer (no copy). */
		if (in->zstart < in->zend) {
			size_t k = in->zend - in->zstart;
			if (k > room)
				k = room;
			memcpy(out, in->zbuf + in->zstart, k);
			in->zstart += k;
			in->raw_consumed += k;
			r = (ssize_t)k;
			break;
		}
		if (in->raw_eof) {
			r = 0;
			break;
		}
		if (in->is_stream && in->before_block)
			in->before_block(in->before_block_arg);
		r = read_stoppable(in, out, room);
		if (r < 0) {
			in->failed = 1;
			snprintf(in->err, sizeof(in->err), "%s: read error: %s",
				 in->name, strerror(errno));
		} else {
			in->raw_bytes += (uint64_t)r;
			in->raw_consumed += (uint64_t)r;
			if (r == 0)
				in->raw_eof = 1;
		}
		break;
	}
	if (r > 0) {
		in->end += (size_t)r;
		in->decoded_bytes += (uint64_t)r;
		if (in->decoded_bytes == (uint64_t)r && r >= 2 &&
		    (((unsigned char)out[0] == 0xff && (unsigned char)out[1] == 0xfe) ||
		     ((unsigned char)out[0] == 0xfe && (unsigned char)out[1] == 0xff))) {
			/* Windows PowerShell's '>' and Out-File: every line
			 * would be garbage; say what it is and what to do */
			in->failed = 1;
			snprintf(in->err, sizeof(in->err), "%s: UTF-16 text "
				 "(byte-order mark %02x %02x); breachwatch reads "
				 "UTF-8: convert it first, e.g. iconv -f UTF-16 "
				 "-t UTF-8", in->name, (unsigned char)out[0],
				 (unsigned char)out[1]);
			in->end = in->start;
			in->dec_eof = 1;
			return -1;
		}
		/* a UTF-8 byte-order mark (Windows tools write one) is no
		 * text: the first line or record starts after it */
		if (in->decoded_bytes == (uint64_t)r && r >= 3 &&
		    memcmp(out, "\xef\xbb\xbf", 3) == 0)
			in->start += 3;
	} else {
		in->dec_eof = 1;
	}
	return r;
}

static void emit(struct bw_input *in, struct bw_line *line, char *p, size_t n,
		 int cut)
{
	if (!cut && n > 0 && p[n - 1] == '\r')
		n--;
	line->p = p;
	line->n = n;
	line->cut = cut;
	line->offset = in->base_offset + (uint64_t)(p - in->buf);
	line->line_no = ++in->line_no;
	if (cut)
		in->cut_lines++;
}

/* ------------------------------------------------------ JSON records */

enum {
	JC_TOP,      /* between documents (JSON lines, or concatenated) */
	JC_ARRAY,    /* inside a top-level array */
	JC_WRAP,     /* inside a wrapper's "value"/"records" array */
	JC_WRAPTAIL, /* after that array, skipping to the wrapper's end */
};

static inline int jspace(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The '[' at s[i] opens the array of a "value" or "records" member, the
 * shapes of Graph pages and of Azure diagnostic exports. */
static int wrapper_key(const char *s, size_t i)
{
	static const char *const keys[] = { "\"value\"", "\"records\"" };
	while (i > 0 && jspace(s[i - 1]))
		i--;
	if (i == 0 || s[i - 1] != ':')
		return 0;
	i--;
	while (i > 0 && jspace(s[i - 1]))
		i--;
	for (size_t k = 0; k < 2; k++) {
		size_t l = strlen(keys[k]);
		if (i >= l && memcmp(s + i - l, keys[k], l) == 0)
			return 1;
	}
	return 0;
}

enum { JS_NONE, JS_OPEN, JS_CLOSED };

/* Byte c inside or at the edges of a string. @return 1 when it was
 * string text (or its quotes), 0 when c is outside strings. */
static inline int jstr_step(struct jstate *js, unsigned char c)
{
	if (js->str) {
		if (js->esc)
			js->esc = 0;
		else if (c == '\\')
			js->esc = 1;
		else if (c == '"')
			js->str = 0;
		return 1;
	}
	if (c == '"') {
		js->str = 1;
		return 1;
	}
	return 0;
}

/* Advance the string and nesting state over byte c. @return JS_OPEN
 * when c opened an object or array (counted in depth), JS_CLOSED when it
 * closed the outermost one. */
static inline int jstate_step(struct jstate *js, unsigned char c)
{
	if (jstr_step(js, c))
		return JS_NONE;
	if (c == '{' || c == '[') {
		js->depth++;
		return JS_OPEN;
	}
	if ((c == '}' || c == ']') && js->depth && !--js->depth)
		return JS_CLOSED;
	return JS_NONE;
}

/* jstate_step for the framer, counting newlines in jnl. */
static inline int jstep(struct bw_input *in, unsigned char c)
{
	if (c == '\n')
		in->jnl++;
	return jstate_step(&in->js, c);
}

/* Scan s[*i..n) until the depth returns to 0. @return 1 when it did (*i
 * past that byte), 0 when the bytes ran out. */
static int jscan_close(struct bw_input *in, const char *s, size_t n, size_t *i)
{
	size_t k = *i;
	while (k < n) {
		if (jstep(in, (unsigned char)s[k++]) == JS_CLOSED) {
			*i = k;
			return 1;
		}
	}
	*i = k;
	return 0;
}

static void emit_record(struct bw_input *in, struct bw_line *line, char *p,
			size_t n, int cut)
{
	line->p = p;
	line->n = n;
	line->cut = cut;
	line->offset = in->base_offset + (uint64_t)(p - in->buf);
	line->line_no = in->line_no + 1;
	if (cut)
		in->cut_lines++;
}

/* Consume n bytes of start: they were scanned, jnl newlines among them. */
static void jconsume(struct bw_input *in, size_t n)
{
	in->start += n;
	in->line_no += in->jnl;
	in->jnl = 0;
}

static int json_next(struct bw_input *in, struct bw_line *line)
{
	for (;;) {
		char *s = in->buf + in->start;
		size_t pending = in->end - in->start;
		if (in->jskip || in->jctx == JC_WRAPTAIL) {
			/* the rest of a cut record, or of a wrapper */
			size_t i = 0;
			int done = jscan_close(in, s, pending, &i);
			jconsume(in, i);
			if (done) {
				if (in->jskip)
					in->jskip = 0;
				else
					in->jctx = in->jouter;
				continue;
			}
		} else if (!in->jrec) {
			/* between records: whitespace, commas and the
			 * brackets of the arrays are framing */
			size_t i = 0;
			while (i < pending) {
				unsigned char c = (unsigned char)s[i];
				if (jspace((char)c) || c == ',') {
					in->line_no += c == '\n';
					i++;
				} else if (c == '[' && (in->jctx == JC_TOP ||
							in->jctx == JC_ARRAY)) {
					/* an array, or pages of an export
					 * in one: [[{..}], [{..}]] */
					in->jctx = JC_ARRAY;
					in->jarr++;
					i++;
				} else if (c == ']' && in->jctx == JC_ARRAY) {
					if (!--in->jarr)
						in->jctx = JC_TOP;
					i++;
				} else if (c == ']' && in->jctx == JC_WRAP) {
					in->jctx = JC_WRAPTAIL;
					/* inside the wrapper */
					in->js = (struct jstate){ .depth = 1 };
					i++;
					break;
				} else {
					break;
				}
			}
			in->start += i;
			if (in->jctx == JC_WRAPTAIL || i < pending) {
				if (in->jctx != JC_WRAPTAIL) {
					in->jrec = 1;
					in->jpos = 0;
					in->js = (struct jstate){ 0 };
					in->jnl = 0;
					in->jscalar = s[i] != '{' && s[i] != '[';
				}
				continue;
			}
		} else {
			/* a record: up to its closing brace, or a scalar up to
			 * the byte that ends it */
			size_t lim = pending < in->max_line ? pending : in->max_line;
			size_t i = in->jpos;
			int closed = 0;
			if (in->jscalar) {
				while (i < lim) {
					unsigned char c = (unsigned char)s[i];
					if (c == '\n') {
						closed = 1; /* junk ends with
							       its line */
						break;
					}
					if (!jstr_step(&in->js, c) && in->jctx != JC_TOP &&
					    (c == ',' || c == ']')) {
						closed = 1; /* framing: left */
						break;
					}
					i++;
				}
				if (closed) {
					size_t n = i;
					while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\r' ||
							 s[n - 1] == '\t'))
						n--;
					emit_record(in, line, s, n ? n : i, 0);
					jconsume(in, i);
					in->jrec = 0;
					return 1;
				}
			} else {
				while (i < lim) {
					unsigned char c = (unsigned char)s[i++];
					int r = jstep(in, c);
					if (r == JS_OPEN && c == '[' && in->js.depth == 2 &&
					    in->jctx == JC_TOP && wrapper_key(s, i - 1)) {
						/* a wrapper: the records are its
						 * array's elements */
						in->jouter = in->jctx;
						in->jctx = JC_WRAP;
						jconsume(in, i);
						in->jrec = 0;
						closed = 2;
						break;
					}
					if (r == JS_CLOSED) {
						closed = 1;
						break;
					}
				}
				if (closed == 2)
					continue;
				if (closed) {
					emit_record(in, line, s, i, 0);
					jconsume(in, i);
					in->jrec = 0;
					return 1;
				}
			}
			if (i >= in->max_line) {
				emit_record(in, line, s, in->max_line, 1);
				jconsume(in, in->max_line);
				in->jrec = 0;
				in->jskip = !in->jscalar;
				return 1;
			}
			in->jpos = i;
		}
		ssize_t r = fill(in);
		if (r > 0)
			continue;
		s = in->buf + in->start;
		pending = in->end - in->start;
		if (r < 0) {
			if (in->jrec && !in->jskip)
				in->tail_dropped += pending;
			in->start = in->end;
			return -1;
		}
		if (in->jrec && pending) {
			/* the input ends inside a record: deliver what there
			 * is, for the parser to report */
			emit_record(in, line, s, pending, 0);
			in->start = in->end;
			in->jrec = 0;
			return 1;
		}
		return 0;
	}
}

int bw_input_json_sniff(struct bw_input *in)
{
	/* decide on a whole first line (a pipe may deliver a piece of
	 * one), or a full buffer, or all there is */
	while (!in->dec_eof && in->end - in->start < in->cap - 1 &&
	       !memchr(in->buf + in->start, '\n', in->end - in->start))
		if (fill(in) <= 0)
			break;
	const char *s = in->buf + in->start, *e = in->buf + in->end;
	while (s < e && jspace(*s))
		s++;
	if (s == e)
		return 0;
	int json = 0;
	if (*s == '[') {
		/* an array of objects; "[27/Nov/2026:..." is Apache's */
		const char *q = s + 1;
		while (q < e && jspace(*q))
			q++;
		json = q == e || *q == '{' || *q == ']' || *q == '[';
	} else if (*s == '{') {
		/* one object per line is JSON lines; an object spanning
		 * lines, or a wrapper, is a document */
		struct jstate js = { 0 };
		json = 1; /* the first object is longer than the buffer */
		for (const char *q = s; q < e; q++) {
			unsigned char c = (unsigned char)*q;
			if (c == '\n') {
				/* the first object spans lines: pretty-printed,
				 * unless the next line opens an object of its
				 * own (JSON lines whose first line is cut) */
				const char *r = q + 1;
				while (r < e && jspace(*r))
					r++;
				json = r == e || *r != '{';
				break;
			}
			int st = jstate_step(&js, c);
			if (st == JS_OPEN && c == '[' && js.depth == 2 &&
			    wrapper_key(s, (size_t)(q - s)))
				break; /* a wrapper */
			if (st == JS_CLOSED) {
				json = 0;
				break;
			}
		}
	}
	in->json = json;
	return json;
}

int bw_input_next(struct bw_input *in, struct bw_line *line)
{
	if (in->json)
		return json_next(in, line);
	for (;;) {
		char *s = in->buf + in->start;
		size_t pending = in->end - in->start;
		char *nl = pending ? memchr(s, '\n', pending) : NULL;

		if (in->skipping) {
			if (nl) {
				in->start = (size_t)(nl + 1 - in->buf);
				in->skipping = 0;
				continue;
			}
			in->start = in->end;
		} else if (nl) {
			size_t n = (size_t)(nl - s);
			in->start = (size_t)(nl + 1 - in->buf);
			if (n > in->max_line)
				emit(in, line, s, in->max_line, 1);
			else
				emit(in, line, s, n, 0);
			return 1;
		} else if (pending >= in->max_line) {
			emit(in, line, s, in->max_line, 1);
			in->start += in->max_line;
			in->skipping = 1;
			return 1;
		}

		ssize_t r = fill(in);
		if (r > 0)
			continue;
		s = in->buf + in->start;
		pending = in->end - in->start;
		if (r < 0) {
			/* An incomplete line before a decode error is not a
			 * line: count it, do not invent its end. */
			if (!in->skipping)
				in->tail_dropped += pending;
			in->start = in->end;
			return -1;
		}
		if (pending && !in->skipping) {
			in->start = in->end;
			emit(in, line, s, pending, 0);
			return 1;
		}
		return 0;
	}
}

size_t bw_input_peek(struct bw_input *in, char **lines, size_t *lens, size_t max)
{
	if (in->start == in->end && !in->dec_eof)
		(void)fill(in);
	size_t k = 0;
	char *p = in->buf + in->start, *end = in->buf + in->end;
	while (k < max && p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *e = nl ? nl : end;
		if (!nl && !in->dec_eof)
			break; /* incomplete: not a line yet */
		size_t n = (size_t)(e - p);
		if (n > in->max_line)
			n = in->max_line;
		if (n && p[n - 1] == '\r')
			n--;
		lines[k] = p;
		lens[k] = n;
		k++;
		p = nl ? nl + 1 : end;
	}
	return k;
}

const char *bw_input_name(const struct bw_input *in) { return in->name; }
const char *bw_input_error(const struct bw_input *in) { return in->failed ? in->err : NULL; }
enum bw_codec bw_input_codec(const struct bw_input *in) { return in->codec; }
int bw_input_is_stream(const struct bw_input *in) { return in->is_stream; }
int64_t bw_input_mtime(const struct bw_input *in) { return in->mtime; }
uint64_t bw_input_raw_bytes(const struct bw_input *in) { return in->raw_bytes; }
uint64_t bw_input_decoded_bytes(const struct bw_input *in) { return in->decoded_bytes; }
uint64_t bw_input_cut_lines(const struct bw_input *in) { return in->cut_lines; }
uint64_t bw_input_tail_dropped(const struct bw_input *in) { return in->tail_dropped; }

void bw_input_free(struct bw_input *in)
{
	if (!in)
		return;
	if (in->owns_fd && in->fd >= 0)
		close(in->fd);
	if (in->z_init)
		inflateEnd(&in->zs);
	ZSTD_freeDCtx(in->zd);
	free(in->buf);
	free(in->zbuf);
	free(in->name);
	free(in);
}
