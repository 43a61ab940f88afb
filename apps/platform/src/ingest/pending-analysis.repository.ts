import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/**
 * All SQL for the studies whose analysis is due (rows are added by InstanceStore.store, in the same
 * statement as the instance), so a study received before a crash is analysed after the restart.
 */
@Injectable()
export class PendingAnalysisRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Every study still waiting for its analysis, oldest arrival first. */
  async studies(): Promise<string[]> {
    const rows: Array<{ study_instance_uid: string }> = await this.dataSource.query(
      `SELECT "study_instance_uid" FROM "pending_analyses" ORDER BY "last_arrival_at"`,
    );
    return rows.map((r) => r.study_instance_uid);
  }

  /** How many instances of the study have arrived since it was last analysed (undefined: none). */
  async arrivals(studyInstanceUid: string): Promise<string | undefined> {
    const rows: Array<{ arrivals: string }> = await this.dataSource.query(
      `SELECT "arrivals" FROM "pending_analyses" WHERE "study_instance_uid" = $1`,
      [studyInstanceUid],
    );
    return rows[0]?.arrivals;
  }

  /** The study was analysed with what had arrived up to `arrivals`; a later arrival keeps it due. */
  async analysed(studyInstanceUid: string, arrivals: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM "pending_analyses" WHERE "study_instance_uid" = $1 AND "arrivals" = $2`, [studyInstanceUid, arrivals]);
  }
}
