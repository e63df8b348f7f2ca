/*
 * test_auth_syslog.c - syslog framing (stamps, year inference, zones,
 * hosts and tags) and the programme parsers behind it (sshd, PAM, sudo,
 * su, login, dovecot, postfix), table driven.
 */
#include "bw_test.h"
#include "auth_test_util.h"

static struct auth_run R;

/* --------------------------------------------------------- framing */

static void test_bsd_frame(void)
{
	auth_run_init(&R, "syslog", "UTC", 2026);
	CHECK_EQ_INT(auth_run(&R, "Feb 21 21:54:44 localhost sshd[3402]: Accepted publickey for vagrant from 10.0.2.2 port 63673 ssh2: RSA 39:33:99"), BW_PARSE_OK);
	CHECK_EQ_STR(auth_ts(R.ev.ts_ms), "2026-02-21T21:54:44.000Z");
	CHECK_STR_VIEW(R.ev.host, "localhost");
	CHECK_STR_VIEW(R.ev.program, "sshd");
	CHECK_EQ_INT(R.ev.source, BW_SRC_AUTH);
	CHECK_EQ_STR(R.ev.format, "syslog");
	CHECK(!(R.ev.flags & BW_EF_TS_GUESSED)); /* --year given */
	/* single-digit day with one space, <PRI>, fraction */
	CHECK_EQ_INT(auth_run(&R, "<38>Nov 2 15:40:14.250 workshop sshd[28179]: Invalid user x from 5.33.63.160"), BW_PARSE_OK);
	CHECK_EQ_STR(auth_ts(R.ev.ts_ms), "2026-11-02T15:40:14.250Z");
	CHECK_STR_VIEW(R.ev.host, "workshop");
	/* empty host (two spaces), as in Ubuntu 12.04 files */
	CHECK_EQ_INT(auth_run(&R, "Feb  9 21:20:08  sshd[8317]: Failed password for root from 1.2.3.4 port 22 ssh2"), BW_PARSE_OK);
	CHECK(!bw_str_present(R.ev.host) || R.ev.host.n == 0);
	CHECK_STR_VIEW(R.ev.program, "sshd");
	CHECK_STR_VIEW(R.ev.user, "root");
	/* no host at all */
	CHECK_EQ_INT(auth_run(&R, "Feb  9 21:20:09 sshd[8317]: Failed password for bob from 1.2.3.4 port 22 ssh2"), BW_PARSE_OK);
	CHECK(!bw_str_present(R.ev.host));
	CHECK_STR_VIEW(R.ev.user, "bob");
	/* a year inside the stamp */
	CHECK_EQ_INT(auth_run(&R, "Mar  1 2024 10:00:00 fw sshd[1]: Failed password for bob from 1.2.3.4 port 22 ssh2"), BW_PARSE_OK);
	CHECK_EQ_STR(auth_ts(R.ev.ts_ms), "2024-03-01T10:00:00.000Z");
	/* macOS ASL level */
	CHECK_EQ_INT(auth_run(&R, "Mar  2 10:00:00 mbp sshd[77] <Notice>: Failed password for eve from 10.1.1.1 port 50000 ssh2"), BW_PARSE_OK);
	CHECK_STR_VIEW(R.ev.user, "eve");
	CHECK_STR_VIEW(R.ev.program, "sshd");
	/* Solaris message id */
	CHECK_EQ_INT(auth_run(&R, "Aug 18 07:30:25 192.168.1.5 sshd[20247]: [ID 800047 auth.notice] Failed none for root from 192.168.1.1 port 36942 ssh2"), BW_PARSE_OK);
	CHECK_STR_VIEW(R.ev.auth_method, "none");
	CHECK_EQ_STR(auth_ip(&R.ev), "192.168.1.1");
	auth_run_fini(&R);
}

static void test_iso_and_5424(void)
{
	auth_run_init(&R, "syslog", "Europe/Amsterdam", 0);
	CHECK_EQ_INT(auth_run(&R, "2026-11-27T13:04:01.123456+01:00 web1 sshd[99]: Accepted password for alice from 2001:db8::7 port 4022 ssh2"), BW_PARSE_OK);
	CHECK_EQ_STR(auth_ts(R.ev.ts_ms), "2026-11-27T12:04:01.123Z");
	CHECK_STR_VIEW(R.ev.host, "web1");
	CHECK_EQ_STR(auth_ip(&R.ev), "2001:db8::7");
	CHECK_EQ_INT(R.ev.src_port, 4022);
	CHECK(!(R.ev.flags & BW_EF_TS_GUESSED));
	/* zone-less ISO stamp: local time in --tz (CET in November) */
	CHECK_EQ_INT(auth_run(&R, "2019-06-14T10:40:20.912134 localhost sudo: pam_unix(sudo-i:session): session opened for user root by userauth3(uid=0)"), BW_PARSE_OK);
	CHECK_EQ_STR(auth_ts(R.ev.ts_ms), "2019-06-14T08:40:20.912Z"); /* CEST */
	CHECK_EQ_INT(R.ev.kind, BW_KIND_SESSION_START);
	CHECK_STR_VIEW(R.ev.user, "userauth3");
	CHECK_STR_VIEW(R.ev.target_user, "root");
	/* RFC 5424 with structured data and BOM */
	CHECK_EQ_INT(auth_run(&R, "<86>1 2026-11-27T13:04:01.5Z bastion sshd 4242 - [meta seq=\"1\\]\"] \xEF\xBB\xBF" "Failed password for invalid user admin from 203.0.113.9 port 1 ssh2"), BW_PARSE_OK);
	CHECK_EQ_STR(auth_ts(R.ev.ts_ms), "2026-11-27T13:04:01.500Z");
	CHECK_STR_VIEW(R.ev.host, "bastion");
	CHECK_STR_VIEW(R.ev.program, "sshd");
	CHECK_STR_VIEW(R.ev.user, "admin");
	CHECK_STR_VIEW(R.ev.reason, "invalid_user");
	CHECK_EQ_INT(auth_run(&R, "<86>1 2026-11-27T13:04:01Z - sshd - - - Invalid user bob from 10.0.0.1 port 3"), BW_PARSE_OK);
	CHECK(!bw_str_present(R.ev.host));
	CHECK_STR_VIEW(R.ev.user, "bob");
	auth_run_fini(&R);
}

static void test_year_rollover(void)
{
	auth_run_init(&R, "syslog", "UTC", 2025);
	CHECK_EQ_INT(auth_run(&R, "Dec 31 23:59:58 h sshd[1]: Invalid user a from 10.0.0.1"), BW_PARSE_OK);
	CHECK_EQ_STR(auth_ts(R.ev.ts_ms), "2025-12-31T23:59:58.000Z");
	CHECK_EQ_INT(auth_run(&R, "Jan  1 00:00:03 h sshd[1]: Invalid user b from 10.0.0.1"), BW_PARSE_OK);
	CHECK_EQ_STR(auth_ts(R.ev.ts_ms), "2026-01-01T00:00:03.000Z");
	/* small step back across the boundary: out of order, same year */
	CHECK_EQ_INT(auth_run(&R, "Dec 31 23:59:59 h sshd[1]: Invalid user c from 10.0.0.1"), BW_PARSE_OK);
	CHECK_EQ_STR(auth_ts(R.ev.ts_ms), "2025-12-31T23:59:59.000Z");
	CHECK_EQ_INT(R.ctx.warnings, 0);
	CHECK_EQ_INT(auth_run(&R, "Jan  2 00:00:00 h sshd[1]: Invalid user d from 10.0.0.1"), BW_PARSE_OK);
	CHECK_EQ_STR(auth_ts(R.ev.ts_ms), "2026-01-02T00:00:00.000Z");
	/* a jump back of days inside a month: kept, but counted */
	CHECK_EQ_INT(auth_run(&R, "Jan 20 00:00:00 h sshd[1]: Invalid user e from 10.0.0.1"), BW_PARSE_OK);
	CHECK_EQ_INT(auth_run(&R, "Jan 10 00:00:00 h sshd[1]: Invalid user f from 10.0.0.1"), BW_PARSE_OK);
	CHECK_EQ_STR(auth_ts(R.ev.ts_ms), "2026-01-10T00:00:00.000Z");
	CHECK_EQ_INT(R.ctx.warnings, 1);
	CHECK(R.ctx.warning != NULL);
	auth_run_fini(&R);

	/* No --year: the file's year, flagged as guessed; a first line more
	 * than a day after the file's mtime belongs to the year before. */
	auth_run_init(&R, "syslog", "UTC", 0);
	R.ctx.default_year = 2026;
	R.ctx.ref_ms = bw_epoch_from_civil(2026, 1, 3, 0, 0, 0) * 1000;
	CHECK_EQ_INT(auth_run(&R, "Dec 30 10:00:00 h sshd[1]: Invalid user a from 10.0.0.1"), BW_PARSE_OK);
	CHECK_EQ_STR(auth_ts(R.ev.ts_ms), "2025-12-30T10:00:00.000Z");
	CHECK(R.ev.flags & BW_EF_TS_GUESSED);
	CHECK_EQ_INT(auth_run(&R, "Jan  2 10:00:00 h sshd[1]: Invalid user a from 10.0.0.1"), BW_PARSE_OK);
	CHECK_EQ_STR(auth_ts(R.ev.ts_ms), "2026-01-02T10:00:00.000Z");
	/* Feb 29 does not exist in 2026 */
	CHECK_EQ_INT(auth_run(&R, "Feb 29 10:00:00 h sshd[1]: Invalid user a from 10.0.0.1"), BW_PARSE_MALFORMED);
	auth_run_fini(&R);
}

static void test_dst_amsterdam(void)
{
	auth_run_init(&R, "syslog", "Europe/Amsterdam", 2026);
	/* 2026-03-29: clocks go 02:00 CET -> 03:00 CEST */
	CHECK_EQ_INT(auth_run(&R, "Mar 29 01:30:00 h sshd[1]: Invalid user a from 10.0.0.1"), BW_PARSE_OK);
	CHECK_EQ_STR(auth_ts(R.ev.ts_ms), "2026-03-29T00:30:00.000Z");
	CHECK_EQ_INT(auth_run(&R, "Mar 29 03:30:00 h sshd[1]: Invalid user a from 10.0.0.1"), BW_PARSE_OK);
	CHECK_EQ_STR(auth_ts(R.ev.ts_ms), "2026-03-29T01:30:00.000Z");
	/* 2026-10-25: 03:00 CEST -> 02:00 CET; 01:30 is still summer time */
	CHECK_EQ_INT(auth_run(&R, "Oct 25 01:30:00 h sshd[1]: Invalid user a from 10.0.0.1"), BW_PARSE_OK);
	CHECK_EQ_STR(auth_ts(R.ev.ts_ms), "2026-10-24T23:30:00.000Z");
	CHECK_EQ_INT(auth_run(&R, "Oct 25 04:00:00 h sshd[1]: Invalid user a from 10.0.0.1"), BW_PARSE_OK);
	CHECK_EQ_STR(auth_ts(R.ev.ts_ms), "2026-10-25T03:00:00.000Z");
	auth_run_fini(&R);
}

static void test_repeated(void)
{
	auth_run_init(&R, "syslog", "UTC", 2026);
	CHECK_EQ_INT(auth_run(&R, "Nov 27 13:04:01 h sshd[5]: message repeated 5 times: [ Failed password for root from 198.51.100.4 port 2222 ssh2]"), BW_PARSE_OK);
	CHECK_EQ_INT(R.ev.repeat, 5);
	CHECK_EQ_INT(R.ev.outcome, BW_OUTCOME_FAILURE);
	CHECK_STR_VIEW(R.ev.user, "root");
	CHECK_EQ_STR(auth_ip(&R.ev), "198.51.100.4");
	CHECK_EQ_INT(R.ev.src_port, 2222);
	/* a line that itself reports N attempts, repeated M times: N * M */
	CHECK_EQ_INT(auth_run(&R, "Nov 27 13:04:01 h sudo: message repeated 2 times: [     mike : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/root ; USER=root ; COMMAND=/bin/ls]"), BW_PARSE_OK);
	CHECK_EQ_INT(R.ev.repeat, 6);
	CHECK_STR_VIEW(R.ev.command, "/bin/ls");
	/* BSD syslogd names no message: it repeats the last one, here the
	 * rsyslog-reduced sudo line (2 x 2 x 3 attempts) */
	CHECK_EQ_INT(auth_run(&R, "Nov 27 13:04:02 h sshd[5]: last message repeated 2 times"), BW_PARSE_OK);
	CHECK_EQ_INT(R.ev.repeat, 12);
	CHECK_STR_VIEW(R.ev.command, "/bin/ls");
	CHECK_STR_VIEW(R.ev.program, "sudo");
	/* nor after a line that does not parse */
	CHECK_EQ_INT(auth_run(&R, "Nov 27 13:04:03 h sshd[5]: Failed password for admin from 198.51.100.6 port 33000 ssh2"), BW_PARSE_OK);
	CHECK_EQ_INT(auth_run(&R, "Nov 27 13:04:0x h sshd[5]: error: kex_exchange_identification"), BW_PARSE_MALFORMED);
	CHECK_EQ_INT(auth_run(&R, "Nov 27 13:04:04 h sshd[5]: last message repeated 30 times"), BW_PARSE_IGNORED);
	/* after a line that is no event there is nothing to repeat */
	CHECK_EQ_INT(auth_run(&R, "Nov 27 13:04:03 h sshd[5]: subsystem request for sftp by user vagrant"), BW_PARSE_IGNORED);
	CHECK_EQ_INT(auth_run(&R, "Nov 27 13:04:04 h sshd[5]: last message repeated 2 times"), BW_PARSE_IGNORED);
	CHECK(R.ctx.reason != NULL);
	auth_run_fini(&R);
}

static void test_hostile(void)
{
	auth_run_init(&R, "syslog", "UTC", 2026);
	static const char nul[] = "Nov 27 13:04:01 h sshd[1]: Failed password for ro\0ot from 1.2.3.4 port 22 ssh2";
	CHECK_EQ_INT(auth_run_n(&R, nul, sizeof(nul) - 1), BW_PARSE_OK);
	CHECK_EQ_INT(R.ev.user.n, 5);
	CHECK_EQ_INT(auth_run(&R, ""), BW_PARSE_MALFORMED);
	CHECK_EQ_INT(auth_run(&R, "<"), BW_PARSE_MALFORMED);
	CHECK_EQ_INT(auth_run(&R, "<999999>"), BW_PARSE_MALFORMED);
	CHECK_EQ_INT(auth_run(&R, "Nov"), BW_PARSE_MALFORMED);
	CHECK_EQ_INT(auth_run(&R, "Nov 27 13:04:01"), BW_PARSE_MALFORMED);
	CHECK_EQ_INT(auth_run(&R, "Nov 99 13:04:01 h sshd[1]: x"), BW_PARSE_MALFORMED);
	CHECK_EQ_INT(auth_run(&R, "Nov 27 13:04:01 h sshd[1"), BW_PARSE_IGNORED);
	CHECK(auth_run(&R, "Nov 27 13:04:01 h sshd[1]: Failed password for x from") != BW_PARSE_OK);
	CHECK(auth_run(&R, "Nov 27 13:04:01 h sshd[1]: Accepted ") != BW_PARSE_OK);
	CHECK(auth_run(&R, "Nov 27 13:04:01 h sshd[1]: Connection closed by ") != BW_PARSE_OK);
	CHECK(auth_run(&R, "<1>1 ") != BW_PARSE_OK);
	CHECK(auth_run(&R, "<1>1 2026-11-27T13:04:01Z h a p m [unterminated") != BW_PARSE_OK);
	/* an injected "from IP port" inside the user name: the real address wins */
	CHECK_EQ_INT(auth_run(&R, "Nov 27 13:04:01 h sshd[1]: Failed password for invalid user x from 6.6.6.6 port 1 ssh2 from 10.9.8.7 port 4444 ssh2"), BW_PARSE_OK);
	CHECK_EQ_STR(auth_ip(&R.ev), "10.9.8.7");
	CHECK_STR_VIEW(R.ev.user, "x from 6.6.6.6 port 1 ssh2");
	/* random bytes never crash and never claim success blindly */
	unsigned seed = 12345;
	char junk[300];
	for (int i = 0; i < 20000; i++) {
		size_t n = (size_t)(seed % sizeof(junk));
		for (size_t k = 0; k < n; k++) {
			seed = seed * 1103515245u + 12345u;
			junk[k] = (char)(seed >> 16);
		}
		if (i % 3 == 0 && n > 40)
			memcpy(junk, "Nov 27 13:04:01 h sshd[1]: ", 27);
		if (i % 5 == 0 && n > 60)
			memcpy(junk + 27, "Failed password for ", 20);
		(void)auth_run_n(&R, junk, n);
		seed = seed * 1103515245u + 12345u;
	}
	/* a huge line */
	static char big[60000];
	memset(big, 'A', sizeof(big));
	memcpy(big, "Nov 27 13:04:01 h sshd[1]: Failed password for ", 47);
	CHECK(auth_run_n(&R, big, sizeof(big)) != BW_PARSE_OK);
	auth_run_fini(&R);
}

static void test_sniff(void)
{
	const struct bw_parser *p = bw_parser_find("syslog");
	CHECK(p != NULL);
	static const char clf[] = "127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 2326 \"http://www.example.com/start.html\" \"Mozilla/4.08 [en] (Win98; I ;Nav)\"";
	CHECK_EQ_INT(p->sniff(clf, sizeof(clf) - 1), 0);
	static const char s1[] = "Feb 21 21:54:44 localhost sshd[3402]: Accepted publickey for vagrant";
	CHECK(p->sniff(s1, sizeof(s1) - 1) >= 70);
	static const char s2[] = "2026-11-27T13:04:01.123456+01:00 web1 sshd[99]: x";
	CHECK(p->sniff(s2, sizeof(s2) - 1) >= 70);
	static const char s3[] = "{\"MESSAGE\":\"x\"}";
	CHECK_EQ_INT(p->sniff(s3, sizeof(s3) - 1), 0);
	/* application logs with a space-separated ISO date are not syslog */
	static const char s4[] = "2024-12-15 14:10:00 OpenVPN 2.6.3 x86_64-linux-gnu started";
	CHECK_EQ_INT(p->sniff(s4, sizeof(s4) - 1), 0);
	/* syslog-framed but untagged (PAN-OS): framed, low confidence */
	static const char s5[] = "2023-07-06T08:11:40+02:00 paloalto.test.host 1,2023/07/06 08:11:40,016401002737,THREAT";
	CHECK(p->sniff(s5, sizeof(s5) - 1) > 0 && p->sniff(s5, sizeof(s5) - 1) <= 60);
	auth_run_init(&R, "syslog", "UTC", 2026);
	CHECK_EQ_INT(auth_run(&R, s4), BW_PARSE_MALFORMED);
	/* (the PAN-OS message parser may judge the cut-short CSV itself) */
	CHECK(auth_run(&R, s5) != BW_PARSE_OK);
	static const char s6[] = "2023-03-18T20:35:05.734637+01:00 10.120.127.1 firewall,info drop-in input: in:ether1-WAN";
	CHECK_EQ_INT(auth_run(&R, s6), BW_PARSE_IGNORED);
	CHECK_STR_VIEW(R.ev.host, "10.120.127.1");
	CHECK(!bw_str_present(R.ev.program));
	auth_run_fini(&R);
}

/* ------------------------------------------------ programme messages */

struct msg_case {
	const char *line;
	int rc;
	int kind, outcome;
	const char *user, *ip;
	int port;
	const char *method, *reason, *target;
	int repeat;
};

#define OK BW_PARSE_OK
#define IGN BW_PARSE_IGNORED
#define LOGIN BW_KIND_LOGIN
#define PROBE BW_KIND_PROBE
#define PRIV BW_KIND_PRIVILEGE
#define SUCC BW_OUTCOME_SUCCESS
#define FAIL BW_OUTCOME_FAILURE
#define H "Nov 27 13:04:01 host "

static const struct msg_case cases[] = {
	/* sshd */
	{ H "sshd[1]: Accepted password for vagrant from 192.168.33.1 port 58803 ssh2", OK, LOGIN, SUCC, "vagrant", "192.168.33.1", 58803, "password", NULL, NULL, 1 },
	{ H "sshd[1]: Accepted keyboard-interactive/pam for al ice from ::1 port 5 ssh2", OK, LOGIN, SUCC, "al ice", "::1", 5, "keyboard-interactive/pam", NULL, NULL, 1 },
	{ H "sshd[1]: Accepted gssapi-with-mic for bob from 10.0.0.5 port 5 ssh2", OK, LOGIN, SUCC, "bob", "10.0.0.5", 5, "gssapi-with-mic", NULL, NULL, 1 },
	{ H "sshd[1]: Failed password for root from 116.31.116.24 port 29160 ssh2", OK, LOGIN, FAIL, "root", "116.31.116.24", 29160, "password", "bad_password", NULL, 1 },
	{ H "sshd[1]: Failed publickey for git from 2001:db8::1 port 22 ssh2: RSA SHA256:abc", OK, LOGIN, FAIL, "git", "2001:db8::1", 22, "publickey", "bad_key", NULL, 1 },
	/* method none: the client asking which methods it may use, before
	 * its first password; OpenSSH logs it for every invalid user */
	{ H "sshd[1]: Failed none for invalid user  from 1.2.3.4 port 9 ssh2", OK, PROBE, FAIL, "", "1.2.3.4", 9, "none", "invalid_user", NULL, 1 },
	{ H "sshd[1]: Failed none for root from 1.2.3.5 port 9 ssh2", OK, PROBE, FAIL, "root", "1.2.3.5", 9, "none", "method_none", NULL, 1 },
	{ H "sshd[1]: Failed password for invalid user oracle from ::ffff:10.1.2.3 port 9 ssh2", OK, LOGIN, FAIL, "oracle", "10.1.2.3", 9, "password", "invalid_user", NULL, 1 },
	{ H "sshd[1]: Invalid user test from 10.0.2.2", OK, PROBE, FAIL, "test", "10.0.2.2", 0, NULL, "invalid_user", NULL, 1 },
	{ H "sshd-session[1]: Invalid user pascal5 from 192.168.1.3 port 53502", OK, PROBE, FAIL, "pascal5", "192.168.1.3", 53502, NULL, "invalid_user", NULL, 1 },
	{ H "sshd[1]: User root from 192.168.1.1 not allowed because not listed in AllowUsers", OK, PROBE, FAIL, "root", "192.168.1.1", 0, NULL, "not_allowed", NULL, 1 },
	{ H "sshd[1]: error: maximum authentication attempts exceeded for root from 183.106.179.2 port 34100 ssh2 [preauth]", OK, PROBE, FAIL, "root", "183.106.179.2", 34100, NULL, "max_attempts", NULL, 1 },
	{ H "sshd[1]: Connection closed by authenticating user root 206.81.24.125 port 45362 [preauth]", OK, PROBE, FAIL, "root", "206.81.24.125", 45362, NULL, "preauth_disconnect", NULL, 1 },
	{ H "sshd[1]: Connection closed by 118.27.24.104 port 33594 [preauth]", OK, PROBE, FAIL, NULL, "118.27.24.104", 33594, NULL, "preauth_disconnect", NULL, 1 },
	{ H "sshd[1]: Disconnected from invalid user ftp 92.255.85.135 port 26138 [preauth]", OK, PROBE, FAIL, "ftp", "92.255.85.135", 26138, NULL, "preauth_disconnect", NULL, 1 },
	{ H "sshd[1]: Disconnected from totobad user ftp 92.255.85.135 port 26138 [preauth]", IGN, 0, 0, NULL, "", 0, NULL, NULL, NULL, 1 },
	{ H "sshd[1]: Disconnected from user alice 10.0.0.9 port 50022", OK, BW_KIND_LOGOUT, SUCC, "alice", "10.0.0.9", 50022, NULL, NULL, NULL, 1 },
	{ H "sshd[1]: Received disconnect from 10.0.0.9 port 50022:11: disconnected by user", OK, BW_KIND_LOGOUT, SUCC, NULL, "10.0.0.9", 50022, NULL, NULL, NULL, 1 },
	{ H "sshd[1]: Received disconnect from 2001:db8::9 port 50022:11: Bye Bye [preauth]", OK, PROBE, FAIL, NULL, "2001:db8::9", 50022, NULL, "preauth_disconnect", NULL, 1 },
	{ H "sshd[1]: Did not receive identification string from 123.57.245.163", OK, PROBE, FAIL, NULL, "123.57.245.163", 0, NULL, "no_ident", NULL, 1 },
	{ H "sshd[1]: Unable to negotiate with 123.57.135.134 port 45626: no matching key exchange method found. Their offer: diffie-hellman-group1-sha1 [preauth]", OK, PROBE, FAIL, NULL, "123.57.135.134", 45626, NULL, "kex_mismatch", NULL, 1 },
	{ H "sshd[1]: fatal: Unable to negotiate with 108.229.36.174: no matching key exchange method found.", OK, PROBE, FAIL, NULL, "108.229.36.174", 0, NULL, "kex_mismatch", NULL, 1 },
	{ H "sshd[1]: banner exchange: Connection from 20.1.2.3 port 5555: invalid format", OK, PROBE, FAIL, NULL, "20.1.2.3", 5555, NULL, "banner_exchange", NULL, 1 },
	{ H "sshd[1]: Bad protocol version identification 'GET / HTTP/1.1' from 188.18.81.21 port 60787", OK, PROBE, FAIL, NULL, "188.18.81.21", 60787, NULL, "bad_protocol", NULL, 1 },
	{ H "sshd[1]: fatal: Timeout before authentication for 192.168.9.212 port 47056", OK, PROBE, FAIL, NULL, "192.168.9.212", 47056, NULL, "auth_timeout", NULL, 1 },
	{ H "sshd[1]: ssh_dispatch_run_fatal: Connection from 192.168.9.213 port 48680: message authentication code incorrect [preauth]", OK, PROBE, FAIL, NULL, "192.168.9.213", 48680, NULL, "dispatch_fatal", NULL, 1 },
	{ H "sshd[1]: refused connect from example.com (192.168.1.1)", OK, PROBE, FAIL, NULL, "192.168.1.1", 0, NULL, "refused", NULL, 1 },
	/* the connection cut after its attempts, each already a Failed line */
	{ H "sshd[1]: Disconnecting authenticating user root 61.177.172.1 port 33010: Too many authentication failures [preauth]", OK, PROBE, FAIL, "root", "61.177.172.1", 33010, NULL, "max_attempts", NULL, 1 },
	{ H "sshd[1]: Disconnecting invalid user a b 61.177.172.2 port 33011: Change of username or service not allowed: (a b,ssh-connection) -> (c,ssh-connection) [preauth]", OK, PROBE, FAIL, "a b", "61.177.172.2", 33011, NULL, "preauth_disconnect", NULL, 1 },
	{ H "sshd[1]: error: kex_exchange_identification: Connection closed by remote host", OK, PROBE, FAIL, NULL, "", 0, NULL, "banner_exchange", NULL, 1 },
	{ H "sshd[1]: Address 192.168.18.54 maps to nmap.example, but this does not map back to the address - POSSIBLE BREAK-IN ATTEMPT!", OK, PROBE, FAIL, NULL, "192.168.18.54", 0, NULL, "reverse_dns_mismatch", NULL, 1 },
	{ H "sshd[1]: Failed password for root from host.attacker.example port 2200 ssh2", OK, LOGIN, FAIL, "root", "", 2200, "password", "bad_password", NULL, 1 },
	{ H "sshd[1]: Disconnecting: Too many authentication failures for root [preauth]", OK, PROBE, FAIL, "root", "", 0, NULL, "max_attempts", NULL, 1 },
	{ H "sshd[1]: Close session: user ansible from 10.1.2.3 port 40022 id 0", OK, BW_KIND_SESSION_END, SUCC, "ansible", "10.1.2.3", 40022, NULL, NULL, NULL, 1 },
	{ H "sshd[1]: subsystem request for sftp by user vagrant", IGN, 0, 0, NULL, "", 0, NULL, NULL, NULL, 1 },
	{ H "sshd[1]: PAM 4 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=202.109.143.106  user=root", IGN, 0, 0, NULL, "", 0, NULL, NULL, NULL, 1 },
	/* PAM */
	{ H "sshd[1]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=202.109.143.106  user=root", OK, BW_KIND_OTHER, FAIL, "root", "202.109.143.106", 0, "password", "auth_failure", NULL, 1 },
	{ H "sshd[1]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=5.33.63.161", OK, BW_KIND_OTHER, FAIL, NULL, "5.33.63.161", 0, "password", "auth_failure", NULL, 1 },
	/* pam_sss on SSSD/FreeIPA hosts: sshd's own Failed line is the attempt */
	{ H "sshd[1]: pam_sss(sshd:auth): received for user alice: 7 (Authentication failure)", OK, BW_KIND_OTHER, FAIL, "alice", "", 0, NULL, "auth_failure", NULL, 1 },
	{ H "login[1]: pam_sss(login:auth): received for user alice: 7 (Authentication failure)", OK, LOGIN, FAIL, "alice", "", 0, NULL, "auth_failure", NULL, 1 },
	{ H "sshd[1]: pam_unix(sshd:session): session opened for user alice(uid=1000) by alice(uid=0)", OK, BW_KIND_SESSION_START, SUCC, "alice", "", 0, NULL, NULL, NULL, 1 },
	{ H "sshd[1]: pam_unix(sshd:session): session closed for user alice", OK, BW_KIND_SESSION_END, SUCC, "alice", "", 0, NULL, NULL, NULL, 1 },
	{ H "sudo: pam_unix(sudo:session): session opened for user root by vagrant(uid=1000)", OK, BW_KIND_SESSION_START, SUCC, "vagrant", "", 0, NULL, NULL, "root", 1 },
	/* one typo: sudo writes its own line if it gives up */
	{ H "sudo: pam_unix(sudo:auth): authentication failure; logname=zbadguy uid=4001 euid=0 tty=/dev/pts/12 ruser=zbadguy rhost=  user=zbadguy", OK, BW_KIND_OTHER, FAIL, "zbadguy", "", 0, NULL, "auth_failure", NULL, 1 },
	{ H "sudo: pam_tally2(sudo:auth): user zbadguy (4001) tally 6, deny 5", OK, BW_KIND_LOCKOUT, FAIL, "zbadguy", "", 0, NULL, "too_many_failures", NULL, 1 },
	{ H "sshd[1]: pam_faillock(sshd:auth): Consecutive login failures for user bob account temporarily locked", OK, BW_KIND_LOCKOUT, FAIL, "bob", "", 0, NULL, "too_many_failures", NULL, 1 },
	{ H "su(pam_unix)[23164]: authentication failure; logname= uid=1342 euid=0 tty= ruser=dcid rhost=  user=osaudit", OK, PRIV, FAIL, "dcid", "", 0, NULL, "auth_failure", "osaudit", 1 },
	{ H "vsftpd(pam_unix)[25073]: check pass; user unknown", OK, LOGIN, FAIL, NULL, "", 0, NULL, "unknown_user", NULL, 1 },
	/* sshd writes its own "Failed ..." line for the same attempt */
	{ H "sshd[1]: pam_unix(sshd:auth): check pass; user unknown", OK, BW_KIND_OTHER, FAIL, NULL, "", 0, NULL, "unknown_user", NULL, 1 },
	{ H "sshd(pam_unix)[15794]: 2 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=10.0.3.1  user=root", IGN, 0, 0, NULL, "", 0, NULL, NULL, NULL, 1 },
	{ H "login[1]: pam_unix(login:auth): authentication failure; logname=LOGIN uid=0 euid=0 tty=tty1 ruser= rhost=  user=carol", OK, LOGIN, FAIL, "carol", "", 0, NULL, "auth_failure", NULL, 1 },
	{ H "CRON[5]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)", OK, BW_KIND_SESSION_START, SUCC, "root", "", 0, NULL, NULL, NULL, 1 },
	/* sudo */
	{ H "sudo: vagrant : TTY=pts/0 ; PWD=/home/vagrant ; USER=root ; COMMAND=/bin/cat /var/log/secure", OK, PRIV, SUCC, "vagrant", "", 0, NULL, NULL, "root", 1 },
	{ H "sudo:      tsg : user NOT in sudoers ; TTY=pts/1 ; PWD=/home/vagrant ; USER=root ; COMMAND=/bin/ls", OK, PRIV, FAIL, "tsg", "", 0, NULL, "not_in_sudoers", "root", 1 },
	{ H "sudo[9]:     mike : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/root ; USER=root ; COMMAND=/bin/ls", OK, PRIV, FAIL, "mike", "", 0, NULL, "bad_password", "root", 3 },
	{ H "sudo: cplummer : TTY=pts/2 ; PWD=/home/c ; USER=postgres ; TSID=0000UM ; COMMAND=/bin/bash", OK, PRIV, SUCC, "cplummer", "", 0, NULL, NULL, "postgres", 1 },
	/* su */
	{ H "su: FAILED SU (to root) mmoorcro on pts/0", OK, PRIV, FAIL, "mmoorcro", "", 0, NULL, "auth_failure", "root", 1 },
	{ H "su[1]: (to root) alice on pts/1", OK, PRIV, SUCC, "alice", "", 0, NULL, NULL, "root", 1 },
	{ H "su[1]: Successful su for root by alice", OK, PRIV, SUCC, "alice", "", 0, NULL, NULL, "root", 1 },
	{ H "su[1]: FAILED su for root by mallory", OK, PRIV, FAIL, "mallory", "", 0, NULL, "auth_failure", "root", 1 },
	{ H "su[1]: + pts/3 alice:root", OK, PRIV, SUCC, "alice", "", 0, NULL, NULL, "root", 1 },
	{ H "su[1]: - pts/3 bob:root", OK, PRIV, FAIL, "bob", "", 0, NULL, "auth_failure", "root", 1 },
	{ H "su[234]: BAD SU ger to fwmaster on /dev/ttyp0", OK, PRIV, FAIL, "ger", "", 0, NULL, "auth_failure", "fwmaster", 1 },
	{ H "su: dcid to root on /dev/ttyp1", OK, PRIV, SUCC, "dcid", "", 0, NULL, NULL, "root", 1 },
	{ H "su[2921936]: failed: ttyq4 changing from ldap to root", OK, PRIV, FAIL, "ldap", "", 0, NULL, "auth_failure", "root", 1 },
	/* login */
	{ H "login[1]: FAILED LOGIN (1) on '/dev/tty1' FOR 'carol', Authentication failure", OK, LOGIN, FAIL, "carol", "", 0, NULL, "auth_failure", NULL, 1 },
	{ H "login[1]: FAILED LOGIN 2 FROM 10.0.0.4 FOR dave, Authentication failure", OK, LOGIN, FAIL, "dave", "10.0.0.4", 0, NULL, "auth_failure", NULL, 1 },
	{ H "login[1]: ROOT LOGIN  on '/dev/tty1'", OK, LOGIN, SUCC, "root", "", 0, NULL, NULL, NULL, 1 },
	/* dovecot */
	{ H "dovecot: imap-login: Login: user=<alice@corp.example>, method=PLAIN, rip=192.0.2.10, lip=192.0.2.1, mpid=1234, TLS, session=<abc>", OK, LOGIN, SUCC, "alice@corp.example", "192.0.2.10", 0, "PLAIN", NULL, NULL, 1 },
	{ H "dovecot[5]: imap-login: Disconnected (auth failed, 3 attempts in 12 secs): user=<bob>, method=PLAIN, rip=203.0.113.7, lip=192.0.2.1, TLS, session=<x>", OK, LOGIN, FAIL, "bob", "203.0.113.7", 0, "PLAIN", "auth_failed", NULL, 3 },
	{ H "dovecot: pop3-login: Aborted login (auth failed, 1 attempts in 2 secs): user=<carol>, method=LOGIN, rip=2001:db8::5, lip=::1", OK, LOGIN, FAIL, "carol", "2001:db8::5", 0, "LOGIN", "auth_failed", NULL, 1 },
	{ H "dovecot: auth-worker(77): pam(dave,198.51.100.3,<sess>): unknown user", OK, LOGIN, FAIL, "dave", "198.51.100.3", 0, NULL, "unknown_user", NULL, 1 },
	{ H "dovecot: auth: passwd-file(erin,198.51.100.4): Password mismatch", OK, LOGIN, FAIL, "erin", "198.51.100.4", 0, NULL, "bad_password", NULL, 1 },
	{ H "auth: pam_unix(dovecot:auth): authentication failure; logname= uid=0 euid=0 tty=dovecot ruser=x rhost=91.195.103.44", OK, LOGIN, FAIL, NULL, "91.195.103.44", 0, NULL, "auth_failure", NULL, 1 },
	/* postfix */
	{ H "postfix/smtpd[1]: warning: unknown[45.1.2.3]: SASL LOGIN authentication failed: UGFzc3dvcmQ6", OK, LOGIN, FAIL, NULL, "45.1.2.3", 0, "LOGIN", "auth_failed", NULL, 1 },
	{ H "postfix/submission/smtpd[1]: warning: mx.bad.example[45.1.2.4]: SASL PLAIN authentication failed: authentication failure, sasl_username=frank@corp.example", OK, LOGIN, FAIL, "frank@corp.example", "45.1.2.4", 0, "PLAIN", "auth_failed", NULL, 1 },
	{ H "postfix/smtpd[1]: warning: unknown[45.1.2.3]: SASL authentication failedLLLL", OK, LOGIN, FAIL, NULL, "45.1.2.3", 0, NULL, "auth_failed", NULL, 1 },
	{ H "postfix/smtpd[1]: 4F1A2B: client=mail.example[192.0.2.44], sasl_method=PLAIN, sasl_username=gina", OK, LOGIN, SUCC, "gina", "192.0.2.44", 0, "PLAIN", NULL, NULL, 1 },
	/* account changes */
	{ H "useradd[6995]: new user: name=apache, UID=48, GID=48, home=/usr/share/httpd, shell=/sbin/nologin", OK, BW_KIND_OTHER, SUCC, "apache", "", 0, NULL, NULL, NULL, 1 },
	{ H "usermod[7000]: add 'mallory' to group 'sudo'", OK, PRIV, SUCC, "mallory", "", 0, NULL, NULL, "sudo", 1 },
	/* nobody claims it */
	{ H "kernel: [1.2] usb 1-1: new device", IGN, 0, 0, NULL, "", 0, NULL, NULL, NULL, 1 },
	{ NULL, 0, 0, 0, NULL, NULL, 0, NULL, NULL, NULL, 0 },
};

static void check_view(const char *what, const char *line, bw_str v, const char *want)
{
	if (!want) {
		if (bw_str_present(v) && v.n) {
			fprintf(stderr, "  %s: %s = \"%s\", expected absent\n", line, what, auth_s(v));
			bw_test_failed_now = 1;
		}
		return;
	}
	if (!v.p || v.n != strlen(want) || memcmp(v.p, want, v.n) != 0) {
		fprintf(stderr, "  %s: %s = \"%s\", expected \"%s\"\n", line, what, auth_s(v), want);
		bw_test_failed_now = 1;
	}
}

static void test_messages(void)
{
	auth_run_init(&R, "syslog", "UTC", 2026);
	for (const struct msg_case *t = cases; t->line; t++) {
		int rc = auth_run(&R, t->line);
		if (rc != t->rc) {
			fprintf(stderr, "  %s: rc %d (%s), expected %d\n", t->line, rc,
				R.ctx.reason ? R.ctx.reason : "", t->rc);
			bw_test_failed_now = 1;
			continue;
		}
		if (rc != BW_PARSE_OK)
			continue;
		if (R.ev.kind != t->kind || R.ev.outcome != t->outcome ||
		    R.ev.src_port != t->port || (int)R.ev.repeat != t->repeat ||
		    strcmp(auth_ip(&R.ev), t->ip) != 0) {
			fprintf(stderr, "  %s: kind %s outcome %s ip '%s' port %d repeat %u\n",
				t->line, bw_kind_name(R.ev.kind), bw_outcome_name(R.ev.outcome),
				auth_ip(&R.ev), R.ev.src_port, R.ev.repeat);
			bw_test_failed_now = 1;
		}
		check_view("user", t->line, R.ev.user, t->user);
		check_view("method", t->line, R.ev.auth_method, t->method);
		check_view("reason", t->line, R.ev.reason, t->reason);
		check_view("target", t->line, R.ev.target_user, t->target);
	}
	auth_run_fini(&R);
}

/* Every message case, cut at every length and with bytes flipped: the
 * parsers must stay inside the line (ASan builds check that). */
static void test_mutations(void)
{
	static char buf[2048];
	unsigned seed = 7;
	auth_run_init(&R, "syslog", "UTC", 2026);
	for (const struct msg_case *t = cases; t->line; t++) {
		size_t n = strlen(t->line);
		for (size_t cut = 0; cut <= n; cut++) {
			/* run on an exact-size heap copy so overreads are caught */
			char *h = malloc(cut ? cut : 1);
			memcpy(h, t->line, cut);
			bw_event_clear(&R.ev);
			R.ev.line = bw_str_make(h, cut);
			(void)R.parser->parse(&R.ctx, h, cut, &R.ev);
			free(h);
		}
		for (int k = 0; k < 200; k++) {
			memcpy(buf, t->line, n);
			for (int j = 0; j < 3; j++) {
				seed = seed * 1103515245u + 12345u;
				size_t at = 16 + (seed >> 8) % (n - 16);
				static const char pool[] = " :[]()<>=,;'\"0@\\x\0\xff";
				buf[at] = pool[(seed >> 20) % (sizeof(pool) - 1)];
			}
			char *h = malloc(n);
			memcpy(h, buf, n);
			bw_event_clear(&R.ev);
			(void)R.parser->parse(&R.ctx, h, n, &R.ev);
			free(h);
		}
	}
	auth_run_fini(&R);
}

static const struct bw_test tests[] = {
	{ "mutations", test_mutations },
	{ "bsd_frame", test_bsd_frame },
	{ "iso_and_5424", test_iso_and_5424 },
	{ "year_rollover", test_year_rollover },
	{ "dst_amsterdam", test_dst_amsterdam },
	{ "repeated", test_repeated },
	{ "hostile", test_hostile },
	{ "sniff", test_sniff },
	{ "messages", test_messages },
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	int rc = bw_test_main("auth_syslog", tests, argc, argv);
	bw_tz_free_all();
	return rc;
}
