import { defineAlgorithm, readPackageManifest, type AlgorithmInputs, type AlgorithmOutputs } from '@polyrad/sdk';

const manifest = readPackageManifest(import.meta.url);

/** Plugin entry (not implemented yet: reports nothing). */
export function run(_inputs: AlgorithmInputs): AlgorithmOutputs {
  return { findings: [] };
}

export default defineAlgorithm(manifest, { run });
