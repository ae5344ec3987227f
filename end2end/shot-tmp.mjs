import { chromium } from '@playwright/test';
const [base, username, password, path, out, width, height, full] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const context = await browser.newContext({ viewport: { width: Number(width ?? 1440), height: Number(height ?? 900) }, bypassCSP: true });
const page = await context.newPage();
await page.goto(`${base}/login`);
await page.getByLabel('Username').fill(username);
await page.getByLabel('Password').fill(password);
await page.getByRole('button', { name: 'Sign in' }).click();
await page.waitForURL((url) => !url.pathname.startsWith('/login'));
for (const [i, p] of path.split(',').entries()) {
  await page.goto(base + p);
  await page.waitForSelector('html[data-hydrated="true"]');
  await page.waitForLoadState('networkidle');
  if (process.env.CSS) { await page.addStyleTag({ path: process.env.CSS }); }
  await page.waitForTimeout(500);
  const info = await page.evaluate(() => { const s = document.querySelector('.signal-scroll'); return s ? [s.scrollWidth, s.clientWidth, Array.from(document.querySelectorAll('.signal-table thead th')).map(t => t.className + ':' + Math.round(t.getBoundingClientRect().width))] : null; });
  if (info) console.log(JSON.stringify(info));
  await page.screenshot({ path: out.replace('.png', `-${i}.png`), fullPage: full === 'full' });
}
await browser.close();
