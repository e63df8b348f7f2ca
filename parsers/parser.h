/*
 * parser.h - the parser registry: static tables of line parsers and of
 * syslog programme (message) parsers.
 *
 * A *line parser* owns a whole line of one file format (combined access
 * log, syslog, journald JSON, FortiGate key=value, ...). A *message
 * parser* owns the message part of a syslog line for one programme or
 * product (sshd, sudo, %ASA-, openvpn, ...); the syslog line parser
 * frames the line (time, host, programme, pid) and hands the message to
 * the message parsers.
 *
 * Parsers never allocate per line and never include analyzer headers.
 * They may modify the line buffer in place (unescaping shrinks text), and
 * leave views into it in the event.
 */
#ifndef BW_PARSER_H
#define BW_PARSER_H

#include "event.h"

/* What a parser says about a line. */
enum bw_parse_rc {
	BW_PARSE_OK = 0,        /* the event is filled */
	BW_PARSE_NOT_MINE,      /* this is not my format at all */
	BW_PARSE_MALFORMED,     /* my format, but broken: ctx->reason says why */
	BW_PARSE_IGNORED,       /* my format, valid, but not an event we model
	                           (cron chatter, IIS #headers): ctx->reason */
};

struct bw_tz; /* bw_time.h */

/* Per-input parse context, owned by the input layer. */
struct bw_parse_ctx {
	/* --- set by the caller before the first line --- */
	uint32_t input_id;
	int year;                 /* --year for year-less stamps; 0 = not given */
	int default_year;         /* year from file mtime, else current year */
	const struct bw_tz *tz;   /* zone for zone-less stamps; never NULL */
	void *state;              /* parser-private, state_size bytes, zeroed at
	                             open, freed by the input layer */
	/* --- set by the parser --- */
	const char *reason;       /* static text when MALFORMED or IGNORED;
	                             with NOT_MINE: the line is well formed
	                             here but its content another format's,
	                             ignored for this reason when no other
	                             parser reads it */
	uint64_t warnings;        /* e.g. backwards time jumps, counted */
	const char *warning;      /* last warning text (static) */
	/* --- optional, set by the caller before the first line --- */
	int64_t ref_ms;           /* file modification time (ms since the
	                             epoch) for year-less stamps: a first line
	                             that would lie more than a day after it is
	                             taken to be from the previous year. 0 =
	                             unknown (stdin, --year given). */
};

struct bw_parser {
	const char *name;        /* unique, used by --format and `formats` */
	const char *description; /* one line for `breachwatch formats` */
	enum bw_source source;   /* default source of its events */
	/* How sure the parser is that the line is its format:
	 * @return 0 (not mine) .. 100 (certain). Must not modify the line. */
	int (*sniff)(const char *line, size_t n);
	/* Parse one line into ev (already cleared by the caller; provenance
	 * and `line` filled). @return a bw_parse_rc; on MALFORMED or IGNORED
	 * set ctx->reason to a static string. */
	enum bw_parse_rc (*parse)(struct bw_parse_ctx *ctx, char *line,
				  size_t n, bw_event *ev);
	size_t state_size;       /* bytes of per-input private state, or 0 */
	/* Release what the state holds (e.g. the last line's JSON tree);
	 * NULL when there is nothing to release. */
	void (*state_fini)(void *state);
	/* What a new file of a `tail -F a b` stream takes over from the
	 * state of the file read before it (dst is zeroed): an IIS layout
	 * whose #Fields line scrolled out of tail's last lines, a learned
	 * date order as a guess, the year reached. NULL: nothing, the file
	 * starts as a new input does. */
	void (*state_inherit)(void *dst, const void *src);
};

struct bw_msg_parser {
	const char *name;
	/* Programme names it handles, e.g. { "sshd", NULL }; NULL list means
	 * "try on any programme" (products whose syslog tag varies, such as
	 * %ASA-6-113004 or FortiGate's key=value). */
	const char *const *programs;
	/* Parse the message part of a framed syslog line. ev already holds
	 * ts, host, program and provenance. @return as bw_parser.parse. */
	enum bw_parse_rc (*parse)(struct bw_parse_ctx *ctx, bw_str program,
				  char *msg, size_t n, bw_event *ev);
};

/* The registries (parsers/registry.c), each terminated by a NULL name. */
extern const struct bw_parser *const bw_parsers[];
#define BW_MAX_PARSERS 32 /* entries of bw_parsers, NULL excluded, at most */
extern const struct bw_msg_parser *const bw_msg_parsers[];

/* @return the line parser called name, or NULL. */
const struct bw_parser *bw_parser_find(const char *name);

/* Pick the best line parser for a sample of lines.
 * @return the parser with the highest summed sniff score, or NULL when no
 * parser claims any line. */
const struct bw_parser *bw_parser_sniff(const bw_str *lines, size_t nlines);

#endif /* BW_PARSER_H */
