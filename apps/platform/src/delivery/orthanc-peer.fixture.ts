import { spawn, type ChildProcess } from 'node:child_process';
import { after, before } from 'node:test';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A real Orthanc (Debian `orthanc`) started for one test on free ports, with its own storage and configuration. */
export interface OrthancPeer {
  dicomPort: number;
  aeTitle: string;
  /** root of its DICOMweb API (the orthanc-dicomweb plugin) */
  dicomWebUrl: string;
  /** GET on its REST API, JSON answers parsed */
  get<T>(path: string): Promise<T>;
  getBytes(path: string): Promise<Buffer>;
  stop(): Promise<void>;
}

/** A TCP port free on 127.0.0.1 now (for a peer whose address must be known before it starts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const DICOMWEB_PLUGIN = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';

/**
 * Starts Orthanc; `dicomPort` fixes its DICOM port (to bring up a destination that was down), else a free one.
 * `modalities`: the peers it knows by AE title (Orthanc's DicomModalities: name -> [AE, host, port]), which
 * may query it (C-FIND) and to which it sends a C-MOVE.
 */
export async function startOrthanc(options: { dicomPort?: number; modalities?: Record<string, [string, string, number]> } = {}): Promise<OrthancPeer> {
  const dir = await mkdtemp(join(tmpdir(), 'polyrad-orthanc-'));
  const [httpPort, dicomPort] = [await freePort(), options.dicomPort ?? (await freePort())];
  const aeTitle = 'ORTHANC';
  await writeFile(join(dir, 'orthanc.json'), JSON.stringify({
    Name: 'polyrad-delivery-test',
    StorageDirectory: join(dir, 'storage'),
    IndexDirectory: join(dir, 'storage'),
    HttpPort: httpPort,
    DicomPort: dicomPort,
    DicomAet: aeTitle,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: false,
    DicomAlwaysAllowStore: true,
    DicomCheckCalledAet: true,
    DicomModalities: options.modalities ?? {},
    Plugins: [DICOMWEB_PLUGIN],
    DicomWeb: { Enable: true, Root: '/dicom-web/' },
  }));
  const base = `http://127.0.0.1:${httpPort}`;
  const log: string[] = [];
  const child: ChildProcess = spawn('Orthanc', [join(dir, 'orthanc.json')], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => log.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => log.push(d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  // ready once its REST API answers (it opens the DICOM port before the HTTP one)
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`Orthanc exited with ${child.exitCode}: ${log.join('').slice(-2000)}`);
    }
    try {
      if ((await fetch(`${base}/system`)).ok) break;
    } catch {
      // not listening yet
    }
    if (attempt > 300) {
      await stop();
      throw new Error(`Orthanc did not answer on ${base} within 30 s: ${log.join('').slice(-2000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const request = async (path: string) => {
    const response = await fetch(`${base}${path}`);
    if (!response.ok) throw new Error(`Orthanc GET ${path}: ${response.status}`);
    return response;
  };
  return {
    dicomPort,
    aeTitle,
    dicomWebUrl: `${base}/dicom-web`,
    get: async <T>(path: string) => (await (await request(path)).json()) as T,
    getBytes: async (path: string) => Buffer.from(await (await request(path)).arrayBuffer()),
    stop,
  };
}

/** Starts one Orthanc before the spec file's tests (unless they are skipped) and stops it after them. */
export function orthancForSpec(skip: string | false): () => OrthancPeer {
  let orthanc: OrthancPeer | undefined;
  before(async () => {
    if (!skip) orthanc = await startOrthanc();
  });
  after(async () => {
    await orthanc?.stop();
  });
  return () => {
    if (!orthanc) throw new Error('Orthanc was not started');
    return orthanc;
  };
}
