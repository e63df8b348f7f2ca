/*
 * test_corpora_vpn.c - the VPN parsers against other projects' annotated
 * test cases in ../shared/corpora (each part skipped with a message when
 * its files are absent):
 *  - crowdsec hub openvpn: every line the hub's parser flags (auth
 *    failure, TLS errors) is a failed login or a probe from the same
 *    source IP, and no other line is; openvpn-bf: all probes;
 *  - crowdsec hub fortinet-vpn-bf: source IP, user (N/A = absent),
 *    action and reason of every line as the hub's parser.assert says;
 *  - crowdsec hub charon-ipsec-*: every EAP verification failure is a
 *    failed login, every half-open timeout a probe from the flagged IP;
 *  - crowdsec hub palo-alto-threat and Filebeat panos tests: recognised
 *    as PAN-OS (never malformed), THREAT/TRAFFIC not modelled;
 *  - Filebeat cisco/asa tests: every expected document's line parses,
 *    with @timestamp and message id equal;
 *  - OSSEC pix.ini: ASA/PIX 605004/605005 give the login outcome and
 *    user the rule expects.
 */
#include "bw_test.h"
#include "vpn_helpers.h"

#include <jansson.h>

#include "session.h"

#define CORPORA "../shared/corpora"
#define HUB CORPORA "/crowdsec-hub/.tests"
#define FB CORPORA "/elastic-beats-2019/x-pack/filebeat/module"

extern const struct bw_parser bw_parser_openvpn, bw_parser_fortigate,
	bw_parser_cisco_asa, bw_parser_panos;
extern const struct bw_msg_parser bw_msg_charon, bw_msg_cisco_asa;

static int skipped;

static char *load(const char *path, size_t *n)
{
	char *b = vt_slurp(path, n);
	if (!b) {
		printf("  skip: %s absent\n", path);
		skipped++;
	}
	return b;
}

/* Iterate lines of a buffer: returns the next line (NUL-terminated in
 * place) or NULL; *off gets its byte offset. */
static char *next_line(char **cur, char *base, size_t *off)
{
	char *p = *cur;
	if (!p || !*p)
		return NULL;
	char *nl = strchr(p, '\n');
	if (nl) {
		*nl = 0;
		*cur = nl + 1;
	} else {
		*cur = p + strlen(p);
	}
	*off = (size_t)(p - base);
	size_t n = strlen(p);
	if (n && p[n - 1] == '\r')
		p[n - 1] = 0;
	return p;
}

/* From a parser.assert: for stage s01-parse and the given parser name,
 * the value of `results[..][name][idx].Evt.Meta["key"] == "value"` or
 * `.Success == true/false`. Assert lines are small and few. */
#define MAX_IDX 256
struct hub_line {
	int success; /* -1 unknown */
	char meta[6][2][96];
	int nmeta;
};
static struct hub_line hub[MAX_IDX];

static void hub_load(const char *assert_text, const char *parser)
{
	char pat[160];
	memset(hub, 0, sizeof(hub));
	for (int i = 0; i < MAX_IDX; i++)
		hub[i].success = -1;
	snprintf(pat, sizeof(pat), "results[\"s01-parse\"][\"%s\"][", parser);
	const char *p = assert_text;
	while ((p = strstr(p, pat))) {
		p += strlen(pat);
		int idx = atoi(p);
		const char *eol = strchr(p, '\n');
		if (!eol)
			eol = p + strlen(p);
		if (idx < 0 || idx >= MAX_IDX) {
			p = eol;
			continue;
		}
		struct hub_line *h = &hub[idx];
		const char *s = strstr(p, "].Success == ");
		if (s && s < eol) {
			h->success = strncmp(s + 13, "true", 4) == 0;
		} else if ((s = strstr(p, ".Evt.Meta[\"")) && s < eol && h->nmeta < 6) {
			s += 11;
			const char *ke = strchr(s, '"');
			const char *v = ke ? strstr(ke, "== \"") : NULL;
			if (ke && v && v < eol) {
				v += 4;
				const char *ve = eol;
				while (ve > v && ve[-1] != '"')
					ve--;
				if (ve > v) {
					snprintf(h->meta[h->nmeta][0], 96, "%.*s", (int)(ke - s), s);
					snprintf(h->meta[h->nmeta][1], 96, "%.*s", (int)(ve - 1 - v), v);
					h->nmeta++;
				}
			}
		}
		p = eol;
	}
}

static const char *hub_meta(int idx, const char *key)
{
	for (int k = 0; k < hub[idx].nmeta; k++)
		if (strcmp(hub[idx].meta[k][0], key) == 0)
			return hub[idx].meta[k][1];
	return NULL;
}

static int is_fail_or_probe(void)
{
	return (vt_ev.kind == BW_KIND_LOGIN && vt_ev.outcome == BW_OUTCOME_FAILURE) ||
	       vt_ev.kind == BW_KIND_PROBE;
}

static void test_hub_openvpn(void)
{
	size_t n, off;
	char *as = load(HUB "/openvpn/parser.assert", &n);
	char *log = load(HUB "/openvpn/openvpn.log", &n);
	if (!as || !log)
		goto out;
	hub_load(as, "pserranoa/openvpn");
	vt_open();
	char *cur = log, *l;
	int idx = 0, flagged = 0;
	while ((l = next_line(&cur, log, &off))) {
		int rc = vt_line(&bw_parser_openvpn, l);
		const char *ip = hub_meta(idx, "source_ip");
		if (hub[idx].success == 1 && ip) {
			flagged++;
			CHECK_EQ_INT(rc, BW_PARSE_OK);
			if (!is_fail_or_probe())
				fprintf(stderr, "  openvpn line %d not a failure: %s\n", idx, l);
			CHECK(is_fail_or_probe());
			CHECK_EQ_STR(vt_ip(&vt_ev.src_ip), ip);
		} else if (hub[idx].success == 0) {
			CHECK(rc != BW_PARSE_MALFORMED);
			if (rc == BW_PARSE_OK && is_fail_or_probe())
				fprintf(stderr, "  openvpn line %d wrongly a failure: %s\n", idx, l);
			CHECK(!(rc == BW_PARSE_OK && is_fail_or_probe()));
		}
		idx++;
	}
	CHECK(flagged >= 8);
	printf("  crowdsec openvpn: %d lines, %d flagged by the hub, all matched\n", idx, flagged);
out:
	free(as);
	free(log);
	log = load(HUB "/openvpn-bf/openvpn.log", &n);
	if (!log)
		return;
	cur = log;
	int probes = 0;
	while ((l = next_line(&cur, log, &off))) {
		CHECK_EQ_INT(vt_line(&bw_parser_openvpn, l), BW_PARSE_OK);
		CHECK_EQ_INT(vt_ev.kind, BW_KIND_PROBE);
		CHECK_EQ_STR(vt_ip(&vt_ev.src_ip), "192.168.1.31");
		probes++;
	}
	CHECK_EQ_INT(probes, 4);
	free(log);
}

static void test_hub_fortinet(void)
{
	size_t n, off;
	char *as = load(HUB "/fortinet-vpn-bf/parser.assert", &n);
	char *log = load(HUB "/fortinet-vpn-bf/fortinet-vpn-bf.log", &n);
	if (!as || !log)
		goto out;
	hub_load(as, "crowdsecurity/fortinet-logs");
	vt_open();
	char *cur = log, *l;
	int idx = 0, checked = 0;
	while ((l = next_line(&cur, log, &off))) {
		CHECK(bw_parser_fortigate.sniff(l, strlen(l)) > 50);
		int rc = vt_line(&bw_parser_fortigate, l);
		if (hub[idx].success == 1) {
			CHECK_EQ_INT(rc, BW_PARSE_OK);
			CHECK_EQ_INT(vt_ev.kind, BW_KIND_LOGIN);
			CHECK_EQ_INT(vt_ev.outcome, BW_OUTCOME_FAILURE);
			const char *ip = hub_meta(idx, "source_ip");
			const char *user = hub_meta(idx, "target_user");
			const char *action = hub_meta(idx, "action");
			const char *reason = hub_meta(idx, "reason");
			if (ip)
				CHECK_EQ_STR(vt_ip(&vt_ev.src_ip), ip);
			if (user && strcmp(user, "N/A") == 0)
				CHECK(!vt_ev.user.p);
			else if (user)
				CHECK_STR_VIEW(vt_ev.user, user);
			if (action)
				CHECK_STR_VIEW(vt_ev.action, action);
			if (reason)
				CHECK_STR_VIEW(vt_ev.reason, reason);
			checked++;
		}
		idx++;
	}
	CHECK_EQ_INT(checked, idx);
	CHECK(checked >= 9);
	printf("  crowdsec fortinet-vpn-bf: %d lines checked\n", checked);
out:
	free(as);
	free(log);
}

/* The message part of an RFC 5424 or BSD syslog line (a test-local
 * framer: the real one is the auth branch's syslog parser). */
static char *syslog_msg(char *l)
{
	if (l[0] == '<') {
		/* <pri>1 ts host app pid msgid [sd] msg */
		char *p = l;
		for (int f = 0; f < 6 && p; f++) {
			p = strchr(p, ' ');
			if (p)
				p++;
		}
		if (p && *p == '[') {
			p = strchr(p, ']');
			if (p)
				p += 2;
		}
		return p;
	}
	char *c = strstr(l, ": ");
	return c ? c + 2 : NULL;
}

static void drop(void *arg, const bw_event *ev)
{
	(void)arg;
	(void)ev;
}

static void test_hub_charon(void)
{
	static const char *files[] = {
		HUB "/charon-ipsec-logs/charon-ipsec-logs.log",
		HUB "/charon-ipsec-bf/charon-ipsec-bf.log",
		HUB "/charon-ipsec-slow-bf/charon-ipsec-slow-bf.log",
	};
	for (size_t f = 0; f < 3; f++) {
		size_t n, off;
		char *log = load(files[f], &n);
		if (!log)
			continue;
		vt_open();
		char *cur = log, *l;
		int lines = 0, eap_fail = 0, logins_failed = 0, half_open = 0, probes = 0, bad = 0;
		int no_key = 0;
		int joined = 0;
		struct bw_sessions *sess = bw_sessions_new(0);
		while ((l = next_line(&cur, log, &off))) {
			if (!*l)
				continue;
			lines++;
			char *m = syslog_msg(l);
			if (!m) {
				bad++;
				continue;
			}
			int is_eap = strstr(m, "verification failed") != NULL;
			int is_half = strstr(m, "deleting half open IKE_SA with ") != NULL;
			/* an unknown EAP user: the next line, "verification
			 * failed", is the attempt */
			int is_nokey = strstr(m, "no EAP key found") != NULL;
			eap_fail += is_eap;
			half_open += is_half;
			no_key += is_nokey;
			int rc = vt_msg(&bw_msg_charon, "charon", m);
			CHECK(rc != BW_PARSE_MALFORMED && rc != BW_PARSE_NOT_MINE);
			if (rc != BW_PARSE_OK)
				continue;
			if (!bw_sessions_event(sess, &vt_ev, drop, NULL))
				bw_sessions_enrich(sess, &vt_ev);
			if (vt_ev.kind == BW_KIND_LOGIN && vt_ev.outcome == BW_OUTCOME_FAILURE) {
				logins_failed++;
				/* joined with the exchange's initiator and EAP identity */
				if (vt_ev.user.p && vt_ev.src_ip.family) {
					joined++;
					CHECK_EQ_STR(vt_ip(&vt_ev.src_ip), "116.178.2.170");
				}
				CHECK(is_eap || strstr(m, "no shared key") ||
				      strstr(m, "XAuth authentication of '"));
			}
			if (vt_ev.kind == BW_KIND_PROBE) {
				probes++;
				CHECK(is_half || is_nokey);
				/* the address the hub's scenarios flag */
				CHECK_EQ_STR(vt_ip(&vt_ev.src_ip), "116.178.2.170");
			}
		}
		bw_sessions_free(sess);
		CHECK_EQ_INT(bad, 0);
		CHECK(logins_failed >= eap_fail);
		CHECK(joined > 0);
		CHECK_EQ_INT(probes, half_open + no_key);
		CHECK(eap_fail > 0);
		printf("  crowdsec %s: %d lines, %d failed logins (%d with user and address via the session table), %d half-open probes\n",
		       strrchr(files[f], '/') + 1, lines, logins_failed, joined, half_open);
		free(log);
	}
}

static void test_panos(void)
{
	static const char *files[] = {
		HUB "/palo-alto-threat/palo-alto-threat.log",
		FB "/panw/panos/test/pan_inc_other.log",
		FB "/panw/panos/test/pan_inc_threat.log",
		FB "/panw/panos/test/pan_inc_traffic.log",
		FB "/panw/panos/test/threat.log",
		FB "/panw/panos/test/traffic.log",
	};
	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		size_t n, off;
		char *log = load(files[f], &n);
		if (!log)
			continue;
		vt_open();
		char *cur = log, *l;
		int lines = 0, ok = 0;
		while ((l = next_line(&cur, log, &off))) {
			if (!*l)
				continue;
			lines++;
			CHECK(bw_parser_panos.sniff(l, strlen(l)) > 0);
			int rc = vt_line(&bw_parser_panos, l);
			if (rc == BW_PARSE_MALFORMED)
				fprintf(stderr, "  panos malformed (%s): %.120s\n", vt_ctx.reason, l);
			CHECK(rc == BW_PARSE_IGNORED || rc == BW_PARSE_OK);
			ok += rc == BW_PARSE_OK;
		}
		CHECK(lines > 0);
		printf("  %s: %d PAN-OS lines recognised, %d GlobalProtect events\n",
		       strrchr(files[f], '/') + 1, lines, ok);
		free(log);
	}
}

static int64_t iso_ms(const char *s)
{
	int64_t ms = 0;
	if (!s || !bw_time_parse_iso(s, strlen(s), NULL, &ms))
		return -1;
	return ms;
}

static void test_filebeat_asa(void)
{
	static const char *names[] = { "asa.log", "sample.log", "filtered.log" };
	for (size_t f = 0; f < 3; f++) {
		char path[256], epath[300];
		snprintf(path, sizeof(path), FB "/cisco/asa/test/%s", names[f]);
		snprintf(epath, sizeof(epath), "%s-expected.json", path);
		size_t n;
		char *log = load(path, &n);
		json_error_t jerr;
		json_t *exp = log ? json_load_file(epath, 0, &jerr) : NULL;
		if (!log || !exp) {
			if (log)
				printf("  skip: %s unreadable\n", epath);
			free(log);
			json_decref(exp);
			continue;
		}
		vt_open();
		size_t i, docs = json_array_size(exp), matched = 0;
		json_t *d;
		json_array_foreach(exp, i, d) {
			json_int_t offv = json_integer_value(json_object_get(d, "log.offset"));
			if (offv < 0 || (size_t)offv >= n)
				continue;
			char *l = log + offv;
			char *nl = strchr(l, '\n');
			char save = 0;
			if (nl) {
				save = *nl;
				*nl = 0;
			}
			char line[4096];
			snprintf(line, sizeof(line), "%s", l);
			if (nl)
				*nl = save;
			int rc = vt_line(&bw_parser_cisco_asa, line);
			int64_t want = iso_ms(json_string_value(json_object_get(d, "@timestamp")));
			if (rc == BW_PARSE_MALFORMED && strstr(line, ": %ASA-")) {
				/* a year-less syslog header: the syslog framer's
				 * job; check the message parser on the message */
				rc = vt_msg(&bw_msg_cisco_asa, "asa", strstr(line, ": %ASA-") + 2);
				want = -1;
			}
			CHECK(rc == BW_PARSE_OK || rc == BW_PARSE_IGNORED);
			if (want >= 0 && vt_ev.ts_ms != want)
				fprintf(stderr, "  asa ts %lld != %lld: %s\n", (long long)vt_ev.ts_ms, (long long)want, line);
			CHECK(want < 0 || vt_ev.ts_ms == want);
			const char *id = json_string_value(json_object_get(d, "cisco.asa.message_id"));
			if (id)
				CHECK_STR_VIEW(vt_ev.action, id);
			matched++;
		}
		CHECK_EQ_INT(matched, docs);
		printf("  filebeat cisco/asa %s: %zu expected documents matched\n", names[f], matched);
		json_decref(exp);
		free(log);
	}
}

static void test_ossec_pix(void)
{
	size_t n, off;
	char *ini = load(CORPORA "/ossec-hids/contrib/ossec-testing/tests/pix.ini", &n);
	if (!ini)
		return;
	vt_open();
	char *cur = ini, *l;
	char msg[1024];
	int rule = 0, checked = 0;
	/* sections: [name] / log N pass = LINE / rule = ID; the rule follows
	 * its lines, so collect the lines of a section first */
	char lines[8][1024];
	int nl = 0;
	while (1) {
		l = next_line(&cur, ini, &off);
		if (!l || l[0] == '[') {
			for (int k = 0; k < nl; k++) {
				/* ConfigParser escapes % as %% */
				size_t o = 0;
				for (const char *s = lines[k]; *s && o < sizeof(msg) - 1; s++) {
					if (s[0] == '%' && s[1] == '%')
						s++;
					msg[o++] = *s;
				}
				msg[o] = 0;
				int rc = vt_msg(&bw_msg_cisco_asa, "", msg);
				CHECK(rc == BW_PARSE_OK || rc == BW_PARSE_IGNORED);
				if (rule == 4321 || rule == 4323) { /* login denied / permitted */
					CHECK_EQ_INT(rc, BW_PARSE_OK);
					CHECK_EQ_INT(vt_ev.kind, BW_KIND_LOGIN);
					CHECK_EQ_INT(vt_ev.outcome, rule == 4323 ? BW_OUTCOME_SUCCESS : BW_OUTCOME_FAILURE);
					CHECK(vt_ev.src_ip.family == 4);
					const char *q = strstr(msg, "for user \"");
					if (q) {
						q += 10;
						size_t un = strcspn(q, "\"");
						int masked = un > 0 && strspn(q, "*") == un;
						if (un == 0 || masked)
							CHECK(!vt_ev.user.p);
						else
							CHECK(vt_ev.user.n == un && memcmp(vt_ev.user.p, q, un) == 0);
					}
					checked++;
				}
			}
			nl = 0;
			rule = 0;
			if (!l)
				break;
			continue;
		}
		const char *eq = strstr(l, " pass = ");
		if (strncmp(l, "log ", 4) == 0 && eq && nl < 8)
			snprintf(lines[nl++], sizeof(lines[0]), "%s", eq + 8);
		else if (strncmp(l, "rule = ", 7) == 0)
			rule = atoi(l + 7);
	}
	CHECK(checked >= 4);
	printf("  ossec pix.ini: %d login lines checked\n", checked);
	free(ini);
}

static const struct bw_test tests[] = {
	{ "hub_openvpn", test_hub_openvpn },
	{ "hub_fortinet", test_hub_fortinet },
	{ "hub_charon", test_hub_charon },
	{ "panos", test_panos },
	{ "filebeat_asa", test_filebeat_asa },
	{ "ossec_pix", test_ossec_pix },
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	int rc = bw_test_main("corpora_vpn", tests, argc, argv);
	if (skipped)
		printf("corpora_vpn: %d corpus files absent, those parts skipped\n", skipped);
	return rc;
}
