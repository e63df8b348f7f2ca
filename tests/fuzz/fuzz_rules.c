/*
 * fuzz_rules.c - the rule loader (lexer, parser, compiler: every rules
 * file is read at start, and `breachwatch rules check` runs it on files
 * being written) and, when the fuzzed rules compile, the evaluator.
 *
 * Input: rules text, optionally followed by a line "%%" and log lines.
 * The text is written as fuzz.rules into a private directory whose
 * lists/ points at the repository's signatures/lists (so @list
 * references resolve as in real use) and loaded with bw_engine_new().
 * If it compiles, a fixed set of varied events (web, auth, vpn; logins,
 * failures, transfers) is fed three times over an hour of event time, then
 * every log line after "%%" that a parser accepts, so thresholds,
 * sequences and windows run with fuzzed rules. Alerts are rendered to
 * /dev/null.
 *
 * Built only when the rule engine (analyzer/engine.h) is in the tree;
 * before that it is an empty target that lists no sessions.
 */
#include "fuzz_common.h"

#if defined(__has_include)
#if __has_include("engine.h")
#define BW_FUZZ_HAVE_ENGINE 1
#endif
#endif

#ifndef BW_FUZZ_HAVE_ENGINE

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (getenv("BW_FUZZ_LIST"))
		exit(0); /* no engine yet: no session */
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	(void)data;
	(void)size;
	return 0;
}

#else

#include <limits.h>
#include <sys/stat.h>

#include "bw_time.h"
#include "engine.h"
#include "parser.h"

static char dir[PATH_MAX], file[PATH_MAX + 16];
static FILE *devnull;
static const struct bw_tz *utc;

static void cleanup(void)
{
	char lists[PATH_MAX + 16];
	snprintf(lists, sizeof(lists), "%s/lists", dir);
	unlink(file);
	unlink(lists);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (getenv("BW_FUZZ_LIST")) {
		printf("load\n");
		exit(0);
	}
	snprintf(dir, sizeof(dir), "/tmp/bw_fuzz_rules.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		abort();
	}
	snprintf(file, sizeof(file), "%s/fuzz.rules", dir);
	char real[PATH_MAX], lists[PATH_MAX + 16];
	if (realpath("signatures/lists", real)) {
		snprintf(lists, sizeof(lists), "%s/lists", dir);
		if (symlink(real, lists) != 0)
			perror("symlink");
	}
	atexit(cleanup);
	devnull = fopen("/dev/null", "w");
	utc = bw_tz_get("UTC");
	if (!devnull || !utc)
		abort();
	return 0;
}

static bw_ip ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	bw_ip ip = { 4, { 0 } };
	ip.addr[10] = ip.addr[11] = 0xff;
	ip.addr[12] = a, ip.addr[13] = b, ip.addr[14] = c, ip.addr[15] = d;
	return ip;
}

/* A small cast of events that between them touch every field kind. */
static void canned(bw_event *ev, int i, int64_t t)
{
	bw_event_clear(ev);
	ev->ts_ms = t;
	ev->line_no = (uint64_t)i + 1;
	ev->line = BW_STR_LIT("canned event");
	switch (i % 6) {
	case 0: /* web download */
		ev->source = BW_SRC_WEB, ev->kind = BW_KIND_REQUEST;
		ev->format = "combined";
		ev->src_ip = ip4(203, 0, 113, 9);
		ev->user = BW_STR_LIT("alice");
		ev->http_method = BW_STR_LIT("GET");
		ev->url_path = BW_STR_LIT("/records/ICC-01/04-01/06-1-Red.pdf");
		ev->url_query = BW_STR_LIT("lang=/../../etc/passwd");
		ev->user_agent = BW_STR_LIT("sqlmap/1.7");
		ev->http_status = 200;
		ev->http_bytes = ev->bytes_out = 3ll << 30;
		break;
	case 1: /* ssh failure */
		ev->source = BW_SRC_AUTH, ev->kind = BW_KIND_LOGIN;
		ev->outcome = BW_OUTCOME_FAILURE;
		ev->format = "syslog";
		ev->program = BW_STR_LIT("sshd");
		ev->host = BW_STR_LIT("bastion");
		ev->user = BW_STR_LIT("root");
		ev->auth_method = BW_STR_LIT("password");
		ev->src_ip = ip4(45, 83, 193, 150);
		ev->src_port = 40000;
		break;
	case 2: /* ssh success from the same place */
		ev->source = BW_SRC_AUTH, ev->kind = BW_KIND_LOGIN;
		ev->outcome = BW_OUTCOME_SUCCESS;
		ev->format = "syslog";
		ev->program = BW_STR_LIT("sshd");
		ev->user = BW_STR_LIT("root");
		ev->src_ip = ip4(45, 83, 193, 150);
		break;
	case 3: /* vpn session end with volume */
		ev->source = BW_SRC_VPN, ev->kind = BW_KIND_SESSION_END;
		ev->format = "fortigate";
		ev->user = BW_STR_LIT("intern07");
		ev->user_domain = BW_STR_LIT("CORP");
		ev->src_ip = ip4(198, 51, 100, 7);
		ev->assigned_ip = ip4(10, 20, 0, 15);
		ev->bytes_out = 9ll << 30;
		ev->bytes_in = 1234;
		ev->duration_ms = 3600000;
		ev->session_id = BW_STR_LIT("0x1f");
		break;
	case 4: /* sudo */
		ev->source = BW_SRC_AUTH, ev->kind = BW_KIND_PRIVILEGE;
		ev->outcome = BW_OUTCOME_FAILURE;
		ev->program = BW_STR_LIT("sudo");
		ev->user = BW_STR_LIT("intern07");
		ev->reason = BW_STR_LIT("3 incorrect password attempts");
		break;
	default: /* IPv6 web probe, odd bytes */
		ev->source = BW_SRC_WEB, ev->kind = BW_KIND_REQUEST;
		ev->src_ip.family = 6;
		ev->src_ip.addr[0] = 0x20, ev->src_ip.addr[1] = 0x01;
		ev->src_ip.addr[15] = 1;
		ev->http_method = BW_STR_LIT("POST");
		ev->url_path = BW_STR_LIT("/remote/fgt_lang");
		ev->user_agent = BW_STR_LIT("\xff\x00\x1b[31m");
		ev->http_status = 404;
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *logs = NULL;
	size_t rules_n = size;
	for (size_t i = 0; i + 3 <= size; i++) {
		if ((i == 0 || data[i - 1] == '\n') && data[i] == '%' && data[i + 1] == '%' &&
		    (i + 2 == size || data[i + 2] == '\n')) {
			rules_n = i;
			logs = data + i + 2;
			break;
		}
	}
	FILE *f = fopen(file, "wb");
	if (!f || fwrite(data, 1, rules_n, f) != rules_n || fclose(f) != 0)
		abort();

	struct bw_engine_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.rules_dir = dir;
	cfg.max_keys = 1000;
	cfg.fail_on = BW_SEV_HIGH;
	cfg.json = (rules_n & 1) != 0;
	cfg.out = devnull;
	cfg.seed = 42;
	char err[4096];
	struct bw_engine *e = bw_engine_new(&cfg, err, sizeof(err));
	if (!e) {
		/* rejected with messages: fine. BW_FUZZ_VERBOSE=1 shows them,
		 * for writing seeds that do load. */
		if (getenv("BW_FUZZ_VERBOSE"))
			fprintf(stderr, "fuzz_rules: not loaded:\n%s", err);
		return 0;
	}
	if (getenv("BW_FUZZ_VERBOSE"))
		fprintf(stderr, "fuzz_rules: loaded\n");

	bw_event ev;
	int64_t t0 = 1795000000000;
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < 24; i++) {
			canned(&ev, i, t0 + (int64_t)(round * 24 + i) * 50000);
			bw_engine_event(e, &ev);
		}

	if (logs) {
		struct bw_parse_ctx ctx;
		memset(&ctx, 0, sizeof(ctx));
		ctx.default_year = 2026;
		ctx.tz = utc;
		const uint8_t *p = logs, *end = data + size;
		uint64_t no = 0;
		while (p < end) {
			const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
			size_t n = (size_t)((nl ? nl : end) - p);
			char *line = fuzz_dup(p, n);
			bw_str v = { line, n };
			const struct bw_parser *ps = bw_parser_sniff(&v, 1);
			/* only stateless parsers: no per-input state here */
			if (ps && !ps->state_size) {
				bw_event_clear(&ev);
				ev.line_no = ++no;
				ev.line = v;
				if (ps->parse(&ctx, line, n, &ev) == BW_PARSE_OK)
					bw_engine_event(e, &ev);
			}
			free(line);
			if (!nl)
				break;
			p = nl + 1;
		}
	}
	bw_engine_finish(e);
	bw_engine_print_summary(e, devnull, (rules_n & 2) != 0);
	bw_engine_free(e);
	return 0;
}

#endif
