import { WEBHOOK_STATUSES } from '../../services/webhooks/webhook.js';
import type { StatusView } from '../operator/status-view.js';
import type { WebhookDetail } from '../operator/webhook-detail.js';
import type { WebhookFilter } from '../operator/webhook-filter.js';
import { html, type SafeHtml } from './html.js';

/*
 * The console's pages, rendered on the server. Each is complete without script (the detail page
 * entirely); assets/console.js fills in what moves (the overview, the list's rows) from the
 * JSON API and runs the actions. No inline script or style: the Content-Security-Policy allows
 * only this origin's files.
 */

export interface PageContext {
  /** Which target the console reads: embedded, localstack or aws (shown on every page). */
  readonly target: string;
  /** The per-run token the page sends with actions. */
  readonly token: string;
}

type Page = 'overview' | 'list' | 'detail';

function layout(
  context: PageContext,
  page: Page,
  title: string,
  body: SafeHtml,
  data: Record<string, string> = {},
): string {
  const nav = (href: string, label: string, current: boolean) =>
    html`<a href="${href}"${current ? html` aria-current="page"` : ''}>${label}</a>`;
  const attributes = Object.entries(data).map(([k, v]) => html` data-${k}="${v}"`);
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="console-token" content="${context.token}">
<title>${title} · webhook console</title>
<link rel="stylesheet" href="/assets/uPlot.min.css">
<link rel="stylesheet" href="/assets/console.css">
<script src="/assets/uPlot.iife.min.js" defer></script>
<script src="/assets/console.js" defer></script>
</head>
<body data-page="${page}" data-target="${context.target}"${attributes}>
<a class="skip" href="#main">Skip to content</a>
<header>
<nav aria-label="Console">
<span class="brand">Webhook console <span class="target">${context.target}</span></span>
${nav('/', 'Overview', page === 'overview')}
${nav('/webhooks', 'Webhooks', page === 'list')}
</nav>
</header>
<main id="main">
${body}
</main>
</body>
</html>
`.value;
}

const STATUS_ORDER = ['received', 'processing', 'failed', 'completed', 'dead'] as const;

export function overviewPage(context: PageContext): string {
  return layout(
    context,
    'overview',
    'Overview',
    html`<h1>Overview</h1>
<p class="updated" aria-live="off">Updated <time id="updated-at">…</time> <span id="poll-error" role="alert"></span></p>
<section id="conservation" class="check pending" aria-live="polite" aria-labelledby="conservation-title">
<h2 id="conservation-title">Conservation check</h2>
<p id="conservation-summary">Reading…</p>
<ul id="conservation-checks"></ul>
</section>
<section aria-labelledby="counts-title">
<h2 id="counts-title">Webhooks by status</h2>
<ul class="counts" id="status-counts">
${STATUS_ORDER.map(
  (s) =>
    html`<li><a class="count status-${s}" href="/webhooks?status=${s}"><span class="label">${s}</span> <span class="value" data-status-count="${s}">–</span></a></li>`,
)}
<li><span class="count"><span class="label">received in all</span> <span class="value" id="received-total">–</span></span></li>
</ul>
</section>
<section aria-labelledby="queues-title">
<h2 id="queues-title">Queues</h2>
<table>
<caption class="visually-hidden">Queue depths</caption>
<thead><tr><th scope="col">queue</th><th scope="col">waiting</th><th scope="col">in flight</th></tr></thead>
<tbody>
<tr><th scope="row">failed webhooks (retries)</th><td id="failed-visible">–</td><td id="failed-inflight">–</td></tr>
<tr><th scope="row">dead letter queue</th><td id="dlq-visible">–</td><td id="dlq-inflight">–</td></tr>
</tbody>
</table>
<p>Oldest unprocessed webhook: <span id="oldest">–</span></p>
</section>
<section aria-labelledby="providers-title">
<h2 id="providers-title">By provider</h2>
<table>
<caption class="visually-hidden">Webhooks by provider and status</caption>
<thead><tr><th scope="col">provider</th>${STATUS_ORDER.map((s) => html`<th scope="col">${s}</th>`)}</tr></thead>
<tbody id="provider-rows"></tbody>
</table>
</section>
<section aria-labelledby="activity-title">
<h2 id="activity-title">Last hour</h2>
<p id="latency-summary">Processing latency (receipt to completion): –</p>
<div class="charts">
<figure><div id="chart-rate" class="chart" role="img" aria-label="Webhooks per minute over the last hour"></div><figcaption>Webhooks per minute: received, completed, dead</figcaption></figure>
<figure><div id="chart-latency" class="chart" role="img" aria-label="Processing latency p50 and p99 per minute over the last hour"></div><figcaption>Processing latency per minute (ms): p50, p99</figcaption></figure>
</div>
</section>`,
  );
}

/**
 * The list page; `filter` has been checked, and `typed` is what the operator typed (`since=1h`
 * stays `1h` in its field rather than the time it stood for when the page was rendered).
 */
export function listPage(
  context: PageContext,
  filter: WebhookFilter,
  typed: Readonly<Record<string, string | undefined>>,
  providers: readonly string[],
): string {
  const option = (value: string, label: string, selected: boolean) =>
    html`<option value="${value}"${selected ? html` selected` : ''}>${label}</option>`;
  return layout(
    context,
    'list',
    'Webhooks',
    html`<h1>Webhooks</h1>
<form id="filters" method="get" action="/webhooks" role="search" aria-label="Filter webhooks">
<div class="fields">
<label>Find <input type="search" name="q" id="find" value="${filter.text ?? ''}" placeholder="webhook id, provider event id, resource, payload text" aria-keyshortcuts="/"></label>
<label>Status <select name="status">${option('', 'any', !filter.status)}${WEBHOOK_STATUSES.map((s) => option(s, s, filter.status === s))}</select></label>
<label>Provider <select name="provider">${option('', 'any', !filter.provider)}${providers.map((p) => option(p, p, filter.provider === p))}</select></label>
<label>Event type <input name="type" value="${filter.eventType ?? ''}" placeholder="e.g. payment_intent.succeeded"></label>
<label>Since <input name="since" value="${filter.since ? typed.since : ''}" placeholder="1h, 30m or a time"></label>
<label>Until <input name="until" value="${filter.until ? typed.until : ''}" placeholder="a time"></label>
</div>
<button type="submit">Apply</button> <a href="/webhooks">Clear</a>
</form>
<p class="hint">Press <kbd>/</kbd> to find; rows are links (<kbd>Tab</kbd>, <kbd>Enter</kbd>).</p>
<section aria-labelledby="bulk-title" class="bulk">
<h2 id="bulk-title">Act on every webhook matching this filter</h2>
<button type="button" data-bulk="redrive">Redrive matching dead webhooks…</button>
<button type="button" data-bulk="replay">Replay matching completed webhooks…</button>
<div id="action-panel" class="action-panel" aria-live="polite"></div>
</section>
<section aria-labelledby="results-title">
<h2 id="results-title">Results</h2>
<p id="read-note" class="hint"></p>
<table class="results">
<caption class="visually-hidden">Matching webhooks, newest first</caption>
<thead><tr><th scope="col">webhook</th><th scope="col">status</th><th scope="col">provider</th><th scope="col">event type</th><th scope="col">attempts</th><th scope="col">received</th><th scope="col">last error</th></tr></thead>
<tbody id="rows"><tr><td colspan="7">Loading…</td></tr></tbody>
</table>
<nav class="pager" aria-label="Pages">
<button type="button" id="prev" disabled>Newer</button>
<span id="page-info" aria-live="polite"></span>
<button type="button" id="next" disabled>Older</button>
</nav>
</section>`,
  );
}

export function detailPage(
  context: PageContext,
  detail: WebhookDetail,
  related: { webhooks: readonly StatusView[]; truncated: boolean } | undefined,
): string {
  const view = detail.status;
  const lastError = view.lastError;
  const formatted =
    detail.payload === undefined
      ? '(not UTF-8 text: the raw body below is base64)'
      : typeof detail.payload === 'string'
        ? detail.payload
        : JSON.stringify(detail.payload, null, 2);
  const action =
    view.status === 'dead' ? 'redrive' : view.status === 'completed' ? 'replay' : undefined;
  return layout(
    context,
    'detail',
    `Webhook ${view.id}`,
    html`<h1>Webhook <code>${view.id}</code></h1>
<p class="status-line">Status <span id="status" class="badge status-${view.status}">${view.status}</span>
${view.outcome ? html` outcome <span class="badge">${view.outcome}</span>` : ''}
after ${view.attempts} attempt${view.attempts === 1 ? '' : 's'}</p>
${
  action
    ? html`<section aria-labelledby="actions-title" class="bulk">
<h2 id="actions-title">Actions</h2>
<button type="button" data-single="${action}" data-id="${view.id}">${action === 'redrive' ? 'Redrive this webhook…' : 'Replay this webhook…'}</button>
<div id="action-panel" class="action-panel" aria-live="polite"></div>
</section>`
    : ''
}
<section aria-labelledby="summary-title">
<h2 id="summary-title">Summary</h2>
<dl class="summary">
<dt>provider</dt><dd>${view.provider}</dd>
<dt>event type</dt><dd>${view.type}</dd>
<dt>provider event id</dt><dd><code>${detail.eventId}</code></dd>
<dt>occurred (provider time)</dt><dd>${detail.occurredAt}</dd>
<dt>received</dt><dd>${view.receivedAt}</dd>
<dt>updated</dt><dd>${view.updatedAt}</dd>
${lastError ? html`<dt>last error</dt><dd>${lastError.code}: ${lastError.message}${lastError.kind ? ` (${lastError.kind})` : ''}, attempt ${lastError.attempt}</dd>` : ''}
${view.conflicts ? html`<dt>conflicting copies</dt><dd>${view.conflicts.count} with another body (last ${view.conflicts.lastAt ?? '?'}); the first copy is kept</dd>` : ''}
</dl>
</section>
<section aria-labelledby="attempts-title">
<h2 id="attempts-title">Attempts</h2>
${
  detail.attempts.length === 0
    ? html`<p>No attempt yet.</p>`
    : html`<ol class="timeline" id="attempts">
${detail.attempts.map(
  (a) => html`<li class="attempt result-${a.result ?? 'running'}">
<p class="attempt-head"><strong>Attempt ${a.attempt}</strong> · ${a.trigger} · <span class="badge status-${a.result ?? 'processing'}">${a.result ?? 'in progress'}</span>${a.outcome ? ` · ${a.outcome}` : ''}</p>
<p class="attempt-time">started <time datetime="${a.startedAt}">${a.startedAt}</time>${a.endedAt ? html`, ended <time datetime="${a.endedAt}">${a.endedAt}</time> (${Date.parse(a.endedAt) - Date.parse(a.startedAt)} ms)` : ''}</p>
${a.error ? html`<p class="attempt-error"><span class="error-code">${a.error.code}</span>${a.error.kind ? html` <span class="badge kind">${a.error.kind}</span>` : ''}: ${a.error.message}</p>` : ''}
</li>`,
)}
</ol>`
}
</section>
<section aria-labelledby="resource-title">
<h2 id="resource-title">Resource</h2>
${
  detail.resource
    ? html`<p>This webhook touched <code>${detail.resource}</code>.</p>
${
  related && related.webhooks.length > 0
    ? html`<table>
<caption>Webhooks of this resource${related.truncated ? ' (the scan stopped early: there may be more)' : ''}</caption>
<thead><tr><th scope="col">webhook</th><th scope="col">event type</th><th scope="col">status</th><th scope="col">received</th></tr></thead>
<tbody>${related.webhooks.map(
        (w) =>
          html`<tr${w.id === view.id ? html` aria-current="true"` : ''}><td><a href="/webhooks/${w.id}">${w.id}</a>${w.id === view.id ? ' (this one)' : ''}</td><td>${w.type}</td><td><span class="badge status-${w.status}">${w.status}</span></td><td>${w.receivedAt}</td></tr>`,
      )}</tbody>
</table>`
    : ''
}`
    : html`<p>No resource recorded: the processor records one when it completes.</p>`
}
</section>
<section aria-labelledby="headers-title">
<h2 id="headers-title">Kept headers</h2>
<table>
<caption class="visually-hidden">Request headers kept with the webhook</caption>
<tbody>${Object.entries(detail.headers).map(([k, v]) => html`<tr><th scope="row">${k}</th><td><code>${v}</code></td></tr>`)}</tbody>
</table>
</section>
<section aria-labelledby="payload-title">
<h2 id="payload-title">Payload</h2>
<pre class="payload" tabindex="0" aria-label="Payload, formatted"><code>${formatted}</code></pre>
<p>${detail.body.size} bytes, SHA-256 <code>${detail.body.sha256}</code>, ${detail.body.location === 's3' ? 'in the payload bucket' : 'inline'}</p>
<details><summary>Raw, as received${detail.rawPayload === undefined ? ' (not UTF-8 text: base64)' : ''}</summary>
<pre class="payload" tabindex="0" aria-label="Payload, raw"><code>${detail.rawPayload ?? detail.payloadBase64 ?? ''}</code></pre>
</details>
</section>`,
    { id: view.id, version: `${view.status}/${view.attempts}/${view.updatedAt}` },
  );
}

export function notFoundPage(context: PageContext, message: string): string {
  return layout(
    context,
    'detail',
    'Not found',
    html`<h1>Not found</h1><p>${message}</p><p><a href="/webhooks">Back to the webhooks</a></p>`,
  );
}
