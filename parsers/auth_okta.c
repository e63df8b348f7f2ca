/*
 * auth_okta.c - Okta System Log events (API /api/v1/logs or a SIEM
 * export), one JSON object per line or a JSON array file:
 *
 *   published                          -> ts
 *   eventType                          -> action; selects the kind
 *   outcome.result / outcome.reason    -> outcome / reason
 *   actor.alternateId                  -> user (login name, an email)
 *   client.ipAddress                   -> src_ip
 *   client.userAgent.rawUserAgent      -> user_agent
 *   authenticationContext.credentialType, externalSessionId
 *
 * Kinds: user.session.start and user.authentication.* are logins,
 * user.session.end a logout, user.account.lock* a lockout, a denied Okta
 * Verify push (MFA fatigue) a failed login, privilege grants privilege.
 * client.geographicalContext is Okta's own geo lookup; breachwatch uses
 * its own (enrichment), so it is not copied. Other event types: IGNORED.
 */
#include "parser.h"
#include "auth_json.h"
#include "bw_time.h"
#include "bw_util.h"

#include <string.h>

enum {
	O_PUBLISHED, O_TYPE, O_RESULT, O_REASON, O_ACTOR, O_IP, O_UA, O_CRED, O_SESSION, O__N
};
static const char *const okta_paths[O__N] = {
	"published", "eventType", "outcome.result", "outcome.reason", "actor.alternateId",
	"client.ipAddress", "client.userAgent.rawUserAgent",
	"authenticationContext.credentialType", "authenticationContext.externalSessionId",
};

static int starts(bw_str s, const char *lit)
{
	size_t n = strlen(lit);
	return s.n >= n && memcmp(s.p, lit, n) == 0;
}

static enum bw_parse_rc okta_parse(struct bw_parse_ctx *ctx, char *line, size_t n,
				   bw_event *ev)
{
	bw_str v[O__N];
	enum bw_parse_rc rc = bw_json_pick(ctx, line, n, okta_paths, O__N, v, ev);
	if (rc != BW_PARSE_OK)
		return rc;
	ev->source = BW_SRC_AUTH;
	ev->format = "okta";
	bw_str t = v[O_TYPE], result = v[O_RESULT];
	if (!t.p || !v[O_PUBLISHED].p ||
	    !bw_time_parse_iso(v[O_PUBLISHED].p, v[O_PUBLISHED].n, NULL, &ev->ts_ms)) {
		ctx->reason = "okta: no eventType or published time";
		return BW_PARSE_MALFORMED;
	}
	int fail = bw_str_eq(result, "FAILURE") || bw_str_eq(result, "DENY");
	int ok = bw_str_eq(result, "SUCCESS") || bw_str_eq(result, "ALLOW");

	if (bw_str_eq(t, "user.session.start") || starts(t, "user.authentication.")) {
		ev->kind = BW_KIND_LOGIN;
	} else if (bw_str_eq(t, "user.session.end")) {
		ev->kind = BW_KIND_LOGOUT;
	} else if (starts(t, "user.account.lock")) {
		ev->kind = BW_KIND_LOCKOUT;
		fail = 1, ok = 0;
	} else if (bw_str_eq(t, "user.mfa.okta_verify.deny_push")) {
		ev->kind = BW_KIND_LOGIN;
		fail = 1, ok = 0;
		ev->reason = BW_STR_LIT("mfa_push_denied");
	} else if (starts(t, "user.account.privilege.grant")) {
		ev->kind = BW_KIND_PRIVILEGE;
	} else {
		ctx->reason = "okta: event type not modelled";
		return BW_PARSE_IGNORED;
	}
	ev->outcome = fail ? BW_OUTCOME_FAILURE : ok ? BW_OUTCOME_SUCCESS : BW_OUTCOME_NONE;
	ev->action = t;
	if (!bw_str_present(ev->reason))
		ev->reason = v[O_REASON];
	ev->user = v[O_ACTOR];
	if (v[O_IP].p && !bw_ip_parse(v[O_IP].p, v[O_IP].n, &ev->src_ip))
		memset(&ev->src_ip, 0, sizeof(ev->src_ip));
	ev->user_agent = v[O_UA];
	ev->auth_method = v[O_CRED];
	ev->session_id = v[O_SESSION];
	ev->program = BW_STR_LIT("okta");
	return BW_PARSE_OK;
}

static int okta_sniff(const char *line, size_t n)
{
	if (!bw_json_sniff_key(line, n, "\"eventType\""))
		return 0;
	return bw_json_sniff_key(line, n, "\"actor\"") &&
	       bw_json_sniff_key(line, n, "\"published\"") ? 95 : 40;
}

const struct bw_parser bw_parser_okta = {
	"okta",
	"Okta System Log events (JSON lines or a JSON array)",
	BW_SRC_AUTH, okta_sniff, okta_parse, 0, NULL, NULL,
};
