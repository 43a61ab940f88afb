import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRouting, routeReport, RoutingConfigError, type Destination, type RoutingRule } from './delivery-routing.js';

const destinations: Destination[] = [
  { id: 'pacs', kind: 'dicom-store', host: 'pacs', port: 104, calledAeTitle: 'PACS' },
  { id: 'ris', kind: 'hl7-mllp', host: 'ris', port: 2575 },
  { id: 'ehr', kind: 'fhir', url: 'https://ehr/fhir' },
];
const rules: RoutingRule[] = [
  { destination: 'pacs', outputs: ['sr'] },
  { destination: 'ris', outputs: ['hl7'], modalities: ['CT'] },
  // the EHR gets only what a radiologist signed, except urgent reports, which it gets at once
  { destination: 'ehr', outputs: ['fhir'], statuses: ['signed'] },
  { destination: 'ehr', outputs: ['fhir'], priorities: ['urgent'] },
];
const ct = (priority: 'urgent' | 'routine', status: 'draft' | 'signed') => ({ series: [{ seriesInstanceUid: '1.2', modality: 'CT' }], priority, status });

test('rules choose destinations by modality, priority and status', () => {
  assert.deepEqual(routeReport(ct('routine', 'draft'), rules), [{ destination: 'pacs', outputs: ['sr'] }, { destination: 'ris', outputs: ['hl7'] }]);
  assert.deepEqual(routeReport(ct('urgent', 'draft'), rules).map((r) => r.destination), ['pacs', 'ris', 'ehr']);
  assert.deepEqual(routeReport(ct('routine', 'signed'), rules).map((r) => r.destination), ['pacs', 'ris', 'ehr']);
  // a radiograph is not sent to the RIS rule written for CT
  assert.deepEqual(routeReport({ ...ct('routine', 'draft'), series: [{ seriesInstanceUid: '1.3', modality: 'DX' }] }, rules).map((r) => r.destination), ['pacs']);
  // two rules for one destination send each output once
  assert.deepEqual(routeReport(ct('urgent', 'signed'), rules).find((r) => r.destination === 'ehr')?.outputs, ['fhir']);
});

test('a rule naming an unknown destination or an output its protocol cannot carry is refused with a reason', () => {
  assert.doesNotThrow(() => checkRouting(destinations, rules));
  assert.throws(() => checkRouting(destinations, [{ destination: 'archive', outputs: ['sr'] }]), (e: unknown) => e instanceof RoutingConfigError && /not configured \(known: pacs, ris, ehr\)/.test(e.message));
  assert.throws(() => checkRouting(destinations, [{ destination: 'pacs', outputs: ['hl7'] }]), (e: unknown) => e instanceof RoutingConfigError && e.code === 'DELIVERY_ROUTING_INVALID' && /carries only sr/.test(e.message));
});
