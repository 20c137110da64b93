/* Neuvo customer-service desk (role agent), a page of the staff console added with NeuvoStaff.addPage; common.js
 * (loaded first) draws it and hands it its helpers (texts, elements, the API with the CSRF token). The queue of
 * hand-offs, the conversation an agent holds, replies and ready replies; live updates from
 * GET /staff/api/desk/events (server-sent events). Content goes into the page through textContent only. */
(() => {
  'use strict';
  const NAMES = { fi: 'suomi', sv: 'svenska', en: 'English' };

  const deskPage = async (ui) => {
    const { main, t, el, clear, say, api } = ui;
    ui.heading(t('staff.desk.title'));
    const presence = el('p', { class: 'presence' }, main);
    const available = el('input', { type: 'checkbox', id: 'available' }, presence);
    el('label', { for: 'available' }, presence, t('staff.desk.available'));
    const desk = el('div', { class: 'desk' }, main);
    const queueBox = el('section', { class: 'desk-queue', 'aria-labelledby': 'queue-title' }, desk);
    el('h2', { id: 'queue-title' }, queueBox, t('staff.desk.queue'));
    const queueList = el('ul', { id: 'queue' }, queueBox);
    const chat = el('section', { class: 'desk-chat', 'aria-labelledby': 'chat-title' }, desk);
    el('h2', { id: 'chat-title' }, chat, t('staff.desk.conversation'));
    const meta = el('p', { id: 'chat-meta', class: 'meta' }, chat);
    const logBox = el('div', { id: 'log', class: 'desk-log', role: 'log', 'aria-live': 'polite', tabindex: '0', 'aria-labelledby': 'chat-title' }, chat);
    const typingLine = el('p', { id: 'typing', class: 'meta', role: 'status' }, chat);
    const form = el('form', { id: 'reply-form', hidden: '' }, chat);
    const replyField = el('div', { class: 'field' }, form);
    el('label', { for: 'reply' }, replyField, t('staff.desk.reply'));
    const reply = el('textarea', { id: 'reply', maxlength: '2000' }, replyField);
    const actions = el('div', { class: 'actions' }, form);
    el('button', { type: 'submit' }, actions, t('staff.desk.send'));
    const closeChat = el('button', { type: 'button', id: 'close-chat', class: 'secondary' }, actions, t('staff.desk.close'));
    const cannedField = el('div', { class: 'field' }, form);
    el('label', { for: 'canned' }, cannedField, t('staff.desk.canned'));
    const canned = el('select', { id: 'canned' }, cannedField);
    el('option', { value: '' }, canned);
    const arrangementsBox = el('section', { id: 'arrangements', class: 'group', hidden: '', 'aria-labelledby': 'arrangements-title' }, chat);
    el('h3', { id: 'arrangements-title' }, arrangementsBox, t('staff.desk.arrangements'));
    const arrangementList = el('ul', { id: 'arrangement-list' }, arrangementsBox);
    let replies = {};
    let queue = [];
    let selected = null; // the id of the hand-off shown (one this agent holds)
    let typingTimer = null;
    let lastTypingSent = 0;

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

    closeChat.addEventListener('click', async () => {
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
      return source;
    };

    const ready = await api('GET', '/desk/replies');
    replies = (ready.ok && ready.data.replies) || {};
    await refresh();
    const source = listen();
    const waiting = window.setInterval(refresh, 15000); // waiting times move on
    ui.onLeave(() => {
      source.close();
      window.clearInterval(waiting);
      window.clearTimeout(typingTimer);
    });
  };

  window.NeuvoStaff.addPage({ path: '/staff/desk', nav: 'staff.nav.desk', view: deskPage });
})();
