import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { PolyradError, SDK_VERSION } from '@polyrad/sdk';
import { guard, type Io } from './cli-io.js';
import { PLATFORM_VERSION } from '../platform-version.js';
import { generateVendorKeys, packPlugin, validatePluginDir } from '../plugins/plugin-package.js';
import { credentialsFrom } from '../plugins/platform.client.js';
import { publishPackage } from '../plugins/plugin-publish.js';
import { parsePluginId, scaffoldPlugin } from '../plugins/plugin.scaffold.js';

function readKey(path: string): string {
  try {
    return readFileSync(resolve(path), 'utf8');
  } catch (error) {
    throw new PolyradError('KEY_UNREADABLE', `cannot read the key file: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, path);
  }
}

/**
 * The vendor's tools under `polyrad plugin`: validate, keygen, pack, publish. Each prints one line;
 * a failure prints "polyrad: <subject>: <message> [CODE]" and calls `failed` (the CLI exits 1).
 */
export function registerPluginVendorCommands(plugin: Command, io: Io, failed: () => void): void {
  const guarded = guard(io, failed);

  plugin
    .command('init')
    .description('create a new plugin folder that builds, tests and validates on its own against the published @polyrad/sdk')
    .argument('<id>', 'plugin id, <vendor>.<name>, e.g. acme.fat-volume')
    .option('--dir <folder>', 'where to create it (default: ./<name>)')
    .option('--vendor-name <name>', 'display name of the vendor in the manifest')
    .action(
      guarded((id: string, options: { dir?: string; vendorName?: string }) => {
        const files = scaffoldPlugin(id, options.vendorName ? { vendorName: options.vendorName } : {});
        const root = resolve(options.dir ?? parsePluginId(id).name);
        if (existsSync(root) && readdirSync(root).length > 0) {
          throw new PolyradError('INIT_DIR_NOT_EMPTY', 'the folder already holds files; choose an empty or new folder with --dir', root);
        }
        for (const [path, content] of files) {
          mkdirSync(dirname(join(root, path)), { recursive: true });
          writeFileSync(join(root, path), content);
        }
        io.out(`polyrad: created plugin ${id} in ${root} (${files.size} files); next: cd ${root} && npm install && npm test, then polyrad analyze <dicom> --plugin ${root} --out out`);
      }),
    );

  plugin
    .command('validate')
    .description('check a plugin folder: manifest schema, engines ranges against this SDK and platform, regexes, output and config schemas, built entry, model sha256')
    .argument('<dir>', 'plugin package folder (holding manifest.json)')
    .action(
      guarded((dir: string) => {
        const manifest = validatePluginDir(dir);
        const models = manifest.models?.length ?? 0;
        io.out(`polyrad: ${manifest.id}@${manifest.version} is valid for sdk ${SDK_VERSION} and platform ${PLATFORM_VERSION} (${models} model file${models === 1 ? '' : 's'} checked)`);
      }),
    );

  plugin
    .command('keygen')
    .description('create an ed25519 key pair for signing packages; keep the private key secret, give the public key to the platform')
    .requiredOption('--out <dir>', 'folder for the key files')
    .option('--vendor <id>', 'vendor id: names the files <vendor>.key.pem and <vendor>.pub.pem (default private.pem and public.pem)')
    .action(
      guarded((options: { out: string; vendor?: string }) => {
        if (options.vendor !== undefined && !/^[a-z][a-z0-9-]*$/.test(options.vendor)) {
          throw new PolyradError('VENDOR_INVALID', `vendor id ${JSON.stringify(options.vendor)} must match ^[a-z][a-z0-9-]*$ (as manifest vendor.id)`);
        }
        const out = resolve(options.out);
        const privatePath = join(out, options.vendor ? `${options.vendor}.key.pem` : 'private.pem');
        const publicPath = join(out, options.vendor ? `${options.vendor}.pub.pem` : 'public.pem');
        for (const path of [privatePath, publicPath]) {
          if (existsSync(path)) throw new PolyradError('KEY_EXISTS', 'a key file is already there; move it away first (packages signed with it would no longer verify against a new key)', path);
        }
        const keys = generateVendorKeys();
        mkdirSync(out, { recursive: true });
        writeFileSync(privatePath, keys.privateKeyPem, { mode: 0o600 });
        writeFileSync(publicPath, keys.publicKeyPem);
        io.out(`polyrad: wrote private key ${privatePath} (keep it secret) and public key ${publicPath}`);
      }),
    );

  plugin
    .command('pack')
    .description('validate a built plugin folder, write <id>-<version>.polyrad.tgz and sign it (<package>.sig)')
    .argument('<dir>', 'plugin package folder, built (dist/ present)')
    .requiredOption('--key <pem>', "the vendor's ed25519 private key (PEM)")
    .option('--out <dir>', 'folder for the package and its signature', '.')
    .action(
      guarded(async (dir: string, options: { key: string; out: string }) => {
        const packed = await packPlugin(dir, resolve(options.out), readKey(options.key));
        io.out(`polyrad: packed ${packed.manifest.id}@${packed.manifest.version} -> ${packed.packagePath} (${packed.signature.digest}, signature ${packed.signaturePath})`);
      }),
    );

  plugin
    .command('publish')
    .description('upload a packed plugin to a platform (POST <url>/api/plugins/packages), signed in as a vendor user (POLYRAD_USERNAME and POLYRAD_PASSWORD, or --token / POLYRAD_TOKEN)')
    .argument('<package>', 'the .polyrad.tgz written by polyrad plugin pack')
    .requiredOption('--url <url>', 'base URL of the platform, e.g. http://localhost:3000')
    .option('--key <pem>', 'sign again with this private key instead of using the .sig file beside the package')
    .option('--token <accessToken>', 'an access token of a vendor user (default: POLYRAD_TOKEN, else sign in with POLYRAD_USERNAME/POLYRAD_PASSWORD)')
    .action(
      guarded(async (packagePath: string, options: { url: string; key?: string; token?: string }) => {
        const credentials = credentialsFrom(options.token, process.env);
        const published = await publishPackage({
          packagePath: resolve(packagePath),
          url: options.url,
          ...(options.key ? { privateKeyPem: readKey(options.key) } : {}),
          ...(credentials ? { credentials } : {}),
        });
        io.out(`polyrad: published ${published.id}@${published.version} (vendor ${published.vendorId}) to ${options.url}`);
        // Publishing makes a version available, not active: say who must act before it runs on a patient.
        io.out(`polyrad: next: it runs at a site only once that site's admin enables it (web app: Marketplace > ${published.id}, or \`polyrad site enable ${published.id} ${published.version} --url ${options.url}\`)`);
      }),
    );
}
