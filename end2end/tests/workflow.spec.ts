import { test, expect, type Page } from '@playwright/test';
import { storageFor } from '../e2e-accounts';
import { steadyMinute } from './minute';

async function waitForHydration(page: Page) {
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
}

/** The overview's open-signals number (important signals module) for the last 30 days. */
async function openSignals(page: Page): Promise<number> {
  await page.goto('/?window=30d');
  await waitForHydration(page);
  const kpi = page.locator('[data-module="important-signals"] a.stat.drill').first();
  return Number(await kpi.getAttribute('data-count'));
}

async function falsePositives(page: Page): Promise<number> {
  const row = page
    .locator('[data-module="rule-performance"] [data-testid="archive-reasons"] li')
    .filter({ has: page.locator('a.row-main', { hasText: /^false positive$/ }) });
  if ((await row.count()) === 0) return 0;
  return Number(await row.locator('a.row-detail').getAttribute('data-count'));
}

test.describe('an analyst', () => {
  test.use({ storageState: storageFor('analyst') });

  test('triages a signal found from an overview drill-down, and the overview follows', async ({ page }) => {
    // The overview is read before and after: both readings must see the same minute's window.
    await steadyMinute(page, 35);
    const openBefore = await openSignals(page);
    const fpBefore = await falsePositives(page);
    expect(openBefore).toBeGreaterThan(0);

    // The open-signals number leads to exactly those signals.
    await page.locator('[data-module="important-signals"] a.stat.drill').first().click();
    await expect(page).toHaveURL(/\/signals\?query=.*triage\.state.*open/);
    await waitForHydration(page);
    await expect(page.getByTestId('signal-total')).toHaveText(openBefore.toLocaleString('en-US'));

    // The severity facet narrows it to the high ones (an important signal counts towards the
    // rule performance module's archive reasons).
    const facet = page.locator('.facets a[data-facet="status"][data-value="high"]');
    const highOpen = Number((await facet.locator('.facet-count').innerText()).replace(/,/g, ''));
    await facet.click();
    await expect(page.locator('.query-input')).toHaveValue('@workflow.triage.state:open status:high');
    await expect(page.getByTestId('signal-total')).toHaveText(highOpen.toLocaleString('en-US'));

    // Open the newest one in the side panel.
    const row = page.locator('.signal-table tbody tr').first();
    const id = await row.getAttribute('data-signal');
    await row.locator('a.signal-link').click();
    const panel = page.getByTestId('side-panel');
    await expect(panel).toBeVisible();
    await expect(page).toHaveURL(new RegExp(`signal=${id}`));
    await expect(panel.getByTestId('panel-state')).toHaveText('open');

    await panel.getByRole('button', { name: 'Move to under review' }).click();
    await expect(page.getByRole('status')).toContainText(`Signal ${id}: Move to under review`);
    await expect(panel.getByTestId('panel-state')).toHaveText('under review');

    await panel.getByLabel('Archive reason').selectOption('false_positive');
    await panel.getByLabel('Archive comment').fill('Our own vulnerability scanner');
    await panel.getByRole('button', { name: 'Archive', exact: true }).click();
    await expect(panel.getByTestId('panel-state')).toHaveText('archived: false positive');
    await expect(panel.getByTestId('history').locator('li').first()).toContainText('e2e-analyst');
    await expect(panel.getByTestId('history').locator('li').first()).toContainText('Our own vulnerability scanner');
    // The list no longer counts it as open.
    await expect(page.getByTestId('signal-total')).toHaveText((highOpen - 1).toLocaleString('en-US'));

    // Back on the overview: one fewer open signal, one more false positive.
    expect(await openSignals(page)).toBe(openBefore - 1);
    expect(await falsePositives(page)).toBe(fpBefore + 1);
  });

  test('sees a clear conflict when someone else changed the signal first', async ({ page, request }) => {
    await page.goto('/signals?window=30d&query=%40workflow.triage.state%3Aopen');
    await waitForHydration(page);
    const row = page.locator('.signal-table tbody tr').first();
    const id = await row.getAttribute('data-signal');
    await row.locator('a.signal-link').click();
    const panel = page.getByTestId('side-panel');
    await expect(panel.getByTestId('panel-state')).toHaveText('open');
    // Someone else moves it meanwhile (an API call with the admin's session).
    const signal = await (await request.get(`/api/v1/signals/${id}`)).json();
    const other = await request.post(`/api/v1/signals/${id}/triage`, {
      data: { version: signal.version, change: 'state', to: 'under_review' },
    });
    expect(other.status()).toBe(200);
    // The page still holds the old version: the change is refused and says why.
    await panel.getByLabel('Archive reason').selectOption('other');
    await panel.getByRole('button', { name: 'Archive', exact: true }).click();
    await expect(page.getByRole('alert')).toContainText('was changed by');
    await expect(page.getByRole('alert')).toContainText('nothing was changed');
    await expect(panel.getByTestId('panel-state')).toHaveText('under review');
  });

  test('can select several signals and act on them at once', async ({ page }) => {
    await steadyMinute(page);
    await page.goto('/signals?window=30d&query=%40workflow.triage.state%3Aopen%20status%3Alow');
    await waitForHydration(page);
    const total = Number((await page.getByTestId('signal-total').innerText()).replace(/,/g, ''));
    expect(total).toBeGreaterThan(3);
    const rows = page.locator('.signal-table tbody tr');
    for (let k = 0; k < 3; k++) await rows.nth(k).getByRole('checkbox').check();
    const bar = page.getByRole('toolbar', { name: 'Bulk actions' });
    await expect(bar).toContainText('3 selected');
    await bar.getByRole('button', { name: 'Under review' }).click();
    await expect(page.getByRole('status')).toContainText('3 changed');
    await expect(page.getByTestId('signal-total')).toHaveText((total - 3).toLocaleString('en-US'));
  });
});

test.describe('cases', () => {
  test.use({ storageState: storageFor('analyst') });

  test('an analyst opens a case, adds selected signals to it and moves it along', async ({ page }) => {
    await page.goto('/cases');
    await waitForHydration(page);
    const title = `Phishing wave ${Date.now()}`;
    await page.getByLabel('New case title').fill(title);
    await page.getByLabel('New case priority').selectOption('P1');
    await page.getByRole('button', { name: 'Create case' }).click();
    await expect(page.getByRole('status')).toContainText('Created case');
    const link = page.getByRole('link', { name: title });
    await expect(link).toBeVisible();
    const caseId = (await link.getAttribute('href'))!.split('/').pop();

    await page.goto('/signals?window=30d&query=%40workflow.triage.state%3Aopen%20status%3Amedium');
    await waitForHydration(page);
    const rows = page.locator('.signal-table tbody tr');
    for (let k = 0; k < 2; k++) await rows.nth(k).getByRole('checkbox').check();
    const bar = page.getByRole('toolbar', { name: 'Bulk actions' });
    await bar.getByLabel('Add the selection to a case').selectOption(caseId!);
    await expect(page.getByRole('status')).toContainText(`2 added to case ${caseId}`);

    await page.goto(`/cases/${caseId}`);
    await waitForHydration(page);
    // The case lists its signals inline, with their severity and state.
    await expect(page.getByRole('heading', { name: /^Signals \(2\)/ })).toBeVisible();
    const linked = page.getByTestId('case-signals').locator('tbody tr');
    await expect(linked).toHaveCount(2);
    await expect(linked.locator('.pill')).toHaveText(['medium', 'medium']);
    await expect(linked.getByTestId('linked-state')).toHaveText(['open', 'open']);
    await page.locator('.case-fields select').first().selectOption('in_progress');
    await expect(page.getByRole('status')).toHaveText('Saved');
    await expect(page.locator('.history-list li').first()).toContainText('e2e-analyst');
  });
});

test.describe('a viewer', () => {
  test.use({ storageState: storageFor('viewer') });

  test('sees no write controls, and a forged request is refused', async ({ page }) => {
    await page.goto('/signals?window=30d&query=%40workflow.triage.state%3Aopen');
    await waitForHydration(page);
    await expect(page.getByTestId('user')).toContainText('viewer');
    const row = page.locator('.signal-table tbody tr').first();
    const id = await row.getAttribute('data-signal');
    await expect(page.locator('.signal-table input[type="checkbox"]')).toHaveCount(0);
    await row.locator('a.signal-link').click();
    const panel = page.getByTestId('side-panel');
    await expect(panel.getByTestId('panel-state')).toHaveText('open');
    await expect(panel.getByTestId('history')).toBeAttached();
    await expect(panel.getByRole('button')).toHaveCount(0);
    await expect(panel.locator('select, input')).toHaveCount(0);
    await expect(page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Admin', exact: true })).toHaveCount(0);

    // The page offers nothing, but the server is what refuses: the same request the analyst's
    // page would send, with the viewer's own session.
    const version = (await (await page.request.get(`/api/v1/signals/${id}`)).json()).version;
    const forged = await page.request.post(`/api/v1/signals/${id}/triage`, {
      data: { version, change: 'state', to: 'archived', reason: 'false_positive' },
    });
    expect(forged.status()).toBe(403);
    expect((await forged.json()).error).toContain('security_monitoring_signals_write');
    const after = await (await page.request.get(`/api/v1/signals/${id}`)).json();
    expect(after.triage.state).toBe('open');
    expect(after.version).toBe(version);
    const admin = await page.request.get('/admin');
    expect(await admin.text()).toContain('the admin page needs the admin role');
  });
});

test.describe('the audit trail', () => {
  test.use({ storageState: storageFor('viewer') });

  test("shows the analyst's actions with old and new values", async ({ page }) => {
    await page.goto('/audit?actor=e2e-analyst&asset_type=security_signal');
    await waitForHydration(page);
    const rows = page.locator('.audit-table tbody tr');
    await expect(rows.first()).toBeVisible();
    const archive = rows.filter({ hasText: 'false_positive' }).first();
    await expect(archive).toContainText('e2e-analyst');
    await expect(archive).toContainText('under_review');
    await expect(archive).toContainText('archived');
    await expect(archive).toContainText('Our own vulnerability scanner');
    // Every row listed is the analyst's.
    const actors = await page.locator('.audit-table tbody tr td:nth-child(2)').allInnerTexts();
    expect(actors.every((a) => a === 'e2e-analyst')).toBe(true);
    // A filter that names no one says so.
    await page.goto('/audit?actor=nobody');
    await expect(page.getByRole('alert')).toContainText("there is no user 'nobody'");
  });
});

test.describe('signing in', () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test('a wrong password is refused and sign-out ends the session', async ({ page }) => {
    await page.goto('/signals');
    await expect(page).toHaveURL(/\/login\?next=%2Fsignals/);
    await page.getByLabel('Username').fill('e2e-analyst');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toHaveText('The username or password is wrong.');
    // The username typed stays; only the password is typed again, and it has the focus.
    await expect(page.getByLabel('Username')).toHaveValue('e2e-analyst');
    await expect(page.getByLabel('Password')).toBeFocused();
    await page.getByLabel('Password').fill('analyst-password-e2e');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/signals$/);
    await waitForHydration(page);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/login$/);
    await page.goto('/');
    await expect(page).toHaveURL(/\/login/);
  });
});

test.describe('incidents', () => {
  test.use({ storageState: storageFor('analyst') });

  test('an incident declared from a signal outside any case is listed, opened and moved along', async ({ page }) => {
    // An open signal in no case.
    await page.goto('/signals?window=30d&query=%40workflow.triage.state%3Aopen%20status%3Ahigh');
    await waitForHydration(page);
    const row = page.locator('.signal-table tbody tr').first();
    const signal = Number(await row.getAttribute('data-signal'));
    const detail = await (await page.request.get(`/api/v1/signals/${signal}`)).json();
    expect(detail.case_id ?? null).toBeNull();
    const title = `Token theft ${Date.now()}`;
    const declared = await page.request.post('/api/v1/incidents', { data: { title, severity: 'SEV-2', signal_id: signal } });
    expect(declared.status()).toBe(201);
    const id = (await declared.json()).incident.id as number;

    await page.goto('/incidents');
    await waitForHydration(page);
    const listed = page.locator(`tr[data-incident="${id}"]`);
    await expect(listed).toContainText(title);
    await expect(listed).toContainText('SEV-2');
    await expect(listed.getByTestId('incident-status')).toHaveText('active');
    await expect(listed.getByRole('link', { name: `signal ${signal}` })).toBeVisible();
    await listed.getByRole('link', { name: title }).click();
    await expect(page).toHaveURL(new RegExp(`/incidents/${id}$`));
    await waitForHydration(page);
    await expect(page.getByTestId('incident-title')).toHaveText(`Incident ${id}: ${title}`);
    await expect(page.getByTestId('incident-signals').locator('tbody tr')).toHaveCount(1);
    await expect(page.getByTestId('incident-signals').locator(`tr[data-signal="${signal}"]`)).toBeVisible();
    // The declaration is on its timeline; a status change is recorded there too.
    await expect(page.getByTestId('timeline')).toContainText(`incident ${id} (SEV-2)`);
    await page.getByTestId('incident-status-select').selectOption('stable');
    await expect(page.getByRole('status')).toHaveText(`Incident ${id}: stable, SEV-2`);
    await expect(page.getByTestId('timeline').locator('li').first()).toContainText('incident status: active → stable');
    await page.goto('/incidents');
    await expect(page.locator(`tr[data-incident="${id}"]`).getByTestId('incident-status')).toHaveText('stable');
  });
});
