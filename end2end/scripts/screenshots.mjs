// Takes the README's screenshots from a running Signalboard in Debian's Chromium:
//   node end2end/scripts/screenshots.mjs http://127.0.0.1:3000 USERNAME PASSWORD docs/screenshots
// Pages: the overview, the riskiest entity's page, the first incident's page and the explorer,
// each 1440 and 1024 pixels wide, in the dark theme (the default); then, at 1440 px, the modules
// SOC managers asked for (team performance, case aging, noise report, threat-informed coverage)
// and the ATT&CK matrix with APT29 drawn over it.
import { launch, signIn } from './browser.mjs';

const [base, username, password, out] = process.argv.slice(2);
if (!base || !username || !password || !out) {
  console.error('usage: screenshots.mjs BASE_URL USERNAME PASSWORD OUT_DIR');
  process.exit(2);
}

const browser = await launch();
const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
const page = await context.newPage();
const hydrated = () => page.waitForSelector('html[data-hydrated="true"]');

await signIn(page, base, username, password);

// Where the entity and incident shots are taken: the riskiest entity, the first incident.
await page.goto(`${base}/entities`);
await hydrated();
const entity = await page.getByTestId('entity-table').locator('tbody td.entity-name a').first().getAttribute('href');
await page.goto(`${base}/incidents`);
await hydrated();
const incident = await page.getByTestId('incidents-table').locator('tbody td a').first().getAttribute('href');

const shots = [
  ['overview', '/?window=7d', true],
  ['entity', entity, true],
  ['incident', incident, true],
  ['explorer', '/signals?query=%40workflow.triage.state%3Aopen&window=7d', false],
];
for (const width of [1440, 1024]) {
  await page.setViewportSize({ width, height: width === 1440 ? 900 : 768 });
  for (const [name, path, fullPage] of shots) {
    await page.goto(`${base}${path}`);
    await hydrated();
    await page.waitForLoadState('networkidle');
    const file = `${out}/${name}-${width}.png`;
    await page.screenshot({ path: file, fullPage });
    console.log(file);
  }
}
await page.setViewportSize({ width: 1440, height: 900 });
await page.goto(`${base}/?window=30d&overlay=group%3AG0016`);
await hydrated();
await page.waitForLoadState('networkidle');
await page.waitForSelector('[data-module="mitre-coverage"] [data-testid="overlay-summary"]');
// The top bar stays at the top of the page, not over the module being shot.
await page.evaluate(() => { for (const bar of document.querySelectorAll('.topbar')) bar.style.position = 'static'; });
for (const id of ['team-performance', 'case-aging', 'noise-report', 'threat-coverage', 'mitre-coverage']) {
  const file = `${out}/module-${id}.png`;
  await page.locator(`[data-module="${id}"]`).screenshot({ path: file });
  console.log(file);
}
// The whole overview at 1440 px, in the dark theme and the light one (the theme is a cookie).
for (const theme of ['dark', 'light']) {
  await context.addCookies([{ name: 'signalboard_theme', value: theme, url: base }]);
  await page.goto(`${base}/?window=7d`);
  await hydrated();
  await page.waitForLoadState('networkidle');
  const file = `${out}/overview-${theme}.png`;
  await page.screenshot({ path: file, fullPage: true });
  console.log(file);
}
await browser.close();
