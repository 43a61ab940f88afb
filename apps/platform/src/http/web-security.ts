import type { Server } from 'node:http';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { CROSS_ORIGIN_REFUSED, SIGN_IN_HINT, UNAUTHENTICATED, UNSUPPORTED_MEDIA_TYPE } from '../auth/auth.errors.js';
import type { AuthConfig } from '../config/app-config.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const isApi = (path: string): boolean => path === '/api' || path.startsWith('/api/');
// DICOMweb takes multipart/related (STOW-RS) and answers DICOM media types, so the JSON-only rule is the API's alone
const isDicomweb = (path: string): boolean => path === '/dicomweb' || path.startsWith('/dicomweb/');

/**
 * Browser-facing protections, registered before the UI and the routes:
 * - security headers (helmet): a CSP that allows the built UI's own scripts and styles and nothing else,
 *   no framing, nosniff, no referrer; HSTS only when the platform is reached over TLS;
 * - CORS: no cross-origin access unless POLYRAD_CORS_ORIGINS lists the origin, and a changing request from
 *   an unlisted foreign origin is refused outright;
 * - JSON routes take JSON only (415 otherwise): a cross-site form or text/plain POST cannot reach them.
 * CSRF: sessions are bearer tokens sent in the Authorization header, never cookies, so a forged
 * cross-site request carries no credentials; the checks above are a second line.
 */
export function applyWebSecurity(app: NestExpressApplication, auth: AuthConfig): void {
  if (auth.trustProxy !== false) app.set('trust proxy', auth.trustProxy);
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          scriptSrcAttr: ["'none'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          fontSrc: ["'self'"],
          connectSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          ...(auth.hsts ? { upgradeInsecureRequests: [] } : {}),
        },
      },
      frameguard: { action: 'deny' },
      referrerPolicy: { policy: 'no-referrer' },
      strictTransportSecurity: auth.hsts ? { maxAge: 365 * 86400, includeSubDomains: true } : false,
    }),
  );
  app.use((req: Request, res: Response, next: NextFunction) => {
    const origin = req.headers.origin;
    if (!(isApi(req.path) || isDicomweb(req.path)) || SAFE_METHODS.has(req.method) || origin === undefined || sameOrigin(origin, req) || auth.corsOrigins.includes(origin)) return next();
    res.status(403).json({ code: CROSS_ORIGIN_REFUSED, message: `requests from ${origin} are not allowed; list it in POLYRAD_CORS_ORIGINS to allow it` });
  });
  app.enableCors({
    origin: auth.corsOrigins.length > 0 ? auth.corsOrigins : false,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
    // Accept too: a DICOMweb viewer's multipart Accept values are not CORS-safelisted
    allowedHeaders: ['Authorization', 'Content-Type', 'Accept'],
    credentials: false,
    maxAge: 600,
  });
  app.use((req: Request, res: Response, next: NextFunction) => {
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    if (!isApi(req.path) || !hasBody || req.is(['application/json', 'application/*+json'])) return next();
    res.status(415).json({ code: UNSUPPORTED_MEDIA_TYPE, message: 'send the request body as JSON with Content-Type: application/json' });
  });
}

/** Largest request body the server reads for a caller it does not know yet (only plugin uploads are bigger). */
export const ANONYMOUS_BODY_LIMIT = 1024 * 1024;

/**
 * The body parser runs before the route's guard; without this, anyone could make the server read and parse
 * 50 MB of JSON before being told to sign in. Registered before the body parser.
 */
export function refuseLargeAnonymousBodies(app: NestExpressApplication, isSignedIn: (authorization: string | undefined) => Promise<boolean>): void {
  app.use((req: Request, res: Response, next: NextFunction) => {
    const large = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > ANONYMOUS_BODY_LIMIT;
    if (!(isApi(req.path) || isDicomweb(req.path)) || !large) return next();
    isSignedIn(req.headers.authorization).then((known) => {
      if (known) return next();
      // Node discards the unread rest of the body without buffering it, so the client still reads this answer.
      res.setHeader('WWW-Authenticate', 'Bearer realm="polyrad"');
      res.status(401).json({ code: UNAUTHENTICATED, message: `authentication required before sending more than 1 MiB: ${SIGN_IN_HINT}` });
    }, next);
  });
}

/** A client that sends its request slowly (or never finishes it) is cut off instead of holding a connection forever. */
export function limitSlowClients(server: Server, auth: AuthConfig): void {
  server.headersTimeout = auth.headersTimeoutMs;
  server.requestTimeout = auth.requestTimeoutMs;
}

function sameOrigin(origin: string, req: Request): boolean {
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
