package e2e

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// Token counts the fake OpenAI server reports. prompt_tokens includes
// cached_tokens, as OpenAI's Chat Completions API defines it.
const (
	fakeToolCallPromptTokens     = 200
	fakeToolCallCachedTokens     = 150
	fakeToolCallCompletionTokens = 15
	fakeAnswerPromptTokens       = 260
	fakeAnswerCachedTokens       = 200
	fakeAnswerCompletionTokens   = 22
	fakeEmbeddingTokens          = 8
)

// fakeOpenAI is an OpenAI-compatible server on 127.0.0.1 with fixed responses.
// A chat completion request whose last message is a tool result gets a text
// response. Any other request that offers tools gets a call of the first tool.
type fakeOpenAI struct {
	server *httptest.Server

	mu       sync.Mutex
	requests []string
	problems []string
}

func startFakeOpenAI(t *testing.T) *fakeOpenAI {
	t.Helper()
	f := &fakeOpenAI{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", f.chatCompletions)
	mux.HandleFunc("POST /v1/embeddings", f.embeddings)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		f.record(r.Method+" "+r.URL.Path, "unexpected request "+r.Method+" "+r.URL.Path)
		http.Error(w, `{"error":{"message":"not found"}}`, http.StatusNotFound)
	})
	f.server = httptest.NewServer(mux)
	t.Cleanup(func() {
		f.server.Close()
		for _, p := range f.Problems() {
			t.Errorf("fake OpenAI server: %s", p)
		}
	})
	return f
}

// BaseURL returns the base URL to give the OpenAI client, ending in /v1.
func (f *fakeOpenAI) BaseURL() string { return f.server.URL + "/v1" }

// Requests returns "METHOD path" of every request received.
func (f *fakeOpenAI) Requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.requests...)
}

// Problems returns a description of every request the server rejected.
func (f *fakeOpenAI) Problems() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.problems...)
}

func (f *fakeOpenAI) record(request, problem string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, request)
	if problem != "" {
		f.problems = append(f.problems, problem)
	}
}

type chatRequest struct {
	Model    string `json:"model"`
	Stream   bool   `json:"stream"`
	Messages []struct {
		Role string `json:"role"`
	} `json:"messages"`
	Tools []struct {
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	} `json:"tools"`
}

func (f *fakeOpenAI) chatCompletions(w http.ResponseWriter, r *http.Request) {
	var req chatRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		f.record("POST /v1/chat/completions", "invalid chat completion body: "+err.Error())
		http.Error(w, `{"error":{"message":"invalid body"}}`, http.StatusBadRequest)
		return
	}
	if req.Stream || len(req.Messages) == 0 {
		f.record("POST /v1/chat/completions", "chat completion request is streamed or has no messages")
		http.Error(w, `{"error":{"message":"unsupported request"}}`, http.StatusBadRequest)
		return
	}
	f.record("POST /v1/chat/completions", "")

	last := req.Messages[len(req.Messages)-1].Role
	if last != "tool" && len(req.Tools) > 0 {
		writeResponse(w, chatResponse(req.Model, "chatcmpl-e2e-tool", map[string]any{
			"role":    "assistant",
			"content": nil,
			"tool_calls": []any{map[string]any{
				"id":       "call_e2e_1",
				"type":     "function",
				"function": map[string]any{"name": req.Tools[0].Function.Name, "arguments": `{"email":"jane.doe@example.com"}`},
			}},
		}, "tool_calls", fakeToolCallPromptTokens, fakeToolCallCachedTokens, fakeToolCallCompletionTokens))
		return
	}
	writeResponse(w, chatResponse(req.Model, "chatcmpl-e2e-answer", map[string]any{
		"role":    "assistant",
		"content": "Order A-1001 has shipped.",
	}, "stop", fakeAnswerPromptTokens, fakeAnswerCachedTokens, fakeAnswerCompletionTokens))
}

func chatResponse(model, id string, message map[string]any, finishReason string, prompt, cached, completion int) map[string]any {
	return map[string]any{
		"id":      id,
		"object":  "chat.completion",
		"created": 1767225600,
		"model":   model + "-2024-07-18",
		"choices": []any{map[string]any{
			"index":         0,
			"message":       message,
			"finish_reason": finishReason,
			"logprobs":      nil,
		}},
		"usage": map[string]any{
			"prompt_tokens":             prompt,
			"completion_tokens":         completion,
			"total_tokens":              prompt + completion,
			"prompt_tokens_details":     map[string]any{"cached_tokens": cached, "audio_tokens": 0},
			"completion_tokens_details": map[string]any{"reasoning_tokens": 0, "audio_tokens": 0},
		},
		"system_fingerprint": "fp_e2e",
	}
}

func (f *fakeOpenAI) embeddings(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Model string `json:"model"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		f.record("POST /v1/embeddings", "invalid embeddings body: "+err.Error())
		http.Error(w, `{"error":{"message":"invalid body"}}`, http.StatusBadRequest)
		return
	}
	f.record("POST /v1/embeddings", "")
	writeResponse(w, map[string]any{
		"object": "list",
		"data": []any{map[string]any{
			"object":    "embedding",
			"index":     0,
			"embedding": []float64{0.12, -0.5, 0.33},
		}},
		"model": req.Model,
		"usage": map[string]any{"prompt_tokens": fakeEmbeddingTokens, "total_tokens": fakeEmbeddingTokens},
	})
}

func writeResponse(w http.ResponseWriter, body any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}
