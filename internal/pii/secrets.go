package pii

import "strings"

// tokenRun returns the end of the run of bytes from position i that are
// ASCII letters, digits or one of extra.
func tokenRun(s string, i int, extra string) int {
	for i < len(s) && (isAlnum(s[i]) || strings.IndexByte(extra, s[i]) >= 0) {
		i++
	}
	return i
}

// mixedToken reports whether t contains both a letter and a digit, as
// generated keys do and English words do not.
func mixedToken(t string) bool {
	letter, digit := false, false
	for i := 0; i < len(t); i++ {
		letter = letter || isAlpha(t[i])
		digit = digit || isDigit(t[i])
	}
	return letter && digit
}

// openAIKeyDetector finds OpenAI API keys: "sk-" with an optional "proj-",
// "svcacct-" or "admin-" part, then at least 20 letters, digits, '-' or '_'
// mixing letters and digits.
type openAIKeyDetector struct{}

func (openAIKeyDetector) Name() string { return "openai_api_key" }

func (openAIKeyDetector) Type() string { return "OPENAI_API_KEY" }

func (openAIKeyDetector) Trigger() Trigger { return Trigger{Prefixes: []string{"sk-"}} }

func (openAIKeyDetector) Detect(s string, i int, _ KeyHints) (int, int, bool) {
	if !strings.HasPrefix(s[i:], "sk-") || strings.HasPrefix(s[i:], "sk-ant-") {
		return 0, 0, false
	}
	body := i + 3
	end := tokenRun(s, body, "-_")
	if end-body < 20 || !mixedToken(s[body:end]) {
		return 0, 0, false
	}
	return i, end, true
}

// anthropicKeyDetector finds Anthropic API keys: "sk-ant-" then at least 20
// letters, digits, '-' or '_' mixing letters and digits.
type anthropicKeyDetector struct{}

func (anthropicKeyDetector) Name() string { return "anthropic_api_key" }

func (anthropicKeyDetector) Type() string { return "ANTHROPIC_API_KEY" }

func (anthropicKeyDetector) Trigger() Trigger { return Trigger{Prefixes: []string{"sk-ant-"}} }

func (anthropicKeyDetector) Detect(s string, i int, _ KeyHints) (int, int, bool) {
	if !strings.HasPrefix(s[i:], "sk-ant-") {
		return 0, 0, false
	}
	body := i + 7
	end := tokenRun(s, body, "-_")
	if end-body < 20 || !mixedToken(s[body:end]) {
		return 0, 0, false
	}
	return i, end, true
}

// awsKeyPrefixes are the four-letter prefixes of AWS access key ids and
// other AWS unique ids that grant access.
var awsKeyPrefixes = []string{
	"AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AIPA", "ANPA", "ANVA", "APKA", "AROA",
}

// awsAccessKeyDetector finds AWS access key ids: a known four-letter prefix
// and 16 characters of the base32 alphabet (A-Z, 2-7), 20 in all.
type awsAccessKeyDetector struct{}

func (awsAccessKeyDetector) Name() string { return "aws_access_key_id" }

func (awsAccessKeyDetector) Type() string { return "AWS_ACCESS_KEY_ID" }

func (awsAccessKeyDetector) Trigger() Trigger { return Trigger{Prefixes: awsKeyPrefixes} }

func (awsAccessKeyDetector) Detect(s string, i int, _ KeyHints) (int, int, bool) {
	if len(s)-i < 20 || !boundaryAfter(s, i+20) {
		return 0, 0, false
	}
	known := false
	for _, p := range awsKeyPrefixes {
		if s[i:i+4] == p {
			known = true
			break
		}
	}
	if !known {
		return 0, 0, false
	}
	for p := i + 4; p < i+20; p++ {
		c := s[p]
		if !isUpper(c) && (c < '2' || c > '7') {
			return 0, 0, false
		}
	}
	return i, i + 20, true
}

// githubTokenDetector finds GitHub tokens: "ghp_", "gho_", "ghu_", "ghs_"
// or "ghr_" and 36 letters or digits, and fine-grained "github_pat_" tokens
// of at least 70 letters, digits or '_'.
type githubTokenDetector struct{}

func (githubTokenDetector) Name() string { return "github_token" }

func (githubTokenDetector) Type() string { return "GITHUB_TOKEN" }

func (githubTokenDetector) Trigger() Trigger {
	return Trigger{Prefixes: []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"}}
}

func (githubTokenDetector) Detect(s string, i int, _ KeyHints) (int, int, bool) {
	rest := s[i:]
	if strings.HasPrefix(rest, "github_pat_") {
		end := tokenRun(s, i+11, "_")
		if end-(i+11) < 70 {
			return 0, 0, false
		}
		return i, end, true
	}
	if len(rest) < 40 || rest[0] != 'g' || rest[1] != 'h' || rest[3] != '_' ||
		strings.IndexByte("pousr", rest[2]) < 0 {
		return 0, 0, false
	}
	end := tokenRun(s, i+4, "")
	if end-(i+4) != 36 || !mixedToken(s[i+4:end]) {
		return 0, 0, false
	}
	return i, end, true
}

// jwtDetector finds JSON Web Tokens in compact form: three base64url parts
// joined by dots, where the header decodes to a JSON object with an "alg"
// member and the payload is a JSON object ("eyJ" is base64url for `{"`).
// The signature part may be empty (unsecured tokens).
type jwtDetector struct{}

func (jwtDetector) Name() string { return "jwt" }

func (jwtDetector) Type() string { return "JWT" }

func (jwtDetector) Trigger() Trigger { return Trigger{Prefixes: []string{"eyJ"}} }

func (jwtDetector) Detect(s string, i int, _ KeyHints) (int, int, bool) {
	if !strings.HasPrefix(s[i:], "eyJ") {
		return 0, 0, false
	}
	headerEnd := tokenRun(s, i, "-_")
	if headerEnd >= len(s) || s[headerEnd] != '.' || !strings.HasPrefix(s[headerEnd+1:], "eyJ") {
		return 0, 0, false
	}
	payloadEnd := tokenRun(s, headerEnd+1, "-_")
	if payloadEnd >= len(s) || s[payloadEnd] != '.' {
		return 0, 0, false
	}
	end := tokenRun(s, payloadEnd+1, "-_")
	if !boundaryAfter(s, end) && s[end] != '=' {
		return 0, 0, false
	}

	var header [512]byte
	n, ok := decodeBase64URL(s[i:headerEnd], header[:])
	if !ok || !strings.Contains(string(header[:n]), `"alg"`) {
		return 0, 0, false
	}
	return i, end, true
}

// decodeBase64URL decodes unpadded base64url text into dst and reports false
// when a character is outside the alphabet or dst is too small.
func decodeBase64URL(src string, dst []byte) (int, bool) {
	var acc uint32
	bits, n := 0, 0
	for i := 0; i < len(src); i++ {
		c := src[i]
		var v byte
		switch {
		case isUpper(c):
			v = c - 'A'
		case isLower(c):
			v = c - 'a' + 26
		case isDigit(c):
			v = c - '0' + 52
		case c == '-':
			v = 62
		case c == '_':
			v = 63
		default:
			return 0, false
		}
		acc = acc<<6 | uint32(v)
		bits += 6
		if bits >= 8 {
			bits -= 8
			if n >= len(dst) {
				return 0, false
			}
			dst[n] = byte(acc >> bits)
			n++
		}
	}
	return n, true
}

// privateKeyDetector finds PEM private key blocks from "-----BEGIN ...
// PRIVATE KEY-----" to the matching END line. A block cut off before its END
// line is matched to the end of the string.
type privateKeyDetector struct{}

func (privateKeyDetector) Name() string { return "private_key" }

func (privateKeyDetector) Type() string { return "PRIVATE_KEY" }

func (privateKeyDetector) Trigger() Trigger { return Trigger{Prefixes: []string{"-----BEGIN "}} }

func (privateKeyDetector) Detect(s string, i int, _ KeyHints) (int, int, bool) {
	const begin = "-----BEGIN "
	if !strings.HasPrefix(s[i:], begin) {
		return 0, 0, false
	}
	labelEnd := strings.Index(s[i+len(begin):], "-----")
	if labelEnd < 0 || labelEnd > 40 {
		return 0, 0, false
	}
	label := s[i+len(begin) : i+len(begin)+labelEnd]
	if !strings.HasSuffix(label, "PRIVATE KEY") {
		return 0, 0, false
	}
	bodyStart := i + len(begin) + labelEnd + 5
	endLine := "-----END " + label + "-----"
	k := strings.Index(s[bodyStart:], "-----END ")
	if k < 0 {
		return i, len(s), true
	}
	end := bodyStart + k
	if strings.HasPrefix(s[end:], endLine) {
		return i, end + len(endLine), true
	}
	return i, end + len("-----END "), true
}

// bearerTokenDetector finds the credential after the "Bearer" scheme of an
// HTTP Authorization value. The token must be at least 16 characters of the
// RFC 6750 token alphabet and contain a digit, an upper-case letter, '-',
// '_', '+' or '/', so the English word "bearer" followed by a word is not
// matched. Only the token is masked.
type bearerTokenDetector struct{}

func (bearerTokenDetector) Name() string { return "bearer_token" }

func (bearerTokenDetector) Type() string { return "BEARER_TOKEN" }

func (bearerTokenDetector) Trigger() Trigger {
	return Trigger{Prefixes: []string{"Bearer ", "bearer ", "BEARER "}}
}

func (bearerTokenDetector) Detect(s string, i int, _ KeyHints) (int, int, bool) {
	if !hasPrefixFold(s, i, "bearer ") {
		return 0, 0, false
	}
	start := i + 7
	for start < len(s) && s[start] == ' ' {
		start++
	}

	end := tokenRun(s, start, "-._~+/")
	for end < len(s) && s[end] == '=' {
		end++
	}
	// A token may contain dots, but a dot at its end ends the sentence.
	for end > start && s[end-1] == '.' {
		end--
	}

	token := s[start:end]
	if len(token) < 16 || !boundaryAfter(s, end) {
		return 0, 0, false
	}
	special := false
	for j := 0; j < len(token); j++ {
		if c := token[j]; !isLower(c) && c != '.' && c != '~' && c != '=' {
			special = true
			break
		}
	}
	if !special {
		return 0, 0, false
	}
	return start, end, true
}
