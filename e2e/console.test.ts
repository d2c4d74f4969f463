import { existsSync, readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookState } from '../services/webhooks/webhook.js';
import { type RunningConsole, startConsole } from '../tools/console/server.js';
import { createOperator } from '../tools/operator/operator.js';
import { embeddedTarget, type Target } from '../tools/operator/targets.js';
import { bigcommerceEvent, stripeEvent } from '../tools/signing-proxy/events.js';
import { scaled, TARGET } from './support/target.js';
import { startTestStack, type TestStack } from './support/test-stack.js';

/*
 * The operator console in a real Chromium (playwright-core, the Debian package's browser),
 * against one embedded stack for every test in this file: the console is started as `npm start`
 * starts it, on the same operator module, on a free port.
 * UPDATE_SCREENSHOTS=1 also writes the screenshots in docs/images/ that docs/operations.md shows.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const AXE_SOURCE = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);

let stack: TestStack;
let target: Target;
let operatorConsole: RunningConsole;
let browser: Browser;
let page: Page;
const consoleLog: Array<Record<string, unknown>> = [];

/** Fails its first three attempts (x-fault-fail-attempts: 3): dead, and a fourth attempt works. */
let deadStripe: string;
/** Fail every attempt they get: dead, and stay so. */
let deadOrders: string[];
let completedEvent: { id: string; eventId: string };

const isFinal = (s: WebhookState) => s.status === 'completed' || s.status === 'dead';

describe.runIf(TARGET.localProcesses)('operator console in the browser', () => {
  beforeAll(async () => {
    stack = await startTestStack();
    target = embeddedTarget(stack.emulator);
    const log = pino(
      { level: 'info' },
      { write: (line: string) => void consoleLog.push(JSON.parse(line)) },
    );
    operatorConsole = await startConsole({ operator: createOperator(target, log), port: 0, log });
    if (!existsSync(CHROMIUM))
      throw new Error(
        `No Chromium at ${CHROMIUM}: apt-get install chromium, or set CHROMIUM_PATH.`,
      );
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // Chromium's sandbox refuses to run as root (CI, containers).
      args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
    });
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });

    // Everything the tests need, sent at once: the stack processes them side by side.
    const event = stripeEvent();
    const [stripeDead, orderA, orderB, completed] = await Promise.all([
      stack.send('stripe', stripeEvent(), { 'x-fault-fail-attempts': '3' }),
      stack.send('bigcommerce', bigcommerceEvent(), { 'x-fault-fail-attempts': '99' }),
      stack.send('bigcommerce', bigcommerceEvent(), { 'x-fault-fail-attempts': '99' }),
      stack.send('stripe', event),
    ]);
    // Every one stored (202), or nothing below means anything.
    expect([stripeDead, orderA, orderB, completed].map((r) => r.status)).toEqual([
      202, 202, 202, 202,
    ]);
    deadStripe = stripeDead.body.id;
    deadOrders = [orderA.body.id, orderB.body.id].sort();
    completedEvent = { id: completed.body.id, eventId: (event as { id: string }).id };
  });

  afterAll(async () => {
    await browser?.close();
    await operatorConsole?.close();
    target?.close();
    await stack?.stop();
  });

  it('a webhook that always fails shows up dead within seconds', async () => {
    await page.goto(`${operatorConsole.url}/webhooks?status=dead`);
    const row = page.locator(`tr[data-id="${deadStripe}"]`);
    await row.waitFor({ timeout: scaled(60_000) });
    const seenAt = Date.now();
    const state = await stack.store.ledger.getState(deadStripe);
    expect(state).toMatchObject({ status: 'dead', attempts: 3 });
    // The list polls every 2 s: the row appears within a poll or two of the last attempt.
    const lastAttemptEnded = Date.parse(state!.attemptLog!.a3!.endedAt!);
    console.info(
      `dead webhook in the console ${seenAt - lastAttemptEnded} ms after its last attempt`,
    );
    expect(await row.locator('.badge').textContent()).toBe('dead');

    // The overview counts it, and says the conservation check holds.
    await page.goto(operatorConsole.url);
    await page.locator('#conservation.holds').waitFor({ timeout: scaled(10_000) });
    await page.waitForFunction(
      `Number(document.querySelector('[data-status-count="dead"]')?.textContent) >= 1`,
      undefined,
      { timeout: scaled(10_000) },
    );
  });

  it('its detail page shows three attempts, each with its error', async () => {
    await page.goto(`${operatorConsole.url}/webhooks/${deadStripe}`);
    expect(await page.locator('#status').textContent()).toBe('dead');
    const attempts = page.locator('#attempts .attempt');
    expect(await attempts.count()).toBe(3);
    for (const [i, text] of (await attempts.allTextContents()).entries()) {
      expect(text).toContain(`Attempt ${i + 1}`);
      expect(text).toContain('injected_fault');
    }
    expect(await page.locator('.payload').first().textContent()).toContain('"object": "event"');
    if (process.env.UPDATE_SCREENSHOTS === '1')
      await page.screenshot({ path: 'docs/images/console-detail.png' });
  });

  it('with the fault lifted, redrive from its page brings it to completed', async () => {
    // Its fault covered three attempts: the fourth, after the redrive, succeeds.
    await page.goto(`${operatorConsole.url}/webhooks/${deadStripe}`);
    await page.getByRole('button', { name: 'Redrive this webhook…' }).click();
    await page.locator('#dry-run-count', { hasText: '1 webhook would be redriven' }).waitFor();
    expect(await page.locator('#dry-run-ids').textContent()).toContain(deadStripe);
    await page.locator('#confirm-action').click();
    // The page renders itself again when the webhook changes.
    await page.locator('#status', { hasText: 'completed' }).waitFor({ timeout: scaled(60_000) });
    expect(await page.locator('#attempts .attempt').count()).toBe(4);
    expect(await stack.store.ledger.getState(deadStripe)).toMatchObject({
      status: 'completed',
      attempts: 4,
    });
  });

  it('a bulk dry run by filter shows how many and which, and changes nothing', async () => {
    await Promise.all(deadOrders.map((id) => stack.waitForState(id, isFinal, scaled(60_000))));
    const before = await Promise.all(deadOrders.map((id) => stack.store.ledger.getState(id)));
    expect(before.map((s) => s?.status)).toEqual(['dead', 'dead']);

    await page.goto(`${operatorConsole.url}/webhooks?status=dead&provider=bigcommerce`);
    await page
      .locator('#rows tr[data-id]')
      .first()
      .waitFor({ timeout: scaled(10_000) });
    await page.getByRole('button', { name: 'Redrive matching dead webhooks…' }).click();
    await page.locator('#dry-run-count', { hasText: '2 webhooks would be redriven' }).waitFor();
    const listed = (await page.locator('#dry-run-ids a').allTextContents()).sort();
    expect(listed).toEqual(deadOrders);
    await page.getByRole('button', { name: 'Cancel' }).click();

    const after = await Promise.all(deadOrders.map((id) => stack.store.ledger.getState(id)));
    expect(after).toEqual(before);
  });

  it('finds a webhook by its provider event id, from the keyboard', async () => {
    await stack.waitForState(completedEvent.id, isFinal, scaled(30_000));
    await page.goto(`${operatorConsole.url}/webhooks`);
    await page.locator('#rows').waitFor();
    await page.keyboard.press('/');
    await page.keyboard.type(completedEvent.eventId);
    await page.keyboard.press('Enter');
    await page.waitForURL(/q=/);
    const row = page.locator(`tr[data-id="${completedEvent.id}"]`);
    await row.waitFor({ timeout: scaled(10_000) });
    expect(await page.locator('#rows tr').count()).toBe(1);
    expect(await page.locator('#read-note').textContent()).toContain('provider event id');
    await row.getByRole('link').click();
    await page.waitForURL(`**/webhooks/${completedEvent.id}`);
    expect(await page.locator('#status').textContent()).toBe('completed');
    // The resource it touched, with the webhooks of that resource (this one among them).
    expect(await page.locator('section[aria-labelledby="resource-title"]').textContent()).toContain(
      'this one',
    );
  });

  it('refuses an action from another origin, and without the run token', async () => {
    const action = `${operatorConsole.url}/api/actions/redrive`;
    const body = JSON.stringify({ ids: deadOrders });

    // A page of another site, in the same browser, posting as a page can without asking first.
    const evil: Server = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end('<!doctype html><title>elsewhere</title>');
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    try {
      const evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}/`;
      await page.goto(evilUrl);
      await page.evaluate(
        async ({ url, payload }) => {
          await fetch(url, {
            method: 'POST',
            mode: 'no-cors',
            headers: { 'content-type': 'text/plain' },
            body: payload,
          }).catch(() => undefined);
        },
        { url: action, payload: body },
      );
      await expect
        .poll(() =>
          consoleLog.some(
            (l) =>
              l.event === 'console.refused' &&
              l.code === 'forbidden_origin' &&
              l.origin === evilUrl.slice(0, -1),
          ),
        )
        .toBe(true);
    } finally {
      await new Promise((resolve) => evil.close(resolve));
    }

    // The same from a script that forges the headers a browser would send.
    const token = operatorConsole.token;
    const post = (headers: Record<string, string>) =>
      fetch(action, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', ...headers },
      });
    const crossOrigin = await post({ origin: 'http://evil.example', 'x-console-token': token });
    expect(crossOrigin.status).toBe(403);
    expect(await crossOrigin.json()).toMatchObject({ error: { code: 'forbidden_origin' } });
    const noToken = await post({});
    expect(noToken.status).toBe(403);
    expect(await noToken.json()).toMatchObject({ error: { code: 'invalid_token' } });
    const rebound = await rawPost(
      action,
      { host: `evil.example:${new URL(action).port}`, 'x-console-token': token },
      body,
    );
    expect(rebound).toMatchObject({ status: 403, code: 'forbidden_host' });

    for (const id of deadOrders)
      expect(await stack.store.ledger.getState(id)).toMatchObject({ status: 'dead' });
  });

  it('has no serious accessibility violation (axe-core) on the overview, list and detail pages', async () => {
    const pages = [
      '/',
      '/webhooks?status=dead',
      `/webhooks/${deadOrders[0]}`,
      `/webhooks/${completedEvent.id}`,
    ];
    for (const path of pages) {
      await page.goto(`${operatorConsole.url}${path}`);
      // Let the script fill the page (the overview's first poll, the list's rows).
      await page.waitForLoadState('networkidle');
      // Evaluated, not added as a script tag: the console's CSP allows no inline script.
      await page.evaluate(AXE_SOURCE);
      const found = (await page.evaluate(
        'axe.run(document).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target) })))',
      )) as Array<{ id: string; impact: string; targets: unknown[] }>;
      const violations = found.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      expect({ path, violations }).toEqual({ path, violations: [] });
    }
    if (process.env.UPDATE_SCREENSHOTS === '1') {
      await page.goto(operatorConsole.url);
      await page.waitForLoadState('networkidle');
      await page.screenshot({ path: 'docs/images/console-overview.png', fullPage: true });
    }
  });
});

/** A POST with a Host header of our choosing (fetch sets its own). */
function rawPost(
  url: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; code: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, code: JSON.parse(text).error?.code ?? '' }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
