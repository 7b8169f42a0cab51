"""A FastAPI stand-in for the Hermes dashboard in loopback mode (test only).

Like hermes_cli/web_server.py it embeds its session token in the page as
window.__HERMES_SESSION_TOKEN__ and checks it on /api/* (X-Hermes-Session-Token)
and on its WebSocket (?token=). Run: STANDIN_TOKEN=T python3 -m uvicorn
--app-dir DIR dashboard_standin:app --host 127.0.0.1 --port N
"""
import hmac
import os

from fastapi import FastAPI, Request, WebSocket
from fastapi.responses import HTMLResponse, JSONResponse

TOKEN = os.environ["STANDIN_TOKEN"]
app = FastAPI()


def _ok(value):
    return bool(value) and hmac.compare_digest(value.encode(), TOKEN.encode())


@app.get("/")
def index():
    return HTMLResponse(
        "<!doctype html><html><head>"
        f'<script>window.__HERMES_SESSION_TOKEN__="{TOKEN}";window.__HERMES_BASE_PATH__="";</script>'
        f'</head><body data-debug="{TOKEN}">dashboard</body></html>'
    )


@app.get("/api/config")
def config(request: Request):
    if not _ok(request.headers.get("x-hermes-session-token")):
        return JSONResponse({"detail": "Unauthorized"}, status_code=401)
    return {"ok": True, "saw": "the real token"}


@app.websocket("/api/pty")
async def pty(websocket: WebSocket):
    if not _ok(websocket.query_params.get("token")):
        await websocket.close(code=4401)
        return
    await websocket.accept()
    while True:
        text = await websocket.receive_text()
        await websocket.send_text("echo:" + text)
