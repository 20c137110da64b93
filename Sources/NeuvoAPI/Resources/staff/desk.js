/* Neuvo customer-service desk: the queue of hand-offs, the conversation an agent holds, replies and ready replies.
 * Plain JavaScript, no inline script (the page's CSP forbids it); texts from GET /staff/texts, actions through
 * /staff/api with the session's CSRF token; live updates from GET /staff/api/desk/events (server-sent events).
 * Content goes into the page through textContent only. */
(() => {
  'use strict';
  const LANGS = ['fi', 'sv', 'en'];
  const NAMES = { fi: 'suomi', sv: 'svenska', en: 'English' };
  const KEY = 'neuvo.staff.lang';
  const $ = (id) => document.getElementById(id);
  const queueList = $('queue');
  const logBox = $('log');
  const meta = $('chat-meta');
  const typingLine = $('typing');
  const form = $('reply-form');
  const reply = $('reply');
  const canned = $('canned');
  const available = $('available');
  const statusBox = $('status');
  const arrangementsBox = $('arrangements');
  const arrangementList = $('arrangement-list');
  let lang = 'fi';
  try { lang = localStorage.getItem(KEY) || ''; } catch (e) { /* storage unavailable */ }
  if (!LANGS.includes(lang)) lang = 'fi';
  let texts = {};
  let session = null;
  let replies = {};
  let queue = [];
  let selected = null; // the id of the hand-off shown (one this agent holds)
  let typingTimer = null;
  let lastTypingSent = 0;

  const t = (key) => texts[key] || key;
  const el = (tag, attrs, parent, text) => {
    const e = document.createElement(tag);
    Object.keys(attrs || {}).forEach((a) => e.setAttribute(a, attrs[a]));
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  };
  const clear = (node) => { while (node.firstChild) node.removeChild(node.firstChild); };
  const say = (message) => { statusBox.textContent = ''; window.setTimeout(() => { statusBox.textContent = message; }, 50); };

  const loadTexts = async () => {
    const res = await fetch('/staff/texts?lang=' + lang, { headers: { Accept: 'application/json' } });
    texts = (await res.json()).texts || {};
    document.documentElement.setAttribute('lang', lang);
    document.querySelectorAll('[data-k]').forEach((e) => { e.textContent = t(e.getAttribute('data-k')); });
    document.title = t('staff.desk.title') + ' – ' + t('staff.title');
    $('ui-lang').value = lang;
  };

  const api = async (method, path, body) => {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && session) headers['X-CSRF-Token'] = session.csrf_token;
    const res = await fetch('/staff/api' + path, {
      method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body)
    });
    let data = null;
    try { data = await res.json(); } catch (e) { /* no body */ }
    if (res.status === 401) {
      window.location.assign('/staff/signin?failed=expired');
      throw new Error('signed out');
    }
    if (res.status === 403) say(t('staff.forbidden'));
    return { status: res.status, ok: res.ok, data };
  };

  const held = () => queue.find((h) => h.id === selected && h.agent && h.agent.you);

  const renderQueue = () => {
    const focused = document.activeElement && document.activeElement.getAttribute('data-take');
    clear(queueList);
    if (!queue.length) el('li', null, queueList, t('staff.desk.empty'));
    queue.forEach((h) => {
      const item = el('li', { 'data-handoff': String(h.id) }, queueList);
      if (h.id === selected) item.className = 'selected';
      const first = h.messages.find((m) => m.from === 'resident');
      el('p', { lang: h.lang }, item, first ? first.text : '…');
      const line = el('p', { class: 'meta' }, item);
      line.appendChild(document.createTextNode(t('staff.desk.language') + ': '));
      el('span', { lang: h.lang, 'data-lang': h.lang }, line, NAMES[h.lang] || h.lang);
      line.appendChild(document.createTextNode(' · ' + t('staff.desk.waiting') + ' ' + h.waiting_seconds + ' ' +
        t('staff.desk.seconds') + ' · ' + t('staff.desk.assurance') + ': ' + t('staff.desk.assurance.' + h.assurance)));
      if (h.agent) {
        el('p', { class: 'meta' }, item, t('staff.desk.held_by') + ' ' + h.agent.name);
        if (h.agent.you && h.id !== selected) {
          el('button', { type: 'button', class: 'secondary', 'data-open': String(h.id) }, item, t('staff.desk.conversation'));
        }
      } else {
        el('button', { type: 'button', 'data-take': String(h.id), 'aria-describedby': 'queue-title' }, item, t('staff.desk.take'));
      }
    });
    if (focused) {
      const again = queueList.querySelector('[data-take="' + focused + '"]');
      if (again) again.focus();
    }
  };

  const renderChat = () => {
    const h = held();
    clear(logBox);
    form.hidden = !h;
    if (!h) {
      meta.textContent = selected ? t('staff.desk.closed') : t('staff.desk.none_selected');
      arrangementsBox.hidden = true;
      return;
    }
    clear(meta);
    meta.appendChild(document.createTextNode(t('staff.desk.language') + ': '));
    el('strong', { lang: h.lang, 'data-lang': h.lang }, meta, NAMES[h.lang] || h.lang);
    meta.appendChild(document.createTextNode(' · ' + t('staff.desk.assurance') + ': ' + t('staff.desk.assurance.' + h.assurance)));
    h.messages.forEach((m) => {
      const p = el('p', { 'data-from': m.from }, logBox);
      if (m.id) p.setAttribute('data-event', String(m.id));
      el('span', { class: 'from from-' + m.from }, p, t('staff.desk.from.' + m.from) + ': ');
      el('span', { lang: h.lang }, p, m.text);
    });
    logBox.scrollTop = logBox.scrollHeight;
    renderCanned(h.lang);
  };

  const renderCanned = (residentLang) => {
    const current = canned.getAttribute('data-lang');
    if (current === residentLang) return;
    canned.setAttribute('data-lang', residentLang);
    while (canned.options.length > 1) canned.remove(1);
    (replies[residentLang] || []).forEach((text) => {
      const option = el('option', { lang: residentLang }, canned, text);
      option.value = text;
    });
  };

  const refresh = async () => {
    const res = await api('GET', '/handoffs');
    if (!res.ok) return;
    queue = res.data.handoffs || [];
    available.checked = res.data.available === true;
    if (selected && !queue.some((h) => h.id === selected)) {
      selected = null;
      say(t('staff.desk.closed'));
    }
    if (!selected) {
      const mine = queue.find((h) => h.agent && h.agent.you);
      if (mine) selected = mine.id;
    }
    renderQueue();
    renderChat();
  };

  const loadArrangements = async (id) => {
    const res = await api('GET', '/handoffs/' + id + '/arrangements');
    clear(arrangementList);
    const list = (res.ok && res.data.arrangements) || [];
    arrangementsBox.hidden = !list.length;
    list.forEach((a) => {
      const details = Object.keys(a.details || {}).map((k) => k + ': ' + a.details[k]).join(', ');
      el('li', null, arrangementList, a.kind + ' (' + a.status + ')' + (details ? ' – ' + details : ''));
    });
  };

  queueList.addEventListener('click', async (e) => {
    const take = e.target.getAttribute && e.target.getAttribute('data-take');
    const open = e.target.getAttribute && e.target.getAttribute('data-open');
    if (open) {
      selected = Number(open);
      renderQueue();
      renderChat();
      loadArrangements(selected);
      reply.focus();
      return;
    }
    if (!take) return;
    e.target.disabled = true;
    const res = await api('POST', '/handoffs/' + take + '/take');
    if (res.status === 409) say(t('staff.desk.taken_elsewhere'));
    if (res.ok) selected = Number(take);
    await refresh();
    if (res.ok) {
      loadArrangements(selected);
      reply.focus();
    }
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = reply.value.trim();
    const h = held();
    if (!text || !h) return;
    const res = await api('POST', '/handoffs/' + h.id + '/messages', { text });
    if (res.ok) {
      reply.value = '';
      canned.value = '';
    }
    await refresh();
    reply.focus();
  });

  reply.addEventListener('keydown', (e) => {
    // Enter sends, Shift+Enter starts a new line.
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      form.requestSubmit();
    }
  });

  reply.addEventListener('input', () => {
    const h = held();
    const now = Date.now();
    if (!h || now - lastTypingSent < 3000) return;
    lastTypingSent = now;
    api('POST', '/handoffs/' + h.id + '/typing').catch(() => {});
  });

  canned.addEventListener('change', () => {
    if (!canned.value) return;
    reply.value = canned.value;
    reply.focus();
  });

  $('close-chat').addEventListener('click', async () => {
    const h = held();
    if (!h) return;
    await api('POST', '/handoffs/' + h.id + '/close');
    selected = null;
    await refresh();
    say(t('staff.desk.closed'));
    available.focus();
  });

  available.addEventListener('change', async () => {
    await api('PUT', '/presence', { available: available.checked });
  });

  $('ui-lang').addEventListener('change', async (e) => {
    lang = e.target.value;
    try { localStorage.setItem(KEY, lang); } catch (err) { /* storage unavailable */ }
    await loadTexts();
    renderQueue();
    renderChat();
  });

  const showTyping = () => {
    typingLine.textContent = t('staff.desk.typing');
    window.clearTimeout(typingTimer);
    typingTimer = window.setTimeout(() => { typingLine.textContent = ''; }, 5000);
  };

  // The desk's stream: the queue and the conversations change; the browser reconnects by itself.
  const listen = () => {
    const source = new EventSource('/staff/api/desk/events');
    let pending = null;
    const later = () => {
      if (pending) return;
      pending = window.setTimeout(() => { pending = null; refresh(); }, 100);
    };
    source.addEventListener('queue', later);
    source.addEventListener('event', (e) => {
      let event = null;
      try { event = JSON.parse(e.data); } catch (err) { return; }
      if (event && event.from === 'resident' && event.handoff_id === selected) typingLine.textContent = '';
      later();
    });
    source.addEventListener('typing', (e) => {
      let data = null;
      try { data = JSON.parse(e.data); } catch (err) { return; }
      if (data && data.handoff_id === selected) showTyping();
    });
    source.addEventListener('open', later);
  };

  const start = async () => {
    await loadTexts();
    const me = await api('GET', '/session');
    if (!me.ok) return;
    session = me.data;
    $('who').textContent = session.name;
    const ready = await api('GET', '/desk/replies');
    replies = (ready.ok && ready.data.replies) || {};
    await refresh();
    listen();
    document.body.setAttribute('data-ready', 'true');
    window.setInterval(refresh, 15000); // waiting times move on
  };
  start();
})();
