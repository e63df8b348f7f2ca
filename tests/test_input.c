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

int main(int argc, char **argv)
{
	static const struct bw_test tests[] = {
		{ "basic_crlf_final", test_basic_crlf_final },
		{ "nul_bytes", test_nul_bytes },
		{ "block_boundaries", test_block_boundaries },
		{ "long_lines_cut", test_long_lines_cut },
		{ "gzip_multi_member", test_gzip_multi_member },
		{ "gzip_truncated", test_gzip_truncated },
		{ "gzip_corrupt", test_gzip_corrupt },
		{ "zstd_multi_frame_and_truncated", test_zstd_multi_frame_and_truncated },
		{ "magic_not_name", test_magic_not_name },
		{ "missing_file", test_missing_file },
		{ "pipe_streaming", test_pipe_streaming },
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
