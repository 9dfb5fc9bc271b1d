/** Text for stdout gathered into writes of about this many characters: a listing of millions never becomes one string. */
const BATCH_CHARS = 16 * 1024;

/** Text to a stream in batches, waiting for it to drain when it is full (a slow pipe holds the listing back, not memory). */
export class Batched {
  private text = '';
  constructor(private readonly out: NodeJS.WritableStream) {}

  /** Adds `text`; a promise when a batch went out and the stream asks to wait. */
  add(text: string): Promise<void> | undefined {
    this.text += text;
    return this.text.length >= BATCH_CHARS ? this.flush() : undefined;
  }

  flush(): Promise<void> | undefined {
    const text = this.text;
    this.text = '';
    if (text === '' || this.out.write(text)) return undefined;
    return new Promise((resolve) => this.out.once('drain', resolve));
  }
}
