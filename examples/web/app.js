// The browser demo: a photo (picked, dropped or a camera frame) is decoded by the browser onto
// a canvas; predict, compiled to WebAssembly, preprocesses its pixels with the C library's
// own functions and runs EfficientNet-Lite0; the page shows the top-5 ImageNet classes.
// examples/web/build.py puts this file, predict/ (the JavaScript package), the model and
// the class names into one folder to serve.
import { init, imageCheckSize, Model, Session } from './predict/predict.js';

const MODEL = 'models/efficientnet-lite0.onnx';
const LABELS = 'imagenet_classes.txt';
const TOP = 5;

const $ = (id) => document.getElementById(id);

/** The page's state, for people (the status line) and for tests (body[data-state]). */
function setState(state, status) {
    document.body.dataset.state = state;
    if (status !== undefined) $('status').textContent = status;
}

function notify(message) {
    $('notice').textContent = message;
    $('notice').hidden = !message;
}

const ms = (t) => `${t.toFixed(1)} ms`;

async function fetchText(url) {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`cannot fetch ${url}: HTTP ${res.status} ${res.statusText}`);
    return res.text();
}

/** The model, a session to run it and the class names; loaded once, used for the page's life. */
async function load() {
    const t0 = performance.now();
    await init();
    const t1 = performance.now();
    const [model, labels] = await Promise.all([Model.load(MODEL), fetchText(LABELS)]);
    const session = new Session(model);
    const t2 = performance.now();
    const loaded = `EfficientNet-Lite0 loaded in ${ms(t2 - t0)} (WebAssembly ${ms(t1 - t0)}, model ${ms(t2 - t1)})`;
    setState('ready', `${loaded}. Choose a photo.`);
    for (const id of ['file', 'camera']) $(id).disabled = false;
    return { session, labels: labels.split('\n'), loaded };
}

const app = load();
app.catch((e) => {
    console.error(e);
    setState('failed', `The classifier could not start: ${e.message}`);
});

// one photo at a time: a photo chosen while another runs waits for it
let queue = Promise.resolve();

function classify(name, decode) {
    setState('busy', `Classifying ${name}…`);
    notify('');
    queue = queue.then(async () => {
        try {
            await show(name, decode, await app);
        } catch (e) {
            console.error(e);
            setState('error', '');
            notify(`${name}: ${e.message}`);
        }
    });
}

/** Draws what `decode` returns (an ImageBitmap or the video) on the page's canvas, runs the
 * model on its pixels and shows the result. */
async function show(name, decode, { session, labels, loaded }) {
    const t0 = performance.now();
    const image = await decode();
    const width = image.videoWidth ?? image.width;
    const height = image.videoHeight ?? image.height;
    const canvas = $('photo');
    const context = canvas.getContext('2d', { willReadFrequently: true });
    try {
        imageCheckSize(width, height);      // predict's size limits, before the canvas grows
        canvas.width = width;
        canvas.height = height;
        context.drawImage(image, 0, 0);
    } finally {
        image.close?.();                    // an ImageBitmap's memory, not left to the collector
    }
    const pixels = rgb(context.getImageData(0, 0, width, height).data);
    $('result').hidden = false;
    const decoded = performance.now() - t0;
    // let the photo and the status paint before the synchronous run holds the thread
    await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve)));
    const t1 = performance.now();
    session.setInputImage(0, 0, pixels, width, height, null);
    const t2 = performance.now();
    session.run();
    const t3 = performance.now();
    const probs = softmax(session.getOutput(0));
    const top = [...probs.keys()].sort((a, b) => probs[b] - probs[a]).slice(0, TOP);
    $('top').replaceChildren(...top.map((i) => row(labels[i] ?? `class ${i}`, i, probs[i])));
    $('caption').textContent = `${name}, ${width}×${height}`;
    $('times').textContent = `decode ${ms(decoded)} · preprocess ${ms(t2 - t1)} · run ${ms(t3 - t2)}. ${loaded}.`;
    setState('done', `${labels[top[0]]} (${percent(probs[top[0]])}), in ${ms(t3 - t1)}.`);
}

/** The R, G, B bytes of canvas RGBA pixels (what the C functions take). */
function rgb(rgba) {
    const out = new Uint8Array(rgba.length / 4 * 3);
    for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
        out[j] = rgba[i];
        out[j + 1] = rgba[i + 1];
        out[j + 2] = rgba[i + 2];
    }
    return out;
}

function softmax(logits) {
    const max = Math.max(...logits);
    const e = Array.from(logits, (x) => Math.exp(x - max));
    const sum = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / sum);
}

const percent = (p) => `${(100 * p).toFixed(1)}%`;

function row(label, index, p) {
    const li = document.createElement('li');
    li.dataset.class = index;
    li.dataset.probability = p;
    const name = document.createElement('span');
    name.className = 'label';
    name.textContent = label;
    const bar = document.createElement('span');
    bar.className = 'bar';
    bar.style.setProperty('--p', p);
    const value = document.createElement('span');
    value.className = 'p';
    value.textContent = percent(p);
    li.append(name, bar, value);
    return li;
}

// ---- photos: a file chosen or dropped ---------------------------------------------------

function classifyFile(file) {
    // colorSpaceConversion 'none': the pixels as stored, as the other languages' decoders read them
    classify(file.name, () => createImageBitmap(file, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' })
        .catch(() => { throw new Error('not an image this browser can decode'); }));
}

$('file').addEventListener('change', (e) => {
    const [file] = e.target.files;
    if (file) classifyFile(file);
    e.target.value = '';          // the same file chosen again is a change too
});

// the whole page takes drops, so that a photo dropped beside the box is not opened by the browser
document.addEventListener('dragover', (e) => {
    e.preventDefault();
    $('drop').classList.add('over');
});
document.addEventListener('dragleave', (e) => {
    if (e.relatedTarget === null) $('drop').classList.remove('over');
});
document.addEventListener('drop', (e) => {
    e.preventDefault();
    $('drop').classList.remove('over');
    if (document.body.dataset.state === 'loading' || document.body.dataset.state === 'failed') return;
    const [file] = e.dataTransfer.files;
    if (file) classifyFile(file);
    else notify('Drop a photo file (an image dragged from another page is a link, not a file).');
});

// ---- the camera --------------------------------------------------------------------------

let stream = null;

function cameraError(e) {
    switch (e.name) {
    case 'NotAllowedError':
        return 'Camera access was denied: allow the camera for this page in the browser\'s site settings, then try again.';
    case 'NotFoundError':
    case 'OverconstrainedError':
        return 'No camera was found on this device.';
    case 'NotReadableError':
        return 'The camera is in use by another application, or the system blocked it.';
    default:
        return `The camera could not start: ${e.message}`;
    }
}

async function startCamera() {
    notify('');
    if (!navigator.mediaDevices?.getUserMedia) {
        notify('This browser gives no camera to this page: cameras need a secure page (https, or http://localhost).');
        return;
    }
    try {
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
    } catch (e) {
        notify(cameraError(e));
        return;
    }
    const video = $('video');
    video.srcObject = stream;
    await video.play();
    $('live').hidden = false;
    $('camera').hidden = true;
}

function stopCamera() {
    for (const track of stream?.getTracks() ?? []) track.stop();
    stream = null;
    $('video').srcObject = null;
    $('live').hidden = true;
    $('camera').hidden = false;
}

$('camera').addEventListener('click', startCamera);
$('stop').addEventListener('click', stopCamera);
$('snap').addEventListener('click', () => classify('camera frame', async () => $('video')));
