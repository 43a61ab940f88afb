import dcmjs from 'dcmjs';
import dimse from 'dcmjs-dimse';
import { DeliveryError } from './delivery.errors.js';

const { Client, Dataset, constants, log, requests } = dimse;
const { DicomMessage, DicomMetaDictionary } = dcmjs.data;
// the library logs every association itself; a failed delivery is reported once, by the error below
log.setLevel('silent');

/** A PACS (or any Storage SCP) that receives the SR by C-STORE. */
export interface DicomStoreDestination {
  host: string;
  port: number;
  calledAeTitle: string;
  /** the AE title the platform presents (DESIGN.md: POLYRAD) */
  callingAeTitle?: string;
  /** ms to connect and to wait for each answer */
  timeoutMs?: number;
}

/**
 * Sends one Part 10 instance (the SR) by C-STORE and resolves once the peer answered Success. Sending the same
 * instance again is safe: its SOP Instance UID is derived from the report, so the PACS replaces, never duplicates.
 */
export function storeInstance(destination: DicomStoreDestination, part10: Buffer): Promise<void> {
  const where = `${destination.calledAeTitle}@${destination.host}:${destination.port}`;
  const timeout = destination.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const client = new Client();
    // dcmjs-dimse takes a dataset, not Part 10 bytes: read the file's meta and body apart
    const file = DicomMessage.readFile(part10.buffer.slice(part10.byteOffset, part10.byteOffset + part10.byteLength));
    const transferSyntax = String(DicomMetaDictionary.naturalizeDataset(file.meta).TransferSyntaxUID);
    const request = new requests.CStoreRequest(new Dataset(DicomMetaDictionary.naturalizeDataset(file.dict), transferSyntax));
    let outcome: DeliveryError | 'stored' | undefined;
    request.on('response', (response: { getStatus(): number; getErrorComment(): string }) => {
      const status = response.getStatus();
      outcome = status === constants.Status.Success ? 'stored' : new DeliveryError('DELIVERY_REJECTED', `C-STORE refused with status 0x${status.toString(16).padStart(4, '0')}${response.getErrorComment() ? ` (${response.getErrorComment()})` : ''}`, where);
    });
    client.addRequest(request);
    client.on('associationRejected', (result: { reason: number }) => {
      outcome = new DeliveryError('DELIVERY_REJECTED', `association rejected (reason ${result.reason}): check the AE titles`, where);
    });
    client.on('networkError', (error: Error) => {
      outcome ??= new DeliveryError('DELIVERY_UNREACHABLE', `not reachable: ${error.message}`, where);
      // 'closed' does not follow a connection that never opened
      settle();
    });
    client.on('closed', () => settle());
    function settle(): void {
      if (outcome === 'stored') resolve();
      else reject(outcome ?? new DeliveryError('DELIVERY_UNREACHABLE', 'the association closed before the peer answered', where));
    }
    client.send(destination.host, destination.port, destination.callingAeTitle ?? 'POLYRAD', destination.calledAeTitle, {
      connectTimeout: timeout,
      associationTimeout: timeout,
      pduTimeout: timeout,
    });
  });
}
