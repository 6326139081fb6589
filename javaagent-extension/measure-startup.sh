#!/usr/bin/env bash
# Measures JVM start -> first request served for the test app (src/test), four ways:
# no agent, the plain upstream agent, the Sluice agent without etcd, the Sluice agent with etcd.
# Needs `mvn -B -pl javaagent-extension -am verify` (or at least package + test-compile and one IT
# run, whose report holds the app's class path). Usage: ./measure-startup.sh [runs per mode]
set -euo pipefail
cd "$(dirname "$0")"
RUNS=${1:-3}
CP=$(grep -o 'name="test.app.classpath" value="[^"]*"' target/failsafe-reports/TEST-*.xml | head -1 \
  | sed 's/.*value="//; s/"$//')
PLAIN=target/distro/opentelemetry-javaagent.jar
SLUICE=target/sluice-javaagent.jar
WORK=$(mktemp -d)
ETCD_PORT=$((20000 + RANDOM % 20000))
etcd --name measure --data-dir "$WORK/etcd" --listen-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" --listen-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" \
  --initial-advertise-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" \
  --initial-cluster "measure=http://127.0.0.1:$((ETCD_PORT + 1))" >"$WORK/etcd.log" 2>&1 &
ETCD_PID=$!
trap 'kill $ETCD_PID 2>/dev/null; rm -rf "$WORK"' EXIT
COMMON=(-Dotel.service.name=startup -Dotel.traces.exporter=none -Dotel.metrics.exporter=none -Dotel.logs.exporter=none)

measure() { # mode args...
  local mode=$1; shift
  local log="$WORK/app.log" start end port
  start=$(date +%s%N)
  java "$@" -cp "$CP" io.sluice.javaagent.testapp.TestApp >"$log" 2>&1 &
  local pid=$!
  port=""
  while [ -z "$port" ]; do port=$(grep -o 'TEST-APP-READY port=[0-9]*' "$log" | cut -d= -f2 || true); sleep 0.01; done
  until curl -sf "http://127.0.0.1:$port/health" >/dev/null; do sleep 0.01; done
  end=$(date +%s%N)
  kill $pid; wait $pid 2>/dev/null || true
  echo "$mode $(( (end - start) / 1000000 ))"
}

for i in $(seq "$RUNS"); do
  measure no-agent
  measure plain-agent -javaagent:$PLAIN "${COMMON[@]}"
  measure sluice-no-etcd -javaagent:$SLUICE "${COMMON[@]}"
  measure sluice-etcd -javaagent:$SLUICE "${COMMON[@]}" -Dsluice.etcd.endpoints=http://127.0.0.1:$ETCD_PORT \
    -Dsluice.state.dir="$WORK/state"
done | awk '{ t[$1] = t[$1] " " $2; print } END { print "--- ms, JVM start -> first request served:"; for (m in t) print m ":" t[m] }'
echo "sizes: $(stat -c '%n %s' target/sluice-extension.jar target/sluice-javaagent.jar $PLAIN | tr '\n' ' ')"
