/*
 * test_vpn2.c - unit tests of the GlobalProtect (PAN-OS), Ivanti Connect
 * Secure and strongSwan parsers.
 */
#include "bw_test.h"
#include "vpn_helpers.h"

extern const struct bw_parser bw_parser_panos, bw_parser_ivanti, bw_parser_charon;
extern const struct bw_msg_parser bw_msg_panos, bw_msg_ivanti, bw_msg_charon;

/* ---------------------------------------------------- GlobalProtect */

/* GLOBALPROTECT records built from the documented field order. */
#define GP_HEAD "1,2024/03/01 10:00:05,013201001234,GLOBALPROTECT,0,2561,2024/03/01 10:00:04,vsys1,"

static void test_gp_logtype(void)
{
	vt_open();
	const struct bw_parser *p = &bw_parser_panos;
	const char *ok = "<14>Mar  1 10:00:05 PA-3220 " GP_HEAD
		"gateway-auth,login,LDAP,SSL-VPN,corp\\alice,GB,ALICE-PC,203.0.113.5,,,,,,5.2.8,Windows,\"Microsoft Windows 10 Pro , 64-bit\",1,,,\"\",success,,0,user-logon,0,GP-Portal,7201,0x8000000000000000,2024-03-01T10:00:04.123+01:00,,,,,,,0,0,0,0,,PA-3220,1";
	CHECK(p->sniff(ok, strlen(ok)) > 50);
	CHECK_EQ_INT(vt_line(p, ok), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_LOGIN);
	CHECK_EQ_INT(vt_ev.outcome, BW_OUTCOME_SUCCESS);
	CHECK_STR_VIEW(vt_ev.user, "corp\\alice");
	CHECK_EQ_STR(vt_ip(&vt_ev.src_ip), "203.0.113.5");
	CHECK_STR_VIEW(vt_ev.host, "PA-3220");
	CHECK_STR_VIEW(vt_ev.auth_method, "LDAP");
	CHECK_STR_VIEW(vt_ev.action, "gateway-auth");
	CHECK_EQ_INT(vt_ev.ts_ms, vt_ms(2024, 3, 1, 9, 0, 4) + 123); /* hi-res, +01:00 */

	const char *bad = GP_HEAD "portal-auth,login,LDAP,SSL-VPN,mallory,RU,,198.51.100.66,,,,,,5.2.8,Windows,,1,,Authentication failed: Invalid username or password,\"\",failure,,0,,0,GP-Portal,7202,0x0";
	CHECK_EQ_INT(vt_line(p, bad), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_LOGIN);
	CHECK_EQ_INT(vt_ev.outcome, BW_OUTCOME_FAILURE);
	CHECK_STR_VIEW(vt_ev.user, "mallory");
	CHECK_STR_VIEW(vt_ev.reason, "Authentication failed: Invalid username or password");
	CHECK_EQ_INT(vt_ev.ts_ms, vt_ms(2024, 3, 1, 10, 0, 4)); /* generated time, UTC input */
	CHECK(!vt_ev.host.p);

	const char *conn = GP_HEAD "gateway-connected,connected,,SSL-VPN,alice,GB,ALICE-PC,203.0.113.5,,10.20.0.15,,host-1,,5.2.8,Windows,,1,,,\"\",success,,0,,0,GP-GW,7203,0x0";
	CHECK_EQ_INT(vt_line(p, conn), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_SESSION_START);
	CHECK_EQ_STR(vt_ip(&vt_ev.assigned_ip), "10.20.0.15");
	CHECK_EQ_STR(vt_ip(&vt_ev.src_ip), "203.0.113.5");

	const char *out = GP_HEAD "gateway-logout,logout,,SSL-VPN,alice,GB,ALICE-PC,203.0.113.5,,10.20.0.15,,host-1,,5.2.8,Windows,,1,client logout,,\"\",success,,5400,,0,GP-GW,7204,0x0";
	CHECK_EQ_INT(vt_line(p, out), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_SESSION_END);
	CHECK_EQ_INT(vt_ev.duration_ms, 5400000);
	CHECK_STR_VIEW(vt_ev.reason, "client logout");

	const char *hip = GP_HEAD "gateway-hip-report,hip-report,,,alice,,,203.0.113.5,,,,,,,,,1,,,\"\",success,,0,,0,,7205,0x0";
	CHECK_EQ_INT(vt_line(p, hip), BW_PARSE_IGNORED);
	CHECK_EQ_INT(vt_line(p, GP_HEAD "gateway-auth,login"), BW_PARSE_MALFORMED);
}

static void test_gp_system(void)
{
	vt_open();
	const struct bw_parser *p = &bw_parser_panos;
	const char *succ = "Mar  1 10:00:05 fw1 1,2024/03/01 10:00:05,013201001234,SYSTEM,globalprotect,0,2024/03/01 10:00:05,,globalprotectgateway-auth-succ,GP-GW,0,0,general,informational,\"GlobalProtect gateway user authentication succeeded. Login from: 203.0.113.5, Source region: GB, User name: alice, Auth type: profile, Client OS version: Microsoft Windows 10.\",7301,0x0";
	CHECK_EQ_INT(vt_line(p, succ), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_LOGIN);
	CHECK_EQ_INT(vt_ev.outcome, BW_OUTCOME_SUCCESS);
	CHECK_STR_VIEW(vt_ev.user, "alice");
	CHECK_EQ_STR(vt_ip(&vt_ev.src_ip), "203.0.113.5");
	CHECK_STR_VIEW(vt_ev.host, "fw1");

	const char *fail = "1,2024/03/01 10:01:00,013201001234,SYSTEM,globalprotect,0,2024/03/01 10:01:00,,globalprotectportal-auth-fail,GP-Portal,0,0,general,informational,\"GlobalProtect portal user authentication failed. Login from: 198.51.100.66, Source region: RU, User name: admin, Client OS version: Linux, Reason: Authentication failed: Invalid username or password, Auth type: profile.\",7302,0x0";
	CHECK_EQ_INT(vt_msg(&bw_msg_panos, "", fail), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.outcome, BW_OUTCOME_FAILURE);
	CHECK_STR_VIEW(vt_ev.user, "admin");
	CHECK_STR_VIEW(vt_ev.reason, "Authentication failed: Invalid username or password");
	CHECK_EQ_STR(vt_ip(&vt_ev.src_ip), "198.51.100.66");

	const char *cfg = "1,2024/03/01 10:00:06,013201001234,SYSTEM,globalprotect,0,2024/03/01 10:00:06,,globalprotectgateway-config-succ,GP-GW,0,0,general,informational,\"GlobalProtect gateway client configuration generated. User name: alice, Private IP: 10.20.0.15, Client version: 5.2.8, Device name: ALICE-PC, Client OS version: Microsoft Windows 10, VPN type: Device Level VPN.\",7303,0x0";
	CHECK_EQ_INT(vt_msg(&bw_msg_panos, "", cfg), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_ADDRESS_ASSIGN);
	CHECK_EQ_STR(vt_ip(&vt_ev.assigned_ip), "10.20.0.15");

	/* a framer that took "1,2024/03/01" for the programme: dropped */
	size_t n = strlen(cfg);
	memcpy(vt_buf, cfg, n);
	bw_event_clear(&vt_ev);
	vt_ev.program = bw_str_make(vt_buf, 12);
	CHECK_EQ_INT(bw_msg_panos.parse(&vt_ctx, vt_ev.program, vt_buf, n, &vt_ev), BW_PARSE_OK);
	CHECK(!vt_ev.program.p);

	/* other PAN-OS records are recognised but not modelled */
	const char *cfglog = "Mar 25 23:59:02 1,2013/03/25 23:59:02,1606001116,SYSTEM,vpn,0,2012/02/25 00:53:56,,ike-config-p1-success,,0,0,general,informational,IKE daemon configuration load phase-1 succeeded.,0,0x0";
	CHECK(p->sniff(cfglog, strlen(cfglog)) > 0);
	CHECK_EQ_INT(vt_line(p, cfglog), BW_PARSE_IGNORED);
	CHECK_EQ_INT(vt_msg(&bw_msg_panos, "sshd", "Accepted password for alice from 1.2.3.4 port 22 ssh2"), BW_PARSE_NOT_MINE);
	const char *web = "203.0.113.5 - - [05/Jan/2024:10:00:00 +0000] \"GET / HTTP/1.1\" 200 12";
	const char *sys = "Jan  5 10:00:00 host sshd[1]: Accepted password for alice from 203.0.113.5 port 22 ssh2";
	CHECK_EQ_INT(p->sniff(web, strlen(web)), 0);
	CHECK_EQ_INT(p->sniff(sys, strlen(sys)), 0);
}

/* ------------------------------------------------------------ Ivanti */

static void test_ivanti_welf(void)
{
	vt_open();
	const struct bw_parser *p = &bw_parser_ivanti;
	const char *ok = "id=firewall time=\"2024-03-01 10:00:00\" pri=6 fw=192.0.2.1 vpn=ive user=alice realm=\"Users\" roles=\"Staff\" proto= src=203.0.113.5 dst= dstname= type=vpn op= arg=\"\" result= sent= rcvd= agent=\"\" duration= msg=\"AUT23457: Login succeeded for alice/Users (session:5f2a9c01) from 203.0.113.5 with Pulse-Secure/9.1.3 (Windows 10).\"";
	CHECK(p->sniff(ok, strlen(ok)) > 50);
	CHECK_EQ_INT(vt_line(p, ok), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_LOGIN);
	CHECK_EQ_INT(vt_ev.outcome, BW_OUTCOME_SUCCESS);
	CHECK_STR_VIEW(vt_ev.user, "alice");
	/* the realm is a sign-in policy, not a domain */
	CHECK(!vt_ev.user_domain.p);
	CHECK_STR_VIEW(vt_ev.session_id, "5f2a9c01");
	CHECK_STR_VIEW(vt_ev.action, "AUT23457");
	CHECK_EQ_STR(vt_ip(&vt_ev.src_ip), "203.0.113.5");
	CHECK_EQ_INT(vt_ev.ts_ms, vt_ms(2024, 3, 1, 10, 0, 0));

	const char *fail = "id=firewall time=\"2024-03-01 10:05:00\" pri=6 fw=192.0.2.1 vpn=ive user=System realm=\"\" roles=\"\" proto= src=198.51.100.66 dst= dstname= type=vpn op= arg=\"\" result= sent= rcvd= agent=\"\" duration= msg=\"AUT24327: Primary authentication failed for mallory/LDAP-Server from 198.51.100.66\"";
	CHECK_EQ_INT(vt_line(p, fail), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.outcome, BW_OUTCOME_FAILURE);
	CHECK_STR_VIEW(vt_ev.user, "mallory");
	CHECK(!vt_ev.user_domain.p);
	CHECK_STR_VIEW(vt_ev.reason, "Primary authentication failed");
	CHECK_EQ_STR(vt_ip(&vt_ev.src_ip), "198.51.100.66");

	const char *tun = "id=firewall time=\"2024-03-01 10:00:02\" pri=6 fw=192.0.2.1 vpn=ive user=alice realm=\"Users\" roles=\"Staff\" proto= src=203.0.113.5 dst= dstname= type=vpn op= arg=\"\" result= sent= rcvd= agent=\"\" duration= msg=\"NWC23464: VPN Tunneling: Session started for user with IPv4 address 10.30.0.9, hostname ALICE-PC\"";
	CHECK_EQ_INT(vt_msg(&bw_msg_ivanti, "PulseSecure", tun), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_SESSION_START);
	CHECK_EQ_STR(vt_ip(&vt_ev.assigned_ip), "10.30.0.9");
	CHECK_STR_VIEW(vt_ev.user, "alice");

	const char *closed = "id=firewall time=\"2024-03-01 11:00:02\" pri=6 fw=192.0.2.1 vpn=ive user=alice realm=\"Users\" roles=\"Staff\" proto= src=203.0.113.5 dst= dstname= type=vpn op= arg=\"\" result= sent= rcvd= agent=\"\" duration= msg=\"NWC30477: Closed connection to TUN-VPN port 443 after 3600 seconds, with 52000 bytes read (in 300 chunks) and 7340032 bytes written (in 900 chunks)\"";
	CHECK_EQ_INT(vt_msg(&bw_msg_ivanti, "PulseSecure", closed), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_SESSION_END);
	CHECK_EQ_INT(vt_ev.duration_ms, 3600000);
	CHECK_EQ_INT(vt_ev.bytes_in, 52000);
	CHECK_EQ_INT(vt_ev.bytes_out, 7340032);

	const char *to = "id=firewall time=\"2024-03-01 12:00:00\" pri=6 fw=192.0.2.1 vpn=ive user=bob realm=\"Users\" roles=\"Staff\" proto= src=198.51.100.7 dst= dstname= type=vpn op= arg=\"\" result= sent= rcvd= agent=\"\" duration= msg=\"AUT24803: Session timed out for bob/Users (session:0000abcd) due to inactivity (last access at 11:30:00 2024/03/01). Idle session identified during routine system scan.\"";
	CHECK_EQ_INT(vt_line(p, to), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_SESSION_END);
	CHECK_STR_VIEW(vt_ev.reason, "idle timeout");
	CHECK(!vt_ev.session_id.p); /* keyed by user + IP */

	const char *other = "id=firewall time=\"2024-03-01 12:00:00\" pri=6 fw=192.0.2.1 vpn=ive user=System realm=\"\" roles=\"\" proto= src= dst= dstname= type=vpn op= arg=\"\" result= sent= rcvd= agent=\"\" duration= msg=\"SYS10048: Archiving completed\"";
	CHECK_EQ_INT(vt_line(p, other), BW_PARSE_IGNORED);
	/* WELF of another product */
	CHECK_EQ_INT(vt_msg(&bw_msg_ivanti, "x", "id=firewall time=\"2024-03-01 12:00:00\" fw=1.2.3.4 msg=\"x\""), BW_PARSE_NOT_MINE);
}

static void test_ivanti_standard(void)
{
	vt_open();
	const char *ok = "2024-03-01 10:00:00 - ive - [203.0.113.5] alice(Users)[Staff] - Login succeeded for alice/Users (session:5f2a9c01) from 203.0.113.5 with Pulse-Secure/9.1.3.";
	CHECK(bw_parser_ivanti.sniff(ok, strlen(ok)) > 50);
	CHECK_EQ_INT(vt_msg(&bw_msg_ivanti, "PulseSecure", ok), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.outcome, BW_OUTCOME_SUCCESS);
	CHECK_STR_VIEW(vt_ev.user, "alice");
	CHECK(!vt_ev.user_domain.p);
	CHECK_EQ_INT(vt_ev.ts_ms, vt_ms(2024, 3, 1, 10, 0, 0));
	/* written with the "Login failed" of the same attempt */
	const char *pf = "2024-03-01 10:06:00 - ive - [198.51.100.66] mallory(Users)[] - Primary authentication failed for mallory/LDAP from 198.51.100.66";
	CHECK_EQ_INT(vt_line(&bw_parser_ivanti, pf), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_OTHER);
	const char *se = "2024-03-01 11:01:05 - ive - [198.51.100.66] alice(Users)[Staff] - VPN Tunneling: Session ended for user with IPv4 address 10.30.0.9";
	CHECK_EQ_INT(vt_line(&bw_parser_ivanti, se), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_SESSION_END);
	CHECK_EQ_STR(vt_ip(&vt_ev.assigned_ip), "10.30.0.9");
	const char *lf = "2024-03-01 10:06:00 - ive - [198.51.100.66] mallory(Users)[] - Login failed using auth server LDAP (LDAP Server).  Reason: Failed";
	CHECK_EQ_INT(vt_line(&bw_parser_ivanti, lf), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.outcome, BW_OUTCOME_FAILURE);
	CHECK_STR_VIEW(vt_ev.user, "mallory");
	CHECK_STR_VIEW(vt_ev.reason, "Failed");
	const char *web = "203.0.113.5 - - [05/Jan/2024:10:00:00 +0000] \"GET / HTTP/1.1\" 200 12";
	const char *ovpn = "2024-01-05 10:00:00 alice/203.0.113.5:51234 MULTI_sva: pool returned IPv4=10.8.0.6";
	CHECK_EQ_INT(bw_parser_ivanti.sniff(web, strlen(web)), 0);
	CHECK_EQ_INT(bw_parser_ivanti.sniff(ovpn, strlen(ovpn)), 0);
	CHECK_EQ_INT(vt_line(&bw_parser_ivanti, "2024-03-01 10:06:00 - ive - no bracket - x"), BW_PARSE_MALFORMED);
}

/* --------------------------------------------------------- strongSwan */

static void test_charon(void)
{
	vt_open();
	const struct bw_msg_parser *m = &bw_msg_charon;
	CHECK_EQ_INT(vt_msg(m, "charon", "10[IKE] <rw|5> IKE_SA rw[5] established between 198.51.100.1[vpn.example.org]...203.0.113.5[alice@example.org]"), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_SESSION_START);
	CHECK_STR_VIEW(vt_ev.user, "alice@example.org");
	CHECK_EQ_STR(vt_ip(&vt_ev.src_ip), "203.0.113.5");
	CHECK_STR_VIEW(vt_ev.session_id, "5");
	CHECK_EQ_STR(vt_ev.format, "charon");
	CHECK_EQ_INT(vt_ev.source, BW_SRC_VPN);

	CHECK_EQ_INT(vt_msg(m, "charon", "10[IKE] IKE_SA rw[6] established between 198.51.100.1[gw]...203.0.113.6[203.0.113.6]"), BW_PARSE_OK);
	CHECK_STR_VIEW(vt_ev.session_id, "6");
	CHECK(!vt_ev.user.p); /* the id is an address */

	CHECK_EQ_INT(vt_msg(m, "charon", "10[IKE] <rw|5> authentication of 'alice@example.org' with EAP successful"), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_LOGIN);
	CHECK_EQ_INT(vt_ev.outcome, BW_OUTCOME_SUCCESS);
	CHECK_STR_VIEW(vt_ev.auth_method, "EAP");
	CHECK_EQ_INT(vt_msg(m, "charon", "06[IKE] <x|85> authentication of 'exmaple.com' (myself) with RSA_EMSA_PKCS1_SHA2_384 successful"), BW_PARSE_IGNORED);
	CHECK_EQ_INT(vt_msg(m, "charon", "12[IKE] XAuth authentication of 'bob' failed"), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.outcome, BW_OUTCOME_FAILURE);
	CHECK_STR_VIEW(vt_ev.user, "bob");
	CHECK_STR_VIEW(vt_ev.auth_method, "xauth");

	CHECK_EQ_INT(vt_msg(m, "charon", "06[IKE] <3fdb|83> EAP-MS-CHAPv2 verification failed, retry (1)"), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.outcome, BW_OUTCOME_FAILURE);
	CHECK_STR_VIEW(vt_ev.reason, "EAP-MS-CHAPv2 verification failed");
	CHECK_EQ_INT(vt_msg(m, "charon", "06[IKE] <3fdb|83> no EAP key found for hosts 'exmaple.com' - 'hll'"), BW_PARSE_OK);
	CHECK_STR_VIEW(vt_ev.user, "hll");
	CHECK_EQ_INT(vt_ev.outcome, BW_OUTCOME_FAILURE);

	CHECK_EQ_INT(vt_msg(m, "charon", "14[IKE] <rw|5> assigning virtual IP 10.10.0.2 to peer 'alice@example.org'"), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_ADDRESS_ASSIGN);
	CHECK_EQ_STR(vt_ip(&vt_ev.assigned_ip), "10.10.0.2");
	CHECK_STR_VIEW(vt_ev.user, "alice@example.org");

	CHECK_EQ_INT(vt_msg(m, "charon", "09[IKE] <rw|5> deleting IKE_SA rw[5] between 198.51.100.1[vpn.example.org]...203.0.113.5[alice@example.org]"), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_SESSION_END);
	CHECK_STR_VIEW(vt_ev.session_id, "5");

	CHECK_EQ_INT(vt_msg(m, "charon", "06[JOB] <3fdb|83> deleting half open IKE_SA with 116.178.2.170 after timeout"), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_PROBE);
	CHECK_EQ_STR(vt_ip(&vt_ev.src_ip), "116.178.2.170");

	CHECK_EQ_INT(vt_msg(m, "charon", "06[IKE] <84> 116.178.2.170 is initiating an IKE_SA"), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_CONNECTION);
	CHECK_STR_VIEW(vt_ev.session_id, "84");
	CHECK_EQ_STR(vt_ip(&vt_ev.src_ip), "116.178.2.170");
	CHECK_EQ_INT(vt_msg(m, "charon", "09[IKE] <3fdb-x|84> EAP-MS-CHAPv2 username: 'hl'"), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_OTHER);
	CHECK_STR_VIEW(vt_ev.user, "hl");
	CHECK_STR_VIEW(vt_ev.session_id, "84");
	/* packets name the exchange's peer: context for its failure lines */
	CHECK_EQ_INT(vt_msg(m, "charon", "06[NET] <84> received packet: from 116.178.2.170[28819] to 116.178.2.180[500] (1072 bytes)"), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.kind, BW_KIND_OTHER);
	CHECK_STR_VIEW(vt_ev.session_id, "84");
	CHECK_EQ_STR(vt_ip(&vt_ev.src_ip), "116.178.2.170");
	CHECK_EQ_INT(vt_msg(m, "charon", "06[NET] <3fdb|1807> sending packet: from 116.178.2.180[4500] to 116.178.2.171[28821] (128 bytes)"), BW_PARSE_OK);
	CHECK_STR_VIEW(vt_ev.session_id, "1807");
	CHECK_EQ_STR(vt_ip(&vt_ev.src_ip), "116.178.2.171");
	/* without an exchange id there is nothing to join */
	CHECK_EQ_INT(vt_msg(m, "charon", "06[NET] sending packet: from 116.178.2.180[4500] to 116.178.2.171[28821] (128 bytes)"), BW_PARSE_IGNORED);
	CHECK_EQ_INT(vt_msg(m, "charon", "06[NET] <1807> sending packet: from 116.178.2.180[4500] (128 bytes)"), BW_PARSE_IGNORED);
	CHECK_EQ_INT(vt_msg(m, "charon", "06[IKE] <3fdb|83> EAP method EAP_MSCHAPV2 succeeded, MSK established"), BW_PARSE_IGNORED);

	/* charon's own file log */
	const char *fl = "Mar  5 10:00:00 08[IKE] <rw|7> assigning virtual IP 10.10.0.3 to peer 'carol'";
	CHECK(bw_parser_charon.sniff(fl, strlen(fl)) > 50);
	CHECK_EQ_INT(vt_line(&bw_parser_charon, fl), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.ts_ms, vt_ms(2024, 3, 5, 10, 0, 0));
	CHECK(vt_ev.flags & BW_EF_TS_GUESSED);
	CHECK_STR_VIEW(vt_ev.user, "carol");
	const char *sys = "Jan  5 10:00:00 host sshd[1]: Accepted password for alice from 203.0.113.5 port 22 ssh2";
	CHECK_EQ_INT(bw_parser_charon.sniff(sys, strlen(sys)), 0);

	/* year rollover in the file log */
	vt_open();
	vt_ctx.default_year = 2023;
	CHECK_EQ_INT(vt_line(&bw_parser_charon, "Dec 31 23:59:59 08[IKE] <rw|7> assigning virtual IP 10.10.0.3 to peer 'carol'"), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.ts_ms, vt_ms(2023, 12, 31, 23, 59, 59));
	CHECK_EQ_INT(vt_line(&bw_parser_charon, "Jan  1 00:00:01 08[IKE] <rw|7> assigning virtual IP 10.10.0.3 to peer 'carol'"), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.ts_ms, vt_ms(2024, 1, 1, 0, 0, 1));
	/* a first line later than the file's mtime: the year before */
	vt_open();
	vt_ctx.default_year = 2024;
	vt_ctx.ref_ms = vt_ms(2024, 1, 2, 0, 0, 0);
	CHECK_EQ_INT(vt_line(&bw_parser_charon, "Dec 30 10:00:00 08[IKE] <rw|7> assigning virtual IP 10.10.0.3 to peer 'carol'"), BW_PARSE_OK);
	CHECK_EQ_INT(vt_ev.ts_ms, vt_ms(2023, 12, 30, 10, 0, 0));
}

static const struct bw_parser *const all_line[] = {
	&bw_parser_panos, &bw_parser_ivanti, &bw_parser_charon, NULL,
};
static const struct bw_msg_parser *const all_msg[] = {
	&bw_msg_panos, &bw_msg_ivanti, &bw_msg_charon, NULL,
};

static void test_hostile(void)
{
	static const char *seeds[] = {
		"<14>Mar  1 10:00:05 PA " GP_HEAD "gateway-logout,logout,,SSL-VPN,\"a,b\",GB,X,203.0.113.5,,10.20.0.15,,h,,5,W,\"x\",1,r,e,\"d\",success,,5400,,0,G,1,0x0,2024-03-01T10:00:04.123+01:00",
		"1,2024/03/01 10:00:05,0,SYSTEM,globalprotect,0,2024/03/01 10:00:05,,globalprotectgateway-config-succ,G,0,0,g,i,\"User name: a, Private IP: 10.0.0.1, Login from: ::1\",1,0x0",
		"id=firewall time=\"2024-03-01 11:00:02\" vpn=ive user=a realm=\"U\" src=203.0.113.5 msg=\"NWC30477: Closed connection to TUN-VPN port 443 after 3600 seconds, with 52000 bytes read and 7340032 bytes written\"",
		"2024-03-01 10:00:00 - ive - [203.0.113.5] alice(Users)[Staff] - Logout from 203.0.113.5 (session:5f2a9c01)",
		"Mar  5 10:00:00 08[IKE] <rw|5> deleting IKE_SA rw[5] between 1.1.1.1[a]...2.2.2.2[b]",
		"Mar  5 10:00:00 08[IKE] <rw|5> no shared key found for 'a' - 'b'",
		GP_HEAD "gateway-connected,connected,,SSL-VPN,alice,GB,ALICE-PC,203.0.113.5,,10.20.0.15,,host-1,,5.2.8,Windows,,1,,,\"\",success,,0,,0,GP-GW,7203,0x0,2024-03-01T10:00:04.123+01:00",
		"2023-07-06T08:11:40+02:00 paloalto.test.host 1,2023/07/06 08:11:40,016401002737,THREAT,vulnerability,2561,2023/07/06 08:11:40,1.2.3.2,1.2.3.3",
		"id=firewall time=\"2024-03-01 10:00:00\" pri=6 fw=192.0.2.1 vpn=ive user=alice realm=\"Users\" src=203.0.113.5 msg=\"AUT23457: Login succeeded for alice/Users (session:5f2a9c01) from 203.0.113.5 with Pulse\"",
		"id=firewall time=\"2024-03-01 10:05:00\" vpn=ive user=System src=198.51.100.66 msg=\"AUT24327: Primary authentication failed for mallory/LDAP from 198.51.100.66\"",
		"id=firewall time=\"2024-03-01 10:00:02\" vpn=ive user=alice src=203.0.113.5 msg=\"NWC23464: VPN Tunneling: Session started for user with IPv4 address 10.30.0.9, hostname X\"",
		"2024-03-01 12:00:00 - ive - [198.51.100.7] bob(Users)[Staff] - Session timed out for bob/Users (session:0000abcd) due to inactivity",
		"2024-03-01 10:06:00 - ive - [198.51.100.66] mallory(Users)[] - Login failed using auth server LDAP (LDAP Server).  Reason: Failed",
		"Mar  5 10:00:00 06[IKE] <84> 116.178.2.170 is initiating an IKE_SA",
		"Mar  5 10:00:00 09[IKE] <x|84> EAP-MS-CHAPv2 username: 'hl'",
		"Mar  5 10:00:00 10[IKE] <rw|5> IKE_SA rw[5] established between 198.51.100.1[C=CH, O=x, CN=gw]...203.0.113.5[C=CH, O=x, CN=alice]",
		"Mar  5 10:00:00 12[IKE] XAuth authentication of 'bob' failed",
		"Mar  5 10:00:00 14[IKE] <rw|5> assigning virtual IP fd00::2 to peer 'alice'",
		"Mar  5 10:00:00 06[JOB] <3fdb|83> deleting half open IKE_SA with 116.178.2.170 after timeout",
		"Mar  5 10:00:00 06[IKE] <x|85> authentication of 'exmaple.com' (myself) with RSA successful",
	};
	int missing = 0;
	vt_hostile(seeds, sizeof(seeds) / sizeof(seeds[0]), all_line, all_msg, &missing);
	CHECK_EQ_INT(missing, 0);

}

static const struct bw_test tests[] = {
	{ "gp_logtype", test_gp_logtype },
	{ "gp_system", test_gp_system },
	{ "ivanti_welf", test_ivanti_welf },
	{ "ivanti_standard", test_ivanti_standard },
	{ "charon", test_charon },
	{ "hostile", test_hostile },
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	return bw_test_main("vpn2", tests, argc, argv);
}
