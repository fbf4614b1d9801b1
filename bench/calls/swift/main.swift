// bench/calls: the time of one setInput + run + output through the Swift binding
// (generated/swift, a SwiftPM dependency by local path); see calls.c for the protocol.
//
// Input and output are UnsafeBufferPointer<Float> / UnsafeMutableBufferPointer<Float>,
// which the binding passes to C by address: no copy and no allocation in Swift.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Predict

func fail(_ what: String, _ error: Error) -> Never {
    fputs("calls (Swift): \(what): \(error)\n", stderr)
    exit(1)
}

func nowNs() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}

let args = CommandLine.arguments
guard args.count == 3, let n = Int(args[2]) else {
    fputs("usage: calls model.onnx N\n", stderr)
    exit(2)
}

let x = UnsafeMutableBufferPointer<Float>.allocate(capacity: n)
let y = UnsafeMutableBufferPointer<Float>.allocate(capacity: n)
for i in 0..<n {
    x[i] = Float(i % 251 - 125) / 8
}
let input = UnsafeBufferPointer(x)

func openSession(_ path: String) -> (Model, Session) {
    do {
        let model = try Model.load(path: path)
        let session = try Session(model: model)
        try session.setThreads(1)
        guard try session.inputSize(at: 0) == n, try session.outputSize(at: 0) == n else {
            fputs("calls (Swift): the model's input or output is not \(n) floats\n", stderr)
            exit(1)
        }
        return (model, session)
    } catch {
        fail("load", error)
    }
}

let (model, session) = openSession(args[1])

@inline(never)
func call() {
    do {
        try session.setInput(at: 0, data: input)
        try session.run()
        try session.output(at: 0, into: y)
    } catch {
        fail("call", error)
    }
}

call()
print("ready swift")
fflush(stdout)
while let line = readLine() {
    let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
    let cmd = parts.first ?? ""
    let arg = parts.count > 1 ? parts[1] : ""
    switch cmd {
    case "time":
        let k = Int(arg) ?? 0
        let t0 = nowNs()
        for _ in 0..<k {
            call()
        }
        let t1 = nowNs()
        print("ns \(t1 - t0)")
    case "check":
        call()
        guard let f = fopen(arg, "wb") else {
            fputs("calls (Swift): cannot write \(arg)\n", stderr)
            exit(1)
        }
        let written = fwrite(y.baseAddress, MemoryLayout<Float>.size, n, f)
        if written != n || fclose(f) != 0 {
            fputs("calls (Swift): cannot write \(arg)\n", stderr)
            exit(1)
        }
        print("ok")
    case "quit":
        session.close()
        model.close()
        exit(0)
    default:
        fputs("calls (Swift): unknown command: \(line)\n", stderr)
        exit(2)
    }
    fflush(stdout)
}
session.close()
model.close()
