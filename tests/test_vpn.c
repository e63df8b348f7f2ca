/*
 * test_vpn.c - unit tests of the VPN parsers (vpn_*.c): each message
 * shape the issue names, plus lines that must be ignored or rejected,
 * and hostile input.
 */
#include "bw_test.h"
#include "vpn_helpers.h"

extern const struct bw_parser bw_parser_openvpn, bw_parser_openvpn_status,
	bw_parser_cisco_asa, bw_parser_fortigate;
extern const struct bw_msg_parser bw_msg_openvpn, bw_msg_cisco_asa,
	bw_msg_fortigate;

/* ---------------------------------------------------------- OpenVPN */

static void test_openvpn_auth(void)
{
	vt_open();
	CHECK_EQ_INT(vt_msg(&bw_msg_openvpn, "openvpn",
		"203.0.113.5:51234 TLS: Username/Password authentication succeeded for username 'alice' [CN SET]"),
		BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_LOGIN);
	CHECK_EQ_INT(vt_ev.outcome, BW_OUTCOME_SUCCESS);
	CHECK_STR_VIEW(vt_ev.user, "alice");
	CHECK_EQ_STR(vt_ip(&vt_ev.src_ip), "203.0.113.5");
	CHECK_EQ_INT(vt_ev.src_port, 51234);
	CHECK_STR_VIEW(vt_ev.session_id, "203.0.113.5:51234");
	CHECK_EQ_INT(vt_ev.source, BW_SRC_VPN);
	CHECK_EQ_STR(vt_ev.format, "openvpn");

	CHECK_EQ_INT(vt_msg(&bw_msg_openvpn, "openvpn",
		"203.0.113.9:4000 TLS Auth Error: Auth Username/Password verification failed for peer"),
		BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_LOGIN);
	CHECK_EQ_INT(vt_ev.outcome, BW_OUTCOME_FAILURE);
	CHECK_EQ_STR(vt_ip(&vt_ev.src_ip), "203.0.113.9");
	CHECK(!vt_ev.user.p);

	CHECK_EQ_INT(vt_msg(&bw_msg_openvpn, "openvpn",
		"client1/192.168.1.13:54321 AUTH: Received control message: AUTH_FAILED"),
		BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_LOGIN);
	CHECK_EQ_INT(vt_ev.outcome, BW_OUTCOME_FAILURE);
	CHECK_STR_VIEW(vt_ev.user, "client1");
	CHECK_EQ_STR(vt_ip(&vt_ev.src_ip), "192.168.1.13");

	/* the server's notice to the client repeats a failure already logged */
	CHECK_EQ_INT(vt_msg(&bw_msg_openvpn, "openvpn",
		"bob/198.51.100.66:40001 SENT CONTROL [bob]: 'AUTH_FAILED' (status=1)"),
		BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_OTHER);
	CHECK_EQ_INT(vt_ev.outcome, BW_OUTCOME_FAILURE);
	CHECK_STR_VIEW(vt_ev.user, "bob");
}

static void test_openvpn_session(void)
{
	vt_open();
	CHECK_EQ_INT(vt_msg(&bw_msg_openvpn, "ovpn-server",
		"203.0.113.5:51234 [alice] Peer Connection Initiated with [AF_INET]203.0.113.5:51234"),
		BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_SESSION_START);
	CHECK_STR_VIEW(vt_ev.user, "alice");

	CHECK_EQ_INT(vt_msg(&bw_msg_openvpn, "openvpn",
		"192.168.1.30:52234 [UNDEF] Peer Connection Initiated with [AF_INET]192.168.1.30:52234"),
		BW_PARSE_OK);
	CHECK(!vt_ev.user.p);
	CHECK_EQ_STR(vt_ip(&vt_ev.src_ip), "192.168.1.30");

	CHECK_EQ_INT(vt_msg(&bw_msg_openvpn, "openvpn",
		"alice/203.0.113.5:51234 MULTI_sva: pool returned IPv4=10.8.0.6, IPv6=(Not enabled)"),
		BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_ADDRESS_ASSIGN);
	CHECK_EQ_STR(vt_ip(&vt_ev.assigned_ip), "10.8.0.6");
	CHECK_STR_VIEW(vt_ev.user, "alice");
	CHECK_EQ_STR(vt_ip(&vt_ev.src_ip), "203.0.113.5");
	CHECK_STR_VIEW(vt_ev.session_id, "203.0.113.5:51234");

	CHECK_EQ_INT(vt_msg(&bw_msg_openvpn, "openvpn",
		"MULTI: primary virtual IP for bob/198.51.100.7:1194: 10.8.0.10"),
		BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_ADDRESS_ASSIGN);
	CHECK_STR_VIEW(vt_ev.user, "bob");
	CHECK_EQ_STR(vt_ip(&vt_ev.assigned_ip), "10.8.0.10");
	CHECK_EQ_STR(vt_ip(&vt_ev.src_ip), "198.51.100.7");

	CHECK_EQ_INT(vt_msg(&bw_msg_openvpn, "openvpn",
		"alice/203.0.113.5:51234 SIGTERM[soft,remote-exit] received, client-instance exiting"),
		BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_SESSION_END);
	CHECK_STR_VIEW(vt_ev.reason, "SIGTERM[soft,remote-exit]");
	CHECK_STR_VIEW(vt_ev.session_id, "203.0.113.5:51234");
}

static void test_openvpn_probe_and_ignored(void)
{
	vt_open();
	CHECK_EQ_INT(vt_msg(&bw_msg_openvpn, "openvpn",
		"192.168.1.32:61432 TLS Error: TLS handshake failed"), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_PROBE);
	CHECK_EQ_STR(vt_ip(&vt_ev.src_ip), "192.168.1.32");
	CHECK_EQ_INT(vt_msg(&bw_msg_openvpn, "openvpn",
		"TLS Error: cannot locate HMAC in incoming packet from [AF_INET]198.51.100.1:1194"),
		BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_PROBE);
	CHECK_EQ_STR(vt_ip(&vt_ev.src_ip), "198.51.100.1");
	/* dual-stack and IPv6 peers: the port after the last colon */
	CHECK_EQ_INT(vt_msg(&bw_msg_openvpn, "openvpn",
		"::ffff:203.0.113.5:51234 TLS: Username/Password authentication succeeded for username 'alice'"),
		BW_PARSE_OK);
	CHECK_EQ_STR(vt_ip(&vt_ev.src_ip), "203.0.113.5");
	CHECK_EQ_INT(vt_ev.src_port, 51234);
	CHECK_EQ_INT(vt_msg(&bw_msg_openvpn, "openvpn",
		"alice/2001:db8::7:1194 MULTI_sva: pool returned IPv4=10.8.0.6, IPv6=(Not enabled)"),
		BW_PARSE_OK);
	CHECK_EQ_STR(vt_ip(&vt_ev.src_ip), "2001:db8::7");
	CHECK_EQ_INT(vt_ev.src_port, 1194);
	CHECK_STR_VIEW(vt_ev.user, "alice");
	CHECK_EQ_INT(vt_msg(&bw_msg_openvpn, "openvpn",
		"TLS Error: incoming packet authentication failed from [AF_INET6]::ffff:198.51.100.1:1194"),
		BW_PARSE_OK);
	CHECK_EQ_STR(vt_ip(&vt_ev.src_ip), "198.51.100.1");
	CHECK_EQ_INT(vt_msg(&bw_msg_openvpn, "openvpn",
		"Initialization Sequence Completed"), BW_PARSE_IGNORED);
	CHECK(vt_ctx.reason != NULL);
	CHECK_EQ_INT(vt_msg(&bw_msg_openvpn, "openvpn", ""), BW_PARSE_IGNORED);
}

static void test_openvpn_logfile(void)
{
	vt_open();
	const char *l1 = "2024-01-05 10:00:00 us=123456 alice/203.0.113.5:51234 MULTI_sva: pool returned IPv4=10.8.0.6, IPv6=(Not enabled)";
	CHECK(bw_parser_openvpn.sniff(l1, strlen(l1)) > 50);
	CHECK_EQ_INT(vt_line(&bw_parser_openvpn, l1), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.ts_ms, vt_ms(2024, 1, 5, 10, 0, 0) + 123); /* us=123456 */
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_ADDRESS_ASSIGN);
	CHECK_STR_VIEW(vt_ev.program, "openvpn");
	CHECK_EQ_STR(vt_ev.format, "openvpn");

	const char *l2 = "Fri Jan  5 10:00:00 2024 203.0.113.5:51234 TLS: Username/Password authentication succeeded for username 'alice'";
	CHECK(bw_parser_openvpn.sniff(l2, strlen(l2)) > 50);
	CHECK_EQ_INT(vt_line(&bw_parser_openvpn, l2), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.ts_ms, vt_ms(2024, 1, 5, 10, 0, 0));
	CHECK_STR_VIEW(vt_ev.user, "alice");

	/* other formats are not claimed */
	const char *web = "203.0.113.5 - - [05/Jan/2024:10:00:00 +0000] \"GET / HTTP/1.1\" 200 12 \"-\" \"curl\"";
	const char *sys = "Jan  5 10:00:00 host sshd[1]: Accepted password for alice from 203.0.113.5 port 22 ssh2";
	CHECK_EQ_INT(bw_parser_openvpn.sniff(web, strlen(web)), 0);
	CHECK_EQ_INT(bw_parser_openvpn.sniff(sys, strlen(sys)), 0);
	CHECK_EQ_INT(bw_parser_openvpn_status.sniff(web, strlen(web)), 0);
	CHECK_EQ_INT(bw_parser_openvpn_status.sniff(sys, strlen(sys)), 0);
	CHECK_EQ_INT(vt_line(&bw_parser_openvpn, "garbage"), BW_PARSE_MALFORMED);
}

static void test_openvpn_status_v1(void)
{
	vt_open();
	const struct bw_parser *p = &bw_parser_openvpn_status;
	CHECK_EQ_INT(vt_line(p, "OpenVPN CLIENT LIST"), BW_PARSE_IGNORED);
	CHECK_EQ_INT(vt_line(p, "Updated,Fri Jan  5 11:00:00 2024"), BW_PARSE_IGNORED);
	CHECK_EQ_INT(vt_line(p, "Common Name,Real Address,Bytes Received,Bytes Sent,Connected Since"), BW_PARSE_IGNORED);
	CHECK_EQ_INT(vt_line(p, "alice,203.0.113.5:51234,1000,250000,Fri Jan  5 10:00:00 2024"), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_SESSION_END);
	CHECK(vt_ev.flags & BW_EF_SESSION_OPEN);
	CHECK_STR_VIEW(vt_ev.user, "alice");
	CHECK_EQ_INT(vt_ev.bytes_in, 1000);
	CHECK_EQ_INT(vt_ev.bytes_out, 250000);
	CHECK_EQ_INT(vt_ev.ts_ms, vt_ms(2024, 1, 5, 11, 0, 0));
	CHECK_EQ_INT(vt_ev.duration_ms, 3600000);
	CHECK_EQ_INT(vt_line(p, "ROUTING TABLE"), BW_PARSE_IGNORED);
	CHECK_EQ_INT(vt_line(p, "Virtual Address,Common Name,Real Address,Last Ref"), BW_PARSE_IGNORED);
	CHECK_EQ_INT(vt_line(p, "10.8.0.6,alice,203.0.113.5:51234,Fri Jan  5 10:59:00 2024"), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_ADDRESS_ASSIGN);
	CHECK_EQ_STR(vt_ip(&vt_ev.assigned_ip), "10.8.0.6");
	CHECK_STR_VIEW(vt_ev.session_id, "203.0.113.5:51234");
	CHECK_EQ_INT(vt_line(p, "GLOBAL STATS"), BW_PARSE_IGNORED);
	CHECK_EQ_INT(vt_line(p, "Max bcast/mcast queue length,0"), BW_PARSE_IGNORED);
	CHECK_EQ_INT(vt_line(p, "END"), BW_PARSE_IGNORED);
}

static void test_openvpn_status_v2_v3(void)
{
	vt_open();
	const struct bw_parser *p = &bw_parser_openvpn_status;
	CHECK_EQ_INT(vt_line(p, "TITLE,OpenVPN 2.5.9 x86_64-pc-linux-gnu"), BW_PARSE_IGNORED);
	CHECK_EQ_INT(vt_line(p, "TIME,Fri Jan  5 11:00:00 2024,1704452400"), BW_PARSE_IGNORED);
	CHECK_EQ_INT(vt_line(p, "HEADER,CLIENT_LIST,Common Name,Real Address,Virtual Address,Virtual IPv6 Address,Bytes Received,Bytes Sent,Connected Since,Connected Since (time_t),Username,Client ID,Peer ID,Data Channel Cipher"), BW_PARSE_IGNORED);
	CHECK_EQ_INT(vt_line(p, "CLIENT_LIST,alice-laptop,203.0.113.5:51234,10.8.0.6,,1000,250000,Fri Jan  5 10:00:00 2024,1704448800,alice,0,0,AES-256-GCM"), BW_PARSE_OK);
	CHECK_STR_VIEW(vt_ev.user, "alice");
	CHECK_EQ_STR(vt_ip(&vt_ev.assigned_ip), "10.8.0.6");
	CHECK_EQ_INT(vt_ev.bytes_out, 250000);
	CHECK_EQ_INT(vt_ev.duration_ms, 3600000);
	CHECK_EQ_INT(vt_line(p, "ROUTING_TABLE,10.8.0.6,alice-laptop,203.0.113.5:51234,Fri Jan  5 10:59:00 2024,1704452340"), BW_PARSE_IGNORED);

	/* v3: tabs; Username UNDEF falls back to the common name */
	vt_open();
	CHECK_EQ_INT(vt_line(p, "TIME\tFri Jan  5 11:00:00 2024\t1704452400"), BW_PARSE_IGNORED);
	CHECK_EQ_INT(vt_line(p, "HEADER\tCLIENT_LIST\tCommon Name\tReal Address\tVirtual Address\tVirtual IPv6 Address\tBytes Received\tBytes Sent\tConnected Since\tConnected Since (time_t)\tUsername\tClient ID\tPeer ID"), BW_PARSE_IGNORED);
	CHECK_EQ_INT(vt_line(p, "CLIENT_LIST\tbob\t[2001:db8::5]:1194\t10.8.0.7\t\t10\t20\tFri Jan  5 10:30:00 2024\t1704450600\tUNDEF\t1\t1"), BW_PARSE_OK);
	CHECK_STR_VIEW(vt_ev.user, "bob");
	CHECK_EQ_STR(vt_ip(&vt_ev.src_ip), "2001:db8::5");
	CHECK_EQ_INT(vt_ev.src_port, 1194);
	CHECK_EQ_INT(vt_ev.duration_ms, 1800000);
	CHECK_EQ_INT(vt_line(p, "CLIENT_LIST\tbob\tnot-an-address\t\t\t10\t20\tx\t1\tbob\t1\t1"), BW_PARSE_MALFORMED);
}

/* -------------------------------------------------------- Cisco ASA */

static void test_asa_auth(void)
{
	vt_open();
	const struct bw_msg_parser *m = &bw_msg_cisco_asa;
	CHECK_EQ_INT(vt_msg(m, "CiscoASA", "%ASA-6-113004: AAA user authentication Successful : server = 10.1.1.10 : user = alice"), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_LOGIN);
	CHECK_EQ_INT(vt_ev.outcome, BW_OUTCOME_SUCCESS);
	CHECK_STR_VIEW(vt_ev.user, "alice");
	CHECK_STR_VIEW(vt_ev.action, "113004");
	CHECK_EQ_STR(vt_ev.format, "cisco-asa");

	CHECK_EQ_INT(vt_msg(m, "CiscoASA", "%ASA-6-113005: AAA user authentication Rejected : reason = AAA failure : server = 10.1.1.10 : user = mallory : user IP = 203.0.113.66"), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.outcome, BW_OUTCOME_FAILURE);
	CHECK_STR_VIEW(vt_ev.user, "mallory");
	CHECK_STR_VIEW(vt_ev.reason, "AAA failure");
	CHECK_EQ_STR(vt_ip(&vt_ev.src_ip), "203.0.113.66");

	CHECK_EQ_INT(vt_msg(m, "", "%ASA-6-113015: AAA user authentication Rejected : reason = Invalid password : local database : user = *****: user IP = 203.0.113.66"), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.outcome, BW_OUTCOME_FAILURE);
	CHECK(!vt_ev.user.p); /* masked */
	CHECK_STR_VIEW(vt_ev.reason, "Invalid password");
	CHECK_EQ_STR(vt_ip(&vt_ev.src_ip), "203.0.113.66");

	CHECK_EQ_INT(vt_msg(m, "", "%ASA-6-113012: AAA user authentication Successful : local database : user = bob"), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.outcome, BW_OUTCOME_SUCCESS);
	CHECK_STR_VIEW(vt_ev.user, "bob");

	CHECK_EQ_INT(vt_msg(m, "", "%ASA-6-113008: AAA transaction status ACCEPT : user = bob"), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_OTHER);

	CHECK_EQ_INT(vt_msg(m, "", "%ASA-6-605004: Login denied from 198.18.1.100/56332 to outside:198.18.1.254/ssh for user \"root\""), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.outcome, BW_OUTCOME_FAILURE);
	CHECK_EQ_INT(vt_ev.source, BW_SRC_AUTH);
	CHECK_STR_VIEW(vt_ev.user, "root");
	CHECK_EQ_STR(vt_ip(&vt_ev.src_ip), "198.18.1.100");
	CHECK_EQ_INT(vt_ev.src_port, 56332);
	CHECK_EQ_STR(vt_ip(&vt_ev.dst_ip), "198.18.1.254");
	CHECK_STR_VIEW(vt_ev.auth_method, "ssh");

	CHECK_EQ_INT(vt_msg(m, "", "%PIX-6-605005: Login permitted from 192.168.1.2/2953 to inside:192.168.1.1/telnet for user \"\""), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.outcome, BW_OUTCOME_SUCCESS);
	CHECK(!vt_ev.user.p);

	CHECK_EQ_INT(vt_msg(m, "", "%ASA-6-611102: User authentication failed: IP address: 203.0.113.7, Uname: admin"), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.outcome, BW_OUTCOME_FAILURE);
	CHECK_STR_VIEW(vt_ev.user, "admin");
	CHECK_EQ_STR(vt_ip(&vt_ev.src_ip), "203.0.113.7");
	CHECK_EQ_INT(vt_msg(m, "", "%ASA-6-611101: User authentication succeeded: IP address: 203.0.113.7, Uname: admin"), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.outcome, BW_OUTCOME_SUCCESS);
}

static void test_asa_session(void)
{
	vt_open();
	const struct bw_msg_parser *m = &bw_msg_cisco_asa;
	CHECK_EQ_INT(vt_msg(m, "", "%ASA-4-113039: Group <GP-Staff> User <alice> IP <203.0.113.5> AnyConnect parent session started."), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_SESSION_START);
	CHECK_STR_VIEW(vt_ev.user, "alice");
	CHECK_EQ_STR(vt_ip(&vt_ev.src_ip), "203.0.113.5");

	CHECK_EQ_INT(vt_msg(m, "", "%ASA-6-716001: Group <GP-Staff> User <alice> IP <203.0.113.5> WebVPN session started."), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_SESSION_START);

	CHECK_EQ_INT(vt_msg(m, "", "%ASA-5-722051: Group <GP-Staff> User <alice> IP <203.0.113.5> IPv4 Address <10.10.10.5> IPv6 address <::> assigned to session"), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_ADDRESS_ASSIGN);
	CHECK_EQ_STR(vt_ip(&vt_ev.assigned_ip), "10.10.10.5");

	CHECK_EQ_INT(vt_msg(m, "", "%ASA-5-751025: Local:198.51.100.1:4500 Remote:203.0.113.8:61234 Username:carol IKEv2 Group:GP-Staff IPv4 Address=10.10.10.9 IPv6 address=:: assigned to session."), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_ADDRESS_ASSIGN);
	CHECK_STR_VIEW(vt_ev.user, "carol");
	CHECK_EQ_STR(vt_ip(&vt_ev.src_ip), "203.0.113.8");
	CHECK_EQ_INT(vt_ev.src_port, 61234);
	CHECK_EQ_STR(vt_ip(&vt_ev.assigned_ip), "10.10.10.9");

	CHECK_EQ_INT(vt_msg(m, "", "%ASA-6-722022: Group <GP-Staff> User <alice> IP <203.0.113.5> UDP SVC connection established without compression"), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_CONNECTION);
	CHECK_EQ_INT(vt_msg(m, "", "%ASA-6-722023: Group <GP-Staff> User <alice> IP <203.0.113.5> UDP SVC connection terminated without compression"), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_CONNECTION);

	CHECK_EQ_INT(vt_msg(m, "", "%ASA-6-716039: Group <DfltGrpPolicy> User <mallory> IP <198.51.100.66> Authentication: rejected, Session Type: WebVPN."), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_OTHER);
	CHECK_EQ_INT(vt_ev.outcome, BW_OUTCOME_FAILURE);
	CHECK_STR_VIEW(vt_ev.user, "mallory");
	CHECK_EQ_INT(vt_msg(m, "", "%ASA-4-722037: Group <GP-Staff> User <alice> IP <203.0.113.5> SVC closing connection: DPD failure."), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_CONNECTION);
	CHECK_STR_VIEW(vt_ev.reason, "DPD failure");

	CHECK_EQ_INT(vt_msg(m, "", "%ASA-6-716002: Group <GP-Staff> User <alice> IP <203.0.113.5> WebVPN session terminated: User Requested."), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_LOGOUT);
	CHECK_STR_VIEW(vt_ev.reason, "User Requested");

	CHECK_EQ_INT(vt_msg(m, "", "%ASA-4-113019: Group = GP-Staff, Username = alice, IP = 203.0.113.5, Session disconnected. Session Type: SSL, Duration: 1d 2h:03m:04s, Bytes xmt: 3221225472, Bytes rcv: 7890, Reason: User Requested"), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_SESSION_END);
	CHECK_STR_VIEW(vt_ev.user, "alice");
	CHECK_EQ_STR(vt_ip(&vt_ev.src_ip), "203.0.113.5");
	CHECK_EQ_INT(vt_ev.bytes_out, 3221225472LL);
	CHECK_EQ_INT(vt_ev.bytes_in, 7890);
	CHECK_EQ_INT(vt_ev.duration_ms, ((26LL * 60 + 3) * 60 + 4) * 1000);
	CHECK_STR_VIEW(vt_ev.reason, "User Requested");

	CHECK_EQ_INT(vt_msg(m, "", "%ASA-4-113019: Group = GP, Username = bob, IP = 198.51.100.9, Session disconnected. Session Type: IKEv2, Duration: 0h:10m:05s, Bytes xmt: 100, Bytes rcv: 200, Reason: Idle Timeout"), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.duration_ms, 605000);

	/* durations beyond 100 years are hostile: absent, not overflowing
	 * when scaled to ns */
	CHECK_EQ_INT(vt_msg(m, "", "%ASA-4-113019: Group = G, Username = u, IP = 1.2.3.4, Session disconnected. Session Type: SSL, Duration: 99999d 23h:00m:00s, Bytes xmt: 1, Bytes rcv: 1, Reason: x"), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.duration_ms, BW_NUM_ABSENT);
	CHECK_EQ_INT(vt_line(&bw_parser_fortigate, "date=2019-05-10 time=12:37:47 logid=\"1\" type=\"event\" subtype=\"vpn\" action=\"tunnel-down\" tunnelid=7 user=\"u\" duration=9223372036854775"), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.duration_ms, BW_NUM_ABSENT);
	vt_open();
	CHECK_EQ_INT(vt_line(&bw_parser_openvpn_status, "TIME,Fri Dec 31 23:59:59 9999,253402300799"), BW_PARSE_IGNORED);
	CHECK_EQ_INT(vt_line(&bw_parser_openvpn_status, "CLIENT_LIST,a,1.2.3.4:5,,,1,2,x,1,a,0,0"), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.duration_ms, BW_NUM_ABSENT);
}

/* How a syslog framer hands ASA lines over. */
static void test_asa_framed(void)
{
	vt_open();
	const struct bw_msg_parser *m = &bw_msg_cisco_asa;
	/* "host %ASA-6-113004: text": the tag read as the programme */
	size_t n = strlen("AAA user authentication Successful : server = 10.1.1.10 : user = alice");
	memcpy(vt_buf, "AAA user authentication Successful : server = 10.1.1.10 : user = alice", n);
	bw_event_clear(&vt_ev);
	vt_ev.program = BW_STR_LIT("%ASA-6-113004");
	CHECK_EQ_INT(m->parse(&vt_ctx, vt_ev.program, vt_buf, n, &vt_ev), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_LOGIN);
	CHECK_STR_VIEW(vt_ev.user, "alice");
	CHECK_STR_VIEW(vt_ev.action, "113004");
	CHECK(!vt_ev.program.p);
	bw_event_clear(&vt_ev);
	CHECK_EQ_INT(m->parse(&vt_ctx, BW_STR_LIT("%ASA-6-1130"), vt_buf, n, &vt_ev), BW_PARSE_NOT_MINE);
	/* "host : %ASA-...": empty tag, the colon left in the message */
	CHECK_EQ_INT(vt_msg(m, "", ": %ASA-4-113039: Group <G> User <bob> IP <198.51.100.9> AnyConnect parent session started."), BW_PARSE_OK);
	CHECK_STR_VIEW(vt_ev.user, "bob");
	/* the shortest header */
	CHECK_EQ_INT(vt_msg(m, "", "%ASA-6-113008:"), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_OTHER);
}

static void test_asa_reject(void)
{
	vt_open();
	const struct bw_msg_parser *m = &bw_msg_cisco_asa;
	CHECK_EQ_INT(vt_msg(m, "sshd", "Accepted password for alice from 1.2.3.4 port 22 ssh2"), BW_PARSE_NOT_MINE);
	CHECK_EQ_INT(vt_msg(m, "", "%ASA-6-302013: Built outbound TCP connection 1 for outside:1.2.3.4/80 (1.2.3.4/80) to inside:10.0.0.1/1 (10.0.0.1/1)"), BW_PARSE_IGNORED);
	CHECK_EQ_INT(vt_msg(m, "", "%ASA-6-1130"), BW_PARSE_NOT_MINE);
	CHECK_EQ_INT(vt_msg(m, "", "%ASA-4-722051: Group <G> User <u> IP <nope> IPv4 Address <10.0.0.1>"), BW_PARSE_MALFORMED);
	CHECK_EQ_INT(vt_msg(m, "", "%ASA-4-113019: Group = G, Username = u, IP = 1.2.3.4, Duration: 1h:xxm, Bytes xmt: -5, Bytes rcv: 99999999999999999999999"), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.bytes_out, BW_NUM_ABSENT);
	CHECK_EQ_INT(vt_ev.bytes_in, BW_NUM_ABSENT);
	CHECK_EQ_INT(vt_ev.duration_ms, BW_NUM_ABSENT);
}

static void test_asa_line(void)
{
	vt_open();
	const struct bw_parser *p = &bw_parser_cisco_asa;
	const char *a = "Apr 30 2013 09:23:40: %ASA-4-113019: Group = G, Username = alice, IP = 203.0.113.5, Session disconnected. Session Type: SSL, Duration: 0h:01m:00s, Bytes xmt: 10, Bytes rcv: 20, Reason: User Requested";
	const char *b = "Oct 10 2018 12:34:56 fw01 CiscoASA[999]: %ASA-6-113004: AAA user authentication Successful : server = 10.1.1.10 : user = alice";
	const char *c = "Apr 15 2014 09:34:34 EDT: %ASA-session-5-106100: access-list acl_in permitted tcp inside/10.1.2.16(2241) -> outside/192.0.0.89(2000) hit-cnt 1 first hit [0x71a87d94, 0x0]";
	CHECK(p->sniff(a, strlen(a)) > 50);
	CHECK(p->sniff(b, strlen(b)) > 50);
	CHECK(p->sniff(c, strlen(c)) > 50);
	CHECK_EQ_INT(vt_line(p, a), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.ts_ms, vt_ms(2013, 4, 30, 9, 23, 40));
	CHECK(!vt_ev.host.p);
	CHECK_EQ_INT(vt_line(p, b), BW_PARSE_OK);
	CHECK_STR_VIEW(vt_ev.host, "fw01");
	CHECK_STR_VIEW(vt_ev.user, "alice");
	CHECK_EQ_INT(vt_line(p, c), BW_PARSE_IGNORED);
	CHECK_EQ_INT(vt_ev.ts_ms, vt_ms(2014, 4, 15, 13, 34, 34)); /* EDT = -4h */
	const char *web = "203.0.113.5 - - [05/Jan/2024:10:00:00 +0000] \"GET / HTTP/1.1\" 200 12";
	const char *sys = "Jan  5 10:00:00 host sshd[1]: Accepted password for alice from 203.0.113.5 port 22 ssh2";
	CHECK_EQ_INT(p->sniff(web, strlen(web)), 0);
	CHECK_EQ_INT(p->sniff(sys, strlen(sys)), 0);
	CHECK_EQ_INT(vt_line(p, sys), BW_PARSE_MALFORMED);
}

/* -------------------------------------------------------- FortiGate */

static void test_fortigate_vpn(void)
{
	vt_open();
	const struct bw_parser *p = &bw_parser_fortigate;
	const char *fail = "date=2024-10-14 time=13:46:41 eventtime=1728938802127358411 tz=\"-0700\" logid=\"0101039426\" type=\"event\" subtype=\"vpn\" level=\"alert\" vd=\"root\" logdesc=\"SSL VPN login fail\" action=\"ssl-login-fail\" tunneltype=\"ssl-web\" tunnelid=0 remip=192.168.0.1 user=\"sapservicecq1\" group=\"N/A\" dst_host=\"N/A\" reason=\"sslvpn_login_no_matching_policy\" msg=\"SSL user failed to logged in\"";
	CHECK(p->sniff(fail, strlen(fail)) > 50);
	CHECK_EQ_INT(vt_line(p, fail), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_LOGIN);
	CHECK_EQ_INT(vt_ev.outcome, BW_OUTCOME_FAILURE);
	CHECK_STR_VIEW(vt_ev.user, "sapservicecq1");
	CHECK_EQ_STR(vt_ip(&vt_ev.src_ip), "192.168.0.1");
	CHECK_STR_VIEW(vt_ev.reason, "sslvpn_login_no_matching_policy");
	CHECK_STR_VIEW(vt_ev.action, "ssl-login-fail");
	CHECK_EQ_INT(vt_ev.ts_ms, vt_ms(2024, 10, 14, 20, 46, 41)); /* -0700 */
	CHECK(!vt_ev.session_id.p); /* tunnelid=0 */

	const char *up = "<189>date=2019-05-10 time=11:37:47 devname=\"FG100E\" devid=\"FG100E0000000001\" logid=\"0101039947\" type=\"event\" subtype=\"vpn\" level=\"information\" vd=\"root\" eventtime=1557513467 logdesc=\"SSL VPN tunnel up\" action=\"tunnel-up\" tunneltype=\"ssl-tunnel\" tunnelid=1234 remip=203.0.113.5 tunnelip=10.212.134.200 user=\"alice\" group=\"vpn-users\" dst_host=\"N/A\" reason=\"tunnel established\" msg=\"SSL tunnel established\"";
	CHECK(p->sniff(up, strlen(up)) > 50);
	CHECK_EQ_INT(vt_line(p, up), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_SESSION_START);
	CHECK_EQ_INT(vt_ev.outcome, BW_OUTCOME_SUCCESS);
	CHECK_STR_VIEW(vt_ev.host, "FG100E");
	CHECK_STR_VIEW(vt_ev.session_id, "1234");
	CHECK_EQ_STR(vt_ip(&vt_ev.assigned_ip), "10.212.134.200");
	CHECK_EQ_INT(vt_ev.ts_ms, 1557513467000LL); /* eventtime, no tz */

	const char *down = "date=2019-05-10 time=12:37:47 devname=\"FG100E\" logid=\"0101039948\" type=\"event\" subtype=\"vpn\" level=\"information\" vd=\"root\" logdesc=\"SSL VPN tunnel down\" action=\"tunnel-down\" tunneltype=\"ssl-tunnel\" tunnelid=1234 remip=203.0.113.5 tunnelip=10.212.134.200 user=\"alice\" group=\"vpn-users\" dst_host=\"N/A\" reason=\"N/A\" duration=3600 sentbyte=5000000 rcvdbyte=40000 msg=\"SSL tunnel shutdown\"";
	CHECK_EQ_INT(vt_line(p, down), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_SESSION_END);
	CHECK_EQ_INT(vt_ev.bytes_out, 5000000);
	CHECK_EQ_INT(vt_ev.bytes_in, 40000);
	CHECK_EQ_INT(vt_ev.duration_ms, 3600000);
	CHECK(!vt_ev.reason.p);
	CHECK_EQ_INT(vt_ev.ts_ms, vt_ms(2019, 5, 10, 12, 37, 47)); /* input zone UTC */

	const char *unk = "date=2024-10-14 time=13:46:40 tz=\"-0700\" logid=\"1\" type=\"event\" subtype=\"vpn\" action=\"ssl-login-fail\" remip=192.168.0.1 user=\"N/A\" reason=\"sslvpn_login_unknown_user\"";
	CHECK_EQ_INT(vt_line(p, unk), BW_PARSE_OK);
	CHECK(!vt_ev.user.p);
}

static void test_fortigate_admin_and_ignored(void)
{
	vt_open();
	const struct bw_parser *p = &bw_parser_fortigate;
	const char *adm = "date=2024-03-01 time=08:00:00 devname=\"fw\" logid=\"0100032002\" type=\"event\" subtype=\"system\" level=\"alert\" vd=\"root\" logdesc=\"Admin login failed\" sn=\"0\" user=\"admin\" ui=\"https(198.51.100.20)\" method=\"https\" srcip=198.51.100.20 dstip=192.0.2.1 action=\"login\" status=\"failed\" reason=\"passwd_invalid\" msg=\"Administrator admin login failed from https(198.51.100.20) because of invalid password\"";
	CHECK_EQ_INT(vt_line(p, adm), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_LOGIN);
	CHECK_EQ_INT(vt_ev.outcome, BW_OUTCOME_FAILURE);
	CHECK_EQ_INT(vt_ev.source, BW_SRC_AUTH);
	CHECK_STR_VIEW(vt_ev.user, "admin");
	CHECK_EQ_STR(vt_ip(&vt_ev.src_ip), "198.51.100.20");
	CHECK_STR_VIEW(vt_ev.reason, "passwd_invalid");

	const char *ipsec = "date=2024-03-01 time=08:00:00 logid=\"0101037138\" type=\"event\" subtype=\"vpn\" action=\"tunnel-up\" remip=203.0.113.9 tunnelid=77 tunneltype=\"ipsec\" user=\"N/A\" xauthuser=\"carol\" assignip=10.10.50.3 vpntunnel=\"dialup\"";
	CHECK_EQ_INT(vt_line(p, ipsec), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_SESSION_START);
	CHECK_STR_VIEW(vt_ev.user, "carol");
	CHECK_EQ_STR(vt_ip(&vt_ev.assigned_ip), "10.10.50.3");
	const char *neg = "date=2024-03-01 time=08:00:00 logid=\"0101037124\" type=\"event\" subtype=\"vpn\" action=\"negotiate\" remip=198.51.100.99 status=\"negotiate_error\" msg=\"IPsec phase 1 error\"";
	CHECK_EQ_INT(vt_line(p, neg), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_PROBE);
	CHECK_STR_VIEW(vt_ev.reason, "IPsec phase 1 error");
	CHECK_EQ_STR(vt_ip(&vt_ev.src_ip), "198.51.100.99");
	const char *fwauth = "date=2024-03-01 time=08:00:00 logid=\"0102043009\" type=\"event\" subtype=\"user\" action=\"authentication\" srcip=10.0.0.44 user=\"dave\" status=\"failure\" method=\"ldap\"";
	CHECK_EQ_INT(vt_line(p, fwauth), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_LOGIN);
	CHECK_EQ_INT(vt_ev.outcome, BW_OUTCOME_FAILURE);
	CHECK_EQ_INT(vt_ev.source, BW_SRC_AUTH);
	CHECK_STR_VIEW(vt_ev.user, "dave");

	const char *traffic = "date=2024-03-01 time=08:00:00 logid=\"0000000013\" type=\"traffic\" subtype=\"forward\" srcip=10.0.0.1 dstip=1.1.1.1 sentbyte=100 rcvdbyte=200";
	CHECK_EQ_INT(vt_line(p, traffic), BW_PARSE_IGNORED);
	/* the statistics of a tunnel still up: a snapshot of its counters */
	const char *stats = "date=2024-03-01 time=08:00:00 logid=\"0101037141\" type=\"event\" subtype=\"vpn\" action=\"tunnel-stats\" remip=203.0.113.5 sentbyte=9000 rcvdbyte=10 duration=60";
	CHECK_EQ_INT(vt_line(p, stats), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_SESSION_END);
	CHECK(vt_ev.flags & BW_EF_SESSION_OPEN);
	CHECK_EQ_INT(vt_ev.bytes_out, 9000);
	CHECK_EQ_INT(vt_ev.duration_ms, 60000);
	CHECK_EQ_INT(vt_line(p, "date=2024-03-01 time=08:00:00 nothing"), BW_PARSE_MALFORMED);

	/* as a syslog message (relay added a header) */
	CHECK_EQ_INT(vt_msg(&bw_msg_fortigate, "", "date=2019-05-10 time=12:37:47 logid=\"0101039948\" type=\"event\" subtype=\"vpn\" action=\"tunnel-down\" tunnelid=7 remip=203.0.113.5 user=\"bob\" sentbyte=1 rcvdbyte=2 duration=3"), BW_PARSE_OK);
	CHECK_STR_VIEW(vt_ev.host, "gw1");
	CHECK_EQ_INT(vt_ev.bytes_out, 1);
	CHECK_EQ_INT(vt_msg(&bw_msg_fortigate, "sshd", "Accepted password for alice from 1.2.3.4 port 22 ssh2"), BW_PARSE_NOT_MINE);

	const char *web = "203.0.113.5 - - [05/Jan/2024:10:00:00 +0000] \"GET /?date=1&logid=2 HTTP/1.1\" 200 12";
	const char *sys = "Jan  5 10:00:00 host sshd[1]: Accepted password for alice from 203.0.113.5 port 22 ssh2";
	CHECK_EQ_INT(p->sniff(web, strlen(web)), 0);
	CHECK_EQ_INT(p->sniff(sys, strlen(sys)), 0);
}

/* ------------------------------------------------------- robustness */

static const struct bw_parser *const all_line[] = {
	&bw_parser_openvpn, &bw_parser_openvpn_status, &bw_parser_cisco_asa,
	&bw_parser_fortigate, NULL,
};
static const struct bw_msg_parser *const all_msg[] = {
	&bw_msg_openvpn, &bw_msg_cisco_asa, &bw_msg_fortigate, NULL,
};

/* Every parser on truncations of real lines and on random bytes: must
 * not crash (ASan/UBSan builds check the reads) and must set a reason
 * whenever it rejects. */
static void test_hostile(void)
{
	static const char *seeds[] = {
		"2024-01-05 10:00:00 us=1 alice/203.0.113.5:51234 MULTI_sva: pool returned IPv4=10.8.0.6",
		"CLIENT_LIST,alice,203.0.113.5:51234,10.8.0.6,,1,2,Fri Jan  5 10:00:00 2024,1704448800,alice,0,0",
		"Apr 30 2013 09:23:40: %ASA-4-113019: Group = G, Username = alice, IP = 203.0.113.5, Session disconnected. Session Type: SSL, Duration: 0h:01m:00s, Bytes xmt: 10, Bytes rcv: 20, Reason: x",
		"Apr 30 2013 09:23:40 h %ASA-5-751025: Local:1.1.1.1:4500 Remote:[2001:db8::1]:4500 Username:a IKEv2 Group:G IPv4 Address=10.0.0.1 IPv6 address=:: assigned",
		"<1>date=2019-05-10 time=12:37:47 logid=\"1\" type=\"event\" subtype=\"vpn\" action=\"tunnel-down\" user=\"a\\\"b\" sentbyte=1",
		"%ASA-6-605004: Login denied from 1.2.3.4/5 to o:1.2.3.5/ssh for user \"x",
		"Fri Jan  5 10:00:00 2024 203.0.113.5:51234 [alice] Peer Connection Initiated with [AF_INET]203.0.113.5:51234",
		"2024-01-05 10:00:00 MULTI: primary virtual IP for bob/[2001:db8::7]:1194: 10.8.0.10",
		"2024-01-05 10:00:00 alice/203.0.113.5:51234 SIGTERM[soft,remote-exit] received, client-instance exiting",
		"2024-01-05 10:00:00 TLS Error: cannot locate HMAC in incoming packet from [AF_INET6]2001:db8::1:1194",
		"2024-01-05 10:00:00 bob/198.51.100.66:40001 SENT CONTROL [bob]: 'AUTH_FAILED' (status=1)",
		"2024-01-05 10:00:00 1.2.3.4:5 TLS: Username/Password authentication succeeded for username 'alice' [CN SET]",
		"HEADER,CLIENT_LIST,Common Name,Real Address,Virtual Address,Virtual IPv6 Address,Bytes Received,Bytes Sent,Connected Since,Connected Since (time_t),Username",
		"10.8.0.6,alice,203.0.113.5:51234,Fri Jan  5 10:59:58 2024",
		"alice,203.0.113.5:51234,48211,3221225472,Fri Jan  5 10:00:01 2024",
		"%ASA-6-113005: AAA user authentication Rejected : reason = AAA failure : server = 10.1.1.10 : user = admin : user IP = 198.51.100.66",
		"%ASA-5-722051: Group <GP> User <alice> IP <203.0.113.5> IPv4 Address <10.10.10.5> IPv6 address <::> assigned to session",
		"%ASA-6-716002: Group <GP> User <alice> IP <203.0.113.5> WebVPN session terminated: User Requested.",
		"%ASA-6-611101: User authentication succeeded: IP address: 203.0.113.7, Uname: admin",
		"%ASA-4-113019: Group = G, Username = u, IP = 1.2.3.4, Session disconnected. Session Type: SSL, Duration: 1d 2h:03m:04s, Bytes xmt: 1, Bytes rcv: 2, Reason: x",
		"date=2024-03-01 time=08:00:00 devname=\"fw\" logid=\"0100032002\" type=\"event\" subtype=\"system\" user=\"admin\" ui=\"https(198.51.100.20)\" action=\"login\" status=\"failed\"",
		"date=2019-05-10 time=11:37:47 tz=\"+05:30\" logid=\"0101039947\" type=\"event\" subtype=\"vpn\" eventtime=1557513467123 action=\"tunnel-up\" tunnelid=1234 remip=2001:db8::5 tunnelip=10.212.134.200 user=\"alice\"",
	};
	int missing = 0;
	vt_hostile(seeds, sizeof(seeds) / sizeof(seeds[0]), all_line, all_msg, &missing);
	CHECK_EQ_INT(missing, 0);
	/* NUL bytes and high bytes */
	char buf[512];
	memset(buf, 0, sizeof(buf));
	memcpy(buf, "%ASA-4-113019: Group = \0\xff, Username = \0", 40);
	vt_open();
	bw_event_clear(&vt_ev);
	bw_msg_cisco_asa.parse(&vt_ctx, BW_STR_LIT("x"), buf, 200, &vt_ev);
	bw_msg_openvpn.parse(&vt_ctx, BW_STR_LIT("x"), buf, 200, &vt_ev);
}

static const struct bw_test tests[] = {
	{ "openvpn_auth", test_openvpn_auth },
	{ "openvpn_session", test_openvpn_session },
	{ "openvpn_probe_and_ignored", test_openvpn_probe_and_ignored },
	{ "openvpn_logfile", test_openvpn_logfile },
	{ "openvpn_status_v1", test_openvpn_status_v1 },
	{ "openvpn_status_v2_v3", test_openvpn_status_v2_v3 },
	{ "asa_auth", test_asa_auth },
	{ "asa_session", test_asa_session },
	{ "asa_framed", test_asa_framed },
	{ "asa_reject", test_asa_reject },
	{ "asa_line", test_asa_line },
	{ "fortigate_vpn", test_fortigate_vpn },
	{ "fortigate_admin_and_ignored", test_fortigate_admin_and_ignored },
	{ "hostile", test_hostile },
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	return bw_test_main("vpn", tests, argc, argv);
}
