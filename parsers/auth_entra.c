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
 * status.errorCode 0 is success. The interrupts of an ordinary sign-in
 * (50074/50076 "strong authentication required", 50140 "keep me signed
 * in", 50072/50079 MFA registration, 50097 device authentication, 16000
 * account selection, 50125, 50158, 50199, 70044, 50173, 50133,
 * 81010-81014 seamless SSO) are neither: the user is asked for a second
 * step, and nearly every interactive sign-in logs one, so they get
 * outcome unknown (ECS "unknown") with their reason, and count as no
 * failed password. Anything else is a failure whose reason is a short
 * name for the codes that matter to responders (50126 bad password,
 * 50053 smart-lockout, 50057 disabled, 50055 expired password, 50034
 * unknown user, 500121 MFA denied, 53003 conditional access) and the
 * logged failureReason otherwise.
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

#include <string.h>

static const char *error_reason(int64_t code)
{
	switch (code) {
	case 50126: return "bad_password";
	case 50053: return "account_locked";
	case 50057: return "account_disabled";
	case 50055: return "password_expired";
	case 50034: return "unknown_user";
	case 500121: return "mfa_failed";
	case 53003: return "conditional_access_blocked";
	}
	return NULL;
}

/* @return the reason of an interrupt (no success yet, no failure), or
 * NULL. */
static const char *interrupt_reason(int64_t code)
{
	switch (code) {
	case 50074:
	case 50076: return "mfa_required";
	case 50072:
	case 50079: return "mfa_registration_required";
	case 50097: return "device_auth_required";
	case 16000: return "account_selection";
	case 50140: return "kmsi_interrupt";
	case 50125: return "password_reset_interrupt";
	case 50158: return "external_challenge";
	case 50199: return "user_confirmation_required";
	case 70044: return "session_expired";
	case 50173: return "token_expired";
	case 50133: return "session_invalid_password_change";
	case 81010:
	case 81011:
	case 81012:
	case 81013:
	case 81014: return "seamless_sso_interrupt";
	}
	return NULL;
}

/* Each field twice: at the top (Graph) and under "properties"
 * (diagnostic settings); the latter wins. */
enum {
	E_CREATED, E_UPN, E_CODE, E_FAILURE, E_IP, E_APP, E_CLIENT, E_CORR, E_UA, E__F
};
#define E_PROPS E__F
enum { E_TIME = 2 * E__F, E_RESULT, E_CALLER_IP, E_IDENTITY, E_CATEGORY, E__N };
static const char *const entra_paths[E__N] = {
	"createdDateTime", "userPrincipalName", "status.errorCode", "status.failureReason",
	"ipAddress", "appDisplayName", "clientAppUsed", "correlationId", "userAgent",
	"properties.createdDateTime", "properties.userPrincipalName",
	"properties.status.errorCode", "properties.status.failureReason",
	"properties.ipAddress", "properties.appDisplayName", "properties.clientAppUsed",
	"properties.correlationId", "properties.userAgent",
	"time", "resultType", "callerIpAddress", "identity", "category",
};

static enum bw_parse_rc entra_parse(struct bw_parse_ctx *ctx, char *line, size_t n,
				    bw_event *ev)
{
	bw_str all[E__N];
	enum bw_parse_rc rc = bw_json_pick(ctx, line, n, entra_paths, E__N, all, ev);
	if (rc != BW_PARSE_OK)
		return rc;
	ev->source = BW_SRC_AUTH;
	ev->format = "entra";
	bw_str v[E__F];
	for (int i = 0; i < E__F; i++)
		v[i] = all[E_PROPS + i].p ? all[E_PROPS + i] : all[i];
	bw_str cat = all[E_CATEGORY];
	if (cat.p && !bw_memmem(cat.p, cat.n, "SignInLogs", 10)) {
		ctx->reason = "entra: not a sign-in record";
		return BW_PARSE_IGNORED;
	}
	bw_str t = v[E_CREATED].p ? v[E_CREATED] : all[E_TIME];
	if (!t.p || !bw_time_parse_iso(t.p, t.n, NULL, &ev->ts_ms)) {
		ctx->reason = "entra: no createdDateTime/time";
		return BW_PARSE_MALFORMED;
	}
	uint64_t code;
	bw_str cv = v[E_CODE].p ? v[E_CODE] : all[E_RESULT];
	if (!cv.p || !cv.n || bw_parse_u64(cv.p, cv.p + cv.n, &code) != cv.n) {
		ctx->reason = "entra: no status.errorCode/resultType";
		return BW_PARSE_MALFORMED;
	}
	ev->kind = BW_KIND_LOGIN;
	int64_t icode = code > INT64_MAX ? -1 : (int64_t)code;
	const char *intr = code ? interrupt_reason(icode) : NULL;
	ev->outcome = code == 0 ? BW_OUTCOME_SUCCESS :
		      intr ? BW_OUTCOME_NONE : BW_OUTCOME_FAILURE;
	ev->action = BW_STR_LIT("signin");
	ev->user = v[E_UPN].p ? v[E_UPN] : all[E_IDENTITY];
	if (code != 0) {
		const char *r = intr ? intr : error_reason(icode);
		if (r)
			ev->reason = bw_str_make(r, strlen(r));
		else if (v[E_FAILURE].n)
			ev->reason = v[E_FAILURE];
		else
			ev->reason = cv; /* the code itself */
	}
	bw_str ip = v[E_IP].p ? v[E_IP] : all[E_CALLER_IP];
	if (ip.p && !bw_ip_parse(ip.p, ip.n, &ev->src_ip))
		memset(&ev->src_ip, 0, sizeof(ev->src_ip));
	ev->auth_method = v[E_CLIENT];
	ev->program = v[E_APP];
	ev->session_id = v[E_CORR];
	ev->user_agent = v[E_UA];
	return BW_PARSE_OK;
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
	BW_SRC_AUTH, entra_sniff, entra_parse, 0, NULL, NULL,
};
