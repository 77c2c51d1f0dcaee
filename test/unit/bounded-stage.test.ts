// boundedStage: bounded queue, concurrency limit, drop-oldest / block policies, pause/resume of
// the stage itself, completion after the queue drains, error propagation. Everything runs on
// manually resolved promises: the tests order events logically, never by time.
import fc from "fast-check";
import { Observable, Subject, type Subscription, config, of, throwError } from "rxjs";
import { describe, expect, test } from "vitest";
import { type FlowControl, boundedStage } from "../../operators/bounded-stage.js";

/** A promise resolved or rejected by hand. */
interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(v: T): void;
  reject(e: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise callback (and rxjs's reactions to them) run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
}

/** A project whose calls are recorded and resolved by hand; tracks how many run at once. */
function controlled<T>(): {
  project: (item: T) => Promise<string>;
  started: T[];
  pending: Map<T, Deferred<string>>;
  finish(item: T): void;
  fail(item: T, e: unknown): void;
  active(): number;
  maxActive(): number;
} {
  const started: T[] = [];
  const pending = new Map<T, Deferred<string>>();
  let active = 0;
  let maxActive = 0;
  return {
    started,
    pending,
    project: (item) => {
      started.push(item);
      active++;
      maxActive = Math.max(maxActive, active);
      const d = deferred<string>();
      pending.set(item, d);
      return d.promise.finally(() => {
        active--;
      });
    },
    finish: (item) => {
      const d = pending.get(item);
      if (d === undefined) throw new Error(`item ${String(item)} was never started`);
      pending.delete(item);
      d.resolve(`r${String(item)}`);
    },
    fail: (item, e) => {
      const d = pending.get(item);
      if (d === undefined) throw new Error(`item ${String(item)} was never started`);
      pending.delete(item);
      d.reject(e);
    },
    active: () => active,
    maxActive: () => maxActive,
  };
}

/** Subscribes and records what comes out. */
function collect<R>(obs: Observable<R>): { values: R[]; errors: unknown[]; completed: () => boolean; sub: Subscription } {
  const values: R[] = [];
  const errors: unknown[] = [];
  let completed = false;
  const sub = obs.subscribe({
    next: (v) => values.push(v),
    error: (e: unknown) => errors.push(e),
    complete: () => {
      completed = true;
    },
  });
  return { values, errors, completed: () => completed, sub };
}

function upstreamSpy(): FlowControl & { calls: string[] } {
  const calls: string[] = [];
  return { calls, pause: () => void calls.push("pause"), resume: () => void calls.push("resume") };
}

describe("boundedStage: drop-oldest", () => {
  test("drops exactly the oldest waiting items, reports them through onDrop, and runs the rest", async () => {
    const p = controlled<number>();
    const dropped: number[] = [];
    const stage = boundedStage(p.project, { capacity: 2, concurrency: 1, onDrop: (x) => dropped.push(x) });
    const src = new Subject<number>();
    const out = collect(src.pipe(stage.operator));

    for (let i = 1; i <= 6; i++) src.next(i);
    // 1 runs at once; 2 and 3 wait; 4, 5, 6 each push out the oldest waiting item.
    expect(p.started).toEqual([1]);
    expect(dropped).toEqual([2, 3, 4]);
    expect(stage.running()).toBe(1);
    expect(stage.queued()).toBe(2);

    p.finish(1);
    await flush();
    expect(p.started).toEqual([1, 5]);
    p.finish(5);
    await flush();
    expect(p.started).toEqual([1, 5, 6]);
    src.complete();
    expect(out.completed()).toBe(false);
    p.finish(6);
    await flush();
    expect(out.values).toEqual(["r1", "r5", "r6"]);
    expect(out.completed()).toBe(true);
    expect(dropped).toEqual([2, 3, 4]);
  });

  test("the running item is never dropped; nothing is dropped while the queue has room", async () => {
    const p = controlled<string>();
    const dropped: string[] = [];
    const stage = boundedStage(p.project, { capacity: 3, onDrop: (x) => dropped.push(x) });
    const src = new Subject<string>();
    const out = collect(src.pipe(stage.operator));
    for (const x of ["a", "b", "c", "d"]) src.next(x);
    expect(dropped).toEqual([]);
    src.next("e");
    expect(dropped).toEqual(["b"]);
    expect(p.started).toEqual(["a"]);
    for (const x of ["a", "c", "d", "e"]) {
      p.finish(x);
      await flush();
    }
    src.complete();
    await flush();
    expect(out.values).toEqual(["ra", "rc", "rd", "re"]);
    expect(out.completed()).toBe(true);
  });

  test("defaults: capacity 4, concurrency 1, drop-oldest", () => {
    const p = controlled<number>();
    const dropped: number[] = [];
    const stage = boundedStage(p.project, { onDrop: (x) => dropped.push(x) });
    const src = new Subject<number>();
    collect(src.pipe(stage.operator));
    for (let i = 0; i < 7; i++) src.next(i);
    expect(stage.running()).toBe(1);
    expect(stage.queued()).toBe(4);
    expect(dropped).toEqual([1, 2]);
  });

  test("capacity and concurrency below 1 are treated as 1", () => {
    const p = controlled<number>();
    const dropped: number[] = [];
    const stage = boundedStage(p.project, { capacity: 0, concurrency: 0, onDrop: (x) => dropped.push(x) });
    const src = new Subject<number>();
    collect(src.pipe(stage.operator));
    for (let i = 0; i < 4; i++) src.next(i);
    expect(p.started).toEqual([0]);
    expect(stage.queued()).toBe(1);
    expect(dropped).toEqual([1, 2]);
  });

  test("property: queue never exceeds capacity, drops are the oldest waiting, every item is run or dropped once", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }),
        async (capacity, concurrency, script) => {
          // script: true = a new item arrives, false = the oldest running item finishes
          const p = controlled<number>();
          const dropped: number[] = [];
          const stage = boundedStage(p.project, { capacity, concurrency, onDrop: (x) => dropped.push(x) });
          const src = new Subject<number>();
          const out = collect(src.pipe(stage.operator));
          const waiting: number[] = []; // model of the queue
          let next = 0;
          for (const arrive of script) {
            if (arrive) {
              const item = next++;
              const drops = dropped.length;
              const oldest = waiting.length >= capacity ? waiting.shift() : undefined;
              waiting.push(item);
              src.next(item);
              if (oldest === undefined) expect(dropped.length).toBe(drops);
              else expect(dropped.slice(drops)).toEqual([oldest]);
            } else {
              const running = p.started.find((x) => p.pending.has(x));
              if (running === undefined) continue;
              p.finish(running);
              await flush();
            }
            // model: waiting items start in order while there is room
            while (waiting.length > 0 && p.started.includes(waiting[0] as number)) waiting.shift();
            expect(stage.queued()).toBe(waiting.length);
            expect(stage.queued()).toBeLessThanOrEqual(capacity);
            expect(p.active()).toBeLessThanOrEqual(concurrency);
          }
          src.complete();
          while (p.pending.size > 0) {
            for (const x of [...p.pending.keys()]) p.finish(x);
            await flush();
          }
          expect(out.completed()).toBe(true);
          expect(p.maxActive()).toBeLessThanOrEqual(concurrency);
          const seen = [...p.started, ...dropped].sort((a, b) => a - b);
          expect(seen).toEqual(Array.from({ length: next }, (_, i) => i));
          expect(out.values.length).toBe(p.started.length);
          // items start in arrival order
          expect([...p.started]).toEqual([...p.started].sort((a, b) => a - b));
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("boundedStage: concurrency", () => {
  test("runs at most `concurrency` items at once, and starts the next as soon as one finishes", async () => {
    const p = controlled<number>();
    const stage = boundedStage(p.project, { capacity: 100, concurrency: 3 });
    const src = new Subject<number>();
    const out = collect(src.pipe(stage.operator));
    for (let i = 0; i < 10; i++) src.next(i);
    expect(p.started).toEqual([0, 1, 2]);
    expect(stage.running()).toBe(3);
    expect(stage.queued()).toBe(7);

    // finish out of order: results come in completion order
    p.finish(1);
    await flush();
    expect(p.started).toEqual([0, 1, 2, 3]);
    expect(stage.running()).toBe(3);
    p.finish(3);
    p.finish(0);
    await flush();
    expect(p.started).toEqual([0, 1, 2, 3, 4, 5]);
    expect(out.values.slice(0, 3)).toEqual(["r1", "r3", "r0"]);
    src.complete();
    while (p.pending.size > 0) {
      for (const x of [...p.pending.keys()].reverse()) p.finish(x);
      await flush();
    }
    expect(p.maxActive()).toBe(3);
    expect(out.values).toHaveLength(10);
    expect(out.completed()).toBe(true);
  });

  test("an observable project counts as running until it completes, and all its values are emitted", async () => {
    const gates = new Map<number, Subject<string>>();
    let active = 0;
    let maxActive = 0;
    const stage = boundedStage(
      (x: number) =>
        new Observable<string>((sub) => {
          active++;
          maxActive = Math.max(maxActive, active);
          const g = new Subject<string>();
          gates.set(x, g);
          const s = g.subscribe({
            next: (v) => sub.next(v),
            complete: () => {
              active--;
              sub.complete();
            },
          });
          return () => s.unsubscribe();
        }),
      { concurrency: 2, capacity: 10 },
    );
    const src = new Subject<number>();
    const out = collect(src.pipe(stage.operator));
    [1, 2, 3].forEach((x) => src.next(x));
    expect([...gates.keys()]).toEqual([1, 2]);
    gates.get(1)?.next("1a");
    gates.get(1)?.next("1b");
    expect(stage.running()).toBe(2);
    expect([...gates.keys()]).toEqual([1, 2]);
    gates.get(1)?.complete();
    expect([...gates.keys()]).toEqual([1, 2, 3]);
    gates.get(2)?.next("2a");
    gates.get(2)?.complete();
    gates.get(3)?.complete();
    src.complete();
    await flush();
    expect(out.values).toEqual(["1a", "1b", "2a"]);
    expect(maxActive).toBe(2);
    expect(out.completed()).toBe(true);
  });

  test("a synchronous observable project runs every item in order", () => {
    const stage = boundedStage((x: number) => of(x * 10), { capacity: 1 });
    const src = new Subject<number>();
    const out = collect(src.pipe(stage.operator));
    for (let i = 1; i <= 5; i++) src.next(i);
    src.complete();
    expect(out.values).toEqual([10, 20, 30, 40, 50]);
    expect(out.completed()).toBe(true);
    expect(stage.running()).toBe(0);
  });
});

describe("boundedStage: block", () => {
  test("throws TypeError without upstream", () => {
    expect(() => boundedStage((x: number) => Promise.resolve(x), { policy: "block" })).toThrow(TypeError);
    expect(() => boundedStage((x: number) => Promise.resolve(x), { policy: "block" })).toThrow(/policy "block" needs options\.upstream/);
  });

  test("pauses upstream when the queue reaches capacity and resumes it once there is room; never drops", async () => {
    const p = controlled<string>();
    const up = upstreamSpy();
    const dropped: string[] = [];
    const stage = boundedStage(p.project, { capacity: 2, concurrency: 1, policy: "block", upstream: up, onDrop: (x) => dropped.push(x) });
    const src = new Subject<string>();
    const out = collect(src.pipe(stage.operator));

    src.next("a"); // runs
    src.next("b"); // waits (1 of 2)
    expect(up.calls).toEqual([]);
    src.next("c"); // waits (2 of 2): full
    expect(up.calls).toEqual(["pause"]);
    src.next("d"); // was already on its way: queued past capacity, not dropped, no second pause
    expect(up.calls).toEqual(["pause"]);
    expect(stage.queued()).toBe(3);
    expect(dropped).toEqual([]);

    p.finish("a");
    await flush();
    expect(p.started).toEqual(["a", "b"]);
    expect(stage.queued()).toBe(2);
    expect(up.calls).toEqual(["pause"]); // still full

    p.finish("b");
    await flush();
    expect(stage.queued()).toBe(1);
    expect(up.calls).toEqual(["pause", "resume"]);

    src.next("e"); // c runs, d and e wait: full again
    src.next("f");
    expect(up.calls).toEqual(["pause", "resume", "pause"]);
    src.complete();
    for (const x of ["c", "d", "e", "f"]) {
      p.finish(x);
      await flush();
    }
    expect(up.calls).toEqual(["pause", "resume", "pause", "resume"]);
    expect(out.values).toEqual(["ra", "rb", "rc", "rd", "re", "rf"]);
    expect(out.completed()).toBe(true);
    expect(dropped).toEqual([]);
  });

  test("pause and resume strictly alternate, starting with pause", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.array(fc.boolean(), { maxLength: 30 }), async (capacity, script) => {
        const p = controlled<number>();
        const up = upstreamSpy();
        const stage = boundedStage(p.project, { capacity, policy: "block", upstream: up });
        const src = new Subject<number>();
        collect(src.pipe(stage.operator));
        let n = 0;
        for (const arrive of script) {
          if (arrive) src.next(n++);
          else {
            const running = p.started.find((x) => p.pending.has(x));
            if (running !== undefined) p.finish(running);
            await flush();
          }
        }
        up.calls.forEach((c, i) => expect(c).toBe(i % 2 === 0 ? "pause" : "resume"));
        expect(p.started.length + stage.queued()).toBe(n); // nothing dropped
      }),
      { numRuns: 40 },
    );
  });
});

describe("boundedStage: pause/resume of the stage itself", () => {
  test("a paused stage starts nothing; its queue fills and applies its policy; resume starts work again", async () => {
    const p = controlled<number>();
    const dropped: number[] = [];
    const stage = boundedStage(p.project, { capacity: 2, concurrency: 2, onDrop: (x) => dropped.push(x) });
    const src = new Subject<number>();
    const out = collect(src.pipe(stage.operator));
    stage.pause();
    for (let i = 1; i <= 4; i++) src.next(i);
    expect(p.started).toEqual([]);
    expect(stage.queued()).toBe(2);
    expect(dropped).toEqual([1, 2]);
    stage.resume();
    expect(p.started).toEqual([3, 4]);
    expect(stage.queued()).toBe(0);
    p.finish(3);
    p.finish(4);
    src.complete();
    await flush();
    expect(out.values).toEqual(["r3", "r4"]);
    expect(out.completed()).toBe(true);
  });

  test("pausing mid-stream lets running items finish but starts no new one until resume", async () => {
    const p = controlled<number>();
    const stage = boundedStage(p.project, { capacity: 10, concurrency: 1 });
    const src = new Subject<number>();
    const out = collect(src.pipe(stage.operator));
    [1, 2, 3].forEach((x) => src.next(x));
    stage.pause();
    p.finish(1);
    await flush();
    expect(out.values).toEqual(["r1"]);
    expect(p.started).toEqual([1]);
    expect(stage.running()).toBe(0);
    expect(stage.queued()).toBe(2);
    src.complete();
    await flush();
    expect(out.completed()).toBe(false); // the queue has not drained
    stage.resume();
    expect(p.started).toEqual([1, 2]);
    p.finish(2);
    await flush();
    p.finish(3);
    await flush();
    expect(out.values).toEqual(["r1", "r2", "r3"]);
    expect(out.completed()).toBe(true);
  });

  test("a blocking stage paused by the next stage pauses its own upstream when it fills", async () => {
    const p = controlled<number>();
    const up = upstreamSpy();
    const stage = boundedStage(p.project, { capacity: 2, policy: "block", upstream: up });
    const src = new Subject<number>();
    collect(src.pipe(stage.operator));
    stage.pause();
    src.next(1);
    expect(up.calls).toEqual([]);
    src.next(2);
    expect(up.calls).toEqual(["pause"]);
    stage.resume(); // 1 starts, 1 waiting: room again
    expect(p.started).toEqual([1]);
    expect(up.calls).toEqual(["pause", "resume"]);
    p.finish(1);
    await flush();
    expect(p.started).toEqual([1, 2]);
  });
});

describe("boundedStage: completion and errors", () => {
  test("completes only after the source completed and the queue drained", async () => {
    const p = controlled<number>();
    const stage = boundedStage(p.project, { capacity: 5 });
    const src = new Subject<number>();
    const out = collect(src.pipe(stage.operator));
    [1, 2, 3].forEach((x) => src.next(x));
    src.complete();
    await flush();
    expect(out.completed()).toBe(false);
    p.finish(1);
    await flush();
    expect(out.completed()).toBe(false);
    p.finish(2);
    await flush();
    expect(out.completed()).toBe(false);
    p.finish(3);
    await flush();
    expect(out.completed()).toBe(true);
    expect(out.values).toEqual(["r1", "r2", "r3"]);
  });

  test("an empty source completes at once", () => {
    const stage = boundedStage((x: number) => Promise.resolve(x));
    const src = new Subject<number>();
    const out = collect(src.pipe(stage.operator));
    src.complete();
    expect(out.completed()).toBe(true);
    expect(out.values).toEqual([]);
  });

  test("a rejected project promise errors the stream with that error", async () => {
    const p = controlled<number>();
    const stage = boundedStage(p.project, { capacity: 5, concurrency: 2 });
    const src = new Subject<number>();
    const out = collect(src.pipe(stage.operator));
    [1, 2, 3].forEach((x) => src.next(x));
    const boom = new Error("boom");
    p.fail(2, boom);
    await flush();
    expect(out.errors).toEqual([boom]);
    p.finish(1);
    await flush();
    expect(out.values).toEqual([]); // nothing after the error
    expect(out.completed()).toBe(false);
  });

  test("an erroring observable project errors the stream", () => {
    const boom = new Error("obs boom");
    const stage = boundedStage((x: number) => (x === 2 ? throwError(() => boom) : of(x)));
    const src = new Subject<number>();
    const out = collect(src.pipe(stage.operator));
    src.next(1);
    src.next(2);
    src.next(3);
    expect(out.values).toEqual([1]);
    expect(out.errors).toEqual([boom]);
  });

  // A project that throws synchronously errors the stream (it is deferred).
  test("a project that throws synchronously errors the stream", async () => {
    const unhandled: unknown[] = [];
    const saved = config.onUnhandledError;
    config.onUnhandledError = (e: unknown) => void unhandled.push(e);
    try {
      const boom = new Error("sync");
      const stage = boundedStage((x: number): Promise<number> => {
        if (x === 1) throw boom;
        return Promise.resolve(x);
      });
      const src = new Subject<number>();
      const out = collect(src.pipe(stage.operator));
      src.next(1);
      await flush();
      expect(unhandled).toEqual([]);
      expect(out.errors).toEqual([boom]);
    } finally {
      // rxjs reports unhandled errors on a timer: let it fire before restoring the handler.
      for (let i = 0; i < 50 && unhandled.length === 0; i++) await new Promise<void>((r) => setTimeout(r, 0));
      config.onUnhandledError = saved;
    }
  });

  test("a source error is passed on", () => {
    const stage = boundedStage((x: number) => Promise.resolve(x));
    const src = new Subject<number>();
    const out = collect(src.pipe(stage.operator));
    const boom = new Error("source");
    src.error(boom);
    expect(out.errors).toEqual([boom]);
  });

  test("unsubscribing clears the queue and stops the project's results", async () => {
    const p = controlled<number>();
    const stage = boundedStage(p.project, { capacity: 5 });
    const src = new Subject<number>();
    const out = collect(src.pipe(stage.operator));
    [1, 2, 3].forEach((x) => src.next(x));
    out.sub.unsubscribe();
    expect(stage.queued()).toBe(0);
    expect(src.observed).toBe(false);
    p.finish(1);
    await flush();
    expect(out.values).toEqual([]);
    expect(p.started).toEqual([1]);
  });
});
