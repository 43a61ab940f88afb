import type { AddressInfo } from 'node:net';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { TransferSyntax } from '@polyrad/dicom';
import { PolyradError } from '@polyrad/sdk';
import dimse from 'dcmjs-dimse';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { InstanceStore } from './instance.store.js';
import { StudyCompletenessTracker } from './study-completeness.tracker.js';
import { StudyDispatchService } from './study-dispatch.service.js';

const { Scp, Server, constants, log, responses } = dimse;
// the library logs every association at info level; the platform logs what matters itself
log.setLevel('warn');
const { PresentationContextResult, RejectReason, RejectResult, RejectSource, SopClass, Status, StorageClass } = constants;

/** The AE title the platform answers to (DESIGN.md, "Server"). */
export const POLYRAD_AE_TITLE = 'POLYRAD';

/** Every transfer syntax @polyrad/dicom decodes, so any image a modality sends is kept as sent. */
const ACCEPTED_SYNTAXES = new Set<string>(Object.values(TransferSyntax));
const STORAGE_CLASSES = new Set<string>(Object.values(StorageClass));
// DICOM PS3.7 C.4.2.1.4: "Cannot understand" (0xC000 range) for content we cannot use
const STATUS_CANNOT_UNDERSTAND = 0xc000;
const STATUS_OUT_OF_RESOURCES = 0xa700;

interface ScpHandlers {
  receive(dataset: InstanceType<typeof dimse.Dataset>, callingAe: string): Promise<number>;
}

/** One association: accepts verification and storage, stores each instance before answering success. */
class StoreScp extends Scp {
  private callingAe = '';
  private readonly handlers: ScpHandlers;

  constructor(socket: ConstructorParameters<typeof Scp>[0], opts: ConstructorParameters<typeof Scp>[1]) {
    super(socket, opts);
    this.handlers = (opts?.customOptions as { handlers: ScpHandlers }).handlers;
  }

  override associationRequested(association: Parameters<InstanceType<typeof Scp>['associationRequested']>[0]): void {
    if (association.getCalledAeTitle().trim() !== POLYRAD_AE_TITLE) {
      this.sendAssociationReject(RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CalledAeNotRecognized);
      return;
    }
    this.callingAe = association.getCallingAeTitle().trim();
    for (const { id } of association.getPresentationContexts()) {
      const context = association.getPresentationContext(id);
      const abstract = context.getAbstractSyntaxUid();
      if (abstract !== SopClass.Verification && !STORAGE_CLASSES.has(abstract)) {
        context.setResult(PresentationContextResult.RejectAbstractSyntaxNotSupported);
        continue;
      }
      const syntax = context.getTransferSyntaxUids().find((uid) => ACCEPTED_SYNTAXES.has(uid));
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

  override cStoreRequest(request: Parameters<InstanceType<typeof Scp>['cStoreRequest']>[0], callback: Parameters<InstanceType<typeof Scp>['cStoreRequest']>[1]): void {
    const response = responses.CStoreResponse.fromRequest(request);
    this.handlers.receive(request.getDataset()!, this.callingAe).then((status) => {
      response.setStatus(status);
      callback(response);
    });
  }

  override associationReleaseRequested(): void {
    this.sendAssociationReleaseResponse();
  }
}

/**
 * DICOM C-STORE SCP on DICOM_PORT (AE title POLYRAD): modalities and PACS send studies here. Each
 * instance is answered with success only once it is on disk and indexed; each study is analysed when
 * it has been quiet for POLYRAD_QUIET_PERIOD_S, and again if more of it arrives later.
 */
@Injectable()
export class DicomStoreScp implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DicomStoreScp.name);
  private server: InstanceType<typeof Server> | undefined;
  readonly tracker: StudyCompletenessTracker;
  /** the port actually listened on (config.dicomPort 0 picks a free one) */
  port = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: InstanceStore,
    dispatcher: StudyDispatchService,
  ) {
    this.tracker = new StudyCompletenessTracker(config.quietPeriodMs, (uid) => dispatcher.dispatch(uid));
  }

  async onApplicationBootstrap(): Promise<void> {
    const server = new Server(StoreScp);
    const handlers: ScpHandlers = { receive: (dataset, callingAe) => this.receive(dataset, callingAe) };
    await new Promise<void>((resolve, reject) => {
      server.once('listening', () => resolve());
      server.once('networkError', (error: Error) => reject(new PolyradError('DICOM_PORT_UNAVAILABLE', `cannot listen for DICOM on port ${this.config.dicomPort}: ${error.message}`)));
      server.listen(this.config.dicomPort, { customOptions: { handlers } });
    });
    server.on('networkError', (error: Error) => this.logger.warn(`DICOM network error: ${error.message}`));
    this.server = server;
    this.port = ((server as unknown as { server: { address(): AddressInfo } }).server.address()).port;
  }

  async onApplicationShutdown(): Promise<void> {
    this.server?.close();
    await this.tracker.close();
  }

  private async receive(dataset: InstanceType<typeof dimse.Dataset>, callingAe: string): Promise<number> {
    let incoming: string | undefined;
    try {
      incoming = await this.store.incomingPath(String(dataset.getElement('SOPInstanceUID') ?? 'instance'));
      await new Promise<void>((resolve, reject) => dataset.toFile(incoming!, (error) => (error ? reject(error) : resolve())));
      const stored = await this.store.store(incoming, callingAe);
      this.tracker.arrived(stored.StudyInstanceUID);
      return Status.Success;
    } catch (error) {
      if (error instanceof PolyradError) {
        this.logger.warn(`C-STORE from ${callingAe || 'unknown AE'} refused: ${error.message}`);
        return STATUS_CANNOT_UNDERSTAND;
      }
      this.logger.error(`C-STORE from ${callingAe || 'unknown AE'} failed: ${(error as Error).message}`);
      return STATUS_OUT_OF_RESOURCES;
    }
  }
}
