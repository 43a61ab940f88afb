import { Alert, Button, Center, Loader, Stack, Text } from '@mantine/core';
import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { ApiError } from '../api/api-client.js';

/** The reason of a failure in words, with the API's code when it gave one. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.code.startsWith('HTTP_') || error.code === 'NETWORK' ? error.message : `${error.message} (${error.code})`;
  return error instanceof Error ? error.message : String(error);
}

export function ErrorNotice({ title, error, onRetry }: { title: string; error: unknown; onRetry?: () => void }) {
  return (
    <Alert color="red" title={title} role="alert">
      <Stack gap="xs" align="flex-start">
        <Text size="sm">{describeError(error)}</Text>
        {onRetry && (
          <Button size="xs" variant="light" color="red" onClick={onRetry}>
            Try again
          </Button>
        )}
      </Stack>
    </Alert>
  );
}

export function EmptyState({ children }: { children: ReactNode }) {
  return (
    <Text c="dimmed" py="lg" ta="center">
      {children}
    </Text>
  );
}

/** Loading, error (with retry) or the loaded content of one query. */
export function QueryState<T>({ query, what, children }: { query: UseQueryResult<T>; what: string; children: (data: T) => ReactNode }) {
  if (query.isPending) {
    return (
      <Center py="xl">
        <Loader aria-label={`Loading ${what}`} />
      </Center>
    );
  }
  if (query.isError) return <ErrorNotice title={`Could not load ${what}`} error={query.error} onRetry={() => void query.refetch()} />;
  return <>{children(query.data)}</>;
}
