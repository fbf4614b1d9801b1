// The Java soak program, compiled and run by tests/soak/test_soak.py against
// generated/java/build/predict.jar:
//
//     java -cp predict.jar:CLASSES Soak MODE MODEL INPUT CYCLES
//
// MODE is one of
//   close    load / session / setInput / run / getOutput, closed by try-with-resources
//   cleaner  the same with no close(): the references are dropped and the binding's Cleaner
//            frees them (System.gc() and a pause every 50 cycles let it run; without them
//            the one Cleaner thread falls behind a tight loop, as Go's finalizers do: 20000
//            cycles ended with 12585 threads and 880 MB RSS)
//   threads  two threads share one model, each with its own session, and run CYCLES times;
//            every output is compared with one single-threaded result
//   leak     every model and session is kept and never closed: a deliberate leak that shows
//            the test's bound catches one
// Even cycles load the model from bytes, odd ones from the file. Prints one JSON object.

import dev.predict.Model;
import dev.predict.PredictException;
import dev.predict.Session;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;

public final class Soak {
    static byte[] modelBytes;
    static String path;
    static float[] input;
    static final List<Object> kept = new ArrayList<>();

    /** {VmRSS in kB, thread count} from /proc/self/status. */
    static long[] status() throws IOException {
        long[] out = {-1, -1};
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 2 && f[0].equals("VmRSS:")) out[0] = Long.parseLong(f[1]);
            if (f.length >= 2 && f[0].equals("Threads:")) out[1] = Long.parseLong(f[1]);
        }
        return out;
    }

    static Model load(int i) throws PredictException {
        return i % 2 == 0 ? Model.load(modelBytes) : Model.loadFile(path);
    }

    static int[] bits(float[] y) {
        int[] b = new int[y.length];
        for (int k = 0; k < y.length; k++) b[k] = Float.floatToRawIntBits(y[k]);
        return b;
    }

    static String hex(float[] y) {
        ByteBuffer b = ByteBuffer.allocate(4 * y.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(y);
        StringBuilder s = new StringBuilder();
        for (byte v : b.array()) s.append(String.format("%02x", v & 0xff));
        return s.toString();
    }

    /** Lets the Cleaner free everything unreachable. */
    static void settle() throws InterruptedException {
        for (int k = 0; k < 2; k++) {
            System.gc();
            Thread.sleep(20);
        }
    }

    static float[] cycle(String mode, int i) throws PredictException {
        if (mode.equals("close")) {
            try (Model model = load(i); Session session = new Session(model)) {
                session.setInput(0, input);
                session.run();
                return session.getOutput(0);
            }
        }
        Model model = load(i);
        Session session = new Session(model);
        session.setInput(0, input);
        session.run();
        float[] y = session.getOutput(0);
        if (mode.equals("leak")) {
            kept.add(model);
            kept.add(session);
        }
        return y;
    }

    static String soak(String mode, int cycles) throws Exception {
        int warmup = Math.max(1, cycles / 10);
        int[] first = null;
        String firstHex = "";
        int mismatches = 0;
        long[] before = {-1, -1};
        List<Long> trace = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < cycles; i++) {
            if (mode.equals("cleaner") && i % 50 == 0 && i > 0) settle();
            if (i == warmup) {
                if (mode.equals("cleaner")) settle();
                before = status();
            }
            if (i % Math.max(1, cycles / 10) == 0) trace.add(status()[0]);
            float[] y = cycle(mode, i);
            if (first == null) {
                first = bits(y);
                firstHex = hex(y);
            } else if (!Arrays.equals(bits(y), first)) {
                mismatches++;
            }
        }
        if (mode.equals("cleaner")) settle();
        long[] after = status();
        return String.format("{\"rss_kb\": [%d, %d], \"threads\": [%d, %d], \"cycles\": %d, \"warmup\": %d, "
                + "\"mismatches\": %d, \"trace_kb\": %s, \"seconds\": %.3f, \"output\": \"%s\"",
                before[0], after[0], before[1], after[1], cycles, warmup, mismatches, trace,
                (System.nanoTime() - t0) / 1e9, firstHex);
    }

    static String threads(int runs) throws Exception {
        long t0 = System.nanoTime();
        try (Model model = Model.load(modelBytes)) {
            float[] reference;
            try (Session s = new Session(model)) {   // the single-threaded reference
                s.setThreads(1);
                s.setInput(0, input);
                s.run();
                reference = s.getOutput(0);
            }
            int[] ref = bits(reference);
            AtomicInteger bad = new AtomicInteger();
            List<String> errors = new ArrayList<>();
            CyclicBarrier start = new CyclicBarrier(2);
            Thread[] ts = new Thread[2];
            for (int k = 0; k < 2; k++) {
                ts[k] = new Thread(() -> {
                    try (Session s = new Session(model)) {   // its own session on the shared model
                        s.setInput(0, input);
                        start.await();
                        for (int r = 0; r < runs; r++) {
                            s.run();
                            if (!Arrays.equals(bits(s.getOutput(0)), ref)) bad.incrementAndGet();
                        }
                    } catch (PredictException | InterruptedException | BrokenBarrierException e) {
                        synchronized (errors) {
                            errors.add(e.toString().replace("\"", "'"));
                        }
                        start.reset();   // the other thread must not wait forever
                    }
                });
                ts[k].start();
            }
            for (Thread t : ts) t.join();
            StringBuilder errs = new StringBuilder("[");
            for (String e : errors) errs.append(errs.length() > 1 ? ", " : "").append('"').append(e).append('"');
            return String.format("{\"runs\": [%d, %d], \"mismatches\": %d, \"errors\": %s], \"seconds\": %.3f, "
                    + "\"output\": \"%s\"", runs, runs, bad.get(), errs, (System.nanoTime() - t0) / 1e9,
                    hex(reference));
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: Soak MODE MODEL INPUT CYCLES");
            System.exit(2);
        }
        String mode = args[0];
        path = args[1];
        modelBytes = Files.readAllBytes(Path.of(path));
        ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(Path.of(args[2]))).order(ByteOrder.LITTLE_ENDIAN);
        input = new float[in.remaining() / 4];
        in.asFloatBuffer().get(input);
        int cycles = Integer.parseInt(args[3]);
        String out;
        switch (mode) {
            case "close", "cleaner", "leak" -> out = soak(mode, cycles);
            case "threads" -> out = threads(cycles);
            default -> throw new IllegalArgumentException("unknown mode " + mode);
        }
        System.out.println(out + ", \"lang\": \"java\", \"mode\": \"" + mode + "\"}");
    }
}
