// Shinsa dashboard: plain JS, no external code. Every number comes from the API with the login cookie, so the API's
// role checks decide what a user sees; an insurer user's pages name their own insurer only.
'use strict';

const nf = new Intl.NumberFormat('ja-JP');
const nf1 = new Intl.NumberFormat('ja-JP', { maximumFractionDigits: 2 });
const app = document.getElementById('app');
let me = null;
let cleanup = [];

function esc(s) {
  return String(s ?? '').replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}
const STATE_JA = { open: '未処理', resolved: '解消', withdrawn: '取下げ' };
const KIND_JA = { Medical: '医科', Dental: '歯科', Pharmacy: '調剤', VisitingNursing: '訪問看護' };
function stateJa(s) { return STATE_JA[s] || s; }
function num(v, frac) { return v === null || v === undefined ? '—' : (frac ? nf1 : nf).format(v); }
function yen(v) { return v === null || v === undefined ? '—' : nf.format(v) + '円'; }
function q(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, v);
  return u.toString();
}
function lastMonth() {
  const d = new Date(); d.setDate(1); d.setMonth(d.getMonth() - 1);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;
}

async function api(path) {
  const r = await fetch(path, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  if (r.status === 401) { location.href = '/login'; throw new Error('401'); }
  let body = null;
  try { body = await r.json(); } catch { body = null; }
  return { status: r.status, ok: r.ok, body };
}

function setLive(on, text) {
  document.getElementById('live').className = 'live ' + (on ? 'on' : 'off');
  document.getElementById('live-text').textContent = text;
}

// A KPI stream (server-sent events): calls onKpi with each KPI object; closed when the page changes.
function subscribe(query, onKpi) {
  const es = new EventSource('/api/v1/kpis/stream?' + query);
  es.addEventListener('kpi', e => { setLive(true, 'ライブ更新中 ' + new Date().toLocaleTimeString('ja-JP')); onKpi(JSON.parse(e.data)); });
  es.onerror = () => setLive(false, '再接続中…');
  cleanup.push(() => { es.close(); setLive(false, '未接続'); });
}

const CHECK_JA = { 'ELIG-NONE': '資格なし', 'ELIG-RATIO': '負担割合誤り', DUP: '重複請求', TOTAL: '点数不一致', VERT: '縦覧', HORZ: '横覧',
  MATCH: '突合', 'CARE-HOSP': '医療×介護突合', JUDO: '柔整', VISITS: '重複・頻回受診', DRUGS: '重複投薬・多剤', THIRD: '第三者行為',
  ROUTE: '審査振分け', 'CHK-VISIT': '重症化予防', 'DM-DROP': '糖尿病治療中断' };

function renderCards(el, catalog) {
  const previous = el.dataset.values ? JSON.parse(el.dataset.values) : {};
  const values = {};
  // Every KPI of the scope is a card; those with no meaning for it (a population rate of one provider) are listed apart.
  el.querySelector('.cards').innerHTML = catalog.kpis.filter(k => !k.not_for_scope).map(k => {
    values[k.id] = k.value;
    const frac = !Number.isInteger(k.value);
    const changed = el.dataset.values && previous[k.id] !== k.value;
    return `<div class="card${changed ? ' flash' : ''}" data-kpi="${esc(k.id)}"><div class="label">${esc(k.label)}</div>` +
      `<div><span class="value">${num(k.value, frac)}</span><span class="unit">${esc(k.unit)}</span></div></div>`;
  }).join('');
  el.dataset.values = JSON.stringify(values);
  const checks = catalog.by_check || [];
  el.querySelector('.by-check').innerHTML = checks.length
    ? `<table><thead><tr><th>チェック</th><th class="num">指摘件数</th><th class="num">影響額</th><th class="num">1,000件当たり</th></tr></thead><tbody>` +
      checks.map(c => `<tr data-check="${esc(c.check_id)}"><td>${esc(c.check_id)} <span class="muted">${esc(CHECK_JA[c.check_id] || '')}</span></td>
        <td class="num">${num(c.findings)}</td><td class="num">${yen(c.yen_at_stake)}</td><td class="num">${num(c.per_1000, true)}</td></tr>`).join('') + '</tbody></table>'
    : '<p class="muted">未処理の指摘はありません。</p>';
  el.querySelector('.pending-list').innerHTML = catalog.kpis.filter(k => k.not_for_scope).map(k => `<li title="${esc(k.not_for_scope)}">${esc(k.label)}</li>`).join('');
}

function kpiBlock() {
  return `<div class="kpis"><div class="cards"></div><h2>チェック別 指摘</h2><div class="by-check"></div>
    <details><summary class="muted">この範囲では算出しない指標</summary><ul class="pending-list"></ul></details></div>`;
}

// Bars of one series over months, with a y scale and month labels: inline SVG, drawn here.
function barChart(rows, field, label) {
  if (!rows.length) return '<div class="empty">まだデータがありません。</div>';
  const w = 760, h = 240, left = 70, bottom = 34, top = 20;
  const max = Math.max(1, ...rows.map(r => r[field]));
  const step = (w - left - 10) / rows.length, bw = Math.max(4, Math.min(48, step * 0.6));
  const y = v => top + (h - top - bottom) * (1 - v / max);
  let svg = `<svg viewBox="0 0 ${w} ${h}" role="img" aria-label="${esc(label)}">`;
  for (let i = 0; i <= 4; i++) {
    const v = max * i / 4, yy = y(v);
    svg += `<line x1="${left}" x2="${w - 5}" y1="${yy}" y2="${yy}" stroke="#e5e9ef"/>` +
      `<text x="${left - 6}" y="${yy + 4}" font-size="11" text-anchor="end" fill="#6b7785">${nf.format(Math.round(v))}</text>`;
  }
  rows.forEach((r, i) => {
    const x = left + i * step + (step - bw) / 2, yy = y(r[field]);
    svg += `<rect x="${x}" y="${yy}" width="${bw}" height="${h - bottom - yy}" fill="#1f6feb"><title>${esc(r.month)}: ${nf.format(r[field])}</title></rect>` +
      `<text x="${x + bw / 2}" y="${h - bottom + 16}" font-size="11" text-anchor="middle" fill="#1d2733">${esc(r.month)}</text>`;
  });
  svg += `<text x="${left}" y="13" font-size="12" fill="#1d2733">${esc(label)}</text></svg>`;
  return svg;
}

function monthPicker(month, extra = '') {
  return `<div class="toolbar"><label>診療年月<input type="month" id="month" value="${esc(month)}"></label>${extra}</div>`;
}
function onMonth(route, params) {
  const input = document.getElementById('month');
  if (input) input.addEventListener('change', () => go(route, { ...params, month: input.value }));
}
function go(route, params) { location.hash = '#/' + route + (params && q(params) ? '?' + q(params) : ''); }

function denied(text) { app.innerHTML = `<div class="denied" id="denied">${esc(text)}</div>`; }

// ---- pages ----------------------------------------------------------------------------------------------------

async function latestMonth(query) {
  const t = await api('/api/v1/kpis/trend?' + query);
  return t.ok && t.body.length ? t.body[t.body.length - 1].month : lastMonth();
}

async function pagePrefecture(params) {
  if (!me.isFederation) return denied('この画面は連合会（federation）のみ表示できます。');
  const month = params.month || await latestMonth('scope=prefecture');
  app.innerHTML = `<h1>県全体 概況 <span class="muted">${esc(month)} 診療分</span></h1>${monthPicker(month)}
    ${kpiBlock()}<h2>保険者別</h2><div id="insurers"></div><h2>月別推移（点数）</h2><div class="chart" id="trend"></div>`;
  onMonth('prefecture', params);
  const block = app.querySelector('.kpis');
  const refresh = async () => {
    const [ins, trend] = await Promise.all([api('/api/v1/kpis/insurers?' + q({ service_month: month })), api('/api/v1/kpis/trend?scope=prefecture')]);
    const el = document.getElementById('insurers');
    if (!el) return;
    el.innerHTML = ins.ok && ins.body.length ? `<table><thead><tr><th>保険者番号</th><th class="num">件数</th><th class="num">日数</th>
      <th class="num">点数</th><th class="num">費用額</th><th class="num">指摘件数</th><th class="num">指摘金額</th></tr></thead><tbody>` +
      ins.body.map(r => `<tr><td><a href="#/insurer/${esc(r.insurer_no)}?month=${esc(month)}">${esc(r.insurer_no)}</a></td>
        <td class="num">${num(r.receipts)}</td><td class="num">${num(r.days)}</td><td class="num">${num(r.points)}</td>
        <td class="num">${yen(r.cost_yen)}</td><td class="num">${num(r.findings)}</td><td class="num">${yen(r.finding_yen)}</td></tr>`).join('') +
      '</tbody></table>' : '<div class="empty">この月のレセプトはまだありません。</div>';
    document.getElementById('trend').innerHTML = trend.ok ? barChart(trend.body, 'points', '点数（診療年月別）') : '';
  };
  subscribe(q({ scope: 'prefecture', service_month: month }), c => { renderCards(block, c); refresh(); });
}

async function pageInsurer(params, insurer) {
  if (!me.isFederation && me.insurer !== insurer) return denied(`保険者 ${insurer} のデータを表示する権限がありません。`);
  const month = params.month || await latestMonth(q({ scope: 'insurer', id: insurer }));
  app.innerHTML = `<h1>保険者 <span id="insurer-no">${esc(insurer)}</span> <span class="muted">${esc(month)} 診療分</span></h1>
    ${monthPicker(month, `<a href="#/findings?${q({ insurer, month })}">指摘一覧 →</a> <a href="#/high-cost?${q({ insurer, month })}">高額療養費 →</a>`)}
    ${kpiBlock()}<h2>月別推移</h2><div class="charts"><div class="chart" id="trend-points"></div><div class="chart" id="trend-cost"></div></div>
    <h2>医療機関プロファイル</h2><form id="provider-form" class="toolbar"><label>医療機関コード<input id="provider-code" pattern="[0-9]+" required></label><button>表示</button></form>`;
  onMonth('insurer/' + insurer, params);
  document.getElementById('provider-form').addEventListener('submit', e => {
    e.preventDefault();
    go('provider/' + document.getElementById('provider-code').value, { insurer, month });
  });
  const block = app.querySelector('.kpis');
  const trend = async () => {
    const t = await api('/api/v1/kpis/trend?' + q({ scope: 'insurer', id: insurer }));
    if (!t.ok || !document.getElementById('trend-points')) return;
    document.getElementById('trend-points').innerHTML = barChart(t.body, 'points', '点数（診療年月別）');
    document.getElementById('trend-cost').innerHTML = barChart(t.body, 'cost_yen', '費用額（円、診療年月別）');
  };
  subscribe(q({ scope: 'insurer', id: insurer, service_month: month }), c => { renderCards(block, c); trend(); });
}

async function pageProvider(params, code) {
  const insurer = me.isFederation ? params.insurer : me.insurer;
  if (!me.isFederation && !insurer) return denied('医療機関プロファイルは保険者または連合会のみ表示できます。');
  const scopeQ = { scope: 'provider', id: code, insurer };
  const month = params.month || await latestMonth(q(scopeQ));
  app.innerHTML = `<h1>医療機関 ${esc(code)} <span class="muted">${insurer ? '保険者 ' + esc(insurer) + ' 分 ・ ' : ''}${esc(month)} 診療分</span></h1>
    ${monthPicker(month, `<a href="#/findings?${q({ insurer, month, provider: code })}">この医療機関の指摘 →</a>`)}
    <h2>後発医薬品・柔整 施術パターン</h2><div id="patterns"></div>
    ${kpiBlock()}<h2>月別推移（件数）</h2><div class="chart" id="trend"></div>`;
  onMonth('provider/' + code, params);
  const block = app.querySelector('.kpis');
  subscribe(q({ ...scopeQ, service_month: month }), async c => {
    renderCards(block, c);
    renderPatterns(document.getElementById('patterns'), c);
    const t = await api('/api/v1/kpis/trend?' + q(scopeQ));
    const el = document.getElementById('trend');
    if (t.ok && el) el.innerHTML = barChart(t.body, 'receipts', '件数（診療年月別）');
  });
}

// A provider's profile at a glance: its 後発 share and, for a 施術所, how its 柔整 claims are spread.
const PATTERN_IDS = ['generic_share', 'judo_claims', 'judo_days_per_claim', 'judo_parts3_share', 'judo_days15_share', 'judo_multi_share'];
function renderPatterns(el, catalog) {
  if (!el) return;
  const rows = PATTERN_IDS.map(id => catalog.kpis.find(k => k.id === id)).filter(k => k);
  el.innerHTML = `<table class="patterns"><tbody>` + rows.map(k => `<tr data-pattern="${esc(k.id)}"><th>${esc(k.label)}</th>
    <td class="num">${num(k.value, !Number.isInteger(k.value))}${k.value === null ? '' : esc(k.unit)}</td></tr>`).join('') + '</tbody></table>';
}

function insurerOf(params) { return me.isFederation ? (params.insurer || '') : me.insurer; }

async function pageFindings(params) {
  const insurer = insurerOf(params), month = params.month || lastMonth();
  app.innerHTML = `<h1>指摘一覧（審査ワークリスト）</h1>
    <form class="toolbar" id="filters">
      <label>保険者番号<input name="insurer" value="${esc(insurer)}" ${me.isFederation ? '' : 'readonly'} required></label>
      <label>診療年月<input type="month" name="month" value="${esc(month)}" required></label>
      <label>チェック<select name="check">${['', 'ELIG-NONE', 'ELIG-RATIO', 'DUP', 'TOTAL', 'VERT', 'HORZ', 'MATCH', 'CARE-HOSP', 'JUDO', 'VISITS', 'DRUGS', 'THIRD', 'ROUTE', 'CHK-VISIT', 'DM-DROP']
        .map(c => `<option ${c === (params.check || '') ? 'selected' : ''} value="${c}">${c || 'すべて'}</option>`).join('')}</select></label>
      <label>医療機関コード<input name="provider" value="${esc(params.provider || '')}"></label>
      <label>状態<select name="state"><option value="">すべて</option>${[['open', '未処理 (open)'], ['resolved', '解消 (resolved)'], ['withdrawn', '取下げ (withdrawn)']]
        .map(([v, t]) => `<option value="${v}" ${params.state === v ? 'selected' : ''}>${t}</option>`).join('')}</select></label>
      <label>金額（円以上）<input name="min_yen" type="number" min="0" value="${esc(params.min_yen || '')}"></label>
      <button>絞り込み</button></form><div id="list"><p class="muted">読み込み中…</p></div>`;
  document.getElementById('filters').addEventListener('submit', e => {
    e.preventDefault();
    go('findings', Object.fromEntries(new FormData(e.target)));
  });
  if (!insurer) { document.getElementById('list').innerHTML = '<div class="empty">保険者番号を入力してください。</div>'; return; }
  const r = await api('/api/v1/findings?' + q({ insurer, service_month: month, check: params.check, provider: params.provider, state: params.state,
    min_yen: params.min_yen, page_size: 500 }));
  const list = document.getElementById('list');
  if (r.status === 403) { list.innerHTML = '<div class="denied">この保険者の指摘を表示する権限がありません。</div>'; return; }
  const items = r.ok && r.body && Array.isArray(r.body.items) ? r.body.items : [];
  const min = Number(params.min_yen || 0);
  const shown = items.filter(f => (f.yen_at_stake ?? 0) >= min);
  if (!shown.length) {
    list.innerHTML = `<div class="empty" id="findings-empty">${r.ok ? 'この条件の指摘はありません。' : '指摘の一覧を取得できませんでした（' + r.status + '）。'}</div>`;
    return;
  }
  list.innerHTML = `<p class="muted">${nf.format(shown.length)} 件${r.body.total > items.length ? `（全 ${nf.format(r.body.total)} 件中）` : ''}</p>
    <table id="findings"><thead><tr><th>チェック</th><th>医療機関</th><th>被保険者（記号・番号）</th><th>対象者</th><th>レセプト</th>
    <th class="num">影響額</th><th>状態</th><th>内容</th></tr></thead><tbody>` +
    shown.map(f => `<tr><td>${esc(f.check_id)} <span class="muted">v${esc(f.rule_version)}</span></td>
      <td><a href="#/provider/${esc(f.provider_code)}?${q({ insurer: f.insurer_no, month: f.service_month })}">${esc(f.provider_code)}</a></td>
      <td><a class="household-link" href="#/household/${esc(f.insurer_no)}/${encodeURIComponent(f.card_symbol || '-')}/${encodeURIComponent(f.card_number)}">${esc(f.card_symbol)}・${esc(f.card_number)}</a></td>
      <td>${esc(f.person)}</td><td>${esc((f.receipts || []).join(', '))}</td><td class="num">${yen(f.yen_at_stake)}</td>
      <td class="${f.state === 'open' ? 'state-open' : ''}">${esc(stateJa(f.state))}</td><td>${esc(f.detail)}</td></tr>`).join('') + '</tbody></table>';
}

function renderValue(v) {
  if (v === null || v === undefined) return '—';
  if (Array.isArray(v)) return v.length ? `<ul>${v.map(x => `<li>${renderValue(x)}</li>`).join('')}</ul>` : '<span class="muted">なし</span>';
  if (typeof v === 'object') return `<table>${Object.entries(v).map(([k, x]) => `<tr><th>${esc(k)}</th><td>${renderValue(x)}</td></tr>`).join('')}</table>`;
  return typeof v === 'number' ? nf.format(v) : esc(v);
}

async function pageHousehold(insurer, symbol, number) {
  app.innerHTML = `<h1>世帯 ${esc(insurer)} ${esc(symbol === '-' ? '' : symbol)}・${esc(number)} <span class="muted">月別の横並び表示</span></h1><div id="household"><p class="muted">読み込み中…</p></div>`;
  const r = await api(`/api/v1/beneficiaries/${encodeURIComponent(insurer)}/${encodeURIComponent(symbol || '-')}/${encodeURIComponent(number)}`);
  const el = document.getElementById('household');
  if (r.status === 403) { el.innerHTML = '<div class="denied">この世帯を表示する権限がありません。</div>'; return; }
  if (!r.ok || !r.body) { el.innerHTML = '<div class="empty" id="household-empty">この世帯の情報はまだありません。</div>'; return; }
  const h = r.body;
  const eligibility = (h.eligibility || []).length
    ? `<table><thead><tr><th>枝番</th><th>個人ID</th><th>生年月日</th><th>性別</th><th>資格</th><th>開始</th><th>終了</th><th>負担割合</th><th>所得区分</th><th>制度</th></tr></thead><tbody>` +
      h.eligibility.map(e => `<tr><td>${esc(e.branch)}</td><td>${esc(e.person_id)}</td><td>${esc(e.birth_date)}</td><td>${e.sex === 1 ? '男' : '女'}</td>
        <td>${esc(e.event)}</td><td>${esc(e.valid_from)}</td><td>${esc(e.valid_to ?? '')}</td><td>${esc(e.burden_pct)}%</td><td>${esc(e.income_class)}</td><td>${esc(e.system)}</td></tr>`).join('') +
      '</tbody></table>'
    : '<div class="empty">資格情報はまだありません。</div>';
  const months = Array.isArray(h.months) ? h.months : [];
  const column = m => `<section class="month" data-month="${esc(m.service_month)}"><h2>${esc(m.service_month)} 診療分</h2>
    <h3 class="muted">レセプト ${nf.format((m.receipts || []).length)} 件</h3>
    <table><thead><tr><th>レセプト</th><th>対象者</th><th class="num">日数</th><th class="num">点数</th></tr></thead><tbody>` +
    (m.receipts || []).map(x => `<tr><td>${esc(x.key)}<br><span class="muted">${esc(KIND_JA[x.kind] || x.kind)} ${x.inpatient ? '入院' : '外来'}</span></td><td>${esc(x.person)}</td>
      <td class="num">${num(x.days)}</td><td class="num">${num(x.points)}</td></tr>`).join('') + `</tbody></table>
    <h3 class="muted">指摘 ${nf.format((m.findings || []).length)} 件</h3>` +
    ((m.findings || []).length ? '<ul class="household-findings">' + m.findings.map(f => `<li><b>${esc(f.check_id)}</b> ${yen(f.yen_at_stake)}
      <span class="${f.state === 'open' ? 'state-open' : ''}">${esc(stateJa(f.state))}</span><br>${esc(f.detail)}</li>`).join('') + '</ul>' : '<p class="muted">なし</p>') +
    `<h3 class="muted">高額療養費</h3>` + (m.high_cost ? `<p>支給額 <b>${yen(m.high_cost.payable_yen)}</b>（自己負担 ${yen(m.high_cost.copay_yen)}・限度額 ${yen(m.high_cost.cap_yen)}${m.high_cost.tasuu ? '・多数回' : ''}）</p>` : '<p class="muted">該当なし</p>') +
    '</section>';
  el.innerHTML = `<h2>資格</h2>${eligibility}<h2>月別</h2>` + (months.length ? `<div class="months" id="household-months">${months.map(column).join('')}</div>` : '<div class="empty">レセプトはまだありません。</div>');
}

async function pageHighCost(params) {
  const insurer = insurerOf(params), month = params.month || lastMonth();
  app.innerHTML = `<h1>高額療養費 一覧</h1><form class="toolbar" id="hc-form">
    <label>保険者番号<input name="insurer" value="${esc(insurer)}" ${me.isFederation ? '' : 'readonly'} required></label>
    <label>診療年月<input type="month" name="month" value="${esc(month)}" required></label><button>表示</button></form><div id="list"></div>`;
  document.getElementById('hc-form').addEventListener('submit', e => { e.preventDefault(); go('high-cost', Object.fromEntries(new FormData(e.target))); });
  const list = document.getElementById('list');
  if (!insurer) { list.innerHTML = '<div class="empty">保険者番号を入力してください。</div>'; return; }
  const r = await api('/api/v1/high-cost?' + q({ insurer, service_month: month }));
  if (r.status === 403) { list.innerHTML = '<div class="denied">この保険者の高額療養費を表示する権限がありません。</div>'; return; }
  const rows = r.ok && Array.isArray(r.body) ? r.body : [];
  if (!rows.length) { list.innerHTML = `<div class="empty" id="high-cost-empty">${r.ok ? 'この月の該当世帯はありません。' : '一覧を取得できませんでした（' + r.status + '）。'}</div>`; return; }
  list.innerHTML = `<table><thead><tr><th>世帯</th><th class="num">人数</th><th class="num">医療費</th><th class="num">自己負担額</th>
    <th class="num">限度額</th><th class="num">支給額</th><th>多数回</th></tr></thead><tbody>` +
    rows.map(h => `<tr><td><a href="#/household/${esc(h.insurer_no)}/${encodeURIComponent(h.card_symbol || '-')}/${encodeURIComponent(h.card_number)}">${esc(h.household_id)}</a></td><td class="num">${num(Array.isArray(h.persons) ? h.persons.length : h.persons)}</td>
      <td class="num">${yen(h.cost_yen)}</td><td class="num">${yen(h.copay_yen)}</td><td class="num">${yen(h.cap_yen)}</td>
      <td class="num">${yen(h.payable_yen)}</td><td>${h.tasuu ? '該当' : ''}</td></tr>`).join('') + '</tbody></table>';
}

async function pageHost() {
  if (!me.isFederation) return denied('この画面は連合会（federation）のみ表示できます。');
  app.innerHTML = '<h1>ホスト状態（サイロ・シャード）</h1><div id="cluster"></div><div id="host"></div>';
  const drawCluster = async () => {
    // Cluster mode: every silo of the membership and the owner of every shard (GET /api/v1/cluster).
    const r = await api('/api/v1/cluster');
    const el = document.getElementById('cluster');
    if (!el || !r.ok || r.body.mode !== 'cluster') return;
    const c = r.body;
    const owned = id => c.leases.filter(l => l.owner === id).map(l => l.shard);
    el.innerHTML = `<h2>クラスタ（サイロ ${num(c.silos.filter(x => x.live).length)} 台稼働）</h2>
      <table><thead><tr><th>サイロ</th><th>URL</th><th>状態</th><th class="num">最終ハートビート (秒前)</th><th>担当シャード</th></tr></thead><tbody>` +
      c.silos.map(x => `<tr><td>${esc(x.id)}${x.id === c.silo_id ? '（この画面）' : ''}</td><td>${esc(x.url)}</td><td>${x.live ? '稼働中' : '停止'}</td>
        <td class="num">${num(x.heartbeat_age_seconds, true)}</td><td>${esc(owned(x.id).join(', ') || '—')}</td></tr>`).join('') +
      `</tbody></table><table><thead><tr><th>シャード</th><th>所有サイロ</th><th class="num">エポック</th><th class="num">リース残り (秒)</th><th class="num">適用位置</th><th class="num">スナップショット位置</th></tr></thead><tbody>` +
      c.leases.map(l => `<tr><td>${l.shard}</td><td>${esc(l.owner || '—')}</td><td class="num">${num(l.epoch)}</td><td class="num">${num(l.expires_in_seconds, true)}</td>
        <td class="num">${num(l.applied_seq)}</td><td class="num">${num(l.checkpoint_seq)}</td></tr>`).join('') + '</tbody></table><h2>このサイロ</h2>';
  };
  const draw = async () => {
    await drawCluster();
    const r = await api('/api/v1/host');
    const el = document.getElementById('host');
    if (!el || !r.ok) return;
    const h = r.body;
    el.innerHTML = `<div class="cards">
      ${[['サイロ', h.silo], ['状態', h.ready ? '稼働中' : (h.fault ? '障害: ' + h.fault : '回復中')], ['シャード数', num(h.shard_count)], ['ワーカー数', num(h.workers)],
        ['常駐グレイン', num(h.resident_grains)], ['処理速度 (件/秒)', num(h.records_per_second, true)], ['未処理 (backlog)', num(h.backlog)], ['適用済み件数', num(h.records_applied)]]
        .map(([l, v]) => `<div class="card"><div class="label">${esc(l)}</div><div class="value">${esc(v)}</div></div>`).join('')}</div>
      <p class="muted">${esc(h.store)} ・ 稼働 ${num(h.uptime_seconds)} 秒</p>
      <table><thead><tr><th>シャード</th><th>ワーカー</th><th class="num">適用位置</th><th class="num">スナップショット位置</th><th class="num">未スナップショット</th><th class="num">スナップショット経過 (秒)</th><th class="num">常駐グレイン</th></tr></thead><tbody>` +
      h.shards.map(s => `<tr><td>${s.shard}</td><td>${s.worker}</td><td class="num">${num(s.applied_seq)}</td><td class="num">${num(s.checkpoint_seq)}</td>
        <td class="num">${num(s.unsnapshotted)}</td><td class="num">${num(s.snapshot_age_seconds, true)}</td><td class="num">${num(s.resident)}</td></tr>`).join('') + '</tbody></table>';
  };
  await draw();
  const timer = setInterval(draw, 2000);
  cleanup.push(() => clearInterval(timer));
}

async function pageAudit() {
  if (!me.isFederation) return denied('この画面は連合会（federation）のみ表示できます。');
  const r = await api('/api/v1/audit?limit=200');
  app.innerHTML = '<h1>監査ログ（個人単位の閲覧）</h1>' + (r.ok && r.body.items.length
    ? `<table><thead><tr><th>日時</th><th>利用者</th><th>ロール</th><th>画面</th><th>対象</th></tr></thead><tbody>` +
      r.body.items.map(a => `<tr><td>${esc(new Date(a.at).toLocaleString('ja-JP'))}</td><td>${esc(a.who)}</td><td>${esc(a.role)}</td><td>${esc(a.what)}</td><td>${esc(a.subject)}</td></tr>`).join('') +
      '</tbody></table>' : '<div class="empty">記録はまだありません。</div>');
}

function pageProviderHome() {
  app.innerHTML = `<h1>医療機関 ${esc(me.id)}</h1><p>このロールでは KPI は表示できません。提出したファイルの状況を確認できます。</p>
    <form class="toolbar" id="status-form"><label>提出 ID<input id="sub-id" required></label><button>確認</button></form><div id="status"></div>`;
  document.getElementById('status-form').addEventListener('submit', async e => {
    e.preventDefault();
    const r = await api('/api/v1/submissions/' + encodeURIComponent(document.getElementById('sub-id').value));
    document.getElementById('status').innerHTML = r.ok ? renderValue(r.body) : '<div class="empty">見つかりません。</div>';
  });
}

// ---- routing --------------------------------------------------------------------------------------------------

function nav() {
  const links = me.isFederation
    ? [['#/prefecture', '県全体'], ['#/findings', '指摘一覧'], ['#/high-cost', '高額療養費'], ['#/host', 'ホスト状態'], ['#/audit', '監査ログ']]
    : me.kind === 'insurer'
      ? [[`#/insurer/${me.insurer}`, '保険者ボード'], ['#/findings', '指摘一覧'], ['#/high-cost', '高額療養費']]
      : [['#/', '提出状況']];
  document.getElementById('nav').innerHTML = links.map(([h, t]) => `<a href="${h}">${esc(t)}</a>`).join('');
  const roleJa = me.isFederation ? '連合会' : me.kind === 'insurer' ? `保険者 ${me.insurer}` : `医療機関 ${me.id}`;
  document.getElementById('who').textContent = `${me.name}（${roleJa}）`;
}

async function route() {
  cleanup.forEach(f => f()); cleanup = [];
  const hash = location.hash.replace(/^#\/?/, '');
  const [path, query] = hash.split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const params = Object.fromEntries(new URLSearchParams(query || ''));
  try {
    switch (parts[0] || '') {
      case '':
        if (me.isFederation) return await pagePrefecture(params);
        if (me.kind === 'insurer') return await pageInsurer(params, me.insurer);
        return await pageProviderHome();
      case 'prefecture': return await pagePrefecture(params);
      case 'insurer': return await pageInsurer(params, parts[1]);
      case 'provider': return await pageProvider(params, parts[1]);
      case 'findings': return await pageFindings(params);
      case 'household': return await pageHousehold(parts[1], parts[2], parts[3]);
      case 'high-cost': return await pageHighCost(params);
      case 'host': return await pageHost();
      case 'audit': return await pageAudit();
      default: app.innerHTML = '<div class="empty">ページが見つかりません。</div>';
    }
  } catch (e) {
    if (e.message !== '401') app.innerHTML = `<div class="denied">エラー: ${esc(e.message)}</div>`;
  }
}

(async () => {
  const r = await api('/api/v1/me');
  me = r.body;
  me.isFederation = me.kind === 'federation';
  me.insurer = me.kind === 'insurer' ? me.id : null;
  nav();
  // One page at a time: a page that awaits before it renders (the insurer board asks for the latest month first) would
  // otherwise finish after the page navigated to meanwhile, draw over it and keep its own stream, leaving the newer
  // page's stream updating detached elements.
  let routing = Promise.resolve();
  const routeInTurn = () => { routing = routing.then(route).catch(e => console.error(e)); };
  window.addEventListener('hashchange', routeInTurn);
  routeInTurn();
})();
