/** The SDK's own version; plugins declare `engines.sdk` ranges against it. Kept in step with package.json by a test. */
export const SDK_VERSION = '0.1.0';
