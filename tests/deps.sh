#!/bin/sh
# Installs the Debian packages bcsim needs, or says exactly how to. Exit 2 when it cannot.
missing=""
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
  echo "deps: installing:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null || {
    echo "deps: apt-get failed; run: apt-get update && apt-get install -y$missing" >&2; exit 2; }
  exit 0
fi
echo "deps: missing Debian packages. Run as root:" >&2
echo "  sudo apt-get update && sudo apt-get install -y$missing" >&2
exit 2
