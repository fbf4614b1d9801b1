// The Go soak program, built and run by test_soak.py:
//
//	soak MODE MODEL INPUT CYCLES
//
// MODE is one of
//
//	close      load / session / SetInput / Run / Output, then Close() on session and model
//	finalizer  the same with no Close(): only the finalizers free them (runtime.GC() and a
//	           pause every 50 cycles let them run). Without those, the one finalizer
//	           goroutine falls behind a tight loop: freeing a session joins its worker
//	           thread (~90 us with thousands alive), and Go's GC does not see the C memory;
//	           measured, 60000 cycles ended with 28097 threads and 1.9 GB RSS, all freed
//	           once the loop stopped (a lag, not a leak).
//	threads    two goroutines, each locked to its own OS thread, share one model, each with its
//	           own session, and run CYCLES times; every output is compared with one
//	           single-threaded result
//	leak       like close, but every model and session is kept and never closed: a deliberate
//	           leak that shows the test's bound catches one
//
// Even cycles load the model from bytes, odd ones from the file. Prints one JSON object.
package main

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	predict "github.com/predict-dev/predict/generated/go"
)

// status returns VmRSS (kB) and the thread count from /proc/self/status.
func status() (rss, threads int) {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		fail(err)
	}
	rss, threads = -1, -1
	for _, line := range strings.Split(string(raw), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "VmRSS:" {
			rss, _ = strconv.Atoi(f[1])
		} else if len(f) >= 2 && f[0] == "Threads:" {
			threads, _ = strconv.Atoi(f[1])
		}
	}
	return
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "soak:", err)
	os.Exit(1)
}

func check(err error) {
	if err != nil {
		fail(err)
	}
}

func raw(y []float32) []byte {
	var b bytes.Buffer
	check(binary.Write(&b, binary.LittleEndian, y))
	return b.Bytes()
}

// settle lets the finalizers of everything unreachable run: a session's finalizer frees it,
// and its model becomes unreachable only then, so two rounds.
func settle() {
	for k := 0; k < 2; k++ {
		runtime.GC()
		time.Sleep(20 * time.Millisecond)
	}
}

var kept []any

// gcEvery is how many cycles the finalizer mode runs between two settle()s.
var gcEvery = 50

func cycle(mode string, data []byte, path string, x []float32, i int) []byte {
	var model *predict.Model
	var err error
	if i%2 == 0 {
		model, err = predict.LoadModel(data)
	} else {
		model, err = predict.LoadModelFile(path)
	}
	check(err)
	session, err := predict.NewSession(model)
	check(err)
	check(session.SetInput(0, x))
	check(session.Run())
	y, err := session.Output(0)
	check(err)
	switch mode {
	case "close":
		check(session.Close())
		check(model.Close())
	case "leak":
		kept = append(kept, model, session)
	}
	return raw(y)
}

func soak(mode string, data []byte, path string, x []float32, cycles int) map[string]any {
	warmup := max(1, cycles/10)
	var first []byte
	mismatches := 0
	var before [2]int
	trace := []int{}
	t0 := time.Now()
	for i := 0; i < cycles; i++ {
		if mode == "finalizer" && i%gcEvery == 0 && i > 0 {
			settle()
		}
		if i%max(1, cycles/10) == 0 {
			rss, _ := status()
			trace = append(trace, rss)
		}
		if i == warmup {
			if mode == "finalizer" {
				settle()
			}
			before[0], before[1] = status()
		}
		y := cycle(mode, data, path, x, i)
		if first == nil {
			first = y
		} else if !bytes.Equal(y, first) {
			mismatches++
		}
	}
	if mode == "finalizer" {
		settle()
	}
	rss, threads := status()
	return map[string]any{"rss_kb": []int{before[0], rss}, "threads": []int{before[1], threads},
		"cycles": cycles, "warmup": warmup, "mismatches": mismatches, "trace_kb": trace,
		"seconds": time.Since(t0).Seconds(), "output": hex.EncodeToString(first)}
}

func threads(data []byte, x []float32, runs int) map[string]any {
	t0 := time.Now()
	model, err := predict.LoadModel(data)
	check(err)
	defer model.Close()
	s, err := predict.NewSession(model) // the single-threaded reference
	check(err)
	check(s.SetThreads(1))
	check(s.SetInput(0, x))
	check(s.Run())
	y, err := s.Output(0)
	check(err)
	reference := raw(y)
	check(s.Close())

	var ready, done sync.WaitGroup
	start := make(chan struct{})
	bad := make([]int, 2)
	errs := make([]string, 0)
	var mu sync.Mutex
	for k := 0; k < 2; k++ {
		ready.Add(1)
		done.Add(1)
		go func(k int) {
			defer done.Done()
			runtime.LockOSThread() // two OS threads for certain
			defer runtime.UnlockOSThread()
			report := func(err error) {
				mu.Lock()
				errs = append(errs, err.Error())
				mu.Unlock()
			}
			s, err := predict.NewSession(model) // its own session on the shared model
			ready.Done()
			if err != nil {
				report(err)
				return
			}
			defer s.Close()
			if err := s.SetInput(0, x); err != nil {
				report(err)
				return
			}
			<-start
			for r := 0; r < runs; r++ {
				if err := s.Run(); err != nil {
					report(err)
					return
				}
				y, err := s.Output(0)
				if err != nil {
					report(err)
					return
				}
				if !bytes.Equal(raw(y), reference) {
					bad[k]++
				}
			}
		}(k)
	}
	ready.Wait()
	close(start)
	done.Wait()
	return map[string]any{"runs": []int{runs, runs}, "mismatches": bad[0] + bad[1], "errors": errs,
		"seconds": time.Since(t0).Seconds(), "output": hex.EncodeToString(reference)}
}

func main() {
	if len(os.Args) != 5 {
		fail(fmt.Errorf("usage: soak MODE MODEL INPUT CYCLES"))
	}
	mode, path := os.Args[1], os.Args[2]
	cycles, err := strconv.Atoi(os.Args[4])
	check(err)
	data, err := os.ReadFile(path)
	check(err)
	in, err := os.ReadFile(os.Args[3])
	check(err)
	x := make([]float32, len(in)/4)
	for i := range x {
		x[i] = math.Float32frombits(binary.LittleEndian.Uint32(in[4*i:]))
	}
	var out map[string]any
	switch mode {
	case "close", "finalizer", "leak":
		out = soak(mode, data, path, x, cycles)
	case "threads":
		out = threads(data, x, cycles)
	default:
		fail(fmt.Errorf("unknown mode %q", mode))
	}
	out["lang"], out["mode"] = "go", mode
	check(json.NewEncoder(os.Stdout).Encode(out))
}
