import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { isPolyradError, PolyradError, SDK_VERSION } from '@polyrad/sdk';
import { PLATFORM_VERSION } from '../platform-version.js';
import { generateVendorKeys, packPlugin, validatePluginDir } from '../plugins/plugin-package.js';
import { type PublishCredentials, publishPackage } from '../plugins/plugin-publish.js';

interface Io {
  out(line: string): void;
  err(line: string): void;
}

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
  const guarded =
    <A extends unknown[]>(action: (...args: A) => void | Promise<void>) =>
    async (...args: A) => {
      try {
        await action(...args);
      } catch (error) {
        if (!isPolyradError(error)) throw error;
        io.err(`polyrad: ${error.toLine()} [${error.code}]`);
        failed();
      }
    };

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
        const credentials = publishCredentials(options.token, process.env);
        const published = await publishPackage({
          packagePath: resolve(packagePath),
          url: options.url,
          ...(options.key ? { privateKeyPem: readKey(options.key) } : {}),
          ...(credentials ? { credentials } : {}),
        });
        io.out(`polyrad: published ${published.id}@${published.version} (vendor ${published.vendorId}) to ${options.url}`);
      }),
    );
}

/** --token, else POLYRAD_TOKEN, else POLYRAD_USERNAME with POLYRAD_PASSWORD (kept out of argv, where `ps` would show it). */
function publishCredentials(token: string | undefined, env: NodeJS.ProcessEnv): PublishCredentials | undefined {
  const chosen = token ?? env.POLYRAD_TOKEN;
  if (chosen) return { token: chosen };
  if (env.POLYRAD_USERNAME && env.POLYRAD_PASSWORD) return { username: env.POLYRAD_USERNAME, password: env.POLYRAD_PASSWORD };
  return undefined;
}
