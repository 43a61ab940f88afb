import 'reflect-metadata';
import { realpathSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { isPolyradError } from '@polyrad/sdk';
import { AppExceptionFilter } from './http/app-exception.filter.js';
import { AppModule } from './app.module.js';
import { AuthService, INITIAL_ADMIN } from './auth/auth.service.js';
import { type AppConfig, loadConfig } from './config/app-config.js';
import { type DatabaseKind, openDatabase } from './database/database-connection.js';
import { sandboxAtStart } from './pipeline/execution/plugin-sandbox.js';
import { DicomStoreScp } from './ingest/dicom-store.scp.js';
import { POLYRAD_AE_TITLE } from './ingest/polyrad-ae-title.js';
import { applyWebSecurity, limitSlowClients, refuseLargeAnonymousBodies } from './http/web-security.js';
import { REQUEST_BODY_LIMIT } from './http/request.limits.js';
import { serveUi } from './ui/ui-static.js';

export interface RunningApp {
  app: NestExpressApplication;
  /** http://localhost:<port> */
  url: string;
  port: number;
  /** the DICOM C-STORE port actually listened on (AE title POLYRAD) */
  dicomPort: number;
  database: DatabaseKind;
  /** Stops HTTP, then TypeORM, then the embedded database; safe to call twice. */
  close(): Promise<void>;
}

export interface CreateAppOptions {
  /** Where the built marketplace UI lives (tests point it at an empty folder). */
  uiDir?: string;
  /** Nest's own log output; errors and warnings by default. */
  logger?: false | Array<'log' | 'error' | 'warn' | 'debug' | 'verbose'>;
  /** Where the generated password of the initial admin is shown, once (stdout by default). */
  announce?: (line: string) => void;
}

/** Opens the database, builds the Nest app and listens on config.port (0 = any free port). */
export async function createApp(config: AppConfig, options: CreateAppOptions = {}): Promise<RunningApp> {
  const database = await openDatabase(config);
  let app: NestExpressApplication | undefined;
  try {
    app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, database), {
      logger: options.logger ?? ['error', 'warn'],
      abortOnError: false,
    });
    app.useGlobalFilters(new AppExceptionFilter());
    app.disable('x-powered-by');
    applyWebSecurity(app, config.auth);
    limitSlowClients(app.getHttpServer(), config.auth);
    const auth = app.get(AuthService);
    refuseLargeAnonymousBodies(app, (header) => auth.authenticate(header).then(() => true, () => false));
    // Plugin packages travel base64 inside JSON (POST /api/plugins/packages); Nest's default is 100 kB.
    app.useBodyParser('json', { limit: REQUEST_BODY_LIMIT });
    serveUi(app, options.uiDir);
    const generated = await auth.ensureInitialAdmin();
    if (generated !== undefined) {
      (options.announce ?? console.log)(
        `Polyrad created the user "${INITIAL_ADMIN}" with the password ${generated} (shown only this once; set POLYRAD_ADMIN_PASSWORD before the first start to choose it)`,
      );
    }
    await app.listen(config.port);
  } catch (error) {
    await app?.close().catch(() => undefined);
    await database.close().catch(() => undefined);
    throw error;
  }
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const nest = app;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      try {
        await nest.close();
      } finally {
        await database.close();
      }
    })());
  const dicomPort = nest.get(DicomStoreScp).port;
  return { app: nest, url: `http://localhost:${port}`, port, dicomPort, database: database.kind, close };
}

/** `npm start`: one line on the plugin sandbox, one when listening, clean shutdown on SIGINT/SIGTERM, one line on a startup error. */
async function main(): Promise<void> {
  let running: RunningApp;
  try {
    const config = loadConfig(process.env);
    console.log(`Polyrad ${sandboxAtStart(config.sandbox)}`);
    const started = Date.now();
    running = await createApp(config);
    console.log(
      `Polyrad listening on ${running.url} and DICOM port ${running.dicomPort} (AE ${POLYRAD_AE_TITLE}) (database: ${running.database}, data: ${config.dataDir}, started in ${Date.now() - started} ms)`,
    );
  } catch (error) {
    console.error(`polyrad: ${isPolyradError(error) ? error.toLine() : ((error as Error).stack ?? String(error))}`);
    process.exit(1);
  }
  const stop = (signal: NodeJS.Signals): void => {
    console.log(`Polyrad stopping (${signal})`);
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`polyrad: shutdown failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function isEntryPoint(): boolean {
  try {
    return !!process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) void main();
