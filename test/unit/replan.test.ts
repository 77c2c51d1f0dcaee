// replan(): re-planning on bandwidth estimates with hysteresis, confidence filtering, link
// collapse (edge only or dropping) and recovery. Time is the estimates' `at` field: no clocks.
import { Subject } from "rxjs";
import { describe, expect, test } from "vitest";
import { type ReplanDecision, type ReplanOptions, replan } from "../../operators/replan.js";
import type { PlanSpec } from "../../planner/plan-id.js";
import { PlanSwitchPolicy } from "../../planner/plan-switch.js";
import { type Profile, parseProfile } from "../../planner/profile.js";
import { memoryLogger } from "../../services/log.js";

const SHA = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/**
 * Cut 0 sends an 800 kB PNG (30 ms of compute in all); the last cut (2) sends a 100-byte result
 * after 62 ms of compute. Latency: png = 30 + 8e8 / bw ms, result = 62 + 1e5 / bw ms, so png
 * wins above ~25 MB/s and result wins below. Cut 1's encoding is outside the 0.01 budget.
 */
function profile(drops: { png?: number; result?: number } = {}): Profile {
  return parseProfile({
    version: 1,
    model: { name: "replan-test", sha256: SHA },
    cuts: [
      { id: 0, edgeMs: 0, cloudMs: 20 },
      { id: 1, edgeMs: 30, cloudMs: 10 },
      { id: 2, edgeMs: 60, cloudMs: 0 },
    ],
    encodings: [
      { cut: 0, codec: "png", bits: null, bytes: 800_000, accuracyDrop: drops.png ?? 0, encodeMs: 5, decodeMs: 5 },
      { cut: 1, codec: "ans", bits: 4, bytes: 1_000, accuracyDrop: 0.05, encodeMs: 1, decodeMs: 1 },
      { cut: 2, codec: "result", bits: null, bytes: 100, accuracyDrop: drops.result ?? 0, encodeMs: 1, decodeMs: 1 },
    ],
  });
}

const PNG: PlanSpec = { cut: 0, codec: "png", bits: null };
const RESULT: PlanSpec = { cut: 2, codec: "result", bits: null };
const HIGH = 100_000_000; // png: 38 ms, result: 62.001 ms
const LOW = 1_000_000; // png: 830 ms, result: 62.1 ms
const COLLAPSED = 1_000; // under the default 5000 B/s threshold

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
}

interface Harness {
  readonly decisions: ReplanDecision[];
  readonly applied: { spec: PlanSpec; why: string }[];
  readonly dropping: boolean[];
  readonly errors: unknown[];
  /** Feeds one estimate and waits for its decision; returns the decisions it produced. */
  feed(bytesPerSec: number, at: number, confidence?: number): Promise<ReplanDecision[]>;
  readonly src: Subject<{ bytesPerSec: number; confidence: number; at: number }>;
}

function harness(options: Partial<ReplanOptions> = {}): Harness {
  const decisions: ReplanDecision[] = [];
  const applied: { spec: PlanSpec; why: string }[] = [];
  const dropping: boolean[] = [];
  const errors: unknown[] = [];
  const src = new Subject<{ bytesPerSec: number; confidence: number; at: number }>();
  src
    .pipe(
      replan({
        profile: profile(),
        maxAccuracyDrop: 0.01,
        policy: new PlanSwitchPolicy({ marginFraction: 0.1, holdMs: 2000 }),
        initial: PNG,
        apply: (spec, why) => {
          applied.push({ spec, why });
          return Promise.resolve();
        },
        setDropping: (on) => void dropping.push(on),
        urgentFactor: Infinity, // the hold tests below; the urgent rule has its own test
        ...options,
      }),
    )
    .subscribe({ next: (d) => decisions.push(d), error: (e: unknown) => errors.push(e) });
  return {
    decisions,
    applied,
    dropping,
    errors,
    src,
    feed: async (bytesPerSec, at, confidence = 0.9) => {
      const before = decisions.length;
      src.next({ bytesPerSec, confidence, at });
      await flush();
      return decisions.slice(before);
    },
  };
}

describe("replan: switching with hysteresis", () => {
  test("a better plan is adopted only after it has been better for the hold time", async () => {
    const h = harness();
    expect(await h.feed(LOW, 10_000)).toEqual([
      expect.objectContaining({ at: 10_000, bandwidthBytesPerSec: LOW, confidence: 0.9, plan: "0.png", switched: false, collapsed: false, reason: "holding" }),
    ]);
    expect((await h.feed(LOW, 11_000))[0]).toMatchObject({ plan: "0.png", switched: false, reason: "holding" });
    expect((await h.feed(LOW, 11_999))[0]).toMatchObject({ plan: "0.png", switched: false, reason: "holding" });
    expect(h.applied).toEqual([]);

    const [d] = await h.feed(LOW, 12_000);
    expect(d).toMatchObject({ plan: "2.result", switched: true, collapsed: false, reason: "better", proposedAt: 10_000 });
    expect(h.applied).toHaveLength(1);
    expect(h.applied[0]?.spec).toEqual(RESULT);
    expect(h.applied[0]?.why).toMatch(/cut 2 result beats cut 0 png by .*% for 2000 ms/);

    // now running the result plan: it stays the best at low bandwidth
    expect((await h.feed(LOW, 13_000))[0]).toMatchObject({ plan: "2.result", switched: false, reason: "same-plan" });
    expect(h.applied).toHaveLength(1);
    expect(h.dropping).toEqual([]);
  });

  test("and switches back when the bandwidth returns, again after the hold", async () => {
    const h = harness({ initial: RESULT });
    expect((await h.feed(HIGH, 0))[0]).toMatchObject({ plan: "2.result", reason: "holding" });
    expect((await h.feed(HIGH, 1_500))[0]).toMatchObject({ plan: "2.result", reason: "holding" });
    expect((await h.feed(HIGH, 2_000))[0]).toMatchObject({ plan: "0.png", switched: true, reason: "better", proposedAt: 0 });
    expect(h.applied.map((a) => a.spec)).toEqual([PNG]);
  });

  test("a bandwidth blip restarts the hold: the switch comes hold ms after the last proposal streak began", async () => {
    const h = harness();
    await h.feed(LOW, 0); // holding since 0
    expect((await h.feed(HIGH, 1_000))[0]).toMatchObject({ plan: "0.png", switched: false, reason: "same-plan" });
    expect((await h.feed(LOW, 1_500))[0]).toMatchObject({ reason: "holding" }); // new streak
    expect((await h.feed(LOW, 3_000))[0]).toMatchObject({ reason: "holding" }); // would have switched without the blip
    expect(h.applied).toEqual([]);
    expect((await h.feed(LOW, 3_500))[0]).toMatchObject({ plan: "2.result", switched: true, reason: "better", proposedAt: 1_500 });
    expect(h.applied.map((a) => a.spec)).toEqual([RESULT]);
  });

  test("an initial plan the profile does not list is replaced at once", async () => {
    const h = harness({ initial: { cut: 1, codec: "huffman", bits: 8 } });
    const [d] = await h.feed(HIGH, 5);
    expect(d).toMatchObject({ plan: "0.png", switched: true, reason: "initial", proposedAt: 5 });
    expect(h.applied.map((a) => a.spec)).toEqual([PNG]);
  });

  test("the policy's margin applies: holdMs 0 with a large margin never switches on a small gain", async () => {
    // At 30 MB/s: png = 30 + 26.67 = 56.7 ms, result = 62.003 ms: png better by 8.6%, under a 10% margin.
    const h = harness({ initial: RESULT, policy: new PlanSwitchPolicy({ marginFraction: 0.1, holdMs: 0 }) });
    expect((await h.feed(30_000_000, 0))[0]).toMatchObject({ plan: "2.result", switched: false, reason: "not-better" });
    // png has been the planner's pick since 0, so that is when it was first proposed
    expect((await h.feed(HIGH, 1))[0]).toMatchObject({ plan: "0.png", switched: true, reason: "better", proposedAt: 0 });
  });
});

describe("replan: confidence", () => {
  test("estimates under the default confidence 0.1 are ignored, and do not start the hold timer", async () => {
    const h = harness();
    expect(await h.feed(LOW, 0, 0.09)).toEqual([
      { at: 0, bandwidthBytesPerSec: LOW, confidence: 0.09, plan: "0.png", switched: false, collapsed: false, reason: "low-confidence" },
    ]);
    expect((await h.feed(LOW, 1_000, 0.1))[0]).toMatchObject({ reason: "holding" }); // 0.1 is enough
    expect((await h.feed(LOW, 2_500))[0]).toMatchObject({ reason: "holding" }); // the timer began at 1000, not 0
    expect((await h.feed(LOW, 3_000))[0]).toMatchObject({ switched: true, reason: "better", proposedAt: 1_000 });
  });

  test("low-confidence estimates do not interrupt a hold either", async () => {
    const h = harness();
    await h.feed(LOW, 0);
    expect((await h.feed(HIGH, 1_000, 0.01))[0]).toMatchObject({ reason: "low-confidence", plan: "0.png" });
    expect((await h.feed(LOW, 2_000))[0]).toMatchObject({ switched: true, reason: "better", proposedAt: 0 });
  });

  test("a low-confidence collapse is ignored too", async () => {
    const h = harness();
    expect((await h.feed(COLLAPSED, 0, 0.05))[0]).toMatchObject({ reason: "low-confidence", collapsed: false, switched: false });
    expect(h.applied).toEqual([]);
    expect(h.dropping).toEqual([]);
  });

  test("minConfidence is configurable", async () => {
    const h = harness({ minConfidence: 0.5 });
    expect((await h.feed(LOW, 0, 0.49))[0]).toMatchObject({ reason: "low-confidence" });
    expect((await h.feed(LOW, 1, 0.5))[0]).toMatchObject({ reason: "holding" });
  });
});

describe("replan: link collapse", () => {
  test("edge-only (default): switches at once to the last cut's plan, then stays quiet while collapsed", async () => {
    const logger = memoryLogger();
    const h = harness({ logger });
    const [d] = await h.feed(COLLAPSED, 100);
    expect(d).toEqual({ at: 100, bandwidthBytesPerSec: COLLAPSED, confidence: 0.9, plan: "2.result", switched: true, collapsed: true, reason: "collapse-edge-only", proposedAt: 100 });
    expect(h.applied).toEqual([{ spec: RESULT, why: "link collapse: edge only" }]);
    expect(h.dropping).toEqual([]);
    expect(logger.events).toContainEqual({ level: "warn", event: "link-collapse", fields: { bandwidthBytesPerSec: COLLAPSED, fallback: "edge-only" } });

    expect((await h.feed(0, 200))[0]).toMatchObject({ plan: "2.result", switched: false, collapsed: true, reason: "collapsed" });
    expect(h.applied).toHaveLength(1);
  });

  test("edge-only: recovery clears the collapse and returns to the best plan only after the hold", async () => {
    const logger = memoryLogger();
    const h = harness({ logger });
    await h.feed(LOW, 0); // png beaten since 0: the policy is holding
    await h.feed(COLLAPSED, 1_000); // collapse: edge only, hold timer reset
    expect(h.applied.map((a) => a.spec)).toEqual([RESULT]);
    const [r] = await h.feed(HIGH, 5_000);
    expect(r).toMatchObject({ plan: "2.result", switched: false, collapsed: false, reason: "holding" });
    expect(h.dropping).toEqual([false]); // recovery always turns dropping off
    expect(logger.events.map((e) => e.event)).toEqual(["link-collapse", "link-recovered"]);
    expect((await h.feed(HIGH, 6_999))[0]).toMatchObject({ reason: "holding" });
    expect((await h.feed(HIGH, 7_000))[0]).toMatchObject({ plan: "0.png", switched: true, reason: "better", proposedAt: 5_000 });
    expect(h.applied.map((a) => a.spec)).toEqual([RESULT, PNG]);
  });

  test("the collapse threshold is configurable, and an estimate at the threshold is not a collapse", async () => {
    const h = harness({ collapseBelowBytesPerSec: 2 * LOW });
    expect((await h.feed(LOW, 0))[0]).toMatchObject({ collapsed: true, reason: "collapse-edge-only", plan: "2.result" });
    const h2 = harness({ initial: RESULT });
    expect((await h2.feed(5_000, 0))[0]).toMatchObject({ collapsed: false, reason: "same-plan" });
    expect((await h2.feed(4_999, 1))[0]).toMatchObject({ collapsed: true, reason: "collapse-edge-only" });
  });

  test("drop: turns dropping on at once, keeps the plan, and turns it off on recovery", async () => {
    const logger = memoryLogger();
    const h = harness({ collapse: "drop", logger });
    const [d] = await h.feed(COLLAPSED, 100);
    expect(d).toMatchObject({ plan: "0.png", switched: false, collapsed: true, reason: "collapse-drop" }); // the plan stays: not a switch
    expect(h.dropping).toEqual([true]);
    expect(h.applied).toEqual([]);
    expect(logger.events).toContainEqual({ level: "warn", event: "link-collapse", fields: { bandwidthBytesPerSec: COLLAPSED, fallback: "drop" } });

    expect((await h.feed(10, 200))[0]).toMatchObject({ collapsed: true, switched: false, reason: "collapsed" });
    expect(h.dropping).toEqual([true]); // not repeated

    const [r] = await h.feed(HIGH, 300);
    expect(r).toMatchObject({ plan: "0.png", collapsed: false, switched: false, reason: "same-plan" });
    expect(h.dropping).toEqual([true, false]);
    expect(h.applied).toEqual([]);
    expect(logger.events.map((e) => e.event)).toEqual(["link-collapse", "link-recovered"]);

    await h.feed(HIGH, 400);
    expect(h.dropping).toEqual([true, false]); // recovery is reported once
  });

  test("no plan within the accuracy budget counts as a collapse", async () => {
    const h = harness({ profile: profile({ png: 0.02, result: 0.02 }) });
    expect((await h.feed(HIGH, 0))[0]).toMatchObject({ collapsed: true, switched: true, reason: "collapse-edge-only", plan: "2.result" });
    expect(h.applied.map((a) => a.spec)).toEqual([RESULT]);
  });

  test("a second collapse after recovery falls back again", async () => {
    const h = harness({ collapse: "drop" });
    await h.feed(COLLAPSED, 0);
    await h.feed(HIGH, 1);
    await h.feed(COLLAPSED, 2);
    expect(h.dropping).toEqual([true, false, true]);
    expect(h.decisions.map((d) => d.reason)).toEqual(["collapse-drop", "same-plan", "collapse-drop"]);
  });
});

describe("replan: serialisation and errors", () => {
  test("decisions are serialised: the next estimate waits for apply to finish", async () => {
    const gates: (() => void)[] = [];
    const applied: PlanSpec[] = [];
    const decisions: ReplanDecision[] = [];
    const src = new Subject<{ bytesPerSec: number; confidence: number; at: number }>();
    src
      .pipe(
        replan({
          profile: profile(),
          maxAccuracyDrop: 0.01,
          policy: new PlanSwitchPolicy({ holdMs: 0 }),
          initial: PNG,
          apply: (spec) => {
            applied.push(spec);
            return new Promise<void>((r) => gates.push(r));
          },
        }),
      )
      .subscribe((d) => decisions.push(d));
    src.next({ bytesPerSec: COLLAPSED, confidence: 1, at: 0 });
    src.next({ bytesPerSec: HIGH, confidence: 1, at: 1 });
    await flush();
    expect(applied).toEqual([RESULT]);
    expect(decisions).toEqual([]);
    gates.shift()?.();
    await flush();
    // the first decision is out; the second has started and waits for its own apply
    expect(decisions.map((d) => d.reason)).toEqual(["collapse-edge-only"]);
    expect(applied).toEqual([RESULT, PNG]);
    gates.shift()?.();
    await flush();
    expect(decisions.map((d) => [d.reason, d.plan])).toEqual([
      ["collapse-edge-only", "2.result"],
      ["better", "0.png"],
    ]);
  });

  test("a failing apply errors the stream", async () => {
    const boom = new Error("load failed");
    const h = harness({ apply: () => Promise.reject(boom) });
    await h.feed(COLLAPSED, 0);
    expect(h.errors).toEqual([boom]);
  });

  test("collapse to edge only while already on the edge-only plan applies nothing", async () => {
    const h = harness({ initial: RESULT });
    const [d] = await h.feed(COLLAPSED, 0);
    expect(d).toMatchObject({ collapsed: true, switched: false, reason: "collapse-edge-only" });
    expect(h.applied).toEqual([]);
  });

  // A proposal from before a collapse must not date a switch after recovery (the hold restarts).
  test("a proposal made before a collapse does not date a switch after recovery", async () => {
    const h = harness({ initial: RESULT });
    expect((await h.feed(HIGH, 1_000))[0]).toMatchObject({ reason: "holding" });
    await h.feed(COLLAPSED, 1_500);
    expect((await h.feed(HIGH, 10_000))[0]).toMatchObject({ reason: "holding" });
    const [d] = await h.feed(HIGH, 12_000);
    expect(d).toMatchObject({ switched: true, reason: "better" });
    expect(d?.proposedAt).toBe(10_000);
  });

  // latency-at-fps passes minFps to the planner instead of reading every estimate as a collapse.
  test("objective latency-at-fps plans instead of collapsing on a healthy link", async () => {
    const h = harness({ objective: "latency-at-fps", minFps: 0.1 });
    expect((await h.feed(HIGH, 0))[0]).toMatchObject({ collapsed: false });
  });
});

describe("replan: urgent switches", () => {
  test("a plan more than urgentFactor× faster is adopted at once, without the hold", async () => {
    const h = harness({ urgentFactor: 2 });
    const [d] = await h.feed(LOW, 1_000); // png 830 ms vs result 62.1 ms: 13× faster
    expect(d).toMatchObject({ switched: true, reason: "urgent", plan: "2.result" });
    expect(h.applied.map((a) => a.spec)).toEqual([RESULT]);
  });

  test("under the factor, the hold still applies", async () => {
    const h = harness({ urgentFactor: 20 });
    expect((await h.feed(LOW, 1_000))[0]).toMatchObject({ switched: false, reason: "holding" });
  });
});
