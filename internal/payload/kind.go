package payload

import "strings"

// Kind is the class of a payload part.
type Kind uint8

// Part kinds. The binary kinds are distinguished by media type, or by the
// modality or part type when the document names no media type.
const (
	KindNone Kind = iota
	KindImage
	KindAudio
	KindVideo
	KindFile
	KindReasoning
	KindDocument
)

var kindNames = [...]string{
	KindNone:      "none",
	KindImage:     "image",
	KindAudio:     "audio",
	KindVideo:     "video",
	KindFile:      "file",
	KindReasoning: "reasoning",
	KindDocument:  "document",
}

// String returns the configuration spelling of k.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// IsBinary reports whether k is inline binary content.
func (k Kind) IsBinary() bool {
	return k == KindImage || k == KindAudio || k == KindVideo || k == KindFile
}

// ParseKind returns the kind spelled name, as used in configuration. The
// name "binary" is not a kind: callers expand it to the four binary kinds.
func ParseKind(name string) (Kind, bool) {
	for k, n := range kindNames {
		if k != int(KindNone) && n == name {
			return Kind(k), true
		}
	}
	return KindNone, false
}

// KindOfMediaType returns the binary kind of a media type such as
// "image/png": image, audio or video by the top-level type, file otherwise.
func KindOfMediaType(mediaType string) Kind {
	switch {
	case hasPrefixFold(mediaType, "image/"):
		return KindImage
	case hasPrefixFold(mediaType, "audio/"):
		return KindAudio
	case hasPrefixFold(mediaType, "video/"):
		return KindVideo
	}
	return KindFile
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
