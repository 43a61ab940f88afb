import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createUser, signInAdmin, withTestAuth } from '../auth/auth.fixture.js';
import { createApp, type RunningApp } from '../main.js';
import { sampleReport, uniqueUid } from './report.fixture.js';
import { StudiesService } from './studies.service.js';
import { UrgentNotifier, type UrgentNotice } from './urgent.notifier.js';

const readBody = async (req: IncomingMessage): Promise<string> => {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body;
};

describe('worklist and urgent notification', () => {
  const root = mkdtempSync(join(tmpdir(), 'polyrad-worklist-'));
  const notices: UrgentNotice[] = [];
  const webhook = createServer(async (req, res) => {
    notices.push(JSON.parse(await readBody(req)) as UrgentNotice);
    res.writeHead(204).end();
  });
  let running: RunningApp | undefined;

  before(async () => {
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
    const { port } = webhook.address() as { port: number };
    running = await createApp(
      withTestAuth({ port: 0, dicomPort: 0, quietPeriodMs: 1000, dataDir: join(root, 'data'), urgentWebhookUrl: `http://127.0.0.1:${port}/hooks/urgent` }),
    );
  });
  after(async () => {
    await running?.close();
    webhook.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('lists an urgent study before newer routine ones and POSTs the reasons to the webhook', async () => {
    const studies = running!.app.get(StudiesService);
    const urgent = sampleReport(uniqueUid());
    urgent.priority = { level: 'urgent', reasons: ['thoracic aortic aneurysm: aorta.ascending.diameter 53.2 mm'] };
    await studies.storeReport(urgent);
    const routine = sampleReport(uniqueUid());
    routine.priority = { level: 'routine', reasons: [] };
    await studies.storeReport(routine);

    const radiologist = await createUser(await signInAdmin(running!.url), { username: 'dr.reader', role: 'radiologist', sites: ['default'] });
    const res = await radiologist.get<Array<{ studyInstanceUid: string; priority: string; reasons: string[] }>>('/api/worklist');
    assert.equal(res.status, 200);
    const list = res.body;
    assert.deepEqual(
      list.map((e) => [e.studyInstanceUid, e.priority]),
      [
        [urgent.study.studyInstanceUid, 'urgent'],
        [routine.study.studyInstanceUid, 'routine'],
      ],
    );
    assert.deepEqual(list[0].reasons, urgent.priority.reasons);

    await Promise.all(running!.app.get(UrgentNotifier).deliveries);
    assert.equal(notices.length, 1, 'only the urgent study is notified');
    assert.equal(notices[0].event, 'study.urgent');
    assert.equal(notices[0].studyInstanceUid, urgent.study.studyInstanceUid);
    assert.deepEqual(notices[0].reasons, urgent.priority.reasons);
  });

  it('stores the report even when the webhook is unreachable', async () => {
    const notifier = new UrgentNotifier(withTestAuth({ port: 0, dicomPort: 0, quietPeriodMs: 1000, dataDir: root, urgentWebhookUrl: 'http://127.0.0.1:9/unreachable' }));
    const report = sampleReport(uniqueUid());
    report.priority = { level: 'urgent', reasons: ['x'] };
    notifier.notify(report, 1);
    assert.deepEqual(await Promise.all(notifier.deliveries), [false]);
  });
});
