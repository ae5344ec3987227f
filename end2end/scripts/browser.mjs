// What the scripts in this folder share: Debian's Chromium started as the README's browser tests
// start it, and signing in through the login form.
import { chromium } from '@playwright/test';

/** Headless Debian Chromium (`CHROMIUM_PATH` overrides where it is). */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
           '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** Signs `page` in through `/login` and waits until the app has taken it elsewhere. */
export async function signIn(page, base, username, password) {
  await page.goto(base + '/login');
  await page.getByLabel('Username').fill(username ?? '');
  await page.getByLabel('Password').fill(password ?? '');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
}
