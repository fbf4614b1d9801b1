// bench/calls: the time of one setInput + run + getOutput through the Java binding
// (generated/java, compiled against build/predict.jar); see calls.c for the protocol.
//
// Input and output are direct FloatBuffers in native order, which the binding hands to C
// by address (GetDirectBufferAddress): no copy and no allocation in Java. "alloc K"
// answers the Java heap bytes the thread allocated per iteration
// (com.sun.management.ThreadMXBean.getThreadAllocatedBytes).

import dev.predict.Model;
import dev.predict.PredictException;
import dev.predict.Session;

import java.io.BufferedReader;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;

public final class Calls {
    private static Session session;
    private static ByteBuffer yBytes;
    private static FloatBuffer x, y;

    private static void call() throws PredictException {
        session.setInput(0, x);
        session.run();
        session.getOutput(0, y);
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: java Calls model.onnx N");
            System.exit(2);
        }
        int n = Integer.parseInt(args[1]);
        try (Model model = Model.loadFile(args[0]); Session s = new Session(model)) {
            session = s;
            session.setThreads(1);
            if (session.inputSize(0) != n || session.outputSize(0) != n) {
                System.err.println("calls (Java): the model's input or output is not " + n + " floats");
                System.exit(1);
            }
            x = ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder()).asFloatBuffer();
            yBytes = ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder());
            y = yBytes.asFloatBuffer();
            for (int i = 0; i < n; i++) {
                x.put(i, (float) (i % 251 - 125) / 8.0f);
            }
            call();
            System.out.println("ready java");
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long self = Thread.currentThread().getId();
            for (String line; (line = in.readLine()) != null; ) {
                line = line.strip();
                int space = line.indexOf(' ');
                String cmd = space < 0 ? line : line.substring(0, space);
                String arg = space < 0 ? "" : line.substring(space + 1);
                switch (cmd) {
                    case "time": {
                        long k = Long.parseLong(arg);
                        long t0 = System.nanoTime();
                        for (long i = 0; i < k; i++) {
                            call();
                        }
                        long t1 = System.nanoTime();
                        System.out.println("ns " + (t1 - t0));
                        break;
                    }
                    case "alloc": {
                        long k = Long.parseLong(arg);
                        long before = threads.getThreadAllocatedBytes(self);
                        for (long i = 0; i < k; i++) {
                            call();
                        }
                        long after = threads.getThreadAllocatedBytes(self);
                        System.out.println("bytes " + ((double) (after - before) / k));
                        break;
                    }
                    case "check": {
                        call();
                        try (FileChannel f = new FileOutputStream(arg).getChannel()) {
                            ByteBuffer all = yBytes.duplicate();
                            all.clear();
                            while (all.hasRemaining()) {
                                f.write(all);
                            }
                        } catch (IOException e) {
                            System.err.println("calls (Java): cannot write " + arg + ": " + e);
                            System.exit(1);
                        }
                        System.out.println("ok");
                        break;
                    }
                    case "quit":
                        return;
                    default:
                        System.err.println("calls (Java): unknown command: " + line);
                        System.exit(2);
                }
                System.out.flush();
            }
        }
    }
}
