import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { isPolyradError } from '@polyrad/sdk';
import { DataSource } from 'typeorm';
import { describeInstance, type DicomJson, textOf } from './dicom-json.reader.js';
import { INDEXED_ATTRIBUTES } from './qido-attributes.js';
import type { QidoCondition, QidoQuery } from './qido-query.parser.js';

/** Where a search or retrieval is confined by its URL (/studies/{study}/series/{series}/instances/{sop}). */
export interface DicomwebScope {
  study?: string;
  series?: string;
  sop?: string;
}

/** One search result: the indexed attributes of a representative instance, and the counts a study or series reports. */
export interface QidoMatch {
  attributes: DicomJson;
  study: string;
  series: string;
  sop: string;
  modalities: string[];
  seriesCount: number;
  instanceCount: number;
}

/** A stored instance a retrieval sends. */
export interface StoredFile {
  study: string;
  series: string;
  sop: string;
  path: string;
}

const INDEXED_TAGS = INDEXED_ATTRIBUTES.filter((a) => a.tag !== '00080061').map((a) => a.tag);

/**
 * All SQL of DICOMweb. The index (dicomweb_index) holds what QIDO-RS matches on, one row per instance of
 * the instance store; rows are read from the files' headers when a search finds instances stored since
 * (by C-STORE or STOW-RS) that it lacks, so both ways in are searchable without touching the intake.
 */
@Injectable()
export class DicomwebIndexRepository implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DicomwebIndexRepository.name);
  private catchingUp: Promise<void> = Promise.resolve();
  private closing = false;
  /** instances whose file cannot be read (sop:sha256), reported once instead of at every search */
  private readonly unreadable = new Set<string>();

  constructor(private readonly dataSource: DataSource) {}

  /** Instances stored before DICOMweb existed (or while it was down) are indexed after start, not by the first search. */
  onApplicationBootstrap(): void {
    this.catchUp().catch((error: Error) => this.logger.warn(`DICOMweb index not brought up to date at start: ${error.message}`));
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    await this.catchingUp;
  }

  /** Indexes every stored instance the index lacks; searches run after it, one catch-up at a time. */
  catchUp(): Promise<void> {
    const run = this.catchingUp.then(() => this.indexNewInstances());
    this.catchingUp = run.catch(() => undefined);
    return run;
  }

  private async indexNewInstances(): Promise<void> {
    for (;;) {
      const rows: Array<{ sop_instance_uid: string; sha256: string; path: string }> = await this.dataSource.query(
        `SELECT i."sop_instance_uid", i."sha256", i."path" FROM "instances" i
           LEFT JOIN "dicomweb_index" d ON d."sop_instance_uid" = i."sop_instance_uid" AND d."sha256" = i."sha256"
          WHERE d."sop_instance_uid" IS NULL AND NOT (i."sop_instance_uid" || ':' || i."sha256" = ANY($1))
          LIMIT 200`,
        [[...this.unreadable]],
      );
      if (rows.length === 0) return;
      for (const row of rows) {
        if (this.closing) return;
        await this.indexInstance(row);
      }
    }
  }

  private async indexInstance(row: { sop_instance_uid: string; sha256: string; path: string }): Promise<void> {
    let described: Awaited<ReturnType<typeof describeInstance>>;
    try {
      described = await describeInstance(row.path);
    } catch (error) {
      this.unreadable.add(`${row.sop_instance_uid}:${row.sha256}`);
      this.logger.warn(`instance ${row.sop_instance_uid} cannot be indexed for DICOMweb: ${isPolyradError(error) ? error.message : (error as Error).message}`);
      return;
    }
    const { header, dataset } = described;
    const attributes: DicomJson = {};
    for (const tag of INDEXED_TAGS) if (dataset[tag]) attributes[tag] = dataset[tag];
    await this.dataSource.query(
      `INSERT INTO "dicomweb_index" ("sop_instance_uid", "sha256", "study_instance_uid", "series_instance_uid", "patient_id", "patient_name", "study_date",
         "study_time", "accession_number", "study_description", "referring_physician_name", "modality", "series_number", "instance_number", "sop_class_uid",
         "transfer_syntax_uid", "attributes")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17::jsonb)
       ON CONFLICT ("sop_instance_uid") DO UPDATE SET "sha256" = EXCLUDED."sha256", "study_instance_uid" = EXCLUDED."study_instance_uid",
         "series_instance_uid" = EXCLUDED."series_instance_uid", "patient_id" = EXCLUDED."patient_id", "patient_name" = EXCLUDED."patient_name",
         "study_date" = EXCLUDED."study_date", "study_time" = EXCLUDED."study_time", "accession_number" = EXCLUDED."accession_number",
         "study_description" = EXCLUDED."study_description", "referring_physician_name" = EXCLUDED."referring_physician_name", "modality" = EXCLUDED."modality",
         "series_number" = EXCLUDED."series_number", "instance_number" = EXCLUDED."instance_number", "sop_class_uid" = EXCLUDED."sop_class_uid",
         "transfer_syntax_uid" = EXCLUDED."transfer_syntax_uid", "attributes" = EXCLUDED."attributes"`,
      [
        row.sop_instance_uid,
        row.sha256,
        header.StudyInstanceUID,
        header.SeriesInstanceUID,
        header.PatientID,
        textOf(dataset, '00100010'),
        header.StudyDate,
        header.StudyTime,
        header.AccessionNumber,
        header.StudyDescription,
        textOf(dataset, '00080090'),
        header.Modality,
        safeInt(header.SeriesNumber),
        safeInt(header.InstanceNumber),
        header.SOPClassUID,
        header.TransferSyntaxUID,
        JSON.stringify(attributes),
      ],
    );
  }

  /** The matches of a QIDO-RS search, at most query.limit from query.offset; `more` when the limit cut some off. */
  async search(query: QidoQuery, scope: DicomwebScope): Promise<{ matches: QidoMatch[]; more: boolean }> {
    await this.catchUp();
    const params: unknown[] = [];
    const where = ['TRUE'];
    const having: string[] = [];
    if (scope.study) where.push(`d."study_instance_uid" = ${bind(params, scope.study)}`);
    if (scope.series) where.push(`d."series_instance_uid" = ${bind(params, scope.series)}`);
    for (const condition of query.conditions) {
      if (condition.attribute.match.kind === 'modalities') having.push(`bool_or(d."modality" = ANY(${bind(params, condition.values)}))`);
      else where.push(conditionSql(condition, params));
    }
    const from = `FROM "dicomweb_index" d JOIN "instances" i ON i."sop_instance_uid" = d."sop_instance_uid" AND i."sha256" = d."sha256" WHERE ${where.join(' AND ')}`;
    const first = `(array_agg(d."attributes" ORDER BY d."series_number" NULLS LAST, d."instance_number" NULLS LAST, d."sop_instance_uid"))[1]`;
    const page = `LIMIT ${bind(params, query.limit + 1)} OFFSET ${bind(params, query.offset)}`;
    const sql =
      query.level === 'study'
        ? `SELECT d."study_instance_uid" AS study, '' AS series, '' AS sop, ${first} AS attributes, array_agg(DISTINCT d."modality") AS modalities,
                  count(DISTINCT d."series_instance_uid")::int AS series_count, count(*)::int AS instance_count
             ${from} GROUP BY d."study_instance_uid" ${having.length ? `HAVING ${having.join(' AND ')}` : ''}
             ORDER BY max(d."study_date") DESC, d."study_instance_uid" ${page}`
        : query.level === 'series'
          ? `SELECT min(d."study_instance_uid") AS study, d."series_instance_uid" AS series, '' AS sop, ${first} AS attributes, array_agg(DISTINCT d."modality") AS modalities,
                    1 AS series_count, count(*)::int AS instance_count
               ${from} GROUP BY d."series_instance_uid"
               ORDER BY min(d."study_instance_uid"), min(d."series_number") NULLS LAST, d."series_instance_uid" ${page}`
          : `SELECT d."study_instance_uid" AS study, d."series_instance_uid" AS series, d."sop_instance_uid" AS sop, d."attributes", ARRAY[d."modality"] AS modalities,
                    1 AS series_count, 1 AS instance_count
               ${from} ORDER BY d."study_instance_uid", d."series_number" NULLS LAST, d."series_instance_uid", d."instance_number" NULLS LAST, d."sop_instance_uid" ${page}`;
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(sql, params);
    const matches = rows.slice(0, query.limit).map((r) => ({
      attributes: (typeof r.attributes === 'string' ? JSON.parse(r.attributes) : r.attributes) as DicomJson,
      study: String(r.study),
      series: String(r.series),
      sop: String(r.sop),
      modalities: ((r.modalities as string[] | null) ?? []).filter(Boolean).sort(),
      seriesCount: Number(r.series_count),
      instanceCount: Number(r.instance_count),
    }));
    return { matches, more: rows.length > query.limit };
  }

  /**
   * The stored files a WADO-RS retrieval names, in series and instance order (indexed ones by InstanceNumber).
   * One instance (a viewer fetches frame after frame) is looked up without bringing the index up to date first.
   */
  async files(scope: DicomwebScope): Promise<StoredFile[]> {
    if (!scope.sop) await this.catchUp();
    const params: unknown[] = [];
    const where = [`i."study_instance_uid" = ${bind(params, scope.study)}`];
    if (scope.series) where.push(`i."series_instance_uid" = ${bind(params, scope.series)}`);
    if (scope.sop) where.push(`i."sop_instance_uid" = ${bind(params, scope.sop)}`);
    const rows: Array<{ study_instance_uid: string; series_instance_uid: string; sop_instance_uid: string; path: string }> = await this.dataSource.query(
      `SELECT i."study_instance_uid", i."series_instance_uid", i."sop_instance_uid", i."path"
         FROM "instances" i LEFT JOIN "dicomweb_index" d ON d."sop_instance_uid" = i."sop_instance_uid"
        WHERE ${where.join(' AND ')}
        ORDER BY d."series_number" NULLS LAST, i."series_instance_uid", d."instance_number" NULLS LAST, i."sop_instance_uid"`,
      params,
    );
    return rows.map((r) => ({ study: r.study_instance_uid, series: r.series_instance_uid, sop: r.sop_instance_uid, path: r.path }));
  }
}

function bind(params: unknown[], value: unknown): string {
  params.push(value);
  return `$${params.length}`;
}

function safeInt(value: number | undefined): number | null {
  return value !== undefined && Number.isSafeInteger(value) && Math.abs(value) < 2 ** 31 ? value : null;
}

/** PS3.4 C.2.2.2 matching of one key, as SQL on the index (the values were checked by the query parser). */
function conditionSql(condition: QidoCondition, params: unknown[]): string {
  const column = `d."${condition.attribute.match.column}"`;
  const [value] = condition.values;
  switch (condition.attribute.match.kind) {
    case 'uid':
      return `${column} = ANY(${bind(params, condition.values)})`;
    case 'list':
      return `(${condition.values.map((v) => textMatch(column, v, false, params)).join(' OR ')})`;
    case 'int':
      return `${column} = ${bind(params, Number(value))}`;
    case 'date':
    case 'time': {
      const [from, to] = value.includes('-') ? value.split('-') : [value, value];
      const bounds = [`${column} <> ''`];
      if (from) bounds.push(`${column} >= ${bind(params, from)}`);
      // a time bound names a prefix: "12" reaches up to 12:59:59.999999
      if (to) bounds.push(`left(${column}, ${to.length}) <= ${bind(params, to)}`);
      return `(${bounds.join(' AND ')})`;
    }
    case 'pn':
      return condition.fuzzy ? fuzzyNameMatch(column, value, params) : textMatch(column, value, true, params);
    default:
      return textMatch(column, value, false, params);
  }
}

/** Single value or wildcard (`*`, `?`) matching; person names ignore case. */
function textMatch(column: string, value: string, ignoreCase: boolean, params: unknown[]): string {
  if (/[*?]/.test(value)) {
    const pattern = value.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%').replace(/\?/g, '_');
    return `${column} ${ignoreCase ? 'ILIKE' : 'LIKE'} ${bind(params, pattern)} ESCAPE '\\'`;
  }
  return ignoreCase ? `lower(${column}) = lower(${bind(params, value)})` : `${column} = ${bind(params, value)}`;
}

/** fuzzymatching=true: every word of the query begins some component of the name, in any order and any case. */
function fuzzyNameMatch(column: string, value: string, params: unknown[]): string {
  const words = value.toLowerCase().replace(/[*?]/g, ' ').split(/[\s^,=]+/).filter(Boolean);
  if (words.length === 0) return 'TRUE';
  return `(${words.map((w) => `lower(${column}) ~ ${bind(params, `(^|[^[:alnum:]])${w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`)}`).join(' AND ')})`;
}
