/*
 * fuzz_scan.c - everything after the merge as well: the VPN stage
 * (sessions and their open-session reports, leases), identity mapping,
 * the Windows pairing stage (authpair) and the rule engine with the
 * default ruleset (signatures/, read from the working directory: fuzz.sh
 * runs from the tree's top), alerts written as NDJSON or text.
 *
 * Input: byte 0 holds options (bits 0-1: number of inputs - 1, at most
 * 3; bit 2: --identity-domain court.example; bit 3: text alerts instead
 * of NDJSON; bits 4-5: reorder window auto / 0 / 2 s / 1 min; bit 6:
 * force the format named by byte 1 instead of sniffing; bit 7: a cap of
 * 64 state keys, so eviction runs). The rest is the inputs' contents,
 * separated by 0x1e, as fuzz_pipeline reads them. A new engine per input
 * (fixed hash seed), so a reproducer replays alone; the engines share
 * the rules, loaded once per identity setting (bw_engine_rules_load): a
 * load is most of the work of a small input.
 *
 * Checks: the status is 0 or 2; every NDJSON alert is one valid JSON
 * object; text alerts hold no raw control byte (log text is the
 * attacker's: it must reach a terminal escaped).
 */
#include "fuzz_common.h"

#include "engine.h"
#include "identity.h"
#include "scan.h"

#define MAX_INPUTS 3

static struct fuzz_file files[MAX_INPUTS];
static FILE *devnull;
static size_t nparsers;
static struct bw_ruleset *rules[2]; /* without, with the identity domain */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_inputs_init(files, MAX_INPUTS, "bw_fuzz_scan", &devnull, &nparsers);
	return 0;
}

/* Each alert line: JSON, or text without control bytes. */
static void check_alerts(const char *p, size_t n, int json)
{
	while (n) {
		const char *nl = memchr(p, '\n', n);
		if (!nl)
			fuzz_fail("%s", "alert output does not end with a newline");
		size_t len = (size_t)(nl - p);
		if (json) {
			fuzz_check_json(p, len);
		} else {
			for (size_t i = 0; i < len; i++) {
				unsigned char c = (unsigned char)p[i];
				if (c < 0x20 || c == 0x7f)
					fuzz_fail("raw control byte 0x%02x in a text alert: %.*s",
						  c, (int)len, p);
			}
		}
		n -= len + 1;
		p = nl + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	unsigned opt = data[0], fmt = data[1];
	data += 2, size -= 2;
	static const int64_t reorder[4] = { -1, 0, 2000, 60000 };
	int json = !(opt & 8);

	struct bw_input_spec specs[MAX_INPUTS];
	const char *names[MAX_INPUTS];
	const char *format = (opt & 64) && nparsers ? bw_parsers[fmt % nparsers]->name : NULL;
	size_t ninputs = fuzz_inputs(files, MAX_INPUTS, specs, format, opt, data, size);
	for (size_t i = 0; i < ninputs; i++)
		names[i] = files[i].path;

	const char *domain = (opt & 4) ? "court.example" : NULL;
	struct bw_identity *identity = bw_scan_identity(domain, NULL, devnull);
	if (!identity)
		fuzz_fail("%s", "identity");
	char *out = NULL;
	size_t outn = 0;
	FILE *alerts = open_memstream(&out, &outn);
	if (!alerts)
		abort();
	struct bw_engine_config cfg = {
		.rules_dir = "signatures",
		.max_keys = (opt & 128) ? 64 : 0,
		.fail_on = BW_SEV_HIGH,
		.json = json,
		.out = alerts,
		.input_names = names,
		.ninputs = ninputs,
		.identity = identity,
		.seed = 1,
	};
	char err[4096];
	int dom = domain != NULL;
	if (!rules[dom] &&
	    !(rules[dom] = bw_engine_rules_load(&cfg, err, sizeof(err))))
		fuzz_fail("rules: %s (run from the tree's top)", err);
	cfg.rules = rules[dom];
	struct bw_engine *engine = bw_engine_new(&cfg, err, sizeof(err));
	if (!engine)
		fuzz_fail("engine: %s (run from the tree's top)", err);
	struct bw_scan_opts so = {
		.specs = specs,
		.nspecs = ninputs,
		.reorder_ms = reorder[(opt >> 4) & 3],
		.identity_domain = domain,
		.identity = identity,
		.engine = engine,
		.diag = devnull,
	};
	struct bw_scan_result res;
	int status = bw_scan_run(&so, &res);
	if (status != 0 && status != 2)
		fuzz_fail("scan status %d", status);
	bw_engine_print_summary(engine, devnull, 0);
	bw_engine_print_summary(engine, devnull, 1);
	bw_engine_free(engine);
	bw_identity_free(identity);
	fclose(alerts);
	check_alerts(out, outn, json);
	free(out);
	return 0;
}
