#!/usr/bin/env bash
# End-to-end benchmark of hermes-front against the shared loopback harness (../shared/bench/run.sh).
# Builds the runnable jar, copies the harness to a scratch dir in /tmp (it runs npm install there),
# installs nginx from Debian's packages when it is missing (as root), measures launch-to-accept time
# (./hermes-front with its class-data-sharing archive, and the plain jar), runs the harness with the gateway
# in WS-relay (--agent-ws) + SSE (--api-upstream) mode and in stdio mode (--agent-cmd), nginx beside it and,
# with BASE_JAR, an earlier build too, all in the same run, then prints issue 14's table (bench/compare.py).
# The gateways run as users run them: through ./hermes-front, with its JVM defaults (dist/config/jvm.options).
#
#   bench/run-gateway.sh                       # direct nginx gateway gateway-stdio, REPEATS=2 (~10 min)
#   BASE_JAR=/tmp/perf-base/gateway/target/hermes-front.jar bench/run-gateway.sh   # + the first round's build
#   REPEATS=1 CONNS="16 256" bench/run-gateway.sh
#
# Env: SHARED_BENCH (default ../shared/bench next to this checkout), REPEATS (default 2),
#      CONNS (default "1 16 256 1000"), GW_JAVA_OPTS (extra JVM options for our gateways, as HERMES_FRONT_JAVA_OPTS:
#      they come after the launcher's defaults and win), BASE_JAR (an earlier hermes-front.jar, run as plain
#      java -jar), BASE_JAVA_OPTS (JVM options for BASE_JAR, e.g. the dist/config/jvm.options its own launcher used),
#      BASE_LABEL (its column's title, default "first round"),
#      BENCH_NODE_MODULES (an existing node_modules to copy instead of npm install),
#      NO_NGINX_INSTALL=1, OUT, BENCH_PORT_BASE.
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
# jansi.noreset / style.color=never: no raw ANSI resets or colour in the build's output (as ./hermes-front).
(cd "$root" && MAVEN_OPTS="${MAVEN_OPTS:-} -Djansi.noreset=true" \
  ./mvn-jdk -q -B -o -Dstyle.color=never -DskipTests -pl gateway -am package) >&2
jar="$root/gateway/target/hermes-front.jar"
launcher="$root/hermes-front"
# Our plain jar runs on the JDK the launcher uses (Java 25+, dist/bin/find-java.sh); BASE_JAR on the default java.
. "$root/dist/bin/find-java.sh"
hf_find_java || exit 2

# nginx in every table: Debian's nginx-light (the anchor RESULTS.md used), installed when missing.
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ] && [ "${NO_NGINX_INSTALL:-0}" != 1 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "run-gateway: installing nginx-light (Debian package) for the nginx column" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light) >&2 \
      || echo "run-gateway: nginx install failed; the nginx column stays empty" >&2
  else
    echo "run-gateway: nginx is missing and this is not root with apt-get: the nginx column stays empty" >&2
  fi
fi

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
export HERMES_FRONT_JAVA_OPTS="${GW_JAVA_OPTS:-}"
# One token drives up to 1000 connections and ~100k frames/s: the per-credential limits are raised, and
# parking is off so a closed bench connection releases its agent at once. Both are stated in docs/benchmarks.md.
export HERMES_HOME="$work/hhome"
export HERMES_FRONT_WS_PER_SECOND=100000000 HERMES_FRONT_WS_BURST=100000000
export HERMES_FRONT_REST_PER_SECOND=100000000 HERMES_FRONT_REST_BURST=100000000
export HERMES_FRONT_SPAWN_PER_SECOND=100000 HERMES_FRONT_SPAWN_BURST=100000
# The two caps lifted below by flags for ours, also as environment: a BASE_JAR that has them reads these (one from
# before them ignores them); without, its storm connections past 4 agents per credential were refusals, cheap cycles.
export HERMES_FRONT_AGENTS_PER_CREDENTIAL=0 HERMES_FRONT_CONNECTIONS_PER_ADDRESS=65536
export BENCH_FRONT_TOKEN="$token"
export NODE_OPTIONS="--require $work/auth-preload.js"
common="--token $token --park-window 0 --max-agents 8192"
# Ours only (the base jar does not know them): every client of the harness comes from 127.0.0.1 with one token, so
# lift the per-address connection cap and the small per-credential agent cap (the spawn rate is lifted above).
ours="--connections-per-address 65536 --agents-per-credential 0"

# Launch-to-accept: wall time from exec to the first accepted TCP connection (median of 5), for ./hermes-front
# (its JVM defaults and the class-data-sharing archive it records on its first run) and for the plain jar.
launch() { # command...
  local t0 t1 p
  t0=$(date +%s%N)
  "$@" serve --listen "127.0.0.1:$gw_port" $common --agent-cmd /bin/cat >/dev/null 2>&1 &
  p=$!
  for _ in $(seq 1 600); do (exec 3<>/dev/tcp/127.0.0.1/$gw_port) 2>/dev/null && break; sleep 0.005; done
  t1=$(date +%s%N)
  kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null || true
  echo $(( (t1 - t0) / 1000000 ))
}
rm -f "${jar%.jar}.jsa" "${jar%.jar}.aot"
launch "$launcher" >/dev/null   # the launcher's training run: records the archive at exit
startup=(); startup_cds=()
for i in 1 2 3 4 5; do
  startup+=("$(launch "$hf_java" -jar "$jar")")
  startup_cds+=("$(launch "$launcher")")
done
startup_ms=$(printf '%s\n' "${startup[@]}" | sort -n | sed -n 3p)
startup_cds_ms=$(printf '%s\n' "${startup_cds[@]}" | sort -n | sed -n 3p)
echo "run-gateway: launch-to-accept ms: plain jar ${startup[*]} (median $startup_ms); ./hermes-front ${startup_cds[*]} (median $startup_cds_ms)" >&2

export GATEWAY_CMD="$launcher serve --listen 127.0.0.1:$gw_port $common $ours \
--agent-ws \$BENCH_BACKEND_WS --dashboard-token bench --api-upstream \$BENCH_BACKEND_HTTP --api-key bench"
export GATEWAY_WS="ws://127.0.0.1:$gw_port/api/ws?token=$token"
export GATEWAY_SSE="http://127.0.0.1:$gw_port/v1/chat/completions"
export GATEWAY_STDIO_CMD="$launcher serve --listen 127.0.0.1:$gws_port $common $ours --agent-cmd \$BENCH_STUB_CMD"
export GATEWAY_STDIO_WS="ws://127.0.0.1:$gws_port/api/ws?token=$token"
export REPEATS=${REPEATS:-2}
export CONNS=${CONNS:-"1 16 256 1000"}
export OUT=${OUT:-$work/run}
[ $# -gt 0 ] || set -- direct nginx gateway gateway-stdio
base_pids=()
if [ -n "${BASE_JAR:-}" ]; then
  # The earlier build beside ours, in the same run: plain java -jar (its launcher added no JVM options).
  bp=$((base + 17)); bsp=$((base + 18))
  mkdir -p "$work/build" && cc -O2 -o "$work/build/stub" "$work/backends/stub.c"
  java ${BASE_JAVA_OPTS:-} -jar "$BASE_JAR" serve --listen "127.0.0.1:$bp" $common --agent-ws "ws://127.0.0.1:$((base + 1))/api/ws" --dashboard-token bench \
    --api-upstream "http://127.0.0.1:$((base + 2))" --api-key bench > "$work/base.log" 2>&1 & base_pids+=($!)
  java ${BASE_JAVA_OPTS:-} -jar "$BASE_JAR" serve --listen "127.0.0.1:$bsp" $common --agent-cmd "$work/build/stub" > "$work/base-stdio.log" 2>&1 & base_pids+=($!)
  for p in $bp $bsp; do for _ in $(seq 1 600); do (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null && break; sleep 0.1; done; done
  set -- "$@" "base=ws://127.0.0.1:$bp/api/ws?token=$token" "base=http://127.0.0.1:$bp/v1/chat/completions" \
    "base-stdio=stdio+ws://127.0.0.1:$bsp/api/ws?token=$token"
fi
stop_base() { for p in "${base_pids[@]}"; do kill -TERM "$p" 2>/dev/null; done; wait 2>/dev/null || true; }
trap stop_base EXIT
echo "run-gateway: harness copy $work, results $OUT, loadavg $(cut -d' ' -f1-3 /proc/loadavg)" >&2
bash "$work/run.sh" "$@" > "$work/report-full.md"
echo "launch-to-accept ms: plain jar ${startup[*]} median $startup_ms; ./hermes-front (CDS) ${startup_cds[*]} median $startup_cds_ms" >> "$OUT/meta.txt"
python3 "$here/compare.py" "$OUT" --startup-ms "$startup_ms" --startup-cds-ms "$startup_cds_ms" | tee "$OUT/issue8-table.md"
echo "full harness report: $work/report-full.md" >&2
