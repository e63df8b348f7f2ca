/*
 * input.h - the first pipeline stage: open a file or stdin, decode it
 * (plain, gzip incl. multi-member, zstd incl. multi-frame, chosen by
 * magic bytes, never by name), and frame it into lines.
 *
 * Buffer layout (one allocation per input, reused for every line):
 *
 *   buf                 start          end                  cap
 *    |--- consumed -----|--- pending ---|------ free --------|
 *                        ^ next line starts here
 *
 * Lines are split with memchr; the unfinished tail is moved to the front
 * before the next read. A line longer than max_line is cut at max_line,
 * flagged, and the rest of it skipped up to the next newline. Returned
 * lines are mutable views valid until the next bw_input_next() call.
 */
#ifndef BW_INPUT_H
#define BW_INPUT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#define BW_INPUT_BLOCK (256u * 1024u) /* bytes per read() */
#define BW_MAX_LINE_DEFAULT (64u * 1024u)

enum bw_codec { BW_CODEC_PLAIN, BW_CODEC_GZIP, BW_CODEC_ZSTD };

struct bw_input;

struct bw_line {
	char *p;          /* the line, without '\n' or "\r\n"; NUL-free not
	                     guaranteed (NUL bytes are data) */
	size_t n;
	uint64_t line_no; /* 1-based */
	uint64_t offset;  /* decoded byte offset of the line's first byte */
	int cut;          /* 1 when the line exceeded max_line */
};

/* Open path ("-" = stdin). @return the input, or NULL with a message in
 * err (naming the file). max_line 0 means the default. */
struct bw_input *bw_input_open(const char *path, size_t max_line, char *err,
			       size_t errlen);

/* Read the next line. @return 1 with *line filled, 0 at the end of the
 * input, -1 on a read or decode error (bw_input_error() says what and at
 * which compressed byte offset; lines before it were all delivered; the
 * input is finished). */
int bw_input_next(struct bw_input *in, struct bw_line *line);

/* Set (to the signal's number) by the program's SIGINT/SIGTERM handler: a
 * read the signal interrupts ends its input as at EOF (no "truncated"
 * error), and the pipeline reads no further line, so what was read is
 * still judged and summarized. 0 = not interrupted. */
extern volatile sig_atomic_t bw_interrupted;
/* The read end of the handler's self-pipe (the handler writes a byte to
 * its other end), or -1: reads of pipes wait on it too, so a stop signal
 * ends them although handlers restart interrupted calls. */
extern int bw_stop_fd;

/* Before the first read: when the input is a JSON document rather than
 * JSON lines - an array of objects (compact on one line, or pretty-
 * printed), a pretty-printed object, or a {"value": [...]} or
 * {"records": [...]} wrapper as Graph and Azure diagnostic exports write
 * them - frame it into records, one per object, instead of lines. A
 * record keeps the line number and offset where it starts; one longer
 * than max_line is cut like a line; anything at the top level that is
 * no object is delivered up to its newline, for the parser to report.
 * @return 1 when JSON framing is on. */
int bw_input_json_sniff(struct bw_input *in);

/* Complete lines already buffered (without consuming them), for format
 * sniffing: fills up to max views, reading one block first if nothing is
 * buffered. @return the number of views filled. */
size_t bw_input_peek(struct bw_input *in, char **lines, size_t *lens, size_t max);

/* Called before any read() that may block (pipes, terminals), so
 * streaming output is flushed before the tool waits for more input. */
void bw_input_set_before_block(struct bw_input *in, void (*fn)(void *), void *arg);

const char *bw_input_name(const struct bw_input *in);
const char *bw_input_error(const struct bw_input *in); /* NULL if none */
enum bw_codec bw_input_codec(const struct bw_input *in);
const char *bw_codec_name(enum bw_codec c);
int bw_input_is_stream(const struct bw_input *in); /* pipe/tty/socket */
int64_t bw_input_mtime(const struct bw_input *in); /* seconds; 0 if unknown */
uint64_t bw_input_raw_bytes(const struct bw_input *in);     /* read from the fd */
uint64_t bw_input_decoded_bytes(const struct bw_input *in); /* after decoding */
uint64_t bw_input_cut_lines(const struct bw_input *in);
uint64_t bw_input_tail_dropped(const struct bw_input *in); /* bytes of an
	incomplete last line left when decoding failed */

/* Close and free; NULL is fine. */
void bw_input_free(struct bw_input *in);

#endif /* BW_INPUT_H */
