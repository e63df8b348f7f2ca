/*
 * main.c - the breachwatch command line. Parses options, builds the
 * pipeline and its sinks, and is the only place that picks an exit code:
 *   0  success (scan: no alert at or above --fail-on)
 *   1  scan: alerts at or above --fail-on
 *   2  usage error, unreadable or corrupt input, --strict violation
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


#include "authpair.h"
#include "bw_time.h"
#include "engine.h"
#include "identity.h"
#include "input.h"
#include "parser.h"
#include "pipeline.h"
#include "scan.h"

#define BW_VERSION "0.1.0"

static const char usage_text[] =
	"usage: breachwatch COMMAND [OPTIONS] [FILE...]\n"
	"\n"
	"commands:\n"
	"  scan [FILE...]     read logs, normalize, run the rules; summary at the end\n"
	"  parse [FILE...]    print every normalized event as NDJSON (ECS names)\n"
	"  formats            list the log formats breachwatch reads\n"
	"  rules check|list|test [DIR]  check the rule files, list them, run\n"
	"                     their test cases (testdata/rules/)\n"
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
	"scan options:\n"
	"  --rules DIR        rules directory (default: ./signatures, else the one\n"
	"                     beside the binary); 'none' = parse only\n"
	"  --json             alerts as NDJSON (ECS names) instead of one line each\n"
	"  --fail-on SEV      exit 1 when an alert reaches SEV (default high;\n"
	"                     none, info, low, medium, high, critical)\n"
	"  --min-severity SEV print alerts from SEV up (info, low, medium, high,\n"
	"                     critical; default all); the summary counts all\n"
	"  --allow FILE       extra allowlist (CIDRs, users, user agents)\n"
	"  --set ID.DIRECTIVE=VALUE  override one rule's directive, e.g.\n"
	"                     auth.bruteforce-source.window=30m,\n"
	"                     web.background-probe.disabled=yes (repeatable)\n"
	"  --max-keys N       cap on rule state keys (default sized for 256 MiB)\n"
	"  --site-tz ZONE     the site's zone for time-of-day rules (default UTC)\n"
	"  --threads N        1: read, parse and run the rules on one thread; 2:\n"
	"                     the rules on a second one (default: 2 when this\n"
	"                     process may use more than one CPU); same alerts\n"
	"\n"
	"options:\n"
	"  --max-line BYTES   cut longer lines (default 64K; suffix K or M)\n"
	"  --reorder DUR      event-time reorder window when merging several\n"
	"                     inputs (default 2s; 0 for one input or a pipe)\n"
	"  --stats            print per-input statistics to stderr at the end\n"
	"  --strict           stop with status 2 at the first unparsable line\n"
	"  --identity-domain DOMAIN  the home domain: DOMAIN\\alice, alice@DOMAIN\n"
	"                     and alice are one identity; give the DNS name\n"
	"                     (corp.example): its first label is the NetBIOS one\n"
	"  --identity-aliases FILE   'from = to' user and @domain aliases\n"
	"  -h, --help         this text;  --version  the version\n"
	"\n"
	"exit status: 0 success; 1 scan found alerts at or above --fail-on;\n"
	"2 usage error, unreadable or corrupt input, or a --strict violation.\n";

struct cli {
	struct bw_input_spec *specs;
	size_t nspecs;
	size_t max_line;
	int64_t reorder_ms;
	int stats;
	int strict;
	const char *identity_domain;
	const char *identity_aliases;
	/* scan */
	const char *rules;     /* --rules DIR, "none", NULL = default */
	const char **allow;    /* --allow FILE... */
	size_t nallow;
	const char **sets;     /* --set ID.DIRECTIVE=VALUE... */
	size_t nsets;
	uint64_t max_keys;
	int fail_on;
	int min_severity;  /* alerts printed from this level up */
	int json;
	const char *site_tz;
	int threads;       /* --threads: 1 or 2, 0 = by the CPUs we may use */
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
	if (errno || end == s || *s < '0' || *s > '9')
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
	c->allow = calloc((size_t)argc + 1, sizeof(*c->allow));
	c->sets = calloc((size_t)argc + 1, sizeof(*c->sets));
	if (!c->specs || !c->allow || !c->sets)
		return usage_error("%s", "out of memory");
	c->reorder_ms = -1;
	c->fail_on = BW_SEV_HIGH;
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
		} else if (is_opt(a, "--rules")) {
			if (!(v = opt_value(argc, argv, &i, a, "--rules")))
				return usage_error("%s needs a directory (or none)", "--rules");
			c->rules = v;
		} else if (is_opt(a, "--allow")) {
			if (!(v = opt_value(argc, argv, &i, a, "--allow")))
				return usage_error("%s needs a file", "--allow");
			c->allow[c->nallow++] = v;
		} else if (is_opt(a, "--set")) {
			if (!(v = opt_value(argc, argv, &i, a, "--set")))
				return usage_error("%s needs RULE-ID.DIRECTIVE=VALUE",
						   "--set");
			c->sets[c->nsets++] = v;
		} else if (is_opt(a, "--max-keys")) {
			char *end;
			if (!(v = opt_value(argc, argv, &i, a, "--max-keys")))
				return usage_error("%s needs a number", "--max-keys");
			errno = 0;
			/* strtoull takes "-1" as 2^64-1: digits only */
			unsigned long long k = strtoull(v, &end, 10);
			if (errno || *end || k == 0 || *v < '0' || *v > '9')
				return usage_error("bad --max-keys '%s'", v);
			c->max_keys = k;
		} else if (is_opt(a, "--threads")) {
			if (!(v = opt_value(argc, argv, &i, a, "--threads")))
				return usage_error("%s needs 1 or 2", "--threads");
			if (strcmp(v, "1") && strcmp(v, "2"))
				return usage_error("bad --threads '%s' (1 or 2)", v);
			c->threads = v[0] - '0';
		} else if (is_opt(a, "--fail-on")) {
			if (!(v = opt_value(argc, argv, &i, a, "--fail-on")))
				return usage_error("%s needs a severity", "--fail-on");
			int sev = bw_severity_from_name(v, strlen(v));
			if (sev < 0)
				return usage_error("bad --fail-on '%s' (none, info, low, medium, high, critical)", v);
			c->fail_on = sev;
		} else if (is_opt(a, "--min-severity")) {
			if (!(v = opt_value(argc, argv, &i, a, "--min-severity")))
				return usage_error("%s needs a severity", "--min-severity");
			int sev = bw_severity_from_name(v, strlen(v));
			if (sev < 0 || sev == BW_SEV_NONE)
				return usage_error("bad --min-severity '%s' (info, low, medium, high, critical)", v);
			c->min_severity = sev;
		} else if (is_opt(a, "--site-tz")) {
			if (!(v = opt_value(argc, argv, &i, a, "--site-tz")))
				return usage_error("%s needs a zone", "--site-tz");
			if (!bw_tz_get(v))
				return usage_error("unknown time zone '%s'", v);
			c->site_tz = v;
		} else if (strcmp(a, "--json") == 0) {
			c->json = 1;
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

/* ------------------------------------------------------------ runs */


static int stop_pipe[2] = { -1, -1 };

static void on_stop_signal(int sig)
{
	int e = errno;
	bw_interrupted = sig;
	if (stop_pipe[1] >= 0 && write(stop_pipe[1], "", 1) < 0) {
		/* full: a byte is already waiting */
	}
	errno = e;
}

/* SIGINT (Ctrl-C) and SIGTERM (systemctl stop, timeout) end the inputs as
 * at EOF: a live `tail -F | scan -` still judges what it read, closes
 * open VPN sessions and prints its summary. A second one kills at once
 * (SA_RESETHAND). SA_RESTART keeps a write to a slow reader of the
 * alerts from failing with EINTR; a read waiting on a pipe returns
 * through the self-pipe (input.c read_stoppable). */
static void catch_stop_signals_as(int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sa.sa_flags = SA_RESETHAND | flags;
	sigemptyset(&sa.sa_mask);
	if (!bw_interrupted) { /* the first one may have come already */
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
}

/* Once the inputs are open: a blocked open() of a FIFO with no writer
 * must see the first signal (no SA_RESTART before). */
static void inputs_opened(void)
{
	catch_stop_signals_as(SA_RESTART);
}

static void catch_stop_signals(void)
{
	if (pipe(stop_pipe) == 0) {
		for (int i = 0; i < 2; i++) {
			fcntl(stop_pipe[i], F_SETFD, FD_CLOEXEC);
			fcntl(stop_pipe[i], F_SETFL, O_NONBLOCK);
		}
		bw_stop_fd = stop_pipe[0];
	}
	catch_stop_signals_as(0); /* SA_RESTART once the inputs are open */
}

/* --threads, or 2 when the process may run on more than one CPU (its
 * affinity mask: taskset and cpusets count, not the machine's size). */
static int use_threads(int asked)
{
	if (asked)
		return asked;
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		return CPU_COUNT(&set) > 1 ? 2 : 1;
	return sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 2 : 1;
}

static int cmd_run(struct cli *c, int parse_only)
{
	struct bw_engine *engine = NULL;
	char dirbuf[4096];
	int status;
	/* one account naming for the events and for the rules' user names */
	struct bw_identity *identity = bw_scan_identity(c->identity_domain,
							c->identity_aliases,
							stderr);
	if (!identity)
		return 2;

	if (!parse_only && !(c->rules && strcmp(c->rules, "none") == 0)) {
		const char *dir = c->rules ? c->rules : bw_default_rules_dir(dirbuf, sizeof(dirbuf));
		if (!dir)
			{
			bw_identity_free(identity);
			return usage_error("%s", "no rules directory: give --rules DIR "
					   "(or --rules none to only parse)");
		}
		const char **names = calloc(c->nspecs, sizeof(*names));
		if (!names) {
			bw_identity_free(identity);
			return usage_error("%s", "out of memory");
		}
		for (size_t i = 0; i < c->nspecs; i++)
			names[i] = c->specs[i].path;
		struct bw_engine_config cfg = {
			.rules_dir = dir,
			.allow_files = c->allow,
			.nallow_files = c->nallow,
			.sets = c->sets,
			.nsets = c->nsets,
			.max_keys = c->max_keys,
			.fail_on = c->fail_on,
			.min_print = c->min_severity,
			.json = c->json,
			.out = stdout,
			.flush = 1,
			.input_names = names,
			.ninputs = c->nspecs,
			.site_tz = c->site_tz,
			.identity = identity,
		};
		static char err[16384];
		engine = bw_engine_new(&cfg, err, sizeof(err));
		free(names);
		if (!engine) {
			fputs(err, stderr);
			if (err[0] && err[strlen(err) - 1] != '\n')
				fputc('\n', stderr);
			bw_identity_free(identity);
			return 2;
		}
	}
	struct bw_scan_opts so = {
		.specs = c->specs,
		.nspecs = c->nspecs,
		.max_line = c->max_line,
		.strict = c->strict,
		.reorder_ms = c->reorder_ms,
		.identity_domain = c->identity_domain,
		.identity_aliases = c->identity_aliases,
		.identity = identity,
		.events_out = parse_only ? stdout : NULL,
		.engine = engine,
		.engine_thread = engine && use_threads(c->threads) > 1,
		.diag = stderr,
		.stats = c->stats,
		.opened = inputs_opened,
	};
	struct bw_scan_result res = { 0 };
	catch_stop_signals();
	status = bw_scan_run(&so, &res);
	if (bw_interrupted)
		fprintf(stderr, "breachwatch: interrupted by %s: the inputs were "
			"read no further; what was read is judged and summarized\n",
			bw_interrupted == SIGINT ? "SIGINT" : "SIGTERM");
	if (parse_only && res.skipped && !c->stats)
		fprintf(stderr, "breachwatch: %llu events from %llu lines in %zu "
			"input(s), %llu skipped (--stats gives the reasons)\n",
			(unsigned long long)res.events,
			(unsigned long long)res.lines, c->nspecs,
			(unsigned long long)res.skipped);
	if (!parse_only && ferror(stdout)) {
		/* a full disk under the nightly report: no silent empty file
		 * (the engine flushes each alert; the error stays set) */
		fprintf(stderr, "breachwatch: error writing alerts: some or all "
			"alerts were lost\n");
		status = 2;
	}
	if (!parse_only) {
		fprintf(stderr, "breachwatch: %llu events from %llu lines in %zu input(s), "
			"%llu skipped\n", (unsigned long long)res.events,
			(unsigned long long)res.lines, c->nspecs,
			(unsigned long long)res.skipped);
		if (res.paired)
			fprintf(stderr, "breachwatch: %llu failed Windows logon(s) were "
				"logged twice, by the domain controller (4776, 4771) "
				"and as a 4625: each counted once\n",
				(unsigned long long)res.paired);
		if (res.pair_overflow)
			fprintf(stderr, "breachwatch: %llu failed logon record(s) went on "
				"unpaired, more than %u waited for their partner at "
				"once: those attempts may count twice\n",
				(unsigned long long)res.pair_overflow,
				(unsigned)BW_AUTHPAIR_HELD);
		if (engine) {
			bw_engine_print_summary(engine, stderr, 0);
			struct bw_engine_stats es;
			bw_engine_get_stats(engine, &es);
			if (es.late)
				fprintf(stderr, "breachwatch: warning: %llu event(s) came "
					"after newer ones, past the reorder window: a "
					"window of their key's that had moved on judged "
					"them alone. Give "
					"the files as arguments (merged by time), in "
					"time order on a pipe, or widen --reorder\n",
					(unsigned long long)es.late);
			if (status == 0)
				status = bw_engine_exit_status(engine);
		}
	}
	bw_engine_free(engine);
	bw_identity_free(identity);
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
	if (strcmp(cmd, "rules") == 0)
		return bw_rules_main(argc - 1, argv + 1);
	if (strcmp(cmd, "parse") != 0 && strcmp(cmd, "scan") != 0)
		return usage_error("unknown command '%s'", cmd);
	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(usage_text, stdout);
			return 0;
		}
	struct cli c = { 0 };
	rc = parse_args(argc, argv, &c);
	if (rc == 0)
		rc = cmd_run(&c, strcmp(cmd, "parse") == 0);
	free(c.specs);
	free(c.allow);
	free(c.sets);
	bw_tz_free_all();
	return rc;
}
