/*
 * test_bw_util.c - parser scanning helpers: the dotted-quad scanner and
 * address parsing/formatting built on it, and number parsing at bounds.
 */
#include "bw_test.h"

#include "bw_util.h"

static void test_scan_v4(void)
{
	bw_ip ip;
	CHECK_EQ_INT(bw_ip_scan_v4("1.2.3.4", 7, &ip), 7);
	CHECK_EQ_INT(ip.family, 4);
	CHECK_EQ_INT(ip.addr[12], 1);
	CHECK_EQ_INT(ip.addr[15], 4);
	CHECK_EQ_INT(ip.addr[10], 0xff);
	/* A prefix: what follows is not looked at. */
	CHECK_EQ_INT(bw_ip_scan_v4("10.0.0.1, 8.8.8.8", 17, &ip), 8);
	CHECK_EQ_INT(bw_ip_scan_v4("255.255.255.255:80", 18, &ip), 15);
	CHECK_EQ_INT(bw_ip_scan_v4("010.001.0.00", 12, &ip), 12); /* leading zeros */
	CHECK_EQ_INT(ip.addr[12], 10);
	/* Not a dotted quad at the start. */
	memset(&ip, 0xaa, sizeof(ip));
	CHECK_EQ_INT(bw_ip_scan_v4("256.1.1.1", 9, &ip), 0);
	CHECK_EQ_INT(ip.family, 0xaa); /* untouched */
	CHECK_EQ_INT(bw_ip_scan_v4("1.2.3.1234", 10, &ip), 0); /* fourth digit */
	CHECK_EQ_INT(bw_ip_scan_v4("1.2.3", 5, &ip), 0);
	CHECK_EQ_INT(bw_ip_scan_v4("1.2.3.", 6, &ip), 0);
	CHECK_EQ_INT(bw_ip_scan_v4("1..2.3", 6, &ip), 0);
	CHECK_EQ_INT(bw_ip_scan_v4("::1", 3, &ip), 0);
	CHECK_EQ_INT(bw_ip_scan_v4("", 0, &ip), 0);
	/* The view's end is respected: "1.2.3.45" seen as 7 bytes. */
	CHECK_EQ_INT(bw_ip_scan_v4("1.2.3.45", 7, &ip), 7);
	CHECK_EQ_INT(ip.addr[15], 4);
}

static void test_ip_parse(void)
{
	bw_ip ip;
	char buf[64];
	CHECK(bw_ip_parse("192.168.1.10", 12, &ip));
	CHECK_EQ_INT(bw_ip_format(&ip, buf, sizeof(buf)), 12);
	CHECK_EQ_STR(buf, "192.168.1.10");
	CHECK(bw_ip_parse("[0.0.0.0]", 9, &ip));
	CHECK_EQ_INT(bw_ip_format(&ip, buf, sizeof(buf)), 7);
	CHECK_EQ_STR(buf, "0.0.0.0");
	CHECK(bw_ip_parse("::ffff:1.2.3.4", 14, &ip));
	CHECK_EQ_INT(ip.family, 4);
	CHECK(bw_ip_parse("2001:db8::1%eth0", 16, &ip));
	CHECK_EQ_INT(ip.family, 6);
	CHECK_EQ_INT(bw_ip_format(&ip, buf, sizeof(buf)), 11);
	CHECK_EQ_STR(buf, "2001:db8::1");
	CHECK(!bw_ip_parse("1.2.3.4:80", 10, &ip));
	CHECK(!bw_ip_parse("1.2.3.4 ", 8, &ip));
	CHECK(!bw_ip_parse("localhost", 9, &ip));
	/* Every octet value formats as inet_ntop would. */
	for (unsigned v = 0; v < 256; v++) {
		char want[64];
		bw_ip_from_v4(&ip, v << 24 | v << 16 | v << 8 | v);
		snprintf(want, sizeof(want), "%u.%u.%u.%u", v, v, v, v);
		CHECK_EQ_INT(bw_ip_format(&ip, buf, sizeof(buf)), strlen(want));
		CHECK_EQ_STR(buf, want);
	}
}

/* "0x" and 1..16 hex digits, nothing else: control bytes 0x10-0x19
 * (which OR 0x20 into '0'-'9') and 0x41-0x46 beside letters are no
 * digits. */
static void test_parse_hex(void)
{
	uint64_t v = 7;
	CHECK_EQ_INT(bw_parse_hex("0x1F", 4, &v), 1);
	CHECK_EQ_INT((int)v, 0x1f);
	CHECK_EQ_INT(bw_parse_hex("0XaB", 4, &v), 1);
	CHECK_EQ_INT((int)v, 0xab);
	CHECK(bw_parse_hex("0xffffffffffffffff", 18, &v) && v == UINT64_MAX);
	CHECK_EQ_INT(bw_parse_hex("0x1ffffffffffffffff", 19, &v), 0);
	CHECK_EQ_INT(bw_parse_hex("0x", 2, &v), 0);
	CHECK_EQ_INT(bw_parse_hex("0xG", 3, &v), 0);
	CHECK_EQ_INT(bw_parse_hex("0x\x11\x12", 4, &v), 0);
	CHECK_EQ_INT(bw_parse_hex("0x1\x19", 4, &v), 0);
	CHECK_EQ_INT(bw_parse_hex("0x@", 3, &v), 0);
	CHECK_EQ_INT(bw_parse_hex("1x10", 4, &v), 0);
}

static void test_parse_u64(void)
{
	const char *s = "18446744073709551615";
	uint64_t v;
	CHECK_EQ_INT(bw_parse_u64(s, s + 20, &v), 19); /* at most 19 digits */
	CHECK(v == 1844674407370955161ull);
	CHECK_EQ_INT(bw_parse_u64(s, s + 3, &v), 3);
	CHECK_EQ_INT(v, 184);
	CHECK_EQ_INT(bw_parse_u64(s, s, &v), 0);
	CHECK_EQ_INT(bw_parse_u64(s + 3, s, &v), 0); /* p past end */
	const char *t = "42 x1";
	CHECK_EQ_INT(bw_parse_u64(t, t + 5, &v), 2);
	CHECK_EQ_INT(v, 42);
	CHECK_EQ_INT(bw_parse_u64(t + 3, t + 5, &v), 0);
}

/* Decode p, return it as a string (static buffer). */
static const char *pct(const char *p)
{
	static char out[256];
	size_t n = bw_pct_decode(p, strlen(p), out);
	out[n] = 0;
	return out;
}

static void test_pct_decode(void)
{
	CHECK(!strcmp(pct(""), ""));
	CHECK(!strcmp(pct("plain/path?a=b+c"), "plain/path?a=b+c"));
	/* every byte encoded, either case of hex */
	CHECK(!strcmp(pct("%24%7b%22%66%72%65%65%6D%61%72%6B%65%72%22%7D"),
		      "${\"freemarker\"}"));
	/* once only: %25 gives a '%' that is not decoded again */
	CHECK(!strcmp(pct("%252e%252e%252f"), "%2e%2e%2f"));
	/* a '%' without two hex digits stays, also at the end */
	CHECK(!strcmp(pct("100%"), "100%"));
	CHECK(!strcmp(pct("%4"), "%4"));
	CHECK(!strcmp(pct("%zz%4g%%41"), "%zz%4g%A"));
	CHECK(!strcmp(pct("a%2"), "a%2"));
	/* a NUL byte decodes to a NUL byte: the length tells */
	char out[8];
	CHECK_EQ_INT(bw_pct_decode("a%00b", 5, out), 3);
	CHECK(out[0] == 'a' && out[1] == 0 && out[2] == 'b');
	/* in place */
	char buf[] = "%2e%2E/x";
	size_t n = bw_pct_decode(buf, strlen(buf), buf);
	CHECK_EQ_INT(n, 4);
	CHECK(!memcmp(buf, "../x", 4));
}

static const char *normp(const char *in)
{
	static char out[256];
	size_t n = bw_path_normalize(in, strlen(in), out);
	out[n] = 0;
	return out;
}

/* The path a server serves for the one requested: decoded once, dot
 * segments resolved, repeated slashes merged, path parameters dropped,
 * backslashes as slashes (IIS). */
static void test_path_normalize(void)
{
	CHECK_EQ_STR(normp("/cases/x/witness/W1.pdf"), "/cases/x/witness/W1.pdf");
	CHECK_EQ_STR(normp("//cases//x/witness/W1.pdf"), "/cases/x/witness/W1.pdf");
	CHECK_EQ_STR(normp("/./cases/./x/witness/W1.pdf"), "/cases/x/witness/W1.pdf");
	CHECK_EQ_STR(normp("/public/../cases/x/witness/W1.pdf"), "/cases/x/witness/W1.pdf");
	CHECK_EQ_STR(normp("/%2fcases/x/%77itness/W1%2Epdf"), "/cases/x/witness/W1.pdf");
	CHECK_EQ_STR(normp("/cases/x/witness/../public/d.pdf"), "/cases/x/public/d.pdf");
	CHECK_EQ_STR(normp("/dms/doc-1.pdf;jsessionid=8F3A"), "/dms/doc-1.pdf");
	CHECK_EQ_STR(normp("/a;v=1/b.pdf"), "/a/b.pdf");
	CHECK_EQ_STR(normp("\\cases\\x\\W1.pdf"), "/cases/x/W1.pdf");
	/* above the root stays at the root; a folder keeps its slash */
	CHECK_EQ_STR(normp("/../../etc/passwd"), "/etc/passwd");
	CHECK_EQ_STR(normp("/cases/x/witness/"), "/cases/x/witness/");
	CHECK_EQ_STR(normp("/cases/x/.."), "/cases/");
	CHECK_EQ_STR(normp("/cases/x/."), "/cases/x/");
	CHECK_EQ_STR(normp("/"), "/");
	CHECK_EQ_STR(normp(""), "");
	CHECK_EQ_STR(normp("relative/../x"), "x");
	/* decoded once: %252e stays %2e, not a dot segment */
	CHECK_EQ_STR(normp("/a/%252e%252e/b"), "/a/%2e%2e/b");
	CHECK(bw_path_is_normal("/cases/x/W1.pdf", 15));
	CHECK(bw_path_is_normal("/a/.hidden/..x/b.", 17));
	CHECK(!bw_path_is_normal("/a//b", 5));
	CHECK(!bw_path_is_normal("/a/./b", 6));
	CHECK(!bw_path_is_normal("/a/..", 5));
	CHECK(!bw_path_is_normal("/a;x", 4));
	/* never longer than the input */
	char big[300];
	memset(big, '/', sizeof(big));
	char out[300];
	CHECK_EQ_INT(bw_path_normalize(big, sizeof(big), out), 1);
	/* random paths of the bytes that matter (ASan checks the bounds in
	 * make test-san): never longer, never a "//", "/./" or "/../" */
	static const char abc[] = "/\\.;a%2fe";
	uint32_t x = 12345;
	int bad = 0;
	for (int t = 0; t < 20000; t++) {
		char in[24];
		size_t n = (size_t)(t % 24);
		for (size_t k = 0; k < n; k++) {
			x = x * 1103515245u + 12345u;
			in[k] = abc[(x >> 16) % (sizeof(abc) - 1)];
		}
		char o[24];
		size_t m = bw_path_normalize(in, n, o);
		if (m > n)
			bad++;
		/* the quick test says "unchanged" only when it is so */
		if (bw_path_is_normal(in, n) && (m != n || memcmp(in, o, n)))
			bad++;
		for (size_t k = 0; k + 1 < m; k++)
			if (o[k] == '/' && o[k + 1] == '/')
				bad++;
		for (size_t k = 0; k + 2 < m; k++)
			if (o[k] == '/' && o[k + 1] == '.' && o[k + 2] == '/')
				bad++;
		for (size_t k = 0; k + 3 < m; k++)
			if (o[k] == '/' && o[k + 1] == '.' && o[k + 2] == '.' &&
			    o[k + 3] == '/')
				bad++;
	}
	CHECK_EQ_INT(bad, 0);
}

/* RFC 5424 structured data: elements until the first unescaped ']' of
 * each; "\]" inside a value does not end one; an unterminated element
 * is no structured data. */
static void test_syslog_sd_len(void)
{
	static const struct { const char *in; size_t want; } c[] = {
		{ "[a] rest", 3 },
		{ "[a k=\"v\"][b] x", 12 },
		{ "[meta note=\"a \\] b\" seq=\"7\"] 1.2.3.4", 28 },
		{ "[a k=\"\\\\\"] x", 10 },
		{ "[a", 0 },
		{ "[a k=\"x\\]", 0 },
		{ "- [a]", 0 },
		{ "", 0 },
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		CHECK_EQ_INT(bw_syslog_sd_len(c[i].in, strlen(c[i].in)), c[i].want);
}

int main(int argc, char **argv)
{
	static const struct bw_test tests[] = {
		{ "scan_v4", test_scan_v4 },
		{ "ip_parse", test_ip_parse },
		{ "path_normalize", test_path_normalize },
		{ "parse_u64", test_parse_u64 },
		{ "parse_hex", test_parse_hex },
		{ "pct_decode", test_pct_decode },
		{ "syslog_sd_len", test_syslog_sd_len },
		{ NULL, NULL },
	};
	return bw_test_main("bw_util", tests, argc, argv);
}
