import { join } from 'node:path';
import { Module, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { bundledCatalog } from '../pipeline/planning/plugin-catalog.js';
import { PluginPackageStore } from './plugin-package.store.js';
import { RegistryController } from './registry.controller.js';
import { RegistryRepository } from './registry.repository.js';
import { RegistryService } from './registry.service.js';

@Module({
  controllers: [RegistryController],
  providers: [
    RegistryService,
    RegistryRepository,
    {
      provide: PluginPackageStore,
      useFactory: (config: AppConfig) => new PluginPackageStore(join(config.dataDir, 'plugins')),
      inject: [APP_CONFIG],
    },
  ],
  exports: [RegistryService],
})
export class RegistryModule implements OnApplicationBootstrap {
  constructor(private readonly registry: RegistryService) {}

  /** The bundled plugins are registered (first-party vendor) before the server accepts requests. */
  async onApplicationBootstrap(): Promise<void> {
    await this.registry.registerBundled(bundledCatalog());
  }
}
