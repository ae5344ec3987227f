import { test, expect, type Page, type ConsoleMessage } from '@playwright/test';
import { storageFor } from '../e2e-accounts';

// The Content-Security-Policy is on for every page, and the app runs under it; hostile text
// typed into any field stays text; an invited user must choose their own password.

async function waitForHydration(page: Page) {
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
}

/** Collects every CSP complaint the browser makes on `page`, console and events alike. */
function cspViolations(page: Page): string[] {
  const seen: string[] = [];
  page.on('console', (m: ConsoleMessage) => {
    if (/Content Security Policy|Refused to (execute|load|apply|connect)/i.test(m.text())) seen.push(m.text());
  });
  page.on('pageerror', (e) => seen.push(`page error: ${e.message}`));
  return seen;
}

const XSS = [
  '<img src=x onerror="window.__xss=1">',
  '"><svg onload="window.__xss=1"></svg>',
  '<script>window.__xss=1</script>',
  "javascript:window.__xss=1//\u0007\u001b[31m",
];

test.describe('under the Content-Security-Policy', () => {
  test.use({ storageState: storageFor('admin') });

  test('every page hydrates and works with no violation', async ({ page }) => {
    const violations = cspViolations(page);
    for (const path of ['/?window=7d', '/signals?window=7d', '/cases', '/audit', '/admin', '/account/password']) {
      const response = await page.goto(path);
      const csp = response!.headers()['content-security-policy'];
      expect(csp, path).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9_-]+' 'wasm-unsafe-eval'/);
      expect(csp, path).toContain("frame-ancestors 'none'");
      await waitForHydration(page);
    }
    // Interactive parts work: a module collapses and the window picker moves on.
    await page.goto('/?window=7d');
    await waitForHydration(page);
    const map = page.locator('[data-module="threat-map"]');
    await map.locator('.collapse-toggle').first().click();
    await expect(map).toHaveClass(/collapsed/);
    await map.locator('.collapse-toggle').first().click();
    await expect(map).not.toHaveClass(/collapsed/);
    expect(violations).toEqual([]);
  });

  test('an inline script injected into the page is blocked', async ({ page }) => {
    const violations = cspViolations(page);
    await page.goto('/?window=1d');
    await waitForHydration(page);
    await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__injected = 1';
      document.body.appendChild(s);
    });
    expect(await page.evaluate(() => (window as unknown as { __injected?: number }).__injected)).toBeUndefined();
    await expect.poll(() => violations.length).toBeGreaterThan(0);
  });
});

test.describe('hostile text', () => {
  test.use({ storageState: storageFor('analyst') });

  test('stays inert in cases, comments, the audit trail and exports', async ({ page }) => {
    let dialogs = 0;
    page.on('dialog', (d) => {
      dialogs += 1;
      void d.dismiss();
    });
    // A case whose title and description are hostile, with a signal archived with a hostile comment.
    const listed = await (await page.request.get('/api/v1/signals?window=7d&limit=1&query=%40workflow.triage.state%3Aopen')).json();
    const signal = listed.signals[0];
    const created = await page.request.post('/api/v1/cases', {
      data: { title: XSS[0], description: XSS.join('\n'), signals: [{ id: signal.id, version: signal.version }] },
    });
    expect(created.status()).toBe(201);
    const caseId = (await created.json()).case.id;
    const after = await (await page.request.get(`/api/v1/signals/${signal.id}`)).json();
    const archived = await page.request.post(`/api/v1/signals/${signal.id}/triage`, {
      data: { version: after.version, change: 'state', to: 'archived', reason: 'other', comment: XSS[1] },
    });
    expect(archived.status()).toBe(200);

    await page.goto(`/cases/${caseId}`);
    await waitForHydration(page);
    await expect(page.getByRole('heading', { level: 1 })).toContainText('<img src=x');
    await expect(page.locator('main textarea')).toHaveValue(XSS.join('\n'));
    await page.goto(`/signals?window=7d&query=${encodeURIComponent(`@case.id:${caseId}`)}&signal=${signal.id}`);
    await waitForHydration(page);
    await expect(page.getByTestId('side-panel')).toContainText('<svg onload=');
    await page.goto('/audit');
    await waitForHydration(page);
    await expect(page.locator('main')).toContainText('"><svg onload=');

    expect(dialogs).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.locator('main img[src="x"], main svg[onload]').count()).toBe(0);

    // The CSV export: a formula-looking cell is prefixed, never run.
    const csv = await (await page.request.get(`/api/v1/signals?window=7d&format=csv&query=${encodeURIComponent(`@case.id:${caseId}`)}`)).text();
    expect(csv.split('\n')[0]).toContain('id,detected_at');
    for (const line of csv.split('\n').slice(1).filter((l) => l)) {
      for (const cell of line.split(',')) expect(cell).not.toMatch(/^[=+@\t\r]/);
    }
  });

  test('a query of thousands of parentheses is a clear error on the page', async ({ page }) => {
    await page.goto(`/signals?window=7d&query=${'('.repeat(4000)}`);
    await waitForHydration(page);
    await expect(page.locator('main')).toContainText('more than 32 deep at position 32');
    const health = await page.request.get('/healthz');
    expect(health.status()).toBe(200);
  });
});

test.describe('an invited user', () => {
  test.use({ storageState: storageFor('admin') });

  test('chooses their own password at first sign-in', async ({ page, browser }) => {
    const username = `invited-${Date.now()}`;
    const invited = await page.request.post('/api/v1/users', { data: { username, role: 'viewer', display_name: XSS[2] } });
    expect(invited.status()).toBe(201);
    expect(invited.headers()['cache-control']).toBe('no-store');
    const oneTime = (await invited.json()).password as string;

    // The admin page lists the hostile display name as text.
    await page.goto('/admin');
    await waitForHydration(page);
    await expect(page.locator(`tr[data-user="${username}"]`)).toContainText('<script>window.__xss=1</script>');

    const fresh = await browser.newContext({ storageState: { cookies: [], origins: [] } });
    const newcomer = await fresh.newPage();
    await newcomer.goto('/cases');
    await newcomer.getByLabel('Username').fill(username);
    await newcomer.getByLabel('Password').fill(oneTime);
    await newcomer.getByRole('button', { name: 'Sign in' }).click();
    await expect(newcomer).toHaveURL(/\/account\/password\?required=1&next=%2Fcases/);
    await expect(newcomer.getByTestId('password-required')).toBeVisible();
    // Until then, nothing else opens.
    await newcomer.goto('/signals');
    await expect(newcomer).toHaveURL(/\/account\/password\?required=1/);
    await newcomer.getByLabel('Current password').fill(oneTime);
    await newcomer.getByLabel('New password (at least 12 characters)').fill('a brand new passphrase');
    await newcomer.getByLabel('New password again').fill('a brand new passphrase');
    await newcomer.getByRole('button', { name: 'Change password' }).click();
    await expect(newcomer).toHaveURL(/\/signals/);
    await waitForHydration(newcomer);
    await expect(newcomer.getByTestId('user')).toContainText('viewer');
    await fresh.close();
  });
});

test.describe('the admin page', () => {
  test.use({ storageState: storageFor('admin') });

  test('asks before deactivating, and offers nothing on your own row', async ({ page }) => {
    const username = `leaver-${Date.now()}`;
    const invited = await page.request.post('/api/v1/users', { data: { username, role: 'analyst' } });
    expect(invited.status()).toBe(201);
    const id = (await invited.json()).user.id as number;
    await page.goto('/admin');
    await waitForHydration(page);

    // Your own row: no Deactivate, and the role cannot be changed (the server refuses both).
    const own = page.locator('tr[data-user="e2e-admin"]');
    await expect(own.getByTestId('own-account')).toHaveText('you');
    await expect(own.getByRole('button')).toHaveCount(0);
    await expect(own.getByLabel('Role of e2e-admin')).toBeDisabled();

    const row = page.locator(`tr[data-user="${username}"]`);
    const status = row.locator('td').nth(3);
    const before = await status.textContent();
    await row.getByRole('button', { name: 'Deactivate' }).click();
    const confirm = row.getByRole('group', { name: `Deactivate ${username}?` });
    await expect(confirm).toContainText('sessions and API keys stop working');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await expect(confirm).toHaveCount(0);
    await expect(status).toHaveText(before!);
    type Listed = { users: { id: number; active: boolean }[] };
    let listed = (await (await page.request.get('/api/v1/users')).json()) as Listed;
    expect(listed.users.find((u) => u.id === id)!.active).toBe(true);

    await row.getByRole('button', { name: 'Deactivate' }).click();
    await row.getByRole('group', { name: `Deactivate ${username}?` }).getByRole('button', { name: 'Deactivate' }).click();
    await expect(status).toHaveText('deactivated');
    await expect(row.getByRole('button', { name: 'Reactivate' })).toBeVisible();
    listed = (await (await page.request.get('/api/v1/users')).json()) as Listed;
    expect(listed.users.find((u) => u.id === id)!.active).toBe(false);
  });

  test('the cases table fits a 1024 px screen', async ({ page }) => {
    await page.setViewportSize({ width: 1024, height: 768 });
    await page.goto('/cases');
    await waitForHydration(page);
    await expect(page.getByTestId('cases-table')).toBeVisible();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBe(0);
    const table = await page.getByTestId('cases-table').boundingBox();
    expect(table!.x + table!.width).toBeLessThanOrEqual(1024);
  });
});
