#!/bin/sh
# test_cli.sh - command-line behaviour of the whole program: exit codes,
# --stats reasons, --strict, positional options, merging, streaming.
# BW names the binary (default ./breachwatch). Ends "cli: N passed, M failed".
BW=${BW:-./breachwatch}
case "$BW" in /*) ;; *) BW="$(pwd)/$BW" ;; esac
cd "$(dirname "$0")/.." || exit 2
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; [ -n "$writer" ] && kill "$writer" 2>/dev/null' EXIT

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "cli: FAIL $*"; }
check() { # description, command...
	d=$1; shift
	if "$@"; then ok; else bad "$d"; fi
}

line() { # ip second path
	printf '%s - - [27/Nov/2026:12:00:%02d +0000] "GET %s HTTP/1.1" 200 10 "-" "-"\n' "$1" "$2" "$3"
}

# --- exit codes and usage -------------------------------------------------
$BW >/dev/null 2>&1; check "no command exits 2" [ $? = 2 ]
$BW frobnicate >/dev/null 2>&1; check "unknown command exits 2" [ $? = 2 ]
$BW parse --bogus x >/dev/null 2>&1; check "unknown option exits 2" [ $? = 2 ]
$BW parse --format nope x >/dev/null 2>&1; check "unknown format exits 2" [ $? = 2 ]
$BW parse --tz Mars/Olympus x >/dev/null 2>"$tmp/err"; check "unknown zone exits 2" [ $? = 2 ]
check "unknown zone is named" grep -q "Mars/Olympus" "$tmp/err"
$BW --help | grep -q "exit status"; check "--help documents exit status" [ $? = 0 ]
$BW formats | grep -q "^combined"; check "formats lists combined" [ $? = 0 ]

$BW scan --max-keys -1 /dev/null >/dev/null 2>&1; check "--max-keys -1 exits 2" [ $? = 2 ]
$BW scan --max-keys 1x /dev/null >/dev/null 2>&1; check "--max-keys 1x exits 2" [ $? = 2 ]

# --- file names are attacker text: no raw control byte reaches stderr -----
esc=$(printf '\033')
evil="$tmp/evil${esc}[2Jname.log"
line 192.0.2.1 1 /a >"$evil"
printf 'not a log line\n' >>"$evil"
$BW parse --stats --strict "$evil" "$tmp/gone${esc}]0;t.log" >/dev/null 2>"$tmp/err"
check "hostile names: status 2" [ $? = 2 ]
check "hostile names: missing file named, escaped" grep -q 'gone\\x1b\]0;t.log' "$tmp/err"
check "hostile names: --stats and --strict escaped" grep -q 'evil\\x1b\[2Jname.log' "$tmp/err"
if grep -q "$esc" "$tmp/err"; then bad "hostile names: raw ESC on stderr"; else ok; fi

# --- a parser warning names the file and the line of its last case --------
printf 'Mar  5 10:00:00 h sshd[1]: Accepted password for a from 10.0.0.1 port 1 ssh2\nMar  1 10:00:00 h sshd[1]: Accepted password for a from 10.0.0.1 port 1 ssh2\n' >"$tmp/back.log"
$BW parse --year 2024 "$tmp/back.log" >/dev/null 2>"$tmp/err"
check "warning names file:line" grep -q "back.log:2: 1 warning(s), last: " "$tmp/err"

# --- the reorder buffer's cap is reported, not blamed on the log ----------
awk 'BEGIN { for (i = 70000; i > 0; i--) printf "192.0.2.1 - - [27/Nov/2026:12:%02d:%02d +0000] \"GET /r HTTP/1.1\" 200 1 \"-\" \"-\"\n", int(i / 1200), int(i / 20) % 60 }' >"$tmp/desc.log"
$BW parse --stats --reorder 2h "$tmp/desc.log" >/dev/null 2>"$tmp/err"
check "full reorder buffer: warned" grep -q "reorder buffer full" "$tmp/err"
check "full reorder buffer: counted" grep -q "released early" "$tmp/err"
$BW parse --stats --reorder 2h testdata/web/combined.log >/dev/null 2>"$tmp/err"
if grep -q "reorder buffer full" "$tmp/err"; then bad "reorder warning without cause"; else ok; fi

# --- a missing file: error named, other files still processed, status 2 ---
line 192.0.2.1 1 /a >"$tmp/a.log"
$BW parse "$tmp/missing.log" "$tmp/a.log" >"$tmp/out" 2>"$tmp/err"
check "missing file exits 2" [ $? = 2 ]
check "missing file named" grep -q "missing.log" "$tmp/err"
check "other file still parsed" grep -q '"url.path":"/a"' "$tmp/out"

# --- --stats: skipped lines counted by reason, with samples -------------
$BW parse --stats testdata/web/hostile.log >/dev/null 2>"$tmp/err"
check "hostile file exits 0" [ $? = 0 ]
check "stats: 9 lines" grep -q "lines 9, events 4, ignored 0, skipped 5" "$tmp/err"
check "stats: bad timestamp reason" grep -q "skipped: bad timestamp: 1" "$tmp/err"
check "stats: bad status reason" grep -q "skipped: bad status code: 2" "$tmp/err"
check "stats: sample input:line" grep -q "sample: testdata/web/hostile.log:2:" "$tmp/err"
check "stats: lines/s and MB/s" grep -q "lines/s, .* MB/s" "$tmp/err"
check "stats: no raw escape bytes reach the terminal" sh -c "! grep -q \"$(printf '\033')\" '$tmp/err'"

# --- --strict makes a skipped line fatal, naming file:line ---------------
$BW parse --strict testdata/web/hostile.log >"$tmp/out" 2>"$tmp/err"
check "--strict exits 2" [ $? = 2 ]
check "--strict names file:line" grep -q "hostile.log:2:" "$tmp/err"
check "--strict stops at the bad line" [ "$(wc -l <"$tmp/out")" = 1 ]

# --- long line: cut, flagged, counted, nothing lost after it ------------
$BW parse --stats testdata/web/long-line.log.gz >"$tmp/out" 2>"$tmp/err"
check "long line counted as cut" grep -q "cut 1" "$tmp/err"
check "line after the long one parsed" [ "$(grep -c '"/after"' "$tmp/out")" = 2 ]

# --- merge by event time across inputs, any order on the command line ---
{ line 192.0.2.1 1 /a1; line 192.0.2.1 5 /a5; line 192.0.2.1 9 /a9; } >"$tmp/m1.log"
{ line 192.0.2.2 2 /b2; line 192.0.2.2 6 /b6; } >"$tmp/m2.log"
$BW parse "$tmp/m2.log" "$tmp/m1.log" | sed -n 's/.*"url.path":"\([^"]*\)".*/\1/p' | tr '\n' ' ' >"$tmp/order"
check "merged in event-time order" [ "$(cat "$tmp/order")" = "/a1 /b2 /a5 /b6 /a9 " ]

# --- reorder window sorts small disorder between inputs ------------------
{ line 192.0.2.1 3 /late; line 192.0.2.1 1 /early; } >"$tmp/r1.log"
line 192.0.2.2 2 /mid >"$tmp/r2.log"
$BW parse --reorder 5s "$tmp/r1.log" "$tmp/r2.log" | sed -n 's/.*"url.path":"\([^"]*\)".*/\1/p' | tr '\n' ' ' >"$tmp/order"
check "reorder window sorts" [ "$(cat "$tmp/order")" = "/early /mid /late " ]

# --- positional --format applies to the files after it -------------------
printf '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /x HTTP/1.0" 200 2326\n' >"$tmp/c.log"
$BW parse "$tmp/a.log" --format common "$tmp/c.log" >"$tmp/out"
check "positional --format" [ "$(grep -c '"event.dataset":"common"' "$tmp/out")" = 1 ]

# --- gzip and zstd by magic, whatever the name ---------------------------
gzip -c "$tmp/a.log" >"$tmp/gz.txt"
zstd -q -c "$tmp/a.log" >"$tmp/zs.txt"
check "gzip by magic" sh -c "'$BW' parse '$tmp/gz.txt' | grep -q '/a'"
check "zstd by magic" sh -c "'$BW' parse '$tmp/zs.txt' | grep -q '/a'"

# --- output is byte-identical across runs ---------------------------------
$BW parse testdata/web/combined.log >"$tmp/o1"
$BW parse testdata/web/combined.log >"$tmp/o2"
check "byte-identical output" cmp -s "$tmp/o1" "$tmp/o2"

# --- VPN lease attribution across inputs, either order on the command line
for order in "vpn.log web.log" "web.log vpn.log"; do
	# shellcheck disable=SC2086
	(cd testdata/vpn/lease && $BW parse --tz UTC $order) >"$tmp/out"
	check "lease attribution ($order)" [ "$(grep '"breachwatch.user_from":"vpn-lease"' "$tmp/out" | grep -c '"user.name":"alice"')" = 1 ]
done

# --- identity: DOMAIN\user and user@domain are one identity with --identity-domain
printf '{"winlog":{"event_id":4625,"event_data":{"TargetUserName":"Alice","TargetDomainName":"CORP","IpAddress":"203.0.113.9","LogonType":"3","Status":"0xc000006d","SubStatus":"0xc000006a"}},"@timestamp":"2026-11-27T12:00:00Z"}\n' >"$tmp/win.json"
$BW parse --identity-domain corp.example "$tmp/win.json" >"$tmp/out" 2>/dev/null
check "identity: CORP\\Alice is alice" grep -q '"breachwatch.identity":"alice"' "$tmp/out"

# --- scan: exit status follows --fail-on; alerts as NDJSON ---------------
$BW scan testdata/demo/* >"$tmp/out" 2>"$tmp/err"
check "scan demo: high alerts exit 1" [ $? = 1 ]
check "scan demo: CVE-2018-13379 alert" grep -q "web.fortinet-cve-2018-13379" "$tmp/out"
check "scan demo: VPN-lease user in exfil alert" grep -q "exfil.user-hourly user=m.visser" "$tmp/out"
check "scan demo: ProxyShell from the Exchange server's IIS log" grep -q "HIGH     web.exchange-proxyshell src.ip=203.0.113.66: .* answered 400 \[testdata/demo/exchange-u_ex261125.log:7\]" "$tmp/out"
check "scan demo: the exploit attempt, then the SSH login" grep -q "01:47:02.000Z CRITICAL access.exploit-then-login src.net=203.0.113.66: 203.0.113.66 logged in as m.visser (auth)" "$tmp/out"
$BW scan --fail-on none testdata/demo/* >/dev/null 2>&1
check "scan --fail-on none exits 0" [ $? = 0 ]
$BW scan --rules none testdata/demo/* >"$tmp/out" 2>/dev/null
check "scan --rules none: no alerts, exit 0" [ $? = 0 ] && [ ! -s "$tmp/out" ]
$BW scan --json testdata/demo/portal-access.log >"$tmp/out" 2>/dev/null
check "scan --json: one JSON alert per line" sh -c "grep -c '^{\"@timestamp\":' '$tmp/out' | grep -qv '^0$' && ! grep -qv '^{' '$tmp/out'"
check "scan --json: rule.id field" grep -q '"rule.id":"web.fortinet-cve-2018-13379"' "$tmp/out"
mkdir -p "$tmp/badrules" && printf 'rule x.y\n  severity loud\n  when url.path ~ /a/\n' >"$tmp/badrules/bad.rules"
$BW scan --rules "$tmp/badrules" testdata/web/combined.log >/dev/null 2>"$tmp/err"
check "scan with a bad rule file exits 2" [ $? = 2 ]
check "bad rule file: file:line:col" grep -q "bad.rules:2:[0-9]*:" "$tmp/err"
mkdir -p "$tmp/norules" && printf 'rule x.y\n  when true\n' >"$tmp/norules/t.rule"
$BW scan --rules "$tmp/norules" testdata/web/combined.log >/dev/null 2>"$tmp/err"
check "scan with no *.rules file exits 2" [ $? = 2 ]
check "no *.rules file: named" grep -q "norules.*no \*\.rules file" "$tmp/err"
$BW rules check "$tmp/norules" >/dev/null 2>&1
check "rules check with no *.rules file exits 2" [ $? = 2 ]

# a session alert cites the line that opened the session and the one that ended it
printf '%s\n' \
  'Nov 27 2026 13:00:00 asa-edge : %ASA-4-113039: Group <GP> User <hank> IP <198.51.100.62> AnyConnect parent session started.' \
  'Nov 28 2026 14:00:00 asa-edge : %ASA-4-113019: Group = GP, Username = hank, IP = 198.51.100.62, Session disconnected. Session Type: SSL, Duration: 1d 1h:00m:00s, Bytes xmt: 5000, Bytes rcv: 60, Reason: User Requested' >"$tmp/long.log"
$BW scan --json --fail-on none "$tmp/long.log" >"$tmp/out" 2>/dev/null
check "session alert: evidence is the start and the end line" grep -q '"breachwatch.evidence":\[{"input":"[^"]*long.log","line":1},{"input":"[^"]*long.log","line":2}\]' "$tmp/out"

# out-of-order input past the reorder window: said, with what to do
{ line 192.0.2.1 30 /a; line 192.0.2.1 10 /b; } >"$tmp/ooo.log"
$BW scan "$tmp/ooo.log" >/dev/null 2>"$tmp/err"
check "late events: a warning names --reorder" grep -q "warning: 1 event(s) came after newer ones.*--reorder" "$tmp/err"
line 192.0.2.1 10 /a >"$tmp/ino.log"
$BW scan "$tmp/ino.log" >/dev/null 2>"$tmp/err"
check "no late events: no warning" sh -c "! grep -q 'came after newer' '$tmp/err'"

# a bad --set is one error: the rule keeps its fields for the rules using them
$BW rules check --set 'auth.bruteforce-source.group=' >/dev/null 2>"$tmp/err"
check "bad --set group: one error" [ "$(wc -l <"$tmp/err")" = 1 ]

# UTF-16 text (Windows PowerShell's '>' and Out-File) is named, not read as garbage
printf '\377\376{\000"\000a\000"\000:\0001\000}\000\n\000' >"$tmp/u16.json"
$BW parse "$tmp/u16.json" >/dev/null 2>"$tmp/err"
check "UTF-16 input: exit 2" [ $? = 2 ]
check "UTF-16 input: says how to convert" grep -q "UTF-16.*iconv" "$tmp/err"

# --allow errors point at the value, and a keyword without one says so
printf 'ip 999.1.1.1\nuser\n' >"$tmp/allow.txt"
$BW scan --allow "$tmp/allow.txt" /dev/null >/dev/null 2>"$tmp/err"
check "--allow bad value: exit 2" [ $? = 2 ]
check "--allow bad value: column of the value" grep -q "allow.txt:1:4: '999.1.1.1' is not an address" "$tmp/err"
check "--allow keyword alone: says what is missing" grep -q "allow.txt:2:1: 'user' needs a value" "$tmp/err"

# --- per-rule overrides: --set and override blocks ------------------------
bf=testdata/rules/auth.bruteforce-source/fire/auth.log
$BW scan --json --fail-on none $bf >"$tmp/out" 2>/dev/null
check "override baseline: brute force fires" grep -q '"rule.id":"auth.bruteforce-source"' "$tmp/out"
$BW scan --json --fail-on none --set 'auth.bruteforce-source.trigger=count >= 1000' $bf >"$tmp/out" 2>/dev/null
check "--set trigger: brute force no longer fires" sh -c "! grep -q '\"rule.id\":\"auth.bruteforce-source\"' '$tmp/out'"
$BW scan --json --fail-on none --set auth.bruteforce-source.disabled=yes $bf >"$tmp/out" 2>/dev/null
check "--set disabled: rule silent" sh -c "! grep -q '\"rule.id\":\"auth.bruteforce-source\"' '$tmp/out'"
$BW scan --json --fail-on none --set auth.bruteforce-source.severity=critical $bf >"$tmp/out" 2>/dev/null
check "--set severity: alert is critical" grep -q '"rule.id":"auth.bruteforce-source".*"event.severity_label":"critical"' "$tmp/out"
$BW scan --set auth.bruteforce-source.windw=1h $bf >/dev/null 2>"$tmp/err"
check "--set typo exits 2" [ $? = 2 ]
check "--set typo: --set:1:col" grep -q "^--set:1:24: unknown directive 'windw'" "$tmp/err"
mkdir -p "$tmp/ovrules" && cp -r signatures/* "$tmp/ovrules/" &&
printf 'override auth.bruteforce-source
  trigger count >= 1000
' >"$tmp/ovrules/00-local.rules"
$BW scan --json --fail-on none --rules "$tmp/ovrules" $bf >"$tmp/out" 2>/dev/null
check "override block in a file loaded first applies" sh -c "! grep -q '\"rule.id\":\"auth.bruteforce-source\"' '$tmp/out'"
$BW rules list "$tmp/ovrules" | grep -q "^auth.bruteforce-source .*(overridden)"
check "rules list marks overridden rules" [ $? = 0 ]

# --- a group on url.path.normalized names its value in both forms ---------
mkdir -p "$tmp/grules"
cat >"$tmp/grules/t.rules" <<'RULES'
rule test.doc-sources
  title "one document from many sources"
  severity low
  when source == web
  group url.path.normalized
  window 1h
  trigger distinct(src.ip) >= 2
RULES
{ line 198.51.100.1 1 /cases//a.pdf; line 198.51.100.2 2 /cases/./a.pdf; } >"$tmp/g.log"
$BW scan --rules "$tmp/grules" --json "$tmp/g.log" >"$tmp/out" 2>/dev/null
check "group url.path.normalized: JSON names it" grep -q '"breachwatch.group":{"breachwatch.url_path_normalized":"/cases/a.pdf"}' "$tmp/out"
$BW scan --rules "$tmp/grules" "$tmp/g.log" >"$tmp/out" 2>/dev/null
check "group url.path.normalized: text names it" grep -q 'test.doc-sources url.path.normalized=/cases/a.pdf:' "$tmp/out"

# --- alerts that cannot be written: status 2, said so ----------------------
line 203.0.113.9 1 '/remote/fgt_lang?lang=/../../../..//////////dev/cmdb/sslvpn_websession' >"$tmp/x.log"
$BW scan --fail-on none "$tmp/x.log" >/dev/full 2>"$tmp/err"
check "alerts to a full disk: status 2" [ $? = 2 ]
check "alerts to a full disk: said so" grep -q "error writing" "$tmp/err"

# --- skipped lines are reported by parse too; an input of no known format is named
{ line 192.0.2.1 1 /a; printf '192.0.2.1 - - [27/Nov/2026:12:00:02 +0000] "GET /a"b HTTP/1.1" 200 1 "-" "x"\n'; } >"$tmp/drop.log"
$BW parse "$tmp/drop.log" >/dev/null 2>"$tmp/err"
check "parse: skipped line reported" grep -q "1 skipped" "$tmp/err"
printf '{"time":"2026-11-25T10:00:01+00:00","remote_addr":"1.2.3.4","status":200}\n' >"$tmp/odd.log"
printf '{"time":"2026-11-25T10:00:02+00:00","remote_addr":"1.2.3.4","status":200}\n' >>"$tmp/odd.log"
$BW scan "$tmp/odd.log" >/dev/null 2>"$tmp/err"
check "no known format: input named" grep -q "odd.log: no line in a known format" "$tmp/err"
$BW scan testdata/web/combined.log >/dev/null 2>"$tmp/err"
if grep -q "no line in a known format" "$tmp/err"; then bad "no-format warning without cause"; else ok; fi

# --- account names in rules, lists and allowlists are identities ----------
mkdir -p "$tmp/urules/lists" "$tmp/urules/allow"
cat >"$tmp/urules/t.rules" <<'RULES'
rule u.eq
  when kind == login and user == Administrator
rule u.dom
  when kind == login and user == "CORP\\alice"
rule u.glob
  when kind == login and user in [Admin*]
rule u.list
  when kind == login and user in @admins
rule u.ne
  when kind == login and user != ADMINISTRATOR and user != "Corp\\Alice"
RULES
printf 'Administrator\n' >"$tmp/urules/lists/admins.txt"
printf 'Nov 25 01:00:01 h sshd[1]: Accepted password for Administrator from 203.0.113.5 port 1 ssh2\nNov 25 01:00:02 h sshd[1]: Accepted password for CORP\\alice from 203.0.113.5 port 1 ssh2\n' >"$tmp/u.log"
$BW scan --rules "$tmp/urules" --year 2026 --tz UTC "$tmp/u.log" >"$tmp/out" 2>/dev/null
for r in u.eq u.dom u.glob u.list; do
	check "user literal as identity: $r" [ "$(grep -c " $r " "$tmp/out")" = 1 ]
done
check "user literal as identity: u.ne" [ "$(grep -c ' u.ne ' "$tmp/out")" = 0 ]
printf 'user ADMINISTRATOR\nuser corp\\ALICE\n' >"$tmp/uallow.txt"
$BW scan --rules "$tmp/urules" --allow "$tmp/uallow.txt" --year 2026 --tz UTC "$tmp/u.log" >"$tmp/out" 2>/dev/null
check "allowlisted users as identities" [ ! -s "$tmp/out" ]
$BW scan --rules "$tmp/urules" --identity-domain corp.example --year 2026 --tz UTC "$tmp/u.log" >"$tmp/out" 2>/dev/null
check "user literal with the home domain" [ "$(grep -c ' u.dom ' "$tmp/out")" = 1 ]

# --- one stream of two formats (tail -F auth.log access.log | scan -) -----
bfl() { awk -v n=$1 'BEGIN{for(i=0;i<n;i++)printf "2026-11-25T10:00:%02d+00:00 bastion sshd[%d]: Failed password for alice from 203.0.113.7 port %d ssh2\n",i,1000+i,40000+i}'; }
xl='203.0.113.66 - - [25/Nov/2026:10:00:10 +0000] "GET /remote/fgt_lang?lang=/../../../..//////////dev/cmdb/sslvpn_websession HTTP/1.1" 200 4521 "-" "Mozilla/5.0"'
{ echo '==> /var/log/auth.log <=='; bfl 25; echo; echo '==> /var/log/nginx/access.log <=='; echo "$xl"; } >"$tmp/mixed1.log"
{ echo "$xl"; bfl 25; } >"$tmp/mixed2.log"
for m in mixed1 mixed2; do
	$BW scan --stats "$tmp/$m.log" >"$tmp/out" 2>"$tmp/err"
	check "$m: the web exploit" grep -q 'web.fortinet-cve-2018-13379' "$tmp/out"
	check "$m: the brute force" grep -q 'auth.bruteforce-source' "$tmp/out"
	check "$m: nothing skipped" grep -q 'total: 1 input(s), lines [0-9]*, events 26, ignored [0-9]*, skipped 0' "$tmp/err"
	cp "$tmp/err" "$tmp/$m.err"
done
check "tail -F headers are ignored, named" grep -q 'ignored: tail file header: 2' "$tmp/mixed1.err"
# an IIS log in the stream: its #Fields (a layout of 12 columns, none of
# IIS's defaults) reaches the IIS parser's own state through the fallback
{ echo '==> /var/log/auth.log <=='; bfl 25; echo '==> /mnt/exch/W3SVC1/u_ex261125.log <==';
  echo '#Software: Microsoft Internet Information Services 10.0'
  echo '#Date: 2026-11-25 10:00:00'
  echo '#Remark: directives a syslog-sniffed stream must hand to the IIS parser, not skip'
  echo '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) sc-status time-taken'
  echo '2026-11-25 10:00:26 10.20.0.15 GET /remote/fgt_lang lang=/../../../..//////////dev/cmdb/sslvpn_websession 443 - 203.0.113.66 Mozilla/5.0+(x) 200 5'; } >"$tmp/mixed3.log"
$BW scan --stats "$tmp/mixed3.log" >"$tmp/out" 2>"$tmp/err"
check "mixed3: the web exploit from the IIS log" grep -q 'web.fortinet-cve-2018-13379 src.ip=203.0.113.66' "$tmp/out"
check "mixed3: the brute force" grep -q 'auth.bruteforce-source' "$tmp/out"
check "mixed3: nothing skipped" grep -q 'total: 1 input(s), lines [0-9]*, events 26, ignored [0-9]*, skipped 0' "$tmp/err"
check "mixed3: the IIS directives ignored" grep -q 'ignored: w3c directive: 4' "$tmp/err"
$BW scan --strict --fail-on none "$tmp/mixed3.log" >/dev/null 2>&1
check "mixed3: --strict passes (no directive skipped)" [ $? = 0 ]
# OpenVPN's "Using 256 bit message hash 'SHA256' for HMAC" once looked
# like an IIS line (upper-case words, a three-digit number): ignored by
# OpenVPN in a syslog stream, never skipped as IIS
{ bfl 3; echo '2026-11-25 10:00:05 Outgoing Data Channel: Using 256 bit message hash '"'"'SHA256'"'"' for HMAC authentication'; } >"$tmp/mixovpn.log"
$BW parse --strict --year 2026 "$tmp/mixovpn.log" >/dev/null 2>&1
check "an OpenVPN line in a syslog stream is not IIS's" [ $? = 0 ]
# session reuse: two strongSwan files (no device names) numbering their
# sessions alike are two devices; an allowlisted first address still
# counts as the session's first
printf '%s\n' 'Mar  5 10:00:00 06[NET] <7> received packet: from 203.0.113.5[500] to 198.51.100.1[500] (1072 bytes)' 'Mar  5 10:00:01 09[IKE] <rw|7> IKE_SA rw[7] established between 198.51.100.1[vpn1.example.org]...203.0.113.5[alice@example.org]' >"$tmp/charon1.log"
printf '%s\n' 'Mar  5 10:30:00 06[NET] <7> received packet: from 192.0.2.44[500] to 198.51.100.2[500] (1072 bytes)' 'Mar  5 10:30:01 09[IKE] <rw|7> IKE_SA rw[7] established between 198.51.100.2[vpn2.example.org]...192.0.2.44[bob@example.org]' >"$tmp/charon2.log"
$BW scan --fail-on none --year 2026 "$tmp/charon1.log" "$tmp/charon2.log" >"$tmp/out" 2>/dev/null
if grep -q 'vpn.session-address-change' "$tmp/out"; then bad "two strongSwan files are two devices"; else ok; fi
printf '198.51.100.20\n' >"$tmp/allow-office.txt"
$BW scan --fail-on none --allow "$tmp/allow-office.txt" testdata/rules/vpn.session-address-change/fire/netscaler.log >"$tmp/out" 2>/dev/null
check "session reuse from an allowlisted office address still alerts" grep -q 'first seen from 198.51.100.20, used from 203.0.113.66' "$tmp/out"

# --- streaming scan: an alert is written before the input ends ----------
mkfifo "$tmp/sin" "$tmp/sout"
( printf '203.0.113.9 - - [27/Nov/2026:12:00:00 +0000] "GET /remote/fgt_lang?lang=/../../../..//////////dev/cmdb/sslvpn_websession HTTP/1.1" 200 99 "-" "x"\n'; sleep 20 ) >"$tmp/sin" &
writer=$!
"$BW" scan - <"$tmp/sin" >"$tmp/sout" 2>/dev/null &
reader=$!
got=$(timeout 10 head -n 2 "$tmp/sout" | tr "\n" " ")
check "streaming scan: alert before EOF" sh -c "echo '$got' | grep -q 'fortinet-cve-2018-13379'"
kill "$writer" "$reader" 2>/dev/null
wait 2>/dev/null
writer=""

# --- streaming: one line on a FIFO that stays open -> its event at once ---
mkfifo "$tmp/in" "$tmp/outfifo"
# The writer keeps the FIFO open (no EOF) for 20 s after its line.
( line 192.0.2.9 1 /live; sleep 20 ) >"$tmp/in" &
writer=$!
"$BW" parse - <"$tmp/in" >"$tmp/outfifo" 2>/dev/null &
reader=$!
# Read exactly one line of output with a timeout; no EOF has happened.
got=$(timeout 10 head -n 1 "$tmp/outfifo")
check "streaming: event before EOF" sh -c "echo '$got' | grep -q '\"url.path\":\"/live\"'"
check "streaming: input still open" kill -0 "$writer"
kill "$writer" "$reader" 2>/dev/null
wait 2>/dev/null
writer=""

# --- user globs are not identities: the home domain never widens them ----
mkdir -p "$tmp/grules2"
printf 'rule x.u\n  when exists(user)\n' >"$tmp/grules2/x.rules"
printf 'user *@corp.example\nuser CORP\\*\nuser svc_backup\n' >"$tmp/uglob.txt"
printf '%s\n' '1.2.3.4 - evil@attacker.net [10/Oct/2023:13:55:36 +0000] "GET /a HTTP/1.1" 200 1 "-" "ua"' \
	'1.2.3.4 - EVIL\root [10/Oct/2023:13:55:37 +0000] "GET /b HTTP/1.1" 200 1 "-" "ua"' \
	'1.2.3.4 - EVIL\svc_backup [10/Oct/2023:13:55:38 +0000] "GET /c HTTP/1.1" 200 1 "-" "ua"' >"$tmp/uglob.log"
$BW scan --rules "$tmp/grules2" --allow "$tmp/uglob.txt" --identity-domain corp.example "$tmp/uglob.log" >"$tmp/out" 2>/dev/null
check "user globs: outsiders not allowlisted" [ "$(grep -c ' x.u' "$tmp/out")" = 3 ]
dom=$(printf 'E%.0s' $(seq 300))
printf '1.2.3.4 - %s\\svc_backup [10/Oct/2023:13:55:01 +0000] "GET /1 HTTP/1.1" 200 1 "-" "ua"\n' "$dom" >"$tmp/longdom.log"
printf 'user *_backup\n' >"$tmp/bare.txt"
$BW scan --rules "$tmp/grules2" --allow "$tmp/bare.txt" --identity-domain corp.example "$tmp/longdom.log" >"$tmp/out" 2>/dev/null
check "user globs: a domain too long for an identity is still a domain" [ "$(grep -c ' x.u' "$tmp/out")" = 1 ]
printf '%s\n' '1.2.3.4 - CORP\svc_backup [10/Oct/2023:13:55:36 +0000] "GET /a HTTP/1.1" 200 1 "-" "ua"' \
	'1.2.3.4 - EVIL\svc_backup [10/Oct/2023:13:55:37 +0000] "GET /b HTTP/1.1" 200 1 "-" "ua"' >"$tmp/svc.log"
for g in 'CORP\svc_*' 'svc_*@corp.example' 'svc_*'; do
	printf 'user %s\n' "$g" >"$tmp/svc.txt"
	$BW scan --rules "$tmp/grules2" --allow "$tmp/svc.txt" --identity-domain corp.example "$tmp/svc.log" >"$tmp/out" 2>/dev/null
	check "user glob $g: the home account only" sh -c "[ \"\$(grep -c ' x.u' '$tmp/out')\" = 1 ] && grep -q 'svc.log:2\]' '$tmp/out'"
done

# --- an allowlisted agent is attacker text: "from NET" ties it to the scanner
exl() { printf '%s - - [25/Nov/2026:01:52:07 +0000] "GET /remote/fgt_lang?lang=/../../../..//////////dev/cmdb/sslvpn_websession HTTP/1.1" 200 4132 "-" "Mozilla/5.0 (compatible; CourtSecScan/1.0) x"\n' "$1"; }
{ exl 203.0.113.66; exl 10.20.0.5; } >"$tmp/scanner.log"
printf 'agent Mozilla/5.0 (compatible; CourtSecScan/1.0)* from 10.20.0.0/16, 192.0.2.7\n' >"$tmp/agent-from.txt"
$BW scan --allow "$tmp/agent-from.txt" "$tmp/scanner.log" >"$tmp/out" 2>"$tmp/err"
check "agent from NET: the outsider alerts" grep -q 'src.ip=203.0.113.66: ' "$tmp/out"
check "agent from NET: the scanner is allowlisted" sh -c "! grep -q 'src.ip=10.20.0.5' '$tmp/out'"
printf 'agent Mozilla/5.0* from 10.20.0.0/99\n' >"$tmp/agent-bad.txt"
$BW scan --allow "$tmp/agent-bad.txt" "$tmp/scanner.log" >/dev/null 2>"$tmp/err"
check "agent from NET: a bad network is an error at it" grep -q 'agent-bad.txt:1:25: bad prefix length' "$tmp/err"

# --- a file that starts with lines cut at --max-line still finds its format
long=$(printf '%070000d' 0)
{ printf '203.0.113.66 - - [25/Nov/2026:01:52:07 +0000] "GET /remote/fgt_lang?lang=/../../../..//////////dev/cmdb/sslvpn_websession HTTP/1.1" 200 4132 "-" "%s"\n' "$long" "$long"
  printf '198.51.100.1 - - [25/Nov/2026:01:52:09 +0000] "GET / HTTP/1.1" 200 41 "-" "curl"\n'; } >"$tmp/long.log"
$BW scan --stats "$tmp/long.log" >"$tmp/out" 2>"$tmp/err"
check "cut first lines: the exploit in them alerts" grep -q 'web.fortinet-cve-2018-13379' "$tmp/out"
check "cut first lines: none skipped" grep -q 'lines 3, events 3, ignored 0, skipped 0' "$tmp/err"

# --- rules subcommands find the rules beside the binary, as scan does ----
if [ -d "$(dirname "$BW")/signatures" ]; then
	(cd "$tmp" && $BW rules list) >"$tmp/out" 2>&1
	check "rules list outside the tree" grep -q '^auth.bruteforce-source ' "$tmp/out"
	(cd "$tmp" && $BW rules check) >"$tmp/out" 2>&1
	check "rules check outside the tree" grep -q 'rules OK' "$tmp/out"
else
	echo "cli: skip rules outside the tree: no signatures/ beside $BW"
fi

# --- alerts held back by suppress are listed per key at the end ----------
$BW scan --fail-on none testdata/demo/* >/dev/null 2>"$tmp/err"
check "held back per key: listed" grep -q '^  bulk.sensitive-documents user=m.visser: 6 held back, 2026-11-25T' "$tmp/err"
mkdir -p "$tmp/hrules"
printf 'rule t.sig\n  when source == web and url.path == "/x"\n  group src.ip\n  suppress 1m\n' >"$tmp/hrules/t.rules"
hl() { printf '%s - - [25/Nov/2026:%s +0000] "GET /x HTTP/1.1" 200 1 "-" "ua"\n' "$1" "$2"; }
# every count carried by a later alert: nothing listed, no "more"
{ for t in 00:00:00 00:00:10 00:01:05; do for i in $(seq 300); do hl 10.$((i / 250)).$((i % 250)).1 $t; done; done; } >"$tmp/h1.log"
$BW scan --rules "$tmp/hrules" --fail-on none "$tmp/h1.log" >/dev/null 2>"$tmp/err"
if grep -q 'held back by suppress\|more key' "$tmp/err"; then bad "held back: carried counts listed"; else ok; fi
# 255 keys holding once each first, then one holding 50 times: it shows
{ for t in 00:00:00 00:00:01; do for i in $(seq 300); do hl 10.1.$((i % 250)).$((i / 250 + 1)) $t; done; done
  for s in $(seq 10 59); do hl 203.0.113.66 00:00:$s; done; } >"$tmp/h2.log"
$BW scan --rules "$tmp/hrules" --fail-on none "$tmp/h2.log" >/dev/null 2>"$tmp/err"
check "held back: the busiest key listed first" sh -c "grep -A1 'held back by suppress' '$tmp/err' | grep -q 'src.ip=203.0.113.66: 49 held back'"
{ for t in 00:00:00 00:00:01; do for i in $(seq 1000); do hl 10.$((i / 250)).$((i % 250)).1 $t; done; done; } >"$tmp/h3.log"
$BW scan --rules "$tmp/hrules" --fail-on none "$tmp/h3.log" >/dev/null 2>"$tmp/err"
check "held back: keys with no room in the list are counted" grep -q '744 key(s) held back found no room' "$tmp/err"

# --- a forwarded list is the client's word: allowlisting needs all of it -
xffl() { printf '10.0.0.1 - - [10/Oct/2023:13:55:3%d +0000] "GET /remote/fgt_lang?lang=/../../../..//////////dev/cmdb/sslvpn_websession HTTP/1.1" 200 4132 "-" "CourtSecScan/1.0" "%s"\n' "$1" "$2"; }
{ xffl 6 '198.51.100.7, 203.0.113.66'; xffl 7 '198.51.100.7'; } >"$tmp/xff.log"
printf 'agent CourtSecScan/1.0* from 198.51.100.7\n' >"$tmp/xff-agent.txt"
printf '198.51.100.7\n' >"$tmp/xff-ip.txt"
for a in agent ip; do
	$BW scan --allow "$tmp/xff-$a.txt" "$tmp/xff.log" >"$tmp/out" 2>"$tmp/err"
	check "spoofed X-Forwarded-For: $a allowlist not fooled" grep -q 'fortinet-cve-2018-13379' "$tmp/out"
	check "spoofed X-Forwarded-For: $a allowlist still allows the scanner" grep -q ' 1 allowlisted' "$tmp/err"
done
# a public peer's own list is only kept: it does not undo the allowlist
printf '198.51.100.7 - - [10/Oct/2023:13:55:31 +0000] "GET /remote/fgt_lang?lang=/../../../..//////////dev/cmdb/sslvpn_websession HTTP/1.1" 200 4132 "-" "CourtSecScan/1.0" "8.8.8.8"\n' >"$tmp/xffpeer.log"
$BW scan --allow "$tmp/xff-ip.txt" "$tmp/xffpeer.log" >/dev/null 2>"$tmp/err"
check "X-Forwarded-For of a public peer: allowlisted" grep -q ' 1 allowlisted' "$tmp/err"

# --- a tail header before the first log line; warnings only when due ----
(echo '==> /var/log/auth.log <=='; sleep 0.3; echo 'Oct 10 13:55:31 host sshd[1]: Failed password for root from 203.0.113.9 port 22 ssh2') | $BW parse --strict --year 2023 - >/dev/null 2>"$tmp/err"
check "tail header first: not a --strict error" [ $? = 0 ]
printf '1.2.3.4 - - [10/Oct/2023:13:55:36 +0000] "GET /a HTTP/1.1" 200 12x "-" "ua"\n' | $BW parse --format combined - >/dev/null 2>"$tmp/err"
if grep -q 'no line in a known format' "$tmp/err"; then bad "no-format warning for a named format"; else ok; fi

# --- an alert on a request through the VPN names the tunnel's public end -
$BW scan --fail-on none testdata/demo/* >"$tmp/out" 2>/dev/null
check "VPN client address in the text alert" grep -q 'bulk.sensitive-documents user=m.visser vpn.client.ip=203.0.113.66:' "$tmp/out"
$BW scan --json --fail-on none testdata/demo/* >"$tmp/out" 2>/dev/null
check "VPN client address in the JSON alert" sh -c "grep '\"rule.id\":\"exfil.single-response\"' '$tmp/out' | grep -q '\"breachwatch.vpn_client_ip\":\"203.0.113.66\"'"

# --- a second tunnel of the same user takes the address over -------------
printf '%s\n' "2024-01-05 10:00:00 us=1 203.0.113.5:51234 TLS: Username/Password authentication succeeded for username 'alice'" \
	"2024-01-05 10:00:01 us=3 alice/203.0.113.5:51234 MULTI_sva: pool returned IPv4=10.8.0.6, IPv6=(Not enabled)" \
	"2024-01-05 10:20:00 us=1 198.51.100.77:4444 TLS: Username/Password authentication succeeded for username 'alice'" \
	"2024-01-05 10:20:01 us=3 alice/198.51.100.77:4444 MULTI_sva: pool returned IPv4=10.8.0.6, IPv6=(Not enabled)" >"$tmp/rl-vpn.log"
printf '10.8.0.6 - - [05/Jan/2024:10:25:00 +0000] "GET /cases/export.zip HTTP/1.1" 200 512 "-" "curl"\n' >"$tmp/rl-web.log"
$BW parse --tz UTC "$tmp/rl-vpn.log" "$tmp/rl-web.log" >"$tmp/out" 2>/dev/null
printf '10.8.0.6 - - [05/Jan/2024:10:25:00 +0000] "GET /cases/export.zip HTTP/1.1" 200 512 "-" "curl"\n10.8.0.6 - - [05/Jan/2024:10:10:00 +0000] "GET /big.zip HTTP/1.1" 200 900000000 "-" "curl"\n' >"$tmp/rl-web.log"
$BW parse --tz UTC "$tmp/rl-vpn.log" "$tmp/rl-web.log" >"$tmp/out" 2>/dev/null
check "lease: the newest tunnel's address" sh -c "grep '/cases/export.zip' '$tmp/out' | grep -q '\"breachwatch.vpn_client_ip\":\"198.51.100.77\"'"
check "lease: a late line keeps its own tunnel's address" sh -c "grep '/big.zip' '$tmp/out' | grep -q '\"breachwatch.vpn_client_ip\":\"203.0.113.5\"'"
printf '%s\n' "2024-01-05 10:21:00 us=3 alice/203.0.113.5:51234 SIGUSR1[soft,connection-reset] received, client-instance restarting" >>"$tmp/rl-vpn.log"
$BW parse --tz UTC "$tmp/rl-vpn.log" "$tmp/rl-web.log" >"$tmp/out" 2>/dev/null
check "lease: the first tunnel's end leaves the second's lease" sh -c "grep '/cases/export.zip' '$tmp/out' | grep -q '\"user.name\":\"alice\"'"

# --- another format's cut line in a mixed stream is still read ----------
pad=$(printf '%0600d' 0)
{ printf '203.0.113.66 - - [25/Nov/2026:01:52:07 +0000] "GET / HTTP/1.1" 200 41 "-" "curl"\n'
  printf 'Nov 25 01:52:08 bastion sshd[4100]: Failed password for root from 203.0.113.66 port 40000 ssh2%s\n' "$pad"
  printf '203.0.113.66 - - [25/Nov/2026:01:52:09 +0000] "GET / HTTP/1.1" 200 41 "-" "curl"\n'; } >"$tmp/mixcut.log"
$BW parse --stats --max-line 200 --year 2026 --tz UTC "$tmp/mixcut.log" 2>"$tmp/err" >/dev/null
check "mixed stream, cut foreign line: read" grep -q '^total: 1 input(s), lines 3, events 3' "$tmp/err"

# --- --min-severity hides the noise from the output, not from the count --
$BW scan --min-severity high --fail-on none testdata/demo/* >"$tmp/out" 2>"$tmp/err"
check "--min-severity high: no low or medium line" sh -c "! grep -q ' LOW \| MEDIUM ' '$tmp/out'"
check "--min-severity high: the high ones" grep -q ' CRITICAL .*fortinet-cve-2018-13379' "$tmp/out"
check "--min-severity high: the summary counts all" grep -q '^  web.background-probe .* 18 alerts' "$tmp/err"
$BW scan --min-severity bogus testdata/demo/portal-access.log >/dev/null 2>&1
check "--min-severity bogus: status 2" [ $? = 2 ]

# --- year-less syslog on a pipe: years from the clock, as a file's mtime --
d=$(date -u -d '+3 days' '+%b %e %H:%M:%S')
want=$(( $(date -u -d '+3 days' +%Y) - 1 ))
printf '%s h sshd[1]: Accepted password for bob from 10.0.0.1 port 1 ssh2\n' "$d" | $BW parse --tz UTC - >"$tmp/out" 2>/dev/null
check "pipe: a stamp 3 days ahead is last year's" grep -q "\"@timestamp\":\"$want-" "$tmp/out"

# --- Ctrl-C or systemctl stop on a live scan: the summary still comes -----
mkfifo "$tmp/live"
( bfl 25; sleep 20 ) >"$tmp/live" &
writer=$!
"$BW" scan "$tmp/live" >"$tmp/out" 2>"$tmp/err" &
reader=$!
sleep 1
kill -TERM "$reader" # (a background job of sh ignores INT; both are one handler)
wait "$reader"
st=$?
kill "$writer" 2>/dev/null
wait 2>/dev/null
writer=""
check "SIGTERM: the alerts so far" grep -q 'auth.bruteforce-source' "$tmp/out"
check "SIGTERM: the summary" grep -q '^rules: 25 events' "$tmp/err"
check "SIGTERM: said so" grep -q 'interrupted' "$tmp/err"
check "SIGTERM: status of the alerts (1)" [ "$st" = 1 ]

# --- authpair: a failed NTLM logon logged by the DC (4776) and as a 4625
# is one attempt; nothing else is merged, and no alert of before is lost
# w TIME EVENTID USER [IP|-] [COMPUTER] [WORKSTATION] [LOGONTYPE]
w() {
	case $2 in 4771) st=0x18;; 4776) st=0xc000006a;; 4625) st=0xc000006d;; *) st=0x0;; esac
	printf '{"@timestamp":"2026-11-27T%sZ","winlog":{"computer_name":"%s","event_id":%s,"event_data":{"TargetUserName":"%s","TargetDomainName":"COURT","IpAddress":"%s","IpPort":"0","LogonType":"%s","Status":"%s","SubStatus":"0xc000006a","Workstation":"%s","WorkstationName":"%s","TargetLogonId":"0x1"}}}\n' \
		"$1" "${5:-dc01.court.example}" "$2" "$3" "${4:--}" "${7:-3}" "$st" "${6:-WKS-7}" "${6:-WKS-7}"
}
ID="--identity-domain court.example"
# 9 attempts, each as 4776 then 4625 from the same workstation: 9, not 18
for m in 0 1 2 3 4 5 6 7 8; do w 15:0$m:00.100 4776 c.pair; w 15:0$m:00.115 4625 c.pair 10.30.0.40; done >"$tmp/dc.json"
"$BW" scan --fail-on none $ID "$tmp/dc.json" >"$tmp/out" 2>"$tmp/err"
check "authpair: 9 attempts as 18 events raise no brute force" sh -c "! grep -q bruteforce-account '$tmp/out'"
check "authpair: pairs named in the summary" grep -q "9 failed Windows logon(s) were logged twice" "$tmp/err"
check "authpair: held 4776s are not late" sh -c "! grep -q 'came after newer ones' '$tmp/err'"
# the same through a slow pipe: each read is a flush, pairing holds
while IFS= read -r l; do printf '%s\n' "$l"; sleep 0.02; done <"$tmp/dc.json" |
	"$BW" scan --fail-on none $ID - >"$tmp/out" 2>"$tmp/err"
check "authpair: a slow pipe pairs as a file" sh -c "! grep -q bruteforce-account '$tmp/out'"
check "authpair: a slow pipe names 9 pairs" grep -q "9 failed Windows logon(s)" "$tmp/err"
"$BW" parse "$tmp/dc.json" >"$tmp/out" 2>"$tmp/err"
check "authpair: parse shows every event" [ "$(wc -l <"$tmp/out")" = 18 ]
# NTLM through Exchange (EXCH01, the DC's 4776 only) and SMB from KALI
# (the file server's 4625): ten attempts, not five
for i in 0 1 2 3 4; do w 15:00:0$i.000 4776 alice - dc01.court.example EXCH01; w 15:00:0$i.400 4625 alice 203.0.113.9 fs01.court.example KALI; done >"$tmp/r5.json"
"$BW" scan --fail-on none $ID "$tmp/r5.json" >"$tmp/out" 2>"$tmp/err"
check "authpair: two workstations are two attempts" grep -q "auth.bruteforce-account.*10 failed logins" "$tmp/out"
# a workstation's own 4625 (no address) then the DC's 4771 with it: the
# spray from 10.30.0.7 is still seen
for i in 10 11 12 13 14 15 16 17 18 19 20 21; do w 15:$i:00.000 4625 user$i - wks-7.court.example WKS-7 2; w 15:$i:00.300 4771 user$i 10.30.0.7; done >"$tmp/r1.json"
"$BW" scan --fail-on none "$tmp/r1.json" >"$tmp/out" 2>"$tmp/err"
check "authpair: a 4771 is never merged away" grep -q "auth.spray-source src.net=10.30.0.7" "$tmp/out"
# 4771 then the workstation's 4625, six times, then the login
{ for m in 0 1 2 3 4 5; do w 15:0$m:00.000 4771 bob 10.30.0.7; w 15:0$m:00.200 4625 bob - wks-7.court.example WKS-7 2; done; w 15:06:30.000 4624 bob - wks-7.court.example WKS-7 2; } >"$tmp/r2.json"
"$BW" scan --fail-on none "$tmp/r2.json" >"$tmp/out" 2>"$tmp/err"
check "authpair: login after 4771+4625 failures still alerts" grep -q "auth.success-after-failures-user" "$tmp/out"
# a console typo: the DC's 4771 and the workstation's own 4625 (logon type
# 2, IpAddress "-") are one attempt, which keeps the DC's client address:
# ten typos alert at the tenth, not the fifth
for m in 0 1 2 3 4 5 6 7 8 9; do w 16:0$m:00.000 4771 n.typo 10.30.0.12; w 16:0$m:00.250 4625 n.typo - wks-12.court.example WKS-12 2; done >"$tmp/krb.json"
"$BW" scan --json --fail-on none $ID "$tmp/krb.json" >"$tmp/out" 2>"$tmp/err"
check "authpair: ten Kerberos console typos alert at the tenth" grep -q '"@timestamp":"2026-11-27T16:09:00.250Z","rule.id":"auth.bruteforce-account"' "$tmp/out"
check "authpair: ... with the DC's client address" sh -c "grep auth.bruteforce-account '$tmp/out' | grep -q '\"source.ip\":\"10.30.0.12\"'"
check "authpair: Kerberos pairs named in the summary" grep -q "10 failed Windows logon(s) were logged twice" "$tmp/err"
check "authpair: ... the evidence cites the refusals, which hold the address" sh -c "grep auth.bruteforce-account '$tmp/out' | grep -q '\"line\":19}'"
# a refusal the merge let through after newer lines is late, though the
# pairing stage held it: counted, and the summary warns
{ w 10:10:00.000 4624 bob 10.1.1.1 fs01.court.example; w 10:00:00.000 4771 alice 10.66.6.6; w 10:10:01.000 4624 carol 10.1.1.2 fs01.court.example; } |
	"$BW" scan --fail-on none $ID - >"$tmp/out" 2>"$tmp/err"
check "authpair: a held refusal that came late is counted late" grep -q 'late events 1$' "$tmp/err"
# a held 4776 is not overtaken by the same identity's login from sshd
{ for m in 0 1 2 3 4; do w 15:0$m:00.000 4776 alice - dc01.court.example WKS-8; done; } >"$tmp/r4.json"
echo '2026-11-27T15:04:00.500000+00:00 bastion sshd[4100]: Accepted password for alice@court.example from 10.30.0.8 port 45000 ssh2' >"$tmp/r4.log"
"$BW" scan --fail-on none $ID "$tmp/r4.json" "$tmp/r4.log" >"$tmp/out" 2>"$tmp/err"
check "authpair: a login does not overtake its held failure" grep -q "auth.success-after-failures-user user=alice" "$tmp/out"
# a live stream that pauses: the tenth failure, held for a 4625 that
# never comes, is judged after 10 s of wall clock, not at the end (the
# test keeps the FIFO's write end open itself)
mkfifo "$tmp/pause"
"$BW" scan --fail-on none $ID "$tmp/pause" >"$tmp/pauseout" 2>"$tmp/pauseerr" &
reader=$!
exec 8>"$tmp/pause"
for s in 0 1 2 3 4 5 6 7 8 9; do w 15:00:0$s.000 4776 zed - dc01.court.example WKS-9; done >&8
sleep 4
check "authpair: a paused stream holds its 4776 a while" sh -c "! grep -q 'auth.bruteforce-account user=zed' '$tmp/pauseout'"
sleep 9
check "authpair: a paused stream's held failure is judged while it waits" grep -q "auth.bruteforce-account user=zed" "$tmp/pauseout"
check "authpair: ... before the stream ends" sh -c "! grep -q '^rules:' '$tmp/pauseerr'"
exec 8>&-
wait "$reader"

# --- a live run judges a VPN tunnel that is still up: the session's
# hourly report past 24 h and a statistics line past 5 GiB alert while
# the stream stays open, not when it ends (the test holds the write end)
fgl() { printf 'date=%s time=%s devname="FGT-EDGE" tz="+0000" logid="%s" type="event" subtype="vpn" level="information" vd="root" action="%s" tunneltype="ssl-tunnel" tunnelid=%s remip=%s tunnelip=10.212.134.%s user="%s" group="SSLVPN-Users" %smsg="x"\n' "$1" "$2" "$3" "$4" "$5" "$6" "$5" "$7" "$8"; }
mkfifo "$tmp/vpnlive"
"$BW" scan --fail-on none "$tmp/vpnlive" >"$tmp/vpnliveout" 2>"$tmp/vpnliveerr" &
reader=$!
exec 8>"$tmp/vpnlive"
{ fgl 2026-11-26 13:00:00 0101039947 tunnel-up 41 198.51.100.80 omar ''
  fgl 2026-11-27 13:00:00 0101039947 tunnel-up 42 198.51.100.90 tara ''
  fgl 2026-11-27 13:20:00 0101039949 tunnel-stats 42 198.51.100.90 tara 'duration=1200 sentbyte=5368709120 rcvdbyte=1 '; } >&8
sleep 2
check "live VPN: a tunnel up 24 h alerts while the stream is open" grep -q "vpn.session-open-24h user=omar src.ip=198.51.100.80: .* still open after 24h0m0s" "$tmp/vpnliveout"
check "live VPN: 5 GiB out on a statistics line alerts while open" grep -q "vpn.session-open-bytes-out user=tara .* after 20m0s has taken 5368709120 bytes out" "$tmp/vpnliveout"
check "live VPN: ... before the stream ends" sh -c "! grep -q '^rules:' '$tmp/vpnliveerr'"
exec 8>&-
wait "$reader"
check "live VPN: the end of input does not alert on omar again" [ "$(grep -c "user=omar" "$tmp/vpnliveout")" = 1 ]
# two devices on one pipe: a line of another device, shipped ahead of the
# end of omar's 23h59m50s session, does not make it 24 h old
{ fgl 2026-11-26 13:00:00 0101039947 tunnel-up 41 198.51.100.80 omar ''
  printf 'date=2026-11-27 time=13:00:30 devname="FGT-BRANCH" tz="+0000" logid="0101039947" type="event" subtype="vpn" action="tunnel-up" tunneltype="ssl-tunnel" tunnelid=7 remip=198.51.100.99 tunnelip=10.9.0.7 user="zoe" msg="x"\n'
  fgl 2026-11-27 12:59:50 0101039948 tunnel-down 41 198.51.100.80 omar 'duration=86390 sentbyte=1 rcvdbyte=1 '; } | "$BW" scan --fail-on none - >"$tmp/out" 2>"$tmp/err"
check "live VPN: another device's clock ages no session" sh -c "! grep -q 'user=omar' '$tmp/out'"
{ fgl 2026-11-26 13:00:00 0101039947 tunnel-up 41 198.51.100.80 omar ''
  fgl 2026-11-27 13:00:00 0101039947 tunnel-up 42 198.51.100.90 tara ''; } >"$tmp/vpnlive.log"
"$BW" scan --fail-on none --stats "$tmp/vpnlive.log" >/dev/null 2>"$tmp/err"
check "live VPN: --stats counts the status reports" grep -q "status reports 1, " "$tmp/err"

# a tunnel's last statistics logged after its tunnel-down are that
# session's: no new session, no lease that names alice for her address
# two hours after she left
{ fgl 2026-11-01 09:00:00 0101039947 tunnel-up 51 198.51.100.7 alice ''
  fgl 2026-11-01 11:00:00 0101039948 tunnel-down 51 198.51.100.7 alice 'duration=7200 sentbyte=2684354560 rcvdbyte=1 '
  fgl 2026-11-01 11:00:00 0101039949 tunnel-stats 51 198.51.100.7 alice 'duration=7200 sentbyte=2684354560 rcvdbyte=1 '; } >"$tmp/stale.log"
printf '10.212.134.51 - - [01/Nov/2026:13:00:00 +0000] "GET /files/report.pdf HTTP/1.1" 200 5120 "-" "Mozilla/5.0"\n' >"$tmp/stale-web.log"
"$BW" parse "$tmp/stale.log" "$tmp/stale-web.log" >"$tmp/out" 2>/dev/null
check "stale statistics: no lease after the end" sh -c "grep -q 'report.pdf' '$tmp/out' && ! grep 'report.pdf' '$tmp/out' | grep -q vpn-lease"
"$BW" scan --fail-on none --stats "$tmp/stale.log" >/dev/null 2>"$tmp/err"
check "stale statistics: counted, nothing open at the end" grep -q "open at end 0, .*statistics after the end 1" "$tmp/err"

# a session started from its exchange's first line keeps its device's
# clock, even when its start line comes after a later one (one input, no
# reorder window): carol's tunnel is still reported at the end
printf '%s\n' 'Mar  5 10:00:00 06[IKE] <7> 203.0.113.9 is initiating an IKE_SA' \
	'Mar  6 11:00:00 06[IKE] <9> deleting half open IKE_SA with 198.51.100.77 after timeout' \
	'Mar  5 10:00:05 09[IKE] <rw|7> IKE_SA rw[7] established between 198.51.100.1[vpn.example.org]...203.0.113.9[carol@example.org]' >"$tmp/ooo.log"
"$BW" scan --tz UTC --year 2024 --fail-on none "$tmp/ooo.log" >"$tmp/out" 2>&1
check "VPN: a promoted session's device keeps its clock" grep -q "vpn.session-open-24h user=carol@example.org" "$tmp/out"

# --- web.login-bruteforce behind a proxy or container bridge: the site's
# own private address is all its users at once, not an internal attacker
for i in 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19; do
	printf '172.17.0.1 - - [27/Nov/2026:08:%02d:%02d +0000] "POST /login HTTP/1.1" 302 0 "https://portal.court.example/login" "Mozilla/5.0"\n' $((i * 25 / 60)) $((i * 25 % 60))
done >"$tmp/proxy.log"
"$BW" scan --fail-on none "$tmp/proxy.log" >"$tmp/out" 2>"$tmp/err"
check "login-bruteforce from a private proxy: medium, not high" grep -q "MEDIUM   web.login-bruteforce src.net=172.17.0.1" "$tmp/out"

# --- access lines through syslog inside a shared syslog file: read by the
# web parsers; other programmes' lines stay ignored, none is skipped
"$BW" parse --strict --tz UTC --year 2026 testdata/web/syslog-shared.log >"$tmp/out" 2>"$tmp/err"
check "syslog-shared: --strict passes (cron ignored, not skipped)" [ $? = 0 ]
check "syslog-shared: both nginx lines and HAProxy's are web events" [ "$(grep -c '"event.category":"web"' "$tmp/out")" = 3 ]
check "syslog-shared: HAProxy's line read by its parser" grep -q '"event.dataset":"haproxy","event.duration":3000000,"source.ip":"203.0.113.7"' "$tmp/out"

# no_request FILE NAME1 NAME2 PATTERN: a --strict scan of FILE passes
# (NAME1), and no alert holds PATTERN (NAME2)
no_request() {
	"$BW" scan --strict --fail-on none --tz UTC --year 2026 "$1" >"$tmp/out" 2>"$tmp/err"
	check "$2" [ $? = 0 ]
	check "$3" sh -c "! grep -q '$4' '$tmp/out'"
}

# --- text a sender controls inside another programme's syslog message is
# never an access line: an FTP user name or an SMTP HELO shaped like one
{
	echo 'Nov 27 13:00:05 ftp1 vsftpd[1234]: [pid 1234] [x 192.0.2.44 - - [27/Nov/2026:13:00:05 +0000] "GET /cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh HTTP/1.1" 200 1 "-" "x] FAIL LOGIN: Client "::ffff:203.0.113.7"'
	echo 'Nov 27 13:00:06 ftp1 vsftpd[1234]: [x 192.0.2.44 - - [27/Nov/2026:13:00:06 +0000] "GET /cgi-bin/.%2e/.%2e/bin/sh HTTP/1.1" 200 1 "-" "x] FAIL LOGIN: Client "::ffff:203.0.113.7"'
	echo 'Nov 27 13:00:11 mx1 postfix/smtpd[12]: NOQUEUE: reject: RCPT from unknown[203.0.113.7]: 554 5.7.1 <x@y>: Relay access denied; from=<a@b> to=<x@y> proto=ESMTP helo=<x 192.0.2.44 - - [27/Nov/2026:13:00:11 +0000] "GET /remote/fgt_lang?lang=/../../../..//////////dev/cmdb/sslvpn_websession HTTP/1.1" 200 1 "-" "x">'
	echo 'Nov 27 13:00:12 web1 myapp[77]: request from 10.0.0.5 at [27/Nov/2026:13:00:01 +0000] took 35ms'
} >"$tmp/inject.log"
no_request "$tmp/inject.log" "syslog: attacker text shaped like an access line is no request (--strict passes)" \
	"syslog: ... and raises no web alert" 'web\.'
# forced syslog: the access lines are ignored with their reason, not skipped
"$BW" parse --strict --format syslog --tz UTC --year 2026 testdata/web/syslog-shared.log >"$tmp/out" 2>"$tmp/err"
check "syslog-shared under --format syslog: --strict passes" [ $? = 0 ]
"$BW" parse --stats --format syslog --tz UTC --year 2026 testdata/web/syslog-shared.log >/dev/null 2>"$tmp/err"
check "syslog-shared under --format syslog: ignored, with the reason" grep -q "ignored: an access-log line behind a syslog header: 3" "$tmp/err"

# --- authpair without --identity-domain: the DC's 4776 (alice) and the
# file server's 4625 (COURT\alice) are two identities, so none is merged
# and the account's VPN login after its failures still alerts
{ for s in 10 11 12 13 14 15; do w 15:00:$s.100 4776 alice - dc01.court.example KALI; w 15:00:$s.300 4625 alice 10.30.0.66 fs01.court.example KALI; done; } >"$tmp/dcfs.json"
echo 'date=2026-11-27 time=15:20:40 devname="FGT-COURT" devid="FG100FTK19000001" logid="0101039947" type="event" subtype="vpn" level="alert" vd="root" tz="+0000" logdesc="SSL VPN tunnel up" action="tunnel-up" tunneltype="ssl-tunnel" tunnelid=1977 remip=198.51.100.9 tunnelip=10.212.134.20 user="alice" group="SSLVPN-Staff" dst_host="N/A" reason="tunnel established" msg="SSL tunnel established"' >"$tmp/fgt.log"
"$BW" scan --fail-on none "$tmp/dcfs.json" "$tmp/fgt.log" >"$tmp/out" 2>"$tmp/err"
check "authpair: pairs by identity (a login after the 4776 failures alerts)" grep -q "auth.success-after-failures-user user=alice" "$tmp/out"

# --- access lines through syslog, every client form nginx and Apache
# write (lists, names, unix:, '-', a user with a space, vhosts), among
# sshd lines: all read; sshd and vsftpd text shaped like one never is,
# whichever parser reads the stream
"$BW" parse --tz UTC --year 2026 testdata/web/syslog-clients.log >"$tmp/out" 2>"$tmp/err"
check "syslog-clients: the 17 access lines are web events" [ "$(grep -c '"event.category":"web"' "$tmp/out")" = 17 ]
{
	for i in 1 2 3 4 5 6; do echo "203.0.113.$i - - [27/Nov/2026:13:03:5$i +0000] \"GET /ok$i HTTP/1.1\" 200 12 \"-\" \"curl/8\""; done
	echo 'Nov 27 13:04:01 web1 sshd[4242]: Invalid user - [27/Nov/2026:13:04:01 +0000] "GET /cgi-bin/.%2e/.%2e/.%2e/bin/sh HTTP/1.1" 200 0 from 192.0.2.44 port 4242'
	echo 'Nov 27 13:04:04 web1 vsftpd[77]: [x, 192.0.2.44 - - [27/Nov/2026:13:04:04 +0000] "GET /cgi-bin/.%2e/.%2e/.%2e/bin/sh HTTP/1.1" 200 0 "-" "x"] FAIL LOGIN: Client "::ffff:192.0.2.44"'
	echo 'Nov 27 13:04:05 web1 vsftpd[1234]: [ID 192.0.2.44,]192.0.2.44 - - [27/Nov/2026:13:04:05 +0000] "GET /cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh HTTP/1.1" 200 1 "-" "x] FAIL LOGIN: Client "::ffff:203.0.113.7"'
} >"$tmp/mixed.log"
"$BW" scan --fail-on none --tz UTC --year 2026 "$tmp/mixed.log" >"$tmp/out" 2>"$tmp/err"
check "web input: another programme's syslog text is no request" sh -c "! grep -q '192.0.2.44' '$tmp/out'"
{
	echo 'Nov 27 13:00:00 ftp1 sshd[4100]: Failed password for root from 198.51.100.9 port 40022 ssh2'
	echo 'Nov 27 13:00:05 ftp1 vsftpd[1234]: [ID 192.0.2.44,]192.0.2.44 - - [27/Nov/2026:13:00:05 +0000] "GET /cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh HTTP/1.1" 200 1 "-" "x] FAIL LOGIN: Client "::ffff:203.0.113.7"'
	echo 'Nov 27 13:00:09 ftp1 sshd[4242]: Accepted password for alice from 192.0.2.44 port 4243 ssh2'
} >"$tmp/ftp2.log"
"$BW" scan --fail-on none --tz UTC --year 2026 "$tmp/ftp2.log" >"$tmp/out" 2>"$tmp/err"
check "syslog input: a vsftpd user name is no request" sh -c "! grep -q 'web\.' '$tmp/out'"
# an access line through syslog that the web parser finds broken is
# skipped (so --strict stops), not ignored
{ for i in 1 2 3; do echo "Nov 27 13:03:5$i web1 sshd[99$i]: Accepted publickey for deploy from 10.0.0.$i port 5000$i ssh2: ED25519 SHA256:abc"; done
  echo 'Nov 27 13:04:11 web1 nginx: 203.0.113.7 - - [27/Nov/2026:13:04:11 +0000] "GET /x HTTP/1.1" 2OO 12 "-" "curl/8"'; } >"$tmp/bad.log"
"$BW" parse --strict --tz UTC --year 2026 "$tmp/bad.log" >/dev/null 2>"$tmp/err"
check "syslog: a broken access line fails --strict" [ $? = 2 ]

# --- a web server's own error lines quote what clients sent (Referer):
# an access line inside one is no request; RFC 5424 and host-less headers
# are recognised, so another programme's line behind them is no request
{
	echo 'Nov 27 13:04:01 web1 sshd[100]: Accepted password for alice from 198.51.100.9 port 5022 ssh2'
	echo 'Nov 27 13:04:05 web1 nginx: 2026/11/27 13:04:05 [error] 812#812: *31 open() "/usr/share/nginx/html/favicon.ico" failed (2: No such file or directory), client: 10.9.9.9, server: _, request: "GET /favicon.ico HTTP/1.1", host: "web1", referrer: "http://x/ 203.0.113.66 - - [27/Nov/2026:13:04:05 +0000] "GET /cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh HTTP/1.1" 200 512 "-" "curl/8"'
	echo 'Nov 27 13:04:06 web1 httpd[2211]: [core:error] [pid 2211] [client 10.9.9.9:5123] AH00126: Invalid URI in request GET /x HTTP/1.1, referer: http://x/ 203.0.113.67 - - [27/Nov/2026:13:04:06 +0000] "GET /cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh HTTP/1.1" 200 512 "-" "curl/8"'
	echo 'Nov 27 13:04:07 web1 nginx: 2026/11/27 13:04:07 [error] 812#812: *32 open() "/x" failed, client: 10.9.9.9, request: "GET /x HTTP/1.1", referrer: "http://x/ [27/Nov/2026:13:04:05 +0000] "hi"'
} >"$tmp/errlog.log"
no_request "$tmp/errlog.log" "syslog: a web server's error line quoting an access line: --strict passes" \
	"syslog: ... and it is no request" '203.0.113.6'
{
	echo '198.51.100.20 - - [27/Nov/2026:13:04:00 +0000] "GET / HTTP/1.1" 200 12 "-" "curl/8"'
	echo '<38>1 2026-11-27T13:04:02Z web1 sshd 100 - - Invalid user x 203.0.113.66 - - [27/Nov/2026:13:04:02 +0000] "GET /cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh HTTP/1.1" 200 5 "-" "-" from 192.0.2.50 port 4022'
	echo 'Nov 27 13:04:03 sshd[100]: Invalid user x 203.0.113.66 - - [27/Nov/2026:13:04:02 +0000] "GET /cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh HTTP/1.1" 200 5 "-" "-" from 192.0.2.50 port 4022'
	echo '<134>1 2026-11-27T13:04:06Z web1 nginx 812 - - 203.0.113.7 - - [27/Nov/2026:13:04:06 +0000] "GET /r5424 HTTP/1.1" 200 12 "-" "curl/8"'
} >"$tmp/hdrs.log"
"$BW" scan --fail-on none --tz UTC --year 2026 - <"$tmp/hdrs.log" >"$tmp/out" 2>"$tmp/err"
check "web input: sshd behind RFC 5424 or host-less headers is no request" sh -c "! grep -q '203.0.113.66' '$tmp/out'"
"$BW" parse --tz UTC --year 2026 - <"$tmp/hdrs.log" >"$tmp/out" 2>"$tmp/err"
check "web input: nginx through RFC 5424 is read, host web1" grep -q '"host.name":"web1","http.request.method":"GET","url.path":"/r5424"' "$tmp/out"

# --- no syslog header: nginx's and Apache's error logs and vsftpd's log
# quote what clients sent; in a concatenation with an access log (the web
# parser reads it all) such a line is no request. A user name with a '['
# inside it or an escaped quote (Apache's \") is still an access line.
{
	echo '==> /var/log/nginx/access.log <=='
	for i in 1 2 3; do echo "198.51.100.$i - - [27/Nov/2026:13:03:5$i +0000] \"GET /ok$i HTTP/1.1\" 200 12 \"-\" \"curl/8\""; done
	echo '198.51.100.9 - x[y [27/Nov/2026:13:03:58 +0000] "GET /bracket-user HTTP/1.1" 401 12 "-" "curl/8"'
	echo '198.51.100.9 - a\"b [27/Nov/2026:13:03:59 +0000] "GET /quote-user HTTP/1.1" 401 12 "-" "curl/8"'
	echo '==> /var/log/nginx/error.log <=='
	echo '2026/11/27 13:04:05 [error] 812#812: *31 open() "/usr/share/nginx/html/favicon.ico" failed (2: No such file or directory), client: 10.9.9.9, server: _, request: "GET /favicon.ico HTTP/1.1", host: "web1", referrer: "http://x/ 203.0.113.66 - - [27/Nov/2026:13:04:05 +0000] "GET /cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh HTTP/1.1" 200 512 "-" "curl/8"'
	echo '==> /var/log/apache2/error.log <=='
	echo '[Fri Nov 27 13:04:06.123456 2026] [core:error] [pid 2211:tid 1] [client 10.9.9.9:5123] AH00126: Invalid URI in request GET /x HTTP/1.1, referer: http://x/ 203.0.113.67 - - [27/Nov/2026:13:04:06 +0000] "GET /cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh HTTP/1.1" 200 512 "-" "curl/8"'
	echo '==> /var/log/vsftpd.log <=='
	echo 'Fri Nov 27 13:04:07 2026 [pid 1234] [x 203.0.113.68 - - [27/Nov/2026:13:04:07 +0000] "GET /cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh HTTP/1.1" 200 5 ] FAIL LOGIN: Client "::ffff:192.0.2.5"'
} >"$tmp/concat.log"
"$BW" scan --fail-on none --tz UTC --year 2026 - <"$tmp/concat.log" >"$tmp/out" 2>"$tmp/err"
check "concatenated error logs: a quoted access line is no request" sh -c "! grep -q '203.0.113.6' '$tmp/out'"
"$BW" parse --tz UTC --year 2026 - <"$tmp/concat.log" >"$tmp/out" 2>"$tmp/err"
check "concatenated error logs: the 5 access lines are read, users with [ and \\\" too" [ "$(grep -c '"event.category":"web"' "$tmp/out")" = 5 ]

# --- a signal mid-gzip on a pipe ends the input cleanly ------------------
bfl 25 | gzip -c >"$tmp/bf.gz"
half=$(( $(wc -c <"$tmp/bf.gz") / 2 ))
mkfifo "$tmp/gzlive"
( head -c "$half" "$tmp/bf.gz"; sleep 20 ) >"$tmp/gzlive" &
writer=$!
"$BW" scan --fail-on none "$tmp/gzlive" >"$tmp/out" 2>"$tmp/err" &
reader=$!
sleep 1
kill -TERM "$reader"
wait "$reader"
st=$?
kill "$writer" 2>/dev/null
wait 2>/dev/null
writer=""
check "SIGTERM mid-gzip: status 0" [ "$st" = 0 ]
if grep -q 'null\|truncated' "$tmp/err"; then bad "SIGTERM mid-gzip: an error"; else ok; fi

# --- a signal while the alerts' reader is slow loses no alert ------------
for i in $(seq 1 3000); do printf '203.0.113.%d - - [27/Nov/2026:12:00:00 +0000] "GET /remote/fgt_lang?lang=/../../../..//////////dev/cmdb/sslvpn_websession HTTP/1.1" 200 99 "-" "x"\n' $((i % 250 + 1)); done >"$tmp/many.log"
mkfifo "$tmp/slow"
"$BW" scan --json --fail-on none "$tmp/many.log" >"$tmp/slow" 2>"$tmp/err" &
reader=$!
exec 7<"$tmp/slow" # opened, not read yet: the writer blocks
sleep 1
kill -TERM "$reader"
cat <&7 >"$tmp/out"
exec 7<&-
wait "$reader"
st=$?
n=$(grep -o '^rules: [0-9]* events, [0-9]* alerts' "$tmp/err" | awk '{print $4}')
check "SIGTERM with a slow reader: every alert written" [ "$(wc -l <"$tmp/out")" = "$n" ]
check "SIGTERM with a slow reader: status 0" [ "$st" = 0 ]

# --- a signal while a FIFO waits for its writer: still a clean end -------
mkfifo "$tmp/nowriter"
"$BW" scan "$tmp/nowriter" >/dev/null 2>"$tmp/err" &
reader=$!
sleep 1
kill -TERM "$reader"
sleep 1
# a run that ignored the signal would wait forever: end it, as a failure
if kill -0 "$reader" 2>/dev/null; then kill -KILL "$reader"; fi
wait "$reader"
st=$?
check "SIGTERM before a FIFO's writer: status 0" [ "$st" = 0 ]
check "SIGTERM before a FIFO's writer: summary" grep -q '^rules: 0 events' "$tmp/err"
mkfifo "$tmp/nowriter2"
"$BW" scan "$tmp/nowriter" "$tmp/nowriter2" >/dev/null 2>"$tmp/err" &
reader=$!
sleep 1
kill -TERM "$reader"
sleep 1
if kill -0 "$reader" 2>/dev/null; then bad "SIGTERM before two FIFOs' writers: still running"; kill -KILL "$reader"; else ok; fi
wait "$reader" 2>/dev/null

echo "cli: $pass passed, $fail failed"
[ $fail = 0 ]
