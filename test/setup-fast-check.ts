// Property tests explore new random cases on every local run; CI (CI=true) replays one fixed seed so
// a submission's check is reproducible. A failure prints its seed and path to replay it.
import fc from "fast-check";

if (process.env.CI === "true") fc.configureGlobal({ seed: 20261126 });
