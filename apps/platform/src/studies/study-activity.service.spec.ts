import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MessageEvent } from '@nestjs/common';
import { type StudyActivity, StudyActivityService } from './study-activity.service.js';

const UID = '1.2.826.0.1.3680043.8.498.1';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('StudyActivityService', () => {
  it('follows a study from its first instance through the wait for completeness and the analysis to its report', async () => {
    const activity = new StudyActivityService();
    const seen: StudyActivity[] = [];
    activity.subscribe((a) => seen.push(a));
    activity.received(UID, 100);
    activity.received(UID, 100);
    assert.deepEqual([seen.at(-1)?.stage, seen.at(-1)?.instances], ['receiving', 2]);
    await sleep(80);
    // paused for half the quiet period: waiting for more, or for the analysis
    assert.equal(seen.at(-1)?.stage, 'waiting');
    activity.analysing(UID, [
      { pluginId: 'a', version: '1.0.0', seriesInstanceUid: '1.2', state: 'done' },
      { pluginId: 'b', version: '1.0.0', seriesInstanceUid: '1.2', state: 'running' },
    ] as never);
    assert.deepEqual([seen.at(-1)?.stage, seen.at(-1)?.runsDone, seen.at(-1)?.runsTotal], ['analysing', 1, 2]);
    activity.reported(UID, { version: 1, status: 'draft' });
    assert.deepEqual(seen.map((a) => a.stage), ['receiving', 'receiving', 'waiting', 'analysing', 'reported']);
    // a later instance starts a new count
    activity.received(UID, 100);
    assert.equal(seen.at(-1)?.instances, 1);
    activity.onModuleDestroy();
  });

  it('streams a snapshot, then each change, and ends the stream after its lifetime', async () => {
    const activity = new StudyActivityService();
    activity.reported(UID, { version: 3, status: 'signed' });
    const events: MessageEvent[] = [];
    const ended = new Promise<void>((resolve) => activity.events(50).subscribe({ next: (e) => events.push(e), complete: resolve }));
    activity.received('1.2.3', 1000);
    await ended;
    assert.deepEqual(
      events.map((e) => [e.type, Array.isArray(e.data) ? e.data.map((a: StudyActivity) => a.stage) : (e.data as StudyActivity).stage]),
      [
        ['snapshot', ['reported']],
        ['activity', 'receiving'],
      ],
    );
    activity.received('1.2.4', 1000);
    assert.equal(events.length, 2, 'an ended stream hears nothing more');
    activity.onModuleDestroy();
  });
});
