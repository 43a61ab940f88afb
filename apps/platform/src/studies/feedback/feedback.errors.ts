/** Stable codes of the reading API; http/error-status.map.ts gives the HTTP status of each. */
export const FEEDBACK_INVALID = 'FEEDBACK_INVALID';
/** A signed report is final: it takes no more corrections and no second signature. */
export const REPORT_ALREADY_SIGNED = 'REPORT_ALREADY_SIGNED';
/** The finding at that index is not the one the reader named (the report changed under them). */
export const FINDING_MISMATCH = 'FINDING_MISMATCH';
export const FINDING_NOT_FOUND = 'FINDING_NOT_FOUND';
export const FEEDBACK_DECISION_NOT_FOUND = 'FEEDBACK_DECISION_NOT_FOUND';
