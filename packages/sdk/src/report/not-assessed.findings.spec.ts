import { test } from 'node:test';
import assert from 'node:assert/strict';
import { notAssessedFindings, unavailableInputReason } from './not-assessed.findings.js';

test('a chain of skips keeps the first reason: each step names its producer and how it ended', () => {
  const lungs = unavailableInputReason('polyrad.mask.lungs', 'polyrad.lung-segmentation', { status: 'failed', reason: 'timed out after 120000 ms', produced: [] });
  assert.equal(lungs, 'needs polyrad.mask.lungs: polyrad.lung-segmentation failed: timed out after 120000 ms');
  const heart = unavailableInputReason('polyrad.mask.heart', 'polyrad.heart-segmentation', { status: 'skipped', reason: lungs, produced: [] });
  assert.equal(heart, `needs polyrad.mask.heart: polyrad.heart-segmentation was skipped: ${lungs}`);
});

test('a succeeded producer: available when made, the reason when reported missing', () => {
  const made = { status: 'succeeded' as const, produced: ['polyrad.mask.heart'], missing: [] };
  assert.equal(unavailableInputReason('polyrad.mask.heart', 'polyrad.heart-segmentation', made), undefined);
  const missing = { status: 'succeeded' as const, produced: [], missing: [{ type: 'polyrad.mask.heart', reason: 'heart of 58 mL, below the plausible 300 mL' }] };
  assert.equal(unavailableInputReason('polyrad.mask.heart', 'polyrad.heart-segmentation', missing), 'needs polyrad.mask.heart: polyrad.heart-segmentation could not make it: heart of 58 mL, below the plausible 300 mL');
});

test('one not-assessed finding per declared code, with its declared unit', () => {
  const findings = notAssessedFindings({ findings: [{ code: 'heart.cac.agatston', unit: '' }, { code: 'heart.cac.category', unit: '' }] }, 'no heart mask');
  assert.deepEqual(findings, [
    { code: 'heart.cac.agatston', assessment: 'not-assessed', value: null, unit: '', reason: 'no heart mask' },
    { code: 'heart.cac.category', assessment: 'not-assessed', value: null, unit: '', reason: 'no heart mask' },
  ]);
});
