package pii

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// Known values the fuzz targets insert; both must always be masked.
const (
	fuzzEmail = "jane.doe@example.com"
	fuzzCard  = "4111 1111 1111 1111"
)

func newFuzzMasker(f *testing.F) (*Masker, *Tally) {
	m, err := New(Config{})
	if err != nil {
		f.Fatal(err)
	}
	return m, m.NewTally()
}

// FuzzMaskText checks that masking never panics, returns valid UTF-8 for
// valid input, and always masks a known e-mail address and card number
// inserted between words of the input.
func FuzzMaskText(f *testing.F) {
	for _, seed := range []string{
		"", "hello", "mail a@example.com", "4111 1111 1111 1111", "+44 (20) 7123 4567",
		"DE89 3704 0044 0532 0130 00", "2001:db8::1", "::", "%40", "@@@", "1.2.3.4.5",
		"-----BEGIN PRIVATE KEY-----", "Bearer ", "sk-", "eyJ.eyJ.", "連絡先はtaro@example.comです",
	} {
		f.Add(seed, seed)
	}
	m, tally := newFuzzMasker(f)
	f.Fuzz(func(t *testing.T, before, after string) {
		in := before + after
		out, _ := m.Mask("k", in, AllRules, tally)
		if utf8.ValidString(in) && !utf8.ValidString(out) {
			t.Fatalf("valid UTF-8 in, invalid out: %q -> %q", in, out)
		}

		in = before + " x " + fuzzEmail + " x " + fuzzCard + " x " + after
		out, outcome := m.Mask("k", in, AllRules, tally)
		if outcome == Drop {
			t.Fatalf("no detector drops by default")
		}
		if !fewerCopies(in, out) {
			t.Fatalf("inserted value not masked:\n in: %q\nout: %q", in, out)
		}
	})
}

// fewerCopies reports whether out has at least one copy fewer of both
// inserted values than in; the random text may hold copies of its own.
func fewerCopies(in, out string) bool {
	return strings.Count(out, fuzzEmail) < strings.Count(in, fuzzEmail) &&
		strings.Count(out, fuzzCard) < strings.Count(in, fuzzCard)
}

// FuzzMaskJSON checks that valid JSON stays valid JSON, and that a known
// e-mail address and card number inside a JSON string value are masked.
func FuzzMaskJSON(f *testing.F) {
	for _, seed := range []string{
		`{}`, `[]`, `{"a":"b"}`, `[{"role":"user","content":"mail a@example.com"}]`,
		`{"a@example.com":1}`, `["\u0040\ud83d\udcde"]`, `{"t":"{\"x\":\"y\"}"}`,
		`[1,-0.5e+3,true,false,null]`, `{"a":`, `"\ud800"`, `[{"c":"\n4111 1111 1111 1111"}]`,
	} {
		f.Add(seed, "text")
	}
	m, tally := newFuzzMasker(f)
	f.Fuzz(func(t *testing.T, doc, text string) {
		out, _ := m.Mask("k", doc, AllRules, tally)
		if json.Valid([]byte(doc)) && utf8.ValidString(doc) && !json.Valid([]byte(out)) {
			t.Fatalf("valid JSON in, invalid out:\n in: %q\nout: %q", doc, out)
		}

		if !utf8.ValidString(text) {
			return
		}
		value, err := json.Marshal(text + " x " + fuzzEmail + " x " + fuzzCard + " x " + text)
		if err != nil {
			t.Fatal(err)
		}
		in := `[{"role":"user","content":` + string(value) + `}]`
		out, _ = m.Mask("k", in, AllRules, tally)
		decoded0 := func(doc string) string {
			var v []map[string]string
			_ = json.Unmarshal([]byte(doc), &v)
			return v[0]["content"]
		}
		var decoded []map[string]string
		if err := json.Unmarshal([]byte(out), &decoded); err != nil {
			t.Fatalf("output is not valid JSON: %v\n in: %q\nout: %q", err, in, out)
		}
		if !fewerCopies(decoded0(in), decoded[0]["content"]) {
			t.Fatalf("inserted value not masked:\n in: %q\nout: %q", in, out)
		}
	})
}

// FuzzScanMatchesByteScan checks that skipping plain chunks finds exactly
// what examining every byte finds.
func FuzzScanMatchesByteScan(f *testing.F) {
	for _, seed := range []string{
		"the bearer abcdefghijklmnop0 token", "send it to jane.doe@example.com now please ok",
		"call me at +33 1 42 68 53 00 or later today", "iban de89370400440532013000 yes",
		"key sk-proj-abc123DEF456ghi789JKL012 here", "x eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0. y",
		"auth: bearer x.Abcdefghijklmnop", "Thanks. The 3 parcels on 2024-06-05, 12 of 200 (ok).",
		"Call (415) 555-0132. Or 1BoatSLRHtKNngkdXEeobR76b53LETtpyT now",
	} {
		f.Add(seed)
	}
	sc := NewScanner(Builtins())
	f.Fuzz(func(t *testing.T, s string) {
		fast := sc.Scan(s, nil, nil)
		_, slow := sc.scanBytes(s, 0, len(s), nil, nil)
		slow = mergeMatches(slow, 0)
		if len(fast) != len(slow) {
			t.Fatalf("%q: skipping scan found %v, byte scan %v", s, fast, slow)
		}
		for i := range fast {
			if fast[i] != slow[i] {
				t.Fatalf("%q: skipping scan found %v, byte scan %v", s, fast, slow)
			}
		}
	})
}
