/* Neuvo staff console: the notices desk (role operator), its pages added to the console with NeuvoStaff.addPage;
 * common.js (loaded first) draws them and hands them its helpers (texts, elements, the API with the CSRF token).
 * Residents' details are never in what the desk loads; they are asked for with a reason, which is audited. */
(() => {
  'use strict';
  const POLL_MS = 2000;
  const WAITING = ['queued', 'sending', 'temporary_failure'];
  const DONE_OK = ['sent', 'delivered'];
  const FAILED = ['permanent_failure', 'dead'];
  const STATUSES = ['queued', 'sending', 'temporary_failure', 'sent', 'delivered', 'permanent_failure', 'dead'];

  // The one place the desk learns that the outbox changed: for now a poll every 2 s that sends back the last
  // ETag (an idle poll is a 304 that costs the server one index step). It stops when `container` leaves the page.
  // The console's event stream can replace the body of this function without touching the views.
  const watchOutbox = (ui, container, onChange) => {
    let etag = null;
    let timer = null;
    const poll = async () => {
      if (!document.body.contains(container)) return;
      try {
        const res = await ui.api('GET', '/notices/summary', undefined, etag ? { 'If-None-Match': etag } : undefined);
        if (res.status === 200) {
          etag = res.headers.get('ETag');
          await onChange(res.data);
        }
      } catch (e) {
        if (e && e.message === 'signed out') return;
        /* the network dropped: the next poll tries again */
      }
      if (document.body.contains(container)) timer = window.setTimeout(poll, POLL_MS);
    };
    poll();
    return () => window.clearTimeout(timer);
  };

  const sum = (counts, statuses) => statuses.reduce((total, s) => total + (counts[s] || 0), 0);
  const percent = (part, whole) => (whole ? Math.round((part / whole) * 1000) / 10 + ' %' : '–');
  const when = (ui, iso) => (iso ? new Date(iso).toLocaleString(ui.lang()) : '');
  const statusText = (ui, status) => ui.t('staff.notices.status.' + status);

  // Keeps the keyboard where it was when a live update rebuilds a table: the focused control's data-key is found
  // again in the new content.
  const replaceKeepingFocus = (ui, box, build) => {
    const active = document.activeElement;
    const key = active && box.contains(active) ? active.getAttribute('data-key') : null;
    ui.clear(box);
    build(box);
    if (key) {
      const again = box.querySelector('[data-key="' + CSS.escape(key) + '"]');
      if (again) again.focus();
    }
  };

  const table = (ui, parent, caption, headers) => {
    const t = ui.el('table', null, parent);
    ui.el('caption', null, t, caption);
    const head = ui.el('tr', null, ui.el('thead', null, t));
    headers.forEach((h) => ui.el('th', { scope: 'col' }, head, h));
    return ui.el('tbody', null, t);
  };

  const retry = async (ui, notice, after) => {
    const res = await ui.api('POST', '/notices/' + encodeURIComponent(notice.id) + '/retry');
    if (res.ok) ui.say(ui.t('staff.notices.retried', { id: notice.id }));
    else if (res.data && res.data.type === '/problems/notice-content-erased') ui.say(ui.t('staff.notices.erased_refused'));
    else if (res.status !== 403) ui.say((res.data && res.data.detail) || ui.t('staff.error'));
    await after(res.ok);
  };

  const retryButton = (ui, parent, notice, after) => {
    if (!notice.retryable) {
      ui.el('span', null, parent, notice.erased_at ? ui.t('staff.notices.erased') : '');
      return;
    }
    const button = ui.el('button', { type: 'button', class: 'retry', 'data-key': 'retry-' + notice.id }, parent, ui.t('staff.notices.retry'));
    button.setAttribute('aria-label', ui.t('staff.notices.retry') + ': ' + notice.id);
    button.addEventListener('click', async () => {
      button.disabled = true;
      await retry(ui, notice, after);
      button.disabled = false;
    });
  };

  // ---------------------------------------------------------------- the overview

  const overview = async (ui) => {
    const { main, t, el } = ui;
    ui.heading(t('staff.nav.notices'));
    el('p', null, main, t('staff.notices.intro'));
    const updated = el('p', { class: 'meta', id: 'notices-updated' }, main);
    const campaignsBox = el('section', { id: 'campaigns', 'aria-labelledby': 'campaigns-title' }, main);
    const deadBox = el('section', { id: 'dead-letters', 'aria-labelledby': 'dead-title' }, main);
    const countsBox = el('section', { id: 'notice-counts', 'aria-labelledby': 'counts-title' }, main);
    const hoursBox = el('section', { id: 'notice-hours', 'aria-labelledby': 'hours-title' }, main);
    el('h2', { id: 'campaigns-title' }, campaignsBox, t('staff.notices.campaigns'));
    el('p', null, campaignsBox, t('staff.notices.campaigns_intro'));
    const campaignsTable = el('div', null, campaignsBox);
    el('h2', { id: 'dead-title', tabindex: '-1' }, deadBox, t('staff.notices.dead_letters'));
    el('p', null, deadBox, t('staff.notices.dead_intro'));
    const deadTable = el('div', null, deadBox);
    el('h2', { id: 'counts-title' }, countsBox, t('staff.notices.by_kind'));
    const countsTable = el('div', null, countsBox);
    el('h2', { id: 'hours-title' }, hoursBox, t('staff.notices.over_time'));
    const hoursTable = el('div', null, hoursBox);
    let refresh = null;

    const render = async (data) => {
      updated.textContent = t('staff.notices.updated', { time: new Date(data.generated_at).toLocaleTimeString(ui.lang()) });
      updated.setAttribute('data-version', data.version);
      replaceKeepingFocus(ui, campaignsTable, (box) => {
        if (!data.campaigns.length) { el('p', null, box, t('staff.notices.none')); return; }
        const body = table(ui, box, t('staff.notices.campaigns'), [
          t('staff.notices.kind'), t('staff.notices.day'), t('staff.notices.total'), t('staff.notices.waiting'),
          t('staff.notices.sent'), t('staff.notices.failed'), t('staff.notices.rate'), t('staff.notices.pace'),
          t('staff.notices.progress')]);
        data.campaigns.forEach((c) => {
          const total = sum(c.counts, STATUSES);
          const ok = sum(c.counts, DONE_OK);
          const failed = sum(c.counts, FAILED);
          const tr = el('tr', { 'data-campaign': c.kind + '/' + c.day }, body);
          el('th', { scope: 'row' }, tr, c.kind);
          [c.day, total, sum(c.counts, WAITING), ok, failed, percent(ok, ok + failed),
            t('staff.notices.per_minute', { count: c.settled_last_minute })].forEach((v) => el('td', null, tr, String(v)));
          const cell = el('td', null, tr);
          const bar = el('progress', { max: String(total || 1), value: String(ok + failed) }, cell);
          bar.setAttribute('aria-label', t('staff.notices.progress') + ' ' + c.kind + ' ' + c.day);
          el('span', { class: 'meta' }, cell, ' ' + percent(ok + failed, total));
        });
      });
      replaceKeepingFocus(ui, deadTable, (box) => {
        if (!data.dead_letters.length) { el('p', { class: 'ok' }, box, t('staff.notices.no_dead')); return; }
        // After an outage: every dead letter listed, at once (each is retried on its own; refusals are counted).
        const all = data.dead_letters.filter((n) => n.retryable).map((n) => n.id);
        if (all.length > 1) {
          const every = el('button', { type: 'button', class: 'secondary', 'data-key': 'retry-all' }, el('p', null, box),
            t('staff.notices.retry_all', { count: all.length }));
          every.addEventListener('click', async () => {
            every.disabled = true;
            const res = await ui.api('POST', '/notices/retry', { ids: all });
            if (res.ok) ui.say(t('staff.notices.retried_all', { count: res.data.retried.length }));
            else if (res.status !== 403) ui.say(t('staff.error'));
            document.getElementById('dead-title').focus();
            if (refresh) await refresh();
          });
        }
        const body = table(ui, box, t('staff.notices.dead_letters'), [
          t('staff.notices.notice'), t('staff.notices.kind'), t('staff.notices.channel'), t('staff.notices.status'),
          t('staff.notices.reason'), t('staff.notices.attempts'), t('staff.notices.changed'), t('staff.notices.action')]);
        data.dead_letters.forEach((n) => {
          const tr = el('tr', { 'data-notice': n.id }, body);
          el('a', { href: '/staff/notices/' + encodeURIComponent(n.id), 'data-key': 'open-' + n.id }, el('th', { scope: 'row' }, tr), n.id);
          [n.kind, n.channel, statusText(ui, n.status), n.last_error || '', String(n.attempts), when(ui, n.updated_at)]
            .forEach((v) => el('td', null, tr, v));
          retryButton(ui, el('td', null, tr), n, async (done) => {
            if (done) { document.getElementById('dead-title').focus(); if (refresh) await refresh(); }
          });
        });
      });
      replaceKeepingFocus(ui, countsTable, (box) => {
        if (!data.counts.length) { el('p', null, box, t('staff.notices.none')); return; }
        const body = table(ui, box, t('staff.notices.by_kind'),
          [t('staff.notices.kind'), t('staff.notices.channel')].concat(STATUSES.map((s) => statusText(ui, s)), [t('staff.notices.rate')]));
        const rows = {};
        data.counts.forEach((c) => {
          const key = c.kind + '\u0000' + c.channel;
          rows[key] = rows[key] || { kind: c.kind, channel: c.channel, counts: {} };
          rows[key].counts[c.status] = c.count;
        });
        Object.keys(rows).sort().forEach((key) => {
          const row = rows[key];
          const tr = el('tr', null, body);
          el('th', { scope: 'row' }, tr, row.kind);
          el('td', null, tr, row.channel);
          STATUSES.forEach((s) => el('td', null, tr, String(row.counts[s] || 0)));
          el('td', null, tr, percent(sum(row.counts, DONE_OK), sum(row.counts, DONE_OK.concat(FAILED))));
        });
      });
      replaceKeepingFocus(ui, hoursTable, (box) => {
        if (!data.hours.length) { el('p', null, box, t('staff.notices.none')); return; }
        const shown = ['queued', 'sent', 'delivered', 'temporary_failure', 'permanent_failure', 'dead'];
        const body = table(ui, box, t('staff.notices.over_time'),
          [t('staff.notices.hour')].concat(shown.map((s) => statusText(ui, s))));
        const byHour = {};
        data.hours.forEach((h) => { (byHour[h.hour] = byHour[h.hour] || {})[h.status] = h.count; });
        Object.keys(byHour).sort().reverse().forEach((hour) => {
          const tr = el('tr', null, body);
          el('th', { scope: 'row' }, tr, new Date(hour).toLocaleString(ui.lang(), { dateStyle: 'short', timeStyle: 'short' }));
          shown.forEach((s) => el('td', null, tr, String(byHour[hour][s] || 0)));
        });
      });
    };
    // A retry shows at once, without waiting for the next poll.
    refresh = async () => {
      const res = await ui.api('GET', '/notices/summary');
      if (res.ok) await render(res.data);
    };
    const first = await ui.api('GET', '/notices/summary');
    if (!first.ok) {
      el('p', { class: 'problems', role: 'alert' }, main, first.status === 403 ? t('staff.notices.operator_only') : t('staff.error'));
      return;
    }
    await render(first.data);
    watchOutbox(ui, updated, render);
    findForm(ui, first.data);
  };

  // Any notices by status, channel and kind (GET /staff/api/notices), each with a link to its trail.
  const findForm = (ui, data) => {
    const { main, t, el } = ui;
    const box = el('section', { id: 'notice-search', 'aria-labelledby': 'search-title' }, main);
    el('h2', { id: 'search-title' }, box, t('staff.notices.find'));
    const form = el('form', { class: 'actions' }, box);
    const choose = (name, label, options) => {
      const field = el('div', { class: 'field' }, form);
      el('label', { for: 'find-' + name }, field, label);
      const select = el('select', { id: 'find-' + name, name }, field);
      el('option', { value: '' }, select, t('staff.notices.all'));
      options.forEach(([value, text]) => el('option', { value }, select, text));
      return select;
    };
    const status = choose('status', t('staff.notices.status'), STATUSES.map((s) => [s, statusText(ui, s)]));
    const channel = choose('channel', t('staff.notices.channel'), [['email', 'email'], ['sms', 'sms']]);
    const kinds = Array.from(new Set(data.counts.map((c) => c.kind))).sort();
    const kind = choose('kind', t('staff.notices.kind'), kinds.map((k) => [k, k]));
    el('button', { type: 'submit' }, form, t('staff.notices.search'));
    const results = el('div', { id: 'search-results', 'aria-live': 'polite' }, box);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const params = new URLSearchParams({ limit: '200' });
      if (status.value) params.set('status', status.value);
      if (channel.value) params.set('channel', channel.value);
      if (kind.value) params.set('kind', kind.value);
      const res = await ui.api('GET', '/notices?' + params.toString());
      ui.clear(results);
      if (!res.ok) { el('p', { class: 'problems', role: 'alert' }, results, t('staff.error')); return; }
      const found = res.data.notices;
      el('p', null, results, t('staff.notices.found', { count: found.length }));
      if (!found.length) return;
      const body = table(ui, results, t('staff.notices.find'), [
        t('staff.notices.notice'), t('staff.notices.kind'), t('staff.notices.channel'), t('staff.notices.status'),
        t('staff.notices.reason'), t('staff.notices.attempts'), t('staff.notices.changed')]);
      found.forEach((n) => {
        const tr = el('tr', null, body);
        el('a', { href: '/staff/notices/' + encodeURIComponent(n.id) }, el('th', { scope: 'row' }, tr), n.id);
        [n.kind, n.channel, statusText(ui, n.status), n.last_error || '', String(n.attempts), when(ui, n.updated_at)]
          .forEach((v) => el('td', null, tr, v));
      });
    });
  };

  // ---------------------------------------------------------------- one notice's trail

  const trailPage = async (ui) => {
    const { main, t, el } = ui;
    const noticeId = decodeURIComponent(window.location.pathname.split('/').pop());
    ui.heading(t('staff.notices.trail_title', { id: noticeId }));
    el('a', { href: '/staff/notices' }, el('p', null, main), t('staff.notices.back'));
    const facts = el('div', { id: 'notice-facts' }, main);
    el('h2', null, main, t('staff.notices.trail'));
    const trailBox = el('div', { id: 'notice-trail' }, main);
    const residentBox = el('section', { id: 'resident', 'aria-labelledby': 'resident-title' }, main);

    const load = async () => {
      const res = await ui.api('GET', '/notices/' + encodeURIComponent(noticeId));
      if (!res.ok) {
        ui.clear(facts);
        el('p', { class: 'problems', role: 'alert' }, facts,
          res.status === 403 ? t('staff.notices.operator_only') : res.status === 404 ? t('staff.notices.not_found') : t('staff.error'));
        return false;
      }
      const n = res.data.notice;
      replaceKeepingFocus(ui, facts, (box) => {
        const list = el('dl', null, box);
        [[t('staff.notices.kind'), n.kind], [t('staff.notices.channel'), n.channel], [t('staff.notices.status'), statusText(ui, n.status)],
          [t('staff.language'), n.locale], [t('staff.notices.attempts'), String(n.attempts)],
          [t('staff.notices.reason'), n.last_error || '–'], [t('staff.notices.queued_at'), when(ui, n.created_at)],
          [t('staff.notices.changed'), when(ui, n.updated_at)]].forEach(([k, v]) => {
          el('dt', null, list, k);
          el('dd', null, list, v);
        });
        if (n.erased_at) el('p', { class: 'meta' }, box, t('staff.notices.erased_at', { time: when(ui, n.erased_at) }));
        const actions = el('div', { class: 'actions' }, box);
        retryButton(ui, actions, n, async () => { await load(); });
      });
      replaceKeepingFocus(ui, trailBox, (box) => {
        const body = table(ui, box, t('staff.notices.trail'),
          [t('staff.notices.time'), t('staff.notices.step'), t('staff.notices.details')]);
        res.data.trail.forEach((e) => {
          const tr = el('tr', { 'data-type': e.type }, body);
          el('td', null, tr, when(ui, e.at));
          if (e.type === 'attempt') {
            el('td', null, tr, t('staff.notices.step.attempt', { number: e.attempt }));
            el('td', null, tr, e.outcome + (e.detail ? ': ' + e.detail : ''));
          } else {
            el('td', null, tr, t('staff.notices.step.' + e.type) + ': ' + (e.from ? statusText(ui, e.from) + ' → ' : '') + statusText(ui, e.to));
            el('td', null, tr, e.reason || '');
          }
        });
      });
      return true;
    };
    if (!(await load())) return;

    // The resident: hidden until the operator says why they need it; the reason is audited with the request.
    el('h2', { id: 'resident-title' }, residentBox, t('staff.notices.resident'));
    el('p', null, residentBox, t('staff.notices.resident_hidden'));
    const form = el('form', { id: 'resident-form' }, residentBox);
    const field = el('div', { class: 'field' }, form);
    el('label', { for: 'resident-reason' }, field, t('staff.notices.resident_reason'));
    const reason = el('textarea', { id: 'resident-reason', name: 'reason', maxlength: '500', required: '', 'aria-describedby': 'resident-reason-hint' }, field);
    el('p', { id: 'resident-reason-hint', class: 'meta' }, field, t('staff.notices.resident_reason_hint'));
    el('button', { type: 'submit' }, form, t('staff.notices.resident_show'));
    const shown = el('div', { id: 'resident-details', 'aria-live': 'polite' }, residentBox);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      ui.clear(shown);
      const res = await ui.api('POST', '/notices/' + encodeURIComponent(noticeId) + '/resident', { reason: reason.value });
      if (!res.ok) {
        el('p', { class: 'problems', role: 'alert' }, shown, res.status === 422 ? t('staff.notices.resident_reason_needed') : t('staff.error'));
        return;
      }
      const list = el('dl', null, shown);
      [[t('staff.notices.resident_name'), res.data.name], [t('staff.notices.resident_email'), res.data.email || '–'],
        [t('staff.notices.resident_phone'), res.data.phone || '–'], [t('staff.language'), res.data.language]].forEach(([k, v]) => {
        el('dt', null, list, k);
        el('dd', null, list, v);
      });
    });
    watchOutbox(ui, facts, async () => { await load(); });
  };

  window.NeuvoStaff.addPage({
    path: '/staff/notices',
    nav: 'staff.nav.notices',
    matches: (path) => path === '/staff/notices' || path.startsWith('/staff/notices/'),
    view: (ui) => (window.location.pathname.replace(/\/$/, '') === '/staff/notices' ? overview(ui) : trailPage(ui))
  });
})();
