import { Injectable } from '@nestjs/common';
import { PolyradError } from '@polyrad/sdk';
import type { RunProgress } from '../pipeline/execution/planned-run.runner.js';
import { STUDY_PROGRESS_NOT_FOUND } from './studies.errors.js';
import { StudyActivityService } from './study-activity.service.js';
import { assertUid } from './studies.service.js';

/** A study's latest analysis, run by run, for the web app. */
export interface StudyProgress {
  studyInstanceUid: string;
  /** done once every planned run has ended */
  state: 'running' | 'done';
  queued: number;
  running: number;
  done: number;
  runs: RunProgress[];
  updatedAt: string;
}

/** Studies whose progress is kept; the oldest are forgotten first. */
const KEPT = 1000;

/**
 * Progress of the analyses this server process ran since it started (in memory: a restart forgets it,
 * and the report then tells how each run ended). `running` means handed to the executor: a local worker
 * process, or the broker's queue for a `polyrad worker`.
 */
@Injectable()
export class StudyProgressService {
  private readonly studies = new Map<string, StudyProgress>();

  constructor(private readonly activity: StudyActivityService) {}

  update(studyInstanceUid: string, runs: RunProgress[]): void {
    const count = (state: RunProgress['state']) => runs.filter((r) => r.state === state).length;
    const progress: StudyProgress = {
      studyInstanceUid,
      state: runs.every((r) => r.state === 'done') ? 'done' : 'running',
      queued: count('queued'),
      running: count('running'),
      done: count('done'),
      runs,
      updatedAt: new Date().toISOString(),
    };
    // re-inserted, so the map's order is the order of last change
    this.studies.delete(studyInstanceUid);
    this.studies.set(studyInstanceUid, progress);
    this.activity.analysing(studyInstanceUid, runs);
    for (const oldest of this.studies.keys()) {
      if (this.studies.size <= KEPT) break;
      this.studies.delete(oldest);
    }
  }

  get(studyInstanceUid: string): StudyProgress {
    assertUid(studyInstanceUid, 'StudyInstanceUID');
    const progress = this.studies.get(studyInstanceUid);
    if (!progress) throw new PolyradError(STUDY_PROGRESS_NOT_FOUND, 'this server has not analysed the study since it started', studyInstanceUid);
    return progress;
  }
}
