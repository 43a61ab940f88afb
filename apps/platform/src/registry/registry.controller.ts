import { Body, Controller, Get, Headers, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import type { AuditEntry, PluginView, PublishedVersion, SiteEnablementView, VendorView } from './registry.types.js';
import { actorOf, DEFAULT_SITE, RegistryService } from './registry.service.js';

type Json = Record<string, unknown> | undefined;
const ACTOR = 'x-polyrad-user';

/** The plugin registry API (DESIGN.md, "Server"). Actor = X-Polyrad-User; there is no authentication yet. */
@Controller('api')
export class RegistryController {
  constructor(private readonly registry: RegistryService) {}

  @Post('vendors')
  registerVendor(@Body() body: Json, @Headers(ACTOR) user?: string): Promise<VendorView> {
    return this.registry.registerVendor(body ?? {}, actorOf(user));
  }

  @Get('plugins')
  list(@Query('site') site?: string): Promise<PluginView[]> {
    return this.registry.listPlugins(site ?? DEFAULT_SITE);
  }

  @Get('plugins/:id')
  get(@Param('id') id: string, @Query('site') site?: string): Promise<PluginView> {
    return this.registry.getPlugin(site ?? DEFAULT_SITE, id);
  }

  /** `{ package: <base64 .polyrad.tgz>, signature: <the .sig JSON> }` */
  @Post('plugins/packages')
  publish(@Body() body: Json, @Headers(ACTOR) user?: string): Promise<PublishedVersion> {
    return this.registry.publish(body ?? {}, actorOf(user));
  }

  @Post('sites/:site/plugins/:id/enable')
  @HttpCode(200)
  enable(@Param('site') site: string, @Param('id') id: string, @Body() body: Json, @Headers(ACTOR) user?: string): Promise<SiteEnablementView> {
    return this.registry.enable(site, id, body?.version, actorOf(user));
  }

  @Post('sites/:site/plugins/:id/disable')
  @HttpCode(200)
  disable(@Param('site') site: string, @Param('id') id: string, @Headers(ACTOR) user?: string): Promise<SiteEnablementView> {
    return this.registry.disable(site, id, actorOf(user));
  }

  @Post('sites/:site/plugins/:id/pin')
  @HttpCode(200)
  pin(@Param('site') site: string, @Param('id') id: string, @Body() body: Json, @Headers(ACTOR) user?: string): Promise<SiteEnablementView> {
    return this.registry.pin(site, id, body?.version, actorOf(user));
  }

  @Post('sites/:site/plugins/:id/rollback')
  @HttpCode(200)
  rollback(@Param('site') site: string, @Param('id') id: string, @Headers(ACTOR) user?: string): Promise<SiteEnablementView> {
    return this.registry.rollback(site, id, actorOf(user));
  }

  @Put('sites/:site/plugins/:id/config')
  configure(@Param('site') site: string, @Param('id') id: string, @Body() body: Json, @Headers(ACTOR) user?: string): Promise<SiteEnablementView> {
    return this.registry.configure(site, id, body?.config, actorOf(user));
  }

  @Get('audit')
  audit(@Query('subject') subject?: string, @Query('site') site?: string, @Query('limit') limit?: string): Promise<AuditEntry[]> {
    return this.registry.listAudit({ subject, site, limit });
  }
}
