import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';

/** Limits the DICOM listener enforces on every association before the network library sees a byte. */
export interface DicomIntakeLimits {
  /** Largest PDU accepted, and announced in A-ASSOCIATE-AC (POLYRAD_DICOM_MAX_PDU_KB). */
  maxPduBytes: number;
  /** Largest dataset one C-STORE may carry (POLYRAD_DICOM_MAX_INSTANCE_MB); it is written to disk, not held. */
  maxInstanceBytes: number;
  /** Associations served at once (POLYRAD_DICOM_MAX_ASSOCIATIONS); more are rejected as a local limit. */
  maxAssociations: number;
  /** A peer must complete each PDU (the first one included) within this time of the previous one or of the last answer (POLYRAD_DICOM_TIMEOUT_S). */
  timeoutMs: number;
}

/** What all guards of one listener hold right now and at most, for operators and tests. */
export interface DicomGuardStats {
  associations: number;
  bufferedBytes: number;
  peakBufferedBytes: number;
  aborted: number;
}

// A command set is a handful of short elements; anything larger is not a command.
const MAX_COMMAND_BYTES = 64 * 1024;

const PDU = { associateRq: 0x01, pDataTf: 0x04, releaseRq: 0x05, releaseRp: 0x06, abort: 0x07 } as const;
// PS3.8 9.3.8 A-ABORT reasons (source 2: service provider)
const ABORT = { notSpecified: 0, unrecognizedPdu: 1, unexpectedPdu: 2, invalidParameter: 6 } as const;
const COMMAND = { cStoreRq: 0x0001, cFindRq: 0x0020, cEchoRq: 0x0030, cCancelRq: 0x0fff } as const;
// a C-FIND identifier is a handful of query keys, parsed in memory by the library: bounded like a command set
const MAX_IDENTIFIER_BYTES = MAX_COMMAND_BYTES;
const NO_DATASET = 0x0101;

/** The command field and whether a dataset follows, or why the command set is refused. */
export type CommandSetCheck = { field: number; hasDataset: boolean } | { refused: string };

/**
 * Walks a command set (implicit VR little endian, group 0000 only) without trusting any length: every
 * element must fit in the bytes received, so the library's parser is never asked to allocate more.
 */
export function checkCommandSet(bytes: Buffer): CommandSetCheck {
  let field: number | undefined;
  let hasDataset = false;
  for (let offset = 0; offset < bytes.length; ) {
    if (offset + 8 > bytes.length) return { refused: `command set cut inside an element header at byte ${offset}` };
    const group = bytes.readUInt16LE(offset);
    const element = bytes.readUInt16LE(offset + 2);
    const length = bytes.readUInt32LE(offset + 4);
    const tag = `(${hex(group)},${hex(element)})`;
    if (group !== 0) return { refused: `command set holds ${tag}, which is not a command element` };
    if (length > bytes.length - offset - 8) return { refused: `command element ${tag} declares ${length} bytes but only ${bytes.length - offset - 8} were sent` };
    if (element === 0x0100 && length === 2) field = bytes.readUInt16LE(offset + 8);
    if (element === 0x0800 && length === 2) hasDataset = bytes.readUInt16LE(offset + 8) !== NO_DATASET;
    offset += 8 + length;
  }
  if (field === undefined) return { refused: 'command set has no Command Field (0000,0100)' };
  return { field, hasDataset };
}

const hex = (n: number): string => n.toString(16).padStart(4, '0');

/**
 * Sits between a TCP socket and dcmjs-dimse (which the library uses as its socket): reads each PDU's
 * 6-byte header first and refuses a type or declared length out of bounds before holding its body,
 * hands the library whole PDUs only, checks every command set and the size of each C-STORE dataset,
 * admits only verification, storage and query commands, and closes a peer that leaves a PDU unfinished.
 * What it refuses is answered with A-ABORT (or, past the association limit, A-ASSOCIATE-RJ) and one log line.
 */
export class DicomPduGuard extends EventEmitter {
  private chunks: Buffer[] = [];
  private held = 0;
  private associated = false;
  private closed = false;
  private command: Buffer[] = [];
  private commandBytes = 0;
  /** bytes of the C-STORE or C-FIND dataset in progress; undefined when no dataset is expected */
  private datasetBytes: number | undefined;
  /** what the dataset in progress is and the most bytes it may have */
  private dataset = { what: 'instance', limit: 0 };
  private deadline: ReturnType<typeof setTimeout> | undefined;
  /** a whole request is with the platform: the peer owes nothing until it is answered */
  private answering = false;

  constructor(
    private readonly socket: Socket,
    private readonly limits: DicomIntakeLimits,
    private readonly stats: DicomGuardStats,
    private readonly log: (line: string) => void,
  ) {
    super();
    stats.associations++;
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error) => this.emit('error', error));
    socket.on('close', (hadError: boolean) => {
      this.release();
      if (this.deadline) clearTimeout(this.deadline);
      stats.associations--;
      this.emit('close', hadError);
    });
    if (stats.associations > limits.maxAssociations) {
      // A-ASSOCIATE-RJ: transient, service-provider (presentation), local limit exceeded
      this.refuse(`${limits.maxAssociations} associations already open`, Buffer.from([0x03, 0, 0, 0, 0, 4, 0, 2, 3, 2]));
      return;
    }
    this.restartDeadline();
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  /** Used by the library to answer; the peer's deadline runs again from here. */
  write(data: Buffer): boolean {
    if (this.closed || this.socket.destroyed) return false;
    this.answering = false;
    this.restartDeadline();
    return this.socket.write(data);
  }

  /** The library's own inactivity time-out: the guard's per-PDU deadline replaces it (a trickle cannot extend it). */
  setTimeout(): this {
    return this;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    this.chunks.push(chunk);
    this.held += chunk.length;
    this.track(chunk.length);
    while (!this.closed && this.held >= 6) {
      const head = this.chunks[0].length >= 6 ? this.chunks[0] : this.merge();
      const type = head[0];
      const length = head.readUInt32BE(2);
      const limit = this.limits.maxPduBytes;
      if (type < PDU.associateRq || type > PDU.abort) return this.abort(`unknown PDU type 0x${type.toString(16)}`, ABORT.unrecognizedPdu);
      if (length > limit) return this.abort(`PDU declares ${length} bytes, over the ${limit}-byte limit`, ABORT.invalidParameter);
      if (this.held < 6 + length) return;
      const all = this.merge();
      const pdu = all.subarray(0, 6 + length);
      // copy what follows, so the forwarded PDU's memory is not kept alive by it
      this.chunks = all.length > pdu.length ? [Buffer.from(all.subarray(pdu.length))] : [];
      this.held -= pdu.length;
      this.track(-pdu.length);
      const refused = this.inspect(type, pdu.subarray(6));
      if (refused) return this.abort(refused.reason, refused.code);
      // while a request is being stored the peer is silent by rule; the deadline resumes with the answer
      if (this.answering) clearTimeout(this.deadline);
      else this.restartDeadline();
      this.emit('data', pdu);
    }
  }

  private inspect(type: number, body: Buffer): { reason: string; code: number } | undefined {
    if (!this.associated) {
      if (type !== PDU.associateRq) return { reason: `PDU type 0x${type.toString(16)} before A-ASSOCIATE-RQ`, code: ABORT.unexpectedPdu };
      this.associated = true;
      return undefined;
    }
    if (type === PDU.pDataTf) return this.inspectPData(body);
    if (type === PDU.releaseRq || type === PDU.releaseRp || type === PDU.abort) return undefined;
    return { reason: `unexpected PDU type 0x${type.toString(16)} during an association`, code: ABORT.unexpectedPdu };
  }

  private inspectPData(body: Buffer): { reason: string; code: number } | undefined {
    for (let offset = 0; offset < body.length; ) {
      const itemLength = offset + 4 <= body.length ? body.readUInt32BE(offset) : -1;
      if (itemLength < 2 || itemLength > body.length - offset - 4) return { reason: `P-DATA-TF item at byte ${offset} overruns its PDU`, code: ABORT.invalidParameter };
      const control = body[offset + 5];
      const value = body.subarray(offset + 6, offset + 4 + itemLength);
      offset += 4 + itemLength;
      const last = (control & 2) !== 0;
      if (control & 1) {
        if (this.datasetBytes !== undefined) return { reason: 'command fragment inside a dataset', code: ABORT.unexpectedPdu };
        this.commandBytes += value.length;
        this.track(value.length);
        if (this.commandBytes > MAX_COMMAND_BYTES) return { reason: `command set over ${MAX_COMMAND_BYTES} bytes`, code: ABORT.invalidParameter };
        this.command.push(Buffer.from(value));
        if (!last) continue;
        const check = checkCommandSet(Buffer.concat(this.command));
        this.releaseCommand();
        if ('refused' in check) return { reason: check.refused, code: ABORT.invalidParameter };
        if (!Object.values(COMMAND).includes(check.field as (typeof COMMAND)[keyof typeof COMMAND])) {
          return { reason: `DIMSE command 0x${check.field.toString(16)} is not served (only C-ECHO, C-STORE and C-FIND)`, code: ABORT.unexpectedPdu };
        }
        const withDataset = check.field === COMMAND.cStoreRq || check.field === COMMAND.cFindRq;
        if (check.hasDataset !== withDataset) return { reason: 'dataset presence does not match the command', code: ABORT.unexpectedPdu };
        this.datasetBytes = check.hasDataset ? 0 : undefined;
        this.dataset = check.field === COMMAND.cFindRq ? { what: 'C-FIND identifier', limit: MAX_IDENTIFIER_BYTES } : { what: 'instance', limit: this.limits.maxInstanceBytes };
        // C-CANCEL gets no answer of its own: the peer's deadline keeps running
        this.answering = check.field === COMMAND.cEchoRq;
      } else {
        if (this.datasetBytes === undefined) return { reason: 'dataset fragment without a C-STORE command', code: ABORT.unexpectedPdu };
        this.datasetBytes += value.length;
        if (this.datasetBytes > this.dataset.limit) {
          return { reason: `${this.dataset.what} over the ${this.dataset.limit}-byte limit`, code: ABORT.notSpecified };
        }
        if (last) {
          this.datasetBytes = undefined;
          this.answering = true;
        }
      }
    }
    return undefined;
  }

  private abort(reason: string, code: number): void {
    this.refuse(reason, Buffer.from([PDU.abort, 0, 0, 0, 0, 4, 0, 0, 2, code]));
  }

  private refuse(reason: string, pdu: Buffer): void {
    this.closed = true;
    this.stats.aborted++;
    this.release();
    this.log(`DICOM association from ${this.socket.remoteAddress ?? 'unknown address'} closed: ${reason}`);
    if (this.deadline) clearTimeout(this.deadline);
    this.socket.end(pdu, () => this.socket.destroy());
    // a peer that does not read would keep the socket half-open forever
    setTimeout(() => this.socket.destroy(), this.limits.timeoutMs).unref();
  }

  private restartDeadline(): void {
    if (this.deadline) clearTimeout(this.deadline);
    this.deadline = setTimeout(() => {
      if (!this.closed) this.refuse(`no complete PDU within ${this.limits.timeoutMs} ms`, Buffer.from([PDU.abort, 0, 0, 0, 0, 4, 0, 0, 2, ABORT.notSpecified]));
    }, this.limits.timeoutMs);
    this.deadline.unref();
  }

  private merge(): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    this.chunks = [all];
    return all;
  }

  /** Counts bytes this guard holds (an unfinished PDU, a command set) in the listener's totals. */
  private track(bytes: number): void {
    this.stats.bufferedBytes += bytes;
    this.stats.peakBufferedBytes = Math.max(this.stats.peakBufferedBytes, this.stats.bufferedBytes);
  }

  private releaseCommand(): void {
    this.track(-this.commandBytes);
    this.command = [];
    this.commandBytes = 0;
  }

  private release(): void {
    this.releaseCommand();
    this.track(-this.held);
    this.held = 0;
    this.chunks = [];
  }
}
