package langfuseexporter

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
)

// Paths of the Langfuse endpoints below the configured base URL.
const (
	otlpTracesPath = "/api/public/otel/v1/traces"
	ingestionPath  = "/api/public/ingestion"
)

// ingestionVersion opts into Langfuse v4 direct writes on the OTLP
// endpoint; Langfuse accepts integers of at most 4.
const ingestionVersion = "4"

// Bounds on how much of a response body is read. A 2xx body of the batch
// endpoint lists a result for every event of the request, so it can be
// longer than an error body: about 1 MB for 17,000 small events of a
// 3.5 MB request. Reading it whole keeps per-event failures from being lost.
const (
	maxErrorBodyBytes  = 1 << 20
	maxResultBodyBytes = 32 << 20
)

// maxLoggedMessageBytes bounds a server message copied into a log line or
// an error.
const maxLoggedMessageBytes = 512

// errTooLarge reports a 413 response, which the caller handles by splitting
// the request.
var errTooLarge = errors.New("request body too large for Langfuse (HTTP 413)")

// sender posts request bodies to Langfuse and classifies the responses.
type sender struct {
	otlpClient      *http.Client
	ingestionClient *http.Client
	otlpURL         string
	ingestionURL    string
	authorization   string
	secret          string
	userAgent       string
}

func newSender(endpoint, publicKey, secretKey, userAgent string) *sender {
	base := strings.TrimRight(endpoint, "/")
	credentials := base64.StdEncoding.EncodeToString([]byte(publicKey + ":" + secretKey))
	return &sender{
		otlpURL:       base + otlpTracesPath,
		ingestionURL:  base + ingestionPath,
		authorization: "Basic " + credentials,
		secret:        secretKey,
		userAgent:     userAgent,
	}
}

// response is the part of an HTTP response the exporter uses.
type response struct {
	status int
	header http.Header
	body   []byte
}

// post sends body and returns the response, or a retryable error when no
// response arrived.
func (s *sender) post(ctx context.Context, client *http.Client, target, contentType string, body []byte) (response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return response{}, consumererror.NewPermanent(fmt.Errorf("build the request to %s: %w", redactEndpoint(target), err))
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", s.authorization)
	req.Header.Set("x-langfuse-ingestion-version", ingestionVersion)
	req.Header.Set("User-Agent", s.userAgent)

	resp, err := client.Do(req)
	if err != nil {
		// url.Error repeats the URL, so only its cause is kept.
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			if urlErr.Timeout() && ctx.Err() == nil {
				return response{}, fmt.Errorf("send to Langfuse at %s timed out (%w); the request will be "+
					"retried; raise timeout if Langfuse needs longer", redactEndpoint(target), urlErr.Err)
			}
			err = urlErr.Err
		}
		return response{}, fmt.Errorf("send to Langfuse at %s failed: %w", redactEndpoint(target), err)
	}
	defer resp.Body.Close()

	limit := int64(maxErrorBodyBytes)
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		limit = maxResultBodyBytes
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil && resp.StatusCode == http.StatusMultiStatus {
		return response{}, fmt.Errorf("read the response of Langfuse at %s: %w", redactEndpoint(target), err)
	}
	// Draining lets the connection be reused; a longer rest is not worth
	// the wait, and closing the body drops the connection instead.
	_, _ = io.CopyN(io.Discard, resp.Body, maxErrorBodyBytes)
	return response{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// classify turns a non-2xx response into an error: permanent for 400, 401,
// 403 and other 4xx, errTooLarge for 413, and retryable for 429 and 5xx,
// with the Retry-After delay on 429 and 503.
func (s *sender) classify(target string, resp response) error {
	message := s.redact(responseMessage(resp.body))
	target = redactEndpoint(target)

	switch {
	case resp.status == http.StatusRequestEntityTooLarge:
		return errTooLarge
	case resp.status == http.StatusUnauthorized || resp.status == http.StatusForbidden:
		return consumererror.NewPermanent(fmt.Errorf(
			"the Langfuse server at %s rejected the API keys with HTTP %d (%s): the public_key and secret_key "+
				"are wrong, belong to another Langfuse host, or lack access to this project; set "+
				"LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY to a project key pair of this host",
			target, resp.status, message))
	case resp.status == http.StatusTooManyRequests || resp.status == http.StatusServiceUnavailable:
		err := fmt.Errorf("the Langfuse server at %s is throttling with HTTP %d (%s)", target, resp.status, message)
		if delay, ok := retryAfter(resp); ok {
			return exporterhelper.NewThrottleRetry(err, delay)
		}
		return err
	case resp.status >= 500:
		return fmt.Errorf("the Langfuse server at %s failed with HTTP %d (%s); the request will be retried",
			target, resp.status, message)
	case resp.status == http.StatusBadRequest:
		return consumererror.NewPermanent(fmt.Errorf(
			"the Langfuse server at %s rejected the request as invalid with HTTP 400: %s", target, message))
	}
	return consumererror.NewPermanent(fmt.Errorf(
		"the Langfuse server at %s responded with HTTP %d (%s); check that endpoint is the Langfuse base URL",
		target, resp.status, message))
}

// redact removes the secret key from text that came from the server, in
// case a proxy echoes the request.
func (s *sender) redact(text string) string {
	if s.secret == "" {
		return text
	}
	text = strings.ReplaceAll(text, s.secret, "[redacted]")
	return strings.ReplaceAll(text, s.authorization, "[redacted]")
}

// responseMessage extracts the message of a Langfuse error body
// ({"message", "error"}), or returns the start of the body as text.
func responseMessage(body []byte) string {
	var decoded struct {
		Message string          `json:"message"`
		Error   json.RawMessage `json:"error"`
		Errors  json.RawMessage `json:"errors"`
	}
	if json.Unmarshal(body, &decoded) == nil {
		parts := make([]string, 0, 3)
		for _, part := range []string{decoded.Message, rawText(decoded.Error), rawText(decoded.Errors)} {
			if part != "" {
				parts = append(parts, part)
			}
		}
		if len(parts) > 0 {
			return limitText(strings.Join(parts, ": "), maxLoggedMessageBytes)
		}
	}
	text := strings.TrimSpace(string(body))
	if text == "" {
		return "empty body"
	}
	return limitText(text, maxLoggedMessageBytes)
}

func rawText(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

func limitText(s string, n int) string {
	out, _ := truncate(s, n)
	return out
}

// maxRetryAfter caps the delay a server can request, so that a huge value
// cannot overflow time.Duration into a negative delay. The exporterhelper
// gives up on any delay beyond its max_elapsed_time anyway.
const maxRetryAfter = 24 * time.Hour

// retryAfter reads the delay from the Retry-After header (seconds or an
// HTTP date) or from Langfuse's 429 body (details.retryAfterSeconds). The
// delay is at most maxRetryAfter.
func retryAfter(resp response) (time.Duration, bool) {
	if value := resp.header.Get("Retry-After"); value != "" {
		if seconds, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64); err == nil && seconds >= 0 {
			return secondsDelay(float64(seconds)), true
		}
		if date, err := http.ParseTime(value); err == nil {
			return min(max(time.Until(date), 0), maxRetryAfter), true
		}
	}

	var body struct {
		Details struct {
			RetryAfterSeconds float64 `json:"retryAfterSeconds"`
		} `json:"details"`
	}
	if json.Unmarshal(resp.body, &body) == nil && body.Details.RetryAfterSeconds > 0 {
		return secondsDelay(body.Details.RetryAfterSeconds), true
	}
	return 0, false
}

// secondsDelay converts a non-negative number of seconds to a delay of at
// most maxRetryAfter, comparing before converting so the result cannot
// overflow.
func secondsDelay(seconds float64) time.Duration {
	if seconds >= maxRetryAfter.Seconds() {
		return maxRetryAfter
	}
	return time.Duration(seconds * float64(time.Second))
}
