/*
 * fuzz_input.c - the input layer (analyzer/input.c): codec detection,
 * gzip and zstd decoding (multi-member, multi-frame, truncated, corrupt),
 * framing, over-long line cutting, and peeking.
 *
 * Input: byte 0 chooses --max-line (1..128 bytes, or the default when
 * >= 128) so cutting at block boundaries is reached with small inputs;
 * the rest is the file, written to a memfd and opened by path like any
 * log file. Checks: no line holds '\n', none exceeds max-line, line
 * numbers count up by one, offsets grow, plain input is decoded byte for
 * byte; a JSON document is framed into records, each the file's own
 * bytes at its offset and line. Reading stops after 512 KiB decoded (two blocks) or 20,000
 * lines: past that a decompression bomb only slows the fuzzer down (to
 * ~200 runs/s at 4 MiB), it finds nothing new.
 */
#include "fuzz_common.h"

#include "input.h"

#define DECODE_LIMIT (512u << 10)
#define LINE_LIMIT 20000

static struct fuzz_file file;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_file_init(&file, "bw_fuzz_input");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	size_t max_line = data[0] < 128 ? (size_t)data[0] + 1 : 0;
	size_t eff_max = max_line ? max_line : BW_MAX_LINE_DEFAULT;
	data++, size--;
	fuzz_file_set(&file, data, size);

	char err[512];
	struct bw_input *in = bw_input_open(file.path, max_line, err, sizeof(err));
	if (!in)
		fuzz_fail("open failed: %s", err);

	char *views[8];
	size_t lens[8];
	size_t npeek = bw_input_peek(in, views, lens, 8);
	for (size_t i = 0; i < npeek; i++)
		if (memchr(views[i], '\n', lens[i]))
			fuzz_fail("peeked line %zu holds a newline", i);
	/* a JSON document ('[' or '{' first) is framed into records */
	int json = bw_input_json_sniff(in);

	struct bw_line line;
	uint64_t want_no = 1, last_off = 0, last_no = 0;
	int rc;
	while ((rc = bw_input_next(in, &line)) == 1) {
		if (json) {
			/* records: may span lines, start where they are */
			if (line.n > eff_max)
				fuzz_fail("record of %zu bytes with max_line %zu",
					  line.n, eff_max);
			if (want_no > 1 && (line.offset <= last_off ||
					    line.line_no < last_no))
				fuzz_fail("record at offset %llu line %llu after %llu line %llu",
					  (unsigned long long)line.offset,
					  (unsigned long long)line.line_no,
					  (unsigned long long)last_off,
					  (unsigned long long)last_no);
			if (bw_input_codec(in) == BW_CODEC_PLAIN &&
			    (line.offset + line.n > size ||
			     memcmp(data + line.offset, line.p, line.n) != 0))
				fuzz_fail("record at offset %llu is not the file's bytes",
					  (unsigned long long)line.offset);
			if (bw_input_codec(in) == BW_CODEC_PLAIN) {
				uint64_t nl = 1;
				for (uint64_t k = 0; k < line.offset; k++)
					nl += data[k] == '\n';
				if (nl != line.line_no)
					fuzz_fail("record at offset %llu: line %llu, the file says %llu",
						  (unsigned long long)line.offset,
						  (unsigned long long)line.line_no,
						  (unsigned long long)nl);
			}
			last_off = line.offset;
			last_no = line.line_no;
			want_no++;
			if (bw_input_decoded_bytes(in) > DECODE_LIMIT || want_no > LINE_LIMIT)
				break;
			continue;
		}
		if (line.line_no != want_no)
			fuzz_fail("line_no %llu, expected %llu",
				  (unsigned long long)line.line_no,
				  (unsigned long long)want_no);
		if (line.n > eff_max)
			fuzz_fail("line of %zu bytes with max_line %zu", line.n, eff_max);
		/* memchr also has ASan check the whole view (no '\n' in it) */
		if (line.n && memchr(line.p, '\n', line.n))
			fuzz_fail("line %llu holds a newline", (unsigned long long)line.line_no);
		if (want_no > 1 && line.offset <= last_off)
			fuzz_fail("offset %llu after %llu", (unsigned long long)line.offset,
				  (unsigned long long)last_off);
		last_off = line.offset;
		want_no++;
		if (bw_input_decoded_bytes(in) > DECODE_LIMIT || want_no > LINE_LIMIT)
			break;
	}
	if (rc < 0 && !bw_input_error(in))
		fuzz_fail("%s", "read error without a message");
	if (rc == 0 && bw_input_codec(in) == BW_CODEC_PLAIN &&
	    bw_input_decoded_bytes(in) != size)
		fuzz_fail("plain input: %llu bytes decoded of %zu",
			  (unsigned long long)bw_input_decoded_bytes(in), size);
	if (rc == 0 && bw_input_raw_bytes(in) != size)
		fuzz_fail("read %llu bytes of %zu", (unsigned long long)bw_input_raw_bytes(in), size);
	bw_input_free(in);
	return 0;
}
