/* Neuvo staff console, the part every page shares: plain JavaScript, no build step, no inline script (the page's
 * CSP forbids it). Loaded first, it gives the page scripts (console.js, notices.js, desk.js) one window.NeuvoStaff:
 * texts from locales/ through GET /staff/texts, elements filled through textContent only, the JSON API under
 * /staff/api with the session's CSRF token, the header (language, navigation, signing out) and the sign-in page.
 * Each page script adds its pages with NeuvoStaff.addPage; once all have loaded, the page the address names is drawn. */
(() => {
  'use strict';
  const LANGS = ['fi', 'sv', 'en'];
  const KEY = 'neuvo.staff.lang';
  const main = document.getElementById('main');
  const nav = document.getElementById('nav');
  const statusBox = document.getElementById('status');
  const langSelect = document.getElementById('ui-lang');
  const who = document.getElementById('who');
  const signout = document.getElementById('signout');
  let lang = 'fi';
  try { lang = localStorage.getItem(KEY) || ''; } catch (e) { /* storage unavailable */ }
  if (!LANGS.includes(lang)) lang = LANGS.find((l) => (navigator.language || '').toLowerCase().startsWith(l)) || 'fi';
  let texts = {};
  let citySignIn = false;
  let session = null;
  const pages = [];
  // What the page drawn asked to stop (event streams, timers) before another page, or a language, is drawn.
  let leaving = [];

  const t = (key, values) => {
    let s = texts[key] || key;
    Object.keys(values || {}).forEach((name) => { s = s.split('((' + name + '))').join(String(values[name])); });
    return s;
  };
  const el = (tag, attrs, parent, text) => {
    const e = document.createElement(tag);
    Object.keys(attrs || {}).forEach((a) => e.setAttribute(a, attrs[a]));
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  };
  const clear = (node) => { while (node.firstChild) node.removeChild(node.firstChild); };
  // Emptied first, so that a screen reader announces the same message again.
  const say = (message) => { statusBox.textContent = ''; window.setTimeout(() => { statusBox.textContent = message; }, 50); };
  let uid = 0;
  const id = (prefix) => prefix + '-' + (++uid);

  const loadTexts = async () => {
    const res = await fetch('/staff/texts?lang=' + lang, { headers: { Accept: 'application/json' } });
    const data = await res.json();
    texts = data.texts || {};
    citySignIn = data.city_sign_in === true;
    document.documentElement.setAttribute('lang', lang);
    document.querySelectorAll('[data-k]').forEach((e) => { e.textContent = t(e.getAttribute('data-k')); });
    langSelect.value = lang;
  };

  // Every call of the staff API: JSON both ways, the CSRF token on each change, an expired session back to sign-in.
  const api = async (method, path, body, extraHeaders) => {
    const headers = Object.assign({ Accept: 'application/json' }, extraHeaders || {});
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && session) headers['X-CSRF-Token'] = session.csrf_token;
    const res = await fetch('/staff/api' + path, {
      method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body)
    });
    let data = null;
    try { data = await res.json(); } catch (e) { /* no body */ }
    if (res.status === 401 && path !== '/session') {
      window.location.assign('/staff/signin?failed=expired');
      throw new Error('signed out');
    }
    if (res.status === 403) say(t('staff.forbidden'));
    return { status: res.status, ok: res.ok, data, headers: res.headers };
  };

  const heading = (text) => {
    document.title = text + ' – ' + t('staff.title');
    return el('h1', null, main, text);
  };

  // A page: { path, nav (its text key), view(ui), matches(path) (by default the path itself) }, in the order added.
  const addPage = (page) => { pages.push(page); };
  const onLeave = (stop) => { leaving.push(stop); };
  const currentPath = () => (window.location.pathname === '/staff' ? '/staff/' : window.location.pathname);
  const pageShown = () => pages.find((p) => (p.matches ? p.matches(currentPath()) : p.path === currentPath())) || pages[0];

  const renderNav = () => {
    clear(nav);
    nav.setAttribute('aria-label', t('staff.nav.label'));
    const list = el('ul', null, nav);
    pages.forEach((page) => {
      const a = el('a', { href: page.path }, el('li', null, list), t(page.nav));
      if (page === pageShown()) a.setAttribute('aria-current', 'page');
    });
    nav.hidden = false;
    who.textContent = t('staff.signed_in_as') + ' ' + session.name + ' (' + session.roles.join(', ') + ')';
    signout.hidden = false;
  };

  const signinView = () => {
    heading(t('staff.signin.title'));
    const failed = new URLSearchParams(window.location.search).get('failed');
    if (failed) el('p', { class: 'problems', role: 'alert' }, main, t(failed === 'expired' ? 'staff.signin.expired' : 'staff.signin.failed'));
    el('p', null, main, t('staff.signin.text'));
    if (citySignIn) el('a', { href: '/staff/auth/login', class: 'button', id: 'city-sign-in' }, el('p', null, main), t('staff.signin.city'));
  };

  const ui = {
    LANGS, main, t, el, clear, say, id, api, heading, addPage, onLeave,
    lang: () => lang, session: () => session, render: () => render()
  };

  const show = async () => {
    leaving.forEach((stop) => stop());
    leaving = [];
    clear(main);
    if (currentPath().startsWith('/staff/signin')) { signinView(); return; }
    if (!session) {
      const res = await api('GET', '/session');
      if (!res.ok) { window.location.assign('/staff/signin?failed=expired'); return; }
      session = res.data;
    }
    renderNav();
    try {
      await pageShown().view(ui);
    } catch (e) {
      if (e && e.message !== 'signed out') el('p', { class: 'problems', role: 'alert' }, main, t('staff.error'));
    }
  };

  // body[data-ready] tells a test (and nothing else) that the page is drawn.
  const render = async () => {
    document.body.removeAttribute('data-ready');
    try { await show(); } finally { document.body.setAttribute('data-ready', 'true'); }
  };

  langSelect.addEventListener('change', async () => {
    lang = langSelect.value;
    try { localStorage.setItem(KEY, lang); } catch (e) { /* storage unavailable */ }
    await loadTexts();
    await render();
  });
  signout.addEventListener('click', async () => {
    await api('POST', '/signout', {});
    window.location.assign('/staff/signin');
  });

  window.NeuvoStaff = ui;
  // The page scripts are deferred after this one: they have all added their pages before DOMContentLoaded.
  document.addEventListener('DOMContentLoaded', async () => {
    try { await loadTexts(); } catch (e) { /* keep the page's own texts */ }
    await render();
  });
})();
