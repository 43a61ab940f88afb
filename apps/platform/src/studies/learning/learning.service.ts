import { Injectable, Logger } from '@nestjs/common';
import type { ScanDicomInputsOptions } from '@polyrad/dicom';
import { isPolyradError, PolyradError, type Report } from '@polyrad/sdk';
import { ALL_SITES, type Principal } from '../../auth/principal.js';
import { type FailedRunDiagnostics, StudyPipeline } from '../../pipeline/study.pipeline.js';
import { catalogEntry, type CatalogEntry } from '../../pipeline/planning/plugin-catalog.js';
import { pluginNotFound } from '../../registry/registry.errors.js';
import { RegistryRepository } from '../../registry/registry.repository.js';
import { SiteSettingsService } from '../../registry/site-settings.service.js';
import { assertSite } from '../../registry/site.rules.js';
import { resolveVersion } from '../../registry/version.resolver.js';
import { type MetricsRun, pluginMetrics, type PluginVersionMetrics } from '../feedback/feedback-metrics.js';
import { FeedbackRepository } from '../feedback/feedback.repository.js';
import type { StoredReport } from '../reports.repository.js';
import { operatingRangeAlerts, outputShift, SHIFT_TEST } from './drift-detector.js';
import { RUN_NOT_FOUND, SHADOW_INVALID, SHADOW_NOT_FOUND, SITE_POLICY_INVALID } from './learning.errors.js';
import { type DriftAlert, LearningRepository, type ShadowRow, type SitePolicy } from './learning.repository.js';
import { runRecords } from './run-records.js';
import { compareShadow, type ShadowComparison } from './shadow-comparison.js';

/** An analysis as StudyAnalysisService made it: what ran, on which files, stored as which report version. */
export interface FinishedAnalysis {
  report: Report;
  stored: StoredReport;
  site: string;
  catalog: CatalogEntry[];
  paths: string[];
  scan?: ScanDicomInputsOptions;
  /** failed runs' redacted stack and stderr */
  diagnostics?: FailedRunDiagnostics[];
}

/** A failed run as its vendor sees it: the plugin version, the reason, and the redacted stack and stderr. */
export interface VendorFailedRun {
  id: number;
  pluginId: string;
  pluginVersion: string;
  reason: string | null;
  at: string;
  stack?: string;
  stderr?: string;
}

/** A vendor's view of one of its plugin versions: aggregates over the sites that share them, no site or patient named. */
export type VendorPluginMetrics = Omit<PluginVersionMetrics, 'site'> & { sites: number };

/**
 * Continuous improvement (issue 20): records every run of every analysis, runs shadow versions beside the
 * active ones, watches for drift, and serves the metrics. Nothing here changes a report or reaches a destination.
 */
@Injectable()
export class LearningService {
  private readonly logger = new Logger('Learning');

  constructor(
    private readonly learning: LearningRepository,
    private readonly feedback: FeedbackRepository,
    private readonly registry: RegistryRepository,
    private readonly settings: SiteSettingsService,
    private readonly pipeline: StudyPipeline,
  ) {}

  /**
   * After a report is stored and queued: record its runs, run the site's shadow versions on the same files
   * (their results are stored as shadow runs only), and check for drift. A failure here is logged; the report
   * is already out.
   */
  async afterAnalysis(analysis: FinishedAnalysis): Promise<void> {
    const { report, stored, site } = analysis;
    const uid = report.study.studyInstanceUid;
    try {
      await this.learning.insertRuns(site, uid, stored.version, false, runRecords(report, undefined, analysis.diagnostics));
      for (const shadow of await this.learning.listShadows(site)) await this.runShadow(analysis, shadow);
      await this.checkDrift(site, report, analysis.catalog);
    } catch (error) {
      this.logger.error(`study ${uid}: recording runs, shadow versions or drift failed: ${isPolyradError(error) ? error.toLine() : (error as Error).message}`);
    }
  }

  private async runShadow(analysis: FinishedAnalysis, shadow: ShadowRow): Promise<void> {
    const active = analysis.catalog.find((e) => e.manifest.id === shadow.algorithmId);
    if (!active) return; // not enabled here now: nothing to compare with
    const version = await this.registry.findVersion(shadow.algorithmId, shadow.version);
    if (!version) return;
    const candidate = { ...catalogEntry(version.storagePath), config: active.config };
    const catalog = analysis.catalog.map((e) => (e === active ? candidate : e));
    this.logger.log(`study ${analysis.report.study.studyInstanceUid}: shadow run of ${shadow.algorithmId}@${shadow.version} beside ${active.manifest.version}`);
    // the whole plan again, so the candidate gets its inputs; only its own runs are kept, and only here
    const result = await this.pipeline.analyze({ catalog, paths: analysis.paths, scan: analysis.scan });
    const runs = runRecords(result.report, shadow.algorithmId, result.diagnostics).map((run) => ({ ...run, findings: run.findings.map(({ index: _index, ...f }) => f) }));
    await this.learning.insertRuns(analysis.site, analysis.report.study.studyInstanceUid, analysis.stored.version, true, runs);
  }

  private async checkDrift(site: string, report: Report, catalog: CatalogEntry[]): Promise<void> {
    for (const alert of operatingRangeAlerts(site, report, catalog.map((e) => e.manifest))) await this.learning.raiseAlert(alert);
    const ran = [...new Map(report.algorithms.filter((a) => a.status !== 'skipped').map((a) => [`${a.id}@${a.version}`, a])).values()];
    for (const run of ran) {
      const history = await this.learning.listRuns({ sites: [site], pluginIds: [run.id], pluginVersion: run.version, shadow: false });
      const codes = new Set(history.flatMap((r) => r.findings.map((f) => f.code)));
      for (const code of codes) {
        const values = history.flatMap((r) => r.findings.filter((f) => f.code === code && f.assessment === 'measured' && typeof f.value === 'number').map((f) => f.value as number));
        const shift = outputShift(values);
        if (!shift?.shifted) continue;
        await this.learning.raiseAlert({
          site,
          pluginId: run.id,
          pluginVersion: run.version,
          kind: 'output-shift',
          subject: code,
          message: `${code} of ${run.id}@${run.version} at site ${site}: the newest ${shift.recent} values differ from the first ${shift.baseline} (Kolmogorov-Smirnov D ${shift.statistic.toFixed(3)} > ${shift.critical.toFixed(3)}, alpha 0.01)`,
          details: { ...shift, test: 'two-sample Kolmogorov-Smirnov', window: SHIFT_TEST.window, minSample: SHIFT_TEST.minSample },
        });
      }
    }
  }

  /** Metrics per plugin version and site, over the admin's sites. */
  async adminMetrics(who: Pick<Principal, 'sites'>): Promise<PluginVersionMetrics[]> {
    const sites = who.sites.includes(ALL_SITES) ? null : who.sites;
    const [feedback, runs] = await Promise.all([this.feedback.listForSites(sites), this.learning.listRuns({ sites, shadow: false })]);
    return pluginMetrics(feedback, runs);
  }

  /**
   * A vendor's own plugins, from the sites that allow sharing, summed over those sites: the counts are added
   * and the rates and percentiles computed over the pooled feedback and runs, never per site or per study.
   */
  async vendorMetrics(vendorId: string): Promise<VendorPluginMetrics[]> {
    const plugins = (await this.registry.listAlgorithms()).filter((a) => a.vendorId === vendorId).map((a) => a.id);
    const sites = await this.learning.sharingSites();
    if (plugins.length === 0 || sites.length === 0) return [];
    const pooled = <T extends { site: string }>(r: T): T => ({ ...r, site: '' });
    const [feedback, runs] = await Promise.all([this.feedback.listForSites(sites), this.learning.listRuns({ sites, pluginIds: plugins, shadow: false })]);
    const siteCount = new Map<string, Set<string>>();
    for (const r of [...feedback, ...runs]) {
      if (!r.pluginId || !plugins.includes(r.pluginId)) continue;
      const key = `${r.pluginId}@${r.pluginVersion}`;
      siteCount.set(key, (siteCount.get(key) ?? new Set()).add(r.site));
    }
    return pluginMetrics(
      feedback.filter((f) => f.pluginId !== null && plugins.includes(f.pluginId)).map(pooled),
      runs.map((r): MetricsRun => pooled(r)),
    ).map(({ site: _site, ...m }) => ({ ...m, sites: siteCount.get(`${m.pluginId}@${m.pluginVersion}`)?.size ?? 0 }));
  }

  policy(site: string): Promise<SitePolicy> {
    assertSite(site);
    return this.learning.findPolicy(site);
  }

  /** `{ shareMetricsWithVendors?, allowDatasetExport? }`: what is not sent stays as it was; audited. */
  async setPolicy(site: string, body: Record<string, unknown>, actor: string): Promise<SitePolicy> {
    assertSite(site);
    const current = await this.learning.findPolicy(site);
    const flag = (key: 'shareMetricsWithVendors' | 'allowDatasetExport'): boolean => {
      if (body[key] === undefined) return current[key];
      if (typeof body[key] !== 'boolean') throw new PolyradError(SITE_POLICY_INVALID, `${key} must be true or false`);
      return body[key];
    };
    const next = { shareMetricsWithVendors: flag('shareMetricsWithVendors'), allowDatasetExport: flag('allowDatasetExport') };
    await this.learning.upsertPolicy(site, next, actor);
    await this.registry.appendAudit({ actor, action: 'site.policy', subject: site, details: { site, ...next, previous: { shareMetricsWithVendors: current.shareMetricsWithVendors, allowDatasetExport: current.allowDatasetExport } } });
    return this.learning.findPolicy(site);
  }

  listShadows(site: string): Promise<ShadowRow[]> {
    assertSite(site);
    return this.learning.listShadows(site);
  }

  /** Runs `version` of the plugin beside the active one at the site, on every analysis from now on; audited. */
  async startShadow(site: string, id: string, version: unknown, actor: string): Promise<ShadowRow> {
    assertSite(site);
    if (!(await this.registry.findAlgorithm(id))) throw pluginNotFound(id);
    if (typeof version !== 'string' || version.length > 64) throw new PolyradError(SHADOW_INVALID, 'version must be the exact published version to run in shadow, e.g. "1.1.0"', id);
    const versions = await this.registry.listVersions([id]);
    const candidate = resolveVersion(versions, version);
    if (!candidate || candidate.version !== version) {
      throw new PolyradError(SHADOW_INVALID, `${id}@${version} is not a published version this platform can run (published: ${versions.map((v) => v.version).join(', ') || 'none'})`, id);
    }
    const [setting] = await this.registry.findEnablements(site, id);
    const activeVersion = setting?.enabled ? resolveVersion(versions, setting.versionPin)?.version : undefined;
    if (!activeVersion) throw new PolyradError(SHADOW_INVALID, `${id} is not enabled at site ${site}: a shadow runs beside the active version`, id);
    if (activeVersion === version) throw new PolyradError(SHADOW_INVALID, `${id}@${version} is already the active version at site ${site}`, id);
    await this.learning.upsertShadow(site, id, version, actor);
    await this.registry.appendAudit({ actor, action: 'plugin.shadow.start', subject: id, details: { site, shadow: version, active: activeVersion } });
    return (await this.learning.listShadows(site, id))[0]!;
  }

  /** The shadow version becomes the active one, pinned exactly (so a rollback returns to the one before); audited. */
  async promoteShadow(site: string, id: string, actor: string) {
    const shadow = await this.findShadow(site, id);
    const enablement = await this.settings.pin(site, id, shadow.version, actor);
    await this.learning.deleteShadow(site, id);
    await this.registry.appendAudit({ actor, action: 'plugin.shadow.promote', subject: id, details: { site, version: shadow.version, shadowSince: shadow.startedAt } });
    return enablement;
  }

  /** Stops the shadow; its stored runs stay for the record; audited. */
  async dropShadow(site: string, id: string, actor: string): Promise<{ dropped: ShadowRow }> {
    const shadow = await this.findShadow(site, id);
    await this.learning.deleteShadow(site, id);
    await this.registry.appendAudit({ actor, action: 'plugin.shadow.drop', subject: id, details: { site, shadow: shadow.version, shadowSince: shadow.startedAt } });
    return { dropped: shadow };
  }

  /** Agreement of the shadow version (the running one, or `version` of an earlier shadow) with the active one at the site. */
  async compare(site: string, id: string, version?: string): Promise<ShadowComparison> {
    assertSite(site);
    const shadowVersion = version ?? (await this.findShadow(site, id)).version;
    const shadow = await this.learning.listRuns({ sites: [site], pluginIds: [id], shadow: true, pluginVersion: shadowVersion });
    const studies = [...new Set(shadow.map((r) => r.studyInstanceUid))];
    const active = studies.length ? await this.learning.listRuns({ sites: [site], pluginIds: [id], shadow: false, studies }) : [];
    const feedback = studies.length ? (await this.feedback.listForSites([site])).filter((f) => f.pluginId === id && studies.includes(f.studyInstanceUid)) : [];
    return compareShadow({ site, pluginId: id, shadowVersion }, active, shadow, feedback);
  }

  /** Failed runs of the vendor's plugins (active and shadow, every site), newest first: no site, study or patient named. */
  async vendorFailedRuns(vendorId: string): Promise<VendorFailedRun[]> {
    const plugins = (await this.registry.listAlgorithms()).filter((a) => a.vendorId === vendorId).map((a) => a.id);
    if (plugins.length === 0) return [];
    const runs = await this.learning.listRuns({ sites: null, pluginIds: plugins, status: 'failed' });
    return runs.reverse().map((r) => ({ id: r.id, pluginId: r.pluginId, pluginVersion: r.pluginVersion, reason: r.reason, at: r.at, ...(r.diagnostics ?? {}) }));
  }

  /** One failed run of the vendor's plugins; another vendor's (or none) is RUN_NOT_FOUND, so ids reveal nothing. */
  async vendorFailedRun(vendorId: string, id: string): Promise<VendorFailedRun> {
    const run = /^\d{1,15}$/.test(id) ? (await this.vendorFailedRuns(vendorId)).find((r) => r.id === Number(id)) : undefined;
    if (!run) throw new PolyradError(RUN_NOT_FOUND, `no failed run ${JSON.stringify(id.slice(0, 20))} of your plugins`);
    return run;
  }

  alerts(who: Pick<Principal, 'sites'>, status?: string): Promise<DriftAlert[]> {
    const wanted = status === 'open' || status === 'acknowledged' ? status : undefined;
    return this.learning.listAlerts(who.sites.includes(ALL_SITES) ? null : who.sites, wanted);
  }

  private async findShadow(site: string, id: string): Promise<ShadowRow> {
    assertSite(site);
    const [shadow] = await this.learning.listShadows(site, id);
    if (!shadow) throw new PolyradError(SHADOW_NOT_FOUND, `no shadow version of ${id} runs at site ${site}`, id);
    return shadow;
  }
}
