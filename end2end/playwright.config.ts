import { defineConfig } from '@playwright/test';
import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';

// The server under test is the release build that `cargo leptos build --release` made, on a
// SQLite database of its own that starts empty for every run: `signalboard seed` fills it with
// the demo data, and `signalboard users create` adds one account per role (see e2e-accounts.ts).
import { ACCOUNTS } from './e2e-accounts';
const port = Number(process.env.E2E_PORT ?? 3107);
const baseURL = `http://127.0.0.1:${port}`;
const root = path.resolve(__dirname, '..');
const binary = process.env.SIGNALBOARD_BIN ?? path.join(root, 'target/server-release/signalboard');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'signalboard-e2e-'));
const database = `sqlite://${dataDir}/e2e.db`;
// E2E_FAKETIME (e.g. "+34620", seconds ahead) runs the server and its demo data at another time
// of day through libfaketime (Debian's `faketime`), to check that nothing depends on the clock.
const clock = process.env.E2E_FAKETIME
  ? `env FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f '${process.env.E2E_FAKETIME}' `
  : '';
const createAccounts = ACCOUNTS.map(
  (a) => `printf '%s\\n' '${a.password}' | ${clock}"${binary}" users create --username ${a.username} --role ${a.role} --password-stdin --database-url "${database}"`,
).join(' && ');

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  outputDir: 'test-results',
  projects: [
    // Signs each account in through the sign-in page and keeps its cookies for the tests.
    { name: 'sign-in', testMatch: /auth\.setup\.ts/ },
    {
      name: 'chromium',
      dependencies: ['sign-in'],
      use: { storageState: 'test-results/.auth/admin.json' },
    },
  ],
  use: {
    baseURL,
    browserName: 'chromium',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  webServer: {
    command: `${clock}"${binary}" seed --database-url "${database}" > /dev/null && ${createAccounts} > /dev/null && exec ${clock}"${binary}" serve --addr 127.0.0.1:${port} --database-url "${database}" --site-root "${path.join(root, 'target/site')}"`,
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
