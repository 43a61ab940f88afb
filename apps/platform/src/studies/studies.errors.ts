/** Stable codes of the studies API; the exception filter maps them to HTTP statuses. */
export const STUDY_NOT_FOUND = 'STUDY_NOT_FOUND';
export const REPORT_NOT_FOUND = 'REPORT_NOT_FOUND';
export const INVALID_STUDY_UID = 'INVALID_STUDY_UID';
export const REPORT_INVALID = 'REPORT_INVALID';
export const STUDY_PROGRESS_NOT_FOUND = 'STUDY_PROGRESS_NOT_FOUND';
