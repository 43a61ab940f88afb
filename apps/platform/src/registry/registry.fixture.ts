import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { packPlugin, signPackage, type PackageSignature } from '../plugins/plugin-package.js';
import type { PluginPackageStore } from './plugin-package.store.js';
import { PluginListingService } from './plugin-listing.service.js';
import { PublishingService } from './publishing.service.js';
import type { RegistryRepository } from './registry.repository.js';
import { SiteCatalogService } from './site-catalog.service.js';
import { SiteSettingsService } from './site-settings.service.js';
import { VendorService } from './vendor.service.js';

/** The third-party example plugin (examples/acme-lung-density), built by `npx tsc -b examples/acme-lung-density`. */
export const ACME_EXAMPLE_DIR = fileURLToPath(new URL('../../../../examples/acme-lung-density/', import.meta.url));
export const ACME_PLUGIN_ID = 'acme.lung-density';

export interface SignedPackage {
  bytes: Buffer;
  signature: PackageSignature;
  /** the publish request body */
  body: { package: string; signature: PackageSignature };
}

type Json = Record<string, unknown>;

function signed(bytes: Buffer, vendorId: string, privateKeyPem: string): SignedPackage {
  const signature = signPackage(bytes, vendorId, privateKeyPem);
  return { bytes, signature, body: { package: bytes.toString('base64'), signature } };
}

/**
 * A copy of the example plugin as another version (and any manifest change), packed and signed the way
 * `polyrad plugin pack` does it. `work` is a scratch folder of the test.
 */
export async function packExample(work: string, version: string, privateKeyPem: string, change: (manifest: Json) => void = () => {}): Promise<SignedPackage> {
  const dir = join(work, `acme-${version}-${Math.random().toString(36).slice(2, 8)}`);
  for (const part of ['manifest.json', 'package.json', 'dist', 'models']) cpSync(join(ACME_EXAMPLE_DIR, part), join(dir, part), { recursive: true });
  for (const file of ['manifest.json', 'package.json']) {
    const json = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Json;
    json.version = version;
    if (file === 'manifest.json') change(json);
    writeFileSync(join(dir, file), JSON.stringify(json, null, 2));
  }
  const packed = await packPlugin(dir, join(dir, 'out'), privateKeyPem);
  const bytes = readFileSync(packed.packagePath);
  return { bytes, signature: packed.signature, body: { package: bytes.toString('base64'), signature: packed.signature } };
}

/** One ustar header + data block, so tests can build tarballs `tar` itself would refuse to write (e.g. "../"). */
function tarEntry(name: string, data: Buffer): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148); // checksum is computed with its own field as spaces
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  const sum = header.reduce((a, b) => a + b, 0);
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const body = Buffer.alloc(Math.ceil(data.length / 512) * 512);
  data.copy(body);
  return Buffer.concat([header, body]);
}

/** A signed .tgz of exactly these entries (names as given, e.g. "package/manifest.json"), no checks applied. */
export function rawPackage(entries: Record<string, string | Buffer>, vendorId: string, privateKeyPem: string): SignedPackage {
  const tar = Buffer.concat([...Object.entries(entries).map(([name, data]) => tarEntry(name, Buffer.from(data))), Buffer.alloc(1024)]);
  return signed(gzipSync(tar), vendorId, privateKeyPem);
}

/** The example's own files as raw entries, with a changed manifest: for packages packPlugin would refuse to make. */
export function rawExample(change: (manifest: Json) => void, vendorId: string, privateKeyPem: string, extra: Record<string, string> = {}): SignedPackage {
  const manifest = JSON.parse(readFileSync(join(ACME_EXAMPLE_DIR, 'manifest.json'), 'utf8')) as Json;
  change(manifest);
  return rawPackage(
    {
      'package/manifest.json': JSON.stringify(manifest),
      // the same version in both files, as `polyrad plugin pack` requires
      'package/package.json': JSON.stringify({ ...(JSON.parse(readFileSync(join(ACME_EXAMPLE_DIR, 'package.json'), 'utf8')) as Json), version: manifest.version }),
      'package/dist/index.js': readFileSync(join(ACME_EXAMPLE_DIR, 'dist/index.js')),
      // the model files the manifest lists with their sha256, without which the upload is refused
      ...Object.fromEntries(((manifest.models ?? []) as { path: string }[]).map((m) => [`package/${m.path}`, readFileSync(join(ACME_EXAMPLE_DIR, m.path))])),
      ...extra,
    },
    vendorId,
    privateKeyPem,
  );
}

/** The registry's services on one repository and store, wired as RegistryModule wires them. */
export function registryServices(repo: RegistryRepository, store: PluginPackageStore) {
  return {
    vendors: new VendorService(repo),
    publishing: new PublishingService(repo, store),
    listing: new PluginListingService(repo),
    settings: new SiteSettingsService(repo),
    catalog: new SiteCatalogService(repo),
  };
}
export type RegistryServices = ReturnType<typeof registryServices>;
