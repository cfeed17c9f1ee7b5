package payload

import "strings"

// audioFormats maps the "format" of an OpenAI input_audio part and of
// Bedrock audio blocks to a media type.
var audioFormats = map[string]string{
	"wav":   "audio/wav",
	"mp3":   "audio/mpeg",
	"mpeg":  "audio/mpeg",
	"flac":  "audio/flac",
	"opus":  "audio/opus",
	"ogg":   "audio/ogg",
	"aac":   "audio/aac",
	"m4a":   "audio/mp4",
	"webm":  "audio/webm",
	"pcm16": "audio/pcm",
	"pcm":   "audio/pcm",
}

// classify reports the parts among the members of one object, after the
// walker has walked every member's value.
func (w *Walker) classify(ms []member) {
	typ := w.memberString(ms, "type")

	switch typ {
	case "reasoning":
		// OTel GenAI: content. Vercel AI SDK: text. OpenAI Responses:
		// summary, content and encrypted_content.
		w.markWhole(ms, KindReasoning, "content", "text", "summary", "encrypted_content")
	case "thinking":
		// Anthropic thinking block.
		w.markWhole(ms, KindReasoning, "thinking")
	case "redacted_thinking":
		// Anthropic encrypted thinking.
		w.markWhole(ms, KindReasoning, "data")
	case "search_result":
		// Anthropic search result block.
		w.markWhole(ms, KindDocument, "content")
	case "document":
		// Anthropic document block with a text or URL source. A base64
		// source holds binary content, which its own object reports.
		w.markWhole(ms, KindDocument, "source")
	}

	// Gemini marks a thought summary with "thought": true on a text part.
	if m := w.memberNamed(ms, "thought"); m != nil && w.doc[m.valStart:m.valEnd] == "true" {
		w.markWhole(ms, KindReasoning, "text")
	}

	// LangChain documents, as retrievers return them.
	w.markWhole(ms, KindDocument, "page_content")

	for i := range ms {
		m := &ms[i]
		if m.handled || m.valType != '"' {
			continue
		}
		w.findInString(m.valStart, m.valEnd, m.valEscaped, ms, w.doc[m.keyStart:m.keyEnd])
	}
}

// markWhole reports each named member of ms as a part of kind k, unless its
// value is null or contains parts already, which stay the finer parts.
func (w *Walker) markWhole(ms []member, k Kind, keys ...string) {
	for i := range ms {
		m := &ms[i]
		if m.handled || m.valType == 'n' {
			continue
		}
		key := w.doc[m.keyStart:m.keyEnd]
		for _, want := range keys {
			if key != want {
				continue
			}
			m.handled = true
			if w.containsParts(m) {
				break
			}
			w.addPart(Part{
				Kind:      k,
				Start:     m.valStart,
				End:       m.valEnd,
				DataStart: m.valStart + 1,
				String:    m.valType == '"',
				Escaped:   m.valEscaped,
			})
			break
		}
	}
}

func (w *Walker) containsParts(m *member) bool {
	for _, p := range w.parts[m.partsBefore:] {
		if p.Start >= m.valStart && p.End <= m.valEnd {
			return true
		}
	}
	return false
}

// addPart appends p and keeps parts in document order. A part can precede
// parts that were appended before it, because an object's own members are
// classified after its nested values were walked.
func (w *Walker) addPart(p Part) {
	w.parts = append(w.parts, p)
	for i := len(w.parts) - 1; i > 0 && w.parts[i-1].Start > p.Start; i-- {
		w.parts[i], w.parts[i-1] = w.parts[i-1], w.parts[i]
	}
}

// findInString reports the string value doc[start:end] as a binary part
// when it is a base64 data URI, base64 text under a binary key, or base64
// text of at least MinBase64 bytes under any key. Base64 text without a media
// type or binary part type beside it must also pass LooksBinary. The key and
// its sibling members ms are empty for an array element.
func (w *Walker) findInString(start, end int, escaped bool, ms []member, key string) {
	raw := w.doc[start+1 : end-1]

	if mediaType, dataStart, ok := ParseDataURI(raw); ok {
		if mediaType == "" {
			mediaType = SniffMediaType(raw[dataStart:])
		}
		w.addBinary(start, end, start+1+dataStart, escaped, mediaType, ms)
		return
	}

	binary := false
	if ms != nil && isBinaryKey(key, w.memberString(ms, "type")) {
		if w.hasBinaryContext(ms) {
			binary = IsBase64(raw, minKeyedBase64, escaped)
		} else {
			binary = IsBase64(raw, minUntypedKeyedBase64, escaped) && LooksBinary(raw)
		}
	}
	if !binary && !(IsBase64(raw, MinBase64, escaped) && LooksBinary(raw)) {
		return
	}
	w.addBinary(start, end, start+1, escaped, w.siblingMediaType(ms, raw), ms)
}

func (w *Walker) addBinary(start, end, dataStart int, escaped bool, mediaType string, ms []member) {
	k := KindNone
	if mediaType != "" {
		k = KindOfMediaType(unescapeSlash(mediaType))
	} else {
		k = w.kindFromContext(ms)
	}
	w.addPart(Part{
		Kind:      k,
		Start:     start,
		End:       end,
		DataStart: dataStart,
		MediaType: mediaType,
		String:    true,
		Escaped:   escaped,
	})
}

// isBinaryKey reports whether a string under key in an object of part type
// typ contains binary content in a known message shape. The keys are "data"
// (Anthropic and Bedrock sources, Gemini inlineData, OpenAI input_audio and
// audio output, Vercel file parts) and "content" of an OTel GenAI blob part.
// Then "image" of a Vercel image part, "file_data" of OpenAI file parts,
// "b64_json" of OpenAI image results and "bytes" of Bedrock sources.
func isBinaryKey(key, typ string) bool {
	switch key {
	case "data", "file_data", "b64_json", "bytes", "blob":
		return true
	case "content":
		return typ == "blob"
	case "image":
		return typ == "image"
	case "audio":
		return true
	}
	return false
}

// hasBinaryContext reports whether an object names a media type, an audio
// format or a part type that carries binary content.
func (w *Walker) hasBinaryContext(ms []member) bool {
	for _, key := range [...]string{"mime_type", "mimeType", "media_type", "mediaType", "format", "modality"} {
		if w.memberString(ms, key) != "" {
			return true
		}
	}
	switch w.memberString(ms, "type") {
	case "blob", "image", "audio", "file", "base64", "input_audio", "input_image", "input_file":
		return true
	}
	return false
}

// siblingMediaType returns the media type that the members ms name for a
// base64 value, else the one its file signature shows, else "".
func (w *Walker) siblingMediaType(ms []member, b64 string) string {
	for _, key := range [...]string{"mime_type", "mimeType", "media_type", "mediaType"} {
		if v := w.memberString(ms, key); strings.IndexByte(v, '/') > 0 {
			return v
		}
	}
	if mediaType, ok := audioFormats[strings.ToLower(w.memberString(ms, "format"))]; ok {
		return mediaType
	}
	return SniffMediaType(b64)
}

// kindFromContext returns the binary kind that an object's modality or part
// type names, and KindFile when it names none.
func (w *Walker) kindFromContext(ms []member) Kind {
	for _, key := range [...]string{"modality", "type"} {
		switch w.memberString(ms, key) {
		case "image", "input_image", "image_url":
			return KindImage
		case "audio", "input_audio":
			return KindAudio
		case "video":
			return KindVideo
		}
	}
	return KindFile
}

// memberNamed returns the member of ms with the given key, or nil.
func (w *Walker) memberNamed(ms []member, key string) *member {
	for i := range ms {
		if w.doc[ms[i].keyStart:ms[i].keyEnd] == key {
			return &ms[i]
		}
	}
	return nil
}

// memberString returns the raw text of the string member key of ms, or ""
// when it is missing or not a string.
func (w *Walker) memberString(ms []member, key string) string {
	m := w.memberNamed(ms, key)
	if m == nil || m.valType != '"' {
		return ""
	}
	return w.doc[m.valStart+1 : m.valEnd-1]
}

// unescapeSlash returns s for matching, with a JSON-escaped "\/" read as
// "/" in the one place media types carry it.
func unescapeSlash(s string) string {
	if i := strings.Index(s, `\/`); i >= 0 {
		return s[:i] + "/" + s[i+2:]
	}
	return s
}
