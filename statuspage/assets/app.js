// The status page's script: it keeps the operator token in sessionStorage,
// sends controls as POST fetches carrying it, and re-renders the page from
// status.json. It builds every cell with text nodes, never with HTML, so
// reported names cannot inject markup.
(function () {
  'use strict';

  const KEY = 'selfheal-statuspage-token';
  const body = document.body;
  const refreshMs = Number(body.dataset.refresh) || 0;

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  // str shows a field the JSON omitted as empty, not as "undefined".
  function str(v) { return v === undefined || v === null ? '' : String(v); }

  function button(label, path, key, value) {
    const b = el('button', label);
    b.type = 'button';
    b.dataset.post = path;
    b.dataset.key = key;
    b.dataset.value = value;
    return b;
  }

  // fill replaces the rows of tbody id with one row per item; cells returns
  // the row's cells as text, a Node, or [text, class].
  function fill(id, items, empty, cells) {
    const tbody = document.getElementById(id);
    const ncols = tbody.parentElement.querySelectorAll('thead th').length;
    const rows = items.map(function (it) {
      const tr = el('tr');
      cells(it).forEach(function (c) {
        const td = el('td');
        if (c instanceof Node) td.appendChild(c);
        else if (Array.isArray(c)) { td.textContent = str(c[0]); td.className = c[1]; }
        else td.textContent = str(c);
        tr.appendChild(td);
      });
      return tr;
    });
    if (rows.length === 0) {
      const tr = el('tr', null, 'empty');
      const td = el('td', empty);
      td.colSpan = ncols;
      tr.appendChild(td);
      rows.push(tr);
    }
    tbody.replaceChildren.apply(tbody, rows);
  }

  function setText(id, text) { document.getElementById(id).textContent = text; }

  function show(id, on) { document.getElementById(id).classList.toggle('hidden', !on); }

  function renderHeader(s) {
    document.title = s.title;
    setText('title', s.title);
    const badges = document.getElementById('badges');
    const h = s.health.healthy ? el('span', 'healthy', 'badge ok')
      : el('span', 'unhealthy: ' + s.health.reason, 'badge bad');
    h.id = 'health';
    const parts = [h];
    const m = s.guardrails.mute;
    if (m) {
      const b = el('span', 'muted, ' + m.left + ' left, by ' + m.by + ': ' + m.reason, 'badge warn');
      b.id = 'muted';
      parts.push(b);
    }
    badges.replaceChildren.apply(badges, parts);
    setText('updated', 'as of ' + new Date(s.time).toLocaleTimeString());
  }

  function renderGuardrails(g) {
    const m = g.mute;
    setText('mute-state', m ? 'muted until ' + new Date(m.until).toLocaleTimeString() +
      ' (' + m.left + ' left) by ' + m.by + ': ' + m.reason : 'active');
    setText('budget', g.budget.text);
    setText('queued', g.queued);
    fill('cooldowns', g.cooldowns, 'No cooldowns in force.', function (c) {
      return [c.action, c.target, 'cooldown ' + c.left + ' left'];
    });
    fill('given-up', g.given_up, 'Automating every target.', function (u) {
      return [u.target, u.ago, u.reason, button('Re-arm', 'rearm', 'target', u.target)];
    });
  }

  function renderTables(s) {
    fill('incidents', s.incidents, 'No open incidents.', function (i) {
      return [[i.code, 'code'], i.target, i.rule, i.policy, [i.failures, 'num'], i.ago];
    });
    fill('codes', s.codes, 'Nothing reported yet.', function (c) {
      return [[c.code, 'code'], c.target, [c.severity, 'sev-' + c.severity],
        [c.rate.toFixed(2), 'num'], [c.failures, 'num'], [c.successes, 'num'],
        c.policies.join(', ')];
    });
    fill('policies', s.policies, 'No policies.', function (p) {
      return [p.Name, [p.Pattern, 'code'], p.Rule, p.Action];
    });
    fill('breakers', s.breakers, 'No breakers.', function (b) {
      return [b.name, [b.state, 'state-' + b.state], [b.requests, 'num'],
        [b.total_failures, 'num'], b.hold, button('Reset', 'breaker/reset', 'name', b.name)];
    });
    fill('flags', s.flags, 'No flag is killed.', function (f) {
      return [f.flag, f.actor, f.reason, f.ago, button('Revive', 'flag/revive', 'flag', f.flag)];
    });
    fill('faults', s.faults, 'No faults.', function (f) {
      return [f.name, f.active ? 'injected' : 'off', f.description,
        f.active ? button('Clear', 'fault/clear', 'name', f.name)
          : button('Inject', 'fault/inject', 'name', f.name)];
    });
    fill('audit', s.audit, 'No records yet.', function (r) {
      return [r.ago, [r.outcome, 'out-' + r.outcome], [r.code, 'code'], r.target,
        r.action, r.actor, r.detail];
    });
  }

  function render(s) {
    renderHeader(s);
    renderGuardrails(s.guardrails);
    renderTables(s);
    show('breakers-section', s.has_breakers);
    show('flags-section', s.has_flags);
    show('faults-section', s.has_faults);
    body.dataset.controls = String(s.controls);
  }

  let inflight = false;
  function refresh() {
    if (inflight) return;
    inflight = true;
    fetch('status.json', { cache: 'no-store', credentials: 'same-origin' })
      .then(function (r) {
        if (!r.ok) throw new Error('status.json: ' + r.status);
        return r.json();
      })
      .then(function (s) { render(s); body.classList.remove('stale'); })
      .catch(function () { body.classList.add('stale'); })
      .finally(function () { inflight = false; });
  }

  function message(text, bad) {
    const m = document.getElementById('msg');
    m.textContent = text;
    m.className = 'msg ' + (bad ? 'bad' : 'ok');
  }

  function post(path, params) {
    const token = sessionStorage.getItem(KEY) || '';
    fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: {
        'Authorization': 'Bearer ' + token,
        'Content-Type': 'application/x-www-form-urlencoded'
      },
      body: new URLSearchParams(params)
    }).then(function (r) {
      return r.json().then(function (j) { return { status: r.status, body: j }; });
    }).then(function (res) {
      if (res.body.ok) message('Done: ' + res.body.done, false);
      else if (res.status === 401) message('Enter a valid operator token first (' + res.body.error + ')', true);
      else message(res.body.error || ('failed: ' + res.status), true);
      refresh();
    }).catch(function (e) { message('Request failed: ' + e, true); });
  }

  function tokenState() {
    setText('token-state', sessionStorage.getItem(KEY) ? 'token set for this tab' : 'read-only');
  }

  document.getElementById('auth').addEventListener('submit', function (e) {
    e.preventDefault();
    const input = document.getElementById('token');
    if (input.value) sessionStorage.setItem(KEY, input.value);
    else sessionStorage.removeItem(KEY);
    input.value = '';
    tokenState();
  });

  document.getElementById('mute-form').addEventListener('submit', function (e) {
    e.preventDefault();
    post('mute', {
      for: document.getElementById('mute-for').value,
      reason: document.getElementById('mute-reason').value
    });
  });

  document.addEventListener('click', function (e) {
    const b = e.target.closest('button[data-post]');
    if (!b) return;
    const params = {};
    if (b.dataset.key) params[b.dataset.key] = b.dataset.value;
    post(b.dataset.post, params);
  });

  tokenState();
  if (refreshMs > 0) setInterval(refresh, refreshMs);
})();
