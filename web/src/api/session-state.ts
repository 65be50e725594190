/**
 * What every API request of the signed-in page carries besides the session
 * cookie: the organization it acts in (OpenAI-Organization), chosen in the
 * header's switcher. Listeners hear when the server says the session ended (a 401).
 */
const REMEMBERED = 'tollgate.organization';
const expiredListeners = new Set<() => void>();
let organizationId: string | null = localStorage.getItem(REMEMBERED);

export const sessionState = {
  organization: (): string | null => organizationId,
  setOrganization(id: string): void {
    organizationId = id;
    localStorage.setItem(REMEMBERED, id);
  },
  /** A request answered 401: the session ended (signed out elsewhere, timed out). */
  expired(): void {
    for (const listener of expiredListeners) listener();
  },
  onExpired(listener: () => void): () => void {
    expiredListeners.add(listener);
    return () => expiredListeners.delete(listener);
  },
};
