/* 纲举 Gangju — progressive enhancement. Every page works without this file.
   No innerHTML, no eval, no inline styles injected (CSP: script-src/style-src 'self'). */
(() => {
  'use strict';

  const qsa = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const ID_BOXES = 'input[type=checkbox][name=ids]';
  const checkedIds = () => qsa(ID_BOXES).filter((c) => c.checked);
  const wide = window.matchMedia('(min-width: 769px)');

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  function addHidden(form, name, value, cls) {
    const h = el('input', cls);
    h.type = 'hidden'; h.name = name; h.value = value;
    form.appendChild(h);
  }

  /* ---------- 1. Modal dialog (confirm / alert) ---------- */
  function dialog(message, cancellable) {
    return new Promise((resolve) => {
      const overlay = el('div', 'confirm-dialog');
      overlay.setAttribute('role', cancellable ? 'alertdialog' : 'dialog');
      overlay.setAttribute('aria-modal', 'true');
      const box = el('div', 'confirm-box');
      const msg = el('p', 'confirm-msg', message);
      const actions = el('div', 'confirm-actions');
      const buttons = [];
      if (cancellable) buttons.push(el('button', 'btn', '取消'));
      buttons.push(el('button', 'btn primary', '确定'));
      buttons.forEach((b) => { b.type = 'button'; actions.appendChild(b); });
      box.append(el('div', 'confirm-title', '提示'), msg, actions);
      overlay.appendChild(box);

      const prevFocus = document.activeElement;
      const close = (result) => {
        document.removeEventListener('keydown', onKey, true);
        overlay.remove();
        document.body.classList.remove('modal-open');
        if (prevFocus && prevFocus.focus) prevFocus.focus();
        resolve(result);
      };
      const onKey = (e) => {
        if (e.key === 'Escape' || e.key === 'Esc') { e.preventDefault(); close(false); }
        else if (e.key === 'Tab') { // keep focus inside the dialog
          e.preventDefault();
          const i = buttons.indexOf(document.activeElement);
          buttons[(i + (e.shiftKey ? -1 : 1) + buttons.length) % buttons.length].focus();
        }
      };
      buttons[buttons.length - 1].addEventListener('click', () => close(true));
      if (cancellable) buttons[0].addEventListener('click', () => close(false));
      overlay.addEventListener('click', (e) => { if (e.target === overlay) close(false); });
      document.addEventListener('keydown', onKey, true);
      document.body.appendChild(overlay);
      document.body.classList.add('modal-open');
      buttons[0].focus(); // 取消 by default for destructive actions
    });
  }

  /* ---------- 2. Progress bar ---------- */
  function progressBar(extraClass) {
    const bar = el('div', 'progress' + (extraClass ? ' ' + extraClass : ''));
    bar.setAttribute('role', 'progressbar');
    bar.setAttribute('aria-label', '处理中');
    return bar;
  }

  const formButtons = (form) => qsa('button[type=submit], button:not([type]), input[type=submit]', form);
  const label = (b, text) => { if (b.tagName === 'INPUT') b.value = text; else b.textContent = text; };

  function startProgress(form) {
    // Disable after the current task so the submitter's name/value is still sent.
    setTimeout(() => formButtons(form).forEach((b) => {
      if (b.dataset.gjText == null) b.dataset.gjText = b.tagName === 'INPUT' ? b.value : b.textContent;
      label(b, '处理中…');
      b.disabled = true;
    }), 0);
    if (!form.gjBar) {
      form.gjBar = progressBar();
      form.parentNode.insertBefore(form.gjBar, form.nextSibling);
    }
    // Forms answered by a file download never navigate away: restore them.
    if (form.hasAttribute('data-download')) setTimeout(() => stopProgress(form), 3000);
  }

  function stopProgress(form) {
    formButtons(form).forEach((b) => {
      if (b.dataset.gjText == null) return;
      label(b, b.dataset.gjText);
      delete b.dataset.gjText;
      b.disabled = false;
    });
    if (form.gjBar) { form.gjBar.remove(); form.gjBar = null; }
  }

  // Returning with the back button (bfcache) must not leave forms stuck.
  window.addEventListener('pageshow', (e) => {
    if (e.persisted) qsa('form').forEach(stopProgress);
  });

  /* ---------- 3. Submit pipeline: confirm -> batch ids -> progress ---------- */
  let lastSubmitter = null; // fallback for browsers without SubmitEvent.submitter
  document.addEventListener('click', (e) => {
    const b = e.target.closest && e.target.closest('button, input[type=submit]');
    if (b && b.form) lastSubmitter = b;
  }, true);

  function copyIds(form) {
    qsa('input[type=hidden][name=ids]', form).forEach((i) => i.remove());
    checkedIds().forEach((c) => { if (c.form !== form) addHidden(form, 'ids', c.value); });
  }

  function proceed(form) {
    if (form.hasAttribute('data-batch')) copyIds(form);
    if (form.hasAttribute('data-progress')) startProgress(form);
  }

  function resubmit(form, submitter) {
    form.gjConfirmed = true;
    setTimeout(() => { form.gjConfirmed = false; }, 0); // in case validation blocks it
    if (form.requestSubmit) {
      try { form.requestSubmit(submitter || undefined); return; } catch (_) { /* fall through */ }
      try { form.requestSubmit(); return; } catch (_) { /* fall through */ }
    }
    // Legacy: form.submit() fires no submit event, so do its work here.
    qsa('input.gj-submitter', form).forEach((i) => i.remove());
    if (submitter && submitter.name) addHidden(form, submitter.name, submitter.value, 'gj-submitter');
    proceed(form);
    form.submit();
  }

  document.addEventListener('submit', (e) => {
    const form = e.target;
    if (e.defaultPrevented) return;
    let submitter = e.submitter || null;
    if (!submitter && lastSubmitter && lastSubmitter.form === form) submitter = lastSubmitter;
    lastSubmitter = null;

    if (form.gjConfirmed) {
      form.gjConfirmed = false;
    } else {
      const n = checkedIds().length;
      let msg = null;
      if (submitter && submitter.hasAttribute('data-confirm')) msg = submitter.getAttribute('data-confirm');
      else if (form.hasAttribute('data-confirm')) msg = form.getAttribute('data-confirm');
      const needsIds = (form.hasAttribute('data-batch') && form.getAttribute('data-batch') !== 'optional')
        || (msg != null && msg.indexOf('{n}') >= 0);
      if (needsIds && n === 0) { e.preventDefault(); dialog('请至少选择一条记录', false); return; }
      if (msg != null) {
        e.preventDefault();
        const text = (msg.trim() || '确认执行此操作吗？').split('{n}').join(String(n));
        dialog(text, true).then((ok) => { if (ok) resubmit(form, submitter); });
        return;
      }
    }
    proceed(form);
  });

  /* ---------- 4. Table selection ---------- */
  function setDisabled(node, off) {
    if ('disabled' in node) node.disabled = off;
    else { node.classList.toggle('disabled', off); node.setAttribute('aria-disabled', String(off)); }
  }

  function refreshSelection() {
    const n = checkedIds().length;
    qsa('[data-needs-selection]').forEach((b) => setDisabled(b, n === 0));
    qsa('[data-needs-one]').forEach((b) => setDisabled(b, n !== 1));
    qsa('input[data-check-all]').forEach((all) => {
      const boxes = qsa(ID_BOXES, all.closest('table') || document).filter((c) => !c.disabled);
      const k = boxes.filter((c) => c.checked).length;
      all.checked = boxes.length > 0 && k === boxes.length;
      all.indeterminate = k > 0 && k < boxes.length;
    });
    qsa(ID_BOXES).forEach((c) => {
      const tr = c.closest('tr');
      if (tr) tr.classList.toggle('selected', c.checked);
    });
  }

  /* ---------- 5. Sidebar toggle (remembered on wide screens only) ---------- */
  const NAV_KEY = 'gj-nav';
  const navToggle = document.getElementById('nav-toggle');
  const navGet = () => { try { return localStorage.getItem(NAV_KEY); } catch (_) { return null; } };
  const navSet = (v) => { try { localStorage.setItem(NAV_KEY, v); } catch (_) { /* private mode */ } };
  // On wide screens checked = collapsed; on phones checked = open (always start closed).
  const applyNav = () => { if (navToggle) navToggle.checked = wide.matches && navGet() === '1'; };
  applyNav();
  if (wide.addEventListener) wide.addEventListener('change', applyNav);
  else if (wide.addListener) wide.addListener(applyNav);

  /* ---------- 6. Change events: check-all, ids, autosubmit, nav ---------- */
  document.addEventListener('change', (e) => {
    const t = e.target;
    if (t.matches('input[data-check-all]')) {
      qsa(ID_BOXES, t.closest('table') || document).forEach((c) => { if (!c.disabled) c.checked = t.checked; });
      refreshSelection();
    } else if (t.matches(ID_BOXES)) refreshSelection();
    if (t.matches('select[data-autosubmit], input[data-autosubmit]') && t.form) {
      if (t.form.requestSubmit) t.form.requestSubmit(); else t.form.submit();
    }
    if (t === navToggle && wide.matches) navSet(t.checked ? '1' : '0');
  });

  /* ---------- 7. Clicks: disabled links, back links, downloads, closing the phone menu ---------- */
  document.addEventListener('click', (e) => {
    const t = e.target;
    if (navToggle && navToggle.checked && !wide.matches && t.closest
        && !t.closest('.sidebar, .nav-toggle-btn, .nav-toggle')) {
      navToggle.checked = false; // tap outside the open menu closes it
    }
    const a = t.closest && t.closest('a');
    if (!a) return;
    if (a.classList.contains('disabled') || a.getAttribute('aria-disabled') === 'true') {
      e.preventDefault();
    } else if (a.hasAttribute('data-back') && window.history.length > 1) {
      e.preventDefault();
      window.history.back();
    }
    if (a.hasAttribute('data-download') && !e.defaultPrevented) {
      const bar = progressBar('top');
      document.body.appendChild(bar);
      setTimeout(() => bar.remove(), 3000);
    }
  });

  /* ---------- 8. Unit tree: levels, filter (client side; the form still searches server side) ---------- */
  // Tree pages render a flat list: <li class="depth-N"> in tree order (N = depth in the whole
  // unit tree). Nested <ul> trees are handled too.
  const depthOf = (li) => {
    const m = /(?:^|\s)depth-(\d+)(?:\s|$)/.exec(li.className);
    return m ? Number(m[1]) : null;
  };

  // Indent relative to the top of the user's scope: shift-N on the <ul>, top-level on its roots.
  qsa('ul.tree').forEach((ul) => {
    const items = Array.from(ul.children).filter((li) => li.tagName === 'LI' && depthOf(li) != null);
    if (!items.length) return;
    const min = Math.min(...items.map(depthOf));
    if (min > 0) ul.classList.add('shift-' + min);
    items.forEach((li) => li.classList.toggle('top-level', depthOf(li) === min));
  });

  function nodeName(a) {
    return Array.from(a.childNodes)
      .filter((n) => !(n.classList && n.classList.contains('kind')))
      .map((n) => n.textContent).join('').toLowerCase();
  }

  function filterList(ul, q) {
    let any = false;
    const lis = Array.from(ul.children).filter((li) => li.tagName === 'LI');
    const show = new Map();
    const path = []; // flat lists: the nearest preceding item at each depth (the ancestors)
    lis.forEach((li) => {
      const kids = Array.from(li.children);
      const a = kids.find((c) => c.tagName === 'A');
      const self = !!a && q !== '' && nodeName(a).indexOf(q) >= 0;
      let sub = false;
      kids.forEach((c) => { if (c.tagName === 'UL') sub = filterList(c, q) || sub; });
      if (a) a.classList.toggle('match', self);
      show.set(li, q === '' || self || sub);
      const d = depthOf(li);
      if (d == null) return;
      path.length = d;
      path[d] = li;
      if (self) path.forEach((p) => { if (p) show.set(p, true); }); // keep a match's ancestors
    });
    lis.forEach((li) => { li.hidden = !show.get(li); any = any || show.get(li); });
    return any;
  }

  qsa('form.tree-search input:not([type=hidden]):not([type=checkbox])').forEach((input) => {
    const scope = input.closest('.tree-pane') || document;
    input.addEventListener('input', () => {
      const q = input.value.trim().toLowerCase();
      qsa('ul.tree', scope).filter((u) => !u.parentElement.closest('ul.tree'))
        .forEach((u) => filterList(u, q));
    });
  });

  // A long tree scrolls inside its pane: bring the selected unit into view (without moving the page).
  qsa('.tree-pane > ul.tree').forEach((ul) => {
    const on = ul.querySelector('a.on');
    if (!on || ul.scrollHeight <= ul.clientHeight) return;
    const u = ul.getBoundingClientRect();
    const r = on.getBoundingClientRect();
    if (r.top < u.top || r.bottom > u.bottom) ul.scrollTop += r.top - u.top - (ul.clientHeight - r.height) / 2;
  });

  /* ---------- 8b. Wide tables: shadow on the sticky 操作 column while more columns lie to the right ---------- */
  function markScroll(wrap) {
    wrap.classList.toggle('scroll-more', wrap.scrollLeft + wrap.clientWidth < wrap.scrollWidth - 1);
  }
  const wraps = qsa('.table-wrap');
  wraps.forEach((w) => { markScroll(w); w.addEventListener('scroll', () => markScroll(w), { passive: true }); });
  if (window.ResizeObserver) {
    const ro = new ResizeObserver((entries) => entries.forEach((e) => markScroll(e.target)));
    wraps.forEach((w) => ro.observe(w));
  } else if (wraps.length) window.addEventListener('resize', () => wraps.forEach(markScroll));

  /* ---------- 8c. Rich text: a small editor over a textarea; the server cleans what it posts ---------- */
  const RT_TOOLS = [
    ['bold', '加粗', 'B'], ['italic', '斜体', 'I'], ['underline', '下划线', 'U'],
    ['formatBlock:h3', '标题', '标题'], ['formatBlock:p', '正文', '正文'],
    ['insertUnorderedList', '项目符号', '• 列表'], ['insertOrderedList', '编号', '1. 列表'],
    ['formatBlock:blockquote', '引用', '引用'], ['removeFormat', '清除格式', '清除格式'],
  ];
  qsa('textarea[data-richtext]').forEach((ta) => {
    const wrap = document.createElement('div');
    wrap.className = 'rt';
    const bar = document.createElement('div');
    bar.className = 'rt-bar';
    bar.setAttribute('role', 'toolbar');
    bar.setAttribute('aria-label', '格式');
    const body = document.createElement('div');
    body.className = 'rt-body';
    body.contentEditable = 'true';
    body.setAttribute('role', 'textbox');
    body.setAttribute('aria-multiline', 'true');
    body.setAttribute('aria-label', ta.getAttribute('aria-label') || '正文');
    RT_TOOLS.forEach(([cmd, title, text]) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'btn small';
      b.title = title;
      b.textContent = text;
      b.addEventListener('mousedown', (e) => e.preventDefault()); // keep the selection in the text
      b.addEventListener('click', () => {
        const [c, arg] = cmd.split(':');
        body.focus();
        document.execCommand(c, false, arg ? '<' + arg + '>' : null);
      });
      bar.appendChild(b);
    });
    // The textarea holds what the server already cleaned; parse it inertly and move the nodes in.
    const doc = new DOMParser().parseFromString(ta.value, 'text/html');
    Array.from(doc.body.childNodes).forEach((n) => body.appendChild(document.importNode(n, true)));
    wrap.appendChild(bar);
    wrap.appendChild(body);
    ta.hidden = true;
    ta.parentNode.insertBefore(wrap, ta);
    const form = ta.closest('form');
    if (form) form.addEventListener('submit', () => { ta.value = body.innerHTML; }, true);
  });

  /* ---------- 8d. Exam sittings: save each answer as it changes, count down to the deadline ---------- */
  qsa('form[data-autosave]').forEach((form) => {
    const url = form.getAttribute('data-autosave');
    const state = document.querySelector('.save-state');
    const csrf = form.querySelector('input[name=_csrf]').value;
    const save = (fs) => {
      const pos = fs.getAttribute('data-position');
      const body = new URLSearchParams();
      body.append('_csrf', csrf);
      body.append('position', pos);
      qsa('input', fs).forEach((i) => {
        if ((i.type === 'radio' || i.type === 'checkbox') ? i.checked : true) body.append('answer', i.value);
      });
      if (state) state.textContent = '保存中…';
      fetch(url, { method: 'POST', body, credentials: 'same-origin', headers: { 'X-CSRF-Token': csrf } })
        .then((r) => {
          if (r.ok) { if (state) state.textContent = '已自动保存'; return; }
          return r.json().then((j) => { if (state) state.textContent = (j.error && j.error.message) || '保存失败'; });
        })
        .catch(() => { if (state) state.textContent = '网络中断，答案将在恢复后再次保存'; });
    };
    const timers = new Map();
    form.addEventListener('change', (e) => {
      const fs = e.target.closest('fieldset[data-position]');
      if (fs) save(fs);
    });
    form.addEventListener('input', (e) => {
      const fs = e.target.closest('fieldset[data-position]');
      if (!fs || e.target.type !== 'text') return;
      clearTimeout(timers.get(fs));
      timers.set(fs, setTimeout(() => save(fs), 800));
    });
  });
  qsa('[data-countdown]').forEach((el) => {
    const end = Date.now() + Number(el.getAttribute('data-countdown')) * 1000;
    const tick = () => {
      const s = Math.max(0, Math.round((end - Date.now()) / 1000));
      el.textContent = `剩余 ${Math.floor(s / 60)} 分 ${String(s % 60).padStart(2, '0')} 秒`;
      if (s === 0) { el.textContent = '时间到，系统已按已保存的答案交卷'; setTimeout(() => location.reload(), 1500); return; }
      setTimeout(tick, 1000);
    };
    tick();
  });

  /* ---------- 8e. Print buttons ---------- */
  qsa('[data-print]').forEach((b) => b.addEventListener('click', () => window.print()));

  /* ---------- 9. Flash message fades out ---------- */
  qsa('.flash').forEach((f) => setTimeout(() => {
    f.classList.add('fade-out');
    setTimeout(() => f.remove(), 700);
  }, 4000));

  refreshSelection();
})();
