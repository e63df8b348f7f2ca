/*
 * test_identity.c - identity normalization: case folding, DOMAIN\user,
 * user@domain, separately logged domains, the home domain and its
 * NetBIOS name, domain and user aliases, the alias file and its errors.
 */
#include "bw_test.h"
#include "identity.h"

#include <stdio.h>
#include <unistd.h>

static const char *norm(const struct bw_identity *id, const char *user, const char *dom)
{
	static char out[256];
	bw_str u = user ? (bw_str){ user, strlen(user) } : BW_STR_NULL;
	bw_str d = dom ? (bw_str){ dom, strlen(dom) } : BW_STR_NULL;
	size_t n = bw_identity_normalize(id, u, d, out, sizeof(out));
	if (n == 0)
		return "";
	CHECK_EQ_INT(strlen(out), n);
	return out;
}

static void test_no_config(void)
{
	CHECK_EQ_STR(norm(NULL, "Alice", NULL), "alice");
	CHECK_EQ_STR(norm(NULL, "  alice ", NULL), "alice");
	CHECK_EQ_STR(norm(NULL, "CORP\\Alice", NULL), "alice@corp");
	CHECK_EQ_STR(norm(NULL, "Alice@Corp.Example", NULL), "alice@corp.example");
	CHECK_EQ_STR(norm(NULL, "alice", "CORP"), "alice@corp");
	CHECK_EQ_STR(norm(NULL, "alice", "-"), "alice");
	CHECK_EQ_STR(norm(NULL, "-", NULL), "");
	CHECK_EQ_STR(norm(NULL, "", NULL), "");
	CHECK_EQ_STR(norm(NULL, NULL, NULL), "");
	CHECK_EQ_STR(norm(NULL, "CORP\\", NULL), "");
	/* the last '@' splits: user names may hold one */
	CHECK_EQ_STR(norm(NULL, "a@b@corp.example", NULL), "a@b@corp.example");
	CHECK_EQ_STR(norm(NULL, "@corp.example", NULL), "@corp.example");
	CHECK_EQ_STR(norm(NULL, "WKS-01$", "CORP"), "wks-01$@corp");
	/* non-ASCII kept as logged */
	CHECK_EQ_STR(norm(NULL, "J\xC3\x96rg", NULL), "j\xC3\x96rg");
	/* too small a buffer: no identity, no overflow */
	char small[4];
	CHECK_EQ_INT(bw_identity_normalize(NULL, BW_STR_LIT("alice"), BW_STR_NULL, small, sizeof(small)), 0);
}

static void test_home_domain(void)
{
	struct bw_identity *id = bw_identity_new();
	CHECK(id != NULL);
	CHECK_EQ_INT(bw_identity_set_domain(id, "Corp.Example"), 0);
	CHECK_EQ_INT(bw_identity_set_domain(id, "bad domain"), -1);
	CHECK_EQ_INT(bw_identity_set_domain(id, ""), -1);
	/* one person, five spellings */
	CHECK_EQ_STR(norm(id, "alice", NULL), "alice");
	CHECK_EQ_STR(norm(id, "ALICE", NULL), "alice");
	CHECK_EQ_STR(norm(id, "CORP\\alice", NULL), "alice");
	CHECK_EQ_STR(norm(id, "alice@corp.example", NULL), "alice");
	CHECK_EQ_STR(norm(id, "Alice", "CORP"), "alice");
	CHECK_EQ_STR(norm(id, "alice", "corp.example"), "alice");
	/* other domains stay apart */
	CHECK_EQ_STR(norm(id, "alice@gmail.com", NULL), "alice@gmail.com");
	CHECK_EQ_STR(norm(id, "PARTNER\\alice", NULL), "alice@partner");
	CHECK_EQ_STR(norm(id, "SYSTEM", "NT AUTHORITY"), "system@nt authority");
	bw_identity_free(id);
	bw_identity_free(NULL);
}

static void test_aliases(void)
{
	struct bw_identity *id = bw_identity_new();
	CHECK_EQ_INT(bw_identity_set_domain(id, "corp.example"), 0);
	CHECK_EQ_INT(bw_identity_add_alias(id, "@CORPLEGACY", "corp.example"), 0);
	CHECK_EQ_INT(bw_identity_add_alias(id, "jdoe", "John.Doe"), 0);
	CHECK_EQ_INT(bw_identity_add_alias(id, "CORP\\svc_backup", "alice"), 0);
	CHECK_EQ_INT(bw_identity_add_alias(id, "", "x"), -1);
	CHECK_EQ_STR(norm(id, "CORPLEGACY\\bob", NULL), "bob");
	CHECK_EQ_STR(norm(id, "JDOE@corp.example", NULL), "john.doe");
	CHECK_EQ_STR(norm(id, "corplegacy\\jdoe", NULL), "john.doe");
	CHECK_EQ_STR(norm(id, "svc_backup", NULL), "alice");
	CHECK_EQ_STR(norm(id, "jdoe@other.example", NULL), "jdoe@other.example");
	/* many aliases: the table grows */
	char a[32], b[32];
	for (int i = 0; i < 300; i++) {
		snprintf(a, sizeof(a), "u%d", i);
		snprintf(b, sizeof(b), "person%d", i);
		CHECK_EQ_INT(bw_identity_add_alias(id, a, b), 0);
	}
	CHECK_EQ_STR(norm(id, "U299", NULL), "person299");
	CHECK_EQ_STR(norm(id, "u0", NULL), "person0");
	CHECK_EQ_STR(norm(id, "jdoe", NULL), "john.doe");
	bw_identity_free(id);
}

static void test_alias_file(void)
{
	char path[] = "/tmp/bw-identity-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs("# people with two accounts\n\n  jdoe = john.doe   # old login\n@CORP2 = corp.example\nCORP\\adm_alice=alice\n", f);
	fclose(f);
	struct bw_identity *id = bw_identity_new();
	bw_identity_set_domain(id, "corp.example");
	char err[256] = "";
	CHECK_EQ_INT(bw_identity_load_aliases(id, path, err, sizeof(err)), 0);
	CHECK_EQ_STR(norm(id, "CORP2\\JDOE", NULL), "john.doe");
	CHECK_EQ_STR(norm(id, "adm_alice@corp.example", NULL), "alice");
	bw_identity_free(id);

	f = fopen(path, "w");
	fputs("ok = fine\nno equals sign here\n", f);
	fclose(f);
	id = bw_identity_new();
	CHECK_EQ_INT(bw_identity_load_aliases(id, path, err, sizeof(err)), -1);
	CHECK(strstr(err, ":2:1: expected 'from = to'") != NULL);
	f = fopen(path, "w");
	fputs("x =   \n", f);
	fclose(f);
	CHECK_EQ_INT(bw_identity_load_aliases(id, path, err, sizeof(err)), -1);
	CHECK(strstr(err, ":1:") != NULL && strstr(err, "empty alias target") != NULL);
	bw_identity_free(id);
	unlink(path);
	id = bw_identity_new();
	CHECK_EQ_INT(bw_identity_load_aliases(id, "/nonexistent/aliases", err, sizeof(err)), -1);
	CHECK(strstr(err, "/nonexistent/aliases") != NULL);
	bw_identity_free(id);
}

static const struct bw_test tests[] = {
	{ "no_config", test_no_config },
	{ "home_domain", test_home_domain },
	{ "aliases", test_aliases },
	{ "alias_file", test_alias_file },
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	return bw_test_main("identity", tests, argc, argv);
}
