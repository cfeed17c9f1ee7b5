// Package pii finds personal data and secrets in text and replaces them.
//
// A Scanner runs every enabled built-in Detector over a string in one
// left-to-right pass. Each detector is called only at the bytes that can
// start its kind of value: a digit run, an '@', a known prefix. Each
// candidate must pass a validator (Luhn, IBAN mod-97, address syntax,
// checksums) before it counts as a match. A Masker adds user rules, the
// allow-list, JSON awareness and the replacement actions on top of a Scanner.
//
// Strings without a match are returned unchanged and cost no allocation.
package pii
