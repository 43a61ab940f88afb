import { useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, use, useEffect, useMemo, useState } from 'react';
import { ApiClient } from '../api/api-client.js';
import type { UserView } from '../api/api.types.js';

export interface Session {
  api: ApiClient;
  user: UserView | null;
  /** why the last session ended when the user did not sign out (expired) */
  endedBecause: string | null;
  signIn(username: string, password: string): Promise<void>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ api, children }: { api: ApiClient; children: ReactNode }) {
  const queries = useQueryClient();
  const [user, setUser] = useState<UserView | null>(api.user);
  const [endedBecause, setEndedBecause] = useState<string | null>(null);

  useEffect(
    () =>
      api.onSessionChange((next, reason) => {
        // Another user's cached answers must never show: drop them whenever the user changes.
        queries.clear();
        setUser(next);
        setEndedBecause(next ? null : (reason ?? null));
      }),
    [api, queries],
  );

  const session = useMemo<Session>(
    () => ({
      api,
      user,
      endedBecause,
      signIn: async (username, password) => {
        await api.login(username, password);
      },
      signOut: () => api.logout(),
    }),
    [api, user, endedBecause],
  );
  return <SessionContext value={session}>{children}</SessionContext>;
}

export function useSession(): Session {
  const session = use(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}

/** The API client of the signed-in session (screens are only shown signed in). */
export const useApi = (): ApiClient => useSession().api;
