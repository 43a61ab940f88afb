import { HttpStatus } from '@nestjs/common';
import {
  CROSS_ORIGIN_REFUSED,
  FORBIDDEN,
  LOGIN_FAILED,
  OIDC_NO_ROLE,
  OIDC_NOT_CONFIGURED,
  OIDC_PROVIDER_UNAVAILABLE,
  OIDC_SIGN_IN_FAILED,
  RATE_LIMITED,
  REFRESH_TOKEN_INVALID,
  UNAUTHENTICATED,
  UNSUPPORTED_MEDIA_TYPE,
  USER_EXISTS,
} from '../auth/auth.errors.js';
import {
  ANALYSIS_IMPORT_OFF,
  ANALYSIS_PATH_REFUSED,
  PLUGIN_DEPENDENCY_UNSATISFIED,
  PLUGIN_INCOMPATIBLE,
  PLUGIN_PACKAGE_TOO_LARGE,
  PLUGIN_ROLLBACK_UNAVAILABLE,
  PLUGIN_SIGNATURE_MISSING,
  PLUGIN_VENDOR_MISMATCH,
  PLUGIN_VERSION_EXISTS,
  REQUEST_INVALID,
  VENDOR_EXISTS,
  VENDOR_UNKNOWN,
} from '../registry/registry.errors.js';
import { DELIVERY_DESTINATION_EXISTS, DELIVERY_DESTINATION_IN_USE, DELIVERY_HOST_NOT_ALLOWED } from '../delivery/delivery.errors.js';
import { FINDING_MISMATCH, REPORT_ALREADY_SIGNED } from '../studies/feedback/feedback.errors.js';
import { DATASET_EXPORT_NOT_ALLOWED } from '../studies/learning/learning.errors.js';
import { BROKER_NOT_CONFIGURED, BROKER_UNREACHABLE } from '../jobs/jobs.errors.js';
import { REQUEST_TOO_LARGE } from './request.limits.js';

/** HTTP status of each known PolyradError code; unknown codes follow the naming conventions in httpStatusOf. */
const STATUS_BY_CODE: Record<string, number> = {
  INVALID_STUDY_UID: 400,
  REPORT_INVALID: 422,
  DATABASE_UNAVAILABLE: 503,
  [REQUEST_INVALID]: 400,
  [PLUGIN_SIGNATURE_MISSING]: 400,
  [VENDOR_UNKNOWN]: 422,
  // A valid signature by one vendor cannot publish under another vendor's name.
  [PLUGIN_VENDOR_MISMATCH]: 403,
  [PLUGIN_INCOMPATIBLE]: 422,
  [VENDOR_EXISTS]: 409,
  [PLUGIN_VERSION_EXISTS]: 409,
  [PLUGIN_ROLLBACK_UNAVAILABLE]: 409,
  [PLUGIN_DEPENDENCY_UNSATISFIED]: 409,
  [PLUGIN_PACKAGE_TOO_LARGE]: 413,
  [REQUEST_TOO_LARGE]: 413,
  // Thrown by readPackage (plugins/plugin-package.ts) for hostile or broken tarballs.
  PACKAGE_NOT_GZIP: 400,
  PACKAGE_CORRUPT: 400,
  PACKAGE_UNSAFE_PATH: 400,
  PACKAGE_FORBIDDEN_ENTRY: 400,
  PLUGIN_STORAGE_UNSAFE: 400,
  PACKAGE_FILE_MISSING: 400,
  MODEL_DIGEST_MISMATCH: 400,
  PACKAGE_TOO_LARGE: 413,
  PACKAGE_TOO_MANY_ENTRIES: 413,
  // Missing and forbidden paths answer alike (study-analysis.service.ts).
  [ANALYSIS_PATH_REFUSED]: 404,
  [ANALYSIS_IMPORT_OFF]: 403,
  // Thrown by AnalysisService when none of the given files is a usable DICOM series.
  INPUT_UNUSABLE: 422,
  [UNAUTHENTICATED]: 401,
  [LOGIN_FAILED]: 401,
  [REFRESH_TOKEN_INVALID]: 401,
  [FORBIDDEN]: 403,
  [OIDC_NOT_CONFIGURED]: 404,
  [OIDC_PROVIDER_UNAVAILABLE]: 502,
  [OIDC_SIGN_IN_FAILED]: 401,
  // signed in at the provider, but no role of Polyrad is mapped to the user's groups
  [OIDC_NO_ROLE]: 403,
  [CROSS_ORIGIN_REFUSED]: 403,
  [RATE_LIMITED]: 429,
  [UNSUPPORTED_MEDIA_TYPE]: 415,
  [USER_EXISTS]: 409,
  [DELIVERY_DESTINATION_EXISTS]: 409,
  [DELIVERY_DESTINATION_IN_USE]: 409,
  // A URL outside POLYRAD_DELIVERY_ALLOWED_HOSTS: the server's administrator, not the request, must change.
  [DELIVERY_HOST_NOT_ALLOWED]: 422,
  [REPORT_ALREADY_SIGNED]: 409,
  [FINDING_MISMATCH]: 409,
  // the site's own policy refuses it: an admin of the site changes the policy, not the request
  [DATASET_EXPORT_NOT_ALLOWED]: 403,
  [BROKER_NOT_CONFIGURED]: 409,
  [BROKER_UNREACHABLE]: 503,
};

/** The HTTP status a PolyradError code answers with. */
export function httpStatusOf(code: string): number {
  const known = STATUS_BY_CODE[code];
  if (known !== undefined) return known;
  if (code.endsWith('_NOT_FOUND')) return HttpStatus.NOT_FOUND;
  if (code.startsWith('INVALID_') || code.endsWith('_INVALID')) return HttpStatus.BAD_REQUEST;
  return HttpStatus.INTERNAL_SERVER_ERROR;
}
