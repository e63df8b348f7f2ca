/*
 * test_engine_thread.c - the engine on a thread of its own gives the
 * same alerts, in the same order, as on the caller's thread; a partly
 * filled batch goes over at a flush and not before; an event bigger
 * than a batch runs in its place in the order.
 */
#include <signal.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "bw_test.h"
#include "engine_thread.h"
#include "rule_test_util.h"

#define T0 1764000000LL /* 2025-11-24T16:00:00Z */

static const char *thread_rules =
	"rule t.bf\n"
	"  severity high\n"
	"  when source == auth and kind == login and outcome == failure\n"
	"  group src.ip\n"
	"  window 10m\n"
	"  trigger count >= 5\n"
	"  message \"{count} failures from {src.ip}, users {distinct(user)}\"\n"
	"rule t.passwd\n"
	"  severity medium\n"
	"  when source == web and url.path ~ /etc\\/passwd/\n"
	"  group src.ip\n"
	"  message \"{src.ip} asked for {url.path}\"\n"
	"rule t.saf\n"
	"  severity critical\n"
	"  sequence by src.ip within 30m\n"
	"    step source == auth and outcome == failure with runs=3\n"
	"    step source == auth and outcome == success\n"
	"  message \"{src.ip} got in as {user}\"\n";

/* What the alerts were, in order: a digest of every field a reader sees,
 * and how many. Written by the engine's thread, read after finish (or,
 * for the count, while it runs). */
struct seen {
	uint64_t digest;
	atomic_int n;
};

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *u = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ u[i]) * 0x100000001b3ull;
	return h;
}

static void on_alert(void *ctx, const struct bw_alert *a)
{
	struct seen *s = ctx;
	uint64_t h = mix(s->digest, a->rule_id, strlen(a->rule_id));
	h = mix(h, a->message, a->message_len);
	h = mix(h, &a->ts_ms, sizeof(a->ts_ms));
	h = mix(h, &a->count, sizeof(a->count));
	h = mix(h, &a->evidence_count, sizeof(a->evidence_count));
	for (size_t i = 0; i < a->nevidence; i++)
		h = mix(h, &a->evidence[i].line_no, sizeof(a->evidence[i].line_no));
	s->digest = h;
	atomic_fetch_add(&s->n, 1);
}

static struct bw_engine *engine_seen(struct seen *s)
{
	s->digest = 0xcbf29ce484222325ull;
	atomic_store(&s->n, 0);
	return engine_in_dir_to(0, on_alert, s);
}

static const char *const users[] = { "root", "admin", "alice", "bob",
				     "oracle", "test", "m.visser" };
static const char *const paths[] = { "/", "/index.html", "/etc/passwd",
				     "/cgi-bin/../../etc/passwd", "/cases" };

/* Event i of a stream mixing failures, successes and web requests from
 * 40 addresses. Its views are in line (as a parser leaves them) for odd
 * i, in static strings for even i, so copies of both kinds are made.
 * big > 0 makes the line that long (the path at its end). */
static bw_event stream_event(uint64_t i, char *line, size_t cap, size_t big)
{
	uint64_t r = (i + 1) * 0x9e3779b97f4a7c15ull;
	r ^= r >> 29;
	char ip[32];
	snprintf(ip, sizeof(ip), "203.0.113.%u", (unsigned)(r % 40));
	int web = (r >> 8) % 3 == 0;
	int ok = (r >> 12) % 7 == 0;
	bw_event ev = mkev(T0 + (int64_t)i * 2, web ? BW_SRC_WEB : BW_SRC_AUTH,
			   web ? BW_KIND_REQUEST : BW_KIND_LOGIN,
			   web ? BW_OUTCOME_NONE :
			   ok ? BW_OUTCOME_SUCCESS : BW_OUTCOME_FAILURE,
			   ip, NULL, i + 1);
	const char *v = web ? paths[(r >> 16) % 5] : users[(r >> 16) % 7];
	size_t vn = strlen(v);
	bw_str view = bw_str_make(v, vn);
	if ((i & 1) || big) {
		size_t pad = big > vn + 8 ? big - vn : 8;
		if (pad + vn + 1 > cap)
			pad = cap - vn - 1;
		memset(line, 'x', pad);
		memcpy(line + pad, v, vn);
		line[pad + vn] = 0;
		ev.line = bw_str_make(line, pad + vn);
		view = bw_str_make(line + pad, vn);
	}
	if (web)
		ev.url_path = view;
	else
		ev.user = view;
	return ev;
}

#define NEV 30000

static char line[400 * 1024];

/* Feed the stream to e directly or through a thread; the event at
 * big_at (when >= 0) has a line of 300 KiB. */
static void feed(struct bw_engine *e, struct bw_engine_thread *t, long big_at)
{
	for (uint64_t i = 0; i < NEV; i++) {
		bw_event ev = stream_event(i, line, sizeof(line),
					   (long)i == big_at ? 300 * 1024 : 0);
		if (t)
			bw_engine_thread_event(t, &ev);
		else
			bw_engine_event(e, &ev);
	}
}

static void same_alerts(long big_at)
{
	rules_dir(thread_rules);
	struct seen one, two;
	struct bw_engine *e1 = engine_seen(&one), *e2 = engine_seen(&two);
	CHECK(e1 && e2);
	if (e1 && e2) {
		feed(e1, NULL, big_at);
		bw_engine_finish(e1);
		struct bw_engine_thread *t = bw_engine_thread_new(e2);
		CHECK(t != NULL);
		feed(e2, t, big_at);
		bw_engine_thread_finish(t);
		bw_engine_finish(e2);
		CHECK_EQ_INT(bw_engine_thread_inline_events(t), big_at >= 0);
		bw_engine_thread_free(t);
		CHECK(atomic_load(&one.n) > 300);
		CHECK_EQ_INT(atomic_load(&two.n), atomic_load(&one.n));
		CHECK(two.digest == one.digest);
		struct bw_engine_stats s1, s2;
		bw_engine_get_stats(e1, &s1);
		bw_engine_get_stats(e2, &s2);
		CHECK_EQ_INT(s2.events, s1.events);
		CHECK_EQ_INT(s2.events, NEV);
	}
	bw_engine_free(e1);
	bw_engine_free(e2);
	rules_dir_rm();
}

static void test_same_alerts(void)
{
	same_alerts(-1);
}

/* The passwd request at the big line's place must be judged after the
 * queued events before it and before the ones after it. */
static void test_big_event_in_order(void)
{
	long at = 0;
	while (at < NEV) { /* a web event asking for passwd, mid-stream */
		bw_event ev = stream_event((uint64_t)at, line, sizeof(line), 0);
		if (at > NEV / 2 && ev.source == BW_SRC_WEB &&
		    ev.url_path.n > 6 && memcmp(ev.url_path.p + ev.url_path.n - 6,
						"passwd", 6) == 0)
			break;
		at++;
	}
	CHECK(at < NEV);
	same_alerts(at);
}

static void wait_for(struct seen *s, int n)
{
	for (int i = 0; i < 1000 && atomic_load(&s->n) < n; i++)
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
}

/* A live tail: the lines read so far are judged at a flush, without more
 * input and without the end. */
static void test_flush_hands_over(void)
{
	rules_dir(thread_rules);
	struct seen s;
	struct bw_engine *e = engine_seen(&s);
	CHECK(e != NULL);
	struct bw_engine_thread *t = e ? bw_engine_thread_new(e) : NULL;
	CHECK(t != NULL);
	if (t) {
		for (int i = 0; i < 5; i++) {
			bw_event ev = mkev(T0 + i, BW_SRC_AUTH, BW_KIND_LOGIN,
					   BW_OUTCOME_FAILURE, "198.51.100.7",
					   "root", (uint64_t)i + 1);
			bw_engine_thread_event(t, &ev);
		}
		/* still in the batch being filled: the engine has not seen it */
		nanosleep(&(struct timespec){ 0, 50 * 1000 * 1000 }, NULL);
		CHECK_EQ_INT(atomic_load(&s.n), 0);
		bw_engine_thread_flush(t);
		wait_for(&s, 1);
		CHECK_EQ_INT(atomic_load(&s.n), 1);
		/* a flush with nothing new changes nothing; finish twice is
		 * harmless, and the engine is the caller's again */
		bw_engine_thread_flush(t);
		bw_engine_thread_finish(t);
		bw_engine_thread_finish(t);
		bw_event ev = mkev(T0 + 9, BW_SRC_AUTH, BW_KIND_LOGIN,
				   BW_OUTCOME_SUCCESS, "198.51.100.7", "root", 6);
		bw_engine_thread_event(t, &ev); /* runs here now */
		CHECK_EQ_INT(atomic_load(&s.n), 2);
	}
	bw_engine_thread_free(t);
	bw_engine_thread_free(NULL);
	bw_engine_free(e);
	rules_dir_rm();
}

/* Events in bursts of random size, with flushes, drains and big events
 * between them at random: whatever the order of hand-overs, nothing is
 * lost, nothing waits forever (alarm: a lost wake-up fails the test
 * instead of hanging it) and the alerts are those of one thread. */
static void on_stuck(int sig)
{
	(void)sig;
	static const char m[] = "  engine_thread: stuck (a lost wake-up?)\n";
	if (write(2, m, sizeof(m) - 1) < 0)
		_exit(3);
	_exit(3);
}

static void test_random_handovers(void)
{
	rules_dir(thread_rules);
	struct seen one, two;
	struct bw_engine *e1 = engine_seen(&one), *e2 = engine_seen(&two);
	struct bw_engine_thread *t = e2 ? bw_engine_thread_new(e2) : NULL;
	CHECK(e1 && e2 && t);
	if (e1 && e2 && t) {
		signal(SIGALRM, on_stuck);
		alarm(60);
		uint64_t r = 0x243f6a8885a308d3ull, i = 0;
		while (i < NEV) {
			r ^= r << 13, r ^= r >> 7, r ^= r << 17;
			uint64_t burst = r % 700;
			for (uint64_t k = 0; k < burst && i < NEV; k++, i++) {
				size_t big = (r >> 20) % 50 == 0 && k == 0 ? 300 * 1024 : 0;
				bw_event ev = stream_event(i, line, sizeof(line), big);
				bw_engine_event(e1, &ev);
				bw_engine_thread_event(t, &ev);
			}
			switch ((r >> 32) % 4) {
			case 0: bw_engine_thread_flush(t); break;
			case 1: bw_engine_thread_drain(t); break;
			default: break;
			}
		}
		bw_engine_thread_finish(t);
		alarm(0);
		CHECK(atomic_load(&one.n) > 300);
		CHECK_EQ_INT(atomic_load(&two.n), atomic_load(&one.n));
		CHECK(two.digest == one.digest);
		CHECK(bw_engine_thread_inline_events(t) > 0);
	}
	bw_engine_thread_free(t);
	bw_engine_free(e1);
	bw_engine_free(e2);
	rules_dir_rm();
}

int main(int argc, char **argv)
{
	static const struct bw_test tests[] = {
		{ "same_alerts", test_same_alerts },
		{ "big_event_in_order", test_big_event_in_order },
		{ "flush_hands_over", test_flush_hands_over },
		{ "random_handovers", test_random_handovers },
		{ NULL, NULL },
	};
	return bw_test_main("engine_thread", tests, argc, argv);
}
