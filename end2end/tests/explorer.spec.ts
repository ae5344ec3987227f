import { test, expect, type Page } from '@playwright/test';
import { steadyMinute } from './minute';

// The explorer at a laptop's width: facets fold away, and the first signal is on the first screen.

async function waitForHydration(page: Page) {
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
}

test('at 1024 px the first signal is on the first screen, and facets fold away', async ({ page }) => {
  await page.setViewportSize({ width: 1024, height: 768 });
  await steadyMinute(page);
  await page.goto('/signals?query=&window=7d');
  await waitForHydration(page);
  const first = page.locator('.signal-table tbody tr').first();
  await expect(first).toBeVisible();
  expect((await first.boundingBox())!.y).toBeLessThan(768);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBe(0);

  const severity = page.locator('details.facet').first();
  await expect(severity.locator('ul')).toBeVisible();
  await severity.locator('summary').click();
  await expect(severity.locator('ul')).toBeHidden();
  await severity.locator('summary').click();
  await expect(severity.locator('ul')).toBeVisible();
  // A facet value still narrows the query.
  const value = severity.locator('a[data-facet]').first();
  const expected = (await value.locator('.facet-count').innerText()).trim();
  await value.click();
  await expect(page.getByTestId('signal-total')).toHaveText(expected);
});

test('at 1024 px no page is wider than the screen', async ({ page }) => {
  await page.setViewportSize({ width: 1024, height: 768 });
  for (const path of ['/?window=7d', '/signals?query=&window=7d', '/entities', '/cases', '/incidents', '/rules', '/audit', '/admin']) {
    await page.goto(path);
    await waitForHydration(page);
    await page.waitForLoadState('networkidle');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, path).toBe(0);
  }
});

test('at 1440 px the list is dense: one line per signal, every column in view, and the panel does not narrow it', async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto('/signals?query=&window=7d');
  await waitForHydration(page);
  const rows = page.locator('.signal-table tbody tr');
  await expect(rows.first()).toBeVisible();
  // One line each: a row is no taller than a line of text and its padding.
  const heights = await rows.evaluateAll((trs) => trs.slice(0, 50).map((tr) => tr.getBoundingClientRect().height));
  expect(Math.max(...heights)).toBeLessThan(40);
  const inView = await rows.evaluateAll((trs) => trs.filter((tr) => tr.getBoundingClientRect().bottom <= window.innerHeight).length);
  expect(inView).toBeGreaterThanOrEqual(15);
  // Country and IP are in view, not past a sideways scroll.
  const scroll = page.locator('.signal-scroll');
  expect(await scroll.evaluate((e) => e.scrollWidth - e.clientWidth)).toBeLessThanOrEqual(1);
  const ip = page.locator('.signal-table thead th.col-ip');
  expect((await ip.boundingBox())!.x + (await ip.boundingBox())!.width).toBeLessThanOrEqual(1440);
  // A cut title keeps its full text on hover.
  const link = rows.first().locator('a.signal-link');
  expect(await link.getAttribute('title')).toBe((await link.textContent())!.trim());
  // Opening a signal keeps the list as wide as it was.
  const width = (await page.locator('.signal-table').boundingBox())!.width;
  await link.click();
  await expect(page.locator('.side-panel')).toBeVisible();
  await expect(page).toHaveURL(/signal=\d+/);
  expect(Math.abs((await page.locator('.signal-table').boundingBox())!.width - width)).toBeLessThan(2);
});

test('columns can be hidden and shown again, and the choice is remembered', async ({ page }) => {
  await page.goto('/signals?query=&window=7d');
  await waitForHydration(page);
  const country = page.locator('.signal-table tbody tr').first().locator('td.col-country');
  await expect(country).toBeVisible();
  const chooser = page.getByTestId('column-chooser');
  await chooser.locator('summary').click();
  await chooser.getByLabel('Country').uncheck();
  await expect(country).toBeHidden();
  await expect(page.locator('.signal-table thead th.col-country')).toBeHidden();
  await page.reload();
  await waitForHydration(page);
  await expect(page.locator('.signal-table tbody tr').first().locator('td.col-country')).toBeHidden();
  await page.getByTestId('column-chooser').locator('summary').click();
  await page.getByTestId('column-chooser').getByLabel('Country').check();
  await expect(page.locator('.signal-table tbody tr').first().locator('td.col-country')).toBeVisible();
});

test('the State header sorts by triage state, open first, and pages keep the order', async ({ page }) => {
  await page.goto('/signals?query=&window=30d');
  await waitForHydration(page);
  await page.locator('.signal-table thead th.col-state a').click();
  await expect(page).toHaveURL(/sort=state/);
  await waitForHydration(page);
  const rank = (s: string) => (s.startsWith('open') ? 0 : s.startsWith('under review') ? 1 : 2);
  const first = (await page.getByTestId('state').allInnerTexts()).map(rank);
  expect(first.length).toBeGreaterThan(0);
  expect(first).toEqual([...first].sort((a, b) => a - b));
  // The next page starts where this one ended.
  const top = await page.locator('.signal-table tbody tr').first().getAttribute('data-signal');
  await page.getByRole('link', { name: 'Next page' }).click();
  await expect(page).toHaveURL(/cursor=/);
  await expect(page.locator('.signal-table tbody tr').first()).not.toHaveAttribute('data-signal', top!);
  const second = (await page.getByTestId('state').allInnerTexts()).map(rank);
  expect(second[0]).toBeGreaterThanOrEqual(first[first.length - 1]);
  expect(second).toEqual([...second].sort((a, b) => a - b));
  await expect(page.locator('.signal-table thead th.col-state')).toHaveAttribute('aria-sort', 'ascending');
});

test('the case page\'s controls have the product\'s look, in both themes', async ({ page }) => {
  await page.goto('/cases');
  await waitForHydration(page);
  const href = await page.locator('main a[href^="/cases/"]').first().getAttribute('href');
  await page.goto(href!);
  await waitForHydration(page);
  for (const theme of ['dark', 'light']) {
    await page.evaluate((t) => document.documentElement.setAttribute('data-theme', t), theme);
    const looks = await page.locator('main select, main textarea').evaluateAll((els) =>
      els.map((e) => {
        const style = getComputedStyle(e);
        const sunken = getComputedStyle(document.documentElement).getPropertyValue('--bg-sunken').trim();
        return { radius: parseFloat(style.borderTopLeftRadius), background: style.backgroundColor, sunken, color: style.color };
      }),
    );
    expect(looks.length).toBeGreaterThanOrEqual(4); // status, priority, assignee, description, incident severity
    const hex = (rgb: string) => '#' + rgb.match(/\d+/g)!.slice(0, 3).map((n) => Number(n).toString(16).padStart(2, '0')).join('');
    for (const look of looks) {
      expect(look.radius).toBeGreaterThanOrEqual(6);
      expect(hex(look.background)).toBe(look.sunken);
    }
  }
});
