/*
 * fuzz_msg.c - every syslog message parser in bw_msg_parsers[].
 *
 * BW_FUZZ_MSG=NAME picks the parser (fuzz.sh: one session per parser,
 * corpus tests/fuzz/corpus/msg-NAME/); unset, the first input byte picks
 * it. BW_FUZZ_LIST=1 prints the names and exits.
 *
 * Input: "PROGRAM\0MESSAGE" when a NUL occurs in the first 32 bytes,
 * else just MESSAGE with the parser's first listed programme (or "sshd"
 * for parsers that take any programme). The message is parsed from an
 * exact-size copy with an event pre-filled as the syslog framer leaves
 * it. Checks as in fuzz_parser.c.
 */
#include "fuzz_common.h"

#include "buf.h"
#include "bw_time.h"
#include "output_json.h"
#include "parser.h"

static const struct bw_msg_parser *chosen;
static size_t nparsers;
static const struct bw_tz *utc;
static struct bw_buf out;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	while (bw_msg_parsers[nparsers])
		nparsers++;
	if (getenv("BW_FUZZ_LIST")) {
		for (size_t i = 0; i < nparsers; i++)
			printf("%s\n", bw_msg_parsers[i]->name);
		exit(0);
	}
	const char *name = getenv("BW_FUZZ_MSG");
	for (size_t i = 0; name && *name && i < nparsers; i++)
		if (strcmp(bw_msg_parsers[i]->name, name) == 0)
			chosen = bw_msg_parsers[i];
	if (name && *name && !chosen) {
		fprintf(stderr, "fuzz_msg: no message parser '%s'\n", name);
		exit(2);
	}
	utc = bw_tz_get("UTC");
	if (!utc)
		abort();
	bw_buf_init(&out);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (nparsers == 0)
		return 0;
	const struct bw_msg_parser *p = chosen;
	if (!p) {
		if (size == 0)
			return 0;
		p = bw_msg_parsers[data[0] % nparsers];
		data++, size--;
	}
	const char *prog_text = p->programs && p->programs[0] ? p->programs[0] : "sshd";
	size_t prog_n = strlen(prog_text);
	const uint8_t *nul = memchr(data, 0, size < 32 ? size : 32);
	if (nul) {
		prog_text = (const char *)data;
		prog_n = (size_t)(nul - data);
		size -= prog_n + 1;
		data = nul + 1;
	}
	char *prog = fuzz_dup(prog_text, prog_n);
	char *msg = fuzz_dup(data, size);

	struct bw_parse_ctx ctx;
	memset(&ctx, 0, sizeof(ctx));
	ctx.default_year = 2026;
	ctx.tz = utc;
	bw_event ev;
	bw_event_clear(&ev);
	ev.ts_ms = 1795000000000;
	ev.source = BW_SRC_AUTH;
	ev.host = BW_STR_LIT("host");
	ev.program = (bw_str){ prog, prog_n };
	ev.line = (bw_str){ msg, size };
	ev.line_no = 1;

	enum bw_parse_rc rc = p->parse(&ctx, (bw_str){ prog, prog_n }, msg, size, &ev);
	/* views into the programme name count as "outside" */
	fuzz_check_parse(p->name, rc, &ctx, &ev, msg, size, &out);
	free(msg);
	free(prog);
	return 0;
}
