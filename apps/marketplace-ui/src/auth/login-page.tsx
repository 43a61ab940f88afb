import { Alert, Button, Divider, Paper, PasswordInput, Stack, TextInput, Title, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import type { ApiClient } from '../api/api-client.js';
import { navigate } from '../router.js';
import { describeError } from '../ui/query-state.js';
import { useSession } from './session.js';

/** Where the identity provider sends the browser back (POLYRAD_OIDC_REDIRECT_URI points here). */
export const OIDC_RETURN_PATH = '/login/oidc';

/** The provider's answer is redeemed once, even when React runs the effect twice (StrictMode). */
let returning: Promise<void> | undefined;

function finishProviderSignIn(api: ApiClient): Promise<void> | undefined {
  if (window.location.pathname !== OIDC_RETURN_PATH) return undefined;
  const search = window.location.search;
  // the code in the address bar is single use: off the URL and the history before it is redeemed
  navigate('/', { replace: true });
  returning = api.oidcFinish(search).then(() => undefined);
  return returning;
}

export function LoginPage() {
  const { api, signIn, endedBecause } = useSession();
  const provider = useQuery({ queryKey: ['oidc'], queryFn: () => api.oidcInfo(), retry: false });
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const finishing = returning ?? finishProviderSignIn(api);
    if (!finishing) return;
    setBusy(true);
    finishing.catch((failure: unknown) => {
      returning = undefined;
      setError(describeError(failure));
      setBusy(false);
    });
  }, [api]);

  const toProvider = async () => {
    setBusy(true);
    setError(null);
    try {
      window.location.assign(await api.oidcStart());
    } catch (failure) {
      setError(describeError(failure));
      setBusy(false);
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(username, password);
    } catch (failure) {
      setError(describeError(failure));
      setBusy(false);
    }
  };

  return (
    <div className="login">
      <Paper withBorder shadow="sm" p="xl" radius="md" className="login-card">
        <form onSubmit={(event) => void submit(event)} aria-labelledby="login-title">
          <Stack>
            <div>
              <Title order={1} id="login-title" size="h2">
                Polyrad
              </Title>
              <Text c="dimmed" size="sm">
                Sign in to the marketplace and reading workspace.
              </Text>
            </div>
            {endedBecause && !error && (
              <Alert color="yellow" role="status">
                {endedBecause}
              </Alert>
            )}
            {error && (
              <Alert color="red" role="alert" title="Sign-in refused">
                {error}
              </Alert>
            )}
            <TextInput label="Username" name="username" autoComplete="username" required value={username} onChange={(e) => setUsername(e.currentTarget.value)} />
            <PasswordInput label="Password" name="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.currentTarget.value)} />
            <Button type="submit" loading={busy}>
              Sign in
            </Button>
            {provider.data?.enabled && (
              <>
                <Divider label="or" labelPosition="center" />
                <Button variant="default" loading={busy} onClick={() => void toProvider()}>
                  {provider.data.label}
                </Button>
              </>
            )}
          </Stack>
        </form>
      </Paper>
    </div>
  );
}
