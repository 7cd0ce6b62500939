// The flashsale live dashboard: reads the /dashboard/events stream (history,
// then one reading per interval) and draws it with uPlot. No build step, no
// network beyond this server.
/* global uPlot */
(() => {
  const ADMIN_WORKERS_PATH = '/admin/workers';
  const state = { points: [], maxPoints: 300, stats: null, charts: {}, soldOutAt: {}, skus: [] };
  // Exposed for the browser test and for anyone poking at the page.
  window.flashsale = state;

  const COLORS = ['#2f7ed8', '#e4572e', '#6c757d', '#17a36b', '#a05eb5'];

  const CHARTS = {
    queue: {
      el: 'chart-queue',
      series: [
        ['visible', 'visible'],
        ['in flight', 'inFlight'],
        ['dead letters', 'deadLetters'],
      ],
    },
    rates: {
      el: 'chart-rates',
      series: [
        ['accepted/s', 'acceptedPerS'],
        ['processed/s', 'processedPerS'],
      ],
    },
    workers: {
      el: 'chart-workers',
      series: [
        ['workers', 'workers'],
        ['busy', 'busy'],
        ['payments in flight', 'paymentsInFlight'],
        ['payments waiting', 'paymentsWaiting'],
      ],
    },
    latency: {
      el: 'chart-latency',
      log: true,
      series: [
        ['p50', 'p50'],
        ['p95', 'p95'],
        ['p99', 'p99'],
      ],
    },
  };

  function chartWidth(el) {
    return Math.max(280, el.parentElement.clientWidth - 8);
  }

  function makeChart(name, spec) {
    const el = document.getElementById(spec.el);
    const options = {
      width: chartWidth(el),
      height: 220,
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: true },
        y: spec.log ? { distr: 3, log: 10 } : { range: (_u, _min, max) => [0, Math.max(1, max)] },
      },
      axes: [{}, { size: 56 }],
      series: [
        {},
        ...spec.series.map(([label], i) => ({
          label,
          stroke: COLORS[i],
          width: 2,
          spanGaps: false,
          points: { show: false },
        })),
      ],
    };
    state.charts[name] = new uPlot(options, columns(spec), el);
  }

  function columns(spec) {
    const xs = state.points.map((p) => p.t / 1000);
    return [xs, ...spec.series.map(([, key]) => state.points.map((p) => (spec.log && p[key] === 0 ? null : p[key])))];
  }

  function redraw() {
    for (const [name, spec] of Object.entries(CHARTS)) state.charts[name]?.setData(columns(spec));
    drawStock();
  }

  // ---- stock: units available per product over time, and when each sold out

  function stockColumns(skus) {
    const xs = state.points.map((p) => p.t / 1000);
    return [xs, ...skus.map((sku) => state.points.map((p) => p.stock?.[sku]?.available ?? null))];
  }

  // A dashed vertical line at each sell-out moment.
  function drawSoldOut(u) {
    const { ctx, bbox } = u;
    for (const t of Object.values(state.soldOutAt)) {
      const x = u.valToPos(t / 1000, 'x', true);
      if (x < bbox.left || x > bbox.left + bbox.width) continue;
      ctx.save();
      ctx.strokeStyle = COLORS[1];
      ctx.lineWidth = 2;
      ctx.setLineDash([6, 4]);
      ctx.beginPath();
      ctx.moveTo(x, bbox.top);
      ctx.lineTo(x, bbox.top + bbox.height);
      ctx.stroke();
      ctx.restore();
    }
  }

  function drawStock() {
    const skus = Object.keys(state.stats?.stock ?? {}).sort();
    document.getElementById('stock-figure').hidden = skus.length === 0;
    document.getElementById('stock-tiles').hidden = skus.length === 0;
    if (skus.length === 0) return;
    // One series per product: a product added or removed builds the chart again.
    if (skus.join('\n') !== state.skus.join('\n') || !state.charts.stock) {
      state.charts.stock?.destroy();
      state.skus = skus;
      const el = document.getElementById('chart-stock');
      const options = {
        width: chartWidth(el),
        height: 220,
        legend: { live: true },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        axes: [{}, { size: 56 }],
        series: [
          {},
          ...skus.map((sku, i) => ({
            label: sku,
            stroke: COLORS[i % COLORS.length],
            width: 2,
            points: { show: false },
          })),
        ],
        hooks: { draw: [drawSoldOut] },
      };
      state.charts.stock = new uPlot(options, stockColumns(skus), el);
    } else {
      state.charts.stock.setData(stockColumns(skus));
    }
    fillStockTiles(skus);
  }

  function fillStockTiles(skus) {
    const box = document.getElementById('stock-tiles');
    if (box.dataset.skus !== skus.join('\n')) {
      box.replaceChildren(
        ...skus.map((sku) => {
          const tile = document.createElement('div');
          tile.className = 'tile';
          tile.dataset.sku = sku;
          const title = document.createElement('h2');
          title.textContent = sku;
          tile.append(title, document.createElement('b'), document.createElement('small'));
          return tile;
        }),
      );
      box.dataset.skus = skus.join('\n');
    }
    for (const tile of box.children) {
      const sku = tile.dataset.sku;
      const c = state.stats.stock[sku];
      const at = state.soldOutAt[sku];
      tile.classList.toggle('sold-out', c.sold_out);
      tile.querySelector('b').textContent = `${show(c.available)} / ${show(c.initial)}`;
      const soldOut = at ? ` · sold out at ${new Date(at).toLocaleTimeString('en-GB')}` : '';
      tile.querySelector('small').textContent =
        `available · ${show(c.reserved)} reserved · ${show(c.sold)} sold${soldOut}`;
    }
  }

  function lookup(obj, path) {
    return path.split('.').reduce((v, k) => (v && typeof v === 'object' ? v[k] : undefined), obj);
  }

  function show(value) {
    if (value === undefined || value === null) return '–';
    if (typeof value === 'number') return Number.isInteger(value) ? value.toLocaleString('en-US') : value.toFixed(2);
    return String(value);
  }

  function fillTiles() {
    const stats = state.stats;
    const last = state.points[state.points.length - 1];
    if (stats) {
      for (const el of document.querySelectorAll('[data-stat]')) el.textContent = show(lookup(stats, el.dataset.stat));
      const slots = lookup(stats, 'payments.slots');
      document.getElementById('slots').textContent = slots === 0 ? '∞' : show(slots);
      document.getElementById('uptime').textContent = `${Math.round((stats.uptime_ms ?? 0) / 1000)} s`;
      const breaker = stats.breaker;
      document.getElementById('breaker-tile').hidden = !breaker;
      if (breaker) document.getElementById('breaker').textContent = breaker.enabled === false ? 'off' : breaker.state;
      const scaler = stats.autoscaler;
      document.getElementById('autoscaler-tile').hidden = !scaler;
      if (scaler) {
        document.getElementById('autoscaler').textContent = scaler.enabled
          ? `on · ${scaler.min_workers}–${scaler.max_workers}`
          : 'off';
        document.getElementById('autoscaler-reason').textContent = scaler.enabled ? (scaler.last?.reason ?? '') : '';
      }
    }
    if (last) for (const el of document.querySelectorAll('[data-point]')) el.textContent = show(last[el.dataset.point]);
  }

  function setStatus(text, kind) {
    const el = document.getElementById('status');
    el.textContent = text;
    el.dataset.state = kind;
  }

  function connect() {
    const source = new EventSource('/dashboard/events');
    source.addEventListener('history', (event) => {
      const data = JSON.parse(event.data);
      state.maxPoints = Math.max(60, Math.round(300_000 / data.interval_ms));
      state.points = data.points;
      state.soldOutAt = data.sold_out_at ?? {};
      if (data.stats) state.stats = data.stats;
      if (Object.keys(state.charts).length === 0) {
        for (const [name, spec] of Object.entries(CHARTS)) makeChart(name, spec);
      }
      redraw();
      fillTiles();
      setStatus(`live · every ${data.interval_ms} ms`, 'live');
    });
    source.addEventListener('sample', (event) => {
      const { point, stats, sold_out_at } = JSON.parse(event.data);
      state.soldOutAt = sold_out_at ?? state.soldOutAt;
      state.points.push(point);
      if (state.points.length > state.maxPoints) state.points.splice(0, state.points.length - state.maxPoints);
      state.stats = stats;
      redraw();
      fillTiles();
    });
    source.onerror = () => setStatus('reconnecting…', 'down');
    source.onopen = () => setStatus('live', 'live');
  }

  async function setWorkers(event) {
    event.preventDefault();
    const token = document.getElementById('admin-token').value.trim();
    const count = Number(document.getElementById('workers-count').value);
    const result = document.getElementById('admin-result');
    sessionStorage.setItem('flashsale-admin-token', token);
    result.textContent = '…';
    try {
      const response = await fetch(ADMIN_WORKERS_PATH, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ count }),
      });
      const body = await response.json().catch(() => ({}));
      result.textContent = response.ok
        ? `workers set to ${count}`
        : `${response.status}: ${body.message ?? body.error}`;
      result.dataset.ok = String(response.ok);
    } catch (error) {
      result.textContent = `failed: ${error.message}`;
      result.dataset.ok = 'false';
    }
  }

  document.getElementById('admin-token').value = sessionStorage.getItem('flashsale-admin-token') ?? '';
  document.getElementById('workers-form').addEventListener('submit', setWorkers);
  window.addEventListener('resize', () => {
    for (const [name, chart] of Object.entries(state.charts)) {
      const el = document.getElementById(CHARTS[name]?.el ?? 'chart-stock');
      chart.setSize({ width: chartWidth(el), height: 220 });
    }
  });
  connect();
})();
