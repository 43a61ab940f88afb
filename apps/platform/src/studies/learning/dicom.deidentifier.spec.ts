import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import dcmjs from 'dcmjs';
import { writeCtSeries } from '@polyrad/dicom';
import { generateChestPhantom } from '@polyrad/phantom';
import { deidentifyDicom, UidReplacer } from './dicom.deidentifier.js';

const work = mkdtempSync(join(tmpdir(), 'polyrad-deid-'));
after(() => rmSync(work, { recursive: true, force: true }));

const read = (bytes: ArrayBuffer) => dcmjs.data.DicomMetaDictionary.naturalizeDataset(dcmjs.data.DicomMessage.readFile(bytes).dict) as Record<string, unknown>;
const buffer = (path: string): ArrayBuffer => {
  const b = readFileSync(path);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
};

test('identifying attributes are gone, UIDs replaced consistently within an export, the image kept', async () => {
  const phantom = generateChestPhantom({ seed: 5, dimensions: [16, 16, 4], spacing: [2, 2, 2] });
  await writeCtSeries(phantom.volume, work, { PatientID: 'PID-4711', PatientName: 'DOE^JANE', StudyDate: '20260301', AccessionNumber: 'ACC-99' });
  const files = readdirSync(work).filter((f) => f.endsWith('.dcm')).map((f) => join(work, f)).sort();
  assert.ok(files.length >= 2);
  const uids = new UidReplacer();
  const originals = files.map((f) => read(buffer(f)));
  const cleaned = files.map((f) => read(deidentifyDicom(buffer(f), uids)));
  assert.equal(originals[0]!.PatientID, 'PID-4711', 'the test file carries the identifiers');
  for (const [i, d] of cleaned.entries()) {
    const text = JSON.stringify(d, (_, v) => (v instanceof ArrayBuffer || ArrayBuffer.isView(v) ? undefined : v));
    for (const secret of ['PID-4711', 'DOE', 'JANE', 'ACC-99', '20260301']) assert.ok(!text.includes(secret), `${secret} is gone`);
    for (const keyword of ['StudyInstanceUID', 'SeriesInstanceUID', 'SOPInstanceUID']) {
      assert.notEqual(d[keyword], originals[i]![keyword], `${keyword} is replaced`);
      assert.match(String(d[keyword]), /^2\.25\.\d+$/);
    }
    assert.deepEqual([d.PatientIdentityRemoved, d.Rows, d.Columns], ['YES', originals[i]!.Rows, originals[i]!.Columns]);
    assert.match(String(d.DeidentificationMethod), /Basic Application Level Confidentiality Profile/);
  }
  assert.equal(new Set(cleaned.map((d) => d.StudyInstanceUID)).size, 1, 'the instances still form one study');
  assert.equal(new Set(cleaned.map((d) => d.SOPInstanceUID)).size, files.length, 'and stay distinct instances');
});
