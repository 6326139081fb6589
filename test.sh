#!/usr/bin/env bash
# Installs what Sluice's tests need on this machine, then builds and tests everything.
#
#   ./test.sh            # mvn -B verify at the root
#   ./test.sh -pl sdk    # extra arguments go to Maven
#
# On Debian/Ubuntu the missing system packages are installed with apt-get (via sudo when not
# root). Elsewhere it says what to install and stops.
set -euo pipefail
cd "$(dirname "$0")"

# command -> Debian package that provides it
declare -A needs=(
  [etcd]=etcd-server
  [chromium]=chromium
  [chromedriver]=chromium-driver
  [openssl]=openssl
)

missing=()
for cmd in "${!needs[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${needs[$cmd]}")
done

if ((${#missing[@]})); then
  if command -v apt-get >/dev/null 2>&1; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
      command -v sudo >/dev/null 2>&1 || { echo "test.sh: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
      sudo="sudo"
    fi
    echo "test.sh: installing ${missing[*]} with apt-get"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    cat >&2 <<MSG
test.sh: missing: ${missing[*]}
  The tests need etcd 3.4+ on PATH, Chromium with its ChromeDriver for the web UI tests, and
  openssl to issue the certificates of the etcd TLS tests.
  macOS:  brew install etcd chromium chromedriver openssl
  other:  an etcd release binary on PATH; Chromium and the matching ChromeDriver
MSG
    exit 1
  fi
fi

command -v java >/dev/null 2>&1 || { echo "test.sh: JDK 17+ is required (java not on PATH)" >&2; exit 1; }
command -v mvn >/dev/null 2>&1 || { echo "test.sh: Maven 3.8+ is required (mvn not on PATH)" >&2; exit 1; }

exec mvn -B verify "$@"
