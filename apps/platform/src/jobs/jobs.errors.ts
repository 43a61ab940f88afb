/** The admin asked about distributed jobs on a platform that runs plugins locally (no POLYRAD_BROKER_URL). */
export const BROKER_NOT_CONFIGURED = 'BROKER_NOT_CONFIGURED';
/** The broker could not be reached to read or change the dead-letter queue. */
export const BROKER_UNREACHABLE = 'BROKER_UNREACHABLE';
export const DEAD_JOB_NOT_FOUND = 'DEAD_JOB_NOT_FOUND';
