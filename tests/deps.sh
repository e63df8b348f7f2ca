#!/bin/sh
# deps.sh PKG... - install the Debian packages that are missing.
# As root: apt-get install (running apt-get update first if a package is
# unknown to the local lists, as on a fresh machine). Otherwise: print the
# command to run and fail.
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "breachwatch: missing Debian packages:$missing"
if [ "$(id -u)" != 0 ]; then
	echo "run as root:  apt-get update && apt-get install -y$missing"
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -q $missing; then
	apt-get update -q && apt-get install -y -q $missing || exit 1
fi
