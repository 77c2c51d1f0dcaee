// The private nats-server harness: a real server with JetStream on an ephemeral port, used by
// every NATS test and by jalad demo.
import { existsSync } from "node:fs";
import { connect } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { describe, expect, test } from "vitest";
import { startNatsServer } from "../../services/nats-server.js";

describe("startNatsServer", () => {
  test("starts JetStream on 127.0.0.1 with an ephemeral port, takes a publish with dedupe, and cleans up", async () => {
    const server = await startNatsServer();
    try {
      expect(server.url).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/);
      expect(server.port).not.toBe(4222);
      expect(server.version).toMatch(/^2\./);
      const nc = await connect({ servers: server.url });
      try {
        const jsm = await jetstreamManager(nc);
        await jsm.streams.add({ name: "JALAD_TEST", subjects: ["jalad.test.>"], duplicate_window: 60_000_000_000 });
        const js = jetstream(nc);
        const a = await js.publish("jalad.test.cam1", new TextEncoder().encode("x"), { msgID: "cam1:1" });
        const b = await js.publish("jalad.test.cam1", new TextEncoder().encode("x"), { msgID: "cam1:1" });
        expect(a.duplicate).toBe(false);
        expect(b.duplicate).toBe(true); // Nats-Msg-Id dedupe: a retried publish is stored once
        expect((await jsm.streams.info("JALAD_TEST")).state.messages).toBe(1);
      } finally {
        await nc.close();
      }
    } finally {
      await server.stop();
    }
    expect(existsSync(server.storeDir)).toBe(false);
  });

  test("two servers run side by side on different ports", async () => {
    const a = await startNatsServer();
    const b = await startNatsServer();
    try {
      expect(a.port).not.toBe(b.port);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  test("a missing binary is a clear NatsServerError", async () => {
    const prev = process.env.JALAD_NATS_SERVER;
    process.env.JALAD_NATS_SERVER = "/nonexistent/nats-server";
    try {
      await expect(startNatsServer()).rejects.toThrowError(/cannot run \/nonexistent\/nats-server/);
    } finally {
      if (prev === undefined) delete process.env.JALAD_NATS_SERVER;
      else process.env.JALAD_NATS_SERVER = prev;
    }
  });
});
