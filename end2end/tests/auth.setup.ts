import { test as setup, expect } from '@playwright/test';
import { ACCOUNTS, storageFor } from '../e2e-accounts';

for (const account of ACCOUNTS) {
  setup(`sign in as ${account.role}`, async ({ page }) => {
    await page.goto('/');
    // Signed out, the overview sends us to the sign-in page and back after.
    await expect(page).toHaveURL(/\/login\?next=%2F/);
    await page.getByLabel('Username').fill(account.username);
    await page.getByLabel('Password').fill(account.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByTestId('user')).toContainText(account.role);
    await page.context().storageState({ path: storageFor(account.role) });
  });
}
