// pooltag web page. Every text from the server goes in with textContent (tags come from the kernel and from
// uploaded captures: never markup). State-changing calls are POSTs carrying the token the server put in the page.
'use strict';
(function () {
  const token = document.querySelector('meta[name="pooltag-token"]').content;
  const $ = (sel) => document.querySelector(sel);
  const state = { chart: null, info: null, tableGeneration: 0, hitAfter: 0, hitTimer: null, huntTimer: null };
  window.pooltagPage = state; // for the browser tests and for poking around in the console

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  async function api(path, options) {
    const opts = Object.assign({ credentials: 'same-origin', headers: {} }, options || {});
    if (opts.method === 'POST') opts.headers['X-Pooltag-Token'] = token;
    const r = await fetch(path, opts);
    let body = null;
    try { body = await r.json(); } catch (e) { body = null; }
    return { status: r.status, body: body };
  }

  function status(text, isError) {
    const s = $('#status');
    s.textContent = text;
    s.classList.toggle('error', !!isError);
  }

  function fmtBytes(v) {
    if (v === null || v === undefined) return '';
    const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0; let x = Math.abs(v);
    while (x >= 1024 && i < u.length - 1) { x /= 1024; i++; }
    return (v < 0 ? '-' : '') + (i === 0 ? x.toFixed(0) : x.toFixed(1)) + ' ' + u[i];
  }

  // ---- navigation ----
  const views = ['usage', 'hit', 'hunt', 'open'];
  function show() {
    const v = views.includes(location.hash.slice(1)) ? location.hash.slice(1) : 'usage';
    for (const name of views) {
      $('#view-' + name).hidden = name !== v;
      document.querySelector('nav a[data-view="' + name + '"]').classList.toggle('active', name === v);
    }
    if (v === 'hit') loadHit();
    if (v === 'hunt') loadHunt();
    if (v === 'open') loadOpen();
    if (v === 'usage' && state.chart) state.chart.resize();
  }

  // ---- usage: chart ----
  const palette = ['#2457c5', '#d1495b', '#edae49', '#00798c', '#66a182', '#8d6a9f', '#30638e', '#c05746',
    '#7a9e7e', '#4f5d75'];

  async function loadHistory() {
    const r = await api('/api/history?top=10');
    if (r.status !== 200) { status('history: ' + (r.body && r.body.error || r.status), true); return; }
    const h = r.body;
    const labels = h.times_ms.map((t) => new Date(t).toLocaleTimeString([], { hour12: false }));
    const datasets = h.series.map((s, i) => ({
      label: s.tag, data: s.bytes, borderColor: palette[i % palette.length],
      backgroundColor: palette[i % palette.length], pointRadius: h.times_ms.length > 60 ? 0 : 2, borderWidth: 1.5,
      spanGaps: false, tension: 0,
    }));
    if (!state.chart) {
      state.chart = new Chart($('#usage-chart'), {
        type: 'line',
        data: { labels: labels, datasets: datasets },
        options: {
          animation: false, responsive: true, maintainAspectRatio: false,
          interaction: { mode: 'nearest', intersect: false },
          scales: { y: { ticks: { callback: (v) => fmtBytes(v) }, title: { display: true, text: 'bytes' } },
                    x: { ticks: { maxTicksLimit: 12 } } },
          plugins: { legend: { position: 'right' },
                     tooltip: { callbacks: { label: (c) => c.dataset.label + ': ' + fmtBytes(c.parsed.y) } } },
        },
      });
    } else {
      state.chart.data.labels = labels;
      state.chart.data.datasets = datasets;
      state.chart.update('none');
    }
    $('#chart-note').textContent = '(' + h.times_ms.length + ' samples, every ' +
      (state.info ? state.info.interval_ms / 1000 : '?') + ' s)';
  }

  // ---- usage: !poolused table ----
  async function loadTable(ev) {
    if (ev) ev.preventDefault();
    const form = $('#poolused-controls');
    const flags = form.querySelector('input[name="flags"]:checked').value;
    const tag = $('#tag-filter').value.trim();
    const q = '/api/poolused?flags=' + encodeURIComponent(flags) + (tag ? '&tag=' + encodeURIComponent(tag) : '');
    const r = await api(q);
    if (r.status !== 200) { status('poolused: ' + (r.body && r.body.error || r.status), true); return; }
    renderPoolUsed($('#poolused-table'), r.body);
    $('#poolused-header').textContent = 'Sorting by ' + ({ tag: 'Tag', nonpaged: 'NonPaged Pool Consumed',
      paged: 'Paged Pool Consumed' })[r.body.sort] + '   (source: ' + r.body.source + ')';
    state.tableGeneration++;
    $('#poolused-table').dataset.generation = String(state.tableGeneration);
    status('updated ' + new Date().toLocaleTimeString([], { hour12: false }));
  }

  // One row per tag as WinDbg prints it: NonPaged and Paged side by side. The JSON has one entry per (tag, pool) in
  // the sort order, both pools of a tag adjacent.
  function renderPoolUsed(table, json) {
    const rows = new Map();
    for (const t of json.tags) {
      let r = rows.get(t.tag);
      if (!r) { r = { tag: t.tag, desc: t.description, np: null, p: null }; rows.set(t.tag, r); }
      if (t.pool === 'NonPaged') r.np = t; else r.p = t;
    }
    const body = table.tBodies[0];
    body.replaceChildren();
    for (const r of rows.values()) {
      const tr = el('tr');
      tr.dataset.tag = r.tag;
      tr.dataset.npAllocs = r.np ? r.np.allocs : 0;
      tr.dataset.npUsed = r.np ? r.np.used_bytes : 0;
      tr.dataset.pAllocs = r.p ? r.p.allocs : 0;
      tr.dataset.pUsed = r.p ? r.p.used_bytes : 0;
      tr.append(el('td', r.tag), el('td', tr.dataset.npAllocs), el('td', tr.dataset.npUsed),
        el('td', tr.dataset.pAllocs), el('td', tr.dataset.pUsed), el('td', r.desc, 'desc'));
      body.append(tr);
    }
    const foot = table.tFoot;
    foot.replaceChildren();
    const t = json.totals;
    const tr = el('tr');
    tr.append(el('td', 'TOTAL'), el('td', t.NonPaged.allocs), el('td', t.NonPaged.used_bytes),
      el('td', t.Paged.allocs), el('td', t.Paged.used_bytes), el('td', lossText(json.loss), 'desc'));
    foot.append(tr);
  }

  function lossText(loss) {
    if (!loss) return '';
    const parts = [];
    if (loss.lost_events) parts.push(loss.lost_events + ' events lost');
    if (loss.unpaired_frees) parts.push(loss.unpaired_frees + ' unpaired frees');
    if (loss.skipped_records) parts.push(loss.skipped_records + ' records skipped');
    if (loss.evicted_outstanding) parts.push(loss.evicted_outstanding + ' outstanding evicted (--max-outstanding)');
    if (loss.truncated) parts.push('input truncated');
    return parts.join(', ');
  }

  function unavailable(view, body) {
    const p = $('#' + view + '-unavailable');
    p.hidden = false;
    p.textContent = body && body.message ? body.message : 'Not available in this build.';
    const form = $('#' + view + '-controls');
    if (form) for (const c of form.elements) c.disabled = true;
  }

  // ---- hit ----
  async function loadHit() {
    const r = await api('/api/hit?after=' + state.hitAfter);
    if (r.status === 501) { unavailable('hit', r.body); return; }
    if (r.status !== 200) { status('hit: ' + (r.body && r.body.error || r.status), true); return; }
    const s = r.body.status;
    $('#hit-status').textContent = s.armed_tag === null ? 'No tag armed.'
      : 'Armed: ' + s.armed_tag + ' (' + s.hits + ' hits' + (lossText(s.loss) ? '; ' + lossText(s.loss) : '') + ')'
        + (s.note ? '. Note: ' + s.note : '');
    for (const h of r.body.hits) {
      const d = el('div', null, 'hit');
      d.append(el('div', '#' + h.seq + ' ' + h.event + ' ' + h.tag + ' ' + h.pool + ' ' + h.bytes + ' bytes, cpu ' +
        h.cpu + ', pid ' + h.pid + ' (' + h.comm + ')'));
      for (const f of h.stack) d.append(el('div', '  ' + f));
      $('#hit-list').prepend(d);
      state.hitAfter = Math.max(state.hitAfter, h.seq);
    }
    clearTimeout(state.hitTimer);
    if (location.hash === '#hit' && s.armed_tag !== null) state.hitTimer = setTimeout(loadHit, 1000);
  }

  async function hitChange(what, ev) {
    if (ev) ev.preventDefault();
    const init = { method: 'POST', headers: { 'Content-Type': 'application/json' } };
    if (what === 'arm') init.body = JSON.stringify({ tag: $('#hit-tag').value.trim() });
    const r = await api('/api/hit/' + what, init);
    if (r.status === 501) { unavailable('hit', r.body); return; }
    if (r.status !== 200) { status('hit: ' + (r.body && r.body.error || r.status), true); return; }
    if (what === 'arm') { state.hitAfter = 0; $('#hit-list').replaceChildren(); }
    loadHit();
  }

  // ---- hunt ----
  // A GET only reads: a hunt starts from the button (a POST with the token), then the view polls until it is done.
  async function loadHunt() {
    const r = await api('/api/hunt');
    showHunt(r);
  }

  async function startHunt(ev) {
    if (ev) ev.preventDefault();
    const r = await api('/api/hunt/start', { method: 'POST' });
    showHunt(r);
  }

  function showHunt(r) {
    clearTimeout(state.huntTimer);
    if (r.status === 501) { unavailable('hunt', r.body); return; }
    if (r.status !== 200 || !r.body.verdict) { // no answer (yet): no earlier verdict or notes stay on the page
      $('#hunt-verdict').hidden = true;
      $('#hunt-notes').hidden = true;
    }
    if (r.status !== 200) {
      $('#hunt-status').textContent = 'hunt: ' + (r.body && r.body.error || r.status);
      status('hunt: ' + (r.body && r.body.error || r.status), true);
      return;
    }
    const h = r.body;
    $('#hunt-start').disabled = h.running;
    if (h.running) state.huntTimer = setTimeout(loadHunt, 1000);
    if (!h.running && h.elapsed_s === 0 && h.suspects.length === 0) {
      $('#hunt-status').textContent = 'No hunt yet: start one (it traces the kernel for the configured duration).';
      return;
    }
    $('#hunt-status').textContent = (h.running ? 'Hunting for ' : 'Hunted for ') + h.elapsed_s.toFixed(0) + ' s' +
      (lossText(h.loss) ? '; ' + lossText(h.loss) : '; no events lost');
    // The answer in the command's own words (the server words it: one engine), then what limits it.
    const verdict = $('#hunt-verdict');
    verdict.hidden = !h.verdict;
    verdict.textContent = h.verdict || '';
    verdict.classList.toggle('leak', !!h.leak_found);
    const notes = $('#hunt-notes');
    notes.replaceChildren(...(h.notes || []).map(n => el('li', n)));
    notes.hidden = notes.children.length === 0;
    const table = $('#hunt-suspects');
    table.hidden = false;
    const body = table.tBodies[0];
    body.replaceChildren();
    for (const s of h.suspects) {
      const tr = el('tr');
      tr.append(el('td', s.tag), el('td', s.kind), el('td', s.pool), el('td', s.outstanding), el('td', fmtBytes(s.bytes)),
        el('td', fmtBytes(s.bytes_per_s) + '/s'), el('td', (s.confidence || 0).toFixed(2)),
        el('td', s.grows_with || ''));
      if (s.why) tr.title = s.why; // how the confidence of its finding was reached
      body.append(tr);
    }
    $('#flame-title').hidden = h.stacks.length === 0;
    Flame.render($('#flame'), h.stacks);
  }

  // ---- open ----
  async function loadOpen() {
    if (!state.info) return;
    if (!state.info.features.open) {
      unavailable('open', { message: 'Opening a Windows capture or a recording is not available on this server: ' +
        'it was started without the capture service.' });
    }
  }

  async function openFile(ev) {
    ev.preventDefault();
    const f = $('#open-file').files[0];
    if (!f) { $('#open-status').textContent = 'Choose a file first.'; return; }
    const r = await api('/api/open?name=' + encodeURIComponent(f.name) + '&flags=4',
      { method: 'POST', body: await f.arrayBuffer() });
    if (r.status === 501) { unavailable('open', r.body); return; }
    if (r.status !== 200) { $('#open-status').textContent = (r.body && r.body.error) || ('error ' + r.status); return; }
    // Loss is shown with every answer, as the CLI shows it: a cut-short or damaged recording is not a clean empty one.
    const rec = r.body.recording;
    const health = [];
    if (rec) {
      if (rec.cut_short) health.push('CUT SHORT (' + rec.cut_short + ')');
      if (rec.damaged_blocks) health.push('DAMAGED (' + rec.first_damage + '; ' + rec.damaged_blocks
        + ' damaged block' + (rec.damaged_blocks === 1 ? '' : 's') + ' skipped)');
      if (rec.skipped_bytes) health.push(rec.skipped_bytes + ' bytes skipped');
      if (rec.skipped_pages) health.push(rec.skipped_pages + ' pages skipped');
      if (rec.malformed_records) health.push(rec.malformed_records + ' malformed records');
      if (rec.unknown_blocks) health.push(rec.unknown_blocks + ' unknown blocks');
    }
    const loss = lossText(r.body.loss);
    if (loss) health.push(loss);
    const st = $('#open-status');
    st.textContent = r.body.source + ': ' + r.body.tags.length + ' rows; ' +
      (health.length ? health.join(', ') : 'nothing lost');
    st.classList.toggle('error', health.length > 0);
    const table = $('#open-table');
    table.hidden = false;
    const body = table.tBodies[0];
    body.replaceChildren();
    for (const t of r.body.tags) {
      const tr = el('tr');
      tr.append(el('td', t.tag), el('td', t.kind), el('td', t.pool), el('td', t.allocs), el('td', t.used_bytes),
        el('td', t.description, 'desc'));
      body.append(tr);
    }
  }

  async function start() {
    const r = await api('/api/info');
    if (r.status !== 200) { status('cannot reach the server: ' + r.status, true); return; }
    state.info = r.body;
    if (r.body.sample_error) status('sampling: ' + r.body.sample_error, true);
    $('#poolused-controls').addEventListener('submit', loadTable);
    for (const radio of document.querySelectorAll('#poolused-controls input[name="flags"]')) {
      radio.addEventListener('change', () => loadTable());
    }
    $('#hit-controls').addEventListener('submit', (e) => hitChange('arm', e));
    $('#hit-clear').addEventListener('click', (e) => hitChange('clear', e));
    $('#open-controls').addEventListener('submit', openFile);
    $('#hunt-controls').addEventListener('submit', startHunt);
    window.addEventListener('hashchange', show);
    show();
    await Promise.all([loadHistory(), loadTable()]);
    setInterval(loadHistory, Math.max(1000, state.info.interval_ms));
  }

  document.addEventListener('DOMContentLoaded', start);
})();
