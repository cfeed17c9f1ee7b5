package genaiprocessor

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"
	"go.uber.org/zap"

	"github.com/otelcol-genai/otelcol-genai/internal/pii"
)

// MaskingConfig configures PII masking.
type MaskingConfig struct {
	Enabled bool `mapstructure:"enabled"`
	// Detectors switches built-in detectors on and off and sets their
	// actions. All are on, with action redact, by default.
	Detectors MaskingDetectors `mapstructure:"detectors"`
	// Rules are user rules applied after the built-in detectors.
	Rules []MaskingRule `mapstructure:"rules"`
	// Allow lists values that are never masked.
	Allow MaskingAllowList `mapstructure:"allow"`
	// IncludeKeys are glob patterns ("*" matches any run of characters) of
	// attribute keys to scan; empty means every key.
	IncludeKeys []string `mapstructure:"include_keys"`
	// ExcludeKeys are glob patterns of attribute keys never scanned; they
	// win over IncludeKeys.
	ExcludeKeys []string `mapstructure:"exclude_keys"`
	// RedactionToken is the replacement of the redact action; "{type}" is
	// replaced by the entity type, as in "[REDACTED:EMAIL]".
	RedactionToken string `mapstructure:"redaction_token"`
	// PseudonymizationKey is the HMAC-SHA256 key of the pseudonymize action,
	// at least 16 bytes. Give it from the environment
	// (${env:GENAI_PSEUDONYM_KEY}) and share it between replicas so
	// pseudonyms agree.
	PseudonymizationKey configopaque.String `mapstructure:"pseudonymization_key"`
	// PseudonymLength is the number of hex digits of a pseudonym, 8 to 64.
	PseudonymLength int `mapstructure:"pseudonym_length"`
	// SummaryAttribute adds the integer attribute genai.masking.count, the
	// number of values masked or dropped, to every span and log record that
	// had any.
	SummaryAttribute bool `mapstructure:"summary_attribute"`
}

// MaskingDetector configures one built-in detector.
type MaskingDetector struct {
	Enabled bool `mapstructure:"enabled"`
	// Action is redact, pseudonymize or drop (the whole attribute).
	Action string `mapstructure:"action"`
	// Token replaces redaction_token for this detector.
	Token string `mapstructure:"token"`
}

// MaskingDetectors has one entry per built-in detector.
type MaskingDetectors struct {
	Email           MaskingDetector `mapstructure:"email"`
	Phone           MaskingDetector `mapstructure:"phone"`
	CreditCard      MaskingDetector `mapstructure:"credit_card"`
	IBAN            MaskingDetector `mapstructure:"iban"`
	IPAddress       MaskingDetector `mapstructure:"ip_address"`
	USSSN           MaskingDetector `mapstructure:"us_ssn"`
	DETaxID         MaskingDetector `mapstructure:"de_tax_id"`
	UKNINO          MaskingDetector `mapstructure:"uk_nino"`
	CryptoWallet    MaskingDetector `mapstructure:"crypto_wallet"`
	OpenAIAPIKey    MaskingDetector `mapstructure:"openai_api_key"`
	AnthropicAPIKey MaskingDetector `mapstructure:"anthropic_api_key"`
	AWSAccessKeyID  MaskingDetector `mapstructure:"aws_access_key_id"`
	GitHubToken     MaskingDetector `mapstructure:"github_token"`
	JWT             MaskingDetector `mapstructure:"jwt"`
	PrivateKey      MaskingDetector `mapstructure:"private_key"`
	BearerToken     MaskingDetector `mapstructure:"bearer_token"`
}

// byName returns the detectors keyed by their pii detector names.
func (d *MaskingDetectors) byName() map[string]*MaskingDetector {
	return map[string]*MaskingDetector{
		"email": &d.Email, "phone": &d.Phone, "credit_card": &d.CreditCard, "iban": &d.IBAN,
		"ip_address": &d.IPAddress, "us_ssn": &d.USSSN, "de_tax_id": &d.DETaxID,
		"uk_nino": &d.UKNINO, "crypto_wallet": &d.CryptoWallet,
		"openai_api_key": &d.OpenAIAPIKey, "anthropic_api_key": &d.AnthropicAPIKey,
		"aws_access_key_id": &d.AWSAccessKeyID, "github_token": &d.GitHubToken, "jwt": &d.JWT,
		"private_key": &d.PrivateKey, "bearer_token": &d.BearerToken,
	}
}

// MaskingRule is a user rule: every match of Pattern that passes Validator
// is masked with Action, on spans where Condition holds.
type MaskingRule struct {
	// Name names the rule in metrics and is the entity type of its token,
	// upper-cased.
	Name string `mapstructure:"name"`
	// Pattern is a Go regular expression (RE2 syntax).
	Pattern string `mapstructure:"pattern"`
	// Validator is an optional built-in check of each match: luhn, iban,
	// us_ssn, email, ip or jwt.
	Validator string `mapstructure:"validator"`
	// Condition is an optional OTTL condition in the span context. With a
	// condition, the rule applies only to the attributes of spans where it
	// is true and of their events and links. It then applies to no resource,
	// scope or log.
	Condition string `mapstructure:"condition"`
	Action    string `mapstructure:"action"`
	Token     string `mapstructure:"token"`
}

// MaskingAllowList lists values that are never masked.
type MaskingAllowList struct {
	// Values are compared with whole attribute values and with each match.
	Values []string `mapstructure:"values"`
	// Patterns are regular expressions that must match a whole value or a
	// whole match.
	Patterns []string `mapstructure:"patterns"`
}

func defaultMaskingConfig() MaskingConfig {
	cfg := MaskingConfig{
		Enabled:         true,
		RedactionToken:  pii.DefaultRedactionToken,
		PseudonymLength: pii.DefaultPseudonymLength,
	}
	for _, d := range cfg.Detectors.byName() {
		*d = MaskingDetector{Enabled: true, Action: "redact"}
	}
	return cfg
}

// Validate checks the masking configuration by building it, so every error
// a start would hit is reported at configuration time.
func (c *MaskingConfig) Validate() error {
	if !c.Enabled {
		return nil
	}
	if _, err := c.piiConfig(); err != nil {
		return err
	}
	var errs []error
	for _, p := range append(append([]string{}, c.IncludeKeys...), c.ExcludeKeys...) {
		if p == "" {
			errs = append(errs, errors.New("empty key pattern in include_keys or exclude_keys: remove it"))
		}
	}
	for i, r := range c.Rules {
		if r.Condition != "" && strings.TrimSpace(r.Condition) == "" {
			errs = append(errs, fmt.Errorf("rules[%d] (%q): condition is blank: remove it or give an OTTL condition", i, r.Name))
		}
	}
	return errors.Join(errs...)
}

// piiConfig converts the configuration and builds the masker once to check it.
func (c *MaskingConfig) piiConfig() (pii.Config, error) {
	cfg := pii.Config{
		Detectors:       map[string]pii.DetectorSetting{},
		AllowValues:     c.Allow.Values,
		AllowPatterns:   c.Allow.Patterns,
		RedactionToken:  c.RedactionToken,
		PseudonymKey:    []byte(c.PseudonymizationKey),
		PseudonymLength: c.PseudonymLength,
	}
	var errs []error
	for name, d := range c.Detectors.byName() {
		action, err := pii.ParseAction(d.Action)
		if err != nil {
			errs = append(errs, fmt.Errorf("detectors::%s: %w", name, err))
		}
		cfg.Detectors[name] = pii.DetectorSetting{Enabled: d.Enabled, Action: action, Token: d.Token}
	}
	for i, r := range c.Rules {
		action, err := pii.ParseAction(r.Action)
		if err != nil {
			errs = append(errs, fmt.Errorf("rules[%d] (%q): %w", i, r.Name, err))
		}
		cfg.Rules = append(cfg.Rules, pii.RuleSetting{
			Name: r.Name, Pattern: r.Pattern, Validator: r.Validator, Action: action, Token: r.Token,
		})
	}
	if err := errors.Join(errs...); err != nil {
		return cfg, err
	}
	if _, err := pii.New(cfg); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// maskSummaryAttribute is the span and log record attribute that
// summary_attribute adds.
const maskSummaryAttribute = "genai.masking.count"

// masker is the masking stage. Its methods are safe for concurrent use.
type masker struct {
	enabled   bool
	pii       *pii.Masker
	logger    *zap.Logger
	telemetry *maskTelemetry
	include   []*regexp.Regexp
	exclude   []*regexp.Regexp
	summary   bool
	// unconditional has a bit set for every rule without a condition.
	unconditional pii.RuleSet
	conditions    *maskConditions
	tallies       sync.Pool
}

func newMasker(set processor.Settings, cfg *MaskingConfig) (*masker, error) {
	m := &masker{enabled: cfg.Enabled, logger: set.Logger}
	if !cfg.Enabled {
		return m, nil
	}
	piiCfg, err := cfg.piiConfig()
	if err != nil {
		return nil, fmt.Errorf("masking: %w", err)
	}
	if m.pii, err = pii.New(piiCfg); err != nil {
		return nil, fmt.Errorf("masking: %w", err)
	}
	m.include = compileKeyGlobs(cfg.IncludeKeys)
	m.exclude = compileKeyGlobs(cfg.ExcludeKeys)
	m.summary = cfg.SummaryAttribute

	if m.conditions, err = newMaskConditions(set.TelemetrySettings, cfg.Rules); err != nil {
		return nil, fmt.Errorf("masking: %w", err)
	}
	for i, r := range cfg.Rules {
		if r.Condition == "" {
			m.unconditional |= 1 << uint(i)
		}
	}
	if m.telemetry, err = newMaskTelemetry(set.TelemetrySettings, m.pii.Sources()); err != nil {
		return nil, fmt.Errorf("masking: %w", err)
	}
	m.conditions.telemetry = m.telemetry
	m.tallies.New = func() any { return m.pii.NewTally() }
	return m, nil
}

// compileKeyGlobs turns glob patterns, where "*" matches any run of
// characters, into anchored regular expressions.
func compileKeyGlobs(globs []string) []*regexp.Regexp {
	res := make([]*regexp.Regexp, 0, len(globs))
	for _, g := range globs {
		parts := strings.Split(g, "*")
		for i, p := range parts {
			parts[i] = regexp.QuoteMeta(p)
		}
		res = append(res, regexp.MustCompile("^"+strings.Join(parts, ".*")+"$"))
	}
	return res
}

// scansKey reports whether the attribute with the given key is scanned.
func (m *masker) scansKey(key string) bool {
	for _, re := range m.exclude {
		if re.MatchString(key) {
			return false
		}
	}
	if len(m.include) == 0 {
		return true
	}
	for _, re := range m.include {
		if re.MatchString(key) {
			return true
		}
	}
	return false
}

func (m *masker) getTally() *pii.Tally { return m.tallies.Get().(*pii.Tally) }

// putTally records the tally in the metrics and returns it to the pool.
func (m *masker) putTally(ctx context.Context, t *pii.Tally, where string) {
	m.telemetry.record(ctx, t)
	if t.FailedClosed > 0 {
		m.telemetry.warnFailedClosed(m.logger, t.FailedClosed, where)
	}
	t.Reset()
	m.tallies.Put(t)
}

func (m *masker) maskResource(ctx context.Context, res pcommon.Resource) {
	if !m.enabled {
		return
	}
	t := m.getTally()
	m.maskAttributes(res.Attributes(), m.unconditional, t)
	m.putTally(ctx, t, "resource")
}

func (m *masker) maskScope(ctx context.Context, scope pcommon.InstrumentationScope) {
	if !m.enabled {
		return
	}
	t := m.getTally()
	m.maskAttributes(scope.Attributes(), m.unconditional, t)
	m.putTally(ctx, t, "scope")
}

// processSpan masks the attributes of the span, its events and its links.
func (m *masker) processSpan(ctx context.Context, sc *spanContext) {
	if !m.enabled {
		return
	}
	active := m.unconditional | m.conditions.eval(ctx, sc, m.logger)
	t := m.getTally()
	span := sc.span
	count := m.maskAttributes(span.Attributes(), active, t)
	events := span.Events()
	for i := 0; i < events.Len(); i++ {
		count += m.maskAttributes(events.At(i).Attributes(), active, t)
	}
	links := span.Links()
	for i := 0; i < links.Len(); i++ {
		count += m.maskAttributes(links.At(i).Attributes(), active, t)
	}
	if m.summary && count > 0 {
		span.Attributes().PutInt(maskSummaryAttribute, int64(count))
	}
	m.putTally(ctx, t, "span")
}

// processLogs masks resource, scope and log record attributes and log
// bodies. A body whose match has the drop action is set to the empty string.
func (m *masker) processLogs(ctx context.Context, ld plog.Logs) {
	if !m.enabled {
		return
	}
	t := m.getTally()
	defer m.putTally(ctx, t, "log")
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		m.maskAttributes(rl.Resource().Attributes(), m.unconditional, t)
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			sl := sls.At(j)
			m.maskAttributes(sl.Scope().Attributes(), m.unconditional, t)
			records := sl.LogRecords()
			for k := 0; k < records.Len(); k++ {
				m.maskLogRecord(records.At(k), t)
			}
		}
	}
}

func (m *masker) maskLogRecord(lr plog.LogRecord, t *pii.Tally) {
	count := m.maskAttributes(lr.Attributes(), m.unconditional, t)
	changed, drop := m.maskValue("body", lr.Body(), m.unconditional, t)
	if drop {
		lr.Body().SetStr("")
	}
	count += changed
	if m.summary && count > 0 {
		lr.Attributes().PutInt(maskSummaryAttribute, int64(count))
	}
}

// maskAttributes masks the values of attrs in place, removes the attributes
// whose match has the drop action, and returns how many values it changed
// or removed.
func (m *masker) maskAttributes(attrs pcommon.Map, active pii.RuleSet, t *pii.Tally) int {
	count := 0
	attrs.RemoveIf(func(key string, v pcommon.Value) bool {
		if key == maskSummaryAttribute || !m.scansKey(key) {
			return false
		}
		changed, drop := m.maskValue(key, v, active, t)
		count += changed
		return drop
	})
	return count
}

// maskValue masks a string value, or the strings inside a slice or map
// value, in place. It returns the number of strings changed and whether the
// value must be dropped.
func (m *masker) maskValue(key string, v pcommon.Value, active pii.RuleSet, t *pii.Tally) (int, bool) {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		out, outcome := m.pii.Mask(key, v.Str(), active, t)
		switch outcome {
		case pii.Drop:
			return 1, true
		case pii.Masked, pii.FailedClosed:
			v.SetStr(out)
			return 1, false
		}
	case pcommon.ValueTypeSlice:
		s := v.Slice()
		count := 0
		for i := 0; i < s.Len(); i++ {
			changed, drop := m.maskValue(key, s.At(i), active, t)
			if drop {
				return count + 1, true
			}
			count += changed
		}
		return count, false
	case pcommon.ValueTypeMap:
		count := 0
		drop := false
		v.Map().Range(func(k string, inner pcommon.Value) bool {
			changed, d := m.maskValue(k, inner, active, t)
			count += changed
			drop = d
			return !d
		})
		return count, drop
	}
	return 0, false
}
