import { PolyradError } from '@polyrad/sdk';
import { isDicomUid } from '../../studies/study-uid.js';
import { INVALID_DICOMWEB_QUERY } from './dicomweb.errors.js';
import { type IndexedAttribute, indexedAttribute, INDEXED_ATTRIBUTES, type QidoLevel, visibleAt } from './qido-attributes.js';

/** One matching key of a search (PS3.18 8.3.4.1): the attribute and its value(s), already checked. */
export interface QidoCondition {
  attribute: IndexedAttribute & { match: NonNullable<IndexedAttribute['match']> };
  /** several for UID and code lists; one otherwise (a date or time range as "from-to", either side may be empty) */
  values: string[];
  fuzzy: boolean;
}

export interface QidoQuery {
  level: QidoLevel;
  conditions: QidoCondition[];
  /** tags returned besides the level's defaults (the matching keys, includefield), or every indexed one */
  include: Set<string> | 'all';
  limit: number;
  offset: number;
  /** query keys this server does not match on, ignored and named in a Warning header */
  ignored: string[];
}

/** Results per search without `limit`, and the most one search returns. */
export const DEFAULT_QIDO_LIMIT = 1000;
export const MAX_QIDO_LIMIT = 10000;

const DATE = /^\d{8}$/;
const TIME = /^\d{2}(\d{2}(\d{2}(\.\d{1,6})?)?)?$/;

const invalid = (message: string): PolyradError => new PolyradError(INVALID_DICOMWEB_QUERY, message);

/**
 * Reads a QIDO-RS query string (PS3.18 8.3.4): matching keys by keyword or tag, `fuzzymatching`,
 * `includefield` (keywords, tags or `all`), `limit` and `offset`. A malformed value is refused with
 * INVALID_DICOMWEB_QUERY; a key this server cannot match on is ignored and reported in `ignored`.
 */
export function parseQidoQuery(level: QidoLevel, params: Record<string, unknown>): QidoQuery {
  const text = (key: string): string => {
    const value = params[key];
    const values = Array.isArray(value) ? value : [value];
    if (!values.every((v) => typeof v === 'string')) throw invalid(`the query parameter ${key} must be plain text`);
    return (values as string[]).join(',');
  };
  const fuzzy = params.fuzzymatching === undefined ? false : parseBoolean(text('fuzzymatching'));
  const include: Set<string> | 'all' = new Set<string>();
  let all = false;
  const conditions: QidoCondition[] = [];
  const ignored: string[] = [];
  for (const key of Object.keys(params)) {
    if (['fuzzymatching', 'limit', 'offset'].includes(key)) continue;
    if (key === 'includefield') {
      for (const field of text(key).split(',').map((f) => f.trim()).filter(Boolean)) {
        const found = indexedAttribute(field);
        if (field === 'all') all = true;
        else if (found && visibleAt(found.level, level)) include.add(found.tag);
        else ignored.push(`includefield ${field}`);
      }
      continue;
    }
    const found = indexedAttribute(key);
    if (!found?.match || !visibleAt(found.level, level) || (found.match.kind === 'modalities' && level !== 'study')) {
      ignored.push(key);
      continue;
    }
    include.add(found.tag);
    const value = text(key).trim();
    // an empty value is universal matching: the attribute is returned, nothing is filtered
    if (value === '') continue;
    conditions.push({ attribute: found as QidoCondition['attribute'], values: checkedValues(found, value), fuzzy });
  }
  return {
    level,
    conditions,
    include: all ? 'all' : include,
    limit: Math.min(MAX_QIDO_LIMIT, params.limit === undefined ? DEFAULT_QIDO_LIMIT : count(text('limit'), 'limit', 1)),
    offset: params.offset === undefined ? 0 : count(text('offset'), 'offset', 0),
    ignored,
  };
}

/**
 * The tags a result at `level` carries without includefield (PS3.18 table 6.7.1-2): its own level's, the
 * levels above it that the URL does not fix, and always the UIDs that locate it.
 */
export function defaultTags(level: QidoLevel, scope: { study: boolean; series: boolean }): string[] {
  const wanted = (a: IndexedAttribute): boolean =>
    a.level === level ||
    (a.level === 'study' && level !== 'study' && !scope.study) ||
    (a.level === 'series' && level === 'instance' && !scope.series) ||
    a.tag === '0020000D' ||
    (a.tag === '0020000E' && level === 'instance');
  return INDEXED_ATTRIBUTES.filter((a) => a.returned && wanted(a)).map((a) => a.tag);
}

function checkedValues(attribute: IndexedAttribute, value: string): string[] {
  const kind = attribute.match!.kind;
  if (kind === 'uid') {
    const uids = value.split(/[,\\]/).map((v) => v.trim());
    const bad = uids.find((uid) => !isDicomUid(uid));
    if (bad !== undefined) throw invalid(`${attribute.keyword}: ${JSON.stringify(bad)} is not a UID`);
    return uids;
  }
  if (kind === 'list' || kind === 'modalities') return value.split(/[,\\]/).map((v) => v.trim()).filter(Boolean);
  if (kind === 'int') {
    if (!/^-?\d{1,9}$/.test(value)) throw invalid(`${attribute.keyword} must be an integer, got ${JSON.stringify(value)}`);
    return [value];
  }
  if (kind === 'date' || kind === 'time') {
    const pattern = kind === 'date' ? DATE : TIME;
    const bounds = value.split('-');
    const ok = bounds.length <= 2 && bounds.every((b) => b === '' || pattern.test(b)) && bounds.some((b) => b !== '');
    if (!ok) {
      const form = kind === 'date' ? 'YYYYMMDD, or a range YYYYMMDD-YYYYMMDD (either side may be left open)' : 'HHMMSS, or a range HHMMSS-HHMMSS';
      throw invalid(`${attribute.keyword} must be ${form}, got ${JSON.stringify(value)}`);
    }
    return [value];
  }
  return [value];
}

function parseBoolean(value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw invalid(`fuzzymatching must be true or false, got ${JSON.stringify(value)}`);
}

function count(value: string, name: string, min: number): number {
  if (!/^\d{1,9}$/.test(value) || Number(value) < min) throw invalid(`${name} must be an integer of at least ${min}, got ${JSON.stringify(value)}`);
  return Number(value);
}
