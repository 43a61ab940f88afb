import { type DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DATABASE, type Database } from './database-connection.js';

/**
 * Hands the database opened in createApp to Nest. It is opened (and migrated) before Nest starts so a
 * bad DATABASE_URL or a locked data dir fails once with a clear error instead of TypeORM's retry loop,
 * and closed after Nest so the embedded server outlives the last query.
 */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(database: Database): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => ({}),
          // Already initialized, so @nestjs/typeorm uses it as is (and destroys it on app.close()).
          dataSourceFactory: async () => database.dataSource,
        }),
      ],
      providers: [{ provide: DATABASE, useValue: database }],
      exports: [DATABASE],
    };
  }
}
