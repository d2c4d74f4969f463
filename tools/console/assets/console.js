// The console's one script: fills the overview and the list from the JSON API, polls for
// changes, and runs redrive/replay with a dry run, a confirmation and progress. Plain browser
// JavaScript, no build step; everything it shows is set as text, never as HTML.
(() => {
  const POLL_MS = 2000;
  const token = document.querySelector('meta[name="console-token"]')?.getAttribute('content');
  const page = document.body.dataset.page;

  const el = (tag, attributes = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value === undefined || value === false) continue;
      if (name === 'text') node.textContent = value;
      else node.setAttribute(name, value === true ? '' : value);
    }
    for (const child of children) node.append(child);
    return node;
  };
  const byId = (id) => document.getElementById(id);

  async function getJson(url) {
    const response = await fetch(url, { headers: { accept: 'application/json' } });
    const body = await response.json();
    if (!response.ok) throw new Error(body?.error?.message ?? `HTTP ${response.status}`);
    return body;
  }

  async function postJson(url, body) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-console-token': token ?? '' },
      body: JSON.stringify(body),
    });
    const answer = await response.json();
    if (!response.ok) throw new Error(answer?.error?.message ?? `HTTP ${response.status}`);
    return answer;
  }

  /**
   * Runs `tick` now and then every POLL_MS after each run ends (never two at once), until a
   * tick returns false.
   */
  function poll(tick) {
    const run = async () => {
      let again = true;
      try {
        again = (await tick()) !== false;
      } finally {
        if (again) setTimeout(run, POLL_MS);
      }
    };
    run();
  }

  const age = (seconds) => {
    if (seconds < 120) return `${seconds} s`;
    if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
    return `${(seconds / 3600).toFixed(1)} h`;
  };
  const statusBadge = (status) => el('span', { class: `badge status-${status}`, text: status });

  // ---- Overview -------------------------------------------------------------------------
  function startOverview() {
    const charts = {};
    const statuses = ['received', 'processing', 'failed', 'completed', 'dead'];

    function chart(id, series, data) {
      const target = byId(id);
      if (!window.uPlot || !target) return;
      const width = Math.max(280, target.clientWidth || 480);
      if (!charts[id]) {
        charts[id] = new window.uPlot(
          {
            width,
            height: 200,
            series: [{}, ...series],
            axes: [{}, { size: 70 }],
            scales: { x: { time: true } },
          },
          data,
          target,
        );
      } else charts[id].setData(data);
    }

    poll(async () => {
      const errorNote = byId('poll-error');
      let overview;
      try {
        overview = await getJson('/api/overview');
        errorNote.textContent = '';
      } catch (error) {
        errorNote.textContent = `Could not read the stack: ${error.message}`;
        return;
      }
      const { stats, queues } = overview;
      byId('updated-at').textContent = new Date(overview.at).toLocaleTimeString();
      byId('updated-at').setAttribute('datetime', overview.at);

      const section = byId('conservation');
      section.classList.remove('pending', 'holds', 'fails');
      section.classList.add(stats.holds ? 'holds' : 'fails');
      const law = stats.checks[0];
      byId('conservation-summary').textContent = stats.holds
        ? `Holds: received = completed + dead + in flight (${law.detail}), and the attention index agrees.`
        : 'FAILED: webhooks are unaccounted for. Run `npm run webhooks -- stats` and see docs/operations.md.';
      byId('conservation-checks').replaceChildren(
        ...stats.checks.map((check) =>
          el(
            'li',
            { class: check.holds ? 'ok' : 'fail' },
            `${check.holds ? 'ok' : 'FAIL'} ${check.name}: ${check.detail}`,
          ),
        ),
      );

      for (const status of statuses) {
        const cell = document.querySelector(`[data-status-count="${status}"]`);
        if (cell) cell.textContent = String(stats.byStatus[status]);
      }
      byId('received-total').textContent = String(stats.received);
      byId('provider-rows').replaceChildren(
        ...Object.entries(stats.byProvider).map(([provider, counts]) =>
          el(
            'tr',
            {},
            el('th', { scope: 'row', text: provider }),
            ...statuses.map((s) => el('td', { text: String(counts[s]) })),
          ),
        ),
      );
      byId('failed-visible').textContent = String(queues.failed.visible);
      byId('failed-inflight').textContent = String(queues.failed.inFlight);
      byId('dlq-visible').textContent = String(queues.deadLetter.visible);
      byId('dlq-inflight').textContent = String(queues.deadLetter.inFlight);
      const oldest = overview.oldestUnprocessed;
      const oldestCell = byId('oldest');
      if (oldest)
        oldestCell.replaceChildren(
          el('a', { href: `/webhooks/${oldest.id}`, text: `${age(oldest.ageSeconds)} old` }),
          ` (${oldest.status})`,
        );
      else oldestCell.textContent = 'none: everything is completed or dead';

      const { p50Ms, p99Ms } = overview.latency;
      byId('latency-summary').textContent =
        p50Ms === null
          ? 'Processing latency (receipt to completion): no webhook completed in the last hour.'
          : `Processing latency (receipt to completion) over the last hour: p50 ${p50Ms} ms, p99 ${p99Ms} ms.`;
      const x = overview.activity.map((m) => Date.parse(m.minute) / 1000);
      chart(
        'chart-rate',
        [
          { label: 'received', stroke: '#1f5fbf', width: 2 },
          { label: 'completed', stroke: '#237a3b', width: 2 },
          { label: 'dead', stroke: '#b3261e', width: 2 },
        ],
        [
          x,
          overview.activity.map((m) => m.received),
          overview.activity.map((m) => m.completed),
          overview.activity.map((m) => m.dead),
        ],
      );
      chart(
        'chart-latency',
        [
          { label: 'p50 ms', stroke: '#1f5fbf', width: 2, spanGaps: true, points: { show: true } },
          { label: 'p99 ms', stroke: '#8a4b00', width: 2, spanGaps: true, points: { show: true } },
        ],
        [x, overview.activity.map((m) => m.p50Ms), overview.activity.map((m) => m.p99Ms)],
      );
    });
  }

  // ---- Actions (list and detail) --------------------------------------------------------
  /**
   * Dry run first: the panel says how many and which, then asks to confirm; the confirmed
   * action runs as a job whose progress the panel shows until it ends.
   */
  async function runAction(action, selection) {
    const panel = byId('action-panel');
    const verb = action === 'redrive' ? 'redriven' : 'replayed';
    panel.replaceChildren(el('p', { text: 'Dry run…' }));
    let preview;
    try {
      preview = await postJson(`/api/actions/${action}`, { ...selection, dryRun: true });
    } catch (error) {
      panel.replaceChildren(el('p', { class: 'error', role: 'alert', text: error.message }));
      return;
    }
    const ids = action === 'redrive' ? [...preview.moved, ...preview.requeued] : preview.replayed;
    const list = el('ul', { class: 'id-list', id: 'dry-run-ids' });
    for (const id of ids.slice(0, 200))
      list.append(el('li', {}, el('a', { href: `/webhooks/${id}`, text: id })));
    if (ids.length > 200) list.append(el('li', { text: `and ${ids.length - 200} more` }));
    const skipped = preview.skipped.map((s) => el('li', { text: `${s.id}: ${s.reason}` }));
    const confirm = el('button', {
      type: 'button',
      id: 'confirm-action',
      class: 'danger',
      text: `Confirm: ${action} ${ids.length}`,
    });
    const cancel = el('button', { type: 'button', text: 'Cancel' });
    cancel.addEventListener('click', () => panel.replaceChildren());
    panel.replaceChildren(
      el(
        'p',
        { id: 'dry-run-count', role: 'status' },
        `Dry run: ${ids.length} webhook${ids.length === 1 ? '' : 's'} would be ${verb}. Nothing has changed yet.`,
      ),
      ...(preview.read ? [el('p', { class: 'hint', text: preview.read.description })] : []),
      list,
      ...(skipped.length ? [el('p', { text: 'Skipped:' }), el('ul', {}, ...skipped)] : []),
      ...(ids.length > 0 ? [confirm, ' '] : []),
      cancel,
    );
    if (ids.length > 0) confirm.focus();
    confirm.addEventListener('click', async () => {
      const progress = el('progress', {
        max: String(ids.length),
        value: '0',
        id: 'action-progress',
      });
      const label = el('p', {
        role: 'status',
        id: 'action-status',
        text: `${action}: 0 / ${ids.length}`,
      });
      panel.replaceChildren(label, progress);
      let job;
      try {
        ({ job } = await postJson(`/api/actions/${action}`, { ids }));
      } catch (error) {
        panel.replaceChildren(el('p', { class: 'error', role: 'alert', text: error.message }));
        return;
      }
      for (;;) {
        job = await getJson(`/api/jobs/${job.id}`);
        progress.value = job.done;
        label.textContent = `${action}: ${job.done} / ${job.total}`;
        if (job.state !== 'running') break;
        await new Promise((r) => setTimeout(r, 300));
      }
      if (job.state === 'failed') label.textContent = `${action} failed: ${job.error}`;
      else {
        const done =
          action === 'redrive'
            ? job.result.moved.length + job.result.requeued.length
            : job.result.replayed.length;
        label.textContent = `Done: ${done} of ${job.total} ${verb}${job.result.skipped.length ? `, ${job.result.skipped.length} skipped` : ''}.`;
      }
    });
  }

  // ---- List -----------------------------------------------------------------------------
  function startList() {
    const form = byId('filters');
    const query = new URLSearchParams(location.search);
    const filter = Object.fromEntries([...query].filter(([k, v]) => k !== 'offset' && v !== ''));
    const pageSize = 50;
    let offset = Number(query.get('offset') ?? 0) || 0;

    document.addEventListener('keydown', (event) => {
      const typing = ['INPUT', 'SELECT', 'TEXTAREA'].includes(document.activeElement?.tagName);
      if (event.key === '/' && !typing) {
        event.preventDefault();
        byId('find').focus();
      }
    });
    for (const button of document.querySelectorAll('[data-bulk]'))
      button.addEventListener('click', () => runAction(button.dataset.bulk, { filter }));

    const rows = byId('rows');
    let shown = '';
    let live = true;
    /** Shows a page of results; says whether to read again in 2 s. */
    async function load() {
      const params = new URLSearchParams({
        ...filter,
        offset: String(offset),
        limit: String(pageSize),
      });
      let result;
      try {
        result = await getJson(`/api/webhooks?${params}`);
      } catch (error) {
        rows.replaceChildren(
          el('tr', {}, el('td', { colspan: '7', role: 'alert', text: error.message })),
        );
        return true;
      }
      // Unchanged rows are left alone, so polling does not take the keyboard focus away.
      const fingerprint = JSON.stringify(result);
      if (fingerprint === shown) return live;
      shown = fingerprint;
      // On a deployed stack a scan is billed by the table's size: it runs once, not every 2 s.
      live = result.read.source !== 'scan' || document.body.dataset.target === 'embedded';
      byId('read-note').textContent =
        `${result.read.description}${live ? '' : ' Not refreshed by itself: Apply again to read anew.'}`;
      rows.replaceChildren(
        ...(result.webhooks.length === 0
          ? [el('tr', {}, el('td', { colspan: '7', text: 'No webhook matches.' }))]
          : result.webhooks.map((w) =>
              el(
                'tr',
                { 'data-id': w.id },
                el('td', {}, el('a', { href: `/webhooks/${w.id}`, text: w.id })),
                el('td', {}, statusBadge(w.status)),
                el('td', { text: w.provider }),
                el('td', { text: w.type }),
                el('td', { text: String(w.attempts) }),
                el('td', {}, el('time', { datetime: w.receivedAt, text: w.receivedAt })),
                el('td', {
                  text: w.lastError
                    ? `${w.lastError.code}${w.lastError.kind ? ` (${w.lastError.kind})` : ''}`
                    : '',
                }),
              ),
            )),
      );
      const last = Math.min(result.total, offset + result.webhooks.length);
      byId('page-info').textContent =
        result.total === 0 ? '' : `${offset + 1}–${last} of ${result.total}`;
      byId('prev').disabled = offset === 0;
      byId('next').disabled = last >= result.total;
      return live;
    }
    const move = (delta) => {
      offset = Math.max(0, offset + delta);
      const params = new URLSearchParams({ ...filter, offset: String(offset) });
      history.replaceState(null, '', `/webhooks?${params}`);
      load();
    };
    byId('prev').addEventListener('click', () => move(-pageSize));
    byId('next').addEventListener('click', () => move(pageSize));
    form.addEventListener('submit', () => {
      // Empty fields are left out of the URL.
      for (const input of form.querySelectorAll('input, select'))
        if (input.value === '') input.disabled = true;
    });
    poll(load);
  }

  // ---- Detail ---------------------------------------------------------------------------
  function startDetail() {
    const { id, version } = document.body.dataset;
    if (!id) return;
    for (const button of document.querySelectorAll('[data-single]'))
      button.addEventListener('click', () => runAction(button.dataset.single, { ids: [id] }));
    // The page is rendered on the server; when the webhook changes, it is rendered again.
    poll(async () => {
      const status = await getJson(`/api/webhooks/${id}/status`);
      if (`${status.status}/${status.attempts}/${status.updatedAt}` !== version) location.reload();
    });
  }

  if (page === 'overview') startOverview();
  else if (page === 'list') startList();
  else if (page === 'detail') startDetail();
})();
