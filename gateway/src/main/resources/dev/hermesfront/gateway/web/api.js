// The front's REST calls, each with the signed-in token in Authorization (never in a URL).

/** A REST failure: HTTP status and the front's error code and message, when it sent them. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || ('HTTP ' + status));
    this.status = status;
    this.code = code || '';
  }
}

/** Returns '/peers/NAME' for a peer, '' for this machine. */
export function peerPrefix(peer) {
  return peer ? '/peers/' + encodeURIComponent(peer) : '';
}

export class Api {
  /** @param {string} token the user's token; kept by the caller, sent only in Authorization */
  constructor(token) {
    this.token = token;
  }

  async request(method, path, body) {
    const headers = {Authorization: 'Bearer ' + this.token, Accept: 'application/json'};
    const init = {method, headers, cache: 'no-store', credentials: 'omit', redirect: 'error', referrerPolicy: 'no-referrer'};
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch (e) {
      throw new ApiError(0, 'network', 'the front cannot be reached');
    }
    const text = await res.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch (e) {
      json = null;
    }
    if (!res.ok) {
      const err = json && json.error;
      throw new ApiError(res.status, err && err.code, err && err.message);
    }
    return json;
  }

  /** Mints a single-use WebSocket ticket (30 s) for /api/ws. */
  async ticket() {
    const r = await this.request('POST', '/api/auth/ws-ticket');
    if (!r || typeof r.ticket !== 'string') throw new ApiError(500, 'bad_ticket', 'the front sent no ticket');
    return r.ticket;
  }

  /** Lists the agents this token may see on this machine or on a peer: an array (empty when there are none). */
  async agents(peer) {
    const r = await this.request('GET', peerPrefix(peer) + '/front/agents');
    if (Array.isArray(r)) return r;
    return (r && Array.isArray(r.agents)) ? r.agents : [];
  }

  /** Lists this coordinator's peers, or [] when it has none (404). */
  async peers() {
    try {
      const r = await this.request('GET', '/api/peers');
      const list = Array.isArray(r) ? r : (r && Array.isArray(r.peers) ? r.peers : []);
      return list.map((p) => (typeof p === 'string' ? {name: p} : p)).filter((p) => p && p.name);
    } catch (e) {
      if (e.status === 404) return [];
      throw e;
    }
  }

  /** Mints a share link for an agent: {token, url, expires_at, ...}. */
  async share(peer, agentId, role, ttl) {
    return this.request('POST', peerPrefix(peer) + '/front/agents/' + encodeURIComponent(agentId) + '/share', {role, ttl});
  }

  /** Revokes a share by the id the front gave it when it was minted. */
  async revoke(peer, agentId, shareId) {
    return this.request('DELETE', peerPrefix(peer) + '/front/agents/' + encodeURIComponent(agentId) + '/share/'
        + encodeURIComponent(shareId));
  }
}
