import { test, expect, type Page } from '@playwright/test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { storageFor } from '../e2e-accounts';

const shared = path.resolve(__dirname, '../../../shared/data');
const awsRules = path.join(shared, 'sigmahq/rules/cloud/aws/cloudtrail');
const stratus = path.join(shared, 'stratus-red-team/detonation-logs');

async function waitForHydration(page: Page) {
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
}

/** Techniques with an enabled rule, as the overview's ATT&CK module counts them. */
async function covered(page: Page): Promise<number> {
  const answer = await page.request.get('/api/v1/modules/mitre-coverage?window=30d');
  expect(answer.status()).toBe(200);
  return (await answer.json()).result.data.covered_techniques;
}

test.describe('an admin', () => {
  test.use({ storageState: storageFor('admin') });

  test('imports the AWS Sigma rules, a shipper sends the Stratus detonations, and the signals show by rule on the overview and in the explorer', async ({ page, playwright }) => {
    const before = await covered(page);
    const filtered = '/rules?origin=custom&source=cloudtrail&state=enabled';
    await page.goto(filtered);
    await waitForHydration(page);
    const customBefore = Number(await page.getByTestId('rules-shown').innerText());

    // The upload: every AWS CloudTrail rule file.
    await page.goto('/rules');
    await waitForHydration(page);
    const totalBefore = Number((await page.locator('.list-bar').innerText()).match(/of (\d+) rules/)![1]);
    const files = fs.readdirSync(awsRules).filter((f) => f.endsWith('.yml')).map((f) => path.join(awsRules, f));
    expect(files.length).toBeGreaterThan(40);
    await page.getByTestId('rule-files').setInputFiles(files);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const report = page.getByTestId('import-report');
    await expect(report).toContainText(`${files.length} files read`);
    const imported = Number((await report.innerText()).match(/(\d+) rules imported/)![1]);
    expect(imported).toBeGreaterThan(40);
    await expect(report).toContainText('0 not evaluable');
    // The new rules, and the source's threat-intelligence rule if CloudTrail was not registered yet.
    await expect(page.locator('.list-bar')).toContainText(new RegExp(`of (${totalBefore + imported}|${totalBefore + imported + 1}) rules`));

    // The explorer's filters: the imported CloudTrail rules are custom, and all enabled.
    await page.goto(filtered);
    await waitForHydration(page);
    await expect(page.getByTestId('rules-shown')).toHaveText(String(customBefore + imported));
    await expect(page.getByTestId('filter-state')).toHaveValue('enabled');

    // Coverage counts the new rules' techniques.
    await expect.poll(() => covered(page), { timeout: 10_000 }).toBeGreaterThan(before);

    // A shipper sends the 35 detonations with an ingest key.
    const created = await page.request.post('/api/v1/api-keys', { data: { name: 'e2e stratus', scopes: ['ingest'] } });
    expect(created.status()).toBe(201);
    const key = (await created.json()).key;
    const shipper = await playwright.request.newContext({ baseURL: new URL(page.url()).origin, storageState: { cookies: [], origins: [] } });
    let signals = 0;
    for (const file of fs.readdirSync(stratus).filter((f) => f.endsWith('.json')).sort()) {
      const sent = await shipper.post('/api/v1/logs?source=cloudtrail', {
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        data: fs.readFileSync(path.join(stratus, file)),
      });
      expect(sent.status(), await sent.text()).toBe(202);
      const receipt = await sent.json();
      signals += receipt.signals;
    }
    await shipper.dispose();
    expect(signals).toBeGreaterThanOrEqual(7);

    // The rule's page counts its signals, and its link lists exactly them in the explorer.
    await page.goto('/rules?origin=custom&source=cloudtrail');
    await waitForHydration(page);
    const row = page.locator('tr', { hasText: 'AWS CloudTrail Important Change' });
    await row.getByRole('link', { name: 'AWS CloudTrail Important Change' }).click();
    await waitForHydration(page);
    await expect(page.getByTestId('rule-name')).toHaveText('AWS CloudTrail Important Change');
    await expect(page.getByTestId('sigma-source')).toContainText('StopLogging');
    const count = Number(await page.getByTestId('rule-signals').innerText());
    expect(count).toBeGreaterThanOrEqual(1);
    await page.getByTestId('rule-signals').click();
    await waitForHydration(page);
    await expect(page.locator('.query-input')).toHaveValue(/^@workflow\.rule\.id:/);
    await expect(page.getByTestId('signal-total')).toHaveText(String(count));

    // The signal's side panel shows its grouped events.
    await page.locator('tbody tr').first().locator('a.signal-link').click();
    const panel = page.getByTestId('side-panel');
    await expect(panel.getByTestId('signal-events')).toHaveText(/^[1-9]\d*$/);
    await expect(panel.getByTestId('signal-samples')).toContainText('cloudtrail.amazonaws.com');

    // The overview's open signals by rule counts them under their rule (the page lists the first
    // eight rows; issue 16 adds the rest).
    const overview = await page.request.get('/api/v1/modules/important-signals?window=1h');
    const rules = (await overview.json()).result.data.rules as { rule_name: string; total: number }[];
    const mine = rules.find((r) => r.rule_name === 'AWS CloudTrail Important Change');
    expect(mine?.total).toBe(count);
  });
});
