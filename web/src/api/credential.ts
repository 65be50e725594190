/**
 * The admin key the person signed in with, kept for this tab only
 * (sessionStorage: gone when the tab closes, never sent anywhere but this
 * origin's API). Subscribers hear sign-in and sign-out.
 */
const KEY = 'tollgate.admin-key';
const listeners = new Set<() => void>();

function notify(): void {
  for (const listener of listeners) listener();
}

export const credential = {
  get(): string | null {
    return sessionStorage.getItem(KEY);
  },
  set(value: string): void {
    sessionStorage.setItem(KEY, value);
    notify();
  },
  /** Signed out, or the key stopped working (a 401). */
  expire(): void {
    if (sessionStorage.getItem(KEY) === null) return;
    sessionStorage.removeItem(KEY);
    notify();
  },
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
