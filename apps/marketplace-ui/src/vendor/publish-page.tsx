import { Alert, Button, FileInput, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { ApiError } from '../api/api-client.js';
import type { PublishedVersion } from '../api/api.types.js';
import { useApi } from '../auth/session.js';
import { Link } from '../router.js';

/** The bytes of a file as base64, as POST /api/plugins/packages takes the package. */
async function base64Of(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

async function signatureOf(file: File): Promise<unknown> {
  try {
    return JSON.parse(await file.text());
  } catch {
    throw new ApiError(0, 'SIGNATURE_UNREADABLE', `${file.name} is not a signature file written by polyrad plugin pack (it is not JSON).`);
  }
}

/** Publishing from the browser: the same route and checks as `polyrad plugin publish`. */
export function PublishPage() {
  const api = useApi();
  const queries = useQueryClient();
  const [pkg, setPkg] = useState<File | null>(null);
  const [sig, setSig] = useState<File | null>(null);
  const publish = useMutation({
    mutationFn: async () => api.post<PublishedVersion>('/api/plugins/packages', { package: await base64Of(pkg!), signature: await signatureOf(sig!) }),
    onSuccess: () => queries.invalidateQueries({ queryKey: ['vendor-plugins'] }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (pkg && sig) publish.mutate();
  };
  const refusal = publish.error;
  return (
    <Stack maw={640}>
      <div>
        <Title order={2}>Publish a plugin version</Title>
        <Text c="dimmed" size="sm">
          Upload the package and its signature written by <code>polyrad plugin pack</code>. The platform checks the signature against your vendor key, the
          manifest and the package contents before anything is stored.
        </Text>
      </div>
      <form onSubmit={submit} aria-label="Publish">
        <Stack>
          <FileInput label="Package (.polyrad.tgz)" placeholder="Choose the package" accept=".tgz,application/gzip" required clearable value={pkg} onChange={setPkg} />
          <FileInput label="Signature (.sig)" placeholder="Choose the signature" accept=".sig,application/json" required clearable value={sig} onChange={setSig} />
          <Button type="submit" disabled={!pkg || !sig} loading={publish.isPending} w="fit-content">
            Publish
          </Button>
        </Stack>
      </form>
      {publish.isSuccess && (
        <Alert color="green" title="Published" role="status">
          {publish.data.id} version {publish.data.version} is in the catalog. Sites choose when to enable it. <Link to="/vendor/plugins">See your plugins</Link>
        </Alert>
      )}
      {refusal && (
        <Alert color="red" title="The package was refused" role="alert">
          <Text size="sm" fw={600}>
            {refusal instanceof ApiError ? refusal.code : 'ERROR'}
          </Text>
          <Text size="sm">{refusal.message}</Text>
        </Alert>
      )}
    </Stack>
  );
}
