package langfusereceiver

import (
	"crypto/sha256"
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
	keys []keyDigest
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
	// The public key ends at the first colon and the secret key is the rest,
	// as RFC 7617 defines user-id and password. Langfuse splits on every
	// colon and ignores a third part, so it would accept "pk:sk:anything".
	// The receiver rejects that and accepts secret keys that contain ':'.
	publicKey, secretKey, found := strings.Cut(string(decoded), ":")
	if !found || publicKey == "" || secretKey == "" {
		return scopeNone,
			"Invalid authorization header. Confirm that you've configured the correct host."
	}
	if a.matchKeyPair(publicKey, secretKey) {
		return scopeProject, ""
	}
	return scopeNone, "Invalid credentials. Confirm that you've configured the correct host."
}

// matchKeyPair compares SHA-256 digests, because subtle.ConstantTimeCompare
// returns at once for inputs of different lengths and so reveals the length
// of a configured key.
func (a *authenticator) matchKeyPair(publicKey, secretKey string) bool {
	publicDigest := sha256.Sum256([]byte(publicKey))
	secretDigest := sha256.Sum256([]byte(secretKey))
	matched := 0
	for _, key := range a.keys {
		publicOK := subtle.ConstantTimeCompare(publicDigest[:], key.publicDigest[:])
		secretOK := subtle.ConstantTimeCompare(secretDigest[:], key.secretDigest[:])
		matched |= publicOK & secretOK
	}
	return matched == 1
}

func (a *authenticator) matchPublicKey(publicKey string) bool {
	publicDigest := sha256.Sum256([]byte(publicKey))
	matched := 0
	for _, key := range a.keys {
		matched |= subtle.ConstantTimeCompare(publicDigest[:], key.publicDigest[:])
	}
	return matched == 1
}

// keyDigest is the SHA-256 digest of one configured key pair.
type keyDigest struct {
	publicDigest [sha256.Size]byte
	secretDigest [sha256.Size]byte
}

func newAuthenticator(keys []KeyPair) authenticator {
	digests := make([]keyDigest, len(keys))
	for i, key := range keys {
		digests[i] = keyDigest{
			publicDigest: sha256.Sum256([]byte(key.PublicKey)),
			secretDigest: sha256.Sum256([]byte(key.SecretKey)),
		}
	}
	return authenticator{keys: digests}
}
