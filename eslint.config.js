// ESLint: type-aware typescript-eslint rules (no floating promises, ...) and no import cycles.
import tseslint from "typescript-eslint";
import importX from "eslint-plugin-import-x";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "scratch/**", "reports/**", ".cache/**", "coverage/**"] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: "./tsconfig.check.json", tsconfigRootDir: import.meta.dirname },
    },
    plugins: { "import-x": importX },
    settings: { "import-x/resolver-next": [createTypeScriptImportResolver({ project: "./tsconfig.check.json" })] },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
      // The layering of DESIGN.md: core folders import nothing of ours (planner/ only model/ types).
      "import-x/no-restricted-paths": ["error", {
        zones: [
          { target: "./model", from: ".", except: ["./model", "./node_modules"], message: "model/ imports nothing of ours" },
          { target: "./codec", from: ".", except: ["./codec", "./node_modules"], message: "codec/ imports nothing of ours" },
          { target: "./planner", from: ".", except: ["./planner", "./model", "./node_modules"], message: "planner/ imports only model/" },
          { target: "./config", from: ".", except: ["./config", "./node_modules"], message: "config/ imports nothing of ours" },
          { target: "./tasks", from: ".", except: ["./tasks", "./node_modules"], message: "tasks/ imports nothing of ours" },
          { target: "./services", from: ["./operators", "./pipelines", "./cli"], message: "services/ imports only core folders" },
        ],
      }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true, allowBoolean: true }],
    },
  },
  {
    files: ["**/*.js"],
    ...tseslint.configs.disableTypeChecked,
  },
);
