import { type DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from './auth/auth.module.js';
import type { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import type { Database } from './database/database-connection.js';
import { DatabaseModule } from './database/database.module.js';
import { HealthModule } from './health/health.module.js';
import { DicomwebModule } from './ingest/dicomweb/dicomweb.module.js';
import { IngestModule } from './ingest/ingest.module.js';
import { JobsModule } from './jobs/jobs.module.js';
import { RegistryModule } from './registry/registry.module.js';
import { StudiesModule } from './studies/studies.module.js';

/** The HTTP application, built from an already validated config and an already opened database. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, database: Database): DynamicModule {
    return {
      module: AppModule,
      imports: [ConfigModule.forRoot(config), DatabaseModule.forRoot(database), AuthModule, HealthModule, StudiesModule, RegistryModule, IngestModule, DicomwebModule, JobsModule],
    };
  }
}
