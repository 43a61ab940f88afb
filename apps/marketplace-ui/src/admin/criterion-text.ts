import type { AlgorithmManifest } from '../api/api.types.js';

type Criterion = AlgorithmManifest['series']['criteria'][number];

/** One series criterion of a manifest in words ("SliceThickness at most 5"). */
export function criterionText(c: Criterion): string {
  const scope = c.instances === 'all' ? ' on every image' : c.instances === 'any' ? ' on at least one image' : '';
  switch (c.op) {
    case 'equals':
      return `${c.field} is ${String(c.value)}${scope}`;
    case 'in':
      return `${c.field} is one of ${c.value.join(', ')}${scope}`;
    case 'regex':
      return `${c.field} matches the pattern ${c.value}${scope}`;
    case 'contains':
      return `${c.field} contains ${String(c.value)}${scope}`;
    case 'exists':
      return `${c.field} is present${scope}`;
    case 'range':
      if (c.min !== undefined && c.max !== undefined) return `${c.field} from ${c.min} to ${c.max}${scope}`;
      if (c.min !== undefined) return `${c.field} at least ${c.min}${scope}`;
      return `${c.field} at most ${c.max ?? '∞'}${scope}`;
  }
}
