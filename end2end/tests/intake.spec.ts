import { test, expect, type Page } from '@playwright/test';
import { storageFor } from '../e2e-accounts';

async function waitForHydration(page: Page) {
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
}

/** The hour the server is in (its clock may be shifted, see E2E_FAKETIME). */
async function serverHour(page: Page): Promise<number> {
  const answer = await page.request.get('/api/v1/modules/security-coverage?window=1h');
  return Math.floor(Date.parse((await answer.json()).to) / 3_600_000);
}

/** The overview's "Logs analyzed" number for the last hour, as the page shows it. */
async function logsAnalyzed(page: Page): Promise<number> {
  await page.goto('/?window=1h');
  await waitForHydration(page);
  const stat = page.locator('[data-module="security-coverage"] .stat', { hasText: 'Logs analyzed' });
  const text = await stat.locator('.stat-value').first().innerText();
  return Number(text.replace(/[^0-9]/g, ''));
}

test.describe('an admin', () => {
  test.use({ storageState: storageFor('admin') });

  test('creates an ingest key on the Admin page, a shipper sends logs with it, and the overview shows them', async ({ page, playwright }) => {
    await page.goto('/admin');
    await waitForHydration(page);
    await page.getByLabel('API key name').fill('e2e shipper');
    await page.getByTestId('key-scopes').selectOption('ingest');
    await page.getByRole('button', { name: 'Create key' }).click();
    const notice = page.locator('.notice.ok');
    await expect(notice).toContainText('Key created (ingest; shown only now): sb_');
    const key = (await notice.innerText()).match(/sb_[A-Za-z0-9_-]+/)![0];
    await expect(page.getByTestId('api-key').filter({ hasText: 'e2e shipper' })).toContainText('ingest');

    // A shipper (no browser session: only the key) sends seven GitHub audit events. The last
    // hour's count is read before and after, again if the server's clock crossed an hour meanwhile.
    const shipper = await playwright.request.newContext({ baseURL: new URL(page.url()).origin, storageState: { cookies: [], origins: [] } });
    for (let attempt = 0; ; attempt++) {
      const hour = await serverHour(page);
      const before = await logsAnalyzed(page);
      const events = Array.from({ length: 7 }, (_, n) =>
        JSON.stringify({ _document_id: `e2e-${attempt}-${n}`, '@timestamp': Date.now(), action: 'repo.create', actor: 'octocat', actor_ip: '81.2.69.142', repo: 'acme/e2e' }),
      ).join('\n');
      const send = () => shipper.post('/api/v1/logs?source=github-audit', {
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/x-ndjson' },
        data: events,
      });
      const sent = await send();
      expect(sent.status(), await sent.text()).toBe(202);
      expect(await sent.json()).toMatchObject({ source: 'github-audit', accepted: 7, duplicates: 0 });
      // The retry a shipper makes after a time-out changes nothing.
      expect(await (await send()).json()).toMatchObject({ accepted: 0, duplicates: 7 });
      // Others see a change within a second (docs/product.md §6).
      let after = before;
      for (let i = 0; i < 20 && after === before; i++) {
        after = await logsAnalyzed(page);
      }
      if ((await serverHour(page)) !== hour && attempt === 0) continue;
      expect(after).toBe(before + 7);
      break;
    }
    // The key can do nothing else.
    expect((await shipper.get('/api/v1/signals', { headers: { Authorization: `Bearer ${key}` } })).status()).toBe(403);

    // A source whose events are refused turns its pack to broken, saying why and since when.
    const refused = await shipper.post('/api/v1/logs?source=kubernetes-audit', {
      headers: { Authorization: `Bearer ${key}` },
      data: '{"auditID": "a-1"}\n{"auditID": \n',
    });
    expect(refused.status()).toBe(400);
    expect((await refused.json()).error).toMatch(/^line 2: not valid JSON/);
    await expect
      .poll(async () => {
        await page.goto('/?window=1h');
        await waitForHydration(page);
        await page.getByTestId('packs-broken').click();
        return page.getByTestId('pack-list').innerText();
      }, { timeout: 10_000 })
      .toContain('Kubernetes Audit');
    const row = page.getByTestId('pack-list').locator('li', { hasText: 'Kubernetes Audit' });
    await expect(row).toContainText('was refused');
    await expect(row).toContainText('line 2: not valid JSON');
    await expect(row).toContainText('since');
    await shipper.dispose();
  });
});
