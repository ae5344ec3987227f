// Times navigation to the overview in headless Chromium: from the start of `page.goto` to the
// app's hydrated mark (`html[data-hydrated="true"]`), RUNS times (default 10), each in a fresh
// page with an empty cache (so the wasm is fetched and compiled every time, as on a first visit).
// Prints one line per run and then `median MS` (what scripts/measure-page.sh puts in its table).
// Usage: node scripts/navigation-time.mjs BASE USERNAME PASSWORD [PATH] [RUNS]
import { launch, signIn } from './browser.mjs';

const [base, username, password, target = '/?window=7d', runsArg = '10'] = process.argv.slice(2);
if (!base || !username || !password) {
  console.error('usage: node scripts/navigation-time.mjs BASE USERNAME PASSWORD [PATH] [RUNS]');
  process.exit(2);
}
const runs = Number(runsArg);
const browser = await launch();
const signedIn = await browser.newContext();
await signIn(await signedIn.newPage(), base, username, password);
const state = await signedIn.storageState();
await signedIn.close();

const times = [];
for (let run = 0; run < runs; run++) {
  // A new context each time: nothing cached, the session cookie kept.
  const context = await browser.newContext({ storageState: state, viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const started = performance.now();
  await page.goto(base + target);
  await page.waitForSelector('html[data-hydrated="true"]', { timeout: 60_000 });
  const elapsed = performance.now() - started;
  times.push(elapsed);
  console.log(`run ${run + 1}: ${elapsed.toFixed(0)} ms`);
  await context.close();
}
await browser.close();
times.sort((a, b) => a - b);
const median = times.length % 2 ? times[(times.length - 1) / 2] : (times[times.length / 2 - 1] + times[times.length / 2]) / 2;
console.log(`median ${median.toFixed(0)}`);
