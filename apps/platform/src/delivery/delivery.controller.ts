import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import type { Request } from 'express';
import { CurrentUser, Roles, SiteScope } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import type { StudyDelivery } from './delivery.repository.js';
import { DeliveryQueueService } from './delivery-queue.service.js';
import type { RoutingRule } from './delivery-routing.js';
import { DeliverySettingsService, type DestinationView } from './delivery-settings.service.js';

type Json = Record<string, unknown> | undefined;
const pathSite = (req: Request): unknown => req.params.site;

/** Per-site destinations and routing rules (admins of the site); a study's delivery log and re-send. */
@Controller('api')
export class DeliveryController {
  constructor(
    private readonly settings: DeliverySettingsService,
    private readonly queue: DeliveryQueueService,
  ) {}

  @Get('sites/:site/destinations')
  @Roles('admin')
  @SiteScope(pathSite)
  list(@Param('site') site: string): Promise<DestinationView[]> {
    return this.settings.list(site);
  }

  @Post('sites/:site/destinations')
  @Roles('admin')
  @SiteScope(pathSite)
  create(@CurrentUser() me: Principal, @Param('site') site: string, @Body() body: Json): Promise<DestinationView> {
    return this.settings.create(site, body ?? {}, me.username);
  }

  @Get('sites/:site/destinations/:id')
  @Roles('admin')
  @SiteScope(pathSite)
  get(@Param('site') site: string, @Param('id') id: string): Promise<DestinationView> {
    return this.settings.get(site, id);
  }

  @Put('sites/:site/destinations/:id')
  @Roles('admin')
  @SiteScope(pathSite)
  replace(@CurrentUser() me: Principal, @Param('site') site: string, @Param('id') id: string, @Body() body: Json): Promise<DestinationView> {
    return this.settings.replace(site, id, body ?? {}, me.username);
  }

  @Delete('sites/:site/destinations/:id')
  @HttpCode(204)
  @Roles('admin')
  @SiteScope(pathSite)
  remove(@CurrentUser() me: Principal, @Param('site') site: string, @Param('id') id: string): Promise<void> {
    return this.settings.remove(site, id, me.username);
  }

  @Get('sites/:site/delivery-rules')
  @Roles('admin')
  @SiteScope(pathSite)
  rules(@Param('site') site: string): Promise<RoutingRule[]> {
    return this.settings.rules(site);
  }

  /** `{ rules: [{ destination, outputs, modalities?, priorities?, statuses? }] }` replaces the site's rules. */
  @Put('sites/:site/delivery-rules')
  @Roles('admin')
  @SiteScope(pathSite)
  replaceRules(@CurrentUser() me: Principal, @Param('site') site: string, @Body() body: Json): Promise<RoutingRule[]> {
    return this.settings.replaceRules(site, body ?? {}, me.username);
  }

  /** Every delivery of the study's reports with every attempt; only those of the caller's sites. */
  @Get('studies/:studyInstanceUid/deliveries')
  @Roles('admin', 'radiologist')
  deliveries(@CurrentUser() me: Principal, @Param('studyInstanceUid') uid: string): Promise<StudyDelivery[]> {
    return this.queue.log(me, uid);
  }

  @Post('studies/:studyInstanceUid/deliveries/:id/resend')
  @HttpCode(202)
  @Roles('admin')
  resend(@CurrentUser() me: Principal, @Param('studyInstanceUid') uid: string, @Param('id') id: string): Promise<StudyDelivery> {
    return this.queue.resend(me, uid, id);
  }
}
