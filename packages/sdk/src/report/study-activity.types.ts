/**
 * Where a study is between its first instance and its report: `receiving` while instances arrive,
 * `waiting` once they paused (the study is analysed when the quiet period ends with nothing more),
 * `analysing` while its plugins run, `reported` once its report (draft or signed) is stored.
 */
export type StudyStage = 'receiving' | 'waiting' | 'analysing' | 'reported';

/** One study's live state, as the platform's worklist event stream (GET /api/worklist/events) sends it. */
export interface StudyActivity {
  studyInstanceUid: string;
  stage: StudyStage;
  /** instances received since the study was last analysed */
  instances: number;
  /** waiting and receiving: when the analysis starts if nothing more arrives */
  analysisDueAt?: string;
  /** analysing: planned plugin runs, and how many have ended */
  runsDone?: number;
  runsTotal?: number;
  /** reported: the stored report's version and status */
  reportVersion?: number;
  status?: 'draft' | 'signed';
  updatedAt: string;
}
