import { Injectable, Logger } from '@nestjs/common';
import { scanDicomInputs, type ScanDicomInputsOptions } from '@polyrad/dicom';
import { PolyradError, type Report, type Volume } from '@polyrad/sdk';
import { FORBIDDEN } from '../auth/auth.errors.js';
import { assertCoversSite, coversSite, type Principal } from '../auth/principal.js';
import { reportDocument } from '../pipeline/report/report-document.js';
import type { AnalysisMask } from '../pipeline/study.pipeline.js';
import { INVALID_STUDY_UID, STUDY_NOT_FOUND } from '../studies/studies.errors.js';
import { isDicomUid } from '../studies/study-uid.js';
import { reportRelease } from './delivery-identifiers.js';
import { DELIVERY_NOT_FOUND } from './delivery.errors.js';
import { DeliveryRepository, type StudyDelivery } from './delivery.repository.js';
import { routeReport } from './delivery-routing.js';
import { DeliveryWorker } from './delivery.worker.js';
import { keySlices } from './key-image.renderer.js';
import { writeReportSegs } from './seg-report.writer.js';
import { sourceStudyFromInstances, sourceStudyFromReport, type SourceStudy } from './source-study.js';

/** Queues a stored report's deliveries by its site's rules, and serves the delivery log and re-sends. */
@Injectable()
export class DeliveryQueueService {
  private readonly logger = new Logger('Delivery');

  constructor(
    private readonly repository: DeliveryRepository,
    private readonly worker: DeliveryWorker,
  ) {}

  /**
   * Right after a report is stored: one delivery per destination the site's rules route it to, and the source
   * study read again from the analysed files' headers (patient name, images), kept so every send renders alike;
   * with the SEGs of the analysis' masks when a rule of the site sends the SR, and the slices through its
   * abnormal findings for the key images (the masks and volumes are gone after the analysis, and a rule for
   * signed reports only needs them at sign-off).
   * Never throws: a report that could not be queued is logged, and its analysis stands.
   */
  async enqueue(
    report: Report,
    stored: { studyId: number; version: number },
    site: string,
    paths: string[],
    scan?: ScanDicomInputsOptions,
    analysis: { masks?: AnalysisMask[]; volumes?: ReadonlyMap<string, Volume> } = {},
  ): Promise<void> {
    await this.queue(report, stored, site, () => sourceStudy(report, paths, scan), analysis);
  }

  /**
   * Right after a report is signed or amended: that release, to wherever the site's rules route it now. The
   * source study saved with the preliminary is kept (read from report.json only when none was saved).
   * Never throws, as `enqueue`.
   */
  async enqueueRelease(report: Report, stored: { studyId: number; version: number }, site: string): Promise<void> {
    await this.queue(report, stored, site, async () => sourceStudyFromReport(report));
  }

  /**
   * Whether this release of a stored report has been delivered to every destination the site's rules route it
   * to now (true when they route it nowhere): `destinations` are those, `waiting` the ones it has not reached yet.
   */
  async releaseDelivered(
    report: Report,
    stored: { studyId: number; version: number },
    site: string,
  ): Promise<{ delivered: boolean; destinations: string[]; waiting: string[] }> {
    const doc = reportDocument(report);
    const destinations = routeReport(doc, await this.repository.rules(site)).map((r) => r.destination);
    const statuses = await this.repository.releaseStatuses(stored, reportRelease(doc).number, site);
    const waiting = destinations.filter((destination) => statuses.get(destination) !== 'delivered');
    return { delivered: waiting.length === 0, destinations, waiting };
  }

  private async queue(
    report: Report,
    stored: { studyId: number; version: number },
    site: string,
    source: () => Promise<SourceStudy>,
    { masks = [], volumes }: { masks?: AnalysisMask[]; volumes?: ReadonlyMap<string, Volume> } = {},
  ): Promise<void> {
    const doc = reportDocument(report);
    const release = reportRelease(doc);
    const what = `study ${report.study.studyInstanceUid} report version ${stored.version} (${release.stage}${release.stage === 'amended' ? ` ${release.number - 1}` : ''})`;
    try {
      const rules = await this.repository.rules(site);
      if (rules.length === 0) return;
      const routes = routeReport(doc, rules);
      // the source study and the SEGs are kept even when no rule matches the draft: one may match the signed report
      const study = await source();
      const segs = masks.length && rules.some((r) => r.outputs.includes('sr')) ? writeReportSegs(doc, study, masks) : [];
      // every output carries key images: the SR's destinations as Secondary Captures, the others in the PDF
      const keySlicesOf = volumes ? keySlices(doc, volumes) : [];
      const queued = await this.repository.enqueue(stored, site, study, routes, { release: release.number, report }, { segs, keySlices: keySlicesOf });
      if (routes.length === 0) return;
      this.logger.log(`${what}: ${queued} ${queued === 1 ? 'delivery' : 'deliveries'} queued (${routes.map((r) => r.destination).join(', ')})`);
      this.worker.wake();
    } catch (error) {
      this.logger.error(`${what}: deliveries could not be queued: ${error instanceof PolyradError ? error.toLine() : String(error)}`);
    }
  }

  /** The study's deliveries that the caller's sites cover (403 when it covers none of them). */
  async log(me: Principal, studyInstanceUid: string): Promise<StudyDelivery[]> {
    assertStudyUid(studyInstanceUid);
    const deliveries = await this.repository.studyDeliveries(studyInstanceUid);
    if (!deliveries) throw new PolyradError(STUDY_NOT_FOUND, `no study with StudyInstanceUID ${studyInstanceUid}`, studyInstanceUid);
    const visible = deliveries.filter((d) => coversSite(me, d.site));
    if (deliveries.length > 0 && visible.length === 0) throw new PolyradError(FORBIDDEN, `${me.username} may not read the deliveries of study ${studyInstanceUid}`);
    return visible;
  }

  /** Sends a delivery again now, with a fresh count of attempts; the same identifiers, so the receiver replaces it. */
  async resend(me: Principal, studyInstanceUid: string, id: string): Promise<StudyDelivery> {
    assertStudyUid(studyInstanceUid);
    const deliveryId = /^\d{1,9}$/.test(id) ? Number(id) : undefined;
    const delivery = deliveryId === undefined ? undefined : await this.repository.studyDelivery(studyInstanceUid, deliveryId);
    if (!delivery || deliveryId === undefined) throw new PolyradError(DELIVERY_NOT_FOUND, `study ${studyInstanceUid} has no delivery ${id}`, id);
    assertCoversSite(me, delivery.site);
    await this.repository.resend(deliveryId);
    this.worker.wake();
    return (await this.repository.studyDelivery(studyInstanceUid, deliveryId)) ?? delivery;
  }
}

function assertStudyUid(uid: string): void {
  if (!isDicomUid(uid)) throw new PolyradError(INVALID_STUDY_UID, `${JSON.stringify(uid.slice(0, 80))} is not a DICOM UID (digits and dots, at most 64 characters)`);
}

/** From the analysed files when they can be read again, else from report.json alone (names left empty). */
async function sourceStudy(report: Report, paths: string[], scan?: ScanDicomInputsOptions): Promise<SourceStudy> {
  try {
    return sourceStudyFromInstances(report, (await scanDicomInputs(paths, scan)).instances);
  } catch {
    return sourceStudyFromReport(report);
  }
}
