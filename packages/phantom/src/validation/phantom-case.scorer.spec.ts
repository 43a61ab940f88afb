import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Vec3 } from '@polyrad/sdk';
import type { ChestPhantomTruth } from '../chest-phantom.generator.js';
import type { ReportFinding, ValidationReport } from './validation.types.js';
import { phantomLungRads, phantomTrabecularHu, scoreCalcium, scoreFractures, scorePhantomCase } from './phantom-case.scorer.js';
import { scoreNodules } from './nodule.scorer.js';
import { contradictsLungRads, examinationLungRadsLowerBound, lungRadsLowerBound } from './lung-rads.reference.js';

/** a vertebral column of 5 bodies 30 mm apart; `grades` by index */
function spine(grades: number[], hu = [150, 150, 150, 150, 150]) {
  return {
    radiusMm: 18,
    vertebrae: grades.map((g, index) => ({
      index,
      center: [0, 60, 100 - 30 * index] as Vec3,
      complete: index > 0 && index < grades.length - 1,
      trabecularHu: hu[index],
      trabecularVoxelCount: 1000,
      heightsMm: { anterior: 25, middle: 25, posterior: 25 },
      heightLossPercent: g ? 30 : 0,
      genantGrade: g as 0 | 1 | 2 | 3,
    })),
  };
}

/** the parts of a phantom truth that validation reads */
function truth(overrides: Record<string, unknown> = {}): ChestPhantomTruth {
  return {
    lungVolumeMl: { left: 2500, right: 2800, total: 5300 },
    laa950Percent: { left: 1, right: 1, total: 1 },
    heart: { volumeMl: 685, agatston: 319, cacDrs: '3', lesions: [], contrast: false },
    aorta: { ascendingDiameterMm: 31, descendingDiameterMm: 24, centerLine: [] },
    spine: spine([0, 0, 2, 0, 0]),
    nodules: [],
    ...overrides,
  } as unknown as ChestPhantomTruth;
}

const measured = (code: string, value: number | string, extra: Partial<ReportFinding> = {}): ReportFinding => ({ code, assessment: 'measured', value, ...extra });
const declined = (code: string, reason: string): ReportFinding => ({ code, assessment: 'not-assessed', value: null, reason });

test('CAC: "A0" and Agatston 0 on a heart with a true score of 319 are wrong negatives', () => {
  const [score, category] = scoreCalcium('c', [measured('heart.cac.agatston', 0), measured('heart.cac.category', '0')], truth());
  assert.equal(score.wrongNegative, true);
  assert.equal(score.within, false);
  assert.equal(category.wrongNegative, true);
});

test('CAC: a score within ±15 % still fails when its CAC-DRS class is wrong', () => {
  const t = truth({ heart: { volumeMl: 685, agatston: 290, cacDrs: '2', lesions: [], contrast: false } });
  const [score, category] = scoreCalcium('c', [measured('heart.cac.agatston', 310), measured('heart.cac.category', '3')], t);
  assert.equal(score.within, false);
  assert.equal(category.within, false);
  assert.equal(score.wrongNegative, undefined, 'over-calling is not a negative statement');
  const [ok] = scoreCalcium('c', [measured('heart.cac.agatston', 280), measured('heart.cac.category', '2')], t);
  assert.equal(ok.within, true);
});

test('a "normal" category is wrong when the truth lies outside the reference the finding shows; "not assessed" and absent are told apart', () => {
  const report = (findings: ReportFinding[]): ValidationReport => ({ algorithms: [], findings });
  const big = truth({ heart: { volumeMl: 1000, agatston: 0, cacDrs: '0', lesions: [], contrast: false } });
  const small = scorePhantomCase('c', report([measured('heart.volume', 580, { category: 'normal', reference: { max: 830 } })]), big);
  const heart = small.outcomes.find((o) => o.code === 'heart.volume')!;
  assert.equal(heart.within, false);
  assert.equal(heart.wrongNegative, true);
  const enlarged = scorePhantomCase('c', report([measured('heart.volume', 1226, { category: 'enlarged', reference: { max: 830 } })]), truth());
  assert.equal(enlarged.outcomes.find((o) => o.code === 'heart.volume')!.wrongNegative, undefined);
  const none = scorePhantomCase('c', report([declined('heart.volume', 'heart volume 58 mL: below the 300 mL plausibility gate')]), truth());
  const outcome = none.outcomes.find((o) => o.code === 'heart.volume')!;
  assert.equal(outcome.status, 'not-assessed');
  assert.match(outcome.note!, /58 mL/);
  assert.equal(none.outcomes.find((o) => o.code === 'aorta.ascending.diameter')!.status, 'missing');
});

test('a borderline category is no normal statement: 163 HU "borderline osteopenia/normal" on 159 HU bone is scored on its number only', () => {
  const report = (findings: ReportFinding[]): ValidationReport => ({ algorithms: [], findings });
  const bone = truth({ spine: spine([0, 0, 0, 0, 0], [159.3, 159.3, 159.3, 159.3, 159.3]) });
  const reference = { min: 160 };
  const indeterminate = { between: ['osteopenia', 'normal'], cutoff: 160, margin: 20, reason: 'borderline: 163.2 HU lies within the measurement error (±20 HU) of the 160 HU cut-off' };
  const borderline = scorePhantomCase('c', report([measured('spine.trabecular_attenuation', 163.2, { category: 'borderline osteopenia/normal', indeterminate, reference })]), bone);
  const outcome = borderline.outcomes.find((o) => o.code === 'spine.trabecular_attenuation')!;
  assert.deepEqual([outcome.status, outcome.within, outcome.wrongNegative, outcome.borderline], ['measured', true, undefined, true]);
  // the same number stated "normal" (seed 9141 before the band) is a wrong normal statement
  const normal = scorePhantomCase('c', report([measured('spine.trabecular_attenuation', 163.2, { category: 'normal', reference })]), bone);
  assert.equal(normal.outcomes.find((o) => o.code === 'spine.trabecular_attenuation')!.wrongNegative, true);
  // and 230 HU "borderline" far from the truth is still out of tolerance
  const far = scorePhantomCase('c', report([measured('spine.trabecular_attenuation', 230, { category: 'borderline osteopenia/normal', indeterminate, reference })]), bone);
  assert.equal(far.outcomes.find((o) => o.code === 'spine.trabecular_attenuation')!.within, false);
});

test('CAC: a borderline score is scored on its number; its class, not stated, is not assessed', () => {
  const t = truth({ heart: { volumeMl: 685, agatston: 263.3, cacDrs: '2', lesions: [], contrast: false } });
  const indeterminate = { between: ['A2', 'A3'], cutoff: 300, margin: 45, reason: 'borderline: 266.7 lies within the measurement error (±45) of the 300 cut-off' };
  const [score, category] = scoreCalcium('c', [measured('heart.cac.agatston', 266.7, { category: 'borderline CAC-DRS A2/A3', indeterminate }), declined('heart.cac.category', 'CAC-DRS class not stated: Agatston 266.7 lies within ...')], t);
  assert.deepEqual([score.status, score.within, score.wrongNegative], ['measured', true, undefined]);
  assert.deepEqual([category.status, category.wrongNegative], ['not-assessed', undefined]);
});

test('spine truth: mean over complete, unfractured vertebrae, as the plugin measures', () => {
  assert.equal(phantomTrabecularHu(truth({ spine: spine([0, 0, 3, 0, 0], [400, 100, 300, 140, 400]) })), 120);
});

test('fractures per vertebra: right grade, wrong grade, false positive, implied "no fracture", declined', () => {
  const t = truth();
  const density = measured('spine.trabecular_attenuation', 150);
  const at = (index: number): Vec3 => [1, 61, 100 - 30 * index + 2];
  assert.deepEqual(scoreFractures('c', [density, measured('spine.fracture', 2, { center: at(2) })], t).map((o) => o.within), [true]);
  assert.deepEqual(scoreFractures('c', [density, measured('spine.fracture', 3, { center: at(2) })], t).map((o) => o.within), [false]);
  const fp = scoreFractures('c', [density, measured('spine.fracture', 2, { center: at(2) }), measured('spine.fracture', 1, { center: at(1) })], t);
  assert.deepEqual(fp.map((o) => [o.truth, o.within]), [[0, false], [2, true]]);
  // a borderline grade is right when the truth is either of its two, and says why it is borderline
  const borderline = (between: string[]) => measured('spine.fracture', 2, { center: at(2), indeterminate: { between, reason: 'borderline: 38 % lies within the measurement error (±9 %) of the 40 % cut-off' } });
  assert.deepEqual(scoreFractures('c', [density, borderline(['moderate', 'severe'])], t).map((o) => [o.within, o.note]), [[true, 'borderline: 38 % lies within the measurement error (±9 %) of the 40 % cut-off']]);
  assert.deepEqual(scoreFractures('c', [density, borderline(['mild', 'moderate'])], t).map((o) => o.within), [true]);
  assert.deepEqual(scoreFractures('c', [density, { ...borderline(['severe', 'severe']), value: 3 }], t).map((o) => o.within), [false]);
  const implied = scoreFractures('c', [density], t);
  assert.equal(implied[0].wrongNegative, true, 'the spine was measured, so no fracture finding means "no fracture"');
  const notGraded = scoreFractures('c', [density, declined('spine.fracture', '3 mm slices: endplates not resolved')], t);
  assert.equal(notGraded[0].status, 'not-assessed');
  assert.equal(notGraded[0].wrongNegative, undefined);
});

const nodule = (center: Vec3, longAxisMm: number, type: 'solid' | 'part-solid' | 'non-solid' = 'solid') => ({ center, longAxisMm, shortAxisMm: longAxisMm * 0.8, type });

test('Lung-RADS lower bounds (v2022 baseline): solid by mean diameter, ground glass 2 below 30 mm', () => {
  assert.equal(lungRadsLowerBound('solid', 7, 6), '3');
  assert.equal(lungRadsLowerBound('solid', 16, 12), '4A');
  assert.equal(lungRadsLowerBound('solid', 33, 26), '4B');
  assert.equal(lungRadsLowerBound('non-solid', 25), '2');
  assert.equal(lungRadsLowerBound('non-solid', 33, 30), '3');
  assert.equal(lungRadsLowerBound('part-solid', 10), '3');
  assert.equal(examinationLungRadsLowerBound([]), '1');
  assert.equal(contradictsLungRads('1', '2'), true);
  assert.equal(contradictsLungRads('2', '2'), false);
  assert.equal(contradictsLungRads('2', '4B'), true);
  assert.equal(contradictsLungRads('4A', '4B'), false, 'under-staging a suspicious nodule is wrong, but not a negative statement');
  assert.equal(phantomLungRads(truth({ nodules: [{ ...nodule([0, 0, 0], 9), lungRads: '4A' }, { ...nodule([50, 0, 0], 4), lungRads: '2' }] })), '4A');
});

test('nodules: a missed ground-glass nodule with "Lung-RADS 1" is a miss and a wrong negative', () => {
  const refs = [nodule([60, 20, -150], 33, 'non-solid')];
  const score = scoreNodules('c', [measured('lung.lungrads', '1', { category: 'negative' })], refs, '3');
  assert.equal(score.nodules[0].status, 'missed');
  const lungRads = score.outcomes.find((o) => o.code === 'lung.lungrads')!;
  assert.equal(lungRads.wrongNegative, true);
  assert.equal(score.falsePositives, 0);
});

test('nodules: a mass reported as fragments matches once; the other fragments >= 6 mm are false positives', () => {
  const refs = [nodule([41, 200, -209], 61)];
  const fragments = [
    measured('lung.nodule', 11, { center: [45, 195, -200] }),
    measured('lung.nodule', 8, { center: [30, 210, -215] }),
    measured('lung.nodule', 7.6, { center: [-80, 0, -100] }),
    measured('lung.nodule', 4, { center: [-90, 10, -120] }),
  ];
  const score = scoreNodules('c', [...fragments, measured('lung.lungrads', '4B')], refs, '4B');
  assert.equal(score.nodules[0].status, 'found');
  assert.equal(score.nodules[0].sizeWithin, false);
  assert.equal(score.falsePositives, 2);
  assert.equal(score.outcomes.find((o) => o.code === 'lung.nodule.false-positives')!.within, true, '2 are tolerated');
});

test('nodules: matched within max(5 mm, the radius); a declined nodule search makes misses "not assessed"', () => {
  const refs = [nodule([0, 0, 0], 8)];
  const near = scoreNodules('c', [measured('lung.nodule', 8.5, { center: [3, 3, 2] }), measured('lung.lungrads', '4A')], refs, '4A');
  assert.equal(near.nodules[0].status, 'found');
  const far = scoreNodules('c', [measured('lung.nodule', 8.5, { center: [6, 0, 0] }), measured('lung.lungrads', '4A')], refs, '4A');
  assert.equal(far.nodules[0].status, 'missed');
  assert.equal(far.falsePositives, 1);
  const off = scoreNodules('c', [declined('lung.lungrads', 'lung segmentation failed its volume gate')], refs, '4A');
  assert.equal(off.nodules[0].status, 'not-assessed');
  assert.equal(off.falsePositives, null);
  assert.equal(off.outcomes.find((o) => o.code === 'lung.lungrads')!.status, 'not-assessed');
});
