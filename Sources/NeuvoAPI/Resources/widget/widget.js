/* Neuvo chat widget for the City of Helsinki's pages. Plain ES2017, no dependencies, no build step.
 * Embed: <script src="https://<neuvo>/widget.js" data-lang="fi" defer></script>
 *   data-lang  fi | sv | en  (default: the page's <html lang>, else fi)
 *   data-api   API base URL   (default: the origin this script was loaded from)
 * Texts come from GET /v1/widget/texts (locales/widget.json). Server text is only ever set with
 * textContent, never as HTML. State lives in sessionStorage["neuvo.widget"].
 * After a hand-off to customer service, the agent's messages come from GET /v1/sessions/<id>/events (server-sent
 * events read with fetch, so the session id travels as a bearer token, never in a URL); the id of the last event
 * shown is saved with the log, so a reconnect or a page reload resumes after it: nothing lost, nothing twice.
 */
(() => {
  'use strict';
  if (window.NeuvoWidget) return;

  const LANGS = ['fi', 'sv', 'en'];
  const KEY = 'neuvo.widget';
  const STARTERS = ['widget.starter.library', 'widget.starter.help', 'widget.starter.arrangements'];
  // Used only when /v1/widget/texts cannot be reached; the same words as locales/widget.json.
  const FALLBACK = {
    fi: { 'widget.launcher': 'Kysy Neuvolta', 'widget.retry': 'Yritä uudelleen', 'widget.close': 'Sulje keskustelu',
      'widget.error.network': 'Yhteys Neuvoon ei toimi. Tarkista verkkoyhteytesi ja yritä uudelleen.' },
    sv: { 'widget.launcher': 'Fråga Neuvo', 'widget.retry': 'Försök igen', 'widget.close': 'Stäng chatten',
      'widget.error.network': 'Det går inte att nå Neuvo. Kontrollera din internetförbindelse och försök igen.' },
    en: { 'widget.launcher': 'Ask Neuvo', 'widget.retry': 'Try again', 'widget.close': 'Close the chat',
      'widget.error.network': "Neuvo can't be reached. Check your internet connection and try again." }
  };

  const script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  const data = (script && script.dataset) || {};
  const scriptURL = new URL((script && script.src) || '/widget.js', location.href);
  const api = (data.api || scriptURL.origin).replace(/\/+$/, '');
  const pick = (lang) => (LANGS.indexOf(lang) >= 0 ? lang : null);

  let state = {};
  try { state = JSON.parse(sessionStorage.getItem(KEY)) || {}; } catch (e) { /* storage unavailable */ }
  state = {
    session: typeof state.session === 'string' ? state.session : null,
    lang: pick(state.lang) || pick(data.lang) || pick((document.documentElement.lang || '').slice(0, 2)) || 'fi',
    // The page's language only sets the interface; a message's language decides the reply's unless the
    // resident picked a language with the buttons (then every message carries it).
    langChosen: state.langChosen === true,
    open: !!state.open,
    log: Array.isArray(state.log) ? state.log : [],
    // A hand-off is under way: listen to the session's events; and the id of the last one shown.
    live: state.live === true,
    lastEvent: typeof state.lastEvent === 'number' && state.lastEvent > 0 ? state.lastEvent : 0,
    suggestions: Array.isArray(state.suggestions) ? state.suggestions : null
  };
  const save = () => {
    try { sessionStorage.setItem(KEY, JSON.stringify(state)); } catch (e) { /* storage unavailable */ }
  };

  // An identification link (/r/<token>) lands here with #session=<id>: adopt it, then clean the address bar.
  let identified = false;
  const hash = location.hash.replace(/^#/, '').split('&');
  const found = hash.filter((p) => p.indexOf('session=') === 0)[0];
  if (found) {
    const id = decodeURIComponent(found.slice(8));
    const rest = hash.filter((p) => p !== found && p).join('&');
    history.replaceState(history.state, '', location.pathname + location.search + (rest ? '#' + rest : ''));
    if (id) {
      identified = true;
      state.session = id;
      state.open = true;
      state.log.push({ r: 'n', k: 'widget.identified' });
      state.suggestions = [{ k: 'widget.starter.arrangements' }];
      save();
    }
  }

  const texts = {};
  // Hosts whose URLs become links (the server's link_hosts); any other URL in a reply stays text.
  let linkHosts = [];
  const allowedLink = (url) => {
    let host;
    try { const u = new URL(url); if (u.protocol !== 'https:' || u.username || u.password) return false; host = u.hostname; }
    catch (e) { return false; }
    return linkHosts.some((h) => host === h || host.endsWith('.' + h));
  };
  const t = (k) => (texts[state.lang] || {})[k] || (FALLBACK[state.lang] || {})[k] || '';

  const loadTexts = async (lang) => {
    if (texts[lang]) return;
    const res = await fetch(api + '/v1/widget/texts?lang=' + lang, { headers: { Accept: 'application/json' } });
    const body = res.ok ? await res.json() : null;
    if (!body || !body.texts || typeof body.texts !== 'object') throw new Error('texts ' + res.status);
    texts[lang] = body.texts;
    if (Array.isArray(body.link_hosts)) linkHosts = body.link_hosts.filter((h) => typeof h === 'string');
  };

  // DOM helpers: every element is created here; text goes in through textContent only.
  const el = (tag, cls, attrs, parent) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls.split(' ').map((c) => 'neuvo-widget__' + c).join(' ');
    Object.keys(attrs || {}).forEach((a) => e.setAttribute(a, attrs[a]));
    if (parent) parent.appendChild(e);
    return e;
  };
  const root = el('div', null, { lang: state.lang });
  root.className = 'neuvo-widget';
  const launcher = el('button', 'launcher', { type: 'button', 'aria-expanded': 'false', 'aria-controls': 'neuvo-widget-panel', 'data-k': 'widget.launcher' }, root);
  const panel = el('div', 'panel', { id: 'neuvo-widget-panel', role: 'dialog', 'aria-modal': 'false', 'aria-labelledby': 'neuvo-widget-title', hidden: '' }, root);
  const header = el('div', 'header', null, panel);
  el('h2', 'title', { id: 'neuvo-widget-title', 'data-k': 'widget.title' }, header);
  const closeButton = el('button', 'close', { type: 'button', 'data-k-label': 'widget.close' }, header);
  el('span', null, { 'aria-hidden': 'true' }, closeButton).textContent = '×';
  const tools = el('div', 'tools', null, panel);
  const langGroup = el('div', 'langs', { role: 'group', 'data-k-label': 'widget.language' }, tools);
  const langButtons = LANGS.map((l) => el('button', 'lang', { type: 'button', lang: l, 'data-lang': l, 'data-k': 'widget.lang.' + l }, langGroup));
  const restartButton = el('button', 'restart', { type: 'button', 'data-k': 'widget.restart' }, tools);
  const body = el('div', 'body', { tabindex: '0', role: 'region', 'data-k-label': 'widget.log' }, panel);
  el('p', 'msg msg--bot', { 'data-k': 'widget.intro' }, body);
  const log = el('div', 'log', { role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions' }, body);
  const typing = el('div', 'typing', { role: 'status', hidden: '' }, body);
  el('span', 'dots', { 'aria-hidden': 'true' }, typing).textContent = '•••';
  el('span', null, { 'data-k': 'widget.typing' }, typing);
  const agentTyping = el('div', 'typing typing--agent', { role: 'status', hidden: '' }, body);
  el('span', 'dots', { 'aria-hidden': 'true' }, agentTyping).textContent = '•••';
  el('span', null, { 'data-k': 'widget.agent.typing' }, agentTyping);
  const liveStatus = el('div', 'live-status', { role: 'status' }, body);
  const errorBox = el('div', 'error', { role: 'alert', hidden: '' }, panel);
  const errorText = el('p', null, null, errorBox);
  const retryButton = el('button', 'retry', { type: 'button', 'data-k': 'widget.retry' }, errorBox);
  const suggestionBox = el('div', 'suggestions', { role: 'group', 'data-k-label': 'widget.suggestions' }, panel);
  const form = el('form', 'form', { novalidate: '' }, panel);
  el('label', 'label', { for: 'neuvo-widget-input', 'data-k': 'widget.input.label' }, form);
  const row = el('div', 'row', null, form);
  const input = el('input', 'input', { id: 'neuvo-widget-input', type: 'text', autocomplete: 'off', maxlength: '1000' }, row);
  el('button', 'send', { type: 'submit', 'data-k': 'widget.send' }, row);

  const scrollDown = () => { body.scrollTop = body.scrollHeight; };

  // Bot text: https:// addresses on allowed hosts become links (built as elements, never parsed as HTML).
  const appendText = (parent, text, links) => {
    const re = /https:\/\/[^\s<>"']+/g;
    let at = 0;
    let m;
    while (links && (m = re.exec(text))) {
      const url = m[0].replace(/[.,;:!?)]+$/, '');
      if (!allowedLink(url)) continue;
      parent.appendChild(document.createTextNode(text.slice(at, m.index)));
      el('a', 'link', { href: url }, parent).textContent = url;
      at = m.index + url.length;
      re.lastIndex = at;
    }
    parent.appendChild(document.createTextNode(text.slice(at)));
  };

  const renderEntry = (entry) => {
    const kind = entry.r === 'u' ? 'user' : entry.r === 'b' ? 'bot' : entry.r === 'a' ? 'agent' : 'note';
    const msg = el('div', 'msg msg--' + kind, null, log);
    if (kind === 'agent') el('span', 'who', null, msg).textContent = t('widget.agent.label') + ': ';
    else if (kind !== 'note') el('span', 'sr', null, msg).textContent = t(kind === 'user' ? 'widget.you' : 'widget.bot') + ': ';
    appendText(msg, entry.k ? t(entry.k) : String(entry.t || ''), kind !== 'user');
    (entry.a || []).forEach((a) => {
      const link = el('a', 'link link--action', { href: a.url }, el('p', null, null, msg));
      link.textContent = a.label;
    });
    scrollDown();
    return msg;
  };
  const addEntry = (entry) => {
    state.log.push(entry);
    if (state.log.length > 100) state.log = state.log.slice(-100);
    save();
    return renderEntry(entry);
  };

  // "Was this helpful?" under the newest reply only: the verdict is stored with the resident's latest turn
  // (POST /v1/chat/rating), and an unhelpful one reaches the staff console's misunderstood messages.
  let rating = null;
  const offerRating = (msg) => {
    if (rating) rating.remove();
    rating = el('div', 'rate', { role: 'group', 'data-k-label': 'widget.rate.question' }, msg);
    rating.setAttribute('aria-label', t('widget.rate.question'));
    el('span', 'rate-question', null, rating).textContent = t('widget.rate.question') + ' ';
    [['yes', true, '\u{1F44D}'], ['no', false, '\u{1F44E}']].forEach(([k, helpful, icon]) => {
      const b = el('button', 'rate-button', { type: 'button', 'data-helpful': String(helpful), 'aria-label': t('widget.rate.' + k) }, rating);
      b.textContent = icon;
    });
  };
  log.addEventListener('click', async (e) => {
    const button = e.target.closest && e.target.closest('.neuvo-widget__rate-button');
    if (!button || !state.session || !rating) return;
    const box = rating;
    try {
      const res = await fetch(api + '/v1/chat/rating', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ session_id: state.session, helpful: button.getAttribute('data-helpful') === 'true' })
      });
      if (!res.ok) return;
    } catch (err) { return; }
    while (box.firstChild) box.removeChild(box.firstChild);
    box.removeAttribute('role');
    box.setAttribute('role', 'status');
    box.textContent = t('widget.rate.thanks');
    if (document.activeElement === button || !document.activeElement || document.activeElement === document.body) input.focus();
  });

  const renderSuggestions = () => {
    while (suggestionBox.firstChild) suggestionBox.removeChild(suggestionBox.firstChild);
    const chatted = state.log.some((e) => e.r === 'u');
    const items = state.suggestions || (chatted ? [] : STARTERS.map((k) => ({ k })));
    items.forEach((s) => {
      const text = s.k ? t(s.k) : s.t;
      if (!text) return;
      el('button', 'suggestion', { type: 'button' }, suggestionBox).textContent = text;
    });
    suggestionBox.hidden = !suggestionBox.firstChild;
    scrollDown();
  };

  const applyTexts = () => {
    root.setAttribute('lang', state.lang);
    root.querySelectorAll('[data-k]').forEach((e) => { e.textContent = t(e.getAttribute('data-k')); });
    root.querySelectorAll('[data-k-label]').forEach((e) => { e.setAttribute('aria-label', t(e.getAttribute('data-k-label'))); });
    input.setAttribute('placeholder', t('widget.input.placeholder'));
    langButtons.forEach((b) => b.setAttribute('aria-pressed', String(b.getAttribute('data-lang') === state.lang)));
    renderSuggestions();
  };

  let retry = null;
  const showError = (key, again) => {
    retry = again || null;
    errorBox.hidden = !key;
    retryButton.hidden = !again;
    errorText.textContent = key ? t(key) : '';
  };

  let busy = false;
  const setBusy = (on) => {
    busy = on;
    typing.hidden = !on;
    log.setAttribute('aria-busy', String(on));
    if (on) scrollDown();
  };

  const send = async (raw, again) => {
    const text = String(raw || '').trim();
    if (!text || busy) return;
    if (!again) {
      addEntry({ r: 'u', t: text });
      input.value = '';
    }
    state.suggestions = [];
    renderSuggestions();
    showError(null);
    setBusy(true);
    const req = { text };
    if (state.session) req.session_id = state.session;
    if (state.langChosen) req.lang = state.lang;
    let res = null;
    let reply = null;
    try {
      res = await fetch(api + '/v1/chat', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(req)
      });
      reply = await res.json().catch(() => null);
    } catch (e) { /* network error or offline: res stays null */ }
    setBusy(false);
    if (res && res.status === 401 && state.session) {
      // The identified session ended (idle or too old): start over without it, say so, keep what was typed.
      state.session = null;
      state.suggestions = null;
      addEntry({ r: 'n', k: 'widget.session_expired' });
      if (!input.value) input.value = text;
      renderSuggestions();
      return;
    }
    if (!res || !res.ok || !reply || typeof reply.reply !== 'string') {
      const s = res ? res.status : 0;
      const retryable = !res || s === 429 || s >= 500 || res.ok;
      showError(!res ? 'widget.error.network' : s === 413 ? 'widget.error.too_long'
        : s === 429 ? 'widget.error.too_many' : s === 503 ? 'widget.error.busy' : s >= 400 && s < 500 ? 'widget.error.invalid' : 'widget.error.server', retryable ? () => send(text, true) : null);
      if (!retryable && !input.value) input.value = text;
      return;
    }
    if (typeof reply.session_id === 'string' && reply.session_id) state.session = reply.session_id;
    const actions = Array.isArray(reply.actions) ? reply.actions : [];
    // The message went to the agent who holds the conversation: the assistant has nothing to say.
    if (actions.some((a) => a && a.kind === 'handoff.relayed')) {
      save();
      return;
    }
    if (actions.some((a) => a && a.kind === 'handoff.requested' && a.status !== 'refused')) {
      state.live = true;
      save();
      listen();
    }
    // Links shown under the reply: sources {title, url} and any action carrying {label, url}.
    const links = [].concat(reply.sources || [], reply.actions || []).map((a) => a && { url: a.url, label: a.title || a.label })
      .filter((a) => a && typeof a.label === 'string' && typeof a.url === 'string' && (/^\/(?![\/\\])/.test(a.url) || allowedLink(a.url)));
    state.suggestions = (Array.isArray(reply.suggestions) ? reply.suggestions : [])
      .filter((s) => typeof s === 'string' && s.trim()).slice(0, 6).map((s) => ({ t: s }));
    offerRating(addEntry(links.length ? { r: 'b', t: reply.reply, a: links.slice(0, 5) } : { r: 'b', t: reply.reply }));
    renderSuggestions();
    if (pick(reply.lang) && reply.lang !== state.lang) setLang(reply.lang, false);
  };

  const setLang = async (lang, chosen) => {
    if (chosen) state.langChosen = true;
    try {
      await loadTexts(lang);
    } catch (e) {
      showError('widget.error.network', () => setLang(lang, chosen));
      return;
    }
    state.lang = lang;
    save();
    showError(null);
    applyTexts();
  };

  const setOpen = (open, focus) => {
    state.open = open;
    save();
    panel.hidden = !open;
    launcher.hidden = open;
    launcher.setAttribute('aria-expanded', String(open));
    if (open) scrollDown();
    if (focus) (open ? input : launcher).focus();
  };

  launcher.addEventListener('click', () => setOpen(true, true));
  closeButton.addEventListener('click', () => setOpen(false, true));
  panel.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') setOpen(false, true);
  });
  langButtons.forEach((b) => b.addEventListener('click', () => setLang(b.getAttribute('data-lang'), true)));
  restartButton.addEventListener('click', () => {
    stopListening();
    state.live = false;
    state.lastEvent = 0;
    state.session = null;
    state.log = [];
    state.suggestions = null;
    save();
    while (log.firstChild) log.removeChild(log.firstChild);
    showError(null);
    renderSuggestions();
    input.focus();
  });
  retryButton.addEventListener('click', () => {
    const again = retry;
    showError(null);
    input.focus();
    if (again) again();
  });
  suggestionBox.addEventListener('click', (e) => {
    if (e.target.tagName !== 'BUTTON') return;
    input.focus();
    send(e.target.textContent);
  });
  // The resident is typing to an agent: told at most every 3 seconds.
  let lastTyping = 0;
  input.addEventListener('input', () => {
    if (!state.live || !state.session || Date.now() - lastTyping < 3000) return;
    lastTyping = Date.now();
    fetch(api + '/v1/sessions/' + encodeURIComponent(state.session) + '/typing', {
      method: 'POST', headers: { Authorization: 'Bearer ' + state.session }
    }).catch(() => {});
  });

  // Server-sent events of the session, over fetch. One block is "id: n", "event: kind", "data: {json}" lines.
  let streaming = null;
  let typingTimer = null;
  const stopListening = () => {
    if (streaming) streaming.abort();
    streaming = null;
    agentTyping.hidden = true;
    liveStatus.textContent = '';
  };
  const handleBlock = (block) => {
    let id = null;
    let kind = 'message';
    let data = '';
    block.split('\n').forEach((line) => {
      if (line.indexOf('id:') === 0) id = Number(line.slice(3).trim());
      else if (line.indexOf('event:') === 0) kind = line.slice(6).trim();
      else if (line.indexOf('data:') === 0) data += line.slice(5).trim();
    });
    let event = null;
    try { event = data ? JSON.parse(data) : null; } catch (e) { return; }
    if (!event) return;
    if (kind === 'typing') {
      if (event.from !== 'agent') return;
      agentTyping.hidden = false;
      scrollDown();
      window.clearTimeout(typingTimer);
      typingTimer = window.setTimeout(() => { agentTyping.hidden = true; }, 5000);
      return;
    }
    if (!id || id <= state.lastEvent) return; // already shown
    state.lastEvent = id;
    if (event.from === 'agent') {
      agentTyping.hidden = true;
      addEntry({ r: 'a', t: String(event.text || '') });
    } else if (event.from === 'neuvo') {
      addEntry({ r: 'b', t: String(event.text || '') });
    } else {
      save(); // the resident's own message, shown when it was sent
    }
    if (event.kind === 'closed' || event.kind === 'unanswered') {
      state.live = false;
      save();
      stopListening();
    }
  };
  const listen = async () => {
    if (streaming || !state.live || !state.session) return;
    const controller = new AbortController();
    streaming = controller;
    let delay = 1000;
    while (state.live && streaming === controller) {
      try {
        const res = await fetch(api + '/v1/sessions/' + encodeURIComponent(state.session) + '/events', {
          headers: { Accept: 'text/event-stream', Authorization: 'Bearer ' + state.session, 'Last-Event-ID': String(state.lastEvent) },
          cache: 'no-store', signal: controller.signal
        });
        if (res.status === 401 || res.status === 403) {
          state.live = false;
          save();
          break;
        }
        if (!res.ok || !res.body) throw new Error('events ' + res.status);
        liveStatus.textContent = '';
        delay = 1000;
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            if (streaming === controller) handleBlock(block);
          }
        }
      } catch (e) {
        if (controller.signal.aborted) break;
      }
      if (!state.live || streaming !== controller) break;
      liveStatus.textContent = t('widget.agent.reconnecting');
      await new Promise((done) => window.setTimeout(done, delay));
      delay = Math.min(delay * 2, 10000);
    }
    if (streaming === controller) streaming = null;
  };
  window.addEventListener('online', () => { if (state.live && !streaming) listen(); });

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    send(input.value);
  });

  const start = async () => {
    const css = new URL('widget.css', scriptURL).href;
    const styled = [].some.call(document.querySelectorAll('link[rel~="stylesheet"]'), (l) => l.href === css) ? null
      : new Promise((done) => { const l = el('link', null, { rel: 'stylesheet', href: css }, document.head); l.onload = l.onerror = done; });
    try {
      await loadTexts(state.lang);
    } catch (e) {
      showError('widget.error.network', () => setLang(state.lang, false));
    }
    state.log.forEach(renderEntry); // before the root is attached, so history is not announced again
    applyTexts();
    await styled;
    document.body.appendChild(root);
    setOpen(state.open, identified);
    if (state.live) listen();
    window.NeuvoWidget = { open: () => setOpen(true, true), close: () => setOpen(false, true) };
  };
  window.NeuvoWidget = {};
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
