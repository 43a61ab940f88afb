import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Report } from '@polyrad/sdk';
import { aortaGrowth, daysBetween, volumeDoublingTime } from '../priors/growth.calculator.js';

export const FIXTURE_STUDY_UID = '1.2.826.0.1.3680043.10.1234.1';
export const FIXTURE_SERIES_UID = '1.2.826.0.1.3680043.10.1234.1.2';

function readReport(name: string): Report {
  return JSON.parse(readFileSync(fileURLToPath(new URL(`../../src/delivery/${name}`, import.meta.url)), 'utf8')) as Report;
}

/**
 * A chest CT report as the report builder writes it, with something in every section: an urgent aneurysm and
 * Lung-RADS 4B nodule, measured normals, a finding not assessed, a skipped and a failed algorithm, and a
 * third-party finding no organ claims. A fresh copy each call, so a test may change it.
 */
export function chestCtReport(): Report {
  return readReport('chest-ct-urgent.report.json');
}

/** The report the CLI wrote for the real Lung-PET-CT-Dx A0001 chest CT (most findings not assessed there, honestly). */
export function realChestCtReport(): Report {
  return readReport('lung-pet-ct-dx-a0001.report.json');
}

/**
 * chestCtReport with its vertebral attenuation measured at 163.2 HU: within the ±20 HU measurement error of
 * the 160 HU cut-off, so the spine plugin states it borderline osteopenia/normal.
 */
export function borderlineChestCtReport(): Report {
  const report = chestCtReport();
  const spine = report.findings.find((f) => f.code === 'spine.trabecular_attenuation')!;
  Object.assign(spine, {
    value: 163.2,
    category: 'borderline osteopenia/normal',
    indeterminate: { between: ['osteopenia', 'normal'], cutoff: 160, margin: 20, reason: 'borderline: 163.2 HU lies within the measurement error (±20 HU) of the 160 HU cut-off between osteopenia and normal' },
  });
  return report;
}

export const FIXTURE_PRIOR_STUDY_UID = '1.2.826.0.1.3680043.10.1234.0';

/**
 * chestCtReport compared with a prior of 2025-03-10, as the comparator fills it in: the nodule grew from
 * 12.1 mm (800 mm3) with a doubling time beyond the measurement error, and the ascending aorta from 47.1 mm
 * (rapid growth). Growth figures come from the same calculator the comparator uses.
 */
export function comparedChestCtReport(): Report {
  const report = chestCtReport();
  const studyDate = '20250310';
  const intervalDays = daysBetween(studyDate, report.study.studyDate)!;
  const prior = { studyInstanceUid: FIXTURE_PRIOR_STUDY_UID, studyDate };
  const nodule = report.findings.find((f) => f.code === 'lung.nodule')!;
  const vdt = volumeDoublingTime({ volumeMm3: 800, relativeError: 0.1 }, { volumeMm3: nodule.volumeMm3 as number, relativeError: 0.1 }, intervalDays);
  Object.assign(nodule, {
    prior: { ...prior, value: 12.1, unit: 'mm', meanDiameterMm: 11.4, volumeMm3: 800, category: '4A', center: [-60, 10, -141], algorithm: nodule.algorithm },
    intervalDays,
    change: 'growing',
    meanDiameterChangeMm: 4.3,
    volumeChangePercent: vdt.volumeChangePercent,
    volumeDoublingDays: vdt.volumeDoublingDays,
    volumeDoublingDaysRange: vdt.volumeDoublingDaysRange,
    volumeChangeBeyondError: vdt.changeBeyondError,
  });
  const aorta = report.findings.find((f) => f.code === 'aorta.ascending.diameter')!;
  const growth = aortaGrowth(47.1, aorta.value as number, intervalDays);
  Object.assign(aorta, { prior: { ...prior, value: 47.1, unit: 'mm', category: 'dilated', algorithm: aorta.algorithm }, intervalDays, ...growth });
  report.comparison = {
    status: 'assessed',
    prior: { ...prior, accessionNumber: 'ACC-2025-007', algorithms: [nodule.algorithm, aorta.algorithm] },
    current: { algorithms: [nodule.algorithm, aorta.algorithm] },
    intervalDays,
  };
  return report;
}
