// The Swift soak program, built and run by tests/soak/test_soak.py:
//
//     predict-soak MODE MODEL INPUT CYCLES
//
// MODE is one of
//   deinit   load / session / setInput / run / output; model and session are never closed
//            but go out of scope each cycle, so deinit frees them
//   close    the same, with explicit close() on session and model
//   threads  two Threads share one model, each with its own session, and run CYCLES times;
//            every output is compared with one single-threaded result
//   leak     like deinit, but every model and session is kept: a deliberate leak that shows
//            the test's bound catches one
// Even cycles load the model from bytes, odd ones from the file. Prints one JSON object.
import Foundation
import Predict

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("predict-soak: \(message)\n".utf8))
    exit(1)
}

// VmRSS (kB) and the thread count from /proc/self/status.
func status() -> (rss: Int, threads: Int) {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else {
        fail("cannot read /proc/self/status")
    }
    var rss = -1, threads = -1
    for line in text.split(separator: "\n") {
        let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        if f.count >= 2 && f[0] == "VmRSS:" { rss = Int(f[1]) ?? -1 }
        if f.count >= 2 && f[0] == "Threads:" { threads = Int(f[1]) ?? -1 }
    }
    return (rss, threads)
}

// Lower-case hex of the little-endian float32 bytes.
func hex(_ values: [Float]) -> String {
    let digits = Array("0123456789abcdef")
    var out = ""
    out.reserveCapacity(values.count * 8)
    for v in values {
        let bits = v.bitPattern
        for k in 0..<4 {
            let byte = Int((bits >> (8 * k)) & 0xff)
            out.append(digits[byte >> 4])
            out.append(digits[byte & 15])
        }
    }
    return out
}

func bits(_ values: [Float]) -> [UInt32] { values.map { $0.bitPattern } }

func json(_ object: [String: Any]) -> String {
    guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]),
          let text = String(data: data, encoding: .utf8) else { fail("cannot write JSON") }
    return text
}

let args = CommandLine.arguments
guard args.count == 5, let cycles = Int(args[4]) else { fail("usage: predict-soak MODE MODEL INPUT CYCLES") }
let mode = args[1], path = args[2]
guard let modelData = FileManager.default.contents(atPath: path),
      let inputData = FileManager.default.contents(atPath: args[3]) else { fail("cannot read the files") }
let modelBytes = [UInt8](modelData)
let input: [Float] = {
    let b = [UInt8](inputData)
    return (0..<b.count / 4).map { i in
        Float(bitPattern: UInt32(b[4 * i]) | UInt32(b[4 * i + 1]) << 8 | UInt32(b[4 * i + 2]) << 16
              | UInt32(b[4 * i + 3]) << 24)
    }
}()

var kept: [AnyObject] = []

func cycle(_ i: Int) throws -> [Float] {
    let model = i % 2 == 0 ? try Model.load(modelBytes) : try Model.load(path: path)
    let session = try Session(model: model)
    try session.setInput(at: 0, data: input)
    try session.run()
    let y = try session.output(at: 0)
    switch mode {
    case "close":
        session.close()
        model.close()
    case "leak":
        kept.append(model)
        kept.append(session)
    default:  // deinit: both references end with this scope
        break
    }
    return y
}

func soak() throws -> [String: Any] {
    let warmup = max(1, cycles / 10)
    var first: [UInt32]? = nil
    var mismatches = 0
    var before = (rss: -1, threads: -1)
    var trace: [Int] = []
    let t0 = Date()
    for i in 0..<cycles {
        if i == warmup { before = status() }
        if i % max(1, cycles / 10) == 0 { trace.append(status().rss) }
        let y = try cycle(i)
        if first == nil {
            first = bits(y)
        } else if bits(y) != first! {
            mismatches += 1
        }
    }
    let after = status()
    return ["rss_kb": [before.rss, after.rss], "threads": [before.threads, after.threads],
            "cycles": cycles, "warmup": warmup, "mismatches": mismatches, "trace_kb": trace,
            "seconds": Date().timeIntervalSince(t0),
            "output": hex((first ?? []).map { Float(bitPattern: $0) })]
}

// What the two threads found, under a lock.
final class Tally: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var mismatches = 0
    private(set) var errors: [String] = []

    func add(mismatches n: Int) { lock.lock(); mismatches += n; lock.unlock() }
    func add(error: String) { lock.lock(); errors.append(error); lock.unlock() }
}

func threads() throws -> [String: Any] {
    let t0 = Date()
    let model = try Model.load(modelBytes)
    defer { model.close() }
    let reference: [Float]
    do {  // the single-threaded reference
        let s = try Session(model: model)
        try s.setThreads(1)
        try s.setInput(at: 0, data: input)
        try s.run()
        reference = try s.output(at: 0)
        s.close()
    }
    let referenceBits = bits(reference)
    let tally = Tally()
    let ready = DispatchGroup(), done = DispatchGroup()
    let start = DispatchSemaphore(value: 0)
    for _ in 0..<2 {
        ready.enter()
        done.enter()
        let thread = Thread {
            defer { done.leave() }
            var waiting = true
            do {
                let s = try Session(model: model)  // its own session on the shared model
                defer { s.close() }
                try s.setInput(at: 0, data: input)
                waiting = false
                ready.leave()
                start.wait()
                var mine = 0
                for _ in 0..<cycles {
                    try s.run()
                    if bits(try s.output(at: 0)) != referenceBits { mine += 1 }
                }
                tally.add(mismatches: mine)
            } catch {
                tally.add(error: "\(error)")
                if waiting { ready.leave() }
            }
        }
        thread.start()
    }
    ready.wait()
    start.signal()
    start.signal()
    done.wait()
    return ["runs": [cycles, cycles], "mismatches": tally.mismatches, "errors": tally.errors,
            "seconds": Date().timeIntervalSince(t0), "output": hex(reference)]
}

do {
    var out: [String: Any]
    switch mode {
    case "deinit", "close", "leak": out = try soak()
    case "threads": out = try threads()
    default: fail("unknown mode \(mode)")
    }
    out["lang"] = "swift"
    out["mode"] = mode
    print(json(out))
} catch {
    fail("\(error)")
}
