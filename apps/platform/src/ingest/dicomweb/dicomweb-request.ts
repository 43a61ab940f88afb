import { PolyradError } from '@polyrad/sdk';
import type { Request } from 'express';
import { DEFAULT_SITE } from '../../registry/site.rules.js';
import { isDicomUid } from '../../studies/study-uid.js';
import { INVALID_DICOMWEB_REQUEST } from './dicomweb.errors.js';

/** Received studies all belong to the default site (README, "Sign-in and roles"), so DICOMweb acts on it. */
export const DICOMWEB_SITE = DEFAULT_SITE;

/** Base of the URLs DICOMweb answers carry (RetrieveURL, BulkDataURI), as the client reached the server. */
export function dicomwebBaseUrl(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}/dicomweb`;
}

/** A reason as the text of an HTTP Warning header (RFC 7234: 299 with a quoted, ASCII text). */
export function warningHeader(reason: string): string {
  return `299 polyrad "${reason.replace(/[^\x20-\x7e]/g, '?').replace(/["\\]/g, "'").slice(0, 500)}"`;
}

/** The UIDs of a DICOMweb URL must be UIDs (400 otherwise, rather than a search that cannot match). */
export function assertScope(scope: { study?: string; series?: string; sop?: string }): void {
  for (const [name, uid] of Object.entries(scope)) {
    if (uid !== undefined && !isDicomUid(uid)) throw new PolyradError(INVALID_DICOMWEB_REQUEST, `the ${name} in the URL, ${JSON.stringify(uid)}, is not a UID`);
  }
}
