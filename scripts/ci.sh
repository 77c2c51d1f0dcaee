#!/usr/bin/env bash
# The full check: type-check, lint, then every test. Ends with a plain "N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")/.."
npm run --silent typecheck || exit 1
npm run --silent lint || exit 1
mkdir -p reports
npx vitest run --reporter=dot --reporter=json --outputFile=reports/test-results.json
status=$?
node -e '
const r = JSON.parse(require("fs").readFileSync("reports/test-results.json", "utf8"));
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
' || true
exit $status
