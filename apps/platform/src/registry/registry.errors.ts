/** Stable codes of the plugin registry API and the HTTP status each one maps to (app-exception.filter.ts). */
export const REQUEST_INVALID = 'REQUEST_INVALID';
export const INVALID_SITE_ID = 'INVALID_SITE_ID';
export const INVALID_VERSION_RANGE = 'INVALID_VERSION_RANGE';
export const VENDOR_INVALID = 'VENDOR_INVALID';
export const VENDOR_EXISTS = 'VENDOR_EXISTS';
export const VENDOR_UNKNOWN = 'VENDOR_UNKNOWN';
export const PLUGIN_SIGNATURE_MISSING = 'PLUGIN_SIGNATURE_MISSING';
export const PLUGIN_SIGNATURE_INVALID = 'PLUGIN_SIGNATURE_INVALID';
export const PLUGIN_VENDOR_MISMATCH = 'PLUGIN_VENDOR_MISMATCH';
export const PLUGIN_INCOMPATIBLE = 'PLUGIN_INCOMPATIBLE';
export const PLUGIN_VERSION_EXISTS = 'PLUGIN_VERSION_EXISTS';
export const PLUGIN_PACKAGE_TOO_LARGE = 'PLUGIN_PACKAGE_TOO_LARGE';
export const PLUGIN_NOT_FOUND = 'PLUGIN_NOT_FOUND';
export const PLUGIN_VERSION_NOT_FOUND = 'PLUGIN_VERSION_NOT_FOUND';
export const PLUGIN_CONFIG_INVALID = 'PLUGIN_CONFIG_INVALID';
export const PLUGIN_ROLLBACK_UNAVAILABLE = 'PLUGIN_ROLLBACK_UNAVAILABLE';
export const PLUGIN_DEPENDENCY_UNSATISFIED = 'PLUGIN_DEPENDENCY_UNSATISFIED';
export const ANALYSIS_INPUT_INVALID = 'ANALYSIS_INPUT_INVALID';
export const ANALYSIS_PATH_REFUSED = 'ANALYSIS_PATH_REFUSED';
export const ANALYSIS_IMPORT_OFF = 'ANALYSIS_IMPORT_OFF';
export const REQUEST_TOO_LARGE = 'REQUEST_TOO_LARGE';

export const REGISTRY_HTTP_STATUS: Record<string, number> = {
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
  // Missing and forbidden paths answer alike (studies/study-analysis.service.ts).
  [ANALYSIS_PATH_REFUSED]: 404,
  [ANALYSIS_IMPORT_OFF]: 403,
  // Thrown by StudyPipeline (pipeline.errors.ts) when the files hold no single usable study.
  INPUT_UNUSABLE: 422,
};

/** Largest .tgz accepted; its base64 form (4/3 larger) plus the JSON around it fits REQUEST_BODY_LIMIT. */
export const MAX_PACKAGE_BYTES = 36 * 1024 * 1024;
/** Largest JSON request body (express `limit` syntax); sized for a base64 plugin package. */
export const REQUEST_BODY_LIMIT = '50mb';
export const REQUEST_TOO_LARGE_MESSAGE = `the request body exceeds the ${REQUEST_BODY_LIMIT} limit (a plugin package may be at most ${MAX_PACKAGE_BYTES / 1024 / 1024} MiB before base64)`;
