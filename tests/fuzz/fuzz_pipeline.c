/*
 * fuzz_pipeline.c - the whole pipeline: open, decode, frame, sniff (or a
 * forced format), parse, k-way merge with the reorder window, and NDJSON
 * output of every event.
 *
 * Input: byte 0 holds options (bits 0-1: number of inputs - 1, at most
 * 3; bit 2: --strict; bit 3: --max-line 200; bits 4-5: reorder window
 * auto / 0 / 2 s / 1 min; bit 6: force the format named by byte 1 instead
 * of sniffing). The rest is the inputs' contents, separated by the byte
 * 0x1e (ASCII record separator); each goes to its own memfd, opened by
 * path. Checks: every event renders as one valid JSON object, carries a
 * valid input id and a line number, every event parsed is delivered
 * (unless --strict stopped the run), and the status is 0 or 2.
 */
#include "fuzz_common.h"

#include "buf.h"
#include "output_json.h"
#include "parser.h"
#include "pipeline.h"

#define MAX_INPUTS 3

static struct fuzz_file files[MAX_INPUTS];
static FILE *devnull;
static size_t nparsers;

struct sink {
	struct bw_pipeline *pl;
	struct bw_buf out;
	size_t ninputs;
	uint64_t events;
};

static void on_event(void *arg, bw_event *ev)
{
	struct sink *s = arg;
	s->events++;
	if (ev->input_id >= s->ninputs)
		fuzz_fail("event from input %u of %zu", ev->input_id, s->ninputs);
	if (ev->line_no == 0)
		fuzz_fail("%s", "event without a line number");
	bw_buf_reset(&s->out);
	bw_output_event_json(&s->out, ev, bw_pipeline_input_name(s->pl, ev->input_id));
	if (s->out.oom)
		return;
	if (s->out.n == 0 || s->out.p[s->out.n - 1] != '\n' ||
	    memchr(s->out.p, '\n', s->out.n - 1))
		fuzz_fail("%s", "an event is not exactly one NDJSON line");
	fuzz_check_json(s->out.p, s->out.n - 1);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_inputs_init(files, MAX_INPUTS, "bw_fuzz_pipeline", &devnull, &nparsers);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	unsigned opt = data[0], fmt = data[1];
	data += 2, size -= 2;
	static const int64_t reorder[4] = { -1, 0, 2000, 60000 };

	struct bw_input_spec specs[MAX_INPUTS];
	const char *format = (opt & 64) && nparsers ? bw_parsers[fmt % nparsers]->name : NULL;
	size_t ninputs = fuzz_inputs(files, MAX_INPUTS, specs, format, opt, data, size);

	struct sink s = { .ninputs = ninputs };
	bw_buf_init(&s.out);
	struct bw_pipeline_opts o = {
		.max_line = (opt & 8) ? 200 : 0,
		.strict = (opt & 4) != 0,
		.reorder_ms = reorder[(opt >> 4) & 3],
		.on_event = on_event,
		.arg = &s,
		.diag = devnull,
	};
	char err[512];
	s.pl = bw_pipeline_new(specs, ninputs, &o, err, sizeof(err));
	if (!s.pl)
		fuzz_fail("pipeline_new: %s", err);
	int status = bw_pipeline_run(s.pl);
	if (status != 0 && status != 2)
		fuzz_fail("run status %d", status);
	/* --strict stops at once: events parsed but still held in the
	 * reorder window are not delivered, so only compare without it */
	if (!o.strict && bw_pipeline_events(s.pl) != s.events)
		fuzz_fail("pipeline counted %llu events, delivered %llu",
			  (unsigned long long)bw_pipeline_events(s.pl),
			  (unsigned long long)s.events);
	bw_pipeline_print_stats(s.pl, devnull);
	bw_pipeline_free(s.pl);
	bw_buf_fini(&s.out);
	return 0;
}
