import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { voxelToPatient, type Vec3, type VolumeGeometry } from '@polyrad/sdk';
import { groupSeries, loadVolume, scanDicomInputs } from '@polyrad/dicom';
import segmentation from '@polyrad/algorithm-lung-segmentation';
import plugin from './index.js';

// dist/ sits four levels below the repository root (packages/algorithms/lung-nodules/dist)
const repositoryRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
const dataDir = resolve(process.env.POLYRAD_TEST_DATA ?? join(repositoryRoot, '../shared/data'));
const lidc = join(dataDir, 'ct/lidc-idri-0001');
const skip = existsSync(join(lidc, '069.xml')) ? false : `real CT not found at ${lidc} (set POLYRAD_TEST_DATA)`;
if (skip) console.log(`# skipping: ${skip}`);

interface ReaderOutline {
  /** LPS centroid of the outline points over all slices, mm */
  center: Vec3;
  /** on the slice of largest outlined area: longest distance between outline points, and the extent across it */
  longAxisMm: number;
  shortAxisMm: number;
}

/**
 * Each LIDC reader's largest outlined nodule from the LIDC XML (Armato SG et al., Med Phys 2011;38:915-931):
 * per reader a readingSession, per nodule one roi per slice with imageZposition and edgeMap x/y pixels.
 */
function readLidcOutlines(xml: string, geometry: VolumeGeometry): ReaderOutline[] {
  const [sx, sy] = geometry.spacing;
  return xml
    .split('<readingSession>')
    .slice(1)
    .map((session) => {
      const nodules = session.split('<unblindedReadNodule>').slice(1).map((nodule) =>
        [...nodule.matchAll(/<roi>([\s\S]*?)<\/roi>/g)].map(([, roi]) => ({
          z: Number(/<imageZposition>\s*([-\d.]+)/.exec(roi)![1]),
          points: [...roi.matchAll(/<xCoord>(\d+)<\/xCoord>\s*<yCoord>(\d+)<\/yCoord>/g)].map(([, x, y]) => [Number(x), Number(y)]),
        })),
      );
      const rois = nodules.sort((a, b) => b.length - a.length)[0];
      const area = (pts: number[][]): number => Math.abs(pts.reduce((s, [x, y], i) => s + x * pts[(i + 1) % pts.length][1] - pts[(i + 1) % pts.length][0] * y, 0)) / 2;
      const largest = rois.reduce((a, b) => (area(b.points) > area(a.points) ? b : a));
      let longAxisMm = 0;
      let dir = [1, 0];
      for (const [x1, y1] of largest.points) {
        for (const [x2, y2] of largest.points) {
          const d = Math.hypot((x2 - x1) * sx, (y2 - y1) * sy);
          if (d > longAxisMm) [longAxisMm, dir] = [d, [((x2 - x1) * sx) / d, ((y2 - y1) * sy) / d]];
        }
      }
      const across = largest.points.map(([x, y]) => -x * sx * dir[1] + y * sy * dir[0]);
      const all = rois.flatMap((r) => r.points.map(([x, y]) => {
        const p = voxelToPatient(geometry, x, y, 0);
        return [p[0], p[1], r.z];
      }));
      const center = [0, 1, 2].map((d) => all.reduce((s, p) => s + p[d], 0) / all.length) as Vec3;
      return { center, longAxisMm, shortAxisMm: Math.max(...across) - Math.min(...across) };
    });
}

test('LIDC-IDRI-0001: the nodule outlined by all four readers is found at their position and size', { skip, timeout: 600_000 }, async () => {
  const { instances } = await scanDicomInputs([lidc]);
  const [seriesFound] = groupSeries(instances);
  const volume = await loadVolume(seriesFound);
  const readers = readLidcOutlines(readFileSync(join(lidc, '069.xml'), 'utf8'), volume.geometry);
  assert.equal(readers.length, 4);
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const annotated = {
    center: [0, 1, 2].map((d) => mean(readers.map((r) => r.center[d]))) as Vec3,
    longAxisMm: mean(readers.map((r) => r.longAxisMm)),
    shortAxisMm: mean(readers.map((r) => r.shortAxisMm)),
  };

  const series = { seriesInstanceUid: seriesFound.SeriesInstanceUID, modality: 'CT', volume, fingerprint: { SliceThickness: 2.5, contrastInHeader: true } };
  const context = { log: () => undefined };
  const segmented = await segmentation.run({ series, artifacts: {}, config: {} }, context);
  const artifacts = Object.fromEntries((segmented.artifacts ?? []).map((a) => [a.type, a]));
  const findings = (await plugin.run({ series, artifacts, config: {} }, context)).findings ?? [];
  const nodules = findings.filter((f) => f.code === 'lung.nodule');
  const distance = (c: Vec3): number => Math.hypot(c[0] - annotated.center[0], c[1] - annotated.center[1], c[2] - annotated.center[2]);
  const found = [...nodules].sort((a, b) => distance(a.center!) - distance(b.center!))[0];
  const others = nodules.filter((n) => n !== found);
  const fmt = (c: Vec3): string => c.map((x) => x.toFixed(1)).join(', ');
  console.log(`# readers: centre ${fmt(annotated.center)}, long ${annotated.longAxisMm.toFixed(1)} mm (${readers.map((r) => r.longAxisMm.toFixed(1)).join('/')}), short ${annotated.shortAxisMm.toFixed(1)} mm (${readers.map((r) => r.shortAxisMm.toFixed(1)).join('/')})`);
  if (found) console.log(`# found: centre ${fmt(found.center!)} (${distance(found.center!).toFixed(1)} mm away), long ${found.value} mm, short ${found.shortAxisMm} mm, ${found.volumeMm3} mm3, ${found.side}, Lung-RADS ${found.category}`);
  console.log(`# other candidates reported (false positives on this scan): ${others.length}${others.map((n) => `; ${n.meanDiameterMm} mm at ${fmt(n.center!)}`).join('')}`);

  assert.ok(found && distance(found.center!) <= 10, 'a nodule within 10 mm of the readers\' centre');
  const long = found.value as number;
  assert.ok(Math.abs(long - annotated.longAxisMm) <= Math.max(5, 0.25 * annotated.longAxisMm), `long axis ${long} vs readers ${annotated.longAxisMm.toFixed(1)}`);
  const short = found.shortAxisMm as number;
  assert.ok(Math.abs(short - annotated.shortAxisMm) <= Math.max(5, 0.25 * annotated.shortAxisMm), `short axis ${short} vs readers ${annotated.shortAxisMm.toFixed(1)}`);
  assert.equal(found.side, annotated.center[0] > 0 ? 'left' : 'right');
  assert.equal(findings.find((f) => f.code === 'lung.lungrads')?.value, '4B');
  assert.ok(others.length <= 5, `${others.length} other candidates`);
});
