/** How the metrics pages write rates, sizes and run times. */
export const percent = (rate: number | null): string => (rate === null ? '—' : `${Math.round(rate * 100)} %`);
export const size = (n: number | null): string => (n === null ? '—' : String(Math.round(n * 100) / 100));
export const seconds = (ms: number | null): string => (ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`);
