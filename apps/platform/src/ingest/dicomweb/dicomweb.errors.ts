/** Stable codes of DICOMweb refusals (HTTP status by the naming conventions of app-exception.filter.ts). */
export const DICOMWEB_NOT_FOUND = 'DICOMWEB_NOT_FOUND';
export const INVALID_DICOMWEB_QUERY = 'INVALID_DICOMWEB_QUERY';
export const INVALID_DICOMWEB_REQUEST = 'INVALID_DICOMWEB_REQUEST';
