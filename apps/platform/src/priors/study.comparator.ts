import { isNotAssessed, patientToVoxel, type Report, type ReportComparison, type ReportFinding, type Vec3, type Volume } from '@polyrad/sdk';
import { derivedUid } from '../delivery/delivery-identifiers.js';
import { draftImpression, type FindingLabels } from '../pipeline/report/report.builder.js';
import { classifyUrgency } from '../pipeline/report/urgency.classifier.js';
import { aortaGrowth, AORTA_GROWTH_SOURCE, daysBetween, volumeDoublingTime, volumeRelativeError, VDT_SOURCE } from './growth.calculator.js';
import { comparedNoduleCategory, LUNG_RADS_COMPARISON_SOURCE, newNoduleCategory, rank, type NoduleKind, type NoduleSize } from './lung-rads-comparison.js';
import { localAxes, refineLocally, registerRigid, sampleHu, shiftAt, shiftBackAt, toPrior, type RegistrationOutcome } from './rigid.registration.js';

/** One side of a comparison: its report and the image volumes its plugins ran on (by SeriesInstanceUID). */
export interface ComparedStudy {
  report: Report;
  volumes: ReadonlyMap<string, Volume>;
}

export interface ComparisonRequest {
  current: ComparedStudy;
  prior: ComparedStudy;
  labels: FindingLabels;
}

const NODULE_CODES = new Set(['lung.nodule', 'lung.mass']);
const AORTA_CODE = /^aorta\.[a-z]+\.diameter$/;
const LUNG_RADS_DESCRIPTORS: Record<string, string> = { '1': 'negative', '2': 'benign appearance', '3': 'probably benign', '4A': 'suspicious', '4B': 'very suspicious' };
const round1 = (x: number) => Math.round(x * 10) / 10;

/**
 * The current report with the comparison filled in: each nodule matched to the prior (tracking UID,
 * prior size and date, volume change, doubling time, Lung-RADS by the comparison rules), new and resolved
 * nodules, aortic growth per year, the priority and the impression redone. When the prior cannot be
 * compared (another patient or body region, not earlier, registration failed) the report says
 * "comparison not assessed" with the reason and changes nothing else: never "stable" by default.
 */
export function compareWithPrior({ current, prior, labels }: ComparisonRequest): Report {
  const base = baseComparison(current.report, prior.report);
  const refusal = notComparable(current, prior);
  if (refusal) return finish(current.report, { ...base, status: 'not-assessed', reason: refusal }, current.report.findings, labels);
  const intervalDays = daysBetween(prior.report.study.studyDate, current.report.study.studyDate)!;
  const currentVolume = imageVolume(current);
  const priorVolume = imageVolume(prior);
  if (!currentVolume || !priorVolume) return finish(current.report, { ...base, status: 'not-assessed', reason: 'the images of one exam were not available to register' }, current.report.findings, labels);
  const registration = registerRigid(priorVolume.volume, currentVolume.volume);
  if (registration.status === 'failed') return finish(current.report, { ...base, status: 'not-assessed', reason: registration.reason, intervalDays }, current.report.findings, labels);
  const context: Context = { current, prior, intervalDays, registration, currentVolume: currentVolume.volume, priorVolume: priorVolume.volume };
  const findings = current.report.findings.map((f) => ({ ...f }));
  const nodules = compareNodules(context, findings);
  compareAorta(context, findings);
  updateExamCategory(findings);
  return finish(
    current.report,
    {
      ...base,
      status: 'assessed',
      intervalDays,
      registration: { translationMm: registration.translation.map(round1) as Vec3, rotationDeg: registration.rotationDeg.map(round1) as Vec3, centreMm: registration.centre.map(round1) as Vec3, lungDice: Math.round(registration.lungDice * 100) / 100, boneDice: Math.round(registration.boneDice * 100) / 100 },
      ...nodules,
    },
    findings,
    labels,
  );
}

/** The current report saying the comparison with `prior` was not assessed, and why. */
export function comparisonNotAssessed(current: Report, prior: Pick<Report, 'study' | 'algorithms'>, reason: string, labels: FindingLabels): Report {
  return finish(current, { ...baseComparison(current, prior), status: 'not-assessed', reason }, current.findings, labels);
}

interface Context {
  current: ComparedStudy;
  prior: ComparedStudy;
  intervalDays: number;
  registration: Extract<RegistrationOutcome, { status: 'registered' }>;
  currentVolume: Volume;
  priorVolume: Volume;
}

function baseComparison(current: Report, prior: Pick<Report, 'study' | 'algorithms'>): Omit<ReportComparison, 'status'> {
  const versions = (r: Pick<Report, 'algorithms'>) => r.algorithms.filter((a) => a.status === 'succeeded').map(({ id, version }) => ({ id, version }));
  return {
    prior: { studyInstanceUid: prior.study.studyInstanceUid, studyDate: prior.study.studyDate, accessionNumber: prior.study.accessionNumber, algorithms: versions(prior) },
    current: { algorithms: versions(current) },
  };
}

/** Why these two exams cannot be compared, or undefined when they can. */
function notComparable(current: ComparedStudy, prior: ComparedStudy): string | undefined {
  const c = current.report.study;
  const p = prior.report.study;
  if (c.studyInstanceUid === p.studyInstanceUid) return 'the prior is the same study';
  if (c.patientId && p.patientId && c.patientId !== p.patientId) return `the prior belongs to another patient (PatientID ${p.patientId}, this study ${c.patientId})`;
  const days = daysBetween(p.studyDate, c.studyDate);
  if (days === undefined) return `a study date is missing or not a date (prior '${p.studyDate}', this study '${c.studyDate}'), so no interval can be measured`;
  if (days <= 0) return `the prior (${p.studyDate}) is not earlier than this study (${c.studyDate})`;
  const seriesOf = (s: ComparedStudy) => imageVolume(s)?.series;
  const cs = seriesOf(current);
  const ps = seriesOf(prior);
  if (ps && ps.modality !== 'CT') return `the prior is ${ps.modality || 'of unknown modality'}, not CT`;
  const thorax = (s: Report['series'][number] | undefined) => {
    const regions = s?.fingerprint.bodyRegions;
    return Array.isArray(regions) ? regions.includes('thorax') : undefined;
  };
  if (thorax(ps) === false) return `the prior shows ${(ps!.fingerprint.bodyRegions as string[]).join(', ') || 'no recognised body region'}, not the thorax`;
  if (thorax(cs) === false) return 'this study does not show the thorax';
  const mismatched = current.report.algorithms
    .filter((a) => a.status === 'succeeded')
    .flatMap((a) => {
      const other = prior.report.algorithms.find((b) => b.id === a.id && b.status === 'succeeded');
      return other && other.version !== a.version ? [`${a.id} ${other.version} (prior) vs ${a.version}`] : [];
    });
  if (mismatched.length) return `the prior's results come from other algorithm versions (${mismatched.join('; ')}); analyse it again with the same versions`;
  return undefined;
}

/** The series the lung plugins ran on (the nodule detector's, else the first CT) and its volume. */
function imageVolume(study: ComparedStudy): { series: Report['series'][number]; volume: Volume } | undefined {
  const nodule = study.report.algorithms.find((a) => a.id === 'polyrad.lung-nodules' && a.seriesInstanceUid && study.volumes.has(a.seriesInstanceUid));
  const uid = nodule?.seriesInstanceUid ?? study.report.series.find((s) => s.modality === 'CT' && study.volumes.has(s.seriesInstanceUid))?.seriesInstanceUid;
  const series = study.report.series.find((s) => s.seriesInstanceUid === uid);
  return uid && series ? { series, volume: study.volumes.get(uid)! } : undefined;
}

function noduleSize(f: ReportFinding): NoduleSize {
  const type = (f.type === 'part-solid' || f.type === 'non-solid' ? f.type : 'solid') as NoduleKind;
  const mean = typeof f.meanDiameterMm === 'number' ? f.meanDiameterMm : round1(((f.value as number) + (typeof f.shortAxisMm === 'number' ? f.shortAxisMm : (f.value as number))) / 2);
  // a part-solid finding is measured by its solid component (the halo is at least 6 mm: lung-nodules)
  const category = String(f.category ?? '');
  return type === 'part-solid' ? { type, meanDiameterMm: Math.max(6, mean), solidMeanMm: mean, category } : { type, meanDiameterMm: mean, category };
}

function isMeasuredNodule(f: ReportFinding): boolean {
  return NODULE_CODES.has(f.code) && !isNotAssessed(f) && typeof f.value === 'number' && Array.isArray(f.center);
}

function inside(volume: Volume, point: Vec3, marginMm = 5): boolean {
  const v = patientToVoxel(volume.geometry, point);
  return v.every((x, a) => x * volume.geometry.spacing[a] >= marginMm - volume.geometry.spacing[a] / 2 && (volume.geometry.dimensions[a] - 1 - x) * volume.geometry.spacing[a] >= marginMm - volume.geometry.spacing[a] / 2);
}

/** Above this HU a point holds soft tissue, not aerated lung (solid nodules are 20-60 HU, ground glass -750..-300, partial volume in between). */
const SOLID_HU = -300;

/**
 * The highest HU within 1 mm of `point` (27 points): a 6 mm nodule on 2.5 mm sections is mostly partial
 * volume, and a centre that is off by a millimetre must still find it. A vessel that close counts too,
 * which errs towards "not assessed" rather than "new".
 */
function densityAt(volume: Volume, point: Vec3): number {
  let max = -Infinity;
  for (const dz of [-1, 0, 1]) for (const dy of [-1, 0, 1]) for (const dx of [-1, 0, 1]) max = Math.max(max, sampleHu(volume, [point[0] + dx, point[1] + dy, point[2] + dz]));
  return max;
}

const voxelEdge = (v: Volume) => Math.cbrt(v.geometry.spacing[0] * v.geometry.spacing[1] * v.geometry.spacing[2]);
const add = (p: Vec3, t: Vec3): Vec3 => [p[0] + t[0], p[1] + t[1], p[2] + t[2]];
const distance = (a: Vec3, b: Vec3) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

function compareNodules(ctx: Context, findings: ReportFinding[]): Pick<ReportComparison, 'newFindings' | 'resolvedFindings' | 'unmeasuredPriorFindings'> {
  const { prior, registration } = ctx;
  const priorNodules = prior.report.findings.map((f, index) => ({ f, index })).filter(({ f }) => isMeasuredNodule(f));
  const currentNodules = findings.map((f, index) => ({ f, index })).filter(({ f }) => isMeasuredNodule(f));
  // each prior nodule's place in the current exam: the global shift refined around it
  const mapped = priorNodules.map((p) => ({ ...p, at: add(p.f.center as Vec3, refineLocally(ctx.priorVolume, ctx.currentVolume, p.f.center as Vec3, shiftAt(registration, p.f.center as Vec3), undefined, localAxes(registration, 'to current')).translation) }));
  const pairs = mapped
    .flatMap((p) =>
      currentNodules.map((c) => {
        const tolerance = Math.min(20, 5 + 0.5 * Math.max(p.f.value as number, c.f.value as number));
        return { p, c, d: distance(p.at, c.f.center as Vec3), tolerance };
      }),
    )
    .filter((x) => x.d <= x.tolerance)
    .sort((a, b) => a.d - b.d);
  const usedPrior = new Set<number>();
  const usedCurrent = new Set<number>();
  for (const { p, c, d } of pairs) {
    if (usedPrior.has(p.index) || usedCurrent.has(c.index)) continue;
    usedPrior.add(p.index);
    usedCurrent.add(c.index);
    findings[c.index] = matchedNodule(ctx, c.f, p.f, p.index, d);
  }
  const newFindings: ReportComparison['newFindings'] = [];
  for (const c of currentNodules) {
    if (usedCurrent.has(c.index)) continue;
    const centre = c.f.center as Vec3;
    if (!inside(ctx.priorVolume, toPrior(registration, centre))) {
      findings[c.index] = { ...c.f, comparison: 'not assessed: its place lies outside the prior exam' };
      continue;
    }
    const there = add(centre, refineLocally(ctx.currentVolume, ctx.priorVolume, centre, shiftBackAt(registration, centre), undefined, localAxes(registration, 'to prior')).translation);
    const hu = densityAt(ctx.priorVolume, there);
    if (hu > SOLID_HU) {
      // the detector did not measure it on the prior, but something dense is there: calling it new would overstate it
      findings[c.index] = { ...c.f, comparison: `not assessed: its place on the prior shows tissue (${Math.round(hu)} HU) that was not measured there, so whether it is new or growing cannot be said` };
      continue;
    }
    const rads = newNoduleCategory(noduleSize(c.f));
    findings[c.index] = { ...c.f, change: 'new', lungradsBaseline: c.f.category, category: rads.category, abnormal: rank(rads.category) >= rank('3'), lungradsRule: rads.rule, lungradsSource: LUNG_RADS_COMPARISON_SOURCE };
    newFindings.push({ code: c.f.code, findingIndex: c.index, value: c.f.value as number, unit: c.f.unit, center: centre });
  }
  const unmatched = mapped.filter((p) => !usedPrior.has(p.index) && inside(ctx.currentVolume, p.at));
  const resolvedFindings: ReportComparison['resolvedFindings'] = unmatched
    .filter((p) => densityAt(ctx.currentVolume, p.at) <= SOLID_HU)
    .map((p) => ({ code: p.f.code, value: p.f.value as number, unit: p.f.unit, priorCenter: p.f.center as Vec3, expectedCenter: p.at.map(round1) as Vec3, trackingUid: trackingUidOf(prior.report, p.f, p.index) }));
  const unmeasured: ReportComparison['unmeasuredPriorFindings'] = unmatched
    .filter((p) => densityAt(ctx.currentVolume, p.at) > SOLID_HU)
    .map((p) => ({ code: p.f.code, value: p.f.value as number, unit: p.f.unit, priorCenter: p.f.center as Vec3, expectedCenter: p.at.map(round1) as Vec3, trackingUid: trackingUidOf(prior.report, p.f, p.index) }));
  return { newFindings, resolvedFindings, unmeasuredPriorFindings: unmeasured };
}

/** The nodule's identity across exams: the prior's tracking UID, or one derived from the prior finding. */
function trackingUidOf(report: Report, finding: ReportFinding, index: number): string {
  return typeof finding.trackingUid === 'string' ? finding.trackingUid : derivedUid('polyrad-nodule-track', report.study.studyInstanceUid, String(index));
}

function matchedNodule(ctx: Context, current: ReportFinding, prior: ReportFinding, priorIndex: number, distanceMm: number): ReportFinding {
  const { intervalDays } = ctx;
  const now = noduleSize(current);
  const then = noduleSize(prior);
  const rads = comparedNoduleCategory(now, then, intervalDays);
  const volumes =
    typeof current.volumeMm3 === 'number' && typeof prior.volumeMm3 === 'number' && current.volumeMm3 > 0 && prior.volumeMm3 > 0
      ? volumeDoublingTime(
          { volumeMm3: prior.volumeMm3, relativeError: volumeRelativeError(then.meanDiameterMm, voxelEdge(ctx.priorVolume)) },
          { volumeMm3: current.volumeMm3, relativeError: volumeRelativeError(now.meanDiameterMm, voxelEdge(ctx.currentVolume)) },
          intervalDays,
        )
      : undefined;
  return {
    ...current,
    trackingUid: trackingUidOf(ctx.prior.report, prior, priorIndex),
    prior: {
      studyInstanceUid: ctx.prior.report.study.studyInstanceUid,
      studyDate: ctx.prior.report.study.studyDate,
      value: prior.value,
      unit: prior.unit,
      meanDiameterMm: then.meanDiameterMm,
      ...(typeof prior.volumeMm3 === 'number' ? { volumeMm3: prior.volumeMm3 } : {}),
      ...(prior.category !== undefined ? { category: prior.category } : {}),
      center: prior.center,
      algorithm: prior.algorithm,
    },
    intervalDays,
    matchDistanceMm: round1(distanceMm),
    change: rads.change,
    ...(rads.changeMm !== undefined ? { meanDiameterChangeMm: rads.changeMm } : {}),
    ...(volumes
      ? {
          volumeChangePercent: volumes.volumeChangePercent,
          // a change the measurement errors explain has no doubling time worth stating (it would read as years of noise)
          ...(volumes.changeBeyondError ? { volumeDoublingDays: volumes.volumeDoublingDays } : {}),
          volumeDoublingDaysRange: volumes.volumeDoublingDaysRange,
          volumeChangeBeyondError: volumes.changeBeyondError,
          volumeDoublingSource: VDT_SOURCE,
        }
      : {}),
    lungradsBaseline: current.category,
    category: rads.category,
    abnormal: rank(rads.category) >= rank('3'),
    lungradsRule: rads.rule,
    lungradsSource: LUNG_RADS_COMPARISON_SOURCE,
  };
}

function compareAorta(ctx: Context, findings: ReportFinding[]): void {
  for (const [i, f] of findings.entries()) {
    if (!AORTA_CODE.test(f.code) || isNotAssessed(f) || typeof f.value !== 'number') continue;
    const p = ctx.prior.report.findings.find((x) => x.code === f.code);
    const priorSide = { studyInstanceUid: ctx.prior.report.study.studyInstanceUid, studyDate: ctx.prior.report.study.studyDate };
    if (!p || isNotAssessed(p) || typeof p.value !== 'number') {
      findings[i] = { ...f, prior: { ...priorSide, assessment: 'not-assessed', reason: p?.reason ?? 'not measured on the prior' }, comparison: `not assessed: ${p?.reason ?? 'not measured on the prior'}` };
      continue;
    }
    if (p.lowerBound === true || f.lowerBound === true) {
      findings[i] = { ...f, prior: { ...priorSide, value: p.value, unit: p.unit, lowerBound: p.lowerBound === true, algorithm: p.algorithm }, comparison: 'not assessed: a diameter measured over part of the segment only is a lower bound, its growth cannot be measured' };
      continue;
    }
    const growth = aortaGrowth(p.value, f.value, ctx.intervalDays);
    findings[i] = {
      ...f,
      prior: { ...priorSide, value: p.value, unit: p.unit, ...(p.category !== undefined ? { category: p.category } : {}), algorithm: p.algorithm },
      intervalDays: ctx.intervalDays,
      changeMm: growth.changeMm,
      growthMmPerYear: growth.growthMmPerYear,
      growthCategory: growth.growthCategory,
      growthSource: AORTA_GROWTH_SOURCE,
    };
  }
}

/** The examination's Lung-RADS: the highest nodule category once the comparison rules applied. */
function updateExamCategory(findings: ReportFinding[]): void {
  const exam = findings.findIndex((f) => f.code === 'lung.lungrads');
  if (exam < 0 || isNotAssessed(findings[exam])) return;
  const categories = findings.filter((f) => NODULE_CODES.has(f.code) && !isNotAssessed(f) && typeof f.category === 'string').map((f) => f.category as string);
  if (categories.length === 0) return;
  const highest = categories.reduce((a, b) => (rank(b) > rank(a) ? b : a));
  const before = findings[exam].value;
  if (highest === before) return;
  findings[exam] = { ...findings[exam], value: highest, category: LUNG_RADS_DESCRIPTORS[highest] ?? highest, abnormal: rank(highest) >= rank('3'), lungradsBaseline: before, lungradsSource: LUNG_RADS_COMPARISON_SOURCE };
}

/** Rapid aortic growth makes the study urgent; growth to watch is said in the impression. */
function finish(report: Report, comparison: ReportComparison, findings: ReportFinding[], labels: FindingLabels): Report {
  const priority = classifyUrgency(findings);
  for (const f of findings) {
    if (f.growthCategory === 'rapid growth') priority.reasons.push(`rapid aortic growth: ${f.code} ${f.changeMm} mm in ${f.intervalDays} days (${f.growthMmPerYear} mm/year, >= 5 mm/year)`);
  }
  priority.level = priority.reasons.length > 0 ? 'urgent' : 'routine';
  const impression = draftImpression(findings, report.algorithms, labels, priority).split('\n');
  impression.splice(impression.length - 1, 0, ...comparisonLines(comparison, findings, labels));
  return { ...report, findings, priority, impression: impression.join('\n'), comparison };
}

function comparisonLines(comparison: ReportComparison, findings: ReportFinding[], labels: FindingLabels): string[] {
  const date = formatDate(comparison.prior.studyDate);
  if (comparison.status === 'not-assessed') return [`Comparison with the prior of ${date}: not assessed — ${comparison.reason}.`];
  const label = (f: ReportFinding) => labels.get(f.code) ?? f.code;
  const parts: string[] = [];
  for (const f of findings) {
    const prior = f.prior as { value?: number; unit?: string } | undefined;
    if (NODULE_CODES.has(f.code) && f.change && f.change !== 'new' && prior) {
      const vdt = typeof f.volumeDoublingDays === 'number' && f.volumeChangeBeyondError === true ? `, volume ${f.volumeChangePercent as number > 0 ? '+' : ''}${f.volumeChangePercent} %, doubling time ${f.volumeDoublingDays} days` : f.volumeChangePercent !== undefined ? `, volume change ${f.volumeChangePercent} % (within measurement error)` : '';
      parts.push(`${label(f)} ${f.side ?? ''} ${f.change}: ${prior.value} -> ${f.value} mm${vdt}; Lung-RADS ${f.category} (${f.lungradsRule})`.replace(/\s+/g, ' '));
    }
    if (NODULE_CODES.has(f.code) && f.change === 'new') parts.push(`new ${label(f)} ${f.value} mm; Lung-RADS ${f.category} (${f.lungradsRule})`);
    if (AORTA_CODE.test(f.code) && prior?.value !== undefined && typeof f.growthMmPerYear === 'number') {
      parts.push(`${label(f)} ${prior.value} -> ${f.value} mm (${f.growthMmPerYear} mm/year, ${f.growthCategory})`);
    }
    if (typeof f.comparison === 'string') parts.push(`${label(f)}: comparison ${f.comparison}`);
  }
  for (const r of comparison.resolvedFindings ?? []) parts.push(`${r.code} of ${r.value} mm on the prior no longer seen`);
  for (const r of comparison.unmeasuredPriorFindings ?? []) parts.push(`${r.code} of ${r.value} mm on the prior: tissue still at its place but not measured on this exam, change not assessed`);
  return [`Comparison with the prior of ${date} (${comparison.intervalDays} days): ${parts.length ? parts.join('; ') : 'no finding to compare'}.`];
}

function formatDate(d: string): string {
  return /^\d{8}$/.test(d) ? `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}` : d || 'unknown date';
}
