/**
 * Anatomical checks on a lung segmentation before anything downstream trusts it (issue #11: a failed
 * gate turns the dependent findings into "not assessed", never into a number).
 *
 * Hard checks (the mask is not given out when one fails):
 *  - both lungs found, each at least `minLungMl`: one missing lung is a segmentation failure (or a
 *    pneumonectomy / total collapse, which a reader must see anyway);
 *  - total volume within `totalMl`: CT lung volumes of adults lie between about 2 L (expiration, small
 *    women) and 8-9 L (hyperinflated COPD; predicted TLC 4-8 L, Quanjer PH et al., Eur Respir J 1993;6
 *    Suppl 16:5-40); outside that the mask has lost lung or taken in bowel gas or outside air;
 *  - right/left volume ratio within `rightLeftRatio`: the right lung holds about 53-55 % of the total
 *    (ratio about 1.1-1.2); beyond 2:1 either way a lung was cut, merged or mislabelled;
 *  - share of soft-tissue voxels (>= -200 HU) in the mask at most `maxTissueFraction`: with vessels
 *    filled in, aerated lung has a few per cent; more means the mask leaked into the body wall,
 *    mediastinum or abdomen.
 * Coverage (the mask is given out, whole-lung statements are not): a lung still present on the first or
 * last slice of the series with at least `endSliceAreaFraction` of its largest slice area runs on beyond
 * the scan, so its apex or base is missing. On such a partial scan the lower volume limits give way to
 * `minPartialLungMl` per lung.
 */

export interface LungQualityInput {
  volumesMl: { right: number; left: number };
  /** share of mask voxels at or above -200 HU */
  tissueFraction: number;
  /** each lung's area (voxels) on the most superior and the most inferior slice of the series */
  endSliceArea: { superior: { right: number; left: number }; inferior: { right: number; left: number } };
  /** each lung's largest area on any slice (voxels) */
  maxSliceArea: { right: number; left: number };
}

export interface LungCoverage {
  /** both apices lie inside the scan */
  apices: boolean;
  /** both bases lie inside the scan */
  bases: boolean;
}

export interface LungQuality {
  /** false: the mask must not be used (see failures) */
  passed: boolean;
  /** each failed hard check: which one, what was seen */
  failures: string[];
  coverage: LungCoverage;
  /** why coverage is incomplete, when it is */
  coverageNote?: string;
}

export const LUNG_QUALITY_LIMITS = {
  minLungMl: 500,
  /** the least of a lung that must be in a scan that does not cover it all */
  minPartialLungMl: 100,
  totalMl: [1500, 10_000] as const,
  rightLeftRatio: [0.5, 2] as const,
  maxTissueFraction: 0.15,
  endSliceAreaFraction: 0.02,
};

const ml = (x: number): string => `${Math.round(x)} mL`;

export function checkLungQuality(input: LungQualityInput, limits = LUNG_QUALITY_LIMITS): LungQuality {
  const coverage = coverageOf(input, limits);
  const covered = coverage.coverage.apices && coverage.coverage.bases;
  const failures = [...presenceAndVolumeFailures(input.volumesMl, covered, limits), ...leakFailures(input, limits)];
  return { passed: failures.length === 0, failures, ...coverage };
}

/**
 * Both lungs there, total and ratio plausible. On a partial scan the lower volume limits do not apply
 * (the part in the scan is legitimately small); a lung must still be there and the ratio still holds,
 * both lungs being cut at the same levels.
 */
function presenceAndVolumeFailures(volumesMl: { right: number; left: number }, covered: boolean, limits: typeof LUNG_QUALITY_LIMITS): string[] {
  const { right, left } = volumesMl;
  const failures: string[] = [];
  const minLung = covered ? limits.minLungMl : limits.minPartialLungMl;
  for (const [side, volume] of [['right', right], ['left', left]] as const) {
    if (volume < minLung) failures.push(`${side} lung ${volume === 0 ? 'not found' : `only ${ml(volume)}`} (expected at least ${ml(minLung)}${covered ? '' : ' of it in this partial scan'})`);
  }
  const total = right + left;
  if ((covered && total < limits.totalMl[0]) || total > limits.totalMl[1]) {
    failures.push(`total lung volume ${ml(total)} outside the adult range ${ml(limits.totalMl[0])}-${ml(limits.totalMl[1])}`);
  }
  if (right > 0 && left > 0) {
    const ratio = right / left;
    if (ratio < limits.rightLeftRatio[0] || ratio > limits.rightLeftRatio[1]) {
      failures.push(`right/left volume ratio ${ratio.toFixed(2)} (${ml(right)} / ${ml(left)}) outside ${limits.rightLeftRatio[0]}-${limits.rightLeftRatio[1]}: a lung cut, merged or mislabelled, or collapse/effusion`);
    }
  }
  return failures;
}

function leakFailures(input: LungQualityInput, limits: typeof LUNG_QUALITY_LIMITS): string[] {
  if (input.tissueFraction <= limits.maxTissueFraction) return [];
  return [`${(100 * input.tissueFraction).toFixed(0)} % of the mask is soft tissue (>= -200 HU; expected at most ${100 * limits.maxTissueFraction} %): the mask leaked into the chest wall, mediastinum or abdomen`];
}

function coverageOf(input: LungQualityInput, limits: typeof LUNG_QUALITY_LIMITS): Pick<LungQuality, 'coverage' | 'coverageNote'> {
  const cut = (end: 'superior' | 'inferior'): string[] =>
    (['right', 'left'] as const).filter((s) => input.maxSliceArea[s] > 0 && input.endSliceArea[end][s] >= limits.endSliceAreaFraction * input.maxSliceArea[s]);
  const apexCut = cut('superior');
  const baseCut = cut('inferior');
  const notes = [
    ...(apexCut.length ? [`the ${apexCut.join(' and ')} lung apex runs beyond the first slice`] : []),
    ...(baseCut.length ? [`the ${baseCut.join(' and ')} lung base runs beyond the last slice`] : []),
  ];
  return {
    coverage: { apices: apexCut.length === 0, bases: baseCut.length === 0 },
    ...(notes.length ? { coverageNote: `lungs not fully covered: ${notes.join('; ')}` } : {}),
  };
}
