import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { account, csrfCookie, type Me, type Membership } from '../api/account';
import { ApiError } from '../api/errors';
import { sessionState } from '../api/session-state';

/**
 * The signed-in person (GET /v1/me) and the organization they act in. The
 * session itself is the HttpOnly cookie; this only mirrors who it is.
 */
export interface Session {
  me: Me;
  organization: Membership | null;
  /** Owner of the current organization, or the operator (who may act in any). */
  isOwner: boolean;
  selectOrganization(id: string): void;
}

const Context = createContext<Session | null>(null);

export const ME = ['me'] as const;

/** The account of the session, or null when signed out. */
export function useMe(): { me: Me | null | undefined; loading: boolean } {
  const query = useQuery({
    queryKey: ME,
    // No CSRF cookie, no session: signed out without asking (a 401 would be logged by the browser).
    queryFn: () =>
      !csrfCookie()
        ? Promise.resolve(null)
        : account.me().catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 401) return null;
        throw err;
      }),
    staleTime: 60_000,
    retry: false,
  });
  return { me: query.data, loading: query.isLoading };
}

/** After sign-in, sign-out or a 401: everything cached belonged to the old session. */
export function useSessionChanged(): () => Promise<void> {
  const queries = useQueryClient();
  return async () => {
    queries.removeQueries({ predicate: (q) => q.queryKey[0] !== ME[0] });
    await queries.invalidateQueries({ queryKey: ME });
  };
}

export function SessionProvider({ me, children }: { me: Me; children: ReactNode }) {
  const queries = useQueryClient();
  const changed = useSessionChanged();
  useEffect(() => sessionState.onExpired(() => void changed()), [changed]);
  const [selected, setSelected] = useState(sessionState.organization());
  const chosen = me.organizations.find((o) => o.id === selected) ?? me.organizations[0] ?? null;
  // Set before the children render: their first requests already name it.
  if (chosen && sessionState.organization() !== chosen.id) sessionState.setOrganization(chosen.id);
  const value: Session = {
    me,
    organization: chosen,
    isOwner: me.operator || chosen?.role === 'owner',
    selectOrganization(id) {
      sessionState.setOrganization(id);
      queries.removeQueries({ predicate: (q) => q.queryKey[0] !== ME[0] });
      setSelected(id);
    },
  };
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

export function useSession(): Session {
  const session = useContext(Context);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}

/** Ends the session on the server (the cookies are cleared there) and forgets everything cached. */
export function useSignOut(): () => void {
  const queries = useQueryClient();
  return () => {
    void account
      .signOut()
      .catch(() => {})
      .then(() => {
        history.replaceState(null, '', '/sign-in');
        // Signed out first, so no page still on screen asks for its data again (a 401) before it goes.
        queries.setQueryData(ME, null);
        queries.removeQueries({ predicate: (q) => q.queryKey[0] !== ME[0] });
      });
  };
}
