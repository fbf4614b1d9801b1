// bench/calls: the time of one SetInput + Run + Output through the Go binding
// (generated/go); see calls.c for the protocol. The driver builds it in a module of its
// own whose go.mod replaces github.com/predict-dev/predict/generated/go by the
// repository's generated/go (no network).
//
// SetInput passes the slice's memory to C, and OutputInto has C write into the caller's
// slice (no copy, no allocation in Go). "alloc K" answers the Go heap bytes allocated per
// iteration (runtime.MemStats.TotalAlloc over K iterations).
package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
	"unsafe"

	predict "github.com/predict-dev/predict/generated/go"
)

var (
	session *predict.Session
	x, y    []float32
)

func fail(what string, err error) {
	fmt.Fprintf(os.Stderr, "calls (Go): %s: %v\n", what, err)
	os.Exit(1)
}

func call() {
	if err := session.SetInput(0, x); err != nil {
		fail("SetInput", err)
	}
	if err := session.Run(); err != nil {
		fail("Run", err)
	}
	if err := session.OutputInto(0, y); err != nil {
		fail("OutputInto", err)
	}
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: calls model.onnx N")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[2])
	if err != nil {
		fail("N", err)
	}
	model, err := predict.LoadModelFile(os.Args[1])
	if err != nil {
		fail("LoadModelFile", err)
	}
	defer model.Close()
	session, err = predict.NewSession(model)
	if err != nil {
		fail("NewSession", err)
	}
	defer session.Close()
	if err := session.SetThreads(1); err != nil {
		fail("SetThreads", err)
	}
	x, y = make([]float32, n), make([]float32, n)
	for i := range x {
		x[i] = float32(i%251-125) / 8
	}
	if size, err := session.OutputSize(0); err != nil || size != n {
		fail("OutputSize", fmt.Errorf("%d floats, not %d (%v)", size, n, err))
	}
	call()
	fmt.Println("ready go")
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<16), 1<<20)
	for in.Scan() {
		cmd, arg, _ := strings.Cut(strings.TrimSpace(in.Text()), " ")
		switch cmd {
		case "time":
			k, _ := strconv.ParseInt(arg, 10, 64)
			t0 := time.Now()
			for i := int64(0); i < k; i++ {
				call()
			}
			fmt.Printf("ns %d\n", time.Since(t0).Nanoseconds())
		case "alloc":
			k, _ := strconv.ParseInt(arg, 10, 64)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for i := int64(0); i < k; i++ {
				call()
			}
			runtime.ReadMemStats(&after)
			fmt.Printf("bytes %.1f\n", float64(after.TotalAlloc-before.TotalAlloc)/float64(k))
		case "check":
			call()
			raw := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(y))), 4*len(y))
			if err := os.WriteFile(arg, raw, 0o644); err != nil {
				fail("check", err)
			}
			fmt.Println("ok")
		case "quit":
			return
		default:
			fmt.Fprintf(os.Stderr, "calls (Go): unknown command: %s\n", in.Text())
			os.Exit(2)
		}
	}
}
