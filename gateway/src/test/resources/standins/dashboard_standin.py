"""A stand-in for the Hermes dashboard in loopback mode, for the front's security tests.

Behaves like the real one where the tests need it (rest-surface.md §4): the page embeds the session token
(window.__HERMES_SESSION_TOKEN__), /api/* needs it as X-Hermes-Session-Token (or ?token= on sockets), and
uvicorn decodes the request path, so /api%2Fws reaches /api/ws. Its sockets report what they would do:
/api/pty answers every message with "pty:" + message (a shell would run it), /api/ws answers JSON-RPC
requests with a result naming the method (shell.exec "ran"). Every request is printed on stdout as one JSON
line, so the test can see what reached the dashboard.

Usage: python3 dashboard_standin.py PORT_FILE TOKEN   (binds 127.0.0.1 on a free port, writes it to PORT_FILE)
"""
import json
import socket
import sys

import uvicorn
from fastapi import FastAPI, Request, WebSocket
from fastapi.responses import HTMLResponse, JSONResponse

PORT_FILE, TOKEN = sys.argv[1], sys.argv[2]
app = FastAPI()


def seen(kind, path, **extra):
    print(json.dumps({"kind": kind, "path": path, **extra}), flush=True)


@app.middleware("http")
async def token_gate(request: Request, call_next):
    path = request.url.path
    seen("http", path, method=request.method, token=request.headers.get("x-hermes-session-token") == TOKEN)
    if path.startswith("/api/") and path != "/api/status":
        if request.headers.get("x-hermes-session-token") != TOKEN:
            return JSONResponse({"detail": "Unauthorized"}, status_code=401)
    return await call_next(request)


@app.get("/", response_class=HTMLResponse)
async def index():
    return '<html><script>window.__HERMES_SESSION_TOKEN__ = "%s";</script><body>dashboard</body></html>' % TOKEN


@app.get("/api/status")
async def status():
    return {"version": "standin", "auth_required": False}


@app.get("/api/env")
async def env():
    return {"OPENAI_API_KEY": "sk-standin-secret"}


async def gated(ws: WebSocket, name):
    if ws.query_params.get("token") != TOKEN:
        seen("ws-refused", name)
        await ws.close(code=4401)
        return False
    await ws.accept()
    seen("ws", name)
    return True


@app.websocket("/api/pty")
async def pty(ws: WebSocket):
    if await gated(ws, "/api/pty"):
        while True:
            msg = await ws.receive_text()
            await ws.send_text("pty:" + msg)


@app.websocket("/api/ws")
async def tui(ws: WebSocket):
    if await gated(ws, "/api/ws"):
        await ws.send_text(json.dumps({"jsonrpc": "2.0", "method": "event", "params": {"type": "gateway.ready", "payload": {}}}))
        while True:
            req = json.loads(await ws.receive_text())
            seen("rpc", "/api/ws", method=req.get("method"))
            await ws.send_text(json.dumps({"jsonrpc": "2.0", "id": req.get("id"), "result": {"ran": req.get("method")}}))


@app.websocket("/api/events")
async def events(ws: WebSocket):
    if await gated(ws, "/api/events"):
        while True:
            await ws.send_text("event:" + await ws.receive_text())


sock = socket.socket()
sock.bind(("127.0.0.1", 0))
# Listen before telling the test the port: connections wait in the backlog until uvicorn accepts them, instead of
# being refused while uvicorn is still starting (a race a loaded machine loses).
sock.listen(128)
with open(PORT_FILE + ".tmp", "w") as f:
    f.write(str(sock.getsockname()[1]))
import os
os.rename(PORT_FILE + ".tmp", PORT_FILE)
uvicorn.run(app, fd=sock.fileno(), log_level="warning")
