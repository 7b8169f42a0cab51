#!/usr/bin/env bash
# End-to-end benchmark of hermes-front against the shared loopback harness (../shared/bench/run.sh).
# Builds the runnable jar, copies the harness to a scratch dir in /tmp (it runs npm install there),
# measures launch-to-accept time, runs the harness with the gateway in WS-relay (--agent-ws) + SSE
# (--api-upstream) mode and in stdio mode (--agent-cmd), then prints issue 8's table beside the anchors.
#
#   bench/run-gateway.sh                       # default subset: direct nginx gateway gateway-stdio (~9 min)
#   REPEATS=1 CONNS="16 256" bench/run-gateway.sh
#   bench/run-gateway.sh direct nginx py gateway gateway-stdio py-stdio
#
# Env: SHARED_BENCH (default ../shared/bench next to this checkout),
#      REPEATS (default 2), CONNS (default "1 16 256 1000"), GW_JAVA_OPTS (default -Xmx256m -Xss256k -XX:+UseSerialGC),
#      BENCH_NODE_MODULES (an existing node_modules to copy instead of npm install), OUT, BENCH_PORT_BASE.
# Only processes this script (or run.sh) started are stopped, by PID. Everything is on 127.0.0.1.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
shared="${SHARED_BENCH:-}"
if [ -z "$shared" ]; then
  for c in "$root/../shared/bench"; do [ -f "$c/run.sh" ] && { shared="$(cd "$c" && pwd)"; break; }; done
fi
[ -n "$shared" ] && [ -f "$shared/run.sh" ] || { echo "run-gateway: set SHARED_BENCH to the shared bench dir" >&2; exit 2; }

echo "run-gateway: building the jar" >&2
(cd "$root" && mvn -q -B -o -DskipTests -pl gateway -am package) >&2
jar="$root/gateway/target/hermes-front.jar"

stamp=$(date +%Y%m%d-%H%M%S)
work="${BENCH_WORK:-/tmp/hf-bench-$stamp}"
mkdir -p "$work"
# Fresh copy of the harness (never written in place): results/ stays behind, node_modules may be reused.
(cd "$shared" && tar --exclude=./results --exclude=./node_modules --exclude=./build -cf - .) | (cd "$work" && tar -xf -)
if [ -n "${BENCH_NODE_MODULES:-}" ] && [ -d "$BENCH_NODE_MODULES/ws" ]; then cp -r "$BENCH_NODE_MODULES" "$work/node_modules"; fi
cp "$here/auth-preload.js" "$work/auth-preload.js"
mkdir -p "$work/hhome"   # empty HERMES_HOME: no .env of the machine's real agent is read

base=${BENCH_PORT_BASE:-27180}
gw_port=$((base + 15)); gws_port=$((base + 16))
token="bench-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
java_opts=${GW_JAVA_OPTS:-"-Xmx256m -Xss256k -XX:+UseSerialGC"}
# One token drives up to 1000 connections and ~100k frames/s: the per-credential limits are raised, and
# parking is off so a closed bench connection releases its agent at once. Both are stated in docs/benchmarks.md.
export HERMES_HOME="$work/hhome"
export HERMES_FRONT_WS_PER_SECOND=100000000 HERMES_FRONT_WS_BURST=100000000
export HERMES_FRONT_REST_PER_SECOND=100000000 HERMES_FRONT_REST_BURST=100000000
export HERMES_FRONT_SPAWN_PER_SECOND=100000 HERMES_FRONT_SPAWN_BURST=100000
export BENCH_FRONT_TOKEN="$token"
export NODE_OPTIONS="--require $work/auth-preload.js"
common="--token $token --park-window 0 --max-agents 8192"

# Launch-to-accept: wall time from exec to the first accepted TCP connection (median of 5), for the plain
# jar and for the jar with the class-data-sharing archive that ./hermes-front records on its first run.
launch() { # extra java options...
  local t0 t1 p
  t0=$(date +%s%N)
  java $java_opts "$@" -jar "$jar" serve --listen "127.0.0.1:$gw_port" $common --agent-cmd /bin/cat >/dev/null 2>&1 &
  p=$!
  for _ in $(seq 1 600); do (exec 3<>/dev/tcp/127.0.0.1/$gw_port) 2>/dev/null && break; sleep 0.005; done
  t1=$(date +%s%N)
  kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null || true
  echo $(( (t1 - t0) / 1000000 ))
}
jsa="$work/hermes-front.jsa"
launch -XX:ArchiveClassesAtExit="$jsa" -Xlog:cds=off -Xlog:cds+dynamic=off >/dev/null   # training run, as ./hermes-front does
startup=(); startup_cds=()
for i in 1 2 3 4 5; do
  startup+=("$(launch)")
  startup_cds+=("$(launch -XX:SharedArchiveFile="$jsa" -Xshare:auto -Xlog:cds=off -Xlog:cds+dynamic=off)")
done
startup_ms=$(printf '%s\n' "${startup[@]}" | sort -n | sed -n 3p)
startup_cds_ms=$(printf '%s\n' "${startup_cds[@]}" | sort -n | sed -n 3p)
echo "run-gateway: launch-to-accept ms: plain jar ${startup[*]} (median $startup_ms); with CDS ${startup_cds[*]} (median $startup_cds_ms)" >&2

export GATEWAY_CMD="java $java_opts -jar $jar serve --listen 127.0.0.1:$gw_port $common \
--agent-ws \$BENCH_BACKEND_WS --dashboard-token bench --api-upstream \$BENCH_BACKEND_HTTP --api-key bench"
export GATEWAY_WS="ws://127.0.0.1:$gw_port/api/ws?token=$token"
export GATEWAY_SSE="http://127.0.0.1:$gw_port/v1/chat/completions"
export GATEWAY_STDIO_CMD="java $java_opts -jar $jar serve --listen 127.0.0.1:$gws_port $common --agent-cmd \$BENCH_STUB_CMD"
export GATEWAY_STDIO_WS="ws://127.0.0.1:$gws_port/api/ws?token=$token"
export REPEATS=${REPEATS:-2}
export CONNS=${CONNS:-"1 16 256 1000"}
export OUT=${OUT:-$work/run}
[ $# -gt 0 ] || set -- direct nginx gateway gateway-stdio
echo "run-gateway: harness copy $work, results $OUT, loadavg $(cut -d' ' -f1-3 /proc/loadavg)" >&2
bash "$work/run.sh" "$@" > "$work/report-full.md"
echo "launch-to-accept ms: plain jar ${startup[*]} median $startup_ms; with CDS archive ${startup_cds[*]} median $startup_cds_ms" >> "$OUT/meta.txt"
python3 "$here/compare.py" "$OUT" --startup-ms "$startup_ms" --startup-cds-ms "$startup_cds_ms" | tee "$OUT/issue8-table.md"
echo "full harness report: $work/report-full.md" >&2
