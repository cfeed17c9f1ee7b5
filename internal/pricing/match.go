package pricing

import (
	"strings"
	"sync"
	"sync/atomic"
)

// MatchKind is the way a model name was matched to an entry.
type MatchKind uint8

// Match kinds.
const (
	// MatchNone means no entry matched.
	MatchNone MatchKind = iota
	// MatchExact means the name, a normalised form of it (provider prefix,
	// Bedrock region and version, Vertex version, fine-tune suffix removed)
	// or a configured alias matched a model name or alias in a table.
	MatchExact
	// MatchPattern means a Langfuse match pattern matched.
	MatchPattern
	// MatchDateFallback means only the name without its date suffix
	// matched, so the price is that of the undated alias.
	MatchDateFallback
)

// MatcherOptions configures a Matcher.
type MatcherOptions struct {
	// Aliases maps a model or deployment name (case-insensitive) to the
	// model name to price it as.
	Aliases map[string]string
	// DateFallback prices a dated snapshot that no table lists at the rate
	// of its undated alias.
	DateFallback bool
	// CacheSize bounds the number of distinct model names whose match is
	// cached; 0 means 4096.
	CacheSize int
}

// Match is the result of a lookup.
type Match struct {
	Entry *Entry
	Kind  MatchKind
}

// Matcher finds the entry that prices a model name. Tables given later take
// precedence. A Matcher is safe for concurrent use. It caches the match of
// each provider and model name pair, so the normalisation and any Langfuse
// match patterns run once per distinct name. A full cache is cleared, and
// names are then resolved again.
type Matcher struct {
	tables       []*Table
	aliases      map[string]string
	dateFallback bool
	cacheSize    int

	// cache maps cacheKey to *cachedMatch. A sync.Map keeps concurrent
	// reads of names already seen free of lock contention.
	cache      sync.Map
	cacheCount atomic.Int64
	// last is the most recent cache hit or store. Spans of one model often
	// arrive together, and two string comparisons are cheaper than hashing
	// the key.
	last atomic.Pointer[cachedMatch]
}

type cacheKey struct {
	provider string
	model    string
}

// cachedMatch is a cached Match with copies of the names it was found for.
type cachedMatch struct {
	provider string
	model    string
	match    Match
}

// NewMatcher returns a matcher over tables, lowest precedence first.
func NewMatcher(tables []*Table, opts MatcherOptions) *Matcher {
	m := &Matcher{
		tables:       tables,
		aliases:      make(map[string]string, len(opts.Aliases)),
		dateFallback: opts.DateFallback,
		cacheSize:    opts.CacheSize,
	}
	if m.cacheSize <= 0 {
		m.cacheSize = 4096
	}
	for from, to := range opts.Aliases {
		m.aliases[strings.ToLower(strings.TrimSpace(from))] = strings.TrimSpace(to)
	}
	return m
}

// Tables returns the tables, lowest precedence first.
func (m *Matcher) Tables() []*Table { return m.tables }

// MaxModelNameLength is the longest model or provider name, in bytes, that
// Lookup matches. Longer names match nothing and are not cached, so that
// hostile names cannot fill memory; real model ids are far shorter.
const MaxModelNameLength = 256

// Lookup returns the entry that prices model as reported by provider (a
// gen_ai.provider.name value, or empty).
func (m *Matcher) Lookup(provider, model string) Match {
	if len(model) > MaxModelNameLength || len(provider) > MaxModelNameLength {
		return Match{}
	}
	if c := m.last.Load(); c != nil && c.model == model && c.provider == provider {
		return c.match
	}
	if v, ok := m.cache.Load(cacheKey{provider: provider, model: model}); ok {
		c := v.(*cachedMatch)
		m.last.Store(c)
		return c.match
	}

	res := m.resolve(provider, model)

	if m.cacheCount.Add(1) > int64(m.cacheSize) {
		// Concurrent lookups may store a few names past the bound
		// before the clear, which only costs a resolve again.
		m.cache.Clear()
		m.cacheCount.Store(1)
	}
	// The entry copies the strings, because callers pass strings that
	// refer to span attributes which do not outlive the span.
	c := &cachedMatch{provider: strings.Clone(provider), model: strings.Clone(model), match: res}
	m.cache.Store(cacheKey{provider: c.provider, model: c.model}, c)
	m.last.Store(c)
	return res
}

func (m *Matcher) resolve(provider, model string) Match {
	name := strings.ToLower(strings.TrimSpace(model))
	if name == "" {
		return Match{}
	}
	if to, ok := m.aliases[name]; ok {
		name = strings.ToLower(to)
	}

	exact := candidates(providerPrefix(provider), name)
	for i := len(m.tables) - 1; i >= 0; i-- {
		t := m.tables[i]
		for _, c := range exact {
			if e := t.lookup(c); e != nil {
				return Match{Entry: e, Kind: MatchExact}
			}
		}
		if e := t.matchPattern(name); e != nil {
			return Match{Entry: e, Kind: MatchPattern}
		}
	}

	if !m.dateFallback {
		return Match{}
	}
	var undated []string
	for _, c := range exact {
		if u, ok := stripDate(c); ok {
			undated = append(undated, u)
		}
	}
	for i := len(m.tables) - 1; i >= 0; i-- {
		for _, c := range undated {
			if e := m.tables[i].lookup(c); e != nil {
				return Match{Entry: e, Kind: MatchDateFallback}
			}
		}
	}
	return Match{}
}

// providerPrefix maps a gen_ai.provider.name value to the prefix that price
// tables use for provider-specific model names.
func providerPrefix(provider string) string {
	p := strings.ToLower(provider)
	switch p {
	case "":
		return ""
	case "azure.ai.openai", "az.ai.openai", "azure.ai.inference", "az.ai.inference", "azure_openai":
		return "azure"
	case "aws.bedrock", "aws_bedrock":
		return "bedrock"
	case "gcp.vertex_ai", "vertexai", "vertex":
		return "vertex_ai"
	case "gcp.gemini", "gcp.gen_ai", "google", "googleai":
		return "gemini"
	case "mistral_ai", "mistralai":
		return "mistral"
	case "x_ai":
		return "xai"
	case "together", "togetherai":
		return "together_ai"
	}
	return p
}

// bedrockGeo lists the cross-region inference profile prefixes of Bedrock
// model ids.
var bedrockGeo = []string{"global.", "us-gov.", "us.", "eu.", "apac.", "jp.", "au.", "ca."}

// bedrockVendors lists the vendor prefixes of Bedrock model ids.
var bedrockVendors = []string{"anthropic.", "meta.", "mistral.", "cohere.", "amazon.", "ai21.", "deepseek.", "openai."}

// candidates returns the names to look up for name, most specific first.
// They are the provider-qualified name and the name itself, then the name
// without leading path segments (provider prefixes, Bedrock regions, ARNs).
// Then come the Bedrock id without its region profile, vendor and version,
// a Vertex "@version" as a date suffix or removed, the base of a fine-tuned
// model, and a Gemini model without its "-NNN" version.
func candidates(prefix, name string) []string {
	out := make([]string, 0, 8)
	add := func(s string) {
		if s == "" {
			return
		}
		for _, have := range out {
			if have == s {
				return
			}
		}
		out = append(out, s)
	}

	if prefix != "" && !strings.HasPrefix(name, prefix+"/") {
		add(prefix + "/" + name)
	}
	add(name)

	rest := name
	for {
		i := strings.IndexByte(rest, '/')
		if i < 0 {
			break
		}
		rest = rest[i+1:]
		add(rest)
	}
	base := rest

	if strings.HasPrefix(base, "ft:") {
		// ft:<base model>:<org>:<suffix>:<id>
		if parts := strings.Split(base, ":"); len(parts) >= 2 {
			add("ft:" + parts[1])
		}
		return out
	}

	for _, g := range bedrockGeo {
		if s, ok := strings.CutPrefix(base, g); ok {
			add(s)
			base = s
			break
		}
	}
	for _, v := range bedrockVendors {
		if s, ok := strings.CutPrefix(base, v); ok {
			add(stripBedrockVersion(s))
			base = stripBedrockVersion(s)
			break
		}
	}

	if at := strings.IndexByte(base, '@'); at > 0 {
		add(base[:at] + "-" + base[at+1:])
		add(base[:at])
		base = base[:at]
	}

	if strings.HasPrefix(base, "gemini-") {
		if s, ok := stripNumericSuffix(base, 3); ok {
			add(s)
		}
	}
	return out
}

// stripBedrockVersion removes a Bedrock version suffix such as "-v1:0" or
// "-v2".
func stripBedrockVersion(s string) string {
	i := strings.LastIndex(s, "-v")
	if i < 0 {
		return s
	}
	v := s[i+2:]
	if colon := strings.IndexByte(v, ':'); colon >= 0 {
		if !allDigits(v[colon+1:]) {
			return s
		}
		v = v[:colon]
	}
	if !allDigits(v) {
		return s
	}
	return s[:i]
}

// stripNumericSuffix removes a trailing "-" and exactly n digits.
func stripNumericSuffix(s string, n int) (string, bool) {
	i := len(s) - n - 1
	if i <= 0 || s[i] != '-' || !allDigits(s[i+1:]) {
		return s, false
	}
	return s[:i], true
}

// stripDate removes a trailing date in the form -YYYY-MM-DD or -YYYYMMDD.
func stripDate(s string) (string, bool) {
	if len(s) > 11 {
		d := s[len(s)-11:]
		if d[0] == '-' && allDigits(d[1:5]) && d[5] == '-' && allDigits(d[6:8]) && d[8] == '-' &&
			allDigits(d[9:]) {
			return s[:len(s)-11], true
		}
	}
	if out, ok := stripNumericSuffix(s, 8); ok && (strings.HasPrefix(s[len(s)-8:], "20")) {
		return out, true
	}
	return s, false
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
