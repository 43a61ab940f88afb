import type { Hl7Message } from '@medplum/core';
import { Hl7Client } from '@medplum/hl7';
import { DeliveryError } from './delivery.errors.js';

/** A RIS (or interface engine) that takes HL7 v2 over MLLP. */
export interface Hl7MllpDestination {
  host: string;
  port: number;
  /** ms to connect and to wait for the ACK */
  timeoutMs?: number;
}

/**
 * Sends one message over MLLP and resolves once the receiver acknowledged it (MSA-1 AA or CA). A negative
 * ACK is a rejection (re-sending the same message will not help); no connection or no ACK is unreachable.
 */
export async function sendHl7(destination: Hl7MllpDestination, message: Hl7Message): Promise<void> {
  const where = `MLLP@${destination.host}:${destination.port}`;
  const timeoutMs = destination.timeoutMs ?? 10_000;
  const client = new Hl7Client({ host: destination.host, port: destination.port, connectTimeout: timeoutMs });
  let ack: Hl7Message;
  try {
    ack = await client.sendAndWait(message, { timeoutMs });
  } catch (error) {
    throw new DeliveryError('DELIVERY_UNREACHABLE', `no acknowledgement: ${error instanceof Error ? error.message : String(error)}`, where);
  } finally {
    await client.close().catch(() => undefined);
  }
  const code = ack.getSegment('MSA')?.getField(1).toString() ?? '';
  if (code !== 'AA' && code !== 'CA') {
    const text = ack.getSegment('MSA')?.getField(3).toString() || ack.getSegment('ERR')?.toString() || 'no reason given';
    throw new DeliveryError('DELIVERY_REJECTED', `the receiver answered ${code || 'without MSA'}: ${text}`, where);
  }
}
