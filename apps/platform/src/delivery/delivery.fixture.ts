import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Report } from '@polyrad/sdk';

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
