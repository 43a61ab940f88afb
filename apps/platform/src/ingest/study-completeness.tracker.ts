/**
 * Decides when a study is complete enough to analyse: when no instance of it has arrived for the quiet
 * period. A study that receives more instances after its dispatch is dispatched again (a new report
 * version); one dispatch per study runs at a time, and arrivals during a run schedule the next one.
 */
export class StudyCompletenessTracker {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly rerun = new Set<string>();
  private closed = false;

  constructor(
    private readonly quietPeriodMs: number,
    private readonly dispatch: (studyInstanceUid: string) => Promise<void>,
  ) {}

  /** An instance of the study has been stored; true when it starts the study's wait (its first instance since the last dispatch). */
  arrived(studyInstanceUid: string): boolean {
    if (this.closed) return false;
    const waiting = this.timers.has(studyInstanceUid);
    clearTimeout(this.timers.get(studyInstanceUid));
    this.timers.set(
      studyInstanceUid,
      setTimeout(() => this.quiet(studyInstanceUid), this.quietPeriodMs),
    );
    return !waiting;
  }

  /** Resolves when no study is waiting or being dispatched (for tests and orderly shutdown). */
  async idle(): Promise<void> {
    while (this.timers.size > 0 || this.running.size > 0) {
      await Promise.all([...this.running.values()]);
      if (this.timers.size > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(50, this.quietPeriodMs)));
    }
  }

  /** Stops scheduling; a dispatch in progress finishes. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.all([...this.running.values()]);
  }

  private quiet(studyInstanceUid: string): void {
    this.timers.delete(studyInstanceUid);
    if (this.running.has(studyInstanceUid)) {
      this.rerun.add(studyInstanceUid);
      return;
    }
    const run = this.dispatch(studyInstanceUid)
      .catch(() => undefined) // the dispatcher records its own failures
      .finally(() => {
        this.running.delete(studyInstanceUid);
        if (this.rerun.delete(studyInstanceUid) && !this.closed) this.quiet(studyInstanceUid);
      });
    this.running.set(studyInstanceUid, run);
  }
}
