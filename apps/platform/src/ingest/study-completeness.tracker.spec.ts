import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { StudyCompletenessTracker } from './study-completeness.tracker.js';

test('a study is dispatched once after the quiet period, however many instances arrive', async () => {
  const dispatched: string[] = [];
  const tracker = new StudyCompletenessTracker(60, async (uid) => void dispatched.push(uid));
  for (let i = 0; i < 5; i++) {
    tracker.arrived('1.2.3');
    await sleep(20); // each arrival restarts the quiet period
  }
  assert.deepEqual(dispatched, [], 'not while instances keep arriving');
  await tracker.idle();
  assert.deepEqual(dispatched, ['1.2.3']);
});

test('instances arriving during a dispatch cause exactly one re-dispatch after it', async () => {
  const dispatched: string[] = [];
  let release: () => void = () => undefined;
  const tracker = new StudyCompletenessTracker(10, async (uid) => {
    dispatched.push(uid);
    if (dispatched.length === 1) await new Promise<void>((resolve) => (release = resolve));
  });
  assert.equal(tracker.arrived('1.2.3'), true, 'the first instance starts the wait');
  await sleep(40);
  assert.deepEqual(dispatched, ['1.2.3'], 'the first dispatch is running');
  assert.equal(tracker.arrived('1.2.3'), true, 'a new wait after the dispatch');
  assert.equal(tracker.arrived('1.2.3'), false, 'the same wait: progress is logged once');
  await sleep(40);
  assert.equal(dispatched.length, 1, 'no second run while the first is still going');
  release();
  await tracker.idle();
  assert.deepEqual(dispatched, ['1.2.3', '1.2.3']);
});

test('studies are tracked independently and a failed dispatch does not stop the tracker', async () => {
  const dispatched: string[] = [];
  const tracker = new StudyCompletenessTracker(10, async (uid) => {
    dispatched.push(uid);
    if (uid === 'bad') throw new Error('analysis failed');
  });
  tracker.arrived('bad');
  tracker.arrived('1.2.4');
  await tracker.idle();
  tracker.arrived('1.2.5');
  await tracker.idle();
  assert.deepEqual(dispatched.sort(), ['1.2.4', '1.2.5', 'bad']);
  await tracker.close();
  tracker.arrived('1.2.6');
  await sleep(30);
  assert.equal(dispatched.length, 3, 'nothing is scheduled after close');
});
