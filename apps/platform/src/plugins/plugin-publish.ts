import { readFileSync } from 'node:fs';
import { PolyradError } from '@polyrad/sdk';
import { PlatformClient, type PlatformCredentials } from './platform.client.js';
import { parsePackageSignature, readPackage, signPackage, type PackageSignature } from './plugin-package.js';

/** Path of the platform endpoint that receives packages, below the platform's base URL. */
export const PUBLISH_PATH = '/api/plugins/packages';

/** Body of POST /api/plugins/packages. */
export interface PublishRequest {
  /** base64 of the .polyrad.tgz bytes */
  package: string;
  signature: PackageSignature;
}

/** The platform's 201 answer. */
export interface PublishedPackage {
  id: string;
  version: string;
  vendorId: string;
}

export interface PublishOptions {
  packagePath: string;
  /** platform base URL, e.g. http://localhost:3000 */
  url: string;
  /** re-sign with this key instead of using the .sig file beside the package */
  privateKeyPem?: string;
  /** required: the platform takes packages from signed-in vendor users only */
  credentials?: PlatformCredentials;
  timeoutMs?: number;
}

/** Reads a file or throws <KIND>_MISSING / <KIND>_UNREADABLE naming it. */
function readBytes(path: string, kind: 'PACKAGE' | 'SIGNATURE'): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new PolyradError(code === 'ENOENT' ? `${kind}_MISSING` : `${kind}_UNREADABLE`, `cannot read the ${kind.toLowerCase()} file: ${code}`, path);
  }
}

/**
 * Uploads a packed plugin to a platform. The package is read and checked here first (a broken one is
 * refused before any upload); the signature comes from `<package>.sig` or is made anew with the key.
 * Throws PolyradError: the platform's own { code, message } when it refuses the sign-in or the package,
 * SIGN_IN_REQUIRED without credentials, PLATFORM_UNREACHABLE when nothing answers, PLATFORM_ANSWER_UNEXPECTED for any other answer.
 */
export async function publishPackage(options: PublishOptions): Promise<PublishedPackage> {
  const bytes = readBytes(options.packagePath, 'PACKAGE');
  const { manifest } = readPackage(bytes, undefined, options.packagePath);
  let signature: PackageSignature;
  if (options.privateKeyPem) {
    signature = signPackage(bytes, manifest.vendor.id, options.privateKeyPem);
  } else {
    const sigPath = `${options.packagePath}.sig`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(readBytes(sigPath, 'SIGNATURE').toString('utf8'));
    } catch (error) {
      if (error instanceof PolyradError) throw new PolyradError(error.code, `${error.message}; pack the plugin again or pass --key`, sigPath);
      throw new PolyradError('SIGNATURE_MALFORMED', 'the signature file is not JSON', sigPath);
    }
    signature = parsePackageSignature(parsed);
  }

  const client = await PlatformClient.signIn(options.url, options.credentials, 'publishing needs a vendor user', options.timeoutMs);
  const body: PublishRequest = { package: bytes.toString('base64'), signature };
  const answer = await client.request('POST', PUBLISH_PATH, body, `${manifest.id}@${manifest.version}`, [201]);
  if (typeof answer.id !== 'string' || typeof answer.version !== 'string') {
    throw new PolyradError('PLATFORM_ANSWER_UNEXPECTED', `the platform accepted ${manifest.id}@${manifest.version} but did not say which version it stored`);
  }
  return { id: answer.id, version: answer.version, vendorId: String(answer.vendorId ?? signature.vendorId) };
}
