import { Injectable } from '@nestjs/common';
import type { DicomJson } from './dicom-json.reader.js';
import { assertScope } from './dicomweb-request.js';
import { DicomwebIndexRepository, type DicomwebScope, type QidoMatch } from './dicomweb-index.repository.js';
import type { QidoLevel } from './qido-attributes.js';
import { defaultTags, parseQidoQuery } from './qido-query.parser.js';

/** What a QIDO-RS search answers: DICOM JSON results, and warnings for the Warning header. */
export interface QidoAnswer {
  results: DicomJson[];
  warnings: string[];
}

/** QIDO-RS (PS3.18 10.6): searches studies, series and instances in the DICOMweb index. */
@Injectable()
export class QidoService {
  constructor(private readonly index: DicomwebIndexRepository) {}

  async search(level: QidoLevel, params: Record<string, unknown>, scope: DicomwebScope, baseUrl: string): Promise<QidoAnswer> {
    assertScope(scope);
    const query = parseQidoQuery(level, params);
    const { matches, more } = await this.index.search(query, scope);
    const tags = query.include === 'all' ? undefined : new Set([...defaultTags(level, { study: !!scope.study, series: !!scope.series }), ...query.include]);
    const warnings: string[] = [];
    if (query.ignored.length > 0) warnings.push(`The following query keys are not supported and were ignored: ${query.ignored.join(', ')}`);
    if (more) warnings.push(`More matches than the limit of ${query.limit}; ask again with offset=${query.offset + query.limit}`);
    return { results: matches.map((match) => resultOf(level, match, tags, baseUrl)), warnings };
  }
}

/** One result: the wanted indexed attributes, and what the level computes (PS3.18 table 6.7.1-2). */
function resultOf(level: QidoLevel, match: QidoMatch, tags: Set<string> | undefined, baseUrl: string): DicomJson {
  const result: DicomJson = {};
  for (const [tag, value] of Object.entries(match.attributes)) if (!tags || tags.has(tag)) result[tag] = value;
  const studyUrl = `${baseUrl}/studies/${match.study}`;
  if (level === 'study') {
    result['00080056'] = { vr: 'CS', Value: ['ONLINE'] };
    result['00080061'] = { vr: 'CS', ...(match.modalities.length > 0 ? { Value: match.modalities } : {}) };
    result['00081190'] = { vr: 'UR', Value: [studyUrl] };
    result['00201206'] = { vr: 'IS', Value: [match.seriesCount] };
    result['00201208'] = { vr: 'IS', Value: [match.instanceCount] };
  } else if (level === 'series') {
    result['00081190'] = { vr: 'UR', Value: [`${studyUrl}/series/${match.series}`] };
    result['00201209'] = { vr: 'IS', Value: [match.instanceCount] };
  } else {
    result['00081190'] = { vr: 'UR', Value: [`${studyUrl}/series/${match.series}/instances/${match.sop}`] };
  }
  return Object.fromEntries(Object.entries(result).sort(([a], [b]) => a.localeCompare(b)));
}
