import { createHash, type Hash } from 'node:crypto';
import { WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { AddressInfo, Socket } from 'node:net';
import { finished } from 'node:stream/promises';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { encodePart10, TransferSyntax } from '@polyrad/dicom';
import { PolyradError } from '@polyrad/sdk';
import dimse from 'dcmjs-dimse';
import { APP_CONFIG, DEFAULT_DICOM_INTAKE, type AppConfig, type DicomIntakeConfig } from '../config/app-config.js';
import { DicomFindService, type FindOutcome, type NaturalDataset } from './dicom-find.service.js';
import { StudyActivityService } from '../studies/study-activity.service.js';
import { DicomPduGuard, type DicomGuardStats } from './dicom-pdu.guard.js';
import { peerAllowed } from './dicom-peer.allowlist.js';
import { InstanceIntakeService, type InstanceSender, type IntakeResult } from './instance-intake.service.js';
import { InstanceStore } from './instance.store.js';
import { PendingAnalysisRepository } from './pending-analysis.repository.js';
import { POLYRAD_AE_TITLE } from './polyrad-ae-title.js';
import { StudyCompletenessTracker } from './study-completeness.tracker.js';
import { StudyDispatchService } from './study-dispatch.service.js';

const { Dataset, Scp, Server, constants, log, responses } = dimse;
// the library logs every association and error itself; the platform logs one line per event that matters
log.setLevel('silent');
const { PresentationContextResult, RejectReason, RejectResult, RejectSource, SopClass, Status, StorageClass } = constants;


/**
 * Every transfer syntax @polyrad/dicom decodes, so any image a modality sends is kept as sent; except
 * deflate, which is inflated whole in memory (a few MB sent could inflate to gigabytes). A peer that
 * proposes it also proposes an uncompressed syntax, which is chosen instead.
 */
const ACCEPTED_SYNTAXES = new Set<string>(Object.values(TransferSyntax).filter((uid) => uid !== TransferSyntax.DeflatedExplicitVRLittleEndian));
const STORAGE_CLASSES = new Set<string>(Object.values(StorageClass));
// a C-FIND identifier is parsed in memory by the library: only the two uncompressed little-endian syntaxes
const FIND_SYNTAXES = new Set<string>([TransferSyntax.ImplicitVRLittleEndian, TransferSyntax.ExplicitVRLittleEndian]);
// DICOM PS3.7 C.4.2.1.4: "Cannot understand" (0xC000 range) for content we cannot use or will not merge
const STATUS_CANNOT_UNDERSTAND = 0xc000;
const STATUS_OUT_OF_RESOURCES = 0xa700;

type ScpSocket = ConstructorParameters<typeof Scp>[0];
type ScpOptions = ConstructorParameters<typeof Scp>[1];
type StoreRequest = Parameters<InstanceType<typeof Scp>['cStoreRequest']>[0];
type PresentationContext = Parameters<InstanceType<typeof Scp>['createStoreWritableStream']>[0];

/** What every association of one listener shares (passed through the library as customOptions). */
interface ListenerContext {
  intake: DicomIntakeConfig;
  stats: DicomGuardStats;
  store: InstanceStore;
  log(line: string): void;
  receive(incoming: IncomingFile, sender: InstanceSender): Promise<IntakeResult>;
  find(identifier: NaturalDataset): Promise<FindOutcome>;
}

/** A C-STORE dataset being written to disk as a Part 10 file, exactly as sent. */
interface IncomingFile {
  path: string;
  stream: HashingWriteStream;
  written: Promise<void>;
}

/** A file write stream that hashes what it writes, so the stored file need not be read again to be named. */
class HashingWriteStream extends WriteStream {
  private readonly hash: Hash = createHash('sha256');

  constructor(path: string) {
    // WriteStream's constructor is not in @types/node's class declaration; it takes (path, options)
    super(...([path] as unknown as []));
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.hash.update(chunk);
    super._write(chunk, encoding, callback);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    for (const { chunk } of chunks) this.hash.update(chunk);
    super._writev!(chunks as Parameters<NonNullable<WriteStream['_writev']>>[0], callback);
  }

  /** The SHA-256 of everything written (once the stream has finished). */
  sha256(): string {
    return this.hash.digest('hex');
  }
}

const contextOf = (opts: ScpOptions): ListenerContext => (opts?.customOptions as { listener: ListenerContext }).listener;

/**
 * One association behind a DicomPduGuard: accepts verification and storage from allowed peers and
 * writes each C-STORE dataset straight to a file (the library never parses a received dataset, so a
 * declared length can allocate nothing); the instance is answered only once stored or quarantined.
 */
class StoreScp extends Scp {
  private callingAe = '';
  private readonly remoteAddress: string;
  private readonly listener: ListenerContext;
  private readonly incoming = new Map<StoreRequest, IncomingFile>();

  constructor(socket: ScpSocket, opts: ScpOptions) {
    super(new DicomPduGuard(socket as Socket, contextOf(opts).intake, contextOf(opts).stats, contextOf(opts).log) as unknown as ScpSocket, opts);
    this.listener = contextOf(opts);
    this.remoteAddress = (socket as Socket).remoteAddress ?? 'unknown address';
    // an association that ends mid-instance leaves no partial file behind
    this.on('close', () => {
      for (const file of this.incoming.values()) {
        // removed once the stream has closed: a file still being opened would otherwise appear after the rm
        const remove = (): void => void rm(file.path, { force: true }).catch(() => undefined);
        if (file.stream.closed) remove();
        else file.stream.once('close', remove);
        file.stream.destroy();
      }
      this.incoming.clear();
    });
  }

  override associationRequested(association: Parameters<InstanceType<typeof Scp>['associationRequested']>[0]): void {
    const callingAe = association.getCallingAeTitle().trim();
    if (association.getCalledAeTitle().trim() !== POLYRAD_AE_TITLE) {
      this.sendAssociationReject(RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CalledAeNotRecognized);
      return;
    }
    if (!peerAllowed(this.listener.intake.peers, callingAe, this.remoteAddress)) {
      this.listener.log(`DICOM association from ${callingAe}@${this.remoteAddress} rejected: calling AE not in POLYRAD_DICOM_PEERS`);
      this.sendAssociationReject(RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CallingAeNotRecognized);
      return;
    }
    this.callingAe = callingAe;
    // announce the guard's limit (the library sends the smaller of this and the requestor's; 0 means unlimited)
    const requested = association.getMaxPduLength();
    association.setMaxPduLength(requested === 0 ? this.listener.intake.maxPduBytes : Math.min(requested, this.listener.intake.maxPduBytes));
    for (const { id } of association.getPresentationContexts()) {
      const context = association.getPresentationContext(id);
      const abstract = context.getAbstractSyntaxUid();
      const find = abstract === SopClass.StudyRootQueryRetrieveInformationModelFind;
      if (abstract !== SopClass.Verification && !find && !STORAGE_CLASSES.has(abstract)) {
        context.setResult(PresentationContextResult.RejectAbstractSyntaxNotSupported);
        continue;
      }
      const syntax = context.getTransferSyntaxUids().find((uid) => (find ? FIND_SYNTAXES : ACCEPTED_SYNTAXES).has(uid));
      if (syntax) context.setResult(PresentationContextResult.Accept, syntax);
      else context.setResult(PresentationContextResult.RejectTransferSyntaxesNotSupported);
    }
    this.sendAssociationAccept();
  }

  override cEchoRequest(request: Parameters<InstanceType<typeof Scp>['cEchoRequest']>[0], callback: Parameters<InstanceType<typeof Scp>['cEchoRequest']>[1]): void {
    const response = responses.CEchoResponse.fromRequest(request);
    response.setStatus(Status.Success);
    callback(response);
  }

  override cFindRequest(request: Parameters<InstanceType<typeof Scp>['cFindRequest']>[0], callback: Parameters<InstanceType<typeof Scp>['cFindRequest']>[1]): void {
    const identifier = (request.getDataset()?.getElements() ?? {}) as NaturalDataset;
    void this.listener.find(identifier).then((outcome) => {
      const answers = outcome.matches.map((match) => {
        const pending = responses.CFindResponse.fromRequest(request);
        pending.setDataset(new Dataset(match));
        pending.setStatus(Status.Pending);
        return pending;
      });
      const final = responses.CFindResponse.fromRequest(request);
      final.setStatus(outcome.status);
      if (outcome.errorComment) {
        this.listener.log(`C-FIND from ${this.callingAe}@${this.remoteAddress} refused: ${outcome.errorComment}`);
        // ErrorComment is LO: 64 characters at most
        final.setErrorComment(outcome.errorComment.slice(0, 64));
      }
      callback([...answers, final]);
    });
  }

  override createStoreWritableStream(context: PresentationContext, request: StoreRequest): WriteStream {
    const path = this.listener.store.incomingPath(request.getAffectedSopInstanceUid() || 'instance');
    const stream = new HashingWriteStream(path);
    const written = finished(stream);
    written.catch(() => undefined); // awaited when the request is answered; a failure there is that instance's
    stream.write(
      encodePart10(
        [
          { tag: 0x00020001, vr: 'OB', value: Uint8Array.of(0, 1) },
          { tag: 0x00020002, vr: 'UI', value: request.getAffectedSopClassUid() },
          { tag: 0x00020003, vr: 'UI', value: request.getAffectedSopInstanceUid() },
          { tag: 0x00020010, vr: 'UI', value: context.getAcceptedTransferSyntaxUid() ?? '' },
          { tag: 0x00020016, vr: 'AE', value: this.callingAe },
        ],
        new Uint8Array(0),
      ),
    );
    this.incoming.set(request, { path, stream, written });
    return stream;
  }

  /** The file is the instance; the library gets an empty placeholder instead of parsing what was sent. */
  override createDatasetFromStoreWritableStream(_stream: unknown, _context: PresentationContext, callback: (dataset: InstanceType<typeof Dataset>) => void): void {
    callback(new Dataset());
  }

  override cStoreRequest(request: StoreRequest, callback: Parameters<InstanceType<typeof Scp>['cStoreRequest']>[1]): void {
    const response = responses.CStoreResponse.fromRequest(request);
    const file = this.incoming.get(request);
    this.incoming.delete(request);
    if (!file) {
      response.setStatus(STATUS_CANNOT_UNDERSTAND);
      callback(response);
      return;
    }
    void this.answer(file, response, callback);
  }

  private async answer(file: IncomingFile, response: InstanceType<typeof responses.CStoreResponse>, callback: Parameters<InstanceType<typeof Scp>['cStoreRequest']>[1]): Promise<void> {
    const sender = { callingAe: this.callingAe, remoteAddress: this.remoteAddress };
    try {
      const result = await this.listener.receive(file, sender);
      if (result.status === 'stored') response.setStatus(Status.Success);
      else {
        response.setStatus(STATUS_CANNOT_UNDERSTAND);
        // ErrorComment is LO: 64 characters at most
        response.setErrorComment('quarantined: patient identity conflicts with the study');
      }
    } catch (error) {
      if (error instanceof PolyradError) {
        this.listener.log(`C-STORE from ${sender.callingAe}@${sender.remoteAddress} refused: ${error.message}`);
        response.setStatus(STATUS_CANNOT_UNDERSTAND);
        response.setErrorComment(error.code);
      } else {
        this.listener.log(`C-STORE from ${sender.callingAe}@${sender.remoteAddress} failed: ${(error as Error).message}`);
        response.setStatus(STATUS_OUT_OF_RESOURCES);
      }
      await rm(file.path, { force: true }).catch(() => undefined);
    }
    callback(response);
  }

  override associationReleaseRequested(): void {
    this.sendAssociationReleaseResponse();
  }

  /**
   * The peer sent A-ABORT: the association is over, so the connection closes at once (a modality waits
   * for that close, up to its ARTIM time-out: 30 s in DCMTK); the close handler drops what was arriving.
   */
  override abort(): void {
    (this as unknown as { socket: { destroy(): void } }).socket.destroy();
  }
}

/**
 * DICOM C-STORE SCP on DICOM_PORT (AE title POLYRAD): modalities and PACS send studies here, and may
 * search what was received with C-FIND (Study Root, study, series and image level). Only peers
 * in POLYRAD_DICOM_PEERS may associate, and every association is bounded (PDU size, instance size,
 * associations at once, time to complete a PDU) before the network library buffers anything. Each
 * instance is answered with success only once it is on disk and indexed; an instance whose patient
 * identity conflicts with its study is quarantined instead. Each study is analysed when it has been
 * quiet for POLYRAD_QUIET_PERIOD_S, and again if more of it arrives later.
 */
@Injectable()
export class DicomStoreScp implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DicomStoreScp.name);
  private server: InstanceType<typeof Server> | undefined;
  private readonly intake: DicomIntakeConfig;
  readonly tracker: StudyCompletenessTracker;
  /** What the guards of all associations hold now and held at most (bytes), and how many they closed. */
  readonly guardStats: DicomGuardStats = { associations: 0, bufferedBytes: 0, peakBufferedBytes: 0, aborted: 0 };
  /** the port actually listened on (config.dicomPort 0 picks a free one) */
  port = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: InstanceStore,
    private readonly instances: InstanceIntakeService,
    dispatcher: StudyDispatchService,
    private readonly pending: PendingAnalysisRepository,
    private readonly finder: DicomFindService,
    activity: StudyActivityService,
  ) {
    this.intake = config.dicomIntake ?? DEFAULT_DICOM_INTAKE;
    this.tracker = new StudyCompletenessTracker(config.quietPeriodMs, async (uid) => {
      const arrivals = await pending.arrivals(uid);
      try {
        await dispatcher.dispatch(uid);
      } finally {
        // a failed analysis is recorded by the dispatcher and not retried; one the database lost stays due
        if (arrivals !== undefined) await pending.analysed(uid, arrivals);
      }
    });
    // every stored instance, by DIMSE or any other way in, starts its study's quiet period
    instances.onStored((instance) => {
      activity.received(instance.StudyInstanceUID, config.quietPeriodMs);
      // progress at info level, once per study and stage: received, complete (analysing), reported
      if (this.tracker.arrived(instance.StudyInstanceUID)) {
        this.logger.log(`study ${instance.StudyInstanceUID}: receiving; analysed once no instance arrives for ${config.quietPeriodMs / 1000} s`);
      }
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.store.prepare();
    const reconciled = await this.instances.reconcile();
    if (reconciled.partialRemoved + reconciled.indexed + reconciled.removed + reconciled.missing.length > 0) {
      this.logger.warn(
        `file store reconciled with its index: ${reconciled.partialRemoved} partial transfers removed, ${reconciled.indexed} unindexed files indexed, ` +
          `${reconciled.removed} unusable files removed, ${reconciled.missing.length} indexed instances without their file` +
          (reconciled.missing.length > 0 ? ` (left out of analyses: ${reconciled.missing.slice(0, 5).join(', ')}${reconciled.missing.length > 5 ? ', …' : ''})` : ''),
      );
    }
    // studies received before a crash or stop whose analysis never ran: each gets a fresh quiet period
    const due = await this.pending.studies();
    for (const uid of due) this.tracker.arrived(uid);
    if (due.length > 0) this.logger.log(`${due.length} received ${due.length === 1 ? 'study' : 'studies'} still to analyse, resumed`);
    const server = new Server(StoreScp);
    const listener: ListenerContext = {
      intake: this.intake,
      stats: this.guardStats,
      store: this.store,
      log: (line) => this.logger.warn(line),
      receive: (file, sender) => this.receive(file, sender),
      find: (identifier) => this.finder.find(identifier),
    };
    await new Promise<void>((resolve, reject) => {
      server.once('listening', () => resolve());
      server.once('networkError', (error: Error) => reject(new PolyradError('DICOM_PORT_UNAVAILABLE', `cannot listen for DICOM on port ${this.config.dicomPort}: ${error.message}`)));
      // the guard's per-PDU deadline is the one that matters; the library's own watch stays behind it
      const libraryTimeout = this.intake.timeoutMs * 2;
      server.listen(this.config.dicomPort, { associationTimeout: libraryTimeout, pduTimeout: libraryTimeout, customOptions: { listener } });
    });
    server.on('networkError', (error: Error) => this.logger.warn(`DICOM network error: ${error.message}`));
    this.server = server;
    this.port = ((server as unknown as { server: { address(): AddressInfo } }).server.address()).port;
    if (this.intake.peers.open) this.logger.warn('DICOM listener open to any AE title from any host (POLYRAD_DICOM_PEERS=*)');
  }

  async onApplicationShutdown(): Promise<void> {
    this.server?.close();
    await this.tracker.close();
  }

  private async receive(file: IncomingFile, sender: InstanceSender): Promise<IntakeResult> {
    await file.written;
    return this.instances.accept(file.path, sender, file.stream.sha256());
  }
}
