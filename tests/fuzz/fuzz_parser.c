/*
 * fuzz_parser.c - every line parser in bw_parsers[].
 *
 * The environment picks the parser: BW_FUZZ_PARSER=NAME fuzzes that one
 * (fuzz.sh runs one session per parser, each with its own corpus
 * tests/fuzz/corpus/parser-NAME/); unset, the first input byte picks it.
 * BW_FUZZ_LIST=1 prints the parser names and exits (fuzz.sh asks this so
 * parsers merged later are fuzzed without editing the script).
 *
 * The input is split at '\n' into lines, each copied into an exact-size
 * buffer, and parsed in order with one context and one private state, as
 * the input layer would. Besides sanitizer reports it checks that sniff
 * leaves the line alone, that a rejection gives a reason, that every view
 * stays inside its line, and that the event renders as valid NDJSON.
 */
#include "fuzz_common.h"

#include "buf.h"
#include "bw_time.h"
#include "output_json.h"
#include "parser.h"

static const struct bw_parser *chosen;
static size_t nparsers;
static const struct bw_tz *utc;
static struct bw_buf out;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	while (bw_parsers[nparsers])
		nparsers++;
	if (getenv("BW_FUZZ_LIST")) {
		for (size_t i = 0; i < nparsers; i++)
			printf("%s\n", bw_parsers[i]->name);
		exit(0);
	}
	const char *name = getenv("BW_FUZZ_PARSER");
	if (name && *name) {
		chosen = bw_parser_find(name);
		if (!chosen) {
			fprintf(stderr, "fuzz_parser: no parser '%s'\n", name);
			exit(2);
		}
	}
	utc = bw_tz_get("UTC");
	if (!utc || nparsers == 0)
		abort();
	bw_buf_init(&out);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct bw_parser *p = chosen;
	if (!p) {
		if (size == 0)
			return 0;
		p = bw_parsers[data[0] % nparsers];
		data++, size--;
	}
	struct bw_parse_ctx ctx;
	memset(&ctx, 0, sizeof(ctx));
	ctx.default_year = 2026;
	ctx.tz = utc;
	if (p->state_size)
		ctx.state = calloc(1, p->state_size);

	const char *text = (const char *)data, *end = text + size;
	uint64_t line_no = 0;
	while (text < end || (size == 0 && line_no == 0)) {
		const char *nl = memchr(text, '\n', (size_t)(end - text));
		size_t n = (size_t)((nl ? nl : end) - text);
		char *line = fuzz_dup(text, n);
		char *before = fuzz_dup(text, n);
		line_no++;

		int score = p->sniff(line, n);
		if (score < 0 || score > 100)
			fuzz_fail("%s: sniff score %d out of 0..100", p->name, score);
		if (memcmp(line, before, n) != 0)
			fuzz_fail("%s: sniff modified the line", p->name);

		bw_event ev;
		bw_event_clear(&ev);
		ev.line_no = line_no;
		ev.line = (bw_str){ line, n };
		ctx.reason = NULL;
		enum bw_parse_rc rc = p->parse(&ctx, line, n, &ev);
		fuzz_check_parse(p->name, rc, &ctx, &ev, line, n, &out);
		free(before);
		free(line);
		if (!nl)
			break;
		text = nl + 1;
	}
	if (ctx.state) {
		if (p->state_fini)
			p->state_fini(ctx.state);
		free(ctx.state);
	}
	return 0;
}
