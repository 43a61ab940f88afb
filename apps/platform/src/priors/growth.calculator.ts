/**
 * Growth between two exams: nodule volume doubling time with its uncertainty, aortic growth rate.
 * Pure functions of measured numbers and dates.
 */

export const VDT_SOURCE = 'Schwartz M., Cancer 1961;14:1272-1294 (exponential growth): VDT = t x ln 2 / ln(V2 / V1)';
export const AORTA_GROWTH_SOURCE =
  '2022 ACC/AHA Guideline for the Diagnosis and Management of Aortic Disease (Isselbacher EM et al., Circulation 2022;146:e334-e482): repair is reasonable for growth >= 0.5 cm in 1 year, or >= 0.3 cm per year in 2 consecutive years';

/** days from one DICOM date (YYYYMMDD) to another; undefined when either is not a date */
export function daysBetween(from: string, to: string): number | undefined {
  const parse = (d: string) => (/^\d{8}$/.test(d) ? Date.UTC(Number(d.slice(0, 4)), Number(d.slice(4, 6)) - 1, Number(d.slice(6, 8))) : NaN);
  const a = parse(from);
  const b = parse(to);
  return Number.isFinite(a) && Number.isFinite(b) ? Math.round((b - a) / 86_400_000) : undefined;
}

/**
 * One standard deviation of a volumetric measurement, relative to the volume (a model, not a published
 * figure): the nodule's diameter is taken as uncertain like a position uniformly unknown within one voxel
 * (SD edge / sqrt 12), and a volume (proportional to d^3) has three times the diameter's relative error.
 * `voxelEdgeMm` is the cube root of the voxel volume. A 6 mm nodule on 0.7 x 0.7 x 1 mm voxels: 10 %, so
 * two such measurements differ by up to about 28 % (95 %), close to the 25 % volume change NELSON took as
 * real growth (Horeweg N et al., Lancet Oncol 2014;15:1332-1341); on 2 x 2 x 2.5 mm voxels: 31 %.
 * Never below 5 % (segmentation variability on any grid).
 */
export function volumeRelativeError(meanDiameterMm: number, voxelEdgeMm: number): number {
  const sdDiameter = voxelEdgeMm / Math.sqrt(12);
  return Math.max(0.05, (3 * sdDiameter) / Math.max(meanDiameterMm, 1));
}

export interface VolumeAt {
  volumeMm3: number;
  /** one SD, relative (volumeRelativeError) */
  relativeError: number;
}

export interface DoublingTime {
  /** percent change of the volume, current vs prior */
  volumeChangePercent: number;
  /** days; positive: growth, negative: shrinkage (halving time); null when the volume did not change */
  volumeDoublingDays: number | null;
  /**
   * 95 % interval of the doubling time from both measurement errors (log-normal); an end is null where
   * the interval reaches "no change" (the change is within the measurement error, the time unbounded)
   */
  volumeDoublingDaysRange: [number | null, number | null];
  /** whether the volume change exceeds what the two measurement errors explain (95 %) */
  changeBeyondError: boolean;
}

/** VDT = t ln2 / ln(V2/V1) (Schwartz 1961), and its 95 % interval from ln V's SDs (about the relative errors). */
export function volumeDoublingTime(prior: VolumeAt, current: VolumeAt, intervalDays: number): DoublingTime {
  const logRatio = Math.log(current.volumeMm3 / prior.volumeMm3);
  const sd = Math.sqrt(prior.relativeError ** 2 + current.relativeError ** 2);
  const lo = logRatio - 1.96 * sd;
  const hi = logRatio + 1.96 * sd;
  const vdt = (l: number): number | null => (l === 0 ? null : Math.round((intervalDays * Math.LN2) / l));
  const changeBeyondError = lo > 0 || hi < 0;
  // growth: the fastest doubling comes from the highest ratio; an interval through 0 has one open end
  const range: [number | null, number | null] =
    lo > 0 ? [vdt(hi), vdt(lo)] : hi < 0 ? [vdt(hi), vdt(lo)] : logRatio >= 0 ? [vdt(hi), null] : [null, vdt(lo)];
  return {
    volumeChangePercent: Math.round((Math.exp(logRatio) - 1) * 1000) / 10,
    volumeDoublingDays: vdt(logRatio),
    volumeDoublingDaysRange: range,
    changeBeyondError,
  };
}

/** Reproducibility of a CT aortic diameter: differences up to 2 mm lie within inter-exam measurement variability. */
export const AORTA_MEASUREMENT_ERROR_MM = 2;
export const AORTA_RAPID_GROWTH_MM_PER_YEAR = 5;
export const AORTA_WATCH_GROWTH_MM_PER_YEAR = 3;

export type AortaGrowthCategory = 'rapid growth' | 'growth to watch' | 'no significant growth' | 'within measurement error';

export interface AortaGrowth {
  changeMm: number;
  growthMmPerYear: number;
  growthCategory: AortaGrowthCategory;
}

/**
 * Growth rate of an aortic diameter, mm per year. A change within the measurement error (<= 2 mm) is
 * never called growth, however short the interval makes the rate; beyond it, >= 5 mm/year is rapid
 * growth and >= 3 mm/year one to watch (AORTA_GROWTH_SOURCE).
 */
export function aortaGrowth(priorMm: number, currentMm: number, intervalDays: number): AortaGrowth {
  const changeMm = Math.round((currentMm - priorMm) * 10) / 10;
  const growthMmPerYear = Math.round(((currentMm - priorMm) / (intervalDays / 365.25)) * 10) / 10;
  const growthCategory: AortaGrowthCategory =
    Math.abs(changeMm) <= AORTA_MEASUREMENT_ERROR_MM
      ? 'within measurement error'
      : growthMmPerYear >= AORTA_RAPID_GROWTH_MM_PER_YEAR
        ? 'rapid growth'
        : growthMmPerYear >= AORTA_WATCH_GROWTH_MM_PER_YEAR
          ? 'growth to watch'
          : 'no significant growth';
  return { changeMm, growthMmPerYear, growthCategory };
}
