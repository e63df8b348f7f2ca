/*
 * test_alert.c - alert rendering: NDJSON key order and values, evidence
 * (up to 20 plus the total), escaping of attacker-controlled text in both
 * forms, severity names.
 */
#include "alert.h"
#include "bw_test.h"
#include "bw_util.h"
#include "engine.h"

#include <jansson.h>
#include <string.h>

static void mk(struct bw_alert *a, bw_event *ev, struct bw_evidence *evd)
{
	static const char *const tags[] = { "T1110.001", "T1110" };
	static const int group[] = { BW_F_SRC_IP };
	static const int dist_f[] = { BW_F_USER };
	static const uint64_t dist[] = { 4 };
	static const char *const names[] = { "auth.log", "b\x1b[2J.log" };
	bw_event_clear(ev);
	ev->ts_ms = 1764248400123LL; /* 2025-11-27T13:00:00.123Z */
	bw_ip_parse("203.0.113.7", 11, &ev->src_ip);
	ev->user = BW_STR_LIT("ro\"ot\x1b]0;pwn\x07");
	memset(a, 0, sizeof(*a));
	a->ts_ms = ev->ts_ms;
	a->rule_id = "ssh.bf";
	a->rule_name = "SSH brute force";
	a->rule_kind = "threshold";
	a->severity = BW_SEV_HIGH;
	a->tags = tags;
	a->ntags = 2;
	a->ev = ev;
	a->group = group;
	a->ngroup = 1;
	a->has_agg = 1;
	a->count = 25;
	a->dist_field = dist_f;
	a->dist = dist;
	a->ndist = 1;
	a->suppressed = 3;
	a->message = "25 failures\nfrom 203.0.113.7";
	a->message_len = strlen(a->message);
	for (int i = 0; i < 20; i++) {
		evd[i].input_id = (uint32_t)(i % 2);
		evd[i].line_no = (uint64_t)i + 1;
	}
	a->evidence = evd;
	a->nevidence = 20;
	a->evidence_count = 25;
	a->input_names = names;
	a->ninputs = 2;
}

static void test_json(void)
{
	struct bw_alert a;
	bw_event ev;
	struct bw_evidence evd[20];
	mk(&a, &ev, evd);
	struct bw_buf b;
	bw_buf_init(&b);
	bw_alert_render_json(&a, &b);
	CHECK(b.n > 0 && b.p[b.n - 1] == '\n');
	const char *head =
		"{\"@timestamp\":\"2025-11-27T13:00:00.123Z\",\"rule.id\":\"ssh.bf\","
		"\"rule.name\":\"SSH brute force\",\"rule.kind\":\"threshold\","
		"\"event.severity\":4,\"event.severity_label\":\"high\","
		"\"threat.technique.id\":[\"T1110.001\",\"T1110\"],\"user.name\":";
	CHECK(b.n > strlen(head) && memcmp(b.p, head, strlen(head)) == 0);
	/* no raw control byte anywhere */
	for (size_t i = 0; i < b.n - 1; i++)
		CHECK((unsigned char)b.p[i] >= 0x20);
	json_error_t je;
	json_t *j = json_loadb(b.p, b.n, 0, &je);
	CHECK(j != NULL);
	if (j) {
		CHECK_EQ_STR(json_string_value(json_object_get(j, "user.name")),
			     "ro\"ot\x1b]0;pwn\x07");
		CHECK_EQ_STR(json_string_value(json_object_get(j, "source.ip")),
			     "203.0.113.7");
		CHECK_EQ_INT(json_integer_value(json_object_get(j, "breachwatch.count")), 25);
		CHECK_EQ_INT(json_integer_value(json_object_get(
			json_object_get(j, "breachwatch.distinct"), "user.name")), 4);
		CHECK_EQ_INT(json_integer_value(json_object_get(j, "breachwatch.suppressed")), 3);
		json_t *e = json_object_get(j, "breachwatch.evidence");
		CHECK_EQ_INT(json_array_size(e), 20);
		CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(e, 0), "input")),
			     "auth.log");
		CHECK_EQ_INT(json_integer_value(json_object_get(json_array_get(e, 19), "line")), 20);
		CHECK_EQ_INT(json_integer_value(json_object_get(j, "breachwatch.evidence_count")), 25);
		CHECK_EQ_STR(json_string_value(json_object_get(j, "message")),
			     "25 failures\nfrom 203.0.113.7");
		CHECK_EQ_STR(json_string_value(json_object_get(
			json_object_get(j, "breachwatch.group"), "source.ip")), "203.0.113.7");
		json_decref(j);
	}
	/* byte-stable: rendering twice gives the same bytes */
	struct bw_buf b2;
	bw_buf_init(&b2);
	bw_alert_render_json(&a, &b2);
	CHECK(b.n == b2.n && memcmp(b.p, b2.p, b.n) == 0);
	bw_buf_fini(&b);
	bw_buf_fini(&b2);
}

static void test_text(void)
{
	struct bw_alert a;
	bw_event ev;
	struct bw_evidence evd[20];
	mk(&a, &ev, evd);
	a.nevidence = 3;
	struct bw_buf b;
	bw_buf_init(&b);
	bw_alert_render_text(&a, &b);
	CHECK(b.n > 0 && b.p[b.n - 1] == '\n');
	for (size_t i = 0; i < b.n - 1; i++)
		CHECK((unsigned char)b.p[i] >= 0x20 && (unsigned char)b.p[i] != 0x7f);
	char *s = strndup(b.p, b.n);
	CHECK_EQ_STR(s, "2025-11-27T13:00:00.123Z HIGH     ssh.bf src.ip=203.0.113.7: "
		     "25 failures\\x0afrom 203.0.113.7 (+3 suppressed) "
		     "[auth.log:1 b\\x1b[2J.log:2 auth.log:3 +22 more]\n");
	free(s);
	bw_buf_fini(&b);
}

static void test_severity_names(void)
{
	CHECK_EQ_INT(bw_severity_from_name("critical", 8), BW_SEV_CRITICAL);
	CHECK_EQ_INT(bw_severity_from_name("none", 4), BW_SEV_NONE);
	CHECK_EQ_INT(bw_severity_from_name("hig", 3), -1);
	CHECK_EQ_STR(bw_severity_name(BW_SEV_MEDIUM), "medium");
}

static const struct bw_test tests[] = {
	{ "json", test_json },
	{ "text", test_text },
	{ "severity_names", test_severity_names },
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	return bw_test_main("alert", tests, argc, argv);
}
