package e2e

import (
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-genai/otelcol-genai/internal/langfusetest"
)

// Two-tier deployment under test: an agent collector publishes spans to a
// Kafka topic keyed by trace id, and two gateway collectors in one consumer
// group read its partitions and export to Langfuse.
const (
	kafkaTopic      = "genai_spans"
	kafkaPartitions = 8
	kafkaGroup      = "otelcol-genai-gateway"

	// kafkaTraceCount traces of 1 root and kafkaChildrenPerTrace children
	// each. With 2 gateways, the chance that every trace id hashes to one
	// gateway's partitions is 2 * 2^-15, about 6e-5. The count is not a
	// multiple of kafkaPartitions, so a partitioner that ignores the key and
	// takes partitions in turn puts a trace's records on different
	// partitions, which the test detects.
	kafkaTraceCount       = 15
	kafkaChildrenPerTrace = 3

	// gatewayAttribute is the resource attribute that each gateway sets to
	// its own name, so the test can tell which gateway exported a span.
	gatewayAttribute = "e2e.gateway"

	// groupBalanceTimeout bounds the two rebalance rounds of the
	// cooperative-sticky assignor after the second gateway joins.
	groupBalanceTimeout = 30 * time.Second
)

var gatewayNames = []string{"gateway-a", "gateway-b"}

// TestKafkaTwoTierTraceAffinity sends each trace's root span and its
// children in separate OTLP requests to the agent. The exporter copies user,
// session and tags from the root onto the children only when both reach the
// same gateway. Children that carry them show that partitioning by trace id
// kept every trace on one gateway.
func TestKafkaTwoTierTraceAffinity(t *testing.T) {
	tier := startTwoTier(t)
	srv, agent := tier.langfuse, tier.agent

	traces := newKafkaTraces(kafkaTraceCount, kafkaChildrenPerTrace)
	received := sendKafkaTraces(t, srv, agent, traces)

	t.Run("each span exported once", func(t *testing.T) {
		counts := map[string]int{}
		for _, span := range srv.Spans() {
			counts[span.SpanID]++
		}
		for _, id := range traces.allIDs() {
			assert.Equal(t, 1, counts[id], "span %s: times exported to Langfuse", id)
		}
		assert.Len(t, counts, len(traces.allIDs()), "distinct spans at Langfuse")
	})

	t.Run("children carry trace-level values", func(t *testing.T) {
		users := map[string]string{}
		for traceID, rootID := range traces.rootOf {
			root := received[rootID]
			user := userOf(root)
			if !assert.NotEmpty(t, user, "trace %s: root user id", traceID) {
				continue
			}
			assert.NotEmpty(t, sessionOf(root), "trace %s: root session id", traceID)
			if other, seen := users[user]; seen {
				t.Errorf("traces %s and %s share the user id %q: the check cannot tell them apart", other, traceID, user)
			}
			users[user] = traceID

			for _, childID := range traces.childrenOf[traceID] {
				child := received[childID]
				assert.Equal(t, user, userOf(child), "trace %s child %s: user id", traceID, childID)
				assert.Equal(t, sessionOf(root), sessionOf(child), "trace %s child %s: session id", traceID, childID)
				assert.Equal(t, []any{"kafka", traceID}, child.Attributes["langfuse.trace.tags"],
					"trace %s child %s: langfuse.trace.tags", traceID, childID)
			}
		}
	})

	t.Run("each trace on one gateway", func(t *testing.T) {
		gatewaysOf := map[string]map[string]bool{}
		for _, span := range srv.Spans() {
			name, _ := span.ResourceAttributes[gatewayAttribute].(string)
			if !assert.NotEmpty(t, name, "span %s: resource attribute %s", span.SpanID, gatewayAttribute) {
				continue
			}
			if gatewaysOf[span.TraceID] == nil {
				gatewaysOf[span.TraceID] = map[string]bool{}
			}
			gatewaysOf[span.TraceID][name] = true
		}

		tracesPer := map[string]int{}
		for traceID, gateways := range gatewaysOf {
			names := slices.Sorted(maps.Keys(gateways))
			assert.Len(t, names, 1, "trace %s: gateways that exported its spans %v", traceID, names)
			tracesPer[names[0]]++
		}
		for _, name := range gatewayNames {
			t.Logf("%s exported %d of %d traces", name, tracesPer[name], kafkaTraceCount)
			if tracesPer[name] == 0 {
				// The partitioner hashes trace ids, so an uneven split is
				// chance, not an error.
				t.Logf("NOTE: %s exported no trace: every trace id hashed to the other gateway's partitions", name)
			}
		}
	})

	t.Run("records keyed by trace id", func(t *testing.T) {
		partitionsOf := map[string]map[int32]bool{}
		for _, record := range readTopic(t, tier.admin, tier.brokers) {
			traceIDs := recordTraceIDs(t, record)
			if !assert.Len(t, traceIDs, 1, "record %d/%d: trace ids in one record", record.Partition, record.Offset) {
				continue
			}
			assert.Equal(t, traceIDs[0], string(record.Key), "record %d/%d: key", record.Partition, record.Offset)
			if partitionsOf[traceIDs[0]] == nil {
				partitionsOf[traceIDs[0]] = map[int32]bool{}
			}
			partitionsOf[traceIDs[0]][record.Partition] = true
		}

		assert.Len(t, partitionsOf, kafkaTraceCount, "traces in the topic")
		for traceID, partitions := range partitionsOf {
			assert.Len(t, partitions, 1, "trace %s: partitions holding its records %v",
				traceID, slices.Sorted(maps.Keys(partitions)))
		}
	})
}

// TestKafkaGatewayStopHandsOverPartitions stops one of the two gateways and
// checks that the other takes over all partitions and exports every later
// trace, with its root's values on the children.
func TestKafkaGatewayStopHandsOverPartitions(t *testing.T) {
	tier := startTwoTier(t)
	srv, agent := tier.langfuse, tier.agent

	before := newKafkaTraces(kafkaTraceCount, kafkaChildrenPerTrace)
	sendKafkaTraces(t, srv, agent, before)

	stopped := gatewayNames[1]
	tier.gateways[stopped].Stop()
	assignment := waitForGroupBalanced(t, tier.admin, 1)
	remaining := gatewayNames[0]
	assert.Len(t, assignment[remaining], kafkaPartitions, "partitions of %s after %s stopped", remaining, stopped)

	after := newKafkaTraces(kafkaTraceCount, kafkaChildrenPerTrace)
	received := sendKafkaTraces(t, srv, agent, after)

	for traceID, rootID := range after.rootOf {
		root := received[rootID]
		assert.Equal(t, remaining, root.ResourceAttributes[gatewayAttribute], "trace %s root: exporting gateway", traceID)
		assert.NotEmpty(t, userOf(root), "trace %s: root user id", traceID)
		for _, childID := range after.childrenOf[traceID] {
			child := received[childID]
			assert.Equal(t, remaining, child.ResourceAttributes[gatewayAttribute],
				"trace %s child %s: exporting gateway", traceID, childID)
			assert.Equal(t, userOf(root), userOf(child), "trace %s child %s: user id", traceID, childID)
		}
	}
}

// TestKafkaDeployConfigsValidate runs `otelcol-genai validate` on the
// example agent and gateway configurations in deploy/kafka.
func TestKafkaDeployConfigsValidate(t *testing.T) {
	binary := RequireE2E(t)
	requireKafkaComponents(t, binary)

	for _, name := range []string{"agent.yaml", "gateway.yaml"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("..", "deploy", "kafka", name)
			// The stat makes go test's result cache depend on the file.
			_, err := os.Stat(path)
			require.NoError(t, err, "example configuration %s", path)

			cmd := exec.Command(binary, "validate", "--config", path)
			cmd.Env = append(os.Environ(),
				"KAFKA_BROKERS=127.0.0.1:1,127.0.0.1:2",
				"LANGFUSE_BASE_URL=http://127.0.0.1:1",
				"LANGFUSE_PUBLIC_KEY=pk-lf-test",
				"LANGFUSE_SECRET_KEY=sk-lf-test",
				"GENAI_PSEUDONYM_KEY=test-key-of-32-bytes-for-hmac-use",
			)
			out, err := cmd.CombinedOutput()
			assert.NoError(t, err, "otelcol-genai validate --config %s:\n%s", path, out)
		})
	}
}

// twoTier is a running two-tier deployment on loopback.
type twoTier struct {
	brokers  []string
	admin    *kadm.Client
	langfuse *langfusetest.Server
	// gateways maps a name in gatewayNames to its collector.
	gateways map[string]*Collector
	agent    *Collector
}

// startTwoTier starts an in-process Kafka cluster with kafkaTopic, the two
// gateways, and then the agent once the gateways share the partitions. It
// skips the test when the binary lacks the Kafka components.
func startTwoTier(t *testing.T) twoTier {
	t.Helper()
	binary := RequireE2E(t)
	requireKafkaComponents(t, binary)

	cluster, err := kfake.NewCluster(
		kfake.NumBrokers(1),
		kfake.SeedTopics(kafkaPartitions, kafkaTopic),
	)
	require.NoError(t, err, "start the in-process Kafka cluster")
	t.Cleanup(cluster.Close)
	tier := twoTier{brokers: cluster.ListenAddrs(), gateways: map[string]*Collector{}}
	for _, addr := range tier.brokers {
		require.True(t, strings.HasPrefix(addr, "127.0.0.1:"), "kfake broker %s is not on loopback", addr)
	}

	tier.admin = newKafkaAdmin(t, tier.brokers)
	tier.langfuse = langfusetest.New(t)
	for _, name := range gatewayNames {
		tier.gateways[name] = StartCollector(t, CollectorOptions{
			Langfuse:  tier.langfuse,
			Exporter:  gatewayExporter(),
			Configure: gatewayPipeline(tier.brokers, name),
		})
	}
	assignment := waitForGroupBalanced(t, tier.admin, len(gatewayNames))
	for _, name := range gatewayNames {
		t.Logf("%s consumes partitions %v", name, assignment[name])
	}

	tier.agent = StartCollector(t, CollectorOptions{
		Langfuse:  tier.langfuse,
		Configure: agentPipeline(tier.brokers),
	})
	return tier
}

// sendKafkaTraces sends the roots to the agent, waits until they reach
// Langfuse, then sends the children, and returns every span as received.
func sendKafkaTraces(t *testing.T, srv *langfusetest.Server, agent *Collector, traces kafkaTraces) map[string]langfusetest.Span {
	t.Helper()
	SendTraces(t, agent, traces.roots)
	WaitForSpans(t, srv, traces.rootIDs, deliveryTimeout)
	for _, batch := range traces.childBatches {
		SendTraces(t, agent, batch)
	}
	return WaitForSpans(t, srv, traces.allIDs(), deliveryTimeout)
}

// requireKafkaComponents skips the test when the binary lacks a component
// of the two-tier pipelines. The skip holds with OTELCOL_GENAI_E2E=required
// too, because the Kafka components are optional in the distribution.
func requireKafkaComponents(t *testing.T, binary string) {
	t.Helper()
	out, err := exec.Command(binary, "components").CombinedOutput()
	require.NoError(t, err, "run %s components: %s", binary, out)

	required := []struct{ kind, name string }{
		{"receivers", "kafka"},
		{"exporters", "kafka"},
		{"processors", "transform"},
	}
	for _, component := range required {
		if !componentListed(string(out), component.kind, component.name) {
			t.Skipf("skipping the Kafka two-tier test: %s lists no %s %q; "+
				"add receiver/kafkareceiver and exporter/kafkaexporter to builder-config.yaml and rebuild",
				binary, strings.TrimSuffix(component.kind, "s"), component.name)
		}
	}
}

// agentPipeline turns the harness configuration into the agent tier: otlp
// receiver -> kafka exporter keyed by trace id. The genai processor and the
// langfuse exporter run on the gateways only.
func agentPipeline(brokers []string) func(cfg map[string]any) {
	return func(cfg map[string]any) {
		cfg["processors"] = map[string]any{}
		cfg["exporters"] = map[string]any{
			"kafka": map[string]any{
				"brokers":                brokers,
				"client_id":              "otelcol-genai-agent",
				"partition_traces_by_id": true,
				"traces": map[string]any{
					"topic":    kafkaTopic,
					"encoding": "otlp_proto",
				},
				"producer": map[string]any{
					"required_acks":             "all",
					"compression":               "zstd",
					"allow_auto_topic_creation": false,
				},
				"timeout": "5s",
				"retry_on_failure": map[string]any{
					"enabled":          true,
					"initial_interval": "100ms",
					"max_interval":     "500ms",
				},
			},
		}
		setTracesPipeline(cfg, []string{"otlp"}, nil, []string{"kafka"})
	}
}

// gatewayPipeline turns the harness configuration into one gateway: kafka
// receiver in kafkaGroup -> genai -> transform (marks the gateway) ->
// langfuse exporter.
func gatewayPipeline(brokers []string, name string) func(cfg map[string]any) {
	return func(cfg map[string]any) {
		receivers := cfg["receivers"].(map[string]any)
		receivers["kafka"] = map[string]any{
			"brokers":        brokers,
			"client_id":      name,
			"group_id":       kafkaGroup,
			"initial_offset": "earliest",
			// A short heartbeat lets the running gateway learn about the
			// joining one, and finish the rebalance, within a few heartbeats.
			"heartbeat_interval": "300ms",
			"session_timeout":    "10s",
			"traces": map[string]any{
				"topics":   []string{kafkaTopic},
				"encoding": "otlp_proto",
			},
			"message_marking": map[string]any{
				"after":              true,
				"on_error":           false,
				"on_permanent_error": true,
			},
			"error_backoff": map[string]any{
				"enabled":          true,
				"initial_interval": "100ms",
				"max_interval":     "1s",
				"max_elapsed_time": "0s",
			},
		}

		processors := cfg["processors"].(map[string]any)
		processors["transform/gateway"] = map[string]any{
			"trace_statements": []any{map[string]any{
				"context":    "resource",
				"statements": []string{fmt.Sprintf("set(attributes[%q], %q)", gatewayAttribute, name)},
			}},
		}
		setTracesPipeline(cfg, []string{"kafka"}, []string{"genai", "transform/gateway"}, []string{"langfuse"})
	}
}

// gatewayExporter replaces the harness's sending queue of the langfuse
// exporter with one that merges Kafka records into larger requests, as the
// example gateway configuration does.
func gatewayExporter() map[string]any {
	return map[string]any{
		"sending_queue": map[string]any{
			"enabled":       true,
			"storage":       "file_storage/queue",
			"num_consumers": 2,
			"batch": map[string]any{
				"sizer":         "items",
				"min_size":      512,
				"flush_timeout": "200ms",
			},
		},
	}
}

func setTracesPipeline(cfg map[string]any, receivers, processors, exporters []string) {
	pipeline := map[string]any{"receivers": receivers, "exporters": exporters}
	if len(processors) > 0 {
		pipeline["processors"] = processors
	}
	service := cfg["service"].(map[string]any)
	service["pipelines"] = map[string]any{"traces": pipeline}
}

func newKafkaAdmin(t *testing.T, brokers []string) *kadm.Client {
	t.Helper()
	client, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	require.NoError(t, err, "create a Kafka admin client for %v", brokers)
	t.Cleanup(client.Close)
	return kadm.NewClient(client)
}

// waitForGroupBalanced waits until kafkaGroup is stable with the given number
// of members, each owning at least one partition and together all of them,
// and returns the partitions of each member by client id. Spans are sent
// only after this, so no rebalance moves a partition while they are in
// flight.
func waitForGroupBalanced(t *testing.T, admin *kadm.Client, members int) map[string][]int32 {
	t.Helper()
	deadline := time.Now().Add(groupBalanceTimeout)
	last := "not described yet"
	for time.Now().Before(deadline) {
		assignment, state, err := describeGroup(admin)
		if err != nil {
			last = err.Error()
		} else {
			last = fmt.Sprintf("state %s, assignment %v", state, assignment)
			if groupBalanced(state, assignment, members) {
				return assignment
			}
		}
		time.Sleep(pollInterval)
	}
	t.Fatalf("consumer group %s not balanced over %d gateways after %v: %s",
		kafkaGroup, members, groupBalanceTimeout, last)
	return nil
}

func describeGroup(admin *kadm.Client) (map[string][]int32, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	groups, err := admin.DescribeGroups(ctx, kafkaGroup)
	if err != nil {
		return nil, "", fmt.Errorf("describe group %s: %w", kafkaGroup, err)
	}
	group, ok := groups[kafkaGroup]
	if !ok {
		return nil, "", fmt.Errorf("describe group %s: group missing from the response", kafkaGroup)
	}
	if group.Err != nil {
		return nil, "", fmt.Errorf("describe group %s: %w", kafkaGroup, group.Err)
	}

	assignment := map[string][]int32{}
	for _, member := range group.Members {
		var partitions []int32
		if consumer, ok := member.Assigned.AsConsumer(); ok {
			for _, topic := range consumer.Topics {
				if topic.Topic == kafkaTopic {
					partitions = append(partitions, topic.Partitions...)
				}
			}
		}
		slices.Sort(partitions)
		assignment[member.ClientID] = partitions
	}
	return assignment, group.State, nil
}

func groupBalanced(state string, assignment map[string][]int32, members int) bool {
	if state != "Stable" || len(assignment) != members {
		return false
	}
	total := 0
	for _, partitions := range assignment {
		if len(partitions) == 0 {
			return false
		}
		total += len(partitions)
	}
	return total == kafkaPartitions
}

// readTopic returns every record in kafkaTopic up to the end offsets at the
// time of the call, read outside the consumer group.
func readTopic(t *testing.T, admin *kadm.Client, brokers []string) []*kgo.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), deliveryTimeout)
	defer cancel()

	ends, err := admin.ListEndOffsets(ctx, kafkaTopic)
	require.NoError(t, err, "list end offsets of %s", kafkaTopic)
	require.NoError(t, ends.Error(), "list end offsets of %s", kafkaTopic)
	remaining := map[int32]int64{}
	starts := map[int32]kgo.Offset{}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			remaining[o.Partition] = o.Offset
			starts[o.Partition] = kgo.NewOffset().AtStart()
		}
	})
	require.NotEmpty(t, remaining, "topic %s holds no record", kafkaTopic)

	client, err := kgo.NewClient(
		kgo.SeedBrokers(brokers...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{kafkaTopic: starts}),
	)
	require.NoError(t, err, "create a Kafka consumer for %s", kafkaTopic)
	defer client.Close()

	var records []*kgo.Record
	for len(remaining) > 0 {
		fetches := client.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %s: partitions %v not read to their end offsets after %v",
				kafkaTopic, slices.Sorted(maps.Keys(remaining)), deliveryTimeout)
		}
		fetches.EachError(func(topic string, partition int32, err error) {
			t.Fatalf("read %s partition %d: %v", topic, partition, err)
		})
		fetches.EachRecord(func(record *kgo.Record) {
			records = append(records, record)
			if end, ok := remaining[record.Partition]; ok && record.Offset+1 >= end {
				delete(remaining, record.Partition)
			}
		})
	}
	return records
}

// recordTraceIDs decodes an otlp_proto record and returns the distinct trace
// ids of its spans as hex.
func recordTraceIDs(t *testing.T, record *kgo.Record) []string {
	t.Helper()
	var unmarshaler ptrace.ProtoUnmarshaler
	td, err := unmarshaler.UnmarshalTraces(record.Value)
	require.NoError(t, err, "record %d/%d is not OTLP protobuf", record.Partition, record.Offset)

	seen := map[string]bool{}
	for _, rs := range td.ResourceSpans().All() {
		for _, ss := range rs.ScopeSpans().All() {
			for _, span := range ss.Spans().All() {
				seen[span.TraceID().String()] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// kafkaTraces are GenAI chat traces split into OTLP requests: the roots of
// all traces in one request, and the children in further requests, so each
// trace's root and children pass through Kafka in different records.
type kafkaTraces struct {
	roots        ptrace.Traces
	childBatches []ptrace.Traces
	rootIDs      []string
	// rootOf maps a hex trace id to its root span id.
	rootOf map[string]string
	// childrenOf maps a hex trace id to its child span ids.
	childrenOf map[string][]string
}

// newKafkaTraces builds traceCount traces. Root i carries user.id user-kafka-i,
// session.id session-kafka-i and the tags ["kafka", <trace id>]. Child
// request j contains the j-th child of every trace.
func newKafkaTraces(traceCount, childrenPerTrace int) kafkaTraces {
	out := kafkaTraces{rootOf: map[string]string{}, childrenOf: map[string][]string{}}
	var rootSpans ptrace.ScopeSpans
	out.roots, rootSpans = newTraces()

	traceIDs := make([]pcommon.TraceID, traceCount)
	rootSpanIDs := make([]pcommon.SpanID, traceCount)
	for i := range traceCount {
		traceIDs[i] = newTraceID()
		root := appendChatSpan(rootSpans, traceIDs[i], pcommon.SpanID{})
		root.Attributes().PutStr("user.id", fmt.Sprintf("user-kafka-%d", i))
		root.Attributes().PutStr("session.id", fmt.Sprintf("session-kafka-%d", i))
		tags := root.Attributes().PutEmptySlice("langfuse.trace.tags")
		tags.AppendEmpty().SetStr("kafka")
		tags.AppendEmpty().SetStr(traceIDs[i].String())

		rootSpanIDs[i] = root.SpanID()
		out.rootIDs = append(out.rootIDs, root.SpanID().String())
		out.rootOf[traceIDs[i].String()] = root.SpanID().String()
	}

	for range childrenPerTrace {
		batch, childSpans := newTraces()
		for i := range traceCount {
			child := appendChatSpan(childSpans, traceIDs[i], rootSpanIDs[i])
			key := traceIDs[i].String()
			out.childrenOf[key] = append(out.childrenOf[key], child.SpanID().String())
		}
		out.childBatches = append(out.childBatches, batch)
	}
	return out
}

func (k kafkaTraces) allIDs() []string {
	ids := slices.Clone(k.rootIDs)
	for _, children := range k.childrenOf {
		ids = append(ids, children...)
	}
	return ids
}
