package pii

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"
)

// Action is the replacement a Masker applies to a value that a detector or
// rule matched.
type Action uint8

// Actions.
const (
	// ActionRedact replaces the match with a fixed token, by default
	// "[REDACTED:<TYPE>]".
	ActionRedact Action = iota
	// ActionPseudonymize replaces the match with "[<TYPE>:<hex>]", where hex
	// starts the keyed HMAC-SHA256 of the match, so equal values get equal
	// pseudonyms under one key.
	ActionPseudonymize
	// ActionDrop removes the whole attribute that contains the match.
	ActionDrop
)

// ParseAction returns the action with the given configuration name; the
// empty string is ActionRedact.
func ParseAction(name string) (Action, error) {
	switch name {
	case "", "redact":
		return ActionRedact, nil
	case "pseudonymize":
		return ActionPseudonymize, nil
	case "drop":
		return ActionDrop, nil
	}
	return 0, fmt.Errorf("unknown action %q: use redact, pseudonymize or drop", name)
}

// String returns the configuration name of the action.
func (a Action) String() string {
	switch a {
	case ActionPseudonymize:
		return "pseudonymize"
	case ActionDrop:
		return "drop"
	}
	return "redact"
}

// DefaultRedactionToken is the token template of ActionRedact; "{type}" is
// replaced by the entity type of the detector or rule.
const DefaultRedactionToken = "[REDACTED:{type}]"

// DefaultPseudonymLength is the number of hex digits of the HMAC kept in a
// pseudonym: 48 bits, so two values collide once in about 16 million pairs.
const DefaultPseudonymLength = 12

// MinPseudonymKeyLength is the shortest accepted HMAC key in bytes.
const MinPseudonymKeyLength = 16

// MaxRules is the largest number of user rules a Masker accepts.
const MaxRules = 64

// DetectorSetting configures one built-in detector.
type DetectorSetting struct {
	Enabled bool
	Action  Action
	// Token replaces the redaction token template for this detector.
	Token string
}

// RuleSetting is a user rule: a regular expression, an optional validator
// name from ValidatorNames and an action.
type RuleSetting struct {
	Name      string
	Pattern   string
	Validator string
	Action    Action
	Token     string
}

// Config configures a Masker.
type Config struct {
	// Detectors configures built-in detectors by name; a detector missing
	// from the map is enabled with ActionRedact.
	Detectors map[string]DetectorSetting
	Rules     []RuleSetting
	// AllowValues are values that are never masked, matched exactly
	// against a whole attribute value or a whole match.
	AllowValues []string
	// AllowPatterns are regular expressions; a match or value that one of
	// them matches completely is never masked.
	AllowPatterns []string
	// RedactionToken is the token template; empty means
	// DefaultRedactionToken.
	RedactionToken string
	// PseudonymKey is the HMAC key of ActionPseudonymize.
	PseudonymKey []byte
	// PseudonymLength is the number of hex digits in a pseudonym; 0 means
	// DefaultPseudonymLength.
	PseudonymLength int
}

// Source describes a detector or rule of a Masker; Match.Source indexes the
// slice that Masker.Sources returns.
type Source struct {
	// Name is the detector name or "rule:" and the rule name.
	Name   string
	Type   string
	Action Action
	token  string
	canon  func(string) string
}

type rule struct {
	re        *regexp.Regexp
	validator Validator
}

// Masker finds and replaces personal data in strings. It is safe for
// concurrent use.
type Masker struct {
	scanner       *Scanner
	sources       []Source
	rules         []rule
	allowValues   map[string]struct{}
	allowPatterns []*regexp.Regexp
	key           []byte
	pseudonymLen  int
	failToken     string
	states        sync.Pool
}

// Outcome is the result of Mask for one value.
type Outcome uint8

// Outcomes of Mask.
const (
	Unchanged Outcome = iota
	Masked
	// Drop means a match's action is ActionDrop: the caller removes the
	// attribute.
	Drop
	// FailedClosed means the value could not be scanned safely (invalid
	// UTF-8 or a detector failure) and was replaced as a whole.
	FailedClosed
)

// RuleSet selects user rules by bit: bit i enables Config.Rules[i].
type RuleSet uint64

// AllRules enables every user rule.
const AllRules = ^RuleSet(0)

// Tally counts matches per source; the caller owns it and reads it after
// Mask. A Tally must not be shared by concurrent Mask calls.
type Tally struct {
	// Counts has one entry per Masker source.
	Counts []int64
	// FailedClosed counts values replaced as a whole.
	FailedClosed int64
}

// Reset zeroes the tally.
func (t *Tally) Reset() {
	clear(t.Counts)
	t.FailedClosed = 0
}

// New builds a Masker. It returns an error that names the detector, rule or
// pattern when the configuration is invalid.
func New(cfg Config) (*Masker, error) {
	m := &Masker{
		allowValues:  make(map[string]struct{}, len(cfg.AllowValues)),
		key:          cfg.PseudonymKey,
		pseudonymLen: cfg.PseudonymLength,
	}
	if m.pseudonymLen == 0 {
		m.pseudonymLen = DefaultPseudonymLength
	}
	if m.pseudonymLen < 8 || m.pseudonymLen > 64 {
		return nil, fmt.Errorf("pseudonym length %d is out of range: use 8 to 64 hex digits", m.pseudonymLen)
	}
	template := cfg.RedactionToken
	if template == "" {
		template = DefaultRedactionToken
	}
	m.failToken = strings.ReplaceAll(template, "{type}", "UNSCANNABLE")

	var errs []error
	known := map[string]bool{}
	var enabled []Detector
	for _, d := range Builtins() {
		known[d.Name()] = true
		setting, ok := cfg.Detectors[d.Name()]
		if !ok {
			setting = DetectorSetting{Enabled: true}
		}
		if !setting.Enabled {
			continue
		}
		enabled = append(enabled, d)
		src := Source{Name: d.Name(), Type: d.Type(), Action: setting.Action}
		src.token = renderToken(template, setting.Token, d.Type())
		if c, ok := d.(Canonicalizer); ok {
			src.canon = c.Canonical
		}
		m.sources = append(m.sources, src)
	}
	for name := range cfg.Detectors {
		if !known[name] {
			errs = append(errs, fmt.Errorf("unknown detector %q: use one of %s",
				name, strings.Join(BuiltinNames(), ", ")))
		}
	}
	m.scanner = NewScanner(enabled)

	if len(cfg.Rules) > MaxRules {
		errs = append(errs, fmt.Errorf("%d rules configured: at most %d are supported", len(cfg.Rules), MaxRules))
	}
	for i, rs := range cfg.Rules {
		r, src, err := compileRule(template, rs)
		if err != nil {
			errs = append(errs, fmt.Errorf("rule %d (%q): %w", i, rs.Name, err))
			continue
		}
		m.rules = append(m.rules, r)
		m.sources = append(m.sources, src)
	}

	for _, v := range cfg.AllowValues {
		m.allowValues[v] = struct{}{}
	}
	for _, p := range cfg.AllowPatterns {
		re, err := regexp.Compile(`^(?:` + p + `)$`)
		if err != nil {
			errs = append(errs, fmt.Errorf("allow pattern %q is not a valid regular expression: %w", p, err))
			continue
		}
		m.allowPatterns = append(m.allowPatterns, re)
	}

	for _, src := range m.sources {
		if src.Action == ActionPseudonymize && len(m.key) < MinPseudonymKeyLength {
			errs = append(errs, fmt.Errorf("%s uses pseudonymize but the pseudonymization key has %d bytes: "+
				"set a secret of at least %d bytes", src.Name, len(m.key), MinPseudonymKeyLength))
			break
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	m.states.New = func() any { return &maskState{} }
	return m, nil
}

func compileRule(template string, rs RuleSetting) (rule, Source, error) {
	if rs.Name == "" {
		return rule{}, Source{}, errors.New("name is missing: give every rule a name")
	}
	if rs.Pattern == "" {
		return rule{}, Source{}, errors.New("pattern is missing: give a regular expression")
	}
	re, err := regexp.Compile(rs.Pattern)
	if err != nil {
		return rule{}, Source{}, fmt.Errorf("pattern %q is not a valid regular expression: %w", rs.Pattern, err)
	}
	r := rule{re: re}
	if rs.Validator != "" {
		v, ok := LookupValidator(rs.Validator)
		if !ok {
			return rule{}, Source{}, fmt.Errorf("unknown validator %q: use one of %s",
				rs.Validator, strings.Join(ValidatorNames(), ", "))
		}
		r.validator = v
	}
	typ := strings.ToUpper(rs.Name)
	src := Source{Name: "rule:" + rs.Name, Type: typ, Action: rs.Action}
	src.token = renderToken(template, rs.Token, typ)
	return r, src, nil
}

func renderToken(template, override, typ string) string {
	if override != "" {
		return override
	}
	return strings.ReplaceAll(template, "{type}", typ)
}

// Sources returns the enabled detectors, then the rules, in the order that
// Tally.Counts and Match.Source use.
func (m *Masker) Sources() []Source { return m.sources }

// NewTally returns a tally sized for this Masker.
func (m *Masker) NewTally() *Tally {
	return &Tally{Counts: make([]int64, len(m.sources))}
}

// maxDepth bounds JSON nesting, counting JSON documents inside JSON strings
// as further levels; deeper input is scanned as text.
const maxDepth = 64

// maxEmbeddedJSON bounds how many times a JSON document inside a JSON string
// is decoded and walked again.
const maxEmbeddedJSON = 4

// maskState is the scratch memory of one Mask call.
type maskState struct {
	matches []Match
	decode  [maxEmbeddedJSON + 1][]byte
	// discard receives the counts of calls made with a nil Tally.
	discard Tally
}

// tallyFor returns the tally that a Mask call counts into: t, with Counts
// grown to the number of sources when it is shorter, or the state's own
// discarded tally when t is nil.
func (st *maskState) tallyFor(t *Tally, sources int) *Tally {
	if t == nil {
		t = &st.discard
	}
	if len(t.Counts) < sources {
		t.Counts = append(t.Counts, make([]int64, sources-len(t.Counts))...)
	}
	return t
}

// Mask returns value with every match replaced, and its outcome. key is the
// attribute key, used as context, and active selects the user rules that
// apply. Matches are counted in tally, which may be nil to discard the
// counts; Mask grows tally.Counts when it has fewer entries than Sources.
// Values that start with '{' or '[' and parse as JSON are masked inside
// their strings (object keys included) and stay valid JSON.
func (m *Masker) Mask(key, value string, active RuleSet, tally *Tally) (out string, outcome Outcome) {
	if value == "" {
		return value, Unchanged
	}
	if _, ok := m.allowValues[value]; ok {
		return value, Unchanged
	}

	st := m.states.Get().(*maskState)
	defer m.states.Put(st)
	tally = st.tallyFor(tally, len(m.sources))
	if !utf8.ValidString(value) {
		tally.FailedClosed++
		return m.failToken, FailedClosed
	}
	defer func() {
		if recover() != nil {
			tally.FailedClosed++
			out, outcome = m.failToken, FailedClosed
		}
	}()
	return m.maskText(st, value, NewKeyContext(key), active, tally, 0)
}

// maskText masks s as JSON when it is JSON and as plain text otherwise.
func (m *Masker) maskText(st *maskState, s string, keys KeyContext, active RuleSet, tally *Tally, embed int) (string, Outcome) {
	if embed <= maxEmbeddedJSON && looksLikeJSON(s) {
		w := jsonWalker{m: m, st: st, s: s, keys: keys, active: active, tally: tally, embed: embed}
		if out, outcome, ok := w.walk(); ok {
			return out, outcome
		}
	}
	return m.maskPlain(st, s, keys, active, tally)
}

// maskPlain scans s as text.
func (m *Masker) maskPlain(st *maskState, s string, keys KeyContext, active RuleSet, tally *Tally) (string, Outcome) {
	ms := m.scanner.Scan(s, &keys, st.matches[:0])
	if len(m.rules) > 0 {
		ms = m.applyRules(s, active, ms)
	}
	ms = m.filterAllowed(s, ms)
	st.matches = ms[:0]
	if len(ms) == 0 {
		return s, Unchanged
	}

	drop := false
	for _, match := range ms {
		tally.Counts[match.Source]++
		drop = drop || m.sources[match.Source].Action == ActionDrop
	}
	if drop {
		return "", Drop
	}

	// Size the output once: replacements are usually longer than the
	// values they replace.
	size := len(s)
	for _, match := range ms {
		size += m.replacementLen(match.Source) - (match.End - match.Start)
	}
	var b strings.Builder
	b.Grow(size)
	prev := 0
	for _, match := range ms {
		b.WriteString(s[prev:match.Start])
		b.WriteString(m.replacement(match.Source, s[match.Start:match.End]))
		prev = match.End
	}
	b.WriteString(s[prev:])
	return b.String(), Masked
}

// replacementLen returns the length in bytes of the replacement of a match
// of the source.
func (m *Masker) replacementLen(source int) int {
	src := &m.sources[source]
	if src.Action != ActionPseudonymize {
		return len(src.token)
	}
	return len(src.Type) + 3 + m.pseudonymLen
}

func (m *Masker) applyRules(s string, active RuleSet, ms []Match) []Match {
	base := len(m.scanner.Detectors())
	added := false
	for i, r := range m.rules {
		if active&(1<<uint(i)) == 0 {
			continue
		}
		for _, loc := range r.re.FindAllStringIndex(s, -1) {
			if loc[0] == loc[1] || (r.validator != nil && !r.validator(s[loc[0]:loc[1]])) {
				continue
			}
			ms = append(ms, Match{Start: loc[0], End: loc[1], Source: base + i})
			added = true
		}
	}
	if added {
		ms = mergeMatches(ms, 0)
	}
	return ms
}

func (m *Masker) filterAllowed(s string, ms []Match) []Match {
	if len(m.allowValues) == 0 && len(m.allowPatterns) == 0 {
		return ms
	}
	out := ms[:0]
	for _, match := range ms {
		if !m.allowed(s[match.Start:match.End]) {
			out = append(out, match)
		}
	}
	return out
}

func (m *Masker) allowed(text string) bool {
	if _, ok := m.allowValues[text]; ok {
		return true
	}
	for _, re := range m.allowPatterns {
		if re.MatchString(text) {
			return true
		}
	}
	return false
}

func (m *Masker) replacement(source int, text string) string {
	src := &m.sources[source]
	if src.Action != ActionPseudonymize {
		return src.token
	}
	canonical := text
	if src.canon != nil {
		canonical = src.canon(text)
	}
	mac := hmac.New(sha256.New, m.key)
	mac.Write([]byte(src.Type))
	mac.Write([]byte{0})
	mac.Write([]byte(canonical))
	sum := hex.EncodeToString(mac.Sum(nil))
	return "[" + src.Type + ":" + sum[:m.pseudonymLen] + "]"
}
