/**
 * A bounded tail of an executor's output stream: the last bytes written,
 * rendered as valid UTF-8 whatever the program printed.
 */

/** How many bytes of each stream the task log keeps. */
export const TAIL_BYTES = 10 * 1024;

/** Keeps the last TAIL_BYTES bytes of a stream. */
export class LogTail {
  private buffer = Buffer.alloc(0);
  private version = 0;

  /** Appends a chunk, dropping what falls out of the window. */
  append(chunk: Buffer): void {
    if (chunk.length === 0) return;
    const keep =
      chunk.length >= TAIL_BYTES
        ? chunk.subarray(chunk.length - TAIL_BYTES)
        : chunk;
    const joined = Buffer.concat([this.buffer, keep]);
    this.buffer =
      joined.length > TAIL_BYTES
        ? joined.subarray(joined.length - TAIL_BYTES)
        : joined;
    this.version += 1;
  }

  /** Grows with every append, so a reader can tell whether it changed. */
  get changes(): number {
    return this.version;
  }

  /**
   * The tail as text. Invalid bytes (and a character cut by the window's
   * start) become U+FFFD, so the result is always valid UTF-8.
   */
  text(): string {
    const text = new TextDecoder('utf-8', { fatal: false }).decode(this.buffer);
    // Each invalid byte became a 3-byte U+FFFD: keep the tail's last
    // TAIL_BYTES bytes of UTF-8, cut on a character boundary.
    const encoded = Buffer.from(text, 'utf8');
    if (encoded.length <= TAIL_BYTES) return text;
    let start = encoded.length - TAIL_BYTES;
    while (
      start < encoded.length &&
      ((encoded[start] as number) & 0xc0) === 0x80
    ) {
      start += 1;
    }
    return encoded.subarray(start).toString('utf8');
  }
}
