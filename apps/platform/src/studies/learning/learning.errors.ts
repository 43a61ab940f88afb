/** Stable codes of the learning API (shadow versions, site policies, drift); http/error-status.map.ts gives the HTTP status of each. */
export const SHADOW_NOT_FOUND = 'SHADOW_NOT_FOUND';
/** A shadow needs the plugin enabled at the site, and a published version other than the one it runs. */
export const SHADOW_INVALID = 'SHADOW_INVALID';
export const SITE_POLICY_INVALID = 'SITE_POLICY_INVALID';
/** A failed run the vendor may see: none with that id among its own plugins' runs. */
export const RUN_NOT_FOUND = 'RUN_NOT_FOUND';
/** The site's policy does not let corrected findings leave it (allowDatasetExport). */
export const DATASET_EXPORT_NOT_ALLOWED = 'DATASET_EXPORT_NOT_ALLOWED';
