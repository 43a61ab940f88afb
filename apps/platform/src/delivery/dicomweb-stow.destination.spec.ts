import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reportDocument } from '../pipeline/report/report-document.js';
import { chestCtReport } from './delivery.fixture.js';
import { deliveryIdentifiers } from './delivery-identifiers.js';
import { DeliveryError } from './delivery.errors.js';
import { stowInstances } from './dicomweb-stow.destination.js';
import { orthancForSpec } from './orthanc-peer.fixture.js';
import { sendToDestination } from './report-deliverer.js';
import { renderReport } from './report-renderer.js';
import { writeReportSegs } from './seg-report.writer.js';
import { chestMasks, segmentedSource } from './segmentation.fixture.js';
import { sourceStudyFromReport } from './source-study.js';
import { writeReportSr } from './sr-report.writer.js';
import { skipWithout } from './validator-tools.fixture.js';

const skip = skipWithout('Orthanc');
const peer = orthancForSpec(skip);

test('the SR reaches a real Orthanc by STOW-RS, is found again by QIDO-RS, and re-sending stores no duplicate', { skip }, async () => {
  const orthanc = peer();
  const report = chestCtReport();
  const sr = writeReportSr(reportDocument(report), sourceStudyFromReport(report));
  await stowInstances({ url: orthanc.dicomWebUrl }, [sr]);
  await stowInstances({ url: orthanc.dicomWebUrl }, [sr]);
  assert.equal((await orthanc.get<string[]>('/instances')).length, 1);
  const found = await orthanc.get<Array<Record<string, { Value: string[] }>>>(`/dicom-web/studies/${report.study.studyInstanceUid}/instances`);
  assert.deepEqual(found.map((i) => i['00080018'].Value[0]), [deliveryIdentifiers(report).srSopInstanceUid]);
  assert.equal(found[0]['00080060'].Value[0], 'SR');
});

test('a DICOMweb destination gets the SEG beside the SR in one STOW-RS, the SR referencing it', { skip }, async () => {
  const orthanc = peer();
  const report = { ...chestCtReport(), generatedAt: '2026-03-17T08:00:00.000Z' };
  const segs = writeReportSegs(reportDocument(report), segmentedSource(), chestMasks());
  const rendered = await renderReport(report, segmentedSource(), [], segs);
  await sendToDestination({ id: 'pacs', kind: 'dicomweb', url: orthanc.dicomWebUrl }, rendered);
  const found = await orthanc.get<Array<Record<string, { Value: string[] }>>>(`/dicom-web/studies/${report.study.studyInstanceUid}/instances`);
  const byModality = Object.fromEntries(found.map((i) => [i['00080060'].Value[0], i['00080018'].Value[0]]));
  assert.deepEqual(byModality, { SR: deliveryIdentifiers(report).srSopInstanceUid, SEG: segs[0]!.sopInstanceUid });
});

test('a body that is not DICOM is refused; a server that is not there is unreachable', { skip }, async () => {
  const orthanc = peer();
  await assert.rejects(stowInstances({ url: orthanc.dicomWebUrl }, [Buffer.from('not dicom')]), (e: unknown) => e instanceof DeliveryError && e.code === 'DELIVERY_REJECTED');
  await assert.rejects(stowInstances({ url: 'http://127.0.0.1:1/dicom-web', timeoutMs: 2000 }, [Buffer.from('x')]), (e: unknown) => e instanceof DeliveryError && e.code === 'DELIVERY_UNREACHABLE');
});
