import { test, expect, type Page } from '@playwright/test';

// The explorer at a laptop's width: facets fold away, and the first signal is on the first screen.

async function waitForHydration(page: Page) {
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
}

test('at 1024 px the first signal is on the first screen, and facets fold away', async ({ page }) => {
  await page.setViewportSize({ width: 1024, height: 768 });
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
