import { test, expect, type Page } from '@playwright/test';
import { steadyMinute } from './minute';

// The entity pages: reached from the risk module, the entity list and the explorer's side panel;
// their numbers lead to the signals behind them, and an analyst acts on all open signals at once.

async function waitForHydration(page: Page) {
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
}

test('a risky entity opens its page: score, 30-day history, contributions, and its signals', async ({ page }) => {
  await steadyMinute(page);
  await page.goto('/?window=30d');
  await waitForHydration(page);
  const m = page.locator('[data-module="risk-insights"]');
  const first = m.getByTestId('risky-entity').first();
  const name = await first.innerText();
  const listed = Number(await m.getByTestId('risky-entities').locator('tbody tr').first().locator('td').first().innerText());
  await first.click();
  await expect(page).toHaveURL(/\/entities\/[a-z_]+\/.+/);
  await waitForHydration(page);
  await expect(page.getByTestId('entity-name')).toHaveText(name);
  // The same score as in the module (each shown with the decimals its own list needs).
  const score = Number(await page.getByTestId('entity-score').innerText());
  expect(Math.abs(score - listed)).toBeLessThanOrEqual(0.5);
  await expect(page.getByTestId('entity-level')).toContainText(/critical|high|medium|low/);
  // 31 days of history (30 days and today), each with its score on hover.
  await expect(page.getByTestId('entity-risk-history').locator('.hover-column')).toHaveCount(31);
  // The contributions are listed largest first, and each adds something.
  const adds = (await page.getByTestId('entity-contributions').locator('tbody td:first-child').allInnerTexts()).map(Number);
  expect(adds.length).toBeGreaterThan(0);
  expect(adds).toEqual([...adds].sort((a, b) => b - a));
  expect(adds.every((a) => a > 0)).toBe(true);
  // Long lists show ten rows until asked for all of them.
  const rows = page.getByTestId('entity-contributions').locator('tbody tr');
  const total = await rows.count();
  expect(total).toBeGreaterThan(10);
  await expect(rows.filter({ visible: true })).toHaveCount(10);
  await page.getByTestId('entity-contributions-show-all').click();
  await expect(rows.filter({ visible: true })).toHaveCount(total);
  // Its signals of the last 30 days: the number leads to exactly that many in the explorer.
  const link = page.getByTestId('entity-signals-30d');
  const expected = Number(await link.getAttribute('data-count'));
  expect(expected).toBeGreaterThan(0);
  await link.click();
  await expect(page).toHaveURL(/\/signals\?query=%40entity\.name.+&window=30d/);
  await expect(page.getByTestId('signal-total')).toHaveText(expected.toLocaleString('en-US'));
});

test('the entity list filters by type and level, and names with slashes open their page', async ({ page }) => {
  await page.goto('/entities');
  await waitForHydration(page);
  const table = page.getByTestId('entity-table');
  const scores = (await table.locator('tbody td:first-child').allInnerTexts()).map(Number);
  expect(scores.length).toBeGreaterThan(10);
  expect(scores).toEqual([...scores].sort((a, b) => b - a));

  await page.getByTestId('entity-type-filter').selectOption('cloud_identity');
  await page.getByRole('button', { name: 'Show' }).click();
  await expect(page).toHaveURL(/type=cloud_identity/);
  await waitForHydration(page);
  const kinds = await table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-kind')));
  expect(kinds.length).toBeGreaterThan(0);
  expect(kinds.every((k) => k === 'cloud_identity')).toBe(true);
  // The type filter's own count says how many there are.
  const option = await page.getByTestId('entity-type-filter').locator('option[value="cloud_identity"]').innerText();
  await expect(page.getByTestId('entity-count')).toHaveText(`${option.match(/\((\d+)\)/)![1]} entities`);
  // An AWS role's name holds slashes and colons: its page opens all the same.
  const arn = table.locator('tbody td.entity-name a', { hasText: '/' }).first();
  const name = await arn.innerText();
  await arn.click();
  await waitForHydration(page);
  await expect(page.getByTestId('entity-name')).toHaveText(name);

  await page.goto('/entities?level=critical');
  await waitForHydration(page);
  const levels = await table.locator('tbody td:first-child span').evaluateAll((spans) => spans.map((s) => s.className));
  expect(levels.length).toBeGreaterThan(0);
  expect(levels.every((c) => c.includes('risk-critical'))).toBe(true);
  await page.goto('/entities?type=starship');
  await expect(page.getByRole('alert')).toContainText('starship');
});

test("the explorer's side panel opens an entity's page", async ({ page }) => {
  await page.goto('/signals?query=&window=7d');
  await waitForHydration(page);
  // The newest signal that names an entity (nearly all do).
  const links = page.locator('tr[data-signal] a.signal-link');
  for (let k = 0; k < 5; k++) {
    await links.nth(k).click();
    await expect(page).toHaveURL(/signal=\d+/);
    await expect(page.getByTestId('side-panel').locator('h3', { hasText: 'Entities' })).toBeVisible();
    if ((await page.getByTestId('side-panel').getByTestId('entity-link').count()) > 0) break;
  }
  const entity = page.getByTestId('side-panel').getByTestId('entity-link').first();
  const name = await entity.innerText();
  await entity.click();
  await expect(page).toHaveURL(/\/entities\//);
  await waitForHydration(page);
  await expect(page.getByTestId('entity-name')).toHaveText(name);
});

test('an analyst opens a case with every open signal of an entity', async ({ page }) => {
  await page.goto('/entities?level=high');
  await waitForHydration(page);
  // The first high-risk entity with open signals.
  const links = await page.getByTestId('entity-table').locator('tbody td.entity-name a').evaluateAll((a) => a.map((x) => x.getAttribute('href')!));
  let found = false;
  for (const href of links.slice(0, 15)) {
    await page.goto(href);
    await waitForHydration(page);
    if (Number((await page.getByTestId('entity-open-count').innerText()).replace(/,/g, '')) > 0) {
      found = true;
      break;
    }
  }
  expect(found).toBe(true);
  const open = Number((await page.getByTestId('entity-open-count').innerText()).replace(/,/g, ''));
  const listed = await page.getByTestId('entity-open').locator('tbody tr').count();
  expect(listed).toBe(Math.min(open, 200));
  const bar = page.getByRole('toolbar', { name: 'Bulk actions' });
  await expect(bar).toContainText(`${listed} selected`);
  const casesBefore = await page.getByTestId('entity-cases').locator('li').count();
  const title = `Entity sweep ${Date.now()}`;
  await bar.getByLabel('New case title').fill(title);
  await bar.getByRole('button', { name: 'Create case' }).click();
  const status = page.getByRole('status');
  await expect(status).toContainText(/created case \d+ with \d+ signals/);
  // All of them, but for any that turned 30 days old since the demo data was written (those
  // cannot change any more).
  const linked = Number((await status.innerText()).match(/with (\d+) signals/)![1]);
  expect(linked).toBeGreaterThan(0);
  expect(linked).toBeLessThanOrEqual(listed);
  // The page reloads its data: the new case is listed with them.
  const kase = page.getByTestId('entity-cases').locator('li', { hasText: title });
  await expect(kase).toContainText(new RegExp(`· ${linked} signals?$`));
  await expect(page.getByTestId('entity-cases').locator('li')).toHaveCount(casesBefore + 1);
});
