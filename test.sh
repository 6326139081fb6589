#!/usr/bin/env bash
# Installs what Sluice's tests need on this machine, then builds and tests everything.
#
#   ./test.sh            # mvn -B verify at the root
#   ./test.sh -pl sdk    # extra arguments go to Maven
#
# Needs JDK 17+ (and a second JDK, Java 21+, for one test) and Maven 3.8+. On Debian/Ubuntu the
# missing system packages are installed with apt-get (via sudo when not root). Elsewhere it says
# which commands are missing, how to install them, and stops. Runs with bash 3.2 (macOS's
# /bin/bash) too.
set -euo pipefail
cd "$(dirname "$0")"

die() { echo "test.sh: $*" >&2; exit 1; }

# --- JDK and Maven (never installed here; checked first, before anything is installed) ----------
# version_at_least FOUND MAJOR MINOR: whether FOUND ("17.0.9", "3.8.7", "21") is >= MAJOR.MINOR
version_at_least() {
  local major=${1%%.*} rest minor
  rest=${1#"$major"}
  rest=${rest#.}
  minor=${rest%%[!0-9]*}
  minor=${minor:-0}
  ((major > $2 || (major == $2 && minor >= $3)))
}
# java_feature VERSION: "1.8.0_392" -> 8, "17.0.9" -> 17, "21-ea" -> 21
java_feature() {
  local v=$1
  case $v in 1.*) v=${v#1.} ;; esac
  v=${v%%[!0-9]*}
  echo "${v:-0}"
}
jdk_advice="Debian/Ubuntu: apt-get install openjdk-17-jdk; macOS: brew install openjdk@17; then put its bin first on PATH"

command -v java >/dev/null 2>&1 || die "JDK 17+ is required; java is not on PATH ($jdk_advice)"
java_out=$(java -version 2>&1) || die "JDK 17+ is required; 'java -version' failed: $java_out"
re='version "([^"]+)"'
[[ $java_out =~ $re ]] || die "JDK 17+ is required; could not read the version from 'java -version': $java_out"
java_version=${BASH_REMATCH[1]}
(($(java_feature "$java_version") >= 17)) ||
  die "JDK 17+ is required; the java on PATH ($(command -v java)) is Java $java_version ($jdk_advice)"

maven_advice="Debian/Ubuntu: apt-get install maven; macOS: brew install maven; or https://maven.apache.org/download.cgi"
command -v mvn >/dev/null 2>&1 || die "Maven 3.8+ is required; mvn is not on PATH ($maven_advice)"
# jansi.noreset: Debian's Maven 3.8 prints ESC[0m resets even in batch mode
mvn_out=$(MAVEN_OPTS="${MAVEN_OPTS:-} -Djansi.noreset=true" mvn -B -v 2>&1) ||
  die "Maven 3.8+ is required; 'mvn -v' failed: $mvn_out"
re='Apache Maven ([0-9][0-9.]*)'
[[ $mvn_out =~ $re ]] || die "Maven 3.8+ is required; could not read the version from 'mvn -v': $mvn_out"
maven_version=${BASH_REMATCH[1]}
version_at_least "$maven_version" 3 8 ||
  die "Maven 3.8+ is required; $(command -v mvn) is Maven $maven_version ($maven_advice)"
# Maven builds with the JDK of JAVA_HOME, which may not be the java on PATH
re='Java version: ([^,]+),'
if [[ $mvn_out =~ $re ]] && (($(java_feature "${BASH_REMATCH[1]}") < 17)); then
  die "JDK 17+ is required; Maven runs on Java ${BASH_REMATCH[1]} (JAVA_HOME=${JAVA_HOME:-unset}): point JAVA_HOME at a JDK 17+"
fi

# --- a second JDK, Java 21+, for the cases that fork an app on it -----------------------------
# JdkHttpClientIT checks the agent against HttpClient#shutdown/shutdownNow/close, which came with
# Java 21, in an app it forks on a Java 21+ JDK whatever JDK runs Maven. The test finds one itself
# in /usr/lib/jvm; here one elsewhere (macOS) is found and named, and none at all is said at once
# rather than as a failed test at the end of the build.
jdk21_given=0
jdk21=""
second_jdk_given=0
for arg in ${1+"$@"}; do
  case $arg in
    -Dsluice.test.jdk21=*) jdk21_given=1 jdk21=${arg#*=} ;;
    -Dsluice.test.second-jdk=*) second_jdk_given=1 ;;
  esac
done
if [[ -n ${SLUICE_TEST_JDK21:-} ]] && ((!jdk21_given)); then jdk21_given=1 jdk21=$SLUICE_TEST_JDK21; fi
re='Java version: ([^,]+),'
maven_on_21=0
if [[ $mvn_out =~ $re ]] && (($(java_feature "${BASH_REMATCH[1]}") >= 21)); then
  maven_on_21=1
  jdk21_given=1 # Maven's own JDK will do
fi
# release_feature JDK_HOME: the Java feature version its release file names, or 0
release_feature() {
  local line
  line=$(grep -m1 '^JAVA_VERSION=' "$1/release" 2>/dev/null) || { echo 0; return; }
  line=${line#JAVA_VERSION=}
  java_feature "${line//\"/}"
}
if ((!jdk21_given)); then
  for home in /usr/lib/jvm/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    if [[ -x $home/bin/java ]] && (($(release_feature "$home") >= 21)); then jdk21=$home; fi
  done
  if [[ -z $jdk21 ]]; then
    die "a Java 21+ JDK is also required (besides the JDK 17+ that builds): JdkHttpClientIT forks an
app on one to check HttpClient#shutdown, which came with Java 21. None is in /usr/lib/jvm nor
/Library/Java/JavaVirtualMachines. Install one (Debian 13/Ubuntu 24.04: apt-get install
openjdk-21-jdk-headless; Debian 12 packages none: unpack Eclipse Temurin's JDK 21+ tarball or
install its .deb; macOS: brew install --cask temurin; elsewhere any vendor's JDK 21+), or name its
home: SLUICE_TEST_JDK21=/path/to/jdk ./test.sh"
  fi
  case $jdk21 in
    /usr/lib/jvm/*) ;; # the test finds it there itself
    *) export SLUICE_TEST_JDK21=$jdk21 ;;
  esac
fi

# The SDK's unit tests run a second time on that JDK (the sdk module's second-jdk profile), as an
# app that embeds the SDK may run on a newer Java than builds it: Java 25 reports some file system
# errors differently from 17. Not when Maven itself runs on Java 21+: that JDK is the newer one.
second_jdk=()
if ((!second_jdk_given && !maven_on_21)) && [[ -n $jdk21 ]]; then
  second_jdk=("-Dsluice.test.second-jdk=$jdk21")
fi

# --- system commands the tests run ------------------------------------------------------------
# The web UI test looks for Chromium and ChromeDriver at Debian's paths unless told otherwise.
chromium_given=0
driver_given=0
for arg in ${1+"$@"}; do
  case $arg in
    -Dsluice.test.chromium=*) chromium_given=1 ;;
    -Dwebdriver.chrome.driver=*) driver_given=1 ;;
  esac
done

# debian_package COMMAND: the Debian/Ubuntu package that provides COMMAND
debian_package() {
  case $1 in
    etcd) echo etcd-server ;;
    chromedriver) echo chromium-driver ;;
    *) echo "$1" ;; # chromium, openssl, curl
  esac
}

# advice COMMAND: what COMMAND is for and how to install it on Debian/Ubuntu and on macOS
advice() {
  local what="" debian="" macos=""
  case $1 in
    etcd) what="etcd 3.4+: the tests start real etcd servers"
      debian="sudo apt-get install etcd-server"
      macos="brew install etcd  (elsewhere: a release binary from https://github.com/etcd-io/etcd/releases)" ;;
    chromium) what="the headless browser of the web UI test"
      debian="sudo apt-get install chromium"
      macos="brew install --cask google-chrome  (then -Dsluice.test.chromium=..., below)" ;;
    chromedriver) what="ChromeDriver, matching the browser's version"
      debian="sudo apt-get install chromium-driver"
      macos="brew install --cask chromedriver  (then -Dwebdriver.chrome.driver=..., below)" ;;
    openssl) what="issues throwaway certificates for the etcd TLS tests"
      debian="sudo apt-get install openssl"
      macos="brew install openssl@3, with \$(brew --prefix openssl@3)/bin first on PATH" ;;
    curl) what="demo.sh, which the demo tests run, needs it"
      debian="sudo apt-get install curl"
      macos="brew install curl" ;;
  esac
  printf '  %-13s %s\n' "$1" "$what"
  printf '  %-13s   Debian/Ubuntu: %s\n' "" "$debian"
  printf '  %-13s   macOS:         %s\n' "" "$macos"
}

needed="etcd openssl curl"
if ((!chromium_given)); then needed="$needed chromium"; fi
if ((!driver_given)); then needed="$needed chromedriver"; fi
missing=""
for cmd in $needed; do
  command -v "$cmd" >/dev/null 2>&1 || missing="$missing $cmd"
done
missing=${missing# }

# browser_advice: where the web UI test looks for the browser, and how to say where it is
browser_advice() {
  cat <<'MSG'
  The web UI test looks for /usr/bin/chromium and /usr/bin/chromedriver. Elsewhere say where they
  are (Chrome works too), which also stops test.sh looking for them on PATH:
    ./test.sh -Dsluice.test.chromium="/Applications/Google Chrome.app/Contents/MacOS/Google Chrome" \
              -Dwebdriver.chrome.driver="$(command -v chromedriver)"
MSG
}

if [[ -n $missing ]]; then
  if command -v apt-get >/dev/null 2>&1; then
    # the browser on its own: a system without its packages (Ubuntu's Chromium is a snap) still
    # gets the rest, and the advice that fits
    tools=""
    browser=""
    for cmd in $missing; do
      case $cmd in
        chromium | chromedriver) browser="$browser $(debian_package "$cmd")" ;;
        *) tools="$tools $(debian_package "$cmd")" ;;
      esac
    done
    tools=${tools# }
    browser=${browser# }
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
      command -v sudo >/dev/null 2>&1 || die "need root or sudo to install: $tools${tools:+ }$browser"
      sudo="sudo"
    fi
    echo "test.sh: missing $missing; installing $tools${tools:+ }$browser with apt-get"
    $sudo apt-get update -qq
    # env: sudo would drop DEBIAN_FRONTEND from the environment
    if [[ -n $tools ]]; then
      # shellcheck disable=SC2086 # one word per package
      $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $tools
      if [[ " $tools " == *" etcd-server "* ]] && command -v systemctl >/dev/null 2>&1 &&
        systemctl is-active --quiet etcd 2>/dev/null; then
        # the tests start etcds of their own; this one stays after them, on 127.0.0.1:2379
        echo "test.sh: etcd-server also started its etcd.service on 127.0.0.1:2379, which compacts"
        echo "  nothing and starts with the machine; README.md (\"Your own service\") says how to stop"
        echo "  it (sudo systemctl disable --now etcd) or to set its compaction."
      fi
    fi
    # shellcheck disable=SC2086 # one word per package
    if [[ -n $browser ]] &&
      ! $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $browser; then
      {
        echo "test.sh: apt-get could not install $browser (Ubuntu has no such packages: its"
        echo "  Chromium is a snap behind chromium-browser); install Chromium and ChromeDriver yourself."
        browser_advice
      } >&2
      exit 1
    fi
  else
    {
      echo "test.sh: missing commands: $missing"
      for cmd in $missing; do advice "$cmd"; done
      case " $missing " in
        *" chromium "* | *" chromedriver "*) browser_advice ;;
      esac
    } >&2
    exit 1
  fi
fi

# The web UI test looks in /usr/bin unless told: a browser found on PATH elsewhere (Ubuntu's snap
# Chromium in /snap/bin, a ChromeDriver in /usr/local/bin) is the one it is told of.
browser_paths=()
if ((!chromium_given)) && [[ ! -x /usr/bin/chromium ]]; then
  browser_paths+=("-Dsluice.test.chromium=$(command -v chromium)")
fi
if ((!driver_given)) && [[ ! -x /usr/bin/chromedriver ]]; then
  browser_paths+=("-Dwebdriver.chrome.driver=$(command -v chromedriver)")
fi

# jansi.noreset, as above: no ESC[0m resets in the build's log
export MAVEN_OPTS="${MAVEN_OPTS:-} -Djansi.noreset=true"
exec mvn -B verify ${second_jdk[@]+"${second_jdk[@]}"} ${browser_paths[@]+"${browser_paths[@]}"} \
  ${1+"$@"}
