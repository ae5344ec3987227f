// Screenshots of the intake for the README: the Admin page's keys and threat-intelligence
// lists, and the overview's pack health once a source's batches are refused.
// Usage: node scripts/screenshot-intake.mjs http://127.0.0.1:3000 ../docs/screenshots ADMIN PASSWORD
import { request } from '@playwright/test';
import { launch, signIn } from './browser.mjs';
import * as path from 'node:path';

const [base, outDir, username, password] = process.argv.slice(2);
const browser = await launch();
const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
const page = await context.newPage();
await signIn(page, base, username, password);
const hydrated = () => page.waitForSelector('html[data-hydrated="true"]');

await page.goto(base + '/admin');
await hydrated();
await page.getByLabel('API key name').fill('vector (cloudtrail)');
await page.getByTestId('key-scopes').selectOption('ingest');
await page.getByRole('button', { name: 'Create key' }).click();
const notice = page.locator('.notice.ok');
await notice.waitFor();
const key = (await notice.innerText()).match(/sb_[0-9a-f]+/)[0];
await page.getByLabel('List name').fill('tor exit nodes');
await page.getByLabel('Subcategory').selectOption('tor');
await page.getByLabel('Addresses and networks, one per line').fill('185.220.101.0/24\n81.2.69.142\n');
await page.getByRole('button', { name: 'Import list' }).click();
await page.getByTestId('intel-list').first().waitFor();

const shipper = await request.newContext({ baseURL: base });
const events = Array.from({ length: 40 }, (_, n) => JSON.stringify({
  eventID: `shot-${Date.now()}-${n}`, eventTime: new Date().toISOString(), eventName: 'ConsoleLogin',
  userIdentity: { arn: 'arn:aws:iam::123456789012:user/alice' }, sourceIPAddress: n % 10 ? '198.51.100.7' : '81.2.69.142',
})).join('\n');
await shipper.post('/api/v1/logs?source=cloudtrail', { headers: { Authorization: `Bearer ${key}` }, data: events });
await shipper.post('/api/v1/logs?source=okta', { headers: { Authorization: `Bearer ${key}` }, data: '{"uuid":"1"}\n{"uuid": \n' });
await page.goto(base + '/admin');
await hydrated();
await page.screenshot({ path: path.join(outDir, 'admin-intake-dark.png'), fullPage: true });

await page.goto(base + '/?window=1h');
await hydrated();
await page.getByTestId('packs-broken').click();
const module = page.locator('[data-module="security-coverage"]');
await module.screenshot({ path: path.join(outDir, 'pack-health-dark.png') });
await shipper.dispose();
await browser.close();
