// Package payload finds heavy payloads inside GenAI message JSON and writes
// their replacements.
//
// Walker finds the parts a sampling rule can select in one pass over a JSON
// document: inline binary content (data URIs and base64 blobs in the image,
// audio and file parts of the OTel GenAI, OpenAI, Anthropic, Gemini and
// Vercel AI SDK message shapes), reasoning parts and retrieved documents. It
// reports byte ranges and never copies the document. Splice rewrites the
// document with replacement values, so the result is valid JSON whenever the
// input was. The marker functions build the replacement text: a content hash
// with size and media type, a truncation marker, or a drop marker. Shrinker
// cuts a JSON document to a size limit by truncating its longest string
// values, so the result stays valid JSON.
package payload
