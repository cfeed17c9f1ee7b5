package langfuseexporter

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/config/configopaque"

	"github.com/otelcol-genai/otelcol-genai/internal/langfusetest"
)

func TestProbeUserinfo(t *testing.T) {
	srv := langfusetest.New(t, langfusetest.AllowProblems())
	srv.Down()
	h := newHarness(t)
	cfg := serverConfig(srv, ProtocolOTLP)
	cfg.ClientConfig.Endpoint = strings.Replace(srv.URL(), "http://", "http://user:urlpassword@", 1)
	cfg.SecretKey = configopaque.String("sk-secret-xyz")
	fmt.Printf("%%v: %v\n%%+v: %+v\n%%#v: %#v\n", *cfg, *cfg, cfg.SecretKey)
	exp := h.startTraces(t, cfg, viewsByName(nil))
	err := exp.ConsumeTraces(context.Background(), makeTraces(t, spanSpec{name: "s", traceID: traceA, spanID: spanR}))
	fmt.Println("err:", err)
	for _, e := range h.logs.All() {
		fmt.Println("log:", e.Message, e.ContextMap())
	}
}
