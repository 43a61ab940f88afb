import * as Multipasta from 'multipasta';

/** Where the bytes of one body part go; `write` returns a promise when the reader should wait for the sink to drain. */
export interface RelatedPartSink {
  write(chunk: Buffer): Promise<void> | undefined;
  /** The part ended at its boundary. */
  end(): void;
  /** The request ended (or was refused) inside the part: what was written is not the whole part. */
  cutShort(): void;
}

/** How reading the request ended: every part read, over the size limit, cut inside a part, or not multipart at all. */
export type RelatedReadEnd = { kind: 'complete' } | { kind: 'too-large' } | { kind: 'cut-short' } | { kind: 'malformed'; reason: string };

/**
 * Streams a multipart/related body (RFC 2387) part by part into sinks, holding no part in memory and
 * reading no more than `maxBytes` of the request. multipasta finds the boundaries; every part is
 * treated as a file whatever its headers (DICOMweb parts carry no Content-Disposition).
 */
export async function readMultipartRelated(
  body: AsyncIterable<Buffer>,
  contentType: string,
  maxBytes: number,
  openPart: (part: { index: number; contentType: string; contentLocation?: string }) => RelatedPartSink,
): Promise<RelatedReadEnd> {
  let current: RelatedPartSink | undefined;
  let waiting: Promise<void> | undefined;
  let malformed: string | undefined;
  let parts = 0;
  let done = false;
  const parser = Multipasta.make({
    headers: { 'content-type': contentType },
    isFile: () => true,
    onField: () => undefined,
    onFile: (info) => {
      const location = info.headers['content-location'];
      const contentLocation = Array.isArray(location) ? location[0] : location;
      const sink = openPart({ index: parts++, contentType: info.contentType, ...(contentLocation ? { contentLocation: contentLocation.trim() } : {}) });
      current = sink;
      return (chunk) => {
        if (chunk === null) {
          sink.end();
          current = undefined;
          return;
        }
        // the parser may hand out views of buffers it reuses; the sink writes asynchronously
        waiting = sink.write(Buffer.from(chunk)) ?? waiting;
      };
    },
    onError: (error) => {
      if (error._tag === 'InvalidBoundary') malformed ??= 'the Content-Type has no boundary parameter';
      else if (error._tag === 'BadHeaders') malformed ??= `the headers of part ${parts + 1} cannot be read`;
    },
    onDone: () => {
      done = true;
    },
  });
  if (malformed) return { kind: 'malformed', reason: malformed };
  let total = 0;
  try {
    for await (const chunk of body) {
      total += chunk.length;
      if (total > maxBytes) {
        current?.cutShort();
        return { kind: 'too-large' };
      }
      if (!done) parser.write(chunk);
      if (malformed) {
        current?.cutShort();
        return { kind: 'malformed', reason: malformed };
      }
      if (waiting) {
        await waiting;
        waiting = undefined;
      }
    }
  } catch {
    // the client went away mid-request: what arrived whole is kept, the part in progress is not
    current?.cutShort();
    return { kind: 'cut-short' };
  }
  if (!done) parser.end();
  if (current) {
    current.cutShort();
    return { kind: 'cut-short' };
  }
  if (parts === 0) return { kind: 'malformed', reason: 'the body holds no part delimited by the boundary the Content-Type names' };
  return done ? { kind: 'complete' } : { kind: 'cut-short' };
}
