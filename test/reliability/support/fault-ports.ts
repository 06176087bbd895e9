/**
 * Crash injection around the REAL adapters (no mocks): a SimulatedCrash is thrown
 * right before or right after one named call of a port took effect. From then on
 * the "process" is dead: every later call through any wrapped port throws too, so
 * the stage's error path (releasing its claim, aborting writers) cannot run, just
 * as after a real crash. A rerun uses the unwrapped ports: the restarted process.
 */
import type {
  EventBus,
  Mailer,
  ObjectInfo,
  ObjectStore,
  ObjectWriter,
  PutOptions,
  StateStore,
} from '../../../src/core/ports.js';

export class SimulatedCrash extends Error {
  readonly code = 'TEST.SIMULATED_CRASH';
}

export type PortName = 'store' | 'state' | 'bus' | 'mailer';

export interface FaultPoint {
  readonly port: PortName;
  /** The port's method; `writer.close` is the moment a streamed object becomes visible. */
  readonly method: string;
  readonly when: 'before' | 'after';
  /** Only calls whose key (object key, claim key, item pk, event detail type) matches. */
  readonly key?: RegExp;
}

export class Crasher {
  #dead = false;
  #crashed = false;

  constructor(readonly point: FaultPoint) {}

  /** True once the process is gone: every call throws. */
  get dead(): boolean {
    return this.#dead;
  }

  /** True once the fault point was reached. */
  get crashed(): boolean {
    return this.#crashed;
  }

  async call<T>(port: PortName, method: string, key: string | undefined, run: () => Promise<T>): Promise<T> {
    if (this.#dead) throw new SimulatedCrash(`the process is gone (${port}.${method} after the crash)`);
    const { point } = this;
    const hit =
      !this.#crashed &&
      point.port === port &&
      point.method === method &&
      (point.key === undefined || (key !== undefined && point.key.test(key)));
    if (hit && point.when === 'before') this.#die();
    const value = await run();
    if (hit) this.#die();
    return value;
  }

  #die(): never {
    this.#dead = true;
    this.#crashed = true;
    const { port, method, when } = this.point;
    throw new SimulatedCrash(`simulated crash ${when} ${port}.${method}`);
  }
}

class CrashingWriter implements ObjectWriter {
  constructor(
    private readonly inner: ObjectWriter,
    private readonly key: string,
    private readonly crasher: Crasher,
  ) {}

  write(chunk: string | Uint8Array): Promise<void> {
    return this.crasher.call('store', 'writer.write', this.key, () => this.inner.write(chunk));
  }

  close(): Promise<ObjectInfo> {
    return this.crasher.call('store', 'writer.close', this.key, () => this.inner.close());
  }

  async abort(): Promise<void> {
    if (this.crasher.dead) {
      // The OS closes a dead process's files; nothing was visible at the key anyway.
      await this.inner.abort();
      throw new SimulatedCrash('the process is gone (writer.abort after the crash)');
    }
    return this.crasher.call('store', 'writer.abort', this.key, () => this.inner.abort());
  }
}

export function crashingStore(inner: ObjectStore, crasher: Crasher): ObjectStore {
  return {
    head: (key) => crasher.call('store', 'head', key, () => inner.head(key)),
    getStream: (key) => crasher.call('store', 'getStream', key, () => inner.getStream(key)),
    getBytes: (key) => crasher.call('store', 'getBytes', key, () => inner.getBytes(key)),
    put: (key, body, options?: PutOptions) =>
      crasher.call('store', 'put', key, () => inner.put(key, body, options)),
    openWriter: async (key, options) =>
      new CrashingWriter(
        await crasher.call('store', 'openWriter', key, () => inner.openWriter(key, options)),
        key,
        crasher,
      ),
    async *list(prefix) {
      const listed: ObjectInfo[] = [];
      await crasher.call('store', 'list', prefix, async () => {
        for await (const info of inner.list(prefix)) listed.push(info);
      });
      yield* listed;
    },
  };
}

export function crashingState(inner: StateStore, crasher: Crasher): StateStore {
  return {
    claim: (key, request) => crasher.call('state', 'claim', key, () => inner.claim(key, request)),
    complete: (key, owner, result, options) =>
      crasher.call('state', 'complete', key, () => inner.complete(key, owner, result, options)),
    renew: (key, owner, options) =>
      crasher.call('state', 'renew', key, () => inner.renew(key, owner, options)),
    release: (key, owner) => crasher.call('state', 'release', key, () => inner.release(key, owner)),
    getClaim: (key) => crasher.call('state', 'getClaim', key, () => inner.getClaim(key)),
    put: (item) => crasher.call('state', 'put', item.pk, () => inner.put(item)),
    putMany: (items) => crasher.call('state', 'putMany', items[0]?.pk, () => inner.putMany(items)),
    get: (pk, sk) => crasher.call('state', 'get', pk, () => inner.get(pk, sk)),
    query: (pk, options) => crasher.call('state', 'query', pk, () => inner.query(pk, options)),
  };
}

export function crashingBus(inner: EventBus, crasher: Crasher): EventBus {
  return {
    publish: (events) => crasher.call('bus', 'publish', events[0]?.detailType, () => inner.publish(events)),
  };
}

export function crashingMailer(inner: Mailer, crasher: Crasher): Mailer {
  return {
    name: inner.name,
    send: (message) => crasher.call('mailer', 'send', message.messageId, () => inner.send(message)),
  };
}
