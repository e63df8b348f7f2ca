/*
 * vpn_helpers.h - shared by tests/test_vpn*.c: run a line parser or a
 * syslog message parser on a literal line, with a fresh event and
 * per-input state, the way the input layer does.
 */
#ifndef BW_TEST_VPN_HELPERS_H
#define BW_TEST_VPN_HELPERS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bw_time.h"
#include "bw_util.h"
#include "event.h"
#include "parser.h"

static char vt_buf[8192];
static char vt_state[4096] __attribute__((aligned(16)));
static struct bw_parse_ctx vt_ctx;
static bw_event vt_ev;

/* Start a new input (state zeroed). */
static inline void vt_open(void)
{
	memset(vt_state, 0, sizeof(vt_state));
	memset(&vt_ctx, 0, sizeof(vt_ctx));
	vt_ctx.tz = bw_tz_get("UTC");
	vt_ctx.default_year = 2024;
	vt_ctx.state = vt_state;
}

static inline enum bw_parse_rc vt_line(const struct bw_parser *p, const char *line)
{
	size_t n = strlen(line);
	if (n >= sizeof(vt_buf))
		n = sizeof(vt_buf) - 1;
	memcpy(vt_buf, line, n);
	bw_event_clear(&vt_ev);
	vt_ev.line = bw_str_make(vt_buf, n);
	vt_ctx.reason = NULL;
	return p->parse(&vt_ctx, vt_buf, n, &vt_ev);
}

/* A message as the syslog framer hands it over: ts, host, program set. */
static inline enum bw_parse_rc vt_msg(const struct bw_msg_parser *p,
				      const char *program, const char *msg)
{
	size_t n = strlen(msg);
	if (n >= sizeof(vt_buf))
		n = sizeof(vt_buf) - 1;
	memcpy(vt_buf, msg, n);
	bw_event_clear(&vt_ev);
	vt_ev.ts_ms = 1700000000000;
	vt_ev.source = BW_SRC_AUTH; /* what the syslog framer presets */
	vt_ev.format = "syslog";
	vt_ev.host = BW_STR_LIT("gw1");
	vt_ev.program = bw_str_make(program, strlen(program));
	vt_ctx.reason = NULL;
	return p->parse(&vt_ctx, vt_ev.program, vt_buf, n, &vt_ev);
}

/* Format an address for CHECK_EQ_STR. */
static inline const char *vt_ip(const bw_ip *ip)
{
	static char b[4][64];
	static int i;
	char *o = b[i++ & 3];
	if (!ip->family)
		return "(none)";
	bw_ip_format(ip, o, 64);
	return o;
}

/* ms since epoch of a UTC civil time. */
static inline int64_t vt_ms(int y, int mo, int d, int h, int mi, int s)
{
	return bw_epoch_from_civil(y, mo, d, h, mi, s) * 1000;
}

/* Read a whole file (tests of ../shared/corpora). NULL when absent. */
static inline char *vt_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap + 1);
	size_t r;
	while (b && (r = fread(b + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			char *nb = realloc(b, cap * 2 + 1);
			if (!nb) {
				free(b);
				b = NULL;
				break;
			}
			b = nb;
			cap *= 2;
		}
	}
	fclose(f);
	if (b) {
		b[n] = '\0';
		*len = n;
	}
	return b;
}

/* Every parser on every prefix of every seed, plain and with one byte
 * mutated, each call on an exact-size heap copy so that ASan reports
 * any read past the line. Checks that a rejection names its reason.
 * Message parsers also get a programme view overlapping the message
 * (what a syslog framer passes for tag-less products). */
static inline void vt_hostile(const char *const *seeds, size_t nseeds,
			      const struct bw_parser *const *lines,
			      const struct bw_msg_parser *const *msgs,
			      int *reasons_missing)
{
	uint32_t rnd = 12345;
	for (size_t s = 0; s < nseeds; s++) {
		size_t n = strlen(seeds[s]);
		for (size_t cut = 0; cut <= n; cut++) {
			for (int mut = 0; mut < 3; mut++) {
				size_t pos = 0;
				char byte = 0;
				if (mut && cut) {
					rnd = rnd * 1103515245u + 12345u;
					pos = (rnd >> 8) % cut;
					byte = mut == 1 ? (char)(rnd >> 16) : '\0';
				}
				for (int i = 0; lines && lines[i]; i++) {
					for (int pass = 0; pass < 2; pass++) {
						char *b = malloc(cut ? cut : 1);
						memcpy(b, seeds[s], cut);
						if (mut && cut)
							b[pos] = byte;
						vt_open();
						bw_event_clear(&vt_ev);
						vt_ctx.reason = NULL;
						enum bw_parse_rc rc = BW_PARSE_OK;
						if (pass == 0)
							lines[i]->sniff(b, cut);
						else
							rc = lines[i]->parse(&vt_ctx, b, cut, &vt_ev);
						if ((rc == BW_PARSE_MALFORMED || rc == BW_PARSE_IGNORED) &&
						    !vt_ctx.reason)
							(*reasons_missing)++;
						free(b);
					}
				}
				for (int i = 0; msgs && msgs[i]; i++) {
					for (int pass = 0; pass < 2; pass++) {
						char *b = malloc(cut ? cut : 1);
						memcpy(b, seeds[s], cut);
						if (mut && cut)
							b[pos] = byte;
						vt_open();
						bw_event_clear(&vt_ev);
						vt_ctx.reason = NULL;
						bw_str prog = BW_STR_LIT("x");
						if (pass) {
							size_t w = 0;
							while (w < cut && b[w] != ' ')
								w++;
							prog = bw_str_make(b, w);
						}
						enum bw_parse_rc rc = msgs[i]->parse(&vt_ctx, prog, b, cut, &vt_ev);
						if ((rc == BW_PARSE_MALFORMED || rc == BW_PARSE_IGNORED) &&
						    !vt_ctx.reason)
							(*reasons_missing)++;
						free(b);
					}
				}
			}
		}
	}
}

#endif
