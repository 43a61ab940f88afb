import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readDicomHeader, writeCtSeries } from '@polyrad/dicom';
import { generateChestPhantom } from '@polyrad/phantom';
import type { Report } from '@polyrad/sdk';
import type { Bundle, DiagnosticReport } from 'fhir/r4.js';
import { type ApiClient, createUser, signInAdmin, withTestAuth } from '../auth/auth.fixture.js';
import { type AppConfig, loadConfig } from '../config/app-config.js';
import { createApp, type RunningApp } from '../main.js';
import type { PluginView } from '../registry/registry.types.js';
import { reportDocument } from '../pipeline/report/report-document.js';
import { deliveryIdentifiers } from './delivery-identifiers.js';
import { deliveriesWhen } from './delivery-log.fixture.js';
import { startFhirServer, type FhirTestServer } from './fhir-server.fixture.js';
import { startOrthanc, type OrthancPeer } from './orthanc-peer.fixture.js';
import { dciodvfyProblems, runTool, skipWithout } from './validator-tools.fixture.js';

/**
 * Issue #15, routing: the platform delivers what it stores by itself. A site's PACS (a real Orthanc) is
 * configured through the API; an analysed study's SR arrives there and is read back; a PACS that is down
 * gets it once it is back, without holding the analysis; a delivery pending when the platform stops is
 * sent after it starts again; signing sends the final SR, and a correction after it an amended one; the key
 * images of an abnormal finding go to the PACS as Secondary Captures (by C-STORE and STOW-RS) and into the PDF.
 */
const skip = skipWithout('Orthanc');
const work = mkdtempSync(join(tmpdir(), 'polyrad-server-delivery-'));
after(() => rmSync(work, { recursive: true, force: true }));
const importRoot = join(work, 'import');
const studyDir = join(importRoot, 'study');
mkdirSync(importRoot);

describe('server-side delivery to a real PACS', { skip }, () => {
  let orthanc: OrthancPeer;
  let running: RunningApp | undefined;
  let admin: ApiClient;
  let config: AppConfig;
  let studyUid: string;
  let reader: ApiClient;
  let webPacs: OrthancPeer;
  let fhir: FhirTestServer;

  const start = async (): Promise<void> => {
    running = await createApp(config, { uiDir: join(work, 'ui') });
    admin = await signInAdmin(running.url);
  };

  /** The instances of a modality Orthanc holds, by their tags (sequences as arrays of items), with Orthanc's id. */
  async function stored(modality: 'SR' | 'SEG' | 'OT', pacs: OrthancPeer = orthanc): Promise<Array<Record<string, unknown>>> {
    const ids = await pacs.get<string[]>('/instances');
    const all = await Promise.all(ids.map(async (id): Promise<Record<string, unknown>> => ({ ...(await pacs.get<Record<string, unknown>>(`/instances/${id}/simplified-tags`)), orthancId: id })));
    return all.filter((i) => i.Modality === modality);
  }
  const storedSrs = () => stored('SR');

  async function analyze(): Promise<Report> {
    const { status, body } = await admin.post<Report>('/api/studies/analyze', { paths: [studyDir] });
    assert.equal(status, 201, JSON.stringify(body));
    return body;
  }

  before(async () => {
    mkdirSync(join(work, 'ui'));
    orthanc = await startOrthanc();
    // the key-image test's DICOMweb PACS and EHR, started here: an idle pause in a test can outlast a kept-alive connection
    webPacs = await startOrthanc();
    fhir = await startFhirServer();
    config = withTestAuth(
      loadConfig({
        PORT: '0',
        DICOM_PORT: '0',
        POLYRAD_DATA_DIR: join(work, 'data'),
        POLYRAD_IMPORT_ROOTS: importRoot,
        // a PACS that is down is tried again every half second at most, as long as the test needs
        POLYRAD_DELIVERY_RETRY_S: '0.2',
        POLYRAD_DELIVERY_RETRY_MAX_S: '0.5',
        POLYRAD_DELIVERY_MAX_ATTEMPTS: '1000',
        // the test's own DICOMweb PACS and FHIR server, on ports chosen when they start
        POLYRAD_DELIVERY_ALLOWED_HOSTS: '127.0.0.1',
      }),
    );
    await start();
    // a small chest with the lung mask only: enough for a report with findings, quick to analyse twice
    const plugins = await admin.get<PluginView[]>('/api/plugins');
    for (const plugin of plugins.body.filter((p) => p.id !== 'polyrad.lung-segmentation')) {
      assert.equal((await admin.post(`/api/sites/default/plugins/${plugin.id}/disable`)).status, 200);
    }
    const phantom = generateChestPhantom({ seed: 11, dimensions: [48, 48, 32], spacing: [6.5, 6.5, 8] });
    await writeCtSeries(phantom.volume, studyDir, { PatientID: 'DELIVERY-E2E', StudyDate: '20260301', AccessionNumber: 'DLV1' });
    const pacs = await admin.post('/api/sites/default/destinations', { id: 'pacs', kind: 'dicom-store', host: '127.0.0.1', port: orthanc.dicomPort, calledAeTitle: orthanc.aeTitle });
    assert.equal(pacs.status, 201, JSON.stringify(pacs.body));
    const rules = await admin.put('/api/sites/default/delivery-rules', { rules: [{ destination: 'pacs', outputs: ['sr'], modalities: ['CT'] }] });
    assert.equal(rules.status, 200, JSON.stringify(rules.body));
  });
  after(async () => {
    await running?.close();
    await orthanc?.stop();
    await webPacs?.stop();
    await fhir?.stop();
  });

  it('an analysed study\'s SR arrives in the site\'s PACS by itself; a re-send replaces it, never duplicates', async () => {
    const report = await analyze();
    studyUid = report.study.studyInstanceUid;
    const [delivered] = await deliveriesWhen(admin, studyUid, (d) => d[0]?.status === 'delivered');
    assert.deepEqual([delivered.destination, delivered.reportVersion, delivered.log.map((a) => a.outcome)], ['pacs', 1, ['delivered']]);
    const [sr] = await storedSrs();
    assert.deepEqual(
      [sr.SOPInstanceUID, sr.Modality, sr.StudyInstanceUID, sr.PatientID, sr.AccessionNumber],
      [deliveryIdentifiers(report).srSopInstanceUid, 'SR', studyUid, 'DELIVERY-E2E', 'DLV1'],
    );

    assert.equal((await admin.post(`/api/studies/${studyUid}/deliveries/${delivered.id}/resend`)).status, 202);
    await deliveriesWhen(admin, studyUid, (d) => d[0]?.log.length === 2 && d[0].status === 'delivered');
    assert.deepEqual((await storedSrs()).map((i) => i.SOPInstanceUID), [sr.SOPInstanceUID], 'the PACS holds the report once');
    assert.equal((await stored('SEG')).length, 1, 'and its segmentation once');
  });

  it('the lung mask arrives as a DICOM SEG beside the SR, referencing the CT series, dciodvfy-clean', { skip: skipWithout('dciodvfy') }, async () => {
    const [seg] = await stored('SEG');
    assert.ok(seg);
    const segments = seg.SegmentSequence as Array<{ SegmentLabel: string; SegmentedPropertyTypeCodeSequence: Array<{ CodeValue: string }> }>;
    assert.deepEqual(segments.map((x) => [x.SegmentLabel, x.SegmentedPropertyTypeCodeSequence[0]!.CodeValue]), [['lung.right', '3341006'], ['lung.left', '44029006']]);
    assert.equal((await orthanc.get<unknown[]>('/series')).length, 2, 'the PACS holds the SR series and the SEG series (the CT itself was never sent)');
    const [reference] = seg.ReferencedSeriesSequence as Array<{ SeriesInstanceUID: string }>;
    const report = (await admin.get<Report>(`/api/studies/${studyUid}/report`)).body;
    assert.equal(reference!.SeriesInstanceUID, report.series[0]!.seriesInstanceUid);
    assert.equal(seg.StudyInstanceUID, studyUid);
    const dir = mkdtempSync(join(work, 'seg-'));
    writeFileSync(join(dir, 'seg.dcm'), await orthanc.getBytes(`/instances/${String(seg.orthancId)}/file`));
    assert.deepEqual(dciodvfyProblems(join(dir, 'seg.dcm')), []);
  });

  it('a PACS that is down holds neither the analysis nor the report: it stays pending with the error and arrives once the PACS is back', async () => {
    const { dicomPort } = orthanc;
    await orthanc.stop();
    const report = await analyze();
    const pending = await deliveriesWhen(admin, studyUid, (d) => d.some((x) => x.reportVersion === 2 && x.log.length >= 1));
    const second = pending.find((x) => x.reportVersion === 2)!;
    assert.equal(second.status, 'pending');
    assert.deepEqual([second.log[0].outcome, second.log[0].code], ['failed', 'DELIVERY_UNREACHABLE']);
    assert.match(second.log[0].message ?? '', /ECONNREFUSED/);

    orthanc = await startOrthanc({ dicomPort });
    const done = await deliveriesWhen(admin, studyUid, (d) => d.find((x) => x.id === second.id)?.status === 'delivered');
    assert.equal(done.find((x) => x.id === second.id)?.log.at(-1)?.outcome, 'delivered');
    assert.deepEqual((await storedSrs()).map((i) => i.SOPInstanceUID), [deliveryIdentifiers(report).srSopInstanceUid]);
  });

  it('a delivery pending when the platform stops is sent after it starts again', async () => {
    const { dicomPort } = orthanc;
    await orthanc.stop();
    const [, second] = await deliveriesWhen(admin, studyUid, (d) => d.length === 2);
    assert.equal((await admin.post(`/api/studies/${studyUid}/deliveries/${second.id}/resend`)).status, 202);
    const before = second.log.length;
    await deliveriesWhen(admin, studyUid, (d) => d[1].log.length > before && d[1].status === 'pending');
    await running!.close();
    running = undefined;

    orthanc = await startOrthanc({ dicomPort });
    await start();
    const [, resumed] = await deliveriesWhen(admin, studyUid, (d) => d[1].status === 'delivered');
    assert.deepEqual(resumed.log.slice(before).map((a) => a.outcome).at(-1), 'delivered');
    assert.ok(resumed.log.slice(before).some((a) => a.code === 'DELIVERY_UNREACHABLE'), 'the attempts while the PACS was down are in the log');
    assert.equal((await storedSrs()).length, 1);
    assert.equal((await stored('SEG')).length, 1, 'the SEG is sent with the SR');
  });

  it('signing sends the final SR as a new instance after the preliminary; a correction after it sends an amended one naming the final', async () => {
    reader = await createUser(admin, { username: 'dr.pacs', role: 'radiologist', sites: ['default'] });
    const signed = await reader.post<Report>(`/api/studies/${studyUid}/report/sign`);
    assert.equal(signed.status, 200, JSON.stringify(signed.body));
    const finalUid = deliveryIdentifiers(reportDocument(signed.body)).srSopInstanceUid;
    const afterSign = await deliveriesWhen(admin, studyUid, (d) => d.some((x) => x.release === 1 && x.status === 'delivered'));
    assert.deepEqual(afterSign.filter((x) => x.release === 1).map((x) => [x.destination, x.reportVersion, x.outputs]), [['pacs', 2, ['sr']]]);
    const final = (await storedSrs()).find((i) => i.SOPInstanceUID === finalUid);
    assert.ok(final, 'the final SR is in the PACS');
    assert.deepEqual([final.VerificationFlag, final.CompletionFlag, final.SeriesInstanceUID], ['VERIFIED', 'COMPLETE', deliveryIdentifiers(signed.body).srSeriesInstanceUid]);
    // report.json itself carries no release: its identifiers are the preliminary's
    assert.equal(predecessorOf(final), deliveryIdentifiers(signed.body).srSopInstanceUid, 'the final names the preliminary');

    const amended = await reader.put<Report>(`/api/studies/${studyUid}/report/impression`, { text: 'Lungs segmented; no other assessment (amended).' });
    assert.equal(amended.status, 200, JSON.stringify(amended.body));
    const amendedUid = deliveryIdentifiers(reportDocument(amended.body)).srSopInstanceUid;
    await deliveriesWhen(admin, studyUid, (d) => d.some((x) => x.release === 2 && x.status === 'delivered'));
    const srs = await storedSrs();
    const amendment = srs.find((i) => i.SOPInstanceUID === amendedUid);
    assert.ok(amendment, 'the amended SR is in the PACS');
    assert.equal(predecessorOf(amendment), finalUid, 'the amendment names the final');
    assert.equal(amendment.VerificationFlag, 'VERIFIED');
    assert.equal(srs.length, 3, 'preliminary, final and amendment, each once');
    assert.equal((await stored('SEG')).length, 1, 'each release sends the same SEG again, which the PACS holds once');
  });
  it('a rule for signed reports only sends nothing after the analysis, and at sign-off the final SR with its images and the SEG', async () => {
    const rules = await admin.put('/api/sites/default/delivery-rules', { rules: [{ destination: 'pacs', outputs: ['sr'], statuses: ['signed'] }] });
    assert.equal(rules.status, 200, JSON.stringify(rules.body));
    const before = (await admin.get<unknown[]>(`/api/studies/${studyUid}/deliveries`)).body.length;
    await analyze();
    const signed = await reader.post<Report>(`/api/studies/${studyUid}/report/sign`);
    assert.equal(signed.status, 200, JSON.stringify(signed.body));
    const deliveries = await deliveriesWhen(admin, studyUid, (d) => d.some((x) => x.reportVersion === 3 && x.status === 'delivered'));
    assert.deepEqual(deliveries.slice(before).map((x) => [x.reportVersion, x.release]), [[3, 1]], 'only the final of version 3 was queued');
    const final = (await storedSrs()).find((i) => i.SOPInstanceUID === deliveryIdentifiers(reportDocument(signed.body)).srSopInstanceUid);
    assert.ok(final, 'the final SR of version 3 is in the PACS');
    const [evidence] = final.CurrentRequestedProcedureEvidenceSequence as Array<{ ReferencedSeriesSequence: Array<{ SeriesInstanceUID: string }> }>;
    assert.deepEqual(evidence!.ReferencedSeriesSequence.map((x) => x.SeriesInstanceUID).slice(0, 1), [signed.body.series[0]!.seriesInstanceUid], 'the source images kept from the analysis');
    assert.equal((await stored('SEG')).length, 2, 'the SEG of version 3 too, written at analysis although nothing was sent then');
  });

  it('a nodule\'s key image arrives as a Secondary Capture by C-STORE and STOW-RS, referencing its slice, dciodvfy-clean, once after a re-send and the sign-off; the PDF in FHIR shows it', async () => {
    for (const destination of [
      { id: 'web', kind: 'dicomweb', url: webPacs.dicomWebUrl },
      { id: 'ehr', kind: 'fhir', url: fhir.url },
    ]) assert.equal((await admin.post('/api/sites/default/destinations', destination)).status, 201);
    const rules = [{ destination: 'pacs', outputs: ['sr'] }, { destination: 'web', outputs: ['sr'] }, { destination: 'ehr', outputs: ['fhir'] }];
    assert.equal((await admin.put('/api/sites/default/delivery-rules', { rules })).status, 200);
    assert.equal((await admin.post('/api/sites/default/plugins/polyrad.lung-nodules/enable', {})).status, 200);
    // an 18 mm solid nodule (Lung-RADS 4B): the one finding with a key image
    const dir = join(importRoot, 'nodule');
    const phantom = generateChestPhantom({ seed: 11, dimensions: [96, 96, 40], spacing: [3.5, 3.5, 5], nodules: { specs: [{ diameterMm: 18 }] } });
    await writeCtSeries(phantom.volume, dir, { PatientID: 'KEYS-E2E', StudyDate: '20260302', AccessionNumber: 'KEY1' });
    const { status, body: report } = await admin.post<Report>('/api/studies/analyze', { paths: [dir] });
    assert.equal(status, 201, JSON.stringify(report));
    const uid = report.study.studyInstanceUid;
    const nodule = report.findings.find((f) => f.code === 'lung.nodule' && f.assessment === 'measured');
    assert.ok(nodule?.center, report.impression);
    const delivered = await deliveriesWhen(admin, uid, (d) => d.length === 3 && d.every((x) => x.status === 'delivered'));

    // the CT slice through the nodule's centre: what the key image must name
    const slices = await Promise.all(readdirSync(dir).map((f) => readDicomHeader(join(dir, f), { requirePixelData: false })));
    const through = slices.reduce((a, b) => (Math.abs(b.ImagePositionPatient![2] - nodule.center![2]) < Math.abs(a.ImagePositionPatient![2] - nodule.center![2]) ? b : a));
    const keysIn = async (pacs: OrthancPeer) => (await stored('OT', pacs)).filter((i) => i.StudyInstanceUID === uid);
    const [key] = await keysIn(orthanc);
    assert.ok(key, 'the key image reached the PACS by C-STORE');
    assert.deepEqual((await keysIn(webPacs)).map((i) => i.SOPInstanceUID), [key.SOPInstanceUID], 'and the DICOMweb PACS by STOW-RS, under the same UID');
    assert.equal(key.SOPClassUID, '1.2.840.10008.5.1.4.1.1.7');
    assert.deepEqual((key.SourceImageSequence as Array<{ ReferencedSOPInstanceUID: string }>).map((r) => r.ReferencedSOPInstanceUID), [through.SOPInstanceUID]);
    assert.equal(key.ImageComments, `Lung nodule, long axis ${nodule.value} mm (${nodule.category})`);
    const file = join(mkdtempSync(join(work, 'key-')), 'key.dcm');
    writeFileSync(file, await orthanc.getBytes(`/instances/${String(key.orthancId)}/file`));
    if (!skipWithout('dciodvfy')) assert.deepEqual(dciodvfyProblems(file), []);
    assert.equal((await stored('SR', webPacs)).length, 1, 'the SR went by STOW-RS beside it');
    assert.equal((await stored('SEG', webPacs)).length, 1, 'and the SEG');

    // a re-send replaces, never duplicates
    const pacs = delivered.find((d) => d.destination === 'pacs')!;
    assert.equal((await admin.post(`/api/studies/${uid}/deliveries/${pacs.id}/resend`)).status, 202);
    await deliveriesWhen(admin, uid, (d) => d.find((x) => x.id === pacs.id)?.log.length === 2 && d.find((x) => x.id === pacs.id)?.status === 'delivered');
    assert.deepEqual((await keysIn(orthanc)).map((i) => i.SOPInstanceUID), [key.SOPInstanceUID], 'the PACS holds the key image once');
    // signing sends the final release with the key image kept from the analysis, under the same UID
    assert.equal((await reader.post(`/api/studies/${uid}/report/sign`)).status, 200);
    await deliveriesWhen(admin, uid, (d) => d.filter((x) => x.release === 1 && x.status === 'delivered').length === 3);
    assert.equal((await stored('SR')).filter((i) => i.StudyInstanceUID === uid).length, 2, 'the preliminary and the final SR');
    assert.deepEqual((await keysIn(orthanc)).map((i) => i.SOPInstanceUID), [key.SOPInstanceUID], 'the final release replaced the key image');

    // the PDF the EHR got (DiagnosticReport.presentedForm) shows the same slice with its caption
    const found = (await (await fetch(`${fhir.url}/DiagnosticReport`)).json()) as Bundle;
    const pdfs = (found.entry ?? []).flatMap((e) => (e.resource as DiagnosticReport).presentedForm ?? []).filter((f) => f.contentType === 'application/pdf');
    assert.equal(pdfs.length, 1, 'the final replaced the preliminary DiagnosticReport');
    const pdf = join(mkdtempSync(join(work, 'pdf-')), 'report.pdf');
    writeFileSync(pdf, Buffer.from(pdfs[0]!.data!, 'base64'));
    if (!skipWithout('pdfimages', 'pdftotext')) {
      const images = runTool('pdfimages', ['-list', pdf]).output.split('\n').filter((l) => / image /.test(l));
      assert.equal(images.length, 1, images.join('\n'));
      assert.match(images[0]!, /\s96\s+96\s+gray\s/);
      assert.match(runTool('pdftotext', ['-layout', pdf, '-']).output.replace(/\s+/g, ' '), new RegExp(`Key images .*Lung nodule, long axis: ${nodule.value} mm \\(${nodule.category}\\)`));
    }
  });
});

/** The SOP Instance UID an SR names in its Predecessor Documents Sequence. */
function predecessorOf(sr: Record<string, unknown>): unknown {
  const [study] = (sr.PredecessorDocumentsSequence ?? []) as Array<{ ReferencedSeriesSequence?: Array<{ ReferencedSOPSequence?: Array<{ ReferencedSOPInstanceUID?: string }> }> }>;
  return study?.ReferencedSeriesSequence?.[0]?.ReferencedSOPSequence?.[0]?.ReferencedSOPInstanceUID;
}
