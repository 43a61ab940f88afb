/** Stable codes of sign-in and access control; http/error-status.map.ts gives the HTTP status of each. */
export const UNAUTHENTICATED = 'UNAUTHENTICATED';
export const LOGIN_FAILED = 'LOGIN_FAILED';
export const REFRESH_TOKEN_INVALID = 'REFRESH_TOKEN_INVALID';
export const FORBIDDEN = 'FORBIDDEN';
export const RATE_LIMITED = 'RATE_LIMITED';
export const UNSUPPORTED_MEDIA_TYPE = 'UNSUPPORTED_MEDIA_TYPE';
export const CROSS_ORIGIN_REFUSED = 'CROSS_ORIGIN_REFUSED';
export const USER_INVALID = 'USER_INVALID';
export const PASSWORD_INVALID = 'PASSWORD_INVALID';
export const USER_EXISTS = 'USER_EXISTS';
export const USER_NOT_FOUND = 'USER_NOT_FOUND';
export const OIDC_NOT_CONFIGURED = 'OIDC_NOT_CONFIGURED';
export const OIDC_PROVIDER_UNAVAILABLE = 'OIDC_PROVIDER_UNAVAILABLE';
export const OIDC_SIGN_IN_FAILED = 'OIDC_SIGN_IN_FAILED';
export const OIDC_NO_ROLE = 'OIDC_NO_ROLE';

export const SIGN_IN_HINT = 'sign in with POST /api/auth/login and send Authorization: Bearer <accessToken>';
