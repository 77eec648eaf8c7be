// Calls between a page and its worker: the page calls the worker's methods by name and gets their
// results (or their errors, as Error with the same message and name); the worker can also send
// events (a lost device) on its own. Arguments and results are structured-cloned.

interface Request {
  id: number;
  method: string;
  args: unknown;
}
type Reply = { id: number; result: unknown } | { id: number; error: { name: string; message: string } } | { event: string; data: unknown };

/** The page's side. */
export class WorkerClient {
  private next = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private readonly listeners = new Map<string, (data: unknown) => void>();

  constructor(private readonly worker: Worker) {
    worker.addEventListener('message', (ev: MessageEvent<Reply>) => {
      const m = ev.data;
      if ('event' in m) return this.listeners.get(m.event)?.(m.data);
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if ('error' in m) p.reject(Object.assign(new Error(m.error.message), { name: m.error.name }));
      else p.resolve(m.result);
    });
    worker.addEventListener('error', (ev) => {
      const err = new Error(`the page's worker failed: ${ev.message}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      this.listeners.get('fatal')?.({ kind: 'worker', message: ev.message });
    });
  }

  /** Calls `method` in the worker; resolves with its result. */
  call<T>(method: string, args: unknown = null): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, method, args } satisfies Request);
    });
  }

  on(event: string, listener: (data: unknown) => void): void {
    this.listeners.set(event, listener);
  }
}

/**
 * A TrainLoop step run in the worker by `method`: a reported step returns the worker's reply (the
 * loop waits for it); an unreported one is not waited for, and if it fails `onFail` runs, so the
 * page stops as it would for a failed report.
 */
export function workerStep<R>(worker: WorkerClient, method: string, args: object, report: boolean, onFail: (err: unknown) => void): Promise<R> | null {
  const reply = worker.call<R | null>(method, { ...args, report });
  if (report) return reply as Promise<R>;
  reply.catch(onFail);
  return null;
}

/**
 * The worker's side: answers calls with `methods`. Each method starts when its message arrives, so
 * the synchronous part of every call (encoding and submitting GPU work) runs in the order the page
 * sent them; a reply waits only for its own read-back.
 */
export function serve(methods: Record<string, (args: never) => unknown>): { emit(event: string, data: unknown): void } {
  const post = (m: Reply) => (self as unknown as Worker).postMessage(m);
  self.addEventListener('message', (ev: MessageEvent<Request>) => {
    const { id, method, args } = ev.data;
    const fail = (err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      post({ id, error: { name: e.name, message: e.message } });
    };
    try {
      const fn = methods[method];
      if (!fn) throw new Error(`the worker has no method "${method}"`);
      Promise.resolve(fn(args as never)).then((result) => post({ id, result }), fail);
    } catch (err) {
      fail(err);
    }
  });
  return { emit: (event, data) => post({ event, data }) };
}
