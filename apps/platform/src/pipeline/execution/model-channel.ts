import { isPolyradError, MODEL_LOAD_FAILED, MODEL_RUN_FAILED, PolyradError, type AlgorithmManifest, type ModelProvider, type ModelSession, type ModelTensor, type ModelValue } from '@polyrad/sdk';
import { decodeTensor, encodeTensor, PackageModels, type EncodedTensor } from '@polyrad/sdk/onnx';

/*
 * Plugin models run in the executor's process, not in the sandboxed worker: the sandbox's permission model
 * refuses native addons, and allowing them (--allow-addons allows every addon, the plugin's own included)
 * would let plugin code step around every check. The worker sends tensors over its IPC channel; the host
 * opens only models the manifest lists, from the package folder, with their sha256 checked, keeps each
 * session for the life of the process (platform or `polyrad worker`) and runs it on one thread, the CPU
 * the job's limits give it.
 */

/** worker -> host */
export type ModelRequest =
  | { type: 'model-open'; id: number; path: string }
  | { type: 'model-run'; id: number; path: string; feeds: Record<string, EncodedTensor> };

/** host -> worker */
export type ModelReply =
  | { type: 'model-opened'; id: number; name: string; inputs: ModelValue[]; outputs: ModelValue[] }
  | { type: 'model-result'; id: number; outputs: Record<string, EncodedTensor> }
  | { type: 'model-error'; id: number; code: string; message: string; subject?: string };

export function isModelRequest(message: unknown): message is ModelRequest {
  const type = (message as { type?: unknown })?.type;
  return type === 'model-open' || type === 'model-run';
}

const bytesOf = (manifest: AlgorithmManifest) => manifest.limits.memoryMb * 1024 * 1024;

/** The executor's side: one session per listed model, reused across jobs. */
export class ModelHost {
  private readonly models = new PackageModels({ threads: 1 });

  /** Answers one request of a job's worker; never throws (a bad request is a model-error reply). */
  async handle(job: { packageDir: string; manifest: AlgorithmManifest; log?: (message: string) => void }, request: ModelRequest): Promise<ModelReply> {
    const id = Number.isSafeInteger(request.id) ? request.id : -1;
    try {
      const session = await this.models.open(job.packageDir, job.manifest, request.path, job.log);
      if (request.type === 'model-open') return { type: 'model-opened', id, name: session.name, inputs: session.inputs, outputs: session.outputs };
      const feeds = request.feeds && typeof request.feeds === 'object' ? request.feeds : {};
      const decoded: Record<string, ModelTensor> = {};
      for (const [name, tensor] of Object.entries(feeds)) decoded[name] = decodeTensor(tensor, `${request.path} input ${name}`, bytesOf(job.manifest));
      const outputs = await session.run(decoded);
      return { type: 'model-result', id, outputs: Object.fromEntries(Object.entries(outputs).map(([name, tensor]) => [name, encodeTensor(tensor)])) };
    } catch (error) {
      if (isPolyradError(error)) return { type: 'model-error', id, code: error.code, message: error.message, subject: error.subject };
      return { type: 'model-error', id, code: MODEL_RUN_FAILED, message: error instanceof Error ? error.message : String(error), subject: String(request.path) };
    }
  }

  release(): Promise<void> {
    return this.models.release();
  }
}

/**
 * The worker's side: `context.model` for the plugin, each call a request over the IPC channel. Sessions
 * are opened once per job; the host keeps the runtime's session across jobs.
 */
export class ModelClient {
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (reply: ModelReply) => void }>();
  private readonly opened = new Map<string, Promise<ModelSession>>();

  constructor(
    private readonly send: (request: ModelRequest) => void,
    private readonly maxBytes: number,
  ) {}

  /** Feeds a message from the host; false when it was not a model reply. */
  receive(message: unknown): boolean {
    const reply = message as ModelReply;
    const waiting = typeof reply?.id === 'number' && typeof reply.type === 'string' && reply.type.startsWith('model-') ? this.waiting.get(reply.id) : undefined;
    if (!waiting) return false;
    this.waiting.delete(reply.id);
    waiting.resolve(reply);
    return true;
  }

  readonly provider: ModelProvider = (path) => {
    let session = this.opened.get(path);
    if (!session) {
      session = this.open(path);
      this.opened.set(path, session);
    }
    return session;
  };

  private async open(path: string): Promise<ModelSession> {
    const opened = await this.request({ type: 'model-open', id: 0, path });
    if (opened.type !== 'model-opened') throw new PolyradError(MODEL_LOAD_FAILED, 'unexpected reply from the model host', path);
    return {
      name: opened.name,
      inputs: opened.inputs,
      outputs: opened.outputs,
      run: async (feeds) => {
        const encoded = Object.fromEntries(Object.entries(feeds).map(([name, tensor]) => [name, encodeTensor(tensor)]));
        const result = await this.request({ type: 'model-run', id: 0, path, feeds: encoded });
        if (result.type !== 'model-result') throw new PolyradError(MODEL_RUN_FAILED, 'unexpected reply from the model host', path);
        return Object.fromEntries(Object.entries(result.outputs).map(([name, tensor]) => [name, decodeTensor(tensor, `${path} output ${name}`, this.maxBytes)]));
      },
    };
  }

  private async request(request: ModelRequest): Promise<Exclude<ModelReply, { type: 'model-error' }>> {
    const id = this.next++;
    const reply = await new Promise<ModelReply>((resolve) => {
      this.waiting.set(id, { resolve });
      this.send({ ...request, id });
    });
    if (reply.type === 'model-error') throw new PolyradError(reply.code, reply.message, reply.subject);
    return reply;
  }
}
