import { test } from 'node:test';
import assert from 'node:assert/strict';
import { patientToVoxel, type Vec3 } from '@polyrad/sdk';
import { generateChestPhantom, PHANTOM_LABELS, type ChestPhantom, type ChestPhantomOptions } from '../index.js';
import { faceContacts } from './voxel-contact.helper.js';

const grid: Partial<ChestPhantomOptions> = { dimensions: [180, 180, 90], spacing: [1.8, 1.8, 2.5] };

/** LPS position of voxel index p */
function positionOf(phantom: ChestPhantom, p: number): Vec3 {
  const { dimensions, origin, spacing, direction } = phantom.volume.geometry;
  const [nx, ny] = dimensions;
  const k = Math.floor(p / (nx * ny));
  const j = Math.floor((p - k * nx * ny) / nx);
  const i = p - k * nx * ny - j * nx;
  return [origin[0] + i * spacing[0] * direction[0][0], origin[1] + j * spacing[1], origin[2] + k * spacing[2] * direction[2][2]];
}

/** the oesophagus centre line at height z (linear between its points) */
function oesophagusAt(phantom: ChestPhantom, z: number): Vec3 {
  const line = phantom.truth.mediastinum.oesophagus.centerLine;
  for (let s = 0; s + 1 < line.length; s++) {
    const [a, b] = [line[s], line[s + 1]];
    if ((z - a[2]) * (z - b[2]) <= 0 && a[2] !== b[2]) {
      const t = (z - a[2]) / (b[2] - a[2]);
      return [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]), z];
    }
  }
  throw new Error(`no oesophagus at z ${z}`);
}

test('the oesophagus lies between the trachea and the spine, holds air when asked, and lies on the descending aorta', () => {
  const phantom = generateChestPhantom({ seed: 6, ...grid, noiseSd: 5, mediastinum: { oesophagusAirMm: 3 } });
  const { truth, volume, labels } = phantom;
  const { geometry } = volume;
  // above the carina: behind the trachea (larger y is posterior), in front of the vertebral bodies
  const above = oesophagusAt(phantom, truth.carina[2] + 15);
  const vertebra = truth.spine.vertebrae[0].center;
  assert.ok(above[1] > truth.carina[1] && above[1] < vertebra[1], `oesophagus y ${above[1].toFixed(1)}, trachea ${truth.carina[1].toFixed(1)}, spine ${vertebra[1].toFixed(1)}`);
  // its air column: voxels of air HU labelled body (not airway) on the centre line
  const [i, j, k] = patientToVoxel(geometry, above).map(Math.round);
  const [nx, ny] = geometry.dimensions;
  const p = i + j * nx + k * nx * ny;
  assert.equal(labels.labels[p], PHANTOM_LABELS.body);
  assert.ok(volume.voxels[p] < -900, `centre ${volume.voxels[p]} HU`);
  assert.ok(truth.mediastinum.oesophagus.airVoxelCount > 0);
  // below the carina: some aorta voxel within the oesophageal radius + 1.5 voxels of its centre line, on many slices
  const reach = truth.mediastinum.oesophagus.radiusMm + 1.5 * geometry.spacing[0];
  let slices = 0;
  let touching = 0;
  for (let z = truth.carina[2] - 20; z > truth.carina[2] - 60; z -= geometry.spacing[2]) {
    const c = oesophagusAt(phantom, z);
    const kk = Math.round(patientToVoxel(geometry, c)[2]);
    slices++;
    let near = false;
    for (let q = kk * nx * ny; q < (kk + 1) * nx * ny && !near; q++) {
      if (labels.labels[q] !== PHANTOM_LABELS.aorta) continue;
      const x = positionOf(phantom, q);
      near = Math.hypot(x[0] - c[0], x[1] - c[1]) < reach;
    }
    if (near) touching++;
  }
  assert.equal(touching, slices, `oesophagus on the aorta on ${touching} of ${slices} slices`);
});

test('pulmonary trunk and SVC lie against the ascending aorta without a fat plane (contrast separates them)', () => {
  const phantom = generateChestPhantom({ seed: 6, ...grid, noiseSd: 2, contrast: true, blood: { arterialHu: 320, venousHu: 220 }, aorta: { aneurysm: false } });
  const { labels } = phantom.labels;
  const hu = phantom.volume.voxels;
  const venous = (p: number): boolean => labels[p] === PHANTOM_LABELS.body && Math.abs(hu[p] - 220) < 12;
  const aorta = (p: number): boolean => labels[p] === PHANTOM_LABELS.aorta && Math.abs(hu[p] - 320) < 12;
  const contacts = faceContacts(phantom.volume, aorta, venous);
  assert.ok(contacts > 100, `${contacts} aorta-vein/pulmonary artery voxel faces`);
  assert.ok(phantom.truth.mediastinum.pulmonaryTrunkDiameterMm >= 22 && phantom.truth.mediastinum.svcDiameterMm > 0);
});

test('the liver dome reaches the heart level; mediastinal fat is patchy around -100 HU, not one value', () => {
  const phantom = generateChestPhantom({ seed: 8, ...grid, noiseSd: 0 });
  const { mediastinum } = phantom.truth;
  const { labels } = phantom.labels;
  let lowestHeart = Infinity;
  labels.forEach((l, p) => {
    if (l === PHANTOM_LABELS.heart) lowestHeart = Math.min(lowestHeart, positionOf(phantom, p)[2]);
  });
  assert.ok(mediastinum.liverTopZ !== null && mediastinum.liverTopZ > lowestHeart + 10, `liver top ${mediastinum.liverTopZ}, heart bottom ${lowestHeart}`);
  // noise-free image: the liver's class HU appears in the body label
  let liverVoxels = 0;
  labels.forEach((l, p) => {
    if (l === PHANTOM_LABELS.body && phantom.volume.voxels[p] === mediastinum.liverHu) liverVoxels++;
  });
  assert.ok(liverVoxels > 1000, `${liverVoxels} liver voxels`);
  assert.ok(mediastinum.fatMeanHu > -120 && mediastinum.fatMeanHu < -80, `fat mean ${mediastinum.fatMeanHu}`);
  assert.ok(mediastinum.fatSdHu > 10, `fat SD ${mediastinum.fatSdHu}`);
  // the fat classes are distinct values in the noise-free image
  const fatValues = new Set<number>();
  labels.forEach((l, p) => {
    const v = phantom.volume.voxels[p];
    if (l === PHANTOM_LABELS.body && v < -50 && v > -200) fatValues.add(v);
  });
  assert.ok(fatValues.size >= 6, `${fatValues.size} fat values`);
});
