import { test, type Page } from '@playwright/test';

// A preset window ("Past 30 days") ends at the next whole minute, and the server caches its
// answers per minute (for the first second of a minute, the previous minute's answer may stand
// in). A number read on one page and the list opened from it agree when both pages see the same
// minute; a test that crosses into the next minute may see a signal leave the window's far end.

/** The first moment of a minute, while the previous minute's answer may stand in. */
const STAND_IN_S = 2;

/** Waits, before loading a page whose numbers will be compared with another's, until at least
 * `margin` seconds of the current minute remain and its first moment has passed. The server
 * runs on this machine's clock (E2E_FAKETIME shifts it by whole minutes). */
export async function steadyMinute(page: Page, margin = 15) {
  const second = (Date.now() % 60_000) / 1000;
  const wait = second >= 60 - margin ? 60 - second + STAND_IN_S : second < STAND_IN_S ? STAND_IN_S - second : 0;
  if (wait > 0) {
    // The wait is not the test's own time: its timeout grows by as much.
    test.info().setTimeout(test.info().timeout + Math.ceil(wait * 1000));
    await page.waitForTimeout(wait * 1000);
  }
}
