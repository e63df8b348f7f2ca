/*
 * auth_entra.c - Microsoft Entra ID (Azure AD) sign-in logs, one JSON
 * object per line or a JSON array file, in both shapes they are exported:
 *
 *   Graph /auditLogs/signIns:  {"createdDateTime", "userPrincipalName",
 *       "ipAddress", "status":{"errorCode":0, "failureReason"},
 *       "appDisplayName", "clientAppUsed", "location":{...}, ...}
 *   diagnostic settings (Log Analytics / Event Hub / storage):
 *       {"time", "category":"SignInLogs", "resultType":"50126",
 *        "callerIpAddress", "properties":{ same fields as Graph }}
 *
 * status.errorCode 0 is success, anything else a failure whose reason is
 * a short name for the codes that matter to responders (50126 bad
 * password, 50053 smart-lockout, 50057 disabled, 50055 expired password,
 * 50034 unknown user, 50074/50076/500121 MFA, 53003 conditional access)
 * and the logged failureReason otherwise.
 *
 *   userPrincipalName -> user          ipAddress -> src_ip
 *   clientAppUsed     -> auth_method   (legacy IMAP/SMTP/ActiveSync stand out)
 *   appDisplayName    -> program       (the application signed in to)
 *   correlationId     -> session_id    userAgent -> user_agent
 * Entra's own location is not copied; enrichment geolocates src_ip.
 */
#include "parser.h"
#include "auth_json.h"
#include "bw_time.h"
#include "bw_util.h"

#include <stdio.h>
#include <string.h>

static const char *error_reason(int64_t code)
{
	switch (code) {
	case 50126: return "bad_password";
	case 50053: return "account_locked";
	case 50057: return "account_disabled";
	case 50055: return "password_expired";
	case 50034: return "unknown_user";
	case 50074:
	case 50076: return "mfa_required";
	case 500121: return "mfa_failed";
	case 50079: return "mfa_registration_required";
	case 53003: return "conditional_access_blocked";
	case 50140: return "kmsi_interrupt";
	case 50158: return "external_challenge";
	case 70044: return "session_expired";
	case 50173: return "token_expired";
	case 50133: return "session_invalid_password_change";
	}
	return NULL;
}

static enum bw_parse_rc entra_parse(struct bw_parse_ctx *ctx, char *line, size_t n,
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
	ev->format = "entra";
	struct bw_jpack pk;
	bw_jpack_init(&pk, line, n);

	const json_t *rec = json_object_get(root, "properties");
	if (!json_is_object(rec))
		rec = root;
	const json_t *cat = json_object_get(root, "category");
	if (json_is_string(cat) && !strstr(json_string_value(cat), "SignInLogs")) {
		ctx->reason = "entra: not a sign-in record";
		rc = BW_PARSE_IGNORED;
		goto out;
	}
	const json_t *t = json_object_get(rec, "createdDateTime");
	if (!t)
		t = json_object_get(root, "time");
	if (!json_is_string(t) ||
	    !bw_time_parse_iso(json_string_value(t), json_string_length(t), NULL, &ev->ts_ms)) {
		ctx->reason = "entra: no createdDateTime/time";
		rc = BW_PARSE_MALFORMED;
		goto out;
	}
	int64_t code;
	if (!bw_json_int(bw_json_get(rec, "status.errorCode"), &code) &&
	    !bw_json_int(json_object_get(root, "resultType"), &code)) {
		ctx->reason = "entra: no status.errorCode/resultType";
		rc = BW_PARSE_MALFORMED;
		goto out;
	}
	const json_t *upn = json_object_get(rec, "userPrincipalName");
	if (!upn)
		upn = json_object_get(root, "identity");
	ev->kind = BW_KIND_LOGIN;
	ev->outcome = code == 0 ? BW_OUTCOME_SUCCESS : BW_OUTCOME_FAILURE;
	ev->action = BW_STR_LIT("signin");
	ev->user = bw_jpack_str(&pk, upn);
	if (code != 0) {
		const char *r = error_reason(code);
		if (r) {
			ev->reason = bw_str_make(r, strlen(r));
		} else {
			ev->reason = bw_jpack_str(&pk, bw_json_get(rec, "status.failureReason"));
			if (!ev->reason.n) {
				json_t *num = json_integer(code);
				ev->reason = bw_jpack_str(&pk, num);
				json_decref(num);
			}
		}
	}
	const json_t *ip = json_object_get(rec, "ipAddress");
	if (!ip)
		ip = json_object_get(root, "callerIpAddress");
	if (json_is_string(ip) && !bw_ip_parse(json_string_value(ip), json_string_length(ip), &ev->src_ip))
		memset(&ev->src_ip, 0, sizeof(ev->src_ip));
	ev->auth_method = bw_jpack_str(&pk, json_object_get(rec, "clientAppUsed"));
	ev->program = bw_jpack_str(&pk, json_object_get(rec, "appDisplayName"));
	ev->session_id = bw_jpack_str(&pk, json_object_get(rec, "correlationId"));
	ev->user_agent = bw_jpack_str(&pk, json_object_get(rec, "userAgent"));
out:
	bw_jpack_finish(&pk, ev);
	json_decref(root);
	return rc;
}

static int entra_sniff(const char *line, size_t n)
{
	if (!bw_json_sniff_key(line, n, "\"userPrincipalName\""))
		return 0;
	return bw_json_sniff_key(line, n, "\"appDisplayName\"") ||
	       bw_json_sniff_key(line, n, "SignInLogs") ? 95 : 50;
}

const struct bw_parser bw_parser_entra = {
	"entra",
	"Microsoft Entra ID sign-in logs (Graph or diagnostic-settings JSON, lines or array)",
	BW_SRC_AUTH, entra_sniff, entra_parse, 0, NULL,
};
