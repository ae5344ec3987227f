import { test, expect, type Page, type Locator } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { storageFor } from '../e2e-accounts';
import { steadyMinute } from './minute';

// Every module's widgets, and at least one drill-down per module whose list holds exactly the
// number clicked.

async function waitForHydration(page: Page) {
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
}

async function drillDown(page: Page, link: Locator, window = '30d') {
  const expected = Number(await link.getAttribute('data-count'));
  expect(expected).toBeGreaterThan(0);
  await link.click();
  await expect(page).toHaveURL(new RegExp(`/signals\\?query=.+&window=${window.replace('/', '%2F')}`));
  await expect(page.getByTestId('signal-total')).toHaveText(expected.toLocaleString('en-US'));
}

async function overview(page: Page, window = '30d') {
  await steadyMinute(page);
  await page.goto(`/?window=${window}`);
  await waitForHydration(page);
}

/** Clicks the first wedge of a donut where it is drawn: just clockwise of twelve o'clock,
 * half-way through the ring (the middle of a wedge's box may be the donut's hole). */
async function clickFirstWedge(page: Page, donut: Locator) {
  await donut.scrollIntoViewIfNeeded();
  const box = (await donut.locator('svg').boundingBox())!;
  await page.mouse.click(box.x + (76.5 / 150) * box.width, box.y + (18 / 150) * box.height);
}

const module = (page: Page, id: string) => page.locator(`[data-module="${id}"]`);

test.beforeEach(async ({ page }) => overview(page));

test('security coverage: pack health KPIs list the packs, logs chart toggles sources', async ({ page }) => {
  const m = module(page, 'security-coverage');
  await m.getByTestId('packs-broken').click();
  const list = m.getByTestId('pack-list');
  await expect(list.locator('.row')).toHaveCount(Number(await m.getByTestId('packs-broken').locator('.stat-value').innerText()));
  await expect(list).toContainText('since');
  await m.getByTestId('packs-broken').click();
  await expect(list).toHaveCount(0);

  // The category bar lists a category's packs on hover.
  await expect(m.locator('.mark.segment title').first()).toContainText(':');
  // The log chart: one area per source; a legend entry hides its source, "only" isolates one.
  const chart = m.getByTestId('logs-chart');
  const series = await chart.locator('.mark.series').count();
  expect(series).toBeGreaterThan(1);
  await m.locator('.legend-item').first().click();
  await expect(chart.locator('.mark.series')).toHaveCount(series - 1);
  await m.locator('.legend-only').nth(1).click();
  await expect(chart.locator('.mark.series')).toHaveCount(1);
  // Hovering a time shows every source's exact value there.
  await expect(chart.locator('.hover-column title').first()).toContainText(/\n.+: [\d,]+/);
  // The demo's injected burst (three days ago) is marked as a spike; the only other marks allowed
  // are drops (the demo's broken source stops sending). A daily rhythm is not unusual.
  await overview(page, '7d');
  const marks = m.locator('.mark.anomaly title');
  await expect(marks.first()).toBeAttached();
  const texts = await marks.allTextContents();
  expect(texts.some((t) => /^Cloudflare HTTP and firewall events at .+: spike/.test(t))).toBe(true);
  for (const t of texts) expect(t).toMatch(/^Cloudflare HTTP and firewall events at .+: spike|: drop: 0 (in the hour from .+ )?against/);
});

test('security coverage: pack health is compared with the states when the window began', async ({ page }) => {
  // The demo's packs in trouble were active until their trouble began: the broken ones two days
  // ago, those in warning within the last day. A week ago, every one of them was active.
  await overview(page, '7d');
  const m = module(page, 'security-coverage');
  const count = async (state: string) => Number(await m.getByTestId(`packs-${state}`).locator('.stat-value').innerText());
  const [active, warning, broken] = [await count('active'), await count('warning'), await count('broken')];
  expect(broken).toBeGreaterThan(0);
  expect(warning).toBeGreaterThan(0);
  const change = (state: string) => m.getByTestId(`packs-${state}`).locator('.change');
  await expect(change('broken')).toHaveText(`▲ ${broken}`);
  await expect(change('broken')).toHaveAttribute('title', 'previous window: 0');
  await expect(change('broken')).toHaveClass(/change bad/);
  await expect(change('warning')).toHaveAttribute('title', 'previous window: 0');
  await expect(change('active')).toHaveAttribute('title', `previous window: ${active + warning + broken}`);
  await expect(change('active')).toHaveClass(/change bad/);
});

test('important signals: the open-signal KPI and a case lead to their signals', async ({ page }) => {
  await drillDown(page, module(page, 'important-signals').locator('a.stat.drill'));
  await expect(page.locator('.query-input')).toHaveValue('@workflow.triage.state:open');
});

test('important signals: lists say how much they leave out; an open case opens its page', async ({ page }) => {
  const m = module(page, 'important-signals');
  const rows = m.getByTestId('open-rules').locator('li');
  await expect(rows).toHaveCount(8);
  const total = Number((await m.getByTestId('open-rules-count').innerText()).match(/^8 of (\d+) rules/)![1]);
  expect(total).toBeGreaterThan(8);
  await m.getByTestId('open-rules-show-all').click();
  await expect(rows).toHaveCount(total);
  await expect(m.getByTestId('open-rules-count')).toContainText(`${total} of ${total} rules`);
  // Every rule's full name is its tooltip, not its id.
  const first = rows.first().locator('a.row-main');
  expect(await first.getAttribute('title')).toBe(await first.innerText());

  await expect(m.getByTestId('open-cases-count')).toHaveText(/^\d+ of \d+ open cases/);
  const kase = m.getByTestId('open-case').first();
  const title = await kase.innerText();
  await kase.click();
  await expect(page).toHaveURL(/\/cases\/\d+$/);
  await expect(page.locator('h1')).toContainText(title);
});

test('risk insights: an entity leads to its signals; type and level list entities', async ({ page }) => {
  const m = module(page, 'risk-insights');
  const table = m.getByTestId('risky-entities');
  await expect(table.locator('tbody tr')).toHaveCount(8);
  // The list says how much it leaves out, and shows the rest in place, still ranked.
  await expect(m.getByTestId('risky-count')).toHaveText(/^8 of 50 \(the riskiest 50 of [\d,]+ risky entities\)/);
  await m.getByTestId('risky-show-all').click();
  await expect(table.locator('tbody tr')).toHaveCount(50);
  await expect(m.getByTestId('risky-count')).toHaveText(/^50 of 50/);
  const scores = (await table.locator('tbody td:first-child').allInnerTexts()).map(Number);
  expect(scores).toEqual([...scores].sort((a, b) => b - a));
  await m.getByTestId('risky-show-all').click();
  await expect(table.locator('tbody tr')).toHaveCount(8);
  await m.locator('.legend-list .legend-item').first().click();
  const type = (await m.locator('.legend-list .legend-item').first().innerText()).split('\n')[0].trim();
  const types = await table.locator('tbody td:nth-child(3)').allInnerTexts();
  expect(types.length).toBeGreaterThan(0);
  expect(types.every((t) => t === type)).toBe(true);
  await drillDown(page, table.locator('td.num a.drill').first());
  await expect(page.locator('.query-input')).toHaveValue(/^@entity\.name:/);
});

test('threat map: the map, a region wedge, an ISP location and an IP lead to their signals', async ({ page }) => {
  const m = module(page, 'threat-map');
  await expect(m.getByTestId('world-map').locator('use').first()).toBeAttached();
  expect(await m.locator('a.mark.country').count()).toBeGreaterThan(10);
  // A wedge of the country donut drills into the country's states or provinces.
  await clickFirstWedge(page, m.getByTestId('country-donut'));
  await expect(m.getByTestId('region-donut')).toBeVisible();
  const region = m.getByTestId('region-donut').locator('a.mark.wedge').first();
  const expected = Number(await region.getAttribute('data-count'));
  await clickFirstWedge(page, m.getByTestId('region-donut'));
  await expect(page).toHaveURL(/\/signals\?query=.+&window=30d/);
  await expect(page.getByTestId('signal-total')).toHaveText(expected.toLocaleString('en-US'));
  await expect(page.locator('.query-input')).toHaveValue(/@network\.client\.geoip\.subdivision\.name:/);

  await overview(page);
  await m.locator('[data-testid="isps"] button').first().click();
  await drillDown(page, m.locator('[data-testid="isps"] .sub-rows a.drill').first());
  await expect(page.locator('.query-input')).toHaveValue(/@network\.client\.isp:.+ @network\.client\.geoip\.country\.iso_code:/);

  await overview(page);
  await drillDown(page, m.getByTestId('top-ips').locator('td.num a.drill').first());
});

test('security overview: a band of the flow diagram leads to its signals', async ({ page }) => {
  const flow = module(page, 'security-overview').getByTestId('signal-flow');
  await expect(flow.locator('.mark.node').first()).toBeAttached();
  const band = flow.locator('a.mark.band').first();
  await expect(band.locator('title')).toContainText('→');
  // Bands cross one another, so the middle of a band's box may be another band: the click is
  // sent to the band itself.
  const expected = Number(await band.getAttribute('data-count'));
  expect(expected).toBeGreaterThan(0);
  await band.dispatchEvent('click');
  await expect(page).toHaveURL(/\/signals\?query=.+&window=30d/);
  await expect(page.getByTestId('signal-total')).toHaveText(expected.toLocaleString('en-US'));
});

test('security overview: every flow node is labelled and every band is reachable where it is drawn', async ({ page }) => {
  const flow = module(page, 'security-overview').getByTestId('signal-flow');
  // The whole chart in view: elementFromPoint answers only inside the viewport.
  await flow.evaluate((e) => e.scrollIntoView({ block: 'center' }));
  // Each node ("critical: 16") has its name written beside it.
  const nodes = (await flow.locator('.mark.node title').allTextContents()).map((t) => t.slice(0, t.lastIndexOf(':')));
  const labels = await flow.locator('text.chart-text').allTextContents();
  expect(nodes.length).toBeGreaterThan(8);
  expect([...labels].sort()).toEqual([...nodes].sort());
  // The demo's fourteen sources: the smallest are grouped.
  expect(labels.filter((l) => /^\d+ other sources$/.test(l))).toHaveLength(1);
  // Each band is the topmost shape somewhere along its middle line, so hovering and clicking
  // reach it there (the chart is drawn at about its own scale, so the middle of a band of 2.5 px
  // or more is inside it).
  const unreachable = await flow.evaluate((root) => {
    const missed: string[] = [];
    for (const band of Array.from(root.querySelectorAll('a.mark.band'))) {
      const path = band.querySelector('path') as SVGGraphicsElement;
      // "M ax,at C mid,at mid,bt bx,bt L bx,bb C mid,bb mid,ab ax,ab Z": the middle line is the
      // Bézier between the two edges' middles.
      const [ax, at, mid, , , bt, bx, , , bb, , , , ab] = path.getAttribute('d')!.match(/-?[\d.]+/g)!.map(Number);
      const [y0, y1] = [(at + ab) / 2, (bt + bb) / 2];
      const ctm = path.getScreenCTM()!;
      let reached = false;
      for (let i = 1; i < 20 && !reached; i++) {
        const s = i / 20;
        const m = 1 - s;
        const x = m * m * m * ax + 3 * m * s * (m + s) * mid + s * s * s * bx;
        const y = m * m * (m + 3 * s) * y0 + s * s * (3 * m + s) * y1;
        const hit = document.elementFromPoint(ctm.a * x + ctm.c * y + ctm.e, ctm.b * x + ctm.d * y + ctm.f);
        reached = hit?.closest('a.mark.band') === band;
      }
      if (!reached) missed.push(band.querySelector('title')!.textContent!);
    }
    return missed;
  });
  expect(unreachable).toEqual([]);
  // The smallest band, clicked where it is drawn, leads to its own signals.
  const smallest = await flow.evaluate((root) => {
    const bands = Array.from(root.querySelectorAll('a.mark.band'));
    bands.sort((a, b) => Number(a.getAttribute('data-count')) - Number(b.getAttribute('data-count')));
    return bands[0].querySelector('title')!.textContent!;
  });
  const band = flow.locator('a.mark.band').filter({ has: page.locator('title', { hasText: smallest }) }).first();
  await drillDownAlongBand(page, band);
});

test('security overview: the "other sources" group leads to exactly its signals', async ({ page }) => {
  const flow = module(page, 'security-overview').getByTestId('signal-flow');
  const band = flow.locator('a.mark.band').filter({ has: page.locator('title', { hasText: /other sources → / }) }).first();
  const expected = Number(await band.getAttribute('data-count'));
  expect(expected).toBeGreaterThan(0);
  await band.dispatchEvent('click');
  await expect(page).toHaveURL(/\/signals\?query=.*OR.*&window=30d/);
  await expect(page.getByTestId('signal-total')).toHaveText(expected.toLocaleString('en-US'));
});

/** Clicks a band at the first point of its middle line where it is the topmost shape. */
async function drillDownAlongBand(page: Page, band: Locator) {
  const expected = Number(await band.getAttribute('data-count'));
  const point = await band.evaluate((a) => {
    const path = a.querySelector('path') as SVGGraphicsElement;
    const [ax, at, mid, , , bt, bx, , , bb, , , , ab] = path.getAttribute('d')!.match(/-?[\d.]+/g)!.map(Number);
    const [y0, y1] = [(at + ab) / 2, (bt + bb) / 2];
    const ctm = path.getScreenCTM()!;
    for (let i = 1; i < 20; i++) {
      const s = i / 20;
      const m = 1 - s;
      const x = m * m * m * ax + 3 * m * s * (m + s) * mid + s * s * s * bx;
      const y = m * m * (m + 3 * s) * y0 + s * s * (3 * m + s) * y1;
      const sx = ctm.a * x + ctm.c * y + ctm.e;
      const sy = ctm.b * x + ctm.d * y + ctm.f;
      if (document.elementFromPoint(sx, sy)?.closest('a.mark.band') === a) return { x: sx, y: sy };
    }
    return null;
  });
  expect(point).not.toBeNull();
  await page.mouse.click(point!.x, point!.y);
  await expect(page).toHaveURL(/\/signals\?query=.+&window=30d/);
  await expect(page.getByTestId('signal-total')).toHaveText(expected.toLocaleString('en-US'));
}

test('security overview: time to respond per severity with p50 and p90', async ({ page }) => {
  const table = module(page, 'security-overview').getByTestId('response-times');
  await expect(table.locator('tbody tr')).toHaveCount(6);
  await expect(table.locator('tbody tr').first()).toContainText('all');
});

test('MITRE ATT&CK: the matrix has every tactic; a cell opens its rules and signals', async ({ page }) => {
  const m = module(page, 'mitre-coverage');
  const matrix = m.getByTestId('attack-matrix');
  await expect(matrix.locator('.matrix-column')).toHaveCount(14);
  await expect(matrix.locator('.matrix-column').first()).toHaveAttribute('data-tactic', 'TA0043');
  await expect(matrix.locator('.matrix-column').last()).toHaveAttribute('data-tactic', 'TA0040');
  // Filter by density: only techniques with no rule stay bright.
  await m.getByTestId('density-no rules').click();
  await expect(matrix.locator('.cell.covered:not(.dim)')).toHaveCount(0);
  await m.getByTestId('density-no rules').click();
  // The Rules toggle shows rules per tactic; a bar then lists the tactic's rules.
  await m.getByRole('button', { name: 'Rules', exact: true }).click();
  await expect(m.getByRole('heading', { name: 'Rules per tactic' })).toBeVisible();
  await m.getByTestId('tactic-bars').locator('.mark.bar[data-key]').nth(2).click();
  await expect(m.getByTestId('tactic-rules').locator('li').first()).toBeVisible();
  await m.getByRole('button', { name: 'Signals', exact: true }).click();
  // A covered cell with signals lists its rules, and its signal count leads to them.
  const cell = matrix.locator('.cell.covered:not([data-count="0"])').first();
  await cell.click();
  const details = m.getByTestId('cell-details');
  await expect(details.locator('h5').first()).toHaveText('Rules');
  await expect(details.locator('.plain-list li').first()).toBeVisible();
  // Rules are named (their id beside), and each opens its page.
  const ruleLink = details.getByTestId('cell-rules').locator('li a').first();
  await expect(ruleLink).toHaveAttribute('href', /^\/rules\//);
  expect(await ruleLink.innerText()).not.toMatch(/^(def|cus)-\d{4}$/);
  await drillDown(page, details.locator('a.drill'));
  await expect(page.locator('.query-input')).toHaveValue(/^@technique:T\d{4}$/);
});

test('a rule name cut short unfolds in full on hover and on keyboard focus', async ({ page }) => {
  await page.setViewportSize({ width: 1024, height: 768 });
  await overview(page);
  const m = module(page, 'rule-performance');
  const names = m.locator('.rows a.row-main');
  await expect(names.first()).toBeVisible();
  const cut = (el: Element) => el.scrollWidth > el.clientWidth + 1;
  // The first name the row's width cuts short.
  const index = await names.evaluateAll((els) => els.findIndex((el) => el.scrollWidth > el.clientWidth + 1));
  expect(index, 'a rule name is cut at 1024 px').toBeGreaterThanOrEqual(0);
  const name = names.nth(index);
  const height = (await name.boundingBox())!.height;
  await name.hover();
  await expect.poll(() => name.evaluate(cut)).toBe(false);
  expect((await name.boundingBox())!.height).toBeGreaterThan(height);
  await page.mouse.move(0, 0);
  await expect.poll(() => name.evaluate(cut)).toBe(true);
  // From the keyboard: focused, it unfolds too; the full name is its text, its id in the title.
  await page.keyboard.press('Shift');
  await name.focus();
  await expect(name).toBeFocused();
  await expect.poll(() => name.evaluate(cut)).toBe(false);
  expect(await name.getAttribute('title')).toContain((await name.innerText()).trim());
});

test('rule performance: archive reasons, rankings and activity bars lead to their signals', async ({ page }) => {
  const m = module(page, 'rule-performance');
  await drillDown(page, m.getByTestId('archive-reasons').locator('a.row-detail.drill').first());
  await expect(page.locator('.query-input')).toHaveValue(/@workflow\.triage\.archive_reason:/);

  await overview(page);
  await drillDown(page, m.getByTestId('tp-malicious').locator('a.row-detail.drill').first());

  await overview(page);
  await drillDown(page, m.getByTestId('false-positive-rates').locator('td.num a.drill').last());

  await overview(page);
  await drillDown(page, m.getByTestId('severity-change').locator('a.drill').nth(1), '7d');

  // A bar of the activity chart leads to its severity in its own slice of time.
  await overview(page);
  const bar = m.getByTestId('activity-chart').locator('a.mark.bar').last();
  const href = (await bar.getAttribute('href'))!;
  expect(decodeURIComponent(href)).toMatch(/window=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\/\d{4}/);
  const count = Number(await bar.getAttribute('data-count'));
  await page.goto(href);
  await expect(page.getByTestId('signal-total')).toHaveText(count.toLocaleString('en-US'));
});

test('rule performance: a severity toggle hides its bars', async ({ page }) => {
  const m = module(page, 'rule-performance');
  const chart = m.getByTestId('activity-chart');
  const info = await chart.locator('a.mark.bar title', { hasText: '· info:' }).count();
  expect(info).toBeGreaterThan(0);
  await m.getByTestId('activity-toggle-info').click();
  await expect(chart.locator('a.mark.bar title', { hasText: '· info:' })).toHaveCount(0);
});

test('a custom range drives the modules and the URL; a bad one is explained', async ({ page }) => {
  await page.locator('[data-window="custom"]').click();
  const form = page.getByRole('form', { name: 'Custom time range' });
  const to = new Date(Date.now() - 2 * 3600_000);
  const from = new Date(to.getTime() - 24 * 3600_000);
  const local = (d: Date) => d.toISOString().slice(0, 16);
  await form.locator('input[name="from"]').fill(local(to));
  await form.locator('input[name="to"]').fill(local(from));
  await form.getByRole('button', { name: 'Apply' }).click();
  await expect(form.getByRole('alert')).toContainText('ends');
  await form.locator('input[name="from"]').fill(local(from));
  await form.locator('input[name="to"]').fill(local(to));
  await form.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/window=\d{4}-\d\d-\d\dT\d\d(%3A|:)\d\d(%3A|:)00Z(%2F|\/)/);
  await expect(page.getByTestId('window-label')).toContainText('UTC');
  await expect(page.locator('[data-window="custom"]')).toHaveClass(/selected/);
  // The drill-downs carry the same range, and the list behind them agrees.
  const kpi = module(page, 'security-overview').locator('a.stat.drill').first();
  await expect(kpi).toHaveAttribute('href', /window=\d{4}/);
  const expected = Number(await kpi.getAttribute('data-count'));
  await kpi.click();
  await expect(page.getByTestId('signal-total')).toHaveText(expected.toLocaleString('en-US'));
});

test('a window reaching back before any data says "no earlier data" instead of a change', async ({ page }) => {
  const iso = (ms: number) => new Date(ms - (ms % 60_000)).toISOString().slice(0, 19) + 'Z';
  const now = Date.now();
  // 45 days: the demo data (30 days) begins inside it, so nothing lies before it.
  await overview(page, `${iso(now - 45 * 86_400_000)}/${iso(now)}`);
  const kpis = module(page, 'security-overview');
  await expect(kpis.getByText('no earlier data').first()).toBeVisible();
  await expect(kpis.getByText(/▲|▼/)).toHaveCount(0);
  // Seven days: the weeks before are known, so the change is shown.
  await overview(page, '7d');
  await expect(kpis.locator('.stats').first()).toBeVisible();
  await expect(kpis.getByText('no earlier data')).toHaveCount(0);
});

test('an empty window shows empty states, not zeros pretending to be data', async ({ page }) => {
  // A day long before the demo data begins.
  await overview(page, '2020-01-01T00:00:00Z/2020-01-02T00:00:00Z');
  await expect(module(page, 'security-overview').getByTestId('empty-state')).toContainText('No signals');
  await expect(module(page, 'threat-map').getByTestId('empty-state')).toBeVisible();
  await expect(module(page, 'rule-performance').getByTestId('empty-state').first()).toBeVisible();
  await expect(module(page, 'security-coverage').getByTestId('empty-state')).toContainText('No logs');
});

test('getting started: each task opens the page where it is done', async ({ page }) => {
  const m = module(page, 'getting-started');
  await expect(m.getByTestId('task-connect-log-source')).toHaveAttribute('href', '/admin#api-keys');
  await expect(m.getByTestId('task-invite-team')).toHaveAttribute('href', '/admin#users');
  await m.getByTestId('task-set-up-notification').click();
  await expect(page).toHaveURL(/\/admin#webhook$/);
  await waitForHydration(page);
  await expect(page.locator('#webhook h2')).toHaveText('Workflow webhook');
  await overview(page);
  await m.getByTestId('task-review-default-rules').click();
  await expect(page).toHaveURL(/\/rules\?origin=default$/);
  await waitForHydration(page);
  await expect(page.locator('select[name="origin"]')).toHaveValue('default');
});

test('research: articles open real public pages, release notes the project\'s own notes', async ({ page }) => {
  const links = module(page, 'research').locator('a.row-main');
  const hrefs = await links.evaluateAll((as) => as.map((a) => a.getAttribute('href')!));
  expect(hrefs.length).toBeGreaterThan(3);
  for (const href of hrefs) {
    expect(href).not.toContain('.example');
    expect(href.startsWith('https://') || href.startsWith('/release-notes#'), href).toBe(true);
  }
  // Another site opens in a new tab, without access to this one.
  await expect(module(page, 'research').locator('a.row-main[href^="https://"]').first()).toHaveAttribute('rel', /noopener/);
  const note = module(page, 'research').locator('a.row-main[href^="/release-notes#"]').first();
  const title = (await note.innerText()).trim();
  const anchor = (await note.getAttribute('href'))!.split('#')[1];
  await note.click();
  await expect(page).toHaveURL(new RegExp(`/release-notes#${anchor}$`));
  await expect(page.locator(`section#${anchor} h2`)).toHaveText(title);
  await expect(page.locator(`section#${anchor} li`).first()).toBeVisible();
});

test('at 1 h the charts read: five-minute buckets, axes that end at the window end, sparklines drawn', async ({ page }) => {
  await overview(page, '1h');
  // Time axes: the last label is the window's end, not the first bucket's start again.
  for (const [id, chart] of [['security-coverage', 'logs-chart'], ['rule-performance', 'activity-chart']] as const) {
    const box = module(page, id).getByTestId(chart);
    if ((await box.count()) === 0) continue; // an hour without logs or signals shows its empty state
    const texts = await box.locator('text.chart-text').allTextContents();
    const [first, last] = texts.slice(-2);
    expect(first, `${chart} axis`).not.toEqual(last);
  }
  // Signal activity in five-minute buckets: at most twelve, their times five minutes apart
  // (bars read "Dec 02 22:35 · high: 3").
  const bars = await module(page, 'rule-performance').getByTestId('activity-chart').locator('.mark.bar title').allTextContents();
  const minutes = [...new Set(bars.map((t) => { const [, h, m] = t.match(/(\d\d):(\d\d) ·/)!; return Number(h) * 60 + Number(m); }))];
  expect(minutes.length).toBeLessThanOrEqual(12);
  for (const m of minutes) expect((((m - minutes[0]) % 5) + 5) % 5, `${m} against ${minutes[0]}`).toBe(0);
  // A sparkline per severity, each drawn.
  const sparklines = module(page, 'security-overview').locator('.sparkline svg');
  await expect(sparklines).toHaveCount(5);
  for (const s of await sparklines.all()) expect(await s.locator('path, polyline, rect').count()).toBeGreaterThan(0);
  // The false-positive table is shown with rows, or its empty state alone: never an orphan header.
  const m = module(page, 'rule-performance');
  const table = m.getByTestId('false-positive-rates');
  if (await table.isVisible()) expect(await table.locator('tbody tr').count()).toBeGreaterThan(0);
  else await expect(m.getByText('No signal archived as a false positive in this window.')).toBeVisible();
});

test('open cases, risk levels, coverage and densities are compared with the previous window', async ({ page }) => {
  await overview(page, '7d');
  const change = /no change|▲|▼|no earlier data/;
  const openCases = module(page, 'important-signals').locator('.stat', { hasText: 'Open cases' });
  await expect(openCases.locator('.change')).toHaveText(change);
  for (const level of ['critical', 'high', 'medium', 'low']) {
    await expect(module(page, 'risk-insights').getByTestId(`risk-level-${level}`).locator('.change')).toHaveText(change);
  }
  const attack = module(page, 'mitre-coverage');
  await expect(attack.locator('.stat', { hasText: 'Techniques covered' }).locator('.change')).toHaveText(change);
  for (const label of ['high (4+ rules)', 'medium (2–3)', 'low (1)', 'no rules']) {
    await expect(attack.getByTestId(`density-${label}`).locator('.change')).toHaveText(change);
  }
  // The previous figure is on hover, so "no change" can be checked against it.
  const title = await openCases.locator('.change').getAttribute('title');
  expect(title).toMatch(/^previous window: [\d,]+$/);
});

test.describe('team performance', () => {
  test('the team row and each analyst lead to exactly their signals; the severity filter applies', async ({ page }) => {
    await overview(page, '30d');
    const m = module(page, 'team-performance');
    const table = m.getByTestId('team-table');
    // The default account is an admin: one row per analyst under the team's.
    await expect(table.locator('tr[data-testid^="analyst-"]').first()).toBeVisible();
    const analysts = await table.locator('tr[data-testid^="analyst-"]').count();
    expect(analysts).toBeGreaterThan(1);
    // Everyone's signals taken add up to the team's.
    const taken = async (row: Locator) => Number((await row.locator('td').nth(0).innerText()).replace(/,/g, ''));
    const team = await taken(table.getByTestId('team-row'));
    let sum = 0;
    for (const row of await table.locator('tr[data-testid^="analyst-"]').all()) sum += await taken(row);
    expect(sum).toBe(team);
    expect(Number((await m.getByTestId('team-taken').getAttribute('data-count'))!)).toBe(team);
    // An analyst's archives by reason, then their signals taken.
    const first = table.locator('tr[data-testid^="analyst-"]').first();
    await drillDown(page, first.locator('a.pill.reason').first());
    await overview(page, '30d');
    await drillDown(page, first.locator('td').nth(0).locator('a'));
    // The severity filter: critical only, and its drill-down carries the severity.
    await overview(page, '30d');
    await m.getByTestId('team-severity').selectOption('critical');
    const critical = m.getByTestId('team-taken');
    await expect(critical).toHaveAttribute('href', /status%3Acritical|status:critical/);
    expect(Number(await critical.getAttribute('data-count'))).toBeLessThan(team);
    await drillDown(page, critical);
  });

  test.describe('as a viewer', () => {
    test.use({ storageState: storageFor('viewer') });
    test('the team row only, and a note that names are for admins', async ({ page }) => {
      await overview(page, '30d');
      const m = module(page, 'team-performance');
      await expect(m.getByTestId('team-row')).toBeVisible();
      await expect(m.getByTestId('team-note')).toContainText('admins only');
      await expect(m.locator('tr[data-testid^="analyst-"]')).toHaveCount(0);
      // The server refuses the per-analyst figures to a viewer, whatever the page does.
      const answer = await page.request.get('/api/v1/team-performance?window=30d');
      expect(answer.status()).toBe(403);
      await drillDown(page, m.getByTestId('team-open'));
    });
  });
});

test.describe('case aging and SLAs', () => {
  /** Follows a link to the cases list and checks it lists exactly the count on the link. */
  async function openCases(page: Page, link: Locator) {
    const expected = Number(await link.getAttribute('data-count'));
    expect(expected).toBeGreaterThan(0);
    await link.click();
    await expect(page).toHaveURL(/\/cases\?ids=/);
    await expect(page.getByTestId('cases-filter')).toContainText(`${expected} case`);
    await expect(page.getByTestId('cases-table').locator('tbody tr')).toHaveCount(expected);
  }

  test('each number opens exactly its cases, breaches listed first', async ({ page }) => {
    const m = module(page, 'case-aging');
    const open = Number(await m.getByTestId('aging-open').getAttribute('data-count'));
    // The table lists breaches first, then cases about to breach, then the rest.
    const states = await m.getByTestId('aging-cases').locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-sla')));
    const rank = (s: string | null) => ['breached', 'at_risk', 'within'].indexOf(s ?? '');
    expect(states.length).toBe(Math.min(open, 12));
    for (let k = 1; k < states.length; k++) expect(rank(states[k])).toBeGreaterThanOrEqual(rank(states[k - 1]));
    // The matrix's cells add up to the open cases.
    const cells = await m.getByTestId('aging-matrix').locator('a.drill').evaluateAll((links) => links.map((l) => Number(l.getAttribute('data-count'))));
    expect(cells.reduce((a, b) => a + b, 0)).toBe(open);
    await openCases(page, m.getByTestId('aging-breaching'));
    await page.getByTestId('cases-filter').getByRole('link', { name: 'Show all cases' }).click();
    await expect(page.getByTestId('cases-filter')).toHaveCount(0);
    await overview(page);
    await openCases(page, m.getByTestId('aging-matrix').locator('a.drill').first());
    await overview(page);
    await openCases(page, m.getByTestId('aging-assignees').locator('a.drill').first());
  });

  test('an admin changes the targets and the module follows; bad targets are refused', async ({ page }) => {
    await page.goto('/admin#case-sla');
    await waitForHydration(page);
    const form = page.getByTestId('sla-form');
    // Tighten every priority to one hour for a response and two for closing.
    for (const p of ['P1', 'P2', 'P3', 'P4', 'P5']) {
      await form.getByLabel(`${p} first response, hours`).fill('1');
      await form.getByLabel(`${p} close, hours`).fill('2');
    }
    await form.getByRole('button', { name: 'Save targets' }).click();
    await expect(page.getByRole('status')).toContainText('targets saved');
    await overview(page);
    const m = module(page, 'case-aging');
    await expect(m.getByTestId('aging-targets')).toContainText('P5: respond 1h 0m, close 2h 0m');
    // With two hours to close, every open case older than that breaches.
    const open = Number(await m.getByTestId('aging-open').getAttribute('data-count'));
    const breaching = Number(await m.getByTestId('aging-breaching').getAttribute('data-count'));
    expect(breaching).toBeGreaterThan(0);
    expect(breaching).toBeLessThanOrEqual(open);
    // A response target longer than the close is refused by the server, naming the priority.
    const refused = await page.request.put('/api/v1/settings/case-sla', {
      data: { targets: ['P1', 'P2', 'P3', 'P4', 'P5'].map((priority) => ({ priority, response_ms: 7_200_000, close_ms: 3_600_000 })) },
    });
    expect(refused.status()).toBe(400);
    expect((await refused.json()).error).toContain('P1: the response target is longer than the close target');
    // Back to the defaults, so the other tests see the demo as seeded.
    await page.goto('/admin#case-sla');
    await waitForHydration(page);
    for (const [p, hours] of [['P1', '4'], ['P2', '24'], ['P3', '72'], ['P4', '168'], ['P5', '720']]) {
      await form.getByLabel(`${p} first response, hours`).fill(hours);
      await form.getByLabel(`${p} close, hours`).fill(hours);
    }
    await form.getByRole('button', { name: 'Save targets' }).click();
    await expect(page.getByRole('status')).toContainText('targets saved');
  });
});

test('noise report: noise, reasons and a month lead to exactly their signals; a rule opens its page', async ({ page }) => {
  const m = module(page, 'noise-report');
  // The analyst time's change is a duration or a percentage, never a count of milliseconds.
  await expect(m.locator('.stat').nth(1).locator('.change')).toHaveText(/^(no change|no earlier data|[▲▼] (\d+%|[\dhmsd ]+))$/);
  const first = m.getByTestId('noise-rules').locator('tbody tr').first();
  await expect(first).toBeVisible();
  const name = (await first.locator('td.rule-name a').innerText()).trim();
  await drillDown(page, first.locator('td').nth(1).locator('a'));
  await overview(page);
  await drillDown(page, first.locator('a.pill.reason').first());
  // The newest month's bar opens that month's noise (the window is the month).
  await overview(page);
  const bar = first.locator('a.month-bar').last();
  const expected = Number(await bar.getAttribute('data-count'));
  expect(expected).toBeGreaterThan(0);
  await bar.click();
  await expect(page).toHaveURL(/\/signals\?query=.+&window=\d{4}-\d\d-01T00/);
  await expect(page.getByTestId('signal-total')).toHaveText(expected.toLocaleString('en-US'));
  // The rule's name opens its rule page, where it is tuned or disabled.
  await overview(page);
  await first.locator('td.rule-name a').click();
  await expect(page).toHaveURL(/\/rules\/.+/);
  await expect(page.getByRole('heading', { level: 1 })).toContainText(name);
});

test.describe('threat-informed coverage', () => {
  test('the coverage exports as a Navigator layer, and imported back it is all covered', async ({ page }, testInfo) => {
    const m = module(page, 'mitre-coverage');
    const [download] = await Promise.all([page.waitForEvent('download'), m.getByTestId('export-layer').click()]);
    const path = testInfo.outputPath('layer.json');
    await download.saveAs(path);
    const layer = JSON.parse(readFileSync(path, 'utf8'));
    expect(layer.versions.layer).toBe('4.5');
    expect(layer.domain).toBe('enterprise-attack');
    expect(layer.techniques.length).toBeGreaterThan(0);
    // Import the file: every technique of it is covered, and its cells are outlined.
    await m.getByTestId('import-layer').setInputFiles(path);
    const summary = m.getByTestId('overlay-summary');
    await expect(summary).toContainText('Signalboard detection coverage');
    const [covered, total] = (await m.getByTestId('overlay-covered').innerText()).split(' of ').map(Number);
    expect(covered).toBe(total);
    expect(total).toBeGreaterThan(0);
    await expect(m.locator('.cell.in-overlay')).not.toHaveCount(0);
    // The layer is kept: after a reload it is one of the user's layers.
    await overview(page);
    await expect(m.getByTestId('overlay-select').locator('optgroup[label="Your layers"] option').first()).toContainText('Signalboard detection coverage');
  });

  test('an ATT&CK group is drawn over the matrix, its uncovered techniques first', async ({ page }) => {
    const m = module(page, 'mitre-coverage');
    await expect(m.getByTestId('overlay-select').locator('option[value="group:G0016"]')).toHaveCount(1);
    await m.getByTestId('overlay-select').selectOption('group:G0016');
    await expect(m.getByTestId('overlay-summary')).toContainText('APT29 (G0016)');
    const [covered, total] = (await m.getByTestId('overlay-covered').innerText()).split(' of ').map(Number);
    expect(total).toBeGreaterThan(20);
    expect(covered).toBeLessThan(total);
    await expect(m.getByTestId('overlay-uncovered').locator('.pill').first()).toBeVisible();
    // Every outlined cell is a technique of the group; as many as the overlay places.
    await expect(m.locator('.cell.in-overlay')).not.toHaveCount(0);
    // A file that is not a layer is refused with the reason.
    await m.getByTestId('import-layer').setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from('{"techniques":[{"techniqueID":"X1"}]}') });
    await expect(m.getByRole('alert')).toContainText("'X1' is not an ATT&CK technique ID");
  });

  test('the module ranks groups by their gaps; the signals of a group and its matrix overlay agree with the numbers', async ({ page }) => {
    const m = module(page, 'threat-coverage');
    const rows = m.getByTestId('threat-groups').locator('tbody tr');
    await expect(rows).toHaveCount(10);
    const gaps = (await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-uncovered')))));
    expect(gaps).toEqual([...gaps].sort((a, b) => b - a));
    await expect(m.locator('.list-count')).toContainText(/10 of \d+ groups/);
    // The first group with signals: its count opens exactly them.
    const withSignals = rows.filter({ has: page.locator('a.drill') }).first();
    const id = (await withSignals.getAttribute('data-testid'))!.replace('group-', '');
    const covered = (await withSignals.getByTestId('group-covered').innerText()).trim();
    await drillDown(page, withSignals.locator('a.drill'));
    await expect(page.locator('.query-input')).toHaveValue(/^@technique:T\d{4}( OR @technique:T\d{4})+$/);
    // "On the matrix" draws the group over the ATT&CK matrix with the same coverage.
    await overview(page);
    await m.getByTestId(`group-${id}`).getByTestId('group-on-matrix').click();
    await expect(page).toHaveURL(new RegExp(`overlay=group%3A${id}`));
    const attack = module(page, 'mitre-coverage');
    await expect(attack.getByTestId('overlay-summary')).toContainText(`(${id})`);
    await expect(attack.getByTestId('overlay-covered')).toHaveText(covered);
    await expect(attack.locator('.cell.in-overlay')).not.toHaveCount(0);
  });
});
