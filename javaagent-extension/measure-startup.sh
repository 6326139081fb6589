#!/usr/bin/env bash
# Measures JVM start -> first request served for the test app (src/test), four ways:
# no agent, the plain upstream agent, the Sluice agent without etcd, the Sluice agent with etcd.
# Needs `mvn -B -pl javaagent-extension -am verify` (or at least package + test-compile and one IT
# run, whose report holds the app's class path). Usage: ./measure-startup.sh [runs per mode]
set -euo pipefail
cd "$(dirname "$0")"
RUNS=${1:-3}
die() { echo "measure-startup.sh: $*" >&2; exit 1; }
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "runs per mode must be a positive whole number, not '$RUNS'"
for tool in java etcd curl; do
  command -v "$tool" >/dev/null || die "$tool is not on PATH"
done
PLAIN=target/distro/opentelemetry-javaagent.jar
SLUICE=target/sluice-javaagent.jar
# The test app's class path is only written down by a Failsafe run (a system property in its report).
CP=""
for report in target/failsafe-reports/TEST-*.xml; do
  [[ -f $report ]] || continue
  CP=$(grep -o 'name="test.app.classpath" value="[^"]*"' "$report" | head -1 | sed 's/.*value="//; s/"$//' || true)
  [[ -z $CP ]] || break
done
build="mvn -B -pl javaagent-extension -am verify   (from the repository root)"
[[ -f $PLAIN && -f $SLUICE ]] || die "$SLUICE and $PLAIN are not both built yet; run first:
  $build"
[[ -n $CP ]] || die "no integration-test report in target/failsafe-reports with the test app's
class path; it needs one run of the agent's integration tests first:
  $build"
WORK=$(mktemp -d)
ETCD_PORT=$((20000 + RANDOM % 20000))
etcd --name measure --data-dir "$WORK/etcd" --listen-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" --listen-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" \
  --initial-advertise-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" \
  --initial-cluster "measure=http://127.0.0.1:$((ETCD_PORT + 1))" >"$WORK/etcd.log" 2>&1 &
ETCD_PID=$!
trap 'kill $ETCD_PID 2>/dev/null; rm -rf "$WORK"' EXIT
# Milliseconds since the epoch: GNU date has %N, macOS's BSD date has not (perl is there).
if [[ $(date +%N) =~ ^[0-9]+$ ]]; then
  now_ms() { echo $(($(date +%s%N) / 1000000)); }
elif command -v perl >/dev/null; then
  now_ms() { perl -MTime::HiRes=time -e 'printf "%d\n", time() * 1000'; }
else
  die "need GNU date (with %N) or perl to read the time in milliseconds"
fi
# The JVMs' temporary files (the agent's extracted extension) go to $WORK, removed on exit, not /tmp.
mkdir -p "$WORK/tmp"
COMMON=(-Djava.io.tmpdir="$WORK/tmp" -Dotel.service.name=startup -Dotel.traces.exporter=none -Dotel.metrics.exporter=none -Dotel.logs.exporter=none)

measure() { # mode args...
  local mode=$1; shift
  local log="$WORK/app.log" start end port deadline=$((SECONDS + 120))
  start=$(now_ms)
  java "$@" -cp "$CP" io.sluice.javaagent.testapp.TestApp >"$log" 2>&1 &
  local pid=$!
  port=""
  until [[ -n $port ]] && curl -sf "http://127.0.0.1:$port/health" >/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "measure-startup.sh: the test app ($mode) exited before serving; the end of its log:" >&2
      tail -n 30 "$log" >&2
      exit 1
    fi
    if ((SECONDS >= deadline)); then
      echo "measure-startup.sh: the test app ($mode) did not serve within 120 s; the end of its log:" >&2
      tail -n 30 "$log" >&2
      kill "$pid" 2>/dev/null || true
      exit 1
    fi
    [[ -n $port ]] || port=$(grep -o 'TEST-APP-READY port=[0-9]*' "$log" | cut -d= -f2 || true)
    sleep 0.01
  done
  end=$(now_ms)
  kill $pid; wait $pid 2>/dev/null || true
  echo "$mode $((end - start))"
}

for i in $(seq "$RUNS"); do
  measure no-agent
  measure plain-agent -javaagent:$PLAIN "${COMMON[@]}"
  measure sluice-no-etcd -javaagent:$SLUICE "${COMMON[@]}"
  measure sluice-etcd -javaagent:$SLUICE "${COMMON[@]}" -Dsluice.etcd.endpoints=http://127.0.0.1:$ETCD_PORT \
    -Dsluice.state.dir="$WORK/state"
done | awk '{ t[$1] = t[$1] " " $2; print } END { print "--- ms, JVM start -> first request served:"; for (m in t) print m ":" t[m] }'
sizes="sizes:"
for jar in target/sluice-extension.jar target/sluice-javaagent.jar "$PLAIN"; do
  sizes="$sizes $jar $(wc -c <"$jar" | tr -d ' ')"
done
echo "$sizes"
