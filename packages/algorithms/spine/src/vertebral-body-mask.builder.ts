import type { LabelMask, VolumeGeometry } from '@polyrad/sdk';
import type { VertebraMeasurement } from './spine.analyzer.js';

/** What the mask shows, for the SEG's segment description. */
export const VERTEBRAL_BODY_DESCRIPTION = 'inside its inner cortical outline per slice; levels not numbered';

/** Labelled from the most superior body; levels are not numbered, so the label says where the body lies (z, mm). */
export function vertebralBodyLabel(v: Pick<VertebraMeasurement, 'index' | 'center'>): string {
  return `vertebral body ${v.index + 1} (z ${v.center[2].toFixed(0)} mm)`;
}

/**
 * One label per vertebral body on the series grid: on each of its slices, the area inside the quarter
 * ellipses through its four inner cortical distances around the traced centre.
 */
export function buildVertebralBodyMask(geometry: VolumeGeometry, vertebrae: VertebraMeasurement[]): LabelMask {
  const [nx, ny, nz] = geometry.dimensions;
  const [sx, sy] = geometry.spacing;
  // +j is posterior when the column direction points to +y (LPS)
  const posteriorSign = Math.sign(geometry.direction[1][1]);
  const labels = new Uint8Array(nx * ny * nz);
  const labelNames: Record<number, string> = {};
  // a Uint8 label map holds 255 bodies; a spine has 24
  for (const v of vertebrae.slice(0, 255)) {
    const value = v.index + 1;
    labelNames[value] = vertebralBodyLabel(v);
    for (const b of v.outline) {
      const reach = Math.max(b.left, b.right, b.anterior, b.posterior);
      const i0 = Math.max(0, Math.floor(b.ci - reach / sx));
      const i1 = Math.min(nx - 1, Math.ceil(b.ci + reach / sx));
      const j0 = Math.max(0, Math.floor(b.cj - reach / sy));
      const j1 = Math.min(ny - 1, Math.ceil(b.cj + reach / sy));
      for (let j = j0; j <= j1; j++) {
        const dy = (j - b.cj) * sy;
        const ry = dy * posteriorSign > 0 ? b.posterior : b.anterior;
        for (let i = i0; i <= i1; i++) {
          const dx = (i - b.ci) * sx;
          const rx = dx < 0 ? b.left : b.right;
          if ((dx / rx) ** 2 + (dy / ry) ** 2 <= 1) labels[i + j * nx + b.k * nx * ny] = value;
        }
      }
    }
  }
  return { geometry, labels, labelNames };
}
