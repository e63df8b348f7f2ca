/*
 * test_auth_json.c - the JSON-lines authentication parsers: journald,
 * Windows Security (three shapes), Okta, Entra ID (two shapes), JSON
 * array framing and hostile input.
 */
#include "bw_test.h"
#include "auth_test_util.h"

static struct auth_run R;

static void test_journald(void)
{
	auth_run_init(&R, "journald", "UTC", 0);
	CHECK_EQ_INT(auth_run(&R, "{\"__CURSOR\":\"s=1\",\"__REALTIME_TIMESTAMP\":\"1764248641123456\",\"_HOSTNAME\":\"bastion\",\"SYSLOG_IDENTIFIER\":\"sshd\",\"_PID\":\"812\",\"MESSAGE\":\"Failed password for invalid user admin from 2001:db8::66 port 50111 ssh2\"}"), BW_PARSE_OK);
	CHECK_EQ_STR(auth_ts(R.ev.ts_ms), "2025-11-27T13:04:01.123Z");
	CHECK_EQ_STR(R.ev.format, "journald");
	CHECK_STR_VIEW(R.ev.host, "bastion");
	CHECK_STR_VIEW(R.ev.program, "sshd");
	CHECK_STR_VIEW(R.ev.user, "admin");
	CHECK_EQ_STR(auth_ip(&R.ev), "2001:db8::66");
	CHECK_EQ_INT(R.ev.outcome, BW_OUTCOME_FAILURE);
	CHECK_EQ_INT(R.ev.kind, BW_KIND_LOGIN);
	/* the raw line's head survives for evidence */
	CHECK(R.ev.line.n > 0 && memcmp(R.ev.line.p, "{\"__CURSOR\"", 11) == 0);
	/* escapes and _COMM fallback; sudo via the same programme parser */
	CHECK_EQ_INT(auth_run(&R, "{\"__REALTIME_TIMESTAMP\":\"1764248641000000\",\"_COMM\":\"sudo\",\"MESSAGE\":\"alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/cat \\\"/etc/shadow\\\"\"}"), BW_PARSE_OK);
	CHECK_EQ_INT(R.ev.kind, BW_KIND_PRIVILEGE);
	CHECK_STR_VIEW(R.ev.command, "/usr/bin/cat \"/etc/shadow\"");
	CHECK_STR_VIEW(R.ev.target_user, "root");
	/* MESSAGE as a byte array (not UTF-8) */
	CHECK_EQ_INT(auth_run(&R, "{\"__REALTIME_TIMESTAMP\":\"1764248641000000\",\"SYSLOG_IDENTIFIER\":\"sshd\",\"MESSAGE\":[73,110,118,97,108,105,100,32,117,115,101,114,32,255,32,102,114,111,109,32,49,46,50,46,51,46,52]}"), BW_PARSE_OK);
	CHECK_EQ_INT(R.ev.user.n, 1);
	CHECK_EQ_STR(auth_ip(&R.ev), "1.2.3.4");
	/* unclaimed messages and broken lines */
	CHECK_EQ_INT(auth_run(&R, "{\"__REALTIME_TIMESTAMP\":\"1\",\"SYSLOG_IDENTIFIER\":\"kernel\",\"MESSAGE\":\"usb 1-1\"}"), BW_PARSE_IGNORED);
	CHECK_EQ_INT(auth_run(&R, "{\"__REALTIME_TIMESTAMP\":\"1\",\"MESSAGE\":"), BW_PARSE_MALFORMED);
	CHECK_EQ_INT(auth_run(&R, "{\"MESSAGE\":\"x\"}"), BW_PARSE_MALFORMED);
	CHECK_EQ_INT(auth_run(&R, "not json"), BW_PARSE_MALFORMED);
	static const char nul[] = "{\"__REALTIME_TIMESTAMP\":\"1\",\"MESSAGE\":\"a\0b\"}";
	CHECK(auth_run_n(&R, nul, sizeof(nul) - 1) != BW_PARSE_OK);
	const struct bw_parser *p = bw_parser_find("journald");
	static const char s1[] = "{\"__REALTIME_TIMESTAMP\":\"1\",\"MESSAGE\":\"x\"}";
	CHECK(p->sniff(s1, sizeof(s1) - 1) >= 90);
	static const char clf[] = "127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 2326 \"-\" \"x\"";
	CHECK_EQ_INT(p->sniff(clf, sizeof(clf) - 1), 0);
	auth_run_fini(&R);
}

static void test_windows_ecs(void)
{
	auth_run_init(&R, "windows", "UTC", 0);
	CHECK_EQ_INT(auth_run(&R, "{\"@timestamp\":\"2019-03-29T21:10:39.7868321Z\",\"event\":{\"code\":4625},\"winlog\":{\"computer_name\":\"vagrant-2012-r2\",\"event_id\":4625,\"event_data\":{\"TargetUserName\":\"bosch\",\"TargetDomainName\":\"VAGRANT-2012-R2\",\"Status\":\"0xc000006d\",\"SubStatus\":\"0xc0000064\",\"LogonType\":\"2\",\"IpAddress\":\"::1\",\"IpPort\":\"0\"}}}"), BW_PARSE_OK);
	CHECK_EQ_STR(auth_ts(R.ev.ts_ms), "2019-03-29T21:10:39.786Z");
	CHECK_EQ_INT(R.ev.kind, BW_KIND_LOGIN);
	CHECK_EQ_INT(R.ev.outcome, BW_OUTCOME_FAILURE);
	CHECK_STR_VIEW(R.ev.user, "bosch");
	CHECK_STR_VIEW(R.ev.user_domain, "VAGRANT-2012-R2");
	CHECK_STR_VIEW(R.ev.reason, "unknown_user");
	CHECK_STR_VIEW(R.ev.auth_method, "interactive");
	CHECK_STR_VIEW(R.ev.src_host, "local");
	CHECK_EQ_STR(auth_ip(&R.ev), "::1");
	CHECK_STR_VIEW(R.ev.host, "vagrant-2012-r2");
	CHECK_STR_VIEW(R.ev.action, "4625");
	/* 4624 RDP from a real address */
	CHECK_EQ_INT(auth_run(&R, "{\"@timestamp\":\"2026-11-27T13:00:00Z\",\"winlog\":{\"event_id\":\"4624\",\"event_data\":{\"TargetUserName\":\"alice\",\"TargetDomainName\":\"CORP\",\"LogonType\":\"10\",\"IpAddress\":\"::ffff:198.51.100.20\",\"IpPort\":\"51515\",\"TargetLogonId\":\"0x1a2b\"}}}"), BW_PARSE_OK);
	CHECK_EQ_INT(R.ev.outcome, BW_OUTCOME_SUCCESS);
	CHECK_STR_VIEW(R.ev.auth_method, "remote_interactive");
	CHECK_EQ_STR(auth_ip(&R.ev), "198.51.100.20");
	CHECK_EQ_INT(R.ev.src_port, 51515);
	CHECK_STR_VIEW(R.ev.session_id, "0x1a2b");
	CHECK(!bw_str_present(R.ev.src_host));
	/* 4625 bad password, locked */
	CHECK_EQ_INT(auth_run(&R, "{\"@timestamp\":\"2026-11-27T13:00:00Z\",\"winlog\":{\"event_id\":4625,\"event_data\":{\"TargetUserName\":\"bob\",\"Status\":\"0xc000006d\",\"SubStatus\":\"0xc000006a\",\"IpAddress\":\"-\"}}}"), BW_PARSE_OK);
	CHECK_STR_VIEW(R.ev.reason, "bad_password");
	CHECK_STR_VIEW(R.ev.src_host, "local");
	CHECK_EQ_INT(auth_run(&R, "{\"@timestamp\":\"2026-11-27T13:00:00Z\",\"winlog\":{\"event_id\":4625,\"event_data\":{\"TargetUserName\":\"bob\",\"Status\":\"0xc0000234\",\"SubStatus\":\"0x0\"}}}"), BW_PARSE_OK);
	CHECK_STR_VIEW(R.ev.reason, "account_locked");
	CHECK_EQ_INT(auth_run(&R, "{\"@timestamp\":\"2026-11-27T13:00:00Z\",\"winlog\":{\"event_id\":4625,\"event_data\":{\"TargetUserName\":\"bob\",\"Status\":\"0xc000006e\",\"SubStatus\":\"0xc0000193\"}}}"), BW_PARSE_OK);
	CHECK_STR_VIEW(R.ev.reason, "account_expired");
	/* 4672, 4634, 4740, 4768, 4771, 4776, 4648 */
	CHECK_EQ_INT(auth_run(&R, "{\"@timestamp\":\"2026-11-27T13:00:00Z\",\"winlog\":{\"event_id\":4672,\"event_data\":{\"SubjectUserName\":\"vagrant\",\"SubjectDomainName\":\"VAGRANT-2016\",\"SubjectLogonId\":\"0x3e7\"}}}"), BW_PARSE_OK);
	CHECK_EQ_INT(R.ev.kind, BW_KIND_PRIVILEGE);
	CHECK_STR_VIEW(R.ev.user, "vagrant");
	CHECK_EQ_INT(auth_run(&R, "{\"@timestamp\":\"2026-11-27T13:00:00Z\",\"winlog\":{\"event_id\":4634,\"event_data\":{\"TargetUserName\":\"audittest\",\"LogonType\":\"3\"}}}"), BW_PARSE_OK);
	CHECK_EQ_INT(R.ev.kind, BW_KIND_LOGOUT);
	CHECK_EQ_INT(auth_run(&R, "{\"@timestamp\":\"2026-11-27T13:00:00Z\",\"winlog\":{\"event_id\":4740,\"event_data\":{\"TargetUserName\":\"carol\",\"TargetDomainName\":\"WKS-17\"}}}"), BW_PARSE_OK);
	CHECK_EQ_INT(R.ev.kind, BW_KIND_LOCKOUT);
	CHECK_STR_VIEW(R.ev.src_host, "WKS-17");
	CHECK_EQ_INT(auth_run(&R, "{\"@timestamp\":\"2026-11-27T13:00:00Z\",\"winlog\":{\"event_id\":4771,\"event_data\":{\"TargetUserName\":\"dave\",\"IpAddress\":\"::ffff:10.0.0.8\",\"Status\":\"0x18\"}}}"), BW_PARSE_OK);
	CHECK_EQ_INT(R.ev.outcome, BW_OUTCOME_FAILURE);
	CHECK_STR_VIEW(R.ev.reason, "bad_password");
	CHECK_STR_VIEW(R.ev.auth_method, "kerberos");
	CHECK_EQ_INT(auth_run(&R, "{\"@timestamp\":\"2026-11-27T13:00:00Z\",\"winlog\":{\"event_id\":4768,\"event_data\":{\"TargetUserName\":\"dave\",\"IpAddress\":\"::ffff:10.0.0.8\",\"Status\":\"0x0\"}}}"), BW_PARSE_OK);
	CHECK_EQ_INT(R.ev.outcome, BW_OUTCOME_SUCCESS);
	CHECK_EQ_INT(auth_run(&R, "{\"@timestamp\":\"2026-11-27T13:00:00Z\",\"winlog\":{\"event_id\":4776,\"event_data\":{\"TargetUserName\":\"erin\",\"Workstation\":\"WKS-2\",\"Status\":\"0xc000006a\"}}}"), BW_PARSE_OK);
	CHECK_STR_VIEW(R.ev.reason, "bad_password");
	CHECK_STR_VIEW(R.ev.auth_method, "ntlm");
	CHECK_EQ_INT(auth_run(&R, "{\"@timestamp\":\"2026-11-27T13:00:00Z\",\"winlog\":{\"event_id\":4648,\"event_data\":{\"SubjectUserName\":\"frank\",\"TargetUserName\":\"admin\",\"IpAddress\":\"10.0.0.9\"}}}"), BW_PARSE_OK);
	CHECK_STR_VIEW(R.ev.user, "frank");
	CHECK_STR_VIEW(R.ev.target_user, "admin");
	CHECK_EQ_INT(auth_run(&R, "{\"@timestamp\":\"2026-11-27T13:00:00Z\",\"winlog\":{\"event_id\":4688,\"event_data\":{}}}"), BW_PARSE_IGNORED);
	CHECK_EQ_INT(auth_run(&R, "{\"@timestamp\":\"2026-11-27T13:00:00Z\",\"winlog\":{}}"), BW_PARSE_MALFORMED);
	auth_run_fini(&R);
}

static void test_windows_evtx(void)
{
	auth_run_init(&R, "windows", "UTC", 0);
	/* evtx_dump */
	CHECK_EQ_INT(auth_run(&R, "{\"Event\":{\"#attributes\":{\"xmlns\":\"x\"},\"System\":{\"EventID\":4624,\"TimeCreated\":{\"#attributes\":{\"SystemTime\":\"2026-11-27T10:00:00.123456Z\"}},\"Computer\":\"dc01.corp.example\"},\"EventData\":{\"TargetUserName\":\"alice\",\"TargetDomainName\":\"CORP\",\"LogonType\":3,\"IpAddress\":\"192.0.2.77\",\"IpPort\":\"445\"}}}"), BW_PARSE_OK);
	CHECK_EQ_STR(auth_ts(R.ev.ts_ms), "2026-11-27T10:00:00.123Z");
	CHECK_STR_VIEW(R.ev.host, "dc01.corp.example");
	CHECK_STR_VIEW(R.ev.user, "alice");
	CHECK_STR_VIEW(R.ev.auth_method, "network");
	CHECK_EQ_STR(auth_ip(&R.ev), "192.0.2.77");
	/* python-evtx + xmltodict */
	CHECK_EQ_INT(auth_run(&R, "{\"Event\":{\"System\":{\"EventID\":{\"@Qualifiers\":\"\",\"#text\":\"4625\"},\"TimeCreated\":{\"@SystemTime\":\"2026-11-27 10:00:01.5+00:00\"},\"Computer\":\"ws1\"},\"EventData\":{\"Data\":[{\"@Name\":\"TargetUserName\",\"#text\":\"mallory\"},{\"@Name\":\"Status\",\"#text\":\"0xc000006a\"},{\"@Name\":\"IpAddress\",\"#text\":\"203.0.113.50\"}]}}}"), BW_PARSE_OK);
	CHECK_EQ_STR(auth_ts(R.ev.ts_ms), "2026-11-27T10:00:01.500Z");
	CHECK_STR_VIEW(R.ev.user, "mallory");
	CHECK_STR_VIEW(R.ev.reason, "bad_password");
	CHECK_EQ_STR(auth_ip(&R.ev), "203.0.113.50");
	/* NXLog flat, zone-less EventTime in --tz */
	auth_run_fini(&R);
	auth_run_init(&R, "windows", "Europe/Amsterdam", 0);
	CHECK_EQ_INT(auth_run(&R, "{\"EventTime\":\"2026-07-01 12:00:00\",\"Hostname\":\"ws2\",\"EventID\":4624,\"TargetUserName\":\"bob\",\"LogonType\":2}"), BW_PARSE_OK);
	CHECK_EQ_STR(auth_ts(R.ev.ts_ms), "2026-07-01T10:00:00.000Z");
	CHECK_STR_VIEW(R.ev.host, "ws2");
	CHECK_STR_VIEW(R.ev.user, "bob");
	auth_run_fini(&R);
}

static void test_okta(void)
{
	auth_run_init(&R, "okta", "UTC", 0);
	CHECK_EQ_INT(auth_run(&R, "{\"actor\":{\"id\":\"00u1\",\"type\":\"User\",\"alternateId\":\"alice@corp.example\",\"displayName\":\"Alice\"},\"client\":{\"userAgent\":{\"rawUserAgent\":\"Mozilla/5.0\"},\"ipAddress\":\"198.51.100.7\",\"geographicalContext\":{\"country\":\"Netherlands\"}},\"authenticationContext\":{\"credentialType\":\"PASSWORD\",\"externalSessionId\":\"102abc\"},\"eventType\":\"user.session.start\",\"outcome\":{\"result\":\"FAILURE\",\"reason\":\"INVALID_CREDENTIALS\"},\"published\":\"2026-11-27T13:04:01.123Z\"}"), BW_PARSE_OK);
	CHECK_EQ_INT(R.ev.kind, BW_KIND_LOGIN);
	CHECK_EQ_INT(R.ev.outcome, BW_OUTCOME_FAILURE);
	CHECK_STR_VIEW(R.ev.user, "alice@corp.example");
	CHECK_STR_VIEW(R.ev.reason, "INVALID_CREDENTIALS");
	CHECK_STR_VIEW(R.ev.action, "user.session.start");
	CHECK_STR_VIEW(R.ev.auth_method, "PASSWORD");
	CHECK_STR_VIEW(R.ev.user_agent, "Mozilla/5.0");
	CHECK_EQ_STR(auth_ip(&R.ev), "198.51.100.7");
	CHECK_EQ_STR(auth_ts(R.ev.ts_ms), "2026-11-27T13:04:01.123Z");
	/* array framing: "[", "{...},", "{...}]" and "]" */
	CHECK_EQ_INT(auth_run(&R, "["), BW_PARSE_IGNORED);
	CHECK_EQ_INT(auth_run(&R, "  {\"actor\":{\"alternateId\":\"bob@corp.example\"},\"eventType\":\"user.authentication.sso\",\"outcome\":{\"result\":\"SUCCESS\"},\"published\":\"2026-11-27T13:05:00Z\"},"), BW_PARSE_OK);
	CHECK_EQ_INT(R.ev.outcome, BW_OUTCOME_SUCCESS);
	CHECK_STR_VIEW(R.ev.user, "bob@corp.example");
	CHECK_EQ_INT(auth_run(&R, "[{\"actor\":{\"alternateId\":\"c@x\"},\"eventType\":\"user.account.lock\",\"outcome\":{\"result\":\"SUCCESS\"},\"published\":\"2026-11-27T13:05:00Z\"}]"), BW_PARSE_OK);
	CHECK_EQ_INT(R.ev.kind, BW_KIND_LOCKOUT);
	CHECK_EQ_INT(auth_run(&R, "{\"actor\":{\"alternateId\":\"c@x\"},\"eventType\":\"user.mfa.okta_verify.deny_push\",\"outcome\":{\"result\":\"SUCCESS\"},\"published\":\"2026-11-27T13:05:00Z\"}"), BW_PARSE_OK);
	CHECK_EQ_INT(R.ev.outcome, BW_OUTCOME_FAILURE);
	CHECK_STR_VIEW(R.ev.reason, "mfa_push_denied");
	CHECK_EQ_INT(auth_run(&R, "{\"eventType\":\"group.user_membership.add\",\"published\":\"2026-11-27T13:05:00Z\"}"), BW_PARSE_IGNORED);
	CHECK_EQ_INT(auth_run(&R, "]"), BW_PARSE_IGNORED);
	auth_run_fini(&R);
}

static void test_entra(void)
{
	auth_run_init(&R, "entra", "UTC", 0);
	CHECK_EQ_INT(auth_run(&R, "{\"id\":\"66ea\",\"createdDateTime\":\"2026-11-27T13:04:01Z\",\"userPrincipalName\":\"Alice@Corp.Example\",\"appDisplayName\":\"Office 365 Exchange Online\",\"ipAddress\":\"2001:db8:1::5\",\"clientAppUsed\":\"IMAP4\",\"correlationId\":\"c-1\",\"status\":{\"errorCode\":50126,\"failureReason\":\"Invalid username or password.\"},\"location\":{\"countryOrRegion\":\"NL\"}}"), BW_PARSE_OK);
	CHECK_EQ_INT(R.ev.kind, BW_KIND_LOGIN);
	CHECK_EQ_INT(R.ev.outcome, BW_OUTCOME_FAILURE);
	CHECK_STR_VIEW(R.ev.user, "Alice@Corp.Example");
	CHECK_STR_VIEW(R.ev.reason, "bad_password");
	CHECK_STR_VIEW(R.ev.auth_method, "IMAP4");
	CHECK_STR_VIEW(R.ev.program, "Office 365 Exchange Online");
	CHECK_EQ_STR(auth_ip(&R.ev), "2001:db8:1::5");
	/* diagnostic settings shape, success, unknown code keeps the text */
	CHECK_EQ_INT(auth_run(&R, "{\"time\":\"2026-11-27T13:10:00.0000000Z\",\"category\":\"SignInLogs\",\"resultType\":\"0\",\"callerIpAddress\":\"198.51.100.9\",\"properties\":{\"userPrincipalName\":\"bob@corp.example\",\"ipAddress\":\"198.51.100.9\",\"status\":{\"errorCode\":0},\"appDisplayName\":\"Azure Portal\",\"clientAppUsed\":\"Browser\"}}"), BW_PARSE_OK);
	CHECK_EQ_INT(R.ev.outcome, BW_OUTCOME_SUCCESS);
	CHECK_STR_VIEW(R.ev.user, "bob@corp.example");
	CHECK_EQ_STR(auth_ts(R.ev.ts_ms), "2026-11-27T13:10:00.000Z");
	CHECK_EQ_INT(auth_run(&R, "{\"createdDateTime\":\"2026-11-27T13:04:01Z\",\"userPrincipalName\":\"c@x\",\"status\":{\"errorCode\":99999,\"failureReason\":\"Odd\"}}"), BW_PARSE_OK);
	CHECK_STR_VIEW(R.ev.reason, "Odd");
	CHECK_EQ_INT(auth_run(&R, "{\"time\":\"2026-11-27T13:10:00Z\",\"category\":\"AuditLogs\",\"properties\":{}}"), BW_PARSE_IGNORED);
	CHECK_EQ_INT(auth_run(&R, "{\"createdDateTime\":\"2026-11-27T13:04:01Z\",\"userPrincipalName\":\"c@x\"}"), BW_PARSE_MALFORMED);
	auth_run_fini(&R);
}

static void test_hostile_json(void)
{
	static const char *const fmts[] = { "journald", "windows", "okta", "entra" };
	unsigned seed = 99;
	static const char base[] = "{\"__REALTIME_TIMESTAMP\":\"1764248641000000\",\"SYSLOG_IDENTIFIER\":\"sshd\",\"MESSAGE\":\"Failed password for root from 1.2.3.4 port 22 ssh2\",\"winlog\":{\"event_id\":4625,\"event_data\":{\"TargetUserName\":\"x\"}},\"@timestamp\":\"2026-11-27T13:00:00Z\",\"eventType\":\"user.session.start\",\"published\":\"2026-11-27T13:05:00Z\",\"createdDateTime\":\"2026-11-27T13:04:01Z\",\"status\":{\"errorCode\":1}}";
	char buf[sizeof(base)];
	for (size_t f = 0; f < 4; f++) {
		auth_run_init(&R, fmts[f], "UTC", 0);
		CHECK_EQ_INT(auth_run(&R, base), BW_PARSE_OK);
		for (int i = 0; i < 3000; i++) {
			memcpy(buf, base, sizeof(base));
			size_t n = sizeof(base) - 1;
			for (int k = 0; k < 3; k++) {
				seed = seed * 1103515245u + 12345u;
				buf[(seed >> 8) % n] = (char)(seed >> 20);
			}
			seed = seed * 1103515245u + 12345u;
			if (i % 4 == 0)
				n = (seed >> 8) % n;
			/* exact-size heap copy: ASan catches any overread */
			char *h = malloc(n ? n : 1);
			memcpy(h, buf, n);
			bw_event_clear(&R.ev);
			R.ev.line = bw_str_make(h, n);
			(void)R.parser->parse(&R.ctx, h, n, &R.ev);
			free(h);
		}
		auth_run_fini(&R);
	}
}

static const struct bw_test tests[] = {
	{ "journald", test_journald },
	{ "windows_ecs", test_windows_ecs },
	{ "windows_evtx", test_windows_evtx },
	{ "okta", test_okta },
	{ "entra", test_entra },
	{ "hostile_json", test_hostile_json },
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	int rc = bw_test_main("auth_json", tests, argc, argv);
	bw_tz_free_all();
	return rc;
}
