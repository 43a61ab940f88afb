import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Report, ReportFinding } from '@polyrad/sdk';
import { buildReport } from '../reports/report.builder.js';

export const FIXTURE_STUDY_UID = '1.2.826.0.1.3680043.10.1234.1';
export const FIXTURE_SERIES_UID = '1.2.826.0.1.3680043.10.1234.1.2';

const on = (id: string) => ({ algorithm: { id, version: '1.0.0' }, seriesInstanceUid: FIXTURE_SERIES_UID });
const ref = (min: number | undefined, max: number | undefined, text: string) => ({ ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}), text, source: 'test reference' });

/**
 * A chest CT report through the real report builder, with something in every section: an urgent aneurysm and
 * Lung-RADS 4B nodule, measured normals, findings not assessed, a skipped and a failed algorithm, and a
 * third-party finding no organ claims.
 */
export function chestCtReport(): Report {
  const findings: ReportFinding[] = [
    { ...on('polyrad.lung-segmentation'), code: 'lung.right.volume', value: 3155, unit: 'mL', side: 'right', reference: ref(2000, 4400, '2000-4400 mL') },
    { ...on('polyrad.lung-segmentation'), code: 'lung.left.volume', value: 2262, unit: 'mL', side: 'left', reference: ref(1800, 3800, '1800-3800 mL') },
    { ...on('polyrad.emphysema'), code: 'lung.laa950', value: 12.4, unit: '%', category: 'moderate', reference: ref(undefined, 5, '< 5 %') },
    { ...on('polyrad.emphysema'), code: 'lung.perc15', value: -938, unit: 'HU' },
    {
      ...on('polyrad.lung-nodules'), code: 'lung.nodule', value: 17.2, unit: 'mm', type: 'solid', shortAxisMm: 14.1, volumeMm3: 2140, meanHu: 31,
      side: 'right', lungrads: '4B', trackingUid: '2.25.118374638109283746501928374650', center: [-61.5, 12.25, -140], abnormal: true,
    },
    { ...on('polyrad.lung-nodules'), code: 'lung.lungrads', value: '4B', unit: '', category: 'very suspicious', abnormal: true },
    { ...on('polyrad.heart-segmentation'), code: 'heart.volume', value: 720, unit: 'mL', category: 'normal', reference: ref(500, 1000, '500-1000 mL') },
    { ...on('polyrad.coronary-calcium'), code: 'heart.cac.agatston', value: 145, unit: '' },
    { ...on('polyrad.coronary-calcium'), code: 'heart.cac.category', value: '2', unit: '', category: 'moderate' },
    { ...on('polyrad.aorta'), code: 'aorta.ascending.diameter', value: 52.3, unit: 'mm', category: 'aneurysm', reference: ref(undefined, 40, '< 40 mm'), center: [-9.7, 110, -254] },
    {
      ...on('polyrad.aorta'), code: 'aorta.descending.diameter', assessment: 'not-assessed', value: null, unit: 'mm',
      reason: 'descending aorta measured over only 10 mm of its course (at least 15 mm needed)',
    },
    { ...on('polyrad.spine'), code: 'spine.trabecular_attenuation', value: 96.5, unit: 'HU', category: 'osteopenia', reference: ref(160, undefined, '> 160 HU') },
    { ...on('polyrad.spine'), code: 'spine.fracture', value: 2, unit: '', heightLossPercent: 31, level: 'T12', abnormal: true, center: [-2, 190, -300] },
    { ...on('acme.liver'), code: 'acme.liver.fat_fraction', value: 8.1, unit: '%' },
  ];
  const report = buildReport({
    version: '0.1.0',
    study: { studyInstanceUid: FIXTURE_STUDY_UID, patientId: 'PAT-042', studyDate: '20260315', accessionNumber: 'ACC-2026-042' },
    series: [{ seriesInstanceUid: FIXTURE_SERIES_UID, modality: 'CT', fingerprint: {} }],
    algorithms: [
      { id: 'polyrad.cardiothoracic-ratio', version: '1.0.0', status: 'skipped', reason: 'required criteria failed: Modality in ["DX","CR"] (found "CT")' },
      ...['polyrad.lung-segmentation', 'polyrad.emphysema', 'polyrad.lung-nodules', 'polyrad.heart-segmentation', 'polyrad.coronary-calcium', 'polyrad.aorta', 'polyrad.spine', 'acme.liver'].map(
        (id) => ({ id, version: '1.0.0', status: 'succeeded' as const, seriesInstanceUid: FIXTURE_SERIES_UID, durationMs: 1000 }),
      ),
      { id: 'acme.bone-age', version: '2.1.0', status: 'failed', reason: 'worker exited with code 137 (out of memory)' },
    ],
    findings,
    warnings: [],
  });
  return { ...report, generatedAt: '2026-03-15T10:20:30.000Z' };
}

/** The report the CLI wrote for the real Lung-PET-CT-Dx A0001 chest CT (most findings not assessed there, honestly). */
export function realChestCtReport(): Report {
  return JSON.parse(readFileSync(fileURLToPath(new URL('../../src/delivery/lung-pet-ct-dx-a0001.report.json', import.meta.url)), 'utf8')) as Report;
}
