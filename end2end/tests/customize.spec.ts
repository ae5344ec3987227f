import { test, expect, type Page, type APIRequestContext } from '@playwright/test';

// The layout is stored on the server for the (anonymous) user, so every test starts from, and
// leaves behind, the default.

async function waitForHydration(page: Page) {
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
}

async function resetLayout(request: APIRequestContext) {
  const response = await request.post('/api/layout/reset', {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    data: '',
  });
  expect(response.ok()).toBeTruthy();
}

async function order(page: Page): Promise<string[]> {
  return page.locator('[data-module]').evaluateAll((els) => els.map((e) => e.getAttribute('data-module')!));
}

/** Runs `action` and waits until the layout it changed has been stored. */
async function andSaved(page: Page, action: () => Promise<void>) {
  const saved = page.waitForResponse(
    (r) => (r.url().endsWith('/api/layout/save') || r.url().endsWith('/api/layout/reset')) && r.ok(),
  );
  await action();
  await saved;
}

/** Drags like a hand does: press, move a little (the drag starts), travel, release. */
async function drag(page: Page, from: string, to: string) {
  const source = page.locator(from);
  await source.scrollIntoViewIfNeeded();
  const a = (await source.boundingBox())!;
  await page.mouse.move(a.x + 20, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(a.x + 30, a.y + a.height / 2 + 5, { steps: 3 });
  const b = (await page.locator(to).boundingBox())!;
  await page.mouse.move(b.x + 40, b.y + b.height / 2, { steps: 10 });
  await page.mouse.up();
}

async function reload(page: Page) {
  await page.reload();
  await waitForHydration(page);
}

const DEFAULT = [
  'security-coverage',
  'important-signals',
  'risk-insights',
  'threat-map',
  'security-overview',
  'mitre-coverage',
  'rule-performance',
  'research',
  'getting-started',
  'team-performance',
  'case-aging',
  'noise-report',
  'threat-coverage',
];

test.beforeEach(async ({ page, request }) => {
  await resetLayout(request);
  await page.goto('/');
  await waitForHydration(page);
  expect(await order(page)).toEqual(DEFAULT);
});

test.afterEach(async ({ request }) => resetLayout(request));

test('modules move with the keyboard, and the order survives a reload', async ({ page }) => {
  await page.getByRole('button', { name: 'Customize page' }).click();
  const down = page.getByRole('button', { name: 'Move Security coverage down' });
  await down.focus();
  await andSaved(page, () => page.keyboard.press('Enter'));
  expect((await order(page)).slice(0, 3)).toEqual(['important-signals', 'security-coverage', 'risk-insights']);
  // The focus stays on the control, so a keyboard user can keep moving the module.
  await expect(down).toBeFocused();
  await andSaved(page, () => page.keyboard.press('Enter'));
  expect((await order(page)).slice(0, 3)).toEqual(['important-signals', 'risk-insights', 'security-coverage']);
  // Move up is one Tab away (Shift+Tab back from Move down).
  await page.keyboard.press('Shift+Tab');
  await expect(page.getByRole('button', { name: 'Move Security coverage up' })).toBeFocused();
  await andSaved(page, () => page.keyboard.press('Enter'));
  await expect(page.getByTestId('save-status')).toHaveText('Saved');

  await reload(page);
  expect((await order(page)).slice(0, 3)).toEqual(['important-signals', 'security-coverage', 'risk-insights']);
  // The first module cannot move further up.
  await page.getByRole('button', { name: 'Customize page' }).click();
  await expect(page.getByRole('button', { name: 'Move Important signals and cases up' })).toBeDisabled();
});

test('a module is dragged onto another and takes its place, after a reload too', async ({ page }) => {
  await page.getByRole('button', { name: 'Customize page' }).click();
  await andSaved(page, () =>
    drag(page, '[data-module="important-signals"] .module-header h2', '[data-module="security-coverage"] .module-header h2'),
  );
  expect((await order(page)).slice(0, 3)).toEqual(['important-signals', 'security-coverage', 'risk-insights']);
  // And back down again, onto the module after it.
  await andSaved(page, () =>
    drag(page, '[data-module="important-signals"] .module-header h2', '[data-module="security-coverage"] .module-header h2'),
  );
  expect((await order(page)).slice(0, 3)).toEqual(['security-coverage', 'important-signals', 'risk-insights']);
  await andSaved(page, () =>
    drag(page, '[data-module="important-signals"] .module-header h2', '[data-module="security-coverage"] .module-header h2'),
  );
  await reload(page);
  expect((await order(page)).slice(0, 3)).toEqual(['important-signals', 'security-coverage', 'risk-insights']);
  // Another browser (a fresh context, no cookies) gets the same arrangement from the server.
  const other = await page.context().browser()!.newPage();
  await other.goto('/');
  expect((await order(other)).slice(0, 2)).toEqual(['important-signals', 'security-coverage']);
  await other.close();
});

test('a hidden module is gone from the page and from the network, until shown again', async ({ page }) => {
  await page.getByRole('button', { name: 'Customize page' }).click();
  await andSaved(page, () => page.getByRole('button', { name: 'Hide Security research and release notes' }).click());
  await page.getByRole('button', { name: 'Done' }).first().click();
  await expect(page.locator('[data-module="research"]')).toHaveCount(0);

  await reload(page);
  await expect(page.locator('[data-module="research"]')).toHaveCount(0);
  await expect(page.locator('[data-module]')).toHaveCount(DEFAULT.length - 1);

  // Changing the window refetches the modules shown, and only those.
  const asked: string[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith('/api/module')) asked.push(new URLSearchParams(r.postData() ?? '').get('id') ?? '');
  });
  await page.getByRole('link', { name: '7d', exact: true }).click();
  await expect.poll(() => asked.length).toBe(DEFAULT.length - 1);
  expect(asked).not.toContain('research');

  // In Customize mode it is listed, marked hidden, and can be shown again.
  await page.getByRole('button', { name: 'Customize page' }).click();
  const research = page.locator('[data-module="research"]');
  await expect(research).toHaveClass(/hidden-module/);
  await expect(research.locator('.module-body')).toHaveCount(0);
  await andSaved(page, () => page.getByRole('button', { name: 'Show Security research and release notes' }).click());
  await expect(research.locator('.module-body')).toBeVisible();
  expect(asked).toContain('research');
});

test('a collapsed module asks for no data; expanding it fetches it', async ({ page }) => {
  // Collapsing works outside Customize mode too.
  await andSaved(page, () => page.getByRole('button', { name: 'Collapse Threat map' }).click());
  const map = page.locator('[data-module="threat-map"]');
  await expect(map.locator('.module-body')).toHaveCount(0);

  // After a reload the server renders it collapsed, with none of its data in the page.
  const html = await (await page.request.get('/')).text();
  expect(html).not.toContain('data-testid="world-map"');
  await reload(page);
  await expect(page.getByRole('button', { name: 'Expand Threat map' })).toHaveAttribute('aria-expanded', 'false');

  const asked: string[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith('/api/module')) asked.push(new URLSearchParams(r.postData() ?? '').get('id') ?? '');
  });
  await page.getByRole('link', { name: '4h', exact: true }).click();
  await expect.poll(() => asked.length).toBe(DEFAULT.length - 1);
  expect(asked).not.toContain('threat-map');

  await andSaved(page, () => page.getByRole('button', { name: 'Expand Threat map' }).click());
  await expect.poll(() => asked.filter((id) => id === 'threat-map').length).toBe(1);
  await expect(map.getByTestId('world-map')).toBeVisible();
  await reload(page);
  await expect(map.getByTestId('world-map')).toBeVisible();
});

test('reset brings back the default layout, after a reload too', async ({ page }) => {
  await page.getByRole('button', { name: 'Customize page' }).click();
  await andSaved(page, () => page.getByRole('button', { name: 'Move Threat map up' }).click());
  await andSaved(page, () => page.getByRole('button', { name: 'Hide Getting started' }).click());
  await andSaved(page, () => page.getByRole('button', { name: 'Collapse Risk insights' }).click());
  expect(await order(page)).not.toEqual(DEFAULT);

  await andSaved(page, () => page.getByRole('button', { name: 'Reset to default' }).click());
  expect(await order(page)).toEqual(DEFAULT);
  await page.getByRole('button', { name: 'Done' }).first().click();
  await expect(page.locator('[data-module]')).toHaveCount(DEFAULT.length);
  await reload(page);
  expect(await order(page)).toEqual(DEFAULT);
  await expect(page.locator('.module.collapsed')).toHaveCount(0);
});

test('a layout naming an unknown module is refused and changes nothing', async ({ page, request }) => {
  const response = await request.post('/api/layout/save', {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    form: { layout: JSON.stringify({ modules: [{ id: 'threat-map' }, { id: 'no-such-module' }] }) },
  });
  expect(response.ok()).toBeFalsy();
  expect(await response.text()).toContain("modules[1]: there is no module 'no-such-module'");
  await reload(page);
  expect(await order(page)).toEqual(DEFAULT);
});

test('the theme toggle switches to light and is remembered', async ({ page }) => {
  const html = page.locator('html');
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await page.getByTestId('theme-toggle').click();
  await expect(html).toHaveAttribute('data-theme', 'light');
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(background).toBe('rgb(244, 246, 251)');
  // The server renders the next page light from the first byte.
  await reload(page);
  await expect(html).toHaveAttribute('data-theme', 'light');
  await page.getByTestId('theme-toggle').click();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await reload(page);
  await expect(html).toHaveAttribute('data-theme', 'dark');
});

test('the grid packs: a half-width module fills the hole beside another, and none stretches', async ({ page, request }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  // A wide module right after a half-width one would leave half a row empty.
  const modules = ['security-coverage', 'risk-insights', 'important-signals', 'threat-map', 'security-overview', 'mitre-coverage', 'rule-performance', 'research', 'getting-started', 'team-performance', 'case-aging', 'noise-report', 'threat-coverage'];
  const saved = await request.post('/api/layout/save', {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    form: { layout: JSON.stringify({ modules: modules.map((id) => ({ id })) }) },
  });
  expect(saved.ok()).toBeTruthy();
  await reload(page);
  expect(await order(page)).toEqual(modules);
  await expect(page.locator('[data-module] .module-loading')).toHaveCount(0);
  const box = async (id: string) => (await page.locator(`[data-module="${id}"]`).boundingBox())!;
  const [coverage, risk, important] = [await box('security-coverage'), await box('risk-insights'), await box('important-signals')];
  // The later half-width module moved up beside the first; the wide one is below both.
  expect(Math.abs(important.y - coverage.y)).toBeLessThan(2);
  expect(important.x).toBeGreaterThan(coverage.x + coverage.width - 2);
  expect(risk.y).toBeGreaterThanOrEqual(Math.max(coverage.y + coverage.height, important.y + important.height) - 1);
  // Every module is as tall as its contents (plus its padding), never stretched to its row.
  const slack = await page.locator('[data-module]').evaluateAll((els) =>
    els.map((e) => {
      const children = Array.from(e.children).filter((c) => (c as HTMLElement).offsetParent !== null);
      const bottom = Math.max(...children.map((c) => c.getBoundingClientRect().bottom));
      const rect = e.getBoundingClientRect();
      return { id: e.getAttribute('data-module'), empty: Math.round(rect.bottom - bottom), height: rect.height };
    }),
  );
  // (A module is never shorter than 220 px, its least height while loading.)
  for (const s of slack) expect(s.empty < 48 || s.height <= 221, `${s.id} has ${s.empty} px empty at its foot`).toBe(true);
});
