import type { StudyActivity } from '@polyrad/sdk';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { ApiError } from '../api/api-client.js';
import { useApi } from '../auth/session.js';

export type { StudyActivity } from '@polyrad/sdk';

/** Waited before reconnecting after the stream failed (it also ends by itself when the access token would expire). */
const RECONNECT_MS = 2_000;

/**
 * The live state of each study the server handles, by StudyInstanceUID, from the worklist's event stream; the
 * worklist is fetched again whenever a report is stored or signed.
 */
export function useLiveActivity(): Map<string, StudyActivity> {
  const api = useApi();
  const queries = useQueryClient();
  const [activity, setActivity] = useState(() => new Map<string, StudyActivity>());
  useEffect(() => {
    const abort = new AbortController();
    // reports seen (study, version, status): the stream ends with each access token's lifetime, and re-fetching the worklist on
    // every reconnect re-rendered it every few seconds (a link clicked at that moment was gone)
    const reported = new Set<string>();
    const key = (a: StudyActivity): string => `${a.studyInstanceUid} ${a.reportVersion} ${a.status}`;
    let first = true;
    const onEvent = (type: string, data: unknown) => {
      if (type === 'snapshot') {
        const snapshot = data as StudyActivity[];
        setActivity(new Map(snapshot.map((a) => [a.studyInstanceUid, a])));
        const missed = snapshot.filter((a) => a.stage === 'reported' && !reported.has(key(a)));
        for (const a of missed) reported.add(key(a));
        // a report stored while the stream was reconnecting sent no event of its own
        if (missed.length > 0 && !first) void queries.invalidateQueries({ queryKey: ['worklist'] });
        first = false;
      }
      if (type !== 'activity') return;
      const change = data as StudyActivity;
      setActivity((before) => new Map(before).set(change.studyInstanceUid, change));
      if (change.stage === 'reported') {
        reported.add(key(change));
        void queries.invalidateQueries({ queryKey: ['worklist'] });
      }
    };
    void (async () => {
      while (!abort.signal.aborted) {
        try {
          await api.stream('/api/worklist/events', onEvent, abort.signal);
        } catch (error) {
          // a session that ended sends the app to the login page; anything else is retried
          if (error instanceof ApiError && (error.status === 401 || error.status === 403)) return;
          await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
        }
      }
    })();
    return () => abort.abort();
  }, [api, queries]);
  return activity;
}

/** A live state in words; undefined once reported (the worklist's own state then says draft or signed). */
export function activityText(a: StudyActivity): string | undefined {
  const instances = `${a.instances} ${a.instances === 1 ? 'instance' : 'instances'}`;
  if (a.stage === 'receiving') return `Receiving (${instances})`;
  if (a.stage === 'waiting') return `Waiting for completeness (${instances}; analysis at ${a.analysisDueAt ? new Date(a.analysisDueAt).toLocaleTimeString() : '—'} if nothing more arrives)`;
  if (a.stage === 'analysing') return `Analysing: ${a.runsDone ?? 0} of ${a.runsTotal ?? 0} algorithm runs done`;
  return undefined;
}
