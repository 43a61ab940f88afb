import type { FindingComparison } from '../pipeline/report/report-document.js';

/**
 * Coded concepts for the finding codes of report.json (DESIGN.md), shared by the SR, FHIR and HL7 writers.
 *
 * Standard codes where one exists: SNOMED CT (SCT) for anatomy and measured quantities, DICOM (DCM) for
 * methods, LOINC (LN) for the aortic diameters. Where none exists (LAA-950, Perc15, trabecular attenuation,
 * Lung-RADS and CAC-DRS categories, Genant grade, any third-party code) the private coding scheme
 * `99POLYRAD` is used: its code value is the Polyrad finding code verbatim (DESIGN.md's table is its
 * definition), carried in LongCodeValue when longer than DICOM's 16-character CodeValue. SR files declare
 * the scheme in their Coding Scheme Identification Sequence.
 */
export interface CodedConcept {
  scheme: 'SCT' | 'DCM' | 'LN' | 'UCUM' | typeof POLYRAD_SCHEME;
  value: string;
  meaning: string;
}

export const POLYRAD_SCHEME = '99POLYRAD';
export const POLYRAD_SCHEME_NAME = 'Polyrad finding codes';
/** FHIR system of the private scheme: the same code values as in the SR and HL7 messages. */
export const POLYRAD_FHIR_SYSTEM = 'urn:polyrad:finding-code';

export interface FindingConcept {
  /** what a reader sees in the PDF */
  label: string;
  /** the measured quantity (SR concept name, Observation.code) */
  quantity: CodedConcept;
  /** where it was measured (SR Finding Site, Observation.bodySite) */
  site: CodedConcept;
  /** what was found, for lesions (SR Finding) */
  finding?: CodedConcept;
  /** a LOINC observation code where LOINC has one, preferred by FHIR and HL7 receivers */
  loinc?: CodedConcept;
  /** method, where the quantity depends on it (Agatston scoring) */
  method?: CodedConcept;
}

const sct = (value: string, meaning: string): CodedConcept => ({ scheme: 'SCT', value, meaning });
const polyrad = (value: string, meaning: string): CodedConcept => ({ scheme: POLYRAD_SCHEME, value, meaning });

const SITE = {
  lungs: sct('39607008', 'Lung'),
  rightLung: sct('3341006', 'Right lung'),
  leftLung: sct('44029006', 'Left lung'),
  heart: sct('80891009', 'Heart'),
  coronaries: sct('41801008', 'Coronary artery'),
  ascendingAorta: sct('54247002', 'Ascending aorta'),
  descendingAorta: sct('32672002', 'Descending aorta'),
  spine: sct('421060004', 'Vertebral column'),
  body: sct('38266002', 'Entire body'),
};
const VOLUME = sct('118565006', 'Volume');
const DIAMETER = sct('81827009', 'Diameter');
const LONG_AXIS = sct('103339001', 'Long Axis');

const CONCEPTS: Record<string, FindingConcept> = {
  'lung.right.volume': { label: 'Right lung volume', quantity: VOLUME, site: SITE.rightLung },
  'lung.left.volume': { label: 'Left lung volume', quantity: VOLUME, site: SITE.leftLung },
  'lung.laa950': { label: 'Emphysema, LAA-950 (both lungs)', quantity: polyrad('lung.laa950', 'Lung volume below -950 HU'), site: SITE.lungs },
  'lung.right.laa950': { label: 'Emphysema, LAA-950 (right lung)', quantity: polyrad('lung.right.laa950', 'Lung volume below -950 HU'), site: SITE.rightLung },
  'lung.left.laa950': { label: 'Emphysema, LAA-950 (left lung)', quantity: polyrad('lung.left.laa950', 'Lung volume below -950 HU'), site: SITE.leftLung },
  'lung.perc15': { label: 'Lung density, 15th percentile', quantity: polyrad('lung.perc15', '15th percentile of lung attenuation'), site: SITE.lungs },
  'lung.nodule': { label: 'Lung nodule, long axis', quantity: LONG_AXIS, site: SITE.lungs, finding: sct('27925004', 'Nodule') },
  'lung.mass': { label: 'Lung mass, long axis', quantity: LONG_AXIS, site: SITE.lungs, finding: sct('4147007', 'Mass') },
  'lung.lungrads': { label: 'Lung-RADS v2022', quantity: polyrad('lung.lungrads', 'Lung-RADS v2022 category'), site: SITE.lungs },
  'heart.volume': { label: 'Heart volume', quantity: VOLUME, site: SITE.heart },
  'heart.cac.agatston': {
    label: 'Coronary calcium, Agatston',
    quantity: sct('450360000', 'Coronary artery calcium score'),
    site: SITE.coronaries,
    method: { scheme: 'DCM', value: '112055', meaning: 'Agatston scoring method' },
  },
  'heart.cac.category': { label: 'CAC-DRS', quantity: polyrad('heart.cac.category', 'CAC-DRS category'), site: SITE.coronaries },
  'heart.ctr': { label: 'Cardiothoracic ratio', quantity: polyrad('heart.ctr', 'Cardiothoracic ratio'), site: SITE.heart },
  'aorta.ascending.diameter': {
    label: 'Ascending aorta, maximum diameter',
    quantity: DIAMETER,
    site: SITE.ascendingAorta,
    loinc: { scheme: 'LN', value: '18012-5', meaning: 'Ascending aortic diameter' },
  },
  'aorta.descending.diameter': {
    label: 'Descending aorta, maximum diameter',
    quantity: DIAMETER,
    site: SITE.descendingAorta,
    loinc: { scheme: 'LN', value: '18013-3', meaning: 'Descending aortic diameter' },
  },
  'spine.trabecular_attenuation': {
    label: 'Vertebral trabecular attenuation',
    quantity: polyrad('spine.trabecular_attenuation', 'Mean vertebral trabecular attenuation'),
    site: SITE.spine,
  },
  'spine.fracture': { label: 'Vertebral fracture, Genant grade', quantity: polyrad('spine.fracture', 'Genant semiquantitative fracture grade'), site: SITE.spine },
};

/**
 * The concept of a finding; one no table knows (a third-party plugin's) keeps its own code, named by the
 * label its manifest gives it (the code when none).
 */
export function findingConcept(finding: { code: string; label?: string }): FindingConcept {
  const name = finding.label ?? finding.code;
  return CONCEPTS[finding.code] ?? { label: name, quantity: polyrad(finding.code, name), site: SITE.body };
}

const UCUM: Record<string, CodedConcept> = {
  d: { scheme: 'UCUM', value: 'd', meaning: 'day' },
  'mm/a': { scheme: 'UCUM', value: 'mm/a', meaning: 'millimeter per year' },
  mL: { scheme: 'UCUM', value: 'mL', meaning: 'milliliter' },
  mm: { scheme: 'UCUM', value: 'mm', meaning: 'millimeter' },
  mm3: { scheme: 'UCUM', value: 'mm3', meaning: 'cubic millimeter' },
  '%': { scheme: 'UCUM', value: '%', meaning: 'percent' },
  HU: { scheme: 'UCUM', value: "[hnsf'U]", meaning: 'Hounsfield unit' },
};
const NO_UNITS: CodedConcept = { scheme: 'UCUM', value: '1', meaning: 'no units' };

/** The UCUM unit of a report unit ('' and '1' are dimensionless: scores, grades, ratios). */
export function ucumUnit(unit: string): CodedConcept {
  return UCUM[unit] ?? (unit === '' || unit === '1' ? NO_UNITS : { scheme: 'UCUM', value: unit, meaning: unit });
}

/**
 * The comparison with a prior exam. No DICOM, SNOMED CT or LOINC code for these was found (a DCM code for
 * "volume doubling time" could not be confirmed in PS3.16), so they are codes of the private scheme, listed in
 * the README: the same code values in the SR, FHIR components and HL7 OBX segments.
 */
export const COMPARISON_CONCEPTS = {
  change: polyrad('change', 'Change since the prior exam'),
  priorDate: polyrad('prior-date', 'Date of the prior exam'),
  priorValue: polyrad('prior-value', 'Value on the prior exam'),
  valueChange: polyrad('value-change', 'Difference from the prior exam'),
  interval: polyrad('prior-interval', 'Interval since the prior exam'),
  volumeChange: polyrad('volume-change', 'Volume change since the prior exam'),
  doubling: polyrad('vdt', 'Volume doubling time'),
  doublingLow: polyrad('vdt-95-low', 'Volume doubling time, 95 % range, low end'),
  doublingHigh: polyrad('vdt-95-high', 'Volume doubling time, 95 % range, high end'),
  growthRate: polyrad('growth-rate', 'Growth rate per year'),
};

/** One item of a finding's comparison as the SR, FHIR and HL7 carry it: a number with its unit, a text or a DICOM date. */
export type ComparisonItem = { concept: CodedConcept } & ({ number: number; unit: string } | { text: string } | { date: string });

/** A finding's comparison item by item, in the order every channel lists them; an open end of the doubling time's range is left out. */
export function comparisonItems(comparison: FindingComparison, unit: string): ComparisonItem[] {
  const c = COMPARISON_CONCEPTS;
  const { prior, volumeDoubling } = comparison;
  const number = (concept: CodedConcept, value: number | null | undefined, u: string): ComparisonItem[] => (typeof value === 'number' ? [{ concept, number: value, unit: u }] : []);
  return [
    { concept: c.change, text: comparison.change },
    ...(prior?.studyDate ? [{ concept: c.priorDate, date: prior.studyDate }] : []),
    ...number(c.priorValue, prior?.value, prior?.unit ?? unit),
    ...number(c.valueChange, comparison.valueChange, unit),
    ...number(c.interval, comparison.intervalDays, 'd'),
    ...number(c.volumeChange, comparison.volumeChangePercent, '%'),
    ...number(c.doubling, volumeDoubling?.days, 'd'),
    ...number(c.doublingLow, volumeDoubling?.range[0], 'd'),
    ...number(c.doublingHigh, volumeDoubling?.range[1], 'd'),
    ...number(c.growthRate, comparison.growthMmPerYear, 'mm/a'),
  ];
}
