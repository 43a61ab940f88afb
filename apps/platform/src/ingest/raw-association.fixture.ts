import { readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';

/**
 * A DICOM peer that writes PDUs byte by byte, for tests that must send what no well-behaved toolkit
 * (storescu refuses most of it) would: oversized declared lengths, truncation, garbage.
 */

export const VERIFICATION = '1.2.840.10008.1.1';
export const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
export const IMPLICIT_LE = '1.2.840.10008.1.2';
export const EXPLICIT_LE = '1.2.840.10008.1.2.1';

export interface ProposedContext {
  id: number;
  abstractSyntax: string;
  transferSyntaxes: string[];
}

export interface Pdu {
  type: number;
  body: Buffer;
}

const u16 = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);
const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};
const ae = (title: string): Buffer => Buffer.from(title.padEnd(16, ' ').slice(0, 16), 'ascii');
const item = (type: number, value: Buffer): Buffer => Buffer.concat([Buffer.from([type, 0]), u16(value.length), value]);

/** A PDU: type, reserved byte, 4-byte length (the real one unless `declaredLength` lies), body. */
export function pdu(type: number, body: Buffer, declaredLength = body.length): Buffer {
  return Buffer.concat([Buffer.from([type, 0]), u32(declaredLength), body]);
}

export function associateRq(callingAe: string, contexts: ProposedContext[], calledAe = 'POLYRAD'): Buffer {
  const presentation = contexts.map((c) =>
    item(0x20, Buffer.concat([Buffer.from([c.id, 0, 0, 0]), item(0x30, Buffer.from(c.abstractSyntax)), ...c.transferSyntaxes.map((ts) => item(0x40, Buffer.from(ts)))])),
  );
  const userInfo = item(0x50, Buffer.concat([item(0x51, u32(16384)), item(0x52, Buffer.from('1.2.3.4.5.6'))]));
  const body = Buffer.concat([u16(1), u16(0), ae(calledAe), ae(callingAe), Buffer.alloc(32), item(0x10, Buffer.from('1.2.840.10008.3.1.1.1')), ...presentation, userInfo]);
  return pdu(0x01, body);
}

export const releaseRq = (): Buffer => pdu(0x05, Buffer.alloc(4));

/** One P-DATA-TF carrying one PDV. */
export function pData(contextId: number, command: boolean, last: boolean, value: Buffer): Buffer {
  return pdu(0x04, Buffer.concat([u32(value.length + 2), Buffer.from([contextId, (command ? 1 : 0) | (last ? 2 : 0)]), value]));
}

/** An implicit VR little endian element; `declaredLength` may lie about the value's length. */
export function implicitElement(group: number, element: number, value: Buffer, declaredLength = value.length): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt16LE(group, 0);
  header.writeUInt16LE(element, 2);
  header.writeUInt32LE(declaredLength >>> 0, 4);
  return Buffer.concat([header, value]);
}

const us = (n: number): Buffer => Buffer.from([n & 0xff, n >> 8]);
const uid = (text: string): Buffer => Buffer.from(text.length % 2 ? `${text}\0` : text, 'ascii');

export function cEchoRq(messageId: number): Buffer {
  return commandSet([implicitElement(0, 0x0002, uid(VERIFICATION)), implicitElement(0, 0x0100, us(0x0030)), implicitElement(0, 0x0110, us(messageId)), implicitElement(0, 0x0800, us(0x0101))]);
}

export function cStoreRq(messageId: number, sopClass: string, sopInstance: string): Buffer {
  return commandSet([
    implicitElement(0, 0x0002, uid(sopClass)),
    implicitElement(0, 0x0100, us(0x0001)),
    implicitElement(0, 0x0110, us(messageId)),
    implicitElement(0, 0x0700, us(0)),
    implicitElement(0, 0x0800, us(0)),
    implicitElement(0, 0x1000, uid(sopInstance)),
  ]);
}

/** A command set with its (0000,0000) group length first. */
export function commandSet(elements: Buffer[]): Buffer {
  const body = Buffer.concat(elements);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(body.length);
  return Buffer.concat([implicitElement(0, 0, length), body]);
}

/** Status (0000,0900) and Error Comment (0000,0902) of a response command set. */
export function responseStatus(command: Buffer): { status: number; errorComment: string } {
  let status = -1;
  let errorComment = '';
  for (let offset = 0; offset + 8 <= command.length; ) {
    const element = command.readUInt16LE(offset + 2);
    const length = command.readUInt32LE(offset + 4);
    if (element === 0x0900) status = command.readUInt16LE(offset + 8);
    if (element === 0x0902) errorComment = command.subarray(offset + 8, offset + 8 + length).toString('ascii').replace(/[\0 ]+$/, '');
    offset += 8 + length;
  }
  return { status, errorComment };
}

/** A Part 10 file split into what C-STORE carries: SOP class and instance, transfer syntax and the dataset bytes. */
export async function readPart10(path: string): Promise<{ sopClass: string; sopInstance: string; transferSyntax: string; dataset: Buffer }> {
  const file = await readFile(path);
  const fields = new Map<number, string>();
  let offset = 132;
  if (file.subarray(128, 132).toString('ascii') !== 'DICM') {
    // no meta header: the file is the dataset, in the default transfer syntax
    return { sopClass: CT_IMAGE_STORAGE, sopInstance: `2.25.${Date.now()}${Math.floor(Math.random() * 1e6)}`, transferSyntax: IMPLICIT_LE, dataset: file };
  }
  while (offset + 8 <= file.length && file.readUInt16LE(offset) === 0x0002) {
    const element = file.readUInt16LE(offset + 2);
    const vr = file.subarray(offset + 4, offset + 6).toString('ascii');
    const long = ['OB', 'OW', 'OF', 'SQ', 'UT', 'UN'].includes(vr);
    const length = long ? file.readUInt32LE(offset + 8) : file.readUInt16LE(offset + 6);
    const start = offset + (long ? 12 : 8);
    fields.set(element, file.subarray(start, start + length).toString('ascii').replace(/[\0 ]+$/, ''));
    offset = start + length;
  }
  return {
    sopClass: fields.get(0x0002) || CT_IMAGE_STORAGE,
    sopInstance: fields.get(0x0003) || `2.25.${Date.now()}`,
    transferSyntax: fields.get(0x0010) || EXPLICIT_LE,
    dataset: file.subarray(offset),
  };
}

/** One TCP connection to the listener that sends raw bytes and reads whole PDUs back. */
export class RawPeer {
  private received = Buffer.alloc(0);
  private waiting: (() => void) | undefined;
  closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.waiting?.();
    });
    // the listener may reset a connection it refuses while we still write; that is an expected outcome here
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.waiting?.();
    });
  }

  static open(port: number, localAddress?: string): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1', ...(localAddress ? { localAddress } : {}) }, () => resolve(new RawPeer(socket)));
      socket.once('error', reject);
    });
  }

  send(bytes: Buffer): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed) return resolve();
      this.socket.write(bytes, () => resolve());
    });
  }

  /** The next whole PDU, or undefined once the listener has closed the connection. */
  async next(timeoutMs = 20_000): Promise<Pdu | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.received.length >= 6) {
        const length = this.received.readUInt32BE(2);
        if (this.received.length >= 6 + length) {
          const out = { type: this.received[0], body: this.received.subarray(6, 6 + length) };
          this.received = this.received.subarray(6 + length);
          return out;
        }
      }
      if (this.closed) return undefined;
      if (Date.now() > deadline) throw new Error('no PDU from the listener in time');
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
        setTimeout(resolve, 200);
      });
    }
  }

  /** Resolves once the listener has closed the connection (with a deadline, as the test machine may be slow). */
  async closedByListener(timeoutMs = 30_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    return this.closed;
  }

  /** Associates with the given contexts; returns the accepted transfer syntax per context id (A-ASSOCIATE-AC), or the PDU otherwise. */
  async associate(callingAe: string, contexts: ProposedContext[]): Promise<{ accepted: Map<number, string>; reply: Pdu | undefined }> {
    await this.send(associateRq(callingAe, contexts));
    const reply = await this.next();
    const accepted = new Map<number, string>();
    if (reply?.type !== 0x02) return { accepted, reply };
    for (let offset = 68; offset + 4 <= reply.body.length; ) {
      const type = reply.body[offset];
      const length = reply.body.readUInt16BE(offset + 2);
      if (type === 0x21 && reply.body[offset + 6] === 0) {
        const sub = reply.body.subarray(offset + 8, offset + 4 + length);
        accepted.set(reply.body[offset + 4], sub.subarray(4, 4 + sub.readUInt16BE(2)).toString('ascii').replace(/\0+$/, ''));
      }
      offset += 4 + length;
    }
    return { accepted, reply };
  }

  /** Sends a command (and a dataset, in fragments of at most `fragment` bytes) and reads the response command's status. */
  async request(contextId: number, command: Buffer, dataset?: Buffer, fragment = 16_000): Promise<{ status: number; errorComment: string } | undefined> {
    await this.send(pData(contextId, true, true, command));
    for (let offset = 0; dataset && offset < dataset.length; offset += fragment) {
      await this.send(pData(contextId, false, offset + fragment >= dataset.length, dataset.subarray(offset, offset + fragment)));
    }
    const reply = await this.next();
    if (reply?.type !== 0x04) return undefined;
    return responseStatus(reply.body.subarray(6));
  }

  async echo(contextId: number): Promise<number | undefined> {
    return (await this.request(contextId, cEchoRq(1)))?.status;
  }

  close(): void {
    this.socket.destroy();
  }
}
