/** The accounts the end-to-end tests sign in with: created for the test database only. */
export const ACCOUNTS = [
  { username: 'e2e-viewer', role: 'viewer', password: 'viewer-password-e2e' },
  { username: 'e2e-analyst', role: 'analyst', password: 'analyst-password-e2e' },
  { username: 'e2e-admin', role: 'admin', password: 'admin-password-e2e' },
] as const;

export type AccountRole = (typeof ACCOUNTS)[number]['role'];

/** Where the signed-in cookies of `role` are kept for the tests. */
export function storageFor(role: AccountRole): string {
  return `test-results/.auth/${role}.json`;
}
