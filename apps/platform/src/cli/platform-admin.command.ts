import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { PolyradError } from '@polyrad/sdk';
import { credentialsFrom, PlatformClient } from '../plugins/platform.client.js';
import { DEFAULT_SITE } from '../registry/site.rules.js';
import { guard, type Io } from './cli-io.js';

interface Connection {
  url: string;
  token?: string;
}

const connectionOptions = (command: Command) =>
  command
    .requiredOption('--url <url>', 'base URL of the platform, e.g. http://localhost:3000')
    .option('--token <accessToken>', 'an access token of an admin (default: POLYRAD_TOKEN, else sign in with POLYRAD_USERNAME/POLYRAD_PASSWORD)');

const signIn = (options: Connection) =>
  PlatformClient.signIn(options.url, credentialsFrom(options.token, process.env), 'this command needs an admin user');

/**
 * The admin's side of the vendor path, from a terminal: `polyrad vendor register` (the vendor's public key,
 * so the platform can verify its packages) and `polyrad site enable|disable|pin` (which version runs at a
 * site). Each calls the same API as the web app, signed in as an admin; the platform decides and audits.
 */
export function registerPlatformAdminCommands(program: Command, io: Io, failed: () => void): void {
  const guarded = guard(io, failed);

  const vendor = program.command('vendor').description("admin: register plugin vendors with the platform");
  connectionOptions(
    vendor
      .command('register')
      .description('register a vendor and the ed25519 public key its packages are signed with (POST /api/vendors)')
      .requiredOption('--id <vendorId>', "the vendor id, as the manifests' vendor.id")
      .requiredOption('--name <name>', "the vendor's display name")
      .requiredOption('--public-key <pem>', 'the public key file written by polyrad plugin keygen'),
  ).action(
    guarded(async (options: Connection & { id: string; name: string; publicKey: string }) => {
      let publicKeyPem: string;
      try {
        publicKeyPem = readFileSync(resolve(options.publicKey), 'utf8');
      } catch (error) {
        throw new PolyradError('KEY_UNREADABLE', `cannot read the public key file: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, options.publicKey);
      }
      const client = await signIn(options);
      await client.request('POST', '/api/vendors', { id: options.id, name: options.name, publicKeyPem }, `vendor ${options.id}`);
      io.out(`polyrad: registered vendor ${options.id} (${options.name}); its users can now publish packages signed with this key`);
    }),
  );

  const site = program.command('site').description("admin: which plugins and versions run at a site");
  const siteCommand = (name: 'enable' | 'disable' | 'pin', description: string, version: string | undefined) => {
    const command = site.command(name).description(description).argument('<pluginId>', 'plugin id, e.g. acme.fat-volume');
    if (version) command.argument(version, 'a published version (pin: or a semver range)');
    connectionOptions(command).option('--site <site>', 'the site', DEFAULT_SITE);
    command.action(
      guarded(async (pluginId: string, ...rest: unknown[]) => {
        const [pinned, options] = (version ? rest : [undefined, ...rest]) as [string | undefined, Connection & { site: string }];
        const client = await signIn(options);
        const path = `/api/sites/${encodeURIComponent(options.site)}/plugins/${encodeURIComponent(pluginId)}/${name}`;
        const answer = await client.request('POST', path, pinned ? { version: pinned } : {}, `${name} ${pluginId} at site ${options.site}`);
        const runs = typeof answer.resolvedVersion === 'string' ? `runs ${answer.resolvedVersion}` : 'runs nothing: no published version satisfies the pin';
        const pin = typeof answer.versionPin === 'string' ? `pinned to ${answer.versionPin}` : 'follows the newest published version';
        io.out(`polyrad: ${pluginId} at site ${options.site}: ${answer.enabled === true ? `enabled, ${runs} (${pin})` : 'disabled'}`);
      }),
    );
  };
  siteCommand('enable', 'enable a plugin at a site, at one version or (without) the newest published (POST /api/sites/<site>/plugins/<id>/enable)', '[version]');
  siteCommand('disable', 'disable a plugin at a site', undefined);
  siteCommand('pin', 'pin a plugin to a version or range at a site, so newer versions do not run until an admin moves the pin', '<version>');
}
