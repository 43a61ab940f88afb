import assert from 'node:assert/strict';
import type { ApiClient } from '../auth/auth.fixture.js';
import type { StudyDelivery } from './delivery.repository.js';

/**
 * The study's delivery log (GET /api/studies/{uid}/deliveries) once `done` holds for it: the worker sends in
 * the background, so a spec waits for the state it expects (failing with the last log after about two minutes).
 * `client` may be a function giving a fresh session per poll, for a server whose tokens live only seconds.
 */
export async function deliveriesWhen(client: ApiClient | (() => Promise<ApiClient>), studyUid: string, done: (d: StudyDelivery[]) => boolean): Promise<StudyDelivery[]> {
  for (let i = 0; ; i++) {
    const session = typeof client === 'function' ? await client() : client;
    const res = await session.get<StudyDelivery[]>(`/api/studies/${studyUid}/deliveries`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    if (done(res.body)) return res.body;
    if (i > 1200) assert.fail(`deliveries never reached the expected state: ${JSON.stringify(res.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
