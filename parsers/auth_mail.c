/*
 * auth_mail.c - mail server logins: dovecot (IMAP/POP3/submission) and
 * postfix SMTP AUTH (SASL). Mail brute force and password spraying are
 * common, and these are the lines that show it.
 *
 * dovecot (tag "dovecot" or the service itself, e.g. "imap-login"):
 *   imap-login: Login: user=<U>, method=PLAIN, rip=IP, lip=IP, mpid=N, TLS, ...
 *   imap-login: Disconnected (auth failed, N attempts in S secs): user=<U>, method=M, rip=IP, ...
 *   imap-login: Aborted login (auth failed, N attempts in S secs): user=<U>, ...
 *   imap-login: Login aborted: Connection closed (auth failed, N attempts in S secs) (auth_failed): user=<U>, ...
 *   imap-login: Disconnected (no auth attempts in S secs): user=<>, rip=IP, ...
 *   auth: pam_unix(dovecot:auth): authentication failure; ...  (-> PAM)
 *   auth-worker(N): pam(U,IP[,<sess>]): pam_authenticate() failed: ...
 *   auth: passwd-file(U,IP[,<sess>]): unknown user | Password mismatch
 *
 * postfix/smtpd (and submission/smtps variants):
 *   warning: NAME[IP]: SASL LOGIN authentication failed: ...[, sasl_username=U]
 *   QUEUEID: client=NAME[IP], sasl_method=PLAIN, sasl_username=U
 */
#include "parser.h"
#include "auth_msg.h"
#include "auth_scan.h"
#include "bw_util.h"

#include <string.h>

static bw_str angle(bw_str v)
{
	if (v.n >= 2 && v.p[0] == '<' && v.p[v.n - 1] == '>') {
		v.p++;
		v.n -= 2;
	}
	return v;
}

static void mail_login(bw_event *ev, int ok, const char *action)
{
	ev->kind = BW_KIND_LOGIN;
	ev->outcome = ok ? BW_OUTCOME_SUCCESS : BW_OUTCOME_FAILURE;
	ev->action = bw_str_make(action, strlen(action));
	if (!ok)
		ev->reason = BW_STR_LIT("auth_failed");
}

/* user=<U>, method=M, rip=IP, lip=IP fields after the colon. */
static void dovecot_fields(struct bw_cur c, bw_event *ev)
{
	bw_str v;
	if (bw_kv_get(c.p, bw_cur_left(&c), "user", &v) && angle(v).n)
		ev->user = angle(v);
	if (bw_kv_get(c.p, bw_cur_left(&c), "method", &v) && v.n)
		ev->auth_method = v;
	if (bw_kv_get(c.p, bw_cur_left(&c), "rip", &v))
		bw_ip_from_view(v, &ev->src_ip);
	if (bw_kv_get(c.p, bw_cur_left(&c), "session", &v) && v.n)
		ev->session_id = angle(v);
}

static enum bw_parse_rc dovecot_parse(struct bw_parse_ctx *ctx, bw_str program,
				      char *msg, size_t n, bw_event *ev)
{
	struct bw_cur c = bw_cur_make(msg, n);
	bw_cur_skip_spaces(&c);
	/* Service prefix: "imap-login: ", "auth: ", "auth-worker(123): ". */
	bw_str svc = program;
	const char *col = memchr(c.p, ':', bw_cur_left(&c) < 40 ? bw_cur_left(&c) : 40);
	if (col && col + 1 < c.end && col[1] == ' ' && !memchr(c.p, ' ', (size_t)(col - c.p))) {
		svc = bw_str_make(c.p, (size_t)(col - c.p));
		c.p = col + 2;
	}
	if (BW_AT(&c, "pam_"))
		return bw_pam_message(ctx, program, msg + (c.p - msg), bw_cur_left(&c), ev);
	int is_login = bw_str_starts(svc, "imap") || bw_str_starts(svc, "pop3") ||
		       bw_str_starts(svc, "submission") || bw_str_starts(svc, "managesieve") ||
		       bw_str_starts(svc, "lmtp");
	if (BW_LIT(&c, "Login: ")) {
		mail_login(ev, 1, "mail_login");
		dovecot_fields(c, ev);
		return BW_PARSE_OK;
	}
	const char *af = bw_memmem(c.p, bw_cur_left(&c), "(auth failed, ", 14);
	if (af && is_login) {
		mail_login(ev, 0, "mail_login");
		struct bw_cur r = { af + 14, c.end };
		uint64_t tries;
		if (bw_cur_uint(&r, &tries) && tries > 1)
			ev->repeat = tries > UINT32_MAX ? UINT32_MAX : (uint32_t)tries;
		const char *fc = bw_memmem(af, (size_t)(c.end - af), "): ", 3);
		if (fc)
			dovecot_fields((struct bw_cur){ fc + 3, c.end }, ev);
		return BW_PARSE_OK;
	}
	if (is_login && bw_memmem(c.p, bw_cur_left(&c), "(no auth attempts", 17)) {
		ev->kind = BW_KIND_PROBE;
		ev->outcome = BW_OUTCOME_FAILURE;
		ev->action = BW_STR_LIT("mail_probe");
		ev->reason = BW_STR_LIT("no_auth_attempts");
		const char *fc = bw_memmem(c.p, bw_cur_left(&c), "): ", 3);
		if (fc)
			dovecot_fields((struct bw_cur){ fc + 3, c.end }, ev);
		return BW_PARSE_OK;
	}
	/* Auth process: "MECH(user,ip[,<session>]): outcome". */
	if (bw_str_starts(svc, "auth")) {
		const char *o = memchr(c.p, '(', bw_cur_left(&c) < 32 ? bw_cur_left(&c) : 32);
		const char *e = o ? bw_memmem(o, (size_t)(c.end - o), "): ", 3) : NULL;
		if (o && e) {
			struct bw_cur r = { e + 3, c.end };
			int unknown = bw_memmem(r.p, bw_cur_left(&r), "unknown user", 12) != NULL;
			int mismatch = bw_memmem(r.p, bw_cur_left(&r), "ssword mismatch", 15) ||
				       bw_memmem(r.p, bw_cur_left(&r), "Authentication failure", 22);
			if (unknown || mismatch) {
				/* "user,ip[,<session>]": the user may hold commas, the
				 * address does not, so split from the right. */
				bw_str in = bw_str_make(o + 1, (size_t)(e - o - 1));
				if (in.n && in.p[in.n - 1] == '>') {
					const char *lt = bw_memrmem(in.p, in.n, ",<", 2);
					if (lt)
						in.n = (size_t)(lt - in.p);
				}
				const char *comma = bw_memrmem(in.p, in.n, ",", 1);
				if (comma) {
					bw_ip_from_view(bw_str_make(comma + 1,
						(size_t)(in.p + in.n - comma - 1)), &ev->src_ip);
					in.n = (size_t)(comma - in.p);
				}
				ev->user = in;
				mail_login(ev, 0, "mail_auth");
				ev->reason = unknown ? BW_STR_LIT("unknown_user")
						     : BW_STR_LIT("bad_password");
				return BW_PARSE_OK;
			}
		}
	}
	ctx->reason = "dovecot: message not modelled";
	return BW_PARSE_IGNORED;
}

/* "NAME[IP]" at p: fill src_ip (and src_host unless "unknown"). */
static void client_addr(const char *p, const char *end, bw_event *ev)
{
	const char *o = memchr(p, '[', (size_t)(end - p));
	const char *cl = o ? memchr(o, ']', (size_t)(end - o)) : NULL;
	if (!o || !cl)
		return;
	bw_ip_from_view(bw_str_make(o + 1, (size_t)(cl - o - 1)), &ev->src_ip);
	bw_str name = bw_str_make(p, (size_t)(o - p));
	if (name.n && !bw_str_eq(name, "unknown"))
		ev->src_host = name;
}

static enum bw_parse_rc postfix_parse(struct bw_parse_ctx *ctx, bw_str program,
				      char *msg, size_t n, bw_event *ev)
{
	(void)program;
	struct bw_cur c = bw_cur_make(msg, n);
	bw_cur_skip_spaces(&c);
	bw_str v;
	if (BW_LIT(&c, "warning: ")) {
		const char *sasl = bw_memmem(c.p, bw_cur_left(&c), "]: SASL ", 8);
		const char *failed = sasl ? bw_memmem(sasl, (size_t)(c.end - sasl),
						      " authentication failed", 22) : NULL;
		if (!failed)
			goto ignored;
		client_addr(c.p, sasl + 1, ev);
		/* "]: SASL LOGIN authentication failed": the method sits
		 * between; "]: SASL authentication failed" has none (the
		 * search above then finds the space that ends "SASL "). */
		if (failed > sasl + 8)
			ev->auth_method = bw_str_make(sasl + 8, (size_t)(failed - sasl - 8));
		mail_login(ev, 0, "smtp_auth");
		if (bw_kv_get(failed, (size_t)(c.end - failed), "sasl_username", &v) && v.n)
			ev->user = v;
		return BW_PARSE_OK;
	}
	const char *cl = bw_memmem(c.p, bw_cur_left(&c), "client=", 7);
	if (cl && bw_kv_get(c.p, bw_cur_left(&c), "sasl_username", &v)) {
		const char *ce = memchr(cl, ',', (size_t)(c.end - cl));
		client_addr(cl + 7, ce ? ce : c.end, ev);
		ev->user = v;
		if (bw_kv_get(c.p, bw_cur_left(&c), "sasl_method", &v) && v.n)
			ev->auth_method = v;
		mail_login(ev, 1, "smtp_auth");
		return BW_PARSE_OK;
	}
ignored:
	ctx->reason = "postfix: message not modelled";
	return BW_PARSE_IGNORED;
}

static const char *const dovecot_programs[] = {
	"dovecot", "imap-login", "pop3-login", "submission-login",
	"managesieve-login", "auth", "auth-worker", NULL,
};
static const char *const postfix_programs[] = {
	"postfix/smtpd", "postfix/submission/smtpd", "postfix/smtps/smtpd",
	"postfix/submissions/smtpd", NULL,
};

const struct bw_msg_parser bw_msg_dovecot = { "dovecot", dovecot_programs, dovecot_parse };
const struct bw_msg_parser bw_msg_postfix = { "postfix", postfix_programs, postfix_parse };
