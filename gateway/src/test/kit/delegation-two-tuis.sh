#!/usr/bin/env bash
# Issue 21, F3, against the REAL Hermes TUI and agent (../shared/kit): through one coordinator, alice and bob each
# run the real TUI against the same peer. Neither can see, join or share the other's agent there, and the peer's
# audit log names coord/alice and coord/bob. Exit 0 when every check holds.
#
#   HERMES_GIT_DIR=<the git dir that fetching github:thanhdatbui/hermes-agent gives> gateway/src/test/kit/delegation-two-tuis.sh
#
# Needs: a built jar (./mvn-jdk -o -q -pl gateway -am package -DskipTests), tmux, node, python3 with websockets (the kit's).
# Ports: two free ones from the kernel. Everything it starts is stopped on exit.
set -euo pipefail
here=$(cd "$(dirname "$0")/../../../.." && pwd)
kit=${KIT_DIR:-$here/../shared/kit}
jar=$here/gateway/target/hermes-front.jar
[ -f "$jar" ] || { echo "build the jar first: ./mvn-jdk -o -q -pl gateway -am package -DskipTests" >&2; exit 2; }
. "$here/dist/bin/find-java.sh"
hf_find_java || exit 2
work=$(mktemp -d /tmp/hf-delegation.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
peer_port=$(port); coord_port=$(port)
COORD=coord-peer-token-$RANDOM$RANDOM; DIRECT=direct-admin-token-$RANDOM$RANDOM
ALICE=alice-token-$RANDOM$RANDOM$RANDOM; BOB=bob-token-$RANDOM$RANDOM$RANDOM

cat > "$work/peer.yaml" <<YAML
listen: 127.0.0.1:$peer_port
audit_log: $work/peer-audit.jsonl
credentials:
  - {name: coord, token: $COORD, scope: chat, delegate: true}
  - {name: direct, token: $DIRECT, scope: admin}
YAML
cat > "$work/coord.yaml" <<YAML
listen: 127.0.0.1:$coord_port
credentials:
  - {name: alice, token: $ALICE, scope: chat}
  - {name: bob, token: $BOB, scope: chat}
peers:
  - {name: p1, url: "http://127.0.0.1:$peer_port", token: $COORD}
YAML
"$hf_java" -jar "$jar" serve --config "$work/peer.yaml" --agent-cmd "$kit/real-agent.sh" --api-upstream off > "$work/peer.log" 2>&1 & pids+=($!)
"$hf_java" -jar "$jar" demo --config "$work/coord.yaml" > "$work/coord.log" 2>&1 & pids+=($!)
for p in $peer_port $coord_port; do
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$p/front/health" >/dev/null && break; sleep 0.2; done
done

fail() { echo "FAIL: $*" >&2; echo "--- peer log" >&2; tail -20 "$work/peer.log" >&2; exit 1; }
for who in alice bob; do
  tok=$ALICE; [ $who = bob ] && tok=$BOB
  "$kit/real-tui.sh" --url "ws://127.0.0.1:$coord_port/peers/p1/api/ws?token=$tok" --prompt "hello from $who" \
      --expect "You said: hello from $who" --ready-timeout 90 --timeout 90 > "$work/tui-$who.txt" 2>&1 \
    || { cat "$work/tui-$who.txt" >&2; fail "$who's TUI through the coordinator"; }
  echo "ok: $who ran the real TUI through the coordinator against p1"
done

# The coordinator parks each relay (its client left); the peer's agents stay attached to their relays.
agents=$(curl -sf -H "Authorization: Bearer $DIRECT" "http://127.0.0.1:$peer_port/front/agents")
alice_agent=$(python3 -c 'import json,sys; a=[x["id"] for x in json.load(sys.stdin)["agents"] if x["owner"]=="coord/alice"]; print(a[0] if a else "")' <<<"$agents")
bob_agent=$(python3 -c 'import json,sys; a=[x["id"] for x in json.load(sys.stdin)["agents"] if x["owner"]=="coord/bob"]; print(a[0] if a else "")' <<<"$agents")
[ -n "$alice_agent" ] && [ -n "$bob_agent" ] || fail "the peer's agents are not coord/alice's and coord/bob's: $agents"
python3 -c 'import json,sys; o={x["owner"] for x in json.load(sys.stdin)["agents"]}; sys.exit(0 if "coord" not in o else 1)' <<<"$agents" \
  || fail "an agent at the peer is the coordinator's own: $agents"
echo "ok: at the peer, one agent is coord/alice's and one coord/bob's, none the coordinator's"

seen=$(curl -sf -H "Authorization: Bearer $BOB" "http://127.0.0.1:$coord_port/peers/p1/front/agents")
grep -q "$alice_agent" <<<"$seen" && fail "bob sees alice's agent through the coordinator: $seen"
grep -q "$bob_agent" <<<"$seen" || fail "bob does not see his own agent: $seen"
echo "ok: bob lists only his own agent through the coordinator"

code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $BOB" -H 'Content-Type: application/json' -d '{}' \
  "http://127.0.0.1:$coord_port/peers/p1/front/agents/$alice_agent/share")
case $code in 403|404) echo "ok: bob cannot share alice's agent ($code)";; *) fail "bob shared alice's agent: $code";; esac

# Bob joins alice's agent at the peer with a ticket minted through the coordinator: refused 4403.
ticket=$(curl -sf -X POST -H "Authorization: Bearer $BOB" "http://127.0.0.1:$coord_port/peers/p1/api/auth/ws-ticket" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["ticket"])')
close=$(${KIT_PYTHON:-/usr/bin/python3} - "ws://127.0.0.1:$peer_port/api/ws?ticket=$ticket&agent=$alice_agent" <<'PY'
import asyncio, sys, websockets
async def main():
    try:
        async with websockets.connect(sys.argv[1], open_timeout=10, close_timeout=5) as ws:
            while True:
                await asyncio.wait_for(ws.recv(), 15)
    except websockets.exceptions.ConnectionClosed as e:
        print(e.code)
asyncio.run(main())
PY
)
[ "$close" = 4403 ] || fail "bob joined alice's agent at the peer (close $close)"
echo "ok: bob cannot join alice's agent at the peer (close 4403)"

for who in coord/alice coord/bob; do
  grep -q "\"credential\": *\"$who\"" "$work/peer-audit.jsonl" || fail "the peer's audit never names $who"
done
grep -Eq '"credential": *"coord"[,}]' "$work/peer-audit.jsonl" && fail "the peer's audit names the coordinator itself"
echo "ok: the peer's audit names coord/alice and coord/bob, never the coordinator alone ($(wc -l < "$work/peer-audit.jsonl") lines)"
echo "PASS"
