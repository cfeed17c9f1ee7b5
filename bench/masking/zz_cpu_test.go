package masking

import (
	"context"
	"runtime"
	"syscall"
	"testing"

	"go.opentelemetry.io/collector/consumer/consumertest"
)

func threadCPU() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func TestZZCPU(t *testing.T) {
	buf := request(t)
	nop := consumertest.NewNop()
	ps := map[string]pipeline{"passthrough": passthrough(), "redaction": redaction(t, nop), "transform": transform(t, nop), "genai": genai(t, nop)}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	res := map[string]float64{}
	for _, name := range []string{"passthrough", "redaction", "transform", "genai"} {
		p := ps[name]
		n := 200
		if name == "redaction" || name == "transform" {
			n = 20
		}
		for i := 0; i < 5; i++ { p(context.Background(), buf) }
		runtime.GC()
		start := threadCPU()
		for i := 0; i < n; i++ {
			p(context.Background(), buf)
		}
		per := float64(threadCPU()-start) / float64(n)
		res[name] = per
		t.Logf("%-12s %8.0f µs/request cpu", name, per/1000)
	}
	t.Logf("genai vs redaction %.2fx, vs passthrough %.2fx", res["redaction"]/res["genai"], res["passthrough"]/res["genai"])
}
