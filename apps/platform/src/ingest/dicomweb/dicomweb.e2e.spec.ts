import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { readDicomHeader, writeCtSeries, type WrittenCtSeries } from '@polyrad/dicom';
import { generateChestPhantom } from '@polyrad/phantom';
import { PolyradError } from '@polyrad/sdk';
import dcmjs from 'dcmjs';
import { api } from 'dicomweb-client';
import XHR2 from 'xhr2';
import { type ApiClient, createUser, signInAdmin, withTestAuth } from '../../auth/auth.fixture.js';
import { DEFAULT_DICOM_INTAKE } from '../../config/app-config.js';
import { createTempPostgres } from '../../database/test-postgres.js';
import { createApp, type RunningApp } from '../../main.js';
import { DicomStoreScp } from '../dicom-store.scp.js';
import { InstanceIntakeService } from '../instance-intake.service.js';

// dicomweb-client is a browser library: XMLHttpRequest comes from xhr2 here
(globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = XHR2;

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../../..');
const realCt = resolve(repoRoot, process.env.POLYRAD_TEST_DATA ?? '../shared/data', 'ct/lung-pet-ct-dx-a0001/2.000000-5mm-40805');
const realCtSkip = existsSync(realCt) ? false : `real CT not found at ${realCt} (set POLYRAD_TEST_DATA)`;
if (realCtSkip) console.log(`# skipping: ${realCtSkip}`);

const storescu = ['/usr/bin/storescu', '/usr/local/bin/storescu'].find(existsSync);
const MiB = 1024 ** 2;
type DicomJson = Record<string, { vr: string; Value?: unknown[]; BulkDataURI?: string; InlineBinary?: string }>;

/** A multipart/related body as a STOW-RS client sends it; `cut` drops the closing delimiter and the end of the last part. */
function multipart(parts: Array<{ bytes: Buffer; type?: string }>, cut = 0): { body: Buffer; contentType: string } {
  const boundary = `polyrad-${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const part of parts) chunks.push(Buffer.from(`--${boundary}\r\nContent-Type: ${part.type ?? 'application/dicom'}\r\n\r\n`), part.bytes, Buffer.from('\r\n'));
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  const whole = Buffer.concat(chunks);
  return { body: cut > 0 ? whole.subarray(0, whole.length - cut) : whole, contentType: `multipart/related; type="application/dicom"; boundary=${boundary}` };
}

/**
 * A STOW-RS request in the JSON form (PS3.18 10.5.1.2.2) made from Part 10 files: one application/dicom+json
 * part with every instance's attributes, binary ones inline, and each Pixel Data as a bulk part named by its
 * Content-Location. `bulk` changes what a pixel part is (`type`) or where the metadata points (`uri`).
 */
function jsonMultipart(files: Buffer[], bulk: (n: number) => { type?: string; uri?: string } = () => ({})): { body: Buffer; contentType: string } {
  const boundary = `polyrad-${randomBytes(8).toString('hex')}`;
  const datasets: DicomJson[] = [];
  const pixels: Array<{ location: string; bytes: Buffer; type: string }> = [];
  for (const [n, file] of files.entries()) {
    const { dict } = dcmjs.data.DicomMessage.readFile(file.buffer.slice(file.byteOffset, file.byteOffset + file.length) as ArrayBuffer);
    const dataset: DicomJson = {};
    for (const [tag, element] of Object.entries(dict)) {
      const value = element.Value?.[0];
      if (tag === '7FE00010') {
        const location = `http://client.example/bulk/${n}/pixels`;
        pixels.push({ location, bytes: Buffer.from(value as ArrayBuffer), type: bulk(n).type ?? 'application/octet-stream' });
        dataset[tag] = { vr: element.vr!, BulkDataURI: bulk(n).uri ?? location };
      } else if (value instanceof ArrayBuffer) dataset[tag] = { vr: element.vr!, InlineBinary: Buffer.from(value).toString('base64') };
      else dataset[tag] = { vr: element.vr!, ...(element.Value?.length ? { Value: element.Value } : {}) };
    }
    datasets.push(dataset);
  }
  const chunks: Buffer[] = [Buffer.from(`--${boundary}\r\nContent-Type: application/dicom+json\r\n\r\n${JSON.stringify(datasets)}\r\n`)];
  for (const pixel of pixels) chunks.push(Buffer.from(`--${boundary}\r\nContent-Type: ${pixel.type}\r\nContent-Location: ${pixel.location}\r\n\r\n`), pixel.bytes, Buffer.from('\r\n'));
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/related; type="application/dicom+json"; boundary=${boundary}` };
}

const elementValue = (dataset: DicomJson, tag: string): unknown => dataset[tag]?.Value?.[0];

type Uids = { studyInstanceUID: string; seriesInstanceUID?: string; sopInstanceUID?: string };
/** The calls of dicomweb-client used here (its bundled types mark every option as required). */
interface DicomwebClient {
  storeInstances(options: { datasets: ArrayBuffer[]; studyInstanceUID?: string }): Promise<unknown>;
  searchForStudies(options: { queryParams?: Record<string, string> }): Promise<DicomJson[]>;
  searchForSeries(options: Uids & { queryParams?: Record<string, string> }): Promise<DicomJson[]>;
  searchForInstances(options: Uids & { queryParams?: Record<string, string> }): Promise<DicomJson[]>;
  retrieveInstance(options: Uids): Promise<ArrayBuffer>;
  retrieveSeries(options: Uids): Promise<ArrayBuffer[]>;
  retrieveStudy(options: Uids): Promise<ArrayBuffer[]>;
  retrieveInstanceMetadata(options: Uids): Promise<DicomJson[]>;
  retrieveStudyMetadata(options: Uids): Promise<DicomJson[]>;
  retrieveInstanceFrames(options: Uids & { frameNumbers: number[]; mediaTypes?: Array<{ mediaType: string; transferSyntaxUID?: string }> }): Promise<ArrayBuffer[]>;
}

/** dicomweb-client signed in as `who`, as a viewer such as OHIF uses it. */
const dicomwebClient = (url: string, who: ApiClient): DicomwebClient =>
  new api.DICOMwebClient({ url: `${url}/dicomweb`, headers: { Authorization: `Bearer ${who.session!.accessToken}` }, singlepart: false }) as unknown as DicomwebClient;

// the index's SQL runs on both backends, as the platform's migrations do
const postgres = await createTempPostgres();
after(async () => postgres?.drop());

for (const backend of ['PGlite', ...(postgres ? ['PostgreSQL'] : [])]) {
  describe(`DICOMweb on ${backend}`, () => {
    let root: string;
    let running: RunningApp;
    let admin: ApiClient;
    let reader: ApiClient;
    let vendor: ApiClient;
    let phantom: WrittenCtSeries;

    before(async () => {
      root = await mkdtemp(join(tmpdir(), 'polyrad-dicomweb-'));
      running = await createApp(
        withTestAuth({
          port: 0,
          dicomPort: 0,
          // no analysis while the spec runs: stored studies wait for a quiet period longer than the spec
          quietPeriodMs: 3_600_000,
          dataDir: join(root, 'data'),
          ...(backend === 'PostgreSQL' ? { databaseUrl: postgres!.url } : {}),
          dicomIntake: { ...DEFAULT_DICOM_INTAKE, maxInstanceBytes: 1 * MiB },
          dicomwebMaxRequestBytes: 8 * MiB,
        }),
      );
      admin = await signInAdmin(running.url);
      reader = await createUser(admin, { username: 'reader', role: 'radiologist', sites: ['default'] });
      vendor = await createUser(admin, { username: 'acme-bot', role: 'vendor', vendorId: 'acme' });
      const volume = generateChestPhantom({ seed: 3, dimensions: [32, 32, 6], spacing: [10, 10, 10] }).volume;
      phantom = await writeCtSeries(volume, join(root, 'phantom'), { PatientID: 'DW-1', PatientName: 'Doe^Jane', StudyDate: '20260105', AccessionNumber: 'ACC-DW', StudyDescription: 'Chest phantom', SeriesNumber: 4 });
    });
    after(async () => {
      await running?.close();
      await rm(root, { recursive: true, force: true });
    });

    const stow = (who: ApiClient | undefined, body: Buffer | string, contentType: string, path = '/dicomweb/studies') =>
      fetch(`${running.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': contentType, ...(who?.session ? { authorization: `Bearer ${who.session.accessToken}` } : {}) },
        body,
      });
    const phantomFiles = () => Promise.all(phantom.files.map((f) => readFile(f)));

    describe('STOW-RS', () => {
      it('stores a series sent as multipart/related, answers 200 with every instance referenced, and schedules the study for analysis', async () => {
        const tracker = running.app.get(DicomStoreScp).tracker;
        const arrived: string[] = [];
        const original = tracker.arrived.bind(tracker);
        tracker.arrived = (uid: string) => {
          arrived.push(uid);
          return original(uid);
        };
        const { body, contentType } = multipart((await phantomFiles()).map((bytes) => ({ bytes })));
        const res = await stow(admin, body, contentType, `/dicomweb/studies/${phantom.StudyInstanceUID}`);
        tracker.arrived = original;
        assert.ok(arrived.length > 0 && arrived.every((uid) => uid === phantom.StudyInstanceUID), 'the quiet period of the study started');
        assert.equal(res.status, 200, await res.clone().text());
        assert.match(res.headers.get('content-type') ?? '', /application\/dicom\+json/);
        const answer = (await res.json()) as DicomJson;
        const referenced = (answer['00081199'].Value as DicomJson[]).map((item) => elementValue(item, '00081155'));
        assert.deepEqual(referenced.sort(), [...phantom.SOPInstanceUIDs].sort());
        assert.equal(answer['00081198'].Value, undefined, 'no failures');
        assert.match(String(elementValue(answer, '00081190')), new RegExp(`/dicomweb/studies/${phantom.StudyInstanceUID}$`));
      });

      it('refuses a body that is not multipart/related with 415, and one without parts with 400', async () => {
        const json = await stow(admin, '{}', 'application/json');
        assert.deepEqual([json.status, ((await json.json()) as { code: string }).code], [415, 'UNSUPPORTED_MEDIA_TYPE']);
        const single = await stow(admin, await readFile(phantom.files[0]), 'application/dicom');
        assert.equal(single.status, 415);
        const empty = await stow(admin, 'no parts here', 'multipart/related; type="application/dicom"; boundary=xyz');
        assert.deepEqual([empty.status, ((await empty.json()) as { code: string }).code], [400, 'INVALID_DICOMWEB_REQUEST']);
      });

      it('stores instances sent as DICOM JSON metadata with their pixels as bulk data parts; WADO-RS returns the same pixels', async () => {
        const volume = generateChestPhantom({ seed: 4, dimensions: [32, 32, 3], spacing: [10, 10, 10] }).volume;
        const series = await writeCtSeries(volume, join(root, 'json-form'), { PatientID: 'DW-JSON', PatientName: 'Roe^Richard', StudyDate: '20260201', SeriesNumber: 7 });
        const files = await Promise.all(series.files.map((f) => readFile(f)));
        const { body, contentType } = jsonMultipart(files);
        const res = await stow(admin, body, contentType);
        assert.equal(res.status, 200, `${await res.clone().text()} ${res.headers.get('warning')}`);
        const answer = (await res.json()) as DicomJson;
        assert.deepEqual((answer['00081199'].Value as DicomJson[]).map((item) => elementValue(item, '00081155')).sort(), [...series.SOPInstanceUIDs].sort());
        const client = dicomwebClient(running.url, reader);
        for (const [k, sop] of series.SOPInstanceUIDs.entries()) {
          const stored = Buffer.from(await client.retrieveInstance({ studyInstanceUID: series.StudyInstanceUID, seriesInstanceUID: series.SeriesInstanceUID, sopInstanceUID: sop }));
          const { dict } = dcmjs.data.DicomMessage.readFile(stored.buffer.slice(stored.byteOffset, stored.byteOffset + stored.length) as ArrayBuffer);
          const original = dcmjs.data.DicomMessage.readFile(files[k].buffer.slice(files[k].byteOffset, files[k].byteOffset + files[k].length) as ArrayBuffer).dict;
          assert.deepEqual(Buffer.from(dict['7FE00010'].Value![0] as ArrayBuffer), Buffer.from(original['7FE00010'].Value![0] as ArrayBuffer), 'the same pixels');
          assert.deepEqual(dict['00100010'].Value, [{ Alphabetic: 'Roe^Richard' }]);
          assert.deepEqual(dict['00281052'].Value, original['00281052'].Value, 'RescaleIntercept kept');
        }
        const found = await client.searchForStudies({ queryParams: { PatientID: 'DW-JSON' } });
        assert.deepEqual(found.map((study) => elementValue(study, '0020000D')), [series.StudyInstanceUID]);
        assert.deepEqual(await readdir(join(root, 'data', 'dicom', 'incoming')), [], 'no bulk data file left behind');
      });

      it('answers a BulkDataURI naming no part, and compressed bulk data, with a failure each; malformed metadata with 400', async () => {
        const files = (await phantomFiles()).slice(0, 3);
        const { body, contentType } = jsonMultipart(files, (n) => (n === 1 ? { uri: 'http://client.example/nowhere' } : n === 2 ? { type: 'image/jls; transfer-syntax=1.2.840.10008.1.2.4.80' } : {}));
        const res = await stow(admin, body, contentType);
        assert.equal(res.status, 202, await res.clone().text());
        const answer = (await res.json()) as DicomJson;
        assert.deepEqual((answer['00081198'].Value as DicomJson[]).map((item) => elementValue(item, '00081197')), [0xc000, 0xc122]);
        const warnings = res.headers.get('warning') ?? '';
        assert.match(warnings, /metadata item 2: the BulkDataURI of 7FE00010, 'http:\/\/client.example\/nowhere', names no part of the request/);
        assert.match(warnings, /metadata item 3: the bulk data of 7FE00010 is image\/jls; only application\/octet-stream is taken/);

        const boundary = 'polyrad-bad-json';
        const notJson = Buffer.from(`--${boundary}\r\nContent-Type: application/dicom+json\r\n\r\n[{"00100010": \r\n--${boundary}--\r\n`);
        const bad = await stow(admin, notJson, `multipart/related; type="application/dicom+json"; boundary=${boundary}`);
        const refusal = (await bad.json()) as { code: string; message: string };
        assert.deepEqual([bad.status, refusal.code], [400, 'INVALID_DICOMWEB_REQUEST']);
        assert.match(refusal.message, /the metadata part is not JSON/);
        const noMetadata = Buffer.from(`--${boundary}\r\nContent-Type: application/octet-stream\r\n\r\nxx\r\n--${boundary}--\r\n`);
        const missing = await stow(admin, noMetadata, `multipart/related; type="application/dicom+json"; boundary=${boundary}`);
        assert.match(((await missing.json()) as { message: string }).message, /first part .* must be the application\/dicom\+json metadata/);
        assert.deepEqual(await readdir(join(root, 'data', 'dicom', 'incoming')), []);
      });

      it('answers hostile parts with a failure naming the reason, and still stores the good ones (202)', async () => {
        const [good] = await phantomFiles();
        const noSop = Buffer.from(good);
        // rename (0008,0018) SOPInstanceUID to (0008,0017): the instance no longer has one
        const at = noSop.indexOf(Buffer.from([0x08, 0x00, 0x18, 0x00, 0x55, 0x49]));
        assert.ok(at > 0);
        noSop[at + 2] = 0x17;
        const { body, contentType } = multipart([
          { bytes: good },
          { bytes: Buffer.from('this is not DICOM at all, just text that claims to be') },
          { bytes: noSop },
          { bytes: randomBytes(1.5 * MiB) },
          { bytes: good, type: 'image/jpeg' },
          { bytes: good },
        ], good.length / 2);
        const res = await stow(admin, body, contentType);
        assert.equal(res.status, 202, await res.clone().text());
        const answer = (await res.json()) as DicomJson;
        assert.equal((answer['00081199'].Value as DicomJson[]).length, 1);
        const reasons = (answer['00081198'].Value as DicomJson[]).map((item) => elementValue(item, '00081197'));
        assert.deepEqual(reasons, [0xc000, 0xc000, 0xa700, 0xc000, 0xc000]);
        const warnings = res.headers.get('warning') ?? '';
        for (const why of [/DICOM_NOT_DICOM/, /no valid SOPInstanceUID/, /exceeds the 1 MiB instance limit/, /image\/jpeg, not application\/dicom/, /cut short/]) assert.match(warnings, why);
        // nothing refused was left on disk
        assert.deepEqual(await readdir(join(root, 'data', 'dicom', 'incoming')), []);
      });

      it('refuses truncated pixels and quarantines a conflicting patient identity, as C-STORE does', async () => {
        const [good] = await phantomFiles();
        const otherPatient = Buffer.from(good.toString('latin1').replace('DW-1', 'DW-9'), 'latin1');
        const { body, contentType } = multipart([{ bytes: good.subarray(0, good.length - 1000) }, { bytes: otherPatient }]);
        const res = await stow(admin, body, contentType);
        assert.equal(res.status, 409);
        const warnings = res.headers.get('warning') ?? '';
        assert.match(warnings, /DICOM_TRUNCATED/);
        assert.match(warnings, /part 2 quarantined: patient identity conflicts with study .*PatientID 'DW-1' vs 'DW-9'/);
        const quarantine = await admin.get<Array<{ sopInstanceUid: string }>>('/api/dicom/quarantine');
        assert.ok(quarantine.body.some((q) => q.sopInstanceUid === phantom.SOPInstanceUIDs[0]));
      });

      it('answers 409 when no instance could be stored: another study than the URL names', async () => {
        const { body, contentType } = multipart([{ bytes: await readFile(phantom.files[0]) }]);
        const res = await stow(admin, body, contentType, '/dicomweb/studies/1.2.3.4');
        assert.equal(res.status, 409);
        assert.match(res.headers.get('warning') ?? '', /not to 1\.2\.3\.4 named in the URL/);
      });

      it('answers 503 when nothing could be stored because the database is away, and leaves no file behind', async () => {
        const intake = running.app.get(InstanceIntakeService);
        const original = intake.accept.bind(intake);
        intake.accept = async (incoming) => {
          await rm(incoming, { force: true });
          throw new PolyradError('DATABASE_UNAVAILABLE', 'the database did not answer in time');
        };
        try {
          const { body, contentType } = multipart([{ bytes: (await phantomFiles())[1] }]);
          const res = await stow(admin, body, contentType);
          assert.deepEqual([res.status, ((await res.json()) as { code: string }).code], [503, 'DATABASE_UNAVAILABLE']);
          assert.deepEqual(await readdir(join(root, 'data', 'dicom', 'incoming')), []);
        } finally {
          intake.accept = original;
        }
      });

      it('refuses a request over POLYRAD_DICOMWEB_MAX_REQUEST_MB with 413', async () => {
        const { body, contentType } = multipart([{ bytes: randomBytes(9 * MiB) }]);
        const res = await stow(admin, body, contentType);
        assert.deepEqual([res.status, ((await res.json()) as { code: string }).code], [413, 'REQUEST_TOO_LARGE']);
      });

      it('needs a token (401), the admin role (403 for a radiologist or a vendor) and the same origin', async () => {
        const { body, contentType } = multipart([{ bytes: await readFile(phantom.files[0]) }]);
        assert.equal((await stow(undefined, body, contentType)).status, 401);
        assert.equal((await stow(reader, body, contentType)).status, 403);
        assert.equal((await stow(vendor, body, contentType)).status, 403);
        const large = multipart([{ bytes: randomBytes(2 * MiB) }]);
        assert.equal((await stow(undefined, large.body, large.contentType)).status, 401, 'over 1 MiB from nobody: refused before it is read');
        const foreign = await fetch(`${running.url}/dicomweb/studies`, {
          method: 'POST',
          headers: { origin: 'https://elsewhere.example', 'content-type': contentType, authorization: `Bearer ${admin.session!.accessToken}` },
          body,
        });
        assert.deepEqual([foreign.status, ((await foreign.json()) as { code: string }).code], [403, 'CROSS_ORIGIN_REFUSED']);
      });
    });

    describe('QIDO-RS', () => {
      const search = async (who: ApiClient, path: string): Promise<{ status: number; results: DicomJson[]; warning: string }> => {
        const res = await who.get<DicomJson[]>(path);
        return { status: res.status, results: res.body, warning: res.headers.get('warning') ?? '' };
      };
      const studiesFound = async (query: string): Promise<unknown[]> => (await search(reader, `/dicomweb/studies?${query}`)).results.map((r) => elementValue(r, '0020000D'));

      it('finds the stored study by the standard keys, with its modalities and counts', async () => {
        const { status, results } = await search(reader, '/dicomweb/studies?PatientID=DW-1');
        assert.equal(status, 200);
        assert.equal(results.length, 1);
        const [study] = results;
        assert.equal(elementValue(study, '0020000D'), phantom.StudyInstanceUID);
        assert.deepEqual(study['00100010'].Value, [{ Alphabetic: 'Doe^Jane' }]);
        assert.deepEqual(study['00080061'].Value, ['CT']);
        assert.equal(elementValue(study, '00201206'), 1);
        assert.equal(elementValue(study, '00201208'), phantom.files.length);
        assert.equal(elementValue(study, '00080050'), 'ACC-DW');
        const uid = [phantom.StudyInstanceUID];
        assert.deepEqual(await studiesFound('PatientName=jane&fuzzymatching=true'), uid);
        assert.deepEqual(await studiesFound('PatientName=jan&fuzzymatching=true'), uid);
        assert.deepEqual(await studiesFound('PatientName=jane'), []);
        assert.deepEqual(await studiesFound('PatientName=doe*'), uid);
        assert.deepEqual(await studiesFound('PatientName=D?e^Jane'), uid);
        assert.deepEqual(await studiesFound('StudyDate=20260101-20260131&PatientID=DW-*'), uid);
        assert.deepEqual(await studiesFound('StudyDate=-20260105&PatientID=DW-1'), uid);
        assert.deepEqual(await studiesFound('StudyDate=20260106-&PatientID=DW-1'), []);
        assert.deepEqual(await studiesFound('ModalitiesInStudy=MR,CT&PatientID=DW-1'), uid);
        assert.deepEqual(await studiesFound('ModalitiesInStudy=MR'), []);
        assert.deepEqual(await studiesFound(`StudyInstanceUID=1.2.3,${phantom.StudyInstanceUID}`), uid);
        assert.deepEqual(await studiesFound('00080050=ACC-DW'), uid);
      });

      it('lists series and instances, in order, with includefield, limit and offset', async () => {
        const series = await search(reader, `/dicomweb/studies/${phantom.StudyInstanceUID}/series`);
        assert.equal(series.results.length, 1);
        assert.equal(elementValue(series.results[0], '0020000E'), phantom.SeriesInstanceUID);
        assert.equal(elementValue(series.results[0], '00080060'), 'CT');
        assert.equal(elementValue(series.results[0], '00201209'), phantom.files.length);
        assert.equal((await search(reader, `/dicomweb/series?Modality=CT&SeriesInstanceUID=${phantom.SeriesInstanceUID}`)).results.length, 1);
        assert.equal((await search(reader, `/dicomweb/series?Modality=MR&SeriesInstanceUID=${phantom.SeriesInstanceUID}`)).results.length, 0);

        const path = `/dicomweb/studies/${phantom.StudyInstanceUID}/series/${phantom.SeriesInstanceUID}/instances`;
        const all = await search(reader, `${path}?includefield=ImagePositionPatient`);
        assert.deepEqual(all.results.map((r) => elementValue(r, '00200013')), phantom.files.map((_, i) => i + 1));
        assert.equal(all.results[0]['00200032'].Value?.length, 3);
        const page = await search(reader, `${path}?limit=2&offset=1`);
        assert.deepEqual(page.results.map((r) => elementValue(r, '00200013')), [2, 3]);
        assert.match(page.warning, /More matches than the limit of 2/);
        assert.equal(page.results[0]['00200032'], undefined, 'not without includefield');
        const one = await search(reader, `/dicomweb/instances?SOPInstanceUID=${phantom.SOPInstanceUIDs[2]}`);
        assert.deepEqual(one.results.map((r) => elementValue(r, '00080018')), [phantom.SOPInstanceUIDs[2]]);
        assert.match(String(elementValue(one.results[0], '00081190')), new RegExp(`/series/${phantom.SeriesInstanceUID}/instances/${phantom.SOPInstanceUIDs[2]}$`));
        assert.equal((await search(reader, `/dicomweb/studies/${phantom.StudyInstanceUID}/instances?InstanceNumber=4`)).results.length, 1);
      });

      it('finds and sends a study received by C-STORE as well', { skip: storescu ? false : 'DCMTK storescu not installed (apt-get install dcmtk)' }, async () => {
        const volume = generateChestPhantom({ seed: 4, dimensions: [32, 32, 3], spacing: [10, 10, 10] }).volume;
        const sent = await writeCtSeries(volume, join(root, 'by-dimse'), { PatientID: 'DW-DIMSE', StudyDate: '20260110' });
        // asynchronously: the listener answers from this process
        const child = spawn(storescu!, ['-aet', 'CT_SCANNER', '-aec', 'POLYRAD', '+sd', '+r', '127.0.0.1', String(running.dicomPort), join(root, 'by-dimse')], {
          env: { ...process.env, TCP_NODELAY: '1' },
          timeout: 60_000,
        });
        assert.equal(await new Promise((resolve) => child.on('close', resolve)), 0);
        assert.deepEqual(await studiesFound('PatientID=DW-DIMSE'), [sent.StudyInstanceUID]);
        const [metadata] = await dicomwebClient(running.url, reader).retrieveInstanceMetadata({
          studyInstanceUID: sent.StudyInstanceUID,
          seriesInstanceUID: sent.SeriesInstanceUID,
          sopInstanceUID: sent.SOPInstanceUIDs[0],
        });
        assert.equal(elementValue(metadata, '00100020'), 'DW-DIMSE');
      });

      it('refuses malformed values with 400 and names ignored keys in a Warning', async () => {
        for (const query of ['StudyDate=2026-01-05', 'StudyDate=20260101-20260201-20260301', 'limit=0', 'offset=-1', 'StudyInstanceUID=abc', 'fuzzymatching=maybe', 'InstanceNumber=x']) {
          const res = await admin.get<{ code: string }>(`/dicomweb/${query.startsWith('Instance') ? 'instances' : 'studies'}?${query}`);
          assert.deepEqual([res.status, res.body.code], [400, 'INVALID_DICOMWEB_QUERY'], query);
        }
        assert.equal((await admin.get('/dicomweb/studies/not-a-uid/series')).status, 400);
        const ignored = await search(reader, '/dicomweb/studies?PatientID=DW-1&PatientWeight=70');
        assert.equal(ignored.results.length, 1);
        assert.match(ignored.warning, /not supported and were ignored: PatientWeight/);
      });

      it('needs a token (401) and a reading role (403 for a vendor)', async () => {
        for (const path of ['/dicomweb/studies', '/dicomweb/series', '/dicomweb/instances', `/dicomweb/studies/${phantom.StudyInstanceUID}/series`]) {
          assert.equal((await fetch(`${running.url}${path}`)).status, 401, path);
          assert.equal((await vendor.get(path)).status, 403, path);
        }
      });
    });

    describe('WADO-RS', () => {
      const client = () => dicomwebClient(running.url, reader);
      const uidsOf = (i: number) => ({ studyInstanceUID: phantom.StudyInstanceUID, seriesInstanceUID: phantom.SeriesInstanceUID, sopInstanceUID: phantom.SOPInstanceUIDs[i] });
      const instancePath = (i: number) => `/dicomweb/studies/${phantom.StudyInstanceUID}/series/${phantom.SeriesInstanceUID}/instances/${phantom.SOPInstanceUIDs[i]}`;

      it('sends an instance, its series and its study byte for byte as stored', async () => {
        const files = await phantomFiles();
        const instance = await client().retrieveInstance(uidsOf(2));
        assert.ok(Buffer.from(instance).equals(files[2]));
        const series = await client().retrieveSeries({ studyInstanceUID: phantom.StudyInstanceUID, seriesInstanceUID: phantom.SeriesInstanceUID });
        assert.deepEqual(series.map((b) => Buffer.from(b).toString('base64')).sort(), files.map((b) => b.toString('base64')).sort());
        const study = await client().retrieveStudy({ studyInstanceUID: phantom.StudyInstanceUID });
        assert.equal(study.length, files.length);
      });

      it('sends metadata as DICOM JSON with a BulkDataURI for the pixel data, and frames as little-endian bytes', async () => {
        const [metadata] = await client().retrieveInstanceMetadata(uidsOf(1));
        assert.equal(elementValue(metadata, '00080018'), phantom.SOPInstanceUIDs[1]);
        assert.equal(elementValue(metadata, '0020000E'), phantom.SeriesInstanceUID);
        assert.equal(elementValue(metadata, '00280010'), 32);
        assert.equal(metadata['7FE00010'].Value, undefined);
        assert.match(metadata['7FE00010'].BulkDataURI ?? '', new RegExp(`${instancePath(1)}/frames/1$`));
        const studyMetadata = await client().retrieveStudyMetadata({ studyInstanceUID: phantom.StudyInstanceUID });
        assert.equal(studyMetadata.length, phantom.files.length);

        const header = await readDicomHeader(phantom.files[1]);
        const [frame] = await client().retrieveInstanceFrames({ ...uidsOf(1), frameNumbers: [1] });
        const stored = (await readFile(phantom.files[1])).subarray(header.pixelDataOffset!, header.pixelDataOffset! + 32 * 32 * 2);
        assert.ok(Buffer.from(frame).equals(stored));
      });

      it('renders a frame as PNG in the window asked for', async () => {
        const res = await fetch(`${running.url}${instancePath(0)}/rendered?window=40,400`, { headers: { authorization: `Bearer ${reader.session!.accessToken}` } });
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('content-type'), 'image/png');
        const png = Buffer.from(await res.arrayBuffer());
        assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20), png[25]], [32, 32, 0], '32 x 32 grey');
        const idat = png.indexOf('IDAT');
        const rows = inflateSync(png.subarray(idat + 4, idat + 4 + png.readUInt32BE(idat - 4)));
        assert.equal(rows[1], 0, 'air in the corner is black in a soft-tissue window');
        assert.ok(rows.some((v, i) => i % 33 !== 0 && v === 255), 'bone is white');
        const frame = await reader.get(`${instancePath(0)}/frames/1/rendered`);
        assert.equal(frame.status, 200);
        assert.equal((await reader.get(`${instancePath(0)}/frames/2/rendered`)).status, 404);
        assert.equal((await reader.get(`${instancePath(0)}/rendered?window=40`)).status, 400);
        const jpeg = await fetch(`${running.url}${instancePath(0)}/rendered`, { headers: { authorization: `Bearer ${reader.session!.accessToken}`, accept: 'image/jpeg' } });
        assert.equal(jpeg.status, 406);
      });

      it('answers 404 for what is not stored, 406 for a transfer syntax it would have to transcode, 400 for bad frame lists', async () => {
        assert.equal((await reader.get(`/dicomweb/studies/${phantom.StudyInstanceUID}/series/${phantom.SeriesInstanceUID}/instances/1.2.3.4`)).status, 404);
        assert.equal((await reader.get('/dicomweb/studies/1.2.3.4/metadata')).status, 404);
        assert.equal((await reader.get(`${instancePath(0)}/frames/2`)).status, 404);
        assert.equal((await reader.get(`${instancePath(0)}/frames/0,x`)).status, 400);
        const jpeg = await fetch(`${running.url}${instancePath(0)}`, {
          headers: { authorization: `Bearer ${reader.session!.accessToken}`, accept: 'multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.4.50' },
        });
        assert.equal(jpeg.status, 406);
      });

      it('needs a token (401) and a reading role (403 for a vendor)', async () => {
        for (const path of [instancePath(0), `${instancePath(0)}/metadata`, `${instancePath(0)}/frames/1`, `${instancePath(0)}/rendered`, `/dicomweb/studies/${phantom.StudyInstanceUID}`]) {
          assert.equal((await fetch(`${running.url}${path}`)).status, 401, path);
          assert.equal((await vendor.get(path)).status, 403, path);
        }
      });
    });

    describe('a real CT series through dicomweb-client', { skip: realCtSkip }, () => {
      const client = () => dicomwebClient(running.url, admin);

      it('is stored by STOW-RS, found by QIDO-RS, and retrieved by WADO-RS as it was sent', async () => {
        const files = (await readdir(realCt)).filter((f) => f.endsWith('.dcm')).sort().map((f) => join(realCt, f));
        for (let i = 0; i < files.length; i += 16) {
          const datasets = await Promise.all(
            files.slice(i, i + 16).map(async (f) => {
              const bytes = await readFile(f);
              return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
            }),
          );
          await client().storeInstances({ datasets });
        }
        const first = await readDicomHeader(files[0]);
        const studies = await client().searchForStudies({ queryParams: { PatientID: first.PatientID } });
        assert.deepEqual(studies.map((s) => elementValue(s, '0020000D')), [first.StudyInstanceUID]);
        assert.equal(elementValue(studies[0], '00201208'), files.length);
        const series = await client().searchForSeries({ studyInstanceUID: first.StudyInstanceUID });
        assert.deepEqual(series.map((s) => elementValue(s, '0020000E')), [first.SeriesInstanceUID]);
        const instances = await client().searchForInstances({ studyInstanceUID: first.StudyInstanceUID, seriesInstanceUID: first.SeriesInstanceUID });
        assert.equal(instances.length, files.length);
        assert.ok(instances.some((i) => elementValue(i, '00080018') === first.SOPInstanceUID));

        const uids = { studyInstanceUID: first.StudyInstanceUID, seriesInstanceUID: first.SeriesInstanceUID, sopInstanceUID: first.SOPInstanceUID };
        const sent = await readFile(files[0]);
        assert.ok(Buffer.from(await client().retrieveInstance(uids)).equals(sent));
        const [metadata] = await client().retrieveInstanceMetadata(uids);
        assert.equal(elementValue(metadata, '00080018'), first.SOPInstanceUID);
        assert.equal(elementValue(metadata, '00100020'), first.PatientID);
        // JPEG Lossless as stored: the frame is the compressed bitstream, asked for with transfer-syntax=*
        const [frame] = await client().retrieveInstanceFrames({ ...uids, frameNumbers: [1], mediaTypes: [{ mediaType: 'application/octet-stream', transferSyntaxUID: '*' }] });
        const bytes = Buffer.from(frame);
        assert.deepEqual([bytes[0], bytes[1]], [0xff, 0xd8]);
        assert.ok(sent.indexOf(bytes) > 0);
      });
    });
  });
}
