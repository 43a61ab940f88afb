import { Injectable } from '@nestjs/common';
import type { Report, StudyDelivery } from '@polyrad/sdk';
import { DataSource, type EntityManager } from 'typeorm';
import type { DeliveryOutput, Destination, RoutingRule } from './delivery-routing.js';
import type { KeySlice } from './key-image.renderer.js';
import type { WrittenSegmentation } from './seg-report.writer.js';
import type { SourceStudy } from './source-study.js';

/** A delivery the worker has claimed: one report to one destination. */
export interface DeliveryJob {
  id: number;
  reportId: number;
  siteId: string;
  destinationId: string;
  outputs: DeliveryOutput[];
  /** 0 preliminary, 1 final, 1 + n the n-th amendment */
  release: number;
  /** attempts since it was queued or last re-sent, this one included */
  attempts: number;
}

// the delivery log's shapes are shared with the web app through the SDK
export type { DeliveryAttemptRecord, StudyDelivery } from '@polyrad/sdk';

/** What comes after an attempt: done, given up, or tried again after `retryInMs`. */
export type AttemptOutcome = { status: 'delivered' } | { status: 'failed'; code: string; message: string } | { status: 'pending'; code: string; message: string; retryInMs: number };

interface DestinationRow {
  id: string;
  kind: Destination['kind'];
  settings: Record<string, unknown>;
}

const toDestination = (row: DestinationRow): Destination => ({ ...row.settings, id: row.id, kind: row.kind }) as Destination;
const iso = (value: Date | string): string => new Date(value).toISOString();

/** All SQL of server-side delivery: destinations, rules, the queue and its log. Written for PostgreSQL, so identical on PGlite. */
@Injectable()
export class DeliveryRepository {
  constructor(private readonly dataSource: DataSource) {}

  async destinations(site: string, db: DataSource | EntityManager = this.dataSource): Promise<Destination[]> {
    const rows: DestinationRow[] = await db.query(`SELECT "id", "kind", "settings" FROM "delivery_destinations" WHERE "site_id" = $1 ORDER BY "id"`, [site]);
    return rows.map(toDestination);
  }

  async destination(site: string, id: string): Promise<Destination | undefined> {
    const rows: DestinationRow[] = await this.dataSource.query(`SELECT "id", "kind", "settings" FROM "delivery_destinations" WHERE "site_id" = $1 AND "id" = $2`, [site, id]);
    return rows[0] && toDestination(rows[0]);
  }

  /** Creates (`replace` false: only if absent) or replaces (`replace` true: only if present) a destination; false when that did not apply. */
  async saveDestination(site: string, destination: Destination, replace: boolean, actor: string): Promise<boolean> {
    const { id, kind, ...settings } = destination;
    return this.dataSource.transaction(async (tx) => {
      // an UPDATE answers [rows, count], an INSERT its rows
      const rows: unknown[] = replace
        ? (
            (await tx.query(
              `UPDATE "delivery_destinations" SET "kind" = $3, "settings" = $4::jsonb, "updated_by" = $5, "updated_at" = now()
                WHERE "site_id" = $1 AND "id" = $2 RETURNING "id"`,
              [site, id, kind, JSON.stringify(settings), actor],
            )) as [unknown[], number]
          )[0]
        : await tx.query(
            `INSERT INTO "delivery_destinations" ("site_id", "id", "kind", "settings", "updated_by") VALUES ($1, $2, $3, $4::jsonb, $5)
             ON CONFLICT DO NOTHING RETURNING "id"`,
            [site, id, kind, JSON.stringify(settings), actor],
          );
      if (rows.length === 0) return false;
      await audit(tx, actor, replace ? 'delivery.destination.update' : 'delivery.destination.create', `${site}/${id}`, { site, destination: id, kind });
      return true;
    });
  }

  /** Deletes a destination no rule names; 'in-use' names the rules' destination, 'missing' an unknown one. */
  async deleteDestination(site: string, id: string, actor: string): Promise<'deleted' | 'missing' | 'in-use'> {
    return this.dataSource.transaction(async (tx) => {
      const used: unknown[] = await tx.query(`SELECT 1 FROM "delivery_rules" WHERE "site_id" = $1 AND "destination_id" = $2 LIMIT 1`, [site, id]);
      if (used.length > 0) return 'in-use';
      const [rows]: [unknown[], number] = await tx.query(`DELETE FROM "delivery_destinations" WHERE "site_id" = $1 AND "id" = $2 RETURNING "id"`, [site, id]);
      if (rows.length === 0) return 'missing';
      await audit(tx, actor, 'delivery.destination.delete', `${site}/${id}`, { site, destination: id });
      return 'deleted';
    });
  }

  async rules(site: string, db: DataSource | EntityManager = this.dataSource): Promise<RoutingRule[]> {
    const rows: Array<{ rule: RoutingRule }> = await db.query(`SELECT "rule" FROM "delivery_rules" WHERE "site_id" = $1 ORDER BY "position"`, [site]);
    return rows.map((r) => r.rule);
  }

  /** Replaces the site's rules; `check` runs on the destinations inside the transaction, so none disappears in between. */
  async replaceRules(site: string, rules: RoutingRule[], actor: string, check: (destinations: Destination[]) => void): Promise<void> {
    await this.dataSource.transaction(async (tx) => {
      check(await this.destinations(site, tx));
      await tx.query(`DELETE FROM "delivery_rules" WHERE "site_id" = $1`, [site]);
      for (const [position, rule] of rules.entries()) {
        await tx.query(`INSERT INTO "delivery_rules" ("site_id", "position", "destination_id", "rule") VALUES ($1, $2, $3, $4::jsonb)`, [site, position, rule.destination, JSON.stringify(rule)]);
      }
      await audit(tx, actor, 'delivery.rules.replace', site, { site, rules });
    });
  }

  /**
   * Queues one release of the report (study row and version as ReportsRepository stored them, the report as
   * released) with the source study it is rendered from, in one transaction; a delivery already queued for the
   * same report, release and destination is left as it is. The analysis' SEGs and key slices are kept with
   * the report for every release. Returns how many were queued.
   */
  async enqueue(
    stored: { studyId: number; version: number },
    site: string,
    source: SourceStudy,
    routes: Array<{ destination: string; outputs: DeliveryOutput[] }>,
    released: { release: number; report: Report },
    analysed: { segs?: WrittenSegmentation[]; keySlices?: KeySlice[] } = {},
  ): Promise<number> {
    return this.dataSource.transaction(async (tx) => {
      const reports: Array<{ id: number }> = await tx.query(`SELECT "id" FROM "reports" WHERE "study_id" = $1 AND "version" = $2`, [stored.studyId, stored.version]);
      const reportId = reports[0]?.id;
      if (reportId === undefined) return 0;
      await tx.query(`INSERT INTO "delivery_sources" ("report_id", "source") VALUES ($1, $2::jsonb) ON CONFLICT DO NOTHING`, [reportId, JSON.stringify(source)]);
      await keepWithReport(tx, reportId, ANALYSIS_TABLES.segs, (analysed.segs ?? []).map(({ bytes, ...segmentation }) => [segmentation, bytes]));
      await keepWithReport(tx, reportId, ANALYSIS_TABLES.keySlices, (analysed.keySlices ?? []).map(({ png, ...slice }) => [slice, png]));
      let queued = 0;
      for (const route of routes) {
        const rows: unknown[] = await tx.query(
          `INSERT INTO "deliveries" ("report_id", "release", "report", "site_id", "destination_id", "outputs", "status") VALUES ($1, $2, $3::json, $4, $5, $6::jsonb, 'pending')
           ON CONFLICT DO NOTHING RETURNING "id"`,
          [reportId, released.release, JSON.stringify(released.report), site, route.destination, JSON.stringify(route.outputs)],
        );
        queued += rows.length;
      }
      return queued;
    });
  }

  /**
   * Claims up to `limit` due deliveries: each counts one more attempt and is not due again for `leaseMs`, so a
   * platform that dies while sending tries again after that (and another instance never takes it meanwhile).
   */
  async claimDue(limit: number, leaseMs: number): Promise<DeliveryJob[]> {
    const [jobs]: [DeliveryJob[], number] = await this.dataSource.query(
      `UPDATE "deliveries" SET "attempts" = "attempts" + 1, "next_attempt_at" = now() + $2::int * interval '1 millisecond', "updated_at" = now()
        WHERE "id" IN (
          SELECT "id" FROM "deliveries" WHERE "status" = 'pending' AND "next_attempt_at" <= now()
           ORDER BY "next_attempt_at", "id" LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING "id", "report_id" AS "reportId", "site_id" AS "siteId", "destination_id" AS "destinationId", "outputs", "release", "attempts"`,
      [limit, leaseMs],
    );
    return jobs;
  }

  /** How many deliveries are waiting (at start, to say what resumes). */
  async pendingCount(): Promise<number> {
    const rows: Array<{ n: number }> = await this.dataSource.query(`SELECT count(*)::int AS "n" FROM "deliveries" WHERE "status" = 'pending'`);
    return rows[0]?.n ?? 0;
  }

  /**
   * The report a delivery sends, as it was released, with the SEGs and key slices of its analysis (deliveries queued before releases were
   * kept: the stored report), and the source study saved with it (undefined: reports saved without one).
   */
  async material(deliveryId: number): Promise<{ report: Report; source?: SourceStudy; segs: WrittenSegmentation[]; keySlices: KeySlice[] } | undefined> {
    const rows: Array<{ reportId: number; report: Report; source: SourceStudy | null }> = await this.dataSource.query(
      `SELECT r."id" AS "reportId", COALESCE(d."report", r."report") AS "report", s."source"
         FROM "deliveries" d JOIN "reports" r ON r."id" = d."report_id" LEFT JOIN "delivery_sources" s ON s."report_id" = r."id"
        WHERE d."id" = $1`,
      [deliveryId],
    );
    const row = rows[0];
    if (!row) return undefined;
    const segs: Array<{ segmentation: Omit<WrittenSegmentation, 'bytes'>; bytes: Buffer }> = await this.dataSource.query(
      `SELECT "segmentation", "bytes" FROM "delivery_segmentations" WHERE "report_id" = $1 ORDER BY "position"`,
      [row.reportId],
    );
    const slices: Array<{ slice: Omit<KeySlice, 'png'>; png: Buffer }> = await this.dataSource.query(
      `SELECT "slice", "png" FROM "delivery_key_slices" WHERE "report_id" = $1 ORDER BY "position"`,
      [row.reportId],
    );
    return {
      report: row.report,
      ...(row.source ? { source: row.source } : {}),
      segs: segs.map((s) => ({ ...s.segmentation, bytes: s.bytes })),
      keySlices: slices.map((s) => ({ ...s.slice, png: s.png })),
    };
  }

  /** Logs an attempt and moves the delivery on, in one transaction. */
  async recordAttempt(id: number, outcome: AttemptOutcome): Promise<void> {
    await this.dataSource.transaction(async (tx) => {
      const failure = outcome.status === 'delivered' ? undefined : outcome;
      const retryInMs = outcome.status === 'pending' ? outcome.retryInMs : null;
      await tx.query(`INSERT INTO "delivery_attempts" ("delivery_id", "outcome", "code", "message", "retry_in_ms") VALUES ($1, $2, $3, $4, $5)`, [
        id,
        failure ? 'failed' : 'delivered',
        failure?.code ?? null,
        failure?.message ?? null,
        retryInMs,
      ]);
      await tx.query(
        `UPDATE "deliveries" SET "status" = $2, "next_attempt_at" = now() + COALESCE($3::int, 0) * interval '1 millisecond', "updated_at" = now() WHERE "id" = $1`,
        [id, outcome.status, retryInMs],
      );
    });
  }

  /** Every delivery of every report of the study, oldest first; undefined when the study is unknown. */
  async studyDeliveries(studyInstanceUid: string): Promise<StudyDelivery[] | undefined> {
    const studies: unknown[] = await this.dataSource.query(`SELECT 1 FROM "studies" WHERE "study_instance_uid" = $1`, [studyInstanceUid]);
    if (studies.length === 0) return undefined;
    return this.deliveriesWhere(`s."study_instance_uid" = $1`, [studyInstanceUid]);
  }

  /** One delivery of the study; undefined when the study has no such delivery. */
  async studyDelivery(studyInstanceUid: string, id: number): Promise<StudyDelivery | undefined> {
    return (await this.deliveriesWhere(`s."study_instance_uid" = $1 AND d."id" = $2`, [studyInstanceUid, id]))[0];
  }

  /** The status of each delivery of one release of a stored report to the site's destinations, by destination. */
  async releaseStatuses(stored: { studyId: number; version: number }, release: number, site: string): Promise<Map<string, StudyDelivery['status']>> {
    const rows: Array<{ destination_id: string; status: StudyDelivery['status'] }> = await this.dataSource.query(
      `SELECT d."destination_id", d."status" FROM "deliveries" d JOIN "reports" r ON r."id" = d."report_id"
        WHERE r."study_id" = $1 AND r."version" = $2 AND d."release" = $3 AND d."site_id" = $4`,
      [stored.studyId, stored.version, release, site],
    );
    return new Map(rows.map((r) => [r.destination_id, r.status]));
  }

  /** Queues the delivery again, due now, with a fresh count of attempts (its log is kept). */
  async resend(id: number): Promise<void> {
    await this.dataSource.query(`UPDATE "deliveries" SET "status" = 'pending', "attempts" = 0, "next_attempt_at" = now(), "updated_at" = now() WHERE "id" = $1`, [id]);
  }

  private async deliveriesWhere(where: string, params: unknown[]): Promise<StudyDelivery[]> {
    const rows: Array<Omit<StudyDelivery, 'log' | 'nextAttemptAt' | 'createdAt' | 'kind'> & { kind: Destination['kind'] | null; nextAttemptAt: Date; createdAt: Date }> =
      await this.dataSource.query(
        `SELECT d."id", d."site_id" AS "site", d."destination_id" AS "destination", dd."kind", d."outputs", r."version" AS "reportVersion",
                d."release", d."status", d."attempts", d."next_attempt_at" AS "nextAttemptAt", d."created_at" AS "createdAt"
           FROM "studies" s
           JOIN "reports" r ON r."study_id" = s."id"
           JOIN "deliveries" d ON d."report_id" = r."id"
           LEFT JOIN "delivery_destinations" dd ON dd."site_id" = d."site_id" AND dd."id" = d."destination_id"
          WHERE ${where}
          ORDER BY d."id"`,
        params,
      );
    if (rows.length === 0) return [];
    const attempts: Array<{ deliveryId: number; at: Date; outcome: 'delivered' | 'failed'; code: string | null; message: string | null; retryInMs: number | null }> = await this.dataSource.query(
      `SELECT "delivery_id" AS "deliveryId", "at", "outcome", "code", "message", "retry_in_ms" AS "retryInMs"
         FROM "delivery_attempts" WHERE "delivery_id" = ANY($1::int[]) ORDER BY "id"`,
      [rows.map((r) => r.id)],
    );
    return rows.map(({ kind, nextAttemptAt, createdAt, ...row }) => ({
      ...row,
      ...(kind ? { kind } : {}),
      ...(row.status === 'pending' ? { nextAttemptAt: iso(nextAttemptAt) } : {}),
      createdAt: iso(createdAt),
      log: attempts
        .filter((a) => a.deliveryId === row.id)
        .map((a) => ({
          at: iso(a.at),
          outcome: a.outcome,
          ...(a.code === null ? {} : { code: a.code }),
          ...(a.message === null ? {} : { message: a.message }),
          ...(a.retryInMs === null ? {} : { retryInMs: a.retryInMs }),
        })),
    }));
  }
}

/** Where the analysis' outputs are kept with a report: each row's description (jsonb) and bytes, by position. */
const ANALYSIS_TABLES = {
  segs: { table: 'delivery_segmentations', json: 'segmentation', bytes: 'bytes' },
  keySlices: { table: 'delivery_key_slices', json: 'slice', bytes: 'png' },
} as const;

/** Keeps the rows in their order; rows already kept for the report (an earlier release queued them) stay as they are. */
async function keepWithReport(tx: EntityManager, reportId: number, { table, json, bytes }: (typeof ANALYSIS_TABLES)[keyof typeof ANALYSIS_TABLES], rows: Array<[unknown, Buffer]>): Promise<void> {
  for (const [position, [description, content]] of rows.entries()) {
    await tx.query(`INSERT INTO "${table}" ("report_id", "position", "${json}", "${bytes}") VALUES ($1, $2, $3::jsonb, $4) ON CONFLICT DO NOTHING`, [reportId, position, JSON.stringify(description), content]);
  }
}

/** The audit entry of a configuration change, written with the change (the same table the registry writes). */
async function audit(tx: EntityManager, actor: string, action: string, subject: string, details: Record<string, unknown>): Promise<void> {
  await tx.query(`INSERT INTO "audit_log" ("actor", "action", "subject", "details") VALUES ($1, $2, $3, $4::jsonb)`, [actor, action, subject, JSON.stringify(details)]);
}
