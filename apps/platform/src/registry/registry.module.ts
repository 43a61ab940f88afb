import { join } from 'node:path';
import { Module, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { bundledCatalog } from '../pipeline/planning/plugin-catalog.js';
import { PluginListingService } from './plugin-listing.service.js';
import { PluginPackageStore } from './plugin-package.store.js';
import { PublishingService } from './publishing.service.js';
import { RegistryController } from './registry.controller.js';
import { RegistryRepository } from './registry.repository.js';
import { SiteCatalogService } from './site-catalog.service.js';
import { SiteSettingsService } from './site-settings.service.js';
import { VendorService } from './vendor.service.js';

@Module({
  controllers: [RegistryController],
  providers: [
    VendorService,
    PublishingService,
    PluginListingService,
    SiteSettingsService,
    SiteCatalogService,
    RegistryRepository,
    {
      provide: PluginPackageStore,
      useFactory: (config: AppConfig) => new PluginPackageStore(join(config.dataDir, 'plugins')),
      inject: [APP_CONFIG],
    },
  ],
  exports: [SiteCatalogService, SiteSettingsService, RegistryRepository],
})
export class RegistryModule implements OnApplicationBootstrap {
  constructor(private readonly publishing: PublishingService) {}

  /** The bundled plugins are registered (first-party vendor) before the server accepts requests. */
  async onApplicationBootstrap(): Promise<void> {
    await this.publishing.registerBundled(bundledCatalog());
  }
}
