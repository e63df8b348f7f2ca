/*
 * test_auth_corpora.c - the authentication parsers against other projects'
 * annotated real samples in ../shared/corpora (read in place, never
 * copied; each test passes with a skip message when they are absent):
 *
 *   elastic-beats-2019 filebeat system/auth: every expected event.outcome,
 *       source.ip and user.name reproduced (and @timestamp where the
 *       expectation keeps it);
 *   elastic-beats-2019 winlogbeat security *.golden.json used as input:
 *       4624/4625/4634/4672 kind, outcome, source.ip, user.name;
 *   crowdsec-hub .tests: parser.assert of the sshd-logs, sshd-success-logs
 *       and pam-logs parsers: lines that must match give the outcome, user
 *       and source address; lines that must not give no login failure;
 *   ossec-hids sshd/pam/su/sudo .ini: every "pass" line is framed
 *       (never MALFORMED); su and sudo pass lines are privilege events.
 *
 * Mismatches are printed one per line, so a failure says what differs.
 */
#include "bw_test.h"
#include "auth_test_util.h"

#include <dirent.h>
#include <jansson.h>
#include <sys/stat.h>

static const char *corpora(void)
{
	static const char *const dirs[] = { "../shared/corpora" };
	struct stat st;
	const char *env = getenv("BW_CORPORA");
	if (env && stat(env, &st) == 0)
		return env;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (stat(dirs[i], &st) == 0 && S_ISDIR(st.st_mode))
			return dirs[i];
	return NULL;
}

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t cap = 0, len = 0;
	for (;;) {
		if (len + 65536 > cap) {
			cap = cap ? cap * 2 : 1 << 20;
			char *nb = realloc(buf, cap + 1);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		size_t k = fread(buf + len, 1, cap - len, f);
		len += k;
		if (k == 0)
			break;
	}
	fclose(f);
	buf[len] = '\0';
	*n = len;
	return buf;
}

static struct auth_run R;
static int mismatches;

#define MISMATCH(...)                                                     \
	do {                                                              \
		fprintf(stderr, "  mismatch: " __VA_ARGS__);              \
		fputc('\n', stderr);                                      \
		mismatches++;                                             \
		bw_test_failed_now = 1;                                   \
	} while (0)

/* ------------------------------------------------------------ elastic */

static void elastic_file(const char *dir, const char *name, int *checked)
{
	char path[1024];
	size_t n;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	char *log = slurp(path, &n);
	snprintf(path, sizeof(path), "%s/%s-expected.json", dir, name);
	json_error_t err;
	json_t *exp = json_load_file(path, 0, &err);
	if (!log || !exp) {
		MISMATCH("%s: cannot read input or expectation", name);
		free(log);
		json_decref(exp);
		return;
	}
	size_t i;
	json_t *doc;
	json_array_foreach(exp, i, doc) {
		json_int_t off = json_integer_value(json_object_get(doc, "log.offset"));
		if (off < 0 || (size_t)off >= n)
			continue;
		const char *line = log + off;
		const char *nl = memchr(line, '\n', n - (size_t)off);
		size_t ln = nl ? (size_t)(nl - line) : n - (size_t)off;
		auth_run_init(&R, "syslog", "UTC", 2019);
		int rc = auth_run_n(&R, line, ln);
		const char *outcome = json_string_value(json_object_get(doc, "event.outcome"));
		const char *ip = json_string_value(json_object_get(doc, "source.ip"));
		const char *user = json_string_value(json_object_get(doc, "user.name"));
		const char *ts = json_string_value(json_object_get(doc, "@timestamp"));
		if (ts) {
			(*checked)++;
			if (strcmp(auth_ts(R.ev.ts_ms), ts) != 0)
				MISMATCH("%s+%lld: time %s, expected %s", name, (long long)off,
					 auth_ts(R.ev.ts_ms), ts);
		}
		if (!outcome && !ip && !user) {
			auth_run_fini(&R);
			continue;
		}
		(*checked)++;
		if (rc != BW_PARSE_OK) {
			MISMATCH("%s+%lld: rc %d (%s): %.*s", name, (long long)off, rc,
				 R.ctx.reason ? R.ctx.reason : "", (int)ln, line);
		} else {
			if (outcome && strcmp(bw_outcome_name(R.ev.outcome), outcome) != 0)
				MISMATCH("%s+%lld: outcome %s, expected %s", name, (long long)off,
					 bw_outcome_name(R.ev.outcome), outcome);
			if (ip && strcmp(auth_ip(&R.ev), ip) != 0)
				MISMATCH("%s+%lld: source.ip %s, expected %s", name, (long long)off,
					 auth_ip(&R.ev), ip);
			if (user && strcmp(auth_s(R.ev.user), user) != 0)
				MISMATCH("%s+%lld: user %s, expected %s", name, (long long)off,
					 auth_s(R.ev.user), user);
		}
		auth_run_fini(&R);
	}
	json_decref(exp);
	free(log);
}

static void test_elastic_system_auth(void)
{
	const char *base = corpora();
	if (!base) {
		printf("  skip: ../shared/corpora absent\n");
		return;
	}
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/elastic-beats-2019/filebeat/module/system/auth/test", base);
	static const char *const files[] = { "test.log", "timestamp.log", "auth-ubuntu1204.log",
					     "secure-rhel7.log" };
	int checked = 0;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		elastic_file(dir, files[i], &checked);
	printf("  elastic system/auth: %d expectations checked\n", checked);
	CHECK(checked >= 60);
}

/* ---------------------------------------------------------- winlogbeat */

/* Nested lookup "a.b.c" in a JSON document. */
static json_t *bw_json_path_get(json_t *doc, const char *path)
{
	char key[128];
	while (doc && *path) {
		const char *dot = strchr(path, '.');
		size_t k = dot ? (size_t)(dot - path) : strlen(path);
		if (k >= sizeof(key))
			return NULL;
		memcpy(key, path, k);
		key[k] = '\0';
		doc = json_object_get(doc, key);
		path += k + (dot ? 1 : 0);
	}
	return doc;
}

static void test_winlogbeat_golden(void)
{
	const char *base = corpora();
	if (!base) {
		printf("  skip: ../shared/corpora absent\n");
		return;
	}
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/elastic-beats-2019/x-pack/winlogbeat/module/security/test/testdata",
		 base);
	DIR *d = opendir(dir);
	if (!d) {
		printf("  skip: %s absent\n", dir);
		return;
	}
	struct dirent *de;
	int checked = 0, person = 0, nonperson = 0;
	while ((de = readdir(d)) != NULL) {
		if (!strstr(de->d_name, ".golden.json"))
			continue;
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		json_error_t err;
		json_t *arr = json_load_file(path, 0, &err);
		if (!json_is_array(arr)) {
			MISMATCH("%s: not a JSON array", de->d_name);
			json_decref(arr);
			continue;
		}
		size_t i;
		json_t *doc;
		json_array_foreach(arr, i, doc) {
			char *line = json_dumps(doc, JSON_COMPACT);
			auth_run_init(&R, "windows", "UTC", 0);
			int rc = auth_run(&R, line);
			json_int_t code = json_integer_value(json_object_get(json_object_get(doc, "event"), "code"));
			const char *outcome = json_string_value(bw_json_path_get(doc, "event.outcome"));
			const char *ip = json_string_value(bw_json_path_get(doc, "source.ip"));
			const char *user = json_string_value(bw_json_path_get(doc, "user.name"));
			int want_kind = code == 4624 || code == 4625 ? BW_KIND_LOGIN :
					code == 4634 ? BW_KIND_LOGOUT :
					code == 4672 ? BW_KIND_PRIVILEGE : -1;
			/* a 4624 of no person (SYSTEM, DWM-1, a machine
			 * account, the null session) is kind other */
			const char *tu = json_string_value(bw_json_path_get(doc, "winlog.event_data.TargetUserName"));
			const char *td = json_string_value(bw_json_path_get(doc, "winlog.event_data.TargetDomainName"));
			const char *lt = json_string_value(bw_json_path_get(doc, "winlog.event_data.LogonType"));
			if (code == 4624 && tu && td &&
			    (!strcasecmp(tu, "ANONYMOUS LOGON") ||
			     !strcasecmp(td, "NT AUTHORITY") ||
			     !strcasecmp(td, "Window Manager") ||
			     !strcasecmp(td, "Font Driver Host") ||
			     (*tu && tu[strlen(tu) - 1] == '$' && lt &&
			      !strcmp(lt, "3")))) {
				want_kind = BW_KIND_OTHER;
				nonperson++;
			} else if (code == 4624) {
				person++;
			}
			checked++;
			if (rc != BW_PARSE_OK) {
				MISMATCH("%s[%zu]: rc %d (%s)", de->d_name, i, rc,
					 R.ctx.reason ? R.ctx.reason : "");
			} else {
				if (want_kind >= 0 && R.ev.kind != want_kind)
					MISMATCH("%s[%zu]: kind %s for %lld", de->d_name, i,
						 bw_kind_name(R.ev.kind), (long long)code);
				if (outcome && strcmp(bw_outcome_name(R.ev.outcome), outcome) != 0)
					MISMATCH("%s[%zu]: outcome %s, expected %s", de->d_name, i,
						 bw_outcome_name(R.ev.outcome), outcome);
				if (ip && strcmp(auth_ip(&R.ev), ip) != 0)
					MISMATCH("%s[%zu]: source.ip %s, expected %s", de->d_name, i,
						 auth_ip(&R.ev), ip);
				if (user && strcmp(auth_s(R.ev.user), user) != 0)
					MISMATCH("%s[%zu]: user %s, expected %s", de->d_name, i,
						 auth_s(R.ev.user), user);
			}
			auth_run_fini(&R);
			free(line);
		}
		json_decref(arr);
	}
	closedir(d);
	printf("  winlogbeat golden: %d events checked\n", checked);
	CHECK(checked >= 20);
	/* both kinds of 4624 are in the samples */
	CHECK(person >= 1);
	CHECK(nonperson >= 1);
}

/* ------------------------------------------------------------ crowdsec */

#define MAX_IDX 512

struct cs_expect {
	int has, success;
	char ip[64], user[128], log_type[64];
};

static void copy_val(char *dst, size_t cap, const char *p)
{
	/* p at the opening quote of "value" */
	size_t k = 0;
	if (*p == '"')
		p++;
	while (*p && *p != '"' && k + 1 < cap)
		dst[k++] = *p++;
	dst[k] = '\0';
}


/* A crowdsec test's log: the file its config.yaml names (log_file:),
 * else NAME.log. @return it (caller frees) with *n, or NULL. */
static char *crowdsec_log(const char *dir, const char *name, size_t *n)
{
	char path[1024], logname[300];
	snprintf(logname, sizeof(logname), "%.200s.log", name);
	snprintf(path, sizeof(path), "%.300s/%.200s/config.yaml", dir, name);
	char *cfg = slurp(path, n);
	if (cfg) {
		char *lf = strstr(cfg, "log_file:");
		if (lf) {
			lf += 9;
			while (*lf == ' ')
				lf++;
			size_t k = 0;
			while (lf[k] && lf[k] != '\n' && lf[k] != ' ' && k + 1 < sizeof(logname))
				k++;
			memcpy(logname, lf, k);
			logname[k] = '\0';
		}
		free(cfg);
	}
	snprintf(path, sizeof(path), "%.300s/%.200s/%.250s", dir, name, logname);
	return slurp(path, n);
}
static void crowdsec_dir(const char *dir, const char *name, const char *parser, int *checked)
{
	char path[1024];
	size_t n;
	snprintf(path, sizeof(path), "%s/%s/parser.assert", dir, name);
	char *as = slurp(path, &n);
	if (!as)
		return;
	char key[128];
	snprintf(key, sizeof(key), "results[\"s01-parse\"][\"%s\"][", parser);
	static struct cs_expect ex[MAX_IDX];
	memset(ex, 0, sizeof(ex));
	int any = 0;
	for (char *l = as; l && *l; ) {
		char *nl = strchr(l, '\n');
		if (nl)
			*nl = '\0';
		char *k = strstr(l, key);
		if (k) {
			int idx = atoi(k + strlen(key));
			char *rest = strchr(k + strlen(key), ']');
			if (idx >= 0 && idx < MAX_IDX && rest) {
				struct cs_expect *e = &ex[idx];
				char *eq = strstr(rest, "== ");
				if (strstr(rest, ".Success ==")) {
					e->has = 1;
					e->success = strstr(rest, "true") != NULL;
					any = 1;
				} else if (eq && strstr(rest, "Meta[\"source_ip\"]")) {
					copy_val(e->ip, sizeof(e->ip), eq + 3);
				} else if (eq && (strstr(rest, "Meta[\"target_user\"]") ||
						  strstr(rest, "Meta[\"username\"]"))) {
					copy_val(e->user, sizeof(e->user), eq + 3);
				} else if (eq && strstr(rest, "Meta[\"log_type\"]")) {
					copy_val(e->log_type, sizeof(e->log_type), eq + 3);
				}
			}
		}
		l = nl ? nl + 1 : NULL;
	}
	free(as);
	if (!any)
		return;
	char *log = crowdsec_log(dir, name, &n);
	if (!log)
		return;
	int idx = 0;
	auth_run_init(&R, "syslog", "UTC", 2026);
	for (char *l = log; l && *l && idx < MAX_IDX; idx++) {
		char *nl = strchr(l, '\n');
		size_t ln = nl ? (size_t)(nl - l) : strlen(l);
		struct cs_expect *e = &ex[idx];
		int rc = auth_run_n(&R, l, ln);
		int login_fail = rc == BW_PARSE_OK && R.ev.outcome == BW_OUTCOME_FAILURE &&
				 R.ev.kind == BW_KIND_LOGIN;
		if (e->has) {
			(*checked)++;
			if (!e->success) {
				if (login_fail)
					MISMATCH("%s[%d]: must not match, got a login failure: %.*s",
						 name, idx, (int)ln, l);
			} else if (rc != BW_PARSE_OK) {
				MISMATCH("%s[%d]: rc %d (%s): %.*s", name, idx, rc,
					 R.ctx.reason ? R.ctx.reason : "", (int)ln, l);
			} else {
				int want_ok = strstr(e->log_type, "success") != NULL;
				int want_fail = strstr(e->log_type, "failed") != NULL ||
						strstr(e->log_type, "lock") != NULL;
				if (want_ok && R.ev.outcome != BW_OUTCOME_SUCCESS)
					MISMATCH("%s[%d]: outcome %s, expected success", name, idx,
						 bw_outcome_name(R.ev.outcome));
				if (want_fail && R.ev.outcome != BW_OUTCOME_FAILURE)
					MISMATCH("%s[%d]: outcome %s, expected failure", name, idx,
						 bw_outcome_name(R.ev.outcome));
				if (e->ip[0] && strcmp(auth_ip(&R.ev), e->ip) != 0)
					MISMATCH("%s[%d]: ip '%s', expected %s: %.*s", name, idx,
						 auth_ip(&R.ev), e->ip, (int)ln, l);
				if (e->user[0] && strcmp(auth_s(R.ev.user), e->user) != 0)
					MISMATCH("%s[%d]: user '%s', expected %s: %.*s", name, idx,
						 auth_s(R.ev.user), e->user, (int)ln, l);
			}
		}
		l = nl ? nl + 1 : NULL;
	}
	auth_run_fini(&R);
	free(log);
}

/* Framing: crowdsec's syslog-logs stage (s00-raw) says which lines are
 * syslog and what their programme and machine are. */
static void crowdsec_frames(const char *dir, const char *name, int *checked)
{
	char path[1024];
	size_t n;
	snprintf(path, sizeof(path), "%.300s/%.200s/parser.assert", dir, name);
	char *as = slurp(path, &n);
	if (!as)
		return;
	static const char key[] = "results[\"s00-raw\"][\"crowdsecurity/syslog-logs\"][";
	static struct { int has, success; char prog[64], host[128]; } ex[MAX_IDX];
	memset(ex, 0, sizeof(ex));
	int any = 0;
	for (char *l = as; l && *l;) {
		char *nl = strchr(l, '\n');
		if (nl)
			*nl = '\0';
		char *k = strstr(l, key);
		if (k) {
			int idx = atoi(k + sizeof(key) - 1);
			char *rest = strchr(k + sizeof(key) - 1, ']');
			char *eq = rest ? strstr(rest, "== ") : NULL;
			if (idx >= 0 && idx < MAX_IDX && eq) {
				if (strstr(rest, ".Success ==")) {
					ex[idx].has = 1;
					ex[idx].success = strstr(rest, "true") != NULL;
					any = 1;
				} else if (strstr(rest, "Parsed[\"program\"]")) {
					copy_val(ex[idx].prog, sizeof(ex[idx].prog), eq + 3);
				} else if (strstr(rest, "Meta[\"machine\"]")) {
					copy_val(ex[idx].host, sizeof(ex[idx].host), eq + 3);
				}
			}
		}
		l = nl ? nl + 1 : NULL;
	}
	free(as);
	if (!any)
		return;
	char *log = crowdsec_log(dir, name, &n);
	if (!log)
		return;
	auth_run_init(&R, "syslog", "UTC", 2026);
	int idx = 0;
	for (char *l = log; l && *l && idx < MAX_IDX; idx++) {
		char *nl = strchr(l, '\n');
		size_t ln = nl ? (size_t)(nl - l) : strlen(l);
		int rc = auth_run_n(&R, l, ln);
		if (ex[idx].has) {
			(*checked)++;
			if (ex[idx].success && rc == BW_PARSE_MALFORMED)
				MISMATCH("%s[%d]: syslog line not framed (%s): %.*s", name, idx,
					 R.ctx.reason, (int)ln, l);
			else if (!ex[idx].success && rc == BW_PARSE_OK)
				MISMATCH("%s[%d]: not syslog, but an event: %.*s", name, idx, (int)ln, l);
			else if (ex[idx].success) {
				if (ex[idx].prog[0] && strcmp(auth_s(R.ev.program), ex[idx].prog) != 0)
					MISMATCH("%s[%d]: program '%s', expected %s", name, idx,
						 auth_s(R.ev.program), ex[idx].prog);
				if (ex[idx].host[0] && strcmp(auth_s(R.ev.host), ex[idx].host) != 0)
					MISMATCH("%s[%d]: host '%s', expected %s", name, idx,
						 auth_s(R.ev.host), ex[idx].host);
			}
		}
		l = nl ? nl + 1 : NULL;
	}
	auth_run_fini(&R);
	free(log);
}

static void test_crowdsec_frames(void)
{
	const char *base = corpora();
	if (!base) {
		printf("  skip: ../shared/corpora absent\n");
		return;
	}
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/crowdsec-hub/.tests", base);
	DIR *d = opendir(dir);
	if (!d) {
		printf("  skip: %s absent\n", dir);
		return;
	}
	struct dirent *de;
	int checked = 0;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			crowdsec_frames(dir, de->d_name, &checked);
	closedir(d);
	printf("  crowdsec syslog framing: %d lines checked\n", checked);
	CHECK(checked >= 50);
}

static void test_crowdsec(void)
{
	const char *base = corpora();
	if (!base) {
		printf("  skip: ../shared/corpora absent\n");
		return;
	}
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/crowdsec-hub/.tests", base);
	DIR *d = opendir(dir);
	if (!d) {
		printf("  skip: %s absent\n", dir);
		return;
	}
	struct dirent *de;
	int checked = 0;
	static const char *const parsers[] = { "crowdsecurity/sshd-logs",
					       "crowdsecurity/sshd-success-logs",
					       "crowdsecurity/pam-logs" };
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (!strstr(de->d_name, "ssh") && !strstr(de->d_name, "pam"))
			continue;
		if (strstr(de->d_name, "sshesame"))
			continue; /* a honeypot's own JSON log, not sshd */
		for (size_t i = 0; i < 3; i++)
			crowdsec_dir(dir, de->d_name, parsers[i], &checked);
	}
	closedir(d);
	printf("  crowdsec: %d line expectations checked\n", checked);
	CHECK(checked >= 20);
}

/* --------------------------------------------------------------- ossec */

static void ossec_ini(const char *dir, const char *name, int want_priv, int *checked)
{
	char path[1024];
	size_t n;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	char *ini = slurp(path, &n);
	if (!ini)
		return;
	auth_run_init(&R, "syslog", "UTC", 2026);
	for (char *l = ini; l && *l; ) {
		char *nl = strchr(l, '\n');
		if (nl)
			*nl = '\0';
		char *p = strstr(l, " pass = ");
		if (strncmp(l, "log ", 4) == 0 && p) {
			const char *line = p + 8;
			int rc = auth_run(&R, line);
			(*checked)++;
			if (rc == BW_PARSE_MALFORMED)
				MISMATCH("%s: not framed (%s): %s", name, R.ctx.reason, line);
			else if (want_priv && !strstr(line, "(pam_unix)") &&
				 (rc != BW_PARSE_OK || R.ev.kind != BW_KIND_PRIVILEGE))
				MISMATCH("%s: expected a privilege event (rc %d, %s): %s", name, rc,
					 R.ctx.reason ? R.ctx.reason : bw_kind_name(R.ev.kind), line);
		}
		l = nl ? nl + 1 : NULL;
	}
	auth_run_fini(&R);
	free(ini);
}

static void test_ossec(void)
{
	const char *base = corpora();
	if (!base) {
		printf("  skip: ../shared/corpora absent\n");
		return;
	}
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/ossec-hids/contrib/ossec-testing/tests", base);
	int checked = 0;
	ossec_ini(dir, "sshd.ini", 0, &checked);
	ossec_ini(dir, "pam.ini", 0, &checked);
	ossec_ini(dir, "su.ini", 1, &checked);
	ossec_ini(dir, "sudo.ini", 1, &checked);
	printf("  ossec: %d pass lines checked\n", checked);
	CHECK(checked >= 40);
}

static const struct bw_test tests[] = {
	{ "elastic_system_auth", test_elastic_system_auth },
	{ "winlogbeat_golden", test_winlogbeat_golden },
	{ "crowdsec", test_crowdsec },
	{ "crowdsec_frames", test_crowdsec_frames },
	{ "ossec", test_ossec },
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	int rc = bw_test_main("auth_corpora", tests, argc, argv);
	if (mismatches)
		fprintf(stderr, "auth_corpora: %d mismatches\n", mismatches);
	bw_tz_free_all();
	return rc;
}
