import type { IncomingMessage } from 'node:http';

/** How much of a too-large body is read (and dropped) so its sender sees the 413. */
export const MAX_DRAINED_BYTES = 256 * 1024 * 1024;

/**
 * Reads and drops what is left of a request's body, up to `limit` bytes. True when the body was
 * read to its end; false when it was longer (the connection is then closed after the answer).
 */
export function drainRequest(raw: IncomingMessage, limit: number): Promise<boolean> {
  if (raw.complete || raw.destroyed) return Promise.resolve(raw.complete);
  return new Promise((resolve) => {
    let read = 0;
    const onData = (chunk: Buffer) => {
      read += chunk.length;
      if (read > limit) finish(false);
    };
    const finish = (complete: boolean) => {
      raw.off('data', onData);
      raw.off('end', onEnd);
      raw.off('close', onClose);
      raw.off('error', onClose);
      if (!complete) raw.pause();
      resolve(complete);
    };
    const onEnd = () => finish(true);
    const onClose = () => finish(raw.complete);
    raw.on('data', onData);
    raw.once('end', onEnd);
    raw.once('close', onClose);
    raw.once('error', onClose);
    raw.resume();
  });
}
