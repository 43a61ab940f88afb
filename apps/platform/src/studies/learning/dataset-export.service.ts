import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { PolyradError, type Report } from '@polyrad/sdk';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { InstanceStore } from '../../ingest/instance.store.js';
import { RegistryRepository } from '../../registry/registry.repository.js';
import { assertSite } from '../../registry/site.rules.js';
import { FeedbackRepository } from '../feedback/feedback.repository.js';
import { ReportsRepository } from '../reports.repository.js';
import { deidentifyDicom, UidReplacer } from './dicom.deidentifier.js';
import { DATASET_EXPORT_NOT_ALLOWED } from './learning.errors.js';
import { LearningRepository } from './learning.repository.js';

/** One study of the dataset: a replaced StudyInstanceUID, the algorithms' findings with the reader's decisions, and what the reader added. */
export interface ExportedStudy {
  study: string;
  findings: Array<{
    code: string;
    assessment: string;
    value: unknown;
    unit: string;
    category?: unknown;
    center?: unknown;
    algorithm: { id: string; version: string };
    review?: { action: string; value?: unknown; category?: string; reason?: string };
  }>;
  readerFindings: Array<{ code: string; value: unknown; unit: string; category?: string }>;
  /** de-identified instances written for this study */
  instances: number;
}

export interface DatasetExport {
  id: string;
  site: string;
  /** under the data directory; the files are named by the export only */
  folder: string;
  studies: ExportedStudy[];
}

/**
 * Corrected findings as a de-identified dataset a vendor can retrain on (issue 20), only where the site allows it:
 * per study with reader corrections, the findings JSON (no patient, accession, reader, note or time) and the
 * study's stored instances de-identified per PS3.15's basic profile, under one set of replaced UIDs. Audited.
 */
@Injectable()
export class DatasetExportService {
  constructor(
    private readonly learning: LearningRepository,
    private readonly feedback: FeedbackRepository,
    private readonly reports: ReportsRepository,
    private readonly instances: InstanceStore,
    private readonly registry: RegistryRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async exportCorrected(site: string, actor: string): Promise<DatasetExport> {
    assertSite(site);
    if (!(await this.learning.findPolicy(site)).allowDatasetExport) {
      throw new PolyradError(DATASET_EXPORT_NOT_ALLOWED, `site ${site} does not allow exporting corrected findings: an admin of the site turns on allowDatasetExport in its policy`);
    }
    // each study's newest report version a reader corrected
    const corrected = new Map<string, number>();
    for (const f of await this.feedback.listForSites([site])) {
      if (f.action !== 'impression') corrected.set(f.studyInstanceUid, Math.max(f.reportVersion, corrected.get(f.studyInstanceUid) ?? 0));
    }
    const id = randomUUID();
    const folder = join('exports', id);
    const uids = new UidReplacer();
    const studies: ExportedStudy[] = [];
    for (const [uid, version] of corrected) {
      const report = await this.reports.findVersion(uid, version);
      if (!report) continue;
      const study = uids.replace(uid);
      const dir = join(this.config.dataDir, folder, study);
      await mkdir(dir, { recursive: true });
      const files = await this.instances.studyFiles(uid);
      for (const [i, path] of files.entries()) {
        const bytes = await readFile(path);
        await writeFile(join(dir, `${String(i + 1).padStart(5, '0')}.dcm`), Buffer.from(deidentifyDicom(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, uids)));
      }
      const exported = { study, ...correctedFindings(report), instances: files.length };
      await writeFile(join(dir, 'findings.json'), JSON.stringify(exported, null, 2));
      studies.push(exported);
    }
    await this.registry.appendAudit({ actor, action: 'dataset.export', subject: site, details: { site, export: id, studies: studies.length, instances: studies.reduce((n, s) => n + s.instances, 0) } });
    return { id, site, folder, studies };
  }
}

/** The report's findings and reader decisions without anything that names the patient, the reader or when. */
function correctedFindings(report: Report): Pick<ExportedStudy, 'findings' | 'readerFindings'> {
  return {
    findings: report.findings.map((f) => ({
      code: f.code,
      assessment: f.assessment ?? 'measured',
      value: f.value,
      unit: f.unit,
      ...(f.category === undefined ? {} : { category: f.category }),
      ...(f.center === undefined ? {} : { center: f.center }),
      algorithm: f.algorithm,
      ...(f.review
        ? { review: { action: f.review.action, ...(f.review.value === undefined ? {} : { value: f.review.value }), ...(f.review.category ? { category: f.review.category } : {}), ...(f.review.reason ? { reason: f.review.reason } : {}) } }
        : {}),
    })),
    readerFindings: (report.readerFindings ?? []).map((f) => ({ code: f.code, value: f.value, unit: f.unit, ...(f.category ? { category: f.category } : {}) })),
  };
}
