/*
 * fuzz_rules.c - the rule loader: lexer, parser and compiler over
 * arbitrary rule-file text (the lists of signatures/lists/ are reachable
 * with @name when the fuzzer runs from the repository root).
 * Checks, beyond sanitizers: every error line has the form
 * "rules:LINE:COL: message" with LINE within the input, and a second
 * load of the same text gives the same rule count and errors (the loader
 * has no hidden state).
 */
#include "fuzz_common.h"

#include "rule.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void check_errors(const struct bw_rerr *err, const char *text,
			 size_t n)
{
	unsigned lines = 1;
	for (size_t i = 0; i < n; i++)
		lines += text[i] == '\n';
	const char *p = err->buf;
	for (unsigned k = 0; p && *p && k < err->count; k++) {
		unsigned line, col;
		if (sscanf(p, "rules:%u:%u: ", &line, &col) != 2)
			fuzz_fail("error without file:line:col: %.80s", p);
		if (line < 1 || line > lines)
			fuzz_fail("error line %u outside 1..%u", line, lines);
		const char *nl = strchr(p, '\n');
		if (!nl)
			fuzz_fail("error not ended by a newline");
		p = nl + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_dup(data, size);
	size_t counts[2];
	unsigned nerr[2];
	for (int round = 0; round < 2; round++) {
		struct bw_rerr err = { 0 };
		struct bw_ruleset *rs = calloc(1, sizeof(*rs));
		if (!rs)
			abort();
		rs->dir = "signatures";
		rs->seed = 1;
		bw_rule_parse(rs, "rules", text, size, &err);
		bw_ruleset_compile(rs, &err);
		check_errors(&err, text, size);
		counts[round] = rs->nrules;
		nerr[round] = err.count;
		bw_ruleset_free(rs);
		bw_rerr_fini(&err);
	}
	if (counts[0] != counts[1] || nerr[0] != nerr[1])
		fuzz_fail("two loads differ: %zu/%u rules/errors vs %zu/%u",
			  counts[0], nerr[0], counts[1], nerr[1]);
	free(text);
	return 0;
}
