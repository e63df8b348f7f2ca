#!/bin/sh
# rules_corpora.sh - replay the crowdsec hub's scenario tests through the
# default ruleset and compare the alerted source addresses with the ones the
# hub's scenario.assert expects.
#
#   sh tests/rules_corpora.sh [BREACHWATCH]
#
# For each hub test below, `breachwatch scan --json` runs over the test's
# *.log files; the expected sources are the addresses named in
# scenario.assert (results[N].Overflow.Sources["a.b.c.d"]). Every difference
# is printed. A `cover` test passes when every expected source, except those
# listed with a reason, is alerted; a `known` test is a family or threshold
# we do not share with crowdsec, reported with its reason and not counted as
# a failure. Alerts on sources the hub does not expect are printed as extras
# (information, never a failure).
#
# Reads ../shared/corpora (relative to the repository root) and never copies
# anything from it. Skips with a message when it is absent. Ends with
# "rules_corpora: N passed, N failed, N known differences" and exits 1 when
# a covered test failed.

cd "$(dirname "$0")/.." || exit 2
BW=${1:-./breachwatch}
HUB=../shared/corpora/crowdsec-hub/.tests

if [ ! -d "$HUB" ]; then
	echo "rules_corpora: skipped: $HUB not present"
	echo "rules_corpora: 0 passed, 0 failed"
	exit 0
fi
if [ ! -x "$BW" ]; then
	echo "rules_corpora: $BW is not built (run make)" >&2
	exit 2
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/bw-corpora.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT INT TERM

# A scan that rejects the options (a CLI without the rule engine wired in)
# is reported and skipped; a scan that runs but alerts on nothing fails
# below, test by test.
if ! "$BW" scan --json --fail-on none /dev/null >"$TMP/out" 2>"$TMP/err"; then
	echo "rules_corpora: skipped: '$BW scan --json --fail-on none' fails: $(head -c 200 "$TMP/err")"
	exit 0
fi

# test | cover or known | expected sources we do not alert, with the reason
# (cover) / why the whole test differs (known)
TESTS='
fortinet-cve-2018-13379|cover||web.fortinet-cve-2018-13379
pulse-secure-sslvpn-cve-2019-11510|cover||web.pulse-cve-2019-11510
f5-big-ip-cve-2020-5902|cover||web.f5-cve-2020-5902
apache_log4j2_cve-2021-44228|cover||web.log4shell-cve-2021-44228 (agent and referrer)
apache-cve-2021-41773|cover|88.168.206.87|web.apache-cve-2021-41773; 88.168.206.87 appears only in an Apache *error* log line ("AH00126: Invalid URI"), which no breachwatch parser reads: error logs are not access events
nginx-cve-2021-41773|cover||web.apache-cve-2021-41773
cve-2021-42013|cover||web.apache-cve-2021-41773 (the %%32%65 double encoding)
CVE-2017-9841|cover||web.background-probe (/vendor/phpunit/ is background noise to us, low severity)
CVE-2022-26134|cover||web.confluence-ognl
CVE-2022-40684|cover||web.fortinet-cve-2022-40684
CVE-2022-42889|cover||web.java-payload (Text4Shell lookups)
CVE-2022-44877|cover||web.webshell-command ($(echo${IFS}...) in login=)
CVE-2022-46169|cover||web.webshell-command (;touch in poller_id=)
CVE-2023-22515|cover||web.confluence-cve-2023-22515
CVE-2023-22518|cover||web.confluence-cve-2023-22515 (setup-restore)
CVE-2024-0012|cover||web.panos-cve-2024-0012
CVE-2024-9474|cover||web.panos-cve-2024-0012
CVE-2025-0108|cover||web.panos-cve-2024-0012
CVE-2024-38475|cover||web.path-traversal; we also alert 127.0.0.3 (/etc/passwd?...): a traversal probe to us, crowdsec wants the %3f at the end of the path
cve-2023-49103|cover||web.owncloud-cve-2023-49103
apache-http-probing|cover||web.webshell-command (cmd=ls in the RFI probes); crowdsec counts 404s, our volume rule needs > 500 over > 250 paths in 10 min
apache2-http-sensitive-files|cover||web.background-probe
nginx-http-sensitive-files|cover||web.background-probe, web.git-exposure
http-admin-interface-probing|cover||web.background-probe (/phpmyadmin*)
http-cve-probing|cover||web.background-probe (/_ignition/execute-solution)
http-technology-probing|cover|10.0.0.1|web.background-probe for /crx/packmgr/; 10.0.0.1 asked only /cgi-bin/videoconfiguration.cgi (one 404) and /index.html: crowdsec flags any path of its technology list, our probe list holds only paths bots request from every server
nginx-bad-user-agent|cover||web.scanner-agent (Nikto)
nginx-http-path-traversal|cover||web.path-traversal
nginx-http-sqli-probing|cover||web.sqli
nginx-http-xss-probing|cover||web.xss
nginx-http-w00twoot|cover||web.background-probe (/w00tw00t*)
nginx-http-backdoor|cover||web.webshell-command (*shell*.php names)
vmware-cve-2022-22954|cover||web.template-injection: freemarker Execute in the path (192.168.1.4) and, every byte %-encoded, in the query (192.168.1.3: the rule reads urldecode(url.query))
ssh-slow-bf|known||the test holds only 22 "Invalid user hadoop" lines: connections that never tried a password (no "Failed password for invalid user" line, which real sshd writes for each attempt); breachwatch counts attempts, one per "Failed ..." line, and an "Invalid user" line is a probe, else each attempt would count twice
CVE-2019-18935|known||Telerik UI (CVE-2019-18935) is not one of our exploitation families
CVE-2022-35914|known||GLPI htmLawed (CVE-2022-35914) is not one of our exploitation families
CVE-2022-41697|known||Ghost admin login enumeration: 6 POSTs to its login API in a second; web.login-bruteforce needs 20 in 10 min (crowdsec: 5)
cve_2022_37042|known||Zimbra mboximport (CVE-2022-37042) is not one of our exploitation families
vmware-vcenter-vmsa-2021-0027|known||VMware vCenter SSRF is not one of our families; web.path-traversal alerts 192.168.1.3 (url=file:///etc/passwd), the SSRF to an internal https URL (192.168.1.4) matches nothing
http-wordpress-scan|known||WordPress plugin enumeration is not one of our families (a few 404s; our volume rule needs > 500)
http-bf-wordpress-bf|cover||web.background-probe (low): 9 POSTs to /wp-login.php in a second, behind a syslog header; web.login-bruteforce needs 20 in 10 min (crowdsec: 5)
http-wordpress_user-enum|known||WordPress user enumeration is not one of our families
http-dos-bypass-cache|known||HTTP DoS is out of scope (breachwatch looks for intrusion and exfiltration)
http-dos-invalid-http-versions|known||HTTP DoS is out of scope
http-dos-random-uri|known||HTTP DoS is out of scope (66 404s; our fuzzing volume needs > 500 over > 250 paths)
http-dos-switching-ua|known||HTTP DoS is out of scope
http-generic-test|known||crowdsec self-test path, nothing to detect
nginx-http-generic-bf|known||HTTP basic-auth failures: the nginx error log is not parsed and a 401 in an access log is not a login event in our model
nginx-http-malformed|known||binary junk request lines are protocol noise, not a family we alert on
nginx-http-open-proxy|known||open-proxy probing (CONNECT, absolute URIs) is not one of our families
ssh-bf|known||crowdsec overflows at 5 failures (ssh-bf_user-enum at 5 distinct users); our defaults are 20 per source in 10 min, 10 per account in 30 min, 10 accounts for spraying (issue 5): 6 attempts raise nothing
ssh-time-based-bf|known||crowdsec flags 10.0.0.101 for 4 failures spaced exactly 20 min apart (a timing signature); ours are volume thresholds (20 per source in 10 min, 10 per account in 30 min) and 3-4 failures per source raise nothing
sshd-invalid-bf|known||6 preauth disconnects: under our 20/10 min threshold (crowdsec: 5)
fortinet-vpn-bf|known||9 SSL-VPN login failures in 13 s: under our 20/10 min per source (crowdsec: 5); accounts differ
openvpn-bf|known||4 TLS handshake failures: under our thresholds, and a TLS error before authentication is a probe, not a login failure
charon-ipsec-bf|cover||auth.bruteforce-account (11 EAP-MS-CHAPv2 failures for lyb in 30 min); the failure lines name no peer, the packet lines of the exchange ("sending packet ... to 116.178.2.170") give it through the session table
'

is_ip() {
	case $1 in
	*[!0-9a-fA-F.:]*|'') return 1 ;;
	*[.:]*) return 0 ;;
	*) return 1 ;;
	esac
}

printf '%s\n' "$TESTS" | while IFS='|' read -r name status skip reason; do
	[ -n "$name" ] || continue
	dir=$HUB/$name
	if [ ! -f "$dir/scenario.assert" ]; then
		echo "rules_corpora: $name: not in the corpus, skipped"
		continue
	fi
	# expected sources: addresses only (some hub tests key on user names)
	exp=$TMP/exp got=$TMP/got
	: >"$exp"
	for s in $(grep -o 'Sources\["[^"]*"\]' "$dir/scenario.assert" |
		   sed 's/^Sources\["//; s/"\]$//' | sort -u); do
		is_ip "$s" && echo "$s" >>"$exp"
	done
	sort -u -o "$exp" "$exp"
	"$BW" scan --json --fail-on none "$dir"/*.log \
		>"$TMP/out" 2>"$TMP/err"
	rc=$?
	grep -o '"source\.ip":"[^"]*"' "$TMP/out" |
		sed 's/^"source\.ip":"//; s/"$//' | sort -u >"$got"
	missing=$(comm -23 "$exp" "$got" | tr '\n' ' ')
	extra=$(comm -13 "$exp" "$got" | tr '\n' ' ')
	rules=$(grep -o '"rule\.id":"[^"]*"' "$TMP/out" |
		sed 's/^"rule\.id":"//; s/"$//' | sort -u | tr '\n' ' ')
	unexplained=
	for m in $missing; do
		case " $skip " in
		*" $m "*) ;;
		*) unexplained="$unexplained $m" ;;
		esac
	done
	if [ "$rc" -gt 1 ]; then
		echo "rules_corpora: $name: scan exited $rc: $(head -c 300 "$TMP/err")"
	fi
	if [ "$status" = cover ]; then
		if [ -z "$unexplained" ] && [ "$rc" -le 1 ]; then
			echo "PASS $name (alerts: ${rules:-none})"
			echo pass >>"$TMP/tally"
		else
			echo "FAIL $name: expected sources not alerted:$unexplained (alerts: ${rules:-none}) -- $reason"
			echo fail >>"$TMP/tally"
		fi
		[ -n "$skip" ] && echo "     known difference: $skip not alerted -- $reason"
	else
		if [ -n "$missing" ]; then
			what="not alerted: $missing"
		else
			what="all expected sources alerted anyway"
		fi
		echo "KNOWN $name: $what(alerts: ${rules:-none}) -- $reason"
		echo known >>"$TMP/tally"
	fi
	[ -n "$extra" ] && echo "     extra: alerted but not expected by the hub: $extra"
done

pass=$(grep -c '^pass' "$TMP/tally" 2>/dev/null) || pass=0
fail=$(grep -c '^fail' "$TMP/tally" 2>/dev/null) || fail=0
known=$(grep -c '^known' "$TMP/tally" 2>/dev/null) || known=0
echo "rules_corpora: $pass passed, $fail failed, $known known differences"
[ "$fail" -eq 0 ]
