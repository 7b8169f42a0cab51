// hermes-front's page: sign in with a token, list agents (this machine and each peer), watch a session live
// over /api/ws, prompt and answer when the role allows it, mint and revoke share links, or open a share link
// (/front/#share=S) as a viewer. The token and a share token live in this tab only (memory, or sessionStorage
// when asked) and travel in an Authorization header or a WebSocket subprotocol entry, never in a URL.
import {$, h, clear, show} from './dom.js';
import {Api, ApiError} from './api.js';
import {Channel, wsUrl} from './channel.js';
import {Transcript} from './transcript.js';
import {loadDevices, showPairing, wireAddDevice} from './pairing.js';

const STORE_TOKEN = 'hermes-front.token';
const STORE_SHARE = 'hermes-front.share';
const TCHAR = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const RETRY_MS = [1000, 2000, 4000, 8000, 15000, 15000];

const state = {
  api: null, // Api, when signed in with a token
  share: null, // {token, role}, when opened from a share link
  chan: null, // the live Channel
  target: null, // {peer, agent, resume} the connection is for
  role: null, // 'participant' or 'viewer' on the current connection
  sessionId: null,
  sessionKey: null, // the stored id of the session on screen (put in share links: the viewer opens it)
  sessions: [],
  retry: 0,
  retryTimer: null,
  agentsListed: false, // the front answers /front/agents (sharing is there)
  label: null, // the role the front announced: owner, participant or viewer
};

const transcript = new Transcript($('transcript'), {
  canAnswer: () => state.role === 'participant',
  userLabel: () => (state.role === 'viewer' ? 'user' : 'you'),
  call: (method, params) => rpc(method, params),
  respond: (id, result) => state.chan && state.chan.respond(id, result),
});

function setStatus(text, kind) {
  const el = $('status');
  el.textContent = text;
  el.dataset.state = kind;
}

function rpc(method, params) {
  if (!state.chan) return Promise.reject(new Error('not connected'));
  return state.chan.call(method, params);
}

// ---------------------------------------------------------------- start, sign in, sign out

function boot() {
  const frag = new URLSearchParams(window.location.hash.replace(/^#/, ''));
  if (frag.get('share')) {
    state.share = {token: frag.get('share'), role: frag.get('role') === 'participant' ? 'participant' : 'viewer',
      session: frag.get('session') || null};
    sessionStorage.setItem(STORE_SHARE, JSON.stringify(state.share));
    // Keep the share token out of the address bar and of this tab's history.
    history.replaceState(null, '', window.location.pathname + window.location.search);
  } else {
    try {
      state.share = JSON.parse(sessionStorage.getItem(STORE_SHARE) || 'null');
    } catch (e) {
      state.share = null;
    }
  }
  wire();
  const pairCode = frag.get('pair');
  if (pairCode) {
    // Keep the one-time code out of the address bar and of this tab's history.
    history.replaceState(null, '', window.location.pathname + window.location.search);
    showPairing(pairCode, (token, keep) => {
      state.api = new Api(token);
      if (keep) sessionStorage.setItem(STORE_TOKEN, token);
      startSignedIn();
    });
    return;
  }
  if (state.share && state.share.token) {
    startShared();
    return;
  }
  const kept = sessionStorage.getItem(STORE_TOKEN);
  if (kept) {
    state.api = new Api(kept);
    startSignedIn();
  } else {
    showSignin();
  }
}

function showSignin(message) {
  show($('app'), false);
  show($('signin'), true);
  show($('signout'), false);
  show($('who'), false);
  const err = $('signin-error');
  err.textContent = message || '';
  show(err, Boolean(message));
  $('token').focus();
}

async function signIn(event) {
  event.preventDefault();
  const input = $('token');
  const token = input.value.trim();
  if (!token) return;
  const button = $('signin-button');
  button.disabled = true;
  const api = new Api(token);
  try {
    await check(api);
  } catch (e) {
    button.disabled = false;
    showSignin(e.status === 401 || e.status === 400 ? 'That token is not accepted here.'
      : e.status === 429 ? 'Too many attempts from this address; try again later.' : 'Sign-in failed: ' + e.message);
    return;
  }
  button.disabled = false;
  input.value = '';
  state.api = api;
  if ($('remember').checked) sessionStorage.setItem(STORE_TOKEN, token);
  startSignedIn();
}

/** Checks a token: /front/agents when the front lists agents, else the ticket call (any scope may mint). */
async function check(api) {
  try {
    await api.agents(null);
  } catch (e) {
    if (e.status !== 404) throw e;
    await api.ticket();
  }
}

function signOut() {
  disconnect();
  state.api = null;
  state.share = null;
  sessionStorage.removeItem(STORE_TOKEN);
  sessionStorage.removeItem(STORE_SHARE);
  clear($('machines'));
  clear($('share-links'));
  transcript.reset();
  setStatus('not connected', 'idle');
  showSignin();
}

function startSignedIn() {
  $('app').classList.remove('solo');
  show($('signin'), false);
  show($('app'), true);
  show($('agents-panel'), true);
  show($('signout'), true);
  const who = $('who');
  who.textContent = 'signed in';
  show(who, true);
  idle('Pick an agent, or start a new one.');
  loadAgents();
  loadDevices(() => state.api);
}

function startShared() {
  show($('signin'), false);
  show($('app'), true);
  show($('agents-panel'), false);
  $('app').classList.add('solo');
  show($('signout'), true);
  $('signout').textContent = 'Forget link';
  const who = $('who');
  who.textContent = state.share.role === 'participant' ? 'shared link' : 'watching a shared link';
  show(who, true);
  connect({peer: null, agent: null});
}

// ---------------------------------------------------------------- agents

async function loadAgents() {
  const box = $('machines');
  const note = $('agents-note');
  show(note, false);
  let peers = [];
  try {
    peers = await state.api.peers();
  } catch (e) {
    peers = [];
  }
  const machines = [{peer: null, label: 'this machine'}].concat(peers.map((p) => ({peer: p.name, label: p.name})));
  const groups = await Promise.all(machines.map(async (m) => {
    try {
      return {m, agents: await state.api.agents(m.peer)};
    } catch (e) {
      if (e.status === 401 && !m.peer) {
        signOut();
        showSignin('Your token is no longer accepted.');
        throw e;
      }
      return {m, error: e};
    }
  }));
  clear(box);
  for (const g of groups) box.append(machineGroup(g, machines.length > 1));
  $('new-agent').textContent = machines.length > 1 ? 'New agent on this machine' : 'New agent';
  const unsupported = groups.every((g) => g.error && g.error.status === 404);
  if (unsupported) {
    note.textContent = 'This front does not list agents. You can still start a new agent.';
    show(note, true);
  }
  state.agentsListed = !unsupported;
}

function machineGroup(g, named) {
  const list = h('ul', {class: 'agents'});
  if (g.error) {
    if (g.error.status !== 404 || named) {
      const why = g.error.status === 404 ? 'no agent list here' : g.error.status === 0 ? 'unreachable' : g.error.message;
      list.append(h('li', {class: 'note', text: why}));
    }
  } else if (!g.agents.length) {
    list.append(h('li', {class: 'note', text: 'no agents'}));
  }
  for (const a of g.agents || []) list.append(agentItem(g.m.peer, a));
  return h('section', {class: 'machine', dataset: {peer: g.m.peer || ''}},
    named ? h('h3', {text: g.m.label}) : null, list,
    named && g.m.peer ? h('button', {type: 'button', class: 'quiet small',
      onclick: () => connect({peer: g.m.peer, agent: null, fresh: true})}, 'New agent on ' + g.m.label) : null);
}

function agentId(a) {
  return String(a.id || a.agent_id || a.agent || '');
}

/** The machine an agent runs on: the peer it was listed by, or the peer this front relays it to (route peer:NAME). */
function runsOn(peer, a) {
  if (peer) return peer;
  return typeof a.route === 'string' && a.route.startsWith('peer:') ? a.route.slice(5) : null;
}

function agentItem(peer, a) {
  const id = agentId(a);
  const clients = Array.isArray(a.clients) ? a.clients : [];
  const roles = clients.map((c) => (typeof c === 'string' ? c : (c.role || 'client') + (c.parked ? ' (away)' : '')));
  const sessions = Array.isArray(a.sessions) ? a.sessions : [];
  const names = sessions.map((s) => (typeof s === 'string' ? s : s.title || s.session_id || s.id || s.stored_session_id || ''))
    .filter(Boolean);
  const shares = Array.isArray(a.shares) ? a.shares : [];
  const owner = a.owner || '';
  const li = h('li', {class: 'agent', dataset: {agent: id}},
    h('div', {class: 'row wrap'},
      h('code', {class: 'id', text: id.length > 12 ? id.slice(0, 12) + '…' : id, title: id}),
      a.parked ? h('span', {class: 'pill warn', text: 'parked'}) : h('span', {class: 'pill ok', text: 'running'}),
      runsOn(peer, a) ? h('span', {class: 'pill quiet-pill', text: 'on ' + runsOn(peer, a)}) : null),
    h('div', {class: 'meta', text: [owner ? 'owner ' + owner : '',
      roles.length ? roles.length + ' attached: ' + roles.join(', ') : 'nobody attached',
      sessions.length ? sessions.length + ' session' + (sessions.length > 1 ? 's' : '') : 'no session'].filter(Boolean).join(' · ')}),
    names.length ? h('div', {class: 'meta', text: 'sessions: ' + names.slice(0, 3).join(', ')}) : null,
    h('button', {type: 'button', class: 'small watch', onclick: () => connect({peer, agent: id, machine: runsOn(peer, a),
      sessions: sessions.filter((x) => x && x.session_id).map((x) => ({id: x.session_id, session_key: x.stored_session_id}))})},
    'Watch'));
  if (shares.length) {
    const ul = h('ul', {class: 'links'});
    for (const x of shares) {
      const when = new Date(x.expires_at);
      const item = h('li', {class: 'row wrap share-listed', dataset: {share: x.id}},
        h('span', {class: 'meta', text: 'link ' + x.role + (isNaN(when) ? '' : ' · until ' + when.toLocaleTimeString())}));
      item.append(h('button', {type: 'button', class: 'danger small', onclick: async (e) => {
        e.target.disabled = true;
        try {
          await state.api.revoke(peer, id, x.id);
          item.remove();
          for (const shown of document.querySelectorAll('#share-links .share-link')) {
            if (shown.dataset.share === x.id) shown.classList.add('revoked');
          }
        } catch (err) {
          e.target.disabled = false;
        }
      }}, 'Revoke'));
      ul.append(item);
    }
    li.append(ul);
  }
  return li;
}

// ---------------------------------------------------------------- the connection

async function connect(target) {
  disconnect();
  clearTimeout(state.retryTimer);
  state.target = target;
  state.retry = 0;
  transcript.reset();
  clear($('share-links'));
  open();
}

async function open() {
  const target = state.target;
  setStatus('connecting…', 'connecting');
  show($('idle-note'), false);
  let carrier;
  const query = new URLSearchParams();
  // Back to the same agent after a drop: resume (the owner's parked agent) or agent (joining another's).
  if (target.resume && !target.agent) query.set('resume', target.resume);
  else if (target.agent) query.set('agent', target.agent);
  else if (!state.share) query.set('resume', 'new');
  if (state.share) {
    if (TCHAR.test(state.share.token)) {
      carrier = 'hermes-gateway-share.' + state.share.token;
    } else {
      query.set('share', state.share.token); // only when the token cannot be a subprotocol entry
      carrier = null;
    }
  } else {
    try {
      carrier = 'hermes-gateway-ticket.' + await state.api.ticket();
    } catch (e) {
      if (e.status === 401) {
        signOut();
        showSignin('Your token is no longer accepted.');
        return;
      }
      closed({code: 0, reason: e.message});
      return;
    }
  }
  if (state.target !== target) return; // another connect() started meanwhile
  const path = (target.peer ? '/peers/' + encodeURIComponent(target.peer) : '') + '/api/ws';
  const qs = query.toString();
  const chan = new Channel(wsUrl(path + (qs ? '?' + qs : '')), carrier, {
    onEvent: (p) => chan === state.chan && onEvent(p),
    onRequest: (f) => chan === state.chan && onRequest(f),
    onClose: (c) => chan === state.chan && closed(c),
  });
  state.chan = chan;
  let ready;
  try {
    ready = await chan.ready;
  } catch (e) {
    return; // closed() has said why
  }
  if (chan !== state.chan) return;
  state.retry = 0;
  const hf = (ready.capabilities && ready.capabilities.hermes_front) || ready.hermes_front || {};
  // The front announces the agent (resume_id: its id) and this client's role in capabilities.hermes_front.
  if (hf.resume_id) {
    target.resume = String(hf.resume_id);
    target.id = String(hf.resume_id);
  }
  if (target.agent) target.id = target.agent;
  const role = hf.role || (state.share ? state.share.role : 'owner');
  state.role = role === 'viewer' ? 'viewer' : 'participant';
  state.label = role;
  setStatus('live', 'live');
  $('app').classList.add('connected');
  showRole(hf.peer || target.peer || target.machine);
  rpc('client.capabilities', {server_requests: state.role === 'participant'}).catch(() => {});
  if (state.api && state.agentsListed) loadAgents(); // the list now shows this connection
  if (hf.reattached && state.sessionId) return; // the front replays what we missed
  await loadSessions(true);
}

function showRole(machine) {
  const viewer = state.role === 'viewer';
  const role = $('role');
  role.textContent = viewer ? 'viewer · read-only' : state.label || 'participant';
  role.dataset.role = state.role;
  show(role, true);
  const m = $('machine');
  m.textContent = 'on ' + (machine || 'this machine');
  show(m, true);
  show($('prompt-form'), !viewer);
  show($('viewer-note'), viewer);
  show($('new-session'), !viewer);
  show($('disconnect'), !state.share);
  show($('share-box'), Boolean(state.api) && state.agentsListed && Boolean(state.target && state.target.id));
}

function readOnly(reason) {
  state.role = 'viewer';
  showRole(state.target && (state.target.peer || state.target.machine));
  transcript.notice(reason, 'warn');
}

async function loadSessions(pick) {
  let list = [];
  try {
    const r = await rpc('session.active_list', {});
    list = (r && Array.isArray(r.sessions)) ? r.sessions : [];
  } catch (e) {
    list = [];
  }
  if (!list.length && state.target && Array.isArray(state.target.sessions)) {
    list = state.target.sessions; // the agent does not list its sessions: use what /front/agents said
  }
  state.sessions = list;
  renderSessions();
  if (!pick) return;
  const wanted = state.share && state.share.session;
  if (wanted) {
    const named = list.find((s) => s.session_key === wanted || s.id === wanted);
    await attach(named || {id: wanted, session_key: wanted, guess: true});
    return;
  }
  if (!list.length) {
    if (state.role === 'participant') await newSession();
    else transcript.notice('No session is running on this agent yet; the page follows the first one that starts.', 'info');
    return;
  }
  const chosen = list.find((s) => s.status === 'working') || list.find((s) => s.current) || list[0];
  await attach(chosen);
}

function renderSessions() {
  const sel = $('sessions');
  clear(sel);
  for (const s of state.sessions) {
    const label = (s.title || s.preview || s.id) + (s.status && s.status !== 'idle' ? ' · ' + s.status : '');
    sel.append(h('option', {value: s.id, text: label, selected: s.id === state.sessionId}));
  }
  show(sel, state.sessions.length > 1);
}

async function attach(s) {
  transcript.reset();
  state.sessionId = s.id;
  state.sessionKey = s.session_key || null;
  renderSessions();
  let r = null;
  try {
    // A participant re-binds the live session; a viewer asks by its stored id, which the front answers
    // without moving the session away from its owner.
    r = state.role === 'participant' ? await rpc('session.activate', {session_id: s.id})
      : await rpc('session.resume', {session_id: s.session_key || s.id});
  } catch (e) {
    try {
      r = await rpc('session.history', {session_id: s.id});
    } catch (e2) {
      r = null;
    }
  }
  if (state.sessionId !== s.id) return;
  if (!r && s.guess) state.sessionId = null; // follow the first turn that shows up instead
  if (r && r.session_id) state.sessionId = r.session_id;
  if (r && (r.session_key || r.resumed)) state.sessionKey = r.session_key || r.resumed;
  if (r) {
    transcript.history(r.messages);
    if (r.inflight) transcript.inflight(r.inflight);
    if (r.info) sessionInfo(r.info);
  }
}

async function newSession() {
  try {
    const r = await rpc('session.create', {cols: 100});
    transcript.reset();
    state.sessionId = r.session_id;
    state.sessionKey = r.stored_session_id || null;
    state.sessions.push({id: r.session_id, session_key: r.stored_session_id, title: '', status: 'idle'});
    renderSessions();
    $('session-title').textContent = 'New session';
    $('prompt').focus();
  } catch (e) {
    if (e.code === -32003) readOnly('This credential may not start sessions: ' + e.message);
    else transcript.notice('Could not start a session: ' + e.message, 'error');
  }
}

function sessionInfo(info) {
  const title = info.title || '';
  $('session-title').textContent = title || (info.model ? 'Session · ' + info.model : 'Session');
}

function onEvent(p) {
  const type = p.type;
  if (type === 'gateway.ready') return;
  const sid = p.session_id;
  if (sid && !state.sessionId && type.startsWith('message.')) {
    state.sessionId = sid; // a viewer with no session yet follows the first turn it sees
    loadSessions(false);
  }
  if (sid && state.sessionId && sid !== state.sessionId) {
    if (type === 'message.start' || type === 'session.info') loadSessions(false);
    return;
  }
  if (type === 'session.info') {
    sessionInfo(p.payload || {});
    return;
  }
  transcript.event(type, p.payload);
}

function onRequest(f) {
  const kinds = {approval: 'approval', clarify: 'clarify', sudo: 'sudo', secret: 'secret'};
  const kind = kinds[f.method];
  if (!kind || state.role !== 'participant') {
    state.chan.refuse(f.id, -32601, 'no handler for server request: ' + f.method);
    return;
  }
  transcript.ask({kind, old: false, id: f.id, params: f.params || {}});
}

function closed(c) {
  state.chan = null;
  const code = c.code;
  const viewer = Boolean(state.share);
  let message;
  let retry = false;
  if (code === 4401) {
    message = viewer ? 'This link no longer works: it was revoked or it expired.' : 'The front refused the connection (4401).';
  } else if (code === 4403) {
    message = viewer ? 'This link was revoked; the page stopped watching.' : 'The front closed the connection: access withdrawn (4403).';
  } else if (code === 1008) {
    message = 'The front refused the connection: ' + (c.reason || 'policy');
  } else if (code === 1011) {
    message = 'The agent stopped' + (c.reason ? ': ' + c.reason : '.');
  } else {
    message = 'Disconnected' + (code ? ' (' + code + (c.reason ? ': ' + c.reason : '') + ')' : c.reason ? ': ' + c.reason : '') + '.';
    retry = state.retry < RETRY_MS.length;
  }
  state.role = viewer ? 'viewer' : state.role;
  show($('prompt-form'), false);
  if (retry) {
    const wait = RETRY_MS[state.retry++];
    setStatus('reconnecting…', 'connecting');
    transcript.notice(message + ' Reconnecting in ' + Math.round(wait / 1000) + ' s.', 'warn');
    state.retryTimer = setTimeout(open, wait);
  } else {
    transcript.endTurn('interrupted');
    setStatus('closed', 'error');
    transcript.notice(message, 'error');
  }
}

function disconnect() {
  clearTimeout(state.retryTimer);
  const chan = state.chan;
  state.chan = null;
  state.sessionId = null;
  state.sessionKey = null;
  state.sessions = [];
  state.role = null;
  $('app').classList.remove('connected');
  if (chan) chan.close();
  show($('prompt-form'), false);
  show($('viewer-note'), false);
  show($('role'), false);
  show($('machine'), false);
  show($('sessions'), false);
  show($('new-session'), false);
  show($('disconnect'), false);
  show($('share-box'), false);
}

function idle(text) {
  const note = $('idle-note');
  note.textContent = text;
  show(note, true);
  setStatus('not connected', 'idle');
}

// ---------------------------------------------------------------- prompt, interrupt

async function submit(event) {
  event.preventDefault();
  const box = $('prompt');
  const text = box.value.trim();
  if (!text || !state.sessionId) return;
  box.value = '';
  const sent = transcript.message('user', text);
  try {
    await rpc('prompt.submit', {session_id: state.sessionId, text});
  } catch (e) {
    sent.classList.add('refused');
    if (e.code === -32003) readOnly('Not allowed: ' + e.message);
    else transcript.notice('The prompt failed: ' + e.message, 'error');
  }
}

async function interrupt() {
  if (!state.sessionId) return;
  try {
    await rpc('session.interrupt', {session_id: state.sessionId});
  } catch (e) {
    transcript.notice('Stop failed: ' + e.message, 'error');
  }
}

// ---------------------------------------------------------------- share links

async function mintShare() {
  const t = state.target;
  if (!t || !t.id) return;
  const role = $('share-role').value;
  const ttl = $('share-ttl').value;
  const button = $('share');
  button.disabled = true;
  try {
    const r = await state.api.share(t.peer, t.id, role, ttl);
    $('share-links').prepend(shareItem(t, role, r, state.sessionKey));
    loadAgents();
  } catch (e) {
    transcript.notice('Could not create a link: ' + e.message, 'error');
  } finally {
    button.disabled = false;
  }
}

/** The page's link for a share: this page (or the peer's page, for an agent on a peer) with the token in the fragment. */
function pageLink(r, role, session) {
  let origin = window.location.origin;
  try {
    if (r.url) {
      const u = new URL(r.url, window.location.href);
      origin = (u.protocol === 'wss:' || u.protocol === 'https:' ? 'https://' : 'http://') + u.host;
    }
  } catch (e) {
    origin = window.location.origin;
  }
  return origin + '/front/#share=' + encodeURIComponent(r.token) + (role === 'participant' ? '&role=participant' : '')
    + (session ? '&session=' + encodeURIComponent(session) : '');
}

function shareItem(t, role, r, session) {
  const link = pageLink(r, role, session);
  const field = h('input', {type: 'text', readonly: true, value: link, class: 'link', 'aria-label': 'Share link'});
  const when = r.expires_at ? new Date(typeof r.expires_at === 'number' ? r.expires_at * 1000 : r.expires_at) : null;
  const state_ = h('span', {class: 'meta', text: role + (when && !isNaN(when) ? ' · until ' + when.toLocaleTimeString() : '')});
  const revoke = h('button', {type: 'button', class: 'danger small'}, 'Revoke');
  const li = h('li', {class: 'share-link', dataset: {role, share: r.id || ''}}, h('div', {class: 'row wrap'}, state_,
    h('button', {type: 'button', class: 'quiet small', onclick: () => copy(field)}, 'Copy'), revoke), field,
  r.url ? h('div', {class: 'meta', text: 'TUI: HERMES_TUI_GATEWAY_URL=\'' + r.url + '\''
    + (session ? ' HERMES_TUI_RESUME=' + session : '') + ' hermes --tui'}) : null);
  revoke.addEventListener('click', async () => {
    revoke.disabled = true;
    try {
      await state.api.revoke(t.peer, t.id, r.id);
      li.classList.add('revoked');
      state_.textContent = role + ' · revoked';
      revoke.remove();
      loadAgents();
    } catch (e) {
      revoke.disabled = false;
      transcript.notice('Could not revoke: ' + e.message, 'error');
    }
  });
  return li;
}

async function copy(field) {
  field.select();
  try {
    await navigator.clipboard.writeText(field.value);
  } catch (e) {
    // Not allowed here (plain http, no permission): the text stays selected for a manual copy.
  }
}

// ---------------------------------------------------------------- wiring

function wire() {
  $('signin-form').addEventListener('submit', signIn);
  $('signout').addEventListener('click', signOut);
  $('refresh').addEventListener('click', () => loadAgents());
  $('new-agent').addEventListener('click', () => connect({peer: null, agent: null, fresh: true}));
  $('new-session').addEventListener('click', () => newSession());
  $('disconnect').addEventListener('click', () => {
    disconnect();
    transcript.reset();
    idle('Left the agent. It keeps running while it is parked; pick it again to come back.');
    if (state.api) loadAgents();
  });
  $('sessions').addEventListener('change', (e) => {
    const s = state.sessions.find((x) => x.id === e.target.value);
    if (s) attach(s);
  });
  $('prompt-form').addEventListener('submit', submit);
  $('prompt').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      $('prompt-form').requestSubmit();
    }
  });
  $('interrupt').addEventListener('click', interrupt);
  $('share').addEventListener('click', mintShare);
  wireAddDevice(() => state.api);
  window.addEventListener('hashchange', () => {
    if (new URLSearchParams(window.location.hash.replace(/^#/, '')).get('share')) window.location.reload();
  });
}

boot();
