// Pairing (docs/pairing.md): "Add a device" mints a one-time code and draws its QR code (an SVG built here from the
// path the front sends: no data: URL, no HTML strings), and a page opened at /front/#pair=CODE redeems the code for
// a device token, which it keeps only as the user chooses and shows as the line that attaches the TUI.
import {$, h, clear, show} from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';

/** Builds the QR code as an <svg> element from {size, path}. */
export function qrSvg(qr) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 ' + qr.size + ' ' + qr.size);
  svg.setAttribute('class', 'qr');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'QR code of the pairing link');
  svg.setAttribute('shape-rendering', 'crispEdges');
  const bg = document.createElementNS(SVG, 'rect');
  bg.setAttribute('width', String(qr.size));
  bg.setAttribute('height', String(qr.size));
  bg.setAttribute('fill', '#fff');
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', qr.path);
  path.setAttribute('fill', '#000');
  svg.append(bg, path);
  return svg;
}

/** Wires the "Add a device" box to the signed-in Api. */
export function wireAddDevice(getApi) {
  $('add-device').addEventListener('click', () => {
    const box = $('device-box');
    show(box, box.hidden);
  });
  $('device-create').addEventListener('click', async () => {
    const out = $('device-code');
    clear(out);
    const button = $('device-create');
    button.disabled = true;
    try {
      const body = {scope: $('device-scope').value};
      const name = $('device-name').value.trim();
      if (name) body.name = name;
      const r = await getApi().request('POST', '/front/pair/codes', body);
      out.append(
        h('p', {class: 'meta'}, 'Scan it with the phone, or open the link on the laptop. Single use, valid '
          + Math.round(r.expires_in / 60) + ' min, scope ' + r.scope + '.'),
        qrSvg(r.qr),
        h('p', {}, h('code', {id: 'device-code-text'}, r.code)),
        h('input', {class: 'link', id: 'device-url', readonly: true, value: r.url, 'aria-label': 'Pairing link'}));
      show(out, true);
      loadDevices(getApi);
    } catch (e) {
      out.append(h('p', {class: 'error'}, 'Could not make a code: ' + e.message));
      show(out, true);
    } finally {
      button.disabled = false;
    }
  });
}

/** Lists the devices this credential paired (an admin: all), each with Revoke. */
export async function loadDevices(getApi) {
  const list = $('device-list');
  let r;
  try {
    r = await getApi().request('GET', '/front/devices');
  } catch (e) {
    clear(list);
    return;
  }
  clear(list);
  for (const d of r.devices || []) {
    const revoke = h('button', {type: 'button', class: 'quiet small', onclick: async () => {
      revoke.disabled = true;
      try {
        await getApi().request('DELETE', '/front/devices/' + encodeURIComponent(d.name));
      } finally {
        loadDevices(getApi);
      }
    }}, 'Revoke');
    list.append(h('li', {class: 'device', dataset: {name: d.name}},
      h('span', {class: 'id'}, d.name), ' ', h('span', {class: 'pill'}, d.scope),
      h('span', {class: 'meta'}, ' paired by ' + d.pairer + (d.last_seen ? ', last seen ' + d.last_seen
        + (d.last_address ? ' from ' + d.last_address : '') : '')), revoke));
  }
}

/**
 * Shows the pairing form for CODE: the user names the device and chooses whether this browser keeps the token;
 * onDone(token, keep) continues signed in with the device's token.
 */
export function showPairing(code, onDone) {
  show($('pair'), true);
  $('pair-name').placeholder = /Android|iPhone|iPad|Mobile/.test(navigator.userAgent) ? 'phone' : 'laptop';
  $('pair-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const err = $('pair-error');
    show(err, false);
    const button = $('pair-button');
    button.disabled = true;
    let res;
    try {
      res = await fetch('/front/pair', {method: 'POST', cache: 'no-store', credentials: 'omit', redirect: 'error',
        referrerPolicy: 'no-referrer', headers: {'Content-Type': 'application/json', Accept: 'application/json'},
        body: JSON.stringify($('pair-name').value.trim() ? {code, name: $('pair-name').value.trim()} : {code})});
    } catch (e) {
      button.disabled = false;
      err.textContent = 'The front cannot be reached.';
      show(err, true);
      return;
    }
    const body = await res.json().catch(() => null);
    if (!res.ok) {
      button.disabled = false;
      err.textContent = res.status === 429 ? 'Too many attempts from this address; try again later.'
        : (body && body.error && body.error.message) || ('Pairing failed (' + res.status + ').');
      show(err, true);
      return;
    }
    show($('pair-form'), false);
    $('pair-device').textContent = body.device + ' (' + body.scope + ')';
    $('pair-tui').value = body.tui;
    show($('pair-done'), true);
    $('pair-continue').addEventListener('click', () => {
      show($('pair'), false);
      onDone(body.token, $('pair-keep').checked);
    });
  });
}
