/*
 * test_time.c - timestamp parsing: numeric offsets to UTC, invalid dates,
 * ISO 8601 variants, zone conversion across DST.
 */
#include "bw_test.h"

#include "bw_time.h"

static void test_clf_offsets(void)
{
	int64_t ms;
	CHECK(bw_time_parse_clf("25/Oct/2016:14:49:33 +0200", 26, &ms));
	CHECK_EQ_INT(ms, 1477399773000LL); /* 2016-10-25T12:49:33Z */
	CHECK(bw_time_parse_clf("25/Oct/2016:14:49:33 -0530", 26, &ms));
	CHECK_EQ_INT(ms, 1477426773000LL); /* 20:19:33Z */
	CHECK(bw_time_parse_clf("01/Jan/1970:00:00:00 +0000", 26, &ms));
	CHECK_EQ_INT(ms, 0);
	CHECK(bw_time_parse_clf("29/Feb/2024:23:59:59 +0000", 26, &ms));
	CHECK_EQ_INT(ms, 1709251199000LL);
}

/* Consecutive stamps differing in any byte (the last two included, which
 * the memo of the last stamp compares separately) give their own values. */
static void test_clf_memo(void)
{
	int64_t ms;
	CHECK(bw_time_parse_clf("25/Oct/2016:14:49:33 +0200", 26, &ms));
	CHECK_EQ_INT(ms, 1477399773000LL);
	CHECK(bw_time_parse_clf("25/Oct/2016:14:49:33 +0200", 26, &ms));
	CHECK_EQ_INT(ms, 1477399773000LL);
	CHECK(bw_time_parse_clf("25/Oct/2016:14:49:33 +0201", 26, &ms));
	CHECK_EQ_INT(ms, 1477399713000LL);
	CHECK(bw_time_parse_clf("25/Oct/2016:14:49:34 +0201", 26, &ms));
	CHECK_EQ_INT(ms, 1477399714000LL);
	CHECK(!bw_time_parse_clf("25/Oct/2016:14:49:34 +02x1", 26, &ms));
	CHECK(!bw_time_parse_clf("25/Oct/2016:14:49:34 +0201", 25, &ms));
	CHECK(bw_time_parse_clf("25/Oct/2016:14:49:34 +0201", 26, &ms));
	CHECK_EQ_INT(ms, 1477399714000LL);
}

static void test_clf_invalid(void)
{
	int64_t ms;
	CHECK(!bw_time_parse_clf("29/Feb/2023:00:00:00 +0000", 26, &ms)); /* not leap */
	CHECK(!bw_time_parse_clf("31/Apr/2023:00:00:00 +0000", 26, &ms));
	CHECK(!bw_time_parse_clf("10/Foo/2023:00:00:00 +0000", 26, &ms));
	CHECK(!bw_time_parse_clf("10/Oct/2023:24:00:00 +0000", 26, &ms));
	CHECK(!bw_time_parse_clf("10/Oct/2023:23:60:00 +0000", 26, &ms));
	CHECK(!bw_time_parse_clf("10/Oct/2023:23:00:00 +2500", 26, &ms));
	CHECK(!bw_time_parse_clf("10/Oct/2023:23:00:00 Z0000", 26, &ms));
	CHECK(!bw_time_parse_clf("10/Oct/2023:23:00:00 +000", 25, &ms));
	CHECK(!bw_time_parse_clf("1x/Oct/2023:23:00:00 +0000", 26, &ms));
}

static void test_iso(void)
{
	int64_t ms;
	const char *s = "2026-11-27T13:04:01.123456+01:00 host";
	CHECK_EQ_INT(bw_time_parse_iso(s, strlen(s), NULL, &ms), 32);
	CHECK_EQ_INT(ms, 1795781041123LL); /* 12:04:01.123Z */
	s = "2026-11-27T12:04:01Z";
	CHECK_EQ_INT(bw_time_parse_iso(s, strlen(s), NULL, &ms), 20);
	CHECK_EQ_INT(ms, 1795781041000LL);
	s = "2026-11-27 12:04:01.5";
	CHECK_EQ_INT(bw_time_parse_iso(s, strlen(s), NULL, &ms), 21);
	CHECK_EQ_INT(ms % 1000, 500);
	s = "2026-11-27T12:04:01-0230";
	CHECK_EQ_INT(bw_time_parse_iso(s, strlen(s), NULL, &ms), 24);
	CHECK_EQ_INT(ms, 1795790041000LL); /* 14:34:01Z */
	s = "2026-13-27T12:04:01Z";
	CHECK_EQ_INT(bw_time_parse_iso(s, strlen(s), NULL, &ms), 0);
	s = "2026-11-27T12:04";
	CHECK_EQ_INT(bw_time_parse_iso(s, strlen(s), NULL, &ms), 0);
}

static void test_tz_dst(void)
{
	const struct bw_tz *ams = bw_tz_get("Europe/Amsterdam");
	CHECK(ams != NULL);
	if (!ams)
		return;
	/* 2026-03-29 01:30 local (CET, +1) and 03:30 local (CEST, +2). */
	int64_t before = bw_epoch_from_civil(2026, 3, 29, 1, 30, 0);
	int64_t after = bw_epoch_from_civil(2026, 3, 29, 3, 30, 0);
	CHECK_EQ_INT(bw_tz_local_to_utc(ams, before), before - 3600);
	CHECK_EQ_INT(bw_tz_local_to_utc(ams, after), after - 7200);
	/* Winter again in November. */
	int64_t nov = bw_epoch_from_civil(2026, 11, 27, 13, 0, 0);
	CHECK_EQ_INT(bw_tz_local_to_utc(ams, nov), nov - 3600);
	CHECK(bw_tz_get("Not/AZone") == NULL);
	const struct bw_tz *utc = bw_tz_get("UTC");
	CHECK(utc && bw_tz_local_to_utc(utc, nov) == nov);
	/* The zone is applied to zone-less ISO stamps. */
	int64_t ms;
	const char *s = "2026-07-01T12:00:00";
	CHECK_EQ_INT(bw_time_parse_iso(s, strlen(s), ams, &ms), 19);
	CHECK_EQ_INT(ms, (bw_epoch_from_civil(2026, 7, 1, 12, 0, 0) - 7200) * 1000);
	bw_tz_free_all();
}

/* The local zone (--tz not given) is the process's: $TZ when set, else
 * /etc/localtime; a conversion in another zone gives it back. */
static void test_tz_local_is_env(void)
{
	char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
	setenv("TZ", "Asia/Tokyo", 1);
	const struct bw_tz *local = bw_tz_get(NULL);
	const struct bw_tz *ams = bw_tz_get("Europe/Amsterdam");
	CHECK(local && ams);
	if (local && ams) {
		int64_t t = bw_epoch_from_civil(2026, 11, 27, 9, 0, 0);
		CHECK_EQ_INT(bw_tz_local_to_utc(local, t), t - 9 * 3600);
		CHECK_EQ_INT(bw_tz_offset_at(local, t), 9 * 3600);
		CHECK_EQ_INT(bw_tz_local_to_utc(ams, t + 3600), t);
		CHECK_EQ_STR(getenv("TZ"), "Asia/Tokyo");
		CHECK_EQ_INT(bw_tz_offset_at(local, t + 86400), 9 * 3600);
	}
	if (old)
		setenv("TZ", old, 1);
	else
		unsetenv("TZ");
	free(old);
	bw_tz_free_all();
}

int main(int argc, char **argv)
{
	static const struct bw_test tests[] = {
		{ "clf_offsets", test_clf_offsets },
		{ "clf_memo", test_clf_memo },
		{ "clf_invalid", test_clf_invalid },
		{ "iso", test_iso },
		{ "tz_dst", test_tz_dst },
		{ "tz_local_is_env", test_tz_local_is_env },
		{ NULL, NULL },
	};
	return bw_test_main("time", tests, argc, argv);
}
