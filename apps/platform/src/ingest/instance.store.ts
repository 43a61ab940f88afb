import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, copyFile, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import type { DicomInstance } from '@polyrad/dicom';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

export interface StoredInstance {
  SOPInstanceUID: string;
  StudyInstanceUID: string;
  SeriesInstanceUID: string;
  path: string;
  sha256: string;
}

interface IndexRow {
  SOPInstanceUID: string;
  StudyInstanceUID: string;
  SeriesInstanceUID: string;
  path: string;
  sha256: string;
  size: number;
  callingAe: string;
}

/**
 * Owns received DICOM files: content-addressed under <dataDir>/dicom/<aa>/<sha256>.dcm and indexed in
 * the instances table. `store` returns only after the file and its directory are fsynced and the row is
 * committed, so a C-STORE success means the instance survives a crash. Quarantined files lie under
 * <dataDir>/dicom/quarantine/<aa>/<sha256>.dcm, outside the index.
 */
@Injectable()
export class InstanceStore {
  private readonly root: string;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.root = join(config.dataDir, 'dicom');
  }

  /** Creates the folder incoming files are written to; called once before the listener starts. */
  async prepare(): Promise<void> {
    await mkdir(join(this.root, 'incoming'), { recursive: true });
  }

  /** A fresh path for an incoming file, on the same file system as the store so the final move is a rename. */
  incomingPath(name: string): string {
    return join(this.root, 'incoming', `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}-${name.replace(/[^0-9A-Za-z.]/g, '_').slice(0, 64)}.part`);
  }

  /** Fsyncs, moves into place and indexes an incoming file whose header has been read (`knownSha256`: its hash, if already computed). */
  async store(incoming: string, header: DicomInstance, callingAe: string, knownSha256?: string): Promise<StoredInstance> {
    const { path, sha256 } = await this.moveContentAddressed(incoming, this.root, knownSha256);
    await this.index({ ...header, path, sha256, size: header.fileSize, callingAe });
    return { SOPInstanceUID: header.SOPInstanceUID, StudyInstanceUID: header.StudyInstanceUID, SeriesInstanceUID: header.SeriesInstanceUID, path, sha256 };
  }

  /**
   * Indexes a file that lies in the store and marks its study's analysis as due, in one statement: an
   * instance indexed is never one whose analysis a crash can lose.
   */
  private async index(row: IndexRow): Promise<void> {
    await this.dataSource.query(
      `WITH "indexed" AS (
         INSERT INTO "instances" ("sop_instance_uid", "study_instance_uid", "series_instance_uid", "sha256", "path", "size", "calling_ae")
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT ("sop_instance_uid") DO UPDATE
           SET "study_instance_uid" = EXCLUDED."study_instance_uid", "series_instance_uid" = EXCLUDED."series_instance_uid",
               "sha256" = EXCLUDED."sha256", "path" = EXCLUDED."path", "size" = EXCLUDED."size",
               "calling_ae" = EXCLUDED."calling_ae", "received_at" = now()
         RETURNING "study_instance_uid"
       )
       INSERT INTO "pending_analyses" ("study_instance_uid") SELECT "study_instance_uid" FROM "indexed"
       ON CONFLICT ("study_instance_uid") DO UPDATE
         SET "arrivals" = "pending_analyses"."arrivals" + 1, "last_arrival_at" = now()`,
      [row.SOPInstanceUID, row.StudyInstanceUID, row.SeriesInstanceUID, row.sha256, row.path, row.size, row.callingAe],
    );
  }

  /** Keeps an incoming file under <dataDir>/dicom/quarantine, apart from every study and never indexed. */
  keepApart(incoming: string): Promise<{ path: string; sha256: string }> {
    return this.moveContentAddressed(incoming, join(this.root, 'quarantine'));
  }

  private async moveContentAddressed(incoming: string, root: string, knownSha256?: string): Promise<{ path: string; sha256: string }> {
    const sha256 = knownSha256 ?? (await fileSha256(incoming));
    const path = join(root, sha256.slice(0, 2), `${sha256}.dcm`);
    await fsync(incoming);
    await mkdir(dirname(path), { recursive: true });
    await rename(incoming, path);
    await fsync(dirname(path));
    return { path, sha256 };
  }

  /** Every stored file of a study (instances whose file was found missing are left out). */
  async studyFiles(studyInstanceUid: string): Promise<string[]> {
    const rows: Array<{ path: string }> = await this.dataSource.query(
      `SELECT "path" FROM "instances" WHERE "study_instance_uid" = $1 AND "file_missing_since" IS NULL ORDER BY "series_instance_uid", "sop_instance_uid"`,
      [studyInstanceUid],
    );
    return rows.map((r) => r.path);
  }

  /** The study a stored series belongs to; undefined when no instance of it is stored. */
  async studyOfSeries(seriesInstanceUid: string): Promise<string | undefined> {
    const rows: Array<{ study: string }> = await this.dataSource.query(`SELECT "study_instance_uid" AS "study" FROM "instances" WHERE "series_instance_uid" = $1 LIMIT 1`, [seriesInstanceUid]);
    return rows[0]?.study;
  }

  /** Every stored series of a study. */
  async seriesOfStudy(studyInstanceUid: string): Promise<string[]> {
    const rows: Array<{ series: string }> = await this.dataSource.query(`SELECT DISTINCT "series_instance_uid" AS "series" FROM "instances" WHERE "study_instance_uid" = $1`, [studyInstanceUid]);
    return rows.map((r) => r.series);
  }

  /** The study's indexed instances whose file was found missing (flagged at start). */
  missingFiles(studyInstanceUid: string): Promise<Array<{ SOPInstanceUID: string; SeriesInstanceUID: string }>> {
    return this.dataSource.query(
      `SELECT "sop_instance_uid" AS "SOPInstanceUID", "series_instance_uid" AS "SeriesInstanceUID" FROM "instances"
        WHERE "study_instance_uid" = $1 AND "file_missing_since" IS NOT NULL`,
      [studyInstanceUid],
    );
  }

  /**
   * Removes every incoming file: at start no association is running, so each is what a crash or a full
   * disk left mid-transfer (its instance was never acknowledged).
   */
  async removeIncoming(): Promise<number> {
    const names = await readdir(join(this.root, 'incoming'));
    await Promise.all(names.map((name) => rm(join(this.root, 'incoming', name), { force: true, recursive: true })));
    return names.length;
  }

  /** Files in the store that no index row names (a crash or a database outage between the move and the insert). */
  async unindexedFiles(): Promise<string[]> {
    const rows: Array<{ path: string }> = await this.dataSource.query(`SELECT "path" FROM "instances"`);
    const indexed = new Set(rows.map((r) => r.path));
    const unindexed: string[] = [];
    for (const shard of (await readdir(this.root)).filter((name) => /^[0-9a-f]{2}$/.test(name))) {
      for (const name of await readdir(join(this.root, shard))) {
        const path = join(this.root, shard, name);
        if (!indexed.has(path)) unindexed.push(path);
      }
    }
    return unindexed;
  }

  /** Copies a file of the store to a fresh incoming path, to be taken in again like a received one. */
  async copyToIncoming(path: string): Promise<string> {
    const incoming = this.incomingPath('recovered');
    await copyFile(path, incoming);
    return incoming;
  }

  /** Removes a file from the store (one that no row names and that cannot be indexed). */
  async remove(path: string): Promise<void> {
    await rm(path, { force: true });
  }

  /**
   * Flags the instances whose file is gone (and unflags those whose file is back), so analyses leave
   * them out instead of failing; returns the SOP Instance UIDs newly flagged.
   */
  async flagMissingFiles(): Promise<string[]> {
    const rows: Array<{ sop_instance_uid: string; path: string; missing: boolean }> = await this.dataSource.query(
      `SELECT "sop_instance_uid", "path", "file_missing_since" IS NOT NULL AS "missing" FROM "instances"`,
    );
    const gone: string[] = [];
    const back: string[] = [];
    for (const row of rows) {
      const present = await access(row.path).then(() => true, () => false);
      if (!present && !row.missing) gone.push(row.sop_instance_uid);
      if (present && row.missing) back.push(row.sop_instance_uid);
    }
    if (gone.length > 0) await this.dataSource.query(`UPDATE "instances" SET "file_missing_since" = now() WHERE "sop_instance_uid" = ANY($1)`, [gone]);
    if (back.length > 0) await this.dataSource.query(`UPDATE "instances" SET "file_missing_since" = NULL WHERE "sop_instance_uid" = ANY($1)`, [back]);
    return gone;
  }
}

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function fsync(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
