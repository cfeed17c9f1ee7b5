package langfusereceiver

import (
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
)

// scope is the set of endpoints and event types a request's credentials allow.
type scope int

const (
	scopeNone scope = iota
	// scopeScores is a Bearer public key: scores and SDK logs only, as in
	// Langfuse.
	scopeScores
	// scopeProject is a Basic key pair: every endpoint and event type.
	scopeProject
)

// authenticator checks requests against the configured key pairs.
type authenticator struct {
	keys []KeyPair
}

// authenticate returns the scope of the request's Authorization header and,
// for scopeNone, the message of the 401 response. Every configured key is
// compared in constant time, so the time taken does not reveal which key or
// how much of it matched.
func (a *authenticator) authenticate(r *http.Request) (scope, string) {
	header := r.Header.Get("Authorization")
	if header == "" {
		return scopeNone,
			"No authorization header. Confirm that you've configured the correct host."
	}

	if token, ok := strings.CutPrefix(header, "Bearer "); ok {
		if a.matchPublicKey(strings.TrimSpace(token)) {
			return scopeScores, ""
		}
		return scopeNone, "Invalid public key. Confirm that you've configured the correct host."
	}

	encoded, ok := strings.CutPrefix(header, "Basic ")
	if !ok {
		return scopeNone,
			"Invalid authorization header. Confirm that you've configured the correct host."
	}
	decoded, err := base64.StdEncoding.DecodeString(strings.TrimSpace(encoded))
	if err != nil {
		return scopeNone,
			"Invalid authorization header. Confirm that you've configured the correct host."
	}
	// Langfuse splits on ':' and uses the first two parts.
	parts := strings.SplitN(string(decoded), ":", 3)
	if len(parts) < 2 || parts[0] == "" || parts[1] == "" {
		return scopeNone,
			"Invalid authorization header. Confirm that you've configured the correct host."
	}
	if a.matchKeyPair(parts[0], parts[1]) {
		return scopeProject, ""
	}
	return scopeNone, "Invalid credentials. Confirm that you've configured the correct host."
}

func (a *authenticator) matchKeyPair(publicKey, secretKey string) bool {
	matched := 0
	for _, key := range a.keys {
		publicOK := subtle.ConstantTimeCompare([]byte(publicKey), []byte(key.PublicKey))
		secretOK := subtle.ConstantTimeCompare([]byte(secretKey), []byte(string(key.SecretKey)))
		matched |= publicOK & secretOK
	}
	return matched == 1
}

func (a *authenticator) matchPublicKey(publicKey string) bool {
	matched := 0
	for _, key := range a.keys {
		matched |= subtle.ConstantTimeCompare([]byte(publicKey), []byte(key.PublicKey))
	}
	return matched == 1
}
