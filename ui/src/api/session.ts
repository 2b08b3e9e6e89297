/**
 * The access token lives in this tab's sessionStorage only: it survives a reload, is gone when the tab closes, is
 * never shared with other tabs, and never appears in a URL (which would leak it into history, logs and Referer).
 */
const KEY = 'jobplane.token';

export function storedToken(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null; // storage disabled: the user signs in again after a reload
  }
}

export function storeToken(token: string): void {
  try {
    sessionStorage.setItem(KEY, token);
  } catch { /* kept in memory only, see client.ts */ }
}

export function forgetToken(): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch { /* nothing stored */ }
}
