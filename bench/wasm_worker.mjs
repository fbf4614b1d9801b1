// The "wasm" engine of bench/harness.py: predict compiled to WebAssembly (generated/js, built
// by its build.sh), in node, through the JavaScript binding. The protocol of bench/worker.py:
//   node bench/wasm_worker.mjs MODEL THREADS OUTDIR SHAPE FILE [SHAPE FILE ...]
// answers "@@ {load_ms, rss_kb, outputs, version, notes}", then "run N" -> "@@ {ms: [...]}"
// (each run copies the inputs in, runs, copies the outputs out, as predict's runner does),
// "rss" -> "@@ {rss_kb}", "quit". The WebAssembly build has no threads: THREADS is ignored.
import { readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const emit = (obj) => process.stdout.write('@@ ' + JSON.stringify(obj) + '\n');
const rssKb = () => Math.round(process.memoryUsage().rss / 1024);
const [path, , outdir, ...io] = process.argv.slice(2);

let session;
let inputs;
let outputs;
try {
    const predict = await import(fileURLToPath(new URL('../generated/js/predict.js', import.meta.url)));
    await predict.init();   // not part of the load time, as the peers' imports are not
    const bytes = readFileSync(path);
    const t0 = performance.now();
    const model = await predict.Model.load(bytes);
    session = new predict.Session(model);
    const loadMs = performance.now() - t0;
    inputs = [];
    for (let i = 0; i < io.length; i += 2) {
        const b = readFileSync(io[i + 1]);
        const shape = io[i].split('x').map(BigInt);
        if (shape.some((d, k) => d !== session.inputShape(i / 2)[k])) session.setInputShape(i / 2, shape);
        inputs.push(new Float32Array(b.buffer, b.byteOffset, b.length / 4));
    }
    const run = () => {
        inputs.forEach((x, i) => session.setInput(i, x));
        session.run();
        return Array.from({ length: model.outputCount() }, (_, i) => session.getOutput(i));
    };
    outputs = run();
    outputs.forEach((o, i) => writeFileSync(`${outdir}/wasm_out${i}.bin`, o));
    emit({
        load_ms: loadMs, rss_kb: rssKb(),
        outputs: outputs.map((_, i) => Array.from(session.outputShape(i), Number)),
        version: `${predict.version()} (wasm32, ${predict.kernelIsa()} kernels, node ${process.versions.node})`,
        notes: [`WebAssembly in node: ${predict.kernelIsa()} kernels, one thread`],
    });
    for await (const line of createInterface({ input: process.stdin })) {
        const cmd = line.trim().split(/\s+/);
        if (cmd[0] === 'run') {
            const ms = [];
            for (let k = 0; k < Number(cmd[1]); k++) {
                const t = process.hrtime.bigint();
                run();
                ms.push(Number(process.hrtime.bigint() - t) / 1e6);
            }
            emit({ ms });
        } else if (cmd[0] === 'rss') {
            emit({ rss_kb: rssKb() });
        } else if (cmd[0] === 'quit') {
            break;
        } else if (cmd[0]) {
            emit({ error: 'unknown command' });
        }
    }
    process.exit(0);
} catch (e) {
    emit({ error: `${e?.name ?? 'Error'}: ${e?.message ?? e}`.slice(0, 2000) });
    process.exit(1);
}
