import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fingerprintSeries, type FingerprintHeader } from './series-fingerprint.js';

const AXIAL = [1, 0, 0, 0, 1, 0];
const CORONAL = [1, 0, 0, 0, 0, -1];
const slice = (z: number, extra: Partial<FingerprintHeader> = {}): FingerprintHeader => ({
  Modality: 'CT',
  ImageOrientationPatient: AXIAL,
  ImagePositionPatient: [-150, -150, z],
  PixelSpacing: [0.7031249, 0.7031249],
  ...extra,
});

test('an axial stack: coverage, median slice spacing and z range from the positions, in any file order', () => {
  const fingerprint = fingerprintSeries([slice(-100), slice(-97.5), slice(-102.5), slice(-105), slice(-90)]);
  assert.equal(fingerprint.orientation, 'axial');
  assert.equal(fingerprint.coverageMm, 15);
  assert.equal(fingerprint.sliceSpacingMm, 2.5);
  assert.deepEqual(fingerprint.zRangeMm, [-105, -90]);
  assert.deepEqual(fingerprint.pixelSpacingMm, [0.703, 0.703]);
  assert.equal(fingerprint.sliceCount, 5);
});

test('a coronal stack has coverage but no z range; a tilted one is oblique', () => {
  const coronal = fingerprintSeries([0, 3, 6].map((y) => ({ ImageOrientationPatient: CORONAL, ImagePositionPatient: [0, y, 0] })));
  assert.equal(coronal.orientation, 'coronal');
  assert.equal(coronal.coverageMm, 6);
  assert.equal(coronal.zRangeMm, undefined);
  const tilt = Math.sin(Math.PI / 9);
  assert.equal(fingerprintSeries([slice(0, { ImageOrientationPatient: [1, 0, 0, 0, Math.cos(Math.PI / 9), tilt] })]).orientation, 'oblique');
});

test('a multi-frame file counts each frame; a named contrast agent is contrast in the header, blanks are not', () => {
  const fingerprint = fingerprintSeries([{ Modality: 'CT', NumberOfFrames: 120, ContrastBolusAgent: 'Iomeron 350' }, { Modality: 'CT' }]);
  assert.equal(fingerprint.instanceCount, 2);
  assert.equal(fingerprint.sliceCount, 121);
  assert.equal(fingerprint.contrastInHeader, true);
  assert.equal(fingerprintSeries([{ ContrastBolusAgent: '  ' }]).contrastInHeader, false);
});
