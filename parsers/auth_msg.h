/*
 * auth_msg.h - entry points shared between the authentication message
 * parsers (a dovecot line can carry a PAM message). Parsers only.
 */
#ifndef BW_AUTH_MSG_H
#define BW_AUTH_MSG_H

#include "parser.h"

/* Parse "pam_MOD(SVC:TYPE): text" at msg. @return as bw_msg_parser.parse;
 * NOT_MINE when msg is not a PAM module message. */
enum bw_parse_rc bw_pam_message(struct bw_parse_ctx *ctx, bw_str program,
				char *msg, size_t n, bw_event *ev);

#endif /* BW_AUTH_MSG_H */
