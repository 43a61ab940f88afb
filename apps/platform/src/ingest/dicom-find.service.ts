import { Injectable } from '@nestjs/common';
import { isPolyradError } from '@polyrad/sdk';
import dcmjs from 'dcmjs';
import { DATABASE_UNAVAILABLE } from '../database/database-connection.js';
import type { DicomJson } from './dicomweb/dicom-json.reader.js';
import { INVALID_DICOMWEB_QUERY, INVALID_DICOMWEB_REQUEST } from './dicomweb/dicomweb.errors.js';
import type { QidoLevel } from './dicomweb/qido-attributes.js';
import { MAX_QIDO_LIMIT } from './dicomweb/qido-query.parser.js';
import { QidoService } from './dicomweb/qido.service.js';

/** A C-FIND identifier or match as dcmjs naturalizes it (keyword to value). */
export type NaturalDataset = Record<string, unknown>;

/**
 * What a C-FIND answers (PS3.4 C.4.1.1.4): the matches (sent as Pending responses) and the final status;
 * a refused query carries the reason for the ErrorComment.
 */
export interface FindOutcome {
  matches: NaturalDataset[];
  status: number;
  errorComment?: string;
}

// PS3.4 C.4.1.1.4 statuses
const SUCCESS = 0x0000;
const OUT_OF_RESOURCES = 0xa700;
const IDENTIFIER_DOES_NOT_MATCH = 0xa900;
const UNABLE_TO_PROCESS = 0xc000;

const LEVELS: Record<string, QidoLevel> = { STUDY: 'study', SERIES: 'series', IMAGE: 'instance' };
// not query keys: how the request is framed, answered by the SCP itself
const FRAMING_KEYS = new Set(['QueryRetrieveLevel', 'SpecificCharacterSet', '_vrMap']);

/**
 * C-FIND at study, series and image level (Study Root Query/Retrieve, PS3.4 C.6.2), answered from the
 * same index and matching rules as QIDO-RS: single values, wildcards (PatientName ignoring case), UID
 * lists, date ranges and ModalitiesInStudy. Each match carries the keys the peer asked for, empty where
 * the platform holds no value.
 */
@Injectable()
export class DicomFindService {
  constructor(private readonly qido: QidoService) {}

  async find(identifier: NaturalDataset): Promise<FindOutcome> {
    const level = LEVELS[String(identifier.QueryRetrieveLevel ?? '').trim()];
    if (!level) {
      return { matches: [], status: IDENTIFIER_DOES_NOT_MATCH, errorComment: `QueryRetrieveLevel must be STUDY, SERIES or IMAGE` };
    }
    const requested = Object.keys(identifier).filter((key) => !FRAMING_KEYS.has(key));
    const params: Record<string, string> = { includefield: 'all', limit: String(MAX_QIDO_LIMIT) };
    for (const key of requested) params[key] = queryText(identifier[key]);
    let results: DicomJson[];
    let warnings: string[];
    try {
      ({ results, warnings } = await this.qido.search(level, params, {}, ''));
    } catch (error) {
      if (isPolyradError(error) && (error.code === INVALID_DICOMWEB_QUERY || error.code === INVALID_DICOMWEB_REQUEST)) {
        return { matches: [], status: IDENTIFIER_DOES_NOT_MATCH, errorComment: error.message };
      }
      if (isPolyradError(error) && error.code === DATABASE_UNAVAILABLE) return { matches: [], status: OUT_OF_RESOURCES, errorComment: 'database unavailable; try again later' };
      return { matches: [], status: UNABLE_TO_PROCESS, errorComment: (error as Error).message };
    }
    const matches = results.map((result) => answerOf(result, requested, String(identifier.QueryRetrieveLevel).trim()));
    if (warnings.some((w) => w.startsWith('More matches'))) {
      // PS3.4 C.4.1.1.4: the SCP may end a search it cannot complete; the peer learns it was cut off
      return { matches, status: OUT_OF_RESOURCES, errorComment: `more than ${MAX_QIDO_LIMIT} matches; narrow the query` };
    }
    return { matches, status: SUCCESS };
  }
}

/** An identifier value as a QIDO-RS query value: multiple values joined by backslash, a person name by its alphabetic form. */
function queryText(value: unknown): string {
  const values = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return values
    .map((v) => (typeof v === 'object' && v !== null ? String((v as { Alphabetic?: string }).Alphabetic ?? '') : String(v)))
    .join('\\')
    .trim();
}

/** A match with exactly the requested keys (PS3.4 C.4.1.2.3.1), empty where absent, and the level it answers. */
function answerOf(result: DicomJson, requested: string[], level: string): NaturalDataset {
  const natural = dcmjs.data.DicomMetaDictionary.naturalizeDataset(result) as NaturalDataset;
  const answer: NaturalDataset = { QueryRetrieveLevel: level };
  for (const key of requested) answer[key] = natural[key] ?? '';
  return answer;
}
