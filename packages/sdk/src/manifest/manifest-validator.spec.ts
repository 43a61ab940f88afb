import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateManifest } from './manifest-validator.js';
import { PolyradError } from '../errors.js';

const valid = {
  id: 'acme.nodule-finder',
  name: 'Nodule finder',
  version: '1.2.0',
  description: 'Finds nodules',
  vendor: { id: 'acme', name: 'ACME' },
  engines: { sdk: '^0.1.0' },
  entry: 'dist/index.js',
  series: { criteria: [{ field: 'Modality', op: 'equals', value: 'CT' }] },
  consumes: [{ type: 'polyrad.mask.lungs', range: '^1' }],
  produces: [{ type: 'acme.nodules', version: '1.0.0', kind: 'json', schema: { type: 'object' } }],
  findings: [{ code: 'lung.nodule', unit: 'mm' }],
  limits: { timeoutMs: 60000, memoryMb: 1024 },
};

function problemsOf(data: unknown): string {
  try {
    validateManifest(data, 'acme/manifest.json');
  } catch (error) {
    assert.ok(error instanceof PolyradError);
    assert.equal(error.code, 'MANIFEST_INVALID');
    return error.toLine();
  }
  return '';
}

test('a complete manifest validates', () => {
  assert.equal(validateManifest(valid, 'm.json').id, 'acme.nodule-finder');
});

test('errors name the file and the field', () => {
  assert.match(problemsOf({ ...valid, version: '1.2' }), /^acme\/manifest\.json: .*\/version must match pattern/);
  assert.match(problemsOf({ ...valid, limits: { timeoutMs: 5 } }), /\/limits must have required property 'memoryMb'/);
});

test('engines that exclude the running SDK, bad ranges and bad regexes are refused', () => {
  assert.match(problemsOf({ ...valid, engines: { sdk: '^2.0.0' } }), /engines\/sdk "\^2\.0\.0" does not accept the running sdk 0\.1\.0/);
  assert.match(problemsOf({ ...valid, consumes: [{ type: 'polyrad.mask.lungs', range: 'banana' }] }), /consumes\/0\/range "banana" is not a semver range/);
  assert.match(
    problemsOf({ ...valid, series: { criteria: [{ field: 'SeriesDescription', op: 'regex', value: '(' }] } }),
    /series\/criteria\/0\/value is not a valid regex/,
  );
});

test('a criterion on a field the fingerprint does not have is refused, with the fields it has', () => {
  const line = problemsOf({ ...valid, series: { criteria: [{ field: 'bodyRegion', op: 'contains', value: 'thorax' }] } });
  assert.match(line, /series\/criteria\/0\/field "bodyRegion" is not a series fingerprint field; known fields: .*\bbodyRegions\b/);
  assert.match(line, /\bModality\b.*\bsliceCount\b.*\bcontrast\b/);
});

test('a criterion on every instance must name a DICOM keyword', () => {
  const instances = (field: string) => ({ ...valid, series: { criteria: [{ field, op: 'contains', value: 'ORIGINAL', instances: 'all' }] } });
  assert.equal(problemsOf(instances('ImageType')), '');
  assert.match(problemsOf(instances('sliceCount')), /field "sliceCount" is not a DICOM keyword/);
});
