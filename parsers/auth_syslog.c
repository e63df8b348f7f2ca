/*
 * auth_syslog.c - syslog framing: the time stamp, host, programme and pid
 * of a syslog line, then the message handed to the programme parsers
 * (bw_msg_parsers[]) that know its text.
 *
 *   [<PRI>]Mmm dd hh:mm:ss[.frac] [host] prog[pid]: message     RFC 3164/BSD
 *   [<PRI>]Mmm dd yyyy hh:mm:ss host prog[pid]: message         (with a year)
 *   [<PRI>]2026-11-27T13:04:01.123456+01:00 host prog[pid]: msg  rsyslog RFC 3339
 *   <PRI>1 2026-11-27T13:04:01Z host app procid msgid [sd] msg   RFC 5424
 *   macOS:  ... host prog[pid] <Notice>: msg / prog[pid] (subsystem): msg
 *   FreeBSD syslogd -v (NetScaler's ns.log): Mmm dd hh:mm:ss <facility.level> host ...
 *   Solaris: ... prog[pid]: [ID 800047 auth.notice] msg
 *
 * Year-less stamps take their year from --year (ctx->year, the year of
 * the first line), else from the file's modification time
 * (ctx->default_year; a first line more than a day after ctx->ref_ms is
 * taken as the previous year). Inside one input a month that jumps back
 * starts the next year (December -> January); a jump back of more than a
 * day that is not such a rollover is counted as a warning and kept as
 * logged. Small backwards steps (out-of-order lines, < 1 day) are normal.
 * Zone-less stamps are local time in ctx->tz (DST-aware).
 *
 * Never allocates; never writes to the line except through the message
 * parsers it calls.
 */
#include "auth_syslog.h"
#include "auth_scan.h"
#include "bw_time.h"
#include "bw_util.h"

#include <string.h>

#define DAY_MS (86400 * (int64_t)1000)

#define REP_MSG_MAX 1024 /* bytes of a message kept for BSD repeats */
#define REP_PROG_MAX 64

/* Year inference. */
struct syslog_years {
	int year;        /* year given to year-less stamps; 0 = no line yet */
	int last_month;  /* month of the last year-less stamp, 0 = none */
	int64_t last_ms; /* UTC ms of the last year-less stamp */
	/* the newest year-less line of the tail stream so far, this
	 * file's and the files' before it (hint_month 0: none), and
	 * whether this file, new in the stream, has yet to give its first */
	int hint_year, hint_month;
	int64_t hint_ms;
	int first_in_tail;
};

/* Per-input state: year inference, and the last message that became an
 * event, for BSD syslogd's "last message repeated N times", which names
 * no message. A repeat is that message again with event.count N; its
 * views point into rep_buf, which bw_event_copy copies like any view
 * outside the line, and which the next repeat line overwrites only after
 * the input has moved past this one. */
struct syslog_state {
	struct syslog_years y;
	uint32_t rep_n;  /* bytes of rep_msg; 0 = nothing to repeat */
	uint32_t rep_prog_n;
	char rep_prog[REP_PROG_MAX];
	char rep_msg[REP_MSG_MAX];
	char rep_buf[REP_PROG_MAX + REP_MSG_MAX]; /* the repeat parsed */
};

/* "last message repeated N times" (FreeBSD, macOS "--- last message
 * repeated N time ---", rsyslog 5 and older). @return N, 0 if not. */
static uint64_t bsd_repeat(const char *msg, size_t n)
{
	struct bw_cur c = bw_cur_make(msg, n);
	(void)BW_LIT(&c, "--- ");
	uint64_t times;
	if (!BW_LIT(&c, "last message repeated ") || !bw_cur_uint(&c, &times) ||
	    !(BW_LIT(&c, " times") || BW_LIT(&c, " time")))
		return 0;
	return times ? times : 1;
}

bw_str bw_syslog_program_base(bw_str program)
{
	if (program.n > 2 && program.p[program.n - 1] == ')') {
		const char *o = memchr(program.p, '(', program.n);
		if (o && o > program.p)
			program.n = (size_t)(o - program.p);
	}
	return program;
}

static int program_listed(const char *const *list, bw_str base)
{
	for (; *list; list++) {
		const char *l = *list;
		size_t i = 0;
		while (i < base.n && l[i] && l[i] == base.p[i])
			i++;
		if (i == base.n && l[i] == '\0')
			return 1;
	}
	return 0;
}

enum bw_parse_rc bw_syslog_dispatch(struct bw_parse_ctx *ctx, bw_str program,
				    char *msg, size_t n, bw_event *ev)
{
	/* rsyslog's reduction: the inner text is a normal message. */
	uint64_t times;
	bw_str folded;
	if (bw_syslog_repeated(msg, n, &times, &folded)) {
		uint64_t r = times * (uint64_t)(ev->repeat ? ev->repeat : 1);
		ev->repeat = r > UINT32_MAX ? UINT32_MAX : (uint32_t)r;
		msg += folded.p - msg; /* same buffer, writable */
		n = folded.n;
	} else if (n >= 22 && memcmp(msg, "last message repeated ", 22) == 0) {
		ctx->reason = "BSD 'last message repeated': the message is not logged";
		return BW_PARSE_IGNORED;
	}

	/* a message that counts several attempts itself (sudo's "3
	 * incorrect password attempts") repeated N times is N times that */
	uint32_t outer = ev->repeat;
	ev->repeat = 0;
	bw_str base = bw_syslog_program_base(program);
	const bw_event saved = *ev;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; bw_msg_parsers[i]; i++) {
			const struct bw_msg_parser *mp = bw_msg_parsers[i];
			if (pass == 0 ? !mp->programs || !base.n || base.n != program.n ||
					!program_listed(mp->programs, base)
				      : mp->programs != NULL)
				continue;
			enum bw_parse_rc rc = mp->parse(ctx, program, msg, n, ev);
			if (rc != BW_PARSE_NOT_MINE) {
				uint64_t inner = ev->repeat ? ev->repeat : 1;
				if (outer)
					ev->repeat = outer * inner > UINT32_MAX ?
						     UINT32_MAX : (uint32_t)(outer * inner);
				return rc;
			}
			*ev = saved;
		}
	}
	ev->repeat = outer;
	ctx->reason = "no parser for this programme's message";
	return BW_PARSE_IGNORED;
}

/* ------------------------------------------------------------------ */
/* Stamps                                                              */

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* HAProxy's request log: "CLIENT:PORT [dd/Mon/yyyy:HH:MM:SS.mmm] ..."
 * (only asked of web servers' tags), read by the haproxy parser. */
static int haproxy_line(const char *m, size_t n)
{
	const char *sp = memchr(m, ' ', n < 64 ? n : 64);
	return sp && (size_t)(sp - m) + 5 < n && sp[1] == '[' &&
	       is_digit(sp[2]) && is_digit(sp[3]) && sp[4] == '/';
}

/* Is a web server's message an access line (only asked of web servers'
 * tags, bw_web_server_tag): NCSA's time, " [27/Nov/2026:13:04:01 +0100]
 * \"" (haproxy's ".123]" is not), after nothing but what an access line
 * has before it (bw_clf_lead_ok: not an error line quoting a client's
 * Referer), perhaps in rsyslog's "message repeated N times: [ ... ]"? */
static int access_line(const char *m, size_t n)
{
	uint64_t times;
	bw_str inner;
	if (bw_syslog_repeated(m, n, &times, &inner)) {
		m = inner.p;
		n = inner.n;
		while (n && *m == ' ')
			m++, n--;
	}
	const char *end = m + n;
	for (const char *b = m; (b = memchr(b, '[', (size_t)(end - b)));) {
		if (b > m && b[-1] == ' ' && end - b >= 30 && is_digit(b[1]) &&
		    b[3] == '/' && b[7] == '/' && b[12] == ':' && b[15] == ':' &&
		    b[18] == ':' && b[21] == ' ' && (b[22] == '+' || b[22] == '-') &&
		    b[27] == ']' && b[28] == ' ' && b[29] == '"')
			return bw_clf_lead_ok(m, (size_t)(b - 1 - m));
		b++;
	}
	return 0;
}

/* Fraction ".ddd..." at c: @return milliseconds (0 when absent). */
static int scan_frac(struct bw_cur *c)
{
	int ms = 0;
	if (c->p < c->end && (*c->p == '.' || *c->p == ',') && c->p + 1 < c->end &&
	    is_digit(c->p[1])) {
		c->p++;
		int digits = 0;
		while (c->p < c->end && is_digit(*c->p)) {
			if (digits < 3)
				ms = ms * 10 + (*c->p - '0');
			digits++;
			c->p++;
		}
		for (; digits < 3; digits++)
			ms *= 10;
	}
	return ms;
}

/* "hh:mm:ss" at c. @return 1 and the fields. */
static int scan_hms(struct bw_cur *c, int *h, int *mi, int *s)
{
	if (bw_cur_left(c) < 8 || c->p[2] != ':' || c->p[5] != ':')
		return 0;
	*h = bw_parse_fixed(c->p, 2);
	*mi = bw_parse_fixed(c->p + 3, 2);
	*s = bw_parse_fixed(c->p + 6, 2);
	if (*h < 0 || *mi < 0 || *s < 0)
		return 0;
	c->p += 8;
	return 1;
}

/* Give a year-less local stamp its year and convert it to UTC ms.
 * @return 1, or 0 when the date cannot exist (Feb 30). */
static int yearless_time(struct bw_parse_ctx *ctx, struct syslog_years *st, int mon,
			 int day, int h, int mi, int s, int ms, int64_t *out)
{
	if (!st->year) {
		st->year = ctx->year ? ctx->year :
			   ctx->default_year ? ctx->default_year : 1970;
		if (!ctx->year && ctx->ref_ms && bw_civil_valid(st->year, mon, day, h, mi, s)) {
			int64_t t = bw_tz_local_to_utc(ctx->tz,
				bw_epoch_from_civil(st->year, mon, day, h, mi, s)) * 1000;
			if (t > ctx->ref_ms + DAY_MS)
				st->year--;
		}
	}
	if (st->first_in_tail && st->hint_month && !st->last_month) {
		/* the first line of a new file of a tail stream has the year
		 * of a new input (tail shows files in the order named, a quiet
		 * one's months-old lines too), unless the stream has crossed
		 * into a later year: then that year, or the one before for a
		 * line that would lie after the stream's newest; and January
		 * lines after another file's December are the next year's */
		int hy = st->hint_year, y = 0;
		if (hy > st->year)
			y = hy;
		else if (st->hint_month == 12 && mon == 1)
			y = hy + 1;
		if (y && bw_civil_valid(y, mon, day, h, mi, s)) {
			int64_t t = bw_tz_local_to_utc(ctx->tz, bw_epoch_from_civil(
					y, mon, day, h, mi, s)) * 1000;
			if (y == hy + 1 ? t <= st->hint_ms + 31 * DAY_MS :
					  t <= st->hint_ms + DAY_MS)
				st->year = y;
			else if (y == hy && bw_civil_valid(y - 1, mon, day, h, mi, s))
				st->year = y - 1;
		}
	}
	st->first_in_tail = 0;
	int year = st->year;
	int64_t t = 0;
	int valid = bw_civil_valid(year, mon, day, h, mi, s);
	if (valid)
		t = bw_tz_local_to_utc(ctx->tz, bw_epoch_from_civil(year, mon, day, h, mi, s)) *
			    1000 + ms;
	if (st->last_month && mon < st->last_month &&
	    (!valid || t < st->last_ms - DAY_MS)) {
		/* The month went back by more than out-of-order noise: a new
		 * year began. */
		year++;
		if (!bw_civil_valid(year, mon, day, h, mi, s))
			return 0;
		t = bw_tz_local_to_utc(ctx->tz,
			bw_epoch_from_civil(year, mon, day, h, mi, s)) * 1000 + ms;
		if (!(st->last_month == 12 && mon == 1)) {
			ctx->warnings++;
			ctx->warning = "syslog month jumped back (not Dec->Jan): assumed the next year";
		}
		st->year = year;
	} else if (!valid) {
		return 0;
	} else if (st->last_month && mon > st->last_month &&
		   t > st->last_ms + 180 * DAY_MS &&
		   bw_civil_valid(year - 1, mon, day, h, mi, s)) {
		/* A late December line after January ones: out of order
		 * across the year boundary, so the year before. */
		int64_t prev = bw_tz_local_to_utc(ctx->tz,
			bw_epoch_from_civil(year - 1, mon, day, h, mi, s)) * 1000 + ms;
		if (prev >= st->last_ms - DAY_MS) {
			*out = prev;
			return 1; /* the reference point stays where it was */
		}
	} else if (st->last_month && t < st->last_ms - DAY_MS) {
		ctx->warnings++;
		ctx->warning = "syslog time jumped back more than a day";
	}
	st->last_month = mon;
	st->last_ms = t;
	if (!st->hint_month || t > st->hint_ms) {
		st->hint_year = year;
		st->hint_month = mon;
		st->hint_ms = t;
	}
	*out = t;
	return 1;
}

/* ------------------------------------------------------------------ */
/* The line parser                                                     */

static int parse_pri(struct bw_cur *c)
{
	if (c->p >= c->end || *c->p != '<')
		return 0;
	const char *q = c->p + 1;
	int digits = 0;
	while (q < c->end && is_digit(*q) && digits < 4)
		q++, digits++;
	if (digits == 0 || q >= c->end || *q != '>')
		return -1;
	c->p = q + 1;
	return 1;
}

/* Split "prog[pid]: msg" (and the macOS variants) at c.
 * @return 1 when a programme tag was found; only then are *prog, *pid
 * and the cursor set. */
static int parse_tag(struct bw_cur *c, bw_str *prog, bw_str *pid)
{
	const char *s = c->p, *q = c->p;
	while (q < c->end && *q != '[' && *q != ':' && *q != ' ')
		q++;
	if (q == s || q >= c->end)
		return 0;
	bw_str name = bw_str_make(s, (size_t)(q - s)), id = BW_STR_NULL;
	if (*q == '[') {
		const char *ps = q + 1, *pe = ps;
		while (pe < c->end && *pe != ']')
			pe++;
		if (pe >= c->end)
			return 0;
		id = bw_str_make(ps, (size_t)(pe - ps));
		q = pe + 1;
	}
	/* macOS ASL "<Notice>" or launchd "(subsystem)" before the colon. */
	if (q + 1 < c->end && *q == ' ' && (q[1] == '<' || q[1] == '(')) {
		char close = q[1] == '<' ? '>' : ')';
		const char *e = memchr(q + 2, close, (size_t)(c->end - q - 2));
		if (e && e + 1 < c->end && e[1] == ':')
			q = e + 1;
	}
	if (q >= c->end || *q != ':')
		return 0;
	q++;
	if (q < c->end && *q == ' ')
		q++;
	c->p = q;
	*prog = name;
	*pid = id;
	return 1;
}

static enum bw_parse_rc syslog_parse(struct bw_parse_ctx *ctx, char *line, size_t n,
				     bw_event *ev)
{
	struct syslog_years scratch = { 0 };
	struct syslog_state *st = ctx->state; /* NULL: no repeats */
	/* a repeat repeats the line just before; whatever this line turns
	 * out to be (unparsable included), it is that line now */
	uint32_t rep_n = st ? st->rep_n : 0;
	if (st)
		st->rep_n = 0;
	struct syslog_years *yr = st ? &st->y : &scratch; /* no state:
		each line on its own, no rollover tracking */
	struct bw_cur c = bw_cur_make(line, n);
	int rfc5424 = 0;

	ev->source = BW_SRC_AUTH;
	ev->format = "syslog";
	if (parse_pri(&c) < 0) {
		ctx->reason = "bad <PRI>";
		return BW_PARSE_MALFORMED;
	}
	if (bw_cur_left(&c) >= 2 && c.p[0] == '1' && c.p[1] == ' ' && c.p > line) {
		rfc5424 = 1;
		c.p += 2;
	}

	/* --- the stamp --- */
	if (rfc5424 && BW_LIT(&c, "- ")) {
		ctx->reason = "RFC 5424 line without a time stamp";
		return BW_PARSE_MALFORMED;
	}
	if (bw_cur_left(&c) >= 19 && is_digit(c.p[0]) && c.p[4] == '-' &&
	    (c.p[10] == 'T' || rfc5424)) {
		size_t k = bw_time_parse_iso(c.p, bw_cur_left(&c), ctx->tz, &ev->ts_ms);
		if (k == 0 || c.p + k >= c.end || c.p[k] != ' ') {
			ctx->reason = "bad RFC 3339 time stamp";
			return BW_PARSE_MALFORMED;
		}
		c.p += k + 1;
	} else if (!rfc5424 && bw_cur_left(&c) >= 15) {
		int mon = bw_month_from_abbr(c.p);
		if (!mon || c.p[3] != ' ') {
			ctx->reason = "no syslog time stamp";
			return BW_PARSE_MALFORMED;
		}
		c.p += 4;
		if (c.p < c.end && *c.p == ' ')
			c.p++;
		int day = 0, digits = 0;
		while (c.p < c.end && is_digit(*c.p) && digits < 2)
			day = day * 10 + (*c.p++ - '0'), digits++;
		if (!digits || !BW_LIT(&c, " ")) {
			ctx->reason = "bad syslog day";
			return BW_PARSE_MALFORMED;
		}
		int year = 0;
		if (bw_cur_left(&c) > 5 && is_digit(c.p[0]) && is_digit(c.p[1]) &&
		    is_digit(c.p[2]) && is_digit(c.p[3]) && c.p[4] == ' ') {
			year = bw_parse_fixed(c.p, 4);
			c.p += 5;
		}
		int h, mi, s;
		if (!scan_hms(&c, &h, &mi, &s)) {
			ctx->reason = "bad syslog time of day";
			return BW_PARSE_MALFORMED;
		}
		int ms = scan_frac(&c);
		if (year) {
			if (!bw_civil_valid(year, mon, day, h, mi, s)) {
				ctx->reason = "impossible date";
				return BW_PARSE_MALFORMED;
			}
			ev->ts_ms = bw_tz_local_to_utc(ctx->tz,
				bw_epoch_from_civil(year, mon, day, h, mi, s)) * 1000 + ms;
		} else {
			if (!yearless_time(ctx, yr, mon, day, h, mi, s, ms, &ev->ts_ms)) {
				ctx->reason = "impossible date";
				return BW_PARSE_MALFORMED;
			}
			if (!ctx->year)
				ev->flags |= BW_EF_TS_GUESSED;
		}
		if (c.p >= c.end || *c.p != ' ') {
			ctx->reason = "nothing after the time stamp";
			return BW_PARSE_MALFORMED;
		}
		c.p++;
	} else {
		ctx->reason = "no syslog time stamp";
		return BW_PARSE_MALFORMED;
	}

	bw_str prog = BW_STR_NULL, pid = BW_STR_NULL;
	if (rfc5424) {
		/* host app procid msgid SD msg */
		bw_str host = bw_cur_word(&c), app = bw_cur_word(&c);
		pid = bw_cur_word(&c);
		(void)bw_cur_word(&c); /* msgid */
		if (!host.n || !app.n || !pid.n) {
			ctx->reason = "truncated RFC 5424 header";
			return BW_PARSE_MALFORMED;
		}
		if (!bw_str_eq(host, "-"))
			ev->host = host;
		if (!bw_str_eq(app, "-"))
			prog = app;
		if (bw_str_eq(pid, "-"))
			pid = BW_STR_NULL;
		/* Structured data: "-" or one or more [id k="v" ...] elements;
		 * ']' inside a value is escaped as \]. */
		if (BW_LIT(&c, "-")) {
		} else if (c.p < c.end && *c.p == '[') {
			size_t sd = bw_syslog_sd_len(c.p, bw_cur_left(&c));
			if (!sd) {
				ctx->reason = "unterminated RFC 5424 structured data";
				return BW_PARSE_MALFORMED;
			}
			c.p += sd;
		}
		if (c.p < c.end && *c.p == ' ')
			c.p++;
		if (bw_cur_left(&c) >= 3 && (unsigned char)c.p[0] == 0xEF &&
		    (unsigned char)c.p[1] == 0xBB && (unsigned char)c.p[2] == 0xBF)
			c.p += 3; /* BOM */
	} else {
		/* FreeBSD's syslogd -v writes the facility and level before
		 * the host: "Jun 14 10:54:40 <auth.info> ns sshd[1]: ..." (a
		 * NetScaler's own ns.log: logins to the appliance) */
		if (c.p < c.end && *c.p == '<') {
			size_t left = bw_cur_left(&c);
			const char *gt = memchr(c.p, '>', left < 24 ? left : 24);
			if (gt && memchr(c.p, '.', (size_t)(gt - c.p)) &&
			    gt + 1 < c.end && gt[1] == ' ')
				c.p = gt + 2;
		}
		/* host, unless it is missing: "Feb  9 21:20:08  sshd[1]: ..."
		 * (empty) or "Nov 27 13:04:01 sshd[1]: ..." (tag right away). */
		if (c.p < c.end && *c.p == ' ') {
			c.p++;
		} else {
			struct bw_cur probe = c;
			bw_str w = bw_cur_word(&probe);
			int is_tag = w.n && (w.p[w.n - 1] == ':' ||
				  (w.n > 2 && w.p[w.n - 1] == ']' && memchr(w.p, '[', w.n)));
			if (!is_tag) {
				ev->host = w;
				c = probe;
			}
		}
		struct bw_cur t = c;
		if (parse_tag(&t, &prog, &pid))
			c = t;
	}
	ev->program = bw_syslog_program_base(prog);
	(void)pid; /* split off, but the event model has no pid field */

	/* Solaris message ids: "[ID 800047 auth.notice] ". */
	if (BW_AT(&c, "[ID ")) {
		const char *e = memchr(c.p, ']', bw_cur_left(&c));
		if (e) {
			c.p = e + 1;
			if (c.p < c.end && *c.p == ' ')
				c.p++;
		}
	}
	char *msg = line + (c.p - line);
	size_t mn = (size_t)(c.end - c.p);
	uint64_t times = bsd_repeat(msg, mn);
	if (times) {
		if (!st || !rep_n) {
			ctx->reason = "BSD 'last message repeated': the message "
				      "before it is no event";
			return BW_PARSE_IGNORED;
		}
		/* parse the kept message again, as if logged N times here */
		st->rep_n = rep_n; /* a chain of repeats repeats it again */
		if (st->rep_prog_n)
			memcpy(st->rep_buf, st->rep_prog, st->rep_prog_n);
		memcpy(st->rep_buf + st->rep_prog_n, st->rep_msg, st->rep_n);
		bw_str rprog = st->rep_prog_n ? bw_str_make(st->rep_buf, st->rep_prog_n) :
						BW_STR_NULL;
		ev->program = bw_syslog_program_base(rprog);
		ev->repeat = times > UINT32_MAX ? UINT32_MAX : (uint32_t)times;
		return bw_syslog_dispatch(ctx, rprog, st->rep_buf + st->rep_prog_n,
					  st->rep_n, ev);
	}
	enum bw_parse_rc rc = bw_syslog_dispatch(ctx, prog, msg, mn, ev);
	if (rc == BW_PARSE_IGNORED && (access_line(msg, mn) || haproxy_line(msg, mn)) &&
	    bw_web_server_tag(prog.p, prog.n)) {
		/* nginx or Apache sending access lines through syslog: the
		 * web parsers read the whole line (the pipeline tries them
		 * on a line the input's parser disowns) */
		ctx->reason = "an access-log line behind a syslog header";
		return BW_PARSE_NOT_MINE;
	}
	/* keep what a repeat would repeat: an event's message */
	if (!st)
		return rc;
	if (rc == BW_PARSE_OK && mn <= REP_MSG_MAX && prog.n <= REP_PROG_MAX) {
		memcpy(st->rep_msg, msg, mn);
		if (prog.n) /* absent: no pointer */
			memcpy(st->rep_prog, prog.p, prog.n);
		st->rep_n = (uint32_t)mn;
		st->rep_prog_n = (uint32_t)prog.n;
	} else {
		st->rep_n = 0;
	}
	return rc;
}

/* @return 1 when the word at c (up to a space) is a "prog[pid]:" or
 * "prog:" tag. */
static int tag_word(struct bw_cur c)
{
	bw_str prog, pid;
	return parse_tag(&c, &prog, &pid);
}

/* Confidence that a line is syslog: a stamp at the very start, then a
 * host and a "prog[pid]:" tag. Access-log lines start with a client
 * address; application logs with "2024-12-15 14:10:00" (a space, not
 * RFC 3339's 'T') are not syslog either. Without a tag (PAN-OS, MikroTik
 * over syslog) the confidence stays low so a product parser wins. */
static int syslog_sniff(const char *line, size_t n)
{
	struct bw_cur c = bw_cur_make(line, n);
	int pri = parse_pri(&c);
	if (pri < 0)
		return 0;
	int score = pri ? 10 : 0;
	if (pri && bw_cur_left(&c) >= 2 && c.p[0] == '1' && c.p[1] == ' ') {
		int64_t ms;
		c.p += 2;
		return bw_time_parse_iso(c.p, bw_cur_left(&c), NULL, &ms) ? 95 : 0;
	}
	if (bw_cur_left(&c) >= 19 && is_digit(c.p[0]) && c.p[4] == '-') {
		int64_t ms;
		size_t k = c.p[10] == 'T' ? bw_time_parse_iso(c.p, bw_cur_left(&c), NULL, &ms) : 0;
		if (!k || c.p + k >= c.end || c.p[k] != ' ')
			return 0;
		c.p += k + 1;
		score += 40;
	} else if (bw_cur_left(&c) >= 16 && bw_month_from_abbr(c.p) && c.p[3] == ' ') {
		c.p += 4;
		if (*c.p == ' ')
			c.p++;
		while (c.p < c.end && is_digit(*c.p))
			c.p++;
		if (!BW_LIT(&c, " ") || bw_cur_left(&c) < 9 || c.p[2] != ':' || c.p[5] != ':')
			return 0;
		c.p += 8;
		while (c.p < c.end && *c.p != ' ')
			c.p++; /* fraction */
		if (c.p < c.end)
			c.p++;
		score += 50;
	} else {
		return 0;
	}
	/* The tag is the first word (no host) or the second. */
	if (tag_word(c))
		return 90;
	(void)bw_cur_word(&c);
	if (c.p < c.end && tag_word(c))
		return 90;
	return score + 10;
}

/* A new file of a tail stream starts as a new input does, but knows
 * where the file before it was (yearless_time: its January after the
 * other's December is the next year); not the other file's last
 * message, which its own "last message repeated" lines cannot mean. */
static void syslog_state_inherit(void *dst, const void *src)
{
	const struct syslog_years *f = &((const struct syslog_state *)src)->y;
	struct syslog_years *t = &((struct syslog_state *)dst)->y;
	t->hint_year = f->hint_year;
	t->hint_month = f->hint_month;
	t->hint_ms = f->hint_ms;
	t->first_in_tail = 1;
}

const struct bw_parser bw_parser_syslog = {
	"syslog",
	"syslog (RFC 3164/BSD, rsyslog RFC 3339, RFC 5424) with sshd, PAM, sudo, su, login, dovecot, postfix SASL",
	BW_SRC_AUTH, syslog_sniff, syslog_parse, sizeof(struct syslog_state), NULL,
	syslog_state_inherit,
};
