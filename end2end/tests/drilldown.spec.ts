import { test, expect, type Page, type Locator } from '@playwright/test';
import { steadyMinute } from './minute';

async function waitForHydration(page: Page) {
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
}

/** Clicks a number on the overview and checks the list behind it holds exactly that many. */
async function drillDown(page: Page, link: Locator) {
  const expected = await link.getAttribute('data-count');
  expect(Number(expected)).toBeGreaterThan(0);
  await link.click();
  await expect(page).toHaveURL(/\/signals\?query=.+&window=30d/);
  await expect(page.getByTestId('signal-total')).toHaveText(Number(expected).toLocaleString('en-US'));
}

test.beforeEach(async ({ page }) => {
  await steadyMinute(page);
  await page.goto('/?window=30d');
  await waitForHydration(page);
});

test('a rule row of the open signals leads to exactly its signals', async ({ page }) => {
  await drillDown(page, page.locator('[data-module="important-signals"] a.row-main.drill').first());
  await expect(page.locator('.query-input')).toHaveValue(/@workflow\.triage\.state:open/);
  // Every row listed is open.
  const states = await page.locator('.signal-table tbody tr td[data-testid="state"]').allInnerTexts();
  expect(states.length).toBeGreaterThan(0);
  expect(states.every((s) => s === 'open')).toBe(true);
});

test('a severity pill adds the severity', async ({ page }) => {
  const pill = page.locator('[data-module="important-signals"] a.pill.drill').first();
  await drillDown(page, pill);
  await expect(page.locator('.query-input')).toHaveValue(/status:/);
});

test('a country on the world map leads to its signals', async ({ page }) => {
  // Germany: compact, so the middle of its outline is Germany (a click lands where it aims).
  await drillDown(page, page.locator('[data-module="threat-map"] a.mark.country[data-iso="DE"]'));
  await expect(page.locator('.query-input')).toHaveValue('@network.client.geoip.country.iso_code:DE');
});

test('a severity KPI and a tactic lead to their signals', async ({ page }) => {
  await drillDown(page, page.locator('[data-module="security-overview"] a.stat.drill').nth(2));
  await steadyMinute(page);
  await page.goto('/?window=30d');
  await waitForHydration(page);
  await drillDown(page, page.locator('[data-module="mitre-coverage"] [data-testid="tactic-bars"] a.mark.bar').nth(2));
});

test('the signal list pages, sorts and explains a bad query', async ({ page }) => {
  await page.goto('/signals?window=30d&query=');
  await waitForHydration(page);
  const first = await page.locator('.signal-table tbody tr').first().getAttribute('data-signal');
  await page.getByRole('link', { name: 'Next page' }).click();
  await expect(page).toHaveURL(/cursor=/);
  await expect(page.locator('.signal-table tbody tr').first()).not.toHaveAttribute('data-signal', first!);
  await page.getByRole('link', { name: 'First page' }).click();
  await expect(page.locator('.signal-table tbody tr').first()).toHaveAttribute('data-signal', first!);
  await page.getByRole('link', { name: /Newest first/ }).click();
  await expect(page).toHaveURL(/sort=oldest/);
  // The Severity header sorts the most severe first, and the next page continues from there.
  await page.getByRole('link', { name: 'Severity', exact: true }).click();
  await expect(page).toHaveURL(/sort=severity/);
  await expect(page.locator('.signal-table tbody tr').first().locator('.pill')).toHaveText(/critical/i);
  await page.getByRole('link', { name: 'Next page' }).click();
  await expect(page).toHaveURL(/sort=severity&cursor=/);
  await expect(page.locator('.signal-table tbody tr')).toHaveCount(50);
  // The window picker keeps the query.
  await page.goto('/signals?window=30d&query=status%3Ahigh');
  await waitForHydration(page);
  await page.getByRole('link', { name: '7d', exact: true }).click();
  await expect(page).toHaveURL(/query=status(%3A|:)high/);
  await expect(page).toHaveURL(/window=7d/);
  // A malformed query says what and where.
  await page.goto('/signals?window=30d&query=(status%3Ahigh');
  await expect(page.getByRole('alert')).toContainText("unclosed '(' at position 0");
});
