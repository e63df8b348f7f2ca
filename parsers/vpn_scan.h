/*
 * vpn_scan.h - small scanners shared by the VPN parsers (vpn_*.c):
 * literal search, address[:port] tokens, key=value pairs, and the stamp
 * shapes VPN products write themselves (ctime, "Mon dd yyyy hh:mm:ss").
 *
 * Pure functions over caller memory; nothing allocates, nothing reads past
 * `end`. Parsers only: include parser.h-level headers, never analyzer/.
 */
#ifndef BW_VPN_SCAN_H
#define BW_VPN_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

struct bw_tz;

/* @return pointer to the first occurrence of lit in [p, end), or NULL. */
const char *bw_vpn_find(const char *p, const char *end, const char *lit);

/* @return pointer just past the first occurrence of lit, or NULL. */
const char *bw_vpn_after(const char *p, const char *end, const char *lit);

/* @return the view from p up to (not including) the first byte in stops,
 * or up to end. */
bw_str bw_vpn_until(const char *p, const char *end, const char *stops);

/* Parse "a.b.c.d", "a.b.c.d:port", "[v6]:port", "[AF_INET]a.b.c.d:port",
 * "[AF_INET6]v6" of exactly n bytes (a bare IPv6 is taken whole, never
 * split at its last colon). port may be NULL. @return 1 on success. */
int bw_vpn_ip_port(const char *p, size_t n, bw_ip *ip, uint16_t *port);

/* Parse an address at p that ends at the first byte that cannot be part
 * of one. @return the bytes consumed, 0 when there is no address. */
size_t bw_vpn_ip_token(const char *p, const char *end, bw_ip *ip);

/* Next key=value pair of a FortiGate / WELF style line. Values are bare
 * (up to a space) or "quoted" (backslash escapes the quote; the view keeps
 * the escapes). Skips junk between pairs. @return 1 with *key, *val set
 * and *pp advanced, 0 at the end. */
int bw_vpn_kv_next(const char **pp, const char *end, bw_str *key, bw_str *val);

/* "Fri Jan  5 10:00:00 2024" (ctime, 24 bytes) at p, local time in tz.
 * @return bytes consumed (24) and *ms in UTC, or 0. */
size_t bw_vpn_time_ctime(const char *p, const char *end,
			 const struct bw_tz *tz, int64_t *ms);

/* "Apr 30 2013 09:23:40" (Cisco with year, 20 bytes; day may be " 5" or
 * "5" - then 19 bytes), local time in tz. @return bytes consumed, or 0. */
size_t bw_vpn_time_mdy(const char *p, const char *end,
		       const struct bw_tz *tz, int64_t *ms);

/* Longest session duration taken from a log (100 years, in ms):
 * anything longer is a hostile or broken value and is dropped, so that
 * consumers can scale it (ECS event.duration is in ns) without
 * overflow. @return ms, or BW_NUM_ABSENT when out of range. */
#define BW_VPN_MAX_DURATION_MS ((int64_t)100 * 366 * 86400 * 1000)
static inline int64_t bw_vpn_duration(int64_t ms)
{
	return ms >= 0 && ms <= BW_VPN_MAX_DURATION_MS ? ms : BW_NUM_ABSENT;
}

/* Signed/unsigned decimal to int64 of exactly the view. @return 1 if the
 * whole view is a number that fits. */
int bw_vpn_num(bw_str s, int64_t *v);

#endif /* BW_VPN_SCAN_H */
