#!/usr/bin/python3
"""Records the current-wire transcripts of this folder (docs/conformance.md, "The current wire").

Drives hermes-front in front of the current-wire stand-in agent (dev.hermesfront.bridge.current) over
/api/ws and writes what the client saw, in the conformance-data dialect (t_ms, dir, frame, conn, and
meta close lines), one file per scenario. Needs python3 with websockets (Debian's python3-websockets).

    ./hermes-front serve --listen 127.0.0.1:29401 --token T --park-window 0 \
        --agent-cmd "java -cp $PWD/gateway/target/hermes-front.jar dev.hermesfront.bridge.current.CurrentWireAgentMain" &
    ./hermes-front serve --listen 127.0.0.1:29402 --token T \
        --agent-cmd "java -cp $PWD/gateway/target/hermes-front.jar dev.hermesfront.bridge.current.CurrentWireAgentMain" &
    ./hermes-front serve --listen 127.0.0.1:29403 --token T --park-window 0 \
        --agent-cmd "java -cp $PWD/gateway/target/hermes-front.jar dev.hermesfront.bridge.current.CurrentWireAgentMain --shared-session" &
    transcripts/current/record.py --url 'ws://127.0.0.1:29401/api/ws?token=T' \
        --parking-url 'ws://127.0.0.1:29402/api/ws?token=T' --shared-url 'ws://127.0.0.1:29403/api/ws?token=T' --out /tmp/current

The third gateway's agent has the shared_session ready shape and speaks the shared-session wire v1
(tui-wire-current.md §13), for current-07-shared-session.

The second gateway parks agents (the default), for the resume-after-drop scenario; the first gives each
scenario a fresh agent. current-01-heartbeat is not recorded: it needs a gateway that answers gateway.ping
itself and is written from the spec (tui-wire-current.md §2, §3).
"""

import argparse
import asyncio
import json
import os
import sys
import time

import websockets

SCENARIOS = {}


def scenario(fn):
    SCENARIOS[fn.__name__.replace("_", "-")] = fn
    return fn


NOTE = ("spec-derived (tui-wire-current.md): recorded by transcripts/current/record.py from hermes-front serve in front "
        "of the current-wire stand-in agent (dev.hermesfront.bridge.current.CurrentWireAgentMain); no real current "
        "agent was run")


class Recording:
    def __init__(self):
        self.lines = [{"dir": "meta", "event": "note", "text": NOTE}]

    def write(self, path):
        with open(path, "w", encoding="utf-8") as fh:
            for line in self.lines:
                fh.write(json.dumps(line, ensure_ascii=False) + "\n")


class Conn:
    """One client connection; every frame is logged to the recording with this connection's label."""

    def __init__(self, rec, url, label):
        self.rec, self.url, self.label = rec, url, label
        self.frames = []
        self.cond = asyncio.Condition()
        self._rid = 0

    async def __aenter__(self):
        self.ws = await websockets.connect(self.url, max_size=None)
        self.t0 = time.monotonic()
        self.reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc):
        await self.close()

    def _log(self, direction, text):
        line = {"t_ms": int((time.monotonic() - self.t0) * 1000), "dir": direction}
        if self.label:
            line["conn"] = self.label
        frame = json.loads(text)
        params = frame.get("params") if isinstance(frame, dict) else None
        if direction == "s2c" and isinstance(params, dict) and params.get("type") == "gateway.ready":
            # The transcript keeps the agent's ready frame; hermes-front's own additions (hermes_front on a
            # re-attach) vary per run and are allowed by the built-in rules.
            params.get("payload", {}).pop("hermes_front", None)
            params.get("payload", {}).get("capabilities", {}).pop("hermes_front", None)
        line["frame"] = frame
        self.rec.lines.append(line)
        return json.loads(text)

    async def _read(self):
        try:
            async for text in self.ws:
                frame = self._log("s2c", text)
                async with self.cond:
                    self.frames.append(frame)
                    self.cond.notify_all()
        except websockets.ConnectionClosed:
            pass

    async def send(self, obj):
        text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
        self._log("c2s", text)
        await self.ws.send(text)

    async def call(self, method, params=None):
        self._rid += 1
        rid = f"r{self._rid}"
        await self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params or {}})
        return await self.wait(lambda f: f.get("id") == rid and "method" not in f, f"response to {method}")

    async def wait(self, pred, what, timeout=20.0, start=0):
        deadline = time.monotonic() + timeout
        idx = start
        async with self.cond:
            while True:
                while idx < len(self.frames):
                    f = self.frames[idx]
                    idx += 1
                    if pred(f):
                        return f
                left = deadline - time.monotonic()
                if left <= 0:
                    raise SystemExit(f"record.py: timeout waiting for {what}")
                try:
                    await asyncio.wait_for(self.cond.wait(), left)
                except asyncio.TimeoutError:
                    pass

    async def event(self, etype, start=0):
        return await self.wait(lambda f: f.get("method") == "event" and f["params"].get("type") == etype,
                               f"event {etype}", start=start)

    async def request(self, method, start=0):
        return await self.wait(lambda f: f.get("method") == method and "id" in f, f"request {method}", start=start)

    async def quiet(self, seconds=0.5):
        """Lets frames that should not come show up in the recording if they do."""
        await asyncio.sleep(seconds)

    async def close(self, code=1000):
        if self.ws.closed:
            return
        await self.ws.close(code)
        await self.reader
        line = {"dir": "meta", "event": "close", "by": "client", "code": code}
        if self.label:
            line["conn"] = self.label
        self.rec.lines.append(line)


@scenario
async def current_02_capabilities(rec, url, parking_url):
    """client.capabilities as the shared channel sends it on every gateway.ready, gateway.capabilities, ping."""
    async with Conn(rec, url, "") as c:
        await c.event("gateway.ready")
        await c.call("client.capabilities", {"server_requests": True})
        await c.call("gateway.capabilities")
        await c.call("ping")


@scenario
async def current_03_server_requests(rec, url, parking_url):
    """An approval request and a sudo request (its answer carries a secret) answered by bare response frames."""
    async with Conn(rec, url, "") as c:
        await c.event("gateway.ready")
        await c.call("client.capabilities", {"server_requests": True})
        created = (await c.call("session.create", {"cols": 100}))["result"]
        sid = created["session_id"]
        mark = len(c.frames)
        await c.call("prompt.submit", {"session_id": sid, "text": "please APPROVE the cleanup"})
        req = await c.request("approval", mark)
        await c.call("approval.received", {"session_id": sid, "request_id": req["params"]["request_id"]})
        mark = len(c.frames)
        await c.send({"jsonrpc": "2.0", "id": req["id"], "result": {"choice": "once"}})
        await c.event("message.complete", mark)
        mark = len(c.frames)
        await c.call("prompt.submit", {"session_id": sid, "text": "SUDO install it"})
        req = await c.request("sudo", mark)
        mark = len(c.frames)
        # An obviously fake secret; hermes-front's --record must redact it (issue 13).
        await c.send({"jsonrpc": "2.0", "id": req["id"], "result": {"value": "fake-sudo-password-0000"}})
        await c.event("message.complete", mark)
        await c.call("session.close", {"session_id": sid})


@scenario
async def current_04_request_cancel(rec, url, parking_url):
    """session.interrupt withdraws a pending approval with request.cancel; a late answer gets nothing back."""
    async with Conn(rec, url, "") as c:
        await c.event("gateway.ready")
        await c.call("client.capabilities", {"server_requests": True})
        sid = (await c.call("session.create", {"cols": 100}))["result"]["session_id"]
        mark = len(c.frames)
        await c.call("prompt.submit", {"session_id": sid, "text": "APPROVE deleting the cache"})
        req = await c.request("approval", mark)
        mark = len(c.frames)
        await c.call("session.interrupt", {"session_id": sid})
        await c.event("message.complete", mark)
        await c.send({"jsonrpc": "2.0", "id": req["id"], "result": {"choice": "once"}})
        await c.quiet()
        await c.call("request.answer", {"id": req["id"], "result": {"choice": "once"}})


@scenario
async def current_05_strict_params(rec, url, parking_url):
    """Unknown param keys get 4000 before the handler runs; the resume->activate rewrite's valid form passes."""
    async with Conn(rec, url, "") as c:
        await c.event("gateway.ready")
        await c.call("client.capabilities", {"server_requests": True, "plugin_cards": True})
        created = (await c.call("session.create", {"cols": 100}))["result"]
        sid = created["session_id"]
        await c.call("session.activate", {"session_id": sid, "lazy": False})
        await c.call("session.activate", {"session_id": sid, "cols": 120})
        await c.call("session.resume", {"session_id": sid, "cols": 120})
        await c.call("prompt.submit", {"session_id": sid, "text": "hi", "gateway_tag": "x"})
        await c.call("clarify.respond", {"session_id": sid, "answer": "x"})


@scenario
async def current_06_resume_after_drop(rec, url, parking_url):
    """The current TUI after a drop: reconnect, client.capabilities, session.resume with the stored id, answer
    the open request it gets back (tui-wire-current.md §7)."""
    async with Conn(rec, parking_url, "A") as a:
        await a.event("gateway.ready")
        await a.call("client.capabilities", {"server_requests": True})
        created = (await a.call("session.create", {"cols": 100}))["result"]
        sid, stored = created["session_id"], created["stored_session_id"]
        mark = len(a.frames)
        await a.call("prompt.submit", {"session_id": sid, "text": "APPROVE before the drop"})
        await a.request("approval", mark)
    async with Conn(rec, parking_url, "B") as b:
        await b.event("gateway.ready")
        await b.call("client.capabilities", {"server_requests": True})
        resumed = (await b.call("session.resume", {"cols": 100, "session_id": stored}))["result"]
        req = resumed["open_requests"][0]
        mark = len(b.frames)
        await b.send({"jsonrpc": "2.0", "id": req["id"], "result": {"choice": "session"}})
        await b.event("message.complete", mark)
        await b.call("session.close", {"session_id": sid})


@scenario
async def current_07_shared_session(rec, url, parking_url, shared_url=None):
    """The shared-session wire v1 (tui-wire-current.md §13.2, S1-S10): submission_ref, result.submission, params.turn,
    message.start's payload, message.input of a visible steer, submission_state, resume's inflight, subagent.snapshot."""
    async with Conn(rec, shared_url, "") as c:
        await c.event("gateway.ready")
        await c.call("client.capabilities", {"server_requests": True})
        await c.call("gateway.capabilities")
        created = (await c.call("session.create", {"cols": 100}))["result"]
        sid, stored = created["session_id"], created["stored_session_id"]
        mark = len(c.frames)
        await c.call("prompt.submit", {"session_id": sid, "text": "APPROVE the plan", "submission_ref": "ref-1"})
        req = await c.request("approval", mark)
        mark = len(c.frames)
        await c.call("session.steer", {"session_id": sid, "text": "and keep the logs", "submission_ref": "ref-2",
                                       "input_visibility": "visible"})
        await c.event("message.input", mark)
        await c.call("session.redirect", {"session_id": sid, "text": "quietly", "input_visibility": "hidden"})
        await c.call("session.resume", {"cols": 100, "session_id": stored})
        mark = len(c.frames)
        await c.send({"jsonrpc": "2.0", "id": req["id"], "result": {"choice": "once"}})
        await c.event("session.info", mark)
        await c.call("subagent.snapshot", {"session_id": sid})
        await c.call("session.close", {"session_id": sid})


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", required=True, help="gateway without parking (--park-window 0)")
    ap.add_argument("--parking-url", required=True, help="gateway with parking on")
    ap.add_argument("--out", required=True, help="folder for the .jsonl files")
    ap.add_argument("--shared-url", help="gateway in front of CurrentWireAgentMain --shared-session (current-07)")
    ap.add_argument("--only", help="one scenario")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for name, fn in SCENARIOS.items():
        if args.only and name != args.only:
            continue
        if name == "current-07-shared-session":
            if not args.shared_url:
                continue
            rec = Recording()
            asyncio.run(fn(rec, args.url, args.parking_url, args.shared_url))
            rec.write(os.path.join(args.out, name + ".jsonl"))
            print(f"record.py: {name}: {len(rec.lines)} lines", file=sys.stderr)
            continue
        rec = Recording()
        asyncio.run(fn(rec, args.url, args.parking_url))
        rec.write(os.path.join(args.out, name + ".jsonl"))
        print(f"record.py: {name}: {len(rec.lines)} lines", file=sys.stderr)


if __name__ == "__main__":
    main()
