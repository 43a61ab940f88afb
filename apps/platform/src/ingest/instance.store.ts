import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
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

  /** Fsyncs, moves into place and indexes an incoming file whose header has been read. */
  async store(incoming: string, header: DicomInstance, callingAe: string): Promise<StoredInstance> {
    const { path, sha256 } = await this.moveContentAddressed(incoming, this.root);
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

  private async moveContentAddressed(incoming: string, root: string): Promise<{ path: string; sha256: string }> {
    const sha256 = await fileSha256(incoming);
    const path = join(root, sha256.slice(0, 2), `${sha256}.dcm`);
    await fsync(incoming);
    await mkdir(dirname(path), { recursive: true });
    await rename(incoming, path);
    await fsync(dirname(path));
    return { path, sha256 };
  }

  /** Every stored file of a study. */
  async studyFiles(studyInstanceUid: string): Promise<string[]> {
    const rows: Array<{ path: string }> = await this.dataSource.query(
      `SELECT "path" FROM "instances" WHERE "study_instance_uid" = $1 ORDER BY "series_instance_uid", "sop_instance_uid"`,
      [studyInstanceUid],
    );
    return rows.map((r) => r.path);
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
