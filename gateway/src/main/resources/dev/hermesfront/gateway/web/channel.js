// One /api/ws connection: JSON-RPC 2.0, one message per WebSocket text frame (tui-wire.md §1.2).
// Requests get ids w1, w2, ...; responses are matched by id only (§5.1). Events (method "event") and the
// agent's own requests (a string id and a method other than "event": tui-wire-current.md §5) are handed to
// the listeners. Credentials ride in the subprotocol list, never in the URL.

/** A JSON-RPC error answer, or the connection closing under a pending call. */
export class RpcError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

const SUBPROTOCOL = 'hermes-gateway-v1';

/** Returns the ws:// or wss:// URL of a path on this page's origin. */
export function wsUrl(path) {
  const u = new URL(path, window.location.href);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.hash = '';
  return u.toString();
}

export class Channel {
  /**
   * @param {string} url       the ws URL (query: agent=..., resume=...; never a credential)
   * @param {string} carrier   the credential's subprotocol entry, e.g. 'hermes-gateway-ticket.T'
   * @param {object} handlers  {onEvent(params), onRequest(frame), onClose({code, reason})}
   */
  constructor(url, carrier, handlers) {
    this.handlers = handlers;
    this.pending = new Map();
    this.next = 1;
    this.closed = false;
    this.ready = new Promise((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.ready.catch(() => {});
    this.ws = new WebSocket(url, [SUBPROTOCOL, carrier]);
    this.ws.addEventListener('message', (e) => this.onMessage(e.data));
    this.ws.addEventListener('close', (e) => this.onClose(e.code, e.reason));
  }

  onMessage(data) {
    if (typeof data !== 'string') return;
    let f;
    try {
      f = JSON.parse(data);
    } catch (e) {
      return;
    }
    if (!f || typeof f !== 'object' || Array.isArray(f)) return;
    if (f.method === 'event') {
      const p = f.params || {};
      if (p.type === 'gateway.ready') this.resolveReady(p.payload || {});
      this.handlers.onEvent(p);
      return;
    }
    if (typeof f.method === 'string' && f.id !== undefined && f.id !== null) {
      this.handlers.onRequest(f);
      return;
    }
    if (f.id === undefined || f.id === null) return;
    const call = this.pending.get(f.id);
    if (!call) return;
    this.pending.delete(f.id);
    if (f.error) call.reject(new RpcError(f.error.code, String(f.error.message || 'error')));
    else call.resolve(f.result === undefined ? null : f.result);
  }

  onClose(code, reason) {
    if (this.closed) return;
    this.closed = true;
    const err = new RpcError(-32000, 'connection closed (' + code + ')');
    this.rejectReady(err);
    for (const call of this.pending.values()) call.reject(err);
    this.pending.clear();
    this.handlers.onClose({code, reason});
  }

  /** Sends a request; resolves with its result, rejects with RpcError. */
  call(method, params) {
    if (this.closed || this.ws.readyState !== WebSocket.OPEN) {
      return Promise.reject(new RpcError(-32000, 'not connected'));
    }
    const id = 'w' + this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, {resolve, reject});
      this.ws.send(JSON.stringify({jsonrpc: '2.0', id, method, params: params || {}}));
    });
  }

  /** Answers one of the agent's requests. */
  respond(id, result) {
    this.send({jsonrpc: '2.0', id, result});
  }

  /** Refuses one of the agent's requests. */
  refuse(id, code, message) {
    this.send({jsonrpc: '2.0', id, error: {code, message}});
  }

  send(frame) {
    if (!this.closed && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }

  /** Closes the socket normally (1000); the close handler still runs. */
  close() {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(1000);
  }
}
