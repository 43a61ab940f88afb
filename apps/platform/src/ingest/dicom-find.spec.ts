import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeCtSeries } from '@polyrad/dicom';
import { generateChestPhantom } from '@polyrad/phantom';
import dcmjs from 'dcmjs';
import { withTestAuth } from '../auth/auth.fixture.js';
import { DEFAULT_DICOM_INTAKE } from '../config/app-config.js';
import { createTempPostgres } from '../database/test-postgres.js';
import { createApp, type RunningApp } from '../main.js';
import { dcmtkTool, runDcmtk } from './dcmtk.fixture.js';
import { parseDicomPeers } from './dicom-peer.allowlist.js';
import { commandSet, implicitElement, pData, RawPeer } from './raw-association.fixture.js';

const storescu = dcmtkTool('storescu');
const findscu = dcmtkTool('findscu');
const skip = storescu && findscu ? false : 'DCMTK storescu/findscu not installed';
const STUDY_ROOT_FIND = '1.2.840.10008.5.1.4.1.2.2.1';
const A_ABORT = 0x07;

type Natural = Record<string, unknown>;
const text = (value: unknown): string => {
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'object' && first !== null ? String((first as { Alphabetic?: string }).Alphabetic ?? '') : String(first ?? '');
};

// the same SQL runs on both backends
const postgres = await createTempPostgres();
after(async () => postgres?.drop());

for (const backend of ['PGlite', ...(postgres ? ['PostgreSQL'] : [])]) {
  describe(`C-FIND SCP on ${backend} (DCMTK findscu as the peer)`, { skip }, () => {
    let root: string;
    let running: RunningApp;
    const studies: Record<'jane' | 'janet' | 'john', { study: string; series: string[] }> = {} as never;

    before(async () => {
      root = await mkdtemp(join(tmpdir(), 'polyrad-find-'));
      running = await createApp(
        withTestAuth({
          port: 0,
          dicomPort: 0,
          quietPeriodMs: 3_600_000,
          dataDir: join(root, 'data'),
          ...(backend === 'PostgreSQL' ? { databaseUrl: postgres!.url } : {}),
          // FINDSCU may associate from this machine; OTHERAE may not
          dicomIntake: { ...DEFAULT_DICOM_INTAKE, peers: parseDicomPeers('FINDSCU@127.0.0.1,STORESCU@127.0.0.1').peers },
        }),
      );
      const volume = generateChestPhantom({ seed: 5, dimensions: [16, 16, 3], spacing: [10, 10, 10] }).volume;
      const send = async (name: string, meta: Parameters<typeof writeCtSeries>[2]) => {
        const written = await writeCtSeries(volume, join(root, name), meta);
        const sent = await runDcmtk(storescu!, ['-aet', 'STORESCU', '-aec', 'POLYRAD', '127.0.0.1', String(running.dicomPort), ...written.files]);
        assert.equal(sent.status, 0, sent.output);
        return written;
      };
      const jane = await send('jane-1', { PatientID: 'FIND-1', PatientName: 'Doe^Jane', StudyDate: '20250110', SeriesNumber: 1 });
      const jane2 = await send('jane-2', { PatientID: 'FIND-1', PatientName: 'Doe^Jane', StudyDate: '20250110', SeriesNumber: 2, StudyInstanceUID: jane.StudyInstanceUID });
      const janet = await send('janet', { PatientID: 'FIND-2', PatientName: 'Doe^Janet', StudyDate: '20250615', SeriesNumber: 1 });
      const john = await send('john', { PatientID: 'OTHER-3', PatientName: 'Smith^John', StudyDate: '20240301', SeriesNumber: 1 });
      studies.jane = { study: jane.StudyInstanceUID, series: [jane.SeriesInstanceUID, jane2.SeriesInstanceUID] };
      studies.janet = { study: janet.StudyInstanceUID, series: [janet.SeriesInstanceUID] };
      studies.john = { study: john.StudyInstanceUID, series: [john.SeriesInstanceUID] };
    });
    after(async () => {
      await running?.close();
      await rm(root, { recursive: true, force: true });
    });

    let queries = 0;
    /** Runs findscu (Study Root) with `keys`; returns the status it exited with, its output and every match it received. */
    async function find(keys: string[], aeTitle = 'FINDSCU'): Promise<{ status: number | null; output: string; matches: Natural[] }> {
      const out = join(root, `find-${queries++}`);
      await mkdir(out);
      const args = ['-v', '-S', '-aet', aeTitle, '-aec', 'POLYRAD', '-X', '-od', out, ...keys.flatMap((k) => ['-k', k]), '127.0.0.1', String(running.dicomPort)];
      const { status, output } = await runDcmtk(findscu!, args);
      const matches: Natural[] = [];
      for (const name of (await readdir(out)).sort()) {
        const bytes = await readFile(join(out, name));
        const { dict } = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer);
        matches.push(dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict) as Natural);
      }
      return { status, output, matches };
    }
    const studyUids = (matches: Natural[]): string[] => matches.map((m) => String(m.StudyInstanceUID)).sort();

    it('matches studies on PatientID, with and without wildcards, and returns the keys asked for', async () => {
      const exact = await find(['QueryRetrieveLevel=STUDY', 'PatientID=FIND-1', 'StudyInstanceUID', 'PatientName', 'StudyDate', 'NumberOfStudyRelatedSeries', 'NumberOfStudyRelatedInstances']);
      assert.equal(exact.status, 0, exact.output);
      assert.deepEqual(studyUids(exact.matches), [studies.jane.study]);
      const [match] = exact.matches;
      assert.equal(text(match.PatientName), 'Doe^Jane');
      assert.equal(match.StudyDate, '20250110');
      assert.equal(Number(text(match.NumberOfStudyRelatedSeries)), 2);
      assert.equal(Number(text(match.NumberOfStudyRelatedInstances)), 6);
      assert.equal(match.QueryRetrieveLevel, 'STUDY');

      const wild = await find(['QueryRetrieveLevel=STUDY', 'PatientID=FIND-*', 'StudyInstanceUID']);
      assert.deepEqual(studyUids(wild.matches), [studies.jane.study, studies.janet.study].sort());
      const none = await find(['QueryRetrieveLevel=STUDY', 'PatientID=NOBODY', 'StudyInstanceUID']);
      assert.equal(none.status, 0, none.output);
      assert.deepEqual(none.matches, []);
    });

    it('matches PatientName with wildcards, ignoring case', async () => {
      const star = await find(['QueryRetrieveLevel=STUDY', 'PatientName=doe^jan*', 'StudyInstanceUID']);
      assert.deepEqual(studyUids(star.matches), [studies.jane.study, studies.janet.study].sort());
      const one = await find(['QueryRetrieveLevel=STUDY', 'PatientName=Doe^Jan?', 'StudyInstanceUID']);
      assert.deepEqual(studyUids(one.matches), [studies.jane.study]);
    });

    it('matches StudyDate ranges, open on either side', async () => {
      const range = await find(['QueryRetrieveLevel=STUDY', 'StudyDate=20250101-20250331', 'StudyInstanceUID']);
      assert.deepEqual(studyUids(range.matches), [studies.jane.study]);
      const since = await find(['QueryRetrieveLevel=STUDY', 'StudyDate=20250101-', 'StudyInstanceUID']);
      assert.deepEqual(studyUids(since.matches), [studies.jane.study, studies.janet.study].sort());
      const until = await find(['QueryRetrieveLevel=STUDY', 'StudyDate=-20241231', 'StudyInstanceUID']);
      assert.deepEqual(studyUids(until.matches), [studies.john.study]);
    });

    it('matches ModalitiesInStudy and StudyInstanceUID lists', async () => {
      const ct = await find(['QueryRetrieveLevel=STUDY', 'ModalitiesInStudy=CT', 'PatientID=FIND-2', 'StudyInstanceUID']);
      assert.deepEqual(studyUids(ct.matches), [studies.janet.study]);
      assert.deepEqual(ct.matches[0].ModalitiesInStudy, 'CT');
      const mr = await find(['QueryRetrieveLevel=STUDY', 'ModalitiesInStudy=MR', 'StudyInstanceUID']);
      assert.deepEqual(mr.matches, []);
      const either = await find(['QueryRetrieveLevel=STUDY', 'ModalitiesInStudy=MR\\CT', 'PatientID=OTHER-3', 'StudyInstanceUID']);
      assert.deepEqual(studyUids(either.matches), [studies.john.study]);
      const list = await find(['QueryRetrieveLevel=STUDY', `StudyInstanceUID=${studies.john.study}\\${studies.janet.study}`]);
      assert.deepEqual(studyUids(list.matches), [studies.john.study, studies.janet.study].sort());
    });

    it('lists the series of one study, with their instance counts', async () => {
      const series = await find(['QueryRetrieveLevel=SERIES', `StudyInstanceUID=${studies.jane.study}`, 'SeriesInstanceUID', 'SeriesNumber', 'Modality', 'NumberOfSeriesRelatedInstances']);
      assert.equal(series.status, 0, series.output);
      assert.deepEqual(series.matches.map((m) => String(m.SeriesInstanceUID)).sort(), [...studies.jane.series].sort());
      assert.deepEqual(series.matches.map((m) => Number(text(m.SeriesNumber))).sort(), [1, 2]);
      assert.ok(series.matches.every((m) => m.Modality === 'CT' && Number(text(m.NumberOfSeriesRelatedInstances)) === 3 && m.QueryRetrieveLevel === 'SERIES'));
      const second = await find(['QueryRetrieveLevel=SERIES', `StudyInstanceUID=${studies.jane.study}`, 'SeriesNumber=2', 'SeriesInstanceUID']);
      assert.deepEqual(second.matches.map((m) => m.SeriesInstanceUID), [studies.jane.series[1]]);
    });

    it('refuses a bad query with a failure status naming the reason, and a peer not on the allow-list', async () => {
      const badDate = await find(['QueryRetrieveLevel=STUDY', 'StudyDate=last week', 'StudyInstanceUID']);
      assert.deepEqual(badDate.matches, []);
      // 0xA900 "Identifier does not match SOP Class" (the reason is its ErrorComment and a log line)
      assert.match(badDate.output, /Final Find Response \(Error: DataSetDoesNotMatchSOPClass\)/);
      const patientLevel = await find(['QueryRetrieveLevel=PATIENT', 'PatientID']);
      assert.deepEqual(patientLevel.matches, []);
      assert.match(patientLevel.output, /Final Find Response \(Error: DataSetDoesNotMatchSOPClass\)/);

      const stranger = await find(['QueryRetrieveLevel=STUDY', 'PatientID=FIND-1', 'StudyInstanceUID'], 'OTHERAE');
      assert.notEqual(stranger.status, 0);
      assert.match(stranger.output, /Association Rejected|rejected/i);
      assert.deepEqual(stranger.matches, []);
    });

    it('aborts a C-FIND identifier over 64 KiB before the library parses it, and still serves', async () => {
      const peer = await RawPeer.open(running.dicomPort);
      await peer.associate('FINDSCU', [{ id: 1, abstractSyntax: STUDY_ROOT_FIND, transferSyntaxes: ['1.2.840.10008.1.2'] }]);
      const command = commandSet([
        implicitElement(0, 0x0002, Buffer.from(`${STUDY_ROOT_FIND}\0`)),
        implicitElement(0, 0x0100, Buffer.from([0x20, 0])),
        implicitElement(0, 0x0110, Buffer.from([1, 0])),
        implicitElement(0, 0x0800, Buffer.from([0, 0])),
      ]);
      await peer.send(pData(1, true, true, command));
      for (let n = 0; n < 3; n++) await peer.send(pData(1, false, false, Buffer.alloc(30_000)));
      assert.equal((await peer.next())?.type, A_ABORT);
      assert.ok(await peer.closedByListener());
      const still = await find(['QueryRetrieveLevel=STUDY', 'PatientID=FIND-2', 'StudyInstanceUID']);
      assert.deepEqual(studyUids(still.matches), [studies.janet.study]);
    });
  });
}
