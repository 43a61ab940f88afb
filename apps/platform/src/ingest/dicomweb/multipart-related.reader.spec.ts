import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { readMultipartRelated, type RelatedReadEnd } from './multipart-related.reader.js';

const BOUNDARY = 'b0undary';
const CONTENT_TYPE = `multipart/related; type="application/dicom"; boundary="${BOUNDARY}"`;

function body(parts: Buffer[]): Buffer {
  return Buffer.concat([...parts.flatMap((p) => [Buffer.from(`--${BOUNDARY}\r\nContent-Type: application/dicom\r\n\r\n`), p, Buffer.from('\r\n')]), Buffer.from(`--${BOUNDARY}--\r\n`)]);
}

/** Feeds `bytes` in chunks of `size` and collects what each part received and how it ended. */
async function read(bytes: Buffer, size: number, maxBytes = Infinity): Promise<{ parts: Array<{ bytes: Buffer; ended: 'end' | 'cut' | 'open' }>; end: RelatedReadEnd }> {
  const parts: Array<{ chunks: Buffer[]; ended: 'end' | 'cut' | 'open' }> = [];
  async function* chunks(): AsyncGenerator<Buffer> {
    for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
  }
  const end = await readMultipartRelated(chunks(), CONTENT_TYPE, maxBytes, () => {
    const part = { chunks: [] as Buffer[], ended: 'open' as 'end' | 'cut' | 'open' };
    parts.push(part);
    return {
      write: (chunk) => {
        part.chunks.push(chunk);
        return undefined;
      },
      end: () => (part.ended = 'end'),
      cutShort: () => (part.ended = 'cut'),
    };
  });
  return { parts: parts.map((p) => ({ bytes: Buffer.concat(p.chunks), ended: p.ended })), end };
}

describe('readMultipartRelated', () => {
  const payloads = [randomBytes(5000), Buffer.from(`binary with a near-boundary \r\n--${BOUNDARY.slice(0, 5)} inside`), randomBytes(1)];

  it('gives every part byte for byte, however the request is cut into chunks', async () => {
    for (const size of [1, 7, 64, 4096, 1 << 20]) {
      const { parts, end } = await read(body(payloads), size);
      assert.deepEqual(end, { kind: 'complete' }, `chunks of ${size}`);
      assert.deepEqual(parts.map((p) => p.ended), ['end', 'end', 'end']);
      parts.forEach((p, i) => assert.ok(p.bytes.equals(payloads[i]), `part ${i + 1}, chunks of ${size}`));
    }
  });

  it('says when the request ends inside a part, and stops reading past the size limit', async () => {
    const whole = body(payloads);
    const cut = await read(whole.subarray(0, whole.length - 10), 100);
    assert.deepEqual(cut.end, { kind: 'cut-short' });
    assert.deepEqual(cut.parts.map((p) => p.ended), ['end', 'end', 'cut']);
    // cut inside the headers of the last part: that part never began, but the request still says it was cut
    const inHeaders = await read(whole.subarray(0, whole.length - 40), 100);
    assert.deepEqual(inHeaders.end, { kind: 'cut-short' });
    assert.deepEqual(inHeaders.parts.map((p) => p.ended), ['end', 'end']);
    const large = await read(whole, 1000, 3000);
    assert.deepEqual(large.end, { kind: 'too-large' });
    assert.deepEqual(large.parts.map((p) => p.ended), ['cut']);
  });

  it('ends a part cut short when the client goes away mid-request', async () => {
    const whole = body(payloads);
    const ended: string[] = [];
    const end = await readMultipartRelated(
      (async function* () {
        yield whole.subarray(0, 3000);
        throw new Error('aborted');
      })(),
      CONTENT_TYPE,
      Infinity,
      () => ({ write: () => undefined, end: () => ended.push('end'), cutShort: () => ended.push('cut') }),
    );
    assert.deepEqual([end, ended], [{ kind: 'cut-short' }, ['cut']]);
  });

  it('refuses a body without its boundary and a Content-Type without one', async () => {
    assert.equal((await read(Buffer.from('just some text'), 4)).end.kind, 'malformed');
    const noBoundary = await readMultipartRelated((async function* () {})(), 'multipart/related; type="application/dicom"', 100, () => assert.fail('no part expected'));
    assert.deepEqual(noBoundary, { kind: 'malformed', reason: 'the Content-Type has no boundary parameter' });
  });
});
