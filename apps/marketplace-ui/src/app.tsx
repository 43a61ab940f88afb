import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiClient } from './api/api-client.js';
import { ApiError } from './api/api-client.js';
import { AppLayout } from './app-layout.js';
import { LoginPage } from './auth/login-page.js';
import { SessionProvider, useSession } from './auth/session.js';

function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // A refusal (4xx) will not change by asking again; a network blip might.
        retry: (count, error) => count < 2 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
        refetchOnWindowFocus: false,
      },
    },
  });
}

export function App() {
  const [queries] = useState(makeQueryClient);
  const [api] = useState(() => new ApiClient());
  return (
    // The theme's CSS variables and global classes come from @mantine/core/styles.css, not from <style>
    // elements Mantine would inject at run time: the CSP allows no inline styles.
    <MantineProvider withCssVariables={false} withGlobalClasses={false}>
      <QueryClientProvider client={queries}>
        <SessionProvider api={api}>
          <SignedInOrLogin />
        </SessionProvider>
      </QueryClientProvider>
    </MantineProvider>
  );
}

function SignedInOrLogin() {
  const { user } = useSession();
  return user ? <AppLayout user={user} /> : <LoginPage />;
}
