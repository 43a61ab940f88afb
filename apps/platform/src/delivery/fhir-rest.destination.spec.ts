import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Bundle } from 'fhir/r4.js';
import { reportDocument } from '../pipeline/report/report-document.js';
import { chestCtReport } from './delivery.fixture.js';
import { deliveryIdentifiers } from './delivery-identifiers.js';
import { DeliveryError } from './delivery.errors.js';
import { buildFhirBundle } from './fhir-bundle.builder.js';
import { postFhirBundle } from './fhir-rest.destination.js';
import { startFhirServer, type FhirTestServer } from './fhir-server.fixture.js';
import { sourceStudyFromReport } from './source-study.js';

let fhir: FhirTestServer;
before(async () => {
  fhir = await startFhirServer();
});
after(() => fhir.stop());

function bundle(): Bundle {
  const report = chestCtReport();
  return buildFhirBundle(reportDocument(report), sourceStudyFromReport(report), Buffer.from('%PDF-1.3'));
}

async function search<T>(query: string): Promise<T[]> {
  const result = (await (await fetch(`${fhir.url}/${query}`)).json()) as Bundle;
  return (result.entry ?? []).map((e) => e.resource as T);
}

test('the bundle is committed by a FHIR server, found again by search, and re-sending it duplicates nothing', async () => {
  const report = chestCtReport();
  await postFhirBundle({ url: fhir.url }, bundle());
  await postFhirBundle({ url: fhir.url }, bundle());
  const reports = await search<{ status: string; result: unknown[]; subject: { identifier: { value: string } } }>(`DiagnosticReport?identifier=${encodeURIComponent(`urn:dicom:uid|urn:oid:${deliveryIdentifiers(report).srSopInstanceUid}`)}`);
  assert.equal(reports.length, 1);
  assert.equal(reports[0].status, 'preliminary');
  assert.equal(reports[0].result.length, report.findings.length);
  assert.equal((await search('Observation')).length, report.findings.length);
  assert.equal(reports[0].subject.identifier.value, 'PAT-042');
  assert.equal((await search('ImagingStudy')).length, 1);
  const aorta = await search<{ valueQuantity?: { value: number } }>(`Observation?code=${encodeURIComponent('http://loinc.org|18012-5')}`);
  assert.deepEqual(aorta.map((o) => o.valueQuantity?.value), [52.3]);
});

test('a bundle the server cannot accept is a rejection; no server is unreachable', async () => {
  const broken = { ...bundle(), type: 'not-a-bundle-type' } as unknown as Bundle;
  await assert.rejects(postFhirBundle({ url: fhir.url }, broken), (e: unknown) => e instanceof DeliveryError && e.code === 'DELIVERY_REJECTED');
  await assert.rejects(postFhirBundle({ url: 'http://127.0.0.1:1/fhir', timeoutMs: 2000 }, bundle()), (e: unknown) => e instanceof DeliveryError && e.code === 'DELIVERY_UNREACHABLE');
});
