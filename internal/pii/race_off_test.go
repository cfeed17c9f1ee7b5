//go:build !race

package pii

const raceDetector = false
