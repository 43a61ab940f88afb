import { DECISION_SUPPORT_NOTICE, type Report } from '@polyrad/sdk';

/** A schema-valid report for tests; key order matches what the CLI writes. */
export function sampleReport(studyInstanceUid: string, impression = 'No acute findings.'): Report {
  const seriesInstanceUid = `${studyInstanceUid}.1`;
  return {
    study: { studyInstanceUid, patientId: 'PAT-001', studyDate: '20240131', accessionNumber: 'ACC-42' },
    series: [{ seriesInstanceUid, modality: 'CT', fingerprint: { bodyPart: 'CHEST', sliceThicknessMm: 1.25, kernel: 'B45f' } }],
    algorithms: [{ id: 'polyrad.emphysema', version: '1.0.0', status: 'succeeded', durationMs: 812 }],
    findings: [
      {
        code: 'lung.laa950',
        assessment: 'measured',
        value: 7.25,
        unit: '%',
        category: 'mild',
        algorithm: { id: 'polyrad.emphysema', version: '1.0.0' },
        seriesInstanceUid,
        center: [-12.5, 30, -140.75],
      },
    ],
    impression,
    warnings: [],
    status: 'draft',
    disclaimer: DECISION_SUPPORT_NOTICE,
    generatedAt: '2024-01-31T12:00:00.000Z',
    generator: { name: 'polyrad', version: '0.1.0' },
  };
}

/** A fresh, valid, unique StudyInstanceUID. */
export function uniqueUid(): string {
  return `1.2.826.0.1.3680043.10.1.${Date.now()}.${Math.floor(Math.random() * 1e6)}`;
}
