/*
 * rules_cli.c - `breachwatch rules check|list|test [DIR]`.
 *
 *   check  load and compile every .rules file in DIR, lists and allowlists; print
 *          every error as file:line:col: message; exit 0 (ok) or 2.
 *   list   id, kind, severity, title of every rule.
 *   test   run every case under testdata/rules/<rule-id>/{fire,miss}/ (or
 *          --cases DIR): all *.log files of a case are the inputs of one
 *          scan; fire needs at least one alert of that rule (and whatever
 *          fire/expect asks), miss needs none. Exit 0 all passed, 1 some
 *          failed, 2 rules or cases could not be loaded.
 *
 * Only returns exit codes; main() decides to exit.
 */
#include "engine.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alert.h"
#include "buf.h"
#include "rule.h"
#include "scan.h"

static const char rules_usage[] =
	"usage: breachwatch rules check [DIR] [--set ID.DIRECTIVE=VALUE]...\n"
	"       breachwatch rules list [DIR] [--set ID.DIRECTIVE=VALUE]...\n"
	"       breachwatch rules test [DIR] [--cases DIR] [--threads 1|2] [-v]\n"
	"DIR is the rules directory (default: signatures); --cases defaults to\n"
	"testdata/rules; --threads 2 runs each case's engine on a thread of its\n"
	"own, as scan does on a machine with two CPUs (default 1).\n";

struct sets {
	const char **v;
	size_t n;
};

static int cmd_check(const char *dir, const struct sets *sets)
{
	char err[65536];
	struct bw_engine_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.rules_dir = dir;
	cfg.seed = 1;
	cfg.sets = sets->v;
	cfg.nsets = sets->n;
	struct bw_engine *e = bw_engine_new(&cfg, err, sizeof(err));
	if (!e) {
		fputs(err, stderr);
		return 2;
	}
	printf("%s: %zu rules OK\n", dir, bw_engine_nrules(e));
	bw_engine_free(e);
	return 0;
}

static int cmd_list(const char *dir, const struct sets *sets)
{
	struct bw_rerr re = { 0 };
	struct bw_ruleset *rs = bw_ruleset_load_set(dir, 1, sets->v, sets->n, NULL, &re);
	if (!rs || re.count) {
		fputs(re.buf ? re.buf : "out of memory\n", stderr);
		bw_rerr_fini(&re);
		bw_ruleset_free(rs);
		return 2;
	}
	for (size_t i = 0; i < rs->nrules; i++) {
		const struct bw_rule *r = &rs->rules[i];
		printf("%-40s %-9s %-8s %s%s\n", r->id, bw_rkind_name(r->kind),
		       r->disabled ? "disabled" : bw_severity_name(r->severity),
		       r->title, r->noverride ? " (overridden)" : "");
	}
	bw_ruleset_free(rs);
	bw_rerr_fini(&re);
	return 0;
}

/* ------------------------------------------------------------- test */

struct got {
	char *rule;
	int severity;
	char *text;      /* "field=value\n" lines of the triggering event */
	char *message;
};

struct run {
	struct bw_engine *e;
	int threads;              /* 2 = the engine on a thread of its own */
	uint64_t events, skipped; /* parsed / unparsed lines of the inputs */
	struct got *got;
	size_t ngot, capgot;
};

static char *dupn(const char *p, size_t n)
{
	char *s = malloc(n + 1);
	if (s) {
		memcpy(s, p, n);
		s[n] = 0;
	}
	return s;
}

static void on_alert(void *ctx, const struct bw_alert *a)
{
	struct run *r = ctx;
	if (r->ngot == r->capgot) {
		size_t cap = r->capgot ? r->capgot * 2 : 16;
		struct got *g = realloc(r->got, cap * sizeof(*g));
		if (!g)
			return;
		r->got = g;
		r->capgot = cap;
	}
	struct got *g = &r->got[r->ngot++];
	g->rule = strdup(a->rule_id);
	g->severity = a->severity;
	g->message = dupn(a->message ? a->message : "", a->message_len);
	struct bw_buf b;
	bw_buf_init(&b);
	for (int f = 0; f < BW_F__COUNT; f++) {
		size_t mark = b.n;
		bw_buf_adds(&b, bw_field_desc((enum bw_field_id)f)->name);
		bw_buf_addc(&b, '=');
		if (!bw_alert_field_text(&b, a->ev, f)) {
			b.n = mark;
			continue;
		}
		bw_buf_addc(&b, '\n');
	}
	g->text = dupn(b.p ? b.p : "", b.n);
	bw_buf_fini(&b);
}

static void run_fini(struct run *r)
{
	for (size_t i = 0; i < r->ngot; i++) {
		free(r->got[i].rule);
		free(r->got[i].text);
		free(r->got[i].message);
	}
	free(r->got);
	memset(r, 0, sizeof(*r));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted entries of dir (names, malloc'd); suffix filters when non-NULL,
 * dirs_only keeps directories. */
static char **list_dir(const char *dir, const char *suffix, int dirs_only,
		       size_t *n)
{
	*n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return NULL;
	char **v = NULL;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		size_t l = strlen(de->d_name);
		if (suffix && (l < strlen(suffix) ||
			       strcmp(de->d_name + l - strlen(suffix), suffix)))
			continue;
		if (!dirs_only && (!strcmp(de->d_name, "expect") ||
				   !strcmp(de->d_name, "options") ||
				   !strncmp(de->d_name, "README", 6)))
			continue; /* case metadata, not inputs */
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		struct stat st;
		if (stat(path, &st) || (dirs_only != !!S_ISDIR(st.st_mode)))
			continue;
		char **p = realloc(v, (*n + 1) * sizeof(*p));
		if (!p)
			break;
		v = p;
		v[(*n)++] = strdup(de->d_name);
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_str);
	return v;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

struct case_opts {
	char tz[128];
	char site_tz[128];
	char format[128];
	char identity_domain[128];
	int year;
};

/* Optional `options` file in a case directory: "tz ZONE", "site-tz ZONE",
 * "year YYYY", "format NAME", one per line. */
static void read_options(const char *dir, struct case_opts *o)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->tz, sizeof(o->tz), "UTC");
	char path[4200], line[256];
	snprintf(path, sizeof(path), "%s/options", dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char k[64], v[128];
		if (sscanf(line, "%63s %127s", k, v) != 2 || k[0] == '#')
			continue;
		if (!strcmp(k, "tz"))
			snprintf(o->tz, sizeof(o->tz), "%s", v);
		else if (!strcmp(k, "site-tz"))
			snprintf(o->site_tz, sizeof(o->site_tz), "%s", v);
		else if (!strcmp(k, "format"))
			snprintf(o->format, sizeof(o->format), "%s", v);
		else if (!strcmp(k, "year"))
			o->year = atoi(v);
		else if (!strcmp(k, "identity-domain"))
			snprintf(o->identity_domain, sizeof(o->identity_domain), "%s", v);
	}
	fclose(f);
}

/* Scan every *.log of casedir with the rules in rules_dir.
 * @return 0, or 2 when the case could not be run (message printed). */
static int run_case(const char *rules_dir, const char *casedir, struct run *r)
{
	size_t nlogs;
	char **logs = list_dir(casedir, NULL, 0, &nlogs);
	if (!nlogs) {
		fprintf(stderr, "%s: no input files\n", casedir);
		free_list(logs, nlogs);
		return 2;
	}
	struct case_opts o;
	read_options(casedir, &o);
	char err[8192];
	struct bw_engine_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.rules_dir = rules_dir;
	cfg.seed = 1;
	cfg.on_alert = on_alert;
	cfg.on_alert_ctx = r;
	cfg.site_tz = o.site_tz[0] ? o.site_tz : NULL;
	struct bw_identity *id = bw_scan_identity(o.identity_domain[0] ?
						  o.identity_domain : NULL,
						  NULL, stderr);
	if (!id) {
		free_list(logs, nlogs);
		return 2;
	}
	cfg.identity = id;
	r->e = bw_engine_new(&cfg, err, sizeof(err));
	if (!r->e) {
		fputs(err, stderr);
		free_list(logs, nlogs);
		bw_identity_free(id);
		return 2;
	}
	struct bw_input_spec *specs = calloc(nlogs, sizeof(*specs));
	char **paths = calloc(nlogs, sizeof(*paths));
	int rc = 2;
	if (!specs || !paths)
		goto out;
	for (size_t i = 0; i < nlogs; i++) {
		paths[i] = malloc(strlen(casedir) + strlen(logs[i]) + 2);
		if (!paths[i])
			goto out;
		sprintf(paths[i], "%s/%s", casedir, logs[i]);
		specs[i].path = paths[i];
		specs[i].format = o.format[0] ? o.format : NULL;
		specs[i].tz = o.tz;
		specs[i].year = o.year;
	}
	/* The same stages as `scan` (VPN sessions and leases, identity), so a
	 * case sees exactly what a scan of its files would. */
	struct bw_scan_opts so = {
		.specs = specs,
		.nspecs = nlogs,
		.reorder_ms = -1,
		.identity = id,
		.engine = r->e,
		.engine_thread = r->threads > 1,
		.diag = stderr,
	};
	struct bw_scan_result res = { 0 };
	rc = bw_scan_run(&so, &res);
	r->events = res.events;
	r->skipped = res.skipped;
out:
	if (paths)
		for (size_t i = 0; i < nlogs; i++)
			free(paths[i]);
	free(paths);
	free(specs);
	free_list(logs, nlogs);
	bw_identity_free(id);
	return rc;
}

static size_t alerts_of(const struct run *r, const char *id)
{
	size_t n = 0;
	for (size_t i = 0; i < r->ngot; i++)
		if (!strcmp(r->got[i].rule, id))
			n++;
	return n;
}

/* Check fire/expect lines. @return number of failed expectations. */
static int check_expect(const char *path, const char *id, const struct run *r,
			int verbose)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	char line[1024];
	int bad = 0, ln = 0;
	while (fgets(line, sizeof(line), f)) {
		ln++;
		line[strcspn(line, "\r\n")] = 0;
		char *k = line;
		while (*k == ' ' || *k == '\t')
			k++;
		if (!*k || *k == '#')
			continue;
		char *v = k + strcspn(k, " \t");
		if (*v)
			*v++ = 0;
		while (*v == ' ' || *v == '\t')
			v++;
		int ok = 0;
		if (!strcmp(k, "count")) {
			ok = alerts_of(r, id) == (size_t)strtoull(v, NULL, 10);
		} else if (!strcmp(k, "severity")) {
			for (size_t i = 0; i < r->ngot; i++)
				if (!strcmp(r->got[i].rule, id) &&
				    !strcmp(bw_severity_name(r->got[i].severity), v))
					ok = 1;
		} else if (!strcmp(k, "message")) {
			for (size_t i = 0; i < r->ngot; i++)
				if (!strcmp(r->got[i].rule, id) &&
				    strstr(r->got[i].message, v))
					ok = 1;
		} else if (bw_field_lookup(k, strlen(k)) >= 0) {
			char want[1100];
			int fi = bw_field_lookup(k, strlen(k));
			snprintf(want, sizeof(want), "\n%s=%s\n",
				 bw_field_desc((enum bw_field_id)fi)->name, v);
			for (size_t i = 0; i < r->ngot; i++) {
				if (strcmp(r->got[i].rule, id))
					continue;
				size_t tl = strlen(r->got[i].text);
				char *t = malloc(tl + 2);
				if (!t)
					continue;
				t[0] = '\n';
				memcpy(t + 1, r->got[i].text, tl + 1);
				if (strstr(t, want))
					ok = 1;
				free(t);
			}
		} else {
			fprintf(stderr, "%s:%d: unknown expectation '%s'\n", path, ln, k);
		}
		if (!ok) {
			bad++;
			printf("    %s:%d: expected %s %s\n", path, ln, k, v);
		}
	}
	(void)verbose;
	fclose(f);
	return bad;
}

static int cmd_test(const char *dir, const char *cases, int verbose,
		    int threads)
{
	struct bw_rerr re = { 0 };
	struct bw_ruleset *rs = bw_ruleset_load(dir, 1, &re);
	if (!rs || re.count) {
		fputs(re.buf ? re.buf : "out of memory\n", stderr);
		bw_rerr_fini(&re);
		bw_ruleset_free(rs);
		return 2;
	}
	size_t nids;
	char **ids = list_dir(cases, NULL, 1, &nids);
	if (!ids) {
		fprintf(stderr, "breachwatch: cannot read %s\n", cases);
		bw_ruleset_free(rs);
		bw_rerr_fini(&re);
		return 2;
	}
	int passed = 0, failed = 0, broken = 0, skipped = 0;
	size_t without = 0;
	for (size_t i = 0; i < rs->nrules; i++) {
		int has = 0;
		for (size_t k = 0; k < nids; k++)
			has |= !strcmp(ids[k], rs->rules[i].id);
		if (!has) {
			without++;
			if (verbose)
				printf("note %s: no test cases\n", rs->rules[i].id);
		}
	}
	for (size_t k = 0; k < nids; k++) {
		int known = 0;
		for (size_t i = 0; i < rs->nrules; i++)
			known |= !strcmp(ids[k], rs->rules[i].id);
		if (!known) {
			printf("FAIL %s: no rule with this id\n", ids[k]);
			failed++;
			continue;
		}
		static const char *const kinds[2] = { "fire", "miss" };
		for (int m = 0; m < 2; m++) {
			char cdir[4096];
			snprintf(cdir, sizeof(cdir), "%s/%s/%s", cases, ids[k], kinds[m]);
			struct stat st;
			if (stat(cdir, &st) || !S_ISDIR(st.st_mode)) {
				printf("FAIL %s: no %s case\n", ids[k], kinds[m]);
				failed++;
				continue;
			}
			struct run r;
			memset(&r, 0, sizeof(r));
			r.threads = threads;
			int rc = run_case(dir, cdir, &r);
			size_t n = alerts_of(&r, ids[k]);
			int ok;
			if (rc) {
				broken++;
				ok = 0;
			} else if (r.events == 0) {
				/* no parser reads these inputs yet: say so, but a
				 * case nobody can run is not a rule failure */
				skipped++;
				printf("SKIP %s %s: none of the %llu lines parsed (no "
				       "parser for this format yet?)\n", ids[k], kinds[m],
				       (unsigned long long)r.skipped);
				if (r.e)
					bw_engine_free(r.e);
				run_fini(&r);
				continue;
			} else if (m == 0) {
				ok = n > 0;
			} else {
				ok = n == 0;
			}
			int bad_expect = 0;
			if (!rc && m == 0 && n > 0) {
				char ep[4200];
				snprintf(ep, sizeof(ep), "%s/expect", cdir);
				bad_expect = check_expect(ep, ids[k], &r, verbose);
				if (bad_expect)
					ok = 0;
			}
			if (ok) {
				passed++;
				if (verbose)
					printf("ok   %s %s (%zu alert%s)\n", ids[k], kinds[m], n,
					       n == 1 ? "" : "s");
			} else {
				failed++;
				printf("FAIL %s %s: %zu alert%s of this rule%s\n", ids[k],
				       kinds[m], n, n == 1 ? "" : "s",
				       rc ? " (case could not run)" : "");
				for (size_t i = 0; i < r.ngot && i < 5; i++)
					if (!strcmp(r.got[i].rule, ids[k]))
						printf("    %s\n", r.got[i].message);
			}
			if (r.e)
				bw_engine_free(r.e);
			run_fini(&r);
		}
	}
	printf("rules test: %d passed, %d failed, %d skipped (%zu rules without "
	       "cases)\n", passed, failed, skipped, without);
	free_list(ids, nids);
	bw_ruleset_free(rs);
	bw_rerr_fini(&re);
	if (broken)
		return 2;
	return failed ? 1 : 0;
}

const char *bw_default_rules_dir(char *buf, size_t cap)
{
	struct stat st;
	if (stat("signatures", &st) == 0 && S_ISDIR(st.st_mode))
		return "signatures";
	/* the binary itself, wherever PATH found it */
	ssize_t n = readlink("/proc/self/exe", buf, cap > 12 ? cap - 12 : 0);
	if (n <= 0 || (size_t)n >= cap - 12)
		return NULL;
	buf[n] = 0;
	char *slash = strrchr(buf, '/');
	if (!slash)
		return NULL;
	strcpy(slash, "/signatures");
	return stat(buf, &st) == 0 && S_ISDIR(st.st_mode) ? buf : NULL;
}

int bw_rules_main(int argc, char **argv)
{
	/* argv[0] = "rules", argv[1] = subcommand */
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(rules_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *sub = argv[1];
	char dirbuf[4096];
	const char *dir = bw_default_rules_dir(dirbuf, sizeof(dirbuf)),
		   *cases = "testdata/rules";
	if (!dir)
		dir = "signatures"; /* named in the error that follows */
	int verbose = 0, ndirs = 0, threads = 1;
	struct sets sets = { NULL, 0 };
	sets.v = calloc((size_t)argc, sizeof(*sets.v));
	if (!sets.v) {
		fputs("breachwatch rules: out of memory\n", stderr);
		return 2;
	}
	int rc = 2;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--cases") && i + 1 < argc) {
			cases = argv[++i];
		} else if (!strcmp(argv[i], "--set") && i + 1 < argc) {
			sets.v[sets.n++] = argv[++i];
		} else if (!strncmp(argv[i], "--set=", 6)) {
			sets.v[sets.n++] = argv[i] + 6;
		} else if (!strcmp(argv[i], "--threads")) {
			if (i + 1 >= argc || (strcmp(argv[i + 1], "1") &&
					      strcmp(argv[i + 1], "2"))) {
				fprintf(stderr, "breachwatch rules: --threads "
					"takes 1 or 2\n%s", rules_usage);
				goto out;
			}
			threads = argv[++i][0] - '0';
		} else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			verbose = 1;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "breachwatch rules: unknown option %s\n%s",
				argv[i], rules_usage);
			goto out;
		} else if (ndirs++ == 0) {
			dir = argv[i];
		} else {
			fprintf(stderr, "breachwatch rules: one DIR only\n%s", rules_usage);
			goto out;
		}
	}
	if (!strcmp(sub, "check"))
		rc = cmd_check(dir, &sets);
	else if (!strcmp(sub, "list"))
		rc = cmd_list(dir, &sets);
	else if (!strcmp(sub, "test") && !sets.n)
		rc = cmd_test(dir, cases, verbose, threads);
	else if (!strcmp(sub, "test"))
		fprintf(stderr, "breachwatch rules: the test cases are for the "
			"rules as written; --set applies to check and list\n");
	else
		fprintf(stderr, "breachwatch rules: unknown command '%s'\n%s", sub,
			rules_usage);
out:
	free(sets.v);
	return rc;
}
