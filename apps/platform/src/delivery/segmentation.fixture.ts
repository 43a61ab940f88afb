import type { LabelMask, Report, VolumeGeometry } from '@polyrad/sdk';
import { chestCtReport, FIXTURE_SERIES_UID } from './delivery.fixture.js';
import type { SegmentationMask } from './seg-report.writer.js';
import { sourceStudyFromReport, type SourceStudy } from './source-study.js';

const geometry: VolumeGeometry = { dimensions: [10, 6, 4], spacing: [0.8, 0.8, 5], origin: [-4, -2.4, -160], direction: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] };

/** Four 10 x 6 slices 5 mm apart, as the CT series of the fixture report. */
export function segmentedSource(): SourceStudy {
  const study = sourceStudyFromReport(chestCtReport());
  study.series[0].FrameOfReferenceUID = '1.2.826.0.1.3680043.10.1234.1.3';
  study.series[0].instances = [0, 1, 2, 3].map((k) => ({
    SOPClassUID: '1.2.840.10008.5.1.4.1.1.2',
    SOPInstanceUID: `${FIXTURE_SERIES_UID}.${k + 1}`,
    ImagePositionPatient: [-4, -2.4, -160 + 5 * k],
    ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
  }));
  return study;
}

/** Right lung (1) on slices 0-1, left lung (2) on slice 1; heart on slices 2-3 in a second mask. */
export function chestMasks(): SegmentationMask[] {
  const lungs = new Uint8Array(240);
  for (let p = 0; p < 60; p++) lungs[p] = p % 10 < 5 ? 1 : 0;
  for (let p = 60; p < 120; p++) lungs[p] = p % 10 < 5 ? 1 : 2;
  const heart = new Uint8Array(240);
  for (let p = 120; p < 240; p++) heart[p] = p % 10 === 4 ? 1 : 0;
  const mask = (labels: Uint8Array, labelNames: LabelMask['labelNames']): LabelMask => ({ geometry, labels, labelNames });
  return [
    { type: 'polyrad.mask.lungs', algorithmId: 'polyrad.lung-segmentation', algorithmVersion: '1.0.0', seriesInstanceUid: FIXTURE_SERIES_UID, mask: mask(lungs, { 1: 'lung.right', 2: 'lung.left' }) },
    { type: 'polyrad.mask.heart', algorithmId: 'polyrad.heart', algorithmVersion: '1.0.0', seriesInstanceUid: FIXTURE_SERIES_UID, mask: mask(heart, { 1: 'heart' }) },
  ];
}

/** The 17 mm right nodule's label, as the lung-nodules plugin names it. */
export const NODULE_LABEL = 'nodule 1 (right, 17 mm)';
/** The fractured body's label, as the spine plugin names it (the fourth body from the top). */
export const FRACTURED_BODY_LABEL = 'vertebral body 4 (z -300 mm)';

/** chestCtReport whose nodule and fracture name their segments, as the plugins write them. */
export function segmentLabelledReport(): Report {
  const report = chestCtReport();
  Object.assign(report.findings.find((f) => f.code === 'lung.nodule')!, { segmentLabel: NODULE_LABEL });
  Object.assign(report.findings.find((f) => f.code === 'spine.fracture')!, { segmentLabel: FRACTURED_BODY_LABEL });
  return report;
}

/** The finding masks: the nodule on slice 1, the ascending aorta on slices 2-3 (a tube model), a vertebral body on slice 3. */
export function findingMasks(): SegmentationMask[] {
  const nodule = new Uint8Array(240);
  for (const p of [60 + 12, 60 + 13, 60 + 22, 60 + 23]) nodule[p] = 1;
  const aorta = new Uint8Array(240);
  for (let p = 120; p < 240; p++) aorta[p] = p % 10 === 7 ? 1 : 0;
  const spine = new Uint8Array(240);
  for (const p of [180 + 48, 180 + 49]) spine[p] = 4;
  const mask = (labels: Uint8Array, labelNames: LabelMask['labelNames']): LabelMask => ({ geometry, labels, labelNames });
  return [
    { type: 'polyrad.mask.lung-nodules', algorithmId: 'polyrad.lung-nodules', algorithmVersion: '1.0.0', seriesInstanceUid: FIXTURE_SERIES_UID, mask: mask(nodule, { 1: NODULE_LABEL }) },
    {
      type: 'polyrad.mask.aorta',
      algorithmId: 'polyrad.aorta',
      algorithmVersion: '1.0.1',
      seriesInstanceUid: FIXTURE_SERIES_UID,
      mask: mask(aorta, { 1: 'aorta.ascending' }),
      description: 'tube of measured diameters along centre line, not lumen voxels',
    },
    { type: 'polyrad.mask.vertebrae', algorithmId: 'polyrad.spine', algorithmVersion: '1.2.0', seriesInstanceUid: FIXTURE_SERIES_UID, mask: mask(spine, { 4: FRACTURED_BODY_LABEL }) },
  ];
}
