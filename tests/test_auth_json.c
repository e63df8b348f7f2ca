/*
 * test_auth_json.c - the JSON-lines authentication parsers: journald,
 * Windows Security (three shapes), Okta, Entra ID (two shapes), JSON
 * array framing and hostile input.
 */
#include "bw_test.h"
#include "auth_test_util.h"
#include "auth_json.h"

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
	/* fast path: \u escapes (BMP, surrogate pair, lone surrogate), \/ and
	 * numbers/null; the views stay in the line, which keeps its length */
	static const char esc[] = "{\"__REALTIME_TIMESTAMP\":\"1764248641000000\",\"_PID\":812,\"X\":null,\"_HOSTNAME\":\"h\\/1\",\"SYSLOG_IDENTIFIER\":\"sshd\",\"MESSAGE\":\"Invalid user J\\u00f6rg\\ud83d\\ude00\\ud800x from 10.0.0.1 port 7\"}";
	CHECK_EQ_INT(auth_run(&R, esc), BW_PARSE_OK);
	CHECK_STR_VIEW(R.ev.user, "J\xc3\xb6rg\xf0\x9f\x98\x80\xef\xbf\xbdx");
	CHECK_STR_VIEW(R.ev.host, "h/1");
	CHECK_EQ_INT(R.ev.src_port, 7);
	CHECK_EQ_INT(R.ev.line.n, sizeof(esc) - 1);
	CHECK(R.ev.user.p >= R.buf && R.ev.user.p < R.buf + sizeof(esc));
	/* a bad escape is malformed, not guessed */
	CHECK_EQ_INT(auth_run(&R, "{\"__REALTIME_TIMESTAMP\":\"1\",\"MESSAGE\":\"bad \\q escape\"}"), BW_PARSE_MALFORMED);
	/* array framing around a journald object */
	CHECK_EQ_INT(auth_run(&R, "[{\"__REALTIME_TIMESTAMP\":\"1764248641000000\",\"SYSLOG_IDENTIFIER\":\"sshd\",\"MESSAGE\":\"Invalid user q from 10.0.0.2\"},"), BW_PARSE_OK);
	CHECK_STR_VIEW(R.ev.user, "q");
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
	/* a shape the walk refuses (escaped key) gives the same event via
	 * Jansson, strings packed at the line's tail */
	static const char esc_key[] = "{\"actor\":{\"alternateId\":\"d\\u00e9@x\"},\"debug\\u0041\":1,\"eventType\":\"user.session.start\",\"outcome\":{\"result\":\"FAILURE\",\"reason\":\"VERIFICATION_ERROR\"},\"published\":\"2026-11-27T13:05:00Z\",\"client\":{\"ipAddress\":\"192.0.2.1\"}}";
	CHECK_EQ_INT(auth_run(&R, esc_key), BW_PARSE_OK);
	CHECK_STR_VIEW(R.ev.user, "d\xc3\xa9@x");
	CHECK_STR_VIEW(R.ev.reason, "VERIFICATION_ERROR");
	CHECK_EQ_STR(auth_ip(&R.ev), "192.0.2.1");
	CHECK(R.ev.line.n < sizeof(esc_key) - 1);
	CHECK(R.ev.user.p >= R.buf && R.ev.user.p < R.buf + sizeof(esc_key));
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
	/* deeper than the walk goes: Jansson reads it the same */
	CHECK_EQ_INT(auth_run(&R, "{\"createdDateTime\":\"2026-11-27T13:04:01Z\",\"userPrincipalName\":\"deep@x\",\"status\":{\"errorCode\":50053},\"x\":[[[[[[[[[[[[[[1]]]]]]]]]]]]]]}"), BW_PARSE_OK);
	CHECK_STR_VIEW(R.ev.user, "deep@x");
	CHECK_STR_VIEW(R.ev.reason, "account_locked");
	CHECK_EQ_INT(auth_run(&R, "{\"createdDateTime\":\"2026-11-27T13:04:01Z\",\"userPrincipalName\":\"a\\qb\",\"status\":{\"errorCode\":0}}"), BW_PARSE_MALFORMED);
	auth_run_fini(&R);
}

static void test_hostile_json(void)
{
	static const char *const fmts[] = { "journald", "windows", "okta", "entra" };
	unsigned seed = 99;
	static const char base[] = "{\"__REALTIME_TIMESTAMP\":\"1764248641000000\",\"SYSLOG_IDENTIFIER\":\"sshd\",\"MESSAGE\":\"Failed password for root from 1.2.3.4 port 22 ssh2\",\"winlog\":{\"event_id\":4625,\"event_data\":{\"TargetUserName\":\"x\"}},\"@timestamp\":\"2026-11-27T13:00:00Z\",\"eventType\":\"user.session.start\",\"published\":\"2026-11-27T13:05:00Z\",\"createdDateTime\":\"2026-11-27T13:04:01Z\",\"status\":{\"errorCode\":1}}";
	/* journald's fast path only takes flat objects: fuzz that shape too */
	static const char flat[] = "{\"__REALTIME_TIMESTAMP\":\"1764248641000000\",\"_HOSTNAME\":\"h\\u00e9\",\"SYSLOG_IDENTIFIER\":\"sshd\",\"_PID\":1,\"MESSAGE\":\"Failed password for r\\\"oot from 1.2.3.4 port 22 ssh2\"}";
	static const char evtx[] = "{\"Event\":{\"System\":{\"EventID\":{\"#text\":\"4625\"},\"TimeCreated\":{\"#attributes\":{\"SystemTime\":\"2026-11-27T10:00:00Z\"}},\"Computer\":\"w\\u00e9\"},\"EventData\":{\"TargetUserName\":\"a\\\\b\",\"IpAddress\":\"::1\",\"Status\":\"0xc000006a\"}}}";
	char buf[sizeof(base)];
	for (size_t f = 0; f < 6; f++) {
		const char *b = f == 4 ? flat : f == 5 ? evtx : base;
		size_t bn = strlen(b);
		auth_run_init(&R, fmts[f == 4 ? 0 : f == 5 ? 1 : f], "UTC", 0);
		CHECK_EQ_INT(auth_run(&R, b), BW_PARSE_OK);
		for (int i = 0; i < 3000; i++) {
			memcpy(buf, b, bn);
			size_t n = bn;
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

/* Each JSON parser is sure of its own lines, silent on the others' and
 * on access-log and syslog lines; whole-sample sniffing picks right. */
static void test_sniff(void)
{
	static const struct { const char *fmt, *line; } own[] = {
		{ "journald", "{\"__REALTIME_TIMESTAMP\":\"1\",\"_HOSTNAME\":\"h\",\"MESSAGE\":\"x\"}" },
		{ "windows", "{\"@timestamp\":\"2026-11-27T13:00:00Z\",\"winlog\":{\"event_id\":4624,\"event_data\":{}}}" },
		{ "windows", "{\"Event\":{\"System\":{\"EventID\":4624},\"EventData\":{\"TargetUserName\":\"a\"}}}" },
		{ "okta", "{\"actor\":{\"alternateId\":\"a\"},\"eventType\":\"user.session.start\",\"published\":\"2026-11-27T13:00:00Z\"}," },
		{ "entra", "{\"createdDateTime\":\"2026-11-27T13:04:01Z\",\"userPrincipalName\":\"a@b\",\"appDisplayName\":\"x\",\"status\":{\"errorCode\":0}}" },
		{ "syslog", "Nov 27 13:04:01 host sshd[1]: Accepted password for a from 1.2.3.4 port 2 ssh2" },
		{ "combined", "127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /a.gif HTTP/1.0\" 200 2326 \"http://x/\" \"Mozilla/4.08\"" },
	};
	static const char *const mine[] = { "journald", "windows", "okta", "entra", "syslog" };
	const size_t nown = sizeof(own) / sizeof(own[0]);
	for (size_t m = 0; m < 5; m++) {
		const struct bw_parser *p = bw_parser_find(mine[m]);
		CHECK(p != NULL);
		if (!p)
			continue;
		for (size_t i = 0; i < nown; i++) {
			int score = p->sniff(own[i].line, strlen(own[i].line));
			int same = strcmp(own[i].fmt, mine[m]) == 0;
			if (same ? score < 80 : score != 0) {
				fprintf(stderr, "  %s sniffs %d on a %s line\n", mine[m], score, own[i].fmt);
				bw_test_failed_now = 1;
			}
		}
	}
	for (size_t i = 0; i < nown; i++) {
		bw_str sample[3];
		for (int k = 0; k < 3; k++)
			sample[k] = bw_str_make(own[i].line, strlen(own[i].line));
		const struct bw_parser *best = bw_parser_sniff(sample, 3);
		CHECK(best != NULL);
		if (best && strcmp(best->name, own[i].fmt) != 0) {
			fprintf(stderr, "  sniffing a %s sample picked %s\n", own[i].fmt, best->name);
			bw_test_failed_now = 1;
		}
	}
}

/* The structural walk: paths, types, framing, and refusal of anything
 * malformed (which then goes to Jansson). */
struct seen {
	char buf[1024];
	size_t n;
};

static void record(void *ud, const bw_str *path, int depth, bw_str v, int type)
{
	struct seen *s = ud;
	for (int i = 0; i < depth; i++) {
		int k = snprintf(s->buf + s->n, sizeof(s->buf) - s->n, "%s%.*s", i ? "." : "",
				 path[i].p ? (int)path[i].n : 2, path[i].p ? path[i].p : "[]");
		s->n += (size_t)k;
	}
	int k = snprintf(s->buf + s->n, sizeof(s->buf) - s->n, "=%c:%.*s;", type, (int)v.n, v.p);
	s->n += (size_t)k;
}

static const char *walk(const char *json)
{
	static struct seen s;
	memset(&s, 0, sizeof(s));
	if (!bw_json_walk(json, strlen(json), record, &s))
		return "(refused)";
	return s.buf;
}

static void test_json_walk(void)
{
	CHECK_EQ_STR(walk("{\"a\":1,\"b\":{\"c\":\"x\\\"y\",\"d\":[true,null,{\"e\":-2.5e3}],\"f\":{}},\"g\":[]}"),
		     "a=n:1;b.c=s:x\\\"y;b.d.[]=t:true;b.d.[]=z:null;b.d.[].e=n:-2.5e3;");
	CHECK_EQ_STR(walk("  [{\"a\":\"\"}, "), "a=s:;");
	CHECK_EQ_STR(walk("{}"), "");
	CHECK_EQ_STR(walk("{\"a\":1,}"), "(refused)");
	CHECK_EQ_STR(walk("{\"a\":1"), "(refused)");
	CHECK_EQ_STR(walk("{\"a\":1}}"), "(refused)");
	CHECK_EQ_STR(walk("{\"a\":[1,2}"), "(refused)");
	CHECK_EQ_STR(walk("{\"a\":\"unterminated}"), "(refused)");
	CHECK_EQ_STR(walk("{\"k\\u0041\":1}"), "(refused)"); /* escaped key */
	CHECK_EQ_STR(walk("{\"a\":tru}"), "(refused)");
	CHECK_EQ_STR(walk("[1,2]"), "(refused)");
	CHECK_EQ_STR(walk("{\"a\":[[[[[[[[[[[[[[1]]]]]]]]]]]]]]}"), "(refused)"); /* too deep */
	CHECK_EQ_STR(walk("{\"a\":[[[[[[[[[[1]]]]]]]]]]}"), "a.[].[].[].[].[].[].[].[].[].[]=n:1;");
}

static void test_windows_escapes(void)
{
	auth_run_init(&R, "windows", "UTC", 0);
	/* escaped values are decoded in place on the fast path */
	CHECK_EQ_INT(auth_run(&R, "{\"@timestamp\":\"2026-11-27T13:00:00Z\",\"winlog\":{\"computer_name\":\"dc\\u00e9\",\"event_id\":4625,\"event_data\":{\"TargetUserName\":\"J\\u00f6rg \\\"x\\\"\",\"TargetDomainName\":\"CORP\\\\SUB\",\"Status\":\"0xc000006a\"}}}"), BW_PARSE_OK);
	CHECK_STR_VIEW(R.ev.user, "J\xc3\xb6rg \"x\"");
	CHECK_STR_VIEW(R.ev.user_domain, "CORP\\SUB");
	CHECK_STR_VIEW(R.ev.host, "dc\xc3\xa9");
	CHECK_STR_VIEW(R.ev.reason, "bad_password");
	CHECK(R.ev.user.p >= R.buf && R.ev.user.p < R.buf + sizeof(R.buf));
	CHECK_EQ_INT(auth_run(&R, "{\"@timestamp\":\"2026-11-27T13:00:00Z\",\"winlog\":{\"event_id\":4625,\"event_data\":{\"TargetUserName\":\"bad \\q\"}}}"), BW_PARSE_MALFORMED);
	/* ECS event.code alone is enough for an id */
	CHECK_EQ_INT(auth_run(&R, "{\"@timestamp\":\"2026-11-27T13:00:00Z\",\"event\":{\"code\":\"4634\"},\"winlog\":{\"event_data\":{\"TargetUserName\":\"a\"}}}"), BW_PARSE_OK);
	CHECK_EQ_INT(R.ev.kind, BW_KIND_LOGOUT);
	auth_run_fini(&R);
}

static const struct bw_test tests[] = {
	{ "json_walk", test_json_walk },
	{ "windows_escapes", test_windows_escapes },
	{ "sniff", test_sniff },
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
