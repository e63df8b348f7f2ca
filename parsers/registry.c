/*
 * registry.c - the static tables of line parsers and syslog message
 * parsers, and format sniffing. Order matters only for ties in sniffing:
 * earlier entries win.
 */
#include "parser.h"

#include <string.h>

extern const struct bw_parser bw_parser_combined, bw_parser_common,
	bw_parser_vhost_combined, bw_parser_nginx, bw_parser_apache_ssl,
	bw_parser_iis, bw_parser_caddy, bw_parser_traefik_json,
	bw_parser_haproxy;
/* auth (issue 3) */
extern const struct bw_parser bw_parser_syslog, bw_parser_journald,
	bw_parser_windows, bw_parser_okta, bw_parser_entra;
extern const struct bw_msg_parser bw_msg_sshd, bw_msg_sudo, bw_msg_su,
	bw_msg_login, bw_msg_dovecot, bw_msg_postfix, bw_msg_account, bw_msg_pam;
/* VPN (issue 4) */
extern const struct bw_parser bw_parser_openvpn, bw_parser_openvpn_status,
	bw_parser_cisco_asa, bw_parser_fortigate, bw_parser_panos,
	bw_parser_ivanti, bw_parser_charon, bw_parser_netscaler;
extern const struct bw_msg_parser bw_msg_openvpn, bw_msg_charon,
	bw_msg_cisco_asa, bw_msg_fortigate, bw_msg_panos, bw_msg_ivanti,
	bw_msg_netscaler;

const struct bw_parser *const bw_parsers[] = {
	&bw_parser_combined,
	&bw_parser_common,
	&bw_parser_vhost_combined,
	&bw_parser_nginx,
	&bw_parser_apache_ssl,
	&bw_parser_iis,
	&bw_parser_caddy,
	&bw_parser_traefik_json,
	&bw_parser_haproxy,
	/* Product formats before generic syslog: sniffing ties go to the
	 * earlier entry, and "2024-01-05 10:00:00 us=1 ..." (OpenVPN's own
	 * log) also looks like an RFC 3339 syslog frame. */
	&bw_parser_openvpn,
	&bw_parser_openvpn_status,
	&bw_parser_cisco_asa,
	&bw_parser_fortigate,
	&bw_parser_panos,
	&bw_parser_ivanti,
	&bw_parser_charon,
	&bw_parser_netscaler,
	&bw_parser_syslog,
	&bw_parser_journald,
	&bw_parser_windows,
	&bw_parser_okta,
	&bw_parser_entra,
	NULL,
};
_Static_assert(sizeof(bw_parsers) / sizeof(bw_parsers[0]) - 1 <= BW_MAX_PARSERS,
	       "BW_MAX_PARSERS holds every parser");

const struct bw_msg_parser *const bw_msg_parsers[] = {
	/* by programme name */
	&bw_msg_sshd,
	&bw_msg_sudo,
	&bw_msg_su,
	&bw_msg_login,
	&bw_msg_dovecot,
	&bw_msg_postfix,
	&bw_msg_account,
	&bw_msg_openvpn,
	&bw_msg_charon,
	/* programs == NULL: tried on every programme, in this order; the
	 * VPN products' cheap prefix checks before generic PAM */
	&bw_msg_cisco_asa,
	&bw_msg_fortigate,
	&bw_msg_panos,
	&bw_msg_ivanti,
	&bw_msg_netscaler,
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
