import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { readDicomHeader, TransferSyntax } from '@polyrad/dicom';
import { isPolyradError, PolyradError } from '@polyrad/sdk';
import { UNSUPPORTED_MEDIA_TYPE } from '../../auth/auth.errors.js';
import { APP_CONFIG, type AppConfig, DEFAULT_DICOM_INTAKE, DEFAULT_DICOMWEB_MAX_REQUEST_BYTES } from '../../config/app-config.js';
import { DATABASE_UNAVAILABLE } from '../../database/database-connection.js';
import { REQUEST_TOO_LARGE } from '../../http/request.limits.js';
import { isDicomUid } from '../../studies/study-uid.js';
import { DicomStoreScp } from '../dicom-store.scp.js';
import { InstanceIntakeService, type InstanceSender } from '../instance-intake.service.js';
import { InstanceStore } from '../instance.store.js';
import type { DicomJson } from './dicom-json.reader.js';
import { INVALID_DICOMWEB_REQUEST } from './dicomweb.errors.js';
import { type BulkDataPart, DICOMWEB_BULK_DATA_UNSUPPORTED, writeInstanceFromJson } from './dicom-json.writer.js';
import { readMultipartRelated, type RelatedPartSink } from './multipart-related.reader.js';

/** The most bytes of DICOM JSON metadata one STOW-RS request may carry (it is parsed in memory). */
const MAX_METADATA_BYTES = 16 * 1024 ** 2;

/** The application/dicom+json part of a STOW-RS request, held in memory up to its limit. */
class MetadataPart implements RelatedPartSink {
  private chunks: Buffer[] = [];
  private bytes = 0;
  private problem: string | undefined;

  constructor(private readonly limit: number) {}

  write(chunk: Buffer): undefined {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) {
      this.problem ??= `the metadata part exceeds ${Math.round(this.limit / 1024 ** 2)} MiB; send fewer instances per request`;
      this.chunks = [];
    } else this.chunks.push(chunk);
    return undefined;
  }

  end(): void {}

  cutShort(): void {
    this.problem ??= 'the request ended inside the metadata part';
  }

  /** The datasets it holds, or INVALID_DICOMWEB_REQUEST naming why not. */
  datasets(): unknown[] {
    if (this.problem) throw new PolyradError(INVALID_DICOMWEB_REQUEST, this.problem);
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.concat(this.chunks).toString('utf8'));
    } catch (error) {
      throw new PolyradError(INVALID_DICOMWEB_REQUEST, `the metadata part is not JSON: ${(error as Error).message}`);
    }
    if (!Array.isArray(parsed) || parsed.length === 0) throw new PolyradError(INVALID_DICOMWEB_REQUEST, 'the metadata part must be a JSON array of DICOM JSON datasets, one per instance');
    return parsed;
  }
}

/** STOW-RS Failure Reason values (PS3.18 table 10.5.3-2). */
export const FailureReason = {
  OutOfResources: 0xa700,
  CannotUnderstand: 0xc000,
  TransferSyntaxNotSupported: 0xc122,
  ProcessingFailure: 0x0110,
} as const;

/** An instance a STOW-RS request stored. */
interface StoredInstanceRef {
  SOPClassUID: string;
  SOPInstanceUID: string;
  StudyInstanceUID: string;
  SeriesInstanceUID: string;
}

/** One instance of a STOW-RS request that was not stored, and why. */
export interface StowFailure {
  part: number;
  SOPClassUID: string;
  SOPInstanceUID: string;
  FailureReason: number;
  reason: string;
  /** the platform could not store it now (database, disk), not a fault of the instance */
  transient?: true;
}

/** What a STOW-RS request achieved: the HTTP status (PS3.18 10.5.3), the response dataset, and each failure's reason. */
export interface StowOutcome {
  status: 200 | 202 | 409;
  body: DicomJson;
  failures: StowFailure[];
}

export interface StowRequest {
  body: AsyncIterable<Buffer>;
  contentType: string;
  contentLength?: number;
  /** The StudyInstanceUID of the target resource (POST /studies/{uid}); instances of another study are refused. */
  studyInstanceUid?: string;
  sender: InstanceSender;
  /** Base of the RetrieveURLs in the answer (…/dicomweb). */
  baseUrl: string;
}

interface ReceivedPart {
  index: number;
  /** how refusals name it: "part 3", or "metadata item 2" for an instance sent as DICOM JSON */
  label: string;
  path: string;
  /** why the part cannot be an instance before its content is read (wrong media type, too large, cut short) */
  refused?: { FailureReason: number; reason: string; transient?: true };
}

/**
 * STOW-RS: each application/dicom part of a multipart/related request (or, in the JSON form, each
 * metadata item written out with its bulk data parts) is streamed to disk (bounded by
 * POLYRAD_DICOM_MAX_INSTANCE_MB per part and POLYRAD_DICOMWEB_MAX_REQUEST_MB per request) and stored
 * through the same intake as C-STORE (validation, quarantine, fsync, index, study completeness). A part
 * that cannot be stored becomes a FailedSOPSequence item with its reason; the others are still stored.
 */
@Injectable()
export class StowService {
  private readonly logger = new Logger(StowService.name);
  private readonly maxInstanceBytes: number;
  private readonly maxRequestBytes: number;

  constructor(
    private readonly intake: InstanceIntakeService,
    private readonly store: InstanceStore,
    private readonly listener: DicomStoreScp,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.maxInstanceBytes = (config.dicomIntake ?? DEFAULT_DICOM_INTAKE).maxInstanceBytes;
    this.maxRequestBytes = config.dicomwebMaxRequestBytes ?? DEFAULT_DICOMWEB_MAX_REQUEST_BYTES;
  }

  async storeInstances(request: StowRequest): Promise<StowOutcome> {
    const form = stowForm(request.contentType);
    const limitMb = Math.round(this.maxRequestBytes / 1024 ** 2);
    if (request.contentLength !== undefined && request.contentLength > this.maxRequestBytes) {
      throw new PolyradError(REQUEST_TOO_LARGE, `the STOW-RS request of ${request.contentLength} bytes exceeds the ${limitMb} MiB limit (POLYRAD_DICOMWEB_MAX_REQUEST_MB); send fewer instances per request`);
    }
    await this.store.prepare();
    const stored: Array<StoredInstanceRef> = [];
    const failures: StowFailure[] = [];
    let queue = Promise.resolve();
    let partCut = false;
    const take = (part: ReceivedPart): Promise<void> =>
      this.takePart(part, request).then((result) => {
        if ('FailureReason' in result) failures.push(result);
        else stored.push(result);
      });
    // the JSON form: the metadata part, and each bulk data part by its Content-Location
    const metadata: { part?: MetadataPart } = {};
    const bulk = new Map<string, Promise<ReceivedPart & { contentType: string }>>();
    const end = await readMultipartRelated(request.body, request.contentType, this.maxRequestBytes, (part) => {
      if (form === 'json' && part.index === 0 && part.contentType === 'application/dicom+json') {
        metadata.part = new MetadataPart(Math.min(MAX_METADATA_BYTES, this.maxRequestBytes));
        return metadata.part;
      }
      const { sink, received } = this.receivePart(part.index, part.contentType, form === 'dicom' ? 'application/dicom' : undefined);
      if (form === 'json') bulk.set(part.contentLocation ?? `part ${part.index + 1}`, received.then((r) => ({ ...r, contentType: part.contentType })));
      // parts are taken in order while the rest of the request still arrives
      else queue = queue.then(async () => take(await received));
      return {
        ...sink,
        cutShort: () => {
          partCut = true;
          sink.cutShort();
        },
      };
    });
    await queue;
    if (form === 'json') await this.takeMetadata(metadata.part, bulk, end.kind === 'complete', take);
    for (const { StudyInstanceUID } of stored) this.listener.tracker.arrived(StudyInstanceUID);
    if (end.kind === 'too-large') {
      throw new PolyradError(REQUEST_TOO_LARGE, `the STOW-RS request exceeds the ${limitMb} MiB limit (POLYRAD_DICOMWEB_MAX_REQUEST_MB); ${stored.length} instances before the limit were stored; send fewer instances per request`);
    }
    if (end.kind === 'cut-short' && !partCut) {
      // cut between parts or inside a part's headers: no part holds the loss, the request still lost something
      failures.push({ part: stored.length + failures.length, SOPClassUID: '', SOPInstanceUID: '', FailureReason: FailureReason.CannotUnderstand, reason: 'the request ended before its closing boundary; it was cut short and may have lost instances' });
    }
    if (stored.length === 0 && failures.length > 0 && failures.every((f) => f.transient)) {
      throw new PolyradError(DATABASE_UNAVAILABLE, `no instance could be stored now (${failures[0].reason}); send them again later`);
    }
    if (end.kind === 'malformed') throw new PolyradError(INVALID_DICOMWEB_REQUEST, `the STOW-RS body is not valid multipart/related: ${end.reason}`);
    return { status: failures.length === 0 ? 200 : stored.length === 0 ? 409 : 202, body: responseDataset(stored, failures, request), failures };
  }

  /**
   * The JSON form's instances: each metadata item is written as a Part 10 file with its bulk data and
   * taken like a received part; the bulk data files are removed afterwards. Only a request read whole is used.
   */
  private async takeMetadata(
    metadata: MetadataPart | undefined,
    bulk: Map<string, Promise<ReceivedPart & { contentType: string }>>,
    complete: boolean,
    take: (part: ReceivedPart) => Promise<void>,
  ): Promise<void> {
    const parts = new Map<string, ReceivedPart & { contentType: string }>();
    for (const [location, received] of bulk) parts.set(location, await received);
    try {
      if (!complete) return;
      if (!metadata) throw new PolyradError(INVALID_DICOMWEB_REQUEST, 'the first part of a type="application/dicom+json" STOW-RS request must be the application/dicom+json metadata');
      for (const [n, item] of metadata.datasets().entries()) {
        const label = `metadata item ${n + 1}`;
        const part: ReceivedPart = { index: n, label, path: this.store.incomingPath(`stow-json-${n}`) };
        try {
          const bulkOf = (uri: string): BulkDataPart | undefined => {
            const found = parts.get(uri);
            if (found?.refused) throw new PolyradError(INVALID_DICOMWEB_REQUEST, `${label}: its bulk data ${JSON.stringify(uri)} was not received whole: ${found.refused.reason}`);
            return found;
          };
          await writeInstanceFromJson(item, bulkOf, part.path, label);
        } catch (error) {
          if (!isPolyradError(error)) throw error;
          const unsupported = error.code === DICOMWEB_BULK_DATA_UNSUPPORTED;
          part.refused = { FailureReason: unsupported ? FailureReason.TransferSyntaxNotSupported : FailureReason.CannotUnderstand, reason: error.message };
        }
        await take(part);
      }
    } finally {
      await Promise.all([...parts.values()].map((part) => rm(part.path, { force: true })));
    }
  }

  /** Writes one part to an incoming file, counting its bytes against the instance limit; `expected` is the media type it must have. */
  private receivePart(index: number, contentType: string, expected: string | undefined): { sink: RelatedPartSink; received: Promise<ReceivedPart> } {
    const part: ReceivedPart = { index, label: `part ${index + 1}`, path: this.store.incomingPath(`stow-${index}`) };
    if (expected !== undefined && contentType !== expected) {
      part.refused = { FailureReason: FailureReason.CannotUnderstand, reason: `${part.label} is ${contentType || 'untyped'}, not ${expected}` };
    }
    let stream: WriteStream | undefined = part.refused ? undefined : createWriteStream(part.path);
    const written = stream ? finished(stream).catch((error: Error) => error) : Promise.resolve(undefined);
    let bytes = 0;
    const discard = (refused: ReceivedPart['refused']): void => {
      part.refused ??= refused;
      stream?.destroy();
      stream = undefined;
    };
    const sink: RelatedPartSink = {
      write: (chunk) => {
        bytes += chunk.length;
        if (bytes > this.maxInstanceBytes) {
          discard({ FailureReason: FailureReason.OutOfResources, reason: `${part.label} exceeds the ${Math.round(this.maxInstanceBytes / 1024 ** 2)} MiB instance limit (POLYRAD_DICOM_MAX_INSTANCE_MB)` });
        }
        const target = stream;
        if (!target || target.write(chunk)) return undefined;
        return new Promise<void>((resolve) => {
          const go = (): void => {
            target.off('drain', go).off('close', go);
            resolve();
          };
          target.on('drain', go).on('close', go);
        });
      },
      end: () => stream?.end(),
      cutShort: () => discard({ FailureReason: FailureReason.CannotUnderstand, reason: `the request ended inside ${part.label}; it was cut short` }),
    };
    const received = written.then(async (error) => {
      if (error && !part.refused) part.refused = { FailureReason: FailureReason.OutOfResources, reason: `${part.label} could not be written: ${error.message}`, transient: true };
      return part;
    });
    return { sink, received };
  }

  /** Stores one received part through the intake, or says why not; never throws. */
  private async takePart(part: ReceivedPart, request: StowRequest): Promise<StowFailure | StoredInstanceRef> {
    const failed = (FailureReason: number, reason: string, uids: { SOPClassUID?: string; SOPInstanceUID?: string } = {}): StowFailure => {
      this.logger.warn(`STOW-RS from ${request.sender.callingAe}@${request.sender.remoteAddress}: instance refused: ${reason}`);
      return { part: part.index, SOPClassUID: uids.SOPClassUID ?? '', SOPInstanceUID: uids.SOPInstanceUID ?? '', FailureReason, reason };
    };
    if (part.refused) {
      await rm(part.path, { force: true });
      const failure = failed(part.refused.FailureReason, part.refused.reason);
      return part.refused.transient ? { ...failure, transient: true } : failure;
    }
    let uids: { SOPClassUID: string; SOPInstanceUID: string } | undefined;
    try {
      const header = await readDicomHeader(part.path);
      uids = { SOPClassUID: header.SOPClassUID, SOPInstanceUID: header.SOPInstanceUID };
      const missing = (['SOPClassUID', 'SOPInstanceUID', 'StudyInstanceUID', 'SeriesInstanceUID'] as const).filter((key) => !isDicomUid(header[key]));
      if (missing.length > 0) {
        await rm(part.path, { force: true });
        return failed(FailureReason.CannotUnderstand, `${part.label} has no valid ${missing.join(', ')}`, uids);
      }
      if (header.TransferSyntaxUID === TransferSyntax.DeflatedExplicitVRLittleEndian) {
        await rm(part.path, { force: true });
        return failed(FailureReason.TransferSyntaxNotSupported, `${part.label} is deflated, which is not accepted (it would be inflated whole in memory); send it uncompressed`, uids);
      }
      if (request.studyInstanceUid !== undefined && header.StudyInstanceUID !== request.studyInstanceUid) {
        await rm(part.path, { force: true });
        return failed(FailureReason.CannotUnderstand, `${part.label} belongs to study ${header.StudyInstanceUID}, not to ${request.studyInstanceUid} named in the URL`, uids);
      }
      const result = await this.intake.accept(part.path, request.sender);
      if (result.status === 'quarantined') return failed(FailureReason.CannotUnderstand, `${part.label} quarantined: ${result.reason}`, uids);
      return { ...uids, StudyInstanceUID: result.instance.StudyInstanceUID, SeriesInstanceUID: result.instance.SeriesInstanceUID };
    } catch (error) {
      await rm(part.path, { force: true });
      // the platform's trouble, not the instance's: the client may send it again later
      if ((isPolyradError(error) && error.code === DATABASE_UNAVAILABLE) || (error as NodeJS.ErrnoException).code === 'ENOSPC') {
        return { ...failed(FailureReason.OutOfResources, `${part.label} could not be stored now: ${(error as Error).message}`, uids), transient: true };
      }
      if (isPolyradError(error)) return failed(FailureReason.CannotUnderstand, `${part.label}: ${error.message} [${error.code}]`, uids);
      return failed(FailureReason.ProcessingFailure, `${part.label} could not be stored: ${(error as Error).message}`, uids);
    }
  }
}

/**
 * Which STOW-RS form a request is (PS3.18 10.5.1.2): Part 10 instances (type="application/dicom", the
 * default), or DICOM JSON metadata with bulk data parts (type="application/dicom+json"); XML is not taken.
 */
function stowForm(contentType: string): 'dicom' | 'json' {
  const [mediaType, ...params] = contentType.split(';').map((p) => p.trim());
  const type = params.find((p) => /^type=/i.test(p))?.slice(5).replace(/^"|"$/g, '').toLowerCase();
  if (mediaType?.toLowerCase() === 'multipart/related' && (type === undefined || type === 'application/dicom')) return 'dicom';
  if (mediaType?.toLowerCase() === 'multipart/related' && type === 'application/dicom+json') return 'json';
  throw new PolyradError(
    UNSUPPORTED_MEDIA_TYPE,
    `STOW-RS takes multipart/related; type="application/dicom" or type="application/dicom+json" (got ${JSON.stringify(contentType || 'no Content-Type')})`,
  );
}

const ui = (value: string) => ({ vr: 'UI', ...(value ? { Value: [value] } : {}) });

/** The Store Instances Response Module (PS3.18 table 10.5.3-1) as DICOM JSON. */
function responseDataset(stored: Array<StoredInstanceRef>, failures: StowFailure[], request: StowRequest): DicomJson {
  const studies = new Set(stored.map((s) => s.StudyInstanceUID));
  const study = request.studyInstanceUid ?? (studies.size === 1 ? [...studies][0] : undefined);
  return {
    ...(study ? { '00081190': { vr: 'UR', Value: [`${request.baseUrl}/studies/${study}`] } } : {}),
    '00081198': {
      vr: 'SQ',
      ...(failures.length > 0
        ? { Value: failures.map((f) => ({ '00081150': ui(f.SOPClassUID), '00081155': ui(f.SOPInstanceUID), '00081197': { vr: 'US', Value: [f.FailureReason] } })) }
        : {}),
    },
    '00081199': {
      vr: 'SQ',
      ...(stored.length > 0
        ? {
            Value: stored.map((s) => ({
              '00081150': ui(s.SOPClassUID),
              '00081155': ui(s.SOPInstanceUID),
              '00081190': { vr: 'UR', Value: [`${request.baseUrl}/studies/${s.StudyInstanceUID}/series/${s.SeriesInstanceUID}/instances/${s.SOPInstanceUID}`] },
            })),
          }
        : {}),
    },
  };
}
