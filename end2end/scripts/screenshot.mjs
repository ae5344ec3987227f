// Takes full-page screenshots of a running Signalboard for the README.
// Usage: node scripts/screenshot.mjs http://127.0.0.1:3000 ../docs/screenshots USERNAME PASSWORD
// (an analyst's account: the explorer shot shows the triage actions).
import { launch, signIn } from './browser.mjs';
import * as path from 'node:path';

const [base = 'http://127.0.0.1:3000', outDir = '../docs/screenshots', username, password] = process.argv.slice(2);
const browser = await launch();
const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
const page = await context.newPage();
const host = new URL(base).hostname;
await page.goto(base + '/login');
await page.screenshot({ path: path.join(outDir, 'sign-in.png') });
await signIn(page, base, username, password);
const shots = [
  { url: '/?window=7d', file: 'overview-dark.png', theme: 'dark' },
  { url: '/?window=7d', file: 'overview-light.png', theme: 'light' },
  { url: '/signals?window=7d&query=%40workflow.triage.state%3Aopen%20(status%3Acritical%20OR%20status%3Ahigh)', file: 'signals-dark.png', theme: 'dark' },
  { url: '/audit', file: 'audit-dark.png', theme: 'dark' },
];
for (const { url, file, theme } of shots) {
  // The theme is a cookie, as the toggle sets it.
  await context.addCookies([{ name: 'signalboard_theme', value: theme, domain: host, path: '/' }]);
  await page.goto(base + url);
  await page.waitForSelector('html[data-hydrated="true"]');
  if (file === 'signals-dark.png') {
    // The side panel of the newest signal, with its triage actions.
    await page.locator('a.signal-link').first().click();
    await page.waitForSelector('[data-testid="side-panel"] [data-testid="history"]', { state: 'attached' });
    await page.screenshot({ path: path.join(outDir, 'signal-panel-dark.png'), fullPage: false });
  }
  await page.screenshot({ path: path.join(outDir, file), fullPage: true });
  console.log(`wrote ${path.join(outDir, file)}`);
}
await browser.close();
