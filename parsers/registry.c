/*
 * registry.c - the static tables of line parsers and syslog message
 * parsers, and format sniffing. Order matters only for ties in sniffing:
 * earlier entries win.
 */
#include "parser.h"

#include <string.h>

extern const struct bw_parser bw_parser_combined, bw_parser_common,
	bw_parser_vhost_combined, bw_parser_nginx, bw_parser_apache_ssl;

const struct bw_parser *const bw_parsers[] = {
	&bw_parser_combined,
	&bw_parser_common,
	&bw_parser_vhost_combined,
	&bw_parser_nginx,
	&bw_parser_apache_ssl,
	NULL,
};

const struct bw_msg_parser *const bw_msg_parsers[] = {
	NULL,
};

const struct bw_parser *bw_parser_find(const char *name)
{
	for (size_t i = 0; bw_parsers[i]; i++)
		if (strcmp(bw_parsers[i]->name, name) == 0)
			return bw_parsers[i];
	return NULL;
}

const struct bw_parser *bw_parser_sniff(const bw_str *lines, size_t nlines)
{
	const struct bw_parser *best = NULL;
	long best_score = 0;
	for (size_t i = 0; bw_parsers[i]; i++) {
		long score = 0;
		for (size_t k = 0; k < nlines; k++)
			score += bw_parsers[i]->sniff(lines[k].p, lines[k].n);
		if (score > best_score) {
			best_score = score;
			best = bw_parsers[i];
		}
	}
	return best;
}
