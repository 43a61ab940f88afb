import type { AlgorithmManifest } from './manifest.types.js';

/** A valid manifest of a CT plugin for tests, with `changes` applied. */
export function testManifest(id: string, changes: Partial<AlgorithmManifest> = {}): AlgorithmManifest {
  return {
    id,
    name: id,
    version: '1.0.0',
    description: 'test plugin',
    vendor: { id: 'test', name: 'Test' },
    engines: { sdk: '^0.1.0' },
    entry: 'dist/index.js',
    series: { criteria: [{ field: 'Modality', op: 'equals', value: 'CT', required: true }] },
    consumes: [],
    produces: [],
    findings: [],
    limits: { timeoutMs: 5000, memoryMb: 64 },
    ...changes,
  };
}
