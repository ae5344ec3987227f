// Screenshots of Sigma rules for the README: the Rules page, a rule's page, and a Sigma signal
// in the explorer's side panel with its grouped events.
// Usage: node scripts/screenshot-rules.mjs http://127.0.0.1:3000 ../docs/screenshots ADMIN PASSWORD
// (on a database where rules were imported and logs ingested, see the README).
import { chromium } from '@playwright/test';
import * as path from 'node:path';

const [base, outDir, username, password] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
const page = await context.newPage();
await page.goto(base + '/login');
await page.getByLabel('Username').fill(username);
await page.getByLabel('Password').fill(password);
await page.getByRole('button', { name: 'Sign in' }).click();
await page.waitForURL((url) => !url.pathname.startsWith('/login'));
const hydrated = () => page.waitForSelector('html[data-hydrated="true"]');

await page.goto(base + '/rules?source=cloudtrail&origin=custom');
await hydrated();
await page.screenshot({ path: path.join(outDir, 'rules.png') });

await page.getByRole('link', { name: 'AWS CloudTrail Important Change' }).click();
await hydrated();
await page.screenshot({ path: path.join(outDir, 'rule.png'), fullPage: true });

await page.getByTestId('rule-signals').click();
await hydrated();
await page.locator('tbody tr').first().locator('a.signal-link').click();
await page.getByTestId('signal-samples').waitFor();
await page.screenshot({ path: path.join(outDir, 'sigma-signal.png') });
await browser.close();
