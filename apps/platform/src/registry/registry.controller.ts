import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import type { Request } from 'express';
import { AnyRole, CurrentUser, Roles, SiteScope } from '../auth/auth.decorators.js';
import { ALL_SITES, assertCoversSite, isAllSitesAdmin, type Principal } from '../auth/principal.js';
import { parseAuditQuery } from './audit-query.dto.js';
import { PluginListingService } from './plugin-listing.service.js';
import { PublishingService } from './publishing.service.js';
import type { AuditEntry, PluginView, PublishedVersion, SiteEnablementView, VendorView } from './registry.types.js';
import { SiteSettingsService } from './site-settings.service.js';
import { DEFAULT_SITE } from './site.rules.js';
import { VendorService } from './vendor.service.js';

type Json = Record<string, unknown> | undefined;
const pathSite = (req: Request): unknown => req.params.site;

/**
 * The plugin registry API (DESIGN.md, "Server"). The actor of every change is the signed-in user.
 * Vendors publish for their own vendor id and see only their own plugins; admins change the sites in their scope.
 */
@Controller('api')
export class RegistryController {
  constructor(
    private readonly vendors: VendorService,
    private readonly publishing: PublishingService,
    private readonly listing: PluginListingService,
    private readonly settings: SiteSettingsService,
  ) {}

  @Post('vendors')
  @Roles('admin')
  @SiteScope(() => ALL_SITES)
  registerVendor(@CurrentUser() me: Principal, @Body() body: Json): Promise<VendorView> {
    return this.vendors.registerVendor(body ?? {}, me.username);
  }

  @Get('plugins')
  @AnyRole()
  list(@CurrentUser() me: Principal, @Query('site') site?: string): Promise<PluginView[]> {
    if (me.role === 'vendor') return this.listing.listVendorPlugins(me.vendorId!);
    assertCoversSite(me, site ?? DEFAULT_SITE);
    return this.listing.listPlugins(site ?? DEFAULT_SITE);
  }

  @Get('plugins/:id')
  @AnyRole()
  get(@CurrentUser() me: Principal, @Param('id') id: string, @Query('site') site?: string): Promise<PluginView> {
    if (me.role === 'vendor') return this.listing.getVendorPlugin(me.vendorId!, id);
    assertCoversSite(me, site ?? DEFAULT_SITE);
    return this.listing.getPlugin(site ?? DEFAULT_SITE, id);
  }

  /** `{ package: <base64 .polyrad.tgz>, signature: <the .sig JSON> }`, signed for the caller's own vendor id. */
  @Post('plugins/packages')
  @Roles('vendor')
  publish(@CurrentUser() me: Principal, @Body() body: Json): Promise<PublishedVersion> {
    return this.publishing.publish(body ?? {}, me.username, me.vendorId!);
  }

  @Post('sites/:site/plugins/:id/enable')
  @HttpCode(200)
  @Roles('admin')
  @SiteScope(pathSite)
  enable(@CurrentUser() me: Principal, @Param('site') site: string, @Param('id') id: string, @Body() body: Json): Promise<SiteEnablementView> {
    return this.settings.enable(site, id, body?.version, me.username);
  }

  @Post('sites/:site/plugins/:id/disable')
  @HttpCode(200)
  @Roles('admin')
  @SiteScope(pathSite)
  disable(@CurrentUser() me: Principal, @Param('site') site: string, @Param('id') id: string): Promise<SiteEnablementView> {
    return this.settings.disable(site, id, me.username);
  }

  @Post('sites/:site/plugins/:id/pin')
  @HttpCode(200)
  @Roles('admin')
  @SiteScope(pathSite)
  pin(@CurrentUser() me: Principal, @Param('site') site: string, @Param('id') id: string, @Body() body: Json): Promise<SiteEnablementView> {
    return this.settings.pin(site, id, body?.version, me.username);
  }

  @Post('sites/:site/plugins/:id/rollback')
  @HttpCode(200)
  @Roles('admin')
  @SiteScope(pathSite)
  rollback(@CurrentUser() me: Principal, @Param('site') site: string, @Param('id') id: string): Promise<SiteEnablementView> {
    return this.settings.rollback(site, id, me.username);
  }

  @Put('sites/:site/plugins/:id/config')
  @Roles('admin')
  @SiteScope(pathSite)
  configure(@CurrentUser() me: Principal, @Param('site') site: string, @Param('id') id: string, @Body() body: Json): Promise<SiteEnablementView> {
    return this.settings.configure(site, id, body?.config, me.username);
  }

  /** An all-sites admin reads every entry; any other admin only the entries of their sites. */
  @Get('audit')
  @Roles('admin')
  audit(@CurrentUser() me: Principal, @Query('subject') subject?: string, @Query('site') site?: string, @Query('limit') limit?: string): Promise<AuditEntry[]> {
    if (site !== undefined) assertCoversSite(me, site);
    return this.listing.listAudit(parseAuditQuery(subject, site, limit), isAllSitesAdmin(me) ? undefined : me.sites);
  }
}
