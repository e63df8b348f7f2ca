/*
 * registry.c - the static tables of line parsers and syslog message
 * parsers, and format sniffing. Order matters only for ties in sniffing:
 * earlier entries win.
 */
#include "parser.h"

#include <string.h>

extern const struct bw_parser bw_parser_combined, bw_parser_common,
	bw_parser_vhost_combined, bw_parser_nginx, bw_parser_apache_ssl;
/* auth (issue 3) */
extern const struct bw_parser bw_parser_syslog, bw_parser_journald,
	bw_parser_windows, bw_parser_okta, bw_parser_entra;
extern const struct bw_msg_parser bw_msg_sshd, bw_msg_sudo, bw_msg_su,
	bw_msg_login, bw_msg_dovecot, bw_msg_postfix, bw_msg_account, bw_msg_pam;

const struct bw_parser *const bw_parsers[] = {
	&bw_parser_combined,
	&bw_parser_common,
	&bw_parser_vhost_combined,
	&bw_parser_nginx,
	&bw_parser_apache_ssl,
	&bw_parser_syslog,
	&bw_parser_journald,
	&bw_parser_windows,
	&bw_parser_okta,
	&bw_parser_entra,
	NULL,
};

const struct bw_msg_parser *const bw_msg_parsers[] = {
	/* auth: by programme name, then generic PAM (programs == NULL) */
	&bw_msg_sshd,
	&bw_msg_sudo,
	&bw_msg_su,
	&bw_msg_login,
	&bw_msg_dovecot,
	&bw_msg_postfix,
	&bw_msg_account,
	&bw_msg_pam,
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
