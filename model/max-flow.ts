/**
 * Dinic's maximum-flow algorithm on a small directed graph with real capacities, and the
 * minimum s-t cut it certifies. Used by cut refinement; graphs have a few thousand vertices.
 */

/** Capacity treated as infinite (a constraint edge that a finite cut never crosses). */
export const INFINITE_CAPACITY = 1e300;

const EPS = 1e-9;

/** A flow network built edge by edge. Vertex ids are 0..n-1. */
export class FlowNetwork {
  private readonly head: Int32Array;
  private to: number[] = [];
  private cap: number[] = [];
  private next: number[] = [];

  /** Creates a network with `n` vertices. */
  constructor(readonly n: number) {
    this.head = new Int32Array(n).fill(-1);
  }

  /** Adds a directed edge u → v with capacity `c` (and its zero-capacity residual twin). */
  addEdge(u: number, v: number, c: number): void {
    this.to.push(v, u);
    this.cap.push(c, 0);
    this.next.push(this.head[u] as number, this.head[v] as number);
    this.head[u] = this.to.length - 2;
    this.head[v] = this.to.length - 1;
  }

  private bfs(s: number, t: number, level: Int32Array): boolean {
    level.fill(-1);
    const queue = new Int32Array(this.n);
    let qh = 0;
    let qt = 0;
    queue[qt++] = s;
    level[s] = 0;
    while (qh < qt) {
      const u = queue[qh++] as number;
      for (let e = this.head[u] as number; e !== -1; e = this.next[e] as number) {
        const v = this.to[e] as number;
        if ((this.cap[e] as number) > EPS && level[v] === -1) {
          level[v] = (level[u] as number) + 1;
          queue[qt++] = v;
        }
      }
    }
    return level[t] !== -1;
  }

  private dfs(u: number, t: number, f: number, level: Int32Array, it: Int32Array): number {
    if (u === t) return f;
    for (; it[u] !== -1; it[u] = this.next[it[u] as number] as number) {
      const e = it[u] as number;
      const v = this.to[e] as number;
      const c = this.cap[e] as number;
      if (c > EPS && level[v] === (level[u] as number) + 1) {
        const d = this.dfs(v, t, Math.min(f, c), level, it);
        if (d > EPS) {
          this.cap[e] = c - d;
          this.cap[e ^ 1] = (this.cap[e ^ 1] as number) + d;
          return d;
        }
      }
    }
    return 0;
  }

  /** Pushes the maximum flow from `s` to `t` and returns its value. */
  maxFlow(s: number, t: number): number {
    let flow = 0;
    const level = new Int32Array(this.n);
    while (this.bfs(s, t, level)) {
      const it = Int32Array.from(this.head);
      for (;;) {
        const f = this.dfs(s, t, Infinity, level, it);
        if (f <= EPS) break;
        flow += f;
        if (flow >= INFINITE_CAPACITY) return flow;
      }
    }
    return flow;
  }

  /** After {@link maxFlow}: the vertices reachable from `s` in the residual graph (the minimal source side). */
  sourceSide(s: number): Uint8Array {
    const seen = new Uint8Array(this.n);
    const stack = [s];
    seen[s] = 1;
    while (stack.length > 0) {
      const u = stack.pop() as number;
      for (let e = this.head[u] as number; e !== -1; e = this.next[e] as number) {
        const v = this.to[e] as number;
        if ((this.cap[e] as number) > EPS && seen[v] === 0) {
          seen[v] = 1;
          stack.push(v);
        }
      }
    }
    return seen;
  }
}
