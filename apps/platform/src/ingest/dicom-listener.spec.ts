import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, beforeEach, describe, it } from 'node:test';
import { generateDicomUid, writeCtSeries } from '@polyrad/dicom';
import { generateChestPhantom } from '@polyrad/phantom';
import { createUser, signInAdmin, withTestAuth } from '../auth/auth.fixture.js';
import { createApp, type RunningApp } from '../main.js';
import { dcmtkTool, runDcmtk } from './dcmtk.fixture.js';
import { DicomStoreScp } from './dicom-store.scp.js';
import { parseDicomPeers } from './dicom-peer.allowlist.js';
import { InstanceIntakeService } from './instance-intake.service.js';
import { InstanceStore } from './instance.store.js';
import {
  CT_IMAGE_STORAGE,
  IMPLICIT_LE,
  RawPeer,
  VERIFICATION,
  cStoreRq,
  commandSet,
  implicitElement,
  pData,
  pdu,
  readPart10,
  type ProposedContext,
} from './raw-association.fixture.js';

const tool = dcmtkTool;
const storescu = tool('storescu');
const echoscu = tool('echoscu');
// dist/ingest sits four levels below the repository root (apps/platform/dist/ingest)
const testData = resolve(process.env.POLYRAD_TEST_DATA ?? join(fileURLToPath(new URL('.', import.meta.url)), '../../../../../shared/data'));

const run = runDcmtk;

const LIMITS = { maxPduBytes: 64 * 1024, maxInstanceBytes: 8 * 1024 * 1024, maxAssociations: 4, timeoutMs: 3000 };
// the guard may hold one PDU up to the limit plus one socket read (64 KiB) while it looks at a header
const BUFFER_BOUND = LIMITS.maxPduBytes + 6 + 64 * 1024;
const FOUR_GB = 0xfffffff0;
const DEFLATED_LE = '1.2.840.10008.1.2.1.99';
const A_ASSOCIATE_AC = 0x02;
const A_ASSOCIATE_RJ = 0x03;
const A_ABORT = 0x07;
const STATUS_SUCCESS = 0;
const STATUS_CANNOT_UNDERSTAND = 0xc000;
const ECHO: ProposedContext = { id: 1, abstractSyntax: VERIFICATION, transferSyntaxes: [IMPLICIT_LE] };
const CT: ProposedContext = { id: 3, abstractSyntax: CT_IMAGE_STORAGE, transferSyntaxes: [IMPLICIT_LE] };

const uid = (text: string): Buffer => Buffer.from(text.length % 2 ? `${text}\0` : text, 'ascii');

describe('DICOM listener: allow-list, limits and quarantine', () => {
  let root: string;
  let running: RunningApp;
  let scp: DicomStoreScp;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'polyrad-listener-'));
    running = await createApp(withTestAuth({
      port: 0,
      dicomPort: 0,
      // nothing is analysed here: these tests are about what is accepted and stored
      quietPeriodMs: 3_600_000,
      dataDir: join(root, 'data'),
      dicomIntake: { ...LIMITS, peers: parseDicomPeers('RAWPEER@127.0.0.1,CT_SCANNER@127.0.0.0/8,ECHOSCU').peers },
    }));
    scp = running.app.get(DicomStoreScp);
  });
  after(async () => {
    await running?.close();
    await rm(root, { recursive: true, force: true });
  });
  beforeEach(() => {
    scp.guardStats.peakBufferedBytes = scp.guardStats.bufferedBytes;
  });

  const open = (localAddress?: string): Promise<RawPeer> => RawPeer.open(running.dicomPort, localAddress);

  /** Every association has closed and the guards hold nothing (closing is asynchronous: poll with a deadline). */
  async function assertSettled(): Promise<void> {
    const deadline = Date.now() + 30_000;
    while ((scp.guardStats.associations > 0 || scp.guardStats.bufferedBytes > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual([scp.guardStats.associations, scp.guardStats.bufferedBytes], [0, 0], 'every association closed, nothing held');
  }

  /** Once the attackers are gone, the listener answers C-ECHO on a fresh association (raw, and from DCMTK's echoscu). */
  async function assertStillServes(): Promise<void> {
    await assertSettled();
    const peer = await open();
    try {
      const { reply } = await peer.associate('RAWPEER', [ECHO]);
      assert.equal(reply?.type, A_ASSOCIATE_AC);
      assert.equal(await peer.echo(ECHO.id), STATUS_SUCCESS);
    } finally {
      peer.close();
    }
    if (echoscu) {
      const echo = await run(echoscu, ['-aet', 'ECHOSCU', '-aec', 'POLYRAD', '127.0.0.1', String(running.dicomPort)]);
      assert.equal(echo.status, 0, echo.output);
    }
    await assertSettled();
  }

  it('rejects a calling AE title not in the allow-list, and a listed AE title from an unlisted host', async () => {
    const intruder = await open();
    const refused = (await intruder.associate('INTRUDER', [ECHO])).reply;
    intruder.close();
    assert.equal(refused?.type, A_ASSOCIATE_RJ);
    assert.equal(refused?.body[3], 3, 'reason: calling AE title not recognized');

    // RAWPEER is listed for 127.0.0.1 only; 127.0.0.2 is another loopback address of this machine
    const elsewhere = await open('127.0.0.2');
    const wrongHost = (await elsewhere.associate('RAWPEER', [ECHO])).reply;
    elsewhere.close();
    assert.equal(wrongHost?.type, A_ASSOCIATE_RJ);
    assert.equal(wrongHost?.body[3], 3);

    // CT_SCANNER is listed for the whole 127.0.0.0/8 range
    const listed = await open('127.0.0.2');
    const { reply } = await listed.associate('CT_SCANNER', [ECHO]);
    assert.equal(reply?.type, A_ASSOCIATE_AC);
    assert.equal(await listed.echo(ECHO.id), STATUS_SUCCESS);
    listed.close();

    if (storescu) {
      const phantom = generateChestPhantom({ seed: 4, dimensions: [32, 32, 1], spacing: [10, 10, 5] });
      await writeCtSeries(phantom.volume, join(root, 'intruder-ae'), { PatientID: 'X', StudyDate: '20260301' });
      const sent = await run(storescu, ['-aet', 'INTRUDER', '-aec', 'POLYRAD', '+sd', '127.0.0.1', String(running.dicomPort), join(root, 'intruder-ae')]);
      assert.match(sent.output, /Calling AE Title Not Recognized/i);
    }
    await assertStillServes();
  });

  it('announces the PDU limit and aborts a PDU declaring 4 GB without buffering its body', async () => {
    const peer = await open();
    const { reply } = await peer.associate('RAWPEER', [ECHO]);
    assert.equal(reply?.type, A_ASSOCIATE_AC);
    // user information item 0x50 holds max length sub-item 0x51: the listener's limit (our request said 16384, the smaller wins)
    const maxLength = reply!.body.readUInt32BE(reply!.body.indexOf(Buffer.from([0x51, 0, 0, 4])) + 4);
    assert.equal(maxLength, 16384);
    // a 4 GB declaration, then 1 MiB of what would be its body
    await peer.send(pdu(0x04, Buffer.alloc(1024 * 1024), FOUR_GB));
    const answer = await peer.next();
    assert.ok(answer === undefined || answer.type === A_ABORT, `got PDU type ${answer?.type}`);
    assert.ok(await peer.closedByListener());
    assert.ok(scp.guardStats.peakBufferedBytes <= BUFFER_BOUND, `guard held ${scp.guardStats.peakBufferedBytes} bytes`);
    await assertStillServes();
  });

  it('answers a C-STORE whose dataset declares a 4 GB element with a failure, stores nothing, and the association goes on', async () => {
    const StudyInstanceUID = generateDicomUid();
    const SOPInstanceUID = generateDicomUid();
    const dataset = Buffer.concat([
      implicitElement(0x0008, 0x0016, uid(CT_IMAGE_STORAGE)),
      implicitElement(0x0008, 0x0018, uid(SOPInstanceUID)),
      implicitElement(0x0010, 0x0020, Buffer.from('EVIL')),
      implicitElement(0x0020, 0x000d, uid(StudyInstanceUID)),
      implicitElement(0x0020, 0x000e, uid(generateDicomUid())),
      implicitElement(0x7fe0, 0x0010, Buffer.alloc(1024), FOUR_GB),
    ]);
    const peer = await open();
    // deflate is refused (a small message could inflate to gigabytes); the uncompressed syntax is chosen
    const { accepted } = await peer.associate('RAWPEER', [ECHO, CT, { id: 5, abstractSyntax: CT_IMAGE_STORAGE, transferSyntaxes: [DEFLATED_LE] }]);
    assert.equal(accepted.get(CT.id), IMPLICIT_LE);
    assert.equal(accepted.has(5), false);
    const answer = await peer.request(CT.id, cStoreRq(7, CT_IMAGE_STORAGE, SOPInstanceUID), dataset);
    assert.deepEqual(answer, { status: STATUS_CANNOT_UNDERSTAND, errorComment: 'DICOM_TRUNCATED' });
    assert.equal(await peer.echo(ECHO.id), STATUS_SUCCESS, 'the same association still serves');
    peer.close();
    assert.deepEqual(await running.app.get(InstanceStore).studyFiles(StudyInstanceUID), []);
    assert.ok(scp.guardStats.peakBufferedBytes <= BUFFER_BOUND);
    await assertStillServes();
  });

  it('aborts a command set whose element declares 4 GB, and any command but C-ECHO, C-STORE and C-FIND', async () => {
    const lying = await open();
    await lying.associate('RAWPEER', [ECHO]);
    await lying.send(pData(ECHO.id, true, true, commandSet([implicitElement(0, 0x0100, Buffer.from([0x30, 0])), implicitElement(0, 0x1000, Buffer.alloc(8), FOUR_GB)])));
    assert.equal((await lying.next())?.type, A_ABORT);
    assert.ok(await lying.closedByListener());

    // C-MOVE-RQ (0x0021) with an identifier: not served, so the library never parses its identifier
    const mover = await open();
    await mover.associate('RAWPEER', [ECHO]);
    await mover.send(pData(ECHO.id, true, true, commandSet([implicitElement(0, 0x0100, Buffer.from([0x21, 0])), implicitElement(0, 0x0800, Buffer.from([0, 0]))])));
    assert.equal((await mover.next())?.type, A_ABORT);
    await assertStillServes();
  });

  it('closes a peer that leaves a PDU unfinished, one that sends garbage, and one that drops mid-instance, leaving no partial file', async () => {
    const silent = await open();
    await silent.associate('RAWPEER', [ECHO]);
    await silent.send(pdu(0x04, Buffer.alloc(10), 1000));
    assert.ok(await silent.closedByListener(), 'closed after the PDU deadline');

    const garbage = await open();
    await garbage.send(Buffer.from('GET / HTTP/1.1\r\nHost: polyrad\r\n\r\n'));
    const answer = await garbage.next();
    assert.ok(answer === undefined || answer.type === A_ABORT);
    assert.ok(await garbage.closedByListener());

    const dropped = await open();
    await dropped.associate('RAWPEER', [CT]);
    await dropped.send(pData(CT.id, true, true, cStoreRq(1, CT_IMAGE_STORAGE, generateDicomUid())));
    await dropped.send(pData(CT.id, false, false, Buffer.alloc(20_000)));
    dropped.close();
    await assertStillServes();
    const incoming = join(root, 'data', 'dicom', 'incoming');
    const deadline = Date.now() + 30_000;
    while ((await readdir(incoming)).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(await readdir(incoming), []);
  });

  it('aborts a C-STORE whose dataset grows past the instance limit and keeps no partial file', async () => {
    const peer = await open();
    const { accepted } = await peer.associate('RAWPEER', [CT]);
    assert.ok(accepted.has(CT.id));
    await peer.send(pData(CT.id, true, true, cStoreRq(1, CT_IMAGE_STORAGE, generateDicomUid())));
    const fragment = Buffer.alloc(60_000);
    for (let sent = 0; sent <= LIMITS.maxInstanceBytes && !peer.closed; sent += fragment.length) await peer.send(pData(CT.id, false, false, fragment));
    const answer = await peer.next();
    assert.ok(answer === undefined || answer.type === A_ABORT, `got PDU type ${answer?.type}`);
    assert.ok(await peer.closedByListener());
    await assertStillServes();
    const incoming = join(root, 'data', 'dicom', 'incoming');
    const deadline = Date.now() + 30_000;
    while ((await readdir(incoming)).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(await readdir(incoming), []);
  });

  it('survives A-ASSOCIATE-RQ bodies of random bytes', async () => {
    // a fixed-seed generator: the same bytes on every run
    let seed = 12345;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 256;
    for (let n = 0; n < 20; n++) {
      const peer = await open();
      await peer.send(pdu(0x01, Buffer.from(Array.from({ length: 80 + n * 37 }, random))));
      const answer = await peer.next();
      assert.ok(answer === undefined || [A_ASSOCIATE_RJ, A_ABORT].includes(answer.type), `got PDU type ${answer?.type}`);
      peer.close();
    }
    await assertStillServes();
  });

  it('serves at most the configured number of associations at once and rejects the rest as a local limit', async () => {
    const peers = await Promise.all(Array.from({ length: 10 }, () => open()));
    try {
      const replies = await Promise.all(peers.map(async (peer) => (await peer.associate('RAWPEER', [ECHO])).reply));
      const accepted = replies.filter((r) => r?.type === A_ASSOCIATE_AC).length;
      const limited = replies.filter((r) => r?.type === A_ASSOCIATE_RJ && r.body[1] === 2 && r.body[3] === 2).length;
      assert.deepEqual([accepted, limited], [LIMITS.maxAssociations, 10 - LIMITS.maxAssociations]);
    } finally {
      peers.forEach((peer) => peer.close());
    }
    await assertStillServes();
  });

  const malformed = [
    'transfer-syntaxes/pydicom/test_files/MR_truncated.dcm',
    'transfer-syntaxes/pydicom/test_files/rtplan_truncated.dcm',
    'transfer-syntaxes/pydicom/test_files/badVR.dcm',
    'transfer-syntaxes/pydicom/test_files/no_meta.dcm',
    'transfer-syntaxes/pydicom/test_files/no_meta_group_length.dcm',
    'transfer-syntaxes/pydicom/test_files/meta_missing_tsyntax.dcm',
    'transfer-syntaxes/pydicom/test_files/ExplVR_LitEndNoMeta.dcm',
    'transfer-syntaxes/pydicom/test_files/UN_sequence.dcm',
    'transfer-syntaxes/pydicom/test_files/nested_priv_SQ.dcm',
    'transfer-syntaxes/pydicom/test_files/JPEG2000-embedded-sequence-delimiter.dcm',
    'transfer-syntaxes/pydicom-data/bad_sequence.dcm',
    'transfer-syntaxes/pydicom-data/emri_small_jpeg_2k_lossless_too_short.dcm',
    'transfer-syntaxes/pydicom-data/explicit_VR-UN.dcm',
  ];
  const skipData = existsSync(join(testData, 'transfer-syntaxes/pydicom')) ? false : `real test data not found at ${testData} (set POLYRAD_TEST_DATA)`;

  it('answers every malformed file of the shared test data sent raw, and stays up', { skip: skipData }, async () => {
    let answered = 0;
    for (const file of malformed) {
      const { sopClass, sopInstance, transferSyntax, dataset } = await readPart10(join(testData, file));
      const peer = await open();
      try {
        const context = { id: 1, abstractSyntax: sopClass, transferSyntaxes: [transferSyntax] };
        const { accepted } = await peer.associate('RAWPEER', [context]);
        // a class or syntax the listener does not take is refused at association: nothing to send
        if (!accepted.has(1)) continue;
        const answer = await peer.request(1, cStoreRq(1, sopClass, sopInstance), dataset);
        assert.ok(answer, `${file}: the listener answered the C-STORE`);
        answered++;
      } finally {
        peer.close();
      }
    }
    assert.ok(answered >= 8, `only ${answered} of the files were taken for sending`);
    assert.ok(scp.guardStats.peakBufferedBytes <= BUFFER_BOUND);
    await assertStillServes();
  });

  it('quarantines instances whose patient identity conflicts with their study and leaves the study untouched', async (t) => {
    const StudyInstanceUID = generateDicomUid();
    const phantom = generateChestPhantom({ seed: 3, dimensions: [32, 32, 2], spacing: [10, 10, 5] });
    const meta = { StudyDate: '20260301', StudyInstanceUID, PatientName: 'DOE^JANE', seed: 1 };
    await writeCtSeries(phantom.volume, join(root, 'original'), { ...meta, PatientID: 'PAT-1', SeriesNumber: 1 });
    await writeCtSeries(phantom.volume, join(root, 'intruder'), { ...meta, PatientID: 'PAT-2', SeriesNumber: 2 });
    const store = running.app.get(InstanceStore);

    const sendAll = async (dir: string): Promise<Array<{ status: number; errorComment: string } | undefined>> => {
      const answers = [];
      for (const name of await readdir(dir)) {
        const { sopClass, sopInstance, transferSyntax, dataset } = await readPart10(join(dir, name));
        const peer = await open();
        const context = { id: 1, abstractSyntax: sopClass, transferSyntaxes: [transferSyntax] };
        await peer.associate('RAWPEER', [context]);
        answers.push(await peer.request(1, cStoreRq(1, sopClass, sopInstance), dataset));
        peer.close();
      }
      return answers;
    };
    assert.deepEqual((await sendAll(join(root, 'original'))).map((a) => a?.status), [STATUS_SUCCESS, STATUS_SUCCESS]);
    const before = await store.studyFiles(StudyInstanceUID);
    assert.equal(before.length, 2);

    const refused = await sendAll(join(root, 'intruder'));
    assert.deepEqual(refused.map((a) => a?.status), [STATUS_CANNOT_UNDERSTAND, STATUS_CANNOT_UNDERSTAND]);
    assert.match(refused[0]!.errorComment, /quarantined: patient identity/);
    assert.deepEqual(await store.studyFiles(StudyInstanceUID), before, 'the study keeps exactly its own instances');

    const quarantine = (await running.app.get(InstanceIntakeService).listQuarantine()).filter((q) => q.studyInstanceUid === StudyInstanceUID);
    assert.equal(quarantine.length, 2);
    assert.match(quarantine[0].reason, /PatientID "PAT-1" vs "PAT-2"/);
    assert.equal(quarantine[0].patientIdentity.PatientID, 'PAT-2');
    assert.equal(quarantine[0].callingAe, 'RAWPEER');
    for (const entry of quarantine) {
      assert.ok(existsSync(entry.path), 'the quarantined file is kept for review');
      assert.ok(!before.includes(entry.path));
    }
    // admins see the same list over HTTP, without the server's file paths; other roles and anonymous callers do not
    const admin = await signInAdmin(running.url);
    const listed = await admin.get<Array<Record<string, unknown>>>('/api/dicom/quarantine');
    assert.equal(listed.status, 200);
    const shown = listed.body.filter((q) => q.studyInstanceUid === StudyInstanceUID);
    assert.deepEqual(shown.map((q) => q.reason), quarantine.map((q) => q.reason));
    assert.ok(shown.every((q) => !('path' in q)));
    const reader = await createUser(admin, { username: `reader-${StudyInstanceUID.slice(-6)}`, role: 'radiologist', sites: ['default'] });
    assert.equal((await reader.get('/api/dicom/quarantine')).status, 403);
    assert.equal((await fetch(`${running.url}/api/dicom/quarantine`)).status, 401);
    if (!storescu) return t.diagnostic('storescu not installed: the modality path is covered by dicom-ingest.spec');
    // a modality sending the study's own patient again is still stored
    await writeCtSeries(phantom.volume, join(root, 'more'), { ...meta, PatientID: 'PAT-1', SeriesNumber: 3 });
    const sent = await run(storescu, ['-aet', 'CT_SCANNER', '-aec', 'POLYRAD', '+sd', '+r', '127.0.0.1', String(running.dicomPort), join(root, 'more')]);
    assert.equal(sent.status, 0, sent.output);
    assert.equal((await store.studyFiles(StudyInstanceUID)).length, 4);
  });
});
