import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { encodePart10, generateDicomUid } from '@polyrad/dicom';
import { withTestAuth } from '../auth/auth.fixture.js';
import { createApp, type RunningApp } from '../main.js';
import { dcmtkTool, runDcmtk } from './dcmtk.fixture.js';
import { parseDicomPeers } from './dicom-peer.allowlist.js';
import { CT_SLICE_CONTEXT as CT, ctSlice as ctDataset, storeRaw, text } from './ct-slice.fixture.js';
import { CT_IMAGE_STORAGE, IMPLICIT_LE, RawPeer, cStoreRq, pData, pdu } from './raw-association.fixture.js';

const storescu = dcmtkTool('storescu');
const STATUS_SUCCESS = 0;

describe('hostile instances over the network', () => {
  let root: string;
  let running: RunningApp;
  const study = generateDicomUid();
  const series = generateDicomUid();

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'polyrad-hostile-'));
    running = await createApp(withTestAuth({
      port: 0,
      dicomPort: 0,
      quietPeriodMs: 3_600_000,
      dataDir: join(root, 'data'),
      dicomIntake: { maxPduBytes: 64 * 1024, maxInstanceBytes: 8 * 1024 * 1024, maxAssociations: 4, timeoutMs: 120_000, peers: parseDicomPeers('RAWPEER,STORESCU').peers },
    }));
  });
  after(async () => {
    await running?.close();
    await rm(root, { recursive: true, force: true }).catch(() => undefined);
  });

  const storedCount = async (): Promise<number> => {
    let files = 0;
    const store = join(root, 'data', 'dicom');
    for (const shard of (await readdir(store)).filter((s) => /^[0-9a-f]{2}$/.test(s))) files += (await readdir(join(store, shard))).length;
    return files;
  };

  const sendRaw = (sop: string, dataset: Buffer) => storeRaw(running.dicomPort, 'RAWPEER', sop, dataset);

  it('stores a well-formed slice (the control for every refusal below)', async () => {
    const sop = generateDicomUid();
    assert.equal((await sendRaw(sop, ctDataset({ study, series, sop }))).status, STATUS_SUCCESS);
    assert.equal(await storedCount(), 1);
  });

  const hostile: Array<[string, Record<string, Buffer | null>, RegExp]> = [
    ['a PixelSpacing of NaN', { PixelSpacing: text('NaN\\NaN') }, /^DICOM_INVALID_ATTRIBUTE/],
    ['a PixelSpacing that is no number', { PixelSpacing: text('abc\\-1') }, /^DICOM_INVALID_ATTRIBUTE/],
    ['no SOPInstanceUID', { SOPInstanceUID: null }, /^DICOM_MISSING_ATTRIBUTE/],
    ['no StudyInstanceUID', { StudyInstanceUID: null }, /^DICOM_MISSING_ATTRIBUTE/],
    ['pixel data shorter than Rows x Columns x BitsAllocated', { PixelData: Buffer.alloc(8 * 4 * 2) }, /^DICOM_TRUNCATED_PIXEL_DATA/],
  ];
  for (const [what, changes, code] of hostile) {
    it(`refuses a slice with ${what}, naming the reason, and stores nothing`, async () => {
      const before = await storedCount();
      const sop = generateDicomUid();
      const answer = await sendRaw(sop, ctDataset({ study, series, sop }, changes));
      assert.ok(answer.status >= 0xc000 && answer.status <= 0xcfff, `status 0x${answer.status.toString(16)} is "cannot understand"`);
      assert.match(answer.errorComment, code);
      assert.equal(await storedCount(), before);
    });
  }

  it('refuses a slice whose pixel data is cut off before its declared length', async () => {
    const before = await storedCount();
    const sop = generateDicomUid();
    const whole = ctDataset({ study, series, sop });
    const answer = await sendRaw(sop, whole.subarray(0, whole.length - 40));
    assert.ok(answer.status >= 0xc000 && answer.status <= 0xcfff, `status 0x${answer.status.toString(16)}`);
    assert.match(answer.errorComment, /^DICOM_TRUNCATED/);
    assert.equal(await storedCount(), before);
  });

  it('answers a modality (storescu) sending the same files with a failure, not success', { skip: storescu ? false : 'storescu not installed' }, async () => {
    const dir = join(root, 'files');
    await mkdir(dir, { recursive: true });
    const cases: Array<[string, Record<string, Buffer | null>]> = [
      ['nan-spacing', { PixelSpacing: text('NaN\\NaN') }],
      ['short-pixels', { PixelData: Buffer.alloc(8 * 4 * 2) }],
    ];
    for (const [name, changes] of cases) {
      const sop = generateDicomUid();
      const meta = [
        { tag: 0x00020001, vr: 'OB' as const, value: Uint8Array.of(0, 1) },
        { tag: 0x00020002, vr: 'UI' as const, value: CT_IMAGE_STORAGE },
        { tag: 0x00020003, vr: 'UI' as const, value: sop },
        { tag: 0x00020010, vr: 'UI' as const, value: IMPLICIT_LE },
      ];
      await writeFile(join(dir, `${name}.dcm`), encodePart10(meta, ctDataset({ study, series, sop }, changes)));
    }
    const before = await storedCount();
    const { output } = await runDcmtk(storescu!, ['-v', '--no-halt', '-aet', 'STORESCU', '-aec', 'POLYRAD', '+sd', '127.0.0.1', String(running.dicomPort), dir]);
    // one refusal per file (--no-halt: storescu stops at the first refusal otherwise), never a success
    assert.equal(output.match(/Received Store Response \(Error: CannotUnderstand\)/g)?.length, cases.length, output);
    assert.doesNotMatch(output, /Received Store Response \(Success\)/, output);
    assert.equal(await storedCount(), before);
  });

  it('closes the connection as soon as a peer aborts mid-instance, and keeps nothing of that instance', async () => {
    const before = await storedCount();
    const peer = await RawPeer.open(running.dicomPort);
    await peer.associate('RAWPEER', [CT]);
    const sop = generateDicomUid();
    peer.send(pData(CT.id, true, true, cStoreRq(1, CT_IMAGE_STORAGE, sop)));
    peer.send(pData(CT.id, false, false, ctDataset({ study, series, sop }).subarray(0, 100)));
    // A-ABORT, source: service user
    peer.send(pdu(0x07, Buffer.from([0, 0, 0, 0])));
    // without the close, the peer would wait out its own time-out (DCMTK: 30 s); this one waits far less
    assert.ok(await peer.closedByListener(5000), 'the listener closed the connection after A-ABORT');
    assert.equal(await storedCount(), before);
    // the partial file goes once its write stream has closed, which a loaded machine may finish after the
    // socket: give it a few seconds; a file that stays fails
    const incoming = join(root, 'data', 'dicom', 'incoming');
    for (const deadline = Date.now() + 5000; (await readdir(incoming)).length > 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(await readdir(incoming), [], 'no partial file');
  });
});
