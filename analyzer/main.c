/*
 * main.c - the breachwatch command line. Parses options, builds the
 * pipeline and its sinks, and is the only place that picks an exit code:
 *   0  success (scan: no alert at or above --fail-on)
 *   1  scan: alerts at or above --fail-on
 *   2  usage error, unreadable or corrupt input, --strict violation
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "bw_time.h"
#include "identity.h"
#include "input.h"
#include "output_json.h"
#include "parser.h"
#include "pipeline.h"
#include "vpn_stage.h"

#define BW_VERSION "0.1.0"

static const char usage_text[] =
	"usage: breachwatch COMMAND [OPTIONS] [FILE...]\n"
	"\n"
	"commands:\n"
	"  scan [FILE...]     read logs, normalize, run the rules; summary at the end\n"
	"  parse [FILE...]    print every normalized event as NDJSON (ECS names)\n"
	"  formats            list the log formats breachwatch reads\n"
	"\n"
	"FILE is a path or - for standard input (the default). Plain, gzip and\n"
	"zstd inputs are recognized by their magic bytes.\n"
	"\n"
	"positional options (apply to the FILEs after them; before the first\n"
	"FILE they apply to all):\n"
	"  --format NAME      parse as NAME instead of sniffing the format\n"
	"  --tz ZONE          zone for stamps without one (IANA name or UTC;\n"
	"                     default: the local zone)\n"
	"  --year YYYY        year for year-less syslog stamps (default: from the\n"
	"                     file's modification time, else the current year)\n"
	"\n"
	"options:\n"
	"  --max-line BYTES   cut longer lines (default 64K; suffix K or M)\n"
	"  --reorder DUR      event-time reorder window when merging several\n"
	"                     inputs (default 2s; 0 for one input or a pipe)\n"
	"  --stats            print per-input statistics to stderr at the end\n"
	"  --strict           stop with status 2 at the first unparsable line\n"
	"  --identity-domain DOMAIN  the home domain: DOMAIN\\alice, alice@DOMAIN\n"
	"                     and alice are one identity\n"
	"  --identity-aliases FILE   'from = to' user and @domain aliases\n"
	"  -h, --help         this text;  --version  the version\n"
	"\n"
	"exit status: 0 success; 1 scan found alerts at or above --fail-on;\n"
	"2 usage error, unreadable or corrupt input, or a --strict violation.\n";

struct cli {
	const char *command;
	struct bw_input_spec *specs;
	size_t nspecs;
	size_t max_line;
	int64_t reorder_ms;
	int stats;
	int strict;
	const char *identity_domain;
	const char *identity_aliases;
};

__attribute__((format(printf, 1, 2)))
static int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "breachwatch: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\nTry 'breachwatch --help'.\n");
	va_end(ap);
	return 2;
}

/* "64K", "1M", "65536" -> bytes. @return 0 on success. */
static int parse_size(const char *s, size_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	if (*end == 'K' || *end == 'k')
		v *= 1024, end++;
	else if (*end == 'M' || *end == 'm')
		v *= 1024 * 1024, end++;
	if (*end || v == 0 || v > (1ull << 31))
		return -1;
	*out = (size_t)v;
	return 0;
}

/* "2s", "500ms", "1m", "0" -> milliseconds. @return 0 on success. */
static int parse_duration_ms(const char *s, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || v < 0)
		return -1;
	long long mul = 1000;
	if (strcmp(end, "ms") == 0)
		mul = 1;
	else if (strcmp(end, "s") == 0 || *end == '\0')
		mul = 1000;
	else if (strcmp(end, "m") == 0)
		mul = 60000;
	else if (strcmp(end, "h") == 0)
		mul = 3600000;
	else
		return -1;
	*out = v * mul;
	return 0;
}

/* Split "--opt=value" or take the next argument. */
static const char *opt_value(int argc, char **argv, int *i, const char *arg,
			     const char *name)
{
	size_t n = strlen(name);
	if (strncmp(arg, name, n) == 0 && arg[n] == '=')
		return arg + n + 1;
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

static int is_opt(const char *arg, const char *name)
{
	size_t n = strlen(name);
	return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

static int parse_args(int argc, char **argv, struct cli *c)
{
	const char *format = NULL, *tz = NULL;
	int year = 0, only_files = 0;

	c->specs = calloc((size_t)argc + 1, sizeof(*c->specs));
	if (!c->specs)
		return usage_error("%s", "out of memory");
	c->reorder_ms = -1;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v;
		if (only_files || a[0] != '-' || strcmp(a, "-") == 0) {
			c->specs[c->nspecs++] = (struct bw_input_spec){ a, format, tz, year };
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_files = 1;
		} else if (is_opt(a, "--format")) {
			if (!(v = opt_value(argc, argv, &i, a, "--format")))
				return usage_error("%s needs a value", "--format");
			format = v;
			if (!bw_parser_find(format))
				return usage_error("unknown format '%s' (see 'breachwatch formats')", format);
		} else if (is_opt(a, "--tz")) {
			if (!(v = opt_value(argc, argv, &i, a, "--tz")))
				return usage_error("%s needs a value", "--tz");
			if (!bw_tz_get(v))
				return usage_error("unknown time zone '%s' (an IANA name such as Europe/Amsterdam, or UTC)", v);
			tz = v;
		} else if (is_opt(a, "--year")) {
			if (!(v = opt_value(argc, argv, &i, a, "--year")))
				return usage_error("%s needs a value", "--year");
			char *end;
			long y = strtol(v, &end, 10);
			if (*end || y < 1970 || y > 9999)
				return usage_error("bad --year '%s'", v);
			year = (int)y;
		} else if (is_opt(a, "--max-line")) {
			if (!(v = opt_value(argc, argv, &i, a, "--max-line")) ||
			    parse_size(v, &c->max_line) < 0)
				return usage_error("%s needs a size such as 64K", "--max-line");
		} else if (is_opt(a, "--reorder")) {
			if (!(v = opt_value(argc, argv, &i, a, "--reorder")) ||
			    parse_duration_ms(v, &c->reorder_ms) < 0)
				return usage_error("%s needs a duration such as 2s", "--reorder");
		} else if (is_opt(a, "--identity-domain")) {
			if (!(v = opt_value(argc, argv, &i, a, "--identity-domain")))
				return usage_error("%s needs a domain", "--identity-domain");
			c->identity_domain = v;
		} else if (is_opt(a, "--identity-aliases")) {
			if (!(v = opt_value(argc, argv, &i, a, "--identity-aliases")))
				return usage_error("%s needs a file", "--identity-aliases");
			c->identity_aliases = v;
		} else if (strcmp(a, "--stats") == 0) {
			c->stats = 1;
		} else if (strcmp(a, "--strict") == 0) {
			c->strict = 1;
		} else {
			return usage_error("unknown option '%s'", a);
		}
	}
	if (c->nspecs == 0)
		c->specs[c->nspecs++] = (struct bw_input_spec){ "-", format, tz, year };
	/* Options given only after the last file apply to all files before
	 * it when no file came after them: "scan a.log --tz UTC" does what
	 * it says. */
	for (size_t k = 0; k < c->nspecs; k++) {
		if (!c->specs[k].format && format)
			c->specs[k].format = format;
		if (!c->specs[k].tz && tz)
			c->specs[k].tz = tz;
		if (!c->specs[k].year && year)
			c->specs[k].year = year;
	}
	return 0;
}

/* ------------------------------------------------------------ sinks */

struct run {
	struct bw_pipeline *pl;
	struct bw_vpn_stage *vpn;
	struct bw_identity *identity;
	char identity_buf[512]; /* the current event's identity */
	struct bw_buf out;
	int json_events;
	uint64_t events;
};

/* After the VPN stage: identity, then the sinks. */
static void on_final_event(void *arg, bw_event *ev)
{
	struct run *r = arg;
	r->events++;
	if (ev->user.p) {
		size_t n = bw_identity_normalize(r->identity, ev->user, ev->user_domain,
						 r->identity_buf, sizeof(r->identity_buf));
		if (n)
			ev->identity = (bw_str){ r->identity_buf, n };
	}
	if (r->json_events) {
		bw_output_event_json(&r->out, ev,
				     bw_pipeline_input_name(r->pl, ev->input_id));
		if (r->out.n >= 64 * 1024)
			bw_buf_write(&r->out, stdout);
	}
}

/* Merged events: sessions and leases first (they may replace an event
 * or fill its user), then on_final_event. */
static void on_event(void *arg, bw_event *ev)
{
	struct run *r = arg;
	bw_vpn_stage_event(r->vpn, ev, on_final_event, r);
}

static void on_flush(void *arg)
{
	struct run *r = arg;
	bw_buf_write(&r->out, stdout);
	fflush(stdout);
}

static void print_vpn_stats(FILE *f, const struct bw_sessions_stats *s,
			    const struct bw_leases_stats *l)
{
	if (!s->opened && !s->unmatched && !l->opened)
		return;
	fprintf(f, "vpn sessions: opened %llu, closed %llu, open at end %llu, "
		"evicted %llu, end without start %llu\n",
		(unsigned long long)s->opened, (unsigned long long)s->closed,
		(unsigned long long)s->flushed, (unsigned long long)s->evicted,
		(unsigned long long)s->unmatched);
	fprintf(f, "address leases: %llu, evicted %llu, events attributed %llu\n",
		(unsigned long long)l->opened, (unsigned long long)l->evicted,
		(unsigned long long)l->attributed);
}

static int cmd_run(struct cli *c, int parse_only)
{
	static struct run r; /* static: identity_buf is large */
	char err[512];
	int status = 2;
	memset(&r, 0, sizeof(r));
	bw_buf_init(&r.out);
	r.json_events = parse_only;
	r.vpn = bw_vpn_stage_new(0, 0);
	r.identity = bw_identity_new();
	if (!r.vpn || !r.identity) {
		fprintf(stderr, "breachwatch: out of memory\n");
		goto out;
	}
	if (c->identity_domain && bw_identity_set_domain(r.identity, c->identity_domain) < 0) {
		status = usage_error("bad --identity-domain '%s'", c->identity_domain);
		goto out;
	}
	if (c->identity_aliases &&
	    bw_identity_load_aliases(r.identity, c->identity_aliases, err, sizeof(err)) < 0) {
		fprintf(stderr, "breachwatch: %s\n", err);
		goto out;
	}
	struct bw_pipeline_opts o = {
		.max_line = c->max_line,
		.strict = c->strict,
		.reorder_ms = c->reorder_ms,
		.on_event = on_event,
		.flush = on_flush,
		.arg = &r,
		.diag = stderr,
	};
	r.pl = bw_pipeline_new(c->specs, c->nspecs, &o, err, sizeof(err));
	if (!r.pl) {
		status = usage_error("%s", err);
		goto out;
	}
	status = bw_pipeline_run(r.pl);
	bw_vpn_stage_finish(r.vpn, on_final_event, &r);
	on_flush(&r);
	if (!parse_only)
		fprintf(stderr, "breachwatch: %llu events from %llu lines in %zu input(s)\n",
			(unsigned long long)r.events,
			(unsigned long long)bw_pipeline_lines(r.pl),
			bw_pipeline_ninputs(r.pl));
	if (c->stats) {
		bw_pipeline_print_stats(r.pl, stderr);
		struct bw_sessions_stats ss;
		struct bw_leases_stats ls;
		bw_vpn_stage_stats(r.vpn, &ss, &ls);
		print_vpn_stats(stderr, &ss, &ls);
	}
	if (ferror(stdout)) {
		fprintf(stderr, "breachwatch: error writing output\n");
		status = 2;
	}
out:
	bw_pipeline_free(r.pl);
	bw_vpn_stage_free(r.vpn);
	bw_identity_free(r.identity);
	bw_buf_fini(&r.out);
	return status;
}

static int cmd_formats(void)
{
	for (size_t i = 0; bw_parsers[i]; i++)
		printf("%-16s %-6s %s\n", bw_parsers[i]->name,
		       bw_source_name(bw_parsers[i]->source),
		       bw_parsers[i]->description);
	for (size_t i = 0; bw_msg_parsers[i]; i++)
		printf("%-16s %-6s syslog programme parser\n", bw_msg_parsers[i]->name, "");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage_text, stderr);
		return 2;
	}
	const char *cmd = argv[1];
	int rc;
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 ||
	    strcmp(cmd, "help") == 0) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0) {
		printf("breachwatch %s\n", BW_VERSION);
		return 0;
	}
	if (strcmp(cmd, "formats") == 0)
		return cmd_formats();
	if (strcmp(cmd, "parse") != 0 && strcmp(cmd, "scan") != 0)
		return usage_error("unknown command '%s'", cmd);
	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(usage_text, stdout);
			return 0;
		}
	struct cli c = { .command = cmd };
	rc = parse_args(argc, argv, &c);
	if (rc == 0)
		rc = cmd_run(&c, strcmp(cmd, "parse") == 0);
	free(c.specs);
	bw_tz_free_all();
	return rc;
}
