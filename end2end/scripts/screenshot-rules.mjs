// Screenshots of Sigma rules for the README: the Rules page, a rule's page, and a Sigma signal
// in the explorer's side panel with its grouped events.
// Usage: node scripts/screenshot-rules.mjs http://127.0.0.1:3000 ../docs/screenshots ADMIN PASSWORD
// (on a database where rules were imported and logs ingested, see the README).
import { launch, signIn } from './browser.mjs';
import * as path from 'node:path';

const [base, outDir, username, password] = process.argv.slice(2);
const browser = await launch();
const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
const page = await context.newPage();
await signIn(page, base, username, password);
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
