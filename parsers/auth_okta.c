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

static int starts(const char *s, const char *lit)
{
	return strncmp(s, lit, strlen(lit)) == 0;
}

static enum bw_parse_rc okta_parse(struct bw_parse_ctx *ctx, char *line, size_t n,
				   bw_event *ev)
{
	json_t *root;
	enum bw_parse_rc rc = bw_json_line(ctx, line, n, &root);
	if (rc != BW_PARSE_OK) {
		if (rc == BW_PARSE_NOT_MINE) {
			ctx->reason = "not a JSON object";
			rc = BW_PARSE_MALFORMED;
		}
		return rc;
	}
	ev->source = BW_SRC_AUTH;
	ev->format = "okta";
	struct bw_jpack pk;
	bw_jpack_init(&pk, line, n);

	const json_t *type = json_object_get(root, "eventType");
	const json_t *pub = json_object_get(root, "published");
	if (!json_is_string(type) || !json_is_string(pub) ||
	    !bw_time_parse_iso(json_string_value(pub), json_string_length(pub), NULL, &ev->ts_ms)) {
		ctx->reason = "okta: no eventType or published time";
		rc = BW_PARSE_MALFORMED;
		goto out;
	}
	const char *t = json_string_value(type);
	const char *result = json_string_value(bw_json_get(root, "outcome.result"));
	int fail = result && (strcmp(result, "FAILURE") == 0 || strcmp(result, "DENY") == 0);
	int ok = result && (strcmp(result, "SUCCESS") == 0 || strcmp(result, "ALLOW") == 0);

	if (strcmp(t, "user.session.start") == 0 || starts(t, "user.authentication.")) {
		ev->kind = BW_KIND_LOGIN;
	} else if (strcmp(t, "user.session.end") == 0) {
		ev->kind = BW_KIND_LOGOUT;
	} else if (starts(t, "user.account.lock")) {
		ev->kind = BW_KIND_LOCKOUT;
		fail = 1, ok = 0;
	} else if (strcmp(t, "user.mfa.okta_verify.deny_push") == 0) {
		ev->kind = BW_KIND_LOGIN;
		fail = 1, ok = 0;
		ev->reason = BW_STR_LIT("mfa_push_denied");
	} else if (starts(t, "user.account.privilege.grant")) {
		ev->kind = BW_KIND_PRIVILEGE;
	} else {
		ctx->reason = "okta: event type not modelled";
		rc = BW_PARSE_IGNORED;
		goto out;
	}
	ev->outcome = fail ? BW_OUTCOME_FAILURE : ok ? BW_OUTCOME_SUCCESS : BW_OUTCOME_NONE;
	ev->action = bw_jpack_str(&pk, type);
	if (!bw_str_present(ev->reason))
		ev->reason = bw_jpack_str(&pk, bw_json_get(root, "outcome.reason"));
	ev->user = bw_jpack_str(&pk, bw_json_get(root, "actor.alternateId"));
	const json_t *ip = bw_json_get(root, "client.ipAddress");
	if (json_is_string(ip) && !bw_ip_parse(json_string_value(ip), json_string_length(ip), &ev->src_ip))
		memset(&ev->src_ip, 0, sizeof(ev->src_ip));
	ev->user_agent = bw_jpack_str(&pk, bw_json_get(root, "client.userAgent.rawUserAgent"));
	ev->auth_method = bw_jpack_str(&pk, bw_json_get(root, "authenticationContext.credentialType"));
	ev->session_id = bw_jpack_str(&pk, bw_json_get(root, "authenticationContext.externalSessionId"));
	ev->program = BW_STR_LIT("okta");
out:
	bw_jpack_finish(&pk, ev);
	json_decref(root);
	return rc;
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
	BW_SRC_AUTH, okta_sniff, okta_parse, 0, NULL,
};
