/*
 * test_rules_cli.c - `breachwatch rules check|list|test` through
 * bw_rules_main: the default ruleset compiles, every testdata/rules case
 * passes (cases no parser can read yet are skipped by `rules test`
 * itself), and a broken rules dir gives status 2.
 */
#include "bw_test.h"
#include "rule_test_util.h"

static int run(int argc, const char **argv)
{
	char *v[8];
	char buf[8][300];
	for (int i = 0; i < argc && i < 8; i++) {
		snprintf(buf[i], sizeof(buf[i]), "%s", argv[i]);
		v[i] = buf[i];
	}
	fflush(stdout);
	return bw_rules_main(argc, v);
}

static void test_check_default(void)
{
	if (access("signatures", R_OK) != 0) {
		printf("skip: no signatures/ here\n");
		return;
	}
	const char *argv[] = { "rules", "check", "signatures" };
	CHECK_EQ_INT(run(3, argv), 0);
	const char *argv2[] = { "rules", "list" };
	CHECK_EQ_INT(run(2, argv2), 0);
}

static void test_test_default(void)
{
	if (access("testdata/rules", R_OK) != 0) {
		printf("skip: no testdata/rules here\n");
		return;
	}
	const char *argv[] = { "rules", "test", "signatures", "--cases",
			       "testdata/rules" };
	CHECK_EQ_INT(run(5, argv), 0);
}

/* The same cases with the engine on a thread of its own, as `scan` runs
 * it on two CPUs: every rule's firing case and near miss hold. */
static void test_test_threaded(void)
{
	if (access("testdata/rules", R_OK) != 0) {
		printf("skip: no testdata/rules here\n");
		return;
	}
	const char *argv[] = { "rules", "test", "signatures", "--cases",
			       "testdata/rules", "--threads", "2" };
	CHECK_EQ_INT(run(7, argv), 0);
	const char *bad[] = { "rules", "test", "--threads", "3" };
	CHECK_EQ_INT(run(4, bad), 2);
}

static void test_check_errors(void)
{
	rules_dir("rule a\n  when nope == 1\n");
	const char *argv[] = { "rules", "check", tdir };
	CHECK_EQ_INT(run(3, argv), 2);
	rules_dir_rm();
	const char *bad[] = { "rules", "frob" };
	CHECK_EQ_INT(run(2, bad), 2);
}

/* A case directory of our own: fire passes, a wrong expectation fails. */
static void test_cases(void)
{
	rules_dir("rule web.x\n  severity high\n  when url.path == \"/x\"\n"
		  "  group src.ip\n");
	const char *line =
		"192.0.2.1 - - [27/Nov/2026:13:00:00 +0000] \"GET /x HTTP/1.1\" 200 5 \"-\" \"curl\"\n";
	const char *miss =
		"192.0.2.1 - - [27/Nov/2026:13:00:00 +0000] \"GET /y HTTP/1.1\" 200 5 \"-\" \"curl\"\n";
	rules_file("cases/web.x/fire/a.log", line);
	rules_file("cases/web.x/fire/expect", "count 1\nsrc.ip 192.0.2.1\nseverity high\n");
	rules_file("cases/web.x/miss/a.log", miss);
	char cases[300];
	snprintf(cases, sizeof(cases), "%s/cases", tdir);
	const char *argv[] = { "rules", "test", tdir, "--cases", cases };
	CHECK_EQ_INT(run(5, argv), 0);
	rules_file("cases/web.x/fire/expect", "src.ip 192.0.2.2\n");
	CHECK_EQ_INT(run(5, argv), 1);
	rules_file("cases/web.x/fire/expect", "count 1\n");
	rules_file("cases/web.x/miss/a.log", line);
	CHECK_EQ_INT(run(5, argv), 1);
	rules_dir_rm();
}

static const struct bw_test tests[] = {
	{ "check_default", test_check_default },
	{ "test_default", test_test_default },
	{ "test_threaded", test_test_threaded },
	{ "check_errors", test_check_errors },
	{ "cases", test_cases },
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	return bw_test_main("rules_cli", tests, argc, argv);
}
