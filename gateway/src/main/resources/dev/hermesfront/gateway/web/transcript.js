// The transcript of the session on screen: history, the streamed turn, tool calls, the agent's questions
// (approvals, clarify, sudo, secret: old-wire events and current-wire server requests) and notices.
// Text only (textContent), never HTML.
import {h} from './dom.js';

function str(v) {
  return typeof v === 'string' ? v : (v === undefined || v === null ? '' : JSON.stringify(v));
}

export class Transcript {
  /**
   * @param {HTMLElement} el the <ol> to fill
   * @param {object} answer  {canAnswer(): bool, userLabel(): string, call(method, params): Promise, respond(id, result)}
   */
  constructor(el, answer) {
    this.el = el;
    this.answer = answer;
    this.reset();
  }

  reset() {
    while (this.el.firstChild) this.el.firstChild.remove();
    this.turn = null;
    this.thinking = null;
    this.tools = new Map();
    this.asks = new Map();
  }

  add(li) {
    const atBottom = this.el.scrollHeight - this.el.scrollTop - this.el.clientHeight < 40;
    this.el.append(li);
    if (atBottom) this.el.scrollTop = this.el.scrollHeight;
    return li;
  }

  message(role, text) {
    const who = role === 'user' ? this.answer.userLabel() : role === 'assistant' ? 'agent' : role;
    return this.add(h('li', {class: 'msg ' + role}, h('span', {class: 'who', text: who}), h('div', {class: 'text', text: str(text)})));
  }

  notice(text, level) {
    return this.add(h('li', {class: 'notice ' + (level || 'info'), text}));
  }

  /** Shows a stored transcript: [{role, text, name?}]. */
  history(messages) {
    for (const m of messages || []) {
      if (!m) continue;
      if (m.role === 'tool') this.add(h('li', {class: 'tool done'}, h('span', {class: 'name', text: str(m.name || 'tool')}),
          h('span', {class: 'detail', text: str(m.text || m.context)})));
      else if (m.role === 'user' || m.role === 'assistant') this.message(m.role, m.text);
      else if (m.text) this.notice(str(m.text), 'info');
    }
  }

  /** Shows the turn in flight when we attached: {user, assistant, streaming}. */
  inflight(f) {
    if (!f) return;
    if (f.user) this.message('user', f.user);
    this.startTurn();
    this.turn.text.textContent = str(f.assistant);
    if (!f.streaming) this.endTurn('complete');
  }

  startTurn() {
    this.endThinking();
    if (this.turn) return;
    const text = h('div', {class: 'text'});
    const li = this.add(h('li', {class: 'msg assistant streaming'}, h('span', {class: 'who', text: 'agent'}), text));
    this.turn = {li, text};
  }

  endTurn(status, finalText) {
    this.endThinking();
    if (!this.turn) {
      if (finalText) this.message('assistant', finalText);
      return;
    }
    if (typeof finalText === 'string' && finalText.length >= this.turn.text.textContent.length) this.turn.text.textContent = finalText;
    this.turn.li.classList.remove('streaming');
    if (status && status !== 'complete') {
      this.turn.li.classList.add(status);
      this.turn.li.append(h('span', {class: 'status', text: status}));
    }
    this.turn = null;
  }

  think(text) {
    if (!this.thinking) this.thinking = this.add(h('li', {class: 'thinking'}));
    this.thinking.textContent = text;
  }

  endThinking() {
    if (this.thinking) this.thinking.remove();
    this.thinking = null;
  }

  /** Renders one event of this session. Returns true when it was shown. */
  event(type, p) {
    p = p || {};
    switch (type) {
      case 'message.start': this.startTurn(); return true;
      case 'message.delta':
        this.startTurn();
        this.turn.text.append(document.createTextNode(str(p.text)));
        if (this.el.scrollHeight - this.el.scrollTop - this.el.clientHeight < 80) this.el.scrollTop = this.el.scrollHeight;
        return true;
      case 'message.complete': this.endTurn(p.status || 'complete', p.text); return true;
      case 'error': this.endTurn('error'); this.notice(str(p.message || 'error'), 'error'); return true;
      case 'reasoning.delta': case 'thinking.delta': this.think('thinking… ' + str(p.text).slice(-120)); return true;
      case 'status.update': if (p.text) this.think(str(p.text)); return true;
      case 'tool.generating': this.think('preparing ' + str(p.name) + '…'); return true;
      case 'tool.start': this.toolStart(p); return true;
      case 'tool.complete': this.toolDone(p); return true;
      case 'approval.request': this.ask({kind: 'approval', old: true, params: p}); return true;
      case 'clarify.request': this.ask({kind: 'clarify', old: true, params: p}); return true;
      case 'sudo.request': this.ask({kind: 'sudo', old: true, params: p}); return true;
      case 'secret.request': this.ask({kind: 'secret', old: true, params: p}); return true;
      case 'sudo.expire': case 'secret.expire': this.withdraw(p.request_id, 'expired'); return true;
      case 'request.cancel': this.withdraw(p.id, p.reason || 'withdrawn'); return true;
      case 'notification.show': if (p.text) this.notice(str(p.text), p.level === 'error' ? 'error' : p.level === 'warn' ? 'warn' : 'info'); return true;
      default: return false;
    }
  }

  toolStart(p) {
    this.endThinking();
    const state = h('span', {class: 'state', text: 'running'});
    const li = this.add(h('li', {class: 'tool running'}, h('span', {class: 'name', text: str(p.name || 'tool')}),
        h('span', {class: 'detail', text: str(p.context || p.args_text)}), state));
    if (p.tool_id) this.tools.set(p.tool_id, {li, state});
  }

  toolDone(p) {
    let t = p.tool_id && this.tools.get(p.tool_id);
    if (!t) {
      this.toolStart(p);
      t = p.tool_id ? this.tools.get(p.tool_id) : null;
    }
    const summary = str(p.summary || p.result_text || '').slice(0, 400);
    const secs = typeof p.duration_s === 'number' ? ' · ' + p.duration_s.toFixed(1) + ' s' : '';
    if (t) {
      t.li.classList.remove('running');
      t.li.classList.add('done');
      t.state.textContent = 'done' + secs;
      if (summary) t.li.append(h('div', {class: 'summary', text: summary}));
      this.tools.delete(p.tool_id);
    }
  }

  /**
   * Shows one of the agent's questions. ask = {kind, old: bool (an event answered by *.respond), id (a server
   * request's id), params}. A page that may not answer shows it without controls.
   */
  ask(a) {
    this.endThinking();
    const p = a.params || {};
    const key = a.id || p.request_id || (a.kind + ':' + this.asks.size);
    const title = {approval: 'Approval needed', clarify: 'The agent asks', sudo: 'The agent asks for a sudo password',
      secret: 'The agent asks for a secret'}[a.kind] || a.kind;
    const body = [];
    if (a.kind === 'approval') {
      if (p.description) body.push(h('div', {class: 'detail', text: str(p.description)}));
      if (p.command) body.push(h('pre', {class: 'command', text: str(p.command)}));
    } else if (a.kind === 'clarify') {
      for (const q of this.questions(p)) body.push(h('div', {class: 'detail', text: str(q.question)}));
    } else if (a.kind === 'secret') {
      body.push(h('div', {class: 'detail', text: str(p.prompt || p.env_var)}));
    } else if (p.command) {
      body.push(h('pre', {class: 'command', text: str(p.command)}));
    }
    const controls = h('div', {class: 'controls'});
    const li = this.add(h('li', {class: 'ask ' + a.kind, dataset: {key: str(key)}}, h('strong', {text: title}), body, controls));
    const entry = {li, controls, a};
    this.asks.set(key, entry);
    if (!this.answer.canAnswer()) {
      controls.append(h('span', {class: 'note', text: 'Waiting for a participant to answer.'}));
      return;
    }
    if (a.kind === 'approval') {
      const choices = Array.isArray(p.choices) && p.choices.length ? p.choices : ['once', 'deny'];
      for (const c of choices) {
        controls.append(h('button', {type: 'button', class: c === 'deny' ? 'danger' : '', dataset: {choice: c},
          onclick: () => this.reply(key, entry, {choice: c}, 'approval.respond', {session_id: p.session_id, choice: c})}, c));
      }
    } else if (a.kind === 'clarify') {
      const qs = this.questions(p);
      const inputs = qs.map((q) => h('input', {type: 'text', 'aria-label': str(q.question), placeholder: 'answer'}));
      controls.append(...inputs, h('button', {type: 'button', onclick: () => {
        const answers = {};
        qs.forEach((q, i) => { answers[q.qid] = inputs[i].value; });
        const single = p.questions ? null : {answer: inputs[0].value};
        this.reply(key, entry, single || {answers}, 'clarify.respond', {request_id: p.request_id, answer: inputs[0].value});
      }}, 'Answer'));
    } else {
      const input = h('input', {type: 'password', autocomplete: 'off', 'aria-label': title});
      const field = a.kind === 'sudo' ? 'password' : 'value';
      controls.append(input, h('button', {type: 'button', onclick: () => {
        this.reply(key, entry, {value: input.value}, a.kind + '.respond', {request_id: p.request_id, [field]: input.value});
        input.value = '';
      }}, 'Send'), h('button', {type: 'button', class: 'quiet', onclick: () => {
        this.reply(key, entry, {value: ''}, a.kind + '.respond', {request_id: p.request_id, [field]: ''});
      }}, 'Skip'));
    }
  }

  questions(p) {
    if (Array.isArray(p.questions)) return p.questions.map((q, i) => ({qid: q.qid || 'q' + (i + 1), question: q.question}));
    return [{qid: 'q1', question: p.question}];
  }

  async reply(key, entry, result, method, params) {
    for (const b of entry.controls.querySelectorAll('button, input')) b.disabled = true;
    try {
      if (entry.a.old) await this.answer.call(method, params);
      else this.answer.respond(entry.a.id, result);
      this.settle(key, 'answered' + (result.choice ? ': ' + result.choice : ''));
    } catch (e) {
      for (const b of entry.controls.querySelectorAll('button, input')) b.disabled = false;
      this.notice('Could not answer: ' + e.message, 'error');
    }
  }

  settle(key, text) {
    const entry = this.asks.get(key);
    if (!entry) return;
    this.asks.delete(key);
    entry.li.classList.add('settled');
    while (entry.controls.firstChild) entry.controls.firstChild.remove();
    entry.controls.append(h('span', {class: 'note', text}));
  }

  withdraw(key, reason) {
    if (key !== undefined && key !== null) this.settle(key, 'withdrawn (' + reason + ')');
  }
}
