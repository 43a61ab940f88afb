import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { partialStudyWarnings, type ReceivedInstance } from './partial-study.detector.js';

const AXIAL: [number, number, number, number, number, number] = [1, 0, 0, 0, 1, 0];
const slices = (numbers: number[], step = 2.5): ReceivedInstance[] =>
  numbers.map((n) => ({ SeriesInstanceUID: '1.2.3', SeriesNumber: 4, InstanceNumber: n, ImageOrientationPatient: AXIAL, ImagePositionPatient: [0, 0, n * step] }));

describe('partialStudyWarnings', () => {
  it('says nothing of a whole series', () => {
    assert.deepEqual(partialStudyWarnings(slices([1, 2, 3, 4, 5, 6]), []), []);
  });

  it('names the instance numbers and the slice gap a partly received series lacks', () => {
    const warnings = partialStudyWarnings(slices([1, 2, 3, 7, 8, 9, 10]), []);
    assert.equal(warnings.length, 2, warnings.join('\n'));
    assert.match(warnings[0]!, /series 4 \(1\.2\.3\): 3 of instances 1-10 not received \(4-6\); the study was only partly received/);
    assert.match(warnings[1]!, /gap of 10\.0 mm between slices at 7\.5 and 17\.5 mm \(about 3 slices missing\)/);
  });

  it('finds a gap in positions when instance numbers do not show it', () => {
    const renumbered = slices([1, 2, 3, 7, 8]).map((s, i) => ({ ...s, InstanceNumber: i + 1 }));
    const warnings = partialStudyWarnings(renumbered, []);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /about 3 slices missing/);
  });

  it('names instances whose file is missing from the store', () => {
    const warnings = partialStudyWarnings(slices([1, 2, 3]), [{ SOPInstanceUID: '1.9', SeriesInstanceUID: '1.2.3' }]);
    assert.deepEqual(warnings, ['series 4 (1.2.3): 1 received instance is missing from the store; analysed without it']);
  });
});
