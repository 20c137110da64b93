/* Neuvo staff console: the catalog's pages (misunderstood messages, intents, translations, publishing). The
 * helpers every staff page shares (texts, elements, the API with the CSRF token, the header) are common.js's,
 * loaded first. Content goes into the page through textContent only. */
(() => {
  'use strict';
  const { LANGS, main, t, el, clear, say, api, heading, id, lang, render } = window.NeuvoStaff;

  // ---------------------------------------------------------------- misunderstood messages

  const intentSelect = (parent, intents, selected, label) => {
    const field = el('div', { class: 'field' }, parent);
    const selectId = id('intent');
    el('label', { for: selectId }, field, label || t('staff.misunderstood.intent'));
    const select = el('select', { id: selectId, name: 'intent' }, field);
    intents.filter((i) => i.id !== 'out_of_scope').forEach((i) => {
      const option = el('option', { value: i.id }, select, i.id);
      if (i.id === selected) option.selected = true;
    });
    return select;
  };

  const misunderstoodView = async () => {
    heading(t('staff.nav.misunderstood'));
    el('p', null, main, t('staff.misunderstood.intro'));
    const [groups, intents] = await Promise.all([api('GET', '/misunderstood'), api('GET', '/intents')]);
    const list = el('div', { id: 'groups' }, main);
    const all = (groups.data && groups.data.groups) || [];
    if (!all.length) el('p', null, list, t('staff.misunderstood.empty'));
    all.forEach((group) => {
      const section = el('section', { class: 'group', 'data-lang': group.lang }, list);
      const titleId = id('group');
      const title = el('h2', { id: titleId, lang: group.lang, tabindex: '-1' }, section, '“' + group.texts[0] + '”');
      section.setAttribute('aria-labelledby', titleId);
      el('p', { class: 'meta' }, section, t('staff.misunderstood.message_language') + ' ' + group.lang + ' · '
        + t('staff.misunderstood.count', { count: group.count })
        + (group.unhelpful ? ' · ' + t('staff.misunderstood.unhelpful', { count: group.unhelpful }) : ''));
      if (group.texts.length > 1) {
        const more = el('ul', { lang: group.lang }, section);
        group.texts.slice(1).forEach((text) => el('li', null, more, text));
      }
      const actions = el('div', { class: 'actions' }, section);
      const select = intentSelect(actions, intents.data.intents, group.best);
      const done = (message) => {
        const next = section.nextElementSibling;
        section.remove();
        say(message);
        const target = next && next.querySelector('h2');
        (target || main).focus();
        if (!list.querySelector('section')) el('p', null, list, t('staff.misunderstood.empty'));
      };
      const add = el('button', { type: 'button', class: 'add' }, actions, t('staff.misunderstood.add'));
      add.addEventListener('click', async () => {
        const res = await api('POST', '/examples', { intent: select.value, lang: group.lang, text: group.texts[0] });
        if (res.ok) done(t('staff.draft.added'));
      });
      const outside = el('button', { type: 'button', class: 'secondary out-of-scope' }, actions, t('staff.misunderstood.out_of_scope'));
      outside.addEventListener('click', async () => {
        const res = await api('POST', '/examples', { intent: 'out_of_scope', lang: group.lang, text: group.texts[0] });
        if (res.ok) done(t('staff.draft.added'));
      });
      const dismiss = el('button', { type: 'button', class: 'secondary dismiss' }, actions, t('staff.misunderstood.dismiss'));
      dismiss.addEventListener('click', async () => {
        const res = await api('POST', '/misunderstood/dismiss', { lang: group.lang, text: group.texts[0] });
        if (res.ok) done(t('staff.misunderstood.dismissed'));
      });
    });
  };

  // ---------------------------------------------------------------- intents

  const languageSelect = (parent, name) => {
    const field = el('div', { class: 'field' }, parent);
    const selectId = name;
    el('label', { for: selectId }, field, t('staff.language'));
    const select = el('select', { id: selectId, name }, field);
    LANGS.forEach((l) => el('option', { value: l }, select, l));
    select.value = lang();
    return select;
  };

  const problemList = (parent, problems) => {
    const box = el('div', { class: 'problems', role: 'alert' }, parent);
    const list = el('ul', null, box);
    problems.forEach((p) => el('li', null, list, typeof p === 'string' ? p : p.file + ':' + p.line + ': ' + p.message + (p.hint ? ' (' + p.hint + ')' : '')));
    return box;
  };

  // The catalog's problems for a field, shown beside it while staff type (GET /staff/api/check, debounced).
  const liveCheck = (box, query) => {
    let timer = null;
    let asked = 0;
    return () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(async () => {
        const params = query();
        if (!params) { clear(box); return; }
        const mine = ++asked;
        const r = await api('GET', '/check?' + new URLSearchParams(params).toString());
        if (mine !== asked) return;
        clear(box);
        const problems = (r.data && r.data.problems) || [];
        if (problems.length) problemList(box, problems).setAttribute('role', 'status');
      }, 400);
    };
  };

  const intentsView = async () => {
    heading(t('staff.nav.intents'));
    el('p', null, main, t('staff.intents.intro'));
    const res = await api('GET', '/intents');
    const intents = res.data.intents;
    const form = el('form', { class: 'group', id: 'add-example' }, main);
    el('h2', null, form, t('staff.intents.add_title'));
    const row = el('div', { class: 'actions' }, form);
    const select = intentSelect(row, intents);
    const language = languageSelect(row, 'example-lang');
    const field = el('div', { class: 'field' }, row);
    el('label', { for: 'example-text' }, field, t('staff.intents.text'));
    const input = el('input', { id: 'example-text', type: 'text', name: 'text', maxlength: '500', required: '' }, field);
    el('button', { type: 'submit' }, row, t('staff.draft.add'));
    const feedback = el('div', { id: 'example-problems', 'aria-live': 'polite' }, form);
    const check = liveCheck(feedback, () => (input.value.trim() ? { intent: select.value, lang: language.value, text: input.value } : null));
    [input, select, language].forEach((e) => e.addEventListener(e === input ? 'input' : 'change', check));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clear(feedback);
      const r = await api('POST', '/examples', { intent: select.value, lang: language.value, text: input.value });
      if (r.ok) { input.value = ''; say(t('staff.draft.added')); } else if (r.data) problemList(feedback, [r.data.detail]);
    });
    // Change the wording of an example or move it to another topic: the example is picked from the chosen topic's
    // examples in the chosen language.
    const change = el('form', { class: 'group', id: 'change-example' }, main);
    el('h2', null, change, t('staff.intents.change_title'));
    const changeRow = el('div', { class: 'actions' }, change);
    const from = intentSelect(changeRow, intents);
    const changeLang = languageSelect(changeRow, 'change-lang');
    const currentField = el('div', { class: 'field' }, changeRow);
    el('label', { for: 'change-text' }, currentField, t('staff.intents.current'));
    const current = el('input', { id: 'change-text', type: 'text', list: 'change-examples', required: '', autocomplete: 'off' }, currentField);
    const examples = el('datalist', { id: 'change-examples' }, currentField);
    const fillExamples = () => {
      clear(examples);
      const intent = intents.find((i) => i.id === from.value);
      ((intent && intent.examples[changeLang.value]) || []).forEach((text) => el('option', { value: text }, examples));
    };
    from.addEventListener('change', fillExamples);
    changeLang.addEventListener('change', fillExamples);
    fillExamples();
    const newRow = el('div', { class: 'actions' }, change);
    const newField = el('div', { class: 'field' }, newRow);
    el('label', { for: 'change-new-text' }, newField, t('staff.intents.new_text'));
    const newText = el('input', { id: 'change-new-text', type: 'text', maxlength: '500', autocomplete: 'off' }, newField);
    const moveField = el('div', { class: 'field' }, newRow);
    el('label', { for: 'change-move-to' }, moveField, t('staff.intents.move_to'));
    const moveTo = el('select', { id: 'change-move-to' }, moveField);
    el('option', { value: '' }, moveTo, t('staff.intents.keep'));
    intents.filter((i) => i.id !== 'out_of_scope').forEach((i) => el('option', { value: i.id }, moveTo, i.id));
    el('button', { type: 'submit' }, newRow, t('staff.draft.add'));
    const changeFeedback = el('div', { 'aria-live': 'polite' }, change);
    change.addEventListener('submit', async (event) => {
      event.preventDefault();
      clear(changeFeedback);
      const body = { intent: from.value, lang: changeLang.value, text: current.value };
      if (moveTo.value) body.move_to = moveTo.value;
      if (newText.value.trim()) body.new_text = newText.value.trim();
      const r = await api('POST', '/examples/change', body);
      if (r.ok) { current.value = ''; newText.value = ''; moveTo.value = ''; say(t('staff.draft.added')); } else if (r.data) problemList(changeFeedback, [r.data.detail]);
    });

    // One topic at a time, chosen here: the whole catalog's examples on one page would be thousands of lines.
    const showField = el('div', { class: 'field' }, main);
    el('label', { for: 'show-intent' }, showField, t('staff.intents.show'));
    const show = el('select', { id: 'show-intent' }, showField);
    intents.forEach((i) => el('option', { value: i.id }, show, i.id));
    const shown = el('div', { id: 'intent-view', 'aria-live': 'polite' }, main);
    const showIntent = () => {
      clear(shown);
      const intent = intents.find((i) => i.id === show.value);
      if (intent) renderIntent(shown, intent);
    };
    show.addEventListener('change', showIntent);
    showIntent();
  };

  const renderIntent = (parent, intent) => {
    {
      const section = el('section', { class: 'intent' }, parent);
      el('h2', null, section, intent.id);
      el('p', { class: 'meta' }, section, intent.summary);
      const table = el('table', null, section);
      const head = el('tr', null, el('thead', null, table));
      el('th', { scope: 'col' }, head, '');
      LANGS.forEach((l) => el('th', { scope: 'col', lang: l }, head, l));
      const body = el('tbody', null, table);
      [['examples', 'staff.intents.examples'], ['replies', 'staff.intents.replies']].forEach(([field, key]) => {
        const tr = el('tr', null, body);
        el('th', { scope: 'row' }, tr, t(key));
        LANGS.forEach((l) => {
          const list = el('ul', { lang: l }, el('td', null, tr));
          (intent[field][l] || []).forEach((text) => el('li', null, list, text));
        });
      });
    }
  };

  // ---------------------------------------------------------------- translations

  const withVariables = (parent, text) => {
    const parts = String(text).split(/(\(\([^)]*\)\))/);
    parts.forEach((part) => {
      if (/^\(\(.*\)\)$/.test(part)) el('mark', null, parent, part);
      else parent.appendChild(document.createTextNode(part));
    });
  };

  const translationsView = async () => {
    heading(t('staff.nav.translations'));
    el('p', null, main, t('staff.translations.intro'));
    const res = await api('GET', '/translations');
    const all = res.data.translations;
    const form = el('form', { class: 'group', id: 'edit-text' }, main);
    el('h2', null, form, t('staff.translations.edit_title'));
    const row = el('div', { class: 'actions' }, form);
    const keyField = el('div', { class: 'field' }, row);
    el('label', { for: 'text-key' }, keyField, t('staff.translations.key'));
    const keyInput = el('input', { id: 'text-key', type: 'text', name: 'key', list: 'text-keys', required: '', autocomplete: 'off' }, keyField);
    const keys = el('datalist', { id: 'text-keys' }, keyField);
    all.forEach((item) => el('option', { value: item.key }, keys));
    const language = languageSelect(row, 'text-lang');
    const textField = el('div', { class: 'field' }, form);
    el('label', { for: 'text-value' }, textField, t('staff.translations.text'));
    const textInput = el('textarea', { id: 'text-value', name: 'text', required: '' }, textField);
    const feedback = el('div', { id: 'text-problems', 'aria-live': 'polite' }, textField);
    el('button', { type: 'submit' }, form, t('staff.draft.add'));
    const check = liveCheck(feedback, () => (all.some((i) => i.key === keyInput.value) && textInput.value
      ? { key: keyInput.value, lang: language.value, text: textInput.value } : null));
    // A notice's text: the email and the SMS as the resident will see them, with the SMS's encoding and parts.
    const preview = el('section', { id: 'notice-preview', class: 'group', 'aria-labelledby': 'notice-preview-title', hidden: '' }, form);
    let previewAsked = 0;
    const updatePreview = async () => {
      const key = keyInput.value;
      if (!/^notice\.[a-z_]+\.(subject|body|sms)$/.test(key)) { preview.hidden = true; return; }
      const mine = ++previewAsked;
      const params = { key, lang: language.value };
      if (textInput.value) params.text = textInput.value;
      const r = await api('GET', '/preview?' + new URLSearchParams(params).toString());
      if (mine !== previewAsked || !r.ok) return;
      clear(preview);
      preview.hidden = false;
      el('h2', { id: 'notice-preview-title' }, preview, t('staff.preview.title'));
      el('p', { class: 'meta' }, preview, t('staff.preview.intro'));
      el('h3', null, preview, t('staff.preview.email'));
      el('p', { lang: r.data.lang }, preview, t('staff.preview.subject') + ' ' + r.data.email.subject);
      el('pre', { class: 'message', lang: r.data.lang }, preview, r.data.email.text);
      el('h3', null, preview, t('staff.preview.sms'));
      el('pre', { class: 'message', lang: r.data.lang }, preview, r.data.sms.text);
      el('p', { id: 'sms-segments' }, preview, t('staff.preview.segments', { encoding: r.data.sms.encoding, segments: r.data.sms.segments, units: r.data.sms.units }));
    };
    let previewTimer = null;
    const schedulePreview = () => { window.clearTimeout(previewTimer); previewTimer = window.setTimeout(updatePreview, 400); };
    textInput.addEventListener('input', () => { check(); schedulePreview(); });
    language.addEventListener('change', () => { check(); schedulePreview(); });
    keyInput.addEventListener('change', schedulePreview);
    const fill = () => {
      const item = all.find((i) => i.key === keyInput.value);
      if (item && !textInput.value) textInput.value = item.texts[language.value] || '';
    };
    keyInput.addEventListener('change', () => { fill(); check(); });
    keyInput.addEventListener('input', () => {
      if (all.some((i) => i.key === keyInput.value)) { fill(); check(); schedulePreview(); }
    });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clear(feedback);
      const r = await api('POST', '/translations', { key: keyInput.value, lang: language.value, text: textInput.value });
      if (r.ok) say(t('staff.draft.added')); else if (r.data) problemList(feedback, [r.data.detail]);
    });
    const filterField = el('div', { class: 'field' }, main);
    el('label', { for: 'text-filter' }, filterField, t('staff.translations.filter'));
    const filter = el('input', { id: 'text-filter', type: 'search' }, filterField);
    const table = el('table', { id: 'texts' }, main);
    const head = el('tr', null, el('thead', null, table));
    el('th', { scope: 'col' }, head, t('staff.translations.key'));
    LANGS.forEach((l) => el('th', { scope: 'col', lang: l }, head, l));
    const body = el('tbody', null, table);
    const rows = all.map((item) => {
      const tr = el('tr', { 'data-key': item.key }, body);
      const keyCell = el('th', { scope: 'row' }, tr);
      const edit = el('button', { type: 'button', class: 'secondary edit' }, keyCell, item.key);
      edit.setAttribute('aria-label', t('staff.translations.edit_title') + ': ' + item.key);
      edit.addEventListener('click', () => {
        keyInput.value = item.key;
        textInput.value = item.texts[language.value] || '';
        textInput.focus();
        check();
        schedulePreview();
      });
      LANGS.forEach((l) => {
        const td = el('td', { lang: l }, tr);
        if (item.missing.includes(l)) el('span', { class: 'missing' }, td, t('staff.translations.missing'));
        else {
          if ((item.stale || []).includes(l)) el('span', { class: 'stale' }, el('p', null, td), t('staff.translations.stale'));
          withVariables(td, item.texts[l]);
        }
      });
      return [tr, (item.key + ' ' + Object.values(item.texts).join(' ')).toLowerCase()];
    });
    filter.addEventListener('input', () => {
      const needle = filter.value.toLowerCase();
      rows.forEach(([tr, hay]) => { tr.hidden = needle !== '' && !hay.includes(needle); });
    });
  };

  // ---------------------------------------------------------------- publishing

  const publishView = async () => {
    heading(t('staff.nav.publish'));
    el('p', null, main, t('staff.publish.intro'));
    const [draft, versions] = await Promise.all([api('GET', '/draft'), api('GET', '/versions')]);
    el('h2', null, main, t('staff.publish.draft'));
    if (draft.data.folder_changed) el('p', { class: 'problems', id: 'folder-changed' }, main, t('staff.publish.folder_changed'));
    const conflicts = {};
    (draft.data.conflicts || []).forEach((c) => { conflicts[c.id] = c.reason; });
    const changes = draft.data.changes;
    if (!changes.length) el('p', null, main, t('staff.publish.empty'));
    else {
      const table = el('table', { id: 'draft' }, main);
      const body = el('tbody', null, table);
      changes.forEach((change) => {
        const tr = el('tr', null, body);
        el('td', null, tr, t(change.kind === 'example' ? 'staff.intents.text'
          : change.kind === 'example_removal' ? 'staff.publish.removal' : 'staff.translations.text'));
        el('td', null, tr, change.target);
        el('td', null, tr, change.lang);
        const textCell = el('td', { lang: change.lang }, tr, change.text);
        if (conflicts[change.id]) el('p', { class: 'problems conflict' }, textCell, t('staff.publish.conflict') + ' ' + conflicts[change.id]);
        const remove = el('button', { type: 'button', class: 'secondary' }, el('td', null, tr), t('staff.publish.remove'));
        remove.setAttribute('aria-label', t('staff.publish.remove') + ': ' + change.text);
        remove.addEventListener('click', async () => {
          const r = await api('DELETE', '/draft/' + change.id);
          if (r.ok) { tr.remove(); say(t('staff.publish.remove')); }
        });
      });
    }
    const form = el('form', { class: 'group', id: 'publish' }, main);
    const field = el('div', { class: 'field' }, form);
    el('label', { for: 'override-reason' }, field, t('staff.publish.reason'));
    const reason = el('textarea', { id: 'override-reason', name: 'override_reason' }, field);
    const button = el('button', { type: 'submit' }, form, t('staff.publish.button'));
    const result = el('div', { id: 'publish-result', tabindex: '-1' }, form);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clear(result);
      button.disabled = true;
      el('p', { role: 'status' }, result, t('staff.publish.working'));
      const body = reason.value.trim() ? { override_reason: reason.value.trim() } : {};
      let r;
      try { r = await api('POST', '/publish', body); } finally { button.disabled = false; }
      clear(result);
      if (r.ok) {
        el('p', { class: 'ok', role: 'status' }, result, t('staff.publish.done', { version: r.data.version }));
        figures(result, r.data.evaluation.figures, r.data.evaluation.intents);
      } else if (r.status === 409) {
        el('p', { role: 'alert' }, result, t('staff.publish.refused'));
        const found = (r.data.problems || []).concat(r.data.drops || []);
        problemList(result, found.length ? found : [r.data.detail]);
        if (r.data.evaluation) figures(result, r.data.evaluation.figures, r.data.evaluation.intents);
      } else {
        el('p', { class: 'problems', role: 'alert' }, result, t('staff.error'));
      }
      result.focus();
    });
    el('h2', null, main, t('staff.publish.versions'));
    const list = el('ul', { id: 'versions' }, main);
    versions.data.versions.forEach((v, index) => {
      const li = el('li', null, list, t('staff.publish.version') + ' ' + v.number + ' · ' + new Date(v.published_at).toLocaleString(lang()) + ' · ' + (v.published_by || '') + ' · ' + v.note + ' ');
      if (index === 0) return;
      const back = el('button', { type: 'button', class: 'secondary' }, li, t('staff.publish.rollback'));
      back.setAttribute('aria-label', t('staff.publish.rollback') + ': ' + v.number);
      back.addEventListener('click', async () => {
        const r = await api('POST', '/rollback', { version: v.number });
        if (r.ok) { say(t('staff.publish.done', { version: r.data.version })); render(); }
      });
    });
  };

  // Per intent: only those whose cross-validation recall changes, so the review stays short.
  const intentFigures = (parent, list) => {
    const changed = (list || []).filter((f) => Math.abs(f.live - f.draft) > 0.0001);
    if (!changed.length) return;
    const table = el('table', { class: 'figures intents' }, parent);
    const head = el('tr', null, el('thead', null, table));
    [t('staff.misunderstood.intent'), t('staff.publish.live'), t('staff.publish.candidate')].forEach((h) => el('th', { scope: 'col' }, head, h));
    const body = el('tbody', null, table);
    changed.forEach((f) => {
      const tr = el('tr', null, body);
      el('th', { scope: 'row' }, tr, f.intent);
      el('td', null, tr, (f.live * 100).toFixed(1) + ' %');
      el('td', f.live - f.draft > 0.0001 ? { class: 'drop' } : null, tr, (f.draft * 100).toFixed(1) + ' %');
    });
  };

  const figures = (parent, list, intents) => {
    if (intents) intentFigures(parent, intents);
    if (!list || !list.length) return;
    const table = el('table', { class: 'figures' }, parent);
    const head = el('tr', null, el('thead', null, table));
    [t('staff.publish.measure'), t('staff.language'), t('staff.publish.live'), t('staff.publish.candidate')].forEach((h) => el('th', { scope: 'col' }, head, h));
    const body = el('tbody', null, table);
    list.forEach((f) => {
      const tr = el('tr', null, body);
      el('td', null, tr, f.measure);
      el('td', null, tr, f.lang);
      el('td', null, tr, (f.live * 100).toFixed(1) + ' %');
      el('td', f.live - f.draft > 0.0001 ? { class: 'drop' } : null, tr, (f.draft * 100).toFixed(1) + ' %');
    });
  };

  // ---------------------------------------------------------------- the pages, in the navigation's order

  [['/staff/', 'staff.nav.misunderstood', misunderstoodView], ['/staff/intents', 'staff.nav.intents', intentsView],
    ['/staff/translations', 'staff.nav.translations', translationsView], ['/staff/publish', 'staff.nav.publish', publishView]]
    .forEach(([path, nav, view]) => window.NeuvoStaff.addPage({ path, nav, view }));
})();
