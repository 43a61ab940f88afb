import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { PatientIdentity } from './patient-identity.matcher.js';

/** An instance kept apart from its study, as an admin reviews it. */
export interface QuarantinedInstance {
  id: number;
  sopInstanceUid: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sha256: string;
  /** where the file is kept, outside the content-addressed store */
  path: string;
  callingAe: string;
  remoteAddress: string;
  reason: string;
  patientIdentity: PatientIdentity;
  receivedAt: string;
}

export type NewQuarantinedInstance = Omit<QuarantinedInstance, 'id' | 'receivedAt'>;

/** All SQL for the patient identity each study holds and for quarantined instances. */
@Injectable()
export class QuarantineRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Identities known to be held, by study: once set, a study's identity never changes (nothing updates or
   * deletes it), so an instance that matches it needs no query. Bounded: cleared when full.
   */
  private readonly held = new Map<string, string>();

  /** The identity the study holds; the given one becomes it when the study has none yet (first instance wins, atomically). */
  async claimStudyIdentity(studyInstanceUid: string, identity: PatientIdentity): Promise<PatientIdentity> {
    const key = JSON.stringify([identity.PatientID, identity.PatientName, identity.PatientBirthDate, identity.IssuerOfPatientID]);
    if (this.held.get(studyInstanceUid) === key) return identity;
    type Row = { patient_id: string; patient_name: string; patient_birth_date: string; issuer_of_patient_id: string };
    const columns = `"patient_id", "patient_name", "patient_birth_date", "issuer_of_patient_id"`;
    // one round trip: the row this statement inserted, or the one already there
    let [row]: Row[] = await this.dataSource.query(
      `WITH "claimed" AS (
         INSERT INTO "study_patient_identities" ("study_instance_uid", ${columns}) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT ("study_instance_uid") DO NOTHING RETURNING ${columns}
       )
       SELECT ${columns} FROM "claimed"
       UNION ALL SELECT ${columns} FROM "study_patient_identities" WHERE "study_instance_uid" = $1 AND NOT EXISTS (SELECT 1 FROM "claimed")`,
      [studyInstanceUid, identity.PatientID, identity.PatientName, identity.PatientBirthDate, identity.IssuerOfPatientID],
    );
    // a claim committed by another instance after this statement's snapshot: read it now
    row ??= ((await this.dataSource.query(`SELECT ${columns} FROM "study_patient_identities" WHERE "study_instance_uid" = $1`, [studyInstanceUid])) as Row[])[0];
    const held = { PatientID: row.patient_id, PatientName: row.patient_name, PatientBirthDate: row.patient_birth_date, IssuerOfPatientID: row.issuer_of_patient_id };
    if (this.held.size >= 100_000) this.held.clear();
    this.held.set(studyInstanceUid, JSON.stringify([held.PatientID, held.PatientName, held.PatientBirthDate, held.IssuerOfPatientID]));
    return held;
  }

  /** Records a quarantined instance; the same file sent again updates its reason and time instead of adding a row. */
  async add(entry: NewQuarantinedInstance): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO "quarantined_instances"
         ("sop_instance_uid", "study_instance_uid", "series_instance_uid", "sha256", "path", "calling_ae", "remote_address", "reason", "patient_identity")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)
       ON CONFLICT ("sop_instance_uid", "sha256") DO UPDATE
         SET "reason" = EXCLUDED."reason", "calling_ae" = EXCLUDED."calling_ae", "remote_address" = EXCLUDED."remote_address", "received_at" = now()`,
      [entry.sopInstanceUid, entry.studyInstanceUid, entry.seriesInstanceUid, entry.sha256, entry.path, entry.callingAe, entry.remoteAddress, entry.reason, JSON.stringify(entry.patientIdentity)],
    );
  }

  /** Every quarantined instance, newest first. */
  async list(): Promise<QuarantinedInstance[]> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT "id", "sop_instance_uid", "study_instance_uid", "series_instance_uid", "sha256", "path", "calling_ae", "remote_address",
              "reason", "patient_identity", "received_at"
         FROM "quarantined_instances" ORDER BY "received_at" DESC, "id" DESC`,
    );
    return rows.map((r) => ({
      id: Number(r.id),
      sopInstanceUid: String(r.sop_instance_uid),
      studyInstanceUid: String(r.study_instance_uid),
      seriesInstanceUid: String(r.series_instance_uid),
      sha256: String(r.sha256),
      path: String(r.path),
      callingAe: String(r.calling_ae),
      remoteAddress: String(r.remote_address),
      reason: String(r.reason),
      patientIdentity: (typeof r.patient_identity === 'string' ? JSON.parse(r.patient_identity) : r.patient_identity) as PatientIdentity,
      receivedAt: new Date(r.received_at as string | Date).toISOString(),
    }));
  }
}
