/*
 * test_rule.c - the rule language: lexer tokens and units, parser
 * results, every error with its exact file:line:col, the regex literal
 * prefilter, sets and globs.
 */
#include "bw_test.h"
#include "rule.h"
#include "bw_util.h"

#include <ctype.h>
#include <string.h>

static struct bw_ruleset *parse(const char *text, struct bw_rerr *err)
{
	struct bw_ruleset *rs = calloc(1, sizeof(*rs));
	rs->dir = "/nonexistent";
	rs->seed = 3;
	bw_rule_parse(rs, "t.rules", text, strlen(text), err);
	bw_ruleset_compile(rs, err);
	return rs;
}

/* Rules, then a file's override blocks, then --set strings: the loader's
 * order (an override may come before its rule in the text). */
static struct bw_ruleset *parse_ov(const char *text, const char *const *sets,
				   size_t nsets, struct bw_rerr *err)
{
	struct bw_ruleset *rs = calloc(1, sizeof(*rs));
	rs->dir = "/nonexistent";
	rs->seed = 3;
	bw_rule_parse(rs, "t.rules", text, strlen(text), err);
	bw_rule_parse_overrides(rs, "t.rules", text, strlen(text), err);
	for (size_t i = 0; i < nsets; i++)
		bw_rule_set(rs, sets[i], err);
	bw_ruleset_compile(rs, err);
	return rs;
}

static const char ov_rules[] =
	"override t.bf\n"                                      /* 1 */
	"  trigger count >= 50\n"                              /* 2 */
	"  severity critical\n"                                /* 3 */
	"  escalate low when src.ip in [10.0.0.0/8]\n"         /* 4 */
	"rule t.bf\n"                                          /* 5 */
	"  severity high\n"                                    /* 6 */
	"  tags T1110\n"                                       /* 7 */
	"  when kind == login and outcome == failure\n"        /* 8 */
	"  group src.ip\n"                                     /* 9 */
	"  window 10m\n"                                       /* 10 */
	"  trigger count >= 20\n"                              /* 11 */
	"  escalate critical when user == \"root\"\n"          /* 12 */
	"  escalate info when user == \"x\"\n"                 /* 13 */
	"  message \"{count} from {src.ip}\"\n"                /* 14 */
	"rule t.seq\n"                                         /* 15 */
	"  sequence by src.ip within 30m\n"                    /* 16 */
	"    step kind == login and outcome == failure with runs=5\n"
	"    step kind == login and outcome == success\n"      /* 18 */
	"rule t.sig\n"                                         /* 19 */
	"  when url.path == \"/x\"\n"                          /* 20 */
	"override t.seq\n"                                     /* 21 */
	"  sequence by user within 1h\n";                      /* 22 */

static void test_override_block(void)
{
	struct bw_rerr err = { 0 };
	struct bw_ruleset *rs = parse_ov(ov_rules, NULL, 0, &err);
	CHECK_EQ_INT(err.count, 0);
	if (err.count)
		fputs(err.buf, stderr);
	const struct bw_rule *r = &rs->rules[0];
	CHECK_EQ_STR(r->id, "t.bf");
	CHECK_EQ_INT(r->severity, BW_SEV_CRITICAL);
	CHECK_EQ_INT(r->window_ms, 600000); /* kept */
	CHECK_EQ_INT(r->nesc, 1);           /* replaced as a whole */
	CHECK_EQ_INT(r->esc[0].severity, BW_SEV_LOW);
	CHECK_EQ_INT(r->noverride, 1);
	CHECK_EQ_INT(r->ntags, 1);          /* not overridden: kept */
	/* the trigger node is the new one: 50 */
	CHECK(r->trigger >= 0);
	const struct bw_rnode *t = &rs->nodes[r->trigger];
	CHECK(t->a >= 0 && t->b >= 0);
	if (t->a >= 0 && t->b >= 0)
		CHECK(rs->nodes[t->a].dval == 50 || rs->nodes[t->b].dval == 50);
	const struct bw_rule *q = &rs->rules[1];
	CHECK_EQ_INT(q->noverride, 1);
	CHECK_EQ_INT(q->kind, BW_RK_SEQUENCE);
	CHECK_EQ_INT(q->ngroup, 1);
	CHECK_EQ_INT(q->group[0], BW_F_USER);
	CHECK_EQ_INT(q->window_ms, 3600000);
	CHECK_EQ_INT(q->nsteps, 2);          /* steps kept */
	CHECK_EQ_INT(rs->rules[2].noverride, 0);
	bw_ruleset_free(rs);
	bw_rerr_fini(&err);
}

static void test_override_set(void)
{
	const char *sets[] = {
		"t.bf.window=1h",
		"t.bf.message=\"{count} failures\"",
		"t.bf.tags=T1110.001 T1078",
		"t.seq.runs=10",
		"t.seq.window=2h",
		"t.sig.disabled=yes",
	};
	struct bw_rerr err = { 0 };
	struct bw_ruleset *rs = parse_ov(ov_rules, sets, 6, &err);
	CHECK_EQ_INT(err.count, 0);
	if (err.count)
		fputs(err.buf, stderr);
	const struct bw_rule *r = &rs->rules[0];
	CHECK_EQ_INT(r->window_ms, 3600000);
	CHECK_EQ_INT(r->noverride, 4);
	CHECK_EQ_INT(r->ntags, 2);
	CHECK_EQ_STR(r->tags[0], "T1110.001");
	CHECK_EQ_INT(r->nmsg, 2);
	CHECK_EQ_STR(r->msg[1].text, " failures");
	const struct bw_rule *q = &rs->rules[1];
	CHECK_EQ_INT(q->steps[0].runs, 10);
	CHECK_EQ_INT(q->window_ms, 7200000);
	CHECK_EQ_INT(q->kind, BW_RK_SEQUENCE);
	/* a disabled rule is in no index */
	CHECK(rs->rules[2].disabled);
	CHECK_EQ_INT(rs->nindex[BW_SRC_WEB][BW_KIND_REQUEST], 0);
	bw_ruleset_free(rs);
	/* without the override, t.sig is indexed: the check above can fail */
	rs = parse_ov(ov_rules, NULL, 0, &err);
	CHECK_EQ_INT(rs->nindex[BW_SRC_WEB][BW_KIND_REQUEST], 1);
	bw_ruleset_free(rs);
	bw_rerr_fini(&err);
}

/* A directive that holds one value may be written once per block: a
 * pasted second 'severity low' must not quietly downgrade the rule. An
 * override block replaces values, but also only once each. */
static void test_duplicate_directives(void)
{
	struct bw_rerr err = { 0 };
	struct bw_ruleset *rs = parse_ov(
		"rule t.a\n"                     /* 1 */
		"  title \"one\"\n"
		"  severity high\n"
		"  when kind == login\n"
		"  severity low\n"               /* 5 */
		"  title \"two\"\n"              /* 6 */
		"  group src.ip\n"
		"  window 10m\n"
		"  trigger count >= 3\n"
		"  window 1h\n"                  /* 10 */
		"override t.a\n"                 /* 11 */
		"  suppress 1h\n"
		"  suppress 2h\n",               /* 13 */
		NULL, 0, &err);
	const char *want =
		"t.rules:5:3: duplicate 'severity'\n"
		"t.rules:6:3: duplicate 'title'\n"
		"t.rules:10:3: duplicate 'window'\n"
		"t.rules:13:3: duplicate 'suppress'\n";
	CHECK_EQ_STR(err.buf ? err.buf : "", want);
	CHECK_EQ_INT(rs->rules[0].severity, BW_SEV_HIGH);
	bw_ruleset_free(rs);
	bw_rerr_fini(&err);
}

/* A backslash before a letter the language does not know is an error,
 * not dropped: "CORP\alice" would have meant CORPalice. */
static void test_string_escapes(void)
{
	struct bw_rerr err = { 0 };
	struct bw_ruleset *rs = parse_ov(
		"rule t.a\n"
		"  when user == \"CORP\\alice\"\n"
		"rule t.b\n"
		"  when user == \"CORP\\\\alice\" or url.path == \"a\\x41\\\"\\t\"\n",
		NULL, 0, &err);
	CHECK_EQ_STR(err.buf ? err.buf : "",
		     "t.rules:2:21: unknown escape '\\a' in string (\\\\ is a backslash)\n");
	bw_ruleset_free(rs);
	bw_rerr_fini(&err);
}

/* Values that can never be: an hour of 25 in a set, and {window} in a
 * signature, which has none (it printed 0ms). */
static void test_impossible_values(void)
{
	struct bw_rerr err = { 0 };
	struct bw_ruleset *rs = parse_ov(
		"rule t.a\n"
		"  when hour(ts) in [22, 25]\n"
		"rule t.b\n"
		"  when kind == login\n"
		"  message \"{user} in {window}\"\n",
		NULL, 0, &err);
	CHECK_EQ_STR(err.buf ? err.buf : "",
		     "t.rules:2:25: expected an hour 0..23, found '25'\n"
		     "t.rules:5:22: '{window}' needs a threshold or a sequence (a signature has no window)\n");
	bw_ruleset_free(rs);
	bw_rerr_fini(&err);
}

/* A unit names what a number is: a duration on a byte count (10m, the
 * natural typo for 10 MB, read as 600,000 bytes) or a size on a
 * duration is an error at the number, in conditions and triggers. */
static void test_unit_mismatch(void)
{
	struct bw_rerr err = { 0 };
	struct bw_ruleset *rs = parse_ov(
		"rule t.a\n"                            /* 1 */
		"  when bytes_out >= 10m\n"             /* 2 */
		"rule t.b\n"
		"  when duration >= 10GB\n"             /* 4 */
		"rule t.c\n"
		"  when bytes_out >= 10MB and duration >= 10m and http.status >= 400\n"
		"  group src.ip\n"
		"  window 1h\n"
		"  trigger sum(bytes_out) >= 1h\n"      /* 9 */
		"rule t.d\n"
		"  when bytes_out > 0\n"
		"  group src.ip\n"
		"  window 1h\n"
		"  trigger count >= 5GiB or sum(bytes_out) >= 1GiB and count >= 5\n" /* 14 */
		"rule t.e\n"
		"  when bytes_out in [1GiB, 10m]\n",     /* 16 */
		NULL, 0, &err);
	const char *want =
		"t.rules:2:21: '10m' is a duration; bytes_out is a byte count (units B KB MB GB KiB MiB GiB TiB)\n"
		"t.rules:4:20: '10GB' is a byte count; duration is a duration (units ms s m h d w)\n"
		"t.rules:9:26: 'sum(bytes_out)' is a byte count, '1h' a duration\n"
		"t.rules:14:17: 'count' is a count, '5GiB' a size\n"
		"t.rules:16:28: '10m' is a duration; bytes_out is a byte count (units B KB MB GB KiB MiB GiB TiB)\n";
	CHECK_EQ_STR(err.buf ? err.buf : "", want);
	bw_ruleset_free(rs);
	bw_rerr_fini(&err);
}

/* A regex is compiled after every file is parsed: its error names the
 * file (or --set) where the override wrote it, not the rule's file. */
static void test_override_regex_error_file(void)
{
	struct bw_rerr err = { 0 };
	struct bw_ruleset *rs = calloc(1, sizeof(*rs));
	rs->dir = "/nonexistent";
	rs->seed = 3;
	const char *a = "rule t.bf\n  when kind == login\n  group src.ip\n"
			"  window 10m\n  trigger count >= 20\n";
	const char *b = "# local changes\n"
			"override t.bf\n"
			"  escalate critical when user.agent ~ /x)/\n";
	bw_rule_parse(rs, "a.rules", a, strlen(a), &err);
	bw_rule_parse(rs, "b.rules", b, strlen(b), &err);
	bw_rule_parse_overrides(rs, "a.rules", a, strlen(a), &err);
	bw_rule_parse_overrides(rs, "b.rules", b, strlen(b), &err);
	bw_rule_set(rs, "t.bf.when=url.path ~ /(a/", &err);
	bw_ruleset_compile(rs, &err);
	CHECK_EQ_INT(err.count, 2);
	CHECK(err.buf && strstr(err.buf, "b.rules:3:41: bad regex") != NULL);
	CHECK(err.buf && strstr(err.buf, "--set:1:25: bad regex") != NULL);
	CHECK(err.buf && strstr(err.buf, "a.rules:") == NULL);
	if (err.buf)
		fputs(err.buf, stderr);
	bw_ruleset_free(rs);
	bw_rerr_fini(&err);
}

/* Override errors, each where it is: in the file, and in the --set
 * argument's own columns. */
static void test_override_errors(void)
{
	const char *sets[] = {
		"t.bf.windw=1h",               /* unknown directive at col 6 */
		"t.bf.trigger=count >=",       /* incomplete at col 22 */
		"nope.window=1h",
		"window=1h",
		"t.bf.runs=3",                 /* no counted step */
		"t.seq.trigger=count >= 1",
		"t.sig.disabled=maybe",
	};
	struct bw_rerr err = { 0 };
	struct bw_ruleset *rs = parse_ov(
		"rule t.bf\n"
		"  when kind == login\n"
		"  group src.ip\n"
		"  window 10m\n"
		"  trigger count >= 20\n"
		"rule t.seq\n"
		"  sequence by src.ip within 30m\n"
		"    step kind == login with runs=5\n"
		"    step kind == login\n"
		"rule t.sig\n"
		"  when url.path == \"/x\"\n"
		"override t.nope\n"          /* 12 */
		"  window 1h\n"
		"override t.seq\n"           /* 14 */
		"  step kind == login\n"     /* 15 */
		"override t.sig\n"           /* 16 */
		"  window 5m\n"              /* 17: a threshold without trigger */
		"override t.bf\n"            /* 18 */
		"  sequence by src.ip within 1h\n", /* 19 */
		sets, 7, &err);
	const char *want =
		"t.rules:12:10: override: no rule 't.nope'\n"
		"t.rules:15:3: an override cannot change steps or detectors ('runs N' sets a counted step); copy the rule under a new id\n"
		"t.rules:16:1: override of t.sig: a threshold needs 'trigger'\n"
		"t.rules:19:3: an override cannot turn a rule into a sequence; copy the rule under a new id\n"
		"--set:1:6: unknown directive 'windw' in an override (title severity tags when group window trigger suppress message escalate sequence runs allowlist disabled)\n"
		"--set:1:22: expected count, distinct(f), sum(f) or a number, found end of file\n"
		"--set:1:1: no rule nope\n"
		"--set:1:1: expected RULE-ID.DIRECTIVE=VALUE, e.g. auth.bruteforce-source.window=30m\n"
		"--set:1:6: rule t.bf has no counted step (with runs=N)\n"
		"--set:1:7: a sequence or baseline rule has no trigger (override 'window' or 'runs')\n"
		"--set:1:16: expected 'yes' or 'no', found 'maybe'\n";
	CHECK_EQ_STR(err.buf ? err.buf : "", want);
	bw_ruleset_free(rs);
	bw_rerr_fini(&err);
}

static void test_lexer_tokens(void)
{
	const char *src = "rule a.b-c # comment\n  when x ~ /a\\/b[/]/i and "
			  "y in [10.0.0.0/8, \"s\\x41\"] @list <= != !~ ( )\n";
	struct bw_rlexer lx;
	struct bw_rtoken t;
	bw_rlex_init(&lx, "f", src, strlen(src));
	enum bw_rtok want[] = { RT_WORD, RT_WORD, RT_NL, RT_WORD, RT_WORD,
				RT_MATCH, RT_REGEX, RT_WORD, RT_WORD, RT_WORD,
				RT_LB, RT_WORD, RT_COMMA, RT_STR, RT_RB, RT_LISTREF,
				RT_LE, RT_NE, RT_NMATCH, RT_LP, RT_RP, RT_NL, RT_EOF };
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		bw_rlex_next(&lx, &t);
		if (t.t != want[i]) {
			fprintf(stderr, "  token %zu: %s, expected %s\n", i,
				bw_rtok_name(t.t), bw_rtok_name(want[i]));
			CHECK(0);
			break;
		}
		if (t.t == RT_REGEX) {
			CHECK_EQ_STR(t.val, "a/b[/]");
			CHECK(t.flags & PCRE2_CASELESS);
		}
		if (t.t == RT_STR)
			CHECK_EQ_STR(t.val, "sA");
		if (i == 1)
			CHECK_EQ_INT(t.n, 5); /* "a.b-c" */
		if (i == 11)
			CHECK_EQ_INT(t.n, 10); /* "10.0.0.0/8" is one word */
		if (i == 6) {
			CHECK_EQ_INT(t.line, 2);
			CHECK_EQ_INT(t.col, 12);
		}
		if (t.t == RT_STR || t.t == RT_REGEX)
			free(t.val);
	}
}

static void test_units(void)
{
	int64_t v;
	int kind;
	CHECK(bw_rnum_parse("2GiB", 4, &v, &kind));
	CHECK_EQ_INT(v, 2147483648LL);
	CHECK_EQ_INT(kind, 1);
	CHECK(bw_rnum_parse("512MiB", 6, &v, &kind));
	CHECK_EQ_INT(v, 536870912);
	CHECK(bw_rnum_parse("10KB", 4, &v, &kind));
	CHECK_EQ_INT(v, 10000);
	CHECK(bw_rnum_parse("10m", 3, &v, &kind));
	CHECK_EQ_INT(v, 600000);
	CHECK_EQ_INT(kind, 2);
	CHECK(bw_rnum_parse("24h", 3, &v, &kind));
	CHECK_EQ_INT(v, 86400000);
	CHECK(bw_rnum_parse("1.5h", 4, &v, &kind));
	CHECK_EQ_INT(v, 5400000);
	CHECK(bw_rnum_parse("250ms", 5, &v, &kind));
	CHECK_EQ_INT(v, 250);
	CHECK(bw_rnum_parse("20", 2, &v, &kind));
	CHECK_EQ_INT(v, 20);
	CHECK_EQ_INT(kind, 0);
	CHECK(!bw_rnum_parse("10x", 3, &v, &kind));
	CHECK(!bw_rnum_parse("1.5", 3, &v, &kind));
	CHECK(!bw_rnum_parse("abc", 3, &v, &kind));
}

static void test_parse_rule(void)
{
	struct bw_rerr err = { 0 };
	struct bw_ruleset *rs = parse(
		"rule ssh.bruteforce-source\n"
		"  title     \"SSH brute force\"\n"
		"  severity  high\n"
		"  tags      T1110.001 T1110\n"
		"  when      source == auth and kind == login\n"
		"            and outcome == failure\n"
		"  group     src.ip, user\n"
		"  window    10m\n"
		"  trigger   count >= 20 or (distinct(user) >= 10 and\n"
		"            count / distinct(user) <= 3)\n"
		"  suppress  1h\n"
		"  message   \"{count} from {src.ip}: {distinct(user)} users\"\n"
		"  escalate  critical when http.status >= 200 and http.status < 300\n",
		&err);
	CHECK_EQ_INT(err.count, 0);
	if (err.count)
		fprintf(stderr, "%s", err.buf);
	CHECK_EQ_INT(rs->nrules, 1);
	const struct bw_rule *r = &rs->rules[0];
	CHECK_EQ_STR(r->id, "ssh.bruteforce-source");
	CHECK_EQ_STR(r->title, "SSH brute force");
	CHECK_EQ_INT(r->kind, BW_RK_THRESHOLD);
	CHECK_EQ_INT(r->severity, BW_SEV_HIGH);
	CHECK_EQ_INT(r->ntags, 2);
	CHECK_EQ_INT(r->ngroup, 2);
	CHECK_EQ_INT(r->group[0], BW_F_SRC_IP);
	CHECK_EQ_INT(r->window_ms, 600000);
	CHECK_EQ_INT(r->suppress_ms, 3600000);
	CHECK_EQ_INT(r->ndist, 1);
	CHECK_EQ_INT(r->nesc, 1);
	CHECK_EQ_INT(r->nmsg, 6);
	/* indexed only under auth/login */
	CHECK_EQ_INT(rs->nindex[BW_SRC_AUTH][BW_KIND_LOGIN], 1);
	CHECK_EQ_INT(rs->nindex[BW_SRC_WEB][BW_KIND_REQUEST], 0);
	CHECK_EQ_INT(rs->nindex[BW_SRC_AUTH][BW_KIND_LOGOUT], 0);
	bw_ruleset_free(rs);
	bw_rerr_fini(&err);
}

static void test_index_or_not(void)
{
	struct bw_rerr err = { 0 };
	struct bw_ruleset *rs = parse(
		"rule a\n  when source in [web, proxy] and kind != probe\n"
		"rule b\n  when not (source == web) and url.path == \"/x\"\n"
		"rule c\n  when url.path == \"/x\" or kind == login\n", &err);
	CHECK_EQ_INT(err.count, 0);
	CHECK_EQ_INT(rs->nindex[BW_SRC_WEB][BW_KIND_REQUEST], 2);   /* a, c */
	CHECK_EQ_INT(rs->nindex[BW_SRC_PROXY][BW_KIND_PROBE], 2);   /* b, c */
	CHECK_EQ_INT(rs->nindex[BW_SRC_VPN][BW_KIND_LOGIN], 2);     /* b, c */
	CHECK_EQ_INT(rs->nindex[BW_SRC_WEB][BW_KIND_PROBE], 1);     /* c */
	bw_ruleset_free(rs);
	bw_rerr_fini(&err);
}

/* Every error, each with its exact position, in one run. */
static void test_errors(void)
{
	struct bw_rerr err = { 0 };
	struct bw_ruleset *rs = parse(
		"rule a\n"                                   /* 1 */
		"  severity extreme\n"                       /* 2 */
		"  when url.path ~ /(abc/ and foo == 1\n"    /* 3 */
		"  when bar == 1\n"                          /* 4 */
		"  frobnicate 3\n"                           /* 5 */
		"rule b\n"                                   /* 6 */
		"  when http.status >= 2xx\n"                /* 7 */
		"  window 10\n"                              /* 8 */
		"  trigger count >= 5 and\n"                 /* 9 */
		"  message \"{count} {nope}\"\n"             /* 10 */
		"rule c\n"                                   /* 11 */
		"  when user ~ /x\n"                         /* 12 */
		"  escalate critical when recent(zzz, 1h)\n" /* 13 */
		"rule a\n"                                   /* 14 */
		"  when kind == logn\n"                      /* 15 */
		"rule d\n  when kind == login\n"              /* 16, 17 */
		"  allowlist maybe\n",                       /* 18 */
		&err);
	const char *want =
		"t.rules:2:12: expected a severity (info, low, medium, high, critical), found 'extreme'\n"
		"t.rules:3:30: unknown field 'foo'\n"
		"t.rules:4:8: unknown field 'bar'\n"
		"t.rules:5:3: unknown directive 'frobnicate' (title severity tags when group window trigger suppress message escalate sequence step baseline allowlist)\n"
		"t.rules:7:23: expected a number, found '2xx'\n"
		"t.rules:8:10: expected a duration such as 10m, 24h (units ms s m h d w), found '10'\n"
		/* a trailing 'and' continues on the next line */
		"t.rules:10:3: unknown aggregate 'message' (count, distinct(f), sum(f); write '-' with spaces around it)\n"
		"t.rules:12:15: unterminated regex (a '/' inside must be written \\/)\n"
		"t.rules:14:6: duplicate rule id (first at t.rules:1)\n"
		"t.rules:15:16: unknown value 'logn' for this field\n"
		"t.rules:18:13: expected 'on' or 'off', found 'maybe'\n"
		"t.rules:13:26: recent(): no rule 'zzz'\n";
	if (err.buf && strcmp(err.buf, want))
		fprintf(stderr, "  got:\n%s", err.buf);
	CHECK_EQ_STR(err.buf, want);
	bw_ruleset_free(rs);
	bw_rerr_fini(&err);
}

/* urldecode() and lower() take a text field, nest either way, and
 * report the argument's position. */
static void test_urldecode_errors(void)
{
	struct bw_rerr err = { 0 };
	struct bw_ruleset *rs = parse(
		"rule a\n"
		"  when urldecode(src.ip) == \"x\"\n"                 /* 2 */
		"rule b\n"
		"  when lower(urldecode(http.status)) ~ /x/\n"          /* 4 */
		"rule c\n"
		"  when urldecode(url.path ~ /x/\n",                    /* 6 */
		&err);
	const char *want =
		"t.rules:2:18: urldecode() takes a text field\n"
		"t.rules:4:24: urldecode() takes a text field\n"
		"t.rules:6:27: expected ')', found '~'\n";
	if (err.buf && strcmp(err.buf, want))
		fprintf(stderr, "  got:\n%s", err.buf);
	CHECK_EQ_STR(err.buf, want);
	bw_ruleset_free(rs);
	bw_rerr_fini(&err);
	/* both transforms, nested either way, on a regex and a set */
	struct bw_rerr err2 = { 0 };
	rs = parse("rule d\n"
		   "  when lower(urldecode(url.path)) ~ /%2e/ and "
		   "urldecode(lower(url.query)) in [\"a\"]\n", &err2);
	CHECK(rs != NULL);
	CHECK_EQ_INT(err2.count, 0);
	int seen = 0;
	for (size_t i = 0; rs && i < rs->nnodes; i++)
		if (rs->nodes[i].op == RN_REGEX || rs->nodes[i].op == RN_IN) {
			CHECK_EQ_INT(rs->nodes[i].flags, RNF_LOWER | RNF_DECODE);
			seen++;
		}
	CHECK_EQ_INT(seen, 2);
	bw_ruleset_free(rs);
	bw_rerr_fini(&err2);
}

static void test_regex_error_position(void)
{
	struct bw_rerr err = { 0 };
	struct bw_ruleset *rs = parse("rule r\n  when url.path ~ /ab(c/\n", &err);
	CHECK_EQ_INT(err.count, 1);
	/* '/' at col 19, pattern from col 20, PCRE2 reports offset 4 */
	CHECK(err.buf && strncmp(err.buf, "t.rules:2:24: bad regex: missing closing "
				 "parenthesis", 49) == 0);
	bw_ruleset_free(rs);
	bw_rerr_fini(&err);
	/* each \/ before the error is two columns of the file, one byte of
	 * the pattern: the second '*' of /\/\/\/\/a** / is at column 30 */
	struct bw_rerr e2 = { 0 };
	rs = parse("rule a.b\n  when url.path ~ /\\/\\/\\/\\/a**/\n", &e2);
	CHECK(e2.buf && strstr(e2.buf, "t.rules:2:30: bad regex") != NULL);
	if (e2.buf && !strstr(e2.buf, "t.rules:2:30: "))
		fprintf(stderr, "  got: %s", e2.buf);
	bw_ruleset_free(rs);
	bw_rerr_fini(&e2);
	/* a capital in a regex on lowercased text (or on `user`, an
	 * identity) never matches: an error at that letter */
	struct bw_rerr e3 = { 0 };
	rs = parse("rule a.b\n  when lower(user.agent) ~ /sql\\/MAP/\n"
		   "rule a.c\n  when user ~ /^Admin/\n"
		   "rule a.d\n  when lower(user.agent) ~ /[A-Z]\\Wmap|x{2}/\n"
		   "rule a.e\n  when user ~ /^Admin/i\n"
		   /* names, verbs, recursion, comments: no text */
		   "rule a.f\n  when lower(user.agent) ~ /(*UCP)(*LIMIT_MATCH=9)"
		   "x(?<Nm>y)(?'Qn'z)(?P<Pn>w)(?P>Nm)(?&Nm)(?P=Nm)(?#Cm)a(*SKIP)(*FAIL)|b/\n"
		   "rule a.g\n  when lower(user.agent) ~ /a b # Comment/x\n"
		   /* an option group's text is text */
		   "rule a.h\n  when lower(user.agent) ~ /(?s:Sqlmap)/\n", &e3);
	CHECK_EQ_INT(e3.count, 3);
	CHECK(e3.buf && strstr(e3.buf, "t.rules:14:33: 'S' in a regex on ") != NULL);
	CHECK(e3.buf && strstr(e3.buf, "t.rules:2:34: 'M' in a regex on "
			       "lowercased text never matches") != NULL);
	CHECK(e3.buf && strstr(e3.buf, "t.rules:4:17: 'A' in a regex on ") != NULL);
	if (e3.buf && e3.count != 2)
		fprintf(stderr, "  got: %s", e3.buf);
	bw_ruleset_free(rs);
	bw_rerr_fini(&e3);
}

static void test_trigger_types(void)
{
	struct bw_rerr err = { 0 };
	struct bw_ruleset *rs = parse(
		"rule t\n  when kind == login\n  group user\n  window 1h\n"
		"  trigger count + 3\n", &err);
	CHECK_EQ_STR(err.buf, "t.rules:5:11: trigger must be a comparison such as "
		     "count >= 20\n");
	bw_ruleset_free(rs);
	bw_rerr_fini(&err);
	memset(&err, 0, sizeof(err));
	rs = parse("rule t\n  when kind == login\n  group user\n  window 1h\n"
		   "  trigger count >= 3 and 5\n", &err);
	CHECK_EQ_STR(err.buf, "t.rules:5:22: 'and'/'or' need comparisons on both "
		     "sides\n");
	bw_ruleset_free(rs);
	bw_rerr_fini(&err);
}

static void test_message_placeholders(void)
{
	struct bw_rerr err = { 0 };
	struct bw_ruleset *rs = parse_ov(
		"rule m\n  when kind == login\n"
		"  message \"{count} {nope} x\"\n"
		"rule n\n  when kind == login\n  message \"{sum(user)}\"\n"
		"rule o\n  when kind == login\n  message \"{src.ip\"\n"
		"rule p\n  when kind == login\n  message \"after {runs}\"\n"
		"rule q\n  message \"{runs}\"\n"
		"  sequence by src.ip within 1h\n"
		"    step kind == login\n    step kind == logout\n"
		"rule r\n  message \"{runs} {window}\"\n"
		"  sequence by src.ip within 1h\n"
		"    step kind == login with runs=3\n    step kind == logout\n"
		"rule s\n  when kind == login\n"
		"override r\n  runs 4\n"
		"override s\n  message \"{runs}\"\n"
		"rule t\n  when kind == login\n"
		"  message \"a \\\"{user}\\\" \\x41\\\\ {srcip}\"\n", NULL, 0, &err);
	CHECK_EQ_STR(err.buf,
		     "t.rules:3:20: unknown placeholder '{nope}'\n"
		     "t.rules:6:12: sum() of a field that is no number in '{sum(user)}'\n"
		     "t.rules:9:12: unclosed '{' in message\n"
		     "t.rules:12:18: '{runs}' needs a sequence with a counted step (with runs=N)\n"
		     "t.rules:14:12: '{runs}' needs a sequence with a counted step (with runs=N)\n"
		     "t.rules:31:32: unknown placeholder '{srcip}'\n"
		     "t.rules:27:1: override of s: '{runs}' needs a sequence with a counted step (with runs=N)\n");
	bw_ruleset_free(rs);
	bw_rerr_fini(&err);
}

static void test_regex_prefilter(void)
{
	struct bw_rerr err = { 0 };
	struct bw_ruleset *rs = parse(
		"rule a\n  when url.path ~ /\\/remote\\/fgt_lang/\n"
		"rule b\n  when url.path ~ /^\\/api\\/v1\\/(totp|cav)\\/x/i\n"
		"rule c\n  when url.path ~ /foo|barbaz/\n"
		"rule d\n  when url.path ~ /ab?cdef+g/\n", &err);
	CHECK_EQ_INT(err.count, 0);
	CHECK_EQ_INT(rs->nrx, 4);
	CHECK_EQ_STR(rs->rx[0].lit, "/remote/fgt_lang");
	CHECK_EQ_STR(rs->rx[1].lit, "/api/v1/");
	CHECK(rs->rx[1].lit_icase);
	CHECK(rs->rx[2].lit == NULL); /* alternation at top level */
	CHECK_EQ_STR(rs->rx[3].lit, "cdef");
	bw_ruleset_free(rs);
	bw_rerr_fini(&err);
}

static int has_req(const struct bw_rlit *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].s, s) == 0)
			return 1;
	return 0;
}

static void free_req(struct bw_rlit *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].s);
	free(v);
}

static void test_regex_requirements(void)
{
	/* each: the regex, its flags, how many literals, some that must be
	 * among them */
	static const struct {
		const char *re;
		uint32_t flags;
		size_t n;
		const char *has[3];
	} cases[] = {
		{ "sqlmap|nikto|\\bnmap\\b|fuzz faster u fool", 0, 4,
		  { "sqlmap", "nmap", "fuzz faster u fool" } },
		/* a group of alternatives inside a branch; case folded */
		{ "^\\/api\\/v1\\/(totp\\/User-backup-code|cav\\/client)\\/",
		  PCRE2_CASELESS, 2,
		  { "/api/v1/totp/user-backup-code/", "/api/v1/cav/client/" } },
		/* optional parts never count; a branch with nothing certain
		 * kills it */
		{ "ab?c|x*", 0, 0, { NULL } },
		{ "(jndi)+:|%24%7b", 0, 2, { "jndi", "%24%7b" } },
		{ "(?=abc)def", 0, 1, { "def" } },
		/* a rare byte outweighs length: <|%3c, not script|img|svg
		 * (paths hold "img" all the time) */
		{ "(<|%3c)(\\/|%2f)?(script|img|svg)(\\s|>|$)", PCRE2_CASELESS, 2,
		  { "<", "%3c" } },
		/* literal groups join the bytes around them */
		{ "(ab|cd)x(abc|def)", 0, 4, { "abxabc", "cdxdef" } },
		{ "__(class|mro)__", 0, 2, { "__class__", "__mro__" } },
		/* an alternative with an optional tail gives its certain head,
		 * and nothing joins after it */
		{ "\\.(pdf|docx?)x$", 0, 2, { ".pdf", ".doc" } },
		/* a repeated group follows what precedes it, not what comes
		 * next */
		{ "x(ab|cd)+yz", 0, 2, { "xab", "xcd" } },
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct bw_rlit *v;
		const char *re = cases[c].re;
		size_t n = bw_regex_requirements(re, strlen(re), cases[c].flags, &v);
		CHECK_EQ_INT(n, cases[c].n);
		for (int k = 0; k < 3 && cases[c].has[k]; k++)
			if (!has_req(v, n, cases[c].has[k])) {
				fprintf(stderr, "  /%s/: no literal '%s'\n", re,
					cases[c].has[k]);
				CHECK(0);
			}
		if (n)
			free_req(v, n);
	}
	/* too many strings for one filter: shorter chains, still a filter */
	struct bw_rlit *v;
	const char *re = "(a|b|c|d|e|f|g|h)(i|j|k|l|m|n|o|p)(q|r|s|t|u|v|w|x)zz|yy";
	size_t n = bw_regex_requirements(re, strlen(re), 0, &v);
	CHECK(n > 0 && n <= 64);
	free_req(v, n);
}

/* Every subject a regex matches holds one of its requirement literals:
 * samples that reach each joined form (\s bytes, + and %20 spellings,
 * repeats, optional tails), checked by PCRE2 and by a search. */
static int req_found(const struct bw_rlit *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		for (const char *p = s; *p; p++) {
			size_t k = 0;
			while (k < v[i].n && p[k] && tolower((unsigned char)p[k]) ==
			       (unsigned char)v[i].s[k])
				k++;
			if (k == v[i].n)
				return 1;
		}
	return 0;
}

static void test_regex_requirements_sound(void)
{
	static const struct { const char *re; const char *subj[6]; } cases[] = {
		{ "(\\s|\\+|%20)(or|and)(\\s|\\+|%20)+\\d+",
		  { "x OR 1", "a\vand\f2", "q+Or%20%201", "%20AND+++9",
		    "1\ror\t3", NULL } },
		{ "waitfor(\\s|\\+|%20)+delay|__(class|mro)__",
		  { "WAITFOR%20%20DELAY", "waitfor\ndelay", "x__CLASS__",
		    "__mro__", NULL } },
		{ "\\.(pdf|docx?|jpe?g|tiff?)$",
		  { "/a.PDF", "/b.docx", "/c.doc", "/d.jpg", "/e.jpeg", "/f.tiff" } },
		{ "(\\$\\{|%24\\{)(jndi|lower)(:|%3a)(ldap|rmi)+x",
		  { "${jndi:ldapldapx", "%24{LOWER%3armix", NULL } },
	};
	int wrong = 0;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct bw_rlit *v;
		const char *re = cases[c].re;
		size_t n = bw_regex_requirements(re, strlen(re), PCRE2_CASELESS, &v);
		CHECK(n > 0);
		int ec;
		PCRE2_SIZE off;
		pcre2_code *code = pcre2_compile((PCRE2_SPTR)re, strlen(re),
						 PCRE2_CASELESS, &ec, &off, NULL);
		pcre2_match_data *md = pcre2_match_data_create(1, NULL);
		for (int k = 0; k < 6 && cases[c].subj[k]; k++) {
			const char *s = cases[c].subj[k];
			int m = pcre2_match(code, (PCRE2_SPTR)s, strlen(s), 0, 0, md,
					    NULL) >= 0;
			if (!m || !req_found(v, n, s)) {
				fprintf(stderr, "  /%s/ on '%s': match %d, literal %d\n",
					re, s, m, req_found(v, n, s));
				wrong++;
			}
		}
		pcre2_match_data_free(md);
		pcre2_code_free(code);
		free_req(v, n);
	}
	CHECK_EQ_INT(wrong, 0);
}

static void test_glob(void)
{
	CHECK(bw_glob_match("web.*-cve-*", "web.fortinet-cve-2018-13379", 27, 0));
	CHECK(!bw_glob_match("web.*-cve-*", "web.sqli", 8, 0));
	CHECK(bw_glob_match("sqlmap*", "sqlmap/1.5", 10, 0));
	CHECK(bw_glob_match("*nikto*", "Mozilla (Nikto/2.1)", 19, 1));
	CHECK(!bw_glob_match("*nikto*", "Mozilla (Nikto/2.1)", 19, 0));
	CHECK(bw_glob_match("a*b*c", "axxbyyc", 7, 0));
	CHECK(!bw_glob_match("a*b*c", "axxbyy", 6, 0));
}

/* Exact strings pass a one-bit filter (sbloom) before their hash is
 * looked up: every member must still be found, in any case for a
 * caseless set and also past the 256 bytes such a set hashes, and
 * values that share the filter's bytes (length, second and last) with a
 * member must not be. */
static void test_set_exact_filter(void)
{
	struct bw_ruleset rs;
	memset(&rs, 0, sizeof(rs));
	rs.seed = 5;
	char msg[200], v[400];
	for (int lower = 0; lower < 2; lower++) {
		struct bw_rset set;
		memset(&set, 0, sizeof(set));
		set.lower = lower;
		for (int i = 0; i < 300; i++) {
			int n = snprintf(v, sizeof(v), "/p%d/x%dy", i, i * 7);
			CHECK_EQ_INT(bw_rset_add(&rs, &set, v, (size_t)n, BW_FT_STR,
						 lower, msg, sizeof(msg)), 0);
		}
		memset(v, 'a', 300);
		v[0] = '/';
		CHECK_EQ_INT(bw_rset_add(&rs, &set, v, 300, BW_FT_STR, lower, msg,
					 sizeof(msg)), 0);
		int wrong = 0;
		for (int i = 0; i < 300; i++) {
			int n = snprintf(v, sizeof(v), "/p%d/x%dy", i, i * 7);
			if (lower)
				v[n - 1] = 'Y';
			wrong += !bw_rset_has_str(&rs, &set, v, (size_t)n);
			v[n - 1] = 'y';
			v[2 + (i % 3 == 0)] ^= 1; /* same length, byte 1, last */
			wrong += bw_rset_has_str(&rs, &set, v, (size_t)n);
		}
		CHECK_EQ_INT(wrong, 0);
		memset(v, 'A', 300);
		v[0] = '/';
		CHECK(bw_rset_has_str(&rs, &set, v, 300) == lower);
		v[299] = 'b';
		/* a caseless set hashes the first 256 bytes only */
		CHECK(bw_rset_has_str(&rs, &set, v, 300) == lower);
		bw_rset_fini(&set);
	}
}

static void test_set_globs(void)
{
	struct bw_ruleset rs;
	memset(&rs, 0, sizeof(rs));
	rs.seed = 9;
	struct bw_rset set;
	memset(&set, 0, sizeof(set));
	char msg[200];
	const char *vals[] = { "/exact", "/pre*", "*/.env", "*wp-*", "/a*b*c" };
	for (size_t i = 0; i < 5; i++)
		CHECK_EQ_INT(bw_rset_add(&rs, &set, vals[i], strlen(vals[i]),
					 BW_FT_STR, 0, msg, sizeof(msg)), 0);
	CHECK(bw_rset_has_str(&rs, &set, "/exact", 6));
	CHECK(!bw_rset_has_str(&rs, &set, "/exac", 5));
	CHECK(bw_rset_has_str(&rs, &set, "/prefix", 7));
	CHECK(bw_rset_has_str(&rs, &set, "/x/y/.env", 9));
	CHECK(!bw_rset_has_str(&rs, &set, "/x/y/.envz", 10));
	CHECK(bw_rset_has_str(&rs, &set, "/blog/wp-login.php", 18));
	CHECK(!bw_rset_has_str(&rs, &set, "/blog/WP-login.php", 18));
	CHECK(bw_rset_has_str(&rs, &set, "/axxbyyc", 8));
	CHECK(!bw_rset_has_str(&rs, &set, "/axxbyy", 7));
	bw_rset_fini(&set);
	/* case-insensitive set (allow agents) */
	memset(&set, 0, sizeof(set));
	set.lower = 1;
	CHECK_EQ_INT(bw_rset_add(&rs, &set, "*Nikto*", 7, BW_FT_STR, 1, msg,
				 sizeof(msg)), 0);
	CHECK_EQ_INT(bw_rset_add(&rs, &set, "Nagios*", 7, BW_FT_STR, 1, msg,
				 sizeof(msg)), 0);
	CHECK_EQ_INT(bw_rset_add(&rs, &set, "Exact-Agent", 11, BW_FT_STR, 1, msg,
				 sizeof(msg)), 0);
	CHECK(bw_rset_has_str(&rs, &set, "Mozilla (NIKTO/2.1)", 19));
	CHECK(bw_rset_has_str(&rs, &set, "nagios-plugins", 14));
	CHECK(bw_rset_has_str(&rs, &set, "exact-AGENT", 11));
	CHECK(!bw_rset_has_str(&rs, &set, "curl/8", 6));
	bw_rset_fini(&set);
	/* networks */
	memset(&set, 0, sizeof(set));
	CHECK_EQ_INT(bw_rset_add(&rs, &set, "10.0.0.0/8", 10, BW_FT_IP, 0, msg,
				 sizeof(msg)), 0);
	CHECK_EQ_INT(bw_rset_add(&rs, &set, "2001:db8::/32", 13, BW_FT_IP, 0, msg,
				 sizeof(msg)), 0);
	CHECK_EQ_INT(bw_rset_add(&rs, &set, "10.0.0.0/33", 11, BW_FT_IP, 0, msg,
				 sizeof(msg)), -1);
	bw_ip ip;
	bw_ip_parse("10.200.1.1", 10, &ip);
	CHECK(bw_rset_has_ip(&set, &ip));
	bw_ip_parse("11.0.0.1", 8, &ip);
	CHECK(!bw_rset_has_ip(&set, &ip));
	bw_ip_parse("2001:db8:1::5", 13, &ip);
	CHECK(bw_rset_has_ip(&set, &ip));
	bw_rset_fini(&set);
}

/* The glob selector (bw_rset.gsel) must never hide a glob that matches:
 * every shape, short globs, mixed case, and more than 64 globs (the rest
 * are tried one by one). Each glob brings values made to match it, a
 * case-swapped and a shortened copy; all are checked against the plain
 * matcher after every addition. */
static void test_set_glob_select(void)
{
	static const char *const shapes[] = {
		"/p%d*", "*/e%d", "*m%d*", "/a%d*b*", "/Up%d*", "*Low%d.PHP",
		"%d*", "*%d", "x%d",
	};
	struct bw_ruleset rs;
	memset(&rs, 0, sizeof(rs));
	rs.seed = 5;
	char msg[200];
	static char globs[100][32], probes[400][40];
	for (int lower = 0; lower <= 1; lower++) {
		struct bw_rset set;
		memset(&set, 0, sizeof(set));
		set.lower = lower;
		size_t ng = 0, np = 0;
		snprintf(probes[np++], sizeof(probes[0]), "%s", "");
		snprintf(probes[np++], sizeof(probes[0]), "%s", "/");
		for (int round = 0; ng < 90; round++)
			for (size_t k = 0; k < sizeof(shapes) / sizeof(*shapes) &&
			     ng < 90; k++) {
				/* shape with "%d" replaced by the round */
				const char *sh = shapes[k], *d = strstr(sh, "%d");
				char *g = globs[ng];
				snprintf(g, sizeof(globs[0]), "%.*s%d%s", (int)(d - sh),
					 sh, round, d + 2);
				if (!strchr(g, '*'))
					continue;
				CHECK_EQ_INT(bw_rset_add(&rs, &set, g, strlen(g),
							 BW_FT_STR, lower, msg,
							 sizeof(msg)), 0);
				ng++;
				char *v = probes[np++], *sw = probes[np++],
				     *sh2 = probes[np++];
				size_t vn = 0;
				for (const char *c = g; *c; c++) {
					if (*c == '*') {
						v[vn++] = 'y';
						v[vn++] = '/';
					} else {
						v[vn++] = *c;
					}
				}
				v[vn] = 0;
				for (size_t i = 0; i <= vn; i++) {
					char c = v[i];
					sw[i] = c >= 'a' && c <= 'z' ? (char)(c - 32) :
						c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
				}
				memcpy(sh2, v, vn - 1);
				sh2[vn - 1] = 0;
				for (size_t pi = 0; pi < np; pi++) {
					const char *pv = probes[pi];
					size_t pn = strlen(pv);
					int want = 0;
					for (size_t i = 0; i < ng; i++)
						want |= bw_glob_match(globs[i], pv, pn, lower);
					if (bw_rset_has_str(&rs, &set, pv, pn) != want) {
						fprintf(stderr, "glob set (%zu, lower %d) on "
							"'%s': want %d\n", ng, lower, pv, want);
						CHECK(0);
					}
				}
			}
		CHECK(set.nglobs > 64);
		bw_rset_fini(&set);
	}
	/* "*" matches everything, "/" then "*" every value starting '/' */
	struct bw_rset set;
	memset(&set, 0, sizeof(set));
	CHECK_EQ_INT(bw_rset_add(&rs, &set, "/*", 2, BW_FT_STR, 0, msg,
				 sizeof(msg)), 0);
	CHECK(bw_rset_has_str(&rs, &set, "/x", 2));
	CHECK(!bw_rset_has_str(&rs, &set, "x/", 2));
	CHECK_EQ_INT(bw_rset_add(&rs, &set, "*", 1, BW_FT_STR, 0, msg,
				 sizeof(msg)), 0);
	CHECK(bw_rset_has_str(&rs, &set, "x/", 2));
	CHECK(bw_rset_has_str(&rs, &set, "", 0));
	bw_rset_fini(&set);
}

static void test_hash_seeded(void)
{
	CHECK(bw_hash64(1, "abc", 3) != bw_hash64(2, "abc", 3));
	CHECK(bw_hash64(1, "abc", 3) == bw_hash64(1, "abc", 3));
	CHECK(bw_hash64(1, "abc", 3) != bw_hash64(1, "abd", 3));
}

static const struct bw_test tests[] = {
	{ "lexer_tokens", test_lexer_tokens },
	{ "units", test_units },
	{ "parse_rule", test_parse_rule },
	{ "index_or_not", test_index_or_not },
	{ "errors", test_errors },
	{ "regex_error_position", test_regex_error_position },
	{ "urldecode_errors", test_urldecode_errors },
	{ "trigger_types", test_trigger_types },
	{ "message_placeholders", test_message_placeholders },
	{ "regex_prefilter", test_regex_prefilter },
	{ "regex_requirements", test_regex_requirements },
	{ "regex_requirements_sound", test_regex_requirements_sound },
	{ "set_exact_filter", test_set_exact_filter },
	{ "glob", test_glob },
	{ "set_globs", test_set_globs },
	{ "set_glob_select", test_set_glob_select },
	{ "hash_seeded", test_hash_seeded },
	{ "override_block", test_override_block },
	{ "override_set", test_override_set },
	{ "override_errors", test_override_errors },
	{ "override_regex_error_file", test_override_regex_error_file },
	{ "duplicate_directives", test_duplicate_directives },
	{ "unit_mismatch", test_unit_mismatch },
	{ "string_escapes", test_string_escapes },
	{ "impossible_values", test_impossible_values },
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	return bw_test_main("rule", tests, argc, argv);
}
