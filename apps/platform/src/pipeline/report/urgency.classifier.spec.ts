import { test } from 'node:test';
import assert from 'node:assert/strict';
import { notAssessed, type AlgorithmFinding } from '@polyrad/sdk';
import { classifyUrgency } from './urgency.classifier.js';

const finding = (code: string, value: number | string, category?: string): AlgorithmFinding => ({ code, value, unit: typeof value === 'number' ? 'mm' : '', ...(category ? { category } : {}) });

test('an aortic aneurysm or a Lung-RADS 4B nodule makes the study urgent, with the reason', () => {
  const aneurysm = classifyUrgency([finding('aorta.ascending.diameter', 53.24, 'aneurysm'), finding('lung.lungrads', '2')]);
  assert.equal(aneurysm.level, 'urgent');
  assert.deepEqual(aneurysm.reasons, ['thoracic aortic aneurysm: aorta.ascending.diameter 53.2 mm']);
  const nodule = classifyUrgency([finding('lung.lungrads', '4B')]);
  assert.equal(nodule.level, 'urgent');
  assert.match(nodule.reasons[0], /Lung-RADS 4B/);
});

test('dilated aorta, Lung-RADS 4A and normal findings stay routine', () => {
  const routine = classifyUrgency([finding('aorta.ascending.diameter', 44, 'dilated'), finding('lung.lungrads', '4A'), finding('heart.cac.category', '3')]);
  assert.deepEqual(routine, { level: 'routine', reasons: [] });
});

test('a finding not assessed never makes a study urgent, even one carrying a stale category', () => {
  const stale = { ...notAssessed('aorta.ascending.diameter', 'mm', 'aortic lumen not continuous over 3 slices'), category: 'aneurysm' };
  assert.deepEqual(classifyUrgency([stale, notAssessed('lung.lungrads', '', 'lungs not segmented')]), { level: 'routine', reasons: [] });
});
