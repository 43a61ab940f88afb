import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import dcmjs from 'dcmjs';
import type { Report } from '@polyrad/sdk';
import { writeCtSeries } from '@polyrad/dicom';
import { generateChestPhantom } from '@polyrad/phantom';
import { ApiClient, createUser, signInAdmin, withTestAuth } from '../../auth/auth.fixture.js';
import { loadConfig } from '../../config/app-config.js';
import { createApp, type RunningApp } from '../../main.js';
import { generateVendorKeys } from '../../plugins/plugin-package.js';
import { ACME_PLUGIN_ID, packExample, rawExample, type SignedPackage } from '../../registry/registry.fixture.js';
import type { AuditEntry, PluginView, SiteEnablementView } from '../../registry/registry.types.js';
import type { PluginVersionMetrics } from '../feedback/feedback-metrics.js';
import type { DatasetExport } from './dataset-export.service.js';
import type { DriftAlert, ShadowRow, SitePolicy } from './learning.repository.js';
import type { VendorFailedRun, VendorPluginMetrics } from './learning.service.js';
import type { ShadowComparison } from './shadow-comparison.js';

/**
 * Issue 20 against a running platform: the example plugin acme.lung-density runs at 1.0.0 with 1.1.0 in shadow on
 * two studies; readers correct it; the admin reads the metrics and the comparison and promotes 1.1.0; the vendor
 * sees pooled metrics only once the site shares them; 1.2.0, which declares thin slices only, raises a drift alert
 * on the 8 mm phantom.
 */
const work = mkdtempSync(join(tmpdir(), 'polyrad-learning-e2e-'));
after(() => rmSync(work, { recursive: true, force: true }));
const importRoot = join(work, 'import');
mkdirSync(importRoot);

const SITE = 'default';
const ACME = `/api/sites/${SITE}/plugins/${ACME_PLUGIN_ID}`;
type ErrorBody = { code: string; message: string };

describe('learning from analyses: metrics, shadow version, drift', () => {
  let running: RunningApp;
  let root: ApiClient;
  let siteAdmin: ApiClient;
  let northAdmin: ApiClient;
  let reader: ApiClient;
  let acme: ApiClient;
  let globex: ApiClient;
  const studies: string[] = [];
  const reports: Report[] = [];
  const keys = generateVendorKeys();
  let packages: SignedPackage[];

  async function analyze(dir: string): Promise<Report> {
    const res = await siteAdmin.post<Report>('/api/studies/analyze', { paths: [dir], site: SITE });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  }
  const acmeRuns = (report: Report) => report.algorithms.filter((a) => a.id === ACME_PLUGIN_ID).map((a) => `${a.version}:${a.status}`);

  before(async () => {
    running = await createApp(withTestAuth(loadConfig({ PORT: '0', DICOM_PORT: '0', POLYRAD_DATA_DIR: join(work, 'data'), POLYRAD_IMPORT_ROOTS: importRoot, POLYRAD_QUIET_PERIOD_S: '3600' })), { uiDir: join(work, 'ui') });
    root = await signInAdmin(running.url);
    siteAdmin = await createUser(root, { username: 'dr.admin', role: 'admin', sites: [SITE] });
    northAdmin = await createUser(root, { username: 'north.admin', role: 'admin', sites: ['north'] });
    reader = await createUser(root, { username: 'dr.reader', role: 'radiologist', sites: [SITE] });
    assert.equal((await root.post('/api/vendors', { id: 'acme', name: 'ACME Imaging', publicKeyPem: keys.publicKeyPem })).status, 201);
    acme = await createUser(root, { username: 'acme-bot', role: 'vendor', vendorId: 'acme' });
    globex = await createUser(root, { username: 'globex-bot', role: 'vendor', vendorId: 'globex' });
    packages = await Promise.all([
      packExample(join(work, 'pack'), '1.0.0', keys.privateKeyPem),
      packExample(join(work, 'pack'), '1.1.0', keys.privateKeyPem),
      // 1.2.0 declares an operating range: slices of 5 mm at most
      packExample(join(work, 'pack'), '1.2.0', keys.privateKeyPem, (m) => {
        (m.series as { criteria: unknown[] }).criteria.push({ field: 'SliceThickness', op: 'range', max: 5, required: true, description: 'thin slices' });
      }),
    ]);
    for (const p of packages) assert.equal((await acme.post('/api/plugins/packages', p.body)).status, 201);
    for (const [i, seed] of [21, 22].entries()) {
      // small chests with 8 mm slices: enough for the lung mask the plugin needs, cheap to analyse
      const phantom = generateChestPhantom({ seed, dimensions: [48, 48, 32], spacing: [6.5, 6.5, 8] });
      const dir = join(importRoot, `study-${i}`);
      await writeCtSeries(phantom.volume, dir, { PatientID: `LEARN-${i}`, StudyDate: '20260301', AccessionNumber: `L${i}` });
      studies.push(dir);
    }
  });
  after(async () => running?.close());

  it('refuses every new route without a token (401) and to roles and sites that may not (403)', async () => {
    const anonymous = new ApiClient(running.url);
    const routes: Array<[string, string, unknown, ApiClient[]]> = [
      ['GET', '/api/metrics/plugins', undefined, [reader, acme]],
      ['GET', '/api/vendor/metrics', undefined, [root, siteAdmin, reader]],
      ['GET', `/api/sites/${SITE}/policy`, undefined, [northAdmin, reader, acme]],
      ['PUT', `/api/sites/${SITE}/policy`, { shareMetricsWithVendors: true }, [northAdmin, reader, acme]],
      ['GET', `/api/sites/${SITE}/shadows`, undefined, [northAdmin, reader, acme]],
      ['POST', `${ACME}/shadow`, { version: '1.1.0' }, [northAdmin, reader, acme]],
      ['POST', `${ACME}/shadow/promote`, undefined, [northAdmin, reader, acme]],
      ['POST', `${ACME}/shadow/drop`, undefined, [northAdmin, reader, acme]],
      ['GET', `${ACME}/shadow/comparison`, undefined, [northAdmin, reader, acme]],
      ['GET', '/api/drift/alerts', undefined, [reader, acme]],
      ['GET', '/api/vendor/failed-runs', undefined, [root, siteAdmin, reader]],
      ['GET', '/api/vendor/failed-runs/1', undefined, [root, siteAdmin, reader]],
      ['POST', `/api/sites/${SITE}/exports/corrected-findings`, undefined, [northAdmin, reader, acme]],
    ];
    for (const [method, path, body, refused] of routes) {
      assert.equal((await anonymous.request(method, path, body)).status, 401, `${method} ${path} without a token`);
      for (const who of refused) {
        const res = await who.request<ErrorBody>(method, path, body);
        assert.deepEqual([res.status, res.body.code], [403, 'FORBIDDEN'], `${method} ${path} as ${who.session?.user.username}`);
      }
    }
    assert.deepEqual((await siteAdmin.get(`/api/sites/${SITE}/shadows`)).body, [], 'nothing refused was stored');
    assert.equal((await siteAdmin.get<SitePolicy>(`/api/sites/${SITE}/policy`)).body.shareMetricsWithVendors, false);
  });

  it('runs a shadow version beside the active one: its results are stored, never in the report', async () => {
    // only the lung mask the example needs; the other bundled plugins are switched off to keep the runs short
    for (const plugin of (await siteAdmin.get<PluginView[]>('/api/plugins')).body.filter((p) => p.vendor.firstParty && p.id !== 'polyrad.lung-segmentation')) {
      assert.equal((await siteAdmin.post(`/api/sites/${SITE}/plugins/${plugin.id}/disable`)).status, 200);
    }
    const notEnabled = await siteAdmin.post<ErrorBody>(`${ACME}/shadow`, { version: '1.1.0' });
    assert.deepEqual([notEnabled.status, notEnabled.body.code], [400, 'SHADOW_INVALID']);
    assert.equal((await siteAdmin.post(`${ACME}/enable`, { version: '1.0.0' })).status, 200);
    for (const [version, why] of [['9.9.9', 'not published'], ['1.0.0', 'the active version'], [42, 'not a version']] as const) {
      const res = await siteAdmin.post<ErrorBody>(`${ACME}/shadow`, { version });
      assert.deepEqual([res.status, res.body.code], [400, 'SHADOW_INVALID'], why);
    }
    const started = await siteAdmin.post<ShadowRow>(`${ACME}/shadow`, { version: '1.1.0' });
    assert.deepEqual([started.status, started.body.version, started.body.startedBy], [200, '1.1.0', 'dr.admin']);

    for (const dir of studies) reports.push(await analyze(dir));
    for (const report of reports) {
      assert.deepEqual(acmeRuns(report), ['1.0.0:succeeded']);
      const shadowed = [...report.algorithms, ...report.findings.map((f) => f.algorithm)].filter((a) => a.id === ACME_PLUGIN_ID && a.version === '1.1.0');
      assert.deepEqual(shadowed, [], 'no run or finding of the shadow version is in the report');
      assert.ok(!report.warnings.some((w) => /1\.1\.0|shadow/.test(w) && w.includes(ACME_PLUGIN_ID)), JSON.stringify(report.warnings));
      const stored = (await siteAdmin.get<Report>(`/api/studies/${report.study.studyInstanceUid}/report`)).body;
      assert.deepEqual(stored, report, 'the stored report is the one the active versions made');
    }
    const comparison = (await siteAdmin.get<ShadowComparison>(`${ACME}/shadow/comparison`)).body;
    assert.deepEqual([comparison.activeVersion, comparison.shadowVersion, comparison.studies, comparison.failures], ['1.0.0', '1.1.0', 2, { active: 0, shadow: 0 }]);
    // the two versions are the same code: every finding (3 per study) agrees exactly
    assert.deepEqual(comparison.agreement, { matched: 6, onlyActive: 0, onlyShadow: 0, categoryAgreement: null, meanAbsValueDifference: 0 });
    assert.deepEqual(new Set(comparison.pairs.map((p) => p.studyInstanceUid)), new Set(reports.map((r) => r.study.studyInstanceUid)));
  });

  it('readers correct findings on both studies: the metrics and the comparison against the reader follow', async () => {
    const [a, b] = reports as [Report, Report];
    const indexOf = (report: Report, code: string) => report.findings.findIndex((f) => f.code === code && f.algorithm.id === ACME_PLUGIN_ID);
    const density = indexOf(a, 'acme.lung.mean_density');
    const old = a.findings[density]!.value as number;
    assert.equal((await reader.post(`/api/studies/${a.study.studyInstanceUid}/report/findings/${density}/edit`, { code: 'acme.lung.mean_density', value: old + 12 })).status, 200);
    assert.equal((await reader.post(`/api/studies/${b.study.studyInstanceUid}/report/findings/${indexOf(b, 'acme.lung.mean_density')}/accept`, { code: 'acme.lung.mean_density' })).status, 200);
    assert.equal((await reader.post(`/api/studies/${b.study.studyInstanceUid}/report/findings/${indexOf(b, 'acme.lung.mass')}/reject`, { code: 'acme.lung.mass', reason: 'wrong-measurement' })).status, 200);

    const metrics = (await siteAdmin.get<PluginVersionMetrics[]>('/api/metrics/plugins')).body;
    const v100 = metrics.find((m) => m.pluginId === ACME_PLUGIN_ID && m.pluginVersion === '1.0.0' && m.site === SITE)!;
    assert.deepEqual(
      [v100.runs, v100.failed, v100.failureRate, v100.reviewed, v100.accepted, v100.rejected, v100.edited, v100.acceptanceRate, v100.rejectionReasons, v100.meanEditSize, v100.p95EditSize, v100.findings, v100.notAssessedRate],
      // 3 findings per run (mean density, mass, the model's LAA-950) on 2 studies
      [2, 0, 0, 3, 1, 1, 1, 1 / 3, { 'wrong-measurement': 1 }, 12, 12, 6, 0],
    );
    assert.ok(v100.p50DurationMs !== null && v100.p95DurationMs !== null && v100.p50DurationMs <= v100.p95DurationMs, 'run times are measured');
    assert.ok(!metrics.some((m) => m.pluginVersion === '1.1.0'), 'shadow runs are not counted as the site running that version');
    assert.deepEqual((await northAdmin.get('/api/metrics/plugins')).body, [], "another site's admin sees none of default's");

    const comparison = (await siteAdmin.get<ShadowComparison>(`${ACME}/shadow/comparison`)).body;
    assert.deepEqual([comparison.againstReader.reviewed, comparison.againstReader.rejectedByReader], [3, 1]);
    assert.deepEqual([comparison.againstReader.activeMeanAbsError, comparison.againstReader.shadowMeanAbsError], [6, 6], 'off by 12 on one of the two kept findings, as the active version');
  });

  it('a vendor sees pooled metrics of its own plugins only from sites that share them, naming no study', async () => {
    assert.deepEqual((await acme.get('/api/vendor/metrics')).body, [], 'the site does not share yet');
    const invalid = await siteAdmin.put<ErrorBody>(`/api/sites/${SITE}/policy`, { shareMetricsWithVendors: 'yes' });
    assert.deepEqual([invalid.status, invalid.body.code], [400, 'SITE_POLICY_INVALID']);
    const shared = await siteAdmin.put<SitePolicy>(`/api/sites/${SITE}/policy`, { shareMetricsWithVendors: true });
    assert.deepEqual([shared.status, shared.body.shareMetricsWithVendors, shared.body.allowDatasetExport, shared.body.updatedBy], [200, true, false, 'dr.admin']);
    const seen = (await acme.get<VendorPluginMetrics[]>('/api/vendor/metrics')).body;
    assert.deepEqual(seen.map((m) => [m.pluginId, m.pluginVersion, m.sites, m.runs, m.reviewed]), [[ACME_PLUGIN_ID, '1.0.0', 1, 2, 3]]);
    const text = JSON.stringify(seen);
    for (const secret of [...reports.map((r) => r.study.studyInstanceUid), 'LEARN-0', 'LEARN-1', 'dr.reader', SITE]) assert.ok(!text.includes(`"${secret}"`), `no ${secret} in a vendor's view`);
    assert.deepEqual((await globex.get('/api/vendor/metrics')).body, [], "another vendor sees nothing of acme's");
  });

  it('promotes the shadow version (pinned, audited); a later analysis runs it; dropping a shadow is audited too', async () => {
    const promoted = await siteAdmin.post<SiteEnablementView>(`${ACME}/shadow/promote`);
    assert.deepEqual([promoted.status, promoted.body.resolvedVersion, promoted.body.versionPin], [200, '1.1.0', '1.1.0']);
    assert.deepEqual((await siteAdmin.get(`/api/sites/${SITE}/shadows`)).body, []);
    const again = await siteAdmin.post<ErrorBody>(`${ACME}/shadow/promote`);
    assert.deepEqual([again.status, again.body.code], [404, 'SHADOW_NOT_FOUND']);
    assert.deepEqual(acmeRuns(await analyze(studies[0]!)), ['1.1.0:succeeded']);
    const earlier = (await siteAdmin.get<ShadowComparison>(`${ACME}/shadow/comparison?version=1.1.0`)).body;
    assert.equal(earlier.studies, 2, 'the comparison of a promoted shadow stays readable');

    assert.equal((await siteAdmin.post(`${ACME}/shadow`, { version: '1.0.0' })).status, 200);
    const dropped = await siteAdmin.post<{ dropped: ShadowRow }>(`${ACME}/shadow/drop`);
    assert.deepEqual([dropped.status, dropped.body.dropped.version], [200, '1.0.0']);
    const audit = (await siteAdmin.get<AuditEntry[]>(`/api/audit?subject=${ACME_PLUGIN_ID}`)).body;
    assert.deepEqual(
      audit.filter((e) => e.action.startsWith('plugin.shadow.')).map((e) => [e.action, e.actor, e.details.site, e.details.shadow ?? e.details.version]),
      [
        ['plugin.shadow.drop', 'dr.admin', SITE, '1.0.0'],
        ['plugin.shadow.start', 'dr.admin', SITE, '1.0.0'],
        ['plugin.shadow.promote', 'dr.admin', SITE, '1.1.0'],
        ['plugin.shadow.start', 'dr.admin', SITE, '1.1.0'],
      ],
    );
  });

  it('a study outside the operating range a plugin declares raises a drift alert; a repeat counts, other sites see none', async () => {
    assert.equal((await siteAdmin.post(`${ACME}/pin`, { version: '1.2.0' })).status, 200);
    const report = await analyze(studies[1]!);
    assert.deepEqual(acmeRuns(report), ['1.2.0:skipped'], 'outside its range it does not run');
    const alerts = (await siteAdmin.get<DriftAlert[]>('/api/drift/alerts')).body.filter((a) => a.pluginId === ACME_PLUGIN_ID);
    assert.deepEqual(
      alerts.map((a) => [a.kind, a.pluginVersion, a.subject, a.details.actual, a.details.declared, a.details.studyInstanceUid, a.occurrences, a.status]),
      [['operating-range', '1.2.0', 'SliceThickness', 8, '<= 5', report.study.studyInstanceUid, 1, 'open']],
    );
    await analyze(studies[1]!);
    const repeated = (await siteAdmin.get<DriftAlert[]>('/api/drift/alerts?status=open')).body.filter((a) => a.pluginId === ACME_PLUGIN_ID);
    assert.deepEqual(repeated.map((a) => a.occurrences), [2]);
    assert.deepEqual((await northAdmin.get('/api/drift/alerts')).body, []);
  });

  it("shows a failed run's stack and stderr to the plugin's vendor only, without paths outside the package or patient data", async () => {
    // 1.3.0 writes where it runs to stderr, then throws
    const broken = rawExample(
      (m) => {
        m.version = '1.3.0';
      },
      'acme',
      keys.privateKeyPem,
      {
        'package/dist/index.js': [
          "import { defineAlgorithm, readPackageManifest } from '@polyrad/sdk';",
          'const manifest = readPackageManifest(import.meta.url);',
          'export default defineAlgorithm(manifest, { run() {',
          "  process.stderr.write(`scratch in ${process.cwd()} and ${process.env.TMPDIR}\\n`);",
          "  throw new Error('lung mask was empty');",
          '} });',
        ].join('\n'),
      },
    );
    assert.equal((await acme.post('/api/plugins/packages', broken.body)).status, 201);
    assert.equal((await siteAdmin.post(`${ACME}/pin`, { version: '1.3.0' })).status, 200);
    const report = await analyze(studies[0]!);
    const run = report.algorithms.find((a) => a.id === ACME_PLUGIN_ID)!;
    assert.deepEqual([run.version, run.status, run.reason], ['1.3.0', 'failed', 'threw Error: lung mask was empty']);
    assert.ok(!/scratch in|at run/.test(JSON.stringify(report)), 'neither stack nor stderr is in the report');

    const failed = (await acme.get<VendorFailedRun[]>('/api/vendor/failed-runs')).body;
    assert.deepEqual(failed.map((f) => [f.pluginId, f.pluginVersion, f.reason]), [[ACME_PLUGIN_ID, '1.3.0', 'threw Error: lung mask was empty']]);
    const one = await acme.get<VendorFailedRun>(`/api/vendor/failed-runs/${failed[0]!.id}`);
    assert.equal(one.status, 200);
    assert.match(one.body.stack ?? '', /^Error: lung mask was empty\n\s+at (Object\.)?run \(<package>\/dist\/index\.js:5:\d+\)/);
    assert.match(one.body.stderr ?? '', /^scratch in \[path\] and \[path\]/);
    const text = JSON.stringify(one.body);
    for (const secret of [work, tmpdir(), 'LEARN-0', report.study.studyInstanceUid]) assert.ok(!text.includes(secret), `no ${secret} in the diagnostics`);

    for (const path of ['/api/vendor/failed-runs', `/api/vendor/failed-runs/${failed[0]!.id}`]) {
      const other = await globex.get<ErrorBody | VendorFailedRun[]>(path);
      if (path.endsWith('failed-runs')) assert.deepEqual(other.body, [], "another vendor lists none of acme's runs");
      else assert.deepEqual([other.status, (other.body as ErrorBody).code], [404, 'RUN_NOT_FOUND'], "another vendor gets acme's run as missing");
    }
  });

  it('exports the corrected findings and the stored images de-identified, only once the site allows it', async () => {
    const path = `/api/sites/${SITE}/exports/corrected-findings`;
    const refused = await siteAdmin.post<ErrorBody>(path);
    assert.deepEqual([refused.status, refused.body.code], [403, 'DATASET_EXPORT_NOT_ALLOWED']);
    // the first study's images into the study store, as a PACS would send them (STOW-RS)
    const dir = studies[0]!;
    const files = readdirSync(dir).map((f) => readFileSync(join(dir, f)));
    const boundary = 'polyrad-learning-export';
    const body = Buffer.concat([...files.flatMap((bytes) => [Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), bytes, Buffer.from('\r\n')]), Buffer.from(`--${boundary}--\r\n`)]);
    const stored = await fetch(`${running.url}/dicomweb/studies`, {
      method: 'POST',
      headers: { 'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}`, authorization: `Bearer ${siteAdmin.session!.accessToken}` },
      body,
    });
    assert.equal(stored.status, 200, await stored.text());

    assert.equal((await siteAdmin.put(`/api/sites/${SITE}/policy`, { allowDatasetExport: true })).status, 200);
    const exported = await siteAdmin.post<DatasetExport>(path);
    assert.equal(exported.status, 201, JSON.stringify(exported.body));
    const [a, b] = reports as [Report, Report];
    assert.equal(exported.body.studies.length, 2, 'both corrected studies');
    const first = exported.body.studies.find((s) => s.instances > 0)!;
    assert.equal(first.instances, files.length);
    const density = first.findings.find((f) => f.code === 'acme.lung.mean_density')!;
    assert.deepEqual([density.review?.action, density.review?.value], ['edited', (a.findings.find((f) => f.code === 'acme.lung.mean_density')!.value as number) + 12]);
    const second = exported.body.studies.find((s) => s !== first)!;
    assert.deepEqual(second.findings.filter((f) => f.review).map((f) => [f.code, f.review?.action, f.review?.reason ?? null]), [
      ['acme.lung.mean_density', 'accepted', null],
      ['acme.lung.mass', 'rejected', 'wrong-measurement'],
    ]);
    const text = JSON.stringify(exported.body);
    for (const secret of [a.study.studyInstanceUid, b.study.studyInstanceUid, 'LEARN-0', 'LEARN-1', 'L0', 'dr.reader']) assert.ok(!text.includes(`"${secret}"`), `no ${secret} in the dataset`);

    const folder = join(work, 'data', exported.body.folder, first.study);
    const written = readdirSync(folder).filter((f) => f.endsWith('.dcm'));
    assert.equal(written.length, files.length);
    for (const name of written) {
      const bytes = readFileSync(join(folder, name));
      const dataset = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)).dict);
      assert.deepEqual([dataset.PatientID, dataset.PatientIdentityRemoved, dataset.StudyInstanceUID], ['ANONYMOUS', 'YES', first.study]);
      for (const secret of ['LEARN-0', a.study.studyInstanceUid, '20260301']) assert.ok(!bytes.includes(secret), `${secret} is not in ${name}`);
    }
    const audit = (await siteAdmin.get<AuditEntry[]>(`/api/audit?subject=${SITE}`)).body;
    assert.deepEqual(audit.filter((e) => e.action === 'dataset.export').map((e) => [e.actor, e.details.studies, e.details.instances]), [['dr.admin', 2, files.length]]);
  });
});
