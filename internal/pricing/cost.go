package pricing

import (
	"math"
	"strconv"
)

// Usage is the token usage of one model call in disjoint buckets: no token is
// counted in two of InputUncached, CacheRead, CacheWrite, CacheWrite1h,
// Output and Reasoning. InputAudio and InputImage are parts of InputUncached,
// and OutputAudio is part of Output.
type Usage struct {
	InputUncached int64
	CacheRead     int64
	CacheWrite    int64
	CacheWrite1h  int64
	InputAudio    int64
	InputImage    int64
	Output        int64
	Reasoning     int64
	OutputAudio   int64
	// AudioSeconds is the length of audio input in seconds, for models
	// billed per second.
	AudioSeconds float64
	// ServiceTier is the provider's service tier ("priority", "flex"); empty
	// for the default tier.
	ServiceTier string
	// Batch is true for requests of a batch job.
	Batch bool
}

// prompt returns the whole prompt size that long-context tiers compare with.
// The sum saturates at math.MaxInt64, so that huge counts stay above every
// threshold instead of wrapping to a negative size.
func (u Usage) prompt() int64 {
	var sum int64
	for _, n := range [...]int64{u.InputUncached, u.CacheRead, u.CacheWrite, u.CacheWrite1h} {
		if n > 0 && sum > math.MaxInt64-n {
			return math.MaxInt64
		}
		sum += max(n, 0)
	}
	return sum
}

// Cost is the cost of one model call in USD, per usage type. The fields
// follow Langfuse's costDetails keys.
type Cost struct {
	Input        float64
	InputAudio   float64
	InputImage   float64
	CacheRead    float64
	CacheWrite   float64
	Output       float64
	OutputAudio  float64
	Reasoning    float64
	AudioSeconds float64
	Total        float64
}

// Rates returns the rates that apply to u: the base rates, replaced by the
// highest long-context tier that the prompt is above, then by the service
// tier, then by batch rates.
func (e *Entry) Rates(u Usage) Rates {
	if len(e.Tiers) == 0 && u.ServiceTier == "" && !u.Batch {
		return e.Base
	}
	r := e.Base
	prompt := u.prompt()
	for _, t := range e.Tiers {
		// The comparison is strict: a prompt of exactly the threshold
		// stays on the lower tier.
		if prompt > t.AboveInputTokens {
			r = r.with(t.Rates)
			break
		}
	}

	// NOTE: service-tier rates replace long-context rates, so a priority or
	// flex request above a long-context threshold is billed at the plain
	// service-tier rate. The default table has no combined rates.
	if u.ServiceTier != "" {
		if st, ok := e.ServiceTiers[u.ServiceTier]; ok {
			r = r.with(st)
		}
	}

	if u.Batch {
		r = r.scaled(0.5).with(e.Batch)
	}
	return r
}

// Cost returns the cost of u. Audio and image input and audio output are
// billed at their own rates when the entry sets them. A missing rate falls
// back to the rate that the table format names. Negative counts are billed
// as zero.
func (e *Entry) Cost(u Usage) Cost {
	r := e.Rates(u)
	var c Cost

	input, output := r.perToken[Input], r.perToken[Output]
	cacheWrite := r.or(CacheWrite, input)

	inputAudio, inputImage := max(u.InputAudio, 0), max(u.InputImage, 0)
	text := max(u.InputUncached-inputAudio-inputImage, 0)
	c.Input = float64(text) * input
	c.InputAudio = float64(inputAudio) * r.or(InputAudio, input)
	c.InputImage = float64(inputImage) * r.or(InputImage, input)
	c.CacheRead = float64(max(u.CacheRead, 0)) * r.or(CacheRead, input)
	c.CacheWrite = float64(max(u.CacheWrite, 0))*cacheWrite +
		float64(max(u.CacheWrite1h, 0))*r.or(CacheWrite1h, cacheWrite)

	outputAudio := max(u.OutputAudio, 0)
	outText := max(u.Output-outputAudio, 0)
	c.Output = float64(outText) * output
	c.OutputAudio = float64(outputAudio) * r.or(OutputAudio, output)
	c.Reasoning = float64(max(u.Reasoning, 0)) * r.or(Reasoning, output)

	perSecond := e.AudioInputPerSecond
	if u.Batch {
		perSecond /= 2
	}
	if u.AudioSeconds > 0 {
		c.AudioSeconds = u.AudioSeconds * perSecond
	}

	c.Total = c.Input + c.InputAudio + c.InputImage + c.CacheRead + c.CacheWrite +
		c.Output + c.OutputAudio + c.Reasoning + c.AudioSeconds
	return c
}

// MaxDetailsJSONBytes is the longest text that AppendDetailsJSON appends.
const MaxDetailsJSONBytes = 640

// AppendDetailsJSON appends the cost as a JSON object in Langfuse's
// costDetails keys to dst, each value rounded to 1e-12 USD. input, output and total are always present; the
// other keys only when their usage bucket is not empty.
func (c Cost) AppendDetailsJSON(dst []byte, u Usage) []byte {
	dst = appendField(dst, `{"input":`, c.Input)
	if u.InputAudio > 0 {
		dst = appendField(dst, `,"input_audio":`, c.InputAudio)
	}
	if u.InputImage > 0 {
		dst = appendField(dst, `,"input_image":`, c.InputImage)
	}
	if u.CacheRead > 0 {
		dst = appendField(dst, `,"input_cache_read":`, c.CacheRead)
	}
	if u.CacheWrite > 0 || u.CacheWrite1h > 0 {
		dst = appendField(dst, `,"input_cache_creation":`, c.CacheWrite)
	}
	if u.AudioSeconds > 0 {
		dst = appendField(dst, `,"input_audio_seconds":`, c.AudioSeconds)
	}
	dst = appendField(dst, `,"output":`, c.Output)
	if u.OutputAudio > 0 {
		dst = appendField(dst, `,"output_audio":`, c.OutputAudio)
	}
	if u.Reasoning > 0 {
		dst = appendField(dst, `,"output_reasoning_tokens":`, c.Reasoning)
	}
	dst = appendField(dst, `,"total":`, c.Total)
	return append(dst, '}')
}

// appendField appends prefix, which contains the separator, the quoted key and
// the colon, then v.
func appendField(dst []byte, prefix string, v float64) []byte {
	dst = append(dst, prefix...)
	return appendUSD(dst, v)
}

// appendUSD appends v rounded to 1e-12 USD as a JSON number. It formats the
// rounded integer two digits at a time rather than with strconv's float
// formatting, to keep the cost of the several values per priced span low.
// Values that do not fit the integer form are formatted by strconv, and NaN
// and infinities as null.
func appendUSD(dst []byte, v float64) []byte {
	const scale = 1e12
	if math.IsNaN(v) || math.IsInf(v, 0) {
		// JSON has no NaN or infinity. Costs from validated rates are
		// finite, so this only guards against a programming error.
		return append(dst, "null"...)
	}
	if !(v >= 0 && v < 1e6) {
		return strconv.AppendFloat(dst, v, 'g', 15, 64)
	}
	pico := uint64(math.Round(v * scale))
	if pico < scale {
		dst = append(dst, '0')
	} else {
		dst = strconv.AppendUint(dst, pico/scale, 10)
	}
	frac := pico % scale
	if frac == 0 {
		return dst
	}

	// Drop the trailing zeros of the 12 fraction digits first, then write
	// the rest right to left with leading zeros: 0.000215 is 215000000
	// picodollars, written ".000215".
	n := 12
	for frac%100 == 0 {
		frac /= 100
		n -= 2
	}
	if frac%10 == 0 {
		frac /= 10
		n--
	}
	dst = append(dst, ".000000000000"[:n+1]...)
	digits := dst[len(dst)-n:]
	i := len(digits)
	for frac >= 10 && i >= 2 {
		pair := frac % 100 * 2
		frac /= 100
		i -= 2
		digits[i], digits[i+1] = digitPairs[pair], digitPairs[pair+1]
	}
	if frac > 0 && i >= 1 {
		digits[i-1] = byte('0' + frac)
	}
	return dst
}

// digitPairs contains the two decimal digits of 0 to 99 in order.
const digitPairs = "00010203040506070809" +
	"10111213141516171819" +
	"20212223242526272829" +
	"30313233343536373839" +
	"40414243444546474849" +
	"50515253545556575859" +
	"60616263646566676869" +
	"70717273747576777879" +
	"80818283848586878889" +
	"90919293949596979899"
