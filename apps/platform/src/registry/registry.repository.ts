import { Injectable } from '@nestjs/common';
import type { AlgorithmManifest } from '@polyrad/sdk';
import { DataSource, type EntityManager } from 'typeorm';
import { selectList } from '../database/row-columns.js';
import type { PackageSignature } from '../plugins/plugin-package.js';
import type { AuditEntry } from './registry.types.js';

export interface VendorRow {
  id: string;
  name: string;
  publicKeyPem: string | null;
  firstParty: boolean;
  createdAt: Date;
}

export interface AlgorithmRow {
  id: string;
  vendorId: string;
  name: string;
}

export interface VersionRow {
  algorithmId: string;
  version: string;
  manifest: AlgorithmManifest;
  digest: string | null;
  signature: PackageSignature | null;
  storagePath: string;
  publishedAt: Date;
  publishedBy: string;
}

export interface EnablementRow {
  siteId: string;
  algorithmId: string;
  enabled: boolean;
  versionPin: string | null;
  config: Record<string, unknown>;
  updatedAt: Date;
  updatedBy: string;
}

export interface NewAuditEntry {
  actor: string;
  action: string;
  subject: string;
  details: Record<string, unknown>;
}

type Queryable = Pick<EntityManager, 'query'>;

const VENDOR_COLUMNS = selectList<VendorRow>({ id: 'id', name: 'name', publicKeyPem: 'public_key_pem', firstParty: 'first_party', createdAt: 'created_at' });
const ALGORITHM_COLUMNS = selectList<AlgorithmRow>({ id: 'id', vendorId: 'vendor_id', name: 'name' });
const VERSION_COLUMNS = selectList<VersionRow>({
  algorithmId: 'algorithm_id',
  version: 'version',
  manifest: 'manifest',
  digest: 'digest',
  signature: 'signature',
  storagePath: 'storage_path',
  publishedAt: 'published_at',
  publishedBy: 'published_by',
});
const ENABLEMENT_COLUMNS = selectList<EnablementRow>({
  siteId: 'site_id',
  algorithmId: 'algorithm_id',
  enabled: 'enabled',
  versionPin: 'version_pin',
  config: 'config',
  updatedAt: 'updated_at',
  updatedBy: 'updated_by',
});

/** The registry's SQL, runnable on the pool or inside one transaction (see RegistryRepository.transaction). */
export class RegistryQueries {
  constructor(protected readonly db: Queryable) {}

  /** Inserts a vendor; false when the id is taken. */
  async insertVendor(vendor: Omit<VendorRow, 'createdAt'>): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `INSERT INTO "vendors" ("id", "name", "public_key_pem", "first_party") VALUES ($1, $2, $3, $4)
       ON CONFLICT ("id") DO NOTHING RETURNING "id"`,
      [vendor.id, vendor.name, vendor.publicKeyPem, vendor.firstParty],
    );
    return rows.length === 1;
  }

  async findVendor(id: string): Promise<VendorRow | undefined> {
    const rows: VendorRow[] = await this.db.query(
      `SELECT ${VENDOR_COLUMNS} FROM "vendors" WHERE "id" = $1`,
      [id],
    );
    return rows[0];
  }

  async findAlgorithm(id: string): Promise<AlgorithmRow | undefined> {
    const rows: AlgorithmRow[] = await this.db.query(
      `SELECT ${ALGORITHM_COLUMNS} FROM "algorithm_packages" WHERE "id" = $1`,
      [id],
    );
    return rows[0];
  }

  /** Creates the algorithm on its first version; later versions refresh its display name. */
  async upsertAlgorithm(algorithm: AlgorithmRow): Promise<void> {
    await this.db.query(
      `INSERT INTO "algorithm_packages" ("id", "vendor_id", "name") VALUES ($1, $2, $3)
       ON CONFLICT ("id") DO UPDATE SET "name" = EXCLUDED."name"`,
      [algorithm.id, algorithm.vendorId, algorithm.name],
    );
  }

  /** Inserts a version; false when that version of the algorithm already exists (versions are immutable). */
  async insertVersion(version: Omit<VersionRow, 'publishedAt'>): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `INSERT INTO "package_versions" ("algorithm_id", "version", "manifest", "digest", "signature", "storage_path", "published_by")
       VALUES ($1, $2, $3::jsonb, $4, $5::jsonb, $6, $7)
       ON CONFLICT ("algorithm_id", "version") DO NOTHING RETURNING "id"`,
      [
        version.algorithmId,
        version.version,
        JSON.stringify(version.manifest),
        version.digest,
        version.signature === null ? null : JSON.stringify(version.signature),
        version.storagePath,
        version.publishedBy,
      ],
    );
    return rows.length === 1;
  }

  /** First-party versions follow the workspace: a rebuilt package of the same version refreshes its manifest and path. */
  async refreshFirstPartyVersion(algorithmId: string, version: string, manifest: AlgorithmManifest, storagePath: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `UPDATE "package_versions" SET "manifest" = $3::jsonb, "storage_path" = $4
        WHERE "algorithm_id" = $1 AND "version" = $2 AND "signature" IS NULL
          AND ("manifest" <> $3::jsonb OR "storage_path" <> $4)
        RETURNING "id"`,
      [algorithmId, version, JSON.stringify(manifest), storagePath],
    );
    return rows.length === 1;
  }

  async findVersion(algorithmId: string, version: string): Promise<VersionRow | undefined> {
    const rows: VersionRow[] = await this.db.query(
      `SELECT ${VERSION_COLUMNS} FROM "package_versions" WHERE "algorithm_id" = $1 AND "version" = $2`,
      [algorithmId, version],
    );
    return rows[0];
  }

  /** Every version of the given algorithms (all when ids is undefined), oldest first. */
  async listVersions(algorithmIds?: string[]): Promise<VersionRow[]> {
    return this.db.query(
      `SELECT ${VERSION_COLUMNS} FROM "package_versions"
        WHERE $1::text[] IS NULL OR "algorithm_id" = ANY($1::text[]) ORDER BY "id"`,
      [algorithmIds ?? null],
    );
  }

  /** Algorithms with their vendor, optionally one id. */
  async listAlgorithms(id?: string): Promise<Array<AlgorithmRow & { vendorName: string; firstParty: boolean }>> {
    return this.db.query(
      `SELECT a."id", a."vendor_id" AS "vendorId", a."name", v."name" AS "vendorName", v."first_party" AS "firstParty"
         FROM "algorithm_packages" a JOIN "vendors" v ON v."id" = a."vendor_id"
        WHERE $1::text IS NULL OR a."id" = $1 ORDER BY a."id"`,
      [id ?? null],
    );
  }

  /** The site's enablement rows (all, or one algorithm); `forUpdate` locks them until the transaction ends. */
  async findEnablements(siteId: string, algorithmId?: string, forUpdate = false): Promise<EnablementRow[]> {
    return this.db.query(
      `SELECT ${ENABLEMENT_COLUMNS} FROM "site_plugins"
        WHERE "site_id" = $1 AND ($2::text IS NULL OR "algorithm_id" = $2) ORDER BY "algorithm_id"${forUpdate ? ' FOR UPDATE' : ''}`,
      [siteId, algorithmId ?? null],
    );
  }

  async upsertEnablement(row: Omit<EnablementRow, 'updatedAt'>): Promise<void> {
    await this.db.query(
      `INSERT INTO "site_plugins" ("site_id", "algorithm_id", "enabled", "version_pin", "config", "updated_by")
       VALUES ($1, $2, $3, $4, $5::jsonb, $6)
       ON CONFLICT ("site_id", "algorithm_id") DO UPDATE
         SET "enabled" = EXCLUDED."enabled", "version_pin" = EXCLUDED."version_pin", "config" = EXCLUDED."config",
             "updated_by" = EXCLUDED."updated_by", "updated_at" = now()`,
      [row.siteId, row.algorithmId, row.enabled, row.versionPin, JSON.stringify(row.config), row.updatedBy],
    );
  }

  /** Creates the row only if the site has never decided about this algorithm; true when it did. */
  async insertEnablementIfAbsent(row: Omit<EnablementRow, 'updatedAt'>): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `INSERT INTO "site_plugins" ("site_id", "algorithm_id", "enabled", "version_pin", "config", "updated_by")
       VALUES ($1, $2, $3, $4, $5::jsonb, $6) ON CONFLICT DO NOTHING RETURNING "site_id"`,
      [row.siteId, row.algorithmId, row.enabled, row.versionPin, JSON.stringify(row.config), row.updatedBy],
    );
    return rows.length === 1;
  }

  async appendAudit(entry: NewAuditEntry): Promise<void> {
    await this.db.query(`INSERT INTO "audit_log" ("actor", "action", "subject", "details") VALUES ($1, $2, $3, $4::jsonb)`, [
      entry.actor,
      entry.action,
      entry.subject,
      JSON.stringify(entry.details),
    ]);
  }

  /** Newest first; `actions` and `site` (details.site) narrow it down. */
  /** `sites`: only entries whose details name one of these sites. */
  async listAudit(filter: { subject?: string; site?: string; sites?: string[]; actions?: string[]; limit: number }): Promise<AuditEntry[]> {
    const rows: Array<Omit<AuditEntry, 'at' | 'id'> & { id: string; at: Date }> = await this.db.query(
      `SELECT "id", "at", "actor", "action", "subject", "details" FROM "audit_log"
        WHERE ($1::text IS NULL OR "subject" = $1)
          AND ($2::text IS NULL OR "details"->>'site' = $2)
          AND ($3::text[] IS NULL OR "action" = ANY($3::text[]))
          AND ($5::text[] IS NULL OR "details"->>'site' = ANY($5::text[]))
        ORDER BY "id" DESC LIMIT $4`,
      [filter.subject ?? null, filter.site ?? null, filter.actions ?? null, filter.limit, filter.sites ?? null],
    );
    return rows.map((r) => ({ ...r, id: Number(r.id), at: new Date(r.at).toISOString() }));
  }
}

/** All SQL of the plugin registry. Written for PostgreSQL, so identical on PGlite. */
@Injectable()
export class RegistryRepository extends RegistryQueries {
  constructor(private readonly dataSource: DataSource) {
    super(dataSource);
  }

  /** Runs `work` in one transaction: a change and its audit entry commit together or not at all. */
  transaction<T>(work: (tx: RegistryQueries) => Promise<T>): Promise<T> {
    return this.dataSource.transaction((manager) => work(new RegistryQueries(manager)));
  }
}
