/*
 * pipeline.c - drive inputs through sniffing and parsing, merge them by
 * event time, and hand events to the caller.
 *
 * Zero-copy on the common path: each input holds one parsed "head" event
 * whose views point into that input's own line buffer; the merge emits
 * the earliest head, then advances only that input. Only the optional
 * reorder window copies events (into reused slot buffers).
 *
 * Never fatal on a bad line: every line is either an event, ignored with
 * a reason, or skipped with a reason (and a few input:line samples kept).
 */
#include "pipeline.h"
#include "buf.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bw_time.h"
#include "input.h"
#include "parser.h"

#define MAX_REASONS 24
#define MAX_SAMPLES 5
#define SNIFF_LINES 32
#define REORDER_MAX_SLOTS 65536
#define REORDER_MAX_BYTES (16u * 1024u * 1024u)

struct reason_count {
	const char *reason; /* static string */
	uint64_t count;
};

struct sample {
	uint64_t line_no;
	const char *reason;
};

/* "breachwatch: TEXT" on the diagnostic stream. File names and error
 * texts come from the other side (a file copied from a compromised host
 * may be named with escape sequences), so every control byte, DEL and
 * invalid UTF-8 byte is written as \xHH (bw_buf_add_term_str). */
static void put_term(FILE *f, const char *prefix, const char *text,
		     const char *suffix)
{
	struct bw_buf b;
	bw_buf_init(&b);
	bw_buf_adds(&b, prefix);
	bw_buf_add_term_str(&b, text, strlen(text));
	bw_buf_adds(&b, suffix);
	bw_buf_write(&b, f);
	bw_buf_fini(&b);
}

/* The pipeline's "breachwatch: TEXT" on its diag stream, after the
 * sinks have settled (bw_pipeline_opts.settle). */
__attribute__((format(printf, 2, 3)))
static void diag(const struct bw_pipeline_opts *o, const char *fmt, ...)
{
	char m[8192]; /* a path (up to 4096) and its error */
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	if (o->settle)
		o->settle(o->arg);
	if (n >= 0)
		put_term(o->diag, "breachwatch: ", m, "\n");
}

/* One file of the several `tail -F a b` writes to one pipe, between its
 * "==> a <==" headers: the parser states it has made so far (the input's
 * parser's and the other formats'), so that each file keeps its own IIS
 * #Fields layout, NetScaler date format or syslog year. */
struct section {
	uint64_t hash;            /* of the header line, 0 = free */
	uint64_t used;            /* pin.tick when last switched to */
	void *state;              /* the input's parser's */
	void *fb_state[BW_MAX_PARSERS];
};

#define MAX_SECTIONS 64      /* files of one pipe with a state kept; the
                                least recently read gives its place */

struct pin {
	uint32_t id;
	const char *path;         /* as given */
	struct bw_input *in;
	const struct bw_parser *parser;
	int format_forced;
	struct bw_parse_ctx ctx;
	bw_event ev;              /* head event when has_ev */
	int has_ev;
	int done;
	int failed;               /* open or decode error */
	int sniffed;

	uint64_t lines, events, skipped, ignored, empty, fallback;
	/* the states of the other parsers, made when a line of theirs turns
	 * up in this input (tail -F auth.log access.log | scan -) */
	void *fb_state[BW_MAX_PARSERS];
	/* tail's files seen in this input; the states above are those of
	 * sections[cur] (cur = -1: no header yet), which holds none itself
	 * while current */
	struct section *sections;
	size_t nsections;
	long cur;
	uint64_t tick;
	uint64_t sections_dropped; /* states given up at MAX_SECTIONS */
	int tail_stream;          /* a tail header came before any event:
	                             headers switch sections (elsewhere a
	                             header-like line only is ignored) */
	char *probe;              /* parse_probe's copy of a cut line */
	size_t probe_cap;
	uint64_t warn_line;   /* line of the parser's last warning */
	struct reason_count skip_reasons[MAX_REASONS];
	struct reason_count ignore_reasons[MAX_REASONS];
	struct sample samples[MAX_SAMPLES];
	size_t nsamples;
	double seconds;
};

struct slot {
	bw_event ev;
	uint64_t seq;
	char *buf;
	size_t cap;  /* bytes allocated */
	size_t used; /* bytes the held event occupies */
};

struct bw_pipeline {
	struct bw_pipeline_opts o;
	struct pin *pins;
	size_t npins;
	void **heap;       /* inputs (struct pin) with a head event, by (ts, id) */
	size_t nheap;

	int64_t window_ms;
	void **rheap;        /* reorder buffer (struct slot), by (ts, seq) */
	size_t nrheap;
	struct slot **free_slots;
	size_t nfree, nslots;
	size_t rbytes;
	uint64_t seq;
	int64_t newest_ms, last_out_ms;
	int have_out;
	uint64_t late;
	uint64_t early;      /* released before their window: buffer full */

	int status;
	int stopped;
	double seconds;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void count_reason(struct reason_count *rc, const char *reason)
{
	if (!reason)
		reason = "unspecified";
	for (size_t i = 0; i < MAX_REASONS; i++) {
		if (rc[i].reason == reason || (rc[i].reason && strcmp(rc[i].reason, reason) == 0)) {
			rc[i].count++;
			return;
		}
		if (!rc[i].reason) {
			rc[i].reason = reason;
			rc[i].count = 1;
			return;
		}
	}
	rc[MAX_REASONS - 1].reason = "other reasons";
	rc[MAX_REASONS - 1].count++;
}

/* ------------------------------------------------------------ open */

static void pin_set_parser(struct pin *p, const struct bw_parser *parser)
{
	if (p->parser && p->parser->state_fini && p->ctx.state)
		p->parser->state_fini(p->ctx.state);
	free(p->ctx.state);
	p->ctx.state = NULL;
	p->parser = parser;
	if (parser && parser->state_size)
		p->ctx.state = calloc(1, parser->state_size);
}

static int year_of(int64_t secs)
{
	time_t t = (time_t)secs;
	struct tm tm;
	gmtime_r(&t, &tm);
	return tm.tm_year + 1900;
}

struct bw_pipeline *bw_pipeline_new(const struct bw_input_spec *specs,
				    size_t nspecs,
				    const struct bw_pipeline_opts *opts,
				    char *err, size_t errlen)
{
	struct bw_pipeline *pl = calloc(1, sizeof(*pl));
	if (!pl) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pl->o = *opts;
	if (!pl->o.diag)
		pl->o.diag = stderr;
	pl->pins = calloc(nspecs ? nspecs : 1, sizeof(*pl->pins));
	pl->heap = calloc(nspecs ? nspecs : 1, sizeof(*pl->heap));
	if (!pl->pins || !pl->heap) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	pl->npins = nspecs;
	int any_stream = 0;
	for (size_t i = 0; i < nspecs; i++) {
		struct pin *p = &pl->pins[i];
		const struct bw_input_spec *s = &specs[i];
		p->id = (uint32_t)i;
		p->cur = -1;
		p->path = s->path;
		p->ctx.input_id = (uint32_t)i;
		p->ctx.year = s->year;
		p->ctx.tz = bw_tz_get(s->tz);
		if (!p->ctx.tz) {
			snprintf(err, errlen, "unknown time zone '%s' (an IANA name "
				 "such as Europe/Amsterdam, or UTC)", s->tz);
			goto fail;
		}
		if (s->format) {
			const struct bw_parser *parser = bw_parser_find(s->format);
			if (!parser) {
				snprintf(err, errlen, "unknown format '%s' "
					 "(see `breachwatch formats`)", s->format);
				goto fail;
			}
			pin_set_parser(p, parser);
			p->format_forced = 1;
		}
		char oerr[512];
		if (bw_interrupted) {
			p->done = 1; /* stopped while an earlier FIFO waited */
			continue;
		}
		p->in = bw_input_open(s->path, pl->o.max_line, oerr, sizeof(oerr));
		if (!p->in && bw_interrupted) {
			p->done = 1; /* a FIFO with no writer yet, and Ctrl-C */
			continue;
		}
		if (!p->in) {
			diag(&pl->o, "%s", oerr);
			p->failed = 1;
			p->done = 1;
			pl->status = 2;
			continue;
		}
		if (pl->o.flush)
			bw_input_set_before_block(p->in, pl->o.flush, pl->o.arg);
		any_stream |= bw_input_is_stream(p->in);
		int64_t mt = bw_input_mtime(p->in);
		if (!mt)
			mt = (int64_t)time(NULL);
		p->ctx.default_year = year_of(mt);
		/* Year-less stamps near the end of a rotated file belong to the
		 * year of its modification time, not its first line's; on a
		 * pipe (zcat auth.log.2.gz |, tail -F started after New Year)
		 * to the year of now: no line is dated next December */
		p->ctx.ref_ms = mt * 1000;
	}
	pl->window_ms = pl->o.reorder_ms;
	if (pl->window_ms < 0)
		pl->window_ms = (nspecs > 1 && !any_stream) ? 2000 : 0;
	return pl;
fail:
	bw_pipeline_free(pl);
	return NULL;
}

/* ------------------------------------------------------- per input */

/* A blank event for the line, before a parser fills it: where it is,
 * and whether it was cut (parsers then read up to the cut). */
static void event_start(bw_event *ev, const struct pin *p,
			const struct bw_line *line)
{
	bw_event_clear(ev);
	ev->input_id = p->id;
	ev->line_no = line->line_no;
	ev->offset = line->offset;
	ev->line = (bw_str){ line->p, line->n };
	if (line->cut)
		ev->flags |= BW_EF_LINE_CUT;
}

/* "==> /var/log/auth.log <==": what tail -F of several files writes
 * before each file's lines. */
static int is_tail_header(const char *p, size_t n)
{
	return n > 8 && memcmp(p, "==> ", 4) == 0 &&
	       memcmp(p + n - 4, " <==", 4) == 0;
}

/* FNV-1a of a tail header, never 0 (a free section). The rule layer's
 * seeded hash (rule.h) is not for the pipeline; headers come from
 * tail's command line, not from a log's content. */
static uint64_t header_hash(const char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 0x100000001b3ull;
	return h ? h : 1;
}

/* Free the other formats' states (fb_state[] of a pin or a section). */
static void fb_states_free(void **fb)
{
	for (size_t k = 0; k < BW_MAX_PARSERS; k++)
		if (fb[k]) {
			if (bw_parsers[k]->state_fini)
				bw_parsers[k]->state_fini(fb[k]);
			free(fb[k]);
			fb[k] = NULL;
		}
}

/* Free the states a section holds (p->parser's and the others'). */
static void section_free(struct pin *p, struct section *s)
{
	if (s->state && p->parser && p->parser->state_fini)
		p->parser->state_fini(s->state);
	free(s->state);
	s->state = NULL;
	fb_states_free(s->fb_state);
}

/* A state of parser ps for a new file of the stream, with what it takes
 * over from st (state_inherit), or NULL (none, or out of memory: the new
 * file then starts as a new input does). */
static void *state_for_new_file(const struct bw_parser *ps, const void *st)
{
	if (!ps || !ps->state_size)
		return NULL;
	void *c = calloc(1, ps->state_size);
	if (c && st && ps->state_inherit)
		ps->state_inherit(c, st);
	return c;
}

/* A tail header: make its file's states the input's, keeping the ones
 * of the file before (the first header adopts what lines before it
 * made). A file not seen before (or given up at MAX_SECTIONS) takes over
 * what the file before it learned (state_inherit): tail shows a file's
 * last lines only, so an IIS file's #Fields line has often scrolled out,
 * and the other files of the stream are the best guess. */
static void section_switch(struct pin *p, const char *l, size_t n)
{
	uint64_t h = header_hash(l, n);
	p->tick++;
	if (p->cur >= 0 && p->sections[p->cur].hash == h) {
		p->sections[p->cur].used = p->tick;
		return;
	}
	if (!p->sections &&
	    !(p->sections = calloc(MAX_SECTIONS, sizeof(*p->sections))))
		return;
	long to = -1;
	for (size_t i = 0; i < p->nsections; i++)
		if (p->sections[i].hash == h)
			to = (long)i;
	int fresh = to < 0;
	if (to < 0 && p->cur < 0) {
		/* the first header: the lines before it were its file's */
		p->sections[0].hash = h;
		p->sections[0].used = p->tick;
		p->nsections = 1;
		p->cur = 0;
		return;
	}
	if (to < 0) {
		if (p->nsections < MAX_SECTIONS) {
			to = (long)p->nsections++;
		} else {
			/* the file read least recently gives its place */
			to = p->cur == 0 ? 1 : 0;
			for (size_t i = 0; i < p->nsections; i++)
				if ((long)i != p->cur &&
				    p->sections[i].used < p->sections[to].used)
					to = (long)i;
			section_free(p, &p->sections[to]);
			p->sections_dropped++;
		}
		p->sections[to].hash = h;
	}
	struct section *from = &p->sections[p->cur];
	struct section *into = &p->sections[to];
	if (fresh) {
		into->state = state_for_new_file(p->parser, p->ctx.state);
		for (size_t k = 0; k < BW_MAX_PARSERS; k++)
			if (p->fb_state[k])
				into->fb_state[k] = state_for_new_file(
					bw_parsers[k], p->fb_state[k]);
	}
	from->state = p->ctx.state;
	memcpy(from->fb_state, p->fb_state, sizeof(p->fb_state));
	p->ctx.state = into->state;
	memcpy(p->fb_state, into->fb_state, sizeof(p->fb_state));
	into->state = NULL;
	memset(into->fb_state, 0, sizeof(into->fb_state));
	if (!p->ctx.state && p->parser && p->parser->state_size)
		p->ctx.state = calloc(1, p->parser->state_size);
	into->used = p->tick;
	p->cur = to;
}

static void sniff(struct pin *p)
{
	char *lines[SNIFF_LINES];
	size_t lens[SNIFF_LINES];
	size_t n = bw_input_peek(p->in, lines, lens, SNIFF_LINES);
	bw_str views[SNIFF_LINES];
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (lens[i])
			views[k++] = (bw_str){ lines[i], lens[i] };
	if (k)
		pin_set_parser(p, bw_parser_sniff(views, k));
}

static void skip_line(struct bw_pipeline *pl, struct pin *p,
		      const struct bw_line *line, const char *reason)
{
	p->skipped++;
	count_reason(p->skip_reasons, reason);
	if (p->nsamples < MAX_SAMPLES)
		p->samples[p->nsamples++] = (struct sample){ line->line_no, reason };
	if (pl->o.strict && !pl->stopped) {
		diag(&pl->o, "%s:%llu: %s (--strict)", bw_input_name(p->in),
		     (unsigned long long)line->line_no,
		     reason ? reason : "unparsable line");
		pl->stopped = 1;
		pl->status = 2;
	}
}

/* The first parser that reads a line cut at --max-line (a file that
 * starts with 70 KB lines: what sniffing a cut line cannot tell), or
 * NULL. Each tries a copy: parsers may unescape in place, and the
 * chosen one then parses the line itself. */
static const struct bw_parser *parse_probe(struct pin *p,
					   const struct bw_line *line)
{
	if (p->probe_cap < line->n + 1) {
		char *c = realloc(p->probe, line->n + 1);
		if (!c)
			return NULL;
		p->probe = c;
		p->probe_cap = line->n + 1;
	}
	char *copy = p->probe;
	for (size_t i = 0; bw_parsers[i]; i++) {
		const struct bw_parser *ps = bw_parsers[i];
		struct bw_parse_ctx ctx = p->ctx;
		ctx.state = ps->state_size ? calloc(1, ps->state_size) : NULL;
		if (ps->state_size && !ctx.state)
			continue;
		ctx.reason = NULL;
		bw_event_clear(&p->ev);
		p->ev.flags |= BW_EF_LINE_CUT; /* parsers read up to the cut */
		memcpy(copy, line->p, line->n);
		copy[line->n] = 0;
		enum bw_parse_rc rc = ps->parse(&ctx, copy, line->n, &p->ev);
		if (ps->state_fini && ctx.state)
			ps->state_fini(ctx.state);
		free(ctx.state);
		if (rc == BW_PARSE_OK)
			return ps;
	}
	return NULL;
}

/* Try the other parsers on a line the chosen one disowns or cannot read
 * (one stream of several formats: tail -F of two logs, a concatenation).
 * Does not change the input's parser; a stateful one gets a state of its
 * own in this input. */
static enum bw_parse_rc parse_fallback(struct pin *p, char *line, size_t n,
				       bw_event *ev, const char **reason)
{
	const struct bw_parser *best = NULL;
	size_t bi = 0;
	int best_score = 49;
	for (size_t i = 0; bw_parsers[i]; i++) {
		if (bw_parsers[i] == p->parser)
			continue;
		int s = bw_parsers[i]->sniff(line, n);
		if (s > best_score) {
			best_score = s;
			best = bw_parsers[i];
			bi = i;
		}
	}
	if (!best)
		return BW_PARSE_NOT_MINE;
	if (best->state_size && !p->fb_state[bi] &&
	    !(p->fb_state[bi] = calloc(1, best->state_size)))
		return BW_PARSE_NOT_MINE;
	struct bw_parse_ctx ctx = p->ctx;
	ctx.state = p->fb_state[bi];
	ctx.reason = NULL;
	enum bw_parse_rc rc = best->parse(&ctx, line, n, ev);
	*reason = ctx.reason;
	if (rc == BW_PARSE_OK && !ev->format)
		ev->format = best->name;
	return rc;
}

/* Read lines until one becomes an event (head) or the input ends. */
static void pin_advance(struct bw_pipeline *pl, struct pin *p)
{
	struct bw_line line;
	p->has_ev = 0;
	if (!p->sniffed && !p->done) {
		/* a JSON document (an array, a pretty-printed object, a Graph
		 * page) is framed into records, and its format sniffed on the
		 * first record below; else on the first buffered lines,
		 * before consuming */
		if (!bw_input_json_sniff(p->in) && !p->parser)
			sniff(p);
		p->sniffed = 1;
	}
	while (!p->done && !pl->stopped) {
		if (bw_interrupted) {
			p->done = 1; /* Ctrl-C, systemctl stop: end as at EOF */
			return;
		}
		int r = bw_input_next(p->in, &line);
		if (r <= 0) {
			if (r < 0) {
				diag(&pl->o, "%s", bw_input_error(p->in));
				p->failed = 1;
				pl->status = 2;
			}
			p->done = 1;
			return;
		}
		p->lines++;
		if (line.n == 0) {
			p->empty++;
			continue;
		}
		if (is_tail_header(line.p, line.n)) {
			/* tail's output starts with one (perhaps after its
			 * own "tail: cannot open" lines, with 2>&1); in a
			 * stream whose events came first, the line is no
			 * file boundary (a log line an attacker shaped so
			 * cannot switch states) */
			if (!p->events)
				p->tail_stream = 1;
			p->ignored++;
			count_reason(p->ignore_reasons, "tail file header");
			if (p->tail_stream)
				section_switch(p, line.p, line.n);
			continue;
		}
		if (!p->parser) {
			bw_str v = { line.p, line.n };
			pin_set_parser(p, bw_parser_sniff(&v, 1));
			if (!p->parser && line.cut)
				pin_set_parser(p, parse_probe(p, &line));
		}
		if (!p->parser) {
			skip_line(pl, p, &line, "unknown format");
			continue;
		}
		bw_event *ev = &p->ev;
		event_start(ev, p, &line);
		p->ctx.reason = NULL;
		uint64_t warned = p->ctx.warnings;
		enum bw_parse_rc rc = p->parser->parse(&p->ctx, line.p, line.n, ev);
		if (p->ctx.warnings != warned)
			p->warn_line = line.line_no;
		const char *reason = p->ctx.reason;
		/* (cut lines too, though a file of its own format's cut lines
		 * then costs a sniff of every parser each: another format's
		 * cut line in a mixed stream is one too) */
		if ((rc == BW_PARSE_NOT_MINE || rc == BW_PARSE_MALFORMED) &&
		    !p->format_forced) {
			/* another format's line: read by its parser, else
			 * skipped for the reason the input's own gave (which
			 * may have unescaped some of it in place: a line it
			 * found malformed is another format's or broken) */
			const char *r2 = NULL;
			event_start(ev, p, &line);
			enum bw_parse_rc rc2 = parse_fallback(p, line.p, line.n, ev, &r2);
			if (rc2 == BW_PARSE_OK || rc2 == BW_PARSE_IGNORED) {
				rc = rc2;
				reason = r2;
				p->fallback += rc2 == BW_PARSE_OK;
			} else if (rc == BW_PARSE_NOT_MINE && reason) {
				/* disowned to another format (an access line
				 * through syslog) that finds it broken or does
				 * not know it: a broken line, skipped */
				rc = BW_PARSE_MALFORMED;
				reason = r2 ? r2 : "malformed: another format's "
						   "line by its content, read by none";
			}
		}
		/* disowned with a reason under --format (no fallback): a line
		 * well formed in the input's format whose message is another
		 * format's (an access line through syslog), ignored for that
		 * reason as the input's parser would have */
		if (rc == BW_PARSE_NOT_MINE && reason)
			rc = BW_PARSE_IGNORED;
		switch (rc) {
		case BW_PARSE_OK:
			if (!ev->format)
				ev->format = p->parser->name;
			p->events++;
			p->has_ev = 1;
			return;
		case BW_PARSE_IGNORED:
			p->ignored++;
			count_reason(p->ignore_reasons, reason);
			break;
		case BW_PARSE_NOT_MINE:
			skip_line(pl, p, &line, line.cut ? "line cut at --max-line" :
				  "not in the input's format");
			break;
		default:
			skip_line(pl, p, &line, line.cut ? "line cut at --max-line" : reason);
			break;
		}
	}
}

/* ------------------------------------------------------------ heap */

/* One binary min-heap serves the merge (inputs by their head event) and
 * the reorder window (held events): items are pointers, `before` orders
 * them. */
typedef int (*before_fn)(const void *a, const void *b);

static void heap_push(void **h, size_t *n, void *item, before_fn before)
{
	size_t i = (*n)++;
	h[i] = item;
	while (i > 0) {
		size_t up = (i - 1) / 2;
		if (!before(h[i], h[up]))
			break;
		void *t = h[i];
		h[i] = h[up];
		h[up] = t;
		i = up;
	}
}

static void *heap_pop(void **h, size_t *n, before_fn before)
{
	void *top = h[0];
	h[0] = h[--*n];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < *n && before(h[l], h[m]))
			m = l;
		if (r < *n && before(h[r], h[m]))
			m = r;
		if (m == i)
			break;
		void *t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
	return top;
}

/* Inputs by the time of their head event, then command-line order. */
static int pin_before(const void *va, const void *vb)
{
	const struct pin *a = va, *b = vb;
	if (a->ev.ts_ms != b->ev.ts_ms)
		return a->ev.ts_ms < b->ev.ts_ms;
	return a->id < b->id;
}

/* Held events by time, then arrival. */
static int slot_before(const void *va, const void *vb)
{
	const struct slot *a = va, *b = vb;
	if (a->ev.ts_ms != b->ev.ts_ms)
		return a->ev.ts_ms < b->ev.ts_ms;
	return a->seq < b->seq;
}

/* --------------------------------------------------------- reorder */

static void deliver(struct bw_pipeline *pl, bw_event *ev)
{
	if (pl->have_out && ev->ts_ms < pl->last_out_ms) {
		ev->flags |= BW_EF_LATE;
		pl->late++;
	} else {
		pl->last_out_ms = ev->ts_ms;
		pl->have_out = 1;
	}
	pl->o.on_event(pl->o.arg, ev);
}

/* A slot buffer above this size is freed when its event leaves, so a
 * burst of long lines cannot leave every slot holding --max-line bytes. */
#define SLOT_KEEP_BYTES 4096

static void release_one(struct bw_pipeline *pl)
{
	struct slot *s = heap_pop(pl->rheap, &pl->nrheap, slot_before);
	pl->rbytes -= s->used;
	deliver(pl, &s->ev);
	if (s->cap > SLOT_KEEP_BYTES) {
		free(s->buf);
		s->buf = NULL;
		s->cap = 0;
	}
	pl->free_slots[pl->nfree++] = s;
}

static int reorder_init(struct bw_pipeline *pl)
{
	pl->rheap = calloc(REORDER_MAX_SLOTS, sizeof(*pl->rheap));
	pl->free_slots = calloc(REORDER_MAX_SLOTS, sizeof(*pl->free_slots));
	return pl->rheap && pl->free_slots ? 0 : -1;
}

static void reorder_push(struct bw_pipeline *pl, bw_event *ev)
{
	if (ev->ts_ms > pl->newest_ms)
		pl->newest_ms = ev->ts_ms;
	/* Already older than what went out: nothing to sort it against. */
	if (pl->have_out && ev->ts_ms < pl->last_out_ms) {
		deliver(pl, ev);
		return;
	}
	struct slot *s = NULL;
	if (pl->nfree) {
		s = pl->free_slots[--pl->nfree];
	} else if (pl->nslots < REORDER_MAX_SLOTS) {
		s = calloc(1, sizeof(*s));
		if (s)
			pl->nslots++;
	}
	size_t need = bw_event_copy(NULL, ev, NULL, 0);
	if (s && need > s->cap) {
		char *nb = realloc(s->buf, need);
		if (nb) {
			s->buf = nb;
			s->cap = need;
		}
	}
	if (!s || need > s->cap) { /* out of memory: pass it on unsorted */
		if (s)
			pl->free_slots[pl->nfree++] = s;
		deliver(pl, ev);
		return;
	}
	bw_event_copy(&s->ev, ev, s->buf, s->cap);
	s->seq = pl->seq++;
	s->used = need;
	pl->rbytes += need;
	heap_push(pl->rheap, &pl->nrheap, s, slot_before);
	while (pl->nrheap) {
		if (((struct slot *)pl->rheap[0])->ev.ts_ms >
		    pl->newest_ms - pl->window_ms) {
			if (pl->nrheap < REORDER_MAX_SLOTS &&
			    pl->rbytes <= REORDER_MAX_BYTES)
				break;
			pl->early++; /* memory bound, not the window */
		}
		release_one(pl);
	}
}

/* ------------------------------------------------------------- run */

int bw_pipeline_run(struct bw_pipeline *pl)
{
	double t0 = now_s();
	int timed = pl->npins > 1;
	if (pl->window_ms > 0 && reorder_init(pl) < 0)
		pl->window_ms = 0;
	pl->newest_ms = INT64_MIN;

	for (size_t i = 0; i < pl->npins; i++) {
		struct pin *p = &pl->pins[i];
		if (p->done)
			continue;
		double a = timed ? now_s() : 0;
		pin_advance(pl, p);
		if (timed)
			p->seconds += now_s() - a;
		if (p->has_ev)
			heap_push(pl->heap, &pl->nheap, p, pin_before);
	}
	while (pl->nheap && !pl->stopped) {
		struct pin *p = heap_pop(pl->heap, &pl->nheap, pin_before);
		for (;;) {
			if (pl->window_ms > 0)
				reorder_push(pl, &p->ev);
			else
				deliver(pl, &p->ev);
			double a = timed ? now_s() : 0;
			pin_advance(pl, p);
			if (timed)
				p->seconds += now_s() - a;
			if (!p->has_ev)
				break;
			/* The only input left (the usual single file) stays
			 * out of the heap: no push and pop per line. */
			if (pl->nheap == 0 && !pl->stopped)
				continue;
			heap_push(pl->heap, &pl->nheap, p, pin_before);
			break;
		}
	}
	while (pl->nrheap)
		release_one(pl);
	if (pl->o.flush)
		pl->o.flush(pl->o.arg);
	pl->seconds = now_s() - t0;
	if (!timed && pl->npins == 1)
		pl->pins[0].seconds = pl->seconds;
	if (pl->early)
		diag(&pl->o, "reorder buffer full (%u events or %u MiB): %llu "
		     "event(s) released before the %lld ms window; older events "
		     "after them pass flagged late",
		     (unsigned)REORDER_MAX_SLOTS, REORDER_MAX_BYTES >> 20,
		     (unsigned long long)pl->early, (long long)pl->window_ms);
	for (size_t i = 0; i < pl->npins; i++) {
		struct pin *p = &pl->pins[i];
		/* a log in a format no parser knows (nginx switched to a JSON
		 * log_format) would otherwise report "nothing found" forever */
		if (!p->failed && !p->parser && p->skipped && !p->events &&
		    !p->ignored)
			diag(&pl->o, "%s: no line in a known format (%llu "
			     "line(s) skipped, first: %s); name the format with "
			     "--format (see 'breachwatch formats')",
			     p->in ? bw_input_name(p->in) : p->path,
			     (unsigned long long)p->skipped,
			     p->skip_reasons[0].reason ? p->skip_reasons[0].reason :
							 "?");
		else if (!p->failed && p->skipped && !p->events && !p->ignored)
			diag(&pl->o, "%s: every line skipped as %s (%llu, "
			     "first: %s)", p->in ? bw_input_name(p->in) : p->path,
			     p->parser->name, (unsigned long long)p->skipped,
			     p->skip_reasons[0].reason ? p->skip_reasons[0].reason :
							 "?");
		if (p->ctx.warnings)
			diag(&pl->o, "%s:%llu: %llu warning(s), last: %s",
			     p->in ? bw_input_name(p->in) : p->path,
			     (unsigned long long)p->warn_line,
			     (unsigned long long)p->ctx.warnings,
			     p->ctx.warning ? p->ctx.warning : "?");
	}
	return pl->status;
}

/* ----------------------------------------------------------- stats */

static void print_rate(FILE *f, uint64_t lines, uint64_t bytes, double secs)
{
	if (secs <= 0)
		secs = 1e-9;
	fprintf(f, "  %.3f s, %.0f lines/s, %.1f MB/s\n", secs,
		(double)lines / secs, (double)bytes / 1e6 / secs);
}

static void print_reasons(FILE *f, const char *what, const struct reason_count *rc)
{
	for (size_t i = 0; i < MAX_REASONS && rc[i].reason; i++)
		fprintf(f, "    %s: %s: %llu\n", what, rc[i].reason,
			(unsigned long long)rc[i].count);
}

void bw_pipeline_print_stats(const struct bw_pipeline *pl, FILE *f)
{
	uint64_t tl = 0, te = 0, ts = 0, ti = 0, tb = 0, tr = 0, tc = 0, tm = 0;
	for (size_t i = 0; i < pl->npins; i++) {
		const struct pin *p = &pl->pins[i];
		uint64_t db = p->in ? bw_input_decoded_bytes(p->in) : 0;
		uint64_t rb = p->in ? bw_input_raw_bytes(p->in) : 0;
		uint64_t cut = p->in ? bw_input_cut_lines(p->in) : 0;
		fprintf(f, "input %u: ", p->id);
		put_term(f, "", p->in ? bw_input_name(p->in) : p->path, "");
		if (p->in)
			fprintf(f, " [%s, format %s, tz %s]", bw_codec_name(bw_input_codec(p->in)),
				p->parser ? p->parser->name : "unknown",
				bw_tz_name(p->ctx.tz));
		fprintf(f, "%s\n", p->failed ? " (ERROR)" : "");
		fprintf(f, "  lines %llu, events %llu, ignored %llu, skipped %llu, "
			"empty %llu, cut %llu\n",
			(unsigned long long)p->lines, (unsigned long long)p->events,
			(unsigned long long)p->ignored, (unsigned long long)p->skipped,
			(unsigned long long)p->empty, (unsigned long long)cut);
		if (p->fallback)
			fprintf(f, "  parsed by another format: %llu\n",
				(unsigned long long)p->fallback);
		if (p->nsections > 1)
			fprintf(f, "  tail files: %zu kept apart (IIS layouts, "
				"date formats, years), %llu gave up their states "
				"beyond 64\n", p->nsections,
				(unsigned long long)p->sections_dropped);
		fprintf(f, "  bytes %llu decoded, %llu read\n", (unsigned long long)db,
			(unsigned long long)rb);
		if (p->in && bw_input_tail_dropped(p->in))
			fprintf(f, "  incomplete last line before the error: %llu bytes\n",
				(unsigned long long)bw_input_tail_dropped(p->in));
		print_reasons(f, "skipped", p->skip_reasons);
		print_reasons(f, "ignored", p->ignore_reasons);
		for (size_t k = 0; k < p->nsamples; k++) {
			put_term(f, "    sample: ",
				 p->in ? bw_input_name(p->in) : p->path, "");
			fprintf(f, ":%llu: %s\n",
				(unsigned long long)p->samples[k].line_no,
				p->samples[k].reason ? p->samples[k].reason : "?");
		}
		print_rate(f, p->lines, db, p->seconds);
		tl += p->lines;
		te += p->events;
		ts += p->skipped;
		ti += p->ignored;
		tb += db;
		tr += rb;
		tc += cut;
		tm += p->empty;
	}
	fprintf(f, "total: %zu input(s), lines %llu, events %llu, ignored %llu, "
		"skipped %llu, empty %llu, cut %llu, late %llu\n", pl->npins,
		(unsigned long long)tl, (unsigned long long)te, (unsigned long long)ti,
		(unsigned long long)ts, (unsigned long long)tm, (unsigned long long)tc,
		(unsigned long long)pl->late);
	fprintf(f, "  bytes %llu decoded, %llu read; reorder window %lld ms",
		(unsigned long long)tb, (unsigned long long)tr, (long long)pl->window_ms);
	if (pl->early)
		fprintf(f, ", %llu released early (buffer full)",
			(unsigned long long)pl->early);
	fputc('\n', f);
	print_rate(f, tl, tb, pl->seconds);
}

size_t bw_pipeline_ninputs(const struct bw_pipeline *pl) { return pl->npins; }

const char *bw_pipeline_input_name(const struct bw_pipeline *pl, uint32_t id)
{
	if (id >= pl->npins)
		return "?";
	const struct pin *p = &pl->pins[id];
	return p->in ? bw_input_name(p->in) : p->path;
}

uint64_t bw_pipeline_lines(const struct bw_pipeline *pl)
{
	uint64_t n = 0;
	for (size_t i = 0; i < pl->npins; i++)
		n += pl->pins[i].lines;
	return n;
}

uint64_t bw_pipeline_events(const struct bw_pipeline *pl)
{
	uint64_t n = 0;
	for (size_t i = 0; i < pl->npins; i++)
		n += pl->pins[i].events;
	return n;
}

uint64_t bw_pipeline_skipped(const struct bw_pipeline *pl)
{
	uint64_t n = 0;
	for (size_t i = 0; i < pl->npins; i++)
		n += pl->pins[i].skipped;
	return n;
}

void bw_pipeline_free(struct bw_pipeline *pl)
{
	if (!pl)
		return;
	for (size_t i = 0; i < pl->npins; i++) {
		struct pin *p = &pl->pins[i];
		for (size_t k = 0; k < p->nsections; k++)
			section_free(p, &p->sections[k]);
		free(p->sections);
		pin_set_parser(p, NULL);
		free(p->probe);
		fb_states_free(p->fb_state);
		bw_input_free(p->in);
	}
	for (size_t i = 0; i < pl->nrheap; i++) {
		struct slot *s = pl->rheap[i];
		free(s->buf);
		free(s);
	}
	for (size_t i = 0; i < pl->nfree; i++) {
		free(pl->free_slots[i]->buf);
		free(pl->free_slots[i]);
	}
	free(pl->rheap);
	free(pl->free_slots);
	free(pl->heap);
	free(pl->pins);
	free(pl);
}
