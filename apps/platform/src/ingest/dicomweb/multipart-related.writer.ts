import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Response } from 'express';

/** One body part of a multipart/related answer: bytes in memory, or a byte range of a file streamed from disk. */
export interface RelatedPart {
  contentType: string;
  /** Content-Location of the part (the resource it is), when it has one */
  location?: string;
  body: Buffer | { path: string; start: number; length: number };
}

/** A multipart/related answer (PS3.18 8.7.1.2): its root media type and parts, produced while they are sent. */
export interface RelatedAnswer {
  type: string;
  parts: AsyncIterable<RelatedPart>;
}

/**
 * Sends a multipart/related answer part by part with back-pressure, so a study's worth of instances is never
 * held in memory. A client that goes away stops the reading; the first part is produced before the status is
 * sent, so a failure there is still an ordinary error answer.
 */
export async function sendMultipartRelated(res: Response, answer: RelatedAnswer): Promise<void> {
  const boundary = randomBytes(16).toString('hex');
  const iterator = answer.parts[Symbol.asyncIterator]();
  let next = await iterator.next();
  res.status(200).setHeader('Content-Type', `multipart/related; type="${answer.type}"; boundary=${boundary}`);
  const write = (chunk: Buffer | string): Promise<void> | undefined => (res.write(chunk) ? undefined : drained(res));
  for (; !next.done; next = await iterator.next()) {
    if (res.destroyed) {
      await iterator.return?.();
      return;
    }
    const part = next.value;
    const length = Buffer.isBuffer(part.body) ? part.body.length : part.body.length;
    const location = part.location ? `Content-Location: ${part.location}\r\n` : '';
    await write(`--${boundary}\r\nContent-Type: ${part.contentType}\r\n${location}Content-Length: ${length}\r\n\r\n`);
    if (Buffer.isBuffer(part.body)) await write(part.body);
    else if (length > 0) {
      const file = createReadStream(part.body.path, { start: part.body.start, end: part.body.start + length - 1 });
      for await (const chunk of file) {
        if (res.destroyed) {
          file.destroy();
          break;
        }
        await write(chunk as Buffer);
      }
    }
    await write('\r\n');
  }
  res.end(`--${boundary}--\r\n`);
}

/** Sends a JSON array element by element (WADO-RS metadata of a whole study can be large). */
export async function sendJsonArray(res: Response, type: string, items: AsyncIterable<unknown>): Promise<void> {
  res.status(200).type(type);
  let first = true;
  res.write('[');
  for await (const item of items) {
    if (res.destroyed) return;
    if (!res.write(`${first ? '' : ','}${JSON.stringify(item)}`)) await drained(res);
    first = false;
  }
  res.end(']');
}

/** Resolves when the answer can take more bytes, or when the client has gone. */
function drained(res: Response): Promise<void> {
  return new Promise<void>((resolve) => {
    const go = (): void => {
      res.off('drain', go).off('close', go);
      resolve();
    };
    res.on('drain', go).on('close', go);
  });
}
