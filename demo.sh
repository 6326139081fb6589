#!/usr/bin/env bash
# The Sluice demo on this machine, no Docker: etcd, the control plane, four Vert.x services with
# the Sluice agent, and a load generator, all on 127.0.0.1.
#
#   ./demo.sh                     # runs until Ctrl-C (at most --duration, default 30m)
#   ./demo.sh --duration 60s      # bounded run, then stops everything and exits
#   ./demo.sh --check             # bounded run (20s) that also checks the agents reported in
#   ./demo.sh --no-agent          # the services alone, without etcd, control plane or agent
#
# Options: --duration D (30m; 1s to 24h, units ms/s/m/h), --rate R (10 requests/s; 0.1 to 1000),
# --check, --no-agent, -h. Builds the jars it needs first if they are missing; one older than
# its sources is run as it is, with a note saying so and how to rebuild it. Spans go to
# $OTEL_EXPORTER_OTLP_ENDPOINT with OTLP when it is set, else to each service's log (console
# exporter). Everything it starts runs in its own process group and is stopped on exit, Ctrl-C,
# SIGTERM or SIGHUP (a terminal closed), also when its output is gone by then (`| tee` ended by
# the same Ctrl-C); output gone during the run (`| less` quit) ends the load, and so the demo. Its
# logs (~85 MB of console spans per 30 minutes) stay in a directory it prints,
# ${XDG_CACHE_HOME:-~/.cache}/sluice-demo/logs/sluice-demo.XXXXXX, on disk rather than in $TMPDIR
# (often RAM); a later run deletes all but the latest finished one (runs started at once take
# turns at that). The JVMs run copies of the jars, deleted on exit, so rebuilding the jars (mvn
# package) while the demo runs leaves it running; the copies (~100 MB) are in
# ${XDG_CACHE_HOME:-~/.cache}/sluice-demo too, linked from <log dir>/jars. The JVMs' temporary
# files (java.io.tmpdir: Java ignores $TMPDIR) are in <log dir>/tmp, deleted on exit. Without a cache
# directory it can create (no HOME), or as root with another user's HOME (sudo -E), both go to
# $TMPDIR/sluice-demo-<uid> (a directory of the user's own, mode 700; refused, saying why, if it
# is anything else), and it says so.
#
# Needs JDK 17+ (java, and jar or a java with the jdk.jartool module, as Debian's JRE), curl, cmp
# and etcd (not with --no-agent) on PATH; Maven 3.8+ only to build jars. It checks each jar's
# manifest, and that the agent jar holds Sluice's extension, before it starts anything, and stops
# if a build has not finished one.
# Environment: SLUICE_AGENT_JAR (path) attaches that agent jar instead of building and using
# javaagent-extension/target/sluice-javaagent.jar. SLUICE_DEMO_READY_TIMEOUT (seconds) raises how
# long each process may take to become ready (slow or busy machines, tests). SLUICE_DEMO_LOG_MAX
# (100M; a size in bytes with k, M or G, or 0 for no limit) caps each process's log: one that
# grows past it is renamed <name>.log.1 (replacing the one before) and a new one begins, with no
# line lost (each process writes through a pipe to a small awk writer that turns the log).
# SLUICE_DEMO_JAVA_OPTIONS (space-separated) adds JVM options to every java the demo starts (heap
# size, -XX:TieredStopAtLevel=1 to start faster on a small machine, as the tests do).
{ # The whole script is one command, read in full before it runs (closed at the end): a demo.sh
  # saved in place while a demo runs (some editors do) cannot change what the rest of the run does.
set -euo pipefail
# a SLUICE_AGENT_JAR given relative to where the caller stands, made absolute before the cd
if [[ -n ${SLUICE_AGENT_JAR:-} && $SLUICE_AGENT_JAR != /* ]]; then
  SLUICE_AGENT_JAR=$PWD/$SLUICE_AGENT_JAR
fi
cd "$(dirname "$0")"
ROOT=$PWD
SELF=$ROOT/$(basename "$0") # $0 may be relative to where the caller stands

DEMO_JAR=demo-mesh/target/sluice-demo.jar
AGENT_JAR=${SLUICE_AGENT_JAR:-javaagent-extension/target/sluice-javaagent.jar}
CONTROL_PLANE_JAR=control-plane/target/sluice-control-plane.jar

duration=""
rate=10
check=0
agent=1

usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$SELF"; }
die() { echo "demo.sh: $*" >&2; exit 1; }

while (($#)); do
  case "$1" in
    --duration) [[ $# -ge 2 ]] || die "--duration needs a value"; duration=$2; shift 2 ;;
    --duration=*) duration=${1#*=}; shift ;;
    --rate) [[ $# -ge 2 ]] || die "--rate needs a value"; rate=$2; shift 2 ;;
    --rate=*) rate=${1#*=}; shift ;;
    --check) check=1; shift ;;
    --no-agent) agent=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option '$1' (./demo.sh --help lists the options)" ;;
  esac
done
[[ -n $duration ]] || { ((check)) && duration=20s || duration=30m; }
[[ $duration =~ ^([0-9]+)(ms|s|m|h)?$ ]] || die "--duration '$duration' is not like 60s, 5m or 1h"
# the load generator's own limits, checked before anything starts
case ${BASH_REMATCH[2]:-s} in
  ms) duration_ms=$((10#${BASH_REMATCH[1]})) ;;
  s) duration_ms=$((10#${BASH_REMATCH[1]} * 1000)) ;;
  m) duration_ms=$((10#${BASH_REMATCH[1]} * 60000)) ;;
  h) duration_ms=$((10#${BASH_REMATCH[1]} * 3600000)) ;;
esac
((duration_ms >= 1000 && duration_ms <= 86400000)) || die "--duration must be from 1s to 24h, not '$duration'"
[[ $rate =~ ^[0-9]+([.][0-9]+)?$ ]] || die "--rate '$rate' is not a number"
awk -v r="$rate" 'BEGIN { exit !(r >= 0.1 && r <= 1000) }' || die "--rate must be from 0.1 to 1000, not '$rate'"
log_max=${SLUICE_DEMO_LOG_MAX:-100M}
[[ $log_max =~ ^([0-9]+)([kKmMgG]?)$ ]] ||
  die "SLUICE_DEMO_LOG_MAX '$log_max' is not a size like 100M, 500k or 2G (0: no limit)"
case ${BASH_REMATCH[2]} in
  "") log_max_bytes=$((10#${BASH_REMATCH[1]})) ;;
  k | K) log_max_bytes=$((10#${BASH_REMATCH[1]} * 1024)) ;;
  m | M) log_max_bytes=$((10#${BASH_REMATCH[1]} * 1048576)) ;;
  g | G) log_max_bytes=$((10#${BASH_REMATCH[1]} * 1073741824)) ;;
esac

# java_feature VERSION: "1.8.0_392" -> 8, "17.0.9" -> 17, "21-ea" -> 21
java_feature() {
  local v=$1
  case $v in 1.*) v=${v#1.} ;; esac
  v=${v%%[!0-9]*}
  echo "${v:-0}"
}
command -v java >/dev/null || die "JDK 17+ is required; java is not on PATH"
java_out=$(java -version 2>&1) || die "JDK 17+ is required; 'java -version' failed: $java_out"
re='version "([^"]+)"'
[[ $java_out =~ $re ]] || die "JDK 17+ is required; could not read the version from 'java -version': $java_out"
(($(java_feature "${BASH_REMATCH[1]}") >= 17)) ||
  die "JDK 17+ is required; the java on PATH ($(command -v java)) is Java ${BASH_REMATCH[1]}"
command -v curl >/dev/null || die "curl is not on PATH (Debian/Ubuntu: apt-get install curl; macOS: brew install curl)"
command -v cmp >/dev/null || die "cmp is not on PATH (Debian/Ubuntu: apt-get install diffutils)"
# the JDK's jar tool reads the jars' manifests (see run_copy); a JDK may have only java on PATH,
# and Debian's JRE package (which its maven package installs, and which builds Sluice: it has the
# JDK's modules) has no jar command but the tool's module, which java runs as the command would
if jar_path=$(command -v jar); then
  jar_tool=("$jar_path")
elif [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/jar ]]; then
  jar_tool=("$JAVA_HOME/bin/jar")
elif java -m jdk.jartool/sun.tools.jar.Main --version >/dev/null 2>&1; then
  jar_tool=(java -m jdk.jartool/sun.tools.jar.Main)
else
  die "jar is not on PATH (nor in \$JAVA_HOME/bin), and the java on PATH has no jdk.jartool module:" \
    "demo.sh needs a JDK 17+, not only a JRE"
fi
if ((agent)); then
  command -v etcd >/dev/null ||
    die "etcd is not on PATH (Debian/Ubuntu: apt-get install etcd-server; macOS: brew install etcd), or run ./demo.sh --no-agent"
fi

# --- build what is missing -------------------------------------------------------------------
missing=()
[[ -f $DEMO_JAR ]] || missing+=(demo-mesh)
if ((agent)); then
  if [[ -n ${SLUICE_AGENT_JAR:-} ]]; then
    [[ -f $AGENT_JAR ]] || die "SLUICE_AGENT_JAR '$AGENT_JAR' does not exist"
  else
    [[ -f $AGENT_JAR ]] || missing+=(javaagent-extension)
  fi
  [[ -f $CONTROL_PLANE_JAR ]] || missing+=(control-plane)
fi
if ((${#missing[@]})); then
  modules=$(IFS=,; echo "${missing[*]}")
  command -v mvn >/dev/null || die "not built yet: $modules. Building needs Maven 3.8+, and mvn is not on PATH"
  # Plain output: Debian's Maven 3.8 writes ESC[0m resets even in batch mode unless jansi.noreset
  maven() { MAVEN_OPTS="${MAVEN_OPTS:-} -Djansi.noreset=true" mvn -B -Dstyle.color=never "$@"; }
  mvn_out=$(maven -v 2>&1) || die "'mvn -v' failed: $mvn_out"
  re='Apache Maven ([0-9]+)\.([0-9]+)'
  [[ $mvn_out =~ $re ]] || die "could not read Maven's version from 'mvn -v': $mvn_out"
  ((BASH_REMATCH[1] > 3 || (BASH_REMATCH[1] == 3 && BASH_REMATCH[2] >= 8))) ||
    die "not built yet: $modules. Building needs Maven 3.8+; $(command -v mvn) is Maven ${BASH_REMATCH[1]}.${BASH_REMATCH[2]}"
  # Maven compiles with the JDK of JAVA_HOME, which may not be the java on PATH
  re='Java version: ([^,]+),'
  if [[ $mvn_out =~ $re ]] && (($(java_feature "${BASH_REMATCH[1]}") < 17)); then
    die "not built yet: $modules. Building needs JDK 17+; Maven runs on Java ${BASH_REMATCH[1]} (JAVA_HOME=${JAVA_HOME:-unset})"
  fi
  echo "demo.sh: building $modules (mvn -B -q -DskipTests package -pl $modules -am) ..."
  maven -q -DskipTests package -pl "$modules" -am
fi

# A jar built before a `git pull` or an edit runs the old code. Say so once per jar, naming one
# newer source, and run it as it is: rebuilding on every mtime change would cost a newcomer minutes.
# A source only touched (a branch switched there and back, a stash popped, an unchanged save) is
# newer but not changed: a run that finds no source newer than a jar records the sources' checksum
# beside it (<jar>.sources-checksum, valid until the jar is rebuilt), and a later run says nothing
# while they still have that checksum. Until such a run, newer is taken as changed.
# stale_note JAR MODULE...: the modules whose main sources and poms go into JAR
stale_note() {
  local jar=$1 newer sources recorded=""
  shift
  sources=(pom.xml "${@/%//pom.xml}" "${@/%//src/main}")
  newer=$(find "${sources[@]}" -type f -newer "$jar" -print -quit 2>/dev/null || true)
  # a record written before the jar was rebuilt is the old jar's
  if [[ -f $jar.sources-checksum && ! $jar -nt $jar.sources-checksum ]]; then
    recorded=$(cat "$jar.sources-checksum" 2>/dev/null || true)
  fi
  if [[ -z $newer ]]; then
    [[ -n $recorded ]] || sources_checksum "${sources[@]}" 2>/dev/null >"$jar.sources-checksum" || true
  elif [[ -z $recorded || $(sources_checksum "${sources[@]}") != "$recorded" ]]; then
    echo "demo.sh: note: $jar is older than $newer, so the demo runs the code as it was built;" \
      "to run the current sources, rebuild first: mvn -B -q -DskipTests package -pl ${*: -1} -am"
  fi
}
# sources_checksum PATH...: one checksum of the names and contents of the files under PATHs
sources_checksum() {
  { find "$@" -type f -exec cksum {} + 2>/dev/null || true; } | LC_ALL=C sort | cksum
}
stale_note "$DEMO_JAR" demo-mesh
if ((agent)); then
  [[ -n ${SLUICE_AGENT_JAR:-} ]] || stale_note "$AGENT_JAR" sampler-rules etcd-client sdk javaagent-extension
  stale_note "$CONTROL_PLANE_JAR" sampler-rules etcd-client sdk control-plane
fi

# --- process bookkeeping ---------------------------------------------------------------------
# A pid alone does not name a process for long: once it ends, the system gives its pid to another
# one (a shell job of the user's, as often as not the leader of a process group). The demo.pid and
# pids files and the script's own bookkeeping name each process by its pid and its start time.
# process_start PID [VAR]: prints PID's start time (clock ticks since boot from /proc, else ps's
# lstart without spaces), or stores it in the variable VAR; fails when PID is gone or its start
# cannot be read. With VAR, no subshell runs it: now and then bash runs no trap for a Ctrl-C that
# comes as it runs a command substitution of builtins only (under load, in 2 of 100 to 250 runs of
# a reproduction), and a process just started, when a Ctrl-C must take effect, is noted so.
process_start() {
  local stat fields
  if [[ -d /proc/self ]]; then
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) } # after the command's name, which may hold spaces and parentheses
    read -r -a fields <<<"$stat"
    [[ ${fields[19]:-} =~ ^[0-9]+$ ]] || return 1
    stat=${fields[19]}
  else
    # in UTC and C's words: in local time, the same process's start reads otherwise in another
    # TZ or language, or after a change to or from summer time
    stat=$(TZ=UTC0 LC_ALL=C ps -o lstart= -p "$1" 2>/dev/null | tr -d ' ') || return 1
    [[ -n $stat ]] || return 1
  fi
  if [[ -n ${2:-} ]]; then printf -v "$2" '%s' "$stat"; else echo "$stat"; fi
}
# same_process PID START: whether PID is alive and is the process that started at START; a START
# of "" or "-" (a line of an older demo.sh, a start not read in time) checks only that PID is alive
same_process() {
  [[ $1 =~ ^[0-9]+$ ]] || return 1
  if [[ -z ${2:-} || $2 == - ]]; then
    kill -0 "$1" 2>/dev/null
  else
    [[ $(process_start "$1" 2>/dev/null) == "$2" ]]
  fi
}
# group_is_live PID START: whether the process PID that started at START, or what is left of its
# process group once it ended, is alive. The system does not give PID to another process while a
# group of that id lives on: a live group whose leader is gone is still that process's.
group_is_live() {
  local now
  [[ $1 =~ ^[0-9]+$ ]] || return 1
  if now=$(process_start "$1" 2>/dev/null); then
    [[ -z ${2:-} || $2 == - || $now == "$2" ]]
  else
    kill -0 -- "-$1" 2>/dev/null
  fi
}
# run_is_live DIR: whether DIR's demo.pid names the live script, or its pids file a live process
# it started or what is left of one's process group (not the script's: the terminal's job, as
# `./demo.sh | tee`, or a command of its own still ending, with nothing of the demo's in it)
run_is_live() {
  local pid="" name start=""
  read -r pid name start 2>/dev/null <"$1/demo.pid" || true
  same_process "$pid" "$start" && runs_as_demo "$pid" "$start" && return 0
  while read -r pid name start; do
    group_is_live "$pid" "$start" && runs_as_demo "$pid" "$start" && return 0
  done < <(cat "$1/pids" 2>/dev/null || true)
  return 1
}
# runs_as_demo PID START: for a line without a start time (an older demo.sh's, which wrote none,
# or a start not read in time), whether PID's process, if it still runs, has a command line such
# as a demo runs (demo.sh itself; etcd named sluice-demo; java with sluice-demo.jar or
# sluice-control-plane.jar). The pid alone kept an older run's directory, logs and copies for as
# long as any process had its pid (after a reboot, a daemon: for good). A command line that
# cannot be read counts as a demo's; a line with a start time was named by it already.
runs_as_demo() {
  local args
  [[ -z ${2:-} || $2 == - ]] || return 0
  if [[ -r /proc/$1/cmdline ]]; then
    args=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 0
  elif ps -p "$1" >/dev/null 2>&1; then
    args=$(ps -o args= -p "$1" 2>/dev/null) || return 0
  else
    return 0 # gone: what is left of its process group is still the demo's (group_is_live)
  fi
  # (empty: a kernel thread, or a zombie)
  [[ $args == *sluice-demo* || $args == *sluice-control-plane* || $args == *demo.sh* ]]
}
# The logs and the copies of the jars live on disk, not in $TMPDIR, which is often tmpfs (RAM):
# each run's logs in a directory of its own under LOGS_HOME, its copies in one under COPIES_HOME
# (a file "run" in it names the run's log directory, then its host), which <log dir>/jars links
# to. Without a cache directory it can create (no HOME, as under some service managers; a cache
# on a file system root may not write, as sudo -E on a root-squashed NFS home) or one that is not
# root's when it runs as root, both go to USER_TMP in $TMPDIR (below), and the script says so
# once: the copies then stay in <log dir>/jars.
# A relative XDG_CACHE_HOME is ignored, as its specification says: the link to it would lead
# nowhere from the log directory.
if [[ ${XDG_CACHE_HOME:-} == /* ]]; then
  COPIES_HOME=$XDG_CACHE_HOME/sluice-demo
elif [[ ${HOME:-} == /* ]]; then
  COPIES_HOME=$HOME/.cache/sluice-demo
else
  COPIES_HOME=""
fi
# As root, a cache only where root owns the nearest directory on the way to it that exists: with
# another user's HOME (sudo -E), a cache made there would be root's, and that user's later runs
# could neither write to it nor delete it
cache_base=$COPIES_HOME/logs
while [[ -n $cache_base && ! -e $cache_base ]]; do cache_base=${cache_base%/*}; done
if [[ -z $COPIES_HOME ]]; then
  no_cache="neither XDG_CACHE_HOME nor HOME is an absolute path"
elif ((EUID == 0)) && [[ -n $cache_base && ! -O $cache_base ]]; then
  no_cache="this runs as root, and $cache_base is another user's (sudo -E?)"
elif ! mkdir -p "$COPIES_HOME/logs" 2>/dev/null || [[ ! -w $COPIES_HOME/logs ]]; then
  no_cache="$COPIES_HOME/logs cannot be created or written"
else
  no_cache=""
fi
# $TMPDIR (often /tmp) is every user's: what demo.sh keeps there (the lock under which it prunes
# the runs there, and the runs themselves without a cache) goes in a directory of this user's own,
# $TMPDIR/sluice-demo-<uid>, made with mode 700 and used only while it is a directory (not a link)
# that this user owns with no access for others. Another user can make that name first (or a link
# by that name), and a file such a user made there could be held, locked or read: demo.sh refuses
# it and says why. (A name without a dot: sluice-demo.* in $TMPDIR are the runs of a demo.sh
# older than it, pruned below.)
TMP_BASE=${TMPDIR:-/tmp}
[[ $TMP_BASE == / ]] || TMP_BASE=${TMP_BASE%/}
USER_TMP=${TMP_BASE%/}/sluice-demo-$EUID
# user_tmp_trouble: makes USER_TMP if it is not there; prints what keeps it from being used, if any
user_tmp_trouble() {
  local mode
  [[ -e $USER_TMP || -L $USER_TMP ]] || mkdir -m 700 "$USER_TMP" 2>/dev/null || true
  if [[ -L $USER_TMP ]]; then
    echo "$USER_TMP is a symbolic link, not a directory of this user's"
  elif [[ ! -e $USER_TMP ]]; then
    echo "$USER_TMP cannot be created"
  elif [[ ! -d $USER_TMP ]]; then
    echo "$USER_TMP is not a directory"
  elif [[ ! -O $USER_TMP ]]; then
    echo "$USER_TMP belongs to another user (it was made before this user's first run)"
  else
    mode=$(LC_ALL=C ls -ld "$USER_TMP" 2>/dev/null) || mode=unreadable
    mode=${mode%% *}
    # (a trailing . or @ marks an SELinux context or extended attributes; + an ACL, refused)
    [[ $mode == drwx------ || $mode == drwx------[.@] ]] ||
      echo "$USER_TMP has mode $mode, not drwx------ (if it is yours: chmod 700 it)"
  fi
}
if [[ -n $no_cache ]]; then
  COPIES_HOME=""
  LOGS_HOME=$USER_TMP
  trouble=$(user_tmp_trouble)
  [[ -z $trouble ]] || die "$no_cache, and the logs cannot go to $TMP_BASE: $trouble." \
    "Set XDG_CACHE_HOME (or TMPDIR) to a directory of your own"
  echo "demo.sh: note: $no_cache, so the logs and the copies of the jars (~100 MB) go to" \
    "$LOGS_HOME instead (often RAM); set XDG_CACHE_HOME to a directory you can write to keep them on disk"
else
  LOGS_HOME=$COPIES_HOME/logs
fi
# remove_copies DIR: deletes the copies of the jars of the run whose log directory is DIR
remove_copies() {
  local copies
  if [[ -L $1/jars ]]; then
    copies=$(readlink "$1/jars")
    # only a directory of ours: the link is in a directory others may write to
    [[ $copies == */sluice-demo/sluice-demo.* && -f $copies/run ]] && rm -rf "$copies"
  fi
  rm -rf "$1/jars"
}
# left_before_start DIR: whether DIR, a run's directory with no pids, demo.pid or host file, is
# what a demo.sh older than demo.pid left when killed before it started anything: its copies of the
# jars (~100 MB, in $TMPDIR) or nothing, unchanged for an hour. A demo.sh of today makes its
# directory and writes those files while it holds the prune lock; an older one may be copying into
# jars right now, for seconds, hence the hour.
left_before_start() {
  local entries
  entries=$(ls -A "$1" 2>/dev/null) || return 1
  [[ -z $entries || $entries == jars ]] || return 1
  [[ -n $(find "$1" -maxdepth 0 -mmin +60 2>/dev/null) ]]
}
# Earlier runs' log directories grow with every span logged (~85 MB in 30 minutes): keep the
# latest finished one to look at, delete older finished ones. A directory whose pids file names a
# live process belongs to a demo still running and is left alone, and so is one whose demo.pid
# (the script's own) does; one with a dead demo.pid and no pids file is a run killed before it
# started anything: nothing in it but the copies of the jars (~100 MB), deleted. Only this host's,
# as for the copies below (a file "host" names a run's host), and this user's; and those in
# USER_TMP, and those an earlier demo.sh left in $TMPDIR itself too. Those have no host file
# ($TMPDIR is this host's) and their
# lines no start time: a pid counts only while its process runs a demo's command (runs_as_demo).
# One with no pids or demo.pid either is deleted once it is what an older demo.sh killed before
# it started anything leaves (left_before_start), and left alone otherwise: with a note when it
# holds more than jars/ (one of the oldest demo.sh's runs, which wrote neither file, or a
# directory of another program's by that name), whose end nothing here can tell.
prune_earlier_logs() {
  local dir host copies entries kept=0 tmp=$PRUNE_TMP
  while IFS= read -r dir; do
    if [[ -d $dir && ! -e $dir/pids && ! -e $dir/demo.pid && ! -e $dir/host ]]; then
      [[ -O $dir ]] || continue
      if left_before_start "$dir"; then
        rm -rf "$dir" 2>/dev/null &&
          echo "demo.sh: deleted what an older demo.sh left before it started anything ($dir)"
      elif entries=$(ls -A "$dir" 2>/dev/null) && [[ -n $entries && $entries != jars ]]; then
        # (nothing or only jars/: an older demo.sh starting right now, or gone within the hour)
        echo "demo.sh: note: left $dir as it is: it holds more than jars/ but neither pids nor" \
          "demo.pid, so whether its run is over cannot be told (a very old demo.sh's?);" \
          "delete it by hand once it is"
      fi
      continue
    fi
    [[ -d $dir && (-f $dir/pids || -f $dir/demo.pid) ]] || continue
    # only this user's: $TMPDIR (/tmp) holds other users' runs too, which root could delete
    [[ -O $dir ]] || continue
    host=""
    [[ ! -f $dir/host ]] || host=$(cat "$dir/host" 2>/dev/null || true)
    [[ -z $host || $host == "$this_host" ]] || continue
    run_is_live "$dir" && continue
    if [[ ! -f $dir/pids ]]; then
      remove_copies "$dir" 2>/dev/null || true
      rm -rf "$dir" 2>/dev/null && echo "demo.sh: deleted what an earlier run left before it started anything ($dir)"
      continue
    fi
    if ((kept == 0)); then
      kept=1
      remove_copies "$dir" 2>/dev/null || true # a run killed before it could delete its copies
      # and what its processes kept as they ran, which its stop would have deleted (the JVMs'
      # temporary files: an agent's extracted extension is ~19 MB)
      rm -rf "$dir/tmp" "$dir/etcd-data" "$dir/tomcat" 2>/dev/null || true
      continue
    fi
    remove_copies "$dir" 2>/dev/null || true
    if rm -rf "$dir" 2>/dev/null; then
      echo "demo.sh: deleted the logs of an earlier run ($dir)"
    fi
  done < <(ls -1dt "$LOGS_HOME"/sluice-demo.* ${PRUNE_USER_TMP:+"$PRUNE_USER_TMP"/sluice-demo.*} \
    ${tmp:+"$tmp"/sluice-demo.*} 2>/dev/null || true)
  # the lock file an older demo.sh took in $TMPDIR itself, if it is this user's
  if [[ -n $tmp && -f $OLD_TMP_LOCK && ! -L $OLD_TMP_LOCK && -O $OLD_TMP_LOCK ]]; then
    rm -f "$OLD_TMP_LOCK" 2>/dev/null || true
  fi
  # copies whose run is over or whose log directory is gone (another TMPDIR, a reboot that emptied
  # a tmpfs, deleted by hand): the runs above have had theirs deleted already. Only this host's:
  # a home directory shared with other machines or containers (NFS, a bind mount) holds their
  # runs' copies too, whose log directories and processes are not to be seen from here.
  [[ -n $COPIES_HOME ]] || return 0
  while IFS= read -r copies; do
    [[ -f $copies/run ]] || continue # a run that is creating it
    dir="" host=""
    { IFS= read -r dir && IFS= read -r host; } 2>/dev/null <"$copies/run" || true
    [[ -n $dir ]] || continue # a run that is writing it: it names no log directory yet
    [[ -z $host || $host == "$this_host" ]] || continue
    if [[ ! -d $dir ]] || ! run_is_live "$dir"; then
      rm -rf "$copies" 2>/dev/null || true
    fi
  done < <(ls -1d "$COPIES_HOME"/sluice-demo.* 2>/dev/null || true)
}
# Two runs starting at once used to prune at once: one deleting a directory bumps its mtime, the
# other then took it for the latest finished run, kept it and deleted the real latest, so both
# were gone; or read a run's files as the first deleted them. A run now prunes, and makes its own
# log directory, holding an exclusive lock on a file in LOGS_HOME (flock(2), through flock(1) or
# perl; released when fd 9 closes, even if the script is killed). Without the lock in 60 s, or
# with no tool to take it, it prunes nothing this time and says so.
# Runs with another LOGS_HOME (another XDG_CACHE_HOME) prune the same $TMPDIR, so while it prunes
# there a run also holds a lock in USER_TMP (fd 8; in $TMPDIR itself another user could make the
# lock file first, and no run of this user's would prune there again), always after the one in
# LOGS_HOME, so that no two runs each hold the lock the other waits for; without it, it leaves
# $TMPDIR alone this time. A run without a cache has LOGS_HOME = USER_TMP: one lock covers both.
PRUNE_LOCK=$LOGS_HOME/.sluice-demo-prune.$EUID.lock
# what an older demo.sh left in $TMPDIR itself: its runs and its lock file there
PRUNE_TMP=$TMP_BASE
OLD_TMP_LOCK=${TMP_BASE%/}/.sluice-demo-prune.$EUID.lock
[[ -d $PRUNE_TMP ]] || PRUNE_TMP=""
PRUNE_USER_TMP="" # USER_TMP's runs (made without a cache), for a run with one, once it has the lock
# tmp_has_runs: whether $TMPDIR holds anything this run may prune (for a run with a cache: if it
# does not, USER_TMP is not even made)
tmp_has_runs() {
  local older=("$TMP_BASE"/sluice-demo.*)
  [[ -e $USER_TMP || -L $USER_TMP || -e ${older[0]} || -L ${older[0]} || -f $OLD_TMP_LOCK ]]
}
# lock_file FD FILE: takes an exclusive lock on FILE on fd FD (8 or 9); fails when it cannot
lock_file() {
  case $1 in
    8) { exec 8>>"$2"; } 2>/dev/null || return 1 ;;
    9) { exec 9>>"$2"; } 2>/dev/null || return 1 ;;
    *) return 1 ;;
  esac
  if command -v flock >/dev/null; then
    flock -w 60 "$1" 2>/dev/null
  elif command -v perl >/dev/null; then
    perl -MFcntl=:flock -e '$SIG{ALRM} = sub { exit 1 }; alarm 60;
      open(my $fd, ">>&=", $ARGV[0]) or exit 1; flock($fd, LOCK_EX) or exit 1' "$1" 2>/dev/null
  else
    false
  fi
}
this_host=$(uname -n)
if lock_file 9 "$PRUNE_LOCK"; then
  if [[ -z $PRUNE_TMP || $LOGS_HOME == "$USER_TMP" ]]; then
    : # nothing to prune in $TMPDIR, or the lock held is USER_TMP's
  elif ! tmp_has_runs; then
    PRUNE_TMP=""
  elif trouble=$(user_tmp_trouble) && [[ -n $trouble ]]; then
    # (a $TMPDIR this user cannot write to is no place to prune either: said only when refused)
    [[ $trouble == *"cannot be created" ]] ||
      echo "demo.sh: note: earlier runs' logs in $TMP_BASE are not pruned: $trouble"
    PRUNE_TMP=""
  elif ! lock_file 8 "$USER_TMP/.sluice-demo-prune.$EUID.lock"; then
    echo "demo.sh: note: earlier runs' logs in $TMP_BASE are not pruned this time: no lock on" \
      "$USER_TMP/.sluice-demo-prune.$EUID.lock within 60 s (another demo.sh pruning?)"
    PRUNE_TMP=""
  else
    PRUNE_USER_TMP=$USER_TMP
  fi
  prune_earlier_logs
  exec 8>&- # $TMPDIR's lock goes (if it was taken); LOGS_HOME's is held until LOG_DIR exists
else
  echo "demo.sh: note: earlier runs' logs are not pruned this time: no lock on $PRUNE_LOCK" \
    "within 60 s (another demo.sh pruning?), or no flock or perl to take it"
fi
LOG_DIR=$(mktemp -d "$LOGS_HOME/sluice-demo.XXXXXX") || die "could not create a log directory in $LOGS_HOME"
# whose directory this is, for a later run's prune until the pids file names what it started
echo "$this_host" >"$LOG_DIR/host"
# (whole when it appears: a prune that read it still empty would take the run for one killed
# before it started anything, and delete its directory)
echo "$$ demo.sh $(process_start $$ || echo -)" >"$LOG_DIR/demo.pid.new"
mv "$LOG_DIR/demo.pid.new" "$LOG_DIR/demo.pid"
exec 9>&- # the lock goes; nothing started from here on inherits it
names=()
pids=()
starts=() # each pid's start time (process_start), to tell it from a later process given its pid
stopping=0

# Each background process gets its own process group, so that stopping it stops all of it, and a
# Ctrl-C in the terminal reaches only the script, which then stops them in order (the load
# generator first, which prints its summary).
if command -v setsid >/dev/null; then
  own_group=(setsid)
elif command -v perl >/dev/null; then # macOS has no setsid
  own_group=(perl -e 'setpgrp(0, 0); exec @ARGV or die "exec $ARGV[0]: $!\n"')
else
  die "need setsid (util-linux) or perl to run the demo's processes in their own process groups"
fi

# The console spans grow the services' logs by ~85 MB per 30 minutes at 10 requests/s, without
# end in a long run (--duration up to 24h, --rate up to 1000). Each process started with a log
# writes into a pipe, not the file: a writer of its own (awk, in its own process group, where a
# Ctrl-C does not reach it) appends each line it reads to the log and, once the log has grown past
# SLUICE_DEMO_LOG_MAX, closes it and renames it <name>.log.1 (replacing the one before); the next
# line begins a new log. The writer alone writes the file, and only between lines, so no line is
# lost, cut or written twice (copying the log aside and emptying it lost the lines written
# between the two). A log and its .1 so hold at most twice the limit (plus a line). The writer
# ends when the process and all it started have closed their output, and should awk fail (a full
# disk), cat reads the rest into nothing, so that a process writing on is never cut off (a Go
# program such as etcd dies of SIGPIPE on a closed stdout).
# mawk (Debian's awk) reads a pipe in blocks, holding lines back until a block is full, unless told
awk_interactive=()
[[ $(awk -W version </dev/null 2>/dev/null) != mawk* ]] || awk_interactive=(-W interactive)
# Each writer is noted as "<pid> <log>" in <log dir>/writers, so that the script can wait for it to
# have written the last lines of its process (writers_done). launch notes it before the process
# starts, where bash tells a process substitution's pid in $! (4.4 on; found out once here); an
# older bash leaves that to the writer. Noted only by itself, a writer still starting when its
# process died at once was not yet known, and the end of the log was printed before it was written.
writer_pid_known=0
last_background=${!:-}
: > >(:)
[[ ${!:-} == "$last_background" ]] || writer_pid_known=1
# log_writer LOG: copies its input, line by line, to LOG, capped at log_max_bytes as above
log_writer() {
  local writers=$LOG_DIR/writers
  ((!writer_pid_known)) || writers="" # launch notes it
  SLUICE_DEMO_LOG=$1 SLUICE_DEMO_LOG_MAX_BYTES=$log_max_bytes SLUICE_DEMO_WRITERS=$writers \
    exec "${own_group[@]}" sh -c '
    [ -z "$SLUICE_DEMO_WRITERS" ] || echo "$$ $SLUICE_DEMO_LOG" >>"$SLUICE_DEMO_WRITERS"
    LC_ALL=C awk "$@" '"'"'
      BEGIN { out = ENVIRON["SLUICE_DEMO_LOG"]; max = ENVIRON["SLUICE_DEMO_LOG_MAX_BYTES"] + 0 }
      {
        print >>out
        fflush(out)
        size += length($0) + 1
        if (size > max) {
          close(out)
          system("mv -f -- \"$SLUICE_DEMO_LOG\" \"$SLUICE_DEMO_LOG.1\"")
          size = 0
        }
      }'"'"'
    exec cat >/dev/null' sh ${awk_interactive[@]+"${awk_interactive[@]}"} >/dev/null 2>&1
}
# writers_done [LOG]: waits, 5 s at most, until the writers of LOG (of every log, without LOG)
# have ended: they end once their processes have, having written all they wrote
writers_done() {
  local pid log deadline=$((SECONDS + 5))
  while read -r pid log; do
    [[ -z ${1:-} || $log == "$1" ]] || continue
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
  done < <(cat "$LOG_DIR/writers" 2>/dev/null || true)
}
# start NAME COMMAND...: runs COMMAND in its own process group, output to its log.
start() {
  local name=$1; shift
  launch "$name" "$LOG_DIR/$name.log" "$@"
}
# launch NAME OUT COMMAND...: runs COMMAND in its own process group in the background, output to
# the file OUT (- for this terminal), and notes it. A Ctrl-C or SIGTERM meanwhile takes effect once
# it is noted: a process started but not noted would be left running, and stop_all's wait would
# wait for it.
launch() {
  local name=$1 out=$2
  shift 2
  noting=1
  if [[ $out == - ]]; then
    "${own_group[@]}" "$@" </dev/null &
  elif ((log_max_bytes > 0)); then
    # through a writer of its own that caps the log (log_writer), on fd 7 only until the command
    # has it: no other process started later holds the pipe open (the writer ends at its close)
    exec 7> >(log_writer "$out")
    ((!writer_pid_known)) || echo "$! $out" >>"$LOG_DIR/writers"
    "${own_group[@]}" "$@" >&7 2>&1 7>&- </dev/null &
    exec 7>&-
  else
    "${own_group[@]}" "$@" >>"$out" 2>&1 </dev/null &
  fi
  started "$name" "$!"
  noting=0
  [[ -z $signalled ]] || exit "$signalled"
}
# started NAME PID: notes PID, just started, as NAME's with its start time
started() {
  local start
  process_start "$2" start || start=-
  names+=("$1")
  pids+=("$2")
  starts+=("$start")
  echo "$2 $1 $start" >>"$LOG_DIR/pids"
}
# is_started PID: whether PID is still the process this script started with that pid
is_started() {
  local i
  for ((i = 0; i < ${#pids[@]}; i++)); do
    [[ ${pids[i]} == "$1" ]] && { same_process "$1" "${starts[i]}"; return; }
  done
  return 1
}

# signal_started SIGNAL PID START: sends SIGNAL to the process group of PID, a process this script
# started at START; or, when there is no such group yet, to that process itself. A process just
# started (a Ctrl-C as it starts: launch notes it, then the script stops at once) may not have
# made its own group yet: it would make it and run on once the script had tried that group and
# passed it by.
signal_started() {
  kill "$1" -- "-$2" 2>/dev/null || { same_process "$2" "$3" && kill "$1" "$2" 2>/dev/null; }
}

# stop_started I: stops the I-th process started (its process group), killing it after 20 s
stop_started() {
  local i=$1 deadline
  # a process that ended by itself may have given its pid, and so its group's id, to another
  # (only once nothing is left of its group, whose rest is stopped too)
  group_is_live "${pids[i]}" "${starts[i]}" || return 0
  signal_started -TERM "${pids[i]}" "${starts[i]}" || return 0
  deadline=$((SECONDS + 20))
  while signal_started -0 "${pids[i]}" "${starts[i]}" && ((SECONDS < deadline)); do sleep 0.2; done
  if signal_started -0 "${pids[i]}" "${starts[i]}"; then
    echo "demo.sh: ${names[i]} did not stop within 20 s; killing it" 2>/dev/null
    signal_started -KILL "${pids[i]}" "${starts[i]}" || true
  fi
}

stop_all() {
  ((stopping)) && return
  stopping=1
  # What it says may have nowhere to go (the terminal closed, or the Ctrl-C that stops it also
  # ended `| tee`): a write that fails then must neither kill it (SIGPIPE) nor end it (set -e)
  # before everything is stopped.
  trap '' INT TERM HUP PIPE
  set +e
  ((${#pids[@]})) || { remove_copies "$LOG_DIR"; return 0; }
  echo 2>/dev/null
  local i order=()
  for ((i = ${#names[@]} - 1; i >= 0; i--)); do order+=("${names[i]}"); done
  echo "demo.sh: stopping ${order[*]} ..." 2>/dev/null
  # Most dependent first, one after the other: the services (the load generator has already
  # ended), then the control plane while etcd still answers, etcd last.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do stop_started "$i"; done
  wait 2>/dev/null || true
  writers_done # the logs hold all that the processes wrote
  rm -rf "$LOG_DIR/etcd-data" "$LOG_DIR/tomcat" "$LOG_DIR/tmp"
  remove_copies "$LOG_DIR"
  echo "demo.sh: everything stopped; logs in $LOG_DIR" 2>/dev/null
}
noting=0    # set while a process just started is not yet noted (launch)
signalled="" # the exit status of a Ctrl-C, SIGTERM or SIGHUP that came meanwhile
# on_signal STATUS: exits with STATUS, or once the process being started is noted
on_signal() {
  if ((noting)); then signalled=$1; else exit "$1"; fi
}
trap stop_all EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM
trap 'on_signal 129' HUP

# --- the jars it runs ------------------------------------------------------------------------
# The JVMs run copies in this run's directory, never */target/*.jar: `mvn package` rewrites those,
# and a JVM whose jar changes under it fails at its next class load (or crashes). Hard links would
# cost nothing but are not copies: Ant's zip, which writes the agent jar, rewrites it in place.
if [[ -n $COPIES_HOME ]] && mkdir -p "$COPIES_HOME" 2>/dev/null &&
  copies=$(mktemp -d "$COPIES_HOME/sluice-demo.XXXXXX" 2>/dev/null); then
  [[ $LOG_DIR == /* ]] && run_dir=$LOG_DIR || run_dir=$PWD/$LOG_DIR
  printf '%s\n%s\n' "$run_dir" "$this_host" >"$copies/run"
  ln -s "$copies" "$LOG_DIR/jars"
fi
mkdir -p "$LOG_DIR/jars/agent"
# manifest_attribute JAR NAME: prints the value of NAME in the main section of JAR's manifest;
# fails (1) when JAR has no such attribute, (2) when jar cannot read it (a truncated zip)
manifest_attribute() {
  local jar=$1 dir
  [[ $jar == /* ]] || jar=$PWD/$jar
  dir=$(mktemp -d "$LOG_DIR/manifest.XXXXXX") || die "could not create a temporary directory in $LOG_DIR (disk full?)"
  if ! (cd "$dir" && "${jar_tool[@]}" xf "$jar" META-INF/MANIFEST.MF) >/dev/null 2>&1; then
    rm -rf "$dir"
    return 2
  fi
  # lines end in CRLF, and a line longer than 72 bytes goes on in the next, after one space
  awk -v name="$2" '
    function check() {
      if (tolower(substr(line, 1, length(name) + 2)) == tolower(name) ": ") {
        print substr(line, length(name) + 3)
        found = 1
      }
    }
    { sub(/\r$/, "") }
    /^ / { line = line substr($0, 2); next }
    { check(); line = $0 }
    /^$/ { exit }
    END { check(); exit !found }' "$dir/META-INF/MANIFEST.MF" 2>/dev/null || { rm -rf "$dir"; return 1; }
  rm -rf "$dir"
}
# run_copy VAR ATTRIBUTE [DIR]: copies the jar that VAR names into <log dir>/jars[/DIR], under its
# own name, checks that the copy is the finished jar, whose manifest has ATTRIBUTE, and points VAR
# at the copy
run_copy() {
  local copy=$LOG_DIR/jars/${3:+$3/}${!1##*/}
  cp "${!1}" "$copy" || die "could not copy ${!1} to $copy"
  # copied while a build wrote it (mvn package writes jars in place): a torn copy, which the JVM
  # would refuse at start as a corrupt jar file, naming only the copy
  cmp -s "${!1}" "$copy" ||
    die "${!1} changed while it was copied: is a build writing it? Run ./demo.sh again once the build is done"
  # A whole copy of a jar the build has not finished: jar:jar writes a thin jar (no dependencies,
  # no Main-Class) where the shade or Spring Boot repackage step then puts the runnable one, and a
  # jar being written has no zip directory at its end yet. The JVM would fail with "no main
  # manifest attribute", a ClassNotFoundException or "Invalid or corrupt jarfile".
  local status=0 why
  manifest_attribute "$copy" "$2" >/dev/null || status=$?
  if ((status)); then
    ((status == 2)) && why="jar cannot read it" || why="its manifest has no $2"
    die "${!1} is not a finished jar ($why): the jar is being built (mvn still running?) —" \
      "wait for the build and run ./demo.sh again"
  fi
  printf -v "$1" '%s' "$copy"
}
# jar_has_entry JAR ENTRY: whether JAR holds the file ENTRY
jar_has_entry() {
  local jar=$1 dir found=1
  [[ $jar == /* ]] || jar=$PWD/$jar
  dir=$(mktemp -d "$LOG_DIR/entry.XXXXXX") || die "could not create a temporary directory in $LOG_DIR (disk full?)"
  (cd "$dir" && "${jar_tool[@]}" xf "$jar" "$2") >/dev/null 2>&1 && [[ -f $dir/$2 ]] && found=0
  rm -rf "$dir"
  return "$found"
}
run_copy DEMO_JAR Main-Class
if ((agent)); then
  agent_jar=$AGENT_JAR
  run_copy AGENT_JAR Premain-Class agent # its own directory: SLUICE_AGENT_JAR may have any name
  # The build embeds Sluice's extension in the upstream agent (javaagent-extension/pom.xml, at
  # extensions/sluice-extension.jar); without it the agent would trace but apply no rule, run no
  # breaker and never report to the control plane, and --check would fail only 20 s later.
  extension=extensions/sluice-extension.jar
  if ! jar_has_entry "$AGENT_JAR" "$extension"; then
    if [[ -n ${SLUICE_AGENT_JAR:-} ]]; then
      die "SLUICE_AGENT_JAR '$agent_jar' has no $extension in it: it is not the Sluice agent." \
        "Build that with mvn -B -q -DskipTests package -pl javaagent-extension -am" \
        "(javaagent-extension/target/sluice-javaagent.jar), or unset SLUICE_AGENT_JAR"
    fi
    die "$agent_jar has no $extension in it: it is not the finished Sluice agent (a build" \
      "stopped before embedding the extension?). Rebuild it: mvn -B -q -DskipTests package -pl javaagent-extension -am"
  fi
  run_copy CONTROL_PLANE_JAR Start-Class # Spring Boot's; the thin jar has no Main-Class either
fi

# Java ignores $TMPDIR: each JVM's temporary files (Vert.x's vertx-cache-*, the control plane's
# tomcat-docbase.*, the agent's extracted extension, ~19 MB per JVM) went to /tmp, and a JVM killed
# outright left them there. They go to the run's own directory instead, deleted when it stops.
mkdir -p "$LOG_DIR/tmp" || die "could not create a temporary directory in $LOG_DIR (disk full?)"
java_tmp=("-Djava.io.tmpdir=$LOG_DIR/tmp")
read -r -a java_options <<<"${SLUICE_DEMO_JAVA_OPTIONS:-}"
java_tmp+=(${java_options[@]+"${java_options[@]}"})

# --- ports -----------------------------------------------------------------------------------
taken=" "
# in_use PORT: whether something accepts connections on 127.0.0.1:PORT now
in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port_free() { ! in_use "$1" && [[ $taken != *" $1 "* ]]; }
# pick_port VAR PREFERRED: sets VAR to PREFERRED when free, else to a free port in 20000-60999.
pick_port() {
  local port=$2 tries=0
  until port_free "$port"; do
    port=$((20000 + (RANDOM * 32768 + RANDOM) % 41000))
    ((++tries < 200)) || die "no free port found on 127.0.0.1"
  done
  taken+="$port "
  printf -v "$1" '%s' "$port"
}

# Between pick_port's check and a process's bind another program can take a port: above all a
# second demo.sh started at the same moment, which finds the same preferred ports free. The process
# that loses then dies (it cannot listen), while its health check may well be answered by the
# winner. So a process is ready only once it answers and listens on its ports itself; one that
# dies while another program holds its port (or saying a port was already in use) is started
# again on a free port (bring_up).

# listens_on PID PORT: whether process PID has a socket listening on PORT. From /proc (Linux),
# else lsof (macOS); true when neither can tell, as the health check alone said before.
listens_on() {
  local hex inode inodes fds
  if [[ -r /proc/net/tcp ]]; then
    printf -v hex '%04X' "$2"
    # listening (0A) sockets on that port, IPv4 or IPv6 (a JVM listens on 127.0.0.1 in tcp6)
    inodes=$(awk -v port=":$hex" '$4 == "0A" && substr($2, length($2) - 4) == port { print $10 }' \
      /proc/net/tcp /proc/net/tcp6 2>/dev/null || true)
    [[ -n $inodes ]] || return 1
    # (its open files unreadable: it is gone, or it cannot be told)
    fds=$(ls -l "/proc/$1/fd" 2>/dev/null) || { [[ -e /proc/$1/stat ]]; return; }
    for inode in $inodes; do
      [[ $fds != *"socket:[$inode]"* ]] || return 0
    done
    return 1
  elif command -v lsof >/dev/null; then
    lsof -nP -a -p "$1" -iTCP:"$2" -sTCP:LISTEN >/dev/null 2>&1
  else
    return 0
  fi
}
# What the demo runs on ports, by name: port_vars NAME prints its port variables, launch_named NAME
# starts it on them, answers NAME succeeds once it answers on them.
port_vars() {
  case $1 in
    etcd) echo etcd_port etcd_peer_port ;;
    control-plane) echo control_plane_port ;;
    *) echo "$1_port" ;;
  esac
}
launch_named() {
  case $1 in
    etcd)
      etcd_url="http://127.0.0.1:$etcd_port"
      echo "demo.sh: starting etcd on $etcd_url"
      rm -rf "$LOG_DIR/etcd-data" # an attempt that could not listen leaves nothing to keep
      start etcd etcd --name sluice-demo --data-dir "$LOG_DIR/etcd-data" \
        --listen-client-urls "$etcd_url" --advertise-client-urls "$etcd_url" \
        --listen-peer-urls "http://127.0.0.1:$etcd_peer_port" \
        --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer_port" \
        --initial-cluster "sluice-demo=http://127.0.0.1:$etcd_peer_port" \
        --auto-compaction-mode=periodic --auto-compaction-retention=1h
      ;;
    control-plane)
      control_plane_url="http://127.0.0.1:$control_plane_port"
      echo "demo.sh: starting the control plane on $control_plane_url"
      # the token in the environment, not in the command line, so other users do not see it in ps
      export SPRING_APPLICATION_JSON="{\"sluice\":{\"security\":{\"tokens\":{\"demo\":{\"token\":\"$token\",\"role\":\"admin\"}}}}}"
      start control-plane java "${java_tmp[@]}" -jar "$CONTROL_PLANE_JAR" \
        --server.address=127.0.0.1 --server.port="$control_plane_port" \
        --server.tomcat.basedir="$LOG_DIR/tomcat" \
        --sluice.etcd.endpoints="$etcd_url"
      unset SPRING_APPLICATION_JSON
      ;;
    payments | inventory)
      # (paths with spaces stay one option each: the options are an array)
      agent_options "$1"
      local port_var="$1_port"
      start "$1" java ${jvm_opts[@]+"${jvm_opts[@]}"} -jar "$DEMO_JAR" "$1" \
        --port "${!port_var}" --shutdown-grace 2s
      ;;
    orders)
      agent_options orders
      start orders java ${jvm_opts[@]+"${jvm_opts[@]}"} -jar "$DEMO_JAR" orders --port "$orders_port" \
        --payments-url "http://127.0.0.1:$payments_port" \
        --inventory-url "http://127.0.0.1:$inventory_port" --timeout 5s --shutdown-grace 2s
      ;;
    gateway)
      # the gateway waits longer than orders' two calls, so orders' pending answer arrives in time
      agent_options gateway
      start gateway java ${jvm_opts[@]+"${jvm_opts[@]}"} -jar "$DEMO_JAR" gateway --port "$gateway_port" \
        --orders-url "http://127.0.0.1:$orders_port" --timeout 12s --shutdown-grace 2s
      ;;
  esac
}
# answers NAME: whether NAME answers its health check now (each check waits 5 s at most, so that a
# process that accepts connections but never answers cannot hold a wait past its deadline)
answers() {
  case $1 in
    etcd) curl -sf -m 5 "$etcd_url/health" ;;
    control-plane)
      [[ $(curl -s -m 5 -o /dev/null -w '%{http_code}' -H "@$auth_header" \
        "$control_plane_url/api/v1/services") == 200 ]]
      ;;
    *)
      local port_var="$1_port"
      curl -sf -m 5 "http://127.0.0.1:${!port_var}/health"
      ;;
  esac
}
# listens NAME PID: whether PID, started as NAME, listens on all of NAME's ports
listens() {
  local var
  for var in $(port_vars "$1"); do listens_on "$2" "${!var}" || return 1; done
}

# await_ready NAME PID SECONDS LOG_START: waits until NAME, started as PID, answers on its ports and
# listens on them itself. When PID dies because another program took one of its ports (one that
# accepts connections now, or its log since byte LOG_START says a port was already in use), sets
# lost_ports to those port variables (all of NAME's when none accepts) and fails; when it dies
# otherwise, or is not ready in time, prints the end of its log and exits.
await_ready() {
  local what=$1 pid=$2 limit=$3 from=$4 var
  local deadline=$((SECONDS + limit))
  until answers "$what" >/dev/null 2>&1 && listens "$what" "$pid"; do
    if ! is_started "$pid"; then
      writers_done "$LOG_DIR/$what.log"
      lost_ports=()
      for var in $(port_vars "$what"); do
        ! in_use "${!var}" || lost_ports+=("$var")
      done
      # (Vert.x, etcd and Spring Boot all say "already in use")
      if ((${#lost_ports[@]} == 0)) &&
        [[ $(tail -c +"$((from + 1))" "$LOG_DIR/$what.log" 2>/dev/null) == *"already in use"* ]]; then
        read -r -a lost_ports <<<"$(port_vars "$what")"
      fi
      ((${#lost_ports[@]} == 0)) || return 1
      echo "demo.sh: $what exited; the end of its log ($LOG_DIR/$what.log):" >&2
      tail -n 30 "$LOG_DIR/$what.log" >&2 || true
      exit 1
    fi
    if ((SECONDS >= deadline)); then
      echo "demo.sh: $what not ready after $limit s; the end of its log:" >&2
      tail -n 30 "$LOG_DIR/$what.log" >&2 || true
      exit 1
    fi
    sleep 0.3
  done
}

# forget_from I: drops the I-th process started and all started after it (stopped or dead) from
# the bookkeeping and from <log dir>/pids, which names only what runs
forget_from() {
  names=("${names[@]:0:$1}")
  pids=("${pids[@]:0:$1}")
  starts=("${starts[@]:0:$1}")
  head -n "$1" "$LOG_DIR/pids" >"$LOG_DIR/pids.new" 2>/dev/null || true
  mv -f "$LOG_DIR/pids.new" "$LOG_DIR/pids"
}

# and_list WORD...: "a", "a and b", "a, b and c"
and_list() {
  local out=$1
  shift
  while (($# > 1)); do out+=", $1"; shift; done
  (($#)) && out+=" and $1"
  echo "$out"
}
# bring_up SECONDS NAME...: starts the NAMEs in this order (each after those it calls) and waits up
# to SECONDS for each to be ready (await_ready). When some lost a port to another program, the
# first of them and all started after it (which may have been given its port) are stopped, each
# lost port is replaced by a free one, and they start again; after 5 tries demo.sh stops, naming
# the port.
bring_up() {
  local limit=$1 try=1 first i entry name var old retry
  shift
  local todo=("$@") log_start lost
  while :; do
    first=${#pids[@]}
    log_start=()
    for name in "${todo[@]}"; do
      log_start+=("$( { wc -c <"$LOG_DIR/$name.log"; } 2>/dev/null || echo 0)")
      launch_named "$name"
    done
    retry=-1
    lost=()
    for ((i = 0; i < ${#todo[@]}; i++)); do
      await_ready "${todo[i]}" "${pids[first + i]}" "$limit" "${log_start[i]}" && continue
      ((retry >= 0)) || retry=$i
      for var in "${lost_ports[@]}"; do lost+=("${todo[i]} $var"); done
    done
    ((retry >= 0)) || return 0
    # most dependent first, as stop_all does
    for ((i = ${#pids[@]} - 1; i >= first + retry; i--)); do stop_started "$i"; done
    forget_from $((first + retry))
    for entry in "${lost[@]}"; do
      name=${entry% *} var=${entry#* }
      old=${!var}
      ((try < 5)) || die "$name could not listen on port $old on 127.0.0.1: another program took" \
        "it after demo.sh had found it free, for the ${try}th time in a row (many programs" \
        "starting?); run ./demo.sh again once they are up"
      pick_port "$var" "$old" # among those taken already: a free port in 20000-60999
      echo "demo.sh: $name could not listen on port $old: another program took it after demo.sh" \
        "had found it free (another demo.sh starting at the same time?); port ${!var} instead"
    done
    todo=("${todo[@]:retry}")
    echo "demo.sh: starting $(and_list "${todo[@]}") again"
    try=$((try + 1))
  done
}

pick_port gateway_port 8080
pick_port orders_port 8081
pick_port payments_port 8082
pick_port inventory_port 8083

# --- etcd and the control plane --------------------------------------------------------------
agent_options=()
if ((agent)); then
  pick_port etcd_port 2379
  pick_port etcd_peer_port 2380
  pick_port control_plane_port 8090

  # etcd 3.4 refuses to start on arm64 unless told to (it names the architecture as Go does)
  case $(uname -m) in aarch64 | arm64) export ETCD_UNSUPPORTED_ARCH=arm64 ;; esac
  bring_up 30 etcd

  # The demo's own admin token, configured rather than scraped from the log (it is the documented
  # way: sluice.security.tokens.<name>.token / .role), passed in the environment (launch_named).
  token=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
  # curl reads the header from a file only this user can read: on its command line, any local user
  # would see the token in ps while the readiness check polls
  auth_header="$LOG_DIR/auth-header"
  (umask 077 && printf 'Authorization: Bearer %s\n' "$token" >"$auth_header") ||
    die "could not write $auth_header (disk full?)"
  bring_up "${SLUICE_DEMO_READY_TIMEOUT:-120}" control-plane

  if [[ -n ${OTEL_EXPORTER_OTLP_ENDPOINT:-} ]]; then
    exporter=otlp
    spans="exported with OTLP to $OTEL_EXPORTER_OTLP_ENDPOINT (OTEL_EXPORTER_OTLP_ENDPOINT)"
  else
    exporter=console
    spans="logged by each agent's console exporter into $LOG_DIR/<service>.log (set OTEL_EXPORTER_OTLP_ENDPOINT to export with OTLP)"
  fi
fi

# agent_options SERVICE: sets jvm_opts to the service JVM's options: its temporary directory and
# (unless --no-agent) those that attach the agent
agent_options() {
  jvm_opts=("${java_tmp[@]}")
  ((agent)) || return 0
  jvm_opts+=("-javaagent:$AGENT_JAR" "-Dotel.service.name=$1" "-Dsluice.etcd.endpoints=$etcd_url"
    "-Dsluice.state.dir=$LOG_DIR/state/$1" "-Dotel.traces.exporter=$exporter"
    "-Dotel.metrics.exporter=none" "-Dotel.logs.exporter=none")
}

# --- the services ----------------------------------------------------------------------------
echo "demo.sh: starting payments, inventory, orders and gateway$( ((agent)) && echo ' with the Sluice agent')"
bring_up "${SLUICE_DEMO_READY_TIMEOUT:-180}" payments inventory orders gateway

# A few orders through the whole chain first, so the load generator's first seconds do not
# measure cold JVMs (and a busy machine does not turn them all into timeouts).
for _ in 1 2 3 4 5; do
  curl -s -o /dev/null -m 60 -X POST "http://127.0.0.1:$gateway_port/checkout" \
    -H 'Content-Type: application/json' -d '{"sku": "book-1"}' || true
done

# --- what to do now --------------------------------------------------------------------------
{
  echo
  echo "Sluice demo is running.   logs: $LOG_DIR"
  if ((agent)); then
    echo "  control plane UI  $control_plane_url/"
    echo "  admin token       $token"
    echo "  etcd              $etcd_url"
    echo "  spans             $spans"
  else
    echo "  (--no-agent: no etcd, control plane or agent; plain services)"
  fi
  echo "  gateway           http://127.0.0.1:$gateway_port/checkout"
  echo "  orders            http://127.0.0.1:$orders_port/orders"
  echo "  payments          http://127.0.0.1:$payments_port   (faults: /admin/faults)"
  echo "  inventory         http://127.0.0.1:$inventory_port   (faults: /admin/faults)"
  echo
  echo "Try (in another terminal):"
  if ((agent)); then
    cat <<TRY
  # a breaker for orders' calls to payments
  curl -s -X PUT $control_plane_url/api/v1/services/orders/rules \\
    -H 'Authorization: Bearer $token' -H 'Content-Type: application/json' -d '{
      "schemaVersion": 1, "service": "orders",
      "sampling": {"defaultRatio": 1.0},
      "breakers": [{"name": "payments", "match": {"method": "POST", "path": "/pay/**"},
        "failureRateThreshold": 50, "slidingWindow": {"type": "COUNT", "size": 20},
        "minimumCalls": 10, "waitInOpenState": "10s", "halfOpenCalls": 3,
        "failureStatusCodes": ["5xx"], "onOpen": {"mode": "error"}}]}'
  # make payments fail: the load generator shows pending orders, then the breaker opens
  curl -s -X POST http://127.0.0.1:$payments_port/admin/faults -d '{"errorRate": 0.8}'
  curl -s -H 'Authorization: Bearer $token' '$control_plane_url/api/v1/agents?service=orders'
  # heal payments: the breaker half-opens after 10 s and closes again
  curl -s -X DELETE http://127.0.0.1:$payments_port/admin/faults
TRY
  else
    cat <<TRY
  curl -s -X POST http://127.0.0.1:$gateway_port/checkout -d '{"sku": "book-1", "quantity": 2}'
  curl -s -X POST http://127.0.0.1:$payments_port/admin/faults -d '{"errorRate": 0.8}'
  curl -s -X DELETE http://127.0.0.1:$payments_port/admin/faults
TRY
  fi
  echo
  echo "Load generator: $rate requests/s for $duration. Press Ctrl-C to stop everything."
  echo
} | tee "$LOG_DIR/README.txt"

# --- the load generator ----------------------------------------------------------------------
# In its own process group like the rest, writing to this terminal; the script waits for it.
# Ctrl-C or SIGTERM interrupt the wait; the EXIT trap then stops the load generator first (it
# prints its final table) and everything else after it.
launch loadgen - java "${java_tmp[@]}" -jar "$DEMO_JAR" loadgen --target "http://127.0.0.1:$gateway_port" \
  --rate "$rate" --duration "$duration" --timeout 15s
loadgen_status=0
# Its pid read without a command substitution: a Ctrl-C lost as one ran (see process_start) left
# the script waiting for the whole --duration.
wait "${pids[${#pids[@]} - 1]}" || loadgen_status=$?

if ((check)); then
  failures=()
  ((loadgen_status == 0)) || failures+=("the load generator got no order answered (exit $loadgen_status)")
  if ((agent)); then
    agents=$(curl -s -m 10 -H "@$auth_header" "$control_plane_url/api/v1/agents" || true)
    for service in gateway orders payments inventory; do
      [[ $agents =~ \"service\"[[:space:]]*:[[:space:]]*\"$service\" ]] ||
        failures+=("no agent of $service in GET /api/v1/agents")
    done
  fi
  if ((${#failures[@]})); then
    printf 'demo.sh --check: FAILED\n' >&2
    printf '  - %s\n' "${failures[@]}" >&2
    exit 1
  fi
  echo "demo.sh --check: passed"
fi
exit "$loadgen_status"
}
