/*
 * auth_syslog.h - the syslog message dispatcher shared by the syslog line
 * parser (auth_syslog.c) and the journald JSON parser (auth_journald.c).
 * Parsers only; the analyzer reaches these through the registry.
 */
#ifndef BW_AUTH_SYSLOG_H
#define BW_AUTH_SYSLOG_H

#include "parser.h"

/* Hand a framed syslog message to the programme parsers: first those whose
 * `programs` list names program (a "su(pam_unix)" style tag matches as
 * "su"), then those with programs == NULL. Unwraps rsyslog's
 * "message repeated N times: [ ... ]" into ev->repeat = N. ev must already
 * hold time, host, program and provenance.
 * @return the first answer other than NOT_MINE; IGNORED with a reason when
 * no parser claims the message. */
enum bw_parse_rc bw_syslog_dispatch(struct bw_parse_ctx *ctx, bw_str program,
				    char *msg, size_t n, bw_event *ev);

/* @return program without a trailing "(module)" part: "su(pam_unix)" ->
 * "su". */
bw_str bw_syslog_program_base(bw_str program);

#endif /* BW_AUTH_SYSLOG_H */
