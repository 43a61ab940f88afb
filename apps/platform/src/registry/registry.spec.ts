import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isPolyradError } from '@polyrad/sdk';
import { type Database, openDatabase } from '../database/database-connection.js';
import { createTempPostgres } from '../database/test-postgres.js';
import { bundledCatalog } from '../pipeline/planning/plugin-catalog.js';
import { generateVendorKeys, signPackage } from '../plugins/plugin-package.js';
import { ACME_PLUGIN_ID, packExample, rawExample, rawPackage, registryServices, type RegistryServices, type SignedPackage } from './registry.fixture.js';
import { PluginPackageStore } from './plugin-package.store.js';
import { RegistryRepository } from './registry.repository.js';

function hasCode(code: string) {
  return (error: unknown) => {
    assert.ok(isPolyradError(error), `expected PolyradError ${code}, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return true;
  };
}

const REGISTRY_TABLES = ['algorithm_packages', 'audit_log', 'package_versions', 'site_plugins', 'vendors'];

const root = mkdtempSync(join(tmpdir(), 'polyrad-registry-'));
after(() => rmSync(root, { recursive: true, force: true }));

const acme = generateVendorKeys();
const intruder = generateVendorKeys();
const work = join(root, 'work');
mkdirSync(work);

describe('plugin registry service (PGlite)', () => {
  let db: Database;
  let registry: RegistryServices;
  const pluginsRoot = join(root, 'data', 'plugins');
  let v100: SignedPackage;
  let v110: SignedPackage;

  before(async () => {
    db = await openDatabase({ dataDir: join(root, 'data') });
    registry = registryServices(new RegistryRepository(db.dataSource), new PluginPackageStore(pluginsRoot));
    [v100, v110] = await Promise.all([packExample(work, '1.0.0', acme.privateKeyPem), packExample(work, '1.1.0', acme.privateKeyPem)]);
  });
  after(async () => db?.close());

  it('registers the bundled plugins once as the first-party vendor, unsigned, enabled at the default site', async () => {
    const bundled = bundledCatalog();
    await registry.publishing.registerBundled(bundled);
    await registry.publishing.registerBundled(bundled); // every start does this
    const plugins = await registry.listing.listPlugins('default');
    assert.deepEqual(plugins.map((p) => p.id).sort(), bundled.map((b) => b.manifest.id).sort());
    for (const plugin of plugins) {
      assert.deepEqual(plugin.vendor, { id: 'polyrad', name: 'Polyrad', firstParty: true });
      assert.equal(plugin.versions.length, 1);
      assert.equal(plugin.versions[0]!.signed, false);
      assert.equal(plugin.enablement?.enabled, true);
      assert.equal(plugin.enablement?.resolvedVersion, plugin.versions[0]!.version);
    }
    const publishes = await registry.listing.listAudit({ subject: 'polyrad.emphysema' });
    assert.deepEqual(publishes.map((a) => a.action).sort(), ['plugin.enable', 'plugin.publish']);
    assert.equal(publishes.every((a) => a.actor === 'system'), true);
    assert.match(JSON.stringify(publishes.find((a) => a.action === 'plugin.publish')!.details), /no signature required/);
    const resolved = await registry.catalog.resolveEnabledPlugins('default');
    assert.deepEqual(resolved.map((e) => e.packageDir).sort(), bundled.map((b) => b.packageDir).sort());
    assert.deepEqual(await registry.catalog.resolveEnabledPlugins('elsewhere'), [], 'other sites start with nothing enabled');
  });

  it('registers a vendor with an ed25519 key and refuses bad keys and duplicates', async () => {
    await assert.rejects(registry.vendors.registerVendor({ id: 'acme', name: 'ACME', publicKeyPem: 'not a key' }, 'alice'), hasCode('VENDOR_INVALID'));
    const rsa = (await import('node:crypto')).generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await assert.rejects(registry.vendors.registerVendor({ id: 'acme', name: 'ACME', publicKeyPem: rsa }, 'alice'), hasCode('VENDOR_INVALID'));
    await assert.rejects(registry.vendors.registerVendor({ id: '../x', name: 'X', publicKeyPem: acme.publicKeyPem }, 'alice'), hasCode('VENDOR_INVALID'));
    const vendor = await registry.vendors.registerVendor({ id: 'acme', name: 'ACME Imaging', publicKeyPem: acme.publicKeyPem }, 'alice');
    assert.deepEqual({ ...vendor, createdAt: undefined }, { id: 'acme', name: 'ACME Imaging', firstParty: false, createdAt: undefined });
    await assert.rejects(registry.vendors.registerVendor({ id: 'acme', name: 'Other', publicKeyPem: intruder.publicKeyPem }, 'mallory'), hasCode('VENDOR_EXISTS'));
    await assert.rejects(registry.vendors.registerVendor({ id: 'polyrad', name: 'Fake', publicKeyPem: intruder.publicKeyPem }, 'mallory'), hasCode('VENDOR_EXISTS'));
  });

  it('publishes a signed package: files stored under <data>/plugins/<id>/<version>, row and audit entry written', async () => {
    assert.deepEqual(await registry.publishing.publish(v100.body, 'vendor-bot', 'acme'), { id: ACME_PLUGIN_ID, version: '1.0.0', vendorId: 'acme' });
    const dir = join(pluginsRoot, ACME_PLUGIN_ID, '1.0.0');
    assert.equal(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')).version, '1.0.0');
    assert.ok(existsSync(join(dir, 'dist/index.js')));
    const [plugin] = await registry.listing.listPlugins('default').then((all) => all.filter((p) => p.id === ACME_PLUGIN_ID));
    assert.deepEqual(plugin!.vendor, { id: 'acme', name: 'ACME Imaging', firstParty: false });
    assert.equal(plugin!.versions[0]!.digest, v100.signature.digest);
    assert.equal(plugin!.versions[0]!.signed, true);
    assert.equal(plugin!.enablement, null, 'publishing does not enable');
    const [entry] = await registry.listing.listAudit({ subject: ACME_PLUGIN_ID });
    assert.equal(entry!.action, 'plugin.publish');
    assert.equal(entry!.actor, 'vendor-bot');
  });

  it('refuses unsigned, wrongly signed, tampered, unknown-vendor and other-vendor packages, and writes nothing', async () => {
    const before = readdirSync(pluginsRoot).sort();
    await assert.rejects(registry.publishing.publish({ package: v110.body.package }, 'x', 'acme'), hasCode('PLUGIN_SIGNATURE_MISSING'));
    const forged = { ...v110.signature, signature: (await packExample(work, '1.1.0', intruder.privateKeyPem)).signature.signature };
    await assert.rejects(registry.publishing.publish({ package: v110.body.package, signature: forged }, 'x', 'acme'), hasCode('PLUGIN_SIGNATURE_INVALID'));
    const tampered = Buffer.from(v110.bytes);
    tampered[tampered.length - 10]! ^= 0xff;
    await assert.rejects(registry.publishing.publish({ package: tampered.toString('base64'), signature: v110.signature }, 'x', 'acme'), hasCode('PLUGIN_SIGNATURE_INVALID'));
    await assert.rejects(registry.publishing.publish({ package: v110.body.package, signature: { ...v110.signature, algorithm: 'rsa' } }, 'x', 'acme'), hasCode('PLUGIN_SIGNATURE_INVALID'));
    const globex = rawExample((m) => (m.vendor = { id: 'globex', name: 'Globex' }), 'globex', intruder.privateKeyPem);
    await assert.rejects(registry.publishing.publish(globex.body, 'x', 'globex'), hasCode('VENDOR_UNKNOWN'));
    // Signed correctly by acme, but claims another vendor (or another vendor's id space).
    const claimsOther = rawExample((m) => ((m.vendor = { id: 'polyrad', name: 'Polyrad' }), (m.version = '9.0.0')), 'acme', acme.privateKeyPem);
    await assert.rejects(registry.publishing.publish(claimsOther.body, 'x', 'acme'), hasCode('PLUGIN_VENDOR_MISMATCH'));
    // Signed correctly by acme, but uploaded by a vendor user of globex: a vendor publishes only its own packages.
    await assert.rejects(registry.publishing.publish(v110.body, 'x', 'globex'), hasCode('PLUGIN_VENDOR_MISMATCH'));
    const squat = rawExample((m) => ((m.id = 'polyrad.emphysema'), (m.version = '9.0.0')), 'acme', acme.privateKeyPem);
    await assert.rejects(registry.publishing.publish(squat.body, 'x', 'acme'), hasCode('PLUGIN_VENDOR_MISMATCH'));
    // The first-party vendor has no key: nothing can be published in its name.
    await assert.rejects(registry.publishing.publish({ ...squat.body, signature: { ...squat.signature, vendorId: 'polyrad' } }, 'x', 'polyrad'), hasCode('PLUGIN_SIGNATURE_INVALID'));
    assert.deepEqual(readdirSync(pluginsRoot).sort(), before);
    assert.deepEqual(readdirSync(join(pluginsRoot, ACME_PLUGIN_ID)), ['1.0.0']);
  });

  it('refuses invalid manifests, incompatible engines, unsafe tarballs and oversized uploads with distinct codes', async () => {
    const invalid = rawExample((m) => ((m.version = '2.0.0'), delete m.limits), 'acme', acme.privateKeyPem);
    await assert.rejects(registry.publishing.publish(invalid.body, 'x', 'acme'), hasCode('MANIFEST_INVALID'));
    const future = rawExample((m) => ((m.version = '2.0.1'), (m.engines = { sdk: '^9.0.0' })), 'acme', acme.privateKeyPem);
    await assert.rejects(registry.publishing.publish(future.body, 'x', 'acme'), (error: unknown) => {
      hasCode('PLUGIN_INCOMPATIBLE')(error);
      assert.match((error as Error).message, /engines\/sdk "\^9\.0\.0" does not accept the running sdk/);
      return true;
    });
    const escape = rawExample((m) => (m.version = '2.0.2'), 'acme', acme.privateKeyPem, { 'package/../../escaped.js': 'boom' });
    await assert.rejects(registry.publishing.publish(escape.body, 'x', 'acme'), hasCode('PACKAGE_UNSAFE_PATH'));
    const mislabelled = rawExample((m) => (m.version = '2.0.2'), 'acme', acme.privateKeyPem, { 'package/package.json': JSON.stringify({ name: 'x', version: '2.0.1' }) });
    await assert.rejects(registry.publishing.publish(mislabelled.body, 'x', 'acme'), hasCode('VERSION_MISMATCH'));
    const clash = rawExample((m) => (m.version = '2.0.3'), 'acme', acme.privateKeyPem, { 'package/dist/index.js/inner.js': 'x' });
    await assert.rejects(registry.publishing.publish(clash.body, 'x', 'acme'), hasCode('PACKAGE_CORRUPT'));
    const absolute = rawPackage({ '/etc/evil': 'x' }, 'acme', acme.privateKeyPem);
    await assert.rejects(registry.publishing.publish(absolute.body, 'x', 'acme'), hasCode('PACKAGE_UNSAFE_PATH'));
    assert.equal(existsSync(join(root, 'data', 'escaped.js')), false);
    assert.equal(existsSync(join(pluginsRoot, 'escaped.js')), false);
    const hello = Buffer.from('hello');
    await assert.rejects(registry.publishing.publish({ package: hello.toString('base64'), signature: signPackage(hello, 'acme', acme.privateKeyPem) }, 'x', 'acme'), hasCode('PACKAGE_NOT_GZIP'));
    await assert.rejects(registry.publishing.publish({ package: 'A'.repeat(50 * 1024 * 1024), signature: v110.signature }, 'x', 'acme'), hasCode('PLUGIN_PACKAGE_TOO_LARGE'));
    await assert.rejects(registry.publishing.publish({ package: '%%%', signature: v110.signature }, 'x', 'acme'), hasCode('REQUEST_INVALID'));
    assert.deepEqual(readdirSync(join(pluginsRoot, ACME_PLUGIN_ID)), ['1.0.0']);
  });

  it('refuses to republish a version and keeps the stored files intact; replaces orphaned files of a failed publish', async () => {
    const stored = join(pluginsRoot, ACME_PLUGIN_ID, '1.0.0', 'dist', 'index.js');
    const mtime = statSync(stored).mtimeMs;
    const again = await packExample(work, '1.0.0', acme.privateKeyPem, (m) => (m.description = 'changed'));
    await assert.rejects(registry.publishing.publish(again.body, 'x', 'acme'), hasCode('PLUGIN_VERSION_EXISTS'));
    assert.equal(statSync(stored).mtimeMs, mtime);
    // A crash between writing the files and committing the row leaves a folder without a row.
    const orphan = join(pluginsRoot, ACME_PLUGIN_ID, '1.1.0');
    mkdirSync(orphan, { recursive: true });
    writeFileSync(join(orphan, 'junk'), 'left by a crash');
    await registry.publishing.publish(v110.body, 'vendor-bot', 'acme');
    assert.deepEqual(readdirSync(orphan).sort(), ['dist', 'manifest.json', 'models', 'package.json']);
  });

  it('enables, pins, rolls back and disables per site; resolution picks the newest version the pin accepts', async () => {
    const running = async (site = 'default') =>
      (await registry.catalog.resolveEnabledPlugins(site)).filter((e) => e.manifest.id === ACME_PLUGIN_ID).map((e) => e.manifest.version);
    assert.deepEqual(await running(), []);
    assert.equal((await registry.settings.enable('default', ACME_PLUGIN_ID, undefined, 'admin')).resolvedVersion, '1.1.0');
    assert.deepEqual(await running(), ['1.1.0']);
    assert.equal((await registry.settings.pin('default', ACME_PLUGIN_ID, '1.0.0', 'admin')).resolvedVersion, '1.0.0');
    const [entry] = (await registry.catalog.resolveEnabledPlugins()).filter((e) => e.manifest.id === ACME_PLUGIN_ID);
    assert.equal(entry!.packageDir, join(pluginsRoot, ACME_PLUGIN_ID, '1.0.0'));
    await assert.rejects(registry.settings.pin('default', ACME_PLUGIN_ID, '^2', 'admin'), hasCode('PLUGIN_VERSION_NOT_FOUND'));
    await assert.rejects(registry.settings.pin('default', ACME_PLUGIN_ID, 'newest please', 'admin'), hasCode('INVALID_VERSION_RANGE'));
    await assert.rejects(registry.settings.pin('default', 'acme.nothing', '1.0.0', 'admin'), hasCode('PLUGIN_NOT_FOUND'));
    await assert.rejects(registry.settings.pin('../etc', ACME_PLUGIN_ID, '1.0.0', 'admin'), hasCode('INVALID_SITE_ID'));
    assert.equal((await registry.settings.rollback('default', ACME_PLUGIN_ID, 'admin')).resolvedVersion, '1.1.0');
    assert.equal((await registry.settings.rollback('default', ACME_PLUGIN_ID, 'admin')).resolvedVersion, '1.0.0');
    assert.equal((await registry.settings.pin('default', ACME_PLUGIN_ID, '^1', 'admin')).resolvedVersion, '1.1.0');
    assert.deepEqual(await running('other-site'), [], 'enablement is per site');
    await assert.rejects(registry.settings.rollback('other-site', ACME_PLUGIN_ID, 'admin'), hasCode('PLUGIN_ROLLBACK_UNAVAILABLE'));
    const disabled = await registry.settings.disable('default', ACME_PLUGIN_ID, 'admin');
    assert.deepEqual([disabled.enabled, disabled.resolvedVersion, disabled.versionPin], [false, null, '^1']);
    assert.deepEqual(await running(), []);
    assert.equal((await registry.settings.enable('default', ACME_PLUGIN_ID, undefined, 'admin')).resolvedVersion, '1.1.0', 're-enabling keeps the pin');
    const history = await registry.listing.listAudit({ subject: ACME_PLUGIN_ID, site: 'default' });
    assert.deepEqual(
      history.map((a) => `${a.action}:${String(a.details.version)}`).reverse(),
      ['plugin.enable:1.1.0', 'plugin.pin:1.0.0', 'plugin.rollback:1.1.0', 'plugin.rollback:1.0.0', 'plugin.pin:1.1.0', 'plugin.disable:null', 'plugin.enable:1.1.0'],
    );
    assert.ok(history.every((a) => a.actor === 'admin'));
  });

  it('refuses to enable a plugin whose input no plugin enabled at the site produces', async () => {
    // other-site has nothing enabled: acme.lung-density needs polyrad.mask.lungs
    await assert.rejects(registry.settings.enable('other-site', ACME_PLUGIN_ID, undefined, 'admin'), (error: unknown) =>
      hasCode('PLUGIN_DEPENDENCY_UNSATISFIED')(error) && /needs polyrad\.mask\.lungs@\^1, which no plugin enabled at this site produces/.test((error as Error).message),
    );
    await registry.settings.enable('other-site', 'polyrad.lung-segmentation', undefined, 'admin');
    assert.equal((await registry.settings.enable('other-site', ACME_PLUGIN_ID, undefined, 'admin')).enabled, true);
    await registry.settings.disable('other-site', ACME_PLUGIN_ID, 'admin');
  });

  it('validates site configuration against the config schema of the version the site runs', async () => {
    await assert.rejects(registry.settings.configure('default', ACME_PLUGIN_ID, { threshold: -900 }, 'admin'), hasCode('PLUGIN_CONFIG_INVALID'));
    const schema = { type: 'object', properties: { threshold: { type: 'number', maximum: -500 } }, additionalProperties: false };
    const v120 = await packExample(work, '1.2.0', acme.privateKeyPem, (m) => (m.config = schema));
    await registry.publishing.publish(v120.body, 'vendor-bot', 'acme');
    await assert.rejects(registry.settings.configure('default', ACME_PLUGIN_ID, { threshold: 'low' }, 'admin'), (error: unknown) => {
      hasCode('PLUGIN_CONFIG_INVALID')(error);
      assert.match((error as Error).message, /threshold must be number/);
      return true;
    });
    await assert.rejects(registry.settings.configure('default', ACME_PLUGIN_ID, [1], 'admin'), hasCode('PLUGIN_CONFIG_INVALID'));
    const configured = await registry.settings.configure('default', ACME_PLUGIN_ID, { threshold: -900 }, 'admin');
    assert.deepEqual([configured.resolvedVersion, configured.config], ['1.2.0', { threshold: -900 }]);
    const [entry] = (await registry.catalog.resolveEnabledPlugins()).filter((e) => e.manifest.id === ACME_PLUGIN_ID);
    assert.deepEqual(entry!.config, { threshold: -900 });
    // 1.0.0 declares no configuration: moving there with a configuration set is refused, not silently dropped.
    await assert.rejects(registry.settings.pin('default', ACME_PLUGIN_ID, '1.0.0', 'admin'), hasCode('PLUGIN_CONFIG_INVALID'));
  });
});

describe('plugin registry migration (PostgreSQL)', () => {
  it('creates the registry tables on a real server and the registry works there', async (t) => {
    const server = await createTempPostgres();
    if (!server) return t.skip('server unreachable');
    const db = await openDatabase({ dataDir: join(root, 'pg-data'), databaseUrl: server.url });
    try {
      const tables: Array<{ table_name: string }> = await db.dataSource.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
      );
      for (const table of REGISTRY_TABLES) assert.ok(tables.some((r) => r.table_name === table), `${table} missing`);
      const ran: Array<{ name: string }> = await db.dataSource.query(`SELECT name FROM migrations ORDER BY id`);
      assert.ok(ran.some((r) => r.name === 'PluginRegistry1700000100000'), 'registry migration recorded');
      assert.equal(await db.dataSource.showMigrations(), false, 'no pending migrations');
      const registry = registryServices(new RegistryRepository(db.dataSource), new PluginPackageStore(join(root, 'pg-data', 'plugins')));
      await registry.publishing.registerBundled(bundledCatalog());
      await registry.vendors.registerVendor({ id: 'acme', name: 'ACME', publicKeyPem: acme.publicKeyPem }, 'alice');
      await registry.publishing.publish((await packExample(work, '1.0.0', acme.privateKeyPem)).body, 'alice', 'acme');
      await registry.settings.enable('default', ACME_PLUGIN_ID, '1.0.0', 'alice');
      const ids = (await registry.catalog.resolveEnabledPlugins()).map((e) => `${e.manifest.id}@${e.manifest.version}`);
      assert.ok(ids.includes(`${ACME_PLUGIN_ID}@1.0.0`));
      await assert.rejects(registry.publishing.publish((await packExample(work, '1.0.0', acme.privateKeyPem)).body, 'alice', 'acme'), hasCode('PLUGIN_VERSION_EXISTS'));
    } finally {
      await db.close();
      await server.drop();
    }
  });
});
