/*
 * test_vpn_pipeline.c - end to end through the real pipeline (decode,
 * sniff, parse, k-way merge by time) and the VPN stage: an OpenVPN log
 * and a web access log, given in either order, must attribute the web
 * requests from the leased address 10.8.0.6 to alice while the lease
 * held, and only then; the session comes out as one enriched
 * session_end. Inputs: testdata/vpn/lease/{vpn,web}.log.
 */
#include "bw_test.h"

#include "bw_util.h"
#include "pipeline.h"
#include "vpn_stage.h"

#define DIR "testdata/vpn/lease/"

struct seen {
	int64_t ts;
	int kind;
	int lease;
	char user[32];
	char nat[64];
	int64_t bytes, duration;
};

static struct seen seen[64];
static int nseen;
static struct bw_vpn_stage *stage;

static void sink(void *arg, bw_event *ev)
{
	(void)arg;
	if (nseen >= 64)
		return;
	struct seen *s = &seen[nseen++];
	memset(s, 0, sizeof(*s));
	s->ts = ev->ts_ms;
	s->kind = ev->kind;
	s->lease = (ev->flags & BW_EF_USER_LEASE) != 0;
	if (ev->user.p)
		snprintf(s->user, sizeof(s->user), "%.*s", (int)ev->user.n, ev->user.p);
	if (ev->assigned_ip.family)
		bw_ip_format(&ev->assigned_ip, s->nat, sizeof(s->nat));
	s->bytes = ev->kind == BW_KIND_REQUEST ? ev->http_bytes : ev->bytes_out;
	s->duration = ev->duration_ms;
}

static void on_event(void *arg, bw_event *ev)
{
	bw_vpn_stage_event(stage, ev, sink, arg);
}

static void run(const char *first, const char *second)
{
	struct bw_input_spec specs[2] = {
		{ .path = first, .tz = "UTC" },
		{ .path = second, .tz = "UTC" },
	};
	struct bw_pipeline_opts o = {
		.reorder_ms = -1,
		.on_event = on_event,
		.diag = stderr,
	};
	char err[256];
	nseen = 0;
	stage = bw_vpn_stage_new(16, 16);
	struct bw_pipeline *pl = bw_pipeline_new(specs, 2, &o, err, sizeof(err));
	CHECK(pl != NULL);
	if (!pl) {
		fprintf(stderr, "  %s\n", err);
		bw_vpn_stage_free(stage);
		return;
	}
	CHECK_EQ_INT(bw_pipeline_run(pl), 0);
	bw_vpn_stage_finish(stage, sink, NULL);
	bw_pipeline_free(pl);

	int web = 0, ends = 0;
	for (int i = 0; i < nseen; i++) {
		struct seen *s = &seen[i];
		if (i > 0)
			CHECK(seen[i - 1].ts <= s->ts); /* merged in time order */
		if (s->kind == BW_KIND_REQUEST) {
			int64_t t = s->ts / 1000 % 86400;
			web++;
			if (t == 10 * 3600 + 5 * 60) { /* 10:05, inside the lease */
				CHECK_EQ_STR(s->user, "alice");
				CHECK(s->lease);
				CHECK_EQ_INT(s->bytes, 3221225472LL);
			} else if (t == 10 * 3600 + 7 * 60) { /* logged user wins */
				CHECK_EQ_STR(s->user, "bob");
				CHECK(!s->lease);
			} else { /* before, after, or another address */
				CHECK_EQ_STR(s->user, "");
				CHECK(!s->lease);
			}
		}
		if (s->kind == BW_KIND_SESSION_END) {
			ends++;
			CHECK_EQ_STR(s->user, "alice");
			CHECK_EQ_STR(s->nat, "10.8.0.6");
			CHECK_EQ_INT(s->duration, 3599000); /* 10:00:01 -> 11:00:00 */
		}
	}
	CHECK_EQ_INT(web, 5);
	CHECK_EQ_INT(ends, 1);
	struct bw_leases_stats ls;
	struct bw_sessions_stats ss;
	bw_vpn_stage_stats(stage, &ss, &ls);
	CHECK_EQ_INT(ls.attributed, 1);
	CHECK_EQ_INT(ss.closed, 1);
	bw_vpn_stage_free(stage);
}

static void test_vpn_then_web(void)
{
	run(DIR "vpn.log", DIR "web.log");
}

static void test_web_then_vpn(void)
{
	run(DIR "web.log", DIR "vpn.log");
}

static const struct bw_test tests[] = {
	{ "vpn_then_web", test_vpn_then_web },
	{ "web_then_vpn", test_web_then_vpn },
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	return bw_test_main("vpn_pipeline", tests, argc, argv);
}
