import { test, expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { steadyMinute } from './minute';

// Accessibility: axe-core finds no serious or critical violation (WCAG 2 A and AA, contrast
// included) on the pages an investigator uses, in both themes; every page starts with a skip
// link; charts and the ATT&CK matrix are one tab stop each, with the arrow keys inside.

async function waitForHydration(page: Page) {
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
}

/** The first link on `list` whose address matches `pattern`: a real entity, case or incident. */
async function firstLink(page: Page, list: string, pattern: RegExp): Promise<string> {
  await page.goto(list);
  await waitForHydration(page);
  const hrefs = await page.locator('main a[href]').evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''));
  const href = hrefs.find((h) => pattern.test(h));
  expect(href, `a link like ${pattern} on ${list}`).toBeTruthy();
  return href!;
}

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

test('axe-core: no serious or critical violation on the investigator\'s pages, dark and light', async ({ page }) => {
  test.setTimeout(180_000);
  const pages = [
    '/?window=7d',
    '/signals?query=&window=7d',
    await firstLink(page, '/entities', /^\/entities\/[a-z_]+\//),
    await firstLink(page, '/cases', /^\/cases\/\d+$/),
    await firstLink(page, '/incidents', /^\/incidents\/\d+$/),
    '/audit',
    '/admin',
    '/release-notes',
  ];
  const found: string[] = [];
  for (const theme of ['dark', 'light']) {
    for (const path of pages) {
      await page.goto(path);
      await waitForHydration(page);
      await page.evaluate((t) => document.documentElement.setAttribute('data-theme', t), theme);
      // The overview's modules load after the page: check them drawn.
      if (path.startsWith('/?')) await expect(page.locator('[data-module] .module-loading')).toHaveCount(0);
      for (const v of await seriousViolations(page)) found.push(`${theme} ${path}: ${v}`);
    }
  }
  expect(found).toEqual([]);
});

test('a skip link is the first tab stop and moves focus to the content', async ({ page }) => {
  await page.goto('/audit');
  await waitForHydration(page);
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to content' });
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
  await page.keyboard.press('Enter');
  await expect(page.locator('main#main')).toBeFocused();
});

test('charts and the ATT&CK matrix are one tab stop each; arrow keys move inside them', async ({ page }) => {
  await steadyMinute(page);
  await page.goto('/?window=30d');
  await waitForHydration(page);
  await expect(page.locator('[data-module] .module-loading')).toHaveCount(0);
  // Every group of clickable marks or cells offers exactly one tab stop.
  const groups = page.locator('[data-roving]');
  expect(await groups.count()).toBeGreaterThan(3);
  for (const group of await groups.all()) {
    await expect(group.locator('[tabindex="0"]')).toHaveCount(1);
  }
  // The whole overview is a few hundred tab stops at most, not one per band and cell.
  const stops = await page.evaluate(
    () =>
      Array.from(document.querySelectorAll('a[href], button:not([disabled]), input, select, textarea, [tabindex]')).filter(
        (e) => e.getAttribute('tabindex') !== '-1' && !e.closest('[hidden]'),
      ).length,
  );
  expect(stops).toBeLessThan(300);

  // The matrix: the first cell, then down the tactic's column with the arrow key.
  const matrix = page.getByTestId('attack-matrix');
  const cells = matrix.locator('button.cell');
  await cells.first().focus();
  await page.keyboard.press('ArrowDown');
  await expect(cells.nth(1)).toBeFocused();
  await expect(cells.nth(1)).toHaveAttribute('tabindex', '0');
  await expect(cells.first()).toHaveAttribute('tabindex', '-1');
  await page.keyboard.press('End');
  await expect(cells.last()).toBeFocused();
  // Enter on the focused cell opens it, as a click does.
  await page.keyboard.press('Home');
  await page.keyboard.press('Enter');
  await expect(cells.first()).toHaveAttribute('aria-pressed', 'true');

  // The flow diagram: its bands are links reached with the arrow keys; Enter follows one.
  const flow = page.getByTestId('signal-flow');
  const bands = flow.locator('a.mark.band');
  await flow.locator('[tabindex="0"]').focus();
  await page.keyboard.press('ArrowRight');
  const focused = flow.locator('a.mark.band:focus');
  await expect(focused).toHaveCount(1);
  expect(await bands.count()).toBeGreaterThan(10);
  const expected = Number(await focused.getAttribute('data-count'));
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/signals\?query=.+&window=30d/);
  await expect(page.getByTestId('signal-total')).toHaveText(expected.toLocaleString('en-US'));
});
