import type { DataSet } from 'dicom-parser';

// Typed values of text elements, shared by the header and functional-group readers.

export function text(ds: DataSet, tag: string): string {
  // UI values are padded with NUL; everything else with spaces (trimmed by dicom-parser).
  return (ds.string(tag) ?? '').replace(/\0/g, '').trim();
}

export function numbers(ds: DataSet, tag: string): number[] | undefined {
  const value = text(ds, tag);
  if (!value) return undefined;
  const parsed = value.split('\\').map((v) => (v.trim() === '' ? NaN : Number(v)));
  return parsed.every(Number.isFinite) ? parsed : undefined;
}

export function number(ds: DataSet, tag: string): number | undefined {
  return numbers(ds, tag)?.[0];
}

export function fixed(values: number[] | undefined, count: number): number[] | undefined {
  return values && values.length === count ? values : undefined;
}
