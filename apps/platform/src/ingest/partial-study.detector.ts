import type { DicomInstance } from '@polyrad/dicom';

/** What the detector needs of a stored instance. */
export type ReceivedInstance = Pick<DicomInstance, 'SeriesInstanceUID' | 'SeriesNumber' | 'InstanceNumber' | 'ImagePositionPatient' | 'ImageOrientationPatient'>;

/** An indexed instance whose file is gone from the store. */
export interface MissingInstance {
  SOPInstanceUID: string;
  SeriesInstanceUID: string;
}

// a step this much larger than the series' usual one is missing slices, not a change of spacing
const GAP_FACTOR = 1.5;

/**
 * Warnings for a study that was only partly received, so a report says so instead of plugins quietly
 * skipping: instances whose file is missing, instance numbers missing inside a series' range, and gaps
 * in slice positions (a series' usual step exceeded by half or more).
 */
export function partialStudyWarnings(instances: ReceivedInstance[], missing: MissingInstance[]): string[] {
  const warnings: string[] = [];
  const bySeries = new Map<string, ReceivedInstance[]>();
  for (const instance of instances) bySeries.set(instance.SeriesInstanceUID, [...(bySeries.get(instance.SeriesInstanceUID) ?? []), instance]);
  const missingBySeries = new Map<string, number>();
  for (const m of missing) missingBySeries.set(m.SeriesInstanceUID, (missingBySeries.get(m.SeriesInstanceUID) ?? 0) + 1);
  for (const [uid, count] of missingBySeries) {
    warnings.push(`${seriesName(bySeries.get(uid)?.[0], uid)}: ${count} received ${count === 1 ? 'instance is' : 'instances are'} missing from the store; analysed without ${count === 1 ? 'it' : 'them'}`);
  }
  for (const [uid, series] of bySeries) {
    const name = seriesName(series[0], uid);
    const numbers = [...new Set(series.map((i) => i.InstanceNumber).filter((n): n is number => Number.isInteger(n)))].sort((a, b) => a - b);
    if (numbers.length >= 2) {
      const absent = numbers[numbers.length - 1]! - numbers[0]! + 1 - numbers.length;
      if (absent > 0) warnings.push(`${name}: ${absent} of instances ${numbers[0]}-${numbers[numbers.length - 1]} not received (${ranges(missingNumbers(numbers))}); the study was only partly received`);
    }
    const gap = largestGap(series);
    if (gap) warnings.push(`${name}: a gap of ${gap.size.toFixed(1)} mm between slices at ${gap.from.toFixed(1)} and ${gap.to.toFixed(1)} mm (about ${gap.slices} ${gap.slices === 1 ? 'slice' : 'slices'} missing); the study was only partly received`);
  }
  return warnings;
}

function seriesName(instance: ReceivedInstance | undefined, uid: string): string {
  return instance?.SeriesNumber !== undefined ? `series ${instance.SeriesNumber} (${uid})` : `series ${uid}`;
}

function missingNumbers(sorted: number[]): number[] {
  const absent: number[] = [];
  for (let i = 1; i < sorted.length; i++) for (let n = sorted[i - 1]! + 1; n < sorted[i]!; n++) absent.push(n);
  return absent;
}

/** "3-5, 9" for [3, 4, 5, 9]; long lists are cut. */
function ranges(numbers: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < numbers.length; ) {
    let j = i;
    while (j + 1 < numbers.length && numbers[j + 1] === numbers[j]! + 1) j++;
    parts.push(i === j ? `${numbers[i]}` : `${numbers[i]}-${numbers[j]}`);
    i = j + 1;
  }
  return parts.length > 6 ? `${parts.slice(0, 6).join(', ')}, …` : parts.join(', ');
}

/** The largest step between neighbouring slice positions along the slice normal, when it is a gap. */
function largestGap(series: ReceivedInstance[]): { from: number; to: number; size: number; slices: number } | undefined {
  const orientation = series.find((i) => i.ImageOrientationPatient)?.ImageOrientationPatient;
  if (!orientation || series.length < 3) return undefined;
  const [r0, r1, r2, c0, c1, c2] = orientation;
  const normal = [r1 * c2 - r2 * c1, r2 * c0 - r0 * c2, r0 * c1 - r1 * c0];
  const positions = [...new Set(series.flatMap((i) => (i.ImagePositionPatient ? [i.ImagePositionPatient[0] * normal[0]! + i.ImagePositionPatient[1] * normal[1]! + i.ImagePositionPatient[2] * normal[2]!] : [])).map((p) => Math.round(p * 1000) / 1000))].sort((a, b) => a - b);
  if (positions.length < 3) return undefined;
  const steps = positions.slice(1).map((p, i) => p - positions[i]!);
  const usual = [...steps].sort((a, b) => a - b)[Math.floor(steps.length / 2)]!;
  if (usual <= 0) return undefined;
  const largest = steps.indexOf(Math.max(...steps));
  const size = steps[largest]!;
  if (size < usual * GAP_FACTOR) return undefined;
  return { from: positions[largest]!, to: positions[largest + 1]!, size, slices: Math.round(size / usual) - 1 };
}
