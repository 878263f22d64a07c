// Runs a CloudFront Function for the dev server, the way CloudFront does: the bare source in a
// fresh context whose only extra global is Buffer.
//   node scripts/devstack/edge_function.mjs <path-to-function.js>
// Reads one JSON event a line on stdin; writes one JSON line per event on stdout:
// {"request": ...}, {"response": ...} or {"error": "..."}. Exits when stdin closes.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import vm from 'node:vm';

const path = process.argv[2];
if (!path) {
    process.stderr.write('usage: node scripts/devstack/edge_function.mjs <path-to-function.js>\n');
    process.exit(2);
}

const context = vm.createContext({ Buffer });
vm.runInContext(readFileSync(path, 'utf8'), context, { filename: path });
if (typeof context.handler !== 'function') {
    process.stderr.write(`${path} declares no function handler(event)\n`);
    process.exit(2);
}
// CloudFront stops a function that runs too long; a runaway loop here must not hang the dev server.
const call = new vm.Script('handler(__event)', { filename: 'edge_function.mjs' });

function answer(line) {
    let event;
    try {
        event = JSON.parse(line);
    } catch (error) {
        return { error: `bad event line: ${error.message}` };
    }
    try {
        context.__event = event;
        const result = call.runInContext(context, { timeout: 1000 });
        if (result === null || typeof result !== 'object') {
            return { error: `handler returned ${result === null ? 'null' : typeof result}, not a request or response` };
        }
        return 'statusCode' in result ? { response: result } : { request: result };
    } catch (error) {
        return { error: error && error.message ? String(error.message) : String(error) };
    } finally {
        delete context.__event;
    }
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on('line', (line) => {
    let out;
    try {
        out = JSON.stringify(answer(line));
    } catch (error) {
        out = JSON.stringify({ error: `unserialisable result: ${error.message}` });
    }
    process.stdout.write(out + '\n');
});
// When stdin closes nothing is left pending and Node exits by itself, after flushing stdout.
