import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanDicomInputs } from './dicom-input.scanner.js';
import { testData } from './test-data.helper.js';

const lidcFile = testData('ct/lidc-idri-0001/jpeg-lossless-sv1/000001.dcm');

/** A folder holding one real CT slice in `inside/`, a secret file beside it, and the given links. */
async function tree(t: { after: (fn: () => Promise<void>) => void }): Promise<{ root: string; inside: string; secret: string }> {
  const root = await realpath(await mkdtemp(join(tmpdir(), 'polyrad-scan-')));
  t.after(() => rm(root, { recursive: true, force: true }));
  const inside = join(root, 'inside');
  await mkdir(join(inside, 'series'), { recursive: true });
  await copyFile(lidcFile.path, join(inside, 'series', 'slice.dcm'));
  const secret = join(root, 'secret.dcm');
  await copyFile(lidcFile.path, secret);
  return { root, inside, secret };
}

test('a folder with a symlink loop is walked once: the scan ends and finds the one slice', { skip: lidcFile.skip }, async (t) => {
  const { inside } = await tree(t);
  await symlink(inside, join(inside, 'series', 'loop'));
  await symlink('.', join(inside, 'self'));
  const { instances, rejected } = await scanDicomInputs([inside]);
  assert.deepEqual(instances.map((i) => i.path), [join(inside, 'series', 'slice.dcm')]);
  assert.deepEqual(rejected, []);
});

test('with import roots, a link leading out of them is refused and its target is not read', { skip: lidcFile.skip }, async (t) => {
  const { inside, secret } = await tree(t);
  await symlink(secret, join(inside, 'series', 'escape.dcm'));
  const { instances, rejected } = await scanDicomInputs([inside], { roots: [inside] });
  assert.deepEqual(instances.map((i) => i.path), [join(inside, 'series', 'slice.dcm')]);
  assert.deepEqual(rejected.map((r) => [r.path, r.code]), [[join(inside, 'series', 'escape.dcm'), 'DICOM_PATH_OUTSIDE_ROOTS']]);
  // without roots (the CLI on the user's own files) the same link is followed
  const open = await scanDicomInputs([inside]);
  assert.equal(open.instances.length, 2);
});

test('a tree with more files than the cap stops there and says so, once', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'polyrad-scan-many-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  for (let i = 0; i < 12; i++) await writeFile(join(root, `f${String(i).padStart(2, '0')}`), 'not dicom');
  const { rejected } = await scanDicomInputs([root], { maxFiles: 5 });
  const stopped = rejected.filter((r) => r.code === 'DICOM_TOO_MANY_FILES');
  assert.equal(stopped.length, 1);
  assert.match(stopped[0].message, /stopped after 5 files/);
  assert.equal(rejected.length, 6, 'the five files read (not DICOM) and the one stop notice');
});
