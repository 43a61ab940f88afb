import type { Request } from 'express';

/** Base of the URLs DICOMweb answers carry (RetrieveURL, BulkDataURI), as the client reached the server. */
export function dicomwebBaseUrl(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}/dicomweb`;
}

/** A reason as the text of an HTTP Warning header (RFC 7234: 299 with a quoted, ASCII text). */
export function warningHeader(reason: string): string {
  return `299 polyrad "${reason.replace(/[^\x20-\x7e]/g, '?').replace(/["\\]/g, "'").slice(0, 500)}"`;
}
