import { Alert, Button, Paper, PasswordInput, Stack, TextInput, Title, Text } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { describeError } from '../ui/query-state.js';
import { useSession } from './session.js';

export function LoginPage() {
  const { signIn, endedBecause } = useSession();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

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
          </Stack>
        </form>
      </Paper>
    </div>
  );
}
