/*
 * test_pipeline.c - whole-pipeline properties: no allocation per line
 * (counted over 100,000 lines through parse and NDJSON rendering), the
 * k-way merge, event copies that outlive their line, the NDJSON line of
 * an event at its worst case.
 */
#include "bw_test.h"

#include <jansson.h>
#include <unistd.h>

#include "buf.h"
#include "bw_util.h"
#include "output_json.h"
#include "pipeline.h"

#if defined(__SANITIZE_ADDRESS__)
#define NO_INTERPOSE 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NO_INTERPOSE 1
#endif
#endif

/* ---- allocation counting by interposing malloc (glibc) ---- */
#ifndef NO_INTERPOSE
static long allocs;
static int counting;

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

void *malloc(size_t n);
void *calloc(size_t a, size_t b);
void *realloc(void *p, size_t n);
void free(void *p);

void *malloc(size_t n)
{
	if (counting)
		allocs++;
	return __libc_malloc(n);
}

void *calloc(size_t a, size_t b)
{
	if (counting)
		allocs++;
	return __libc_calloc(a, b);
}

void *realloc(void *p, size_t n)
{
	if (counting)
		allocs++;
	return __libc_realloc(p, n);
}

void free(void *p)
{
	__libc_free(p);
}
#endif

static char path[] = "/tmp/bw-test-pipeline-XXXXXX";

#ifndef NO_INTERPOSE
static void write_lines(size_t n)
{
	FILE *f = fopen(path, "w");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "198.51.%zu.%zu - user%zu [27/Nov/2026:%02zu:%02zu:%02zu +0100] "
			"\"GET /cases/%zu/doc%zu.pdf?page=%zu HTTP/1.1\" 200 %zu "
			"\"https://portal.example/\" \"Mozilla/5.0 (X11; Linux) agent/%zu\"\n",
			i / 256 % 256, i % 256, i % 97, i / 3600 % 24, i / 60 % 60, i % 60,
			i % 1000, i, i % 7, 1000 + i * 13 % 100000, i % 50);
	fclose(f);
}

struct sink {
	struct bw_buf out;
	uint64_t events;
	int64_t last_ts;
	int ordered;
};

static void on_event(void *arg, bw_event *ev)
{
	struct sink *s = arg;
	s->events++;
	if (ev->ts_ms < s->last_ts)
		s->ordered = 0;
	s->last_ts = ev->ts_ms;
	bw_output_event_json(&s->out, ev, "x.log");
	if (s->out.n > 65536)
		bw_buf_reset(&s->out);
}

/* @return the number of allocations made while running n lines. */
static long run_counting(size_t n, uint64_t *events)
{
	write_lines(n);
	struct sink s = { .ordered = 1 };
	bw_buf_init(&s.out);
	struct bw_input_spec spec = { path, NULL, "UTC", 0 };
	struct bw_pipeline_opts o = { .on_event = on_event, .arg = &s, .reorder_ms = 0 };
	char err[256];
	struct bw_pipeline *pl = bw_pipeline_new(&spec, 1, &o, err, sizeof(err));
	CHECK(pl != NULL);
	allocs = 0;
	counting = 1;
	bw_pipeline_run(pl);
	counting = 0;
	*events = s.events;
	bw_pipeline_free(pl);
	bw_buf_fini(&s.out);
	return allocs;
}
#endif

/* Every string field at once, each all control bytes (the escaper's
 * worst case, 6 bytes out per byte in): the line must be one valid JSON
 * object holding the values unchanged, within the room reserved for it
 * (bw_output_event_json asserts that). */
static void test_event_json_worst_case(void)
{
	enum { N = 3000 };
	static char v[N + 1]; /* also the input name: NUL-terminated */
	memset(v, 1, N);
	bw_str s = bw_str_make(v, N);
	bw_event ev;
	bw_event_clear(&ev);
	ev.ts_ms = 1700000000000LL;
	ev.format = "clf";
	bw_str *all[] = {
		&ev.action, &ev.reason, &ev.user, &ev.user_domain,
		&ev.identity, &ev.target_user, &ev.src_host, &ev.host,
		&ev.program, &ev.command, &ev.vhost, &ev.http_method,
		&ev.url_path, &ev.url_query, &ev.http_version, &ev.referrer,
		&ev.user_agent, &ev.request, &ev.forwarded_for,
		&ev.auth_method, &ev.session_id,
	};
	for (size_t i = 0; i < sizeof(all) / sizeof(*all); i++)
		*all[i] = s;
	ev.identity.n--; /* written only when it differs from the user */
	ev.flags |= BW_EF_USER_LEASE;
	struct bw_buf b;
	bw_buf_init(&b);
	bw_output_event_json(&b, &ev, v);
	json_error_t jerr;
	json_t *o = json_loadb(b.p, b.n, 0, &jerr);
	CHECK(o != NULL);
	if (o) {
		const char *keys[] = { "url.path", "user_agent.original",
				       "session.id", "log.file.path" };
		for (size_t i = 0; i < 4; i++) {
			json_t *x = json_object_get(o, keys[i]);
			CHECK(json_is_string(x) && json_string_length(x) == N &&
			      memcmp(json_string_value(x), v, N) == 0);
		}
		json_decref(o);
	}
	CHECK(b.n > 6 * N * (sizeof(all) / sizeof(*all)));
	bw_buf_fini(&b);
}

static void test_no_allocation_per_line(void)
{
#ifdef NO_INTERPOSE
	printf("pipeline: allocation count skipped under AddressSanitizer\n");
#else
	uint64_t ev_small, ev_big;
	long small = run_counting(1000, &ev_small);
	long big = run_counting(100000, &ev_big);
	printf("pipeline: allocations while running 1000 lines: %ld, 100000 lines: %ld\n",
	       small, big);
	CHECK_EQ_INT(ev_small, 1000);
	CHECK_EQ_INT(ev_big, 100000);
	/* A few buffers grow once (output, tz cache); nothing scales with
	 * the number of lines. */
	CHECK(big <= 16);
	CHECK(big <= small + 4);
#endif
}

static void test_event_copy(void)
{
	char line[] = "GET /x user";
	bw_event ev;
	bw_event_clear(&ev);
	ev.line = (bw_str){ line, sizeof(line) - 1 };
	ev.url_path = (bw_str){ line + 4, 2 };
	ev.user = (bw_str){ line + 7, 4 };
	static const char ext[] = "outside";
	ev.reason = (bw_str){ ext, 7 };
	size_t need = bw_event_copy(NULL, &ev, NULL, 0);
	CHECK_EQ_INT(need, sizeof(line) - 1 + 7);
	char buf[64];
	bw_event cp;
	bw_event_copy(&cp, &ev, buf, sizeof(buf));
	memset(line, 'Z', sizeof(line) - 1); /* the original line is gone */
	CHECK_STR_VIEW(cp.url_path, "/x");
	CHECK_STR_VIEW(cp.user, "user");
	CHECK_STR_VIEW(cp.reason, "outside");
	CHECK(cp.reason.p >= buf && cp.reason.p < buf + sizeof(buf));
}

/* Every view of an event outlives its buffers in a copy: one string per
 * view, none in the line, all checked after the originals are gone. */
#define ALL_VIEWS(e)                                                      \
	&(e).user, &(e).user_domain, &(e).auth_method, &(e).action,         \
	&(e).reason, &(e).session_id, &(e).target_user, &(e).command,       \
	&(e).identity, &(e).src_host, &(e).host, &(e).program,              \
	&(e).forwarded_for, &(e).http_method, &(e).url_path, &(e).url_query, \
	&(e).http_version, &(e).referrer, &(e).user_agent, &(e).vhost,      \
	&(e).request, &(e).line
static void test_event_copy_every_view(void)
{
	char src[22][8];
	bw_event ev;
	bw_event_clear(&ev);
	bw_str *v[] = { ALL_VIEWS(ev) };
	const size_t n = sizeof(v) / sizeof(v[0]);
	CHECK_EQ_INT(n, 22);
	for (size_t i = 0; i < n; i++) {
		snprintf(src[i], sizeof(src[i]), "v%02zu", i);
		*v[i] = (bw_str){ src[i], 3 };
	}
	char buf[128];
	bw_event cp;
	CHECK_EQ_INT(bw_event_copy(&cp, &ev, buf, sizeof(buf)), 22 * 3);
	memset(src, 'Z', sizeof(src));
	const bw_str *c[] = { ALL_VIEWS(cp) };
	for (size_t i = 0; i < n; i++) {
		char want[8];
		snprintf(want, sizeof(want), "v%02zu", i);
		CHECK(c[i]->p >= buf && c[i]->p + c[i]->n <= buf + sizeof(buf));
		CHECK(c[i]->n == 3 && memcmp(c[i]->p, want, 3) == 0);
	}
}

/* tail -F of several IIS logs into one pipe: each file between its
 * "==> f <==" headers keeps its own #Fields layout, for the 64 files read
 * most recently; a file not seen before (or read again after 64 others)
 * takes over the layout of the file read before it, as a file whose
 * #Fields line scrolled out of tail's last lines needs. */
struct tail_sink {
	uint64_t events;
	char paths[128][16];   /* url.path of each event, in order */
};

static void on_tail_event(void *arg, bw_event *ev)
{
	struct tail_sink *s = arg;
	if (s->events < 128)
		snprintf(s->paths[s->events], sizeof(s->paths[0]), "%.*s",
			 (int)ev->url_path.n, ev->url_path.p);
	s->events++;
}

static const char layout_a[] = "#Fields: date time s-ip cs-method cs-uri-stem "
	"cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) "
	"sc-status sc-substatus sc-win32-status sc-bytes time-taken\n";
static const char layout_b[] = "#Fields: time c-ip cs-username cs-method "
	"cs-uri-stem sc-status sc-bytes time-taken\n";

static void tail_line(FILE *f, int i, int again)
{
	fprintf(f, "\n==> /mnt/iis/W3SVC%d/u_ex261127.log <==\n", i);
	if (!again)
		fprintf(f, "#Software: Microsoft Internet Information Services 10.0\n"
			"#Date: 2026-11-27 13:00:00\n%s", i % 2 ? layout_b : layout_a);
	if (i % 2)
		fprintf(f, "13:%02d:%02d 203.0.113.%d - GET /b%d%s 200 512 4\n",
			again, i % 60, i, i, again ? "r" : "");
	else
		fprintf(f, "2026-11-27 13:%02d:%02d 10.0.0.5 GET /a%d%s - 443 - "
			"203.0.113.%d agent - 200 0 0 512 4\n", again, i % 60, i,
			again ? "r" : "", i);
}

static void test_tail_sections(void)
{
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	for (int i = 0; i < 70; i++)
		tail_line(f, i, 0);
	tail_line(f, 69, 1);  /* kept: its layout (b) */
	tail_line(f, 68, 1);  /* kept: its layout (a), after b's */
	tail_line(f, 100, 1); /* new, no #Fields: a, from 68 before it */
	tail_line(f, 69, 1);  /* b again */
	tail_line(f, 0, 1);   /* 64 files read since: b from 69, not its a */
	fclose(f);
	struct tail_sink s = { 0 };
	struct bw_input_spec spec = { path, "iis", "UTC", 0 };
	struct bw_pipeline_opts o = { .on_event = on_tail_event, .arg = &s };
	char err[256];
	struct bw_pipeline *pl = bw_pipeline_new(&spec, 1, &o, err, sizeof(err));
	CHECK(pl != NULL);
	if (!pl)
		return;
	bw_pipeline_run(pl);
	CHECK_EQ_INT(s.events, 74);
	CHECK_EQ_STR(s.paths[70], "/b69r");
	CHECK_EQ_STR(s.paths[71], "/a68r");
	CHECK_EQ_STR(s.paths[72], "/a100r");
	CHECK_EQ_STR(s.paths[73], "/b69r");
	/* read by b's 9 columns, a's 16-column line fits no layout */
	CHECK_EQ_INT(bw_pipeline_skipped(pl), 1);
	bw_pipeline_free(pl);
}

int main(int argc, char **argv)
{
	static const struct bw_test tests[] = {
		{ "no_allocation_per_line", test_no_allocation_per_line },
		{ "event_copy", test_event_copy },
		{ "event_copy_every_view", test_event_copy_every_view },
		{ "event_json_worst_case", test_event_json_worst_case },
		{ "tail_sections", test_tail_sections },
		{ NULL, NULL },
	};
	int fd = mkstemp(path);
	if (fd < 0)
		return 2;
	close(fd);
	int rc = bw_test_main("pipeline", tests, argc, argv);
	unlink(path);
	return rc;
}
