/*
 * `polyrad plugin init <id>`: the files of a new plugin that builds, tests and validates on its own, in
 * its own folder or repository, against the published @polyrad/sdk (never the monorepo's sources).
 * The example algorithm measures something real and checkable (adipose tissue volume in the scanned
 * region, from the attenuation window every fat study uses), so the vendor starts from a passing test
 * of a measurement, not from an empty stub.
 */
import { PolyradError, SDK_VERSION } from '@polyrad/sdk';
import { PLATFORM_VERSION } from '../platform-version.js';

const PLUGIN_ID = /^([a-z][a-z0-9-]*)(\.[a-z0-9-]+)+$/;
/** The TypeScript and Node types the scaffold is built with: the lines this platform is built with. */
const TYPESCRIPT_VERSION = '5.9.3';
const NODE_TYPES_VERSION = '^20.19.0';

export interface ScaffoldOptions {
  /** display name of the vendor (default: the vendor id) */
  vendorName?: string;
}

/** A plugin id's parts: `acme.fat-volume` -> vendor `acme`, name `fat-volume`. */
export function parsePluginId(id: string): { vendorId: string; name: string } {
  const match = PLUGIN_ID.exec(id);
  if (!match) {
    throw new PolyradError('PLUGIN_ID_INVALID', `plugin id ${JSON.stringify(id)} must be <vendor>.<name> in lower case, e.g. acme.fat-volume (letters, digits, '-', parts joined by '.')`);
  }
  return { vendorId: match[1], name: id.slice(match[1].length + 1) };
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** Relative path -> content of every file of the new plugin. Pure: the command writes them. */
export function scaffoldPlugin(id: string, options: ScaffoldOptions = {}): Map<string, string> {
  const { vendorId, name } = parsePluginId(id);
  const findingCode = `${id.replace(/-/g, '_')}.adipose_volume`;
  const packageName = `@${vendorId}/polyrad-${name.replace(/\./g, '-')}`;
  const files = new Map<string, string>();

  files.set('package.json', json({
    name: packageName,
    version: '0.1.0',
    description: `Polyrad plugin ${id}`,
    type: 'module',
    private: true,
    main: './dist/index.js',
    types: './dist/index.d.ts',
    exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' }, './package.json': './package.json' },
    files: ['dist', 'manifest.json'],
    scripts: { build: 'tsc -p tsconfig.json', test: 'tsc -p tsconfig.json && node --test "dist/**/*.spec.js"' },
    dependencies: { '@polyrad/sdk': `^${SDK_VERSION}` },
    devDependencies: { '@types/node': NODE_TYPES_VERSION, typescript: TYPESCRIPT_VERSION },
  }));

  files.set('tsconfig.json', json({
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      declaration: true,
      sourceMap: true,
      skipLibCheck: true,
      rootDir: 'src',
      outDir: 'dist',
      types: ['node'],
    },
    include: ['src/**/*.ts'],
  }));

  files.set('manifest.json', json({
    id,
    name: `${name} (adipose tissue volume)`,
    version: '0.1.0',
    description: 'Adipose tissue volume in the scanned region, from the -190 to -30 HU attenuation window. Replace with your algorithm.',
    intendedUse: 'Decision support for radiologists; not for diagnosis without review.',
    vendor: { id: vendorId, name: options.vendorName ?? vendorId },
    engines: { sdk: `^${SDK_VERSION}`, polyrad: `^${PLATFORM_VERSION}` },
    entry: 'dist/index.js',
    series: {
      criteria: [
        { field: 'Modality', op: 'equals', value: 'CT', required: true, description: 'attenuation in HU' },
      ],
    },
    consumes: [],
    produces: [],
    findings: [
      { code: findingCode, label: 'Adipose tissue volume', unit: 'mL', description: 'voxels between -190 and -30 HU in the scanned region' },
    ],
    limits: { timeoutMs: 60000, memoryMb: 512 },
  }));

  files.set('src/index.ts', `import { defineAlgorithm, readPackageManifest, type AlgorithmInputs, type AlgorithmOutputs } from '@polyrad/sdk';
import { adiposeFindings, measureAdiposeVolume } from './adipose-volume.measurer.js';

export * from './adipose-volume.measurer.js';

// The manifest is data the platform reads without running this code; the code reads it too, so the two never disagree.
const manifest = readPackageManifest(import.meta.url);

/** Plugin entry: the CT volume in, findings out. */
export function run(inputs: AlgorithmInputs): AlgorithmOutputs {
  return { findings: adiposeFindings(manifest.findings[0].code, measureAdiposeVolume(inputs.series.volume)) };
}

export default defineAlgorithm(manifest, { run });
`);

  files.set('src/adipose-volume.measurer.ts', `import { voxelVolumeMm3, type AlgorithmFinding, type ReferenceRange, type Volume } from '@polyrad/sdk';

/**
 * Adipose tissue on CT lies between -190 and -30 HU (Kvist H et al., "Total and visceral adipose-tissue
 * volumes derived from measurements with computed tomography in adult men and women", Am J Clin Nutr
 * 1988;48:1351-1361). The volume is counted over the scanned region only.
 */
export const ADIPOSE_HU_WINDOW: [number, number] = [-190, -30];

export const ADIPOSE_VOLUME_REFERENCE: ReferenceRange = {
  text: 'no fixed normal range: depends on the body region scanned and the patient',
  source: 'Kvist H et al., Am J Clin Nutr 1988;48:1351-1361',
};

export interface AdiposeMeasurement {
  volumeMl: number;
  voxelCount: number;
}

export function measureAdiposeVolume(volume: Volume): AdiposeMeasurement {
  const [low, high] = ADIPOSE_HU_WINDOW;
  let count = 0;
  // One pass over the voxels: the hot loop of this plugin.
  for (const hu of volume.voxels) if (hu >= low && hu <= high) count++;
  return { voxelCount: count, volumeMl: (count * voxelVolumeMm3(volume.geometry)) / 1000 };
}

export function adiposeFindings(code: string, m: AdiposeMeasurement): AlgorithmFinding[] {
  return [{ code, value: Math.round(m.volumeMl * 10) / 10, unit: 'mL', reference: ADIPOSE_VOLUME_REFERENCE }];
}
`);

  files.set('src/adipose-volume.spec.ts', `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import type { Volume } from '@polyrad/sdk';
import { runPluginForTest } from '@polyrad/sdk/testing';

// The package folder, loaded by the harness the way the platform loads a published package.
const pluginDir = fileURLToPath(new URL('..', import.meta.url));

/** Air with a water box and a fat block of known size: 40 x 40 x 20 voxels of 1 x 1 x 2 mm. */
function boxes(fatHu: number): Volume {
  const [nx, ny, nz] = [40, 40, 20];
  const voxels = new Int16Array(nx * ny * nz).fill(-1000);
  for (let k = 0; k < nz; k++)
    for (let j = 5; j < 35; j++)
      for (let i = 5; i < 35; i++) voxels[i + j * nx + k * nx * ny] = i < 15 && j < 15 ? fatHu : 0;
  return {
    unit: 'HU',
    voxels,
    geometry: { dimensions: [nx, ny, nz], spacing: [1, 1, 2], origin: [0, 0, 0], direction: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] },
  };
}

test('a fat block of known size: its volume, with its reference', async () => {
  const result = await runPluginForTest(pluginDir, { volume: boxes(-100) });
  assert.equal(result.status, 'succeeded', result.reason);
  assert.deepEqual(result.problems, []);
  // 10 x 10 voxels x 20 slices x 2 mm3 = 4000 mm3 = 4 mL
  assert.equal(result.findings[0].value, 4);
  assert.ok(result.findings[0].reference?.source);
});

test('tissue outside the fat window is not counted', async () => {
  const result = await runPluginForTest(pluginDir, { volume: boxes(20) });
  assert.equal(result.findings[0].value, 0);
});

test('the platform would not run it on a non-CT series', async () => {
  const result = await runPluginForTest(pluginDir, { volume: boxes(-100), modality: 'MR' });
  assert.equal(result.status, 'skipped');
  assert.match(result.reason ?? '', /Modality equals "CT"/);
});
`);

  files.set('.gitignore', 'node_modules/\ndist/\n*.polyrad.tgz\n*.polyrad.tgz.sig\n*.pem\n');

  files.set('README.md', `# ${id}

A Polyrad plugin, made by \`polyrad plugin init ${id}\`. Decision support only: every finding it
reports stays unverified until a radiologist signs the report.

## The loop

\`\`\`sh
npm install                     # @polyrad/sdk and TypeScript
npm test                        # build, then the specs in src/*.spec.ts (run as the platform would run the plugin)
polyrad plugin validate .       # manifest, engines, entry, models
polyrad analyze <dicom-folder> --plugin . --out out   # the whole pipeline on real DICOM, this plugin beside the bundled ones
polyrad explain <dicom-folder> --plugin .             # why it runs (or not) on each series
\`\`\`

## Publishing

\`\`\`sh
polyrad plugin keygen --vendor ${vendorId} --out keys        # once; give keys/${vendorId}.pub.pem to the platform's admin
polyrad plugin pack . --key keys/${vendorId}.key.pem --out packages
POLYRAD_USERNAME=... POLYRAD_PASSWORD=... polyrad plugin publish packages/${id}-0.1.0.polyrad.tgz --url https://polyrad.example
\`\`\`

A published version runs at a site only once the site's admin enables it there.
Keep \`version\` in \`package.json\` and \`manifest.json\` equal: \`validate\` and \`pack\` refuse a mismatch.
`);
  return files;
}
