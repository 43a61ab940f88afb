import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';

/** apps/marketplace-ui/dist, from apps/platform/{src,dist}/ui. */
export const DEFAULT_UI_DIR = fileURLToPath(new URL('../../../marketplace-ui/dist', import.meta.url));

/** Paths owned by the server; never answered with the UI's index.html. */
const SERVER_PREFIXES = ['/api', '/dicomweb', '/health'];

function isServerPath(path: string): boolean {
  return SERVER_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Polyrad</title></head>
<body><h1>Polyrad</h1>
<p>The server is running, but the web UI has not been built.</p>
<p>Build it with <code>npm run build -w @polyrad/marketplace-ui</code> (or <code>npm run build</code>) and reload.
The API is available under <a href="/api">/api</a>; the server's state at <a href="/health">/health</a>.</p>
</body></html>
`;

/**
 * Serves the built marketplace UI at `/` with an index.html fallback for client-side routes.
 * Registered before Nest's routes, so it steps aside for the server's own prefixes. The build is looked
 * up per request, so building the UI while the server runs needs no restart.
 */
export function serveUi(app: NestExpressApplication, uiDir: string = DEFAULT_UI_DIR): void {
  const index = join(uiDir, 'index.html');
  app.useStaticAssets(uiDir, { index: false, fallthrough: true });
  app.use((req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || isServerPath(req.path)) return next();
    // A missing bundle file is a 404, not the app shell (client routes may contain dots: /studies/1.2.840...).
    if (req.path.startsWith('/assets/')) return next();
    if (!existsSync(index)) {
      res.status(503).type('html').send(NOT_BUILT_PAGE);
      return;
    }
    res.sendFile(index, (error) => error && next(error));
  });
}
