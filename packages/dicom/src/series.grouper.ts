import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import type { DicomInstance, DicomSeries } from './dicom-instance.types.js';

/** A 2.25 UID derived from a hash, so a series without UIDs gets the same one on every run. */
function uidFromText(textValue: string): string {
  const hex = createHash('sha256').update(textValue).digest('hex').slice(0, 32);
  return `2.25.${BigInt(`0x${hex}`).toString()}`;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/**
 * What identifies a series when its UIDs are missing: where the files are and what they look like.
 * Orientation is part of it so that a localizer in the same folder does not join an axial stack.
 */
function syntheticSeriesText(instance: DicomInstance): string {
  return JSON.stringify([
    dirname(instance.path),
    instance.StudyInstanceUID,
    instance.PatientID,
    instance.StudyDate,
    instance.Modality,
    instance.SeriesNumber ?? '',
    instance.SeriesDescription,
    instance.Rows,
    instance.Columns,
    instance.ImageOrientationPatient?.map(round3) ?? '',
  ]);
}

function syntheticStudyText(instance: DicomInstance): string {
  return JSON.stringify([instance.PatientID, instance.StudyDate, instance.AccessionNumber, instance.StudyTime]);
}

/**
 * An enhanced file holding several stacks becomes one instance per stack, each in a series of its
 * own (a generated UID, and the stack in its description): one volume is one stack of parallel slices.
 */
function splitStacks(instance: DicomInstance): DicomInstance[] {
  const { stacks } = instance;
  if (!stacks || stacks.length < 2) return [instance];
  return stacks.map((stack) => ({
    ...instance,
    stacks: undefined,
    stack: { ...stack, of: stacks.length, sourceSeriesInstanceUID: instance.SeriesInstanceUID },
    SeriesInstanceUID: uidFromText(`stack:${instance.SeriesInstanceUID || syntheticSeriesText(instance)}|${stack.label}`),
    SeriesDescription: `${instance.SeriesDescription} [${stack.label}]`.trim(),
  }));
}

/**
 * Groups instances into series by StudyInstanceUID + SeriesInstanceUID. When a file leaves those UIDs
 * empty, a stable synthetic UID is made from its folder, patient, study date and series attributes,
 * and the series says so in `warnings`. Duplicate SOPInstanceUIDs keep the first file only.
 */
export function groupSeries(instances: DicomInstance[]): DicomSeries[] {
  const groups = new Map<string, DicomSeries>();
  const sorted = instances.flatMap(splitStacks).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const instance of sorted) {
    const syntheticStudy = !instance.StudyInstanceUID;
    const syntheticSeries = !instance.SeriesInstanceUID;
    const StudyInstanceUID = instance.StudyInstanceUID || uidFromText(`study:${syntheticStudyText(instance)}`);
    const SeriesInstanceUID = instance.SeriesInstanceUID || uidFromText(`series:${syntheticSeriesText(instance)}`);
    const key = syntheticStudy || syntheticSeries ? `synthetic:${StudyInstanceUID}|${SeriesInstanceUID}` : `${StudyInstanceUID}|${SeriesInstanceUID}`;
    let group = groups.get(key);
    if (!group) {
      group = {
        key,
        StudyInstanceUID,
        SeriesInstanceUID,
        Modality: instance.Modality,
        SeriesNumber: instance.SeriesNumber,
        SeriesDescription: instance.SeriesDescription,
        syntheticUids: syntheticStudy || syntheticSeries,
        instances: [],
        warnings: [],
      };
      if (instance.stack) {
        const { label, frames, of, sourceSeriesInstanceUID } = instance.stack;
        group.syntheticUids = true;
        group.warnings.push(
          `${instance.path} holds ${of} stacks of frames; ${label} (${frames.length} frames) is analysed as its own series under the generated SeriesInstanceUID ${SeriesInstanceUID} (source series ${sourceSeriesInstanceUID || '(empty)'})`,
        );
      }
      if (syntheticStudy || syntheticSeries) {
        const missing = [syntheticStudy ? 'StudyInstanceUID' : '', syntheticSeries ? 'SeriesInstanceUID' : ''].filter(Boolean).join(' and ');
        group.warnings.push(
          `${missing} empty in the files; grouped by folder, patient, study date and series attributes under the generated UID ${syntheticSeries ? SeriesInstanceUID : StudyInstanceUID}`,
        );
      }
      groups.set(key, group);
    }
    const duplicate = instance.SOPInstanceUID && group.instances.find((i) => i.SOPInstanceUID === instance.SOPInstanceUID);
    if (duplicate) {
      group.warnings.push(`${instance.path} repeats SOPInstanceUID ${instance.SOPInstanceUID} of ${duplicate.path}; ignored`);
      continue;
    }
    group.instances.push(instance);
  }
  return [...groups.values()].sort(
    (a, b) =>
      a.StudyInstanceUID.localeCompare(b.StudyInstanceUID) ||
      (a.SeriesNumber ?? Infinity) - (b.SeriesNumber ?? Infinity) ||
      a.key.localeCompare(b.key),
  );
}
