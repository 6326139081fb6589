#!/usr/bin/env bash
# What the agent costs a tiny app whose main sleeps STAY ms and returns: milliseconds from the JVM's
# start to main, CPU seconds of the whole JVM (user + sys, /usr/bin/time), milliseconds from the end
# of main to the exit. Three ways: the plain upstream agent, the Sluice agent with a rules file, and
# the Sluice agent with a local etcd it starts itself (whether its status key is in etcd a second
# before main ends is shown: 1 when the agent's start was done by then). Medians over RUNS runs per mode, the modes interleaved.
# Needs `mvn -B -q package -pl javaagent-extension,benchmarks -am -DskipTests` from the root.
# Usage: ./measure-agent-cpu.sh [runs per mode] [stay ms] [sluice agent jar]
set -euo pipefail
cd "$(dirname "$0")"
RUNS=${1:-5}
STAY=${2:-10000}
SLUICE=${3:-target/sluice-javaagent.jar}
PLAIN=../benchmarks/target/agents/opentelemetry-javaagent.jar
die() { echo "measure-agent-cpu.sh: $*" >&2; exit 1; }
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "runs per mode must be a positive whole number, not '$RUNS'"
[[ $STAY =~ ^[0-9]+$ ]] || die "stay must be a whole number of milliseconds, not '$STAY'"
for tool in java javac etcd curl; do
  command -v "$tool" >/dev/null || die "$tool is not on PATH"
done
[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing (Debian: apt-get install time)"
[[ -f $PLAIN && -f $SLUICE ]] || die "$SLUICE and $PLAIN are not both built yet; run from the root:
  mvn -B -q package -pl javaagent-extension,benchmarks -am -DskipTests"
WORK=$(mktemp -d)
PORT=$((20000 + RANDOM % 20000))
etcd --name measure --data-dir "$WORK/etcd" --listen-client-urls "http://127.0.0.1:$PORT" \
  --advertise-client-urls "http://127.0.0.1:$PORT" --listen-peer-urls "http://127.0.0.1:$((PORT + 1))" \
  --initial-advertise-peer-urls "http://127.0.0.1:$((PORT + 1))" \
  --initial-cluster "measure=http://127.0.0.1:$((PORT + 1))" >"$WORK/etcd.log" 2>&1 &
ETCD_PID=$!
trap 'kill $ETCD_PID 2>/dev/null; wait $ETCD_PID 2>/dev/null; rm -rf "$WORK"' EXIT
mkdir "$WORK/app"
cat >"$WORK/app/Tiny.java" <<'JAVA'
public class Tiny {
  public static void main(String[] args) throws Exception {
    System.out.println("MAIN-AT " + System.currentTimeMillis());
    long stay = Long.parseLong(args[0]);
    Thread.sleep(Math.max(0, stay - 1000));
    System.out.println("MAIN-CHECK"); // the script looks for the status key now
    Thread.sleep(Math.min(stay, 1000));
    System.out.println("MAIN-END " + System.currentTimeMillis());
  }
}
JAVA
javac -d "$WORK/app" "$WORK/app/Tiny.java"
sed 's/"service": *"[^"]*"/"service": "tiny"/' ../sampler-rules/src/main/resources/examples/orders.json >"$WORK/rules.json"
b64() { base64 | tr -d '\n'; }
for _ in $(seq 100); do
  curl -sf -X POST "http://127.0.0.1:$PORT/v3/kv/put" \
    -d "{\"key\":\"$(printf /sluice/v1/rules/tiny | b64)\",\"value\":\"$(b64 <"$WORK/rules.json")\"}" >/dev/null && break
  sleep 0.1
done
agents() {
  curl -s -X POST "http://127.0.0.1:$PORT/v3/kv/range" -d "{\"key\":\"$(printf /sluice/v1/agents/ | b64)\",\"range_end\":\"$(printf /sluice/v1/agents0 | b64)\",\"count_only\":true}" |
    grep -o '"count":"[0-9]*"' | grep -o '[0-9]*' || echo 0
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# The JVMs' temporary files (the agent's extracted extension) go to $WORK, removed on exit, not /tmp.
mkdir -p "$WORK/tmp"
COMMON=(-Djava.io.tmpdir="$WORK/tmp" -Dotel.service.name=tiny -Dotel.traces.exporter=none -Dotel.metrics.exporter=none -Dotel.logs.exporter=none)
run() { # mode java-args...
  local mode=$1 start end main_at main_end user sys status=-
  shift
  start=$(now_ms)
  /usr/bin/time -f "%U %S" -o "$WORK/time" java "$@" -cp "$WORK/app" Tiny "$STAY" >"$WORK/out" 2>&1 &
  local pid=$!
  if [[ $mode == etcd ]]; then
    until grep -q MAIN-CHECK "$WORK/out" || ! kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
    status=$(agents)
  fi
  wait "$pid" || die "the app ($mode) failed: $(tail -n 20 "$WORK/out")"
  end=$(now_ms)
  main_at=$(grep -o 'MAIN-AT [0-9]*' "$WORK/out" | cut -d' ' -f2)
  main_end=$(grep -o 'MAIN-END [0-9]*' "$WORK/out" | cut -d' ' -f2)
  read -r user sys <"$WORK/time"
  echo "$mode $((main_at - start)) $(echo "$user + $sys" | bc) $((end - main_end)) $status"
}
for i in $(seq "$RUNS"); do
  run plain -javaagent:"$PLAIN" "${COMMON[@]}"
  run file -javaagent:"$SLUICE" "${COMMON[@]}" -Dsluice.rules.file="$WORK/rules.json" -Dsluice.state.dir="$WORK/state-file"
  run etcd -javaagent:"$SLUICE" "${COMMON[@]}" -Dsluice.etcd.endpoints="http://127.0.0.1:$PORT" -Dsluice.state.dir="$WORK/state-etcd"
done | tee "$WORK/runs" | awk '{ printf "%-5s start->main %5d ms  cpu %5.2f s  main->exit %5d ms  status keys %s\n", $1, $2, $3, $4, $5 }'
echo "--- medians over $RUNS runs (stay $STAY ms; load average $(cut -d' ' -f1-3 /proc/loadavg)):"
for mode in plain file etcd; do
  awk -v m="$mode" '$1 == m' "$WORK/runs" | sort -n -k2 | awk '{ a[NR] = $2 } END { printf "%s", a[int((NR + 1) / 2)] }' >"$WORK/m1"
  awk -v m="$mode" '$1 == m' "$WORK/runs" | sort -n -k3 | awk '{ a[NR] = $3 } END { printf "%s", a[int((NR + 1) / 2)] }' >"$WORK/m2"
  awk -v m="$mode" '$1 == m' "$WORK/runs" | sort -n -k4 | awk '{ a[NR] = $4 } END { printf "%s", a[int((NR + 1) / 2)] }' >"$WORK/m3"
  printf '%-5s start->main %5s ms  cpu %5s s  main->exit %5s ms\n' "$mode" "$(cat "$WORK/m1")" "$(cat "$WORK/m2")" "$(cat "$WORK/m3")"
done
