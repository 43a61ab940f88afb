import { Injectable, type MessageEvent, type OnModuleDestroy } from '@nestjs/common';
import type { StudyActivity } from '@polyrad/sdk';
import { Observable } from 'rxjs';
import type { RunProgress } from '../pipeline/execution/planned-run.runner.js';

export type { StudyActivity, StudyStage } from '@polyrad/sdk';

export type ActivityListener = (activity: StudyActivity) => void;

/** A study counts as still receiving this long after its last instance (capped by half the quiet period). */
const RECEIVING_MS = 1000;
/** Studies whose activity is kept; the least recently changed are forgotten first. */
const KEPT = 1000;

/**
 * The live state of the studies this server process handles (in memory, like the run progress: a restart
 * forgets it, and the worklist then shows what the stored reports tell), pushed to every subscriber.
 */
@Injectable()
export class StudyActivityService implements OnModuleDestroy {
  private readonly studies = new Map<string, StudyActivity>();
  private readonly paused = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly listeners = new Set<ActivityListener>();

  /** An instance of the study was stored; its analysis is due `quietPeriodMs` from now. */
  received(studyInstanceUid: string, quietPeriodMs: number): void {
    const before = this.studies.get(studyInstanceUid);
    const instances = before && before.stage !== 'reported' ? before.instances + 1 : 1;
    this.set({ studyInstanceUid, stage: 'receiving', instances, analysisDueAt: new Date(Date.now() + quietPeriodMs).toISOString() });
    clearTimeout(this.paused.get(studyInstanceUid));
    const timer = setTimeout(() => {
      this.paused.delete(studyInstanceUid);
      const now = this.studies.get(studyInstanceUid);
      if (now?.stage === 'receiving') this.set({ ...now, stage: 'waiting' });
    }, Math.min(RECEIVING_MS, quietPeriodMs / 2));
    timer.unref();
    this.paused.set(studyInstanceUid, timer);
  }

  analysing(studyInstanceUid: string, runs: RunProgress[]): void {
    const instances = this.studies.get(studyInstanceUid)?.instances ?? 0;
    this.set({ studyInstanceUid, stage: 'analysing', instances, runsDone: runs.filter((r) => r.state === 'done').length, runsTotal: runs.length });
  }

  reported(studyInstanceUid: string, report: { version: number; status: 'draft' | 'signed' }): void {
    clearTimeout(this.paused.get(studyInstanceUid));
    this.paused.delete(studyInstanceUid);
    this.set({ studyInstanceUid, stage: 'reported', instances: 0, reportVersion: report.version, status: report.status });
  }

  /** Every kept study, the least recently changed first. */
  snapshot(): StudyActivity[] {
    return [...this.studies.values()];
  }

  /**
   * Server-sent events: `snapshot` (every kept study) first, then `activity` per change. The stream ends after
   * `lifetimeMs` (the access token's lifetime), so a client whose session ended stops hearing.
   */
  events(lifetimeMs: number): Observable<MessageEvent> {
    return new Observable<MessageEvent>((subscriber) => {
      subscriber.next({ type: 'snapshot', data: this.snapshot() });
      const unsubscribe = this.subscribe((activity) => subscriber.next({ type: 'activity', data: activity }));
      const end = setTimeout(() => subscriber.complete(), lifetimeMs);
      return () => {
        unsubscribe();
        clearTimeout(end);
      };
    });
  }

  subscribe(listener: ActivityListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onModuleDestroy(): void {
    for (const timer of this.paused.values()) clearTimeout(timer);
    this.paused.clear();
    this.listeners.clear();
  }

  private set(change: Omit<StudyActivity, 'updatedAt'>): void {
    const activity: StudyActivity = { ...change, updatedAt: new Date().toISOString() };
    // re-inserted, so the map's order is the order of last change
    this.studies.delete(activity.studyInstanceUid);
    this.studies.set(activity.studyInstanceUid, activity);
    for (const oldest of this.studies.keys()) {
      if (this.studies.size <= KEPT) break;
      this.studies.delete(oldest);
    }
    for (const listener of this.listeners) listener(activity);
  }
}
