// The consuming side of a peer: counts and hashes the messages of one armed measurement, or
// echoes them back for ping-pong, and answers the standard control operations:
//   arm {codec, count} -> null        start counting `count` messages
//   result             -> ReceiverResult, once all armed messages arrived
//   echo {count}       -> null        echo the next `count` messages back
//   echoed             -> number, once all of them were echoed
import { hashObject, hashRaw } from './payload.js';
import { CHECKSUM_SEED } from './checksum.js';
import { serveControl, type Endpoint, type Handler } from './control.js';
import type { Codec } from './schema.js';

/** What a peer reports after a measurement. */
export interface ReceiverResult {
  count: number;
  checksum: number;
  /** Messages that arrived while nothing was armed (a protocol error). */
  unexpected: number;
  /** The first error met while decoding, if any. */
  error: string | null;
}

export class Receiver {
  /** Codec of the armed measurement. */
  codec: Codec = 'raw';
  /** True while messages are to be echoed instead of counted. */
  echoing = false;
  private remaining = 0;
  private count = 0;
  private checksum = CHECKSUM_SEED;
  private unexpected = 0;
  private error: string | null = null;
  private done: (() => void) | null = null;

  /** Counts the next `count` messages. */
  arm(codec: Codec, count: number): void {
    if (this.remaining > 0)
      throw new Error(`armed while ${this.remaining} messages are still expected`);
    this.codec = codec;
    this.echoing = false;
    this.remaining = count;
    this.count = 0;
    this.checksum = CHECKSUM_SEED;
    this.unexpected = 0;
    this.error = null;
  }

  /** Echoes the next `count` messages (the peer does the echoing, calling echoedOne()). */
  armEcho(count: number): void {
    this.arm(this.codec, count);
    this.echoing = count > 0;
  }

  /** One raw payload `bytes[start .. start+length)` arrived. */
  raw(bytes: ArrayLike<number>, start: number, length: number): void {
    if (this.remaining === 0) return void this.unexpected++;
    this.checksum = hashRaw(this.checksum, bytes, start, length);
    this.count++;
    if (--this.remaining === 0) this.finish();
  }

  /** One decoded object arrived (`decode` is called here so that its errors are reported). */
  object(decode: () => unknown): void {
    if (this.remaining === 0) return void this.unexpected++;
    try {
      this.checksum = hashObject(this.checksum, decode());
    } catch (error) {
      this.error ??= error instanceof Error ? error.message : String(error);
    }
    this.count++;
    if (--this.remaining === 0) this.finish();
  }

  /** One message was echoed back. */
  echoedOne(): void {
    this.count++;
    if (--this.remaining === 0) this.finish();
  }

  /** Resolves with the tally once every armed message has arrived (or been echoed). */
  result(): Promise<ReceiverResult> {
    const report = (): ReceiverResult => ({
      count: this.count,
      checksum: this.checksum,
      unexpected: this.unexpected,
      error: this.error,
    });
    if (this.remaining === 0) return Promise.resolve(report());
    return new Promise((resolve) => (this.done = () => resolve(report())));
  }

  private finish(): void {
    this.echoing = false;
    const done = this.done;
    this.done = null;
    done?.();
  }
}

/** Serves the standard operations of a receiving peer, plus the peer's own `handlers`. */
export function serveReceiver(
  endpoint: Endpoint,
  receiver: Receiver,
  handlers: Record<string, Handler> = {},
  onOther?: (message: unknown) => void,
): void {
  serveControl(
    endpoint,
    {
      arm: ({ codec, count }: { codec: Codec; count: number }) => receiver.arm(codec, count),
      result: () => receiver.result(),
      echo: ({ count }: { count: number }) => receiver.armEcho(count),
      echoed: async () => (await receiver.result()).count,
      ...handlers,
    },
    onOther,
  );
}
