/**
 * A pipeline stage with a bounded queue: items wait in a queue of at most `capacity`, at most
 * `concurrency` run at once, and what happens when the queue is full is explicit:
 * - `drop-oldest`: the oldest waiting item is dropped and reported through `onDrop` (the
 *   edge's default: fresh frames matter more than stale ones);
 * - `block`: the upstream is asked to pause (`options.upstream.pause()`), and resumed once the
 *   queue has room again; items already on their way are still queued, so the queue may exceed
 *   its capacity by what was in flight upstream, never more.
 * A stage can itself be paused by the stage after it (`stage.pause()`): it then starts nothing
 * new and its queue fills and applies its policy. Chaining stages this way keeps every queue
 * between frame source and network bounded.
 */
import { Observable, type OperatorFunction, Subscription, defer, from } from "rxjs";

/** What a full queue does. */
export type QueuePolicy = "drop-oldest" | "block";

/** Something that can be paused and resumed (a frame source, an earlier stage). */
export interface FlowControl {
  pause(): void;
  resume(): void;
}

/** Options for {@link boundedStage}. */
export interface BoundedStageOptions<T> {
  /** Items allowed to wait (not counting running ones). Default 4. */
  readonly capacity?: number;
  /** Items processed at once. Default 1. */
  readonly concurrency?: number;
  /** Full-queue policy. Default "drop-oldest". */
  readonly policy?: QueuePolicy;
  /** Called with each dropped item (drop-oldest). */
  readonly onDrop?: (item: T) => void;
  /** Upstream flow control, required for "block". */
  readonly upstream?: FlowControl;
}

/** A stage: the operator to pipe, its flow control for the stage before it, and its queue depth. */
export interface BoundedStage<T, R> extends FlowControl {
  readonly operator: OperatorFunction<T, R>;
  /** Items waiting now. */
  queued(): number;
  /** Items running now. */
  running(): number;
}

/** Builds a bounded stage around `project` (a promise or observable per item; errors end the stream). */
export function boundedStage<T, R>(project: (item: T) => Promise<R> | Observable<R>, options: BoundedStageOptions<T> = {}): BoundedStage<T, R> {
  const capacity = Math.max(1, options.capacity ?? 4);
  const concurrency = Math.max(1, options.concurrency ?? 1);
  const policy = options.policy ?? "drop-oldest";
  if (policy === "block" && options.upstream === undefined) throw new TypeError("boundedStage: policy \"block\" needs options.upstream to pause");
  const queue: T[] = [];
  let active = 0;
  let paused = false;
  let upstreamPaused = false;
  let pump: () => void = () => undefined;

  const operator: OperatorFunction<T, R> = (source) =>
    new Observable<R>((subscriber) => {
      let done = false;
      const inner = new Subscription();
      const maybeComplete = (): void => {
        if (done && active === 0 && queue.length === 0) subscriber.complete();
      };
      pump = () => {
        while (!paused && active < concurrency && queue.length > 0) {
          const item = queue.shift() as T;
          active++;
          inner.add(defer(() => from(project(item))).subscribe({
            next: (r) => subscriber.next(r),
            error: (e: unknown) => subscriber.error(e),
            complete: () => {
              active--;
              pump();
              maybeComplete();
            },
          }));
        }
        if (upstreamPaused && queue.length < capacity) {
          upstreamPaused = false;
          options.upstream?.resume();
        }
      };
      const sub = source.subscribe({
        next: (item) => {
          if (queue.length >= capacity) {
            if (policy === "drop-oldest") options.onDrop?.(queue.shift() as T);
            else if (!upstreamPaused) {
              upstreamPaused = true;
              options.upstream?.pause();
            }
          }
          queue.push(item);
          if (policy === "block" && queue.length >= capacity && !upstreamPaused) {
            upstreamPaused = true;
            options.upstream?.pause();
          }
          pump();
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => {
          done = true;
          maybeComplete();
        },
      });
      return () => {
        sub.unsubscribe();
        inner.unsubscribe();
        queue.length = 0;
      };
    });

  return {
    operator,
    queued: () => queue.length,
    running: () => active,
    pause: () => {
      paused = true;
    },
    resume: () => {
      paused = false;
      pump();
    },
  };
}
