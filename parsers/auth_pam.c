/*
 * auth_pam.c - syslog message parsers for PAM modules (any programme),
 * sudo, su and login.
 *
 *   pam_MOD(SERVICE:TYPE): authentication failure; logname= uid= euid=
 *       tty= ruser= rhost=H  user=U                    -> login failure
 *   pam_MOD(SERVICE:TYPE): check pass; user unknown     -> login failure
 *   pam_MOD(SERVICE:session): session opened for user U[(uid=N)] by ...
 *   pam_MOD(SERVICE:session): session closed for user U
 *   pam_tally2(...): user U (uid) tally N, deny M        -> lockout
 *   pam_faillock(...): Consecutive login failures for user U account
 *       temporarily locked                               -> lockout
 *   old style: prog(pam_unix)[pid]: authentication failure; ...
 *
 *   sudo:  U : [N incorrect password attempts|user NOT in sudoers|...] ;
 *          TTY=t ; PWD=d ; USER=target ; COMMAND=cmd     -> privilege
 *   su:    Successful su for T by U | FAILED su for T by U | + tty U:T |
 *          - tty U:T | (to T) U on tty | FAILED SU (to T) U on tty |
 *          U to T on tty | BAD SU U to T on tty          -> privilege
 *   login: FAILED LOGIN (N) on 'tty' [FROM 'h'] FOR 'U', reason |
 *          ROOT LOGIN on 'tty' [FROM h] | LOGIN ON tty BY U -> login
 *   useradd/usermod: new user: name=U | add 'U' to group 'G'
 *
 * For PAM services sudo and su an authentication failure is a failed
 * privilege change (kind privilege), not a login. For sshd it is kind
 * other: sshd writes every attempt itself ("Failed password for ..."),
 * and counting its PAM line too would count each attempt twice. The PAM summary
 * "N more authentication failures" repeats what was logged line by line
 * and is ignored.
 */
#include "parser.h"
#include "auth_scan.h"
#include "auth_msg.h"
#include "auth_syslog.h"
#include "bw_util.h"

#include <string.h>

/* Strip "(uid=N)" glued to a user name. */
static bw_str strip_uid(bw_str u)
{
	const char *o = u.p ? memchr(u.p, '(', u.n) : NULL;
	if (o)
		u.n = (size_t)(o - u.p);
	return u;
}

static void set_src(bw_event *ev, bw_str host)
{
	if (!host.n)
		return;
	if (!bw_ip_from_view(host, &ev->src_ip))
		ev->src_host = host;
}

static int is_priv_service(bw_str svc)
{
	return bw_str_eq(svc, "sudo") || bw_str_eq(svc, "sudo-i") ||
	       bw_str_eq(svc, "su") || bw_str_eq(svc, "su-l");
}

static int is_sudo(bw_str svc)
{
	return bw_str_eq(svc, "sudo") || bw_str_eq(svc, "sudo-i");
}

static int is_sshd(bw_str svc)
{
	return bw_str_eq(svc, "sshd") || bw_str_eq(svc, "sshd-session");
}

/* The text of a PAM message after "pam_MOD(SVC:TYPE): ". */
static enum bw_parse_rc pam_body(struct bw_parse_ctx *ctx, bw_str module, bw_str svc,
				 struct bw_cur c, bw_event *ev)
{
	ev->action = BW_STR_LIT("pam_auth");
	if (BW_LIT(&c, "authentication failure;")) {
		bw_str user = BW_STR_NULL, ruser = BW_STR_NULL, rhost = BW_STR_NULL;
		bw_kv_get(c.p, bw_cur_left(&c), "user", &user);
		bw_kv_get(c.p, bw_cur_left(&c), "ruser", &ruser);
		bw_kv_get(c.p, bw_cur_left(&c), "rhost", &rhost);
		ev->outcome = BW_OUTCOME_FAILURE;
		ev->reason = BW_STR_LIT("auth_failure");
		if (is_sshd(svc))
			ev->auth_method = BW_STR_LIT("password");
		set_src(ev, rhost);
		if (is_priv_service(svc)) {
			/* sudo writes its own line when it gives up ("3
			 * incorrect password attempts ; ... COMMAND=..."), so
			 * its PAM line is one typo, maybe followed by success */
			ev->kind = is_sudo(svc) ? BW_KIND_OTHER : BW_KIND_PRIVILEGE;
			if (bw_str_starts(svc, "su") && !bw_str_starts(svc, "sudo")) {
				ev->user = ruser.n ? ruser : BW_STR_NULL;
				ev->target_user = user.n ? user : BW_STR_NULL;
			} else {
				ev->user = user.n ? user : ruser.n ? ruser : BW_STR_NULL;
			}
		} else {
			/* sshd writes each attempt itself ("Failed password
			 * for ..."): its PAM line is the same attempt again */
			ev->kind = is_sshd(svc) ? BW_KIND_OTHER : BW_KIND_LOGIN;
			if (user.n)
				ev->user = user;
		}
		return BW_PARSE_OK;
	}
	if (BW_LIT(&c, "check pass; user unknown")) {
		ev->kind = is_sshd(svc) ? BW_KIND_OTHER : BW_KIND_LOGIN;
		ev->outcome = BW_OUTCOME_FAILURE;
		ev->reason = BW_STR_LIT("unknown_user");
		return BW_PARSE_OK;
	}
	int open = 0;
	if ((open = BW_LIT(&c, "session opened for user ")) ||
	    BW_LIT(&c, "session closed for user ")) {
		bw_str u = bw_cur_word(&c);
		ev->user = strip_uid(u);
		ev->kind = open ? BW_KIND_SESSION_START : BW_KIND_SESSION_END;
		ev->outcome = BW_OUTCOME_SUCCESS;
		ev->action = open ? BW_STR_LIT("session_open") : BW_STR_LIT("session_close");
		if (open && BW_LIT(&c, "by ")) {
			bw_str by = strip_uid(bw_cur_word(&c));
			if (by.n && is_priv_service(svc))
				ev->target_user = ev->user, ev->user = by;
		}
		return BW_PARSE_OK;
	}
	if (bw_str_eq(module, "pam_tally2") || bw_str_eq(module, "pam_tally")) {
		/* "user U (uid) tally N, deny M" */
		if (BW_LIT(&c, "user ")) {
			ev->user = bw_cur_word(&c);
			const char *t = bw_memmem(c.p, bw_cur_left(&c), "tally ", 6);
			const char *d = bw_memmem(c.p, bw_cur_left(&c), "deny ", 5);
			uint64_t tally = 0, deny = 0;
			if (t && d && bw_parse_u64(t + 6, c.end, &tally) &&
			    bw_parse_u64(d + 5, c.end, &deny) && tally >= deny) {
				ev->kind = BW_KIND_LOCKOUT;
				ev->outcome = BW_OUTCOME_FAILURE;
				ev->reason = BW_STR_LIT("too_many_failures");
				ev->action = BW_STR_LIT("account_locked");
				return BW_PARSE_OK;
			}
		}
	}
	if (BW_LIT(&c, "Consecutive login failures for user ")) {
		const char *a = bw_memmem(c.p, bw_cur_left(&c), " account temporarily locked", 27);
		if (a) {
			ev->user = bw_str_make(c.p, (size_t)(a - c.p));
			ev->kind = BW_KIND_LOCKOUT;
			ev->outcome = BW_OUTCOME_FAILURE;
			ev->reason = BW_STR_LIT("too_many_failures");
			ev->action = BW_STR_LIT("account_locked");
			return BW_PARSE_OK;
		}
	}
	if (BW_LIT(&c, "received for user ")) {
		/* pam_sss: "received for user U: 7 (Authentication failure)" */
		const char *col = memchr(c.p, ':', bw_cur_left(&c));
		if (col) {
			ev->user = bw_str_make(c.p, (size_t)(col - c.p));
			struct bw_cur r = { col + 1, c.end };
			bw_cur_skip_spaces(&r);
			uint64_t code;
			if (bw_cur_uint(&r, &code) && (code == 7 || code == 10)) {
				ev->kind = is_sudo(svc) || is_sshd(svc) ? BW_KIND_OTHER :
					   is_priv_service(svc) ? BW_KIND_PRIVILEGE :
								  BW_KIND_LOGIN;
				ev->outcome = BW_OUTCOME_FAILURE;
				ev->reason = code == 7 ? BW_STR_LIT("auth_failure")
						       : BW_STR_LIT("unknown_user");
				return BW_PARSE_OK;
			}
		}
	}
	ev->action = BW_STR_NULL;
	ev->user = BW_STR_NULL;
	ctx->reason = "PAM: message not modelled";
	return BW_PARSE_IGNORED;
}

/* Generic PAM: "pam_MOD(SVC:TYPE): text" under any programme, or the old
 * "prog(pam_unix)[pid]: text" tag. */
enum bw_parse_rc bw_pam_message(struct bw_parse_ctx *ctx, bw_str program,
				char *msg, size_t n, bw_event *ev)
{
	struct bw_cur c = bw_cur_make(msg, n);
	bw_cur_skip_spaces(&c);
	bw_str module, svc;
	if (BW_AT(&c, "pam_")) {
		const char *o = memchr(c.p, '(', bw_cur_left(&c) < 64 ? bw_cur_left(&c) : 64);
		if (!o)
			return BW_PARSE_NOT_MINE;
		const char *cl = memchr(o, ')', (size_t)(c.end - o));
		if (!cl || cl + 1 >= c.end || cl[1] != ':')
			return BW_PARSE_NOT_MINE;
		module = bw_str_make(c.p, (size_t)(o - c.p));
		const char *colon = memchr(o, ':', (size_t)(cl - o));
		svc = bw_str_make(o + 1, (size_t)((colon ? colon : cl) - o - 1));
		c.p = cl + 2;
		bw_cur_skip_spaces(&c);
	} else if (program.n > 6 && program.p[program.n - 1] == ')' &&
		   bw_memmem(program.p, program.n, "(pam_", 5)) {
		const char *o = bw_memmem(program.p, program.n, "(pam_", 5);
		module = bw_str_make(o + 1, (size_t)(program.p + program.n - o - 2));
		svc = bw_syslog_program_base(program);
	} else {
		return BW_PARSE_NOT_MINE;
	}
	/* The summary of failures already logged one by one. */
	if (bw_cur_left(&c) > 0 && ((*c.p >= '0' && *c.p <= '9') || BW_AT(&c, "PAM "))) {
		ctx->reason = "PAM: 'N more authentication failures' summary";
		return BW_PARSE_IGNORED;
	}
	return pam_body(ctx, module, svc, c, ev);
}

/* ------------------------------------------------------------------ */

static enum bw_parse_rc sudo_parse(struct bw_parse_ctx *ctx, bw_str program,
				   char *msg, size_t n, bw_event *ev)
{
	(void)program;
	struct bw_cur c = bw_cur_make(msg, n);
	bw_cur_skip_spaces(&c);
	const char *sep = bw_memmem(c.p, bw_cur_left(&c), " : ", 3);
	if (!sep || BW_AT(&c, "pam_"))
		return BW_PARSE_NOT_MINE;
	ev->user = bw_str_trim(bw_str_make(c.p, (size_t)(sep - c.p)));
	c.p = sep + 3;
	ev->kind = BW_KIND_PRIVILEGE;
	ev->outcome = BW_OUTCOME_SUCCESS;
	ev->action = BW_STR_LIT("sudo");
	/* An optional complaint before the first "KEY=" segment. */
	if (!BW_AT(&c, "TTY=") && !BW_AT(&c, "HOST=")) {
		const char *semi = bw_memmem(c.p, bw_cur_left(&c), " ; ", 3);
		bw_str what = bw_str_make(c.p, semi ? (size_t)(semi - c.p) : bw_cur_left(&c));
		ev->outcome = BW_OUTCOME_FAILURE;
		uint64_t tries;
		struct bw_cur w = bw_cur_make(what.p, what.n);
		if (bw_cur_uint(&w, &tries) && BW_LIT(&w, " incorrect password attempt")) {
			ev->reason = BW_STR_LIT("bad_password");
			bw_repeat_times(ev, tries);
		} else if (bw_str_eq(what, "user NOT in sudoers")) {
			ev->reason = BW_STR_LIT("not_in_sudoers");
		} else if (bw_str_eq(what, "command not allowed")) {
			ev->reason = BW_STR_LIT("command_not_allowed");
		} else if (bw_str_eq(what, "a password is required")) {
			ev->reason = BW_STR_LIT("password_required");
		} else if (bw_str_starts(what, "user NOT authorized on host")) {
			ev->reason = BW_STR_LIT("not_authorized_on_host");
		} else {
			ev->reason = what;
		}
		c.p = semi ? semi + 3 : c.end;
	}
	const char *cmd = bw_memmem(c.p, bw_cur_left(&c), "COMMAND=", 8);
	const char *kv_end = cmd ? cmd : c.end;
	bw_str target;
	if (bw_kv_get(c.p, (size_t)(kv_end - c.p), "USER", &target) && target.n)
		ev->target_user = target;
	if (cmd)
		ev->command = bw_str_trim(bw_str_make(cmd + 8, (size_t)(c.end - cmd - 8)));
	if (!cmd && ev->outcome == BW_OUTCOME_SUCCESS) {
		ev->kind = BW_KIND_NONE;
		ev->action = BW_STR_NULL;
		ctx->reason = "sudo: message not modelled";
		return BW_PARSE_IGNORED;
	}
	return BW_PARSE_OK;
}

/* ------------------------------------------------------------------ */

static enum bw_parse_rc su_result(bw_event *ev, int ok, bw_str user, bw_str target)
{
	ev->kind = BW_KIND_PRIVILEGE;
	ev->outcome = ok ? BW_OUTCOME_SUCCESS : BW_OUTCOME_FAILURE;
	ev->action = BW_STR_LIT("su");
	if (user.n)
		ev->user = user;
	if (target.n)
		ev->target_user = target;
	if (!ok)
		ev->reason = BW_STR_LIT("auth_failure");
	return BW_PARSE_OK;
}

static enum bw_parse_rc su_parse(struct bw_parse_ctx *ctx, bw_str program,
				 char *msg, size_t n, bw_event *ev)
{
	(void)program;
	struct bw_cur c = bw_cur_make(msg, n);
	bw_cur_skip_spaces(&c);
	if (BW_AT(&c, "pam_"))
		return BW_PARSE_NOT_MINE;
	int ok;
	if ((ok = BW_LIT(&c, "Successful su for ")) || BW_LIT(&c, "FAILED su for ")) {
		bw_str target = bw_cur_word(&c);
		if (BW_LIT(&c, "by "))
			return su_result(ev, ok, bw_str_trim(bw_str_make(c.p, bw_cur_left(&c))), target);
	} else if ((ok = BW_LIT(&c, "+ ")) || BW_LIT(&c, "- ")) {
		(void)bw_cur_word(&c); /* tty */
		bw_str w = bw_str_trim(bw_str_make(c.p, bw_cur_left(&c)));
		const char *col = w.n ? memchr(w.p, ':', w.n) : NULL;
		if (col)
			return su_result(ev, ok, bw_str_make(w.p, (size_t)(col - w.p)),
					 bw_str_make(col + 1, (size_t)(w.p + w.n - col - 1)));
	} else if ((ok = BW_LIT(&c, "(to ")) || BW_LIT(&c, "FAILED SU (to ")) {
		const char *cl = memchr(c.p, ')', bw_cur_left(&c));
		if (cl) {
			bw_str target = bw_str_make(c.p, (size_t)(cl - c.p));
			c.p = cl + 1;
			bw_cur_skip_spaces(&c);
			return su_result(ev, ok, bw_cur_word(&c), target);
		}
	} else if (BW_LIT(&c, "BAD SU ") || BW_LIT(&c, "failed: ")) {
		/* BSD "BAD SU U to T on tty"; IRIX "failed: tty changing from U to T" */
		if (BW_AT(&c, "tty") || bw_memmem(c.p, bw_cur_left(&c), " changing from ", 15)) {
			const char *f = bw_memmem(c.p, bw_cur_left(&c), "changing from ", 14);
			if (f)
				c.p = f + 14;
		}
		bw_str u = bw_cur_word(&c);
		if (BW_LIT(&c, "to "))
			return su_result(ev, 0, u, bw_cur_word(&c));
	} else {
		/* BSD success: "U to T on tty" */
		struct bw_cur s = c;
		bw_str u = bw_cur_word(&s);
		if (u.n && BW_LIT(&s, "to ")) {
			bw_str t = bw_cur_word(&s);
			if (t.n && BW_AT(&s, "on "))
				return su_result(ev, 1, u, t);
		}
	}
	ctx->reason = "su: message not modelled";
	return BW_PARSE_IGNORED;
}

/* ------------------------------------------------------------------ */

/* 'quoted' or bare word at c. */
static bw_str quoted_word(struct bw_cur *c)
{
	if (c->p < c->end && *c->p == '\'') {
		const char *e = memchr(c->p + 1, '\'', bw_cur_left(c) - 1);
		if (e) {
			bw_str s = bw_str_make(c->p + 1, (size_t)(e - c->p - 1));
			c->p = e + 1;
			return s;
		}
	}
	bw_str w = bw_cur_word(c);
	while (w.n && (w.p[w.n - 1] == ',' || w.p[w.n - 1] == '\''))
		w.n--;
	return w;
}

static enum bw_parse_rc login_parse(struct bw_parse_ctx *ctx, bw_str program,
				    char *msg, size_t n, bw_event *ev)
{
	(void)program;
	struct bw_cur c = bw_cur_make(msg, n);
	bw_cur_skip_spaces(&c);
	if (BW_AT(&c, "pam_"))
		return BW_PARSE_NOT_MINE;
	ev->kind = BW_KIND_LOGIN;
	ev->action = BW_STR_LIT("login");
	if (BW_LIT(&c, "FAILED LOGIN ")) {
		ev->outcome = BW_OUTCOME_FAILURE;
		ev->reason = BW_STR_LIT("auth_failure");
		const char *from = bw_memmem(c.p, bw_cur_left(&c), "FROM ", 5);
		const char *for_ = bw_memmem(c.p, bw_cur_left(&c), "FOR ", 4);
		if (from && (!for_ || from < for_)) {
			struct bw_cur h = { from + 5, c.end };
			set_src(ev, quoted_word(&h));
		}
		if (for_) {
			struct bw_cur u = { for_ + 4, c.end };
			bw_str user = quoted_word(&u);
			if (!bw_str_eq(user, "UNKNOWN"))
				ev->user = user;
			else
				ev->reason = BW_STR_LIT("unknown_user");
		}
		return BW_PARSE_OK;
	}
	if (BW_LIT(&c, "ROOT LOGIN")) {
		ev->outcome = BW_OUTCOME_SUCCESS;
		ev->user = BW_STR_LIT("root");
		const char *from = bw_memmem(c.p, bw_cur_left(&c), "FROM ", 5);
		if (from) {
			struct bw_cur h = { from + 5, c.end };
			set_src(ev, quoted_word(&h));
		}
		return BW_PARSE_OK;
	}
	if (BW_LIT(&c, "LOGIN ON ")) {
		(void)bw_cur_word(&c);
		if (BW_LIT(&c, "BY ")) {
			ev->outcome = BW_OUTCOME_SUCCESS;
			ev->user = bw_cur_word(&c);
			if (BW_LIT(&c, "FROM "))
				set_src(ev, bw_cur_word(&c));
			return BW_PARSE_OK;
		}
	}
	ev->kind = BW_KIND_NONE;
	ev->action = BW_STR_NULL;
	ctx->reason = "login: message not modelled";
	return BW_PARSE_IGNORED;
}

/* ------------------------------------------------------------------ */

/* Account changes that matter after a breach (persistence):
 *   useradd: new user: name=U, UID=N, ...     -> other, "user_created"
 *   usermod: add 'U' to group 'G'             -> privilege, "group_add"
 *   usermod: add 'U' to shadow group 'G'      -> (same) */
static enum bw_parse_rc account_parse(struct bw_parse_ctx *ctx, bw_str program,
				      char *msg, size_t n, bw_event *ev)
{
	(void)program;
	struct bw_cur c = bw_cur_make(msg, n);
	bw_cur_skip_spaces(&c);
	bw_str v;
	if (BW_LIT(&c, "new user: ") && bw_kv_get(c.p, bw_cur_left(&c), "name", &v) && v.n) {
		ev->kind = BW_KIND_OTHER;
		ev->outcome = BW_OUTCOME_SUCCESS;
		ev->action = BW_STR_LIT("user_created");
		ev->user = v;
		return BW_PARSE_OK;
	}
	if (BW_LIT(&c, "add '")) {
		const char *q = memchr(c.p, '\'', bw_cur_left(&c));
		const char *g = q ? bw_memmem(q, (size_t)(c.end - q), "group '", 7) : NULL;
		const char *ge = g ? memchr(g + 7, '\'', (size_t)(c.end - g - 7)) : NULL;
		if (ge) {
			ev->kind = BW_KIND_PRIVILEGE;
			ev->outcome = BW_OUTCOME_SUCCESS;
			ev->action = BW_STR_LIT("group_add");
			ev->user = bw_str_make(c.p, (size_t)(q - c.p));
			ev->target_user = bw_str_make(g + 7, (size_t)(ge - g - 7));
			return BW_PARSE_OK;
		}
	}
	ctx->reason = "account tools: message not modelled";
	return BW_PARSE_IGNORED;
}

static const char *const account_programs[] = { "useradd", "adduser", "usermod", NULL };
static const char *const sudo_programs[] = { "sudo", NULL };
static const char *const su_programs[] = { "su", "su-l", NULL };
static const char *const login_programs[] = { "login", NULL };

const struct bw_msg_parser bw_msg_pam = { "pam", NULL, bw_pam_message };
const struct bw_msg_parser bw_msg_account = { "account", account_programs, account_parse };
const struct bw_msg_parser bw_msg_sudo = { "sudo", sudo_programs, sudo_parse };
const struct bw_msg_parser bw_msg_su = { "su", su_programs, su_parse };
const struct bw_msg_parser bw_msg_login = { "login", login_programs, login_parse };
