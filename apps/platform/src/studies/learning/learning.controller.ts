import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import type { Request } from 'express';
import { CurrentUser, Roles, SiteScope } from '../../auth/auth.decorators.js';
import type { Principal } from '../../auth/principal.js';
import type { SiteEnablementView } from '../../registry/registry.types.js';
import type { PluginVersionMetrics } from '../feedback/feedback-metrics.js';
import type { DriftAlert, ShadowRow, SitePolicy } from './learning.repository.js';
import { type DatasetExport, DatasetExportService } from './dataset-export.service.js';
import { LearningService, type VendorFailedRun, type VendorPluginMetrics } from './learning.service.js';
import type { ShadowComparison } from './shadow-comparison.js';

type Json = Record<string, unknown> | undefined;
const pathSite = (req: Request): unknown => req.params.site;

/**
 * What the platform learns from analyses and readers (issue 20): metrics, site policies, shadow versions and
 * drift alerts. Admins act on the sites in their scope; a vendor reads its own plugins' pooled metrics only.
 */
@Controller('api')
export class LearningController {
  constructor(
    private readonly learning: LearningService,
    private readonly exports: DatasetExportService,
  ) {}

  /** Acceptance, rejections, edit sizes, category changes, missed findings, failures, durations and not-assessed rate per plugin version and site. */
  @Get('metrics/plugins')
  @Roles('admin')
  metrics(@CurrentUser() me: Principal): Promise<PluginVersionMetrics[]> {
    return this.learning.adminMetrics(me);
  }

  /** The caller's vendor's plugins, pooled over the sites that share their metrics; no site, study or patient is named. */
  @Get('vendor/metrics')
  @Roles('vendor')
  vendorMetrics(@CurrentUser() me: Principal): Promise<VendorPluginMetrics[]> {
    return this.learning.vendorMetrics(me.vendorId!);
  }

  /** Failed runs of the caller's vendor's plugins, with their redacted stack and stderr; newest first. */
  @Get('vendor/failed-runs')
  @Roles('vendor')
  failedRuns(@CurrentUser() me: Principal): Promise<VendorFailedRun[]> {
    return this.learning.vendorFailedRuns(me.vendorId!);
  }

  /** One of them; a run of another vendor's plugin answers 404, as a missing one does. */
  @Get('vendor/failed-runs/:id')
  @Roles('vendor')
  failedRun(@CurrentUser() me: Principal, @Param('id') id: string): Promise<VendorFailedRun> {
    return this.learning.vendorFailedRun(me.vendorId!, id);
  }

  @Get('sites/:site/policy')
  @Roles('admin')
  @SiteScope(pathSite)
  policy(@Param('site') site: string): Promise<SitePolicy> {
    return this.learning.policy(site);
  }

  /** `{ shareMetricsWithVendors?: boolean, allowDatasetExport?: boolean }` */
  @Put('sites/:site/policy')
  @Roles('admin')
  @SiteScope(pathSite)
  setPolicy(@CurrentUser() me: Principal, @Param('site') site: string, @Body() body: Json): Promise<SitePolicy> {
    return this.learning.setPolicy(site, body ?? {}, me.username);
  }

  @Get('sites/:site/shadows')
  @Roles('admin')
  @SiteScope(pathSite)
  shadows(@Param('site') site: string): Promise<ShadowRow[]> {
    return this.learning.listShadows(site);
  }

  /** `{ version }`: run that version beside the active one on every analysis; its results never reach a report. */
  @Post('sites/:site/plugins/:id/shadow')
  @HttpCode(200)
  @Roles('admin')
  @SiteScope(pathSite)
  startShadow(@CurrentUser() me: Principal, @Param('site') site: string, @Param('id') id: string, @Body() body: Json): Promise<ShadowRow> {
    return this.learning.startShadow(site, id, body?.version, me.username);
  }

  @Post('sites/:site/plugins/:id/shadow/promote')
  @HttpCode(200)
  @Roles('admin')
  @SiteScope(pathSite)
  promote(@CurrentUser() me: Principal, @Param('site') site: string, @Param('id') id: string): Promise<SiteEnablementView> {
    return this.learning.promoteShadow(site, id, me.username);
  }

  @Post('sites/:site/plugins/:id/shadow/drop')
  @HttpCode(200)
  @Roles('admin')
  @SiteScope(pathSite)
  drop(@CurrentUser() me: Principal, @Param('site') site: string, @Param('id') id: string): Promise<{ dropped: ShadowRow }> {
    return this.learning.dropShadow(site, id, me.username);
  }

  /** `?version=` compares an earlier shadow version (after it was promoted or dropped). */
  @Get('sites/:site/plugins/:id/shadow/comparison')
  @Roles('admin')
  @SiteScope(pathSite)
  comparison(@Param('site') site: string, @Param('id') id: string, @Query('version') version?: string): Promise<ShadowComparison> {
    return this.learning.compare(site, id, version);
  }

  /** Corrected findings and their studies' stored images, de-identified, into a new folder under the data directory; 403 `DATASET_EXPORT_NOT_ALLOWED` unless the site's policy allows it. */
  @Post('sites/:site/exports/corrected-findings')
  @HttpCode(201)
  @Roles('admin')
  @SiteScope(pathSite)
  exportCorrected(@CurrentUser() me: Principal, @Param('site') site: string): Promise<DatasetExport> {
    return this.exports.exportCorrected(site, me.username);
  }

  /** Drift alerts of the admin's sites, newest first; `?status=open|acknowledged`. */
  @Get('drift/alerts')
  @Roles('admin')
  alerts(@CurrentUser() me: Principal, @Query('status') status?: string): Promise<DriftAlert[]> {
    return this.learning.alerts(me, status);
  }
}
