// Writes a synthetic chest CT phantom as a DICOM series: node scripts/write-phantom.mjs <dir> [size] [slices]
import { writeCtSeries } from '@polyrad/dicom';
import { generateChestPhantom } from '@polyrad/phantom';

const [dir, size = '160', slices = '90'] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node scripts/write-phantom.mjs <dir> [size] [slices]');
  process.exit(2);
}
const n = Number(size);
const phantom = generateChestPhantom({
  seed: 42,
  dimensions: [n, n, Number(slices)],
  // Keep a ~320 mm field of view and ~1 mm slices, like a routine thin-slice chest CT.
  spacing: [320 / n, 320 / n, 1],
  emphysemaFraction: 0.08,
});
await writeCtSeries(phantom.volume, dir, { PatientID: 'PHANTOM-42', StudyDate: '20260101', AccessionNumber: 'BENCH' });
console.log(`phantom written to ${dir}: truth ${JSON.stringify(phantom.truth)}`);
