import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportDocument } from '../pipeline/report/report-document.js';
import { chestCtReport } from './delivery.fixture.js';
import { deliveryIdentifiers } from './delivery-identifiers.js';
import { DeliveryError } from './delivery.errors.js';
import { storeInstance } from './dicom-store.destination.js';
import { orthancForSpec } from './orthanc-peer.fixture.js';
import { sourceStudyFromReport } from './source-study.js';
import { writeReportSr } from './sr-report.writer.js';
import { runTool, skipWithout } from './validator-tools.fixture.js';

const skip = skipWithout('Orthanc', 'dsrdump');
const peer = orthancForSpec(skip);

test('the SR reaches a real Orthanc by C-STORE, reads back intact, and re-sending it stores no duplicate', { skip }, async () => {
  const orthanc = peer();
  const report = chestCtReport();
  const sr = writeReportSr(reportDocument(report), sourceStudyFromReport(report));
  const destination = { host: '127.0.0.1', port: orthanc.dicomPort, calledAeTitle: orthanc.aeTitle };
  await storeInstance(destination, sr);
  await storeInstance(destination, sr);
  const instances = await orthanc.get<string[]>('/instances');
  assert.equal(instances.length, 1, 're-sending created a duplicate');
  const tags = await orthanc.get<Record<string, string>>(`/instances/${instances[0]}/simplified-tags`);
  assert.equal(tags.SOPInstanceUID, deliveryIdentifiers(report).srSopInstanceUid);
  assert.equal(tags.StudyInstanceUID, report.study.studyInstanceUid);
  assert.equal(tags.VerificationFlag, 'UNVERIFIED');
  // what Orthanc keeps is the tree we sent: DCMTK reads the same measurement groups and values from it
  const dir = await mkdtemp(join(tmpdir(), 'polyrad-orthanc-readback-'));
  try {
    await writeFile(join(dir, 'sr.dcm'), await orthanc.getBytes(`/instances/${instances[0]}/file`));
    const { output } = runTool('dsrdump', ['-Ee', '+Pc', join(dir, 'sr.dcm')]);
    assert.equal(output.match(/"Measurement Group"/g)?.length, report.findings.length);
    assert.match(output, /NUM:\(81827009,SCT,"Diameter"\)="52\.3" \(mm,UCUM,"millimeter"\)/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a wrong AE title is refused and a closed port is unreachable, each with its own code', { skip }, async () => {
  const orthanc = peer();
  const report = chestCtReport();
  const sr = writeReportSr(reportDocument(report), sourceStudyFromReport(report));
  await assert.rejects(storeInstance({ host: '127.0.0.1', port: orthanc.dicomPort, calledAeTitle: 'NOT_ORTHANC' }, sr), (e: unknown) => e instanceof DeliveryError && e.code === 'DELIVERY_REJECTED');
  await assert.rejects(storeInstance({ host: '127.0.0.1', port: 1, calledAeTitle: 'ORTHANC', timeoutMs: 2000 }, sr), (e: unknown) => e instanceof DeliveryError && e.code === 'DELIVERY_UNREACHABLE');
});
