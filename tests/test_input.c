/*
 * test_input.c - framing and decoding: block boundaries, CRLF, long
 * lines, missing final newline, NUL bytes, multi-member gzip,
 * multi-frame zstd, truncated and corrupt compressed files, streaming.
 */
#include "bw_test.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "input.h"

static char tmpdir[] = "/tmp/bw-test-input-XXXXXX";

static const char *tmpfile_with(const char *name, const void *data, size_t n)
{
	static char path[256];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		abort();
	if (n && fwrite(data, 1, n, f) != n)
		abort();
	fclose(f);
	return path;
}

/* Read all lines; store up to 8 for inspection. @return the number of
 * lines, -1 if an error ended the input. */
struct got {
	size_t n;
	char *line[8];
	size_t len[8];
	int cut[8];
	uint64_t lineno[8], offset[8];
	int rc;
	char err[400];
};

static void read_all(const char *path, size_t max_line, struct got *g)
{
	char err[256];
	memset(g, 0, sizeof(*g));
	struct bw_input *in = bw_input_open(path, max_line, err, sizeof(err));
	if (!in) {
		g->rc = -2;
		snprintf(g->err, sizeof(g->err), "%s", err);
		return;
	}
	struct bw_line l;
	int r;
	while ((r = bw_input_next(in, &l)) == 1) {
		if (g->n < 8) {
			g->line[g->n] = malloc(l.n + 1);
			memcpy(g->line[g->n], l.p, l.n);
			g->line[g->n][l.n] = 0;
			g->len[g->n] = l.n;
			g->cut[g->n] = l.cut;
			g->lineno[g->n] = l.line_no;
			g->offset[g->n] = l.offset;
		}
		g->n++;
	}
	g->rc = r;
	if (r < 0)
		snprintf(g->err, sizeof(g->err), "%s", bw_input_error(in));
	bw_input_free(in);
}

static void got_free(struct got *g)
{
	for (size_t i = 0; i < 8; i++)
		free(g->line[i]);
}

static void test_basic_crlf_final(void)
{
	const char data[] = "one\r\ntwo\n\nthree";
	struct got g;
	read_all(tmpfile_with("a.log", data, sizeof(data) - 1), 0, &g);
	CHECK_EQ_INT(g.rc, 0);
	CHECK_EQ_INT(g.n, 4);
	CHECK_EQ_STR(g.line[0], "one");
	CHECK_EQ_STR(g.line[1], "two");
	CHECK_EQ_STR(g.line[2], "");
	CHECK_EQ_STR(g.line[3], "three"); /* no final newline: still a line */
	CHECK_EQ_INT(g.lineno[3], 4);
	CHECK_EQ_INT(g.offset[1], 5);
	CHECK_EQ_INT(g.offset[3], 10);
	got_free(&g);
}

/* A UTF-8 byte-order mark (Windows tools write one) is not part of the
 * first line. */
static void test_bom(void)
{
	const char data[] = "\xef\xbb\xbf{\"a\":1}\n{\"a\":2}\n";
	struct got g;
	read_all(tmpfile_with("bom.json", data, sizeof(data) - 1), 0, &g);
	CHECK_EQ_INT(g.n, 2);
	CHECK_EQ_STR(g.line[0], "{\"a\":1}");
	CHECK_EQ_INT(g.offset[0], 3);
	got_free(&g);
}

static void test_nul_bytes(void)
{
	const char data[] = "a\0b\nc\n";
	struct got g;
	read_all(tmpfile_with("nul.log", data, sizeof(data) - 1), 0, &g);
	CHECK_EQ_INT(g.n, 2);
	CHECK_EQ_INT(g.len[0], 3);
	CHECK(g.line[0] && memcmp(g.line[0], "a\0b", 3) == 0);
	got_free(&g);
}

/* Lines straddling the 256 KiB read block boundary stay whole. */
static void test_block_boundaries(void)
{
	size_t total = 3 * BW_INPUT_BLOCK + 12345;
	char *data = malloc(total);
	size_t w = 0, lines = 0;
	while (w + 200 < total) {
		size_t len = 1 + (lines * 7919) % 180; /* varied lengths */
		memset(data + w, 'a' + (int)(lines % 26), len);
		w += len;
		data[w++] = '\n';
		lines++;
	}
	char err[128];
	struct bw_input *in = bw_input_open(tmpfile_with("blocks.log", data, w), 0,
					    err, sizeof(err));
	CHECK(in != NULL);
	struct bw_line l;
	size_t n = 0, bad = 0;
	while (in && bw_input_next(in, &l) == 1) {
		size_t want = 1 + (n * 7919) % 180;
		if (l.n != want || l.p[0] != 'a' + (int)(n % 26) ||
		    l.p[l.n - 1] != l.p[0])
			bad++;
		n++;
	}
	CHECK_EQ_INT(n, lines);
	CHECK_EQ_INT(bad, 0);
	bw_input_free(in);
	free(data);
}

static void test_long_lines_cut(void)
{
	size_t big = 300000;
	char *data = malloc(big + 20);
	memcpy(data, "short\n", 6);
	memset(data + 6, 'x', big);
	memcpy(data + 6 + big, "\nafter\n", 7);
	struct got g;
	read_all(tmpfile_with("long.log", data, big + 13), 1024, &g);
	CHECK_EQ_INT(g.n, 3);
	CHECK_EQ_STR(g.line[0], "short");
	CHECK_EQ_INT(g.len[1], 1024);
	CHECK_EQ_INT(g.cut[1], 1);
	CHECK_EQ_STR(g.line[2], "after"); /* the rest of the long line skipped */
	CHECK_EQ_INT(g.lineno[2], 3);
	CHECK_EQ_INT(g.cut[2], 0);
	got_free(&g);
	/* A long final line without newline is cut too. */
	read_all(tmpfile_with("long2.log", data + 6, big), 1000, &g);
	CHECK_EQ_INT(g.n, 1);
	CHECK_EQ_INT(g.cut[0], 1);
	got_free(&g);
	free(data);
}

static size_t gzip_member(const char *text, unsigned char *out, size_t cap)
{
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
	zs.next_in = (Bytef *)(uintptr_t)text;
	zs.avail_in = (uInt)strlen(text);
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	deflate(&zs, Z_FINISH);
	size_t n = zs.total_out;
	deflateEnd(&zs);
	return n;
}

static void test_gzip_multi_member(void)
{
	unsigned char buf[1024];
	size_t a = gzip_member("first\nsecond\n", buf, sizeof(buf));
	size_t b = gzip_member("third\nfourth", buf + a, sizeof(buf) - a);
	struct got g;
	read_all(tmpfile_with("multi.gz", buf, a + b), 0, &g);
	CHECK_EQ_INT(g.rc, 0);
	CHECK_EQ_INT(g.n, 4);
	CHECK_EQ_STR(g.line[2], "third");
	CHECK_EQ_STR(g.line[3], "fourth");
	got_free(&g);
}

static void test_gzip_truncated(void)
{
	char text[20000];
	for (size_t i = 0; i < sizeof(text) - 1; i++)
		text[i] = (i % 50 == 49) ? '\n' : (char)('a' + (i * 31) % 26);
	text[sizeof(text) - 1] = 0;
	unsigned char buf[30000];
	size_t n = gzip_member(text, buf, sizeof(buf));
	struct got g;
	read_all(tmpfile_with("trunc.gz", buf, n / 2), 0, &g);
	CHECK_EQ_INT(g.rc, -1);
	CHECK(strstr(g.err, "trunc.gz") != NULL);
	CHECK(strstr(g.err, "truncated gzip") != NULL);
	CHECK(strstr(g.err, "offset") != NULL);
	CHECK(g.n > 0); /* complete lines before the cut were delivered */
	CHECK_EQ_INT(g.len[0], 49);
	got_free(&g);
}

static void test_gzip_corrupt(void)
{
	unsigned char buf[1024];
	size_t n = gzip_member("good line\nanother good line\nthird line here\n",
			       buf, sizeof(buf));
	for (size_t i = 12; i < n - 8; i++)
		buf[i] ^= 0x5a;
	struct got g;
	read_all(tmpfile_with("corrupt.gz", buf, n), 0, &g);
	CHECK_EQ_INT(g.rc, -1);
	CHECK(strstr(g.err, "corrupt.gz") != NULL);
	got_free(&g);
}

static void test_zstd_multi_frame_and_truncated(void)
{
	unsigned char buf[4096];
	size_t a = ZSTD_compress(buf, sizeof(buf), "z1\nz2\n", 6, 3);
	size_t b = ZSTD_compress(buf + a, sizeof(buf) - a, "z3\n", 3, 3);
	CHECK(!ZSTD_isError(a) && !ZSTD_isError(b));
	struct got g;
	read_all(tmpfile_with("multi.zst", buf, a + b), 0, &g);
	CHECK_EQ_INT(g.rc, 0);
	CHECK_EQ_INT(g.n, 3);
	CHECK_EQ_STR(g.line[2], "z3");
	got_free(&g);

	read_all(tmpfile_with("trunc.zst", buf, a + b - 2), 0, &g);
	CHECK_EQ_INT(g.rc, -1);
	CHECK(strstr(g.err, "trunc.zst") != NULL);
	CHECK(strstr(g.err, "truncated zstd") != NULL);
	CHECK_EQ_INT(g.n, 2); /* the first frame's lines */
	got_free(&g);
}

static void test_magic_not_name(void)
{
	unsigned char buf[256];
	size_t n = gzip_member("hidden\n", buf, sizeof(buf));
	struct got g;
	read_all(tmpfile_with("looks-plain.log", buf, n), 0, &g);
	CHECK_EQ_INT(g.n, 1);
	CHECK_EQ_STR(g.line[0], "hidden");
	got_free(&g);
	read_all(tmpfile_with("plain.gz", "not gzip\n", 9), 0, &g);
	CHECK_EQ_INT(g.n, 1);
	CHECK_EQ_STR(g.line[0], "not gzip");
	got_free(&g);
	/* Tiny files shorter than any magic. */
	read_all(tmpfile_with("tiny.log", "\x1f", 1), 0, &g);
	CHECK_EQ_INT(g.n, 1);
	got_free(&g);
}

static void test_missing_file(void)
{
	struct got g;
	read_all("/nonexistent/x.log", 0, &g);
	CHECK_EQ_INT(g.rc, -2);
	CHECK(strstr(g.err, "/nonexistent/x.log") != NULL);
}

static int flushed;
static void on_block(void *arg)
{
	(void)arg;
	flushed++;
}

/* A line on a pipe that stays open is delivered without waiting for
 * EOF, and the before-block hook runs before the reader waits. */
static void test_pipe_streaming(void)
{
	int fds[2];
	CHECK(pipe(fds) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		if (write(fds[1], "live line\n", 10) != 10)
			_exit(1);
		sleep(30); /* keep the pipe open: no EOF */
		_exit(0);
	}
	close(fds[1]);
	int saved = dup(0);
	dup2(fds[0], 0);
	close(fds[0]);
	char err[128];
	struct bw_input *in = bw_input_open("-", 0, err, sizeof(err));
	CHECK(in != NULL);
	flushed = 0;
	bw_input_set_before_block(in, on_block, NULL);
	alarm(10); /* a hang fails the test instead of blocking CI */
	struct bw_line l;
	int r = bw_input_next(in, &l);
	alarm(0);
	CHECK_EQ_INT(r, 1);
	CHECK(r == 1 && l.n == 9 && memcmp(l.p, "live line", 9) == 0);
	CHECK(flushed >= 1);
	bw_input_free(in);
	dup2(saved, 0);
	close(saved);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* Read all records of a JSON document (bw_input_json_sniff first);
 * @return whether JSON framing was chosen. */
static int read_json(const char *path, size_t max_line, struct got *g)
{
	char err[256];
	memset(g, 0, sizeof(*g));
	struct bw_input *in = bw_input_open(path, max_line, err, sizeof(err));
	if (!in) {
		g->rc = -2;
		return 0;
	}
	int json = bw_input_json_sniff(in);
	struct bw_line l;
	int r;
	while ((r = bw_input_next(in, &l)) == 1) {
		if (g->n < 8) {
			g->line[g->n] = malloc(l.n + 1);
			memcpy(g->line[g->n], l.p, l.n);
			g->line[g->n][l.n] = 0;
			g->len[g->n] = l.n;
			g->cut[g->n] = l.cut;
			g->lineno[g->n] = l.line_no;
			g->offset[g->n] = l.offset;
		}
		g->n++;
	}
	g->rc = r;
	bw_input_free(in);
	return json;
}

/* JSON documents as Okta's API, Graph and the Entra portal export them:
 * a compact array on one line, a pretty-printed array, a {"value": [..]}
 * or {"records": [..]} wrapper. Each object is one record, whatever its
 * lines; strings holding braces do not confuse the framer. */
static void test_json_records(void)
{
	struct got g;
	const char compact[] = "[{\"a\":1},{\"b\":\"x}{]\\\"\"},{\"c\":[1,{\"d\":2}]}]\n";
	CHECK(read_json(tmpfile_with("c.json", compact, sizeof(compact) - 1), 0, &g));
	CHECK_EQ_INT(g.n, 3);
	CHECK_EQ_STR(g.line[0], "{\"a\":1}");
	CHECK_EQ_STR(g.line[1], "{\"b\":\"x}{]\\\"\"}");
	CHECK_EQ_STR(g.line[2], "{\"c\":[1,{\"d\":2}]}");
	CHECK_EQ_INT(g.lineno[2], 1);
	CHECK_EQ_INT(g.offset[1], 9);
	got_free(&g);

	const char pretty[] = "\xef\xbb\xbf[\n  {\n    \"a\": 1\n  },\n  {\n    \"b\": \"}\"\n  }\n]\n";
	CHECK(read_json(tmpfile_with("p.json", pretty, sizeof(pretty) - 1), 0, &g));
	CHECK_EQ_INT(g.n, 2);
	CHECK_EQ_STR(g.line[0], "{\n    \"a\": 1\n  }");
	CHECK_EQ_STR(g.line[1], "{\n    \"b\": \"}\"\n  }");
	CHECK_EQ_INT(g.lineno[0], 2);
	CHECK_EQ_INT(g.lineno[1], 5);
	CHECK_EQ_INT(g.rc, 0);
	got_free(&g);

	const char graph[] = "{\"@odata.context\":\"x[\",\"value\":[{\"a\":1},{\"a\":[2]}],\"@odata.nextLink\":\"y}\"}";
	CHECK(read_json(tmpfile_with("g.json", graph, sizeof(graph) - 1), 0, &g));
	CHECK_EQ_INT(g.n, 2);
	CHECK_EQ_STR(g.line[0], "{\"a\":1}");
	CHECK_EQ_STR(g.line[1], "{\"a\":[2]}");
	got_free(&g);

	const char recs[] = "{\n \"records\" : [\n  {\"a\":1},\n  {\"a\":2}\n ]\n}\n{\"value\": []}\n";
	CHECK(read_json(tmpfile_with("r.json", recs, sizeof(recs) - 1), 0, &g));
	CHECK_EQ_INT(g.n, 2);
	CHECK_EQ_INT(g.lineno[0], 3);
	CHECK_EQ_INT(g.lineno[1], 4);
	got_free(&g);

	/* JSON lines whose first line is cut short stay lines: the next
	 * line opens an object of its own (found by the regression review) */
	const char cutfirst[] = "{\"a\":1,\"b\":\"tru\n{\"a\":2}\n{\"a\":3}\n";
	CHECK(!read_json(tmpfile_with("cf.json", cutfirst, sizeof(cutfirst) - 1), 0, &g));
	CHECK_EQ_INT(g.n, 3);
	got_free(&g);
	/* records of an array with a "value" member are records, not a
	 * wrapper: a wrapper is a document of its own */
	const char valrec[] = "[{\"a\":1,\"value\":[{\"x\":1}]},{\"a\":2}]";
	CHECK(read_json(tmpfile_with("vr.json", valrec, sizeof(valrec) - 1), 0, &g));
	CHECK_EQ_INT(g.n, 2);
	CHECK_EQ_STR(g.line[0], "{\"a\":1,\"value\":[{\"x\":1}]}");
	got_free(&g);

	/* pages of an export in one array: the arrays nest */
	const char pages[] = "[[{\"a\":1},{\"a\":2}],\n [{\"a\":3}]]\n";
	CHECK(read_json(tmpfile_with("pg.json", pages, sizeof(pages) - 1), 0, &g));
	CHECK_EQ_INT(g.n, 3);
	CHECK_EQ_STR(g.line[2], "{\"a\":3}");
	CHECK_EQ_INT(g.lineno[2], 2);
	got_free(&g);

	/* JSON lines stay lines; so do logs that start with '[' */
	const char ndjson[] = "{\"a\":1}\n{\"a\":2}\n";
	CHECK(!read_json(tmpfile_with("n.json", ndjson, sizeof(ndjson) - 1), 0, &g));
	CHECK_EQ_INT(g.n, 2);
	got_free(&g);
	const char ssl[] = "[27/Nov/2026:13:00:00 +0000] 192.0.2.1 TLSv1.2 X \"GET / HTTP/1.1\" 5\n";
	CHECK(!read_json(tmpfile_with("s.log", ssl, sizeof(ssl) - 1), 0, &g));
	CHECK_EQ_INT(g.n, 1);
	got_free(&g);

	/* not an object, a record cut at max_line, a truncated last one:
	 * each delivered (the parser reports it), nothing lost silently */
	char big[400];
	int k = snprintf(big, sizeof(big), "[{\"a\":1}, 42, {\"long\":\"");
	memset(big + k, 'x', 200);
	k += 200;
	k += snprintf(big + k, sizeof(big) - (size_t)k, "\"}, {\"b\":2}, {\"c\":");
	CHECK(read_json(tmpfile_with("b.json", big, (size_t)k), 64, &g));
	CHECK_EQ_INT(g.n, 5);
	CHECK_EQ_STR(g.line[1], "42");
	CHECK_EQ_INT(g.cut[2], 1);
	CHECK_EQ_INT(g.len[2], 64);
	CHECK_EQ_STR(g.line[3], "{\"b\":2}");
	CHECK_EQ_STR(g.line[4], "{\"c\":");
	got_free(&g);

	/* junk ends with its line, even inside a quote: line numbers
	 * after it stay right (found by fuzz_input) */
	const char junk[] = "[{},\n \"x\ny\", {\"d\":3}\n,{\"e\":4}]\n";
	CHECK(read_json(tmpfile_with("j.json", junk, sizeof(junk) - 1), 0, &g));
	CHECK_EQ_INT(g.n, 4);
	CHECK_EQ_STR(g.line[1], "\"x");
	CHECK_EQ_STR(g.line[2], "y\", {\"d\":3}");
	CHECK_EQ_INT(g.lineno[2], 3);
	CHECK_EQ_STR(g.line[3], "{\"e\":4}");
	CHECK_EQ_INT(g.lineno[3], 4);
	got_free(&g);
}

/* Records straddling the 256 KiB read blocks stay whole. */
static void test_json_block_boundaries(void)
{
	size_t cap = 3 * BW_INPUT_BLOCK + 100000, w = 0, n = 0;
	char *data = malloc(cap);
	data[w++] = '[';
	while (w + 200 < cap - 10) {
		w += (size_t)sprintf(data + w, "%s{\n  \"n\": %zu,\n  \"s\": \"%0*d\"\n}",
				     n ? ",\n" : "\n", n, (int)(n % 150), 0);
		n++;
	}
	data[w++] = ']';
	char err[128];
	struct bw_input *in = bw_input_open(tmpfile_with("big.json", data, w), 0,
					    err, sizeof(err));
	CHECK(in && bw_input_json_sniff(in));
	struct bw_line l;
	size_t got = 0, bad = 0;
	while (in && bw_input_next(in, &l) == 1) {
		char want[64];
		int wl = snprintf(want, sizeof(want), "{\n  \"n\": %zu,", got);
		if (l.n < (size_t)wl || memcmp(l.p, want, (size_t)wl) != 0 ||
		    l.p[l.n - 1] != '}' || l.line_no != 2 + 4 * got)
			bad++;
		got++;
	}
	CHECK_EQ_INT(got, n);
	CHECK_EQ_INT(bad, 0);
	bw_input_free(in);
	free(data);
}

int main(int argc, char **argv)
{
	static const struct bw_test tests[] = {
		{ "basic_crlf_final", test_basic_crlf_final },
		{ "nul_bytes", test_nul_bytes },
		{ "bom", test_bom },
		{ "block_boundaries", test_block_boundaries },
		{ "long_lines_cut", test_long_lines_cut },
		{ "gzip_multi_member", test_gzip_multi_member },
		{ "gzip_truncated", test_gzip_truncated },
		{ "gzip_corrupt", test_gzip_corrupt },
		{ "zstd_multi_frame_and_truncated", test_zstd_multi_frame_and_truncated },
		{ "magic_not_name", test_magic_not_name },
		{ "missing_file", test_missing_file },
		{ "pipe_streaming", test_pipe_streaming },
		{ "json_records", test_json_records },
		{ "json_block_boundaries", test_json_block_boundaries },
		{ NULL, NULL },
	};
	if (!mkdtemp(tmpdir))
		return 2;
	int rc = bw_test_main("input", tests, argc, argv);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		rc = rc ? rc : 0;
	return rc;
}
