/** Limits on what a request may carry, and the answer when the body parser refuses one. */
export const REQUEST_TOO_LARGE = 'REQUEST_TOO_LARGE';
/** Largest .tgz accepted; its base64 form (4/3 larger) plus the JSON around it fits REQUEST_BODY_LIMIT. */
export const MAX_PACKAGE_BYTES = 36 * 1024 * 1024;
/** Largest JSON request body (express `limit` syntax); sized for a base64 plugin package. */
export const REQUEST_BODY_LIMIT = '50mb';
export const REQUEST_TOO_LARGE_MESSAGE = `the request body exceeds the ${REQUEST_BODY_LIMIT} limit (a plugin package may be at most ${MAX_PACKAGE_BYTES / 1024 / 1024} MiB before base64)`;
