/*
 * gen_auth.c - deterministic generator of a realistic syslog auth log for
 * the benchmark and for soak tests: sshd brute force and spraying from a
 * pool of attackers (IPv4 and IPv6), real logins, PAM sessions, CRON,
 * sudo, su, dovecot and postfix SASL, rsyslog "message repeated", and
 * programme noise nobody models; time runs from Dec 28 across New Year so
 * the year rollover is exercised.
 *
 *   gen_auth [-n LINES] [-s SEED] [-o FILE]     (default 1000000 lines, stdout)
 *
 * Same arguments, same bytes: a fixed LCG, no clock, no locale.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state;

static uint32_t rnd(void)
{
	rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(rng_state >> 33);
}

static uint32_t below(uint32_t n)
{
	return rnd() % n;
}

static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
static const char *const hosts[] = { "bastion", "web1", "web2", "mail", "db1", "vpn-gw" };
static const char *const staff[] = { "alice", "bob", "carol", "dave", "erin", "frank",
				     "grace", "heidi", "ivan", "judy", "mallory", "oscar" };
static const char *const guesses[] = { "root", "admin", "test", "oracle", "ubuntu", "git",
				       "postgres", "user", "pi", "ftp", "guest", "support",
				       "deploy", "jenkins", "nagios", "alice" };
static const char *const cmds[] = { "/usr/bin/systemctl restart nginx", "/bin/ls /root",
				    "/usr/bin/apt-get update", "/bin/cat /var/log/auth.log",
				    "/usr/bin/tail -f /var/log/syslog" };

static void attacker_ip(char *buf, size_t cap)
{
	uint32_t k = below(400);
	if (k % 10 == 0)
		snprintf(buf, cap, "2001:db8:%x::%x", 0x100 + k, 1 + below(50));
	else
		snprintf(buf, cap, "%u.%u.%u.%u", 45 + k % 150, (k * 7) % 256, (k * 13) % 256,
			 1 + (k * 31) % 254);
}

static void staff_ip(char *buf, size_t cap, uint32_t who)
{
	if (who % 5 == 4)
		snprintf(buf, cap, "2001:db8:aa::%x", 0x10 + who);
	else
		snprintf(buf, cap, "10.20.%u.%u", who, 10 + below(3));
}

int main(int argc, char **argv)
{
	long lines = 1000000;
	uint64_t seed = 20261127;
	const char *outpath = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			lines = atol(argv[++i]);
		else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
			outpath = argv[++i];
		else {
			fprintf(stderr, "usage: gen_auth [-n LINES] [-s SEED] [-o FILE]\n");
			return 2;
		}
	}
	FILE *out = outpath ? fopen(outpath, "w") : stdout;
	if (!out) {
		perror(outpath);
		return 1;
	}
	rng_state = seed;
	/* Local time as seconds since Dec 28 00:00 of a non-leap year. */
	int64_t t_ms = 0;
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	char ip[64], line[1024];
	for (long n = 0; n < lines; n++) {
		t_ms += below(900);
		int64_t s = t_ms / 1000;
		int mon = 11, day = 28 + (int)(s / 86400);
		while (day > mdays[mon]) {
			day -= mdays[mon];
			mon = (mon + 1) % 12;
		}
		int sod = (int)(s % 86400);
		char stamp[32];
		snprintf(stamp, sizeof(stamp), "%s %2d %02d:%02d:%02d", months[mon], day, sod / 3600,
			 sod / 60 % 60, sod % 60);
		const char *host = hosts[below(6)];
		unsigned pid = 1000 + below(60000);
		uint32_t k = below(1000);
		uint32_t who = below(12);
		int len;
		if (k < 280) {
			attacker_ip(ip, sizeof(ip));
			const char *u = guesses[below(16)];
			int inv = strcmp(u, "root") && strcmp(u, "alice");
			len = snprintf(line, sizeof(line), "%s %s sshd[%u]: Failed password for %s%s from %s port %u ssh2",
				       stamp, host, pid, inv ? "invalid user " : "", u, ip, 1024 + below(60000));
		} else if (k < 380) {
			attacker_ip(ip, sizeof(ip));
			len = snprintf(line, sizeof(line), "%s %s sshd[%u]: Invalid user %s from %s port %u",
				       stamp, host, pid, guesses[below(16)], ip, 1024 + below(60000));
		} else if (k < 470) {
			attacker_ip(ip, sizeof(ip));
			len = snprintf(line, sizeof(line), "%s %s sshd[%u]: Connection closed by authenticating user %s %s port %u [preauth]",
				       stamp, host, pid, guesses[below(16)], ip, 1024 + below(60000));
		} else if (k < 520) {
			staff_ip(ip, sizeof(ip), who);
			len = snprintf(line, sizeof(line), "%s %s sshd[%u]: Accepted %s for %s from %s port %u ssh2%s",
				       stamp, host, pid, who % 3 ? "publickey" : "password", staff[who], ip,
				       1024 + below(60000), who % 3 ? ": ED25519 SHA256:Zk3v0ZbWm1ZpQ6pC0I5c8xJ8u1n9mXl7e2w4q5r6t7y" : "");
		} else if (k < 620) {
			len = snprintf(line, sizeof(line), "%s %s sshd[%u]: pam_unix(sshd:session): session %s for user %s%s",
				       stamp, host, pid, k & 1 ? "opened" : "closed", staff[who],
				       k & 1 ? "(uid=1000) by (uid=0)" : "");
		} else if (k < 760) {
			len = snprintf(line, sizeof(line), "%s %s CRON[%u]: pam_unix(cron:session): session %s for user root%s",
				       stamp, host, pid, k & 1 ? "opened" : "closed", k & 1 ? " by (uid=0)" : "");
		} else if (k < 810) {
			len = snprintf(line, sizeof(line), "%s %s sudo: %8s : TTY=pts/%u ; PWD=/home/%s ; USER=root ; COMMAND=%s",
				       stamp, host, staff[who], below(9), staff[who], cmds[below(5)]);
		} else if (k < 840) {
			attacker_ip(ip, sizeof(ip));
			len = snprintf(line, sizeof(line), "%s %s sshd[%u]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=%s  user=%s",
				       stamp, host, pid, ip, guesses[below(16)]);
		} else if (k < 860) {
			attacker_ip(ip, sizeof(ip));
			len = snprintf(line, sizeof(line), "%s %s sshd[%u]: message repeated %u times: [ Failed password for root from %s port %u ssh2]",
				       stamp, host, pid, 2 + below(8), ip, 1024 + below(60000));
		} else if (k < 880) {
			attacker_ip(ip, sizeof(ip));
			len = snprintf(line, sizeof(line), "%s mail dovecot: imap-login: Disconnected (auth failed, %u attempts in %u secs): user=<%s@corp.example>, method=PLAIN, rip=%s, lip=192.0.2.25, TLS, session=<x%08x>",
				       stamp, 1 + below(3), 2 + below(10), staff[who], ip, rnd());
		} else if (k < 895) {
			attacker_ip(ip, sizeof(ip));
			len = snprintf(line, sizeof(line), "%s mail postfix/smtpd[%u]: warning: unknown[%s]: SASL LOGIN authentication failed: UGFzc3dvcmQ6",
				       stamp, pid, ip);
		} else if (k < 905) {
			staff_ip(ip, sizeof(ip), who);
			len = snprintf(line, sizeof(line), "%s mail dovecot: imap-login: Login: user=<%s@corp.example>, method=PLAIN, rip=%s, lip=192.0.2.25, mpid=%u, TLS, session=<x%08x>",
				       stamp, staff[who], ip, pid, rnd());
		} else if (k < 925) {
			staff_ip(ip, sizeof(ip), who);
			len = snprintf(line, sizeof(line), "%s %s sshd[%u]: Received disconnect from %s port %u:11: disconnected by user",
				       stamp, host, pid, ip, 1024 + below(60000));
		} else if (k < 935) {
			len = snprintf(line, sizeof(line), "%s %s su[%u]: (to root) %s on pts/%u", stamp, host, pid,
				       staff[who], below(9));
		} else if (k < 950) {
			attacker_ip(ip, sizeof(ip));
			len = snprintf(line, sizeof(line), "%s %s sshd[%u]: Unable to negotiate with %s port %u: no matching key exchange method found. Their offer: diffie-hellman-group1-sha1 [preauth]",
				       stamp, host, pid, ip, 1024 + below(60000));
		} else {
			len = snprintf(line, sizeof(line), "%s %s systemd-logind[%u]: New session %u of user %s.",
				       stamp, host, 400 + below(50), below(100000), staff[who]);
		}
		if (len < 0 || (size_t)len >= sizeof(line))
			continue;
		line[len++] = '\n';
		fwrite(line, 1, (size_t)len, out);
	}
	if (outpath && fclose(out) != 0) {
		perror(outpath);
		return 1;
	}
	return 0;
}
